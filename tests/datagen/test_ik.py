import math

import numpy as np
import pytest
import torch
from tiny_assets import tiny_hand

from hot.datagen.ik import WristChain, wrist_ik
from hot.utils.rotations import quat_from_axis_angle, quat_from_euler_xyz_intrinsic


@pytest.fixture(scope="module")
def chain():
    return WristChain.from_hand(tiny_hand())


def test_round_trip_random(chain):
    g = torch.Generator().manual_seed(0)
    n = 200
    ang = (torch.rand(n, 3, generator=g, dtype=torch.float64) * 2 - 1) * math.pi
    trans = (torch.rand(n, 3, generator=g, dtype=torch.float64) * 2 - 1) * 0.5
    quat = quat_from_euler_xyz_intrinsic(ang)
    pos = torch.as_tensor(chain.base_pos) + trans
    # independent frames: treat each as its own clip of length 1
    res = wrist_ik(chain, pos[:, None], quat[:, None])
    assert res.ok.all()
    fp, fq = chain.fk(res.dofs.reshape(-1, 6).numpy())
    assert np.abs(fp - pos.numpy()).max() < 1e-6
    dot = np.abs((fq * quat.numpy()).sum(-1))
    assert (1 - dot).max() < 1e-12
    assert res.pos_err.max() < 1e-6 and res.rot_err.max() < 1e-6


def test_continuity_across_pi(chain):
    # Spin about z through +-pi and tumble about a tilted axis: angles must not jump by 2*pi.
    t_len = 300
    ang = torch.linspace(-0.2, 1.9 * math.pi, t_len, dtype=torch.float64)
    axis = torch.tensor([0.2, -0.4, 0.9], dtype=torch.float64)
    axis = axis / axis.norm()
    quat = quat_from_axis_angle(axis.expand(t_len, 3), ang)
    pos = torch.stack([0.1 * torch.cos(ang), 0.1 * torch.sin(ang), 0.7 + 0 * ang], -1)
    res = wrist_ik(chain, pos, quat)
    assert res.ok.all()
    assert res.pos_err.max() < 1e-6 and res.rot_err.max() < 1e-6
    step = (res.dofs[1:, 3:] - res.dofs[:-1, 3:]).abs().max()
    assert step < 0.1, step
    # the clip crosses +-pi in at least one angle, so unwrapping really happened
    assert res.dofs[:, 3:].abs().max() > math.pi


def test_gimbal_lock_continuity(chain):
    t_len = 50
    b = torch.full((t_len,), math.pi / 2, dtype=torch.float64)
    a = torch.linspace(0.0, 0.5, t_len, dtype=torch.float64)
    c = torch.linspace(0.3, -0.2, t_len, dtype=torch.float64)
    quat = quat_from_euler_xyz_intrinsic(torch.stack([a, b, c], -1))
    pos = torch.tensor([0.0, 0.0, 0.6], dtype=torch.float64).expand(t_len, 3)
    res = wrist_ik(chain, pos, quat)
    assert res.ok.all() and res.rot_err.max() < 1e-6
    assert (res.dofs[1:, 3:] - res.dofs[:-1, 3:]).abs().max() < 0.05


def test_out_of_range_rejected(chain):
    pos = torch.tensor([[[0.0, 0.0, 3.0]]], dtype=torch.float64)  # tz = 2.5 > 2 m slide range
    quat = torch.tensor([[[1.0, 0, 0, 0]]], dtype=torch.float64)
    res = wrist_ik(chain, pos, quat)
    assert not res.ok.any()
