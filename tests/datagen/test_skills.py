import math

import numpy as np
import pytest
import torch
from helpers import BOX_HALF, PLATFORM_TOP, standing_pose, top_grasp
from tiny_assets import tiny_box, tiny_hand

from hot.datagen.ik import WristChain
from hot.datagen.kinematics import HandKinematics
from hot.datagen.sdf import ObjectSDF
from hot.datagen.skills import (
    SKILL_FNS,
    FlightDesign,
    SkillConfig,
    SkillContext,
    check_plan,
    make_clip,
    reverse_plan,
)
from hot.sim.scene import compile_scene


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    hand = tiny_hand()
    obj = tiny_box(tmp_path_factory.mktemp("tall"), half=BOX_HALF, name="Tall")
    model, _ = compile_scene(hand, obj)
    return SkillContext(
        hand=hand,
        chain=WristChain(model),
        kin=HandKinematics(hand),
        sdf=ObjectSDF.from_hull_paths(obj.hull_paths),
        grasps=top_grasp(2),
        poses=standing_pose(),
        platform_top=PLATFORM_TOP,
        cfg=SkillConfig(max_tries=40),
    )


def _bounded(plan, clip, ctx):
    fast = (plan.fast[1:] | plan.fast[:-1]).numpy()
    lim = np.where(fast, ctx.cfg.max_fast_step, ctx.cfg.max_wrist_step)
    dw = (plan.wrist_pos[1:] - plan.wrist_pos[:-1]).norm(dim=-1).numpy()
    do = (clip.obj_pos[1:] - clip.obj_pos[:-1]).norm(dim=-1).numpy()
    assert (dw <= lim + 1e-9).all() and (do <= lim + 1e-6).all()
    # wrist angles continuous (no 2*pi jumps)
    assert (clip.wrist_dof[1:, 3:] - clip.wrist_dof[:-1, 3:]).abs().max() < 0.2


def test_grasp_phases(ctx):
    plan, clip, _ = make_clip(ctx, "grasp", 0, 0, np.random.default_rng(0))
    assert clip is not None
    c = clip.contact1.numpy()
    n_app = int(round(ctx.cfg.cone_radius / ctx.cfg.step))
    assert len(c) == n_app + 20 + 100 + ctx.cfg.ramp_frames + 60
    assert (c[: n_app - 4] == 0).all() and (c[n_app - 4 : n_app] == -1).all() and (c[n_app:] == 1).all()
    # object rests during approach and hold, then rises 0.5 m rigidly with the wrist
    op = clip.obj_pos.double()
    assert torch.allclose(op[: n_app + 20], op[0].expand(n_app + 20, 3))
    assert abs(float(op[-1, 2] - op[0, 2]) - 0.5) < 1e-5
    # the lift eases in and out: speed at most 5 mm/frame, small at both ends
    dz = (op[n_app + 20 + 1 :, 2] - op[n_app + 20 : -1, 2]).numpy()
    assert dz.max() <= ctx.cfg.step + 1e-6 and dz[0] < 0.2 * ctx.cfg.step and abs(dz[-1]) < 1e-6
    rel = plan.obj_pos[n_app:] - plan.wrist_pos[n_app:]
    assert (rel - rel[0]).abs().max() < 1e-9
    # pre-grasp start 0.2 m from the grasp wrist, within 45 deg of +z
    d = plan.wrist_pos[0] - plan.wrist_pos[n_app]
    assert abs(float(d.norm()) - 0.2) < 1e-9 and float(d[2] / d.norm()) >= math.cos(math.radians(45)) - 1e-9
    _bounded(plan, clip, ctx)
    assert clip.body_pos.abs().sum() > 0  # key bodies filled


def test_place_is_reversed_grasp(ctx):
    plan, clip, _ = make_clip(ctx, "grasp", 0, 0, np.random.default_rng(5))
    rev = reverse_plan(plan)
    assert check_plan(ctx, rev) is None
    for k in ("wrist_pos", "wrist_quat", "fingers", "obj_pos", "obj_quat", "contact"):
        assert torch.equal(getattr(rev, k), torch.flip(getattr(plan, k), [0]))


