"""Grasps by kinematic approach-and-close (``--grasp_method closing``; the default is ``wrap.py``).

Its grasps are clean contact poses but do not pass the hold test (docs/dev/GRASPS.md); the wrap
sampler, which squeezes in physics, reuses its hand frame, sweep and hold test:

1. **Hand frame.** From forward kinematics of the open hand, the finger direction (wrist origin →
   mean fingertip) and the palm normal (the way fingertips move when the fingers flex) are
   derived per hand, so MANO, Shadow and Allegro share the code.
2. **Closed pose.** Flexion joints (range upper limit ≥ 1 rad) close to 90 % of their upper
   limit; other joints stay at 0. Thumb joints are chosen on a small grid so the thumb tip comes
   closest to a point in front of the palm (opposition).
3. **Approach.** For a random direction around the object and a random roll, the open hand
   faces the object centre along its palm normal and slides towards it until any hand geom
   touches the object, then backs off 3 mm.
4. **Kinematic closing.** Each finger sweeps from open to closed; it stops at the first frame
   where one of its geoms touches the object. A small extra flexion (``squeeze``, rad) is added so
   the PD controllers press on the object when the grasp is replayed.
5. **Validation** (as the issue asks): fingers PD-held at the grasp with the scene's own gains,
   gravity along each of ±x, ±y, ±z for 1 s; the object must stay within 2 cm and 15° of its start
   relative to the hand, and hand–object penetration at the grasp must be ≤ 2 mm.
"""

from __future__ import annotations

import itertools

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.datagen.grasp import GRAVITY_DIRS, VALIDATION_OBJECT_POS, GraspSet
from hot.datagen.ik import WristChain, wrist_ik
from hot.sim.scene import HAND_OBJ_DIST, SceneOptions, compile_scene
from hot.sim.worlds import SimulationError, new_batch
from hot.utils.rotations import quat_conj, quat_from_matrix, quat_mul, quat_rotate_inv

__all__ = ["HandFrame", "hand_frame", "generate_closing_grasps"]


class HandFrame:
    """Palm geometry of a hand in its wrist frame (derived from forward kinematics)."""

    def __init__(
        self,
        finger_dir: np.ndarray,
        palm_normal: np.ndarray,
        palm_center: np.ndarray,
        closed: np.ndarray,
        opened: np.ndarray,
    ):
        self.opened = opened
        self.finger_dir = finger_dir
        self.palm_normal = palm_normal
        self.palm_center = palm_center
        self.closed = closed


def _finger_groups(model: mujoco.MjModel, hand: HandModel) -> list[list[int]]:
    """Finger DoF indices (into finger_dof_names) grouped by the fingertip whose subtree holds them."""
    tips = [model.body(b).id for b in hand.fingertip_bodies]
    groups: list[list[int]] = [[] for _ in tips]
    for i, name in enumerate(hand.finger_dof_names):
        body = model.jnt_bodyid[model.joint(name).id]
        for k, t in enumerate(tips):
            b = t
            while b > 0:
                if b == body:
                    groups[k].append(i)
                    break
                b = model.body_parentid[b]
    return groups


def finger_geom_owner(model: mujoco.MjModel, hand: HandModel) -> dict[int, int]:
    """Hand collision geom -> index of the finger (``hand.fingertip_bodies`` order) whose chain holds
    it, or -1 for palm / wrist geoms."""
    tips = [model.body(b).id for b in hand.fingertip_bodies]
    owner = {}
    for g in range(model.ngeom):
        if model.geom_contype[g] != 2:
            continue
        b = int(model.geom_bodyid[g])
        owner[g] = -1
        for k, t in enumerate(tips):
            # a geom belongs to finger k if its body is an ancestor-or-self of the fingertip
            x = t
            while x > 0 and x != b:
                x = int(model.body_parentid[x])
            if x == b:
                owner[g] = k
                break
    return owner


def _tip_points(model: mujoco.MjModel, data: mujoco.MjData, hand: HandModel) -> np.ndarray:
    """A point near the end of each fingertip: the centre of its farthest collision geom."""
    pts = []
    for b in hand.fingertip_bodies:
        bid = model.body(b).id
        geoms = [g for g in range(model.ngeom) if model.geom_bodyid[g] == bid and model.geom_contype[g]]
        pts.append(data.geom_xpos[geoms].mean(0) if geoms else data.xpos[bid])
    return np.array(pts)


