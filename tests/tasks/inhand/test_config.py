"""Strict in-hand config: owner YAMLs load, bad overrides name the key."""

from __future__ import annotations

import importlib.util

import pytest

from hot.config.strict import ConfigError
from hot.tasks.inhand.config import CFG_DIR, TASKS, load_inhand_config


@pytest.mark.parametrize("path", sorted(CFG_DIR.glob("*/*.yaml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_owner_yaml_loads(path):
    algo, name = path.parent.name, path.stem
    task = max((t for t in TASKS if name == t or name.startswith(t + "_")), key=len)
    profile = name[len(task) + 1 :]
    cfg = load_inhand_config(algo, task, profile)
    assert cfg.task == task and cfg.algo_name == algo


def test_dotted_overrides_apply_and_unknown_key_is_named():
    cfg = load_inhand_config(
        "ppo",
        "allegro_inhand",
        "hora",
        overrides=["env.domain_rand.scale_list=[0.8,1.0]", "algo.num_envs=12"],
    )
    assert cfg.env.domain_rand.scale_list == [0.8, 1.0] and cfg.algo.num_envs == 12
    with pytest.raises(ConfigError, match="'env.domain_rand.scale_lst' is not a known setting"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["env.domain_rand.scale_lst=[0.8]"])
    with pytest.raises(ConfigError, match="algo.num_envs"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["algo.num_envs=many"])
    with pytest.raises(ConfigError, match="scale_list"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["env.domain_rand.scale_list=[]"])


def test_unknown_combinations_and_backend(monkeypatch):
    with pytest.raises(ConfigError, match="configured:"):
        load_inhand_config("hora_distill", "allegro_inhand_grasp")
    with pytest.raises(ConfigError, match="unknown in-hand task"):
        load_inhand_config("ppo", "SkillMimicHandRand")
    with pytest.raises(ConfigError, match="'sim' conflicts with the command line"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["sim=mjwarp"])
    # --sim mjwarp: accepted when MuJoCo Warp is installed, else an error naming the install command
    import hot.sim

    if hot.sim.mjwarp_missing() is None:
        for task in TASKS:
            assert load_inhand_config("ppo", task, sim="mjwarp").sim == "mjwarp"
    real = importlib.util.find_spec
    monkeypatch.setattr(
        hot.sim.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "mujoco_warp" else real(name, *a),
    )
    with pytest.raises(
        ConfigError, match=r"--sim mjwarp: .*mujoco_warp is not installed: pip install -e \.\[gpu\]"
    ):
        load_inhand_config("ppo", "allegro_inhand", sim="mjwarp")
    assert load_inhand_config("ppo", "allegro_inhand").sim == "mujoco"


def test_hora_cpu_profile_is_hora_plus_the_documented_deviations():
    hora = load_inhand_config("ppo", "allegro_inhand", "hora")
    cpu = load_inhand_config("ppo", "allegro_inhand", "hora_cpu")
    assert hora.env.reward.drop_penalty == 0.0 and hora.env.domain_rand.curriculum_steps == 0
    assert cpu.env.reward.drop_penalty == -50.0 and cpu.env.domain_rand.curriculum_steps == 1_500_000
    assert (cpu.algo.ppo.horizon_length, cpu.algo.ppo.minibatch_size, cpu.algo.ppo.init_log_std) == (
        32,
        2048,
        -2.0,
    )
    assert cpu.env.domain_rand.mass_range == hora.env.domain_rand.mass_range and cpu.env.priv_info


def test_torch_threads_reaches_rl_games_params_only_when_set():
    from hot.learning.inhand import ppo_train_cfg

    default = ppo_train_cfg(load_inhand_config("ppo", "allegro_inhand", "hora_cpu"))["params"]
    assert "torch_threads" not in default  # the adapter picks min(4, cores)
    one = load_inhand_config("ppo", "allegro_inhand", "hora_cpu", overrides=["algo.ppo.torch_threads=1"])
    assert ppo_train_cfg(one)["params"]["torch_threads"] == 1


def test_scientific_notation_without_a_dot_is_a_number():
    """YAML 1.1 reads ``1e-3`` as a string; float settings accept it, other types still refuse it."""
    cfg = load_inhand_config("hora_distill", "allegro_inhand", overrides=["algo.distill.learning_rate=1e-3"])
    assert cfg.algo.distill.learning_rate == 1e-3
    with pytest.raises(
        ConfigError, match=r"learning_rate' is -20.0, must be in \(0, 1\]"
    ):  # parsed, then range-checked
        load_inhand_config("hora_distill", "allegro_inhand", overrides=["algo.distill.learning_rate=-2E+1"])
    with pytest.raises(ConfigError, match="algo.num_envs"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["algo.num_envs=1e3"])
    with pytest.raises(ConfigError, match="must be a number"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["algo.ppo.learning_rate=1e-3x"])
