"""Names, proportions, joint limits and gains of the procedural MANO-topology right hand.

Nothing here comes from the licensed MANO model (no file, no number): the topology (15 joints x 3
hinges, finger order index, middle, pinky, ring, thumb) is the public description in the HOT spec,
and the proportions are authored from generic adult anthropometry:

* phalanx lengths: rounded means of adult hand-segment studies (e.g. Buryanov & Kotiuk 2010,
  "Proportions of hand segments", Int. J. Morphol. 28(3); Alexander & Viktor 2010), rounded to
  millimetres and adjusted so the hand is ~19 cm long (wrist joint to middle fingertip ~0.19 m)
  and ~8.5 cm wide at the knuckles, a mid-sized adult male hand;
* joint ranges: rounded textbook active ranges of motion of the human hand (MCP flexion ~90°,
  PIP ~100-110°, DIP ~80°, MCP abduction ~±20°, small passive twist), written per hinge axis.

Hand frame (the ``right_wrist`` body, = the virtual-wrist frame): origin at the wrist joint centre,
fingers extend along **-x**, the palm faces **-y** (the back of the hand is +y), the thumb is on the
**+z** side. All segment bodies keep this orientation (no body rotations), so for every segment the
hinges ``_x``, ``_y``, ``_z`` turn about the hand frame's x, y, z axes:

* fingers (index, middle, pinky, ring): **z is flexion** (+z curls the finger toward the palm),
  y is abduction/adduction (+y moves the tip toward +z, i.e. toward the thumb), x is axial twist;
* thumb: it lies roughly in the palm plane pointing toward (-x, +z), so its flexion (tip sweeping
  across the palm toward the little finger) is mostly about **-y**, palmar abduction (tip moving
  out of the palm plane toward -y) is about +z / +x, and twist is a mix of x and z.
"""

from __future__ import annotations

from hot.assets.hands.common import Gains

PREFIX = "right_"
FINGERS = ("index", "middle", "pinky", "ring", "thumb")
"""Finger order of the MANO topology (and of the DoFs)."""
SEGMENTS = (1, 2, 3)
AXES = ("x", "y", "z")
PALM_BODY = "right_wrist"


def segment_name(finger: str, seg: int) -> str:
    """``right_<finger><seg>``, e.g. ``right_index1``."""
    return f"{PREFIX}{finger}{seg}"


FINGER_DOF_NAMES: tuple[str, ...] = tuple(
    f"{segment_name(f, s)}_{a}" for f in FINGERS for s in SEGMENTS for a in AXES
)
"""45 finger joints in qpos order: index1 x,y,z, index2 x,y,z, index3 x,y,z, middle1 ..., thumb3 z."""
KEY_BODIES: tuple[str, ...] = tuple(f"{segment_name(f, s)}_z" for f in FINGERS for s in SEGMENTS) + (
    PALM_BODY,
)
"""16 key bodies: the 15 segment bodies (origin at the joint) then the palm (last)."""
FINGERTIP_BODIES: tuple[str, ...] = tuple(f"{segment_name(f, 3)}_z" for f in FINGERS)
CONTACT_BODIES: tuple[str, ...] = FINGERTIP_BODIES
"""5 contact bodies, as upstream: the distal segments."""

# ---------------------------------------------------------------------------------------------
# Rest pose (metres, hand frame). The builder uses these directions; a user rest pose only
# changes lengths (see builder.build_spec).
# ---------------------------------------------------------------------------------------------

REST_POSE_ORDER: tuple[str, ...] = ("wrist",) + tuple(
    f"{f}_{j}" for f in FINGERS for j in ("j1", "j2", "j3", "tip")
)
"""Row order of a (21, 3) rest pose: the wrist, then per finger (index, middle, pinky, ring, thumb)
joint 1 (MCP; thumb CMC), joint 2 (PIP; thumb MCP), joint 3 (DIP; thumb IP), fingertip.
Note: this is MANO's finger order, not OpenPose's (thumb first) - reorder before passing."""

