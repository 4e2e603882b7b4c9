"""Shadow Hand E3M5 (28 DoF = 6 virtual wrist + 22 fingers) from the vendored Menagerie model."""

from __future__ import annotations

import mujoco

from hot.assets.hands.menagerie import load_menagerie_hand, mount_hand
from hot.assets.hands.shadow import constants as C


def build_spec() -> mujoco.MjSpec:
    """A fresh ``MjSpec``: ``rh_palm`` and its fingers on the virtual wrist, 28 actuators.

    The forearm and wrist bodies (and native joints WRJ2/WRJ1) are dropped; the palm frame
    (origin at the former WRJ1 axis, +z toward the fingers, palm facing -y) coincides with the
    virtual-wrist frame. Native joint damping (0.05), armature (2e-4) and frictionloss (0.01) are kept.
    """
    hand = load_menagerie_hand(C.XML_PATH)
    return mount_hand(
        "shadow_right", hand, C.PALM_BODY, C.FINGER_DOF_NAMES, C.FINGER_GAINS, C.WRIST_GAINS, C.DROP_JOINTS
    )
