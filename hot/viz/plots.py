"""PNG plots (matplotlib, Agg; no pyplot state): tracking errors of test episodes, training curves.

* :func:`episode_figure`: one episode's ``E_op`` / ``E_or`` / ``E_h`` over time, the background
  shaded by the reference's skill phase (contact label: in contact / free / don't care).
* :func:`overview_figure`: every episode's errors overlaid, coloured by skill, with per-skill means.
* :func:`training_figure`: a run's tensorboard scalars (reward, episode length, tracking errors,
  losses, throughput) against epochs.

Each ``*_figure`` returns a :class:`matplotlib.figure.Figure` (tests inspect its lines);
:func:`save_figure` writes it atomically.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from hot.utils.files import atomic_path
from hot.viz.render import LABEL_NAMES, LABEL_RGBA
from hot.viz.traces import ERROR_SERIES, EpisodeTrace

__all__ = [
    "episode_figure",
    "overview_figure",
    "training_figure",
    "read_scalars",
    "save_figure",
    "write_tracking_plots",
    "TRAINING_PANELS",
]


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG through a temporary file; returns the path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi)
    return path


def _phase_runs(label: np.ndarray) -> list[tuple[int, int, int]]:
    """``[(value, first, last_exclusive), ...]`` runs of equal labels."""
    runs: list[tuple[int, int, int]] = []
    for i, v in enumerate(label.tolist()):
        if runs and runs[-1][0] == v and runs[-1][2] == i:
            runs[-1] = (v, runs[-1][1], i + 1)
        else:
            runs.append((v, i, i + 1))
    return runs


def episode_figure(trace: EpisodeTrace) -> Figure:
    """Errors of one episode over time (s), shaded by the reference contact phase."""
    fig = Figure(figsize=(8, 6.5), layout="constrained")
    axes = fig.subplots(len(ERROR_SERIES), 1, sharex=True)
    t = trace.steps * trace.dt
    half = 0.5 * trace.dt
    for ax, (key, ylabel) in zip(axes, ERROR_SERIES.items(), strict=True):
        for value, a, b in _phase_runs(trace.label):
            ax.axvspan(
                t[a] - half,
                t[b - 1] + half,
                color=LABEL_RGBA.get(value, LABEL_RGBA[-1])[:3],
                alpha=0.15,
                lw=0,
            )
        ax.plot(t, trace.errors[key], color="black", lw=1.2, label=key)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
        if trace.terminated_at is not None:
            ax.axvline(trace.terminated_at * trace.dt, color="red", ls="--", lw=1)
    axes[-1].set_xlabel("time (s)")
    present = sorted(set(trace.label.tolist()), reverse=True)
    handles = [
        Patch(color=LABEL_RGBA.get(v, LABEL_RGBA[-1])[:3], alpha=0.3, label=LABEL_NAMES.get(v, str(v)))
        for v in present
    ]
    if handles:
        axes[0].legend(
            handles=handles, loc="upper left", fontsize=8, title="reference phase", title_fontsize=8
        )
    end = f", terminated at step {trace.terminated_at}" if trace.terminated_at is not None else ""
    fig.suptitle(
        f"episode {trace.episode}: {trace.skill} / {trace.clip} (env {trace.env}, start frame {trace.start}{end})",
        fontsize=10,
    )
    return fig


def overview_figure(traces: Sequence[EpisodeTrace]) -> Figure:
    """All episodes' errors (thin lines, one colour per skill) and each skill's mean (thick)."""
    fig = Figure(figsize=(9, 7), layout="constrained")
    axes = fig.subplots(len(ERROR_SERIES), 1, sharex=True)
    skills = sorted({t.skill for t in traces})
    colours = {s: f"C{i % 10}" for i, s in enumerate(skills)}
    for ax, (key, ylabel) in zip(axes, ERROR_SERIES.items(), strict=True):
        for tr in traces:
            ax.plot(tr.steps * tr.dt, tr.errors[key], color=colours[tr.skill], lw=0.6, alpha=0.35)
        for s in skills:
            mine = [tr for tr in traces if tr.skill == s and tr.steps.size]
            if not mine:
                continue
            horizon = max(int(tr.steps.max()) for tr in mine)
            total, count = np.zeros(horizon + 1), np.zeros(horizon + 1)
            for tr in mine:
                np.add.at(total, tr.steps, tr.errors[key])
                np.add.at(count, tr.steps, 1)
            ok = count > 0
            steps = np.flatnonzero(ok)
            ax.plot(
                steps * mine[0].dt,
                total[ok] / count[ok],
                color=colours[s],
                lw=2.2,
                label=f"{s} (mean of {len(mine)})",
            )
        ax.set_ylabel(ylabel, fontsize=9)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time (s)")
    if skills:
        axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"tracking errors of {len(traces)} test episodes", fontsize=10)
    return fig


def write_tracking_plots(
    traces: Sequence[EpisodeTrace], prefix: str | os.PathLike, max_episodes: int = 8
) -> list[Path]:
    """``<prefix>_tracking.png`` (overview) and ``<prefix>_episodes/ep<NNN>_<skill>.png`` for the
    first ``max_episodes`` episodes; returns the paths written."""
    prefix = Path(prefix)
    out = [save_figure(overview_figure(traces), prefix.with_name(prefix.name + "_tracking.png"))]
    folder = prefix.with_name(prefix.name + "_episodes")
    for tr in list(traces)[: max(max_episodes, 0)]:
        name = f"ep{tr.episode:03d}_{tr.skill}_{Path(tr.clip).stem}.png"
        out.append(save_figure(episode_figure(tr), folder / name))
    return out


# ------------------------------------------------------------------------------------------ training

TRAINING_PANELS: dict[str, tuple[str, ...]] = {
    "mean episode reward": ("rewards/iter",),
    "mean episode length (steps)": ("episode_lengths/iter",),
    "object position error E_op (cm)": ("episode_terms_iter/E_op",),
    "object rotation error E_or (deg)": ("episode_terms_iter/E_or",),
    "key-body error E_h (cm)": ("episode_terms_iter/E_h",),
    "penetration (mm)": ("episode_terms_iter/penetration_mm",),
    "losses": ("losses/a_loss", "losses/c_loss"),
    "env steps / s": ("performance/env_steps_per_s",),
}
"""Panel title -> tensorboard tags drawn in it (missing tags are skipped)."""


def read_scalars(run_dir: str | os.PathLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every scalar of a run's tensorboard events: tag -> (steps, values), steps ascending.

    ``run_dir`` is a run folder (events under ``summaries/``) or the events folder itself. Several
    event files (a resumed run) are merged; later files win on equal steps.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{run_dir}: no such run folder")
    files = sorted(run_dir.glob("summaries/events.out.tfevents.*")) or sorted(
        run_dir.glob("events.out.tfevents.*")
    )
    if not files:
        raise FileNotFoundError(
            f"{run_dir}: no tensorboard event files (expected summaries/events.out.tfevents.*)"
        )
    merged: dict[str, dict[int, float]] = {}
    for f in files:
        acc = EventAccumulator(str(f), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags().get("scalars", []):
            d = merged.setdefault(tag, {})
            for ev in acc.Scalars(tag):
                d[int(ev.step)] = float(ev.value)
    return {
        tag: (np.array(sorted(d), dtype=np.int64), np.array([d[s] for s in sorted(d)], dtype=np.float64))
        for tag, d in merged.items()
    }


def training_figure(scalars: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "") -> Figure:
    """Training curves: one panel per :data:`TRAINING_PANELS` entry that has data.

    ``*/iter`` and ``episode_terms_iter/*`` tags are per epoch; the others (losses, throughput) are
    logged against env steps and drawn so.
    """
    panels = [(name, [t for t in tags if t in scalars]) for name, tags in TRAINING_PANELS.items()]
    panels = [(n, tags) for n, tags in panels if tags]
    if not panels:
        raise ValueError(f"no known training scalars among {sorted(scalars)[:10]}")
    cols = 2
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(11, 2.8 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).reshape(-1)
    for ax, (name, tags) in zip(axes, panels, strict=False):
        for tag in tags:
            x, y = scalars[tag]
            ax.plot(x, y, lw=1.2, label=tag.split("/", 1)[1])
        per_epoch = all(t.endswith("/iter") or t.startswith("episode_terms_iter/") for t in tags)
        ax.set_xlabel("epoch" if per_epoch else "env steps", fontsize=8)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ys = np.concatenate([scalars[t][1] for t in tags])
        ys = ys[np.isfinite(ys)]
        if ys.size and ys.min() > 0 and ys.max() > 100 * np.median(ys):
            ax.set_yscale("log")  # a few diverged episodes would flatten the rest of the curve
        if len(tags) > 1:
            ax.legend(fontsize=8)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
