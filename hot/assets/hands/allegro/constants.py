"""Names and gains of the Allegro Hand V3 (MuJoCo Menagerie, vendored in hot/data/assets/mjcf/allegro).

Menagerie names the URDF's ``link_<i>.0`` / ``joint_<i>.0`` by finger: i = 0..3 -> ``ff_*`` / ``ffj0..3``
(index), 4..7 -> ``mf`` (middle), 8..11 -> ``rf`` (ring, upstream's "pinkie/ring"), 12..15 -> ``th``
(thumb). Within a finger: base (abduction; thumb: rotation), proximal, medial, distal.
"""

from __future__ import annotations

from hot.assets.hands.common import DATA_MJCF_DIR, Gains

XML_PATH = DATA_MJCF_DIR / "allegro" / "right_hand.xml"
PALM_BODY = "palm"
_FINGERS = ("ff", "mf", "rf", "th")
_LINKS = ("base", "proximal", "medial", "distal")

FINGER_DOF_NAMES: tuple[str, ...] = tuple(f"{f}j{i}" for f in _FINGERS for i in range(4))
"""16 finger joints in qpos order (= upstream joint_0.0 .. joint_15.0)."""
KEY_BODIES: tuple[str, ...] = tuple(f"{f}_{link}" for f in _FINGERS for link in _LINKS) + (PALM_BODY,)
"""17 key bodies: upstream link_0.0 .. link_15.0 then base_link (= menagerie ``palm``, last)."""
URDF_LINK_NAMES: dict[str, str] = {
    **{f"{f}_{link}": f"link_{4 * i + k}.0" for i, f in enumerate(_FINGERS) for k, link in enumerate(_LINKS)},
    PALM_BODY: "base_link",
}
"""Menagerie body name -> upstream (URDF) link name."""
CONTACT_BODIES: tuple[str, ...] = KEY_BODIES
"""All 17 (the jointless ``*_tip`` bodies are fused into the distal links by the builder)."""
FINGERTIP_BODIES: tuple[str, ...] = tuple(f"{f}_distal" for f in _FINGERS)

WRIST_GAINS = Gains(kp=250.0, kv=45.0)
MCP_GAINS = Gains(kp=180.0, kv=25.0)
PIP_GAINS = Gains(kp=100.0, kv=18.0)
DIP_GAINS = Gains(kp=50.0, kv=12.0)
FINGER_GAINS: dict[str, Gains] = {
    f"{f}j{i}": (MCP_GAINS, MCP_GAINS, PIP_GAINS, DIP_GAINS)[i] for f in _FINGERS for i in range(4)
}
"""Gain classes (ours): j0 (abduction / thumb rotation) and j1 (proximal flexion) -> mcp,
j2 -> pip, j3 -> dip; same values as Shadow (spec §3.4)."""
