"""Adapter pieces that need no training: vec-env done/time-out semantics, minibatch fit, registration."""

from __future__ import annotations

import torch

from hot.learning import adapter
from tests.learning.helpers import toy_cfg
from tests.learning.toy_env import ToyReachEnv


class _ScriptedEnv(ToyReachEnv):
    """Toy env whose step returns scripted done / terminate / time-out flags."""

    def __init__(self, done, terminate, time_outs):
        super().__init__(num_envs=len(done))
        self.flags = [torch.tensor(x) for x in (done, terminate, time_outs)]

    def step(self, actions):
        obs, rew, _, info = super().step(actions)
        done, terminate, time_outs = self.flags
        info = dict(info, terminate=terminate, time_outs=time_outs)
        return obs, rew, done, info


def test_vecenv_terminations_are_not_bootstrapped():
    adapter.register()
    # env 0: timeout only; env 1: termination only; env 2: both (a failure: no bootstrap); env 3: running
    env = _ScriptedEnv(
        done=[True, True, True, False],
        terminate=[False, True, True, False],
        time_outs=[True, False, True, False],
    )
    venv = adapter.HotVecEnv(adapter.ENV_NAME, 4, env=env)
    venv.reset()
    obs, rew, done, info = venv.step(torch.zeros(4, 3))
    assert done.dtype == torch.uint8 and done.tolist() == [1, 1, 1, 0]
    assert info["time_outs"].tolist() == [1, 0, 0, 0]
    assert obs["obs"].shape == (4, env.num_obs) and rew.shape == (4,)
    space = venv.get_env_info()["observation_space"]
    assert space.shape == (env.num_obs,) and space.dtype.name == "float32"
    assert venv.get_env_info()["obs_layout"][1] == ["obj_keypoints", 3, 15]


def test_done_flag_from_terminate_even_if_env_forgets():
    adapter.register()
    env = _ScriptedEnv(done=[False, False], terminate=[True, False], time_outs=[False, True])
    venv = adapter.HotVecEnv(adapter.ENV_NAME, 2, env=env)
    venv.reset()
    _, _, done, info = venv.step(torch.zeros(2, 3))
    assert done.tolist() == [1, 1] and info["time_outs"].tolist() == [0, 1]


def test_largest_divisor():
    assert adapter.largest_divisor_at_most(131072, 16384) == 16384
    assert adapter.largest_divisor_at_most(64 * 32, 16384) == 2048
    assert adapter.largest_divisor_at_most(6 * 32, 100) == 96
    assert adapter.largest_divisor_at_most(97, 50) == 1


def test_build_params_fits_minibatch_and_cpu_settings(tmp_path, capsys):
    env = ToyReachEnv(num_envs=6)
    cfg = toy_cfg(minibatch_size=16384, horizon=32)
    cfg["params"]["config"]["torch_compile"] = True
    params, resolved = adapter.build_params(env, cfg, tmp_path / "run", 3, seed=0)
    c = params["config"]
    assert c["minibatch_size"] == 192 and (6 * 32) % c["minibatch_size"] == 0
    assert "minibatch_size 16384 -> 192" in capsys.readouterr().out
    assert c["torch_compile"] is False  # CPU env
    assert c["device"] == "cpu" and c["device_name"] == "cpu" and c["max_epochs"] == 3
    assert params["network"]["obs_layout"] == [
        ["pos", 0, 3],
        ["obj_keypoints", 3, 15],
        ["target", 15, 18],
        ["time", 18, 19],
    ]
    assert c["env_config"]["env"] is env and "env_config" not in resolved["config"]
    assert cfg["params"]["config"]["minibatch_size"] == 16384  # caller's dict untouched


def test_register_is_idempotent():
    from rl_games.algos_torch import model_builder

    adapter.register()
    adapter.register()
    assert adapter.NETWORK_DENSEOBJ in model_builder.NETWORK_REGISTRY
    assert adapter.MODEL_NAME in model_builder.MODEL_REGISTRY
