"""The task registry: every task family, the hands it supports, its typed config and how to build its env.

``hot.tasks.registry.TASKS[name]`` is a :class:`TaskSpec`. Every env has the same interface (``reset() ->
obs``, ``step(actions) -> (obs, reward, done, info)``, ``num_obs``, ``num_actions``), so generic tools and
``tests/tasks/test_registry_contract.py`` (reset, step, shapes, finite values, config and checkpoint
round trips for every task x hand) work on any of them. A new task adds one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TaskSpec", "TASKS"]


@dataclass(frozen=True)
class TaskSpec:
    """One task family."""

    name: str
    """Registry key, also the folder under ``hot/tasks/``."""
    hands: tuple[str, ...]
    """Hands the task supports."""
    config_type: Callable[[], Any]
    """The task's typed config (a ``hot.config.strict`` dataclass tree) with its defaults."""
    make_env: Callable[..., Any]
    """``make_env(cfg, hand, num_envs, seed) -> env``; ``cfg`` is a ``config_type`` whose data paths are set."""
    description: str = ""


def _tracking_config() -> Any:
    from hot.tasks.tracking.config import TrackingCfg

    return TrackingCfg()


def _tracking_env(cfg: Any, hand: str, num_envs: int, seed: int = 0) -> Any:
    from hot.tasks.tracking.env import TrackingEnv

    cfg.env.hand_model, cfg.env.num_envs = hand, num_envs
    return TrackingEnv(cfg, seed=seed)


def _inhand_config() -> Any:
    from hot.tasks.inhand.config import InhandCfg

    return InhandCfg()


def _inhand_env(cfg: Any, hand: str, num_envs: int, seed: int = 0) -> Any:
    from hot.tasks.inhand.env import InhandEnv

    if hand != "allegro":
        raise ValueError(f"in-hand rotation supports the allegro hand only, not {hand!r}")
    return InhandEnv(cfg.env, num_envs, seed=seed, sim=cfg.sim)


TASKS: dict[str, TaskSpec] = {
    "tracking": TaskSpec(
        "tracking",
        ("mano", "shadow", "allegro"),
        _tracking_config,
        _tracking_env,
        "follow reference hand and object trajectories (HOT; hot/run.py)",
    ),
    "inhand": TaskSpec(
        "inhand",
        ("allegro",),
        _inhand_config,
        _inhand_env,
        "rotate an object in the hand (HORA; hot train/eval --algo ... --task allegro_inhand)",
    ),
}
