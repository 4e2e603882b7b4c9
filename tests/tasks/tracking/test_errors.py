"""Per-step errors E_op / E_or / E_h (spec §5.5)."""

from __future__ import annotations

import math

import torch

from hot.tasks.tracking.metrics.errors import (
    compute_errors,
    key_body_error_cm,
    object_keypoint_error_cm,
    object_rot_error_deg,
)
from hot.utils.rotations import quat_from_axis_angle
from tests.tasks.tracking.helpers import make_sim, ref_from_sim

Z = torch.tensor([0.0, 0.0, 1.0])


def _yaw(deg):
    return quat_from_axis_angle(Z, torch.tensor(math.radians(deg)))[None]


def test_e_op_is_mean_absolute_coordinate_difference_in_cm():
    kp = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    ident = torch.tensor([[1.0, 0, 0, 0]])
    e = object_keypoint_error_cm(torch.zeros(1, 3), ident, torch.tensor([[0.01, 0.02, 0.0]]), ident, kp)
    torch.testing.assert_close(e, torch.tensor([1.0]))  # (1 + 2 + 0) cm × 2 points / 6 coordinates
    # a 90° yaw moves (1,0,0) to (0,1,0) and (0,1,0) to (-1,0,0): |diffs| = 1,1,0, 1,1,0 -> mean 2/3 m
    e = object_keypoint_error_cm(torch.zeros(1, 3), ident, torch.zeros(1, 3), _yaw(90), kp)
    torch.testing.assert_close(e, torch.tensor([200.0 / 3]))


def test_e_or_degrees_sign_invariant_and_wrapped():
    ident = torch.tensor([[1.0, 0, 0, 0]])
    torch.testing.assert_close(object_rot_error_deg(ident, _yaw(30)), torch.tensor([30.0]), atol=1e-4, rtol=0)
    assert object_rot_error_deg(_yaw(30), -_yaw(30)).item() == 0.0
    assert object_rot_error_deg(_yaw(30), _yaw(30)).item() == 0.0
    torch.testing.assert_close(
        object_rot_error_deg(ident, _yaw(200)), torch.tensor([160.0]), atol=1e-3, rtol=0
    )
    torch.testing.assert_close(
        object_rot_error_deg(ident * 3, _yaw(30)), torch.tensor([30.0]), atol=1e-4, rtol=0
    )


def test_e_h_mean_euclidean_in_cm():
    ref = torch.zeros(1, 2, 3)
    sim = torch.tensor([[[0.03, 0.04, 0.0], [0.0, 0.0, 0.0]]])
    torch.testing.assert_close(key_body_error_cm(ref, sim), torch.tensor([2.5]))


def test_compute_errors_zero_where_reference_invalid():
    sim = make_sim(3, 8, 2, 1)
    sim.key_pos[:, 0, 0] = 0.1
    sim.obj_pos[:, 0] = 0.1
    ref = ref_from_sim(make_sim(3, 8, 2, 1))
    ref.valid[1] = False
    ref.obj_rot[2] = 0.0  # zero padding past the clip end
    kp = torch.tensor([[[0.05, 0.0, 0.0]]]).expand(3, 1, 3)
    out = compute_errors(sim, ref, kp)
    assert out["error_done"].tolist() == [False, True, True]
    torch.testing.assert_close(out["E_h"], torch.tensor([5.0, 0.0, 0.0]))
    torch.testing.assert_close(out["E_op"], torch.tensor([10.0 / 3, 0.0, 0.0]))
    assert torch.equal(out["E_or"], torch.zeros(3))
