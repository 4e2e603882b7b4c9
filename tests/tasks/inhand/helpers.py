"""Small configs and synthetic grasp caches for the in-hand tests (no cache generation needed)."""

from __future__ import annotations

import numpy as np

from hot.tasks.inhand import constants as C
from hot.tasks.inhand.cache import save_rows
from hot.tasks.inhand.config import InhandEnvCfg


def small_cfg(tmp_path, scales=(0.9, 1.0), **kw) -> InhandEnvCfg:
    cfg = InhandEnvCfg(grasp_cache_path=str(tmp_path / "cache" / "g"), **kw)
    cfg.domain_rand.scale_list = list(scales)
    cfg.physics.nthread = 1
    return cfg


def marked_caches(cfg: InhandEnvCfg, rows: int = 8) -> dict[float, np.ndarray]:
    """Per scale: canonical pose with joint 0 = 0.1 * scale (a marker), object at the spawn point, written to disk."""
    out = {}
    spawn = np.add(cfg.hand_pos, cfg.object_offset)
    for s in cfg.domain_rand.scale_list:
        q = np.tile(np.asarray(C.CANONICAL_POSE), (rows, 1))
        q[:, 0] = 0.1 * s
        q[:, 1] += np.linspace(0.0, 0.05, rows)  # distinct rows
        pose = np.tile(np.concatenate([spawn, [1.0, 0.0, 0.0, 0.0]]), (rows, 1))
        out[float(s)] = np.concatenate([q, pose], axis=1).astype(np.float32)
        from hot.tasks.inhand.cache import cache_file

        save_rows(cache_file(cfg.grasp_cache_path, s), out[float(s)])
    return out
