"""The grasp caches and checkpoints shipped under hot/data/inhand/ load without pickle and evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from hot.cli.inhand import main
from hot.learning.checkpoint import load_checkpoint
from hot.learning.inhand import SHIPPED_CACHE_PREFIX, SHIPPED_CHECKPOINTS, SHIPPED_DIR
from hot.tasks.inhand.cache import ROW_DIM, cache_file


@pytest.mark.parametrize("scale,rows", [(0.9, 5000), (1.0, 5000), (1.1, 5000), (0.95, 500), (1.05, 500)])
def test_shipped_caches_load_without_pickle(scale, rows):
    path = cache_file(SHIPPED_CACHE_PREFIX, scale, for_reading=True)
    assert path.resolve().parent == SHIPPED_DIR
    a = np.load(path, allow_pickle=False)
    assert a.dtype == np.float32 and a.shape == (rows, ROW_DIM) and np.isfinite(a).all()


@pytest.mark.parametrize("algo", sorted(SHIPPED_CHECKPOINTS))
def test_shipped_checkpoints_are_small_weights_only_and_point_at_shipped_caches(algo):
    path = SHIPPED_DIR / SHIPPED_CHECKPOINTS[algo]
    assert path.stat().st_size < 3_000_000
    payload = load_checkpoint(path)  # torch.load(weights_only=True)
    assert "optimizer" not in payload["rlg"]
    assert payload["meta"]["config"]["env"]["grasp_cache_path"] == SHIPPED_CACHE_PREFIX


@pytest.mark.parametrize("algo", sorted(SHIPPED_CHECKPOINTS))
def test_hot_eval_checkpoint_shipped(algo, tmp_path, capsys):
    out = tmp_path / "e.json"
    rc = main("eval", ["--algo", algo, "--task", "allegro_inhand", "--checkpoint", "shipped", "--eval-out",
                       str(out), "training.eval_episodes=3", "env.episode_s=0.5", "env.physics.nthread=1"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    assert "rot rad/s" in capsys.readouterr().out and out.is_file()
