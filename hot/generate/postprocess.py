"""From generated knots to a valid :class:`~hot.motion.schema.MotionClip`: smoothing and validity.

Steps (each a pure function, in this order, see ``docs/generate.md``):

1. **Length**: T = exp(mean of the ``log_len`` channel), clamped to the range seen in training.
2. **Interpolation** of the N knots to T frames (linear), contact labels by nearest knot after a
   3-knot majority filter (an isolated knot label is noise, not a touch).
3. **Temporal smoothing**: a Gaussian low-pass along time of every continuous channel (sigma =
   ``smooth_sigma`` knots, edge values held), then the rot6d channels are projected back onto SO(3)
   (Gram-Schmidt), as MEgoHand's temporal filtering projects its averaged rotations.
4. **Initial state**: where an initial hand or object state was given, the gap at frame 0 is removed
   with a weight falling linearly to 0 over ``init_blend_knots`` knots, so the clip starts exactly there.
5. **Rigid object** (``rigid_hold``): on every run of contact-1 frames the object follows the wrist with
   one in-hand transform (the one met at the adjacent resting pose, else the run's mean, rotation
   projected with an SVD); resting runs hold one pose; in catch/throw the free flight is a parabola
   under gravity fitted to the generated path, meeting the hand at the boundary. Resting runs are then
   put on the platform (lowest hull vertex on its top); a held run between two rests carries the height
   change linearly, hand and object together. The fingers keep one grip on a held run (its median, or the
   given start's), blending in and out over 6 frames.
6. **Penetration** (optional, ``hot.generate.contact``): on held runs the wrist is shifted, in the object
   frame, until the hand's surface is no deeper than a margin inside the object.
7. **Joint limits**: wrist angles from the rotation (intrinsic XYZ, branch and 2-pi copy nearest the
   previous frame), every DoF clamped to the hand model's joint range.
8. **Key bodies** by MuJoCo FK (:class:`hot.motion.fk.KeyBodyFK`); object velocity by finite differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from hot.assets.hands.base import BASE_POS
from hot.datagen.ik import euler_xyz_branches
from hot.datagen.kinematics import rot6d_to_matrix
from hot.generate.config import SampleConfig
from hot.generate.features import layout, resample
from hot.motion.fk import KeyBodyFK
from hot.motion.schema import MotionClip
from hot.utils.rotations import quat_from_matrix, quat_sign_continuity, quat_to_matrix

__all__ = [
    "FPS",
    "clip_length",
    "majority_filter",
    "gaussian_smooth",
    "project_so3",
    "blend_initial",
    "rigid_object_track",
    "settle_on_support",
    "hold_fingers",
    "held_runs",
    "monotone_lift",
    "partial_rotation",
    "limit_speed",
    "wrist_angles",
    "joint_ranges",
    "decode_clip",
]

FPS = 60.0
GRAVITY = torch.tensor([0.0, 0.0, -9.81], dtype=torch.float64)
BALLISTIC_SKILLS = frozenset({"catch", "throw"})
SUPPORT_TOP = 0.105
"""Platform top (m): ``hot.sim.scene.SceneOptions`` platform_z 0.1 + half its 0.01 thickness."""
HOLD_INSET = 6
"""Frames into a held run (at most a quarter of it) where the in-hand transform is read next to a rest."""
GripRefined = tuple[
    torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor
]
"""What a grip refiner returns: ``(wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, refined)``."""


def clip_length(knots: torch.Tensor, log_len: slice, lo: int, hi: int) -> int:
    """T from the ``log_len`` channel of ``knots (N, D)``, clamped to [lo, hi]."""
    t = int(round(math.exp(float(knots[:, log_len].mean()))))
    return max(lo, min(hi, t))


def majority_filter(labels: torch.Tensor) -> torch.Tensor:
    """3-wide majority vote over ``labels (N,)`` (integers); where all three differ the label is kept."""
    out = labels.clone()
    for i in range(1, len(labels) - 1):
        a, b, c = int(labels[i - 1]), int(labels[i]), int(labels[i + 1])
        if a == c != b:
            out[i] = a
    return out


def gaussian_smooth(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian low-pass of ``x (T, C)`` along T with ``sigma`` frames, edges held (replicate padding)."""
    if sigma <= 0 or x.shape[0] < 2:
        return x
    r = max(1, int(math.ceil(3 * sigma)))
    k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=x.dtype) / sigma) ** 2)
    k = (k / k.sum()).view(1, 1, -1).repeat(x.shape[1], 1, 1)
    y = torch.nn.functional.pad(x.T.unsqueeze(0), (r, r), mode="replicate")
    return torch.nn.functional.conv1d(y, k, groups=x.shape[1]).squeeze(0).T


