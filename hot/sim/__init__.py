"""hot.sim: the batched simulator layer (backend interface, MuJoCo CPU backend, scene builder).

``make_sim`` is the one place that picks a backend by name, so envs never import a backend module.
"""

from __future__ import annotations

from typing import Any

from hot.sim.base import SimBackend

__all__ = ["SimBackend", "make_sim", "BACKENDS"]

BACKENDS = ("mujoco", "mjwarp")


def make_sim(backend: str, hand: Any, obj: Any, num_envs: int, **kwargs: Any) -> SimBackend:
    """Build a simulator backend by name.

    Args:
        backend: ``"mujoco"`` (CPU, ``mujoco.batch``) or ``"mjwarp"`` (MuJoCo Warp; not yet here).
        hand, obj, num_envs, kwargs: passed to the backend's constructor
            (see :class:`hot.sim.mujoco_cpu.MujocoCpuSim`).
    """
    if backend == "mujoco":
        from hot.sim.mujoco_cpu import MujocoCpuSim

        return MujocoCpuSim(hand, obj, num_envs, **kwargs)
    if backend == "mjwarp":
        raise NotImplementedError(
            "sim backend 'mjwarp' (MuJoCo Warp) is not implemented yet; it will need the GPU extra "
            "(pip install 'hot[gpu]'). Use backend 'mujoco' for the CPU simulator."
        )
    raise ValueError(f"unknown sim backend {backend!r}; choose one of {', '.join(BACKENDS)}")
