import numpy as np
import torch
from tiny_assets import tiny_box, tiny_hand

from hot.datagen.stable_poses import StablePoseConfig, find_stable_poses, load_or_find_stable_poses
from hot.utils.rotations import quat_rotate_inv


def test_box_rests_on_its_faces(tmp_path):
    obj = tiny_box(tmp_path, half=(0.03, 0.02, 0.01), name="Slab")
    poses = find_stable_poses(tiny_hand(), obj, cfg=StablePoseConfig(num_drops=48, settle_s=1.5))
    assert 2 <= len(poses) <= 6
    up = quat_rotate_inv(
        torch.tensor(poses.quat), torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64).expand(len(poses), 3)
    )
    # each resting "up" axis is a face normal of the box, and the height is the matching half extent
    axis = up.abs().argmax(-1).numpy()
    assert (up.abs().max(-1).values > 0.99).all()
    np.testing.assert_allclose(poses.z, 0.105 + np.array([0.03, 0.02, 0.01])[axis], atol=2e-3)
    assert (np.diff(poses.count) <= 0).all()  # most frequent first
    # cached round trip
    path = tmp_path / "sp.npz"
    a = load_or_find_stable_poses(tiny_hand(), obj, path, cfg=StablePoseConfig(num_drops=16, settle_s=1.0))
    b = load_or_find_stable_poses(tiny_hand(), obj, path)
    np.testing.assert_array_equal(a.quat, b.quat)
