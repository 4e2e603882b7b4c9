"""Run folders and checkpoint references, one scheme for every task.

Every run, of every task and tool, is a folder ``<root>/<algo>/<Task>/<timestamp>_<sim>[_<name>]``
(:func:`new_run`): ``<root>`` is ``logs/`` (tracking: ``--output_path``, ``output/`` as upstream),
``<algo>`` what made it (``ppo``, ``distill``, ``hora_distill``, ``datagen``, ``flow``, ...), ``<Task>``
the task (``SkillMimicHandRand``, ``AllegroHandHora``, ...), ``<sim>`` the physics backend (``mujoco``,
``mjwarp``; ``torch`` for runs without physics) and ``<name>`` an optional label (tracking's
``--experiment``). The folder is created exclusively (``_2``, ``_3``, ... when two runs start in the
same second) and holds the resolved config (``config.yaml``) and, for trainings, ``nn/*.pth``.
``--load-run`` names one: ``-1`` (the newest under ``<root>/<algo>/<Task>``), a run name, or a path.
``--checkpoint`` takes a file, a run folder (its newest checkpoint) or ``shipped``
(:mod:`hot.learning.shipped`).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

from hot.config.strict import ConfigError

__all__ = [
    "STAMP_FORMAT",
    "run_name",
    "task_dir",
    "new_run",
    "create_run_dir",
    "remove_if_empty",
    "list_runs",
    "find_run",
    "latest_checkpoint",
    "newest_checkpoint",
]

STAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"
"""The timestamp that starts every run folder's name."""

MAX_CLASHES = 999
"""Runs with one name started in the same second before ``create_run_dir`` gives up."""


def run_name(sim: str, name: str = "", when: _dt.datetime | None = None) -> str:
    """``<timestamp>_<sim>`` or ``<timestamp>_<sim>_<name>`` (``when`` defaults to now)."""
    stamp = (when or _dt.datetime.now()).strftime(STAMP_FORMAT)
    return f"{stamp}_{sim}" + (f"_{name}" if name else "")


def task_dir(root: str | os.PathLike, algo: str, task: str) -> Path:
    """``<root>/<algo>/<Task>``: the folder whose runs ``--load-run -1`` chooses from."""
    for what, part in (("algo", algo), ("task", task)):
        if not part or "/" in part or "\\" in part or part in (".", ".."):
            raise ConfigError(f"run folder: {what} {part!r} is not a plain folder name")
    return Path(root) / algo / task


def new_run(
    root: str | os.PathLike, algo: str, task: str, sim: str, name: str = "", flag: str = "--output_path"
) -> Path:
    """Create the run folder ``<root>/<algo>/<Task>/<timestamp>_<sim>[_<name>]`` exclusively
    (:func:`create_run_dir`); ``flag`` names the setting that chose ``root`` in errors."""
    if name and ("/" in name or "\\" in name):
        raise ConfigError(f"run name {name!r}: no slashes (it becomes part of a folder name)")
    return create_run_dir(task_dir(root, algo, task), run_name(sim, name), flag=flag)


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


def remove_if_empty(run: Path, root: Path) -> None:
    """Remove ``run`` when a failed start left it empty, and the ``<algo>/<Task>`` folders above it that
    it leaves empty, up to (not including) ``root``."""
    run, root = Path(run).resolve(), Path(root).resolve()
    p = run
    while p != root and root in p.parents and p.is_dir() and not any(p.iterdir()):
        p.rmdir()
        p = p.parent


def list_runs(parent: Path, marker: str, suffix: str = "") -> list[Path]:
    """Run folders under ``parent`` (those holding ``marker``, names ending in ``suffix`` or in ``suffix``
    and a clash number ``_2``, ``_3``, ...), oldest first by the time their marker was written."""
    if not parent.is_dir():
        return []
    runs = [p for p in parent.iterdir() if p.is_dir() and _named(p.name, suffix) and (p / marker).is_file()]
    return sorted(runs, key=lambda p: ((p / marker).stat().st_mtime, p.name))


def _named(name: str, suffix: str) -> bool:
    return not suffix or name.endswith(suffix) or re.search(re.escape(suffix) + r"_\d+$", name) is not None


def find_run(parent: Path, load_run: str, marker: str, suffix: str = "", flag: str = "--load-run") -> Path:
    """The run ``load_run`` names: ``-1`` = the newest under ``parent`` (named ``*<suffix>``), a run name
    under ``parent``, or a path to a run folder. A folder counts as a run when it holds ``marker``."""
    ref = str(load_run).strip()
    if ref in ("-1", ""):
        runs = list_runs(parent, marker, suffix)
        if not runs:
            named = f" named *{suffix}" if suffix else ""
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
