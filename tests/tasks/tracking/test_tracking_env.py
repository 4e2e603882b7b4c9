"""Env contract for every hand: reset, step, shapes, finite values, auto-reset, determinism."""

import pytest
import torch

from hot.config.strict import ConfigError
from hot.tasks.tracking.config import EnvCfg, TrackingCfg
from hot.tasks.tracking.env import TrackingEnv
from tests.fixtures.clips import write_clip_folder

UPSTREAM_OBS = {"mano": 1084, "shadow": 1233, "allegro": 1083}


def _cfg(motion, hand, n=4, **kw):
    env = EnvCfg(
        num_envs=n,
        episode_length=20,
        hand_model=hand,
        motion_file=str(motion),
        enable_obj_keypoints=True,
        enable_dof_obs=True,
        enable_ig_scale=True,
        enable_early_termination=True,
        action_mode="delta",
        **kw,
    )
    return TrackingCfg(env=env)


@pytest.fixture(scope="module")
def clip_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("motions")
    return {h: write_clip_folder(root / h, h) for h in UPSTREAM_OBS}


@pytest.mark.parametrize("hand", sorted(UPSTREAM_OBS))
def test_env_contract(clip_dirs, hand):
    env = TrackingEnv(_cfg(clip_dirs[hand], hand, state_noise_prob=0.5), seed=1)
    assert env.num_obs == UPSTREAM_OBS[hand]
    obs = env.reset()
    assert obs.shape == (4, env.num_obs) and torch.isfinite(obs).all()
    seen_done = False
    for _ in range(25):
        obs, rew, done, info = env.step(torch.zeros(4, env.num_actions))
        assert obs.shape == (4, env.num_obs) and torch.isfinite(obs).all()
        assert rew.shape == (4,) and ((rew >= 0) & (rew <= 1)).all()
        assert set(info) >= {"time_outs", "terminate", "episode_terms"}
        assert not (info["time_outs"] & info["terminate"]).any()
        seen_done |= bool(done.any())
    assert seen_done, "episode_length 20 must time out within 25 steps"
    assert (env.ep.progress < 20).all(), "done envs must be auto-reset in train mode"


def test_residual_zero_action_tracks_reference(clip_dirs):
    cfg = _cfg(clip_dirs["mano"], "mano")
    cfg.env.action_mode = "residual"
    cfg.env.enable_early_termination = False
    env = TrackingEnv(cfg, mode="test")
    env.reset()
    for _ in range(10):
        _, rew, _, info = env.step(torch.zeros(4, env.num_actions))
    # open-loop PD replay of a slow free-space motion stays close to the reference
    assert info["episode_terms"]["E_h"] < 2.0, info["episode_terms"]
    assert rew.min() > 0.5


def test_seeded_runs_are_identical(clip_dirs):
    outs = []
    for _ in range(2):
        env = TrackingEnv(_cfg(clip_dirs["allegro"], "allegro", state_noise_prob=0.3), seed=7)
        obs = env.reset()
        g = torch.Generator().manual_seed(0)
        for _ in range(5):
            obs, rew, _, _ = env.step(torch.rand(4, env.num_actions, generator=g) * 2 - 1)
        outs.append((obs, rew))
    assert torch.equal(outs[0][0], outs[1][0]) and torch.equal(outs[0][1], outs[1][1])


def test_obj_rand_scale_is_independent_per_env(clip_dirs):
    cfg = _cfg(clip_dirs["mano"], "mano", n=16, obj_rand_scale=True, obj_rand_scale_prob=1.0)
    env = TrackingEnv(cfg, seed=3)
    scales = env.sim.object_scales
    assert len(set(scales.tolist())) > 3, scales
    assert ((scales >= 0.75 - 1e-6) & (scales <= 1.5 + 1e-6)).all()
    kp = env.keypoints_o
    ref = kp[0] / scales[0]
    torch.testing.assert_close(kp / scales.view(-1, 1, 1), ref.expand_as(kp))


def test_hand_mismatch_is_refused(clip_dirs):
    with pytest.raises(Exception, match="DoF"):
        TrackingEnv(_cfg(clip_dirs["mano"], "shadow"))


def test_missing_motion_file():
    with pytest.raises(ConfigError, match="motion_file is empty"):
        TrackingEnv(TrackingCfg(env=EnvCfg(num_envs=2, motion_file="")))


