"""Paths given by users: the repo root, and repo-relative paths that work from any directory."""

from __future__ import annotations

from pathlib import Path

from hot.config.strict import ConfigError

__all__ = ["REPO_ROOT", "resolve_path"]

REPO_ROOT = Path(__file__).resolve().parents[2]


def resolve_path(path: str, what: str, must_exist: bool = True) -> Path:
    """Resolve a user path: as given (relative to the CWD), else relative to the repo root.

    Upstream commands use repo-relative paths such as ``hot/data/motions/...``; they work from any
    directory. A missing path raises :class:`ConfigError` naming the flag and the path.
    """
    p = Path(path).expanduser()
    if p.exists() or not must_exist:
        return p
    alt = REPO_ROOT / path
    if alt.exists():
        return alt
    raise ConfigError(f"{what}: '{path}' does not exist (also looked in {REPO_ROOT})")
