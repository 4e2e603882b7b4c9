"""The student agent (spec §7.2): PPO's loop with teacher-mixed rollouts and a phased loss.

Two hooks of rl-games' PPO agent change, nothing else:

* ``get_action_values``: every step the teachers' means for the env's *teacher* observations are
  computed (stored as ``experts``), and each env runs the teacher's clamped action with probability
  beta(epoch) instead of the student's sample; the stored log-probability is the student's for the
  action really taken.
* ``calc_gradients``: loss = actor * PPO + critic * value + bounds * bound + expert * action matching,
  the weights from :func:`hot.distill.schedule.loss_weights`; the critic gate tracks the explained
  variance of every minibatch.

Phase, beta, explained variance and the expert loss are logged per epoch (tensorboard
``distill/*`` and :attr:`DistillAgent.distill_log`).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path
from typing import cast

import torch
from rl_games.algos_torch import torch_ext
from rl_games.common import common_losses

from hot.distill import schedule
from hot.distill.config import DistillCfg
from hot.distill.teachers import TeacherEnsemble
from hot.learning.adapter import HotA2CAgent
from hot.utils.files import atomic_write

__all__ = ["DistillAgent", "write_log"]


class DistillAgent(HotA2CAgent):
    """PPO agent whose rollouts and losses follow the distillation schedule.

    Args:
        base_name, params, meta: as :class:`hot.learning.adapter.HotA2CAgent`.
        teachers: the stacked teachers.
        route: ``route(env) -> (N,) long`` teacher index per env.
        dcfg: the schedule constants.
    """

    def __init__(
        self,
        base_name: str,
        params: dict,
        meta: dict,
        teachers: TeacherEnsemble,
        route: Callable[[object], torch.Tensor],
        dcfg: DistillCfg,
    ) -> None:
        self.teachers = teachers
        self.route = route
        self.dcfg = dcfg
        self.gate = schedule.CriticGate(dcfg)
        self.distill_log: list[dict[str, float]] = []
        self._epoch_stats: dict[str, list[float]] = {}
        super().__init__(base_name, params, meta)
        assert self.vec_env is not None  # rl-games sets it in __init__ (from the config's vec_env)
        self.hot_env = self.vec_env.env
        self.student_mode = meta["action_mode"]
        self.convert = any(tag != self.student_mode for tag, _ in teachers.spaces)

    # ------------------------------------------------------------------ rollouts
    def init_tensors(self) -> None:
        super().init_tensors()
        buf = self.experience_buffer
        buf.tensor_dict["experts"] = torch.zeros(
            (self.horizon_length, self.num_actors, self.actions_num),
            dtype=torch.float32,
            device=self.ppo_device,
        )
        self.update_list = list(self.update_list) + ["experts"]
        self.tensor_list = list(self.tensor_list) + ["experts"]

    def get_action_values(self, obs: dict) -> dict:
        res = super().get_action_values(obs)
        env = self.hot_env
        ids = self.route(env)
        expert = self.teachers.mu(env.teacher_obs, ids)
        if self.convert:  # teachers in another action mode: the student's action for the teacher's PD targets
            expert = self.teachers.to_student(env, expert, ids, self.student_mode)
        expert = expert.to(self.ppo_device)
        res["experts"] = expert
        b = schedule.beta(self.epoch_num, self.dcfg)
        if b > 0.0:
            use = torch.rand(expert.shape[0], device=self.ppo_device) < b
            actions = torch.where(use.unsqueeze(1), expert.clamp(-1.0, 1.0), res["actions"])
            res["actions"] = actions
            res["neglogpacs"] = self.model.neglogp(
                actions, res["mus"], res["sigmas"], torch.log(res["sigmas"])
            )
            self._stat("teacher_action_fraction", float(use.float().mean()))
        else:
            self._stat("teacher_action_fraction", 0.0)
        return res

    def prepare_dataset(self, batch_dict: dict) -> None:
        super().prepare_dataset(batch_dict)
        self.dataset.values_dict["experts"] = batch_dict["experts"]

    # ------------------------------------------------------------------ update
    def calc_gradients(self, input_dict: dict) -> None:
        obs = self._preproc_obs(input_dict["obs"])
        res = self.model({"is_train": True, "prev_actions": input_dict["actions"], "obs": obs})
        mu, sigma, values = res["mus"], res["sigmas"], res["values"]
        returns = input_dict["returns"]
        a_loss = self.actor_loss_func(
            input_dict["old_logp_actions"],
            res["prev_neglogp"],
            input_dict["advantages"],
            self.ppo,
            self.e_clip,
        ).mean()
        c_loss = common_losses.critic_loss(
            self.model, input_dict["old_values"], values, self.e_clip, returns, self.clip_value
        ).mean()
        b_loss = self.bound_loss(mu).mean()
        e_loss = ((mu - input_dict["experts"]) ** 2).sum(dim=-1).mean()
        ev = schedule.explained_variance(values.detach(), returns)
        self.gate.update(self.epoch_num, ev)
        w = schedule.loss_weights(
            self.epoch_num, self.gate, self.dcfg, self.critic_coef, self.bounds_loss_coef or 0.0
        )
        if w.phase == "ppo":
            self.gate.n_actor += 1
        # a term with weight 0 is left out, not multiplied by 0: before PPO starts, the PPO ratio of teacher
        # actions far from the student's mean (another action mode, an untrained student) overflows to inf,
        # and 0 * inf would make the whole loss NaN
        terms = ((w.actor, a_loss), (0.5 * w.critic, c_loss), (w.bounds, b_loss), (w.expert, e_loss))
        # a tensor: at least one weight is non-zero (DistillCfg refuses expert_loss_coef 0 in the expert phase)
        loss = cast(torch.Tensor, sum(wt * term for wt, term in terms if wt != 0.0))
        for p in self.model.parameters():
            p.grad = None
        self.scaler.scale(loss).backward()
        self.trancate_gradients_and_step()
        with torch.no_grad():
            kl = torch_ext.policy_kl(mu.detach(), sigma.detach(), input_dict["mu"], input_dict["sigma"], True)
        self._stat("expert_loss", float(e_loss.detach()))
        self._stat("explained_variance", ev)
        self._stat("phase", float(schedule.PHASES.index(w.phase)))
        entropy = res["entropy"].mean()
        a_log = a_loss.detach() if w.actor != 0.0 else torch.zeros(())  # logged as 0 while not optimised
        self.train_result = (
            a_log,
            c_loss.detach(),
            entropy.detach(),
            kl,
            self.last_lr,
            1.0,
            mu.detach(),
            sigma.detach(),
            b_loss.detach(),
        )

    def train_epoch(self):
        out = super().train_epoch()
        rec = {"epoch": float(self.epoch_num), "beta": schedule.beta(self.epoch_num, self.dcfg)}
        for k, v in self._epoch_stats.items():
            rec[k] = sum(v) / max(len(v), 1)
        rec["phase"] = float(max(self._epoch_stats.get("phase", [0.0])))
        rec["ev_ema"] = float("nan") if self.gate.ema is None else float(self.gate.ema)
        rec["ppo_updates"] = float(self.gate.n_actor)
        self._epoch_stats.clear()
        self.distill_log.append(rec)
        if getattr(self, "experiment_dir", None) and (not self.multi_gpu or self.global_rank == 0):
            write_log(
                Path(self.experiment_dir) / "distill_log.csv", self.distill_log
            )  # kept if the run is stopped
        if self.writer is not None:
            for k, v in rec.items():
                if k != "epoch" and math.isfinite(v):
                    self.writer.add_scalar(f"distill/{k}", v, self.epoch_num)
        return out

    def _stat(self, name: str, value: float) -> None:
        self._epoch_stats.setdefault(name, []).append(value)

    # ------------------------------------------------------------------ checkpoints
    def get_full_state_weights(self) -> dict:
        state = super().get_full_state_weights()
        state["distill_gate"] = self.gate.state_dict()
        return state

    def set_full_state_weights(self, weights: dict, set_epoch: bool = True) -> None:
        super().set_full_state_weights(weights, set_epoch=set_epoch)
        if "distill_gate" in weights:
            self.gate.load_state_dict(weights["distill_gate"])


def write_log(path: Path, rows: list[dict[str, float]]) -> None:
    """Rewrite the per-epoch distillation log ``path`` (CSV) atomically."""
    if not rows:
        return
    keys = sorted({k for r in rows for k in r}, key=lambda k: (k != "epoch", k))
    with atomic_write(path, newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow(r)
