"""The generation pipeline: grasps -> stable poses -> skill clips, per object, resumable.

Layout under ``out``::

    <object_lower>/<skill_dir>/<code>_<Object>_<stable>_<grasp>-<k>.pt   motion clips (upstream dict)
    _datagen/<Object>/grasps_<hand>_<digest>.npz                          all candidates + validity
    _datagen/<Object>/stable_poses_<digest>.npz                           stable poses
    _datagen/<Object>/done_<hand>.json                                    completion marker (+ settings)

An object whose marker exists with the same settings is skipped; grasp and stable-pose caches are
reused only by runs with the settings that made them (their file names carry a digest of those
settings), so an interrupted run continues where it stopped and a run with other settings recomputes. Every file is written atomically. Each
clip draws from its own generator seeded by (seed, object, skill, stable, grasp, k), so the output
does not depend on which objects were already done, and ``place`` k is exactly the reversal of
``grasp`` k (same draw).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.closing import generate_closing_grasps
from hot.datagen.fc import generate_fc_grasps
from hot.datagen.grasp import GraspConfig, GraspProblem, GraspSet
from hot.datagen.ik import WristChain
from hot.datagen.pinch import generate_mixed_grasps, generate_pinch_grasps
from hot.datagen.skills import (
    GRASP_ON_PLATFORM,
    REJECT_REASONS,
    SKILLS,
    SkillConfig,
    SkillContext,
    check_plan,
    make_clip,
    plan_to_clip,
    platform_fit,
    reverse_plan,
)
from hot.datagen.stable_poses import StablePoseConfig, load_or_find_stable_poses
from hot.datagen.wrap import generate_wrap_grasps
from hot.motion.io import save_clip
from hot.sim.scene import SceneOptions, compile_scene
from hot.utils.files import atomic_write

__all__ = [
    "OPEN_LOOP_CHECK",
    "OPEN_LOOP_SKILLS",
    "DatagenConfig",
    "open_loop_check",
    "explain_no_clips",
    "grasp_failures",
    "run_object",
    "run",
    "sampler_open_pose",
]


class ProgressBar(Protocol):
    """The part of a progress bar (e.g. ``tqdm``) that the generation loops use."""

    total: int

    def update(self, n: int = 1) -> object: ...

    def refresh(self) -> object: ...

    def close(self) -> object: ...


STABLE_SKILLS = ("grasp", "place", "regrasp", "freemove", "long")
"""Skills that start from a stable pose on the platform (the file's ``<stable>`` field)."""

OBJECT_SOLIMP = (0.99, 0.999, 0.001)
"""The generator's object contacts (MuJoCo ``solimp``: dmin, dmax, width in m), stiffer than the scene's
default (0.9, 0.95, 0.001): a squeezing finger sinks about 0.5 mm into the object instead of 1.5-2 mm, so
the hold test keeps grasps that hold without sinking and the references carry less penetration. The
training sets shipped under hot/data/motions were made with the scene default; the teachers that track
clips made with these contacts simulate with them too (their YAML's ``sim.object_solimp``)."""


OPEN_LOOP_SKILLS = ("grasp", "move", "place", "regrasp", "rotate", "throw", "freemove", "long")
"""Skills whose references a hand can execute with no policy (catch cannot: the hand must react to the
flying object), so their clips can be checked by an open-loop replay."""

OPEN_LOOP_CHECK = ("grasp", "move", "place")
"""The skills :attr:`DatagenConfig.open_loop_check` replays by default. A grasp that passes the squeeze and
hold test can still fail in its clip (the object tips as the fingers close on the platform, or slips in the
lift or as it is set down), and the trackers fail mostly on those clips (docs/grasp_priors.md)."""


@dataclass
class DatagenConfig:
    """What to generate."""

    skills: tuple[str, ...] = ("grasp", "move", "place")
    num_grasps: int = 20
    """Validated grasps to keep and use per object."""
    max_candidates: int = 0
    """Candidate budget per object (0: 8 x num_grasps)."""
    num_stable: int = 3
    """Stable poses used per object (the first ``num_stable``)."""
    stable_ids: tuple[int, ...] = ()
    """Stable-pose indices to use instead of the first ``num_stable`` (e.g. the poses on which a
    hand's grasps clear the platform). A clip's seed does not depend on which poses are chosen."""
    clips_per_grasp: int = 1
    """Clips per (stable pose, grasp) and skill."""
    seed: int = 0
    scale: float = 1.0
    grasp_method: str = "auto"
    """'auto' (default: power wraps over the candidate budget; if fewer than ``num_grasps`` pass, as many
    pinch/tripod candidates again, hot.datagen.pinch), 'mix' (``pinch_fraction`` of the candidates
    pinch/tripod grasps, the rest wraps), 'wrap' (power wraps squeezed in physics and hold-tested, hot.datagen.wrap),
    'pinch' (pinch/tripod grasps only), 'closing'
    (kinematic approach and close, hot.datagen.closing; does not hold) or 'fc' (force-closure
    optimisation from palm-facing starts, then the same squeeze and hold test, hot.datagen.fc)."""
    pinch_fraction: float = 0.5
    """Share of the candidates drawn by the pinch sampler in ``mix``."""
    object_solimp: tuple[float, float, float] = OBJECT_SOLIMP
    """Object contact impedance of every simulation the generator runs (stable poses, squeeze, hold test)."""
    open_loop_check: tuple[str, ...] = OPEN_LOOP_CHECK
    """Skills whose clips are replayed open loop through the hand's PD servos before they are written (the
    hand's ``<hand>_stage1_precise_track.yaml`` physics with ``object_solimp``, as ``python -m hot.eval_table``
    runs ``openloop``); a clip the hand does not execute by the skill's success rule is dropped. Only skills in
    :data:`OPEN_LOOP_SKILLS`; empty: no check."""
    open_loop_closure_bias: float = 0.05
    """The grasp-closure prior of the check's replay (``env.closure_bias``, rad): while the reference touches
    the object, the flexing finger joints' PD targets lie this much further towards the closed hand, as in
    the MANO and Allegro teachers' action mode. 0 replays the reference exactly; it then also drops many clips
    the teachers track (on one MANO Bottle seed, 6 of 11 place clips and 3 of 8 moves)."""
    grasp: GraspConfig = field(default_factory=GraspConfig)
    stable: StablePoseConfig = field(default_factory=StablePoseConfig)
    skill: SkillConfig = field(default_factory=SkillConfig)


def sampler_open_pose(hand: HandModel, method: str) -> np.ndarray | None:
    """The open hand the clips start from, by the method recorded in the grasp set's meta: the
    samplers' own (``closing.hand_frame``; the force-closure grasps start from its placements);
    None (zeros) for grasps of unknown origin."""
    if method in ("wrap", "closing", "fc", "pinch", "mix", "auto"):
        from hot.datagen.closing import hand_frame

        return hand_frame(hand).opened
    return None


def _tag_family(gs: GraspSet, hand: HandModel, method: str) -> None:
    """Per-grasp ``family`` and ``open_pose`` meta for a wrap set (pinch sets carry their own), so that
    sets of both samplers concatenate."""
    if method == "wrap" or "family" not in gs.meta:
        from hot.datagen.closing import hand_frame

        gs.meta["family"] = ["wrap"] * len(gs)
        gs.meta["open_pose"] = np.tile(hand_frame(hand).opened, (len(gs), 1)).tolist()


def _open_poses(gs: GraspSet) -> np.ndarray | None:
    """Per-grasp finger poses the clips close from (the pinch sampler's pre-shapes), if recorded."""
    op = gs.meta.get("open_pose")
    if isinstance(op, list) and len(op) == len(gs) and len(gs):
        return np.asarray(op, dtype=np.float64)
    return None


def _pose_ups(poses, pose_ids: list[int]) -> np.ndarray:
    """(K, 3) the world's up direction in the object frame of each resting pose ``pose_ids``."""
    from hot.utils.rotations import quat_conj, quat_rotate

    q = torch.as_tensor(np.asarray(poses.quat)[pose_ids], dtype=torch.float64)
    z = torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64).expand(len(pose_ids), 3)
    return quat_rotate(quat_conj(q), z).numpy()


