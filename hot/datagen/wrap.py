"""Wrap grasps squeezed in physics: the default grasp sampler of ``python -m hot.datagen``.

Measured on MANO + Bottle, 64 candidates, seed 0, default config (command in
``docs/dev/GRASPS.md``): 45/64 hold for 1 s with gravity along each of ±x, ±y, ±z, 27/64 of those
also within 2 mm hand-object penetration (the valid grasps).

1. **Wrap axis.** The object's principal axes (inertia of its surface mesh); an axis can be
   wrapped when the object's extent across it is at most ``max_wrap`` (hand-dependent). Axes are
   drawn with probability proportional to their length.
2. **Palm placement.** A point on the axis away from its ends (``end_margin``), an approach
   direction ``d`` perpendicular to the axis, the fingers pointing around the axis, small random
   tilts, the axis crossing the hand at ``along`` × the wrist-to-fingertip length. The open hand
   slides in along ``-d`` until it touches and backs off 2 mm.
3. **Fingers, then thumb (kinematic).** The four fingers sweep closed (``closing.sweep_close``)
   until each touches ``contact_depth`` deep. The thumb pose is then chosen among
   ``thumb_samples`` random poses so that its tip rests on the surface where the outward normal
   points along the fingers' net push (the thumb pushes back), with no other thumb geom inside
   the object (object SDF), and the thumb sweeps towards it until it touches.
4. **Squeeze in physics.** From the contact pose, the object free and gravity off, every flexing
   finger joint drives towards the closed hand with its torque capped at ``squeeze_torque × kp /
   max kp`` for ``settle_s``; the object moves to where the pushes cancel. The settled pose is the
   grasp and the settled torques ``τ`` become PD-target offsets ``τ / kp`` (a few mrad), so the
   scene's stiff servos keep pressing as hard.
5. **Hold test** (issue 3, ``closing._validate``): gravity along each of ±x, ±y, ±z for 1 s, one
   world each; the object must stay within 2 cm and 15° of its start pose relative to the wrist,
   and the hand-object penetration at the grasp must be ≤ 2 mm.

Steps 4-5 rely on the scene's ``damping_armature`` and ``noslip_iterations``
(``hot.sim.scene.SceneOptions``): without them no grasp held (docs/dev/GRASPS.md).
"""

from __future__ import annotations

import copy
import math
from typing import cast

import mujoco
import numpy as np
import torch
import trimesh

from hot.assets.hands.base import HandModel
from hot.datagen.closing import (
    HandFrame,
    _finger_groups,
    _rot_from_axes,
    _validate,
    finger_geom_owner,
    hand_frame,
    sweep_close,
)
from hot.datagen.grasp import VALIDATION_OBJECT_POS, GraspSet
from hot.datagen.ik import WristChain, wrist_ik
from hot.datagen.sdf import ObjectSDF
from hot.sim.scene import SceneOptions, compile_scene
from hot.sim.worlds import SimulationError, new_batch
from hot.utils.rotations import quat_from_matrix

__all__ = ["WrapConfig", "wrap_axes", "generate_wrap_grasps", "squeeze_and_hold"]

_MAX_WRAP = {"mano": 0.10, "shadow": 0.10, "allegro": 0.11}
"""Largest object extent across the wrap axis each hand can enclose (m), measured on the hands'
closed poses; other hands default to 0.10."""


class WrapConfig:
    """Knobs of the wrap sampler (defaults used by the pipeline)."""

    def __init__(
        self,
        sweep_steps: int = 40,
        contact_depth: float = 0.001,
        hold_s: float = 1.0,
        along: tuple[float, float] = (0.3, 0.6),
        thumb_samples: int = 2048,
        squeeze_torque: float = 0.4,
        settle_s: float = 1.0,
        tilt_deg: float = 15.0,
        end_margin: float = 0.04,
        max_pos: float = 0.02,
        max_deg: float = 15.0,
        max_pen: float = 0.002,
        resqueeze_torques: tuple[float, ...] = (0.2, 0.1),
    ):
        self.sweep_steps = sweep_steps
        self.contact_depth = contact_depth
        self.along = tuple(along)
        self.thumb_samples = thumb_samples
        self.squeeze_torque = squeeze_torque
        self.settle_s = settle_s
        self.hold_s = hold_s
        self.tilt_deg = tilt_deg
        self.end_margin = end_margin
        self.max_pos = max_pos
        self.max_deg = max_deg
        self.max_pen = max_pen
        self.resqueeze_torques = tuple(resqueeze_torques)
        """Grasps that hold but sink deeper than ``max_pen`` are squeezed again from their contact pose with
        the first of these torque fractions and hold-tested again, those still too deep with the next, and so
        on (empty: off). Held at 0.4, small round objects (a tennis ball) and thin ones (a knife) sink 5-6 mm
        into the object; at 0.2 the knife's grasps come out shallow, at 0.1 the ball's."""

    def as_dict(self) -> dict:
        return dict(vars(self))


