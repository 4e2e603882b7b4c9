"""Pinch and precision grasps: the thumb against one or two fingertips (issue 23, item 3).

Power wraps (:mod:`hot.datagen.wrap`) enclose the object, so on thin or small objects the fingers
end deep inside it or below its resting bottom. These grasps hold the object between fingertip
pads only, with the palm clear of it, and go through the same squeeze in physics and hold test.

1. **Pinch shapes (per hand, from its model).** The fingers that oppose the thumb are the one or
   two non-thumb fingers whose open fingertips lie closest to the thumb's (index, then middle on
   MANO and Shadow). For each opposing set (thumb + 1 finger: pinch; thumb + 2: tripod) and each
   flexion of those fingers in ``flexions`` (fraction of the way from the open to the closed hand
   of ``closing.hand_frame``), the thumb pose is searched (``thumb_samples`` random poses) whose
   tip pad presses ``overlap`` into the fingertip pad (tripod: the midpoint of the two tips), with
   the thumb on the side the fingertips flex towards. The shape's closing path runs in joint space
   from the open hand to that pose; the fingers that do not pinch stay curled (the closed hand).
   Along the path the gap between the pads, the pads' axis and the pinch point are tabulated.
2. **Contact pairs on the object (its SDF).** Surface samples are marched inward along the
   inward normal until they leave the hull union: the exit is the opposite contact. A pair is kept
   when the two normals oppose within ``max_normal_deg`` and the width fits a shape; pairs whose
   line passes near the centre of mass are drawn more often (``com_sigma``), so gravity has little
   torque about the pinch axis, and a pair is kept with probability ``exp(-e / top_sigma)``, ``e`` the
   object's extent past the pair towards the palm: the pads sit near the object's end there (the top
   of a flat or standing object at rest), so the fingertips stay above the platform.
3. **Wrist placement.** A shape whose gap spans the width (plus ``pregap``) is chosen; the hand is
   turned so that its pads' axis lies on the contact pair, rolled about that axis so that the palm
   faces the side where the object ends closest to the pinch (for a flat object the face, for a
   standing one the top), with a random tilt; the palm therefore clears the object. A placement
   where the pre-shaped hand (gap = width + ``pregap``) touches the object is redrawn.
4. **Closing.** The thumb and the pinching fingers sweep along the path until each touches
   (``closing.sweep_close``); a placement where the thumb or every opposing finger misses, or where
   any other hand geom touches the object, is redrawn (at most ``max_draws`` per candidate).
5. **Squeeze and hold test** (:func:`hot.datagen.wrap.squeeze_and_hold`): the pinching joints
   drive towards the path's end with capped torques (object free, no gravity), then the settled
   grasp must hold for 1 s with gravity along each of ±x, ±y, ±z within 2 cm and 15°, with at most
   2 mm hand-object penetration: the criteria of every sampler.

Each grasp records its pre-shape (``meta["open_pose"]``), from which the grasp clips close the
fingers, and its family (``meta["family"]``: ``pinch`` or ``tripod``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.closing import HandFrame, _finger_groups, _tip_points, hand_frame, sweep_close
from hot.datagen.grasp import GraspSet
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.sdf import ObjectSDF
from hot.datagen.wrap import ContactProbe, WrapConfig, _empty, _meta, squeeze_and_hold
from hot.sim.scene import SceneOptions, compile_scene
from hot.utils.rotations import quat_from_matrix

__all__ = ["PinchConfig", "PinchShape", "pinch_shapes", "contact_pairs", "generate_pinch_grasps"]


class PinchConfig(WrapConfig):
    """Knobs of the pinch sampler; the squeeze and hold-test settings are the wrap sampler's."""

    def __init__(
        self,
        flexions: tuple[float, ...] = (0.3, 0.45, 0.6, 0.8),
        overlap: float = 0.004,
        thumb_samples: int = 3000,
        pregap: float = 0.015,
        max_normal_deg: float = 30.0,
        com_sigma: float = 0.03,
        tilt_deg: float = 15.0,
        rolls: int = 16,
        max_draws: int = 30,
        roll_tries: int = 3,
        tries_per_draw: int = 6,
        drive_past: float = 0.3,
        top_sigma: float = 0.008,
        pad_height: float = 0.009,
        max_axis_tilt_deg: float = 35.0,
        **wrap_kwargs,
    ):
        super().__init__(thumb_samples=thumb_samples, tilt_deg=tilt_deg, **wrap_kwargs)
        self.flexions = tuple(flexions)
        self.overlap = overlap
        self.pregap = pregap
        self.max_normal_deg = max_normal_deg
        self.com_sigma = com_sigma
        self.rolls = rolls
        self.max_draws = max_draws
        self.roll_tries = roll_tries
        self.tries_per_draw = tries_per_draw
        self.drive_past = drive_past
        self.top_sigma = top_sigma
        self.pad_height = pad_height
        """With resting poses given (``up``): lowest height of a contact above the object's resting
        bottom (m), so that fingertip pads (MANO's radius 7.8 mm) pressing there clear the platform."""
        self.max_axis_tilt_deg = max_axis_tilt_deg
        """With resting poses given: largest tilt of the pinch axis from the horizontal of the pose."""


