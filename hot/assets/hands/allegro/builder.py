"""Allegro Hand V3 (22 DoF = 6 virtual wrist + 16 fingers) from the vendored Menagerie model."""

from __future__ import annotations

import mujoco

from hot.assets.hands.allegro import constants as C
from hot.assets.hands.menagerie import load_menagerie_hand, mount_hand


def build_spec() -> mujoco.MjSpec:
    """A fresh ``MjSpec``: ``palm`` and its fingers on the virtual wrist, 22 actuators.

    The palm frame (origin at the finger bases, +z toward the fingers, palm collision box toward
    -z, menagerie's own frame) coincides with the virtual-wrist frame: menagerie's 180° yaw of the
    root body is dropped. The jointless ``*_tip`` bodies are fused into the distal links.
    """
    hand = load_menagerie_hand(C.XML_PATH, fuse_jointless=True)
    return mount_hand("allegro_right", hand, C.PALM_BODY, C.FINGER_DOF_NAMES, C.FINGER_GAINS, C.WRIST_GAINS)