def wrap_axes(obj, scale: float, max_wrap: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Principal axes of the object's surface, their extents along and across, and which can be wrapped.

    Returns ``(axes (3, 3) rows, lo (3,), hi (3,), wrappable (3,) bool)``: ``lo``/``hi`` are the
    vertex projections' range on each axis (object frame, scaled).
    """
    mesh = cast(trimesh.Trimesh, trimesh.load(obj.mesh_path, force="mesh", process=False))
    v = np.asarray(mesh.vertices, dtype=np.float64) * scale
    axes = np.asarray(mesh.principal_inertia_vectors, dtype=np.float64)
    proj = v @ axes.T
    lo, hi = proj.min(0), proj.max(0)
    ext = hi - lo
    across = np.array([max(ext[(k + 1) % 3], ext[(k + 2) % 3]) for k in range(3)])
    return axes, lo, hi, across <= max_wrap


def _random_rot(rng: np.random.Generator, max_angle: float) -> np.ndarray:
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    a = rng.uniform(0.0, max_angle)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + math.sin(a) * k + (1 - math.cos(a)) * k @ k


def _approaches(hand, obj, scale, frame: HandFrame, probe: ContactProbe, chain, n, rng, cfg: WrapConfig):
    """Wrist DoFs of ``n`` open-hand poses resting 2 mm off the object (object at the validation pose)."""
    axes, lo, hi, ok = wrap_axes(obj, scale, _MAX_WRAP.get(hand.name, 0.10))
    cand = np.nonzero(ok)[0]
    if len(cand) == 0:  # nothing wrappable: wrap the axis with the thinnest cross-section anyway
        ext = hi - lo
        across = np.array([max(ext[(k + 1) % 3], ext[(k + 2) % 3]) for k in range(3)])
        cand = np.array([int(np.argmin(across))])
    length = (hi - lo)[cand]
    p_axis = length / length.sum()
    obj_pos = probe.obj_pos
    radius = float(obj.bounding_radius) * scale

    def touches(wd: np.ndarray) -> bool:
        return any(c[2] < 0 for c in probe.set_pose(wd, frame.opened))

    out = []
    tilt = math.radians(cfg.tilt_deg)
    for _ in range(n):
        k = int(rng.choice(cand, p=p_axis))
        a = axes[k]
        lo_t, hi_t = lo[k] + cfg.end_margin, hi[k] - cfg.end_margin
        t = rng.uniform(lo_t, hi_t) if hi_t > lo_t else 0.5 * (lo[k] + hi[k])
        u = axes[(k + 1) % 3]
        v = np.cross(a, u)
        phi = rng.uniform(0, 2 * math.pi)
        d = math.cos(phi) * u + math.sin(phi) * v  # from the axis towards the palm
        f = np.cross(a, d) * (1.0 if rng.random() < 0.5 else -1.0)  # fingers around the axis
        rt = _random_rot(rng, tilt)
        d, f = rt @ d, rt @ f
        r = _rot_from_axes(-d, f, frame)
        q_w = quat_from_matrix(torch.as_tensor(r)).numpy()
        target = obj_pos + t * a
        # where the axis crosses the hand, as a fraction of the wrist-to-open-fingertips length
        palm = r @ (frame.palm_center * rng.uniform(*cfg.along) / 0.45)
        dist = radius + 0.05
        found = None
        while dist > -0.03:
            wp = target + d * dist - palm
            wd = wrist_ik(
                chain, torch.as_tensor(wp)[None, None], torch.as_tensor(q_w)[None, None], refine=False
            )
            if touches(wd.dofs[0, 0].numpy()):
                wp = target + d * (dist + 0.002) - palm
                found = wrist_ik(
                    chain, torch.as_tensor(wp)[None, None], torch.as_tensor(q_w)[None, None]
                ).dofs[0, 0]
                break
            dist -= 0.003
        if found is not None:
            out.append(found.numpy())
    return np.array(out).reshape(-1, 6)


def _thumb_samples(
    hand: HandModel, model, frame: HandFrame, thumb: list[int], n: int, rng: np.random.Generator
):
    """``n`` random thumb poses with their collision-geom centres and radii in the wrist frame.

    Returns ``(q (n, T), centres (n, K, 3), radii (K,))``; the last geom is the tip (farthest from
    the wrist at the open pose).
    """
    f_adr = np.array([model.jnt_qposadr[model.joint(nm).id] for nm in hand.finger_dof_names])
    lim = np.array([model.jnt_range[model.joint(nm).id] for nm in hand.finger_dof_names])
    w = model.body(hand.wrist_body).id
    data = mujoco.MjData(model)
    tip = model.body(hand.fingertip_bodies[-1]).id
    chain = []
    b = tip
    while b > 0 and b != w:
        chain.append(b)
        b = int(model.body_parentid[b])
    geoms = [gid for gid in range(model.ngeom) if model.geom_bodyid[gid] in chain and model.geom_contype[gid]]
    q = rng.uniform(lim[thumb, 0], lim[thumb, 1], size=(n, len(thumb)))
    cen = np.zeros((n, len(geoms), 3))
    for i in range(n):
        data.qpos[:] = model.qpos0
        data.qpos[f_adr] = frame.opened
        data.qpos[f_adr[thumb]] = q[i]
        mujoco.mj_kinematics(model, data)
        r = data.xmat[w].reshape(3, 3)
        cen[i] = (data.geom_xpos[geoms] - data.xpos[w]) @ r
    order = np.argsort(np.linalg.norm(cen[0], axis=1))  # tip last
    radii = np.array([model.geom_size[gid][0] for gid in geoms])[order]
    return q, cen[:, order], radii


class ContactProbe:
    """Kinematic contact queries on one MjData: hand pose in, hand-object contacts out."""

    def __init__(self, model, index, hand: HandModel):
        self.model, self.index = model, index
        self.data = mujoco.MjData(model)
        self.groups = _finger_groups(model, hand)
        self.obj_geoms = {gid for gid in range(model.ngeom) if model.geom_bodyid[gid] == index.object_body_id}
        self.owner = finger_geom_owner(model, hand)
        self.obj_pos = np.array(VALIDATION_OBJECT_POS)
        self.finger_names = list(hand.finger_dof_names)

    def set_pose(self, wd: np.ndarray, q: np.ndarray) -> list[tuple[int, int, float]]:
        m, d, ix = self.model, self.data, self.index
        d.qpos[:] = m.qpos0
        d.qpos[ix.dof_qpos_adr[:6]] = wd
        d.qpos[ix.dof_qpos_adr[6:]] = q
        d.qpos[ix.obj_qpos_adr[:3]] = self.obj_pos
        d.qpos[ix.obj_qpos_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
        mujoco.mj_kinematics(m, d)
        mujoco.mj_collision(m, d)
        out = []
        for c in d.contact[: d.ncon]:
            g1, g2 = int(c.geom1), int(c.geom2)
            if g1 in self.obj_geoms and g2 in self.owner:
                out.append((self.owner[g2], g2, float(c.dist)))
            elif g2 in self.obj_geoms and g1 in self.owner:
                out.append((self.owner[g1], g1, float(c.dist)))
        return out

    def push_on_object(self) -> np.ndarray:
        """Sum of unit inward normals at the current hand-object contacts (world frame)."""
        d = self.data
        net = np.zeros(3)
        for c in d.contact[: d.ncon]:
            g1, g2 = int(c.geom1), int(c.geom2)
            if c.dist >= 0:
                continue
            nrm = np.asarray(c.frame[:3])  # from geom1 to geom2
            if g2 in self.obj_geoms and g1 in self.owner:
                net += nrm
            elif g1 in self.obj_geoms and g2 in self.owner:
                net -= nrm
        return net


def generate_wrap_grasps(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    num_candidates: int = 64,
    seed: int = 0,
    cfg: WrapConfig | None = None,
    nthread: int | None = None,
    progress=None,
    scene: SceneOptions | None = None,
) -> GraspSet:
    """Sample ``num_candidates`` wrap grasps, close them and hold-test them in MuJoCo (``scene``: the
    physics options of the squeeze and hold test, the project's defaults if None)."""
    cfg = cfg or WrapConfig()
    rng = np.random.default_rng(seed)
    frame = hand_frame(hand)
    model, index = compile_scene(hand, obj, scale, scene)
    chain = WristChain(model)
    probe = ContactProbe(model, index, hand)
    wrist = _approaches(hand, obj, scale, frame, probe, chain, num_candidates, rng, cfg)
    g = len(wrist)
    if progress:
        progress(num_candidates - g)
    if g == 0:
        return _empty(hand, obj, scale, seed, cfg)
    groups = probe.groups
    thumb = groups[-1]
    lim = np.array([model.jnt_range[model.joint(nm).id] for nm in hand.finger_dof_names])
    sdf = ObjectSDF.from_hull_paths(obj.hull_paths, scale)
    q_s, cen, radii = _thumb_samples(hand, model, frame, thumb, cfg.thumb_samples, rng)
    w_body = model.body(hand.wrist_body).id
    nf = len(hand.finger_dof_names)
    fingers = np.zeros((g, nf))
    touched = np.zeros((g, len(groups)), dtype=bool)
    for i in range(g):
        # fingers close until they touch; then the thumb goes where it opposes their push
        q, t = sweep_close(
            probe.set_pose,
            wrist[i],
            frame.opened,
            frame.closed,
            groups,
            range(len(groups) - 1),
            cfg.sweep_steps,
            cfg.contact_depth,
        )
        probe.set_pose(wrist[i], q)
        push = probe.push_on_object()
        d = probe.data
        rw, pw = d.xmat[w_body].reshape(3, 3), d.xpos[w_body]
        npush = np.linalg.norm(push)
        fdir = push / npush if npush > 1e-9 else -(rw @ frame.palm_normal)
        pts = (cen @ rw.T + pw) - probe.obj_pos  # object frame (identity orientation)
        sd, n = sdf.query(torch.as_tensor(pts), normals=True)
        sd, n = sd.numpy(), n.numpy()
        pen_other = np.maximum(radii[None, :-1] - sd[:, :-1], 0.0).sum(1)
        cost = np.abs(sd[:, -1] - radii[-1]) / 0.005 + (1.0 - n[:, -1] @ fdir) + pen_other / 0.002
        best = int(np.argmin(cost))
        goal = q.copy()
        goal[thumb] = np.clip(
            frame.opened[thumb] + 1.3 * (q_s[best] - frame.opened[thumb]), lim[thumb, 0], lim[thumb, 1]
        )
        q2, t2 = sweep_close(
            probe.set_pose, wrist[i], q, goal, groups, [len(groups) - 1], cfg.sweep_steps, cfg.contact_depth
        )
        fingers[i], touched[i] = q2, t | t2
        if progress:
            progress(1)

    gs = squeeze_and_hold(
        model,
        index,
        chain,
        hand,
        frame,
        wrist,
        fingers,
        touched,
        cfg,
        nthread,
        _meta(hand, obj, scale, seed, cfg),
    )
    # energy orders grasps: fewer failed directions, then shallower penetration
    gs.energy = (1.0 - np.asarray(gs.meta["hold_per_dir"], dtype=float).mean(1)) + gs.penetration
    return gs


def squeeze_and_hold(
    model,
    index,
    chain,
    hand: HandModel,
    frame: HandFrame,
    wrist: np.ndarray,
    fingers: np.ndarray,
    touched: np.ndarray,
    cfg: WrapConfig,
    nthread: int | None,
    meta: dict,
    goal: np.ndarray | None = None,
    drive: np.ndarray | None = None,
) -> GraspSet:
    """Steps 4-5 for contact poses ``(wrist (G, 6), fingers (G, F))``: squeeze in physics, then hold-test.

    ``touched (G, fingers)``: which fingers touch the object at the contact pose (the last is the
    thumb), for the ``usable`` flag. Returns the settled grasps with ``penetration``, ``valid`` and
    the meta fields ``squeeze_targets``, ``squeeze_torques``, ``hold_per_dir``, ``usable``; the
    energy fields are left for the caller (zeros / NaN). ``goal``, ``drive`` (G, F): per-grasp squeeze
    targets and which joints drive towards them (default: every flexing joint towards the closed hand).
    """
    g = len(wrist)
    f_act = np.asarray(index.actuator_ids[6:])
    lim = np.array([model.jnt_range[model.joint(nm).id] for nm in hand.finger_dof_names])
    state, tau = _settle(model, index, wrist, fingers, frame, cfg, nthread, goal, drive)
    fingers = state[:, index.dof_qpos_adr[6:]]
    wrist_pos_o, wrist_quat_o = _wrist_in_object_frame(model, index, hand, state)
    kp = model.actuator_gainprm[f_act, 0]
    targets = np.clip(fingers + tau / kp, lim[:, 0], lim[:, 1])
    nan = np.full(g, np.nan)
    gs = GraspSet(
        wrist_pos_o=wrist_pos_o,
        wrist_quat_o=wrist_quat_o,
        fingers=fingers,
        contact_idx=np.zeros((g, 0), dtype=np.int64),
        energy=np.zeros(g),
        e_fc=nan.copy(),
        e_dis=nan.copy(),
        e_pen=nan.copy(),
        e_prior=nan.copy(),
        e_spen=nan.copy(),
        penetration=nan.copy(),
        valid=np.zeros(g, dtype=bool),
        meta={
            **meta,
            "squeeze_targets": targets.tolist(),
            "squeeze_torques": tau.tolist(),
            "fingers_touching": touched.sum(1).tolist(),
        },
    )
    # ---- hold test: the scene's servos hold the settled pose with the settled torques
    _validate(
        model,
        index,
        chain,
        gs,
        nthread,
        targets,
        seconds=cfg.hold_s,
        max_pos=cfg.max_pos,
        max_deg=cfg.max_deg,
        max_pen=cfg.max_pen,
    )
    # kinematic reference quality, as for the closing sampler: thumb + >= 2 fingers, shallow
    gs.meta["usable"] = (
        (gs.penetration <= cfg.max_pen) & touched[:, -1] & (touched[:, :-1].sum(1) >= 2)
    ).tolist()
    gs.meta["squeeze_torque_used"] = [cfg.squeeze_torque] * g
    deep = np.nonzero(np.asarray(gs.meta["hold_ok"], dtype=bool) & (gs.penetration > cfg.max_pen))[0]
    lower = [t for t in cfg.resqueeze_torques if 0 < t < cfg.squeeze_torque]
    if lower and len(deep):
        soft = copy.copy(cfg)
        soft.squeeze_torque, soft.resqueeze_torques = lower[0], tuple(lower[1:])
        again = squeeze_and_hold(
            model, index, chain, hand, frame, wrist[deep], fingers[deep], touched[deep], soft, nthread, meta,
            goal=None if goal is None else goal[deep], drive=None if drive is None else drive[deep],
        )  # fmt: skip
        _replace(gs, deep[again.valid], again.subset(again.valid))
    return gs


def _replace(gs: GraspSet, idx: np.ndarray, new: GraspSet) -> None:
    """Put ``new``'s grasps at positions ``idx`` of ``gs`` (arrays and per-grasp meta lists)."""
    for k in GraspSet.ARRAYS:
        getattr(gs, k)[idx] = getattr(new, k)
    for k, v in gs.meta.items():
        if isinstance(v, list) and len(v) == len(gs) and isinstance(new.meta.get(k), list):
            for i, x in zip(idx.tolist(), new.meta[k], strict=True):
                v[i] = x


def _settle(
    model,
    index,
    wrist: np.ndarray,
    fingers: np.ndarray,
    frame: HandFrame,
    cfg: WrapConfig,
    nthread: int | None,
    goal: np.ndarray | None = None,
    drive: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Close the fingers onto the free object in zero gravity with capped torques; one world per grasp.

    Each joint that flexes between the open and closed hand poses drives towards the closed pose
    with its torque capped at ``cfg.squeeze_torque * kp / max(kp)`` (stiffer joint classes push
    harder); the other finger joints hold the contact pose. The object is free, so after
    ``cfg.settle_s`` it rests where the hand's pushes cancel. ``goal``/``drive`` (G, F) replace the
    closed-hand target and the flexing joints per grasp (the pinch sampler's paths). Returns ``(qpos (G, nq), finger
    actuator torques (G, F))`` at the end.
    """
    f_act = np.asarray(index.actuator_ids[6:])
    w_act = np.asarray(index.actuator_ids[:6])
    kp = model.actuator_gainprm[f_act, 0]
    flex = np.sign(frame.closed - frame.opened) != 0
    cap = cfg.squeeze_torque * kp / kp.max()
    m = copy.copy(model)
    m.opt.gravity[:] = 0.0
    capped = flex if drive is None else flex | np.asarray(drive, dtype=bool).any(0)
    m.actuator_forcelimited[f_act[capped]] = 1
    m.actuator_forcerange[f_act[capped], 0] = -cap[capped]
    m.actuator_forcerange[f_act[capped], 1] = cap[capped]
    g = len(wrist)
    sim = new_batch(m, nsim=g, nthread=nthread or 0)
    qpos, qvel, ctrl = sim.bind("qpos"), sim.bind("qvel"), sim.bind("ctrl")
    force = sim.bind("actuator_force")
    sim.reset()
    q0 = np.tile(model.qpos0, (g, 1))
    q0[:, index.dof_qpos_adr[:6]] = wrist
    q0[:, index.dof_qpos_adr[6:]] = fingers
    q0[:, index.obj_qpos_adr[:3]] = VALIDATION_OBJECT_POS
    q0[:, index.obj_qpos_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
    qpos[:] = q0
    qvel[:] = 0.0
    ctrl[:, w_act] = wrist
    if goal is None:
        ctrl[:, f_act] = np.where(flex, frame.closed, fingers)
    else:
        assert drive is not None, "goal comes with drive"
        ctrl[:, f_act] = np.where(drive, goal, fingers)
    sim.forward()
    try:
        sim.step(nstep=int(round(cfg.settle_s / model.opt.timestep)), stage=mujoco.mjtStage.mjSTAGE_VEL)
    except SimulationError:
        pass  # a diverged world keeps a non-finite state and fails the hold test
    return np.nan_to_num(qpos.copy()), np.nan_to_num(force[:, f_act].copy())


def _wrist_in_object_frame(model, index, hand: HandModel, qpos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wrist position and quaternion (wxyz) in the object's frame, per state row."""
    d = mujoco.MjData(model)
    w, o = model.body(hand.wrist_body).id, index.object_body_id
    pos, quat = np.zeros((len(qpos), 3)), np.zeros((len(qpos), 4))
    for i, q in enumerate(qpos):
        d.qpos[:] = q
        mujoco.mj_kinematics(model, d)
        r_o = d.xmat[o].reshape(3, 3)
        pos[i] = r_o.T @ (d.xpos[w] - d.xpos[o])
        quat[i] = quat_from_matrix(torch.as_tensor(r_o.T @ d.xmat[w].reshape(3, 3))).numpy()
    return pos, quat


def _empty(hand, obj, scale, seed, cfg, method: str = "wrap") -> GraspSet:
    z = np.zeros(0)
    return GraspSet(
        wrist_pos_o=np.zeros((0, 3)),
        wrist_quat_o=np.zeros((0, 4)),
        fingers=np.zeros((0, len(hand.finger_dof_names))),
        contact_idx=np.zeros((0, 0), dtype=np.int64),
        energy=z,
        e_fc=z,
        e_dis=z,
        e_pen=z,
        e_prior=z,
        e_spen=z,
        penetration=z,
        valid=np.zeros(0, dtype=bool),
        meta=_meta(hand, obj, scale, seed, cfg, method),
    )


def _meta(hand, obj, scale, seed, cfg, method: str = "wrap") -> dict:
    return {
        "hand": hand.name,
        "object": obj.name,
        "scale": scale,
        "seed": seed,
        "method": method,
        "config": cfg.as_dict(),
    }