def project_so3(m: torch.Tensor) -> torch.Tensor:
    """Nearest rotation (SVD, det +1) to each ``m (..., 3, 3)``."""
    u, _, vh = torch.linalg.svd(m)
    d = torch.sign(torch.linalg.det(u @ vh))
    fix = torch.ones(*m.shape[:-2], 3, dtype=m.dtype)
    fix[..., 2] = d
    return u @ torch.diag_embed(fix) @ vh


def blend_initial(x: torch.Tensor, target: torch.Tensor, cols: torch.Tensor, frames: float) -> torch.Tensor:
    """Shift columns ``cols`` of ``x (T, C)`` so frame 0 equals ``target (len(cols),)``; the shift fades
    linearly to 0 over ``frames`` frames."""
    out = x.clone()
    n = torch.arange(x.shape[0], dtype=x.dtype)
    w = (1 - n / frames).clamp(min=0) if frames > 0 else (n == 0).to(x.dtype)
    out[:, cols] = x[:, cols] + w[:, None] * (target - x[0, cols])[None]
    return out


def partial_rotation(rel: torch.Tensor, w: torch.Tensor | float) -> torch.Tensor:
    """``rel (..., 3, 3)`` turned by the fraction ``w`` (broadcast to ``rel``'s batch) of its angle, same axis."""
    q = quat_from_matrix(rel)
    q = torch.where(q[..., :1] < 0, -q, q)
    angle = 2 * torch.atan2(q[..., 1:].norm(dim=-1), q[..., 0])
    axis = torch.nn.functional.normalize(q[..., 1:], dim=-1)
    half = 0.5 * torch.as_tensor(w, dtype=rel.dtype) * angle
    return quat_to_matrix(
        torch.cat([torch.cos(half)[..., None], torch.sin(half)[..., None] * axis], dim=-1)
    ).to(rel.dtype)


def held_runs(contact: torch.Tensor) -> list[tuple[int, int]]:
    """``[a, b]`` (inclusive) of every run of contact-1 frames."""
    return [(a, b) for a, b, h in _runs(contact > 0.5) if h]


