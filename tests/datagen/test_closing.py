"""Approach-and-close grasp sampler on the real MANO hand (small, a few seconds)."""

import numpy as np
import pytest

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.datagen.closing import generate_closing_grasps, hand_frame


@pytest.fixture(scope="module")
def grasps():
    return generate_closing_grasps(get_hand("mano"), get_object("Box"), num_candidates=6, seed=0)


def test_hand_frame_mano_axes():
    f = hand_frame(get_hand("mano"))
    # documented MANO frame: fingers along -x, palm facing -y
    assert f.finger_dir[0] < -0.9 and f.palm_normal[1] < -0.9
    assert abs(float(f.finger_dir @ f.palm_normal)) < 1e-6


def test_usable_grasps_touch_with_shallow_penetration(grasps):
    usable = np.array(grasps.meta["usable"])
    assert usable.any()
    assert (grasps.penetration[usable] <= 0.002).all()
    assert (grasps.penetration[usable] > 0.0).all(), "usable grasps are in contact (negative distance)"
    assert (np.array(grasps.meta["fingers_touching"])[usable] >= 3).all()
    # validation ran for every candidate, per gravity direction
    assert np.array(grasps.meta["hold_per_dir"]).shape == (len(grasps), 6)


def test_deterministic(grasps):
    again = generate_closing_grasps(get_hand("mano"), get_object("Box"), num_candidates=6, seed=0)
    np.testing.assert_array_equal(again.fingers, grasps.fingers)
    np.testing.assert_array_equal(again.wrist_pos_o, grasps.wrist_pos_o)