BASE_OFFSETS: dict[str, tuple[float, float, float]] = {
    # wrist joint centre -> joint 1 (finger MCP / thumb CMC)
    "index": (-0.088, 0.000, 0.026),
    "middle": (-0.092, 0.000, 0.005),
    "pinky": (-0.076, -0.002, -0.034),
    "ring": (-0.086, 0.000, -0.015),
    "thumb": (-0.022, -0.012, 0.020),
}
FINGER_DIRECTIONS: dict[str, tuple[float, float, float]] = {
    # direction of the (straight) finger at rest; slight fan, thumb diagonal and a little palmar
    "index": (-1.0, 0.0, 0.08),
    "middle": (-1.0, 0.0, 0.0),
    "pinky": (-1.0, 0.0, -0.14),
    "ring": (-1.0, 0.0, -0.07),
    "thumb": (-0.72, -0.22, 0.66),
}
SEGMENT_LENGTHS: dict[str, tuple[float, float, float]] = {
    # joint1->joint2, joint2->joint3, joint3->fingertip (distal incl. pad); thumb: metacarpal,
    # proximal phalanx, distal phalanx
    "index": (0.040, 0.024, 0.021),
    "middle": (0.045, 0.028, 0.022),
    "pinky": (0.033, 0.019, 0.019),
    "ring": (0.042, 0.027, 0.021),
    "thumb": (0.044, 0.032, 0.026),
}
SEGMENT_RADII: dict[str, tuple[float, float, float]] = {
    # capsule radius per segment (finger half-thickness ~ 8-10 mm proximally, tapering)
    "index": (0.0095, 0.0085, 0.0078),
    "middle": (0.0098, 0.0088, 0.0080),
    "pinky": (0.0085, 0.0078, 0.0075),
    "ring": (0.0092, 0.0085, 0.0078),
    "thumb": (0.0100, 0.0095, 0.0088),
}
SEGMENT_MASSES: tuple[float, float, float] = (0.008, 0.005, 0.004)
"""kg per finger segment (proximal, middle, distal): a few grams, as upstream's low-mass hand."""
THUMB_MASSES: tuple[float, float, float] = (0.012, 0.006, 0.004)
PALM_MASS = 0.06
"""kg (upstream's low-mass palm)."""
PALM_HALF_THICKNESS = 0.013
DUMMY_MASS = 0.001
"""kg of the _x/_y hinge dummies (their subtree carries the real mass)."""
DUMMY_INERTIA = 1e-7
JOINT_ARMATURE = 0.0
"""kg m^2 on every finger hinge. None is needed: with implicitfast at dt = 1/120 the PD damping is
integrated implicitly and the few-gram segments stay stable (checked with random 0.25 s target
jumps over the full joint ranges and ±3 rad wrist turns: no instability, max |qvel| ~11 rad/s), so
unlike upstream the distal segments are not made heavy either."""
FRICTIONLOSS = 1e-4
"""N m, as upstream."""

# ---------------------------------------------------------------------------------------------
# Joint limits (radians), authored per finger / segment / axis: (lo, hi) for x, y, z.
# ---------------------------------------------------------------------------------------------
_FINGER_LIMITS = {
    # x: twist, y: abduction (+ toward thumb), z: flexion (+ toward palm)
    1: ((-0.20, 0.20), (-0.35, 0.35), (-0.40, 1.60)),  # MCP
    2: ((-0.10, 0.10), (-0.12, 0.12), (-0.10, 1.90)),  # PIP
    3: ((-0.10, 0.10), (-0.12, 0.12), (-0.15, 1.45)),  # DIP
}
_THUMB_LIMITS = {
    # y is flexion (negative toward the little finger); z / x palmar abduction (+ toward -y)
    1: ((-0.60, 0.90), (-0.90, 0.50), (-0.50, 1.00)),  # CMC
    2: ((-0.40, 0.40), (-1.00, 0.25), (-0.35, 0.60)),  # MCP
    3: ((-0.25, 0.25), (-1.40, 0.30), (-0.25, 0.40)),  # IP
}


def joint_limits(finger: str, seg: int) -> tuple[tuple[float, float], ...]:
    """((lo, hi) about x, about y, about z) for one segment, radians."""
    return (_THUMB_LIMITS if finger == "thumb" else _FINGER_LIMITS)[seg]


# ---------------------------------------------------------------------------------------------
# PD gains (HOT spec §3.3, low_mass / pk variant).
# ---------------------------------------------------------------------------------------------
WRIST_GAINS = Gains(kp=250.0, kv=100.0)
SEGMENT_GAINS = {1: Gains(kp=180.0, kv=35.0), 2: Gains(kp=120.0, kv=25.0), 3: Gains(kp=80.0, kv=18.0)}
"""Segment 1 = MCP (thumb CMC), 2 = PIP (thumb MCP), 3 = DIP (thumb IP)."""
