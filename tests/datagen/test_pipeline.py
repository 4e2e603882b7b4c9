import hashlib

from helpers import BOX_HALF, standing_pose, top_grasp
from tiny_assets import tiny_box, tiny_hand

from hot.datagen.grasp import GraspConfig
from hot.datagen.pipeline import DatagenConfig, grasp_cache_path, run, run_object, stable_cache_path
from hot.datagen.stable_poses import StablePoseConfig
from hot.motion.io import load_clip

SKILLS = ("grasp", "place", "move", "catch")


def _seed_caches(out, obj, cfg=None):
    # hand-built grasps and stable pose: the pipeline reuses cached stages, so no optimisation runs here
    cfg = cfg or _cfg()
    work = out / "_datagen" / obj.name
    top_grasp(2).save(grasp_cache_path(work, tiny_hand(), obj, cfg))
    standing_pose().save(stable_cache_path(work, obj, cfg))


def _cfg(seed=0):
    return DatagenConfig(
        skills=SKILLS,
        num_grasps=2,
        num_stable=1,
        clips_per_grasp=1,
        seed=seed,
        grasp=GraspConfig(batch_size=4, iters=5),
        stable=StablePoseConfig(num_drops=8),
    )


def _digest(root):
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*.pt"))
    }


def test_same_seed_byte_identical(tmp_path):
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    digests = []
    for run_dir in ("a", "b"):
        out = tmp_path / run_dir
        _seed_caches(out, obj)
        rep = run_object(tiny_hand(), obj, out, _cfg(), log=lambda s: None)
        assert sum(rep["clips"].values()) >= 6, rep
        digests.append(_digest(out))
    assert digests[0] == digests[1] and len(digests[0]) >= 6
    names = list(digests[0])
    assert any(n.startswith("tall/grasp_higher_kp/001_Tall_0_") for n in names)
    assert any(n.startswith("tall/place_higher_kp/003_Tall_0_") for n in names)
    # a file loads back through the project's loader, with key bodies filled
    clip = load_clip(tmp_path / "a" / names[0])
    assert clip.body_pos.abs().sum() > 0


def test_grasp_and_place_share_one_draw(tmp_path):
    # asked together, grasp k's draw is made once and reused for place k; the files must equal
    # those of runs that ask for one skill at a time
    from dataclasses import replace

    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    digests = {}
    for name, skills in (("both", ("place", "grasp")), ("grasp", ("grasp",)), ("place", ("place",))):
        out = tmp_path / name
        _seed_caches(out, obj)
        run_object(tiny_hand(), obj, out, replace(_cfg(), skills=skills), log=lambda s: None)
        digests[name] = _digest(out)
    assert digests["both"] == {**digests["grasp"], **digests["place"]}
    assert digests["grasp"] and digests["place"]


def test_resume_skips_finished_objects(tmp_path):
    a = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    b = tiny_box(tmp_path, half=BOX_HALF, name="Tall2")
    out = tmp_path / "out"
    _seed_caches(out, a)
    _seed_caches(out, b)
    _seed_caches(out, a, _cfg(seed=1))
    # first run is "interrupted" after object a
    run_object(tiny_hand(), a, out, _cfg(), log=lambda s: None)
    before = {p: p.stat().st_mtime_ns for p in (out / "tall").rglob("*.pt")}
    logs = []
    reps = run(tiny_hand(), [a, b], out, _cfg(), log=logs.append)
    assert reps[0].get("skipped") and not reps[1].get("skipped")
    assert any("already complete" in s for s in logs)
    after = {p: p.stat().st_mtime_ns for p in (out / "tall").rglob("*.pt")}
    assert before == after
    assert list((out / "tall2").rglob("*.pt"))
    # other settings -> the object is redone
    reps = run(tiny_hand(), [a], out, _cfg(seed=1), log=lambda s: None)
    assert not reps[0].get("skipped")


def test_zero_valid_grasps_reported(tmp_path):
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    gs = top_grasp(2)
    gs.valid[:] = False
    gs.save(grasp_cache_path(out / "_datagen" / obj.name, tiny_hand(), obj, _cfg()))
    logs = []
    rep = run_object(tiny_hand(), obj, out, _cfg(), log=logs.append)
    assert rep["valid"] == 0 and rep["clips"] == {}
    assert any("0 valid grasps" in s for s in logs)
    assert not list(out.rglob("*.pt"))


def test_stable_ids_pick_poses(tmp_path):
    """``stable_ids`` chooses the poses; a clip is the same whichever way its pose was chosen."""
    import dataclasses

    import pytest

    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        _seed_caches(out, obj)
    cfg = dataclasses.replace(_cfg(), skills=("grasp",))
    run_object(tiny_hand(), obj, a, cfg, log=lambda s: None)
    run_object(
        tiny_hand(), obj, b, dataclasses.replace(cfg, num_stable=5, stable_ids=(0,)), log=lambda s: None
    )
    assert _digest(a) == _digest(b) and len(_digest(a)) >= 1
    _seed_caches(tmp_path / "c", obj)
    with pytest.raises(ValueError, match=r"stable pose ids \[3\] out of range"):
        run_object(
            tiny_hand(), obj, tmp_path / "c", dataclasses.replace(cfg, stable_ids=(0, 3)), log=lambda s: None
        )


def test_caches_are_keyed_by_the_settings_that_made_them(tmp_path):
    """Rerunning into the same --out with another seed or scale used to reuse the old grasps (issue 19)."""
    from dataclasses import replace

    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    work, hand = tmp_path / "_datagen" / "Tall", tiny_hand()
    base = _cfg()
    same = grasp_cache_path(
        work, hand, obj, replace(base, skills=("grasp",), num_stable=2, clips_per_grasp=3)
    )
    assert same == grasp_cache_path(work, hand, obj, base)  # clip-only settings share the grasps
    others = [
        replace(base, seed=5),
        replace(base, scale=1.3),
        replace(base, grasp_method="fc"),
        replace(base, max_candidates=64),
        replace(base, grasp=GraspConfig(batch_size=8, iters=5)),
    ]
    paths = {grasp_cache_path(work, hand, obj, c) for c in others}
    assert len(paths) == len(others) and grasp_cache_path(work, hand, obj, base) not in paths
    assert stable_cache_path(work, obj, replace(base, scale=1.3)) != stable_cache_path(work, obj, base)
    assert stable_cache_path(work, obj, replace(base, seed=5)) != stable_cache_path(work, obj, base)
    # a run with the cached settings loads the cache; with a new scale it does not
    out = tmp_path / "out"
    _seed_caches(out, obj)
    logs = []
    run_object(hand, obj, out, base, log=logs.append)
    assert any("grasps from the cache" in s for s in logs)
    logs.clear()
    other = replace(base, scale=1.3, grasp_method="closing")  # the tiny box has no mesh for the wrap sampler
    rep = run_object(hand, obj, out, other, log=logs.append)
    assert not any("grasps from the cache" in s for s in logs)
    assert grasp_cache_path(out / "_datagen" / "Tall", hand, obj, other).exists()
    assert rep["candidates"] > 0
