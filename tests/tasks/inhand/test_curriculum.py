"""Config-gated deviations from HORA: randomisation curriculum, drop penalty / alive bonus, max_fall."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hot.config.strict import ConfigError
from hot.tasks.inhand.config import load_inhand_config
from hot.tasks.inhand.env import InhandEnv, curriculum_level, ramp
from tests.tasks.inhand.helpers import marked_caches, small_cfg


def test_curriculum_level_ramps_linearly_and_is_off_by_default():
    assert curriculum_level(0, 0) == 1.0 and curriculum_level(10**9, 0) == 1.0  # off: full ranges
    assert curriculum_level(0, 1000) == 0.0
    assert curriculum_level(250, 1000) == pytest.approx(0.25)
    assert curriculum_level(1000, 1000) == 1.0 and curriculum_level(5000, 1000) == 1.0
    assert curriculum_level(500, 1000, start=0.2) == pytest.approx(0.6)
    assert ramp(0.05, 0.01, 0.25, 0.0) == (0.05, 0.05)
    assert ramp(0.05, 0.01, 0.25, 1.0) == pytest.approx((0.01, 0.25))
    assert ramp(1.0, 0.3, 3.0, 0.5) == pytest.approx((0.65, 2.0))


def test_new_keys_default_to_hora_and_validate():
    cfg = load_inhand_config("ppo", "allegro_inhand", "hora")
    assert cfg.env.domain_rand.curriculum_steps == 0 and cfg.env.max_fall == 0.0
    assert cfg.env.reward.drop_penalty == 0.0 and cfg.env.reward.alive_bonus == 0.0
    cfg = load_inhand_config("ppo", "allegro_inhand", "hora", overrides=[
        "env.domain_rand.curriculum_steps=1000", "env.reward.drop_penalty=-5", "env.max_fall=0.02"])  # fmt: skip
    assert cfg.env.domain_rand.curriculum_steps == 1000 and cfg.env.reward.drop_penalty == -5.0
    with pytest.raises(ConfigError, match="curriculum"):
        load_inhand_config("ppo", "allegro_inhand", overrides=["env.domain_rand.curriculum_steps=-1"])


def _rand_cfg(tmp_path, **kw):
    cfg = small_cfg(tmp_path, **kw)
    dr = cfg.domain_rand
    dr.randomize_mass = dr.randomize_com = dr.randomize_friction = dr.randomize_pd_gains = True
    dr.push.enabled = True
    return cfg


def test_curriculum_starts_at_nominal_values_and_grows_with_env_steps(tmp_path):
    cfg = _rand_cfg(tmp_path)
    cfg.domain_rand.curriculum_steps = 80
    marked_caches(cfg)
    env = InhandEnv(cfg, 8, seed=0)
    env.reset()
    assert env.dr_level == 0.0
    assert torch.allclose(env.mass, torch.full((8,), cfg.object.mass))
    assert torch.allclose(env.friction, torch.full((8,), cfg.object.friction))
    assert env.com.abs().max() == 0 and torch.allclose(env.kp, torch.full_like(env.kp, cfg.control.kp))
    for bk in env.buckets:  # the model fields follow
        assert np.allclose(bk.model_fields["body_mass"][:, env.index.obj_body], cfg.object.mass)
    env.step(torch.zeros(8, 16))
    assert env.env_steps == 8 and env.dr_level == pytest.approx(0.1)
    env.env_steps = 80
    env.reset()
    assert env.dr_level == 1.0 and env.mass.std() > 0 and env.com.abs().max() > 0
    env.env_steps, env.fixed_dr_level = 0, 1.0  # evaluation pins the full ranges
    assert env.dr_level == 1.0


def test_drop_penalty_alive_bonus_and_max_fall(tmp_path):
    cfg = small_cfg(tmp_path)
    marked_caches(cfg)
    base = InhandEnv(cfg, 4, seed=0)
    base.reset()
    _, r0, _, _ = base.step(torch.zeros(4, 16))
    cfg.reward.alive_bonus = 0.25
    cfg.reward.drop_penalty = -7.0
    cfg.max_fall = 0.02
    env = InhandEnv(cfg, 4, seed=0)
    env.reset()
    env.start_z[:2] += 0.05  # envs 0, 1: their object is now 5 cm below its start height -> dropped
    _, r, done, info = env.step(torch.zeros(4, 16))
    assert info["terminate"][:2].all() and not info["terminate"][2:].any() and done[:2].all()
    assert torch.allclose(r[:2], r0[:2] - 7.0, atol=1e-4)
    assert torch.allclose(r[2:], r0[2:] + 0.25, atol=1e-4)


def test_diagnose_switches_one_randomisation_term_at_a_time():
    from hot.learning.inhand_diagnose import with_terms

    base = load_inhand_config("ppo", "allegro_inhand", "hora")
    none, mass, allt = with_terms(base, "none"), with_terms(base, "mass"), with_terms(base, "all")
    flags = lambda c: (c.env.domain_rand.randomize_mass, c.env.domain_rand.randomize_com,  # noqa: E731
                       c.env.domain_rand.randomize_friction, c.env.domain_rand.randomize_pd_gains,
                       c.env.domain_rand.push.enabled)  # fmt: skip
    assert flags(none) == (False,) * 5 and flags(mass) == (True, False, False, False, False)
    assert flags(allt) == (True,) * 5 and flags(with_terms(base, "push"))[-1]
    assert flags(base) == (True,) * 5  # the input is not modified