def _finger_lag(clip_dirs, ff: str) -> float:
    cfg = _cfg(clip_dirs["mano"], "mano", velocity_feedforward=ff)
    cfg.env.action_mode = "residual"
    cfg.env.enable_early_termination = False
    env = TrackingEnv(cfg, mode="test")
    env.reset()
    err = []
    for _ in range(15):
        env.step(torch.zeros(4, env.num_actions))
        err.append((env.last_state.dof_pos[:, 6:] - env.last_ref.dof_pos[:, 6:]).abs().mean())
    return float(torch.stack(err).mean())


def test_finger_velocity_feedforward_removes_servo_lag(clip_dirs):
    # the fixture's fingers flex at a constant rate; the damped servos trail a ramp by (kv/kp)·q̇
    # unless the target leads by that much
    lag_wrist_only = _finger_lag(clip_dirs, "wrist")
    lag_all = _finger_lag(clip_dirs, "all")
    assert lag_all < 0.5 * lag_wrist_only, (lag_all, lag_wrist_only)


def test_feedforward_setting_is_part_of_the_action_mode(clip_dirs):
    metas = {}
    for ff in ("all", "wrist", "none"):
        cfg = _cfg(clip_dirs["mano"], "mano", velocity_feedforward=ff)
        cfg.env.action_mode = "residual"
        metas[ff] = TrackingEnv(cfg, mode="test").metadata()["action_mode"]
    assert len(set(metas.values())) == 3
    # checkpoints trained before the option existed (wrist-only) keep matching
    assert "ff=" not in metas["wrist"] and "ff=all" in metas["all"]


def test_a_step_where_every_world_diverges_stops_the_run(clip_dirs, monkeypatch):
    """One diverged world is reset and counted; all of them at once is an error (it trained to the end)."""
    env = TrackingEnv(_cfg(clip_dirs["mano"], "mano"), seed=1)
    env.reset()
    one = torch.tensor([True, False, False, False])
    monkeypatch.setattr(env.sim, "diverged", lambda: one)
    env.step(torch.zeros(4, env.num_actions))
    assert env.diverged_count == 1
    monkeypatch.setattr(env.sim, "diverged", lambda: torch.ones(4, dtype=torch.bool))
    with pytest.raises(ConfigError, match="every one of the 4 worlds diverged.*sim.dt"):
        env.step(torch.zeros(4, env.num_actions))


def test_ref_noise_offsets_the_hand_reference_only(clip_dirs):
    """env.ref_noise: in training every episode's hand reference is offset by one constant draw within the
    bounds (key bodies move with the wrist), the object reference is untouched, and tests never see it."""
    cfg = _cfg(clip_dirs["mano"], "mano")
    rn = cfg.env.ref_noise
    rn.prob, rn.wrist_pos, rn.wrist_rot, rn.fingers = 1.0, 0.02, 0.1, 0.2
    env = TrackingEnv(cfg, seed=3)
    env.reset()
    ep = env.ep
    frames = ep.start + ep.progress + 1
    clean, noisy = env.lib.ref_frames(ep.clip, frames), env._ref_frames(env.lib, ep.clip, frames)
    off = noisy.dof_pos - clean.dof_pos
    assert off[:, :3].abs().max() <= 0.02 + 1e-6 and off[:, 3:6].abs().max() <= 0.1 + 1e-6
    assert off[:, 6:].abs().max() <= 0.2 + 1e-6 and off.abs().min(dim=0).values.max() > 0
    assert torch.allclose(noisy.key_pos - clean.key_pos, off[:, None, :3].expand_as(clean.key_pos), atol=1e-6)
    assert torch.equal(noisy.obj_pos, clean.obj_pos) and torch.equal(noisy.obj_rot, clean.obj_rot)
    env.step(torch.zeros(4, env.num_actions))  # the offset stays constant over an episode
    later = env._ref_frames(env.lib, ep.clip, ep.start + ep.progress + 1)
    again = env.lib.ref_frames(ep.clip, ep.start + ep.progress + 1)
    assert torch.allclose(later.dof_pos - again.dof_pos, off, atol=1e-6)
    test_env = TrackingEnv(cfg, mode="test")
    assert test_env.ref_offset is None


