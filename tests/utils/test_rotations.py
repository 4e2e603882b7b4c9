import math

import numpy as np
import torch
from scipy.spatial.transform import Rotation as R

from hot.utils import rotations as rot


def _rand_quats(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return rot.quat_normalize(torch.randn(n, 4, generator=g, dtype=torch.float64))


def _scipy(q):
    return R.from_quat(rot.wxyz_to_xyzw(q).numpy())


def test_rotate_and_matrix_match_scipy():
    q = _rand_quats()
    v = torch.randn(64, 3, dtype=torch.float64)
    np.testing.assert_allclose(rot.quat_rotate(q, v).numpy(), _scipy(q).apply(v.numpy()), atol=1e-12)
    np.testing.assert_allclose(rot.quat_to_matrix(q).numpy(), _scipy(q).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(rot.quat_rotate_inv(q, rot.quat_rotate(q, v)).numpy(), v.numpy(), atol=1e-12)


def test_mul_composes_like_scipy():
    a, b = _rand_quats(seed=1), _rand_quats(seed=2)
    np.testing.assert_allclose(
        rot.quat_to_matrix(rot.quat_mul(a, b)).numpy(), (_scipy(a) * _scipy(b)).as_matrix(), atol=1e-12
    )


def test_euler_conventions():
    ang = torch.rand(32, 3, dtype=torch.float64) - 0.5
    np.testing.assert_allclose(
        rot.quat_to_matrix(rot.quat_from_euler_xyz_intrinsic(ang)).numpy(),
        R.from_euler("XYZ", ang.numpy()).as_matrix(),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        rot.quat_to_matrix(rot.quat_from_euler_xyz_extrinsic(ang)).numpy(),
        R.from_euler("xyz", ang.numpy()).as_matrix(),
        atol=1e-12,
    )
    torch.testing.assert_close(rot.quat_to_euler_xyz_intrinsic(rot.quat_from_euler_xyz_intrinsic(ang)), ang)
    torch.testing.assert_close(rot.quat_to_rpy(rot.quat_from_rpy(ang)), ang)


def test_matrix_and_exp_map_round_trips():
    q = _rand_quats()
    canon = torch.where(q[:, :1] < 0, -q, q)
    torch.testing.assert_close(rot.quat_from_matrix(rot.quat_to_matrix(q)), canon)
    torch.testing.assert_close(rot.quat_from_exp_map(rot.quat_to_exp_map(q)), canon)
    np.testing.assert_allclose(rot.quat_to_exp_map(q).numpy(), _scipy(canon).as_rotvec(), atol=1e-10)


def test_heading_and_tan_norm():
    yaw = torch.tensor([0.3, -2.0, math.pi / 2], dtype=torch.float64)
    q = rot.quat_from_euler_xyz_extrinsic(torch.stack([torch.zeros(3), torch.zeros(3), yaw], -1).double())
    torch.testing.assert_close(rot.heading_angle(q), yaw)
    torch.testing.assert_close(
        rot.quat_mul(rot.heading_quat_inv(q), q)[:, 0].abs(), torch.ones(3, dtype=torch.float64)
    )
    tn = rot.quat_to_tan_norm(rot.identity_quat(1, dtype=torch.float64))
    torch.testing.assert_close(tn, torch.tensor([[1.0, 0, 0, 0, 0, 1]], dtype=torch.float64))


def test_sign_continuity_and_wrap():
    q = _rand_quats(10)
    flipped = q.clone()
    flipped[3::2] *= -1
    out = rot.quat_sign_continuity(flipped)
    assert ((out[1:] * out[:-1]).sum(-1) >= 0).all()
    assert torch.allclose(out.abs(), q.abs())
    x = torch.tensor([math.pi, -math.pi, 3 * math.pi + 0.1, 0.2])
    torch.testing.assert_close(rot.wrap_to_pi(x), torch.tensor([-math.pi, -math.pi, -math.pi + 0.1, 0.2]))


def test_file_order_round_trip():
    q = _rand_quats()
    torch.testing.assert_close(rot.xyzw_to_wxyz(rot.wxyz_to_xyzw(q)), q)


def test_quat_rotate_points_matches_quat_rotate_per_point() -> None:
    # the batched-matrix form the tracking env uses for its point clouds equals the elementwise rotation
    from hot.utils.rotations import quat_normalize, quat_rotate, quat_rotate_points

    g = torch.Generator().manual_seed(0)
    q = quat_normalize(torch.randn(9, 4, generator=g))
    v = torch.randn(9, 13, 3, generator=g)
    expect = quat_rotate(q.unsqueeze(1).expand(-1, 13, -1), v)
    assert torch.allclose(quat_rotate_points(q, v), expect, atol=1e-6)
    assert torch.allclose(quat_rotate_points(q, v).norm(dim=-1), v.norm(dim=-1), atol=1e-5)
