"""In-hand env contract: buckets, cache resets, observations, history buffer, randomisation, grasp mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hot.tasks.inhand import constants as C
from hot.tasks.inhand.env import InhandEnv, split_buckets
from tests.tasks.inhand.helpers import marked_caches, small_cfg


def test_split_buckets_contiguous_near_even():
    assert [list(r) for r in split_buckets(7, 3)] == [[0, 1, 2], [3, 4], [5, 6]]
    with pytest.raises(ValueError, match="2 envs cannot hold 3 object scales"):
        split_buckets(2, 3)


def test_each_bucket_resets_only_from_its_own_cache(tmp_path):
    cfg = small_cfg(tmp_path, scales=(0.9, 1.0, 1.1))
    caches = marked_caches(cfg)
    env = InhandEnv(cfg, 9, seed=0)  # reads the files written by marked_caches
    for _ in range(3):
        env.reset()
        for scale, bk in zip(env.scales, env.buckets, strict=True):
            q = bk.qpos[:, env.index.joint_qpos]
            assert np.allclose(q[:, 0], 0.1 * scale), scale  # the marker of its own scale's cache
            rows = caches[scale][:, : C.NUM_JOINTS]
            for qi in q:  # every start state is one of its cache's rows
                assert np.isclose(rows, qi, atol=1e-6).all(1).any()
            assert np.allclose(bk.model.geom_size[env.index.obj_geom][:2], [0.04 * scale, 0.03 * scale])
        assert torch.allclose(env.init_pose, env.targets)


def test_obs_layout_shapes_and_finite_steps(tmp_path):
    cfg = small_cfg(tmp_path)
    marked_caches(cfg)
    env = InhandEnv(cfg, 4, seed=0)
    obs = env.reset()
    assert obs.shape == (4, 3 * 32 + 9) == (4, env.num_obs)
    assert env.obs_layout == {"proprio": slice(0, 96), "priv_info": slice(96, 105)}
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        obs, rew, done, info = env.step(torch.rand(4, 16, generator=g) * 2 - 1)
        assert torch.isfinite(obs).all() and torch.isfinite(rew).all()
        assert rew.shape == done.shape == (4,)
        assert set(info["episode_terms"]) >= {
            f"reward/{k}" for k in ("rotate", "obj_linvel", "pose_diff", "torque", "work")
        }
    # targets move by at most 1/24 rad per step and stay in the joint ranges
    before = env.targets.clone()
    env.step(torch.ones(4, 16))
    step = env.targets - before
    assert (step <= 1 / 24 + 1e-6).all() and (env.targets <= env.hi + 1e-6).all()


def test_history_shifts_and_refills_on_reset(tmp_path):
    cfg = small_cfg(tmp_path)
    cfg.domain_rand.joint_noise = 0.0
    marked_caches(cfg)
    env = InhandEnv(cfg, 2, seed=0)
    obs = env.reset()
    h0 = env.proprio_hist.clone()
    assert h0.shape == (2, 30, 32)
    assert torch.equal(h0, h0[:, :1].expand(-1, 30, -1))  # every slot holds the reset frame
    q0 = env.targets.clone()
    assert torch.allclose(h0[:, 0, 16:], q0)
    frames = []
    for k in range(4):
        obs, _, _, _ = env.step(torch.full((2, 16), 0.5))
        frames.append(env.proprio_hist[:, -1].clone())
        h = env.proprio_hist
        assert torch.equal(h[:, : 30 - (k + 1)], h0[:, : 30 - (k + 1)])  # old frames shifted toward the front
        assert torch.allclose(h[:, -1, 16:], env.targets)  # newest frame: current targets
    assert torch.equal(env.proprio_hist[:, -4:], torch.stack(frames, 1))
    assert torch.equal(obs[:, :96].reshape(2, 3, 32), env.proprio_hist[:, -3:])  # actor obs = last 3 frames
    env.reset_idx(torch.tensor([1]))  # a reset refills only that env
    assert torch.equal(env.proprio_hist[0, -4:], torch.stack(frames, 1)[0])
    h1 = env.proprio_hist[1]
    assert torch.equal(h1, h1[:1].expand(30, -1))
    assert torch.allclose(h1[0, 16:], env.targets[1])


def test_domain_randomisation_writes_per_env_model_fields(tmp_path):
    cfg = small_cfg(tmp_path)
    dr = cfg.domain_rand
    dr.randomize_mass = dr.randomize_com = dr.randomize_friction = dr.randomize_pd_gains = True
    dr.push.enabled, dr.push.prob = True, 1.0
    marked_caches(cfg)
    env = InhandEnv(cfg, 6, seed=3)
    obs = env.reset()
    ix = env.index
    for bk in env.buckets:
        f = bk.model_fields
        mass = f["body_mass"][:, ix.obj_body]
        assert ((mass >= 0.01) & (mass <= 0.25)).all() and len(np.unique(mass)) == len(mass)
        assert np.allclose(mass, env.mass[bk.sl].numpy())
        assert np.allclose(f["body_ipos"][:, ix.obj_body], env.com[bk.sl].numpy() + [0, 0, 1e-6], atol=1e-7)
        assert np.allclose(f["geom_friction"][:, ix.obj_geom, 0], env.friction[bk.sl].numpy())
        assert np.allclose(f["actuator_gainprm"][:, ix.actuators, 0], env.kp[bk.sl].numpy())
        assert np.allclose(-f["actuator_biasprm"][:, ix.actuators, 2], env.kd[bk.sl].numpy())
    priv = obs[:, env.obs_layout["priv_info"]]
    assert torch.allclose(priv[:, 4], (2 * env.mass - 0.3) / 0.3)  # mass mapped from [0, 0.3] to [-1, 1]
    env.step(torch.zeros(6, 16))
    assert (env.push_force.norm(dim=-1) > 0).all()
    xfrc = np.concatenate([bk.xfrc[:, ix.obj_body, :3] for bk in env.buckets])
    assert np.allclose(xfrc, env.push_force.numpy())


def test_grasp_mode_holds_targets_and_reports_rows(tmp_path):
    cfg = small_cfg(tmp_path)
    env = InhandEnv(cfg, 4, mode="grasp", seed=0)  # no cache needed
    env.reset()
    start = env.targets.clone()
    assert (start - env.canonical).abs().max() <= cfg.grasp.joint_noise + 1e-6
    rows_seen = 0
    for _ in range(env.max_steps):
        _, _, done, info = env.step(torch.ones(4, 16))  # actions are ignored while collecting
        rows_seen += sum(len(r) for r in info["grasp_rows"].values())
        for r in info["grasp_rows"].values():
            assert r.shape[1] == 23
    assert env.max_steps == 60
    assert rows_seen <= 4


def test_priv_pos_noise_perturbs_only_the_object_position_and_can_be_switched_off(tmp_path):
    cfg = small_cfg(tmp_path, priv_pos_noise=0.01)
    marked_caches(cfg)
    env = InhandEnv(cfg, 64, seed=0)
    env.reset()
    obs, *_ = env.step(torch.zeros(64, 16))
    obj = torch.cat([torch.as_tensor(bk.qpos[:, env.index.obj_qpos][:, :3]) for bk in env.buckets]).float()
    priv = obs[:, env.obs_layout["priv_info"]]
    err = priv[:, :3] - (obj - env.spawn)
    assert 0.007 < float(err.std()) < 0.013  # N(0, 1 cm) per axis
    env.priv_pos_noise = 0.0  # what hot eval and the distillation do
    obs, *_ = env.step(torch.zeros(64, 16))
    obj = torch.cat([torch.as_tensor(bk.qpos[:, env.index.obj_qpos][:, :3]) for bk in env.buckets]).float()
    assert torch.allclose(obs[:, env.obs_layout["priv_info"]][:, :3], obj - env.spawn, atol=1e-6)
