import hashlib

import numpy as np
import pytest
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
    same = grasp_cache_path(work, hand, obj, replace(base, skills=("grasp",), clips_per_grasp=3))
    assert same == grasp_cache_path(work, hand, obj, base)  # clip-only settings share the grasps
    # the resting poses shape the grasps when clips grasp on the platform (sampling stops at enough
    # grasps that fit them), and only then
    assert grasp_cache_path(work, hand, obj, replace(base, num_stable=2)) != same
    assert grasp_cache_path(work, hand, obj, replace(base, num_stable=5, stable_ids=(0,))) == same
    move = replace(base, skills=("move",))
    assert grasp_cache_path(work, hand, obj, replace(move, num_stable=2)) == grasp_cache_path(
        work, hand, obj, move
    )
    others = [
        replace(base, seed=5),
        replace(base, scale=1.3),
        replace(base, grasp_method="fc"),
        replace(base, max_candidates=64),
        replace(base, grasp=GraspConfig(batch_size=8, iters=5)),
        replace(base, object_solimp=(0.9, 0.95, 0.001)),
    ]
    paths = {grasp_cache_path(work, hand, obj, c) for c in others}
    assert len(paths) == len(others) and grasp_cache_path(work, hand, obj, base) not in paths
    assert stable_cache_path(work, obj, replace(base, scale=1.3)) != stable_cache_path(work, obj, base)
    soft = replace(base, object_solimp=(0.9, 0.95, 0.001))
    assert stable_cache_path(work, obj, soft) != stable_cache_path(work, obj, base)
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


def test_zero_valid_grasps_say_why_and_which_flag(tmp_path):
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    gs = top_grasp(2)
    gs.valid[:] = False
    gs.meta["candidates_requested"] = 16
    gs.save(grasp_cache_path(out / "_datagen" / obj.name, tiny_hand(), obj, _cfg()))
    rep = run_object(tiny_hand(), obj, out, _cfg(), log=lambda s: None)
    assert rep["grasp_failures"] == {"no_approach": 14, "hold_lost": 2}
    assert set(rep["no_clips"]) == set(SKILLS)
    for why in rep["no_clips"].values():
        assert why.startswith(
            "no valid grasp (16 candidates; mostly: no collision-free wrist approach found)"
        )
        assert "--max_candidates 64" in why and "--scale" in why


def test_failed_jobs_counted_by_reason(tmp_path):
    """Grasps from under the box meet the platform in its only stable pose: every grasp job fails for
    that reason, the report says the shape cannot be grasped from rest, and move clips still come."""
    from dataclasses import replace

    from hot.datagen.pipeline import PLATFORM_REASONS
    from hot.datagen.skills import SkillConfig

    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    cfg = replace(_cfg(), skills=("grasp", "move"), skill=SkillConfig(max_tries=2))
    below = top_grasp(2)
    below.wrist_pos_o[:, 2] *= -1  # under the box, palm up
    below.wrist_quat_o[:] = [[0.0, 1.0, 0.0, 0.0], [0.0, np.sqrt(0.5), np.sqrt(0.5), 0.0]]
    below.save(grasp_cache_path(out / "_datagen" / obj.name, tiny_hand(), obj, cfg))
    standing_pose().save(stable_cache_path(out / "_datagen" / obj.name, obj, cfg))
    rep = run_object(tiny_hand(), obj, out, cfg, log=lambda s: None)
    assert rep["clips"]["grasp"] == 0 and rep["clips"]["move"] == 2
    reasons = rep["failure_reasons"]["grasp"]
    assert sum(reasons.values()) == 2 and set(reasons) <= set(PLATFORM_REASONS), reasons
    assert "move" not in rep["failure_reasons"] and set(rep["no_clips"]) == {"grasp"}
    assert "2 of 2 jobs" in rep["no_clips"]["grasp"]
    assert "cannot be grasped from its resting poses" in rep["no_clips"]["grasp"]


