"""Several objects in one run: one backend batch per object behind the :class:`SimBackend` interface.

Every backend compiles one model per object (C MuJoCo: one ``mujoco.batch``; MuJoCo Warp: one
``put_model``), so a multi-object run (``MultiObjDistill``) keeps one batch per object and gives
each a contiguous block of worlds: object 0 owns worlds ``[0, n0)``, object 1 ``[n0, n0 + n1)``, and
so on. The cost is one step call per object (sequential); the worlds inside a batch still step in
parallel. All batches share the hand, so joint limits and gains are the first batch's.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from hot.sim.base import SimBackend
from hot.sim.state import SimState
from hot.sim.worlds import split_blocks

__all__ = ["GroupedSim", "block_sizes"]


def block_sizes(num_envs: int, num_groups: int) -> list[int]:
    """Split ``num_envs`` worlds into ``num_groups`` contiguous blocks as evenly as possible
    (:func:`hot.sim.worlds.split_blocks`: the first ``num_envs % num_groups`` blocks get one world more;
    every block must be non-empty)."""
    return [len(r) for r in split_blocks(num_envs, num_groups, "objects")]


class GroupedSim(SimBackend):
    """Concatenation of backends; world ``i`` of the group is world ``i - offset[g]`` of batch ``g``.

    Args:
        sims: one backend per object, all for the same hand and on the same torch device.
    """

    def __init__(self, sims: Sequence[SimBackend]) -> None:
        if not sims:
            raise ValueError("GroupedSim needs at least one backend")
        names = {s.hand.name for s in sims}
        if len(names) != 1:
            raise ValueError(f"GroupedSim: all batches must simulate the same hand, got {sorted(names)}")
        self.sims = list(sims)
        sizes = [s.num_envs for s in self.sims]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        self._n = self.offsets[-1]
        self.group_of_env = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes)).to(
            self.sims[0].device
        )

    @property
    def num_envs(self) -> int:
        return self._n

    @property
    def hand(self):
        return self.sims[0].hand

    @property
    def device(self) -> torch.device:
        return self.sims[0].device

    @property
    def dof_limits(self) -> torch.Tensor:
        return self.sims[0].dof_limits

    @property
    def pd_gains(self) -> torch.Tensor:
        return self.sims[0].pd_gains

    @property
    def object_scales(self) -> torch.Tensor:
        return torch.cat([s.object_scales for s in self.sims])

    def _split(self, env_ids: torch.Tensor):
        """Yield ``(sim, local_ids, rows)``: each batch, its world ids and their rows in ``env_ids``."""
        env_ids = env_ids.to(self.group_of_env.device).long()
        groups = self.group_of_env[env_ids]
        for g, sim in enumerate(self.sims):
            rows = (groups == g).nonzero().squeeze(-1)
            if rows.numel():
                yield sim, env_ids[rows] - self.offsets[g], rows

    def reset(self, env_ids, dof_pos, dof_vel, obj_pos, obj_rot, obj_lin_vel, obj_ang_vel) -> None:
        for sim, local, rows in self._split(env_ids):
            r = rows.to(dof_pos.device)
            sim.reset(local, dof_pos[r], dof_vel[r], obj_pos[r], obj_rot[r], obj_lin_vel[r], obj_ang_vel[r])

    def set_targets(self, targets: torch.Tensor) -> None:
        for g, sim in enumerate(self.sims):
            sim.set_targets(targets[self.offsets[g] : self.offsets[g + 1]])

    def step(self, substeps: int = 2) -> None:
        for sim in self.sims:
            sim.step(substeps)

    def state(self) -> SimState:
        parts = [s.state() for s in self.sims]
        if len(parts) == 1:
            return parts[0]
        first = parts[0]
        return type(first)(
            **{name: torch.cat([getattr(p, name) for p in parts]) for name in first.__dataclass_fields__}
        )

    def diverged(self) -> torch.Tensor:
        return torch.cat([s.diverged().to(self.device) for s in self.sims])