def _residual_env(clip_dirs, contact=None, **kw) -> TrackingEnv:
    """A reset, test-mode MANO env with residual actions; ``contact`` overrides the contact labels of the
    frame the next action aims at (the grasp-prior tests)."""
    cfg = _cfg(clip_dirs["mano"], "mano", **kw)
    cfg.env.action_mode = "residual"
    env = TrackingEnv(cfg, mode="test")
    if contact is not None:
        env.reset()
        assert env._obs_ref is not None
        env._obs_ref.contact[:] = torch.tensor(contact)
    return env


def test_closure_bias_presses_flexing_fingers_only_while_the_reference_touches(clip_dirs, monkeypatch):
    """env.closure_bias: PD targets of the flexing finger joints move that far towards the closed hand in
    frames whose reference contact label is 1; wrist, non-flexing joints and contact-free frames keep
    the reference."""
    targets = {}
    for bias in (0.0, 0.05):
        env = _residual_env(clip_dirs, [1.0, 1.0, 0.0, -1.0], closure_bias=bias)
        monkeypatch.setattr(env.sim, "set_targets", lambda t, b=bias: targets.__setitem__(b, t.clone()))
        env.step(torch.zeros(4, env.num_actions))
    assert env.closure is not None
    flex = env.closure[6:] != 0
    assert 10 <= int(flex.sum()) < len(flex)  # MANO: the flexion hinges, not the spread ones
    assert torch.allclose(env.closure[6:][flex].abs(), torch.tensor(0.05))
    diff = targets[0.05] - targets[0.0]
    assert torch.equal(diff[2:], torch.zeros_like(diff[2:])) and torch.equal(diff[:, :6], torch.zeros(4, 6))
    upper = env.upper[6:] if env.upper.dim() == 1 else env.upper[0, 6:]
    free = targets[0.05][:2, 6:] < upper - 1e-6  # not clipped at the joint limit
    assert free.any()
    expected = env.closure[6:].expand(2, -1)
    assert torch.allclose(diff[:2, 6:][free], expected[free], atol=1e-6)


def test_closure_bias_is_part_of_the_action_mode_and_converts(clip_dirs):
    """A policy trained with a grasp-closure prior only runs where the env has the same one (the error names
    the setting); distillation converts its actions to a student's space with the same PD targets."""
    from hot.learning.checkpoint import CheckpointError, check_compatible
    from hot.tasks.tracking.actions import action_to_targets

    envs = {}
    for bias in (0.0, 0.05):
        envs[bias] = _residual_env(clip_dirs, closure_bias=bias)
    plain, closed = (envs[b].metadata() for b in (0.0, 0.05))
    assert closed["action_mode"] == plain["action_mode"] + " closure=0.05"
    with pytest.raises(CheckpointError, match="closure=0.05.*set env.closure_bias"):
        check_compatible(closed, plain, "teacher.pth")
    check_compatible(closed, plain, "teacher.pth", training_from=True)  # fine-tuning across the prior is fine

    env = envs[0.0]
    env.reset()
    assert env._obs_ref is not None
    env._obs_ref.contact[:] = torch.tensor([1.0, 1.0, 0.0, 0.0])
    mu = 0.3 * torch.randn(4, env.num_actions, generator=torch.Generator().manual_seed(0))
    teacher_cfg = {"action_mode": "residual", "residual_scale": list(env.cfg.env.residual_scale),
                   "velocity_feedforward": env.cfg.env.velocity_feedforward, "closure_bias": 0.05}  # fmt: skip
    student = env.convert_actions(mu, teacher_cfg)
    dof, ref_q, ref_qd, contact = env._pd_frame()
    base = ref_q + env.ff_gain * ref_qd
    off = envs[0.05].closure
    assert off is not None
    q_teacher = action_to_targets(mu, "residual", dof, base + off * (contact > 0.5)[:, None], env.lower,
                                  env.upper, env.residual_scale)  # fmt: skip
    q_student = action_to_targets(student, "residual", dof, base, env.lower, env.upper, env.residual_scale)
    free = (q_teacher > env.lower + 1e-4) & (q_teacher < env.upper - 1e-4) & (student.abs() < 1 - 1e-4)
    torch.testing.assert_close(q_student[free], q_teacher[free], atol=1e-5, rtol=0)
    assert (student[:2] - mu[:2]).abs().max() > 0.1
    torch.testing.assert_close(q_student[2:], q_teacher[2:], atol=1e-5, rtol=0)  # no contact: no offset