def monotone_lift(
    wrist_pos: torch.Tensor, obj_pos: torch.Tensor, contact: torch.Tensor, rise: float, accel: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lifts off and set-downs on the support without dips.

    For every held run that starts after free frames (the object rested before it) and rises ``rise``
    above its first frame, the object's height until it first is that high becomes its running maximum;
    for every held run that ends before free frames (the object is set down after it) and is ``rise``
    above its last frame somewhere, the height from the last such frame on becomes the maximum of what is
    still to come. Runs that never rise that high are left alone. With ``accel`` > 0 (m per frame²) a lift
    also starts from rest: its height stays under ``accel * t² / 2`` after the run's first frame until the
    lifted height catches up with the clip's (the clip is followed from there; a lift that never catches up
    ends lower). The wrist moves by the same height change, so the grip is unchanged; frames outside those spans
    stay as they are (the spans end where the change is 0).

    Args:
        wrist_pos, obj_pos: (T, 3); contact: (T,) labels (> 0.5: held).

    Returns:
        new ``wrist_pos`` and ``obj_pos``.
    """
    wp, op = wrist_pos.clone(), obj_pos.clone()
    t_len = len(contact)
    for a, b in held_runs(contact):
        z = op[a : b + 1, 2].clone()
        dz = torch.zeros_like(z)
        above = torch.nonzero(z >= z[0] + rise)
        if a > 0 and len(above):
            k = int(above[0])
            dz[: k + 1] = torch.cummax(z[: k + 1], 0).values - z[: k + 1]
            if accel > 0:
                t = torch.arange(len(z), dtype=z.dtype)
                cap = z[0] + 0.5 * accel * t**2
                lifted = z + dz
                over = torch.nonzero(cap < lifted)
                if len(over):
                    back = torch.nonzero((cap >= lifted) & (t > int(over[0])))
                    end = int(back[0]) if len(back) else len(z)
                    dz[:end] = torch.minimum(lifted[:end], cap[:end]) - z[:end]
        above = torch.nonzero(z + dz >= z[-1] + dz[-1] + rise)
        if b < t_len - 1 and len(above):
            k = int(above[-1])
            tail = (z + dz)[k:]
            down = torch.flip(torch.cummax(torch.flip(tail, [0]), 0).values, [0])
            dz[k:] += down - tail
        op[a : b + 1, 2] += dz
        wp[a : b + 1, 2] += dz
    return wp, op


def _runs(held: torch.Tensor) -> list[tuple[int, int, bool]]:
    """Maximal runs ``(start, end_inclusive, held)`` of the bool sequence ``held (T,)``."""
    runs, start = [], 0
    for i in range(1, len(held) + 1):
        if i == len(held) or bool(held[i]) != bool(held[start]):
            runs.append((start, i - 1, bool(held[start])))
            start = i
    return runs


def rigid_object_track(
    wrist_pos: torch.Tensor,
    wrist_rot: torch.Tensor,
    obj_pos: torch.Tensor,
    obj_rot: torch.Tensor,
    contact: torch.Tensor,
    ballistic: bool,
    anchor_start: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Object poses made kinematically consistent with the hand and the contact labels.

    Args:
        wrist_pos: (T, 3), wrist_rot: (T, 3, 3) world wrist frame; obj_pos: (T, 3), obj_rot: (T, 3, 3)
            generated object poses; contact: (T,) labels (1 = held); ballistic: free runs are flights
            (catch, throw) rather than rest.
        anchor_start: the object pose at frame 0 is given (an initial state): the run holding frame 0
            keeps it (a resting run rests there; a held run takes its in-hand transform from it).

    Returns:
        new ``obj_pos (T, 3)`` and ``obj_rot (T, 3, 3)`` (float64).
    """
    wp, wr = wrist_pos.double(), wrist_rot.double()
    op, orot = obj_pos.double().clone(), obj_rot.double().clone()
    runs = _runs(contact > 0.5)

    def rest_pose(a: int, b: int) -> tuple[torch.Tensor, torch.Tensor]:
        return op[a : b + 1].mean(0), project_so3(orot[a : b + 1].mean(0))

    rest = {i: rest_pose(a, b) for i, (a, b, h) in enumerate(runs) if not h and not ballistic}
    if anchor_start and 0 in rest:
        rest[0] = (op[0], orot[0])
    source: dict[int, int] = {}  # held run -> the run that fixed its in-hand transform (-1: frame 0)
    out_p, out_r = op.clone(), orot.clone()
    for i, (a, b, h) in enumerate(runs):
        if not h:
            continue
        if anchor_start and i == 0:
            rel_p, rel_r = wr[0].T @ (op[0] - wp[0]), wr[0].T @ orot[0]
            source[i] = -1
            out_p[a : b + 1] = wp[a : b + 1] + wr[a : b + 1] @ rel_p
            out_r[a : b + 1] = wr[a : b + 1] @ rel_r
            continue
        # the grip is read a few frames inside the run: labels come from knots, so the run's first
        # frame may still belong to the approach
        inset = min(HOLD_INSET, (b - a) // 4)
        if i - 1 in rest:
            p0, r0 = rest[i - 1]
            k = a + inset
            rel_p, rel_r = wr[k].T @ (p0 - wp[k]), wr[k].T @ r0
            source[i] = i - 1
        elif i + 1 in rest:
            p0, r0 = rest[i + 1]
            k = b - inset
            rel_p, rel_r = wr[k].T @ (p0 - wp[k]), wr[k].T @ r0
            source[i] = i + 1
        else:
            rp = torch.einsum("tji,tj->ti", wr[a : b + 1], op[a : b + 1] - wp[a : b + 1])
            rr = wr[a : b + 1].transpose(1, 2) @ orot[a : b + 1]
            rel_p, rel_r = rp.mean(0), project_so3(rr.mean(0))
        out_p[a : b + 1] = wp[a : b + 1] + wr[a : b + 1] @ rel_p
        out_r[a : b + 1] = wr[a : b + 1] @ rel_r
    for i, (a, b, h) in enumerate(runs):
        if h:
            continue
        prev_held = i - 1 >= 0 and runs[i - 1][2]
        next_held = i + 1 < len(runs) and runs[i + 1][2]
        if ballistic and (prev_held or next_held):
            k = a - 1 if prev_held else b + 1  # boundary frame on the hand
            t = (torch.arange(a, b + 1, dtype=torch.float64) - k) / FPS
            ref = op[a : b + 1] - out_p[k] - 0.5 * GRAVITY * t[:, None] ** 2
            v = (t[:, None] * ref).sum(0) / (t**2).sum().clamp_min(1e-9)  # least squares through the boundary
            out_p[a : b + 1] = out_p[k] + v * t[:, None] + 0.5 * GRAVITY * t[:, None] ** 2
            near = a if prev_held else b
            out_r[a : b + 1] = (out_r[k] @ orot[near].T) @ orot[a : b + 1]
            continue
        for j in (i - 1, i + 1):  # a neighbour held run whose transform another rest fixed: stay continuous
            if 0 <= j < len(runs) and runs[j][2] and source.get(j) != i:
                k = runs[j][1] if j < i else runs[j][0]
                out_p[a : b + 1], out_r[a : b + 1] = out_p[k], out_r[k]
                break
        else:
            p0, r0 = rest[i] if i in rest else rest_pose(a, b)
            out_p[a : b + 1], out_r[a : b + 1] = p0, r0
    return out_p, out_r


def settle_on_support(
    wrist_pos: torch.Tensor,
    obj_pos: torch.Tensor,
    obj_rot: torch.Tensor,
    contact: torch.Tensor,
    support_points: torch.Tensor,
    support_top: float,
    anchor_start: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Put every resting run of the object on the support, moving the hand with it where it holds it.

    A resting run's height is set so the lowest of ``support_points`` (object frame, e.g. the hull
    vertices) touches ``support_top``. The height change ``dz`` is interpolated linearly in time across the
    held runs between resting runs (so the carried object arrives on the support), is 0 at frame 0 when
    ``anchor_start`` (a given start stays), and is applied to wrist and object alike on held frames, so the
    grip is unchanged. A clip without held frames moves only the object.

    Args:
        wrist_pos, obj_pos: (T, 3); obj_rot: (T, 3, 3); contact: (T,); support_points: (V, 3).

    Returns:
        new ``wrist_pos`` and ``obj_pos`` (float64).
    """
    wp, op = wrist_pos.double().clone(), obj_pos.double().clone()
    held = contact > 0.5
    runs = _runs(held)
    pts = support_points.double()
    frames: list[float] = []
    values: list[float] = []
    if anchor_start:
        frames.append(0.0)
        values.append(0.0)
    for i, (a, b, h) in enumerate(runs):
        if h or (anchor_start and i == 0):
            continue
        low = float((pts @ obj_rot[a].double().T)[:, 2].min())
        dz = support_top - low - float(op[a, 2])
        frames += [float(a), float(b)]
        values += [dz, dz]
    if not frames:
        return wp, op
    dz_t = torch.from_numpy(np.interp(np.arange(len(held), dtype=np.float64), frames, values))
    op[:, 2] += dz_t
    if held.any():
        wp[:, 2] += dz_t
    return wp, op


def hold_fingers(
    fingers: torch.Tensor, contact: torch.Tensor, anchor_start: bool, ramp: int = 6
) -> torch.Tensor:
    """Fingers fixed on every run of contact-1 frames: a rigidly held object means a fixed grip.

    The grip is the per-joint median over the run, or frame 0 for a run starting at a given initial
    state (``anchor_start``). The ``ramp`` frames next to a run blend linearly into it.

    Args:
        fingers: (T, F); contact: (T,).
    """
    out = fingers.clone()
    for a, b, h in _runs(contact > 0.5):
        if not h:
            continue
        grip = fingers[0] if (anchor_start and a == 0) else fingers[a : b + 1].median(dim=0).values
        out[a : b + 1] = grip
        for j in range(1, ramp + 1):
            w = 1 - j / (ramp + 1)
            for f in (a - j, b + j):
                if 0 <= f < len(out) and contact[f] <= 0.5:
                    out[f] = w * grip + (1 - w) * fingers[f]
    return out


def wrist_angles(rot: torch.Tensor, start: torch.Tensor | None = None) -> torch.Tensor:
    """Continuous wrist hinge angles ``(T, 3)`` for wrist rotations ``rot (T, 3, 3)`` (``R = Rx Ry Rz``).

    Each frame takes, of the two Euler branches and their 2-pi copies, the one nearest the previous frame
    (frame 0: nearest ``start (3,)`` when given, else the branch with b in [-pi/2, pi/2])."""
    rot = rot.double()
    prev = start.double() if start is not None else None
    out = torch.empty(rot.shape[0], 3, dtype=torch.float64)
    for t in range(rot.shape[0]):
        pa = prev[:1] if prev is not None else torch.zeros(1, dtype=torch.float64)
        s1, s2 = euler_xyz_branches(rot[t : t + 1], pa)
        cands = [s1[0], s2[0]]
        if prev is None:
            best = cands[0]
        else:
            ref = prev
            cands = [c + 2 * math.pi * torch.round((ref - c) / (2 * math.pi)) for c in cands]
            best = min(cands, key=lambda c: float((c - ref).abs().sum()))
        out[t] = best
        prev = best
    return out


def joint_ranges(fk: KeyBodyFK) -> tuple[torch.Tensor, torch.Tensor]:
    """Lower and upper limits ``(D,)`` of the hand's DoFs (``dof_names`` order) from its compiled model;
    unlimited joints get +-inf."""
    m = fk.model
    lo, hi = [], []
    for name in fk.hand.dof_names:
        j = m.joint(name).id
        if m.jnt_limited[j]:
            lo.append(float(m.jnt_range[j][0]))
            hi.append(float(m.jnt_range[j][1]))
        else:
            lo.append(-math.inf)
            hi.append(math.inf)
    return torch.tensor(lo), torch.tensor(hi)


def limit_speed(
    wrist_pos: torch.Tensor,
    wrist_rot: torch.Tensor,
    fingers: torch.Tensor,
    obj_pos: torch.Tensor,
    obj_rot: torch.Tensor,
    labels: list[torch.Tensor],
    cap: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """Slow the clip down where the wrist or the object moves more than ``cap`` m in a frame: each such frame
    step is split into ``ceil(step / cap)`` steps (positions and fingers interpolated linearly, rotations
    along their relative rotation, ``labels`` (T,) taken from the nearer frame). The path is unchanged; only
    its timing is, so the clip gets longer. Datagen's clips keep the wrist under 12 mm per frame
    (``SkillConfig.max_wrist_step``); generated ones may not, and a tracker drops what it shakes."""
    t_len = len(wrist_pos)
    if t_len < 2 or not cap > 0:
        return wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, labels
    step = torch.maximum(
        (wrist_pos[1:] - wrist_pos[:-1]).norm(dim=-1), (obj_pos[1:] - obj_pos[:-1]).norm(dim=-1)
    )
    parts = torch.clamp(torch.ceil(step / cap), min=1).long().tolist()
    if max(parts) == 1:
        return wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, labels
    src = [(t, k / n) for t, n in enumerate(parts) for k in range(n)] + [(t_len - 1, 0.0)]
    idx = torch.tensor([t for t, _ in src])
    nxt = torch.clamp(idx + 1, max=t_len - 1)
    u = torch.tensor([w for _, w in src], dtype=wrist_pos.dtype)[:, None]

    def lerp(x: torch.Tensor) -> torch.Tensor:
        return x[idx] + u * (x[nxt] - x[idx])

    def slerp(r: torch.Tensor) -> torch.Tensor:
        return partial_rotation(r[nxt] @ r[idx].transpose(-1, -2), u[:, 0]) @ r[idx]

    near = torch.where(u[:, 0] < 0.5, idx, nxt)
    return (
        lerp(wrist_pos),
        slerp(wrist_rot),
        lerp(fingers),
        lerp(obj_pos),
        slerp(obj_rot),
        [lab[near] for lab in labels],
    )


def decode_clip(
    knots: torch.Tensor,
    origin: torch.Tensor,
    skill: str,
    length_range: tuple[int, int],
    cfg: SampleConfig,
    fk: KeyBodyFK,
    hand_init: torch.Tensor | None = None,
    obj_init: torch.Tensor | None = None,
    wrist_start: torch.Tensor | None = None,
    depenetrate: Callable[..., torch.Tensor] | None = None,
    support_points: torch.Tensor | None = None,
    refine_grip: Callable[..., GripRefined] | None = None,
) -> MotionClip:
    """A valid clip from generated raw knots.

    Args:
        knots: (N, D) raw (de-normalised) knot features, canonical frame.
        origin: (2,) world x, y of the canonical origin (the object's start).
        skill: skill name (catch/throw flights are ballistic). length_range: (min, max) frames.
        cfg: smoothing and validity settings. fk: the hand's compiled FK (joint ranges, key bodies).
        hand_init: (9 + F,) raw initial hand state to start exactly at, or None.
        obj_init: (7,) raw initial object state (height, rot6d), or None.
        wrist_start: (3,) wrist angles of the initial hand (chooses the Euler branch), or None.
        depenetrate: optional ``(wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, keep_start) -> wrist_pos``
            (``hot.generate.contact.Depenetrator``), applied after the rigid-object step.
        support_points: (V, 3) object-frame points (the hull vertices): with the rigid-object step, resting
            runs are put on the platform (:func:`settle_on_support`); None skips that.
        refine_grip: optional ``(wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, keep_start, dwell)
            -> (wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, refined)``
            (``hot.generate.grip.GripRefiner``), applied after the rigid-object step; it may lengthen the clip
            (a closing dwell of ``cfg.grip_dwell`` frames before each lift); the runs it refined are left out
            of ``depenetrate`` (their grip is physical).
    """
    nf = fk.hand.num_finger_dofs
    lay = layout(nf)
    n = knots.shape[0]
    t_len = clip_length(knots, lay["log_len"], *length_range)
    labels = majority_filter(knots[:, lay["contact"]].squeeze(-1).round().clamp(-1, 1))
    cont_cols = slice(0, lay["contact"].start)
    x = resample(knots[:, cont_cols].double(), t_len)
    x = gaussian_smooth(x, cfg.smooth_sigma * t_len / n)
    blend = cfg.init_blend_knots * t_len / n
    if hand_init is not None:
        x = blend_initial(x, hand_init.double(), torch.arange(0, 9 + nf), blend)
    if obj_init is not None:
        # the canonical origin is the object's start, so its x, y start at 0
        p0 = lay["obj_pos"].start
        cols = torch.cat([torch.arange(p0, p0 + 3), torch.arange(lay["obj_r6"].start, lay["obj_r6"].stop)])
        x = blend_initial(x, torch.cat([torch.zeros(2, dtype=torch.float64), obj_init.double()]), cols, blend)
    knot_of_frame = torch.linspace(0, n - 1, t_len).round().long()
    contact = labels[knot_of_frame].double()

    shift = torch.cat([origin.double(), torch.zeros(1, dtype=torch.float64)])
    wrist_pos = x[:, lay["wrist_pos"]] + shift
    wrist_rot = rot6d_to_matrix(x[:, lay["wrist_r6"]])
    obj_pos = x[:, lay["obj_pos"]] + shift
    obj_rot = rot6d_to_matrix(x[:, lay["obj_r6"]])
    if cfg.rigid_hold:
        obj_pos, obj_rot = rigid_object_track(
            wrist_pos, wrist_rot, obj_pos, obj_rot, contact, skill in BALLISTIC_SKILLS, obj_init is not None
        )
        x[:, lay["fingers"]] = hold_fingers(x[:, lay["fingers"]], contact, hand_init is not None)
        if support_points is not None and cfg.settle and skill not in BALLISTIC_SKILLS:
            wrist_pos, obj_pos = settle_on_support(
                wrist_pos, obj_pos, obj_rot, contact, support_points, SUPPORT_TOP, obj_init is not None
            )

    depen_contact = contact
    fingers = x[:, lay["fingers"]]
    if refine_grip is not None and cfg.rigid_hold:
        wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, refined = refine_grip(
            wrist_pos,
            wrist_rot,
            fingers,
            obj_pos,
            obj_rot,
            contact,
            hand_init is not None,
            0 if skill in BALLISTIC_SKILLS else cfg.grip_dwell,
        )
        depen_contact = torch.where(refined, torch.zeros_like(contact), contact)
    if skill not in BALLISTIC_SKILLS and cfg.rigid_hold and cfg.monotone_lift > 0:
        accel = 0.0
        if cfg.ease_lift:
            from hot.datagen.skills import SkillConfig

            accel = SkillConfig().step / SkillConfig().ramp_frames
        wrist_pos, obj_pos = monotone_lift(wrist_pos, obj_pos, contact, cfg.monotone_lift, accel)
    if skill not in BALLISTIC_SKILLS and cfg.max_step > 0:
        wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, (contact, depen_contact) = limit_speed(
            wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, [contact, depen_contact], cfg.max_step
        )
    t_len = len(contact)
    if depenetrate is not None:
        wrist_pos = depenetrate(
            wrist_pos,
            wrist_rot,
            fingers,
            obj_pos,
            obj_rot,
            depen_contact,
            keep_start=hand_init is not None,
        )
    angles = wrist_angles(wrist_rot, wrist_start)
    dof = torch.cat([wrist_pos - torch.tensor(BASE_POS, dtype=torch.float64), angles, fingers], dim=-1)
    lo, hi = joint_ranges(fk)
    dof = torch.maximum(torch.minimum(dof, hi.double()), lo.double()).float()
    obj_quat = quat_sign_continuity(quat_from_matrix(obj_rot).float())
    obj_pos = obj_pos.float()
    vel = (
        torch.from_numpy(np.gradient(obj_pos.numpy(), 1.0 / FPS, axis=0)).float()
        if t_len > 1
        else torch.zeros_like(obj_pos)
    )
    clip = MotionClip(
        root_pos=torch.tensor(BASE_POS, dtype=torch.float32).repeat(t_len, 1),
        root_rot=torch.tensor([1.0, 0.0, 0.0, 0.0]).repeat(t_len, 1),
        wrist_dof=dof[:, :6].contiguous(),
        fingers_dof=dof[:, 6:].contiguous(),
        body_pos=torch.zeros(t_len, fk.hand.num_key_bodies, 3),
        obj_pos=obj_pos,
        obj_rot=obj_quat,
        obj_pos_vel=vel,
        contact1=contact.float(),
        contact2=torch.zeros(t_len),
    )
    return clip.replace(body_pos=fk(clip))