EXPLAIN_CASES = [
    # (report, skill, words the explanation must contain)
    (
        {"valid": 0, "candidates": 2, "grasp_failures": {"no_approach": 30, "hold_lost": 2}},
        "grasp",
        [
            "no valid grasp (32 candidates; mostly: no collision-free wrist approach found)",
            "--max_candidates 128",
        ],
    ),
    (
        {"valid": 0, "candidates": 32, "grasp_failures": {"hold_lost": 30, "penetration": 2}},
        "move",
        ["mostly: object slipped in the 6-direction hold test", "--max_candidates 128"],
    ),
    ({"valid": 3, "stable_poses": 0, "clips": {"grasp": 0}}, "grasp", ["no stable pose"]),
    (
        {
            "valid": 3,
            "stable_poses": 6,
            "failure_reasons": {"grasp": {"ik": 3, "hand below the platform": 1}},
        },
        "grasp",
        ["3 of 4 jobs: wrist IK failure", "--max_tries 128"],
    ),
    (
        {
            "valid": 3,
            "stable_poses": 6,
            "stable_used": 3,
            "failure_reasons": {"place": {"grasp_below_platform": 5, "hand below the platform": 4}},
        },
        "place",
        ["5 of 9 jobs: the grasp's wrist is below the platform", "--num_stable 6 (of 6)"],
    ),
    (
        {
            "valid": 3,
            "stable_poses": 2,
            "stable_used": 2,
            "failure_reasons": {"grasp": {"hand below the platform": 6}},
        },
        "grasp",
        ["6 of 6 jobs: hand collides with the platform", "cannot be grasped from its resting poses"],
    ),
]


@pytest.mark.parametrize(("report", "skill", "words"), EXPLAIN_CASES)
def test_explain_no_clips(report, skill, words):
    from dataclasses import replace

    from hot.datagen.pipeline import explain_no_clips
    from hot.datagen.skills import SkillConfig

    cfg = replace(_cfg(), skills=(skill, "catch"), max_candidates=32, skill=SkillConfig(max_tries=32))
    clips = {"catch": 5} if report["valid"] else {}  # a skill with clips is not explained
    why = explain_no_clips({**report, "clips": clips}, cfg)
    assert set(why) == ({skill} if report["valid"] else {skill, "catch"})
    for w in words:
        assert w in why[skill], (w, why[skill])


def test_grasp_seed_depends_on_seed_object_and_hand():
    from hot.datagen.pipeline import grasp_seed

    seeds = {grasp_seed(s, o, h) for s in (0, 1, 7) for o in ("Bottle", "Box") for h in ("mano", "allegro")}
    assert len(seeds) == 12  # all distinct: a new --seed gives new grasps
    assert grasp_seed(7, "Bottle", "mano") == grasp_seed(7, "Bottle", "mano")
    assert all(0 <= s < 2**63 for s in seeds)


def test_other_seeds_sample_other_grasps():
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.datagen.pipeline import grasp_seed
    from hot.datagen.wrap import generate_wrap_grasps

    hand, obj = get_hand("mano"), get_object("Bottle")
    a, b = (generate_wrap_grasps(hand, obj, 1.0, 2, seed=grasp_seed(s, obj.name, hand.name)) for s in (1, 2))
    assert len(a) and len(b)
    assert not np.allclose(a.wrist_pos_o[:1], b.wrist_pos_o[:1])


@pytest.mark.parametrize("wrap_valid,expect_pinch", [(True, False), (False, True)])
def test_auto_tries_pinches_only_when_wraps_fall_short(tmp_path, monkeypatch, wrap_valid, expect_pinch):
    import hot.datagen.pipeline as pl

    calls = []

    def fake(family, valid):
        def sample(hand, obj, scale, n, seed=0, progress=None, **kw):
            calls.append((family, n))
            gs = top_grasp(2)
            gs.valid[:] = valid
            if family != "wrap":
                gs.meta.update(family=["pinch"] * 2, open_pose=[[0.0] * 4] * 2)
            return gs

        return sample

    monkeypatch.setattr(pl, "generate_wrap_grasps", fake("wrap", wrap_valid))
    monkeypatch.setattr(pl, "generate_pinch_grasps", fake("pinch", True))
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    cfg = DatagenConfig(
        skills=("grasp",), num_grasps=2, num_stable=1, max_candidates=2, grasp_method="auto",
        grasp=GraspConfig(batch_size=2, iters=5), stable=StablePoseConfig(num_drops=8),
    )  # fmt: skip
    standing_pose().save(stable_cache_path(out / "_datagen" / obj.name, obj, cfg))
    rep = run_object(tiny_hand(), obj, out, cfg, log=lambda s: None)
    assert calls == ([("wrap", 2), ("pinch", 2)] if expect_pinch else [("wrap", 2)])
    assert rep["valid"] == 2 and rep["candidates"] == (4 if expect_pinch else 2)
    fam = rep.get("valid_by_family", {})
    assert fam == ({"pinch": [2, 2], "wrap": [0, 2]} if expect_pinch else {"wrap": [2, 2]})


