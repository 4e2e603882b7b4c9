"""Distillation settings: the ``params.distill`` section of a distillation train YAML (spec §7).

Every constant of the student schedule (§7.2) is a field here with upstream's value as the default;
``skillmimic_distill_cpu.yaml`` compresses the schedule for CPU-scale runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from hot.config.strict import ConfigError, NonNegFloat, NonNegInt, PosFloat, PosInt, Range, from_dict
from hot.motion.schema import SKILL_CODES
from hot.tasks.tracking.config import DistillTeachersCfg, TeacherEntry

__all__ = ["DistillCfg", "RouteBy", "TeacherEntry", "SKILL_CODES", "load_distill_cfg"]

RouteBy = Literal["skill", "object"]
"""Which env property picks a student env's teacher."""


@dataclass
class DistillCfg:
    """Teachers, routing and the DAgger -> supervised -> PPO schedule of the student (spec §7.2)."""

    route_by: RouteBy = "skill"
    """Which env property picks the teacher: the clip's skill (Distill) or the env's object (MultiObjDistill).
    The task sets it; a YAML that says otherwise is an error."""
    teachers: list[TeacherEntry] = field(default_factory=list)
    """Explicit teacher list; when empty, every ``*.pth`` in ``teacher_dir`` by upstream naming."""
    teacher_dir: str = ""
    """Folder of teachers named as upstream: ``<anything>_<id>.pth`` with id 0 = grasp/move/place (skill
    routing), or ``<prefix>_<object>_<anything>.pth`` (object routing)."""
    beta_start_epoch: NonNegInt = 500
    """Teacher-driven rollouts (beta = 1) until this epoch ..."""
    beta_end_epoch: NonNegInt = 5500
    """... then beta falls linearly to 0 at this epoch."""
    expert_only_until: NonNegInt = 5000
    """Until this epoch the loss is the action-matching loss alone."""
    critic_ramp_epochs: PosInt = 1000
    """After ``expert_only_until`` the critic loss ramps in over this many epochs."""
    ppo_min_epoch: NonNegInt = 6000
    """PPO (actor loss) may start only after this epoch ..."""
    critic_good_min_epoch: NonNegInt = 7000
    """... and the critic counts as good only after this one, ..."""
    ev_threshold: Annotated[float, Range(le=1.0)] = 0.6
    """... with the EMA of the explained variance at or above this ..."""
    ev_ema_decay: Annotated[float, Range(gt=0.0, lt=1.0)] = 0.99
    """(EMA decay per minibatch update) ..."""
    ev_streak: PosInt = 3
    """... for this many consecutive updates."""
    actor_ramp_updates: PosInt = 4000
    """PPO updates over which the actor loss ramps in and the expert loss fades."""
    expert_loss_floor: NonNegFloat = 0.1
    """The expert-loss weight never falls below this in the PPO phase."""
    expert_loss_coef: NonNegFloat = 1.0
    """Weight of the action-matching loss in the first phase (upstream ``expert_loss_coef``)."""
    teacher_obs_clip: PosFloat = 5.0
    """Normalised teacher observations are clipped to +-this (rl-games' RunningMeanStd uses 5)."""

    def __post_init__(self) -> None:
        if self.beta_end_epoch < self.beta_start_epoch:
            raise ValueError(
                f"beta_end_epoch ({self.beta_end_epoch}) must be >= beta_start_epoch ({self.beta_start_epoch})"
            )
        if self.expert_only_until > 0 and self.expert_loss_coef == 0.0:
            # the expert-only phase's loss is expert_loss_coef * expert loss alone: with 0 there is no loss
            # term at all and the first update would fail (nothing to backpropagate)
            raise ValueError(
                f"expert_loss_coef is 0 but expert_only_until is {self.expert_only_until}: the expert-only "
                "phase would have no loss (set expert_loss_coef > 0 or expert_only_until: 0)"
            )


def load_distill_cfg(
    train_cfg: dict,
    route_by: RouteBy,
    source: str = "train config",
    env_teachers: DistillTeachersCfg | None = None,
) -> DistillCfg:
    """Read ``params.distill`` strictly; ``route_by`` is what the task needs (``skill`` / ``object``).

    ``env_teachers``: the env YAML's ``distill`` section; teachers named there replace the train YAML's.
    """
    data = dict(train_cfg.get("params", train_cfg).get("distill") or {})
    if not data:
        raise ConfigError(
            f"{source}: 'params.distill' missing; a distillation train YAML names its teachers there "
            "(see hot/data/cfg/train/rlg/skillmimic_distill.yaml)"
        )
    data.setdefault("route_by", route_by)
    cfg = from_dict(DistillCfg, data, source=source, prefix="params.distill")
    if env_teachers is not None and (env_teachers.teachers or env_teachers.teacher_dir):
        # upstream names the teachers in the env YAML (hot/data/cfg/skillmimic_*distill.yaml): they win, and
        # the train YAML's teachers and route_by (written for the other distillation task) are not used
        cfg.teachers, cfg.teacher_dir, cfg.route_by = (
            list(env_teachers.teachers),
            env_teachers.teacher_dir,
            route_by,
        )
    if cfg.route_by != route_by:
        raise ConfigError(
            f"{source}: params.distill.route_by is '{cfg.route_by}' but this task routes teachers by {route_by}"
        )
    if not cfg.teachers and not cfg.teacher_dir:
        raise ConfigError(
            f"{source}: params.distill needs 'teachers' (a list) or 'teacher_dir' (a folder), or the env YAML's "
            "'distill' section does"
        )
    return cfg
