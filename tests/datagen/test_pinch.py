"""Pinch / tripod grasps (hot.datagen.pinch): closing paths per hand, hold on a thin box, determinism,
the mixed default candidate set, per-grasp open poses in the clips and the report by family."""

from dataclasses import replace

import numpy as np
import pytest
from helpers import BOX_HALF
from tiny_assets import TinyObject, tiny_box, tiny_hand

from hot.assets.hands import get_hand
from hot.datagen.pinch import PinchConfig, contact_pairs, generate_pinch_grasps, pinch_shapes
from hot.datagen.sdf import ObjectSDF

FAST = PinchConfig(thumb_samples=400)


@pytest.mark.parametrize("hand", ["mano", "shadow", "allegro"])
def test_pinch_paths_close_the_gap(hand):
    """Every hand gets pinch and tripod paths whose pads start apart and meet (hand-generic)."""
    shapes = pinch_shapes(get_hand(hand), FAST)
    assert {s.family for s in shapes} == {"pinch", "tripod"}
    for s in shapes:
        assert s.gap[0] > 0.05  # open: wider than the thin objects
        assert s.gap.min() < 0.0  # closed: the pads press together
        assert s.groups[-1] == len(get_hand(hand).fingertip_bodies) - 1  # the thumb moves
        w = s.at_gap(0.02)
        assert w is not None and 0.0 < w < s.s[-1]
        assert np.allclose(np.linalg.norm(s.axis, axis=1), 1.0, atol=1e-6)
        assert np.abs((s.axis * s.back).sum(1)).max() < 1e-6  # the palm direction is across the axis


def test_contact_pairs_span_the_thin_side(tmp_path):
    obj = tiny_box(tmp_path, half=(0.06, 0.015, 0.008), name="Slab")
    sdf = ObjectSDF.from_hull_paths(obj.hull_paths)
    # samples on the two large faces (z = +-8 mm) and on a narrow side (y = 15 mm)
    p = np.array([[0.01, 0.0, 0.008], [0.0, 0.005, -0.008], [0.02, 0.015, 0.0]])
    n = np.array([[0, 0, 1.0], [0, 0, -1.0], [0, 1.0, 0]])
    import torch

    p1, n1, p2, n2 = contact_pairs(sdf, torch.tensor(p), torch.tensor(n), max_width=0.05)
    assert len(p1) == 3
    width = np.linalg.norm(p2 - p1, axis=1)
    assert width == pytest.approx([0.016, 0.016, 0.03], abs=0.0015)
    assert ((n1 * n2).sum(1) < -0.9).all()
    # a pair wider than max_width is dropped
    assert len(contact_pairs(sdf, torch.tensor(p), torch.tensor(n), max_width=0.02)[0]) == 2


@pytest.fixture(scope="module")
def slab_grasps(tmp_path_factory):
    d = tmp_path_factory.mktemp("slab")
    box = tiny_box(d, half=(0.07, 0.018, 0.008), name="Slab")  # 14 x 3.6 x 1.6 cm, knife-like
    obj = TinyObject(name="Slab", hull_paths=box.hull_paths, mass=0.08, friction=2.0)
    hand = get_hand("mano")
    return hand, obj, generate_pinch_grasps(hand, obj, num_candidates=8, seed=0)


def test_pinch_grasps_hold_a_thin_slab(slab_grasps):
    """Measured (seed 0, 8 candidates, 2 CPU cores): 8 placed, 1 valid, the others lose the slab in one
    or two of the six directions or press 2.2-3.2 mm deep. The validation is the unchanged 2 mm /
    6-direction hold test; the wrap sampler's grasps of such shapes penetrate 6-10 mm (issue 23)."""
    _, _, gs = slab_grasps
    assert len(gs) >= 6
    assert gs.valid.sum() >= 1, (gs.valid, gs.penetration, gs.meta["hold_per_dir"])
    assert np.array(gs.meta["hold_per_dir"]).mean() > 0.8  # most directions hold
    assert (gs.penetration[gs.valid] <= 0.002).all()
    assert np.array(gs.meta["hold_per_dir"])[gs.valid].all()
    assert set(gs.meta["family"]) <= {"pinch", "tripod"} and len(gs.meta["family"]) == len(gs)
    assert np.array(gs.meta["open_pose"]).shape == gs.fingers.shape
    # thumb and at least one fingertip touch; the palm clears the slab (the sampler redraws otherwise)
    assert min(gs.meta["fingers_touching"]) >= 2


def test_pinch_hold_needs_the_squeeze(slab_grasps):
    """The same placements without squeeze torque must fail the hold test (the test can fail)."""
    hand, obj, _ = slab_grasps
    cfg = PinchConfig(squeeze_torque=1e-3)
    gs = generate_pinch_grasps(hand, obj, num_candidates=4, seed=0, cfg=cfg)
    assert np.array(gs.meta["hold_per_dir"]).all(1).sum() == 0


