"""Hand-built grasp + stable pose for the tiny hand on a tall box, so skill tests need no optimisation."""

from __future__ import annotations

import numpy as np

from hot.datagen.grasp import GraspSet
from hot.datagen.stable_poses import StablePoses

BOX_HALF = (0.02, 0.02, 0.05)
"""Skill tests: 6 mm between the open fingers and the +-x faces; the grasp closes to ~2 mm."""
VAL_BOX_HALF = (0.025, 0.025, 0.05)
"""Validation test: 1 mm between the open fingers and the faces."""
PLATFORM_TOP = 0.105


def top_grasp(n: int = 2, fingers: float = 0.05) -> GraspSet:
    """Wrist straight above the standing box (object frame), proximal joints at ``fingers`` rad."""
    pos = np.tile([0.0, 0.0, BOX_HALF[2] + 0.032], (n, 1))
    quat = np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
    # second grasp: turned 90 deg about z so that regrasp has a different grasp to go to
    if n > 1:
        quat[1] = [np.cos(np.pi / 4), 0, 0, np.sin(np.pi / 4)]
    z = np.zeros(n)
    return GraspSet(
        wrist_pos_o=pos,
        wrist_quat_o=quat,
        fingers=np.tile([fingers, 0.0, fingers, 0.0], (n, 1)),
        contact_idx=np.zeros((n, 4), np.int64),
        energy=z.copy(),
        e_fc=z.copy(),
        e_dis=z.copy(),
        e_pen=z.copy(),
        e_prior=z.copy(),
        e_spen=z.copy(),
        penetration=z.copy(),
        valid=np.ones(n, bool),
        meta={"hand": "tiny", "object": "Tall"},
    )


def standing_pose() -> StablePoses:
    return StablePoses(
        quat=np.array([[1.0, 0, 0, 0]]), z=np.array([PLATFORM_TOP + BOX_HALF[2]]), count=np.array([10])
    )
