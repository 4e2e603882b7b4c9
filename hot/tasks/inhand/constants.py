"""Names and fixed numbers of the Allegro in-hand scene (no offsets: everything is looked up by name).

Joint order is the vendored Menagerie order (index ``ff``, middle ``mf``, ring ``rf``, thumb ``th``,
four joints each), i.e. :data:`hot.assets.hands.allegro.constants.FINGER_DOF_NAMES`.
"""

from __future__ import annotations

from hot.assets.hands.allegro import constants as allegro

JOINT_NAMES: tuple[str, ...] = allegro.FINGER_DOF_NAMES
"""16 finger joints, qpos order."""
FINGERTIP_BODIES: tuple[str, ...] = allegro.FINGERTIP_BODIES
"""Distal links (the jointless tips are fused into them): ff, mf, rf, th."""
PALM_BODY = allegro.PALM_BODY
OBJECT_BODY = "object"
OBJECT_JOINT = "object_root"
OBJECT_GEOM = "object_geom"


def tip_contact_sensor(tip: str) -> str:
    """Name of the fingertip-object touch sensor of ``tip``."""
    return f"touch:{tip}"


# HORA's canonical Allegro grasp pose (HaozhiQi/hora, allegro_hand_grasp.py), reordered from its
# Isaac Gym DoF order (index, thumb, middle, ring) to ours (index, middle, ring, thumb).
CANONICAL_POSE: tuple[float, ...] = (
    0.082, 1.244, 0.265, 0.298,  # ff
    0.005, 1.096, 0.080, 0.150,  # mf
    0.029, 1.337, 0.285, 0.317,  # rf
    1.104, 1.163, 0.953, -0.138,  # th
)  # fmt: skip

NUM_JOINTS = len(JOINT_NAMES)
FRAME_DIM = 2 * NUM_JOINTS
"""One proprioceptive frame: normalised joint positions (16) + current targets (16)."""
PRIV_INFO_NAMES: tuple[str, ...] = ("obj_position", "obj_scale", "obj_mass", "obj_friction", "obj_com")
PRIV_INFO_DIMS: dict[str, int] = {
    "obj_position": 3,
    "obj_scale": 1,
    "obj_mass": 1,
    "obj_friction": 1,
    "obj_com": 3,
}
PRIV_INFO_DIM = sum(PRIV_INFO_DIMS.values())
"""9, as HORA: object position (3), scale, mass, friction, centre-of-mass offset (3)."""
PRIV_INFO_BOUNDS: dict[str, tuple[float, float]] = {
    "obj_scale": (0.5, 1.5),
    "obj_mass": (0.0, 0.3),
    "obj_friction": (0.0, 3.0),
    "obj_com": (-0.02, 0.02),
}
"""Fixed ranges mapped to [-1, 1] in the privileged block (HORA's normalisation); object position is in
metres relative to the spawn point, unnormalised."""
