"""The Allegro in-hand scene as one ``mujoco.MjSpec``: a fixed palm-up hand, a free primitive object, a floor.

Unlike the tracking scene (``hot.sim.scene``) the hand has no virtual wrist: HORA's hand is bolted down,
palm up, and only its 16 finger joints move. The vendored Menagerie Allegro is loaded and stripped with
``hot.assets.hands.menagerie.load_menagerie_hand`` (same asset, same fused fingertips); collision bits
follow the tracking scene (``hot.sim.scene``): the hand touches only the object, the object touches the
hand and the floor.

Frames: the palm frame's +x (the side the fingers close toward) points up (world +z), the fingers (palm
+z) point along world +x, the thumb sits on world -y. Joint actuators are MuJoCo position servos with
HORA's PD gains and torque limit, so the PD torque kp (q* - q) - kd qdot is integrated implicitly
every physics step (HORA ran the same PD law in Python at 120 Hz).

Sensors (looked up by name): ``touch:<tip>`` (4) = number of contacts between fingertip link ``<tip>``
and the object (acceleration stage: one physics substep old after ``Batch.step(stage=VEL)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from hot.assets.hands.allegro import constants as allegro
from hot.assets.hands.base import HAND_CONAFFINITY, HAND_CONTYPE
from hot.assets.hands.menagerie import load_menagerie_hand
from hot.sim.scene import (
    OBJECT_CONAFFINITY,
    OBJECT_CONTYPE,
    STATIC_CONAFFINITY,
    STATIC_CONTYPE,
    SceneOptions,
    apply_options,
)
from hot.tasks.inhand import constants as C
from hot.tasks.inhand.config import InhandEnvCfg

__all__ = ["PALM_QUAT", "InhandIndex", "build_inhand_spec", "compile_inhand", "object_inertia"]

PALM_QUAT = (0.0, np.sqrt(0.5), 0.0, np.sqrt(0.5))
"""wxyz: palm x -> world z (palm up), palm z -> world x (fingers), palm y -> world -y."""
_CONDATA_FOUND = 1 << int(mujoco.mjtConDataField.mjCONDATA_FOUND)
_REDUCE_NONE = 0
_COM_EPS = 1e-6
"""A centred object compiles with ``body_sameframe`` = body, and MuJoCo would then ignore a per-world
``body_ipos`` (centre-of-mass randomisation). A 1 micron offset keeps the centre of mass a separate frame."""


def object_inertia(shape: str, size: np.ndarray, mass: float) -> np.ndarray:
    """Diagonal inertia (3,) of a solid cylinder (size = [radius, half-height]) or box (size = half extents)."""
    if shape == "cylinder":
        r, h = float(size[0]), 2.0 * float(size[1])
        ixx = mass * (3.0 * r * r + h * h) / 12.0
        return np.array([ixx, ixx, 0.5 * mass * r * r])
    a, b, c = (2.0 * float(x) for x in size[:3])
    return mass / 12.0 * np.array([b * b + c * c, a * a + c * c, a * a + b * b])


def _object_size(cfg: InhandEnvCfg, scale: float) -> tuple[int, list[float]]:
    o = cfg.object
    if o.shape == "cylinder":
        return mujoco.mjtGeom.mjGEOM_CYLINDER, [o.radius * scale, o.half_height * scale, 0.0]
    return mujoco.mjtGeom.mjGEOM_BOX, [o.half_size * scale] * 3


def scene_options(cfg: InhandEnvCfg) -> SceneOptions:
    """The in-hand physics settings (``cfg.physics``) as the simulator layer's one options type."""
    ph = cfg.physics
    return SceneOptions(
        timestep=ph.timestep,
        iterations=ph.iterations,
        ls_iterations=ph.ls_iterations,
        impratio=ph.impratio,
        noslip_iterations=ph.noslip_iterations,
        object_torsional_friction=ph.torsional_friction,
        damping_armature=False,
        # the in-hand task models its joints' dry friction (cfg.control.frictionloss) on purpose, and its
        # figures were measured with MuJoCo's automatic Jacobian choice
        joint_frictionloss=True,
        jacobian="auto",
    )