def _clip_grasps(gs: GraspSet) -> GraspSet:
    """The grasps as the clips close them: for squeezed grasps the finger reference is the hold test's
    PD target, the settled pose plus the offset tau / kp (a few mrad) that makes the servos press with
    the settled torques."""
    if gs.meta.get("method") in ("wrap", "fc", "pinch", "mix", "auto") and "squeeze_targets" in gs.meta:
        gs = gs.subset(np.arange(len(gs)))
        gs.fingers = np.asarray(gs.meta["squeeze_targets"], dtype=gs.fingers.dtype)
    return gs


def _usable(gs: GraspSet) -> np.ndarray:
    """Grasps the clips may use: hold-validated ones, or for kinematic approach-and-close grasps
    (which do not hold) the kinematically usable ones (see hot.datagen.closing)."""
    if gs.meta.get("method") == "closing" and "usable" in gs.meta:
        return np.asarray(gs.meta["usable"], dtype=bool) | np.asarray(gs.valid, dtype=bool)
    return np.asarray(gs.valid, dtype=bool)


GRASP_REASONS: dict[str, str] = {
    "no_approach": "no collision-free wrist approach found",
    "hold_lost": "object slipped in the 6-direction hold test",
    "penetration": "hand penetrates the object too deeply",
}
"""Why grasp candidates are not valid (key -> words), counted by :func:`grasp_failures`."""
PLATFORM_REASONS = ("grasp_meets_platform", "grasp_below_platform", "no_approach", "hand below the platform")
"""Clip failure reasons caused by the platform in a stable pose: the grasp's wrist under it, an
approach that can only come from below (:func:`hot.datagen.skills._pregrasp` finds starts from
above only, so one that fails on every draw faces down), or the hand through it."""


