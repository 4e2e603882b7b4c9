"""The student schedule of spec §7.2: beta, loss phases, the explained-variance gate."""

import pytest
import torch

from hot.config.strict import ConfigError
from hot.distill.config import DistillCfg, load_distill_cfg
from hot.distill.schedule import CriticGate, beta, explained_variance, loss_weights


def test_beta_upstream_values():
    c = DistillCfg()
    assert beta(0, c) == 1.0 and beta(500, c) == 1.0
    assert beta(3000, c) == pytest.approx(0.5)
    assert beta(5500, c) == 0.0 and beta(9000, c) == 0.0
    short = DistillCfg(beta_start_epoch=2, beta_end_epoch=6)
    assert [beta(e, short) for e in range(8)] == pytest.approx([1, 1, 1, 0.75, 0.5, 0.25, 0, 0])


def test_explained_variance():
    r = torch.linspace(-1, 1, 100)
    assert explained_variance(r, r) == pytest.approx(1.0)
    assert explained_variance(torch.zeros(100), r) == pytest.approx(0.0, abs=1e-6)
    assert explained_variance(r, torch.ones(100)) == 0.0  # no variance in the returns


def _cfg(**kw):
    base = dict(
        expert_only_until=10,
        critic_ramp_epochs=10,
        ppo_min_epoch=20,
        critic_good_min_epoch=30,
        ev_threshold=0.6,
        ev_ema_decay=0.5,
        ev_streak=3,
        actor_ramp_updates=4,
        expert_loss_floor=0.1,
    )
    base.update(kw)
    return DistillCfg(**base)


def test_phases_by_epoch_and_critic_quality():
    c = _cfg()
    gate = CriticGate(c)
    w = loss_weights(10, gate, c, critic_coef=5.0, bounds_coef=10.0)
    assert (w.phase, w.actor, w.critic, w.expert) == ("expert", 0.0, 0.0, 1.0)
    w = loss_weights(15, gate, c, 5.0, 10.0)
    assert w.phase == "critic" and w.critic == pytest.approx(2.5) and w.actor == 0.0
    assert loss_weights(25, gate, c, 5.0, 10.0).critic == pytest.approx(5.0)
    # a perfect critic before critic_good_min_epoch does not open the gate
    for _ in range(10):
        gate.update(25, 1.0)
    assert not gate.open and loss_weights(29, gate, c, 5.0, 10.0).phase == "critic"
    # a poor critic later does not either
    gate2 = CriticGate(c)
    for _ in range(10):
        gate2.update(40, 0.1)
    assert not gate2.open
    # three consecutive good updates after epoch 30 do
    gate.update(31, 1.0)
    gate.update(31, 1.0)
    assert not gate.open
    gate.update(31, 1.0)
    assert gate.open
    w = loss_weights(31, gate, c, 5.0, 10.0)
    assert (w.phase, w.actor, w.critic, w.bounds, w.expert) == ("ppo", 0.0, 5.0, 10.0, 1.0)
    gate.n_actor = 2
    w = loss_weights(32, gate, c, 5.0, 10.0)
    assert w.actor == pytest.approx(0.5) and w.expert == pytest.approx(0.5)
    gate.n_actor = 100
    w = loss_weights(40, gate, c, 5.0, 10.0)
    assert w.actor == 1.0 and w.expert == pytest.approx(0.1)


def test_streak_resets_when_the_critic_degrades():
    c = _cfg(ev_ema_decay=0.01)  # EMA ~ the last value
    gate = CriticGate(c)
    gate.update(31, 1.0)
    gate.update(31, 1.0)
    gate.update(31, 0.0)
    gate.update(31, 1.0)
    gate.update(31, 1.0)
    assert not gate.open
    gate.update(31, 1.0)
    assert gate.open
    gate.update(31, 0.0)
    assert gate.open  # once open it stays open


def test_distill_section_is_strict():
    with pytest.raises(ConfigError, match="params.distill' missing"):
        load_distill_cfg({"params": {}}, "skill")
    with pytest.raises(ConfigError, match="beta_strat_epoch.*did you mean 'beta_start_epoch'"):
        load_distill_cfg({"params": {"distill": {"beta_strat_epoch": 3, "teacher_dir": "x"}}}, "skill")
    with pytest.raises(ConfigError, match="routes teachers by object"):
        load_distill_cfg({"params": {"distill": {"route_by": "skill", "teacher_dir": "x"}}}, "object")
    with pytest.raises(ConfigError, match="'teachers'.*or 'teacher_dir'"):
        load_distill_cfg({"params": {"distill": {"beta_start_epoch": 3}}}, "skill")
    with pytest.raises(ConfigError, match="beta_end_epoch"):
        load_distill_cfg(
            {"params": {"distill": {"beta_start_epoch": 9, "beta_end_epoch": 3, "teacher_dir": "x"}}}, "skill"
        )


def test_expert_phase_without_expert_loss_is_refused():
    # found by the type check: with expert_loss_coef 0 every weight of the expert-only phase is 0, so the
    # student's loss was the int 0 and the first update failed; the config now refuses it up front
    w = loss_weights(1, CriticGate(DistillCfg()), DistillCfg(expert_loss_coef=1e-9), 1.0, 1.0)
    assert w.phase == "expert" and (w.actor, w.critic, w.bounds) == (0.0, 0.0, 0.0)  # expert is all there is
    with pytest.raises(ValueError, match="expert_loss_coef is 0"):
        DistillCfg(expert_loss_coef=0.0)
    with pytest.raises(ConfigError, match="expert_loss_coef is 0"):
        load_distill_cfg({"params": {"distill": {"expert_loss_coef": 0.0, "teacher_dir": "x"}}}, "skill")
    assert DistillCfg(expert_only_until=0, expert_loss_coef=0.0).expert_loss_coef == 0.0  # no expert phase
