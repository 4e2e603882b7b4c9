"""Held-out evaluation of the generator (what ``docs/results/generate_eval.{md,csv}`` report).

    python -m hot.generate.evaluate --heldout /tmp/gen_heldout7 --object Bottle --skills grasp move place \\
        --work /tmp/gen_eval --results docs/results

For every held-out clip (datagen with a seed the training data did not use) one clip of the same skill
is generated from its first frame (initial hand and object pose) and the object's keypoints. Measured:

* tracked success of the MANO teacher (``python -m hot.eval_table``) on the generated clips and on the
  held-out datagen clips of the same conditions, and their ratio (target >= 0.8);
* wrist translation, joint rotation, key-body and object errors against the held-out clip;
* hand-object penetration and contact-label consistency at every frame, generated and held-out alike;
* diversity: the spread between clips from the same condition with different seeds;
* sampling time per clip (sampling + decoding + FK, one CPU thread);
* with ``--extra_objects``, penetration and label consistency on objects outside the training set
  (default starts; no teacher exists for them, so no tracking).
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.datagen.kinematics import HandKinematics
from hot.datagen.sdf import ObjectSDF
from hot.datagen.skills import SKILLS
from hot.generate.checkpoint import DEFAULT_CHECKPOINT, load_generator
from hot.generate.features import encode_clip
from hot.generate.metrics import (
    TOUCH_MM,
    contact_metrics,
    hand_object_distance,
    pairwise_spread,
    tracking_errors,
)
from hot.generate.postprocess import decode_clip
from hot.generate.sampler import (
    default_start,
    hull_vertices,
    make_depenetrator,
    make_refiner,
    make_verifier,
    sample_chain,
    start_from_clip,
)
from hot.learning import shipped
from hot.motion.fk import KeyBodyFK
from hot.motion.io import load_folder, save_clip
from hot.utils.files import atomic_write_text

__all__ = ["main"]

TEACHER = str(shipped.CHECKPOINT_DIR / "mano" / "mano_bottle_grasp-move-place.pth")


def _tracking(
    dataset: Path, obj: str, skills: list[str], teacher: str, out: Path, num_envs: int
) -> dict[str, dict]:
    cmd = [
        sys.executable,
        "-m",
        "hot.eval_table",
        "--checkpoint",
        teacher,
        "--dataset",
        str(dataset),
        "--objects",
        obj,
        "--skills",
        *skills,
        "--hand_model",
        "mano",
        "--num_envs",
        str(num_envs),
        "--out",
        str(out),
    ]
    print("[evaluate] " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out.with_suffix(".csv")) as f:
        return {row["skill"]: row for row in csv.DictReader(f)}


def _pct(a: float, b: float) -> str:
    return f"{100 * a / b:.1f}" if b else "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Held-out evaluation of the motion generator.")
    p.add_argument(
        "--heldout", required=True, help="datagen root with <object>/<skill>_kp folders (unseen seed)"
    )
    p.add_argument("--object", default="Bottle")
    p.add_argument("--skills", nargs="+", default=["grasp", "move", "place"])
    p.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    p.add_argument("--teacher", default=TEACHER)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="first: tracked; all: diversity")
    p.add_argument("--extra_objects", nargs="*", default=["Mug"], help="unseen objects: validity only")
    p.add_argument("--num_envs", type=int, default=16)
    p.add_argument("--work", default="/tmp/gen_eval")
    p.add_argument("--results", default="docs/results")
    p.add_argument("--no_tracking", action="store_true")
    p.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="sampling overrides, e.g. sample.depenetrate=false",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    work, results = Path(args.work), Path(args.results)
    gen = load_generator(args.checkpoint)
    if args.set:
        from hot.config.strict import apply_overrides
        from hot.generate.config import GenerateConfig

        gen.cfg = apply_overrides(GenerateConfig, gen.cfg, args.set, source="--set")
    hand = get_hand(gen.cfg.hand)
    fk, kin = KeyBodyFK(hand), HandKinematics(hand)
    asset = get_object(args.object)
    have = [s for s in args.skills if (Path(args.heldout) / asset.name.lower() / SKILLS[s][1]).is_dir()]
    if not have:
        print(
            f"hot.generate.evaluate: error: --heldout {args.heldout} has no {asset.name} clips of "
            f"{', '.join(args.skills)} (looked for {asset.name.lower()}/<skill>_higher_kp)",
            file=sys.stderr,
        )
        return 2
    if have != args.skills:
        gone = [s for s in args.skills if s not in have]
        print(f"[evaluate] no held-out {asset.name} clips of {', '.join(gone)}: evaluating {', '.join(have)}")
        args.skills = have
    kp = torch.from_numpy(asset.keypoints(dense=False))
    sdfs = {asset.name: ObjectSDF.from_hull_paths(asset.hull_paths)}

    depen = make_depenetrator(gen, hand, asset.hull_paths)
    refiner = make_refiner(gen, hand, asset)
    verifier = make_verifier(gen, asset)
    rows: list[dict] = []
    times: list[float] = []
    for skill in args.skills:
        code, folder = SKILLS[skill]
        held = load_folder(Path(args.heldout) / asset.name.lower() / folder, num_dofs=hand.num_dofs)
        starts = [start_from_clip(c) for c in held.clips]
        by_seed = []
        for seed in args.seeds:
            clips, per_clip = sample_chain(
                gen, fk, [skill], kp, starts, seed, depen, hull_vertices(asset), refiner,
                verifier, gen.cfg.sample.verify_tries,
            )  # fmt: skip
            times.append(per_clip)
            by_seed.append(clips[0])
            for i, c in enumerate(clips[0]):
                save_clip(
                    work
                    / f"gen_s{seed}"
                    / asset.name.lower()
                    / folder
                    / f"{code:03d}_{asset.name}_s{seed}_{i}-0.pt",
                    c,
                )
        for p, c in zip(held.paths, held.clips, strict=True):  # decode(encode(datagen)): the decoding alone
            knots, origin = encode_clip(c, gen.cfg.model.num_knots)
            st = start_from_clip(c)
            rt = decode_clip(
                knots,
                origin,
                skill,
                (2, 10_000),
                gen.cfg.sample,
                fk,
                st.hand,
                st.obj,
                st.wrist_angles,
                depen,
                hull_vertices(asset),
            )
            save_clip(work / "roundtrip" / asset.name.lower() / folder / p.name, rt)
        gen0 = by_seed[0]
        err = [tracking_errors(g, r) for g, r in zip(gen0, held.clips, strict=True)]
        hold = [
            tracking_errors(
                r.replace(
                    wrist_dof=r.wrist_dof[:1].expand_as(r.wrist_dof),
                    fingers_dof=r.fingers_dof[:1].expand_as(r.fingers_dof),
                    body_pos=r.body_pos[:1].expand_as(r.body_pos),
                    obj_pos=r.obj_pos[:1].expand_as(r.obj_pos),
                ),
                r,
            )
            for r in held.clips
        ]
        cm_gen = [contact_metrics(c, hand_object_distance(c, kin, sdfs[asset.name])) for c in gen0]
        cm_ref = [contact_metrics(c, hand_object_distance(c, kin, sdfs[asset.name])) for c in held.clips]
        spread = [pairwise_spread([s[i] for s in by_seed]) for i in range(len(starts))]
        for name, cms, errs in (("generated", cm_gen, err), ("datagen", cm_ref, None)):
            row = {
                "object": asset.name,
                "skill": skill,
                "clips": name,
                "n": len(cms),
                "frames_mean": round(
                    float(np.mean([c.num_frames for c in (gen0 if errs else held.clips)])), 1
                ),
                "pen_mean_mm": round(float(np.mean([m["pen_mean_mm"] for m in cms])), 2),
                "pen_max_mm": round(max(m["pen_max_mm"] for m in cms), 2),
                "contact1_ok_pct": _pct(sum(m["ok1"] for m in cms), sum(m["n1"] for m in cms)),
                "contact0_ok_pct": _pct(sum(m["ok0"] for m in cms), sum(m["n0"] for m in cms)),
            }
            if errs:
                for k in ("wrist_cm", "joint_deg", "key_cm", "obj_cm"):
                    row[k] = round(float(np.mean([e[k] for e in errs])), 2)
                    row[f"hold_{k}"] = round(float(np.mean([e[k] for e in hold])), 2)
                row["div_wrist_cm"] = round(float(np.mean([s["wrist_cm"] for s in spread])), 2)
                row["div_final_obj_cm"] = round(float(np.mean([s["final_obj_cm"] for s in spread])), 2)
            rows.append(row)
        print(f"[evaluate] {skill}: {rows[-2]}", flush=True)

    extra = []
    for name in args.extra_objects:
        a = get_object(name)
        sdfs[a.name] = ObjectSDF.from_hull_paths(a.hull_paths)
        rng = np.random.default_rng(0)
        starts = [default_start(gen, a.name, "grasp", a.keypoints(dense=True), rng) for _ in range(8)]
        chains, per_clip = sample_chain(
            gen,
            fk,
            ["grasp", "place"],
            torch.from_numpy(a.keypoints(dense=False)),
            starts,
            0,
            make_depenetrator(gen, hand, a.hull_paths),
            hull_vertices(a),
            make_refiner(gen, hand, a),
            make_verifier(gen, a),
            gen.cfg.sample.verify_tries,
        )
        times.append(per_clip)
        for skill, clips in zip(["grasp", "place"], chains, strict=True):
            cms = [contact_metrics(c, hand_object_distance(c, kin, sdfs[a.name])) for c in clips]
            extra.append(
                {
                    "object": a.name,
                    "skill": skill,
                    "n": len(cms),
                    "pen_mean_mm": round(float(np.mean([m["pen_mean_mm"] for m in cms])), 2),
                    "pen_max_mm": round(max(m["pen_max_mm"] for m in cms), 2),
                    "contact1_ok_pct": _pct(sum(m["ok1"] for m in cms), sum(m["n1"] for m in cms)),
                    "contact0_ok_pct": _pct(sum(m["ok0"] for m in cms), sum(m["n0"] for m in cms)),
                }
            )

    track: dict[str, dict[str, dict]] = {}
    if not args.no_tracking:
        t0 = time.time()
        track["generated"] = _tracking(
            work / f"gen_s{args.seeds[0]}",
            asset.name,
            args.skills,
            args.teacher,
            work / "track_generated",
            args.num_envs,
        )
        track["datagen"] = _tracking(
            Path(args.heldout), asset.name, args.skills, args.teacher, work / "track_datagen", args.num_envs
        )
        track["roundtrip"] = _tracking(
            work / "roundtrip", asset.name, args.skills, args.teacher, work / "track_roundtrip", args.num_envs
        )
        print(f"[evaluate] tracking took {time.time() - t0:.0f} s", flush=True)
    for row in rows:
        t = track.get(row["clips"], {}).get(row["skill"], {})
        row["tracked_success_pct"] = (
            f"{100 * float(t['success_rate']):.1f}" if t.get("success_rate") not in (None, "") else "n/a"
        )

    fields = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields)
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(results / "generate_eval.csv", buf.getvalue())
    checks = [s.stats.line() for s in (refiner, verifier) if s is not None]
    for line in checks:
        print(f"[evaluate] {line}")
    md = _markdown(args, gen, rows, extra, times, track, checks)
    atomic_write_text(results / "generate_eval.md", md)
    print(md)
    return 0


def _markdown(
    args, gen, rows: list[dict], extra: list[dict], times: list[float], track: dict, checks: list[str]
) -> str:
    tr = gen.training
    lines = [
        "# Generator evaluation (held-out conditions)",
        "",
        f"Written by `python -m hot.generate.evaluate --heldout {args.heldout} --object {args.object} "
        f"--skills {' '.join(args.skills)}` (checkpoint `{Path(args.checkpoint).name}`: {tr.get('steps')} steps, "
        f"{tr.get('wall_s', 0) / 60:.0f} min on {tr.get('threads')} CPU thread(s), {tr.get('clips')} training clips). "
        f"Held-out clips: `{args.heldout}` (datagen, a seed the training data did not use); one generated clip "
        f"per held-out clip, from its first frame. Teacher: `{args.teacher}`, {args.num_envs} envs. "
        f"Sampling: {gen.cfg.sample.ode_steps} Euler steps, smoothing sigma {gen.cfg.sample.smooth_sigma} knot, "
        f"rigid object {'on' if gen.cfg.sample.rigid_hold else 'off'}, "
        f"resting on the platform {'on' if gen.cfg.sample.settle else 'off'}, penetration removal "
        f"{'on (margin ' + format(gen.cfg.sample.depen_margin * 1000, 'g') + ' mm)' if gen.cfg.sample.depenetrate else 'off'}, "
        f"physics check {gen.cfg.sample.verify_tries} draws per clip ({'; '.join(checks) or 'off'}).",
        "",
        "## Tracked success (teacher on generated vs datagen clips of the same conditions)",
        "",
        "| skill | clips | generated | datagen | ratio (target >= 0.8) | datagen, decoded |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for skill in args.skills:
        g = next(r for r in rows if r["skill"] == skill and r["clips"] == "generated")
        d = next(r for r in rows if r["skill"] == skill and r["clips"] == "datagen")
        gs, ds = g["tracked_success_pct"], d["tracked_success_pct"]
        ratio = f"{float(gs) / float(ds):.2f}" if gs != "n/a" and ds not in ("n/a", "0.0") else "n/a"
        rt = track.get("roundtrip", {}).get(skill, {}).get("success_rate")
        rts = f"{100 * float(rt):.1f} %" if rt not in (None, "") else "n/a"
        lines.append(f"| {skill} | {g['n']} | {gs} % | {ds} % | {ratio} | {rts} |")
    lines += [
        "",
        "`datagen, decoded`: the held-out clips encoded to knots and decoded by the same steps as generated "
        "clips (no model): what the decoding alone costs.",
        "",
        "## Errors against the held-out clip (mean over frames and clips)",
        "",
        "`hold` is the trivial baseline that keeps the first frame for the whole clip.",
        "",
        "| skill | wrist transl. cm (hold) | joint rot. deg (hold) | key bodies cm (hold) | object cm (hold) "
        "| diversity: wrist cm / final object cm |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["clips"] != "generated":
            continue
        lines.append(
            f"| {r['skill']} | {r['wrist_cm']} ({r['hold_wrist_cm']}) | {r['joint_deg']} ({r['hold_joint_deg']}) | "
            f"{r['key_cm']} ({r['hold_key_cm']}) | {r['obj_cm']} ({r['hold_obj_cm']}) | "
            f"{r['div_wrist_cm']} / {r['div_final_obj_cm']} |"
        )
    lines += [
        "",
        f"Diversity: mean pairwise distance between the clips of seeds {' '.join(map(str, args.seeds))} from the "
        "same start.",
        "",
        f"## Penetration and contact labels (every frame; contact-1 ok: hand within {TOUCH_MM:g} mm; "
        "contact-0 ok: no penetration)",
        "",
        "| object | skill | clips | n | frames | penetration mean / max mm | contact-1 ok % | contact-0 ok % |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['object']} | {r['skill']} | {r['clips']} | {r['n']} | {r['frames_mean']} | "
            f"{r['pen_mean_mm']} / {r['pen_max_mm']} | {r['contact1_ok_pct']} | {r['contact0_ok_pct']} |"
        )
    for r in extra:
        lines.append(
            f"| {r['object']} (unseen) | {r['skill']} | generated | {r['n']} | | {r['pen_mean_mm']} / "
            f"{r['pen_max_mm']} | {r['contact1_ok_pct']} | {r['contact0_ok_pct']} |"
        )
    lines += [
        "",
        f"Sampling time: {np.mean(times):.2f} s per clip (mean over batches; flow sampling with "
        f"{gen.cfg.sample.ode_steps} Euler steps, decoding and FK; 1 CPU thread).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