def _below(n=2):
    """Grasps from under the box, palm up: in its standing pose the hand is through the platform."""
    gs = top_grasp(n)
    gs.wrist_pos_o[:, 2] *= -1
    gs.wrist_quat_o[:] = [[0.0, 1.0, 0.0, 0.0], [0.0, np.sqrt(0.5), np.sqrt(0.5), 0.0]][:n]
    return gs


def test_platform_fit_tells_grasps_from_above_and_below(tmp_path):
    from hot.datagen.kinematics import HandKinematics
    from hot.datagen.skills import platform_fit

    kin = HandKinematics(tiny_hand())
    pose = standing_pose()
    above = platform_fit(kin, top_grasp(2), pose, [0], 0.105, 0.05)
    below = platform_fit(kin, _below(2), pose, [0], 0.105, 0.05)
    assert above.shape == (2, 1) and above.all()
    assert below.shape == (2, 1) and not below.any()
    # a platform raised above the grasp's hand rejects the top grasp too
    assert not platform_fit(kin, top_grasp(2), pose, [0], 1.0, 0.05).any()
    assert platform_fit(kin, top_grasp(2), pose, [], 0.105, 0.05).shape == (2, 0)


@pytest.mark.parametrize("skills,expect_pinch", [(("grasp",), True), (("move",), False)])
def test_auto_counts_grasps_that_clear_the_platform(tmp_path, monkeypatch, skills, expect_pinch):
    """Wraps that hold but go through the platform in every resting pose do not count for grasp clips:
    auto adds pinches, and the clips use the ones that fit. Move clips need no platform."""
    import hot.datagen.pipeline as pl

    calls = []

    def wraps(hand, obj, scale, n, seed=0, progress=None, **kw):
        calls.append("wrap")
        return _below(2)

    def pinches(hand, obj, scale, n, seed=0, progress=None, **kw):
        calls.append("pinch")
        gs = top_grasp(2)
        gs.energy[:] = 1.0  # worse than the wraps: chosen only because they fit
        gs.meta.update(family=["pinch"] * 2, open_pose=[[0.0] * 4] * 2)
        return gs

    monkeypatch.setattr(pl, "generate_wrap_grasps", wraps)
    monkeypatch.setattr(pl, "generate_pinch_grasps", pinches)
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    cfg = DatagenConfig(
        skills=skills, num_grasps=2, num_stable=1, max_candidates=2, grasp_method="auto",
        grasp=GraspConfig(batch_size=2, iters=5), stable=StablePoseConfig(num_drops=8),
    )  # fmt: skip
    standing_pose().save(stable_cache_path(out / "_datagen" / obj.name, obj, cfg))
    rep = run_object(tiny_hand(), obj, out, cfg, log=lambda s: None)
    assert calls == (["wrap", "pinch"] if expect_pinch else ["wrap"])
    if expect_pinch:
        assert rep["valid"] == 4 and rep["platform_fit"] == 2
        assert rep["clips"]["grasp"] == 2, rep
        names = sorted(p.name for p in (out / "tall" / "grasp_higher_kp").glob("*.pt"))
        assert names == ["001_Tall_0_2-0.pt", "001_Tall_0_3-0.pt"]  # the pinches (ids 2, 3), not the wraps
    else:
        assert "platform_fit" not in rep and rep["clips"]["move"] == 2


class _Compiled(Exception):
    """Raised by a stand-in compile_scene: carries the scene options it was called with."""

    def __init__(self, options):
        super().__init__("compile_scene called")
        self.options = options


def _record_compile(monkeypatch, module):
    def fake(hand, obj, scale=1.0, options=None):
        raise _Compiled(options)

    monkeypatch.setattr(module, "compile_scene", fake)


