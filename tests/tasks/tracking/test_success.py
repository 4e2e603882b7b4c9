"""Skill success rules (spec §8.1) on crafted series: one passing, one failing just past a threshold."""

from __future__ import annotations

import pytest
import torch

from hot.tasks.tracking.metrics.success import (
    CatchMetric,
    FreemoveMetric,
    GrabMetric,
    GraspMetric,
    LongMetric,
    MoveMetric,
    PlaceMetric,
    RegraspMetric,
    RotateMetric,
    ThrowMetric,
    TrackingMetric,
    make_metric,
)


def state(dist=0.0, obj_z=0.5, wrist_z=None, vel=(0.0, 0.0, 0.0), e_h=0.0, e_op=0.0, e_or=0.0):
    """One env's metric state: the object sits ``dist`` m from the wrist along x."""
    wrist_z = obj_z if wrist_z is None else wrist_z
    t = lambda v: torch.tensor([float(v)])  # noqa: E731
    return {
        "obj_pos": torch.tensor([[dist, 0.0, obj_z]]),
        "wrist_pos": torch.tensor([[0.0, 0.0, wrist_z]]),
        "obj_vel": torch.tensor([vel], dtype=torch.float32),
        "E_h": t(e_h),
        "E_op": t(e_op),
        "E_or": t(e_or),
    }


def run(metric, length, good, bad=None, bad_steps=()):
    """Feed steps 0..length-1: ``bad`` at ``bad_steps``, ``good`` elsewhere; return success of env 0."""
    for step in range(length):
        metric.update(step, bad if step in bad_steps else good)
    return bool(metric.success()[0])


def test_grasp_counts_more_than_120_of_180():
    early = state(vel=(0.2, 0.0, 0.0))  # ‖v‖ ≤ 0.2 passes before step 50
    held = state(dist=0.29, obj_z=0.1, vel=(0.09, 0.09, -5.0))  # z_obj ≥ 0.1, v_x, v_y < 0.1 (signed)
    drop = state(dist=0.29, obj_z=0.0999)

    def series(n_pass):
        m = GraspMetric(1)
        for step in range(180):
            s = early if step < 50 else (held if step < n_pass else drop)
            m.update(step, s)
        return bool(m.success()[0])

    assert series(121) and not series(120)
    assert not run(GraspMetric(1), 180, early)  # from step 50 on, v_x = 0.2 fails: only 50 steps pass
    m = GraspMetric(1, h_offset=0.1)
    assert not run(m, 180, state(dist=0.29, obj_z=0.15))  # higher platform: z must be ≥ 0.2


def test_grasp_early_velocity_rule():
    m = GraspMetric(1)
    fast = state(vel=(0.2001, 0.0, 0.0))
    ok = state(dist=0.1, obj_z=0.2)
    # 50 early fast steps fail; 130 later steps pass -> 130 > 120
    assert run(m, 180, ok, fast, bad_steps=range(50))
    m = GraspMetric(1)
    assert not run(m, 180, ok, fast, bad_steps=range(60))  # 120 passing


def test_place_counts_more_than_190_of_220():
    carry = state(dist=0.29, vel=(0.09, 0.09, 0.1))
    late = state(dist=5.0, vel=(0.4, 0.0, 0.0))
    bad = state(dist=0.3)
    m = PlaceMetric(1)
    for step in range(220):
        m.update(step, (carry if step <= 160 else late) if step >= 29 else bad)  # 191 pass
    assert m.success()[0]
    m = PlaceMetric(1)
    for step in range(220):
        m.update(step, (carry if step <= 160 else late) if step >= 30 else bad)  # 190 pass
    assert not m.success()[0]
    m = PlaceMetric(1)
    assert not run(m, 220, carry, state(vel=(0.0, 0.0, 0.4001)), bad_steps=range(161, 220))


def test_tracking_window_and_thresholds():
    good = state(e_op=11.99, e_or=89.9, e_h=24.9)
    for bad in (state(e_op=12.0), state(e_or=90.0), state(e_h=25.0)):
        assert not run(TrackingMetric(1, episode_length=120), 120, good, bad, bad_steps={21})
        assert run(TrackingMetric(1, episode_length=120), 120, good, bad, bad_steps={20, 115})
        assert not run(TrackingMetric(1, episode_length=120), 120, good, bad, bad_steps={114})
    per_env = TrackingMetric(1, episode_length=torch.tensor([100]))
    assert run(per_env, 120, good, state(e_op=50), bad_steps={95, 110})


def test_move_metric_older_rule():
    assert run(MoveMetric(1), 60, state(dist=0.29, obj_z=0.151), state(dist=0.3), bad_steps={10})
    assert not run(MoveMetric(1), 60, state(dist=0.29, obj_z=0.151), state(dist=0.3), bad_steps={11})
    assert not run(MoveMetric(1), 60, state(dist=0.29, obj_z=0.15))


