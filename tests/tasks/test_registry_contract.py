"""One contract for every registered task x hand: reset, step, shapes, finite values, and the config and a
checkpoint round-trip through the strict loader and the weights-only checkpoint format."""

from __future__ import annotations

import pytest
import torch

from hot.config.strict import from_dict, to_dict
from hot.learning.checkpoint import load_checkpoint, save_checkpoint
from hot.tasks.registry import TASKS
from tests.fixtures.clips import write_clip_folder
from tests.tasks.inhand.helpers import marked_caches

CASES = [(name, hand) for name, spec in TASKS.items() for hand in spec.hands]


def _configured(name: str, hand: str, tmp_path):
    """The task's default config with small sizes and its data (synthetic clips or grasp caches) set."""
    cfg = TASKS[name].config_type()
    if name == "tracking":
        cfg.env.motion_file = str(write_clip_folder(tmp_path / "clips", hand))
        cfg.env.episode_length = 20
        cfg.env.enable_obj_keypoints = cfg.env.enable_dof_obs = cfg.env.enable_early_termination = True
        cfg.env.action_mode = "residual"
        cfg.sim.nthread = 1
    elif name == "inhand":
        cfg.env.grasp_cache_path = str(tmp_path / "cache" / "g")
        cfg.env.domain_rand.scale_list = [0.9, 1.0]
        cfg.env.physics.nthread = 1
        marked_caches(cfg.env)
    else:  # a new task: give it its data here
        pytest.fail(f"no test data for registered task {name!r}")
    return cfg


def test_every_task_folder_is_registered():
    from pathlib import Path

    import hot.tasks

    folders = {p.name for p in Path(hot.tasks.__file__).parent.iterdir() if (p / "__init__.py").is_file()}
    assert folders == set(TASKS)


@pytest.mark.parametrize("name,hand", CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_task_contract(name, hand, tmp_path):
    spec = TASKS[name]
    cfg = _configured(name, hand, tmp_path)
    assert from_dict(type(cfg), to_dict(cfg)) == cfg  # the config survives the strict loader
    env = spec.make_env(cfg, hand, num_envs=4, seed=0)
    obs = env.reset()
    assert obs.shape == (4, env.num_obs) and torch.isfinite(obs).all()
    g = torch.Generator().manual_seed(0)
    for _ in range(6):
        obs, rew, done, info = env.step(torch.rand(4, env.num_actions, generator=g) * 2 - 1)
        assert obs.shape == (4, env.num_obs) and torch.isfinite(obs).all()
        assert rew.shape == done.shape == (4,) and torch.isfinite(rew).all() and done.dtype == torch.bool
        assert isinstance(info, dict)
    weights = {"w": torch.randn(env.num_actions, env.num_obs)}
    meta = {"task": name, "hand": hand, "num_obs": int(env.num_obs), "num_actions": int(env.num_actions)}
    path = save_checkpoint(tmp_path / "ckpt.pth", {"model": weights}, meta)
    back = load_checkpoint(path)
    assert torch.equal(back["rlg"]["model"]["w"], weights["w"]) and back["meta"]["task"] == name


def test_unsupported_hand_is_refused(tmp_path):
    with pytest.raises(ValueError, match="allegro hand only"):
        TASKS["inhand"].make_env(TASKS["inhand"].config_type(), "mano", num_envs=2)
