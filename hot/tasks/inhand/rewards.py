"""HORA's in-hand rotation reward as pure functions of tensors, and the weighted composer.

Every term takes tensors with a leading ``N`` (envs) and returns ``(N,)``; nothing reads an env. Weights
come from :class:`hot.tasks.inhand.config.RewardCfg` (signed: penalties have negative weights).
"""

from __future__ import annotations

from typing import cast

import torch

from hot.tasks.inhand.config import RewardCfg
from hot.utils.rotations import quat_conj, quat_mul, quat_to_exp_map

__all__ = [
    "TERMS",
    "finite_diff_ang_vel",
    "finite_diff_lin_vel",
    "pd_torque",
    "rotate_reward",
    "obj_linvel_penalty",
    "pose_diff_penalty",
    "torque_penalty",
    "work_penalty",
    "compute_reward",
]

TERMS = ("rotate", "obj_linvel", "pose_diff", "torque", "work")


def finite_diff_ang_vel(quat_prev: torch.Tensor, quat_now: torch.Tensor, dt: float) -> torch.Tensor:
    """World angular velocity (N, 3) rad/s from two wxyz orientations (N, 4) ``dt`` seconds apart.

    The rotation vector of ``q_now * q_prev^-1`` (the world-frame increment, shortest way) over ``dt``.
    Read at the control rate (HORA v0.0.2: reading it per physics step let a policy exploit jitter).
    """
    return quat_to_exp_map(quat_mul(quat_now, quat_conj(quat_prev))) / dt


def finite_diff_lin_vel(pos_prev: torch.Tensor, pos_now: torch.Tensor, dt: float) -> torch.Tensor:
    """Linear velocity (N, 3) m/s from two positions (N, 3) ``dt`` seconds apart."""
    return (pos_now - pos_prev) / dt


def pd_torque(
    kp: torch.Tensor,
    kd: torch.Tensor,
    target: torch.Tensor,
    q: torch.Tensor,
    qd: torch.Tensor,
    limit: float,
) -> torch.Tensor:
    """Joint torques (N, J) of the PD servo ``clip(kp (target - q) - kd qd, -limit, limit)``.

    ``kp``, ``kd`` are (N, J) or broadcastable; angles rad, velocities rad/s, torques N m. The simulator
    applies the same law (position actuators with a force range); the penalties use this value.
    """
    return torch.clamp(kp * (target - q) - kd * qd, -limit, limit)


def rotate_reward(
    ang_vel: torch.Tensor, axis: torch.Tensor, clip_min: float, clip_max: float
) -> torch.Tensor:
    """``clip(omega . axis, clip_min, clip_max)`` (N,): ang_vel (N, 3) rad/s world, axis (3,) unit."""
    return torch.clamp((ang_vel * axis).sum(-1), clip_min, clip_max)


def obj_linvel_penalty(lin_vel: torch.Tensor) -> torch.Tensor:
    """L1 norm (N,) of the object's linear velocity (N, 3)."""
    return lin_vel.abs().sum(-1)


def pose_diff_penalty(q: torch.Tensor, q_init: torch.Tensor) -> torch.Tensor:
    """``||q - q_init||^2`` (N,) over the joints (N, J)."""
    return ((q - q_init) ** 2).sum(-1)


def torque_penalty(torque: torch.Tensor) -> torch.Tensor:
    """``||tau||^2`` (N,) of the joint torques (N, J)."""
    return (torque**2).sum(-1)


def work_penalty(torque: torch.Tensor, qd: torch.Tensor) -> torch.Tensor:
    """``(tau . qd)^2`` (N,): squared mechanical power of the joints (N, J)."""
    return (torque * qd).sum(-1) ** 2


def compute_reward(
    cfg: RewardCfg,
    obj_ang_vel: torch.Tensor,
    obj_lin_vel: torch.Tensor,
    q: torch.Tensor,
    q_init: torch.Tensor,
    torque: torch.Tensor,
    qd: torch.Tensor,
    dt: float,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The weighted sum (N,) and the unweighted terms (name -> (N,)).

    ``reward = sum_k w_k * term_k``, times ``dt`` when ``cfg.scale_by_dt`` (UniLab's convention).
    """
    axis = torch.as_tensor(cfg.rot_axis, dtype=obj_ang_vel.dtype, device=obj_ang_vel.device)
    axis = axis / axis.norm()
    terms = {
        "rotate": rotate_reward(obj_ang_vel, axis, cfg.angvel_clip_min, cfg.angvel_clip_max),
        "obj_linvel": obj_linvel_penalty(obj_lin_vel),
        "pose_diff": pose_diff_penalty(q, q_init),
        "torque": torque_penalty(torque),
        "work": work_penalty(torque, qd),
    }
    total = cast(
        torch.Tensor, sum(getattr(cfg, name) * value for name, value in terms.items())
    )  # 5 tensor terms
    if cfg.scale_by_dt:
        total = total * dt
    return total, terms