def test_every_generator_simulation_uses_the_object_contacts_asked_for(tmp_path, monkeypatch):
    """--object_solimp reaches every scene the generator compiles: the stable-pose search, each grasp
    sampler's squeeze and hold test, the validation and the clip stage. A stage that compiled the scene's
    default contacts would make references hold-tested under other physics than the teachers track them in."""
    import hot.datagen.closing as closing
    import hot.datagen.fc as fc
    import hot.datagen.grasp as grasp  # noqa: F401 (validate_grasps below)
    import hot.datagen.pinch as pinch
    import hot.datagen.pipeline as pipeline
    import hot.datagen.wrap as wrap
    import hot.sim.scene as scene
    from hot.datagen.grasp import GraspProblem
    from hot.datagen.stable_poses import find_stable_poses

    hand, obj = tiny_hand(), tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    cfg = DatagenConfig(object_solimp=(0.97, 0.998, 0.002))
    opts = pipeline.scene_options(cfg)
    assert opts.object_solimp == (0.97, 0.998, 0.002)
    assert DatagenConfig().object_solimp == pipeline.OBJECT_SOLIMP != scene.SceneOptions().object_solimp
    for module in (closing, fc, pinch, wrap, scene, pipeline):  # grasp and stable_poses import it lazily
        _record_compile(monkeypatch, module)
    calls = {
        "wrap": lambda: wrap.generate_wrap_grasps(hand, obj, 1.0, 1, scene=opts),
        "pinch": lambda: pinch.generate_pinch_grasps(hand, obj, 1.0, 1, scene=opts),
        "mix": lambda: pinch.generate_mixed_grasps(hand, obj, 1.0, 2, pinch_fraction=0.0, scene=opts),
        "closing": lambda: closing.generate_closing_grasps(hand, obj, 1.0, 1, scene=opts),
        "fc": lambda: fc.generate_fc_grasps(
            hand, obj, 1.0, 1, problem=GraspProblem(hand, obj, 1.0, scene=opts)
        ),
        "stable": lambda: find_stable_poses(hand, obj, 1.0, 0, scene=opts),
        "validate": lambda: grasp.validate_grasps(GraspProblem(hand, obj, 1.0, scene=opts), top_grasp(1)),
    }
    for name, call in calls.items():
        with pytest.raises(_Compiled) as got:
            call()
        assert got.value.options is not None and got.value.options.object_solimp == opts.object_solimp, name


def test_run_object_simulates_with_its_object_contacts(tmp_path, monkeypatch):
    """End to end on the tiny assets: the stable-pose search, the sampler and the clip stage all compile
    the scene with ``DatagenConfig.object_solimp``, and the written marker records it."""
    import json
    from dataclasses import replace

    import hot.datagen.closing as closing
    import hot.datagen.pipeline as pipeline
    import hot.sim.scene as scene

    real = scene.compile_scene
    seen = []

    def recording(hand, obj, scale=1.0, options=None):
        seen.append(None if options is None else options.object_solimp)
        return real(hand, obj, scale, options)

    for module in (closing, scene, pipeline):
        monkeypatch.setattr(module, "compile_scene", recording)
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    cfg = replace(_cfg(), skills=("grasp",), grasp_method="closing", object_solimp=(0.97, 0.998, 0.002))
    rep = run_object(tiny_hand(), obj, tmp_path / "out", cfg, log=lambda s: None)
    assert rep["candidates"] > 0
    assert len(seen) >= 3 and set(seen) == {(0.97, 0.998, 0.002)}, seen
    marker = json.loads((tmp_path / "out" / "_datagen" / "Tall" / "done_tiny.json").read_text())
    assert marker["settings"]["object_solimp"] == [0.97, 0.998, 0.002]


def _fake_config(monkeypatch, tmp_path):
    """Give the tiny hand an env config path that exists, so that run_object runs its open-loop check."""
    import hot.datagen.pipeline as pipeline

    cfg_file = tmp_path / "tiny_stage1_precise_track.yaml"
    cfg_file.write_text("env: {}\n")
    monkeypatch.setattr(pipeline, "open_loop_config", lambda hand_name: cfg_file)


