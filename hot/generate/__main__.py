"""``hot generate``: sample hand-object clips from the shipped flow-matching generator.

    hot generate --object Mug --prompt "pick up the mug and put it down" --num 8 --seed 0 --out DIR

writes ``DIR/<object>/<skill folder>/<code>_<Object>_s<seed>_<i>-0.pt`` (the layout ``hot/run.py
--motion_file DIR`` and ``python -m hot.eval_table --dataset DIR`` read) plus ``DIR/generate.json`` (the
settings). Without ``--out``, DIR is a new run folder ``logs/generate/<Object>/<timestamp>_mujoco/``
(:mod:`hot.utils.runs`).
For a sequence the i-th clip of each skill continues the i-th clip of the skill before. Every clip is
validated and written atomically. Bad input is one line on stderr naming the flag, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = ["main", "build_parser"]

MAX_NUM = 1000


class UsageError(Exception):
    """Bad command-line input; the message is one line and names the flag."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse would print the usage first)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="hot generate", description="Generate hand-object clips with the flow-matching generator."
    )
    p.add_argument(
        "--object",
        default=None,
        help="object name from the registry (`hot objects list`); may be left out when the prompt names one",
    )
    p.add_argument(
        "--prompt", default=None, help='e.g. "pick up the mug and put it down" (closed vocabulary)'
    )
    p.add_argument(
        "--skills", nargs="+", default=None, help="skill sequence instead of a prompt, e.g. grasp place"
    )
    p.add_argument("--num", default="8", help=f"clips per skill, 1..{MAX_NUM}")
    p.add_argument("--seed", default="0", help="random seed (same seed, same clips)")
    p.add_argument(
        "--out",
        default="",
        help="output folder (default: a new run folder logs/generate/<Object>/<timestamp>_mujoco/)",
    )
    p.add_argument("--checkpoint", default=None, help="generator checkpoint (default: the shipped one)")
    p.add_argument(
        "--init_from",
        default=None,
        help="a clip file or folder: clip i starts at the first frame "
        "of its i-th clip (initial hand and object pose); default: recorded or resting starts",
    )
    p.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="sampling overrides, e.g. sample.ode_steps=64 sample.depenetrate=false",
    )
    return p