def test_free_residual_scale_damps_the_residual_only_where_the_reference_does_not_touch(
    clip_dirs, monkeypatch
):
    """env.free_residual_scale: the same action moves the PD targets that factor less in frames whose
    reference contact label is not 1 (approach, release) and fully in frames in contact."""
    delta = {}
    for factor in (1.0, 0.1):
        env = _residual_env(clip_dirs, [1.0, 1.0, 0.0, -1.0], free_residual_scale=factor)
        _, ref_q, ref_qd, _ = env._pd_frame()
        base = ref_q + env.ff_gain * ref_qd
        got = {}
        monkeypatch.setattr(env.sim, "set_targets", lambda t, g=got: g.__setitem__("t", t.clone()))
        env.step(0.5 * torch.ones(4, env.num_actions))
        inside = (got["t"] < env.upper - 1e-6) & (got["t"] > env.lower + 1e-6)
        delta[factor] = torch.where(inside, got["t"] - base, torch.nan)
    full, damped = delta[1.0], delta[0.1]
    ok = ~(full.isnan() | damped.isnan())
    assert ok[:2].any() and ok[2:].any()
    torch.testing.assert_close(damped[:2][ok[:2]], full[:2][ok[:2]], atol=1e-6, rtol=0)  # in contact
    torch.testing.assert_close(damped[2:][ok[2:]], 0.1 * full[2:][ok[2:]], atol=1e-6, rtol=0)
    assert full[2:][ok[2:]].abs().min() > 1e-3


def test_free_residual_scale_is_part_of_the_action_mode_and_converts(clip_dirs):
    """A policy trained with a free-phase scale runs only with the same one (the error names the setting);
    fine-tuning may change it; distillation converts its actions to a student without it."""
    from hot.learning.checkpoint import CheckpointError, check_compatible
    from hot.tasks.tracking.actions import action_to_targets

    envs = {}
    for factor in (1.0, 0.05):
        envs[factor] = _residual_env(clip_dirs, closure_bias=0.05, free_residual_scale=factor)
    plain, damped = (envs[f].metadata() for f in (1.0, 0.05))
    assert damped["action_mode"] == plain["action_mode"] + " free=0.05"
    with pytest.raises(CheckpointError, match="free=0.05.*env.free_residual_scale"):
        check_compatible(damped, plain, "teacher.pth")
    check_compatible(damped, plain, "teacher.pth", training_from=True)

    env = envs[1.0]
    env.reset()
    assert env._obs_ref is not None
    env._obs_ref.contact[:] = torch.tensor([1.0, 1.0, 0.0, 0.0])
    mu = 0.3 * torch.randn(4, env.num_actions, generator=torch.Generator().manual_seed(0))
    teacher_cfg = {"action_mode": "residual", "residual_scale": list(env.cfg.env.residual_scale),
                   "velocity_feedforward": env.cfg.env.velocity_feedforward, "closure_bias": 0.05,
                   "free_residual_scale": 0.05}  # fmt: skip
    student = env.convert_actions(mu, teacher_cfg)
    dof, ref_q, ref_qd, contact = env._pd_frame()
    base = ref_q + env.ff_gain * ref_qd + env.closure * (contact > 0.5)[:, None]
    scale = torch.where((contact > 0.5)[:, None], env.residual_scale, 0.05 * env.residual_scale)
    q_teacher = action_to_targets(mu, "residual", dof, base, env.lower, env.upper, scale)
    q_student = action_to_targets(student, "residual", dof, base, env.lower, env.upper, env.residual_scale)
    torch.testing.assert_close(q_student, q_teacher, atol=1e-5, rtol=0)
    inside = (q_teacher > env.lower + 1e-4) & (q_teacher < env.upper - 1e-4) & (mu.abs() < 1)  # not clipped
    assert inside[:2].any() and inside[2:].any()
    torch.testing.assert_close(student[:2][inside[:2]], mu[:2][inside[:2]], atol=1e-5, rtol=0)  # in contact
    torch.testing.assert_close(student[2:][inside[2:]], 0.05 * mu[2:][inside[2:]], atol=1e-5, rtol=0)
