"""Per-step tracking errors (upstream ``compute_metrics``, spec §5.5).

Used for early termination and test reports. All three are 0 where the reference is invalid:
``ref.valid`` is False or the reference object quaternion is all zeros (the zero padding past a
clip's end, upstream's only test); that mask is returned as ``error_done``.
"""

from __future__ import annotations

import math

import torch

from hot.sim.state import RefFrame, SimState
from hot.tasks.tracking.rewards.terms import unit_vector_angle
from hot.utils.rotations import quat_normalize, quat_to_matrix

__all__ = [
    "object_keypoint_error_cm",
    "object_rot_error_deg",
    "key_body_error_cm",
    "reference_invalid",
    "compute_errors",
]


def object_keypoint_error_cm(
    ref_obj_pos: torch.Tensor,
    ref_obj_rot: torch.Tensor,
    sim_obj_pos: torch.Tensor,
    sim_obj_rot: torch.Tensor,
    keypoints_o: torch.Tensor,
) -> torch.Tensor:
    """E_op (cm), (N,): mean over keypoints **and** xyz of |ref point - sim point| × 100.

    A mean absolute coordinate difference, not a Euclidean norm (upstream). Keypoints (N, P, 3) in
    the object frame are placed by the reference pose and by the sim pose (world frame).
    """
    # ref - sim = (R_ref - R_sim) p + (t_ref - t_sim): one batched product instead of two
    rot_diff = quat_to_matrix(ref_obj_rot) - quat_to_matrix(sim_obj_rot)
    diff = torch.baddbmm((ref_obj_pos - sim_obj_pos).unsqueeze(1), keypoints_o, rot_diff.transpose(1, 2))
    return diff.abs().flatten(1).mean(-1) * 100.0


def object_rot_error_deg(ref_obj_rot: torch.Tensor, sim_obj_rot: torch.Tensor) -> torch.Tensor:
    """E_or (deg), (N,): |wrap(2·arccos(clamp(<q_ref, q_sim>)))| in degrees, quats normalised first.

    The wrap to [-π, π) makes it sign-invariant: for d = <q_ref, q_sim> in [-1, 1],
    |wrap(2·arccos d)| = 2·arccos|d|, which is what is computed, with arccos evaluated stably
    (:func:`hot.tasks.tracking.rewards.terms.unit_vector_angle`) so that q vs q and q vs -q give exactly 0.
    """
    a = quat_normalize(ref_obj_rot)
    b = quat_normalize(sim_obj_rot)
    b = torch.where((a * b).sum(-1, keepdim=True) < 0, -b, b)
    return 2.0 * unit_vector_angle(a, b) * (180.0 / math.pi)


def key_body_error_cm(ref_key_pos: torch.Tensor, sim_key_pos: torch.Tensor) -> torch.Tensor:
    """E_h (cm), (N,): mean over the K key bodies of the Euclidean distance × 100. Inputs (N, K, 3)."""
    return (ref_key_pos - sim_key_pos).norm(dim=-1).mean(-1) * 100.0


def reference_invalid(ref: RefFrame) -> torch.Tensor:
    """(N,) bool: ``~ref.valid`` or an all-zero reference object quaternion."""
    return ~ref.valid.bool() | (ref.obj_rot == 0).all(dim=-1)


def compute_errors(sim: SimState, ref: RefFrame, keypoints_o: torch.Tensor) -> dict[str, torch.Tensor]:
    """``E_op`` (cm), ``E_or`` (deg), ``E_h`` (cm), each (N,), zero where the reference is invalid,
    and ``error_done`` (N,) bool (the invalid mask).

    Args:
        sim: simulator state; ref: reference frame; keypoints_o: (N, P, 3) object-frame keypoints.
    """
    invalid = reference_invalid(ref)
    e_op = object_keypoint_error_cm(ref.obj_pos, ref.obj_rot, sim.obj_pos, sim.obj_rot, keypoints_o)
    e_or = object_rot_error_deg(ref.obj_rot, sim.obj_rot)
    e_h = key_body_error_cm(ref.key_pos, sim.key_pos)
    zero = torch.zeros_like(e_op)
    return {
        "E_op": torch.where(invalid, zero, e_op),
        "E_or": torch.where(invalid, zero, e_or),
        "E_h": torch.where(invalid, zero, e_h),
        "error_done": invalid,
    }