@pytest.mark.parametrize("skill", ["move", "rotate", "catch", "throw", "freemove", "regrasp", "long"])
def test_skill_consistent(ctx, skill):
    plan, clip, _ = make_clip(ctx, skill, 0, 0, np.random.default_rng(1))
    assert clip is not None, skill
    _bounded(plan, clip, ctx)
    c = clip.contact1.numpy()
    assert set(np.unique(c)) <= {-1.0, 0.0, 1.0}
    held = plan.contact == 1
    if skill in ("move", "rotate"):
        assert held.all()
    if skill == "freemove":
        assert (c == 0).all() and (clip.obj_pos == clip.obj_pos[0]).all()
    if skill == "catch":
        # ballistic: constant second difference = g dt^2 while in flight (label 0)
        fl = plan.obj_pos[plan.contact == 0]
        acc = (fl[2:] - 2 * fl[1:-1] + fl[:-2]) * 3600
        assert torch.allclose(acc, torch.tensor([0, 0, -9.81], dtype=torch.float64).expand_as(acc), atol=1e-6)
        assert c[0] == 0 and c[-1] == 1
    if skill == "throw":
        assert c[0] == 1 and c[-1] == 0
    if skill in ("regrasp", "long"):
        assert (c == 1).any() and (c == 0).any()


def test_catch_fits_the_catch_metric(ctx):
    # CatchMetric (test from frame 2, latched at step 88) needs the reference to reach frame 90 and
    # the held wrist and object above 0.3 m; throw stays the exact reversal of the unpadded catch
    for seed in range(6):
        plan, clip, _ = make_clip(ctx, "catch", 0, 0, np.random.default_rng(seed))
        assert clip is not None
        assert len(plan) >= ctx.cfg.catch_min_frames >= 2 + 88 + 1
        held = plan.contact != 0
        assert float(plan.obj_pos[held, 2].min()) >= ctx.cfg.catch_min_z
        assert float(plan.wrist_pos[held, 2].min()) >= ctx.cfg.catch_min_z
        n_flight = int((plan.contact == 0).sum()) + 3  # flight frames labelled -1 before the catch
        tail = plan.wrist_pos[n_flight + 29 :]
        assert (tail == tail[0]).all()  # after the 30 absorb frames the hand holds still
        throw, _, _ = make_clip(ctx, "throw", 0, 0, np.random.default_rng(seed))
        assert len(throw) == int((throw.contact == 0).sum()) + 3 + 30 + 20


def test_soft_catch_hand_matches_object_velocity(ctx):
    # catch_match_frames: the open hand starts at rest, then accelerates over catch_match_frames so that at the first
    # held frame it moves with the object (no velocity jump the PD servos cannot follow)
    from dataclasses import replace

    from hot.datagen.skills import FPS

    m = 6
    # on the long flights of the original design (the palm-up default drops from 0.1-0.25 m)
    ctx = replace(ctx, cfg=replace(ctx.cfg, catch_match_frames=m, catch=FlightDesign()))
    for seed in range(4):
        plan, clip, _ = make_clip(ctx, "catch", 0, 0, np.random.default_rng(seed))
        assert clip is not None
        c = int((plan.contact == 0).sum()) + 3  # first held frame
        vw = (plan.wrist_pos[1:] - plan.wrist_pos[:-1]) * FPS
        vo = (plan.obj_pos[1:] - plan.obj_pos[:-1]) * FPS
        assert torch.equal(plan.wrist_pos[0], plan.wrist_pos[c - m - 1])  # still before the ramp
        # across the contact frame both move alike (differences: one frame of gravity and the ramp's
        # own one-frame lag), unlike the object's ~2-3 m/s against a still hand
        assert float((vw[c] - vo[c]).norm()) < 0.35, float((vw[c] - vo[c]).norm())
        assert float((vw[c - 1] - vo[c - 1]).norm()) < 0.35
        speed = (vw[1:] - vw[:-1]).norm(dim=-1) * FPS  # wrist acceleration (m/s^2)
        assert float(speed[c - m - 1 : c + 2].max()) < 2.5 * float(vo[c].norm()) * FPS / m