@dataclass
class PinchShape:
    """One opposing-finger set and flexion: a joint-space closing path and its tabulated geometry.

    ``q(s) = q0 + s (q1 - q0)``, ``s`` in ``[0, s_max]``; per tabulated ``s`` (wrist frame):
    ``gap`` between the thumb pad and the fingertip pad(s) (m), ``thumb_c`` the thumb tip geom
    centre, ``axis`` the unit thumb-to-fingertips direction, ``back`` the unit direction from the
    pinch point to the palm centre, orthogonal to ``axis``.
    """

    family: str
    groups: list[int]
    """Finger groups that move along the path (the opposing fingers, then the thumb)."""
    q0: np.ndarray
    q1: np.ndarray
    s: np.ndarray
    gap: np.ndarray
    thumb_c: np.ndarray
    axis: np.ndarray
    back: np.ndarray
    thumb_r: float

    def q(self, s: float) -> np.ndarray:
        return self.q0 + s * (self.q1 - self.q0)

    def at_gap(self, w: float) -> float | None:
        """The largest tabulated ``s`` (interpolated) at which the gap is still >= ``w``; None if the
        path never opens that far or never closes below it."""
        g = self.gap
        above = np.nonzero(g >= w)[0]
        if len(above) == 0 or g.min() >= w:
            return None
        i = int(above[-1])
        if i + 1 >= len(g):
            return None
        t = (g[i] - w) / max(g[i] - g[i + 1], 1e-9)
        return float(self.s[i] + t * (self.s[i + 1] - self.s[i]))


_SHAPES: dict[tuple, list[PinchShape]] = {}


def _tip_geom(model: mujoco.MjModel, body: str) -> int:
    """The collision geom of a fingertip body farthest from its body origin (the tip end)."""
    bid = model.body(body).id
    geoms = [g for g in range(model.ngeom) if model.geom_bodyid[g] == bid and model.geom_contype[g]]
    if not geoms:
        raise ValueError(f"fingertip body {body!r} has no collision geom")
    return max(geoms, key=lambda g: float(np.linalg.norm(model.geom_pos[g])))


def _segment(model: mujoco.MjModel, data: mujoco.MjData, geom: int) -> tuple[np.ndarray, np.ndarray, float]:
    """End points (world) and radius of a fingertip geom's core segment (a sphere: both ends equal)."""
    r = float(model.geom_size[geom][0])
    c = data.geom_xpos[geom].copy()
    if model.geom_type[geom] == mujoco.mjtGeom.mjGEOM_CAPSULE:
        z = data.geom_xmat[geom].reshape(3, 3)[:, 2] * float(model.geom_size[geom][1])
        return c - z, c + z, r
    return c, c, r


