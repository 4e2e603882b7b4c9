"""Object x skill evaluation table (what upstream's ``test.sh`` greps from logs, computed directly).

``python -m hot.eval_table --checkpoint CKPT --dataset hot/data/motions/dexgrasp_train_mano
--objects Bottle Box --skills grasp move place --out output/test_table`` runs ``--test`` for every
(object, skill) folder it finds and writes ``<out>.csv`` and ``<out>.md``. An object without data
for a skill, or a missing checkpoint, is a row saying so, not a crash. ``--open_loop`` instead of
``--checkpoint`` replays the reference DoFs through the PD controllers (``--task OpenLoop``): how
physically plausible a generated dataset is before any learning (DATA_GENERATION.md).

``--policies openloop A.pth B.pth ...`` tests several policies on the same clips and writes one table,
``<out>.{csv,md}``: a row per (object, skill, policy) with success, errors and penetration, plus the success
on the clips that fail open loop (when ``openloop`` is among the policies), and each checkpoint's training
cost from its ``meta.training`` (env-steps, wall-clock, hardware). ``test.sh`` wraps it.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

from hot.config.resolve import resolve_path
from hot.config.strict import ConfigError
from hot.tasks.tracking.evaluate import TEST_EPISODES as SKILL_DIRS
from hot.utils.files import atomic_write, atomic_write_text

COLUMNS = [
    "object",
    "skill",
    "status",
    "episodes",
    "success_rate",
    "obj_pos_err_cm",
    "obj_rot_err_deg",
    "key_pos_err_cm",
    "penetration_mean_mm",
    "penetration_max_mm",
]


def run_table(args: argparse.Namespace) -> list[dict]:
    import torch

    from hot.cli.tracking import build_test_policy
    from hot.cli.upstream_args import parse_args
    from hot.tasks.tracking.evaluate import evaluate
    from hot.tasks.tracking.resolve import resolve_env_config

    rows = []
    open_loop = args.checkpoint is None
    ckpt = Path(args.checkpoint or "")
    if not open_loop and not ckpt.is_file():
        alt = Path(__file__).resolve().parents[1] / args.checkpoint
        ckpt = alt if alt.is_file() else ckpt
    dataset = resolve_path(args.dataset, "--dataset", must_exist=False)
    for obj in args.objects:
        for skill in args.skills:
            sdir, length = SKILL_DIRS[skill]
            folder = dataset / obj.lower() / sdir
            base = {"object": obj, "skill": skill}
            if not open_loop and not ckpt.is_file():
                rows.append({**base, "status": f"missing checkpoint {args.checkpoint}"})
                continue
            if not folder.is_dir() or not any(folder.glob("*.pt")):
                rows.append({**base, "status": f"no data ({folder})"})
                continue
            # no more envs than clips, so a small folder is not counted several times over
            num_clips = len(list(folder.glob("*.pt")))
            num_envs = min(args.num_envs, num_clips)
            rounds = -(-num_clips // num_envs)  # every clip at least once
            task = ["--task", "OpenLoop"] if open_loop else ["--test", "--task", "SkillMimicHandRand"]
            policy_flags = (
                ["--use_res_action"]
                if open_loop
                else [
                    "--checkpoint",
                    str(ckpt),
                    "--enable_ig_scale",
                    *(["--use_res_action"] if args.action == "residual" else ["--use_delta_action"]),
                ]
            )
            flags = [
                *task,
                "--cfg_env",
                args.cfg_env,
                "--cfg_train",
                args.cfg_train,
                "--motion_file",
                str(folder),
                "--num_envs",
                str(num_envs),
                "--state_init",
                "2",
                "--episode_length",
                str(length),
                "--objnames",
                obj,
                "--hand_model",
                args.hand_model,
                "--enable_obj_keypoints",
                "--enable_dof_obs",
                *policy_flags,
            ]
            a = parse_args(flags)
            try:
                # the same env and policy as hot/run.py --test (or --task OpenLoop: zero residuals)
                env, policy, _ = build_test_policy(a, resolve_env_config(a), torch.device("cpu"))
                per_clip: list[dict] = []
                res = evaluate(
                    env, policy, rounds=rounds, show_progress=False, episodes=num_clips, clip_results=per_clip
                )[-1]
                rows.append({**base, "status": "ok", **{k: res[k] for k in COLUMNS[3:]}, "clips": per_clip})
            except (ConfigError, ValueError, RuntimeError) as e:
                rows.append({**base, "status": f"error: {e}"})
            print(f"[hot] {obj}/{skill}: {rows[-1]['status']}", flush=True)
    return rows


def write_table(rows: list[dict], out: str | os.PathLike) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out.with_name(out.name + ".csv"), out.with_name(out.name + ".md")
    with atomic_write(csv_path, newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})
    lines = [
        "| object | skill | success | E_op (cm) | E_or (deg) | E_h (cm) | pen. max (mm) | status |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        if r.get("status") == "ok":
            lines.append(
                f"| {r['object']} | {r['skill']} | {100 * r['success_rate']:.1f}% ({r['episodes']}) | "
                f"{r['obj_pos_err_cm']:.2f} | {r['obj_rot_err_deg']:.1f} | {r['key_pos_err_cm']:.2f} | "
                f"{r['penetration_max_mm']:.1f} | ok |"
            )
        else:
            lines.append(f"| {r['object']} | {r['skill']} | – | – | – | – | – | {r['status']} |")
    atomic_write_text(md_path, "\n".join(lines) + "\n")
    clips_path = out.with_name(out.name + "_clips.csv")
    with atomic_write(clips_path, newline="") as f:
        w = csv.writer(f)
        w.writerow(["object", "skill", "clip", "success", "why"])
        for r in rows:
            for c in r.get("clips", []):
                w.writerow([r["object"], r["skill"], c["clip"], int(c["success"]), c.get("why", "")])
    return [csv_path, md_path, clips_path]


TABLE_COLUMNS = [
    "hand",
    "object",
    "skill",
    "policy",
    "status",
    "episodes",
    "success_rate",
    "openloop_failures",
    "success_on_openloop_failures",
    "obj_pos_err_cm",
    "obj_rot_err_deg",
    "key_pos_err_cm",
    "penetration_mean_mm",
    "penetration_max_mm",
]


def training_cost(ckpt: str) -> str:
    """``1.23 M env-steps, 14 min 54 s, 2 CPU cores (x86_64), cpu`` from a checkpoint's meta.training."""
    from hot.learning.checkpoint import CheckpointError, load_checkpoint

    try:
        t = load_checkpoint(ckpt)["meta"].get("training")
    except CheckpointError as e:
        return f"unreadable ({e})"
    if not t:
        return "not recorded"
    m, sec = divmod(int(round(float(t["wall_s"]))), 60)
    text = f"{float(t['env_steps']) / 1e6:.2f} M env-steps, {m} min {sec:02d} s, {t['hardware']}"
    prior = t.get("fine_tuned_from")
    if prior:
        if prior.get("env_steps") is None:
            text += f"; fine-tuned from {prior['checkpoint']} (its cost not recorded)"
        else:
            pm, ps = divmod(int(round(float(prior["wall_s"]))), 60)
            text += f"; fine-tuned from {prior['checkpoint']}: {prior['env_steps'] / 1e6:.2f} M, {pm} min {ps:02d} s before"
    return text


