"""Tiny fixtures for the datagen tests: a 2-finger hand following the HandModel contract.

The hand: world body ``hand_base`` at (0, 0, 0.5); body ``palm`` carrying the six virtual-wrist
joints (slides x, y, z then hinges x, y, z, all anchored at the body origin) with a box palm
offset along -z; two fingers (proximal + distal capsule each) closing towards each other along
+-x under the palm. Small enough that grasp optimisation and validation run in seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import mujoco

from hot.assets.hands.base import BASE_POS, HAND_CONAFFINITY, HAND_CONTYPE, WRIST_DOF_NAMES, HandModel

FINGER_DOFS = ("f1_j1", "f1_j2", "f2_j1", "f2_j2")


def _build(**_: object) -> mujoco.MjSpec:
    spec = mujoco.MjSpec()
    spec.compiler.degree = False
    spec.option.timestep = 0.005
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    spec.option.impratio = 10
    base = spec.worldbody.add_body(name="hand_base", pos=list(BASE_POS))
    palm = base.add_body(name="palm", gravcomp=1)
    for i, axis in enumerate(([1, 0, 0], [0, 1, 0], [0, 0, 1])):
        palm.add_joint(name=WRIST_DOF_NAMES[i], type=mujoco.mjtJoint.mjJNT_SLIDE, axis=axis, range=[-2, 2])
    for i, axis in enumerate(([1, 0, 0], [0, 1, 0], [0, 0, 1])):
        palm.add_joint(
            name=WRIST_DOF_NAMES[3 + i],
            type=mujoco.mjtJoint.mjJNT_HINGE,
            axis=axis,
            range=[-2 * math.pi, 2 * math.pi],
        )
    palm.add_geom(
        name="palm_geom",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[0.045, 0.03, 0.01],
        pos=[0, 0, -0.02],
        contype=HAND_CONTYPE,
        conaffinity=HAND_CONAFFINITY,
        mass=0.2,
    )
    for k, sx in ((1, 1.0), (2, -1.0)):
        prox = palm.add_body(name=f"f{k}_prox", pos=[0.035 * sx, 0, -0.03], gravcomp=1)
        prox.add_joint(name=f"f{k}_j1", type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, sx, 0], range=[-0.3, 1.6])
        prox.add_geom(
            type=mujoco.mjtGeom.mjGEOM_CAPSULE,
            fromto=[0, 0, 0, 0, 0, -0.04],
            size=[0.009, 0, 0],
            contype=HAND_CONTYPE,
            conaffinity=HAND_CONAFFINITY,
            mass=0.03,
        )
        dist = prox.add_body(name=f"f{k}_dist", pos=[0, 0, -0.04], gravcomp=1)
        dist.add_joint(name=f"f{k}_j2", type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, sx, 0], range=[-0.2, 1.6])
        dist.add_geom(
            type=mujoco.mjtGeom.mjGEOM_CAPSULE,
            fromto=[0, 0, 0, 0, 0, -0.035],
            size=[0.008, 0, 0],
            contype=HAND_CONTYPE,
            conaffinity=HAND_CONAFFINITY,
            mass=0.02,
        )
        dist.add_site(name=f"f{k}_tip", pos=[0, 0, -0.035])
    for name, lo, hi in (
        [(n, -2.0, 2.0) for n in WRIST_DOF_NAMES[:3]]
        + [(n, -2 * math.pi, 2 * math.pi) for n in WRIST_DOF_NAMES[3:]]
        + [("f1_j1", -0.3, 1.6), ("f1_j2", -0.2, 1.6), ("f2_j1", -0.3, 1.6), ("f2_j2", -0.2, 1.6)]
    ):
        kp = 2000.0 if name.startswith("wrist_t") else (500.0 if name.startswith("wrist") else 10.0)
        act = spec.add_actuator(name=f"act_{name}", target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=kp, kv=0.1 * math.sqrt(kp))
        act.ctrlrange = [lo, hi]
        act.ctrllimited = 1
    return spec


def tiny_hand() -> HandModel:
    """The 2-finger test hand (D = 10)."""
    return HandModel(
        name="tiny",
        finger_dof_names=FINGER_DOFS,
        key_bodies=("f1_prox", "f1_dist", "f2_prox", "f2_dist", "palm"),
        contact_bodies=("f1_dist", "f2_dist"),
        fingertip_bodies=("f1_dist", "f2_dist"),
        builder=_build,
    )


@dataclass
class TinyObject:
    """Duck-typed ``ObjectAsset`` (what ``hot.sim.scene`` and ``hot.datagen`` read)."""

    name: str
    hull_paths: list
    mass: float = 0.05
    friction: float = 1.0
    damping: float = 0.01


def tiny_box(tmp_dir, half=(0.02, 0.02, 0.02), name: str = "Cube") -> TinyObject:
    """A box object with one hull file written under ``tmp_dir``."""
    import trimesh

    path = Path(tmp_dir) / f"{name.lower()}_hull.obj"
    trimesh.creation.box(extents=[2 * h for h in half]).export(path)
    return TinyObject(name=name, hull_paths=[path])
