"""Fixtures for the rendering tests: the shipped MANO hand + Bottle and one of its grasp clips."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRASP_CLIPS = ROOT / "hot/data/motions/dexgrasp_train_mano/bottle/grasp_higher_kp"
CHECKPOINT = ROOT / "checkpoint/mano/mano_bottle_grasp-move-place.pth"


@pytest.fixture(scope="session")
def mano_bottle():
    """``(hand, obj, library)``: MANO, Bottle and the shipped MANO Bottle grasp clips."""
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.motion.dataset import MotionLibrary

    hand = get_hand("mano")
    lib = MotionLibrary.from_folder(GRASP_CLIPS, num_dofs=hand.num_dofs, num_key_bodies=hand.num_key_bodies)
    return hand, get_object("Bottle"), lib


@pytest.fixture(scope="session")
def renderer(mano_bottle):
    """A 320x240 :class:`SceneRenderer` of MANO + Bottle; skips (saying why) without a GL backend."""
    from hot.viz.gl import GLUnavailableError
    from hot.viz.render import SceneRenderer

    hand, obj, _ = mano_bottle
    r = SceneRenderer(hand, obj, 320, 240)
    try:
        r.scene(1.0)  # compiles the render model and creates the GL context
    except GLUnavailableError as e:
        pytest.skip(f"no headless OpenGL backend: {e}")
    yield r
    r.close()