def grasp_failures(grasps: GraspSet) -> dict[str, int]:
    """Why candidates of a grasp set are not usable: counts by :data:`GRASP_REASONS` key.

    Candidates asked for (``meta["candidates_requested"]``, recorded by :func:`run_object`) that the
    sampler returned no pose for had no collision-free approach. A returned grasp that is not valid
    failed its hold test, or held but penetrated the object more than the sampler allows.
    """
    valid = _usable(grasps)
    requested = int(grasps.meta.get("candidates_requested", len(grasps)))
    out = {"no_approach": max(requested - len(grasps), 0)}
    hold_ok = grasps.meta.get("hold_ok")
    if hold_ok is not None and len(hold_ok) == len(grasps):
        held = np.asarray(hold_ok, dtype=bool)
        out["hold_lost"] = int((~valid & ~held).sum())
        out["penetration"] = int((~valid & held).sum())
    else:
        out["hold_lost"] = int((~valid).sum())
    return {k: v for k, v in out.items() if v}


def explain_no_clips(report: dict, cfg: DatagenConfig) -> dict[str, str]:
    """For each skill of ``cfg`` that wrote no clip: the dominant reason and the flag most likely to help."""
    clips = report.get("clips") or {}
    out = {}
    for skill in cfg.skills:
        if clips.get(skill, 0) > 0:
            continue
        if report.get("valid", 0) == 0:
            reasons = report.get("grasp_failures") or {}
            top = max(reasons, key=reasons.__getitem__) if reasons else "no_approach"
            words = GRASP_REASONS.get(top, top)
            asked = report.get("candidates", 0) + reasons.get("no_approach", 0)
            out[skill] = (
                f"no valid grasp ({asked} candidates; mostly: {words}); "
                f"try more candidates, e.g. --max_candidates {4 * (cfg.max_candidates or 8 * cfg.num_grasps)}"
                + (", or check the object's size against the hand (--scale)" if top == "no_approach" else "")
            )
            continue
        if skill in STABLE_SKILLS and report.get("stable_poses", 0) == 0:
            out[skill] = (
                "the object has no stable pose on the platform (it rolls or topples): use move/rotate/catch"
            )
            continue
        reasons = (report.get("failure_reasons") or {}).get(skill) or {}
        if not reasons:
            out[skill] = "no clip jobs ran"
            continue
        top = max(reasons, key=reasons.__getitem__)
        total = sum(reasons.values())
        words = f"{reasons[top]} of {total} jobs: {REJECT_REASONS.get(top, top)}"
        if top in PLATFORM_REASONS:
            n_poses, used = report.get("stable_poses", 0), report.get("stable_used", 0)
            if all(r in PLATFORM_REASONS for r in reasons) and used >= n_poses:
                out[skill] = (
                    f"{words}; every grasp meets the platform in all {n_poses} stable poses, so this shape "
                    f"cannot be grasped from its resting poses with these grasps; more grasps may find one "
                    f"from above (--max_candidates), and move/rotate clips need no platform"
                )
            else:
                out[skill] = (
                    f"{words}; try other resting poses: --num_stable {n_poses} (of {n_poses}) or --stable_ids"
                )
        elif top == "open_loop":
            out[skill] = (
                f"{words}; try more grasps (--num_grasps) or stable poses (--num_stable), or keep the clips "
                "unchecked with --open_loop_check none"
            )
        else:
            out[skill] = f"{words}; try more draws per job: --max_tries {4 * cfg.skill.max_tries}"
    return out


