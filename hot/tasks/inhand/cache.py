"""Grasp-cache files: one ``<prefix>_<scale>.npy`` per object scale, rows of hand qpos + object pose.

Row layout (float32, 23 values): 16 finger joint positions (``hot.tasks.inhand.constants.JOINT_NAMES`` order,
rad), object position (3, world, m), object orientation (4, world, wxyz). The scale is formatted with
``%g`` (``allegro_grasp_0.9.npy``); a prefix containing ``{scale}`` is filled in instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hot.config.resolve import REPO_ROOT
from hot.tasks.inhand.constants import NUM_JOINTS
from hot.utils.files import atomic_write

__all__ = ["ROW_DIM", "GraspCacheError", "cache_file", "grasp_command", "load_caches", "save_rows"]

ROW_DIM = NUM_JOINTS + 7


class GraspCacheError(FileNotFoundError):
    """A grasp cache is missing or malformed; the message says which file and how to make it."""


def cache_file(prefix: str, scale: float, for_reading: bool = False) -> Path:
    """The file of ``scale`` under ``prefix``.

    A relative prefix is taken from the current directory; when reading, a file that is not there is also
    looked for under the repository root (so the shipped caches are found from anywhere).
    """
    name = prefix.replace("{scale}", f"{scale:g}") if "{scale}" in prefix else f"{prefix}_{scale:g}"
    path = Path(name + ".npy").expanduser()
    if for_reading and not path.is_absolute() and not path.exists() and (REPO_ROOT / path).exists():
        return REPO_ROOT / path
    return path


def grasp_command(prefix: str, scales: list[float]) -> str:
    """The command that writes the caches of ``scales`` under ``prefix``."""
    scale_list = ",".join(f"{s:g}" for s in scales)
    return (
        "hot train --algo ppo --task allegro_inhand_grasp --sim mujoco "
        f"'env.domain_rand.scale_list=[{scale_list}]' env.grasp_cache_path={prefix}"
    )


def load_caches(prefix: str, scales: list[float]) -> dict[float, np.ndarray]:
    """Read every scale's cache; ``{scale: (M, 23) float32}``.

    Raises:
        GraspCacheError: a file is missing (the message names it and the command that makes it), or
            holds something other than a non-empty finite (M, 23) array.
    """
    out: dict[float, np.ndarray] = {}
    missing = []
    for s in scales:
        path = cache_file(prefix, s, for_reading=True)
        if not path.is_file():
            missing.append((s, path))
            continue
        try:
            rows = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise GraspCacheError(f"grasp cache {path}: unreadable ({e})") from e
        if rows.ndim != 2 or rows.shape[1] != ROW_DIM or len(rows) == 0:
            raise GraspCacheError(
                f"grasp cache {path}: expected a non-empty (M, {ROW_DIM}) array, got {rows.shape}"
            )
        if not np.isfinite(rows).all():
            raise GraspCacheError(f"grasp cache {path}: holds non-finite values")
        out[float(s)] = rows.astype(np.float32)
    if missing:
        files = ", ".join(str(p) for _, p in missing)
        raise GraspCacheError(
            f"grasp cache missing for scale(s) {', '.join(f'{s:g}' for s, _ in missing)}: {files} not found. "
            f"Make it with:\n  {grasp_command(prefix, [s for s, _ in missing])}"
        )
    return out


def save_rows(path: Path, rows: np.ndarray) -> Path:
    """Write ``rows`` (M, 23) to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    with atomic_write(path, "wb") as f:
        np.save(f, np.asarray(rows, dtype=np.float32), allow_pickle=False)
    return path
