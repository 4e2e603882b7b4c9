"""Named state containers shared by the simulator, the motion loader and the tracking math.

These replace upstream's flat "hoi rows" with fixed offsets: every consumer reads fields by name,
so MANO (D=51, K=16), Shadow (D=28, K=23) and Allegro (D=22, K=17) share one code path.

Shapes use N = number of envs, D = hand DoFs (6 wrist + fingers), K = key bodies (last = wrist),
C = contact bodies. Frames: every position/velocity is in the world frame (``_w`` implied);
quaternions are wxyz.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch


def _map(obj, fn):
    return type(obj)(**{f.name: fn(getattr(obj, f.name)) for f in fields(obj)})


@dataclass
class SimState:
    """What the tracking env reads from the simulator after a step.

    Attributes:
        dof_pos: (N, D) joint positions, wrist slides (m) + wrist hinges (rad) + fingers (rad).
        dof_vel: (N, D) joint velocities.
        key_pos: (N, K, 3) key-body world positions.
        key_rot: (N, K, 4) key-body world orientations (wxyz).
        key_lin_vel: (N, K, 3) key-body world linear velocities.
        key_ang_vel: (N, K, 3) key-body world angular velocities.
        obj_pos: (N, 3) object world position.
        obj_rot: (N, 4) object world orientation (wxyz).
        obj_lin_vel: (N, 3) object world linear velocity.
        obj_ang_vel: (N, 3) object world angular velocity.
        contact_force: (N, C, 3) net contact force on each contact body, world frame.
        obj_contact_force: (N, 3) net contact force on the object from the hand, world frame.
        hand_contact: (N,) bool, any hand body touches anything.
        penetration: (N,) hand–object penetration depth in m (≥ 0; 0 when not penetrating).
    """

    dof_pos: torch.Tensor
    dof_vel: torch.Tensor
    key_pos: torch.Tensor
    key_rot: torch.Tensor
    key_lin_vel: torch.Tensor
    key_ang_vel: torch.Tensor
    obj_pos: torch.Tensor
    obj_rot: torch.Tensor
    obj_lin_vel: torch.Tensor
    obj_ang_vel: torch.Tensor
    contact_force: torch.Tensor
    obj_contact_force: torch.Tensor
    hand_contact: torch.Tensor
    penetration: torch.Tensor

    def map(self, fn) -> SimState:
        """Apply ``fn`` to every tensor (e.g. indexing a subset of envs)."""
        return _map(self, fn)


@dataclass
class RefFrame:
    """One reference frame per env, taken from a motion clip.

    Attributes:
        dof_pos: (N, D) reference joint positions.
        dof_vel: (N, D) reference joint velocities (finite differences).
        key_pos: (N, K, 3) reference key-body world positions.
        obj_pos: (N, 3) reference object position.
        obj_rot: (N, 4) reference object orientation (wxyz); all zeros past the clip end.
        obj_lin_vel: (N, 3) reference object linear velocity.
        obj_ang_vel: (N, 3) reference object angular velocity.
        contact: (N,) contact label: 1 touch, 0 no touch, -1 don't care.
        valid: (N,) bool, False for the zero padding past a clip's end.
    """

    dof_pos: torch.Tensor
    dof_vel: torch.Tensor
    key_pos: torch.Tensor
    obj_pos: torch.Tensor
    obj_rot: torch.Tensor
    obj_lin_vel: torch.Tensor
    obj_ang_vel: torch.Tensor
    contact: torch.Tensor
    valid: torch.Tensor

    def map(self, fn) -> RefFrame:
        return _map(self, fn)
