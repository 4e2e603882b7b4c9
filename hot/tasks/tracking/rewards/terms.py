"""Pure reward terms of the multiplicative imitation reward (spec §5.4).

Each ``*_error`` returns a per-env error ``(N,)``; :func:`exp_factor` turns it into
``exp(-w·e)``. All positions are world frame, quaternions wxyz. DoF layout: ``dof[:, 0:3]`` wrist
slides, ``dof[:, 3:6]`` wrist hinge angles, ``dof[:, 6:]`` fingers.
"""

from __future__ import annotations

import math

import torch

from hot.assets.hands.base import FINGERS, WRIST_ROT
from hot.utils.rotations import quat_from_euler_xyz_extrinsic, quat_normalize, quat_to_matrix

__all__ = [
    "OBJ_CONTACT_FORCE_N",
    "exp_factor",
    "unit_vector_angle",
    "object_in_contact",
    "key_pos_error",
    "finger_dof_error",
    "wrist_pos_error",
    "wrist_rot_error",
    "wrist_vel_error",
    "obj_pos_error",
    "obj_rot_error",
    "obj_vel_error",
    "interaction_graph_error",
    "ig_scale",
    "contact_factor",
]

#: The object counts as touched when |F_x| or |F_y| of its net contact force exceeds this (N).
OBJ_CONTACT_FORCE_N = 0.1


def exp_factor(error: torch.Tensor, weight: float | torch.Tensor) -> torch.Tensor:
    """``exp(-weight · error)``, (N,)."""
    return torch.exp(-weight * error)


