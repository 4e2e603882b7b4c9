"""The student's schedule (spec §7.2): rollout mixing beta, loss phases and the critic-quality gate.

Pure functions of the epoch plus one small state object (:class:`CriticGate`) that tracks the
explained variance; the agent asks :func:`loss_weights` for the weight of each loss term.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hot.distill.config import DistillCfg

__all__ = ["beta", "CriticGate", "LossWeights", "loss_weights", "explained_variance", "PHASES"]

PHASES = ("expert", "critic", "ppo")
"""Loss phases in order: action matching only; + critic; + PPO actor loss."""


def beta(epoch: int, cfg: DistillCfg) -> float:
    """Probability that an env step runs the teacher's action: 1 until ``beta_start_epoch``, then
    linear to 0 at ``beta_end_epoch`` (upstream: clip(1 - max(epoch - 500, 0) / 5000, 0, 1))."""
    span = cfg.beta_end_epoch - cfg.beta_start_epoch
    if span <= 0:
        return 1.0 if epoch < cfg.beta_start_epoch else 0.0
    return float(min(max(1.0 - max(epoch - cfg.beta_start_epoch, 0) / span, 0.0), 1.0))


def explained_variance(values: torch.Tensor, returns: torch.Tensor) -> float:
    """EV = 1 - Var(R - V) / Var(R) over a batch (1 = perfect critic, <= 0 = useless)."""
    var_r = torch.var(returns.float())
    if float(var_r) <= 1e-12:
        return 0.0
    return float(1.0 - torch.var((returns - values).float()) / var_r)


class CriticGate:
    """When may PPO start? An EMA of the explained variance must stay >= ``ev_threshold`` for
    ``ev_streak`` consecutive updates after ``critic_good_min_epoch``; once open it stays open and
    counts the PPO-phase updates (``n_actor``) that ramp the actor loss in."""

    def __init__(self, cfg: DistillCfg) -> None:
        self.cfg = cfg
        self.ema: float | None = None
        self.streak = 0
        self.open = False
        self.n_actor = 0

    def update(self, epoch: int, ev: float) -> None:
        """Record one minibatch update's explained variance at ``epoch``."""
        c = self.cfg
        self.ema = ev if self.ema is None else c.ev_ema_decay * self.ema + (1.0 - c.ev_ema_decay) * ev
        if epoch > c.critic_good_min_epoch and self.ema >= c.ev_threshold:
            self.streak += 1
        else:
            self.streak = 0
        if not self.open and self.streak >= c.ev_streak and epoch > c.ppo_min_epoch:
            self.open = True

    def state_dict(self) -> dict:
        return {"ema": self.ema, "streak": self.streak, "open": self.open, "n_actor": self.n_actor}

    def load_state_dict(self, d: dict) -> None:
        self.ema, self.streak = d.get("ema"), int(d.get("streak", 0))
        self.open, self.n_actor = bool(d.get("open", False)), int(d.get("n_actor", 0))


@dataclass(frozen=True)
class LossWeights:
    """Multipliers of the loss terms: total = actor*a + critic*c + bounds*b + expert*e."""

    phase: str
    actor: float
    critic: float
    bounds: float
    expert: float


def loss_weights(
    epoch: int, gate: CriticGate, cfg: DistillCfg, critic_coef: float, bounds_coef: float
) -> LossWeights:
    """The §7.2 table. ``critic_coef`` / ``bounds_coef`` come from the PPO config."""
    if epoch <= cfg.expert_only_until:
        return LossWeights("expert", 0.0, 0.0, 0.0, cfg.expert_loss_coef)
    if not gate.open:
        ramp = min((epoch - cfg.expert_only_until) / cfg.critic_ramp_epochs, 1.0)
        return LossWeights("critic", 0.0, ramp * critic_coef, 0.0, 1.0)
    n = gate.n_actor
    return LossWeights(
        "ppo",
        min(n / cfg.actor_ramp_updates, 1.0),
        critic_coef,
        bounds_coef,
        max(1.0 - n / cfg.actor_ramp_updates, cfg.expert_loss_floor),
    )
