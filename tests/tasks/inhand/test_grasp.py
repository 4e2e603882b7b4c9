"""Grasp filter (pure) and the cache collector: files, atomic writes, interrupted runs, resume."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hot.tasks.inhand.cache import ROW_DIM, GraspCacheError, cache_file, load_caches
from hot.tasks.inhand.grasp import GraspCollector, collect_grasps, grasp_ok
from tests.tasks.inhand.helpers import small_cfg


def _held():
    obj = torch.tensor([[0.0, 0.0, 0.63]])
    tips = obj[:, None] + torch.tensor(
        [[[0.04, 0.0, -0.02], [0.0, 0.04, -0.02], [-0.04, 0.0, -0.02], [0.0, -0.05, 0.0]]]
    )
    touch = torch.tensor([[1.0, 0.0, 2.0, 0.0]])
    return tips, obj, touch


def test_filter_accepts_held_grasp_and_rejects_dropped_one():
    tips, obj, touch = _held()
    assert grasp_ok(tips, obj, touch, drop_z=0.57).item()
    dropped = obj - torch.tensor([[0.0, 0.0, 0.1]])  # fell 10 cm: below the drop height (and tips now far)
    assert not grasp_ok(tips, dropped, touch, drop_z=0.57).item()
    low_but_near = obj.clone()
    low_but_near[:, 2] = 0.56
    assert not grasp_ok(tips - torch.tensor([0, 0, 0.07]), low_but_near, touch, drop_z=0.57).item()


def test_filter_needs_every_tip_near_and_two_contacts():
    tips, obj, touch = _held()
    far = tips.clone()
    far[0, 3] += torch.tensor([0.0, -0.06, 0.0])  # 0.11 m away
    assert not grasp_ok(far, obj, touch, drop_z=0.57).item()
    assert not grasp_ok(tips, obj, torch.tensor([[1.0, 0.0, 0.0, 0.0]]), drop_z=0.57).item()
    assert grasp_ok(tips, obj, torch.tensor([[True, True, False, False]]), drop_z=0.57).item()


def test_collector_caps_saves_atomically_and_resumes(tmp_path):
    prefix = str(tmp_path / "c" / "g")
    coll = GraspCollector(prefix, [0.8, 1.0], target=5)
    assert coll.add(0.8, np.ones((3, ROW_DIM))) == 3
    assert coll.add(0.8, np.ones((4, ROW_DIM))) == 2  # capped at the target
    written = coll.save()
    assert [p.name for p in written] == ["g_0.8.npy"]
    assert not list((tmp_path / "c").glob("*.tmp*"))
    assert np.load(cache_file(prefix, 0.8)).shape == (5, ROW_DIM)
    again = GraspCollector(prefix, [0.8, 1.0], target=7)  # a re-run tops up what is there
    assert again.counts == {0.8: 5, 1.0: 0}


def test_missing_cache_names_file_and_command(tmp_path):
    prefix = str(tmp_path / "none" / "g")
    with pytest.raises(GraspCacheError) as e:
        load_caches(prefix, [0.9, 1.0])
    msg = str(e.value)
    assert "g_0.9.npy" in msg and "g_1.npy" in msg
    assert "hot train --algo ppo --task allegro_inhand_grasp" in msg and "scale_list=[0.9,1]" in msg


def test_malformed_cache_is_refused(tmp_path):
    path = tmp_path / "g_1.npy"
    np.save(path, np.zeros((4, 5), np.float32))
    with pytest.raises(GraspCacheError, match=r"\(M, 23\)"):
        load_caches(str(tmp_path / "g"), [1.0])


def test_collect_grasps_writes_per_scale_files_and_stops_early(tmp_path):
    cfg = small_cfg(tmp_path, scales=(1.0, 1.1))
    cfg.grasp_collection_target = 4
    res = collect_grasps(cfg, 24, seed=0, progress=False)
    assert res["counts"] == {1.0: 4, 1.1: 4}
    caches = load_caches(cfg.grasp_cache_path, [1.0, 1.1])
    for rows in caches.values():
        assert rows.shape == (4, ROW_DIM)
        assert (rows[:, 18] > cfg.hand_pos[2] + cfg.drop_height).all()  # object held above the drop height
        assert np.allclose(np.linalg.norm(rows[:, 19:], axis=1), 1.0, atol=1e-4)
    # an interrupted run (time limit here, Ctrl-C / SIGTERM alike) keeps what it has collected
    cfg.grasp_collection_target = 10**6
    cfg.grasp_cache_path = str(tmp_path / "cut" / "g")
    res = collect_grasps(cfg, 24, seed=1, progress=False, max_seconds=3.0)
    assert 0 < sum(res["counts"].values()) < 2 * 10**6
    for s in (1.0, 1.1):
        n = res["counts"][s]
        if n:
            assert np.load(cache_file(cfg.grasp_cache_path, s)).shape == (n, ROW_DIM)