def _int_flag(name: str, value: str, lo: int, hi: int) -> int:
    try:
        v = int(value)
    except ValueError:
        raise UsageError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}") from None
    if not lo <= v <= hi:
        raise UsageError(f"{name} must be an integer in [{lo}, {hi}], got {v}")
    return v


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    num = _int_flag("--num", args.num, 1, MAX_NUM)
    seed = _int_flag("--seed", args.seed, 0, 2**63 - 1)

    from hot.assets.objects import ObjectAssetError, get_object, list_objects
    from hot.datagen.skills import SKILLS
    from hot.generate.vocab import PromptError, parse_prompt

    known = list_objects()
    if args.prompt is None and args.skills is None:
        raise UsageError("give --prompt (or --skills)")
    if args.prompt is not None and args.skills is not None:
        raise UsageError("--prompt and --skills are alternatives; give one")
    obj_name = args.object
    if args.prompt is not None:
        try:
            prompt = parse_prompt(args.prompt, known)
        except PromptError as e:
            raise UsageError(f"--prompt: {e}") from None
        skills = list(prompt.skills)
        if prompt.object is not None and obj_name is not None and prompt.object.lower() != obj_name.lower():
            raise UsageError(f"--prompt names {prompt.object} but --object is {obj_name}")
        obj_name = obj_name or prompt.object
    else:
        assert args.skills is not None  # one of --prompt / --skills is given (checked above)
        skills = list(args.skills)
        bad = [s for s in skills if s not in SKILLS]
        if bad:
            raise UsageError(f"--skills: unknown skill {bad[0]!r}; skills: {', '.join(SKILLS)}")
    if obj_name is None:
        raise UsageError("--object is required when the prompt names no object")
    try:
        asset = get_object(obj_name)
    except ObjectAssetError as e:
        raise UsageError(f"--object: {' '.join(str(e).split())}") from None

    from hot.generate.checkpoint import DEFAULT_CHECKPOINT, load_generator

    ckpt = Path(args.checkpoint) if args.checkpoint else DEFAULT_CHECKPOINT
    try:
        gen = load_generator(ckpt)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(f"--checkpoint: {' '.join(str(e).split())}") from None
    if args.set:
        from hot.config.strict import ConfigError, apply_overrides
        from hot.generate.config import GenerateConfig

        try:
            gen.cfg = apply_overrides(GenerateConfig, gen.cfg, args.set, source="--set")
        except ConfigError as e:
            raise UsageError(" ".join(str(e).split())) from None

    from hot.assets.hands import get_hand
    from hot.generate.sampler import (
        default_start,
        hull_vertices,
        make_depenetrator,
        make_refiner,
        make_verifier,
        sample_chain,
        start_from_clip,
    )
    from hot.motion.fk import KeyBodyFK
    from hot.motion.io import find_motion_files, load_clip, save_clip
    from hot.motion.schema import MotionFormatError

    hand = get_hand(gen.cfg.hand)
    if args.init_from is not None:
        try:
            files = find_motion_files(args.init_from)
            if len(files) < num:
                raise UsageError(
                    f"--init_from: {args.init_from} holds {len(files)} clips, fewer than --num {num}"
                )
            starts = [start_from_clip(load_clip(f, num_dofs=hand.num_dofs)) for f in files[:num]]
        except (FileNotFoundError, MotionFormatError) as e:
            raise UsageError(f"--init_from: {' '.join(str(e).split())}") from None
    else:
        rng = np.random.default_rng(seed)
        dense = asset.keypoints(dense=True)
        starts = [default_start(gen, asset.name, skills[0], dense, rng) for _ in range(num)]

    fk = KeyBodyFK(hand)
    keypoints = torch.from_numpy(asset.keypoints(dense=False))
    t0 = time.perf_counter()
    depen = make_depenetrator(gen, hand, asset.hull_paths)
    refiner = make_refiner(gen, hand, asset)
    verifier = make_verifier(gen, asset)
    clips, per_clip = sample_chain(
        gen, fk, skills, keypoints, starts, seed, depen, hull_vertices(asset), refiner,
        verifier, gen.cfg.sample.verify_tries,
    )  # fmt: skip
    if refiner is not None:
        print(f"[hot generate] {refiner.stats.line()}")
    if verifier is not None:
        print(f"[hot generate] {verifier.stats.line()}")
    if args.out:
        out = Path(args.out)
    else:
        from hot.utils.runs import new_run

        out = new_run("logs", "generate", asset.name, "mujoco", flag="--out")
    written = []
    for skill, row in zip(skills, clips, strict=True):
        code, folder = SKILLS[skill]
        for i, clip in enumerate(row):
            path = out / asset.name.lower() / folder / f"{code:03d}_{asset.name}_s{seed}_{i}-0.pt"
            save_clip(path, clip)
            written.append(path)
    manifest = {
        "object": asset.name,
        "prompt": args.prompt,
        "skills": skills,
        "num": num,
        "seed": seed,
        "checkpoint": str(ckpt),
        "init_from": args.init_from,
        "seconds_per_clip": round(per_clip, 4),
        "files": [str(p.relative_to(out)) for p in written],
    }
    from hot.utils.files import atomic_write_text

    atomic_write_text(out / "generate.json", json.dumps(manifest, indent=1) + "\n")
    print(
        f"hot generate: wrote {len(written)} clips ({' -> '.join(skills)}, {asset.name}) under {out} "
        f"in {time.perf_counter() - t0:.1f} s ({per_clip:.2f} s per clip sampled and decoded)"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except UsageError as e:
        print(f"hot generate: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