def policy_table(args: argparse.Namespace) -> list[dict]:
    """Rows of every (object, skill, policy); success on the open-loop failures where open loop was run."""
    rows = []
    for pol in args.policies:
        args.checkpoint = None if pol == "openloop" else pol
        for r in run_table(args):
            rows.append({**r, "hand": args.hand_model, "policy": pol})
    failed = {
        (r["object"], r["skill"]): {c["clip"] for c in r.get("clips", []) if not c["success"]}
        for r in rows
        if r["policy"] == "openloop" and r["status"] == "ok"
    }
    for r in rows:
        bad = failed.get((r["object"], r["skill"]))
        if bad is None or r["status"] != "ok":
            continue
        ok = [c["success"] for c in r["clips"] if c["clip"] in bad]
        r["openloop_failures"] = len(ok)
        r["success_on_openloop_failures"] = sum(ok) / len(ok) if ok else ""
    return rows


def write_policy_table(rows: list[dict], policies: list[str], out: str | os.PathLike) -> list[Path]:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out.with_name(out.name + ".csv"), out.with_name(out.name + ".md")
    with atomic_write(csv_path, newline="") as f:
        w = csv.DictWriter(f, fieldnames=TABLE_COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in TABLE_COLUMNS})
    lines = [
        "| hand | object | skill | policy | success | on open-loop failures | E_op (cm) | E_or (deg) | E_h (cm) | "
        "pen. mean / max (mm) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = "open loop" if r["policy"] == "openloop" else f"`{Path(r['policy']).name}`"
        head = f"| {r['hand']} | {r['object']} | {r['skill']} | {name} |"
        if r.get("status") != "ok":
            lines.append(f"{head} – | – | – | – | – | – ({r['status']}) |")
            continue
        k = r.get("openloop_failures", "")
        of = "–" if k in ("", 0) else f"{100 * r['success_on_openloop_failures']:.0f} % ({k})"
        lines.append(
            f"{head} {100 * r['success_rate']:.1f} % ({r['episodes']}) | {of} | {r['obj_pos_err_cm']:.2f} | "
            f"{r['obj_rot_err_deg']:.1f} | {r['key_pos_err_cm']:.2f} | {r['penetration_mean_mm']:.2f} / "
            f"{r['penetration_max_mm']:.1f} |"
        )
    lines += ["", "| policy | training cost |", "|---|---|"]
    for pol in policies:
        if pol != "openloop":
            lines.append(f"| `{pol}` | {training_cost(pol)} |")
    why_path = out.with_name(out.name + "_failures.csv")
    counts: dict[tuple[str, str], int] = {}
    with atomic_write(why_path, newline="") as f:
        w = csv.writer(f)
        w.writerow(["hand", "object", "skill", "policy", "clip", "success", "why"])
        for r in rows:
            for c in r.get("clips", []):
                w.writerow(
                    [
                        r["hand"],
                        r["object"],
                        r["skill"],
                        r["policy"],
                        c["clip"],
                        int(c["success"]),
                        c.get("why", ""),
                    ]
                )
                if not c["success"]:
                    key = (r["policy"], c.get("why", "") or "unknown")
                    counts[key] = counts.get(key, 0) + 1
    if counts:
        from hot.tasks.tracking.evaluate import FAILURE_REASONS

        lines += ["", "Why the failed episodes failed (per clip: `" + why_path.name + "`):", "",
                  "| policy | reason | episodes |", "|---|---|---:|"]  # fmt: skip
        for (pol, why), k in sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1])):
            name = "open loop" if pol == "openloop" else f"`{Path(pol).name}`"
            lines.append(f"| {name} | {FAILURE_REASONS.get(why, why)} | {k} |")
    atomic_write_text(md_path, "\n".join(lines) + "\n")
    return [csv_path, md_path, why_path]


