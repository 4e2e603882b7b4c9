"""Action -> PD target modes (spec §3.5)."""

from __future__ import annotations

import math

import pytest
import torch

from hot.envs.actions import action_to_targets

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
