"""PPO on the toy env through rl-games: learning, checkpoints, resume, determinism, logging."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from hot.learning import adapter
from hot.learning import checkpoint as ckpt
from tests.learning.helpers import REPO, toy_cfg
from tests.learning.toy_env import ToyReachEnv


def _train(run_dir, epochs, seed=0, resume_from=None, **cfg_kw):
    return adapter.train(
        ToyReachEnv(num_envs=32, seed=seed),
        toy_cfg(**cfg_kw),
        run_dir,
        max_epochs=epochs,
        seed=seed,
        resume_from=resume_from,
        show_progress=False,
    )


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    run = tmp_path_factory.mktemp("two") / "run"
    return run, _train(run, 2, seed=7, save_frequency=1)


def test_ppo_improves_toy_reward(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "tests.learning.train_toy", str(tmp_path / "run"), "20", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["epoch"] == 20
    # zero action / untrained policy earns ~0.1 per step; a policy that reaches the target earns > 0.5
    assert res["zero"] < 0.15
    assert res["trained"] > 0.5 and res["trained"] > 4 * res["zero"], res
    assert res["last3"] > res["first"] + 0.3, res


def test_checkpoint_round_trip_identical_actions(two_epochs, tmp_path):
    run, res = two_epochs
    path = res["checkpoint"]
    assert path.exists() and path.parent == run / "nn"
    payload = torch.load(path, weights_only=True)  # plain weights-only load works
    assert payload["meta"]["hand"] == "toy_hand" and payload["rlg"]["epoch"] == 2
    env = ToyReachEnv(num_envs=32)
    policy = adapter.load_policy(path, env)
    obs = env.reset() * 3.0
    # re-save through the atomic writer and reload: same actions
    path2 = ckpt.save_checkpoint(tmp_path / "copy.pth", payload["rlg"], payload["meta"])
    policy2 = adapter.load_policy(path2, env)
    assert torch.equal(policy(obs), policy2(obs))
    # ...and the same as the raw network with the saved normaliser applied by hand
    model = adapter.build_model(payload["meta"]["config"]["train"], env.num_obs, 3)
    sd = payload["rlg"]["model"]
    model.load_state_dict(sd)
    norm = sd["running_mean_std.running_mean"], sd["running_mean_std.running_var"]
    x = torch.clamp((obs - norm[0].float()) / torch.sqrt(norm[1].float() + 1e-5), -5, 5)
    mu = model.a2c_network({"obs": x})[0]
    torch.testing.assert_close(policy.mu(obs), mu)
    assert torch.equal(policy(obs), mu.clamp(-1, 1))
    assert not any(p.name.startswith(".") for p in path.parent.iterdir())  # no temp files left
    assert float(sd["a2c_network.log_std"][0]) == pytest.approx(-2.9)  # fixed sigma survived training


def test_periodic_saves_go_through_atomic_weights_only_path(two_epochs):
    run, _ = two_epochs
    files = sorted(p.name for p in (run / "nn").glob("*.pth"))
    assert any("_ep_1_" in f for f in files) and any("_ep_2_" in f for f in files), files
    for f in (run / "nn").glob("*.pth"):
        assert ckpt.load_checkpoint(f)["format"] == ckpt.FORMAT
    assert adapter.latest_checkpoint(run).name.startswith("last_skillmimic_denseobj_ep_2")
    assert (run / "config.yaml").exists()


def test_mismatched_hand_or_layout_is_refused(two_epochs):
    path = two_epochs[1]["checkpoint"]
    with pytest.raises(ckpt.CheckpointError, match="hand: checkpoint 'toy_hand' vs env 'other_hand'"):
        adapter.load_policy(path, ToyReachEnv(num_envs=4, hand="other_hand"))
    reordered = ToyReachEnv(num_envs=4, block_order=("obj_keypoints", "pos", "target", "time"))
    with pytest.raises(
        ckpt.CheckpointError,
        match=r"obs layout: checkpoint \[\['pos', 0, 3\].* vs env "
        r"\[\['obj_keypoints', 0, 12\]",
    ):
        adapter.load_policy(path, reordered)
    with pytest.raises(ckpt.CheckpointError, match="obs layout"):
        adapter.load_policy(path, ToyReachEnv(num_envs=4, num_points=6))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.pth"
    torch.save({"format": ckpt.FORMAT, "rlg": {"x": _Evil(marker)}, "meta": {}}, bad)
    with pytest.raises(ckpt.CheckpointError, match="refused"):
        ckpt.load_checkpoint(bad)
    with open(tmp_path / "plain.pkl", "wb") as f:
        pickle.dump(_Evil(marker), f)
    with pytest.raises(ckpt.CheckpointError, match="refused|unreadable|not a torch checkpoint"):
        adapter.load_policy(tmp_path / "plain.pkl", ToyReachEnv(num_envs=2))
    assert not marker.exists()


def test_not_a_hot_checkpoint(tmp_path):
    torch.save({"model": {}}, tmp_path / "rlg.pth")
    with pytest.raises(ckpt.CheckpointError, match="not a hot-checkpoint-v1"):
        ckpt.load_checkpoint(tmp_path / "rlg.pth")


def test_resume_continues_epochs_and_optimizer(two_epochs, tmp_path):
    _, first = two_epochs
    res = _train(tmp_path / "resumed", 4, seed=7, resume_from=first["checkpoint"], save_frequency=1)
    assert res["epoch"] == 4 and [h["epoch"] for h in res["history"]] == [3.0, 4.0]
    payload = ckpt.load_checkpoint(res["checkpoint"])
    assert payload["rlg"]["epoch"] == 4 and payload["rlg"]["frame"] == 4 * 32 * 16
    # Adam step count continued: 4 epochs x (32*16/256 minibatches) x 4 mini-epochs
    steps = {float(s["step"]) for s in payload["rlg"]["optimizer"]["state"].values()}
    assert steps == {4 * 2 * 4}
    with pytest.raises(ValueError, match="nothing to train"):
        _train(tmp_path / "again", 4, seed=7, resume_from=res["checkpoint"])


def test_resume_with_another_network_names_both_configs(two_epochs, tmp_path):
    """A CPU stage 1 ([64, 64] here) resumed with a bigger network: refused before rl-games loads weights."""
    _, first = two_epochs
    with pytest.raises(
        ckpt.CheckpointError, match=r"mlp: .*'units': \[64, 64\].* vs .*'units': \[128, 64\]"
    ) as e:
        _train(tmp_path / "bigger", 4, seed=7, resume_from=first["checkpoint"], units=(128, 64))
    assert "skillmimic_denseobj" in str(e.value) and "--resume_from" in str(e.value)
    assert not (tmp_path / "bigger").exists()  # refused before the run folder is made
    # the initial sigma does not change the weights' shapes: resuming with another one is fine
    res = _train(tmp_path / "sigma", 3, seed=7, resume_from=first["checkpoint"], log_std_init=-1.0)
    assert res["epoch"] == 3


def test_checkpoint_initialises_weights_and_trains_from_epoch_0(two_epochs, tmp_path):
    """--checkpoint in training fine-tunes: the weights of the checkpoint, epoch 0, a fresh optimizer
    (a resume of the epoch-2 checkpoint with max_epochs 2 would have nothing to train)."""
    _, first = two_epochs
    tuned = adapter.train(
        ToyReachEnv(num_envs=32, seed=7),
        toy_cfg(save_frequency=1),
        tmp_path / "tuned",
        max_epochs=2,
        seed=7,
        init_from=first["checkpoint"],
        show_progress=False,
    )
    scratch = _train(tmp_path / "scratch", 2, seed=7, save_frequency=1)
    assert tuned["epoch"] == 2 and [h["epoch"] for h in tuned["history"]] == [1.0, 2.0]
    payload = ckpt.load_checkpoint(tuned["checkpoint"])
    assert {float(s["step"]) for s in payload["rlg"]["optimizer"]["state"].values()} == {2 * 2 * 4}
    a, b = payload["rlg"]["model"], ckpt.load_checkpoint(scratch["checkpoint"])["rlg"]["model"]
    assert any(not torch.equal(a[k], b[k]) for k in a if torch.is_tensor(a[k]))  # it did start elsewhere
    # its cost names the starting point and carries that one's cost (the whole chain's)
    prior = ckpt.load_checkpoint(first["checkpoint"])["meta"]["training"]
    t = payload["meta"]["training"]
    assert t["env_steps"] == 2 * 32 * 16
    assert t["fine_tuned_from"] == {
        "checkpoint": Path(first["checkpoint"]).name,
        "env_steps": prior["env_steps"],
        "wall_s": prior["wall_s"],
    }


def test_run_folders_are_created_exclusively(tmp_path):
    """Runs started in the same second with the same names get their own folders (was one shared folder)."""
    from concurrent.futures import ThreadPoolExecutor

    from hot.cli.tracking import make_run_dir

    with ThreadPoolExecutor(8) as pool:
        dirs = list(
            pool.map(lambda _: make_run_dir(tmp_path, "SkillMimicHandRand", "mujoco", "same"), range(8))
        )
    parent = tmp_path / "ppo" / "SkillMimicHandRand"
    assert len(set(dirs)) == 8 and all(d.is_dir() and d.parent == parent for d in dirs)
    assert all(d.name.split("_mujoco_same")[1] in ("", *(f"_{k}" for k in range(2, 9))) for d in dirs)


class _LrRecorder(adapter.HotA2CAgent):
    """Records the learning rate in the optimizer at each gradient step (the rate that step uses) and its KL."""

    def __init__(self, *a, **kw):
        self.steps: list[tuple[float, float]] = []
        super().__init__(*a, **kw)

    def train_actor_critic(self, input_dict):
        lr = float(self.optimizer.param_groups[0]["lr"])
        out = super().train_actor_critic(input_dict)
        self.steps.append((lr, float(out[3])))
        return out


def _adaptive_cfg():
    cfg = toy_cfg(learning_rate=1e-2, mini_epochs=2)
    cfg["params"]["config"].update(lr_schedule="adaptive", kl_threshold=1e-6)  # every update lowers the rate
    return cfg


def test_resume_continues_the_adaptive_learning_rate(tmp_path):
    def run(name, epochs, resume_from=None):
        return adapter.train(
            ToyReachEnv(num_envs=32, seed=3), _adaptive_cfg(), tmp_path / name, max_epochs=epochs, seed=3,
            resume_from=resume_from, show_progress=False, make_agent=_LrRecorder,
        )  # fmt: skip

    first = run("first", 2)
    saved = ckpt.load_checkpoint(first["checkpoint"])["rlg"]
    assert saved["last_lr"] == pytest.approx(first["agent"].last_lr)
    assert saved["last_lr"] < 1e-3  # adapted well below the configured 1e-2
    resumed = run("resumed", 3, resume_from=first["checkpoint"])
    lrs = [lr for lr, _ in resumed["agent"].steps]
    assert lrs[0] == pytest.approx(saved["last_lr"])
    # the adaptive schedule changes the rate by x1.5 at most per step: no jump back to the configured 1e-2
    assert all(1 / 1.51 <= b / a <= 1.51 for a, b in zip(lrs, lrs[1:], strict=False)), lrs
    assert max(lrs) < 2e-3, lrs


def test_saved_learning_rate_of_older_checkpoints():
    # checkpoints written before last_lr was saved: the optimizer's rate is the adapted one
    opt = {"state": {}, "param_groups": [{"lr": 3e-4, "params": [0]}]}
    assert adapter.saved_learning_rate({"optimizer": opt}, default=5e-3) == 3e-4
    assert adapter.saved_learning_rate({"optimizer": opt, "last_lr": 1e-4}, default=5e-3) == 1e-4
    assert adapter.saved_learning_rate({}, default=5e-3) == 5e-3


def test_seeded_runs_are_deterministic(two_epochs, tmp_path):
    _, first = two_epochs
    again = _train(tmp_path / "again", 2, seed=7, save_frequency=1)
    other = _train(tmp_path / "other", 2, seed=8)
    a = ckpt.load_checkpoint(first["checkpoint"])["rlg"]["model"]
    b = ckpt.load_checkpoint(again["checkpoint"])["rlg"]["model"]
    c = ckpt.load_checkpoint(other["checkpoint"])["rlg"]["model"]
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_episode_terms_and_speed_logged_to_tensorboard(two_epochs):
    run, res = two_epochs
    assert {"dist", "reward", "env_steps_per_s"} <= set(res["history"][-1])
    assert res["history"][-1]["env_steps_per_s"] > 0
    acc = EventAccumulator(str(run / "summaries"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"episode_terms/dist", "episode_terms/reward", "performance/env_steps_per_s"} <= tags
    assert len(acc.Scalars("episode_terms/dist")) == 2


def test_only_the_newest_periodic_checkpoints_are_kept(tmp_path):
    res = _train(tmp_path / "run", 6, seed=7, save_frequency=1)
    names = sorted(p.name for p in (tmp_path / "run" / "nn").glob("*.pth"))
    periodic = [n for n in names if n.startswith("last_")]
    epochs = sorted(int(n.split("_ep_")[1].split("_")[0]) for n in periodic)
    assert epochs[-1] == 6 and set(epochs) == {2, 3, 4, 5, 6}  # KEEP_CHECKPOINTS = 5 of 6
    assert res["checkpoint"].exists()
    # the best-reward and interrupted checkpoints are never pruned; keep=0 keeps everything
    nn = tmp_path / "run" / "nn"
    for name in ("skillmimic.pth", "interrupted_ep_3.pth"):
        (nn / name).write_bytes(b"x")
    assert {p.name for p in adapter.prune_checkpoints(nn, 2)} == {
        n for n in periodic if "_ep_2_" in n or "_ep_3_" in n or "_ep_4_" in n
    }
    assert (nn / "skillmimic.pth").exists() and (nn / "interrupted_ep_3.pth").exists()
    assert adapter.prune_checkpoints(nn, 0) == []


def test_ctrl_c_saves_a_checkpoint_and_says_where(tmp_path):
    """SIGINT during training: exit 130, a loadable interrupted_ep_N.pth, its path on stderr."""
    import signal
    import time

    argv = [
        sys.executable,
        "hot/run.py",
        "--num_envs",
        "8",
        "--horizon_length",
        "8",
        "--max_iterations",
        "100000",
        "--cfg_env",
        "hot/data/cfg/mano/mano_stage1_precise_track.yaml",
        "--cfg_train",
        "hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml",
        "--motion_file",
        "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp",
        "--use_res_action",
        "--enable_obj_keypoints",
        "--enable_dof_obs",
        "--objnames",
        "Bottle",
        "--output_path",
        str(tmp_path),
    ]
    p = subprocess.Popen(
        argv,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    deadline = time.time() + 180
    while time.time() < deadline and not list(tmp_path.glob("ppo/SkillMimicHandRand/*/config.yaml")):
        time.sleep(0.5)
    time.sleep(3.0)  # a few epochs in
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err[-2000:]
    saved = list(tmp_path.glob("ppo/SkillMimicHandRand/*/nn/interrupted_ep_*.pth"))
    assert len(saved) == 1 and str(saved[0]) in err
    assert "Traceback" not in err
    assert ckpt.load_checkpoint(saved[0])["rlg"]["model"]
    # hot eval --load_run -1: that run's newest checkpoint, on the clips and object it was trained on
    from hot.run import main

    rc = main(["--test", "--load_run", "-1", "--output_path", str(tmp_path), "--num_envs", "2",
               "--episode_length", "10", "--state_init", "2"])  # fmt: skip
    assert rc == 0


def test_checkpoints_record_their_training_cost(two_epochs, tmp_path):
    """env-steps, wall-clock (adding up over resumes) and hardware travel in every checkpoint's meta."""
    _, first = two_epochs
    t1 = ckpt.load_checkpoint(first["checkpoint"])["meta"]["training"]
    assert t1["env_steps"] == 2 * 32 * 16 and t1["wall_s"] > 0 and "CPU cores" in t1["hardware"]
    res = _train(tmp_path / "resumed", 3, seed=7, resume_from=first["checkpoint"], save_frequency=1)
    t2 = ckpt.load_checkpoint(res["checkpoint"])["meta"]["training"]
    assert t2["env_steps"] == 3 * 32 * 16 and t2["wall_s"] > t1["wall_s"]


def test_sanitize_names_the_key_of_a_complex_number():
    # found by the type check: a complex number is a numbers.Number, and float() of it failed with
    # Python's own message instead of the one naming the key path
    assert ckpt.sanitize({"a": [np.float32(1.5), 2, Fraction(1, 4), Decimal("0.5")]}) == {
        "a": [1.5, 2, 0.25, 0.5]
    }
    with pytest.raises(TypeError, match=r"checkpoint meta\['x'\]: cannot store a complex"):
        ckpt.sanitize({"x": 1 + 2j}, "meta")
