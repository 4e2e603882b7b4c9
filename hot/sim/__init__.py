"""hot.sim: the batched simulator layer (backend interface, MuJoCo CPU and MuJoCo Warp backends, scene builder).

``make_sim`` is the one place that picks a backend by name, so envs never import a backend module.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from hot.sim.base import SimBackend

__all__ = ["SimBackend", "make_sim", "BACKENDS", "mjwarp_missing", "MJWARP_INSTALL_HINT"]

BACKENDS = ("mujoco", "mjwarp")
MJWARP_INSTALL_HINT = "pip install -e .[gpu]  (installs mujoco-warp and warp-lang)"


def mjwarp_missing() -> str | None:
    """Why the ``mjwarp`` backend cannot be used here (a message naming the install command), or None.

    Only looks the packages up (no import: importing Warp initialises it).
    """
    missing = [name for name in ("warp", "mujoco_warp") if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    return (
        f"sim backend 'mjwarp' needs MuJoCo Warp, but {' and '.join(missing)} is not installed: "
        f"{MJWARP_INSTALL_HINT}; or use --sim mujoco (the C MuJoCo CPU backend)"
    )


def make_sim(backend: str, hand: Any, obj: Any, num_envs: int, **kwargs: Any) -> SimBackend:
    """Build a simulator backend by name.

    Args:
        backend: ``"mujoco"`` (C MuJoCo on CPU threads, ``mujoco.batch``) or ``"mjwarp"`` (MuJoCo
            Warp on a CUDA device, or on Warp's CPU device when ``device`` is a CPU; needs ``hot[gpu]``).
        hand, obj, num_envs, kwargs: passed to the backend's constructor
            (:class:`hot.sim.mujoco_cpu.MujocoCpuSim`, :class:`hot.sim.mjwarp.MjWarpSim`).

    Raises:
        ImportError: ``"mjwarp"`` without MuJoCo Warp installed (the message names the install command).
    """
    if backend == "mujoco":
        from hot.sim.mujoco_cpu import MujocoCpuSim

        return MujocoCpuSim(hand, obj, num_envs, **kwargs)
    if backend == "mjwarp":
        why = mjwarp_missing()
        if why is not None:
            raise ImportError(why)
        from hot.sim.mjwarp import MjWarpSim

        return MjWarpSim(hand, obj, num_envs, **kwargs)
    raise ValueError(f"unknown sim backend {backend!r}; choose one of {', '.join(BACKENDS)}")
