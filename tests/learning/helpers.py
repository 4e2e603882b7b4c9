"""Shared helpers for the learning tests: a small, fast train config for the toy env."""

from __future__ import annotations

from pathlib import Path

from hot.learning import adapter

REPO = Path(__file__).resolve().parents[2]
DENSE_YAML = REPO / "hot/data/cfg/train/rlg/skillmimic_denseobj.yaml"


def toy_cfg(
    units: tuple[int, ...] = (64, 64),
    log_std_init: float | None = None,
    minibatch_size: int = 256,
    horizon: int = 16,
    mini_epochs: int = 4,
    learning_rate: float = 1e-3,
    save_frequency: int = 0,
) -> dict:
    """The dense-object teacher YAML shrunk for CPU tests (everything else stays at spec values)."""
    cfg = adapter.load_train_cfg(DENSE_YAML)
    p = cfg["params"]
    p["torch_threads"] = 1
    p["network"]["mlp"]["units"] = list(units)
    if log_std_init is not None:
        p["network"]["log_std_init"] = log_std_init
    p["config"].update(
        learning_rate=learning_rate,
        horizon_length=horizon,
        minibatch_size=minibatch_size,
        mini_epochs=mini_epochs,
        save_frequency=save_frequency,
    )
    return cfg