def test_catch_checks_steps_51_to_88():
    good = state(dist=0.29, obj_z=0.31, wrist_z=0.31)
    low_wrist = state(dist=0.29, obj_z=0.31, wrist_z=0.3)
    assert run(CatchMetric(1), 100, good, low_wrist, bad_steps={50, 89, 99})
    assert not run(CatchMetric(1), 100, good, low_wrist, bad_steps={51})
    assert not run(CatchMetric(1), 100, good, low_wrist, bad_steps={88})
    assert not run(CatchMetric(1, h_offset=0.1), 100, good)  # needs z > 0.4


def test_throw_steps_30_to_34():
    good = state(e_h=39.9, e_op=39.9, e_or=89.9)
    assert run(ThrowMetric(1), 50, good, state(e_op=40.0), bad_steps={29, 35})
    assert not run(ThrowMetric(1), 50, good, state(e_op=40.0), bad_steps={34})
    assert not run(ThrowMetric(1), 50, good, state(e_h=40.0), bad_steps={30})


def test_rotate_and_regrasp_checkpoints():
    good = state(dist=0.29, e_op=4.9, e_or=19.9, e_h=4.9)
    bad = state(dist=0.29, e_or=20.0)
    assert run(RotateMetric(1), 120, good, bad, bad_steps={19, 21, 49, 51, 111})
    for s in (20, 50, 110):
        assert not run(RotateMetric(1), 120, good, bad, bad_steps={s})
    bad_h = state(dist=0.29, e_h=5.0)
    assert run(RegraspMetric(1), 180, good, bad_h, bad_steps={29, 31, 115, 117})
    for s in (30, 116):
        assert not run(RegraspMetric(1), 180, good, bad_h, bad_steps={s})


def test_long_steps_150_to_299():
    good = state(dist=0.29, e_h=9.9, e_op=9.9)
    bad = state(dist=0.3)
    assert run(LongMetric(1), 320, good, bad, bad_steps={149, 300})
    assert not run(LongMetric(1), 320, good, bad, bad_steps={299})


def test_grab_steps_10_to_L_minus_10():
    good = state(e_h=19.9, e_op=9.9, e_or=89.9)
    bad = state(e_op=10.0)
    assert run(GrabMetric(1, episode_length=100), 100, good, bad, bad_steps={9, 91})
    assert not run(GrabMetric(1, episode_length=100), 100, good, bad, bad_steps={10})
    assert not run(GrabMetric(1, episode_length=100), 100, good, bad, bad_steps={90})


def test_freemove_rule_ignores_the_object():
    good = state(dist=3.0, e_h=24.9, e_op=500.0, e_or=180.0)
    assert run(FreemoveMetric(1, episode_length=120), 120, good)
    assert not run(FreemoveMetric(1, episode_length=120), 120, good, state(e_h=25.0), bad_steps={50})


def test_reset_and_multi_env():
    m = RotateMetric(2)
    s = state(dist=0.1)
    s2 = {k: torch.cat([v, v]) for k, v in s.items()}
    s2["E_op"] = torch.tensor([0.0, 30.0])
    m.update(20, s2)
    assert m.success().tolist() == [True, False]
    m.reset()
    assert m.success().tolist() == [True, True]
    with pytest.raises(KeyError, match="obj_vel"):
        m.update(1, {k: v for k, v in s2.items() if k != "obj_vel"})


def test_factory():
    assert isinstance(make_metric("grasp_kp", 4), GraspMetric)
    place = make_metric("place_higher_kp", 4)
    assert isinstance(place, PlaceMetric) and place.h_offset == 0.1
    assert make_metric("grasp_kp", 4).h_offset == 0.0
    assert type(make_metric("move_higher_kp", 4, episode_length=120)) is TrackingMetric
    assert isinstance(make_metric("catch_kp", 4), CatchMetric)
    assert isinstance(make_metric("throw_bottle_kp", 4), ThrowMetric)
    assert isinstance(make_metric("rotate_kp", 4), RotateMetric)
    assert isinstance(make_metric("regrasp_kp_hard", 4), RegraspMetric)
    assert isinstance(make_metric("bottle_long", 4), LongMetric)
    assert isinstance(make_metric("001_bottle_0_1", 4, episode_length=180), GrabMetric)
    assert isinstance(make_metric("freemove", 4, episode_length=120), FreemoveMetric)
    assert isinstance(make_metric(3, 4), PlaceMetric)
    assert isinstance(make_metric(7, 4), CatchMetric)
    assert make_metric("grasp_higher_kp", 4, h_offset=0.0).h_offset == 0.0
    with pytest.raises(ValueError, match="needs episode_length"):
        make_metric("move_kp", 4)
    with pytest.raises(ValueError, match="'juggle'"):
        make_metric("juggle_kp", 4)
    with pytest.raises(ValueError, match="skill code 4"):
        make_metric(4, 4)
