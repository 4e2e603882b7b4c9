"""Sampling clips from a trained generator: start states, skill sequences, decoding.

A *start* is where a clip begins: the canonical origin (the object's world x, y) and, optionally, the
initial hand state and initial object state (raw knot channels, see ``hot.generate.features``). A skill
sequence is sampled as a chain: each next clip starts at the last frame of the one before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from hot.datagen.kinematics import matrix_to_rot6d
from hot.generate.checkpoint import Generator
from hot.generate.conditions import make_condition
from hot.generate.contact import Depenetrator
from hot.generate.data import RESTING_START
from hot.generate.features import encode_clip, feature_dim, hand_init_dim, hand_init_of, obj_init_of
from hot.generate.flow import sample_flow
from hot.generate.grip import GripRefiner
from hot.generate.postprocess import decode_clip
from hot.generate.verify import OpenLoopVerifier, VerifyStats
from hot.motion.fk import KeyBodyFK
from hot.motion.io import REQUIRED_KEYS
from hot.motion.schema import MotionClip

__all__ = [
    "make_depenetrator",
    "make_refiner",
    "make_verifier",
    "Start",
    "start_from_clip",
    "default_start",
    "resting_orientation",
    "sample_skill",
    "sample_chain",
]

PLATFORM_TOP = 0.105
"""Top of the platform (m): ``hot.sim.scene.SceneOptions`` platform_z + half its thickness."""


@dataclass
class Start:
    """Where a clip starts.

    Attributes:
        origin: (2,) world x, y of the canonical frame (the object's start).
        hand: (9 + F,) raw initial hand state (canonical frame) or None (the model chooses).
        obj: (7,) raw initial object state (height, rot6d) or None (the model chooses).
        wrist_angles: (3,) the initial wrist hinge angles (picks the Euler branch) or None.
    """

    origin: torch.Tensor
    hand: torch.Tensor | None = None
    obj: torch.Tensor | None = None
    wrist_angles: torch.Tensor | None = None


def start_from_clip(clip: MotionClip, frame: int = 0) -> Start:
    """The state of ``clip`` at ``frame`` (negative counts from the end) as a :class:`Start`."""
    f = frame % clip.num_frames
    one = clip.replace(
        **{k: getattr(clip, k)[f : f + 1] for k in REQUIRED_KEYS},
        obj_pos_vel=None,
    )
    knots, origin = encode_clip(one, 1)
    nf = clip.fingers_dof.shape[-1]
    return Start(origin, hand_init_of(knots, nf), obj_init_of(knots, nf), clip.wrist_dof[f, 3:].clone())


def resting_orientation(keypoints: np.ndarray, yaw: float) -> tuple[torch.Tensor, float]:
    """A resting pose for an object without recorded starts: its flattest axis (least keypoint spread)
    vertical, turned by ``yaw``. Returns the rotation matrix ``(3, 3)`` and the height of the object frame
    that puts its lowest keypoint on the platform."""
    c = keypoints - keypoints.mean(0)
    _, vecs = np.linalg.eigh(c.T @ c)
    r = np.stack([vecs[:, 2], vecs[:, 1], vecs[:, 0]])  # rows: long, middle, thin axis -> world x, y, z
    if np.linalg.det(r) < 0:
        r[1] = -r[1]
    cz, sz = np.cos(yaw), np.sin(yaw)
    rot = np.array([[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]]) @ r
    z = PLATFORM_TOP - float((keypoints @ rot.T)[:, 2].min()) + 1e-3
    return torch.tensor(rot, dtype=torch.float32), z


def default_start(
    gen: Generator, obj: str, skill: str, dense_kp: np.ndarray, rng: np.random.Generator
) -> Start:
    """A start for a clip with no given initial state.

    A seen object takes a recorded training start of that skill (origin and object state; the hand is
    generated). An unseen object gets an origin from any object's starts of the skill and, for skills that
    begin with the object resting, a resting pose from :func:`resting_orientation`; for the others the
    model generates the whole initial state.
    """
    rows = gen.starts.get(obj, {}).get(skill)
    if rows:
        row = torch.tensor(rows[int(rng.integers(len(rows)))], dtype=torch.float32)
        return Start(origin=row[:2], obj=row[2:])
    pool = [r for per in gen.starts.values() for r in per.get(skill, [])]
    origin = torch.tensor(pool[int(rng.integers(len(pool)))][:2]) if pool else torch.tensor([-0.2, 0.0])
    if skill not in RESTING_START:
        return Start(origin=origin)
    rot, z = resting_orientation(dense_kp, float(rng.uniform(0, 2 * np.pi)))
    return Start(origin=origin, obj=torch.cat([torch.tensor([z]), matrix_to_rot6d(rot)]))


def sample_skill(
    gen: Generator,
    fk: KeyBodyFK,
    skill: str,
    keypoints: torch.Tensor,
    starts: list[Start],
    generator: torch.Generator,
    depenetrator: Depenetrator | None = None,
    support_points: torch.Tensor | None = None,
    refiner: GripRefiner | None = None,
) -> list[MotionClip]:
    """One clip of ``skill`` per start (sampled as one batch, decoded one by one).

    Args:
        keypoints: (P, 3) object-frame keypoints (m), the geometry condition.
        generator: the only source of randomness.
    """
    nf = gen.norm.num_fingers
    b = len(starts)
    hand = torch.stack([s.hand if s.hand is not None else torch.zeros(hand_init_dim(nf)) for s in starts])
    obj = torch.stack([s.obj if s.obj is not None else torch.tensor([0.0, 1, 0, 0, 0, 1, 0]) for s in starts])
    cond = make_condition(
        gen.norm,
        torch.full((b,), gen.skills.index(skill), dtype=torch.long),
        keypoints.float().expand(b, -1, -1),
        hand.float(),
        obj.float(),
        torch.tensor([s.hand is not None for s in starts]),
        torch.tensor([s.obj is not None for s in starts]),
    )
    shape = (b, gen.cfg.model.num_knots, feature_dim(nf))
    x = gen.norm.denorm(sample_flow(gen.model, cond, shape, gen.cfg.sample.ode_steps, generator))
    lo, hi = gen.lengths.get(skill, [2, 600])
    return [
        decode_clip(
            x[i],
            s.origin,
            skill,
            (int(lo), int(hi)),
            gen.cfg.sample,
            fk,
            s.hand,
            s.obj,
            s.wrist_angles,
            depenetrator,
            support_points,
            refiner,
        )
        for i, s in enumerate(starts)
    ]


def sample_chain(
    gen: Generator,
    fk: KeyBodyFK,
    skills: list[str] | tuple[str, ...],
    keypoints: torch.Tensor,
    starts: list[Start],
    seed: int,
    depenetrator: Depenetrator | None = None,
    support_points: torch.Tensor | None = None,
    refiner: GripRefiner | None = None,
    verifier: OpenLoopVerifier | None = None,
    tries: int = 1,
) -> tuple[list[list[MotionClip]], float]:
    """Clips for a skill sequence: ``out[k][i]`` is skill ``k`` of chain ``i``; chain ``i`` starts at
    ``starts[i]`` and each later skill at the last frame of the previous clip. Returns the clips and the
    wall-clock seconds per clip. ``depenetrator`` (:func:`make_depenetrator`) removes hand-object
    penetration on held runs; ``support_points`` (:func:`hull_vertices`) put resting objects on the platform;
    ``refiner`` (:func:`make_refiner`) makes held grips pass the hold test; ``verifier``
    (:func:`make_verifier`) replays each clip in physics and clips that fail are drawn again (new noise),
    up to ``tries`` draws in all; a clip that fails every draw is kept as first drawn."""
    g = torch.Generator().manual_seed(seed)
    out: list[list[MotionClip]] = []
    t0 = time.perf_counter()
    cur = starts
    for skill in skills:
        clips = sample_skill(gen, fk, skill, keypoints, cur, g, depenetrator, support_points, refiner)
        if verifier is not None and tries > 1:
            redraw = partial(
                _sample_some, gen, fk, skill, keypoints, cur, g, depenetrator, support_points, refiner
            )
            clips = _redraw_failures(clips, tries, partial(verifier, skill), verifier.stats, redraw)
        out.append(clips)
        cur = [start_from_clip(c, -1) for c in clips]
    per_clip = (time.perf_counter() - t0) / max(1, len(skills) * len(starts))
    return out, per_clip


def _sample_some(gen, fk, skill, keypoints, starts, g, depenetrator, support_points, refiner, idx):
    """:func:`sample_skill` from the starts ``idx`` only."""
    return sample_skill(
        gen, fk, skill, keypoints, [starts[i] for i in idx], g, depenetrator, support_points, refiner
    )


def _redraw_failures(
    clips: list[MotionClip],
    tries: int,
    check: Callable[[list[MotionClip]], list[bool]],
    stats: VerifyStats,
    redraw: Callable[[list[int]], list[MotionClip]],
) -> list[MotionClip]:
    """Replace the clips that fail ``check`` by redrawn ones that pass, up to ``tries`` draws per clip."""
    ok = check(clips)
    stats.clips += len(clips)
    stats.passed_first += sum(ok)
    clips = list(clips)
    for _ in range(tries - 1):
        idx = [i for i, good in enumerate(ok) if not good]
        if not idx:
            break
        new = redraw(idx)
        for i, c, good in zip(idx, new, check(new), strict=True):
            if good:
                clips[i], ok[i] = c, True
                stats.passed_later += 1
    return clips


def make_verifier(gen: Generator, asset) -> OpenLoopVerifier | None:
    """The physics check of ``gen``'s sampling config for one object (None when it is off)."""
    if gen.cfg.sample.verify_tries < 2:
        return None
    return OpenLoopVerifier(gen.cfg.hand, asset.name)


def make_depenetrator(gen: Generator, hand, hull_paths) -> Depenetrator | None:
    """The penetration-removal step of ``gen``'s sampling config for one object (None when it is off)."""
    if not gen.cfg.sample.depenetrate:
        return None
    return Depenetrator(hand, hull_paths, margin=gen.cfg.sample.depen_margin)


def make_refiner(gen: Generator, hand, asset, scale: float = 1.0) -> GripRefiner | None:
    """The grip refinement of ``gen``'s sampling config for one object (None when it is off)."""
    if not (gen.cfg.sample.grip_refine and gen.cfg.sample.rigid_hold):
        return None
    return GripRefiner(hand, asset, scale)


def hull_vertices(asset) -> torch.Tensor:
    """(V, 3) vertices of an object's convex collision pieces (object frame, m): what rests on the platform."""
    return torch.from_numpy(np.concatenate([np.asarray(m.vertices) for m in asset.hull_meshes()])).float()
