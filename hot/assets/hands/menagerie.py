"""Mount a vendored MuJoCo Menagerie hand (from ``hot/data/assets/mjcf``) on the virtual wrist.

All edits are MjSpec post-processing at build time; the vendored XML and meshes stay untouched
(see each hand's ``NOTICE_HOT.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import mujoco

from hot.assets.hands.base import WRIST_DOF_NAMES
from hot.assets.hands.common import (
    HAND_BASE_BODY,
    Gains,
    absolutize_mesh_paths,
    add_position_actuators,
    apply_hand_conventions,
    delete_unused_meshes,
    new_hand_spec,
)


def load_menagerie_hand(xml_path: Path, fuse_jointless: bool = False) -> mujoco.MjSpec:
    """Load a vendored hand and strip what HOT replaces.

    Removes the freejoint(s), keyframes, contact excludes/pairs, equalities, tendons (Shadow's J1/J2
    couplings) and all native actuators and sensors; mesh paths become absolute so the hand can be
    attached to another spec.

    Args:
        xml_path: the vendored ``right_hand.xml``.
        fuse_jointless: fuse bodies without joints (e.g. Allegro's ``*_tip``) into their parents
            first, so their geoms (and contact forces) belong to the link that moves them.
    """
    if not xml_path.is_file():
        raise FileNotFoundError(f"vendored hand MJCF {xml_path} is missing (see hot/data/assets/mjcf)")
    spec = mujoco.MjSpec.from_file(str(xml_path))
    if fuse_jointless:
        spec.fuse_static()  # before the freejoint goes, else the root body would be fused into world
    for j in list(spec.joints):
        if j.type == mujoco.mjtJoint.mjJNT_FREE:
            spec.delete(j)
    for seq in (spec.keys, spec.excludes, spec.pairs, spec.equalities, spec.actuators, spec.sensors):
        for el in list(seq):
            spec.delete(el)
    for t in list(spec.tendons):
        spec.delete(t)
    absolutize_mesh_paths(spec, xml_path)
    # Options belong to HOT's scene: undo the menagerie's (elliptic cone, impratio 10).
    spec.option.impratio = 1.0
    spec.option.cone = mujoco.mjtCone.mjCONE_PYRAMIDAL
    return spec


def mount_hand(
    model_name: str,
    hand: mujoco.MjSpec,
    palm_body: str,
    finger_dof_names: Sequence[str],
    gains: Mapping[str, Gains],
    wrist_gains: Gains,
    drop_joints: Sequence[str] = (),
) -> mujoco.MjSpec:
    """Mount ``hand``'s ``palm_body`` subtree at identity pose under the virtual wrist (in place).

    Bodies above the palm (Shadow's forearm and wrist) are left behind. ``drop_joints`` (joints
    inside the subtree, e.g. Shadow's ``rh_WRJ1`` on the palm) are deleted, which locks them at 0.

    Returns:
        ``hand`` itself, now with the 6 wrist + finger joints, ``act_<dof>`` actuators and the contract's
        gravcomp / collision conventions applied.
    """
    palm = hand.body(palm_body)
    if palm is None:
        raise ValueError(f"{model_name}: no body {palm_body!r} in the vendored hand")
    for name in drop_joints:
        joint = hand.joint(name)
        if joint is None:
            raise ValueError(f"{model_name}: no joint {name!r} to drop in the vendored hand")
        hand.delete(joint)
    spec, wrist_link = new_hand_spec(model_name, hand)
    # Move (copy, then delete the original tree) the palm subtree under the wrist chain. Doing it
    # inside one spec keeps the menagerie names without an empty-prefix attach.
    spec.copy_during_attach = True
    mounted = wrist_link.add_frame().attach_body(palm, "", "")
    spec.copy_during_attach = False
    mounted.pos = [0.0, 0.0, 0.0]
    mounted.quat = [1.0, 0.0, 0.0, 0.0]
    for body in list(spec.worldbody.bodies):
        if body.name != HAND_BASE_BODY:
            spec.delete(body)  # the original tree (Shadow: forearm -> wrist -> palm)
    delete_unused_meshes(spec)
    all_gains = {dof: wrist_gains for dof in WRIST_DOF_NAMES} | dict(gains)
    add_position_actuators(spec, WRIST_DOF_NAMES + tuple(finger_dof_names), all_gains)
    apply_hand_conventions(spec)
    return spec
