"""HORA reward terms against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from hot.tasks.inhand import rewards as R
from hot.tasks.inhand.config import RewardCfg


def test_rotate_reward_clips_at_half_rad_per_s():
    w = torch.tensor([[0.0, 0.0, 0.3], [0.0, 0.0, 2.0], [0.0, 0.0, -2.0], [5.0, 0.0, 0.1]])
    r = R.rotate_reward(w, torch.tensor([0.0, 0.0, 1.0]), -0.5, 0.5)
    assert r.tolist() == pytest.approx([0.3, 0.5, -0.5, 0.1])


def test_penalties_hand_computed():
    v = torch.tensor([[0.1, -0.2, 0.3]])
    assert R.obj_linvel_penalty(v).item() == pytest.approx(0.6)
    q, q0 = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[1.0, 1.5, 1.0]])
    assert R.pose_diff_penalty(q, q0).item() == pytest.approx(0.25 + 4.0)
    tau, qd = torch.tensor([[0.5, -0.2]]), torch.tensor([[2.0, 1.0]])
    assert R.torque_penalty(tau).item() == pytest.approx(0.29)
    assert R.work_penalty(tau, qd).item() == pytest.approx((1.0 - 0.2) ** 2)


def test_pd_torque_clipped():
    kp, kd = torch.tensor([[3.0, 3.0]]), torch.tensor([[0.1, 0.1]])
    tau = R.pd_torque(
        kp, kd, torch.tensor([[0.1, 1.0]]), torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]), 0.5
    )
    assert tau.tolist()[0] == pytest.approx([3.0 * 0.1 - 0.1, 0.5])


def test_finite_difference_velocities():
    dt, ang = 0.05, 0.04
    q0 = torch.tensor([[1.0, 0.0, 0.0, 0.0]])
    q1 = torch.tensor([[math.cos(ang / 2), 0.0, 0.0, math.sin(ang / 2)]])  # +0.04 rad about z
    w = R.finite_diff_ang_vel(q0, q1, dt)
    assert w.tolist()[0] == pytest.approx([0.0, 0.0, ang / dt], abs=1e-5)
    # the same increment applied after an arbitrary start orientation is still +z in the world frame
    start = torch.tensor([[math.cos(0.6), math.sin(0.6), 0.0, 0.0]])
    from hot.utils.rotations import quat_mul

    w2 = R.finite_diff_ang_vel(start, quat_mul(q1, start), dt)
    assert w2.tolist()[0] == pytest.approx([0.0, 0.0, ang / dt], abs=1e-5)
    # q and -q are the same orientation
    assert R.finite_diff_ang_vel(q0, -q1, dt).tolist()[0] == pytest.approx([0.0, 0.0, ang / dt], abs=1e-5)
    v = R.finite_diff_lin_vel(torch.zeros(1, 3), torch.tensor([[0.01, 0.0, -0.02]]), dt)
    assert v.tolist()[0] == pytest.approx([0.2, 0.0, -0.4])


def test_compose_weights_and_dt_scaling():
    cfg = RewardCfg()
    args = dict(
        obj_ang_vel=torch.tensor([[0.0, 0.0, 0.2]]),
        obj_lin_vel=torch.tensor([[0.1, 0.0, 0.0]]),
        q=torch.tensor([[0.5, 0.0]]),
        q_init=torch.tensor([[0.0, 0.0]]),
        torque=torch.tensor([[0.2, 0.0]]),
        qd=torch.tensor([[1.0, 0.0]]),
        dt=0.05,
    )
    total, terms = R.compute_reward(cfg, **args)
    expected = 1.0 * 0.2 - 0.3 * 0.1 - 0.3 * 0.25 - 0.1 * 0.04 - 2.0 * 0.04
    assert total.item() == pytest.approx(expected)
    assert set(terms) == set(R.TERMS)
    cfg.scale_by_dt = True
    assert R.compute_reward(cfg, **args)[0].item() == pytest.approx(expected * 0.05)
    cfg = RewardCfg(rot_axis=[0.0, 0.0, -2.0])  # normalised; HORA's -z
    assert R.compute_reward(cfg, **args)[1]["rotate"].item() == pytest.approx(-0.2)
