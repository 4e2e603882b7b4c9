"""Procedural MANO-topology right hand (51 DoF) built with ``mujoco.MjSpec``.

Body tree below the virtual wrist (``wrist_rz_link``)::

    right_wrist (palm: box + knuckle capsule)
      right_index1_x -> right_index1_y -> right_index1_z (capsule) -> right_index2_x -> ... right_index3_z
      right_middle1_x ... / right_pinky1_x ... / right_ring1_x ... / right_thumb1_x ...

Each ``right_<f><s>_x/_y/_z`` body sits at the joint, with the hand frame's orientation, and holds
one hinge about its own x, y or z axis; the ``_z`` body carries the segment's capsule and mass.
Geometry, limits and gains are in :mod:`hot.assets.hands.mano.constants`.
"""

from __future__ import annotations

import mujoco
import numpy as np
from numpy.typing import ArrayLike

from hot.assets.hands.base import WRIST_DOF_NAMES
from hot.assets.hands.common import (
    add_position_actuators,
    apply_hand_conventions,
    new_hand_spec,
    set_inertial,
)
from hot.assets.hands.mano import constants as C

_MIN_SEGMENT = 0.005
_MAX_SEGMENT = 0.15


def segment_geometry(rest_pose: ArrayLike | None = None) -> dict[str, np.ndarray]:
    """Joint positions of the hand at rest, in the hand frame.

    Args:
        rest_pose: optional ``(21, 3)`` joint positions in :data:`constants.REST_POSE_ORDER`, in any
            frame and unit of metres. Only its **lengths** are used (wrist->joint1, joint1->joint2,
            joint2->joint3, joint3->tip per finger), so the frame it is written in does not matter;
            the directions stay the authored ones, which keeps the documented hinge axes
            (z = finger flexion) valid.

    Returns:
        ``{finger: (4, 3) array}``: joint 1, joint 2, joint 3 and fingertip positions, metres,
        relative to the wrist joint centre, in the hand frame.
    """
    lengths: dict[str, tuple[float, ...]] = {
        f: (float(np.linalg.norm(C.BASE_OFFSETS[f])), *C.SEGMENT_LENGTHS[f]) for f in C.FINGERS
    }
    if rest_pose is not None:
        rp = np.asarray(rest_pose, dtype=np.float64)
        if rp.shape != (21, 3) or not np.all(np.isfinite(rp)):
            raise ValueError(
                f"MANO rest_pose must be a finite (21, 3) array in order {C.REST_POSE_ORDER[:3]}..., "
                f"got shape {rp.shape}"
            )
        for i, f in enumerate(C.FINGERS):
            chain = np.concatenate([rp[:1], rp[1 + 4 * i : 5 + 4 * i]], axis=0)
            seg = np.linalg.norm(np.diff(chain, axis=0), axis=1)
            bad = (seg < _MIN_SEGMENT) | (seg > _MAX_SEGMENT)
            if np.any(bad):
                raise ValueError(
                    f"MANO rest_pose: finger {f!r} has segment lengths {np.round(seg, 4).tolist()} m; each "
                    f"must be in [{_MIN_SEGMENT}, {_MAX_SEGMENT}] m (is it in metres and in "
                    f"REST_POSE_ORDER?)"
                )
            lengths[f] = tuple(float(x) for x in seg)
    out = {}
    for f in C.FINGERS:
        base = np.asarray(C.BASE_OFFSETS[f], dtype=np.float64)
        base = base / np.linalg.norm(base) * lengths[f][0]
        d = np.asarray(C.FINGER_DIRECTIONS[f], dtype=np.float64)
        d = d / np.linalg.norm(d)
        pts = [base]
        for length in lengths[f][1:]:
            pts.append(pts[-1] + d * length)
        out[f] = np.stack(pts)
    return out


