"""The simulator interface every env uses; backends: ``mujoco_cpu`` (mujoco.batch), ``mjwarp`` (MuJoCo Warp).

Only torch tensors and plain Python types cross this interface, so envs never see a backend's
native types. Shapes: N = ``num_envs``, D = hand DoFs (``hand.dof_names`` order), K key bodies,
C contact bodies. Frames: world frame everywhere; quaternions wxyz (``hot.utils.rotations``).

Time: a control step is ``step(substeps=2)``, i.e. 2 physics steps of 1/120 s = 1/60 s.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import torch

from hot.sim.state import SimState

if TYPE_CHECKING:  # only for annotations: importing the hands imports mujoco, which binds its GL backend
    from hot.assets.hands.base import HandModel

__all__ = ["SimBackend"]


class SimBackend(ABC):
    """A batch of N independent hand + object worlds driven by PD position targets."""

    @property
    @abstractmethod
    def num_envs(self) -> int:
        """N, the number of worlds."""

    @property
    @abstractmethod
    def hand(self) -> HandModel:
        """The hand simulated in every world."""

    @property
    @abstractmethod
    def device(self) -> torch.device:
        """Device of every tensor returned."""

    @property
    @abstractmethod
    def dof_limits(self) -> torch.Tensor:
        """(D, 2) float32 joint ranges (lower, upper): m for wrist slides, rad otherwise."""

    @property
    @abstractmethod
    def pd_gains(self) -> torch.Tensor:
        """(D, 2) float32 PD gains (kp, kv) of the position actuators, ``hand.dof_names`` order."""

    @property
    @abstractmethod
    def object_scales(self) -> torch.Tensor:
        """(N,) float32 object scale actually simulated in each world (after any quantisation).

        Consumers that scale object keypoints must use these values, not the requested ones.
        """

    @abstractmethod
    def reset(
        self,
        env_ids: torch.Tensor,
        dof_pos: torch.Tensor,
        dof_vel: torch.Tensor,
        obj_pos: torch.Tensor,
        obj_rot: torch.Tensor,
        obj_lin_vel: torch.Tensor,
        obj_ang_vel: torch.Tensor,
    ) -> None:
        """Put worlds ``env_ids`` in the given state; other worlds are untouched.

        Args:
            env_ids: (M,) int64 world indices (unique; any order).
            dof_pos: (M, D) joint positions; also become the PD targets.
            dof_vel: (M, D) joint velocities.
            obj_pos: (M, 3) object position, world.
            obj_rot: (M, 4) object orientation, world, wxyz (normalised here).
            obj_lin_vel: (M, 3) object linear velocity of its origin, world.
            obj_ang_vel: (M, 3) object angular velocity, world.

        After the call ``state()`` describes the new state and ``diverged()`` is False for these
        worlds (unless the given state is itself non-finite).
        """

    @abstractmethod
    def set_targets(self, targets: torch.Tensor) -> None:
        """Set PD position targets ``(N, D)`` for all worlds (clamped to the joint ranges by the sim)."""

    @abstractmethod
    def step(self, substeps: int = 2) -> None:
        """Advance every world by ``substeps`` physics steps with the current targets."""

    @abstractmethod
    def state(self) -> SimState:
        """The current state of all worlds as float32 tensors on ``device``.

        Velocities are those of each body's frame origin (the point ``key_pos`` / ``obj_pos``
        follow), world frame: MuJoCo's ``mj_objectVelocity(m, d, mjOBJ_XBODY, id, res, 0)``
        (note ``mjOBJ_BODY`` would give the centre-of-mass velocity instead). Contact quantities may lag the
        kinematic ones by one physics substep (backend-specific; see its docstring).
        """

    @abstractmethod
    def diverged(self) -> torch.Tensor:
        """(N,) bool: world has non-finite qpos/qvel or raised a MuJoCo warning/error since its last reset."""
