"""Policy action -> PD (position-actuator) targets (upstream ``humanoid_task.py::pre_physics_step``, spec §3.5).

Per-DoF constants come from the joint limits: ``offset = (lo + hi) / 2``, ``scale = (hi - lo) / 2``
(wrist slides ±2 m -> offset 0, scale 2; wrist hinges ±2π -> offset 0, scale 2π). Actions are
clipped to [-1, 1] first (upstream's VecTask wrapper did that).

========  =====================================================================================
mode      target q*
========  =====================================================================================
absolute  ``offset + scale·a`` for every DoF (upstream default)
delta     fingers absolute; wrist DoFs 0..5: ``q_current + offset + scale·a`` — the *current*
          joint position, not the previous target (``--use_delta_action``; all released
          training commands)
residual  ``q_ref + scale·a`` with q_ref the reference DoFs of the current frame
          (``--use_res_action``)
========  =====================================================================================

The result is clamped to the joint limits. Upstream relied on the simulator for that; MuJoCo's
``ctrlrange`` clamps the same way, so clamping here changes nothing physically but keeps the
returned targets honest.
"""

from __future__ import annotations

from typing import Literal

import torch

from hot.assets.hands.base import NUM_WRIST_DOFS

__all__ = ["ACTION_MODES", "NUM_WRIST_DOFS", "action_to_targets", "targets_to_actions"]

ACTION_MODES = ("absolute", "delta", "residual")


def action_to_targets(
    actions: torch.Tensor,
    mode: Literal["absolute", "delta", "residual"],
    dof_pos: torch.Tensor | None,
    ref_dof_pos: torch.Tensor | None,
    lower: torch.Tensor,
    upper: torch.Tensor,
    residual_scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """PD targets from policy actions.

    Args:
        actions: (N, D) raw policy output (clipped to [-1, 1] here).
        mode: ``"absolute"``, ``"delta"`` or ``"residual"`` (see module docstring).
        dof_pos: (N, D) current joint positions; needed for ``"delta"``.
        ref_dof_pos: (N, D) reference joint positions of the current frame; needed for ``"residual"``.
        lower, upper: (D,) joint limits.
        residual_scale: optional (D,) scale of residual actions replacing the half joint range
            (upstream's residual scale is the half range: ±2 m for the wrist slides).

    Returns:
        (N, D) joint-position targets within [lower, upper].
    """
    if mode not in ACTION_MODES:
        raise ValueError(f"action_to_targets: unknown action mode {mode!r}; expected one of {ACTION_MODES}")
    if actions.dim() != 2 or actions.shape[-1] != lower.shape[-1] or lower.shape != upper.shape:
        raise ValueError(
            f"action_to_targets: actions {tuple(actions.shape)} must be (N, D) with D = len(lower) = "
            f"len(upper) = {tuple(lower.shape)}/{tuple(upper.shape)}"
        )
    a = actions.clamp(-1.0, 1.0)
    offset = 0.5 * (lower + upper)
    scale = 0.5 * (upper - lower)
    if mode == "absolute":
        q = offset + scale * a
    elif mode == "delta":
        if dof_pos is None:
            raise ValueError("action_to_targets: mode 'delta' needs dof_pos (current joint positions)")
        q = offset + scale * a
        w = NUM_WRIST_DOFS
        q = torch.cat([dof_pos[:, :w] + q[:, :w], q[:, w:]], dim=-1)
    else:
        if ref_dof_pos is None:
            raise ValueError(
                "action_to_targets: mode 'residual' needs ref_dof_pos (reference joint positions)"
            )
        q = ref_dof_pos + (scale if residual_scale is None else residual_scale) * a
    return torch.maximum(torch.minimum(q, upper), lower)


def targets_to_actions(
    targets: torch.Tensor,
    mode: Literal["absolute", "delta", "residual"],
    dof_pos: torch.Tensor | None,
    ref_dof_pos: torch.Tensor | None,
    lower: torch.Tensor,
    upper: torch.Tensor,
    residual_scale: torch.Tensor | None = None,
) -> torch.Tensor:
    """The actions in [-1, 1] that :func:`action_to_targets` turns into ``targets`` (its inverse).

    Used to hand a teacher's action to a student with another action mode: the teacher's action
    becomes PD targets in the teacher's mode, and those targets become the student's action here.
    Targets a mode cannot reach (beyond its [-1, 1] range) give the clipped action, whose targets
    are the nearest reachable ones. Arguments as for :func:`action_to_targets`; returns (N, D).
    """
    if mode not in ACTION_MODES:
        raise ValueError(f"targets_to_actions: unknown action mode {mode!r}; expected one of {ACTION_MODES}")
    offset = 0.5 * (lower + upper)
    scale = 0.5 * (upper - lower)
    if mode == "absolute":
        a = (targets - offset) / scale
    elif mode == "delta":
        if dof_pos is None:
            raise ValueError("targets_to_actions: mode 'delta' needs dof_pos (current joint positions)")
        w = NUM_WRIST_DOFS
        a = (targets - offset) / scale
        a = torch.cat([(targets[:, :w] - dof_pos[:, :w] - offset[:w]) / scale[:w], a[:, w:]], dim=-1)
    else:
        if ref_dof_pos is None:
            raise ValueError(
                "targets_to_actions: mode 'residual' needs ref_dof_pos (reference joint positions)"
            )
        a = (targets - ref_dof_pos) / (scale if residual_scale is None else residual_scale)
    return a.clamp(-1.0, 1.0)
