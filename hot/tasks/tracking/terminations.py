"""Episode termination and reset (upstream ``compute_humanoid_reset``, spec §5.6).

* Early termination (optional) fires only once ``progress > min_progress`` (5). If any hand body
  touches anything the tighter thresholds apply (E_op > 8 cm, E_or > 90°, E_h > 15 cm), else the
  looser ones (E_op > 10, E_or > 90, E_h > 20). Comparisons are strict (``>``), so an error
  exactly at a threshold does not terminate.
* Timeout in training: ``progress >= ep_len(env) - 1`` with ``ep_len = min(clip_len - start,
  episode_length)``; in test with a positive episode length: ``progress >= episode_length - 1``.
* ``reset = timeout | terminate``; only ``terminate`` is a true termination for PPO bootstrapping.
"""

from __future__ import annotations

import torch

from hot.tasks.tracking.config import TerminationCfg

__all__ = ["early_termination", "timeout", "compute_reset"]


def early_termination(
    progress: torch.Tensor,
    e_op: torch.Tensor,
    e_or: torch.Tensor,
    e_h: torch.Tensor,
    hand_contact: torch.Tensor,
    thresholds: TerminationCfg | None = None,
) -> torch.Tensor:
    """(N,) bool: the tracking error is too large.

    Args:
        progress: (N,) int steps since reset.
        e_op, e_or, e_h: (N,) errors in cm / deg / cm.
        hand_contact: (N,) bool, any hand body has a non-zero net contact force.
    """
    t = thresholds if thresholds is not None else TerminationCfg()
    fail_contact = (e_op > t.obj_pos_contact) | (e_or > t.obj_rot_contact) | (e_h > t.key_pos_contact)
    fail_free = (e_op > t.obj_pos_free) | (e_or > t.obj_rot_free) | (e_h > t.key_pos_free)
    failed = torch.where(hand_contact, fail_contact, fail_free)
    return failed & (progress > t.min_progress)


def timeout(progress: torch.Tensor, episode_length: torch.Tensor | int) -> torch.Tensor:
    """(N,) bool: ``progress >= episode_length - 1`` (per-env (N,) lengths or one int)."""
    return progress >= (episode_length - 1)


def compute_reset(
    progress: torch.Tensor,
    e_op: torch.Tensor,
    e_or: torch.Tensor,
    e_h: torch.Tensor,
    hand_contact: torch.Tensor,
    env_episode_lengths: torch.Tensor,
    *,
    enable_early_termination: bool,
    test_episode_length: int | None = None,
    thresholds: TerminationCfg | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reset and terminate flags.

    Args:
        progress: (N,) int steps since reset.
        e_op, e_or, e_h: (N,) errors (cm, deg, cm).
        hand_contact: (N,) bool.
        env_episode_lengths: (N,) int, per-env ``min(clip_len - start, episode_length)`` (training).
        enable_early_termination: upstream ``--enable_early_termination``.
        test_episode_length: in test mode with a positive ``--episode_length``, that length; the
            timeout then ignores the clip end (reference rows past it are zero). None in training.

    Returns:
        ``(reset, terminate)``, both (N,) bool; ``reset`` includes ``terminate``.
    """
    if enable_early_termination:
        terminate = early_termination(progress, e_op, e_or, e_h, hand_contact, thresholds)
    else:
        terminate = torch.zeros_like(progress, dtype=torch.bool)
    if test_episode_length is not None and test_episode_length > 0:
        timed_out = timeout(progress, test_episode_length)
    else:
        timed_out = timeout(progress, env_episode_lengths)
    return timed_out | terminate, terminate
