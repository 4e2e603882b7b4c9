"""``python -m hot.bench learn``: time to a held-out grasp success, from training runs and their checkpoints."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hot.bench_learn import HELDOUT, _train_yaml, bench_learn, learn_tables, time_to_target
from hot.config.resolve import REPO_ROOT
from hot.learning.adapter import load_train_cfg

SPARSE = REPO_ROOT / "hot/data/cfg/train/rlg/skillmimic_sparse_cpu.yaml"


def test_train_yaml_saves_every_n_epochs_and_keeps_every_checkpoint(tmp_path: Path) -> None:
    out = _train_yaml(SPARSE, 3, tmp_path / "t.yaml")
    cfg, orig = load_train_cfg(str(out)), load_train_cfg(str(SPARSE))
    assert cfg["params"]["config"]["save_frequency"] == 3
    assert cfg["params"]["config"]["keep_checkpoints"] == 0
    assert orig["params"]["config"]["keep_checkpoints"] != 0
    for key in ("learning_rate", "mini_epochs", "minibatch_size", "horizon_length"):
        assert cfg["params"]["config"][key] == orig["params"]["config"][key]
    assert cfg["params"]["network"] == orig["params"]["network"]


def test_time_to_target_is_the_first_checkpoint_at_or_above_it() -> None:
    rows = [
        {"config": "a.yaml", "seed": 0, "epoch": e, "wall_s": 10.0 * e, "success": s}
        for e, s in ((30, 0.95), (10, 0.5), (20, 0.9))
    ]
    hit = time_to_target(rows, 0.9)
    assert hit is not None and hit["epoch"] == 20
    assert time_to_target(rows, 0.96) is None
    table = learn_tables(rows, 0.9)
    assert table[-1].endswith("| ≤ 200 s (epoch 20) |"), table
    assert "not within 300 s" in learn_tables(rows, 0.99)[-1]


@pytest.mark.slow
def test_learn_trains_tests_every_checkpoint_and_times_it(tmp_path: Path) -> None:
    # two clips of the shipped benchmark set, a 4-epoch run with a checkpoint every 2 epochs
    held = tmp_path / "held" / "bottle" / "grasp_higher_kp"
    held.mkdir(parents=True)
    for clip in sorted((REPO_ROOT / HELDOUT / "bottle" / "grasp_higher_kp").glob("*.pt"))[:2]:
        shutil.copy(clip, held)
    rows = bench_learn([str(SPARSE)], epochs=4, eval_every=2, num_envs=4, heldout=str(tmp_path / "held"))
    assert [r["epoch"] for r in rows] == [2, 4]
    assert all(r["clips"] == 2 and r["success"] in (0.0, 0.5, 1.0) for r in rows)
    assert 0 < rows[0]["wall_s"] < rows[1]["wall_s"]
    assert rows[1]["env_steps"] == 2 * rows[0]["env_steps"] == 4 * 4 * 32
