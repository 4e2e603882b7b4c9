"""Names and gains of the Shadow Hand E3M5 (MuJoCo Menagerie, vendored in hot/data/assets/mjcf/shadow).

DoF order is MuJoCo's depth-first qpos order of the menagerie tree, which is also the spec's order:
first finger FFJ4..FFJ1, middle MFJ4..J1, ring RFJ4..J1, little LFJ5..J1, thumb THJ5..THJ1.
(Menagerie numbers J4 = knuckle abduction, J3 = MCP flexion, J2 = PIP, J1 = DIP; upstream HOT's
XML numbered the same joints J3..J0.) The native wrist joints WRJ2/WRJ1 are removed (the 6-DoF
virtual wrist replaces them) and the J1/J2 coupling tendons are removed, so J1 and J2 are
independent position-controlled DoFs.
"""

from __future__ import annotations

from hot.assets.hands.common import DATA_MJCF_DIR, Gains

XML_PATH = DATA_MJCF_DIR / "shadow" / "right_hand.xml"
PALM_BODY = "rh_palm"
DROP_JOINTS = ("rh_WRJ1",)
"""Native wrist joint on the palm (WRJ2 sits on rh_wrist, which is not mounted)."""

_FOUR = ("FF", "MF", "RF")
FINGER_DOF_NAMES: tuple[str, ...] = (
    tuple(f"rh_{f}J{j}" for f in _FOUR for j in (4, 3, 2, 1))
    + tuple(f"rh_LFJ{j}" for j in (5, 4, 3, 2, 1))
    + tuple(f"rh_THJ{j}" for j in (5, 4, 3, 2, 1))
)
"""22 finger joints in qpos order."""

KEY_BODIES: tuple[str, ...] = (
    tuple(f"rh_{f}{link}" for f in ("ff", "mf", "rf") for link in ("knuckle", "proximal", "middle", "distal"))
    + tuple(f"rh_lf{link}" for link in ("metacarpal", "knuckle", "proximal", "middle", "distal"))
    + tuple(f"rh_th{link}" for link in ("base", "proximal", "hub", "middle", "distal"))
    + (PALM_BODY,)
)
"""23 key bodies (spec §3.4): ff/mf/rf knuckle, proximal, middle, distal; lf metacarpal..distal;
th base, proximal, hub, middle, distal; palm last."""

CONTACT_BODIES: tuple[str, ...] = tuple(b for b in KEY_BODIES if b not in ("rh_thbase", "rh_thhub"))
"""21 contact bodies (spec §3.4 gives the count 21 = "all finger links plus the palm"). Upstream's
Shadow had no collision shape on the two zero-length thumb joint hubs, so we leave out
``rh_thbase`` and ``rh_thhub`` (small spheres here); this choice is ours, the upstream list was
not readable."""
FINGERTIP_BODIES: tuple[str, ...] = (
    "rh_ffdistal",
    "rh_mfdistal",
    "rh_rfdistal",
    "rh_lfdistal",
    "rh_thdistal",
)

WRIST_GAINS = Gains(kp=250.0, kv=45.0)
MCP_GAINS = Gains(kp=180.0, kv=25.0)
PIP_GAINS = Gains(kp=100.0, kv=18.0)
DIP_GAINS = Gains(kp=50.0, kv=12.0)


def _joint_class(dof: str) -> Gains:
    """Gain class of each joint (our classification; upstream's per-joint table was not readable).

    * mcp: knuckle abduction J4 and MCP flexion J3 of FF/MF/RF/LF, little-finger metacarpal LFJ5,
      thumb base rotation THJ5 and thumb proximal THJ4 (the joints nearest the palm);
    * pip: J2 of the fingers; thumb hub THJ3 and thumb middle THJ2;
    * dip: J1 of the fingers and the thumb (THJ1).
    """
    j = int(dof[-1])
    if dof.startswith("rh_TH"):
        return MCP_GAINS if j >= 4 else PIP_GAINS if j >= 2 else DIP_GAINS
    return MCP_GAINS if j >= 3 else PIP_GAINS if j == 2 else DIP_GAINS


FINGER_GAINS: dict[str, Gains] = {dof: _joint_class(dof) for dof in FINGER_DOF_NAMES}