CACHE_VERSION = 2
"""Bumped when a code change alters what the same settings generate, so that completion markers and
grasp caches of older code are not reused: 2 (2026-12-05) = grasps counted and chosen by whether they
fit the resting poses (:func:`hot.datagen.skills.platform_fit`) and the softer re-squeeze of deep
holds (:class:`hot.datagen.wrap.WrapConfig`). Markers and caches without a version are from 1."""


def _stable_seed(*parts) -> list[int]:
    return [zlib.crc32(str(p).encode()) for p in parts]


def grasp_seed(seed: int, obj_name: str, hand_name: str) -> int:
    """The grasp sampler's seed for (``--seed``, object, hand): a 63-bit digest of all three, so every seed
    gives its own grasps. (Until 2026-12-05 it was ``crc(seed) ^ crc(seed) = 0`` for every seed, object
    and hand: held-out sets made with other seeds reused the training set's grasps.)"""
    digest = hashlib.sha256(f"{seed}/{obj_name}/{hand_name}/grasps".encode()).digest()
    return int.from_bytes(digest[:8], "little") % (2**63)


def scene_options(cfg: DatagenConfig) -> SceneOptions:
    """The physics options of every simulation the generator runs for ``cfg``: the scene's defaults with
    the generator's object contacts."""
    return SceneOptions(object_solimp=cfg.object_solimp)


def _write_json(path: Path, obj) -> None:
    with atomic_write(path) as f:
        json.dump(obj, f, indent=1, sort_keys=True)


def _digest(key: dict) -> str:
    return hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:10]


def grasp_cache_path(work: Path, hand: HandModel, obj, cfg: DatagenConfig) -> Path:
    """The grasp cache of these settings: its name carries a digest of everything that shapes the grasps
    (hand, object, scale, seed, method, optimiser settings, budget), so other settings never reuse it."""
    key = {
        "hand": hand.name,
        "object": obj.name,
        "scale": cfg.scale,
        "seed": cfg.seed,
        "grasp_method": cfg.grasp_method,
        "grasp": asdict(cfg.grasp),
        "num_grasps": cfg.num_grasps,
        "max_candidates": cfg.max_candidates,
        "object_solimp": list(cfg.object_solimp),
    }
    if cfg.grasp_method == "mix":
        key["pinch_fraction"] = cfg.pinch_fraction
    key["version"] = CACHE_VERSION  # code changes that alter the grasps (the re-squeeze) bump it
    if any(s in GRASP_ON_PLATFORM for s in cfg.skills):
        # sampling stops at num_grasps grasps that fit the resting poses used
        key["fit"] = {
            "poses": sorted(set(cfg.stable_ids)) or list(range(cfg.num_stable)),
            "stable": asdict(cfg.stable),
            "min_wrist_z": cfg.skill.min_wrist_z,
        }
    return work / f"grasps_{hand.name}_{_digest(key)}.npz"