def unit_vector_angle(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``arccos(clamp(<a, b>, -1, 1))`` for unit vectors ``(..., M)``, computed stably.

    Uses ``atan2(|a ∧ b|, a·b)`` with the Lagrange identity ``|a∧b|² = Σ_{i<j}(a_i b_j - a_j b_i)²``,
    which equals arccos for unit vectors but is exactly 0 for ``a == b`` (float32 ``arccos`` of a
    dot product of 0.99999994 gives 3e-4 rad, which would make a perfect match score below 1).
    """
    outer = a.unsqueeze(-1) * b.unsqueeze(-2)
    wedge2 = ((outer - outer.transpose(-1, -2)) ** 2).sum(dim=(-1, -2)) * 0.5
    return torch.atan2(wedge2.sqrt(), (a * b).sum(-1))


def object_in_contact(
    obj_contact_force: torch.Tensor, threshold: float = OBJ_CONTACT_FORCE_N
) -> torch.Tensor:
    """(N,) bool from the object's net contact force ``(N, 3)`` (world): any |F_x|, |F_y| > threshold.

    z is ignored, as upstream (so a resting object's support force does not count as touch).
    """
    return (obj_contact_force[..., 0:2].abs() > threshold).any(dim=-1)


def key_pos_error(sim_key_pos: torch.Tensor, ref_key_pos: torch.Tensor) -> torch.Tensor:
    """e_p: mean over the 3K coordinates of the squared difference. Inputs (N, K, 3) world."""
    return ((ref_key_pos - sim_key_pos) ** 2).flatten(1).mean(-1)


def finger_dof_error(sim_dof_pos: torch.Tensor, ref_dof_pos: torch.Tensor) -> torch.Tensor:
    """e_r: mean over finger DoFs (``[:, 6:]``) of the squared difference (no angle wrapping). (N, D)."""
    return ((ref_dof_pos[:, FINGERS] - sim_dof_pos[:, FINGERS]) ** 2).mean(-1)


def wrist_pos_error(sim_dof_pos: torch.Tensor, ref_dof_pos: torch.Tensor) -> torch.Tensor:
    """e_wp: mean over the 3 wrist slide DoFs of the squared difference. (N, D)."""
    return ((ref_dof_pos[:, 0:3] - sim_dof_pos[:, 0:3]) ** 2).mean(-1)


def wrist_rot_error(sim_dof_pos: torch.Tensor, ref_dof_pos: torch.Tensor) -> torch.Tensor:
    """e_wr = arccos(clamp(<q_ref, q_sim>)) / π, in [0, 1].

    Both quats are built from the 3 wrist hinge angles with the **extrinsic** x-y-z construction
    (Isaac's ``quat_from_euler_xyz``, i.e. Rz·Ry·Rx), as upstream does for reference and sim alike.
    The physical wrist is Rx·Ry·Rz, so this is not the true wrist orientation, but the comparison
    is consistent and kept for parity. No ``abs`` of the dot and no ×2, as upstream: q and -q
    compare as maximally different (e_wr = 1).
    """
    q_ref = quat_normalize(quat_from_euler_xyz_extrinsic(ref_dof_pos[:, WRIST_ROT]))
    q_sim = quat_normalize(quat_from_euler_xyz_extrinsic(sim_dof_pos[:, WRIST_ROT]))
    return unit_vector_angle(q_ref, q_sim) / math.pi


def wrist_vel_error(sim_dof_vel: torch.Tensor, ref_dof_vel: torch.Tensor) -> torch.Tensor:
    """e_wpv: mean over the 3 wrist slide velocities of the squared difference. (N, D)."""
    return ((ref_dof_vel[:, 0:3] - sim_dof_vel[:, 0:3]) ** 2).mean(-1)


def obj_pos_error(sim_obj_pos: torch.Tensor, ref_obj_pos: torch.Tensor) -> torch.Tensor:
    """e_op: mean over xyz of the squared difference. (N, 3) world."""
    return ((ref_obj_pos - sim_obj_pos) ** 2).mean(-1)


def obj_rot_error(sim_obj_rot: torch.Tensor, ref_obj_rot: torch.Tensor) -> torch.Tensor:
    """e_or: sim quat sign-aligned to the reference, then mean over 4 components of the squared difference."""
    dot = (ref_obj_rot * sim_obj_rot).sum(-1, keepdim=True)
    aligned = torch.where(dot < 0, -sim_obj_rot, sim_obj_rot)
    return ((ref_obj_rot - aligned) ** 2).mean(-1)


def obj_vel_error(sim_obj_lin_vel: torch.Tensor, ref_obj_lin_vel: torch.Tensor) -> torch.Tensor:
    """e_opv: mean over xyz of the squared linear-velocity difference (weight 0 upstream). (N, 3)."""
    return ((ref_obj_lin_vel - sim_obj_lin_vel) ** 2).mean(-1)


def interaction_graph_error(
    sim_key_pos: torch.Tensor, sim_obj_pos: torch.Tensor, ref_key_pos: torch.Tensor, ref_obj_pos: torch.Tensor
) -> torch.Tensor:
    """e_ig: mean over K×3 of the squared difference of (key body - object position), world.

    Args: key positions (N, K, 3), object positions (N, 3).
    """
    ig_sim = sim_key_pos - sim_obj_pos.unsqueeze(1)
    ig_ref = ref_key_pos - ref_obj_pos.unsqueeze(1)
    return ((ig_ref - ig_sim) ** 2).flatten(1).mean(-1)


def ig_scale(
    ref_key_pos: torch.Tensor, ref_obj_pos: torch.Tensor, ref_obj_rot: torch.Tensor, keypoints_o: torch.Tensor
) -> torch.Tensor:
    """f = 2·exp(-2·d_min) (``--enable_ig_scale``, spec §4.4), (N,).

    d_min is the smallest distance between any reference key body (N, K, 3) and any object keypoint
    (N, P, 3, object frame) placed at the reference object pose, all in the world frame.
    """
    # Distances are the same in the object frame: move the K key bodies there instead of the P keypoints
    # to the world, and take the minimum of |a|^2 + |p|^2 - 2 a.p before the one square root it needs
    # (torch.cdist takes a root of all N*K*P distances).
    rot = quat_to_matrix(ref_obj_rot)  # (N, 3, 3), object -> world
    key_o = torch.bmm(ref_key_pos - ref_obj_pos.unsqueeze(1), rot)  # (N, K, 3) = R^T (x - t)
    p_sq = (keypoints_o * keypoints_o).sum(-1).unsqueeze(1)  # (N, 1, P)
    d2 = torch.baddbmm(p_sq, key_o, keypoints_o.transpose(1, 2), alpha=-2.0)  # (N, K, P) without |a|^2
    d2_min = d2.min(-1).values + (key_o * key_o).sum(-1)  # (N, K)
    d_min = d2_min.min(-1).values.clamp_min(0.0).sqrt()
    return 2.0 * torch.exp(-2.0 * d_min)


def contact_factor(obj_contact: torch.Tensor, ref_contact: torch.Tensor, weight: float) -> torch.Tensor:
    """r_cg = exp(-w·|c_sim - c_ref|), and 1 where the reference label is -1 (don't care). (N,)."""
    c_sim = obj_contact.to(torch.float32)
    c_ref = ref_contact.to(torch.float32)
    r = torch.exp(-weight * (c_sim - c_ref).abs())
    return torch.where(c_ref == -1, torch.ones_like(r), r)