def test_open_loop_check_drops_the_clips_the_hand_does_not_execute(tmp_path, monkeypatch):
    """The clips of the checked skills are replayed (with the generator's contacts, scale and closure
    prior) before they reach the dataset; those the replay fails are not written, are counted under the
    ``open_loop`` reason, and no staging folder is left. Unchecked skills are written as before."""
    import json
    from dataclasses import replace

    import hot.tasks.tracking.evaluate as evaluate

    _fake_config(monkeypatch, tmp_path)
    calls = []

    def replay(folder, obj, hand, skill, object_solimp=None, scale=1.0, closure_bias=None):
        names = sorted(p.name for p in folder.glob("*.pt"))
        calls.append((skill, folder.name, tuple(object_solimp), scale, closure_bias, names))
        return {n: i % 2 == 0 for i, n in enumerate(names)}  # every other clip fails

    monkeypatch.setattr(evaluate, "open_loop_clip_success", replay)
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    _seed_caches(out, obj)
    unchecked = tmp_path / "unchecked"
    _seed_caches(unchecked, obj, replace(_cfg(), open_loop_check=()))
    base = run_object(tiny_hand(), obj, unchecked, replace(_cfg(), open_loop_check=()), log=lambda s: None)
    cfg = replace(_cfg(), open_loop_check=("grasp", "move"), object_solimp=(0.97, 0.998, 0.002))
    _seed_caches(out, obj, cfg)
    # a clip left in the staging folder by an interrupted run is neither replayed nor written
    stale = out / "_datagen" / "Tall" / "open_loop_check" / "tall" / "grasp_higher_kp" / "001_Tall_9_9-0.pt"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over")
    rep = run_object(tiny_hand(), obj, out, cfg, log=lambda s: None)
    assert [c[:5] for c in calls] == [
        ("grasp", "grasp_higher_kp", (0.97, 0.998, 0.002), 1.0, 0.05),
        ("move", "move_higher_kp", (0.97, 0.998, 0.002), 1.0, 0.05),
    ]
    for skill, folder, *_, names in calls:
        kept = sorted(p.name for p in (out / "tall" / folder).glob("*.pt"))
        assert kept == names[::2] and len(names) == base["clips"][skill] >= 2
        assert rep["open_loop_check"][skill] == {"checked": len(names), "passed": len(kept)}
        assert rep["clips"][skill] == len(kept)
        assert rep["failure_reasons"][skill]["open_loop"] == len(names) - len(kept)
        # what is kept is byte for byte what the unchecked run writes
        for n in kept:
            assert (out / "tall" / folder / n).read_bytes() == (unchecked / "tall" / folder / n).read_bytes()
    assert rep["clips"]["place"] == base["clips"]["place"]  # not checked: all written
    assert not (out / "_datagen" / "Tall" / "open_loop_check").exists()
    assert not list(out.rglob(stale.name))
    marker = json.loads((out / "_datagen" / "Tall" / "done_tiny.json").read_text())
    assert marker["settings"]["open_loop_check"] == ["grasp", "move"]


def test_open_loop_check_is_skipped_for_a_hand_without_an_env_config(tmp_path):
    """The tiny test hand has no hot/data/cfg/<hand>/ config to replay with: the clips are written unchecked
    and the report says so."""
    obj = tiny_box(tmp_path, half=BOX_HALF, name="Tall")
    out = tmp_path / "out"
    _seed_caches(out, obj)
    logs = []
    rep = run_object(tiny_hand(), obj, out, _cfg(), log=logs.append)
    assert rep["open_loop_check"].startswith("skipped") and rep["clips"]["grasp"] >= 2
    assert any("no open-loop check" in line for line in logs)


def test_open_loop_replay_takes_the_generators_physics(monkeypatch, tmp_path):
    """open_loop_clip_success replays with the object contacts, scale and closure prior it is given, on top of
    the hand's stage-1 config, and without them leaves that config's values."""
    import hot.tasks.tracking.evaluate as evaluate

    seen = []

    class Stop(Exception):
        pass

    def fake_env(cfg, device, mode, seed):
        seen.append(cfg)
        raise Stop

    monkeypatch.setattr(evaluate, "TrackingEnv", fake_env)
    folder = tmp_path / "bottle" / "grasp_higher_kp"
    folder.mkdir(parents=True)
    (folder / "001_Bottle_0_0-0.pt").write_bytes(b"not read: the env stops first")
    with pytest.raises(Stop):
        evaluate.open_loop_clip_success(
            folder,
            "Bottle",
            "mano",
            "grasp",
            object_solimp=(0.97, 0.998, 0.002),
            scale=1.2,
            closure_bias=0.05,
        )
    with pytest.raises(Stop):
        evaluate.open_loop_clip_success(folder, "Bottle", "mano", "grasp")
    given, plain = seen
    assert list(given.sim.object_solimp) == [0.97, 0.998, 0.002] and given.env.closure_bias == 0.05
    assert given.env.obj_rand_scale and given.env.obj_rand_scale_prob == 1.0
    assert list(given.env.obj_scale_range) == [1.2, 1.2]
    assert list(plain.sim.object_solimp) == [0.9, 0.95, 0.001] and plain.env.closure_bias == 0.0
    assert not plain.env.obj_rand_scale