def hand_frame(hand: HandModel) -> HandFrame:
    model = hand.build_spec().compile()
    data = mujoco.MjData(model)
    w = model.body(hand.wrist_body).id
    fq = np.array([model.jnt_qposadr[model.joint(n).id] for n in hand.finger_dof_names])
    rng = np.array([model.jnt_range[model.joint(n).id] for n in hand.finger_dof_names])

    def tips_local(q: np.ndarray) -> np.ndarray:
        data.qpos[:] = 0.0
        data.qpos[fq] = q
        mujoco.mj_kinematics(model, data)
        r = data.xmat[w].reshape(3, 3)
        return (_tip_points(model, data, hand) - data.xpos[w]) @ r

    open_q = np.clip(np.zeros(len(fq)), rng[:, 0], rng[:, 1])
    flex = rng[:, 1] >= 1.0
    closed = np.where(flex, 0.9 * rng[:, 1], open_q)
    t_open, t_closed = tips_local(open_q), tips_local(closed)
    finger_dir = t_open[:-1].mean(0)
    finger_dir /= np.linalg.norm(finger_dir)
    n = (t_closed[:-1] - t_open[:-1]).mean(0)
    n -= finger_dir * (n @ finger_dir)
    n /= np.linalg.norm(n)
    # knuckle line: first bodies of the non-thumb fingers ≈ mean of their tips pulled back
    palm_center = 0.45 * t_open[:-1].mean(0)
    target = palm_center + 0.045 * n
    # thumb: grid over its joints for opposition
    groups = _finger_groups(model, hand)
    thumb = groups[-1]
    choices = []
    for i in thumb:
        lo, hi = rng[i]
        choices.append(sorted({float(np.clip(v, lo, hi)) for v in (0.8 * lo, 0.0, 0.4 * hi, 0.8 * hi)}))
    best, best_d = closed[thumb], np.inf
    combos = list(itertools.product(*choices))
    if len(combos) > 20000:
        combos = [combos[i] for i in np.random.default_rng(0).choice(len(combos), 20000, replace=False)]
    q = closed.copy()
    for c in combos:
        q[thumb] = c
        d = np.linalg.norm(tips_local(q)[-1] - target)
        if d < best_d:
            best, best_d = np.array(c), d
    closed[thumb] = best
    # open thumb: the grid pose that takes the tip farthest behind the palm plane, out of the way
    # of the approach (a MANO thumb at rest sticks out in front of the palm)
    opened = np.clip(np.zeros(len(fq)), rng[:, 0], rng[:, 1])
    best_o, best_h = opened[thumb], np.inf
    q = opened.copy()
    for c in combos:
        q[thumb] = c
        h = float(tips_local(q)[-1] @ n)
        if h < best_h:
            best_o, best_h = np.array(c), h
    opened[thumb] = best_o
    return HandFrame(finger_dir, n, palm_center, closed, opened)


def _rot_from_axes(normal_w: np.ndarray, finger_w: np.ndarray, frame: HandFrame) -> np.ndarray:
    """Rotation R (wrist→world) with R·palm_normal = normal_w and R·finger_dir = finger_w."""
    a = np.stack([frame.palm_normal, frame.finger_dir, np.cross(frame.palm_normal, frame.finger_dir)], 1)
    b = np.stack([normal_w, finger_w, np.cross(normal_w, finger_w)], 1)
    return b @ a.T


