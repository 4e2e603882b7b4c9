"""HORA's grasp filter (pure functions) and the grasp-cache collector (task ``allegro_inhand_grasp``).

Recipe (HORA ``gen_grasp``, UniLab ``AllegroInhandRotationGrasp``): every env starts from the canonical
pose plus uniform joint noise with the object at its spawn point, holds its targets (zero actions) for
``grasp.hold_s`` seconds, and its final state is kept when every fingertip is within ``max_tip_dist`` of
the object centre, at least ``min_tip_contacts`` fingertips touch the object and the object has not
dropped. An env whose object drops or leaves the fingertips' reach stops early (neither recovers).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from tqdm import tqdm

from hot.tasks.inhand.cache import cache_file, save_rows
from hot.tasks.inhand.config import InhandEnvCfg

__all__ = ["tips_near", "grasp_ok", "GraspCollector", "collect_grasps"]


def tips_near(tip_pos: torch.Tensor, obj_pos: torch.Tensor, max_dist: float) -> torch.Tensor:
    """(N,) bool: every fingertip (N, T, 3) within ``max_dist`` m of the object centre (N, 3), world frame."""
    return ((tip_pos - obj_pos[:, None]).norm(dim=-1) < max_dist).all(-1)


def grasp_ok(
    tip_pos: torch.Tensor,
    obj_pos: torch.Tensor,
    tip_touch: torch.Tensor,
    drop_z: float | torch.Tensor,
    max_dist: float = 0.10,
    min_contacts: int = 2,
) -> torch.Tensor:
    """(N,) bool: the state is a usable grasp.

    Args:
        tip_pos: (N, T, 3) fingertip positions, world (m).
        obj_pos: (N, 3) object centre, world (m).
        tip_touch: (N, T) number of contacts (or bool) between each fingertip and the object.
        drop_z: the object has dropped when its centre is below this height (m).
        max_dist: every fingertip must be closer than this to the object centre (m).
        min_contacts: at least this many fingertips touch the object.
    """
    touching = (tip_touch > 0).sum(-1) >= min_contacts
    return tips_near(tip_pos, obj_pos, max_dist) & touching & (obj_pos[:, 2] >= drop_z)


class GraspCollector:
    """Accumulates accepted rows per scale and writes ``<prefix>_<scale>.npy`` atomically.

    Files hold at most ``target`` rows; :meth:`save` may be called at any time (an interrupted run keeps
    what it collected). Rows already in an existing file are kept and counted (a re-run tops it up).
    """

    def __init__(self, prefix: str, scales: list[float], target: int, resume: bool = True) -> None:
        self.prefix = prefix
        self.target = int(target)
        self.paths = {float(s): cache_file(prefix, s) for s in scales}
        self.rows: dict[float, list[np.ndarray]] = {s: [] for s in self.paths}
        self.counts = dict.fromkeys(self.paths, 0)
        self.dirty = dict.fromkeys(self.paths, False)
        if resume:
            for s, p in self.paths.items():
                if p.is_file():
                    old = np.load(p, allow_pickle=False)
                    if old.ndim == 2 and len(old):
                        self.rows[s].append(old[: self.target].astype(np.float32))
                        self.counts[s] = min(len(old), self.target)

    def add(self, scale: float, rows: np.ndarray) -> int:
        """Add rows of ``scale`` (beyond the target they are dropped); returns how many were taken."""
        room = self.target - self.counts[scale]
        take = np.asarray(rows, dtype=np.float32)[: max(room, 0)]
        if len(take):
            self.rows[scale].append(take)
            self.counts[scale] += len(take)
            self.dirty[scale] = True
        return len(take)

    def full(self, scale: float) -> bool:
        return self.counts[scale] >= self.target

    @property
    def done(self) -> bool:
        return all(self.full(s) for s in self.paths)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def save(self) -> list[Path]:
        """Write every scale that has new rows; returns the files written."""
        written = []
        for s, path in self.paths.items():
            if self.dirty[s] and self.rows[s]:
                rows = np.concatenate(self.rows[s])
                self.rows[s] = [rows]
                written.append(save_rows(path, rows))
                self.dirty[s] = False
        return written


def collect_grasps(
    env_cfg: InhandEnvCfg,
    num_envs: int,
    seed: int = 0,
    progress: bool = True,
    max_seconds: float | None = None,
    sim: Literal["mujoco", "mjwarp"] = "mujoco",
) -> dict:
    """Run the grasp task until every scale of ``env_cfg.domain_rand.scale_list`` has
    ``env_cfg.grasp_collection_target`` rows (or ``max_seconds`` passed, or Ctrl-C / SIGTERM), on the
    physics backend ``sim`` (``mujoco`` or ``mjwarp``).

    Returns ``{"files": {scale: path}, "counts": {scale: rows}, "candidates": episodes tried,
    "seconds": wall time, "rows_per_min": rows collected this run per minute}``.
    """
    from hot.tasks.inhand.env import InhandEnv

    env = InhandEnv(env_cfg, num_envs, mode="grasp", seed=seed, sim=sim)
    coll = GraspCollector(
        env_cfg.grasp_cache_path, env_cfg.domain_rand.scale_list, env_cfg.grasp_collection_target
    )
    start_total = coll.total
    for i, s in enumerate(env.scales):
        env.freeze_bucket(i, coll.full(s))
    bar = tqdm(
        total=coll.target * len(coll.paths),
        initial=coll.total,
        unit="grasp",
        disable=not progress,
        dynamic_ncols=True,
    )
    stop = {"flag": False}

    def _on_term(signum, frame):  # SIGTERM: finish the step, save, exit cleanly
        stop["flag"] = True

    old = signal.signal(signal.SIGTERM, _on_term)
    candidates = 0
    t0 = last_save = time.perf_counter()
    zero = torch.zeros(env.num_envs, env.num_actions)
    try:
        env.reset()
        while not coll.done and not stop["flag"]:
            _, _, done, info = env.step(zero)
            candidates += int(done.sum())
            for s, rows in info["grasp_rows"].items():
                bar.update(coll.add(s, rows))
            for i, s in enumerate(env.scales):
                env.freeze_bucket(i, coll.full(s))
            bar.set_postfix({f"{s:g}": coll.counts[s] for s in coll.paths}, refresh=False)
            now = time.perf_counter()
            if now - last_save > env_cfg.grasp.save_every_s:
                coll.save()
                last_save = now
            if max_seconds is not None and now - t0 > max_seconds:
                break
    except KeyboardInterrupt:
        print("\ninterrupted: saving what was collected")
    finally:
        coll.save()
        bar.close()
        signal.signal(signal.SIGTERM, old)
    seconds = time.perf_counter() - t0
    return {
        "files": {s: str(p) for s, p in coll.paths.items()},
        "counts": dict(coll.counts),
        "candidates": candidates,
        "seconds": seconds,
        "rows_per_min": 60.0 * (coll.total - start_total) / max(seconds, 1e-9),
    }
