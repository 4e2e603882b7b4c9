"""HORA student distillation options: replay set, several updates per iteration, action-matching loss."""

from __future__ import annotations

import json

import pytest
import torch

from hot.config.strict import ConfigError
from hot.learning import inhand as learning
from hot.learning.checkpoint import load_checkpoint
from hot.learning.inhand import SHIPPED_CHECKPOINTS, SHIPPED_DIR, _Replay
from hot.learning.inhand_networks import AdaptMLP
from hot.tasks.inhand.config import load_inhand_config
from hot.tasks.inhand.env import InhandEnv


def test_replay_keeps_the_newest_samples_and_samples_without_replacement():
    r = _Replay(5)
    r.add(x=torch.arange(3.0)[:, None], y=torch.arange(3))
    assert r.size == 3 and sorted(r.sample(10)["y"].tolist()) == [0, 1, 2]
    r.add(x=torch.arange(3.0, 7.0)[:, None], y=torch.arange(3, 7))  # wraps: 0 and 1 are overwritten
    b = r.sample(10)
    assert r.size == 5 and sorted(b["y"].tolist()) == [2, 3, 4, 5, 6]
    assert torch.equal(b["x"][:, 0], b["y"].float())  # fields stay aligned
    assert len(set(r.sample(3)["y"].tolist())) == 3


@pytest.mark.parametrize("override", ["algo.distill.updates_per_iter=0", "algo.distill.replay_iters=0",
                                      "algo.distill.action_loss=-1", "algo.distill.minibatch_size=-2",
                                      "algo.distill.adapt=gru", "algo.distill.mlp_frames=0"])  # fmt: skip
def test_bad_distill_settings_are_refused_by_name(override):
    key = override.split("=")[0]
    with pytest.raises(ConfigError, match=key):
        load_inhand_config("hora_distill", "allegro_inhand", "", "mujoco", [override])


def test_distill_with_replay_updates_and_action_loss_logs_each_iteration(tmp_path):
    teacher = SHIPPED_DIR / SHIPPED_CHECKPOINTS["ppo"]
    ov = [f"algo.distill.teacher_run={teacher}", "algo.max_iterations=3", "algo.num_envs=4",
          "algo.distill.steps_per_iter=2", "algo.distill.updates_per_iter=3", "algo.distill.replay_iters=2",
          "algo.distill.minibatch_size=6", "algo.distill.action_loss=0.5", "algo.distill.save_frequency=2",
          "algo.distill.adapt=mlp", "algo.distill.mlp_frames=4", "algo.distill.mlp_units=[16]",
          "env.physics.nthread=1", "training.no_play=true", "training.progress=false",
          f"training.logdir={tmp_path}"]  # fmt: skip
    cfg = load_inhand_config("hora_distill", "allegro_inhand", "", "mujoco", ov)
    res = learning.train(cfg, ov)
    run = tmp_path / "hora_distill" / "AllegroInhandRotation"
    (folder,) = run.iterdir()
    assert sorted(p.name for p in (folder / "nn").iterdir()) == ["student_ep_2.pth", "student_ep_3.pth"]
    log = [json.loads(s) for s in (folder / "distill_log.jsonl").read_text().splitlines()]
    assert [r["env_steps"] for r in log] == [8, 16, 24] and res["env_steps"] == 24
    assert all(r["latent_mse"] >= 0 and torch.isfinite(torch.tensor(r["loss"])) for r in log)
    # the teacher is frozen: the action loss's gradient reaches only the adaptation module
    shipped = load_checkpoint(teacher)["rlg"]["model"]
    got = load_checkpoint(folder / "nn" / "student_ep_3.pth")["rlg"]["model"]
    assert all(torch.equal(got[k], v) for k, v in shipped.items())
    env = InhandEnv(learning.load_run_config(folder).env, 3, mode="rotate")
    student = learning.load_student(folder / "nn" / "student_ep_3.pth", env)
    assert isinstance(student.adapt, AdaptMLP) and student.adapt.frames == 4
    assert student(env.reset(), env.proprio_hist).shape == (3, 16)
