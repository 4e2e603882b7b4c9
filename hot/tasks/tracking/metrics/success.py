"""Per-skill success rules for ``--test`` (upstream ``metric/*.py``, spec §8.1).

Each metric is a streaming accumulator over one test episode per env, all envs in step:
``metric.update(step, state)`` once per control step, ``metric.success()`` -> (N,) bool,
``metric.reset()`` before the next round. ``state`` holds (N, ...) tensors:
``obj_pos`` (N, 3), ``obj_vel`` (N, 3), ``wrist_pos`` (N, 3) world; ``E_h``, ``E_op`` (cm) and
``E_or`` (deg), each (N,). ``step`` is the env progress counter (the same for all envs).
"dist" below is ‖obj_pos - wrist_pos‖ (m), h the height offset (0.1 for ``*higher*`` data).

==================  =========================================================================
class (skill dir)   success rule per env
==================  =========================================================================
GraspMetric         step < 50: ‖v‖ ≤ 0.2; step ≥ 50: dist < 0.3, v_x < 0.1, v_y < 0.1 (signed,
(``grasp*``)        as upstream), z_obj ≥ 0.1 + h. Success: more than 120 of steps 0..179 pass
PlaceMetric         step ≤ 160: dist < 0.3, v_x < 0.1, v_y < 0.1, v_z ≤ 0.1 (signed); later
(``place*``)        ‖v‖ ≤ 0.4. Success: more than 190 of steps 0..219 pass
TrackingMetric      every step with 20 < step < L - 5: E_op < 12, E_or < 90, E_h < 25
(``move*``)
MoveMetric (older)  every step > 10: dist < 0.3 and z_obj > 0.15 - h
CatchMetric         every step > 50 up to step 88: dist < 0.3, z_obj > 0.3 + h, z_wrist > 0.3 + h;
(``catch*``)        the result is latched at step 88
ThrowMetric         steps 30..34: E_h < 40, E_op < 40, E_or < 90
RotateMetric        steps 20, 50, 110: dist < 0.3, E_op < 20, E_or < 20
RegraspMetric       steps 30, 116: dist < 0.3, E_h < 5, E_op < 5, E_or < 20
LongMetric          steps 150..299: dist < 0.3, E_h < 10, E_op < 10
(``bottle*``/long)
GrabMetric          steps 10..L-10: E_h < 20, E_op < 10, E_or < 90
(``000``/``001``)
FreemoveMetric      **defined here** (upstream has none): every step with 20 < step < L - 5:
(``freemove*``)     E_h < 25 — TrackingMetric's hand bound, with the object ignored as in the
                    freemove reward
==================  =========================================================================

As upstream, the "all checked steps pass" rules start at success = True, so an env is reported
successful if the episode stopped before any checked step (test runs use the skill's full
length, which covers them). Grasp/Place count passing steps in a per-step table, so feeding the
same step twice overwrites rather than double counts; steps beyond the table are ignored
(upstream would index out of range).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from hot.motion.schema import SKILL_CODES

__all__ = [
    "STATE_KEYS",
    "SkillMetric",
    "GraspMetric",
    "PlaceMetric",
    "TrackingMetric",
    "MoveMetric",
    "CatchMetric",
    "ThrowMetric",
    "RotateMetric",
    "RegraspMetric",
    "LongMetric",
    "GrabMetric",
    "FreemoveMetric",
    "METRIC_CLASSES",
    "SKILL_CODE_NAMES",
    "make_metric",
]

STATE_KEYS = ("obj_pos", "obj_vel", "wrist_pos", "E_h", "E_op", "E_or")


class SkillMetric:
    """Base: an "all checked steps pass" accumulator; subclasses define :meth:`checked` and :meth:`passes`.

    Args:
        num_envs: N.
        h_offset: height offset h (m).
        episode_length: L, an int or (N,) tensor; only rules that use L need it.
        device: torch device of the accumulators.
    """

    needs_episode_length = False

    def __init__(
        self,
        num_envs: int,
        h_offset: float = 0.0,
        episode_length: int | torch.Tensor | None = None,
        device: torch.device | str | None = None,
    ):
        if self.needs_episode_length and episode_length is None:
            raise ValueError(f"{type(self).__name__} needs episode_length (L) for its step window")
        self.num_envs = num_envs
        self.h_offset = float(h_offset)
        self.episode_length = episode_length
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.reset()

    def reset(self) -> None:
        """Start a new round for all envs."""
        self._ok = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)

    def checked(self, step: int) -> bool | torch.Tensor:
        """Whether ``step`` is checked (a bool, or (N,) bool when it depends on per-env L)."""
        raise NotImplementedError

    def passes(self, step: int, s: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """(N,) bool: the rule holds at this step."""
        raise NotImplementedError

    def update(self, step: int | torch.Tensor, state: Mapping[str, torch.Tensor]) -> None:
        """Feed one control step. ``step`` is an int (or a 0-d / all-equal tensor)."""
        step = _as_int_step(step)
        missing = [k for k in STATE_KEYS if k not in state]
        if missing:
            raise KeyError(f"{type(self).__name__}.update: state lacks {missing}; needs {list(STATE_KEYS)}")
        self._update(step, state)

    def _update(self, step: int, s: Mapping[str, torch.Tensor]) -> None:
        chk = self.checked(step)
        if isinstance(chk, bool):
            if chk:
                self._ok &= self.passes(step, s).to(self.device)
        else:
            self._ok &= ~chk.to(self.device) | self.passes(step, s).to(self.device)

    def success(self) -> torch.Tensor:
        """(N,) bool success per env."""
        return self._ok.clone()

    def _L(self) -> int | torch.Tensor:
        L = self.episode_length
        assert L is not None  # only rules with needs_episode_length call this; __init__ checked it
        return L.to(self.device) if isinstance(L, torch.Tensor) else int(L)


def _as_int_step(step: int | torch.Tensor) -> int:
    if isinstance(step, torch.Tensor):
        if step.numel() > 1 and not bool((step == step.flatten()[0]).all()):
            raise ValueError("success metrics need all envs at the same step; got differing steps")
        return int(step.flatten()[0])
    return int(step)


def _dist(s: Mapping[str, torch.Tensor]) -> torch.Tensor:
    return (s["obj_pos"] - s["wrist_pos"]).norm(dim=-1)


class _CountMetric(SkillMetric):
    """Counts passing steps in a per-step table of ``window`` steps; success = count > ``need``."""

    window = 0
    need = 0

    def reset(self) -> None:
        self._table = torch.zeros(self.num_envs, self.window, dtype=torch.bool, device=self.device)

    def _update(self, step: int, s: Mapping[str, torch.Tensor]) -> None:
        if 0 <= step < self.window:
            self._table[:, step] = self.passes(step, s).to(self.device)

    def success(self) -> torch.Tensor:
        return self._table.sum(-1) > self.need


class GraspMetric(_CountMetric):
    window, need = 180, 120

    def passes(self, step, s):
        v = s["obj_vel"]
        if step < 50:
            return v.norm(dim=-1) <= 0.2
        return (
            (_dist(s) < 0.3) & (v[:, 0] < 0.1) & (v[:, 1] < 0.1) & (s["obj_pos"][:, 2] >= 0.1 + self.h_offset)
        )


class PlaceMetric(_CountMetric):
    window, need = 220, 190

    def passes(self, step, s):
        v = s["obj_vel"]
        if step <= 160:
            return (_dist(s) < 0.3) & (v[:, 0] < 0.1) & (v[:, 1] < 0.1) & (v[:, 2] <= 0.1)
        return v.norm(dim=-1) <= 0.4


class TrackingMetric(SkillMetric):
    needs_episode_length = True

    def checked(self, step):
        inside = step < (self._L() - 5)
        return (step > 20) & inside if isinstance(inside, torch.Tensor) else (step > 20 and inside)

    def passes(self, step, s):
        return (s["E_op"] < 12) & (s["E_or"] < 90) & (s["E_h"] < 25)


class MoveMetric(SkillMetric):
    def checked(self, step):
        return step > 10

    def passes(self, step, s):
        return (_dist(s) < 0.3) & (s["obj_pos"][:, 2] > 0.15 - self.h_offset)


class CatchMetric(SkillMetric):
    latch_step = 88

    def reset(self) -> None:
        super().reset()
        self._running = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)

    def _update(self, step, s):
        if step > 50:
            thr = 0.3 + self.h_offset
            ok = (_dist(s) < 0.3) & (s["obj_pos"][:, 2] > thr) & (s["wrist_pos"][:, 2] > thr)
            self._running &= ok.to(self.device)
        if step == self.latch_step:
            self._ok = self._running.clone()


class ThrowMetric(SkillMetric):
    def checked(self, step):
        return 30 <= step < 35

    def passes(self, step, s):
        return (s["E_h"] < 40) & (s["E_op"] < 40) & (s["E_or"] < 90)


class RotateMetric(SkillMetric):
    def checked(self, step):
        return step in (20, 50, 110)

    def passes(self, step, s):
        return (_dist(s) < 0.3) & (s["E_op"] < 20) & (s["E_or"] < 20)


class RegraspMetric(SkillMetric):
    def checked(self, step):
        return step in (30, 116)

    def passes(self, step, s):
        return (_dist(s) < 0.3) & (s["E_h"] < 5) & (s["E_op"] < 5) & (s["E_or"] < 20)


class LongMetric(SkillMetric):
    def checked(self, step):
        return 150 <= step < 300

    def passes(self, step, s):
        return (_dist(s) < 0.3) & (s["E_h"] < 10) & (s["E_op"] < 10)


class GrabMetric(SkillMetric):
    needs_episode_length = True

    def checked(self, step):
        inside = step <= (self._L() - 10)
        return (step >= 10) & inside if isinstance(inside, torch.Tensor) else (step >= 10 and inside)

    def passes(self, step, s):
        return (s["E_h"] < 20) & (s["E_op"] < 10) & (s["E_or"] < 90)


class FreemoveMetric(TrackingMetric):
    def passes(self, step, s):
        return s["E_h"] < 25


#: First ``_`` token of the skill folder (or file-name stem) -> metric class.
METRIC_CLASSES: dict[str, type[SkillMetric]] = {
    "grasp": GraspMetric,
    "place": PlaceMetric,
    "move": TrackingMetric,
    "catch": CatchMetric,
    "throw": ThrowMetric,
    "rotate": RotateMetric,
    "regrasp": RegraspMetric,
    "bottle": LongMetric,
    "long": LongMetric,
    "freemove": FreemoveMetric,
    "000": GrabMetric,
    "001": GrabMetric,
}

#: Integer skill codes (spec §2.1) -> the token used above. 0 (static grasp) -> GrabMetric.
SKILL_CODE_NAMES = {0: "000", **{code: name for name, code in SKILL_CODES.items()}}


def make_metric(
    skill: str | int,
    num_envs: int,
    h_offset: float | None = None,
    episode_length: int | torch.Tensor | None = None,
    device: torch.device | str | None = None,
) -> SkillMetric:
    """The success metric of a skill.

    Args:
        skill: a skill folder name (e.g. ``"place_higher_kp"``; its first ``_`` token picks the
            class, as upstream, so a ``.pt`` stem like ``"001_bottle_0_1"`` gives GrabMetric) or
            an int skill code (1 grasp, 2 move, 3 place, 5 regrasp, 6 rotate, 7 catch, 8 throw,
            9 freemove, 10 long, 0 grab).
        num_envs: N.
        h_offset: height offset; default 0.1 if ``"higher"`` is in the name else 0.
        episode_length: L for the move/grab/freemove windows (int or (N,) tensor).
        device: accumulator device.
    """
    if isinstance(skill, bool) or not isinstance(skill, (str, int)):
        raise TypeError(f"make_metric: skill must be a folder name or an int code, got {skill!r}")
    if isinstance(skill, int):
        if skill not in SKILL_CODE_NAMES:
            raise ValueError(
                f"make_metric: no success metric for skill code {skill}; known {sorted(SKILL_CODE_NAMES)}"
            )
        name = SKILL_CODE_NAMES[skill]
    else:
        name = skill
    token = name.split("_")[0].lower()
    if token not in METRIC_CLASSES:
        raise ValueError(
            f"make_metric: no success metric for skill {skill!r} (first '_' token {token!r}); "
            f"known tokens: {sorted(METRIC_CLASSES)}"
        )
    if h_offset is None:
        h_offset = 0.1 if "higher" in name else 0.0
    return METRIC_CLASSES[token](num_envs, h_offset=h_offset, episode_length=episode_length, device=device)
