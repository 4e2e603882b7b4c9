"""Data-parallel PPO under torchrun: 2 CPU processes (gloo) train the toy env, one set of weights.

``python -m torch.distributed.run --standalone --nproc_per_node=2 -m tests.learning.test_distributed
OUT EPOCHS SEED`` runs :func:`main` on each rank (the worker of ``test_two_ranks_train_one_policy``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from rl_games.algos_torch.running_mean_std import RunningMeanStd

from hot.cli.upstream_args import parse_args
from hot.learning import adapter, distributed
from hot.learning import checkpoint as ckpt
from tests.learning.helpers import REPO, toy_cfg
from tests.learning.toy_env import ToyReachEnv

NUM_ENVS = 32
HORIZON = 16  # toy_cfg's
EPOCHS = 3
SEED = 5


def main() -> None:
    """One rank: train the toy env with this rank's seed, save what it ended with."""
    out, epochs, seed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    world = distributed.from_env()
    assert world is not None, "run under torchrun"
    seed = distributed.rank_seed(seed, world)
    env = ToyReachEnv(num_envs=NUM_ENVS, seed=seed)
    first_targets = env.reset().clone()
    # each rank asks for its own run dir: only rank 0's may appear (it is broadcast to all ranks)
    res = adapter.train(
        env, toy_cfg(), out / f"run_rank{world.rank}", max_epochs=epochs, seed=seed, show_progress=False
    )
    # ranks that disagree on the setup (here num_envs) stop together before anything is written
    try:
        n = NUM_ENVS if world.rank == 0 else NUM_ENVS // 2
        adapter.train(ToyReachEnv(num_envs=n), toy_cfg(), out / "mismatch", max_epochs=1, show_progress=False)
        mismatch = ""
    except ValueError as e:
        mismatch = str(e)
    torch.save(
        {
            "mismatch": mismatch,
            "model": {k: v.detach().cpu() for k, v in res["agent"].model.state_dict().items()},
            "first_obs": first_targets,
            "checkpoint": str(res["checkpoint"]),
            "frame": res["frame"],
            "epoch": res["epoch"],
        },
        out / f"rank{world.rank}.pt",
    )


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    for var in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(var, None)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "tests.learning.test_distributed", str(out), str(EPOCHS), str(SEED)]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    ranks = [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(2)]
    return out, ranks, proc.stdout


def test_two_ranks_train_one_policy(two_ranks, tmp_path):
    out, (r0, r1), stdout = two_ranks
    assert "backend gloo" in stdout
    # the ranks saw different data (seed + rank) ...
    assert not torch.equal(r0["first_obs"], r1["first_obs"])
    # ... and hold the same weights and normaliser statistics: gradients and moments were averaged
    assert r0["model"].keys() == r1["model"].keys()
    assert "running_mean_std.running_mean" in r0["model"] and "value_mean_std.running_var" in r0["model"]
    different = [k for k in r0["model"] if not torch.equal(r0["model"][k], r1["model"][k])]
    assert not different, different
    # rank 1's data shaped the policy: rank 0 alone (same seed, same envs) ends elsewhere
    alone = adapter.train(
        ToyReachEnv(num_envs=NUM_ENVS, seed=SEED),
        toy_cfg(),
        tmp_path / "alone",
        EPOCHS,
        seed=SEED,
        show_progress=False,
    )
    solo = alone["agent"].model.state_dict()
    assert not torch.equal(solo["a2c_network.mu.weight"], r0["model"]["a2c_network.mu.weight"])
    assert not torch.equal(
        solo["running_mean_std.running_mean"], r0["model"]["running_mean_std.running_mean"]
    )
    # frames count both ranks; every rank reports rank 0's checkpoint
    assert r0["epoch"] == r1["epoch"] == EPOCHS
    assert r0["frame"] == r1["frame"] == EPOCHS * 2 * NUM_ENVS * HORIZON
    assert r0["checkpoint"] == r1["checkpoint"]