def sweep_close(
    set_pose,
    wd: np.ndarray,
    q_start: np.ndarray,
    q_goal: np.ndarray,
    groups: list[list[int]],
    which,
    steps: int,
    contact_depth: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Close the fingers ``which`` (indices into ``groups``) from ``q_start`` towards ``q_goal``.

    Each finger sweeps along its straight joint-space path and stops, by bisection, at the first
    closure where one of its geoms is ``contact_depth`` inside the object (MuJoCo creates contacts
    only at negative distance, so a PD-held replay presses on the object). ``set_pose(wd, q)``
    returns ``(finger, geom, dist)`` for each hand-object contact. Returns the final finger angles
    and a bool per group: it touched.
    """
    q = q_start.copy()
    stopped = np.zeros(len(groups), dtype=bool)
    active = np.zeros(len(groups), dtype=bool)
    active[list(which)] = True
    for s in np.linspace(0.0, 1.0, steps + 1):
        for k in np.nonzero(active & ~stopped)[0]:
            gi = groups[k]
            q[gi] = q_start[gi] + s * (q_goal[gi] - q_start[gi])
        touching = {c[0] for c in set_pose(wd, q) if c[2] < 0.0 and c[0] >= 0}
        for k in touching:
            if active[k] and not stopped[k]:
                lo_s, hi_s = max(s - 1.0 / steps, 0.0), s
                gi = groups[k]
                for _ in range(7):
                    mid = 0.5 * (lo_s + hi_s)
                    q[gi] = q_start[gi] + mid * (q_goal[gi] - q_start[gi])
                    hit = any(c[0] == k and c[2] < -contact_depth for c in set_pose(wd, q))
                    lo_s, hi_s = (lo_s, mid) if hit else (mid, hi_s)
                q[gi] = q_start[gi] + hi_s * (q_goal[gi] - q_start[gi])
                stopped[k] = True
        if stopped[active].all():
            break
    return q, stopped


def generate_closing_grasps(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    num_candidates: int = 64,
    seed: int = 0,
    squeeze: float = 0.03,
    sweep_steps: int = 40,
    nthread: int | None = None,
    progress=None,
    contact_depth: float = 0.001,
    scene: SceneOptions | None = None,
) -> GraspSet:
    """Sample ``num_candidates`` approach-and-close grasps and validate them in MuJoCo (``scene``: the
    physics options, the project's defaults if None)."""
    rng = np.random.default_rng(seed)
    frame = hand_frame(hand)
    model, index = compile_scene(hand, obj, scale, scene)
    data = mujoco.MjData(model)
    chain = WristChain(model)
    f_adr = index.dof_qpos_adr[6:]
    w_adr = index.dof_qpos_adr[:6]
    obj_adr = index.obj_qpos_adr
    groups = _finger_groups(model, hand)
    obj_body = index.object_body_id
    obj_geoms = set(g for g in range(model.ngeom) if model.geom_bodyid[g] == obj_body)
    geom_group = finger_geom_owner(model, hand)
    radius = float(getattr(obj, "bounding_radius", 0.15)) * scale
    obj_pos = np.array(VALIDATION_OBJECT_POS)
    lim = np.array([model.jnt_range[model.joint(nm).id] for nm in hand.finger_dof_names])
    open_q = frame.opened.copy()

    def set_pose(wrist_dofs: np.ndarray, fingers: np.ndarray) -> list[tuple[int, int, float]]:
        data.qpos[:] = model.qpos0
        data.qpos[w_adr] = wrist_dofs
        data.qpos[f_adr] = fingers
        data.qpos[obj_adr[:3]] = obj_pos
        data.qpos[obj_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
        mujoco.mj_forward(model, data)
        out = []
        for c in data.contact[: data.ncon]:
            g1, g2 = int(c.geom1), int(c.geom2)
            if g1 in obj_geoms and g2 in geom_group:
                out.append((geom_group[g2], g2, float(c.dist)))
            elif g2 in obj_geoms and g1 in geom_group:
                out.append((geom_group[g1], g1, float(c.dist)))
        return out

    wrist_pos_o, wrist_quat_o, fingers_out, touched = [], [], [], []
    for _ in range(num_candidates):
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        perp = np.cross(d, rng.normal(size=3))
        perp /= np.linalg.norm(perp)
        r = _rot_from_axes(-d, perp, frame)
        q_w = quat_from_matrix(torch.as_tensor(r)).numpy()
        palm_off = r @ frame.palm_center
        # slide in along -d until the open hand touches the object, then back off 3 mm
        dist = radius + 0.08
        pos = None
        step = 0.004
        while dist > -0.02:
            wp = obj_pos + d * dist - palm_off
            ik = wrist_ik(
                chain, torch.as_tensor(wp)[None, None], torch.as_tensor(q_w)[None, None], refine=False
            )
            contacts = set_pose(ik.dofs[0, 0].numpy(), open_q)
            if any(c[2] < 0.0 for c in contacts):
                wp = obj_pos + d * (dist + 0.003) - palm_off
                pos = wp
                break
            dist -= step
        if pos is None:
            continue
        ik = wrist_ik(chain, torch.as_tensor(pos)[None, None], torch.as_tensor(q_w)[None, None], refine=False)
        wd = ik.dofs[0, 0].numpy()
        # kinematic closing, finger by finger in parallel
        q, touched_k = sweep_close(
            set_pose, wd, open_q, frame.closed, groups, range(len(groups)), sweep_steps, contact_depth
        )
        wrist_pos_o.append(pos - obj_pos)
        wrist_quat_o.append(q_w)
        fingers_out.append(q.copy())
        touched.append(touched_k)
        if progress:
            progress(1)
    g = len(fingers_out)
    nan = np.full(g, np.nan)
    gs = GraspSet(
        wrist_pos_o=np.array(wrist_pos_o).reshape(g, 3),
        wrist_quat_o=np.array(wrist_quat_o).reshape(g, 4),
        fingers=np.array(fingers_out).reshape(g, len(f_adr)),
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
            "hand": hand.name,
            "object": obj.name,
            "scale": scale,
            "seed": seed,
            "method": "closing",
            "squeeze": squeeze,
        },
    )
    if g:
        # PD targets squeeze each touching finger a little further (as DexGraspNet's validator does);
        # the stored grasp keeps the contact pose
        span = np.sign(frame.closed - open_q)
        squeezed = gs.fingers.copy()
        for k, gi in enumerate(groups):
            t = np.array(touched)[:, k]
            squeezed[np.ix_(t, np.asarray(gi))] += squeeze * span[gi]
        squeezed = np.clip(squeezed, lim[:, 0], lim[:, 1])
        gs.meta["squeeze_targets"] = squeezed.tolist()
        _validate(model, index, chain, gs, nthread, targets=squeezed)
        # usable as a kinematic reference: shallow penetration, thumb and >= 2 other fingers touching
        t = np.array(touched)
        gs.meta["usable"] = ((gs.penetration <= 0.002) & t[:, -1] & (t[:, :-1].sum(1) >= 2)).tolist()
        gs.meta["fingers_touching"] = t.sum(1).tolist()
        # energy (only orders grasps): penetration, minus a bonus per touching finger
        gs.energy = np.nan_to_num(gs.penetration, nan=1.0) - 1e-3 * t.sum(1)
    return gs


def _validate(
    model,
    index,
    chain,
    gs: GraspSet,
    nthread: int | None,
    targets: np.ndarray,
    seconds: float = 1.0,
    max_pos: float = 0.02,
    max_deg: float = 15.0,
    max_pen: float = 0.002,
) -> None:
    g = len(gs)
    nw = len(GRAVITY_DIRS)
    obj_pos = np.array(VALIDATION_OBJECT_POS)
    wp = torch.as_tensor(obj_pos + gs.wrist_pos_o)
    wq = torch.as_tensor(gs.wrist_quat_o)
    ik = wrist_ik(chain, wp[:, None], wq[:, None])
    wrist = ik.dofs[:, 0].numpy()
    hand_q = np.concatenate([wrist, gs.fingers], 1)
    sim = new_batch(model, nsim=g * nw, nthread=nthread or 0)
    grav = sim.expand("opt.gravity")
    grav[:] = np.tile(GRAVITY_DIRS * 9.81, (g, 1))
    qpos, qvel, ctrl = sim.bind("qpos"), sim.bind("qvel"), sim.bind("ctrl")
    sens = sim.bind("sensordata")
    xpos, xquat = sim.bind("xpos"), sim.bind("xquat")
    sim.reset()
    q0 = np.tile(model.qpos0, (g * nw, 1))
    q0[:, index.dof_qpos_adr] = np.repeat(hand_q, nw, axis=0)
    q0[:, index.obj_qpos_adr[:3]] = obj_pos
    q0[:, index.obj_qpos_adr[3:]] = [1.0, 0.0, 0.0, 0.0]
    qpos[:] = q0
    qvel[:] = 0.0
    ctrl[:, index.actuator_ids] = np.repeat(np.concatenate([wrist, targets], 1), nw, axis=0)
    sim.forward()
    dist_adr = index.sensor_adr[HAND_OBJ_DIST][0]
    pen = np.maximum(-sens[::nw, dist_adr], 0.0)
    w = (
        model.body(index.key_body_names[-1]).id
        if hasattr(index, "key_body_names")
        else index.key_body_ids[-1]
    )
    o = index.object_body_id

    def rel() -> tuple[np.ndarray, np.ndarray]:
        wq_ = torch.as_tensor(xquat[:, w].copy())
        p = quat_rotate_inv(wq_, torch.as_tensor(xpos[:, o] - xpos[:, w])).numpy()
        r = quat_mul(quat_conj(wq_), torch.as_tensor(xquat[:, o].copy())).numpy()
        return p, r

    p0, r0 = rel()
    steps = int(round(seconds / model.opt.timestep))
    try:
        sim.step(nstep=steps, stage=mujoco.mjtStage.mjSTAGE_VEL)
    except SimulationError:
        pass  # the failed worlds keep a non-finite or far-off state and fail the drift check below
    p1, r1 = rel()
    dp = np.linalg.norm(p1 - p0, axis=1)
    dot = np.abs((r0 * r1).sum(1)).clip(0, 1)
    dang = np.degrees(2 * np.arccos(dot))
    ok = (dp < max_pos) & (dang < max_deg) & np.isfinite(dp)
    gs.meta["hold_per_dir"] = ok.reshape(g, nw).tolist()
    ok = ok.reshape(g, nw).all(1)
    gs.meta["hold_ok"] = ok.tolist()
    gs.penetration = pen
    gs.valid = ok & (pen <= max_pen)
