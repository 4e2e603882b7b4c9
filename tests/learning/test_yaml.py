"""The train YAMLs carry the spec §6 hyperparameters and build a network."""

from __future__ import annotations

import pytest

from hot.learning import adapter
from tests.learning.helpers import REPO

RLG = REPO / "hot/data/cfg/train/rlg"
COMMON = dict(
    tau=0.95,
    learning_rate=2e-5,
    lr_schedule="constant",
    horizon_length=32,
    minibatch_size=16384,
    mini_epochs=6,
    e_clip=0.2,
    critic_coef=5,
    entropy_coef=0.0,
    bounds_loss_coef=10,
    normalize_input=True,
    normalize_value=True,
    normalize_advantage=True,
    clip_value=False,
    save_frequency=50,
    truncate_grads=False,
    torch_compile=False,
)


@pytest.mark.parametrize(
    "name, network, units, gamma, max_epochs",
    [
        ("skillmimic_denseobj", adapter.NETWORK_DENSEOBJ, [1024, 512, 512], 0.99, 30000),
        ("skillmimic", adapter.NETWORK_MLP, [1024, 512, 512], 0.99, 30000),
        ("skillmimic_large_mlp", adapter.NETWORK_MLP, [2048, 1024, 1024, 512], 0.999, 50000),
    ],
)
def test_yaml_defaults(name, network, units, gamma, max_epochs):
    p = adapter.load_train_cfg(RLG / f"{name}.yaml")["params"]
    c = p["config"]
    assert {k: c[k] for k in COMMON} == COMMON
    assert c["gamma"] == gamma and c["max_epochs"] == max_epochs
    assert p["network"]["name"] == network and p["network"]["mlp"]["units"] == units
    assert p["network"]["log_std_init"] == -2.9
    assert p["model"]["name"] == adapter.MODEL_NAME and p["algo"]["name"] == adapter.ALGO_NAME


def test_missing_params_key_names_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("config: {}\n")
    with pytest.raises(ValueError, match="bad.yaml: top-level key 'params' missing"):
        adapter.load_train_cfg(bad)


def test_cpu_configs_differ_from_each_other_only_in_the_network():
    """skillmimic_sparse_cpu.yaml is skillmimic_denseobj_cpu.yaml with a plain MLP (20 sparse keypoints)."""
    dense = adapter.load_train_cfg(RLG / "skillmimic_denseobj_cpu.yaml")["params"]
    sparse = adapter.load_train_cfg(RLG / "skillmimic_sparse_cpu.yaml")["params"]
    assert (
        sparse["network"]["name"] == adapter.NETWORK_MLP
        and dense["network"]["name"] == adapter.NETWORK_DENSEOBJ
    )
    assert sparse["network"]["mlp"] == dense["network"]["mlp"]
    same = {k: v for k, v in dense["config"].items() if k != "name"}
    assert {k: sparse["config"][k] for k in same} == same
