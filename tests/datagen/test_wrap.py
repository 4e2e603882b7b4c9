"""The experimental wrap-grasp sampler: geometry, contacts and force balance (hold is not met yet)."""

import numpy as np
import pytest

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.datagen.grasp import GRAVITY_DIRS
from hot.datagen.wrap import WrapConfig, generate_wrap_grasps, wrap_axes


def test_wrap_axes_bottle_long_axis_only():
    axes, lo, hi, ok = wrap_axes(get_object("Bottle"), 1.0, 0.10)
    ext = hi - lo
    assert np.allclose(np.abs(np.linalg.det(axes)), 1.0, atol=1e-6)
    k = int(np.argmax(ext))
    assert ext[k] == pytest.approx(0.215, abs=0.01)
    assert ok[k] and ok.sum() == 1  # across the long axis the bottle is 7 cm wide; across the others 21.5 cm


def test_wrap_grasps_touch_and_balance():
    hand, obj = get_hand("mano"), get_object("Bottle")
    gs = generate_wrap_grasps(hand, obj, num_candidates=6, seed=0, cfg=WrapConfig(thumb_samples=512))
    assert len(gs) >= 4
    touching = np.array(gs.meta["fingers_touching"])
    assert (touching == 5).sum() >= 3  # thumb included
    assert (gs.penetration <= 0.002).all()
    resid = np.array(gs.meta["balance_residual"])
    assert (resid < 0.5).sum() >= 3  # net wrench of the chosen contact forces, N (torque in N per 5 cm)
    assert np.array(gs.meta["hold_per_dir"]).shape == (len(gs), len(GRAVITY_DIRS))
    # targets press: they differ from the contact pose for touching fingers
    assert np.abs(np.array(gs.meta["squeeze_targets"]) - gs.fingers).max() > 1e-4
    # deterministic for a seed
    gs2 = generate_wrap_grasps(hand, obj, num_candidates=6, seed=0, cfg=WrapConfig(thumb_samples=512))
    assert np.array_equal(gs.fingers, gs2.fingers)