def objects_with_clips(dataset: str, skills: list[str]) -> list[str]:
    """Registered object names (their spelling) whose folder in ``dataset`` holds clips of any of ``skills``."""
    from hot.assets.objects import list_objects

    root = resolve_path(dataset, "--dataset", must_exist=False)
    names = {n.lower(): n for n in list_objects()}
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        name = names.get(folder.name.lower())
        if name and any(any((folder / SKILL_DIRS[s][0]).glob("*.pt")) for s in skills):
            out.append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m hot.eval_table", description=(__doc__ or "").partition("\n")[0]
    )
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--checkpoint", help="policy to test")
    who.add_argument(
        "--open_loop",
        action="store_true",
        help="no policy: replay the reference DoFs through the PD controllers (--task OpenLoop)",
    )
    who.add_argument(
        "--policies",
        nargs="+",
        metavar="CKPT|openloop",
        help="several policies on the same clips, one table (with success on the open-loop failures)",
    )
    p.add_argument("--dataset", default="hot/data/motions/dexgrasp_train_mano")
    p.add_argument(
        "--objects",
        nargs="+",
        default=["Bottle", "Box", "Hammer", "Sword"],
        help="object names, or 'all': every registered object with a folder of clips in --dataset",
    )
    p.add_argument("--skills", nargs="+", default=["grasp", "move", "place"], choices=sorted(SKILL_DIRS))
    p.add_argument("--hand_model", default="mano", choices=["mano", "shadow", "allegro"])
    p.add_argument(
        "--cfg_env",
        default=None,
        help="env YAML (default: hot/data/cfg/<hand>/<hand>_stage1_precise_track.yaml)",
    )
    p.add_argument("--cfg_train", default="hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml")
    p.add_argument("--action", default="residual", choices=["residual", "delta"])
    p.add_argument("--num_envs", type=int, default=16)
    p.add_argument("--out", default="output/test_table")
    args = p.parse_args(argv)
    if args.num_envs < 1:
        p.exit(2, f"python -m hot.eval_table: error: --num_envs {args.num_envs}: must be >= 1\n")
    if args.cfg_env is None:
        args.cfg_env = f"hot/data/cfg/{args.hand_model}/{args.hand_model}_stage1_precise_track.yaml"
    if args.objects == ["all"]:
        args.objects = objects_with_clips(args.dataset, args.skills)
        if not args.objects:
            p.exit(2, f"python -m hot.eval_table: error: --objects all: no object folder with clips of "
                      f"{' '.join(args.skills)} in --dataset {args.dataset}\n")  # fmt: skip
    if args.policies:
        rows = policy_table(args)
        paths = write_policy_table(rows, args.policies, args.out)
    else:
        rows = run_table(args)
        paths = write_table(rows, args.out)
    for path in paths:
        print(f"[hot] wrote {path}")
    print(Path(args.out).with_name(Path(args.out).name + ".md").read_text())
    failed = [r for r in rows if r["status"].startswith(("error", "missing checkpoint"))]
    if failed:
        print(
            f"python -m hot.eval_table: error: {len(failed)} of {len(rows)} cells failed; the first: "
            f"{failed[0]['object']}/{failed[0]['skill']}: {failed[0]['status']}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
