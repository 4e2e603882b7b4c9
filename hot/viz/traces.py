"""Per-episode tracking-error series of test rollouts (the data behind the tracking plots).

:class:`ErrorTraces` is a :class:`~hot.tasks.tracking.evaluate.RolloutObserver`: at every step it keeps, for
each env whose episode is running and whose reference is valid, the object position error
``E_op`` (cm), object rotation error ``E_or`` (deg), key-body error ``E_h`` (cm) and the
reference contact label of the frame (the skill phase: 1 in contact, 0 free, -1 don't care).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from hot.utils.files import atomic_write

__all__ = ["EpisodeTrace", "ErrorTraces", "ERROR_SERIES", "write_traces_csv"]

ERROR_SERIES = {
    "E_op": "object position error (cm)",
    "E_or": "object rotation error (deg)",
    "E_h": "key-body position error (cm)",
}
"""Recorded error series and their axis labels."""


@dataclass
class EpisodeTrace:
    """Errors over one test episode.

    Attributes:
        episode: running episode number (round * num_envs + env).
        env: env index.
        clip: clip file name.
        skill: skill folder name (e.g. ``grasp_higher_kp``).
        start: reference start frame.
        steps: (T,) control steps (1 = after the first action) at which errors were recorded.
        errors: ``ERROR_SERIES`` name -> (T,) float values.
        label: (T,) int reference contact label of each step's frame.
        length: episode length of the env (steps).
        terminated_at: step at which early termination ended the episode, or None.
        dt: control step in seconds.
    """

    episode: int
    env: int
    clip: str
    skill: str
    start: int
    steps: np.ndarray
    errors: dict[str, np.ndarray]
    label: np.ndarray
    length: int
    terminated_at: int | None
    dt: float


class ErrorTraces:
    """Collects an :class:`EpisodeTrace` per env and round of :func:`hot.tasks.tracking.evaluate.evaluate`."""

    def __init__(self) -> None:
        self.episodes: list[EpisodeTrace] = []
        self._round = -1
        # per step: (kept (N,), terminated now (N,), progress (N,), label (N,), errors name -> (N,))
        self._rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]] = []
        self._env = None

    def on_reset(self, env) -> None:
        self._flush()
        self._round += 1
        self._env = env
        self._clip = env.ep.clip.cpu().numpy().copy()
        self._start = env.ep.start.cpu().numpy().copy()
        self._length = env.ep.length.cpu().numpy().copy()

    def on_step(self, env, active: torch.Tensor, info: dict) -> None:
        errs = env.last_errors
        keep = (active & ~errs["error_done"]).cpu().numpy()
        self._rows.append(
            (
                keep,
                (active & info["terminate"]).cpu().numpy(),
                env.ep.progress.cpu().numpy().copy(),
                env.last_ref.contact.round().long().cpu().numpy(),
                {k: errs[k].detach().float().cpu().numpy() for k in ERROR_SERIES},
            )
        )

    def _flush(self) -> None:
        env = self._env
        if env is None:
            return
        n = env.num_envs
        skill_dirs = env.clip_skill_dirs()
        if self._rows:
            keep = np.stack([r[0] for r in self._rows])  # (T, N)
            term = np.stack([r[1] for r in self._rows])
            steps = np.stack([r[2] for r in self._rows])
            label = np.stack([r[3] for r in self._rows])
            errors = {k: np.stack([r[4][k] for r in self._rows]).astype(np.float64) for k in ERROR_SERIES}
        else:
            keep = term = np.zeros((0, n), dtype=bool)
            steps = label = np.zeros((0, n), dtype=np.int64)
            errors = {k: np.zeros((0, n)) for k in ERROR_SERIES}
        for e in range(n):
            m = keep[:, e]
            clip = int(self._clip[e])
            s = steps[m, e].astype(np.int64)
            t_end = steps[term[:, e], e]
            self.episodes.append(
                EpisodeTrace(
                    episode=self._round * n + e,
                    env=e,
                    clip=env.lib.names[clip],
                    skill=skill_dirs[clip],
                    start=int(self._start[e]),
                    steps=s,
                    errors={k: v[m, e] for k, v in errors.items()},
                    label=label[m, e].astype(np.int64),
                    length=int(self._length[e]),
                    terminated_at=int(t_end[0]) if t_end.size else None,
                    dt=float(env.control_dt),
                )
            )
        self._rows = []
        self._env = None

    def finish(self) -> list[EpisodeTrace]:
        """Close the last round; returns every episode recorded."""
        self._flush()
        return self.episodes


def write_traces_csv(traces: list[EpisodeTrace], path: str | os.PathLike) -> Path:
    """One row per episode and step: ``episode, env, skill, clip, step, time_s, label, E_op, E_or, E_h``.

    Written to a temporary file, then renamed.
    """
    path = Path(path)
    with atomic_write(path, newline="") as f:
        w = csv.writer(f)
        w.writerow(["episode", "env", "skill", "clip", "step", "time_s", "label", *ERROR_SERIES])
        for t in traces:
            for i, step in enumerate(t.steps.tolist()):
                w.writerow(
                    [t.episode, t.env, t.skill, t.clip, step, f"{step * t.dt:.4f}", int(t.label[i])]
                    + [f"{t.errors[k][i]:.4f}" for k in ERROR_SERIES]
                )
    return path