def build_inhand_spec(cfg: InhandEnvCfg, scale: float = 1.0) -> mujoco.MjSpec:
    """The scene for one object scale (a fresh spec, not compiled)."""
    if not scale > 0:
        raise ValueError(f"object scale must be > 0, got {scale}")
    spec = load_menagerie_hand(allegro.XML_PATH, fuse_jointless=True)
    spec.modelname = "allegro_inhand"
    ctl = cfg.control
    opts = scene_options(cfg)
    apply_options(spec, opts)

    palm = spec.body(C.PALM_BODY)
    palm.pos = list(cfg.hand_pos)
    palm.quat = list(PALM_QUAT)
    for body in [palm, *palm.find_all(mujoco.mjtObj.mjOBJ_BODY)]:
        body.gravcomp = 1.0
        for geom in body.geoms:
            if geom.contype == 0 and geom.conaffinity == 0:
                geom.group = 1
            else:
                geom.contype, geom.conaffinity = HAND_CONTYPE, HAND_CONAFFINITY
                geom.friction = [cfg.object.friction, opts.object_torsional_friction, 0.0001]
    for name in C.JOINT_NAMES:
        joint = spec.joint(name)
        if joint is None:
            raise ValueError(f"allegro in-hand scene: joint {name!r} missing from {allegro.XML_PATH}")
        joint.armature = ctl.armature
        joint.frictionloss = ctl.frictionloss
        joint.damping = [0.0, 0.0, 0.0]
        act = spec.add_actuator(name=f"act_{name}", target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=ctl.kp, kv=ctl.kd)
        act.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
        act.ctrlrange = list(joint.range)
        act.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
        act.forcerange = [-ctl.torque_limit, ctl.torque_limit]

    spec.worldbody.add_geom(
        name="floor",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[2.0, 2.0, 0.1],
        contype=STATIC_CONTYPE,
        conaffinity=STATIC_CONAFFINITY,
    )
    gtype, size = _object_size(cfg, scale)
    spawn = np.asarray(cfg.hand_pos) + np.asarray(cfg.object_offset)
    body = spec.worldbody.add_body(name=C.OBJECT_BODY, pos=spawn.tolist())
    body.add_freejoint(name=C.OBJECT_JOINT)
    body.explicitinertial = True
    body.mass = cfg.object.mass
    body.inertia = object_inertia(cfg.object.shape, np.asarray(size), cfg.object.mass).tolist()
    body.ipos = [0.0, 0.0, _COM_EPS]
    body.iquat = [1.0, 0.0, 0.0, 0.0]
    body.add_geom(
        name=C.OBJECT_GEOM,
        type=gtype,
        size=size,
        mass=0.0,
        contype=OBJECT_CONTYPE,
        conaffinity=OBJECT_CONAFFINITY,
        condim=4,
        friction=[cfg.object.friction, opts.object_torsional_friction, 0.0001],
        rgba=[0.9, 0.5, 0.1, 1.0],
    )
    for tip in C.FINGERTIP_BODIES:
        spec.add_sensor(
            name=C.tip_contact_sensor(tip),
            type=mujoco.mjtSensor.mjSENS_CONTACT,
            objtype=mujoco.mjtObj.mjOBJ_BODY,
            objname=tip,
            reftype=mujoco.mjtObj.mjOBJ_BODY,
            refname=C.OBJECT_BODY,
            intprm=[_CONDATA_FOUND, _REDUCE_NONE, 1],
        )
    return spec


@dataclass
class InhandIndex:
    """Addresses in a compiled in-hand scene, all looked up by name.

    Attributes:
        joint_qpos: (16,) qpos addresses of the finger joints (``C.JOINT_NAMES`` order).
        joint_qvel: (16,) qvel addresses.
        actuators: (16,) actuator ids (= ctrl indices).
        joint_limits: (16, 2) joint ranges (rad).
        obj_qpos: (7,) object freejoint qpos addresses (pos, quat wxyz).
        obj_qvel: (6,) object freejoint qvel addresses (linear world, angular body frame).
        obj_body: object body id.
        obj_geom: object geom id.
        tip_bodies: (4,) fingertip body ids.
        tip_touch: (4,) sensordata addresses of the ``touch:<tip>`` sensors.
        hand_geoms: ids of the hand's collision geoms (friction randomisation).
    """

    joint_qpos: np.ndarray
    joint_qvel: np.ndarray
    actuators: np.ndarray
    joint_limits: np.ndarray
    obj_qpos: np.ndarray
    obj_qvel: np.ndarray
    obj_body: int
    obj_geom: int
    tip_bodies: np.ndarray
    tip_touch: np.ndarray
    hand_geoms: np.ndarray


def _id(model: mujoco.MjModel, kind: mujoco.mjtObj, name: str) -> int:
    i = mujoco.mj_name2id(model, kind, name)
    if i < 0:
        raise ValueError(f"allegro in-hand scene: {kind.name} {name!r} not found")
    return int(i)


def index_inhand(model: mujoco.MjModel) -> InhandIndex:
    """Look up every address the env needs."""
    J = mujoco.mjtObj.mjOBJ_JOINT
    jids = np.array([_id(model, J, n) for n in C.JOINT_NAMES])
    acts = np.array([_id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, f"act_{n}") for n in C.JOINT_NAMES])
    oj = _id(model, J, C.OBJECT_JOINT)
    qa, va = int(model.jnt_qposadr[oj]), int(model.jnt_dofadr[oj])
    obj_body = _id(model, mujoco.mjtObj.mjOBJ_BODY, C.OBJECT_BODY)
    touch = []
    for tip in C.FINGERTIP_BODIES:
        s = _id(model, mujoco.mjtObj.mjOBJ_SENSOR, C.tip_contact_sensor(tip))
        touch.append(int(model.sensor_adr[s]))
    hand_geoms = np.flatnonzero((model.geom_contype == HAND_CONTYPE) & (model.geom_bodyid != obj_body))
    return InhandIndex(
        joint_qpos=model.jnt_qposadr[jids].astype(np.int64),
        joint_qvel=model.jnt_dofadr[jids].astype(np.int64),
        actuators=acts.astype(np.int64),
        joint_limits=model.jnt_range[jids].copy(),
        obj_qpos=np.arange(qa, qa + 7),
        obj_qvel=np.arange(va, va + 6),
        obj_body=obj_body,
        obj_geom=_id(model, mujoco.mjtObj.mjOBJ_GEOM, C.OBJECT_GEOM),
        tip_bodies=np.array([_id(model, mujoco.mjtObj.mjOBJ_BODY, t) for t in C.FINGERTIP_BODIES]),
        tip_touch=np.array(touch, dtype=np.int64),
        hand_geoms=hand_geoms.astype(np.int64),
    )


def compile_inhand(cfg: InhandEnvCfg, scale: float = 1.0) -> tuple[mujoco.MjModel, InhandIndex]:
    """Compile :func:`build_inhand_spec` and index it; errors name the scale."""
    try:
        model = build_inhand_spec(cfg, scale).compile()
    except ValueError as exc:
        raise ValueError(f"allegro in-hand scene at object scale {scale:g} failed to compile: {exc}") from exc
    return model, index_inhand(model)