def build_spec(rest_pose: ArrayLike | None = None) -> mujoco.MjSpec:
    """A fresh ``MjSpec`` with the MANO-topology right hand on the virtual wrist.

    Args:
        rest_pose: optional ``(21, 3)`` rest-pose joint positions (see :func:`segment_geometry`)
            that rescale the segment lengths, e.g. from a user's own MANO model at run time.

    Returns:
        An uncompiled spec: 51 joints (6 wrist + 45 finger hinges) and 51 actuators in DoF order.
    """
    geo = segment_geometry(rest_pose)
    spec, wrist_link = new_hand_spec("mano_right")

    palm = wrist_link.add_body(name=C.PALM_BODY)
    _add_palm(palm, geo)

    gains = {dof: C.WRIST_GAINS for dof in WRIST_DOF_NAMES}
    for f in C.FINGERS:
        pts = geo[f]
        parent, parent_pos = palm, np.zeros(3)
        for s in C.SEGMENTS:
            joint_pos = pts[s - 1]
            rel = joint_pos - parent_pos
            limits = C.joint_limits(f, s)
            for k, axis in enumerate(C.AXES):
                name = f"{C.segment_name(f, s)}_{axis}"
                body = parent.add_body(name=name, pos=rel.tolist() if k == 0 else [0.0, 0.0, 0.0])
                ax = [0.0, 0.0, 0.0]
                ax[k] = 1.0
                body.add_joint(
                    name=name,
                    type=mujoco.mjtJoint.mjJNT_HINGE,
                    axis=ax,
                    range=list(limits[k]),
                    limited=mujoco.mjtLimited.mjLIMITED_TRUE,
                    armature=C.JOINT_ARMATURE,
                    frictionloss=C.FRICTIONLOSS,
                )
                gains[name] = C.SEGMENT_GAINS[s]
                if axis != "z":
                    set_inertial(body, C.DUMMY_MASS, C.DUMMY_INERTIA)
                parent = body
            _add_segment_geom(parent, f, s, pts[s] - joint_pos)
            parent_pos = joint_pos
        parent.add_site(name=f"{C.PREFIX}{f}_tip", pos=(pts[3] - pts[2]).tolist(), size=[0.003, 0, 0])

    dof_names = WRIST_DOF_NAMES + C.FINGER_DOF_NAMES
    add_position_actuators(spec, dof_names, gains)
    apply_hand_conventions(spec)
    return spec


def _add_segment_geom(body: mujoco.MjsBody, finger: str, seg: int, to_next: np.ndarray) -> None:
    """Capsule from the joint to the next joint; the distal one ends flush with the fingertip."""
    r = C.SEGMENT_RADII[finger][seg - 1]
    length = float(np.linalg.norm(to_next))
    d = to_next / length
    end = to_next - d * r if seg == 3 else to_next
    mass = (C.THUMB_MASSES if finger == "thumb" else C.SEGMENT_MASSES)[seg - 1]
    body.add_geom(
        name=f"{C.segment_name(finger, seg)}_capsule",
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        fromto=[0.0, 0.0, 0.0, *end.tolist()],
        size=[r, 0.0, 0.0],
        mass=mass,
        rgba=[0.87, 0.72, 0.6, 1.0],
    )


def _add_palm(palm: mujoco.MjsBody, geo: dict[str, np.ndarray]) -> None:
    """Palm box from the wrist to the knuckles, plus a capsule along the knuckle line."""
    mcp = np.stack([geo[f][0] for f in ("index", "middle", "pinky", "ring")])
    x_far = float(mcp[:, 0].min()) + 0.010  # stop ~1 cm short of the knuckles; the capsule covers them
    z_lo, z_hi = float(mcp[:, 2].min()), float(mcp[:, 2].max())
    half = [abs(x_far) / 2.0, C.PALM_HALF_THICKNESS, (z_hi - z_lo) / 2.0 + 0.004]
    center = [x_far / 2.0, 0.0, (z_hi + z_lo) / 2.0]
    skin = [0.87, 0.72, 0.6, 1.0]
    palm.add_geom(
        name="right_palm_box",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=half,
        pos=center,
        mass=C.PALM_MASS * 0.8,
        rgba=skin,
    )
    knuckle_from = geo["index"][0] + np.array([0.008, 0.0, 0.0])
    knuckle_to = geo["pinky"][0] + np.array([0.008, 0.0, 0.0])
    palm.add_geom(
        name="right_palm_knuckles",
        type=mujoco.mjtGeom.mjGEOM_CAPSULE,
        fromto=[*knuckle_from.tolist(), *knuckle_to.tolist()],
        size=[C.PALM_HALF_THICKNESS, 0.0, 0.0],
        mass=C.PALM_MASS * 0.2,
        rgba=skin,
    )