def test_pinch_sampler_is_deterministic(slab_grasps):
    hand, obj, gs = slab_grasps
    again = generate_pinch_grasps(hand, obj, num_candidates=8, seed=0)
    for k in ("wrist_pos_o", "wrist_quat_o", "fingers", "penetration", "valid"):
        assert np.array_equal(getattr(gs, k), getattr(again, k)), k
    assert gs.meta["open_pose"] == again.meta["open_pose"]
    other = generate_pinch_grasps(hand, obj, num_candidates=2, seed=1)
    assert not np.allclose(other.wrist_pos_o, gs.wrist_pos_o[:2])


def test_report_counts_by_family_and_clips_use_the_preshape(tmp_path):
    """A cached mix of a pinch and a wrap grasp: the report counts usable grasps by family, and the
    grasp clip of the pinch grasp opens to its recorded pre-shape, not to the hand's open pose."""
    from helpers import standing_pose, top_grasp

    from hot.datagen.grasp import GraspConfig
    from hot.datagen.pipeline import DatagenConfig, grasp_cache_path, run_object, stable_cache_path
    from hot.datagen.stable_poses import StablePoseConfig
    from hot.motion.io import load_clip

    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    cfg = DatagenConfig(
        skills=("grasp",),
        num_grasps=2,
        num_stable=1,
        grasp=GraspConfig(batch_size=4, iters=5),
        stable=StablePoseConfig(num_drops=8),
    )
    out = tmp_path / "out"
    work = out / "_datagen" / obj.name
    gs = top_grasp(2)
    pre = np.array([0.02, 0.0, 0.02, 0.0])
    gs.meta.update(family=["pinch", "wrap"], open_pose=[pre.tolist(), [0.0] * 4])
    gs.valid[1] = False
    gs.save(grasp_cache_path(work, tiny_hand(), obj, cfg))
    standing_pose().save(stable_cache_path(work, obj, cfg))
    rep = run_object(tiny_hand(), obj, out, cfg, log=lambda s: None)
    assert rep["valid_by_family"] == {"pinch": [1, 1], "wrap": [0, 1]}
    assert rep["clips"]["grasp"] == 1
    clip = load_clip(next(out.rglob("001_Tall_0_0-0.pt")))
    first = clip.dof_pos[0, -4:].numpy()  # the finger DoFs follow the 6 wrist DoFs
    assert np.allclose(first, pre, atol=1e-5)
    # without recorded open poses the clip opens to the hand's open pose (zeros for this hand)
    out2 = tmp_path / "out2"
    gs.meta.pop("open_pose")
    gs.save(grasp_cache_path(out2 / "_datagen" / obj.name, tiny_hand(), obj, cfg))
    standing_pose().save(stable_cache_path(out2 / "_datagen" / obj.name, obj, cfg))
    run_object(tiny_hand(), obj, out2, replace(cfg), log=lambda s: None)
    clip2 = load_clip(next(out2.rglob("001_Tall_0_0-0.pt")))
    assert np.allclose(clip2.dof_pos[0, -4:].numpy(), 0.0, atol=1e-5)


def test_pinches_for_resting_poses_come_from_above(tmp_path):
    """A screwdriver lying on the platform: pinches drawn for its resting poses (``up``) have the palm
    above the object in the pose they were drawn for and their pads level; pinches drawn for the free
    object come from any side. In the datagen pipeline (MANO, seed 0, grasp/move/place, 8 grasps) this
    gave the Screwdriver 8 grasp clips instead of 1 (docs/dev/2026-12-05-session-14.md)."""
    from hot.assets.objects import get_object
    from hot.datagen.pipeline import _pose_ups
    from hot.datagen.stable_poses import StablePoseConfig, load_or_find_stable_poses

    hand, obj = get_hand("mano"), get_object("Screwdriver")
    poses = load_or_find_stable_poses(hand, obj, tmp_path / "poses.npz", 1.0, 0, StablePoseConfig())
    ups = _pose_ups(poses, [0, 1, 2])
    assert np.allclose(np.linalg.norm(ups, axis=1), 1.0)
    heights = {}
    for mode, up in (("rest", ups), ("free", None)):
        gs = generate_pinch_grasps(hand, obj, num_candidates=8, seed=0, cfg=FAST, up=up)
        assert len(gs) >= 6
        if mode == "rest":
            k = np.asarray(gs.meta["up_index"])
            assert len(k) == len(gs) and set(k.tolist()) <= {0, 1, 2}
            heights[mode] = (gs.wrist_pos_o * ups[k]).sum(1)
        else:
            assert "up_index" not in gs.meta
            heights[mode] = (gs.wrist_pos_o @ ups.T).max(1)  # the best of the three poses
    # the wrist (palm) sits well above the object's centre in its pose, after the squeeze
    assert (heights["rest"] > 0.1).all(), heights  # measured 0.112-0.126 m
    assert (heights["free"] < 0.1).any(), heights  # 0.031-0.121 m: from the side too
