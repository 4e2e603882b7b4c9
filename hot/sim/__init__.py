"""hot.sim: the batched simulator layer (backend interface, MuJoCo CPU and MuJoCo Warp backends, scene builder).

``make_sim`` is the one place that picks a backend by name, so envs never import a backend module.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Literal

from hot.sim.base import SimBackend

__all__ = ["SimBackend", "make_sim", "pick_backend", "BACKENDS", "mjwarp_missing", "MJWARP_INSTALL_HINT"]

BACKENDS = ("mujoco", "mjwarp")
"""Backend names; ``"auto"`` picks one of them (:func:`pick_backend`)."""
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


def pick_backend(requested: str, device: Any = None) -> tuple[Literal["mujoco", "mjwarp"], str]:
    """Resolve a backend request to ``(backend, why)``; ``why`` says in words how it was chosen.

    ``"mujoco"`` / ``"mjwarp"`` are kept as they are. ``"auto"`` gives ``"mjwarp"`` when the run's
    torch ``device`` is CUDA (None: CUDA if available, as ``--device`` defaults) and MuJoCo Warp is
    installed, else ``"mujoco"``: MuJoCo Warp pays off on a GPU only, and on Warp's CPU device it is
    3-10x slower than C MuJoCo (docs/dev/MJWARP.md).
    """
    if requested in BACKENDS:
        return requested, "requested"
    if requested != "auto":
        raise ValueError(f"unknown sim backend {requested!r}; choose auto or one of {', '.join(BACKENDS)}")
    import torch

    if device is None:
        if not torch.cuda.is_available():
            return "mujoco", "auto: no CUDA device, C MuJoCo on CPU threads"
        device = "cuda"
    elif torch.device(device).type != "cuda" or not torch.cuda.is_available():
        return "mujoco", f"auto: device {device} is not a CUDA device, C MuJoCo on CPU threads"
    if mjwarp_missing() is not None:
        return "mujoco", f"auto: CUDA is available but MuJoCo Warp is not installed ({MJWARP_INSTALL_HINT})"
    return "mjwarp", f"auto: CUDA device {device} and MuJoCo Warp installed"


def make_sim(backend: str, hand: Any, obj: Any, num_envs: int, **kwargs: Any) -> SimBackend:
    """Build a simulator backend by name.

    Args:
        backend: ``"mujoco"`` (C MuJoCo on CPU threads, ``mujoco.batch``), ``"mjwarp"`` (MuJoCo
            Warp on a CUDA device, or on Warp's CPU device when ``device`` is a CPU; needs ``hot[gpu]``)
            or ``"auto"`` (:func:`pick_backend` for ``kwargs["device"]``, default CPU).
        hand, obj, num_envs, kwargs: passed to the backend's constructor
            (:class:`hot.sim.mujoco_cpu.MujocoCpuSim`, :class:`hot.sim.mjwarp.MjWarpSim`).

    Raises:
        ImportError: ``"mjwarp"`` without MuJoCo Warp installed (the message names the install command).
    """
    if backend == "auto":
        backend, _ = pick_backend(backend, kwargs.get("device", "cpu"))
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
