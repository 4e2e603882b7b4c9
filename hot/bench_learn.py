"""``python -m hot.bench learn``: wall-clock time to a held-out success rate, MANO Bottle teacher from scratch.

For each ``--cfg_train`` the stage-1 teacher command of ``docs/results/README.md`` runs from scratch
(``hot/run.py --task SkillMimicHandRand ...``, ``--max_iterations --epochs``) with a checkpoint every
``--eval_every`` epochs, all of them kept. Each checkpoint is then tested on the held-out grasp clips
(``hot.eval_table``'s test, one episode per clip), and its wall-clock is the training time its
``meta.training`` records when it was saved. The result is the first checkpoint at or above ``--target``:
an upper bound on the time to that success, at the resolution of ``--eval_every``.

This is how issue 22 measures "learning no worse": a faster training loop only counts if it reaches the
same held-out success in less wall-clock time. Runs from scratch vary between seeds: pass several
``--seeds``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NoReturn

from hot.utils.argtypes import int_at_least

__all__ = ["bench_learn", "time_to_target", "add_learn_args", "run_learn", "HELDOUT", "CONFIGS"]

HELDOUT = "hot/data/motions/bench_heldout_mano_bottle"
"""25 held-out MANO Bottle grasp clips (datagen seeds 13 and 17; recipe in the folder's README)."""
CONFIGS = (
    "hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml",
    "hot/data/cfg/train/rlg/skillmimic_sparse_cpu.yaml",
)
"""The CPU train configs compared by default: the shipped one (before) and the sparse one (after)."""
_EPOCH = re.compile(r"_ep_(\d+)_")


def _user_error(msg: str) -> NoReturn:
    """A mistake in the command line: one line on stderr, exit 2."""
    print(f"python -m hot.bench learn: error: {msg}", file=sys.stderr)
    raise SystemExit(2)


def _train_yaml(cfg_train: Path, eval_every: int, out: Path) -> Path:
    """A copy of ``cfg_train`` that saves every ``eval_every`` epochs and keeps every checkpoint."""
    import yaml

    from hot.config.strict import load_yaml

    data = load_yaml(cfg_train)
    config = data["params"]["config"]
    config["save_frequency"] = eval_every
    config["keep_checkpoints"] = 0
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def _teacher_command(
    cfg_train: Path, epochs: int, seed: int, num_envs: int, motion: str, out: Path, name: str
) -> list[str]:
    """The stage-1 MANO Bottle teacher command of docs/results/README.md, from scratch."""
    root = Path(__file__).resolve().parents[1]
    return [
        sys.executable,
        str(root / "hot" / "run.py"),
        "--task", "SkillMimicHandRand", "--num_envs", str(num_envs), "--episode_length", "60",
        "--cfg_env", str(root / "hot/data/cfg/mano/mano_stage1_precise_track.yaml"),
        "--cfg_train", str(cfg_train), "--motion_file", motion, "--state_noise_prob", "0.2",
        "--enable_obj_keypoints", "--enable_ig_scale", "--use_res_action", "--enable_dof_obs",
        "--enable_early_termination", "--hand_model", "mano", "--objnames", "Bottle", "--headless",
        "--max_iterations", str(epochs), "--seed", str(seed), "--output_path", str(out), "--experiment", name,
    ]  # fmt: skip


def _heldout_success(ckpt: Path, cfg_train: str, heldout: str) -> tuple[float, int]:
    """Success rate and clip count of ``ckpt`` on the held-out grasp clips."""
    from hot.eval_table import run_table

    args = argparse.Namespace(
        checkpoint=str(ckpt),
        dataset=heldout,
        objects=["Bottle"],
        skills=["grasp"],
        hand_model="mano",
        cfg_env="hot/data/cfg/mano/mano_stage1_precise_track.yaml",
        cfg_train=cfg_train,
        action="residual",
        num_envs=16,
    )
    (row,) = run_table(args)
    if row["status"] != "ok":
        raise SystemExit(f"bench learn: testing {ckpt} failed: {row['status']}")
    return float(row["success_rate"]), int(row["episodes"])


def time_to_target(rows: list[dict], target: float) -> dict | None:
    """The first row (by epoch) whose success is at least ``target``, or None."""
    for r in sorted(rows, key=lambda r: r["epoch"]):
        if r["success"] >= target:
            return r
    return None


def bench_learn(
    cfg_trains: list[str],
    epochs: int = 60,
    eval_every: int = 10,
    seeds: tuple[int, ...] = (0,),
    num_envs: int = 256,
    heldout: str = HELDOUT,
    motion: str = "hot/data/motions/dexgrasp_train_mano_gmp/bottle",
    log=print,
) -> list[dict]:
    """Train each config from scratch per seed and test its checkpoints: one row per checkpoint with
    ``config``, ``seed``, ``epoch``, ``env_steps``, ``wall_s`` (training time when saved), ``success`` and
    ``clips``."""
    from hot.config.resolve import REPO_ROOT, resolve_path
    from hot.config.strict import ConfigError
    from hot.learning import checkpoint as ckpt_io

    try:
        held = resolve_path(heldout, "--heldout")
        mot = str(resolve_path(motion, "--motion_file"))
        srcs = [resolve_path(c, "--cfg_train") for c in cfg_trains]
    except ConfigError as exc:
        _user_error(str(exc))
    if not any(p.is_file() for p in held.glob("*/grasp_*/*.pt")):  # is_file: a dangling link is no clip
        _user_error(
            f"--heldout {heldout}: no <object>/grasp_*/*.pt clips there; pass a dataset root with grasp clips"
        )
    rows: list[dict] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hot_bench_learn_") as tmp:
        for seed in seeds:
            for cfg, src in zip(cfg_trains, srcs, strict=True):
                name = f"learn_{src.stem}_s{seed}"
                yml = _train_yaml(src, eval_every, Path(tmp) / f"{name}.yaml")
                log(f"[bench learn] {src.stem} seed {seed}: training {epochs} epochs "
                    f"({time.perf_counter() - t_start:.0f} s so far)")  # fmt: skip
                cmd = _teacher_command(yml, epochs, seed, num_envs, mot, Path(tmp), name)
                proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                    raise SystemExit(
                        f"bench learn: training {src.name} failed ({proc.returncode}): {' | '.join(tail)}"
                    )
                found: dict[int, Path] = {}  # epoch -> checkpoint (the final save repeats the last epoch)
                for p in sorted(Path(tmp).glob(f"**/*{name}*/nn/last_*.pth")):
                    if (m := _EPOCH.search(p.name)) and int(m.group(1)) % eval_every == 0:
                        found.setdefault(int(m.group(1)), p)
                for epoch, path in sorted(found.items()):
                    meta = ckpt_io.load_checkpoint(path)["meta"]
                    cost = meta.get("training", {})
                    success, clips = _heldout_success(path, str(src), str(held))
                    rows.append({
                        "config": str(cfg), "seed": seed, "epoch": epoch,
                        "env_steps": int(cost.get("env_steps", 0)), "wall_s": float(cost.get("wall_s", 0.0)),
                        "success": success, "clips": clips, "hardware": cost.get("hardware", ""),
                    })  # fmt: skip
                    log(f"[bench learn]   epoch {epoch}: {100 * success:.1f} % of {clips} clips "
                        f"at {cost.get('wall_s', 0.0):.0f} s")  # fmt: skip
    return rows


def learn_tables(rows: list[dict], target: float) -> list[str]:
    """Markdown: success per checkpoint, and the time to ``target`` per config and seed."""
    cfgs = list(dict.fromkeys(r["config"] for r in rows))
    seeds = list(dict.fromkeys(r["seed"] for r in rows))
    out = [
        "| config | seed | "
        + " | ".join(f"epoch {e}" for e in sorted({r["epoch"] for r in rows}))
        + " | time to "
        f"{100 * target:.0f} % |",
        "|---|---:|" + "---:|" * (len({r["epoch"] for r in rows}) + 1),
    ]
    for cfg in cfgs:
        for seed in seeds:
            mine = sorted(
                (r for r in rows if r["config"] == cfg and r["seed"] == seed), key=lambda r: r["epoch"]
            )
            if not mine:
                continue
            hit = time_to_target(mine, target)
            when = (
                f"≤ {hit['wall_s']:.0f} s (epoch {hit['epoch']})"
                if hit
                else f"not within {mine[-1]['wall_s']:.0f} s"
            )
            cells = " | ".join(f"{100 * r['success']:.1f} % ({r['wall_s']:.0f} s)" for r in mine)
            out.append(f"| `{Path(cfg).name}` | {seed} | {cells} | {when} |")
    return out


def add_learn_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cfg_train", nargs="+", default=list(CONFIGS), help="rl-games train YAMLs to compare")
    p.add_argument("--epochs", type=int_at_least(1), default=60, help="PPO epochs per run (horizon 32 each)")
    p.add_argument("--eval_every", type=int_at_least(1), default=10, help="test a checkpoint every N epochs")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (one run each)")
    p.add_argument("--num_envs", type=int_at_least(1), default=256, help="training envs")
    p.add_argument("--target", type=float, default=0.9, help="held-out grasp success to reach (0-1)")
    p.add_argument("--heldout", default=HELDOUT, help="dataset root with <object>/grasp_higher_kp/*.pt")


def run_learn(args: argparse.Namespace) -> None:
    if not 0.0 < args.target <= 1.0:
        _user_error(f"--target must be in (0, 1], got {args.target}")
    rows = bench_learn(
        args.cfg_train, args.epochs, args.eval_every, tuple(args.seeds), args.num_envs, args.heldout,
        log=lambda m: print(m, flush=True),
    )  # fmt: skip
    print("\n".join(learn_tables(rows, args.target)))
