"""Shared helpers for the motion tests: synthetic clips and a tiny hand.

The tiny hand (D = 10, K = 5) follows :mod:`hot.assets.hands.base`: ``hand_base`` at BASE_POS,
the wrist slides then hinges on nested dummy bodies (pivot at the slid origin), a palm, and two
planar 2-link fingers. Its geometry is simple enough to write the FK by hand in the tests.
"""

from __future__ import annotations

import math

import mujoco
import torch

from hot.assets.hands.base import BASE_POS, HAND_CONAFFINITY, HAND_CONTYPE, WRIST_DOF_NAMES, HandModel
from hot.motion.schema import MotionClip
from hot.utils.rotations import quat_normalize

PALM_OFFSET = (0.0, 0.0, -0.03)  # palm body relative to the wrist pivot
FINGER_ROOTS = {"a": (0.02, 0.0, -0.05), "b": (-0.02, 0.0, -0.05)}  # proximal body in the palm frame
LINK = 0.04  # proximal -> distal offset along -z of the proximal frame
FINGER_DOFS = ("a_j1", "a_j2", "b_j1", "b_j2")
KEY_BODIES = ("a_prox", "a_dist", "b_prox", "b_dist", "palm")


def _build_tiny_spec(**_: object) -> mujoco.MjSpec:
    spec = mujoco.MjSpec()
    parent = spec.worldbody.add_body(name="hand_base", pos=list(BASE_POS))
    for i, dof in enumerate(WRIST_DOF_NAMES):
        body = parent.add_body(name=f"{dof}_link", mass=0.01, inertia=[1e-4] * 3, gravcomp=1.0)
        body.explicitinertial = True
        axis = [0.0, 0.0, 0.0]
        axis[i % 3] = 1.0
        jtype = mujoco.mjtJoint.mjJNT_SLIDE if i < 3 else mujoco.mjtJoint.mjJNT_HINGE
        lim = 2.0 if i < 3 else 2 * math.pi
        body.add_joint(name=dof, type=jtype, axis=axis, range=[-lim, lim])
        parent = body
    palm = parent.add_body(name="palm", pos=list(PALM_OFFSET), gravcomp=1.0)
    palm.add_geom(
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[0.03, 0.01, 0.03],
        contype=HAND_CONTYPE,
        conaffinity=HAND_CONAFFINITY,
    )
    for f, root in FINGER_ROOTS.items():
        prox = palm.add_body(name=f"{f}_prox", pos=list(root), gravcomp=1.0)
        prox.add_joint(name=f"{f}_j1", type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, 1, 0], range=[-1.5, 1.5])
        prox.add_geom(
            type=mujoco.mjtGeom.mjGEOM_CAPSULE,
            fromto=[0, 0, 0, 0, 0, -LINK],
            size=[0.008, 0, 0],
            contype=HAND_CONTYPE,
            conaffinity=HAND_CONAFFINITY,
        )
        dist = prox.add_body(name=f"{f}_dist", pos=[0, 0, -LINK], gravcomp=1.0)
        dist.add_joint(name=f"{f}_j2", type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, 1, 0], range=[-1.5, 1.5])
        dist.add_geom(
            type=mujoco.mjtGeom.mjGEOM_CAPSULE,
            fromto=[0, 0, 0, 0, 0, -0.03],
            size=[0.007, 0, 0],
            contype=HAND_CONTYPE,
            conaffinity=HAND_CONAFFINITY,
        )
    for dof in WRIST_DOF_NAMES + FINGER_DOFS:
        act = spec.add_actuator(name=f"act_{dof}", target=dof, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=10.0, kv=1.0)
    return spec


def tiny_hand() -> HandModel:
    return HandModel(
        name="tiny_motion",
        finger_dof_names=FINGER_DOFS,
        key_bodies=KEY_BODIES,
        contact_bodies=("a_dist", "b_dist"),
        fingertip_bodies=("a_dist", "b_dist"),
        builder=_build_tiny_spec,
    )


def random_unit_quats(n: int, gen: torch.Generator) -> torch.Tensor:
    return quat_normalize(torch.randn(n, 4, generator=gen))


def make_clip(
    num_frames: int = 10,
    num_fingers: int = 4,
    num_key_bodies: int = 5,
    seed: int = 0,
    with_obj_vel: bool = True,
) -> MotionClip:
    """A random but valid clip (wxyz unit quaternions, contacts in {-1, 0, 1})."""
    g = torch.Generator().manual_seed(seed)
    t = num_frames
    return MotionClip(
        root_pos=torch.tensor(BASE_POS).repeat(t, 1),
        root_rot=random_unit_quats(t, g),
        wrist_dof=0.1 * torch.randn(t, 6, generator=g),
        fingers_dof=torch.randn(t, num_fingers, generator=g),
        body_pos=torch.randn(t, num_key_bodies, 3, generator=g),
        obj_pos=torch.randn(t, 3, generator=g),
        obj_rot=random_unit_quats(t, g),
        obj_pos_vel=torch.randn(t, 3, generator=g) if with_obj_vel else None,
        contact1=torch.randint(-1, 2, (t,), generator=g).float(),
        contact2=torch.zeros(t),
    )
