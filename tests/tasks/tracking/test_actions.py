"""Action -> PD target modes (spec §3.5)."""

from __future__ import annotations

import math

import pytest
import torch

from hot.tasks.tracking.actions import action_to_targets, targets_to_actions

TAU = 2 * math.pi
LOWER = torch.tensor([-2.0, -2.0, -2.0, -TAU, -TAU, -TAU, -1.0, 0.0])
UPPER = torch.tensor([2.0, 2.0, 2.0, TAU, TAU, TAU, 1.0, 2.0])


def _a(*vals):
    return torch.tensor([vals], dtype=torch.float32)


def test_absolute_maps_unit_box_to_limits_and_clips():
    q = action_to_targets(_a(0, 0.5, -1, 0.25, 0, 0, 0, 0), "absolute", None, None, LOWER, UPPER)
    torch.testing.assert_close(q, _a(0, 1.0, -2.0, 0.25 * TAU, 0, 0, 0, 1.0))
    q = action_to_targets(_a(*[3.0] * 8), "absolute", None, None, LOWER, UPPER)  # clipped to a = 1
    torch.testing.assert_close(q, UPPER[None])


def test_delta_moves_wrist_from_current_position_fingers_absolute():
    dof = _a(0.5, -0.5, 1.9, 1.0, 0, 0, 0.7, 0.3)
    q = action_to_targets(_a(0.1, 0.1, 0.1, 0.01, 0, 0, 0.5, -0.5), "delta", dof, None, LOWER, UPPER)
    # wrist: q + offset(0) + scale·a; tz 1.9 + 0.2 = 2.1 clamped to 2; fingers: offset + scale·a
    torch.testing.assert_close(q, _a(0.7, -0.3, 2.0, 1.0 + 0.01 * TAU, 0, 0, 0.5, 0.5))


def test_residual_adds_scaled_action_to_reference():
    ref = _a(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)
    q = action_to_targets(_a(0.1, 0, 0, 0, 0, 0, 0.5, 1.0), "residual", None, ref, LOWER, UPPER)
    torch.testing.assert_close(q, _a(0.3, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0, 2.0))  # finger 0 0.7+0.5 -> clamped 1


def test_mode_errors():
    a = torch.zeros(1, 8)
    with pytest.raises(ValueError, match="unknown action mode"):
        action_to_targets(a, "relative", None, None, LOWER, UPPER)
    with pytest.raises(ValueError, match="needs dof_pos"):
        action_to_targets(a, "delta", None, None, LOWER, UPPER)
    with pytest.raises(ValueError, match="needs ref_dof_pos"):
        action_to_targets(a, "residual", None, None, LOWER, UPPER)
    with pytest.raises(ValueError, match="must be"):
        action_to_targets(torch.zeros(1, 7), "absolute", None, None, LOWER, UPPER)


@pytest.mark.parametrize("mode", ["absolute", "delta", "residual"])
def test_targets_to_actions_inverts_action_to_targets(mode):
    """a -> q* -> a is the identity for actions in (-1, 1) whose targets are within the limits."""
    g = torch.Generator().manual_seed(0)
    dof = (LOWER + (UPPER - LOWER) * torch.rand(64, 8, generator=g)) * 0.5
    ref = (LOWER + (UPPER - LOWER) * torch.rand(64, 8, generator=g)) * 0.5
    rs = torch.full((8,), 0.1)
    a = (torch.rand(64, 8, generator=g) * 2 - 1) * (0.02 if mode == "delta" else 0.9)
    q = action_to_targets(a, mode, dof, ref, LOWER, UPPER, residual_scale=rs)
    inside = ((q > LOWER) & (q < UPPER)).all(1)
    assert inside.sum() > 32
    back = targets_to_actions(q, mode, dof, ref, LOWER, UPPER, residual_scale=rs)
    torch.testing.assert_close(back[inside], a[inside], atol=1e-5, rtol=0)


def test_targets_to_actions_converts_between_modes_and_clips_the_unreachable():
    dof, ref = _a(0.5, -0.5, 1.0, 1.0, 0, 0, 0.2, 0.3), _a(0.4, -0.4, 1.1, 1.0, 0.1, 0, 0.3, 1.0)
    rs = torch.tensor([0.02] * 3 + [0.1] * 3 + [0.2] * 2)
    # a residual teacher's targets, reached by a delta student: same PD targets
    a_res = _a(0.5, -0.5, 0.0, 1.0, -1.0, 0.2, 0.5, -0.5)
    q = action_to_targets(a_res, "residual", None, ref, LOWER, UPPER, residual_scale=rs)
    a_delta = targets_to_actions(q, "delta", dof, None, LOWER, UPPER)
    torch.testing.assert_close(action_to_targets(a_delta, "delta", dof, None, LOWER, UPPER), q)
    # the wrist x target is 0.41 m: +0.41 / 2 m from 0.0 in absolute mode; beyond a residual's reach it clips
    assert a_delta[0, 0].item() == pytest.approx((0.41 - 0.5) / 2.0)
    far = targets_to_actions(
        _a(1.5, 0, 0, 0, 0, 0, 0, 1.0), "residual", None, ref, LOWER, UPPER, residual_scale=rs
    )
    assert far[0, 0].item() == 1.0 and far[0, 7].item() == 0.0