def test_only_rank0_writes(two_ranks):
    out, (r0, _), _ = two_ranks
    run = out / "run_rank0"
    assert not (out / "run_rank1").exists()
    saved = ckpt.load_checkpoint(r0["checkpoint"])
    assert Path(r0["checkpoint"]).parent == run / "nn"
    assert all(torch.equal(saved["rlg"]["model"][k], v) for k, v in r0["model"].items())
    assert saved["meta"]["world_size"] == 2 and saved["meta"]["seed"] == SEED
    assert (run / "config.yaml").exists()
    files = sorted(p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file())
    events = [f for f in files if f.startswith("summaries/")]
    assert len(events) == 1, files  # one tensorboard writer (rank 0's)
    assert [f for f in files if f.startswith("nn/")] == [Path(r0["checkpoint"]).relative_to(run).as_posix()]


def test_ranks_that_disagree_stop_before_writing(two_ranks):
    out, ranks, _ = two_ranks
    for r in ranks:
        assert r["mismatch"] == (
            f"torchrun ranks disagree on the training setup: num_envs: rank 0 {NUM_ENVS}, rank 1 {NUM_ENVS // 2}"
        )
    assert not (out / "mismatch").exists()


def test_synced_normaliser_matches_rl_games_in_one_process():
    """Without a process group it is rl-games' RunningMeanStd: same statistics, outputs and state-dict keys."""
    ref = torch.jit.script(RunningMeanStd((5,)))
    synced = distributed.SyncedRunningMeanStd.from_rl_games(ref)
    assert synced.state_dict().keys() == ref.state_dict().keys()
    gen = torch.Generator().manual_seed(0)
    for _ in range(4):
        x = torch.randn(64, 5, generator=gen) * 3.0 + 2.0
        torch.testing.assert_close(synced(x), ref(x), rtol=1e-5, atol=1e-5)
    for k, v in ref.state_dict().items():  # rl-games takes the batch moments in float32, we in float64
        torch.testing.assert_close(synced.state_dict()[k], v, rtol=1e-6, atol=1e-6)
    ref.eval(), synced.eval()
    y = torch.randn(8, 5, generator=gen)
    torch.testing.assert_close(synced(y, denorm=True), ref(y, denorm=True))


# ------------------------------------------------------------------------------------------ CLI
def _torchrun_env(monkeypatch, rank: int, local_rank: int, world: int) -> None:
    for k, v in {"RANK": rank, "LOCAL_RANK": local_rank, "WORLD_SIZE": world, "LOCAL_WORLD_SIZE": 2}.items():
        monkeypatch.setenv(k, str(v))


def test_cli_multi_gpu_device_and_seed(monkeypatch):
    _torchrun_env(monkeypatch, rank=3, local_rank=1, world=4)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    args = parse_args(["--multi_gpu", "--seed", "10"])
    assert args.device == "cuda:1" and args.seed == 13
    assert parse_args(["--multi_gpu", "--device", "cuda"]).device == "cuda:1"
    assert parse_args(["--multi_gpu", "--device", "cpu"]).device == "cpu"
    with pytest.raises(SystemExit, match="each rank uses cuda:LOCAL_RANK"):
        parse_args(["--multi_gpu", "--device", "cuda:0"])
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert parse_args(["--multi_gpu"]).device == "cpu"


def test_cli_multi_gpu_needs_torchrun_and_training(monkeypatch):
    for var in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(SystemExit, match="--multi_gpu needs torchrun"):
        parse_args(["--multi_gpu"])
    _torchrun_env(monkeypatch, rank=0, local_rank=0, world=2)
    with pytest.raises(SystemExit, match="WORLD_SIZE=2: add --multi_gpu"):
        parse_args([])
    with pytest.raises(SystemExit, match="--multi_gpu is for training"):
        parse_args(["--multi_gpu", "--test", "--checkpoint", "x.pth"])


def test_multi_gpu_train_cfg_without_torchrun_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    cfg = toy_cfg()
    cfg["params"]["config"]["multi_gpu"] = True
    with pytest.raises(ValueError, match="not started by torchrun"):
        adapter.train(ToyReachEnv(num_envs=4), cfg, tmp_path / "run", 1)
    assert not (tmp_path / "run").exists()


if __name__ == "__main__":
    main()
