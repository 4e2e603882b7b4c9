"""Blocks of worlds on C MuJoCo (``mujoco.batch``), and the one way envs are split into blocks.

A *block* is ``len(ids)`` worlds of one compiled model, with optional per-world model fields (mass,
centre of mass, friction, PD gains: ``expand``). Tasks that need several models in one run (the in-hand
env's object scales, the tracking env's objects) split their envs with :func:`split_blocks` and run one
block per model. :class:`CpuWorlds` is the C MuJoCo block; :class:`hot.sim.warp_worlds.WarpWorlds` the
MuJoCo Warp one, with the same interface. :func:`new_batch` and :data:`SimulationError` serve one-off
batches (grasp validation, stable poses in ``hot.datagen``), so that only ``hot.sim`` imports
``mujoco.batch``.
"""

from __future__ import annotations

import mujoco
import numpy as np
from mujoco import batch as mjbatch

__all__ = ["CpuWorlds", "SimulationError", "new_batch", "split_blocks"]

SimulationError = mjbatch.SimulationError
"""Raised by a batch step when worlds diverge; ``.ids`` lists them (they kept their state)."""

_VEL = mujoco.mjtStage.mjSTAGE_VEL
_NONE = mujoco.mjtStage.mjSTAGE_NONE


def split_blocks(num_envs: int, num_blocks: int, what: str = "blocks") -> list[range]:
    """Contiguous near-even ranges of env ids, one per block; the first ``num_envs % num_blocks`` get one more.

    Args:
        num_envs: envs to split.
        num_blocks: blocks (models) that each need at least one env.
        what: the blocks in words, for the error (``"objects"``, ``"object scales"``).

    Raises:
        ValueError: fewer envs than blocks (the message says to raise ``--num_envs``).
    """
    if num_blocks < 1:
        raise ValueError(f"need at least one block of worlds, got {num_blocks}")
    if num_envs < num_blocks:
        raise ValueError(
            f"{num_envs} envs cannot hold {num_blocks} {what}: every one needs at least one env (raise --num_envs)"
        )
    base, extra = divmod(num_envs, num_blocks)
    out, start = [], 0
    for i in range(num_blocks):
        n = base + (1 if i < extra else 0)
        out.append(range(start, start + n))
        start += n
    return out


def new_batch(model: mujoco.MjModel, nsim: int, nthread: int = 0, persistent: bool = False) -> mjbatch.Batch:
    """A ``mujoco.batch.Batch`` of ``nsim`` worlds of ``model`` on ``nthread`` threads (0: all CPUs)."""
    return mjbatch.Batch(model, nsim=nsim, nthread=nthread, persistent=persistent)


class CpuWorlds:
    """The envs ``ids`` on one ``mujoco.batch.Batch`` of ``model`` (C MuJoCo, CPU threads).

    The block interface (shared with :class:`hot.sim.warp_worlds.WarpWorlds`): ``ids``, ``sl``, ``model``,
    numpy arrays ``qpos``, ``qvel``, ``ctrl``, ``xpos``, ``sensordata``, ``xfrc`` (N, ...; block world first)
    and ``model_fields`` (name -> (N, ...) per-world values of the fields in ``expand``) that the env reads
    and writes, and ``reset``, ``set_const``, ``forward``, ``step`` below.

    Args:
        model: the C model of every world.
        ids: the env ids of the block (world ``i`` is env ``ids[i]``).
        nthread: CPU threads (capped at the block's size).
        expand: model fields with per-world values.
    """

    def __init__(self, model: mujoco.MjModel, ids: range, nthread: int, expand: list[str]) -> None:
        self.ids, self.model = ids, model
        b = self.batch = mjbatch.Batch(model, len(ids), max(1, min(nthread, len(ids))), persistent=True)
        self.model_fields = {name: b.expand(name) for name in expand}
        self.qpos, self.qvel, self.ctrl = b.bind("qpos"), b.bind("qvel"), b.bind("ctrl")
        self.xpos, self.sensordata, self.xfrc = b.bind("xpos"), b.bind("sensordata"), b.bind("xfrc_applied")
        b.reset()

    @property
    def sl(self) -> slice:
        return slice(self.ids.start, self.ids.stop)

    def reset(self, local: np.ndarray) -> None:
        """Worlds ``local`` (block-local ids) back to the model's default state."""
        self.batch.reset(local, stage=_NONE)

    def set_const(self, local: np.ndarray) -> None:
        """Recompute the constants derived from the model fields of worlds ``local`` (mass, CoM changes)."""
        self.batch.set_const(local)

    def forward(self, local: np.ndarray) -> None:
        """Recompute the derived state of worlds ``local`` after writes to their state."""
        self.batch.forward(local)

    def step(self, nstep: int) -> np.ndarray:
        """``nstep`` physics steps of every world; returns the local ids of worlds that diverged (those kept
        their state, the others completed)."""
        try:
            self.batch.step(nstep=nstep, stage=_VEL)
        except SimulationError as exc:
            return np.asarray(exc.ids, dtype=np.int64)
        return np.zeros(0, dtype=np.int64)