def _closest(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest points of the segments ``p0 p1`` and ``q0 q1`` (sampled, 2 mm exact enough here)."""
    t = np.linspace(0.0, 1.0, 21)
    a = p0 + t[:, None] * (p1 - p0)
    b = q0 + t[:, None] * (q1 - q0)
    d = np.linalg.norm(a[:, None] - b[None], axis=-1)
    i, j = np.unravel_index(int(np.argmin(d)), d.shape)
    return a[i], b[j]


def pinch_shapes(
    hand: HandModel, cfg: PinchConfig | None = None, frame: HandFrame | None = None
) -> list[PinchShape]:
    """The pinch (thumb + 1 fingertip) and tripod (thumb + 2) closing paths of ``hand`` (cached)."""
    cfg = cfg or PinchConfig()
    key = (hand.name, cfg.flexions, cfg.overlap, cfg.thumb_samples)
    if key in _SHAPES:
        return _SHAPES[key]
    frame = frame or hand_frame(hand)
    model = hand.build_spec().compile()
    data = mujoco.MjData(model)
    w = model.body(hand.wrist_body).id
    fq = np.array([model.jnt_qposadr[model.joint(n).id] for n in hand.finger_dof_names])
    lim = np.array([model.jnt_range[model.joint(n).id] for n in hand.finger_dof_names])
    groups = _finger_groups(model, hand)
    thumb = groups[-1]
    tips = [_tip_geom(model, b) for b in hand.fingertip_bodies]

    def geometry(q: np.ndarray, fingers: list[int]) -> dict:
        """Pad contact geometry in the wrist frame: the closest points of the thumb's distal segment
        and each opposing finger's, their gap, the thumb-to-fingers axis, the segment directions."""
        data.qpos[:] = 0.0
        data.qpos[fq] = q
        mujoco.mj_kinematics(model, data)
        rw, pw = data.xmat[w].reshape(3, 3), data.xpos[w]
        t0, t1, rt = _segment(model, data, tips[-1])
        pts_t, pts_f, rf, dirs = [], [], [], [t1 - t0]
        for f in fingers:
            f0, f1, r = _segment(model, data, tips[f])
            a, b = _closest(t0, t1, f0, f1)
            pts_t.append(a)
            pts_f.append(b)
            rf.append(r)
            dirs.append(f1 - f0)
        pt, pf = np.mean(pts_t, 0), np.mean(pts_f, 0)
        d = pf - pt
        dist = float(np.linalg.norm(d))
        u = d / max(dist, 1e-9)
        dirs = [x / max(np.linalg.norm(x), 1e-9) for x in dirs]
        return {
            "gap": dist - rt - float(np.mean(rf)),
            "thumb": (pt - pw) @ rw,
            "axis": u @ rw,
            "thumb_r": rt,
            "facing": float(np.mean([abs(x @ u) for x in dirs])),
        }

    # the opposing fingers: closest open fingertips to the open thumb's (tip points of closing.py)
    data.qpos[:] = 0.0
    data.qpos[fq] = frame.opened
    mujoco.mj_kinematics(model, data)
    tp = _tip_points(model, data, hand)
    order = np.argsort(np.linalg.norm(tp[:-1] - tp[-1], axis=1), kind="stable")
    rng = np.random.default_rng(0)
    thumb_q = rng.uniform(lim[thumb, 0], lim[thumb, 1], size=(cfg.thumb_samples, len(thumb)))
    shapes = []
    for k in (1, 2):
        fingers = [int(i) for i in order[:k]]
        if len(fingers) < k:
            continue
        for flex in cfg.flexions:
            q = frame.closed.copy()  # the other fingers curled out of the way
            for f in fingers:
                gi = groups[f]
                q[gi] = frame.opened[gi] + flex * (frame.closed[gi] - frame.opened[gi])
            # thumb pose: pads pressed ``overlap`` together, pad to pad (the segments across the axis)
            best, best_cost = None, np.inf
            for tq in thumb_q:
                q[thumb] = tq
                g = geometry(q, fingers)
                cost = abs(g["gap"] + cfg.overlap) / 0.005 + g["facing"] / 0.25
                if cost < best_cost:
                    best, best_cost = tq.copy(), cost
            q1 = q.copy()
            q1[thumb] = best
            q0 = q1.copy()
            for gi in [groups[f] for f in fingers] + [thumb]:
                q0[gi] = frame.opened[gi]
            shape = _tabulate(
                "pinch" if k == 1 else "tripod",
                [*fingers, len(groups) - 1],
                q0,
                q1,
                lambda qq, fingers=fingers: geometry(qq, fingers),
                frame.palm_center,
            )
            if shape is not None:
                shapes.append(shape)
    if not shapes:
        raise ValueError(f"hand {hand.name!r}: no thumb pose opposes a fingertip")
    _SHAPES[key] = shapes
    return shapes


def _tabulate(family, groups, q0, q1, geometry, palm, n: int = 61, s_max: float = 1.2) -> PinchShape | None:
    s = np.linspace(0.0, s_max, n)
    gap, thumb_c, axis, back = [], [], [], []
    for si in s:
        g = geometry(q0 + si * (q1 - q0))
        u = g["axis"]
        mid = g["thumb"] + 0.5 * (g["gap"] + 2 * g["thumb_r"]) * u
        b = palm - mid
        b -= u * (b @ u)
        gap.append(g["gap"])
        thumb_c.append(g["thumb"])
        axis.append(u)
        back.append(b / max(np.linalg.norm(b), 1e-9))
    gap = np.array(gap)
    if gap.min() > 0.0:  # the thumb never reaches the fingertips
        return None
    return PinchShape(
        family, list(groups), q0, q1, s, gap, np.array(thumb_c), np.array(axis), np.array(back), g["thumb_r"]
    )


def contact_pairs(
    sdf: ObjectSDF,
    points: torch.Tensor,
    normals: torch.Tensor,
    max_width: float,
    max_normal_deg: float = 30.0,
    step: float = 0.001,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Antipodal pairs from surface samples: march each sample inward along its inward normal until
    it leaves the hull union (at most ``max_width``); keep the pairs whose exit normal opposes the
    entry normal within ``max_normal_deg``. Returns ``(p1 (P, 3), n1, p2, n2)``, object frame."""
    p = points.double()
    n = torch.nn.functional.normalize(normals.double(), dim=-1)
    t = torch.arange(1, int(max_width / step) + 2, dtype=torch.float64) * step
    x = p[:, None] - t[None, :, None] * n[:, None]
    sd = sdf.exact(x)
    out = sd > 0
    has = out.any(1)
    first = torch.argmax(out.int(), dim=1)
    # bisection between the last inside and the first outside sample
    lo = (t[(first - 1).clamp(min=0)]).clone()
    hi = t[first].clone()
    for _ in range(8):
        mid = 0.5 * (lo + hi)
        inside = sdf.exact(p - mid[:, None] * n) <= 0
        lo = torch.where(inside, mid, lo)
        hi = torch.where(inside, hi, mid)
    p2 = p - hi[:, None] * n
    _, n2 = sdf.query(p2.float())
    n2 = n2.double()
    ok = has & ((n * n2).sum(-1) <= -math.cos(math.radians(max_normal_deg))) & (first > 0)
    ok = ok.numpy()
    return p.numpy()[ok], n.numpy()[ok], p2.numpy()[ok], n2.numpy()[ok]


def _frame_from(u: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Orthonormal basis (columns) from unit ``u`` and a direction ``b`` orthogonal to it."""
    return np.stack([u, b, np.cross(u, b)], 1)


def generate_pinch_grasps(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    num_candidates: int = 64,
    seed: int = 0,
    cfg: PinchConfig | None = None,
    nthread: int | None = None,
    progress=None,
    up: np.ndarray | None = None,
    scene: SceneOptions | None = None,
) -> GraspSet:
    """Sample ``num_candidates`` pinch / tripod grasps, close them and hold-test them in MuJoCo.

    ``up`` (K, 3), object frame: the world's up direction in each resting pose the clips will grasp
    from. Then each contact pair must suit one of these poses: both contacts at least
    ``cfg.pad_height`` above the object's bottom in that pose, the pinch axis within
    ``cfg.max_axis_tilt_deg`` of its horizontal, and the palm turned towards its up, so that the
    fingertips come from above and stay above the platform. Without ``up`` the pads are drawn towards
    the object's end on the palm side (``cfg.top_sigma``) whatever the pose. ``scene``: the physics
    options of the squeeze and hold test (the project's defaults if None)."""
    cfg = cfg or PinchConfig()
    rng = np.random.default_rng(seed)
    frame = hand_frame(hand)
    shapes = pinch_shapes(hand, cfg, frame)
    model, index = compile_scene(hand, obj, scale, scene)
    chain = WristChain(model)
    probe = ContactProbe(model, index, hand)
    sdf = ObjectSDF.from_hull_paths(obj.hull_paths, scale)
    meta = _meta(hand, obj, scale, seed, cfg, "pinch")
    max_gap = max(float(sh.gap.max()) for sh in shapes) - cfg.pregap
    pts, nrm = _surface(obj, scale, sdf)
    p1, n1, p2, n2 = contact_pairs(sdf, pts, nrm, max_gap, cfg.max_normal_deg)
    verts = sdf.vertices
    pose_ok = None
    ups = None if up is None else np.asarray(up, dtype=np.float64).reshape(-1, 3)
    if ups is not None and len(p1):
        ups = ups / np.linalg.norm(ups, axis=1, keepdims=True)
        bottom = (verts @ ups.T).min(0)  # (K,) the resting bottom along each pose's up
        u = p2 - p1
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        low = np.minimum(p1 @ ups.T, p2 @ ups.T) - bottom  # (P, K) the lower contact's height
        flat = np.abs(u @ ups.T) <= math.sin(math.radians(cfg.max_axis_tilt_deg))
        pose_ok = (low >= cfg.pad_height) & flat
        keep = pose_ok.any(1)
        p1, n1, p2, n2, pose_ok = p1[keep], n1[keep], p2[keep], n2[keep], pose_ok[keep]
    if len(p1):
        # pairs whose line passes near the centre of mass (the object origin) are drawn more often
        u = p2 - p1
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        d = np.linalg.norm(np.cross(-p1, u), axis=1)
        wgt = np.exp(-0.5 * (d / cfg.com_sigma) ** 2) + 1e-3
        wgt /= wgt.sum()
    groups = probe.groups
    lim = np.array([model.jnt_range[model.joint(nm).id] for nm in hand.finger_dof_names])
    wrists, fingers, opens, touched, fams, drives, goals = [], [], [], [], [], [], []
    up_ids: list[int] = []
    draws = 0
    rejected = {"deep": 0, "width": 0, "ik": 0, "preshape_touches": 0, "no_contact": 0, "palm_touches": 0}
    while len(wrists) < num_candidates and draws < cfg.max_draws * num_candidates and len(p1):
        draws += 1
        i = int(rng.choice(len(p1), p=wgt))
        a, b = (p1[i], p2[i]) if rng.random() < 0.5 else (p2[i], p1[i])  # thumb at a
        width = float(np.linalg.norm(b - a))
        u = (b - a) / width
        fits = [
            sh for sh in shapes if sh.at_gap(width + cfg.pregap) is not None and sh.at_gap(width) is not None
        ]
        if not fits:
            rejected["width"] += 1
            continue
        # rolls about the pinch axis, most likely first where the object ends closest to the pinch
        # (the palm faces that side and clears the object)
        e1 = np.cross(u, [1.0, 0.0, 0.0] if abs(u[0]) < 0.9 else [0.0, 1.0, 0.0])
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(u, e1)
        phis = rng.uniform(0, 2 * math.pi) + np.arange(cfg.rolls) * 2 * math.pi / cfg.rolls
        dirs = np.cos(phis)[:, None] * e1 + np.sin(phis)[:, None] * e2
        k_up = None
        if pose_ok is not None and ups is not None:
            # palm towards the up of a resting pose this pair suits: rolls nearest to it first
            k_up = int(rng.choice(np.nonzero(pose_ok[i])[0]))
            ext = -(dirs @ ups[k_up])
        else:
            ext = ((verts - 0.5 * (a + b)) @ dirs.T).max(0)
            if rng.random() > math.exp(-float(ext.min()) / cfg.top_sigma):
                rejected["deep"] += 1  # prefer pads near the object's end on the palm side (its top at rest)
                continue
        pick = np.exp(-(ext - ext.min()) / 0.01) + 1e-12
        rolls = rng.choice(cfg.rolls, size=cfg.rolls, replace=False, p=pick / pick.sum())
        tries = [(sh, k) for k in rolls[: cfg.roll_tries] for sh in rng.permutation(len(fits)).tolist()]
        for sh_i, k in tries[: cfg.tries_per_draw]:
            sh = fits[sh_i]
            out = _place(sh, a, u, width, dirs[k], probe, chain, groups, lim, cfg)
            if isinstance(out, str):
                rejected[out] += 1
                continue
            wd, q, q_pre, t_full, drive, goal = out
            wrists.append(wd)
            fingers.append(q)
            opens.append(q_pre)
            touched.append(t_full)
            fams.append(sh.family)
            up_ids.append(-1 if k_up is None else k_up)
            drives.append(drive)
            goals.append(goal)
            if progress:
                progress(1)
            break
    g = len(wrists)
    if progress and num_candidates > g:
        progress(num_candidates - g)
    if g == 0:
        out = _empty(hand, obj, scale, seed, cfg, "pinch")
        out.meta.update(open_pose=[], family=[])
        return out
    gs = squeeze_and_hold(
        model,
        index,
        chain,
        hand,
        frame,
        np.array(wrists),
        np.array(fingers),
        np.array(touched),
        cfg,
        nthread,
        meta,
        goal=np.array(goals),
        drive=np.array(drives),
    )
    gs.energy = (1.0 - np.asarray(gs.meta["hold_per_dir"], dtype=float).mean(1)) + gs.penetration
    gs.meta["open_pose"] = np.array(opens).tolist()
    gs.meta["family"] = fams
    if ups is not None:
        gs.meta["up_index"] = up_ids  # the resting pose (row of ``up``) each grasp was placed for
    gs.meta["draws"] = draws
    gs.meta["rejected"] = rejected
    return gs


def _place(sh: PinchShape, a, u, width, back, probe: ContactProbe, chain, groups, lim, cfg: PinchConfig):
    """Wrist DoFs and closed fingers of one pinch placement (thumb pad at ``a``, fingertips along ``u``,
    palm towards ``back``), or the reason it is rejected (a key of the sampler's ``rejected`` counts)."""
    s_w, s_pre = sh.at_gap(width), sh.at_gap(width + cfg.pregap)
    assert s_w is not None and s_pre is not None  # the caller only picks shapes that reach both gaps
    j = int(np.clip(np.searchsorted(sh.s, s_w), 0, len(sh.s) - 1))
    # hand frame at s_w -> object frame: pads' axis -> u, pinch-to-palm direction -> back
    r = _frame_from(u, back) @ _frame_from(sh.axis[j], sh.back[j]).T
    thumb_pad = sh.thumb_c[j] + sh.thumb_r * sh.axis[j]
    wp = probe.obj_pos + a - r @ thumb_pad
    q_w = quat_from_matrix(torch.as_tensor(r)).numpy()
    ik = wrist_ik(chain, torch.as_tensor(wp)[None, None], torch.as_tensor(q_w)[None, None])
    if not bool(ik.ok[0, 0]):
        return "ik"
    wd = ik.dofs[0, 0].numpy()
    q_pre = sh.q(s_pre)
    if any(c[2] < 0 for c in probe.set_pose(wd, q_pre)):
        return "preshape_touches"
    q_end = np.clip(sh.q(float(sh.s[-1])), lim[:, 0], lim[:, 1])
    q, t_full = sweep_close(
        probe.set_pose, wd, q_pre, q_end, groups, sh.groups, cfg.sweep_steps, cfg.contact_depth
    )
    if not (t_full[-1] and t_full[sh.groups[:-1]].any()):
        return "no_contact"  # the thumb or every opposing finger closed without touching
    if any(c[2] < 0 and c[0] not in sh.groups for c in probe.set_pose(wd, q)):
        return "palm_touches"  # the palm or a curled finger touches the object
    drive = np.zeros(len(q), dtype=bool)
    for k in sh.groups:
        drive[groups[k]] = True
    drive &= sh.q1 != sh.q0
    goal = np.clip(q + cfg.drive_past * (sh.q1 - sh.q0), lim[:, 0], lim[:, 1])
    return wd, q, q_pre, t_full, drive, goal


def _surface(obj, scale: float, sdf: ObjectSDF, n: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Samples of the hull union's outer surface with outward normals (deterministic)."""
    import trimesh

    ps, ns = [], []
    meshes = [trimesh.convex.convex_hull(v) for v in _hulls(obj, scale)]
    area = np.array([m.area for m in meshes])
    rng = np.random.default_rng(0)
    for m, c in zip(meshes, np.maximum(1, np.round(n * area / area.sum()).astype(int)), strict=True):
        fa = np.asarray(m.area_faces)
        face = rng.choice(len(fa), size=c, p=fa / fa.sum())
        uv = rng.random((c, 2))
        flip = uv.sum(1) > 1
        uv[flip] = 1 - uv[flip]
        t = np.asarray(m.triangles)[face]
        ps.append(t[:, 0] + uv[:, :1] * (t[:, 1] - t[:, 0]) + uv[:, 1:] * (t[:, 2] - t[:, 0]))
        ns.append(np.asarray(m.face_normals)[face])
    p = torch.tensor(np.concatenate(ps))
    nr = torch.tensor(np.concatenate(ns))
    outer = sdf.exact(p + 0.002 * nr) > 0.0015
    return p[outer], nr[outer]


def _hulls(obj, scale: float) -> list[np.ndarray]:
    import trimesh

    return [
        np.asarray(cast(trimesh.Trimesh, trimesh.load(str(p), force="mesh", process=True)).vertices) * scale
        for p in obj.hull_paths
    ]


def generate_mixed_grasps(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    num_candidates: int = 64,
    seed: int = 0,
    pinch_fraction: float = 0.5,
    nthread: int | None = None,
    progress=None,
    scene: SceneOptions | None = None,
) -> GraspSet:
    """The default candidate set (``--grasp_method mix``): ``pinch_fraction`` of the candidates from
    the pinch sampler, the rest power wraps (:func:`hot.datagen.wrap.generate_wrap_grasps`), in that
    order. ``meta["family"]`` names each grasp's family (``wrap``, ``pinch``, ``tripod``) and
    ``meta["open_pose"]`` the finger pose its clips close from."""
    from hot.datagen.wrap import generate_wrap_grasps

    if not 0.0 <= pinch_fraction <= 1.0:
        raise ValueError(f"pinch_fraction must be in [0, 1], got {pinch_fraction}")
    n_p = int(round(pinch_fraction * num_candidates))
    sets = []
    if n_p:
        sets.append(
            generate_pinch_grasps(
                hand, obj, scale, n_p, seed, nthread=nthread, progress=progress, scene=scene
            )
        )
    if num_candidates - n_p:
        wrap = generate_wrap_grasps(
            hand,
            obj,
            scale,
            num_candidates - n_p,
            (seed + 1) % (2**63),
            nthread=nthread,
            progress=progress,
            scene=scene,
        )
        wrap.meta["family"] = ["wrap"] * len(wrap)
        wrap.meta["open_pose"] = np.tile(hand_frame(hand).opened, (len(wrap), 1)).tolist()
        sets.append(wrap)
    full = [s for s in sets if len(s)]
    out = GraspSet.concat(full) if full else sets[0]
    out.meta = {
        **out.meta,
        "method": "mix",
        "pinch_fraction": pinch_fraction,
        "seed": seed,
        "pinch_rejected": sets[0].meta.get("rejected") if n_p else None,
    }
    out.meta.pop("config", None)
    out.meta.pop("draws", None)
    out.meta.pop("rejected", None)
    return out
