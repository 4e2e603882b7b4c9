"""Run folders and checkpoint references, one scheme for every task.

A run folder is created exclusively under a parent folder (``<parent>/<name>``, then ``<name>_2``,
``<name>_3``, ... when two runs start in the same second), holds its resolved config and ``nn/*.pth``.
``--load-run`` names one: ``-1`` (the newest under the parent), a run name, or a path. Tracking's parent
is ``--output_path`` (runs named ``<experiment>_<timestamp>``, as upstream); in-hand's is
``<logdir>/<algo>/<TaskName>`` (runs named ``<timestamp>_<sim>``). ``--checkpoint`` takes a file, a run
folder (its newest checkpoint) or ``shipped`` (:mod:`hot.learning.shipped`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from hot.config.strict import ConfigError

__all__ = ["create_run_dir", "list_runs", "find_run", "latest_checkpoint", "newest_checkpoint"]

MAX_CLASHES = 999
"""Runs with one name started in the same second before ``create_run_dir`` gives up."""


def create_run_dir(parent: Path, name: str, flag: str = "--output_path") -> Path:
    """Create ``parent/name`` exclusively (``name_2``, ``name_3``, ... when it exists); ``flag`` names the
    setting that chose ``parent`` in the error when every suffix is taken."""
    parent.mkdir(parents=True, exist_ok=True)
    for k in range(1, MAX_CLASHES + 1):
        path = parent / (name if k == 1 else f"{name}_{k}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise ConfigError(f"{flag} {parent}: {MAX_CLASHES} runs named {name} exist")


def list_runs(parent: Path, marker: str, prefix: str = "") -> list[Path]:
    """Run folders under ``parent`` (those holding ``marker``, names starting with ``prefix``), oldest first
    by the time their marker was written."""
    if not parent.is_dir():
        return []
    runs = [
        p for p in parent.iterdir() if p.is_dir() and p.name.startswith(prefix) and (p / marker).is_file()
    ]
    return sorted(runs, key=lambda p: ((p / marker).stat().st_mtime, p.name))


def find_run(parent: Path, load_run: str, marker: str, prefix: str = "", flag: str = "--load-run") -> Path:
    """The run ``load_run`` names: ``-1`` = the newest under ``parent`` (named ``prefix*``), a run name under
    ``parent``, or a path to a run folder. A folder counts as a run when it holds ``marker``."""
    ref = str(load_run).strip()
    if ref in ("-1", ""):
        runs = list_runs(parent, marker, prefix)
        if not runs:
            named = f" named {prefix}*" if prefix else ""
            raise ConfigError(f"{flag} -1: no runs{named} under {parent} (train one first)")
        return runs[-1]
    p = Path(ref).expanduser()
    if p.is_dir() and (p / marker).is_file():
        return p
    if "/" in ref or "\\" in ref:
        raise ConfigError(f"{flag} {ref!r}: not a run folder (no {marker} in it)")
    run = parent / ref
    if not (run / marker).is_file():
        have = [q.name for q in list_runs(parent, marker)]
        raise ConfigError(f"{flag} {ref!r}: no run {run}; runs there: {', '.join(have[-5:]) or 'none'}")
    return run


def latest_checkpoint(run: str | os.PathLike) -> Path | None:
    """The checkpoint in ``run/nn`` with the highest epoch (``*_ep_<N>*.pth``; files without one rank lowest,
    ties go to the newest written); None when there is none."""
    best: tuple[int, float, Path] | None = None
    for p in (Path(run) / "nn").glob("*.pth"):
        m = re.search(r"_ep_(\d+)", p.name)
        key = (int(m.group(1)) if m else -1, p.stat().st_mtime, p)
        if best is None or key[:2] > best[:2]:
            best = key
    return None if best is None else best[2]


def newest_checkpoint(run: Path, flag: str = "--load-run") -> Path:
    """The checkpoint of ``run`` a test should load (:func:`latest_checkpoint`); an error naming ``flag`` when
    the run saved none."""
    path = latest_checkpoint(run)
    if path is None:
        raise ConfigError(f"{flag} {run}: no checkpoint in {run / 'nn'} (the run saved none yet)")
    return path