def stable_cache_path(work: Path, obj, cfg: DatagenConfig) -> Path:
    """The stable-pose cache of these settings (object, scale, seed, search settings), keyed as above."""
    key = {
        "object": obj.name,
        "scale": cfg.scale,
        "seed": cfg.seed,
        "stable": asdict(cfg.stable),
        "object_solimp": list(cfg.object_solimp),
    }
    return work / f"stable_poses_{_digest(key)}.npz"


def _settings(hand: HandModel, cfg: DatagenConfig) -> dict:
    d = asdict(cfg)
    d["hand"] = hand.name
    d["version"] = CACHE_VERSION
    d["skills"] = list(cfg.skills)
    if not d.get("stable_ids"):  # markers written before the option existed stay valid
        d.pop("stable_ids", None)
    if cfg.grasp_method != "mix":  # likewise: only the mix uses the pinch share
        d.pop("pinch_fraction", None)
    return json.loads(json.dumps(d))


def run_object(
    hand: HandModel,
    obj,
    out: str | os.PathLike,
    cfg: DatagenConfig,
    bar: Callable[..., ProgressBar] | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Generate everything for one object; returns a report dict (counts, timings)."""
    out = Path(out)
    work = out / "_datagen" / obj.name
    marker = work / f"done_{hand.name}.json"
    settings = _settings(hand, cfg)
    if marker.exists():
        try:
            done = json.loads(marker.read_text())
        except (OSError, ValueError):
            done = {}
        if done.get("settings") == settings:
            log(f"[datagen] {hand.name}/{obj.name}: already complete ({marker}), skipped")
            return {**done.get("report", {}), "skipped": True}
    report: dict = {"object": obj.name, "hand": hand.name, "times": {}}
    t0 = time.perf_counter()

    # ---- stable poses (first: the grasp stage counts the grasps that fit them)
    opts = scene_options(cfg)
    spath = stable_cache_path(work, obj, cfg)
    poses = load_or_find_stable_poses(hand, obj, spath, cfg.scale, cfg.seed, cfg.stable, opts)
    report["times"]["stable_poses_s"] = time.perf_counter() - t0
    report["stable_poses"] = len(poses)
    needs_stable = any(s in STABLE_SKILLS for s in cfg.skills)
    if needs_stable and len(poses) == 0:
        log(f"[datagen] {hand.name}/{obj.name}: no stable pose found; skills {STABLE_SKILLS} skipped")
    if cfg.stable_ids:
        bad = [i for i in cfg.stable_ids if not 0 <= i < len(poses)]
        if bad:
            raise ValueError(
                f"{spath}: stable pose ids {bad} out of range; "
                f"{obj.name} has {len(poses)} stable poses (0-{len(poses) - 1})"
            )
        pose_ids = sorted(set(cfg.stable_ids))
    else:
        pose_ids = list(range(min(cfg.num_stable, len(poses))))
    report["stable_used"] = len(pose_ids)

    # ---- grasps
    gpath = grasp_cache_path(work, hand, obj, cfg)
    prob = GraspProblem(hand, obj, cfg.scale, cfg.grasp, opts)
    platform_top = opts.platform_z + opts.platform_size[2] / 2
    on_platform = bool(pose_ids) and any(s in GRASP_ON_PLATFORM for s in cfg.skills)

    def fits(gs: GraspSet) -> np.ndarray:
        """(G, poses) whether each grasp, as the clips close it, clears the platform in each used pose."""
        return platform_fit(prob.kin, _clip_grasps(gs), poses, pose_ids, platform_top, cfg.skill.min_wrist_z)

    def n_ready(gs: GraspSet) -> int:
        """Usable grasps of one batch for the skills asked: those that fit some used pose when clips grasp on
        the platform."""
        if not on_platform:
            return int(_usable(gs).sum())
        return int((_usable(gs) & fits(gs).any(1)).sum())

    if gpath.exists():
        grasps = GraspSet.load(gpath)
        t_g = {"synthesis_s": 0.0, "validation_s": 0.0, "cached": True}
        log(f"[datagen] {hand.name}/{obj.name}: grasps from the cache of these settings ({gpath.name})")
    else:
        budget = cfg.max_candidates or 8 * cfg.num_grasps
        sets, t_g = [], {"synthesis_s": 0.0, "validation_s": 0.0}
        gen_seed = grasp_seed(cfg.seed, obj.name, hand.name)
        pbar = bar(total=budget, desc=f"grasps {obj.name}", unit="cand") if bar else None
        done_n = 0
        b = 0
        samplers = {
            "closing": partial(generate_closing_grasps, scene=opts),
            "wrap": partial(generate_wrap_grasps, scene=opts),
            "fc": partial(generate_fc_grasps, problem=prob),
            # pinches for the resting poses the clips grasp from: fingertips from above, clear of the platform
            "pinch": partial(
                generate_pinch_grasps, up=_pose_ups(poses, pose_ids) if on_platform else None, scene=opts
            ),
            "mix": partial(generate_mixed_grasps, pinch_fraction=cfg.pinch_fraction, scene=opts),
        }
        if cfg.grasp_method not in (*samplers, "auto"):
            raise ValueError(
                f"unknown grasp_method {cfg.grasp_method!r}; use auto or one of {sorted(samplers)}"
            )
        # auto: power wraps first; only when they fall short (counting, when the clips grasp on the
        # platform, only grasps that fit a resting pose), as many pinch/tripod candidates again
        phases = (
            [("wrap", budget), ("pinch", budget)]
            if cfg.grasp_method == "auto"
            else [(cfg.grasp_method, budget)]
        )
        ready = 0  # usable grasps so far, each batch counted once
        for k_phase, (method, phase_budget) in enumerate(phases):
            used = 0
            if k_phase and pbar and ready < cfg.num_grasps:
                pbar.total += phase_budget
                pbar.refresh()
            while used < phase_budget and ready < cfg.num_grasps:
                n = min(cfg.grasp.batch_size, phase_budget - used)
                seed_b = (gen_seed + b) % (2**63)
                tc = time.perf_counter()
                gs = samplers[method](
                    hand, obj, cfg.scale, n, seed=seed_b, progress=pbar.update if pbar else None
                )
                if cfg.grasp_method == "auto":
                    _tag_family(gs, hand, method)
                tt = {"synthesis_s": time.perf_counter() - tc, "validation_s": 0.0}
                sets.append(gs)
                for k in ("synthesis_s", "validation_s"):
                    t_g[k] += tt[k]
                used += n
                done_n += n
                b += 1
                ready += n_ready(gs)
        if pbar:
            pbar.close()
        grasps = GraspSet.concat(sets)  # per-grasp meta lists are concatenated too
        if cfg.grasp_method == "auto":
            grasps.meta["method"] = "auto"
        grasps.meta["candidates_requested"] = done_n
        grasps.save(gpath)
    report["times"]["grasp_synthesis_s"] = t_g["synthesis_s"]
    report["times"]["grasp_validation_s"] = t_g["validation_s"]
    report["hold_validated"] = int(np.asarray(grasps.valid).sum())
    valid_idx = np.nonzero(_usable(grasps))[0]
    fit = fits(grasps) if on_platform else np.ones((len(grasps), max(len(pose_ids), 1)), dtype=bool)
    # lowest energy first, but grasps that fit a resting pose before those that fit none
    order = valid_idx[np.lexsort((grasps.energy[valid_idx], ~fit[valid_idx].any(1)))][: cfg.num_grasps]
    report["candidates"] = len(grasps)
    report["valid"] = int(len(valid_idx))
    report["pass_rate"] = float(len(valid_idx) / max(len(grasps), 1))
    pen = grasps.penetration[valid_idx]
    report["penetration_mean_mm"] = float(pen.mean() * 1000) if len(pen) else float("nan")
    report["penetration_max_mm"] = float(pen.max() * 1000) if len(pen) else float("nan")
    report["grasp_failures"] = grasp_failures(grasps)
    fam = grasps.meta.get("family")
    if isinstance(fam, list) and len(fam) == len(grasps):
        fam_a = np.asarray(fam)
        usable = _usable(grasps)
        report["valid_by_family"] = {
            str(f): [int((usable & (fam_a == f)).sum()), int((fam_a == f).sum())] for f in sorted(set(fam))
        }
    if on_platform:
        report["platform_fit"] = int(fit[valid_idx].any(1).sum())
    if len(order) == 0:
        log(
            f"[datagen] {hand.name}/{obj.name}: grasp synthesis gave 0 valid grasps out of {len(grasps)}; "
            "no clips written for this object"
        )
        report["clips"] = {}
        report["no_clips"] = explain_no_clips(report, cfg)
        report["times"]["total_s"] = time.perf_counter() - t0
        _write_json(marker, {"settings": settings, "report": report})
        return report
    used = _clip_grasps(grasps.subset(order))
    fit_used = fit[order]

    # ---- clips
    t2 = time.perf_counter()
    model, _ = compile_scene(hand, obj, cfg.scale, opts)
    ctx = SkillContext(
        hand=hand,
        chain=WristChain(model),
        kin=prob.kin,
        sdf=prob.sdf,
        grasps=used,
        poses=poses,
        platform_top=platform_top,
        cfg=cfg.skill,
        open_pose=sampler_open_pose(hand, str(used.meta.get("method", ""))),
        open_poses=_open_poses(used),
    )
    jobs = []
    for skill in cfg.skills:
        stables = pose_ids if skill in STABLE_SKILLS else range(1)
        for s in stables:
            for g in range(len(used)):
                for k in range(cfg.clips_per_grasp):
                    jobs.append((skill, s, g, k))
    counts = {s: 0 for s in cfg.skills}
    failed = {s: 0 for s in cfg.skills}
    reasons: dict[str, dict[str, int]] = {s: {} for s in cfg.skills}
    tries_ok: dict[str, list[int]] = {s: [] for s in cfg.skills}
    # grasp k and place k share one draw (place is its reversal): drawn once when both are asked for
    both_grasp_place = "grasp" in cfg.skills and "place" in cfg.skills
    grasp_draws: dict[tuple[int, int, int], tuple] = {}
    pbar = bar(total=len(jobs), desc=f"clips {obj.name}", unit="clip") if bar else None
    obj_dir = out / obj.name.lower()
    checked = [sk for sk in cfg.skills if sk in cfg.open_loop_check]
    if checked and not open_loop_config(hand.name).is_file():
        log(f"[datagen] {hand.name}: no open-loop check ({open_loop_config(hand.name)} does not exist)")
        report["open_loop_check"] = f"skipped: no {open_loop_config(hand.name).name}"
        checked = []
    # clips to be checked wait in a staging folder; only those the hand executes reach obj_dir
    staging = work / "open_loop_check" / obj.name.lower()
    if staging.parent.exists():  # left by an interrupted run
        shutil.rmtree(staging.parent)
    for skill, s, g, k in jobs:
        code, folder = SKILLS[skill]
        gid = int(order[g])
        path = (staging if skill in checked else obj_dir) / folder / f"{code:03d}_{obj.name}_{s}_{gid}-{k}.pt"
        # place k is the reversal of grasp k: same generator
        key = "grasp" if skill == "place" else skill
        rng = np.random.default_rng(_stable_seed(cfg.seed, obj.name, hand.name, key, s, gid, k))
        if on_platform and skill in GRASP_ON_PLATFORM and not fit_used[g, pose_ids.index(s)]:
            # the hand closed at this grasp goes through the platform: every draw would fail
            plan, clip, why = None, None, {"grasp_meets_platform": 1}
        elif key == "grasp" and (s, gid, k) in grasp_draws:  # the other of grasp/place: same draw
            plan, clip, tries, why = grasp_draws.pop((s, gid, k))
        else:
            why = {}
            plan, clip, tries = make_clip(ctx, key, g, s, rng, why)
            if key == "grasp" and both_grasp_place:
                grasp_draws[(s, gid, k)] = (plan, clip, tries, why)
        if skill == "place" and plan is not None:
            plan = reverse_plan(plan)
            reason = check_plan(ctx, plan)
            clip = plan_to_clip(ctx, plan) if reason is None else None
            why = {reason or "ik": 1} if clip is None else why
        if clip is None:
            failed[skill] += 1
            # a failed job counts once, under the reason most of its attempts failed for
            top = max(why, key=why.__getitem__) if why else "planner"
            reasons[skill][top] = reasons[skill].get(top, 0) + 1
        else:
            save_clip(path, clip)
            counts[skill] += 1
            tries_ok[skill].append(int(tries))
        if pbar:
            pbar.update(1)
    if pbar:
        pbar.close()
    report["times"]["trajectories_s"] = time.perf_counter() - t2
    if checked:
        t3 = time.perf_counter()
        report["open_loop_check"] = {}
        for skill in checked:
            folder = SKILLS[skill][1]
            ok = open_loop_check(staging / folder, obj.name, hand.name, skill, cfg, log)
            for name, passed in sorted(ok.items()):
                if passed:
                    (obj_dir / folder).mkdir(parents=True, exist_ok=True)
                    os.replace(staging / folder / name, obj_dir / folder / name)
            n_pass = sum(ok.values())
            report["open_loop_check"][skill] = {"checked": len(ok), "passed": n_pass}
            counts[skill] = n_pass
            failed[skill] += len(ok) - n_pass
            if len(ok) > n_pass:
                reasons[skill]["open_loop"] = len(ok) - n_pass
        shutil.rmtree(staging.parent, ignore_errors=True)
        report["times"]["open_loop_check_s"] = time.perf_counter() - t3
    report["clips"] = counts
    report["clip_failures"] = failed
    report["failure_reasons"] = {k: v for k, v in reasons.items() if v}
    report["no_clips"] = explain_no_clips(report, cfg)
    report["clip_tries"] = {  # draws needed by the written clips: is --max_tries too generous?
        k: {"mean": float(np.mean(v)), "max": int(max(v))} for k, v in tries_ok.items() if v
    }
    report["times"]["total_s"] = time.perf_counter() - t0
    _write_json(marker, {"settings": settings, "report": report})
    return report


def open_loop_config(hand_name: str) -> Path:
    """The env config whose physics the open-loop check replays the clips of ``hand_name`` with."""
    from hot.tasks.tracking.evaluate import stage1_config_path

    return stage1_config_path(hand_name)


def open_loop_check(
    folder: Path, obj_name: str, hand_name: str, skill: str, cfg: DatagenConfig, log: Callable[[str], None]
) -> dict[str, bool]:
    """``{file name: executed}`` for the clips in ``folder`` (one skill): their open-loop replay with the
    generator's contacts and scale (:func:`hot.tasks.tracking.evaluate.open_loop_clip_success`)."""
    if not folder.is_dir() or not any(folder.glob("*.pt")):
        return {}
    from hot.tasks.tracking.evaluate import open_loop_clip_success

    ok = open_loop_clip_success(
        folder,
        obj_name,
        hand_name,
        skill,
        object_solimp=cfg.object_solimp,
        scale=cfg.scale,
        closure_bias=cfg.open_loop_closure_bias,
    )
    log(
        f"[datagen] {hand_name}/{obj_name}: open-loop check of the {skill} clips: {sum(ok.values())} of "
        f"{len(ok)} executed, the others dropped"
    )
    return ok


def run(
    hand: HandModel,
    objects: Sequence,
    out: str | os.PathLike,
    cfg: DatagenConfig,
    bar: Callable[..., ProgressBar] | None = None,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """:func:`run_object` for every object, in order; an object that fails to generate is reported."""
    torch.manual_seed(cfg.seed)
    return [run_object(hand, obj, out, cfg, bar, log) for obj in objects]