def test_palm_up_catch_drops_the_object_onto_the_palm(ctx):
    # the catch design (palm_up): the palm normal of the held hand points up at least that much, and the object falls onto the
    # palm along that normal: in the last flight frames it moves against the normal (towards the palm)
    from dataclasses import replace

    from hot.utils.rotations import quat_rotate

    ctx = replace(
        ctx, cfg=replace(ctx.cfg, catch=FlightDesign(palm_up=0.8, dist=(0.1, 0.2), flight_s=(0.15, 0.25)))
    )
    for seed in range(4):
        plan, clip, _ = make_clip(ctx, "catch", 0, 0, np.random.default_rng(seed))
        assert clip is not None
        c = int((plan.contact == 0).sum()) + 3  # first held frame
        normal = quat_rotate(plan.wrist_quat[c], ctx.palm_normal)
        assert float(normal[2]) >= 0.8
        v_in = plan.obj_pos[c] - plan.obj_pos[c - 1]
        assert float(v_in @ normal) < -0.5 * float(v_in.norm())  # arriving from in front of the palm
        held = plan.contact != 0
        assert float(plan.obj_pos[held, 2].min()) >= ctx.cfg.catch_min_z


def test_over_palm_catch_puts_the_object_centre_above_the_palm(ctx):
    # over_palm: the direction from the palm centre to the object's centre points up within the tilt, the palm faces up,
    # and the object falls in from above onto that spot
    from dataclasses import replace

    from hot.utils.rotations import quat_conj, quat_rotate

    tilt = 0.2
    design = FlightDesign(palm_up=0.5, over_palm=tilt, dist=(0.1, 0.2), flight_s=(0.15, 0.25), max_spin=0.0)
    c_ctx = replace(ctx, cfg=replace(ctx.cfg, catch=design))
    centre_w = (
        -quat_rotate(
            quat_conj(torch.as_tensor(ctx.grasps.wrist_quat_o[0], dtype=torch.float64)),
            torch.as_tensor(ctx.grasps.wrist_pos_o[0], dtype=torch.float64),
        )
        - ctx.palm_center
    )  # palm centre -> object centre, wrist frame
    for seed in range(4):
        plan, clip, _ = make_clip(c_ctx, "catch", 0, 0, np.random.default_rng(seed))
        assert clip is not None
        c = int((plan.contact == 0).sum()) + 3  # first held frame
        up = quat_rotate(plan.wrist_quat[c], centre_w / centre_w.norm())
        assert float(up[2]) >= math.cos(tilt) - 1e-6
        assert float(quat_rotate(plan.wrist_quat[c], ctx.palm_normal)[2]) >= 0.5
        v_in = plan.obj_pos[c] - plan.obj_pos[c - 1]
        assert float(v_in[2]) < -0.9 * float(v_in.norm())  # falling onto it from above (no spin, short toss)
    # a palm-up rule the grasp cannot meet with its centre over the palm: no catch, and the reason is named
    strict = replace(ctx, cfg=replace(ctx.cfg, catch=replace(design, palm_up=0.999, over_palm=0.01)))
    cos = float(centre_w @ ctx.palm_normal / centre_w.norm())
    assert cos < 0.99  # the test grasp's centre is not exactly on the palm normal
    why: dict[str, int] = {}
    assert make_clip(strict, "catch", 0, 0, np.random.default_rng(0), why=why)[1] is None
    assert why == {"catch_off_palm": strict.cfg.max_tries}


def test_all_skills_registered():
    assert set(SKILL_FNS) == {
        "grasp",
        "move",
        "place",
        "regrasp",
        "rotate",
        "catch",
        "throw",
        "freemove",
        "long",
    }


def test_open_hand_is_the_samplers_open_pose():
    # a MANO thumb at zero sticks out in front of the palm, through the object at the grasp's wrist
    # pose; clips of wrap grasps open the hand to the sampler's pose, thumb tucked behind the palm
    from hot.assets.hands import get_hand
    from hot.datagen.closing import hand_frame
    from hot.datagen.pipeline import sampler_open_pose

    hand = get_hand("mano")
    kin = HandKinematics(hand)
    frame = hand_frame(hand)
    pose = sampler_open_pose(hand, "wrap")
    c = SkillContext(
        hand=hand, chain=None, kin=kin, sdf=None, grasps=None, poses=None, platform_top=0.0, open_pose=pose
    )
    assert torch.allclose(c.q_open, torch.as_tensor(frame.opened, dtype=torch.float64))
    c0 = SkillContext(hand=hand, chain=None, kin=kin, sdf=None, grasps=None, poses=None, platform_top=0.0)
    assert not torch.allclose(c.q_open, c0.q_open)
    # force-closure grasps start from the wrap placements with the same open hand; unknown origin: zeros
    np.testing.assert_array_equal(sampler_open_pose(hand, "fc"), frame.opened)
    assert sampler_open_pose(hand, "") is None
