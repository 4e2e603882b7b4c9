"""``python -m hot.datagen``: synthetic demonstrations (grasps, stable poses, skill clips).

Example::

    python -m hot.datagen --hand mano --objects Bottle Box --skills grasp move place \\
        --num_grasps 20 --seed 0 --out hot/data/motions/dexgrasp_train_mano
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from hot.datagen.grasp import GraspConfig
from hot.datagen.pipeline import (
    GRASP_REASONS,
    OBJECT_SOLIMP,
    OPEN_LOOP_CHECK,
    OPEN_LOOP_SKILLS,
    DatagenConfig,
    run,
)
from hot.datagen.skills import REJECT_REASONS, SKILLS, SkillConfig


def new_run_folder(args: argparse.Namespace, root: str | Path = "logs") -> Path:
    """``<root>/datagen/<hand>/<timestamp>_mujoco/`` (the run-folder scheme of every ``hot`` command,
    :mod:`hot.utils.runs`) with the command's resolved settings in ``config.yaml``."""
    import yaml

    from hot.utils.files import atomic_write_text
    from hot.utils.runs import new_run

    run = new_run(root, "datagen", args.hand, "mujoco", flag="--out")
    settings = {k: v for k, v in sorted(vars(args).items()) if k != "out"}
    atomic_write_text(run / "config.yaml", yaml.safe_dump({"datagen": settings}, sort_keys=False))
    print(f"[datagen] --out not given: writing into the new run folder {run}")
    return run


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m hot.datagen", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--hand", required=True, help="mano, shadow or allegro")
    p.add_argument(
        "--objects",
        nargs="+",
        required=True,
        help="object names, looked up in --objects_dir, then $HOT_OBJECTS_PATH, then the shipped set",
    )
    p.add_argument(
        "--objects_dir",
        nargs="+",
        default=[],
        metavar="DIR",
        help="directories of objects made with `hot objects add --into DIR`, searched first",
    )
    p.add_argument("--skills", nargs="+", default=["grasp", "move", "place"], choices=list(SKILLS))
    p.add_argument("--num_grasps", type=int, default=20, help="validated grasps kept per object")
    p.add_argument("--max_candidates", type=int, default=0, help="grasp candidate budget (0: 8 x num_grasps)")
    p.add_argument("--grasp_batch", type=int, default=64, help="candidates optimised together")
    p.add_argument("--grasp_iters", type=int, default=300, help="optimisation iterations per batch")
    p.add_argument("--num_stable", type=int, default=3, help="stable poses used per object (the first N)")
    p.add_argument(
        "--stable_ids",
        type=int,
        nargs="+",
        default=[],
        help="stable-pose indices to use instead of the first --num_stable",
    )
    p.add_argument("--clips_per_grasp", type=int, default=1, help="clips per (stable pose, grasp) and skill")
    p.add_argument(
        "--max_tries",
        type=int,
        default=100,
        help="random draws per clip job before it counts as failed (100; fewer makes hopeless jobs cheaper)",
    )
    p.add_argument("--scale", type=float, default=1.0, help="object scale")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--out",
        default="",
        help="dataset root, e.g. hot/data/motions/dexgrasp_train_mano (default: a new run folder "
        "logs/datagen/<hand>/<timestamp>_mujoco/ with the resolved settings in config.yaml)",
    )
    p.add_argument("--no_progress", action="store_true", help="no tqdm bars")
    p.add_argument(
        "--grasp_method",
        default="auto",
        choices=["auto", "mix", "wrap", "pinch", "closing", "fc"],
        help="grasp sampler: auto (default: power wraps; when fewer than --num_grasps pass, as many "
        "pinch/tripod candidates again), mix (--pinch_fraction of the candidates pinch/tripod grasps, the rest "
        "power wraps), wrap (power wraps squeezed in physics and hold-tested), pinch (thumb against one or "
        "two fingertips, palm clear of the object), closing (kinematic approach and close; its grasps do "
        "not hold), fc (force-closure optimisation)",
    )
    p.add_argument(
        "--pinch_fraction",
        type=float,
        default=0.5,
        help="share of the mix's candidates drawn by the pinch sampler (0.5; 0 = wraps only, 1 = pinches only)",
    )
    p.add_argument(
        "--object_solimp",
        type=float,
        nargs=3,
        default=list(OBJECT_SOLIMP),
        metavar=("DMIN", "DMAX", "WIDTH"),
        help="object contact impedance (MuJoCo solimp) of the stable-pose search, squeeze and hold test "
        f"(default {' '.join(map(str, OBJECT_SOLIMP))}; the scene default 0.9 0.95 0.001 is softer). "
        "Track the clips with the same sim.object_solimp",
    )
    p.add_argument(
        "--open_loop_check",
        nargs="+",
        default=list(OPEN_LOOP_CHECK),
        metavar="SKILL",
        help="skills whose clips are replayed open loop through the hand's PD servos before they are written; "
        f"a clip the hand does not execute is dropped (default {' '.join(OPEN_LOOP_CHECK)}; one of "
        f"{', '.join(OPEN_LOOP_SKILLS)}; none: no check)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object, object_search_path
    from hot.assets.objects.registry import PATH_ENV

    try:
        hand = get_hand(args.hand)
        for d in args.objects_dir:
            if not Path(d).is_dir():
                raise ValueError(f"--objects_dir {d}: not a directory")
        search = object_search_path(args.objects_dir)
        objects = [get_object(o, search) for o in args.objects]
        if args.objects_dir:  # the open-loop check's env looks objects up by name, as trackers do
            os.environ[PATH_ENV] = os.pathsep.join(
                [*map(str, args.objects_dir), *filter(None, os.environ.get(PATH_ENV, "").split(os.pathsep))]
            )
    except (ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, v in (
        ("--num_grasps", args.num_grasps),
        ("--clips_per_grasp", args.clips_per_grasp),
        ("--grasp_batch", args.grasp_batch),
        ("--grasp_iters", args.grasp_iters),
        ("--max_tries", args.max_tries),
        ("--num_stable", args.num_stable),
    ):
        if v < 1:
            print(f"error: {name} must be >= 1, got {v}", file=sys.stderr)
            return 2
    if args.max_candidates < 0:
        print(
            f"error: --max_candidates must be >= 0 (0: 8 x --num_grasps), got {args.max_candidates}",
            file=sys.stderr,
        )
        return 2
    if not (math.isfinite(args.scale) and args.scale > 0):
        print(f"error: --scale must be > 0 (1 = the object's size), got {args.scale}", file=sys.stderr)
        return 2
    if not 0.0 <= args.pinch_fraction <= 1.0:
        print(f"error: --pinch_fraction must be in [0, 1], got {args.pinch_fraction}", file=sys.stderr)
        return 2
    d0, d1, width = args.object_solimp
    if not (0.0 < d0 <= d1 < 1.0 and 0.0 < width < 1.0):
        print(
            "error: --object_solimp must be DMIN DMAX WIDTH with 0 < DMIN <= DMAX < 1 and 0 < WIDTH < 1 (m), "
            f"got {' '.join(map(str, args.object_solimp))}",
            file=sys.stderr,
        )
        return 2
    check = [] if args.open_loop_check == ["none"] else args.open_loop_check
    bad = [k for k in check if k not in OPEN_LOOP_SKILLS]
    if bad:
        print(
            f"error: --open_loop_check {' '.join(bad)}: not a skill the hand can execute open loop; use "
            f"{' '.join(OPEN_LOOP_SKILLS)}, or none",
            file=sys.stderr,
        )
        return 2
    if any(i < 0 for i in args.stable_ids):
        print(f"error: --stable_ids are indices >= 0, got {args.stable_ids}", file=sys.stderr)
        return 2
    cfg = DatagenConfig(
        skills=tuple(args.skills),
        num_grasps=args.num_grasps,
        max_candidates=args.max_candidates,
        num_stable=args.num_stable,
        stable_ids=tuple(args.stable_ids),
        clips_per_grasp=args.clips_per_grasp,
        seed=args.seed,
        scale=args.scale,
        grasp=GraspConfig(batch_size=args.grasp_batch, iters=args.grasp_iters),
        grasp_method=args.grasp_method,
        pinch_fraction=args.pinch_fraction,
        object_solimp=(d0, d1, width),
        open_loop_check=tuple(check),
        skill=SkillConfig(max_tries=args.max_tries),
    )
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm
    out = Path(args.out) if args.out else new_run_folder(args)
    t0 = time.perf_counter()
    reports = run(hand, objects, out, cfg, bar=bar)
    print(f"\n[datagen] done in {time.perf_counter() - t0:.1f} s")
    for r in reports:
        times = ", ".join(f"{k}={v:.1f}" for k, v in r.get("times", {}).items())
        print(
            f"  {r.get('hand')}/{r.get('object')}: usable grasps {r.get('valid')}/{r.get('candidates')} "
            f"(pass {100 * r.get('pass_rate', 0):.0f} %), passing the 6-direction hold test "
            f"{r.get('hold_validated', r.get('valid'))}/{r.get('candidates')}, penetration mean/max "
            f"{r.get('penetration_mean_mm', float('nan')):.2f}/{r.get('penetration_max_mm', float('nan')):.2f} mm, "
            f"stable poses {r.get('stable_poses')}, clips {r.get('clips')}"
            + (" [skipped: already complete]" if r.get("skipped") else "")
        )
        print(f"    times (s): {times}")
        fam = r.get("valid_by_family") or {}
        if fam:
            print("    usable grasps by family: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in fam.items()))
        if "platform_fit" in r:
            print(
                f"    usable grasps that clear the platform in a resting pose used "
                f"({r.get('stable_used')} of {r.get('stable_poses')}): {r['platform_fit']}/{r.get('valid')}"
            )
        gfail = r.get("grasp_failures") or {}
        if gfail:
            print(
                "    grasp candidates not valid: "
                + ", ".join(
                    f"{n} {GRASP_REASONS.get(k, k)}" for k, n in sorted(gfail.items(), key=lambda kv: -kv[1])
                )
            )
        olc = r.get("open_loop_check")
        if isinstance(olc, dict) and olc:
            print(
                "    open-loop check, clips executed / replayed: "
                + ", ".join(f"{k} {v['passed']}/{v['checked']}" for k, v in olc.items())
            )
        elif olc:
            print(f"    open-loop check: {olc}")
        failures = r.get("failure_reasons") or {}
        for skill, counts in failures.items():
            print(
                f"    failed {skill} jobs by reason: "
                + ", ".join(
                    f"{n} {REJECT_REASONS.get(k, k)}"
                    for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
                )
            )
        for skill, why in (r.get("no_clips") or {}).items():
            print(f"    no {skill} clips: {why}")
        tries = r.get("clip_tries") or {}
        if tries:
            print(
                "    draws per written clip (mean/max): "
                + ", ".join(f"{k} {v['mean']:.1f}/{v['max']}" for k, v in tries.items())
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
