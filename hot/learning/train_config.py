"""The tracking train YAML (``hot/data/cfg/train/rlg/*.yaml``, upstream's rl-games layout) as a typed schema.

The file keeps upstream's ``params: {seed, algo, model, network, config[, distill]}`` form, so the original's
``--cfg_train`` paths work, but it is loaded strictly like the env YAML: an unknown key (``learning_rat``), a
wrong type (``learning_rate: fast``) or an out-of-range value (``mini_epochs: -1``) is an error naming the
file and the key, before anything is built; a key left out takes the default below. The result is handed to
rl-games as the plain dict it expects. ``params.distill`` is checked by :mod:`hot.distill.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml

from hot.config.strict import (
    AnyInt,
    ConfigError,
    NonNegFloat,
    NonNegInt,
    PosFloat,
    PosInt,
    Range,
    UnitFloat,
    from_dict,
    safe_load_unique,
    to_dict,
)

__all__ = ["TrainParams", "PpoConfig", "NetworkConfig", "load_train_params"]


@dataclass
class NamedCfg:
    """``params.algo`` / ``params.model``: the rl-games builder name (the adapter sets hot's own)."""

    name: str = ""


@dataclass
class MlpCfg:
    units: list[PosInt] = field(default_factory=lambda: [256, 128])
    """Hidden layer widths of the actor and critic MLPs."""
    activation: Literal["relu", "elu", "tanh", "selu", "sigmoid", "None"] = "relu"

    def __post_init__(self) -> None:
        if not self.units or min(self.units) < 1:
            raise ValueError(f"mlp.units must be a non-empty list of widths >= 1, got {self.units}")


@dataclass
class NetworkConfig:
    name: Literal["hot_denseobj", "hot_mlp"] = "hot_denseobj"
    """``hot_denseobj``: a point encoder over the ``obj_keypoints`` block, then MLPs; ``hot_mlp``: MLPs only."""
    separate: bool = True
    """Separate actor and critic MLPs."""
    point_features: PosInt = 60
    """Width of the point encoder's output (``hot_denseobj``)."""
    log_std_init: Annotated[float, Range(ge=-10.0, le=2.0)] = -1.6
    """Fixed log standard deviation of the Gaussian policy."""
    mlp: MlpCfg = field(default_factory=MlpCfg)


@dataclass
class RewardShaperCfg:
    scale_value: PosFloat = 1.0


@dataclass
class PpoConfig:
    """``params.config``: PPO settings (rl-games names)."""

    name: str = "hot"
    """Run and checkpoint name prefix."""
    ppo: bool = True
    normalize_input: bool = True
    normalize_value: bool = True
    normalize_advantage: bool = True
    value_bootstrap: bool = True
    reward_shaper: RewardShaperCfg = field(default_factory=RewardShaperCfg)
    gamma: Annotated[float, Range(gt=0.0, le=1.0)] = 0.99
    tau: UnitFloat = 0.95
    """GAE lambda."""
    learning_rate: Annotated[float, Range(gt=0.0, le=1.0)] = 1e-4
    lr_schedule: Literal["constant", "adaptive", "linear"] = "constant"
    kl_threshold: PosFloat = 0.008
    """Target KL of the adaptive schedule."""
    horizon_length: PosInt = 32
    """Steps per env per epoch."""
    minibatch_size: PosInt = 16384
    """Rounded down to a divisor of num_envs x horizon_length."""
    mini_epochs: PosInt = 4
    e_clip: Annotated[float, Range(gt=0.0, lt=1.0)] = 0.2
    clip_value: bool = False
    critic_coef: NonNegFloat = 5.0
    entropy_coef: NonNegFloat = 0.0
    bounds_loss_coef: NonNegFloat = 10.0
    grad_norm: PosFloat = 1.0
    truncate_grads: bool = False
    max_epochs: PosInt = 30000
    """Total epochs (a resumed run counts its earlier ones); --max_iterations overrides."""
    save_frequency: NonNegInt = 10
    save_best_after: NonNegInt = 10
    keep_checkpoints: NonNegInt = 5
    """Periodic checkpoints kept (the newest; 0 keeps all)."""
    games_to_track: PosInt = 100
    print_stats: bool = False
    torch_compile: bool = False
    """torch.compile the model (CUDA only)."""
    multi_gpu: bool = False
    """Set by --multi_gpu under torchrun, not by hand."""


@dataclass
class TrainParams:
    """``params``: everything rl-games gets."""

    seed: AnyInt = 0
    """Overridden by --seed."""
    torch_threads: NonNegInt = 0
    """Torch CPU threads of the learner (0: min(4, cores))."""
    algo: NamedCfg = field(default_factory=lambda: NamedCfg("hot_a2c"))
    model: NamedCfg = field(default_factory=lambda: NamedCfg("hot_a2c_logstd"))
    network: NetworkConfig = field(default_factory=NetworkConfig)
    config: PpoConfig = field(default_factory=PpoConfig)
    distill: dict[str, Any] | None = None
    """Distillation teachers and schedule (``hot.distill.config.DistillCfg``); distillation tasks only."""


def load_train_params(path: str | Path) -> dict:
    """Read and check a train YAML; returns ``{"params": {...}}`` as a plain dict, every default filled in.

    Raises :class:`ConfigError` naming the file and key for unreadable YAML, a missing ``params`` section,
    unknown keys, wrong types and out-of-range values.
    """
    path = Path(path)
    try:
        with open(path) as f:
            data = safe_load_unique(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the train config ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict) or "params" not in data:
        raise ConfigError(f"{path}: top-level key 'params' missing (a train YAML is 'params: {{...}}')")
    extra = sorted(set(data) - {"params"})
    if extra:
        raise ConfigError(f"{path}: '{extra[0]}' is not a known top-level key (only 'params')")
    params = from_dict(TrainParams, data["params"], source=str(path), prefix="params")
    out = to_dict(params)
    if out["distill"] is None:
        del out["distill"]
    if out["torch_threads"] == 0:
        del out["torch_threads"]  # the adapter (and torchrun's sharing) pick the thread count
    return {"params": out}
