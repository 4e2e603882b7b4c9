"""Teacher checkpoints for distillation: discovery, routing tables and one batched evaluation.

Teachers share one architecture; their weights are stacked (``torch.func.stack_module_state``) and
evaluated in one ``torch.vmap`` call, each with its own observation normalisation (its saved running
mean / variance, clip +-5), so adding teachers adds no Python loop. Every teacher sees every env's
observation and the router picks, per env, the row of its teacher. The output is the deterministic
mean mu (spec §7.1): the supervision target is raw mu, the executed action mu clamped to [-1, 1].
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.func import functional_call, stack_module_state

from hot.config.resolve import resolve_path
from hot.config.strict import ConfigError
from hot.distill.config import SKILL_CODES, DistillCfg

__all__ = [
    "TeacherSpec",
    "TeacherEnsemble",
    "resolve_teachers",
    "skill_table",
    "object_table",
    "parse_skills",
]

RMS_EPS = 1e-5  # rl-games RunningMeanStd epsilon


@dataclass(frozen=True)
class TeacherSpec:
    """A teacher file and what it covers: skill codes (skill routing) or an object name (lowercase)."""

    path: Path
    skills: tuple[int, ...] = ()
    object: str = ""


def parse_skills(items: Sequence[str | int], where: str) -> tuple[int, ...]:
    """Skill names (``grasp``) or codes (``1``, ``"001"``) -> sorted unique codes."""
    codes = set()
    for it in items:
        s = str(it).strip().lower()
        if s in SKILL_CODES:
            codes.add(SKILL_CODES[s])
        elif s.isdigit():
            codes.add(int(s))
        else:
            raise ConfigError(
                f"{where}: unknown skill {it!r}; use one of {sorted(SKILL_CODES)} or a 3-digit code"
            )
    if not codes:
        raise ConfigError(f"{where}: no skills given")
    return tuple(sorted(codes))


def _skills_from_name(path: Path) -> tuple[int, ...]:
    """Upstream naming: the token after the last ``_`` is a teacher id (0 = grasp/move/place, k = skill k);
    ours: skill names joined by ``-`` (``mano_bottle_grasp-move-place.pth``)."""
    token = path.stem.rsplit("_", 1)[-1]
    if token.isdigit():
        k = int(token)
        return (0, 1, 2, 3) if k == 0 else (k,)
    return parse_skills(token.split("-"), f"teacher {path} (skills read from the file name)")


def _object_from_name(path: Path) -> str:
    """Upstream naming: the object is the second ``_`` token (``GraspMovePlace_bottle_0.pth`` -> bottle)."""
    parts = path.stem.split("_")
    if len(parts) < 2 or not parts[1]:
        raise ConfigError(
            f"teacher {path}: cannot read the object from the file name; name it <prefix>_<object>_<...>.pth "
            "or list it under params.distill.teachers with 'object'"
        )
    return parts[1].lower()


def resolve_teachers(cfg: DistillCfg) -> list[TeacherSpec]:
    """The teacher list of ``cfg``: explicit entries, else every ``*.pth`` of ``teacher_dir`` (sorted)."""
    specs: list[TeacherSpec] = []
    if cfg.teachers:
        for i, t in enumerate(cfg.teachers):
            where = f"params.distill.teachers[{i}]"
            if not t.checkpoint:
                raise ConfigError(f"{where}: 'checkpoint' is empty")
            path = resolve_path(t.checkpoint, f"{where}.checkpoint")
            if cfg.route_by == "skill":
                skills = parse_skills(t.skills, where) if t.skills else _skills_from_name(path)
                specs.append(TeacherSpec(path, skills=skills))
            else:
                specs.append(TeacherSpec(path, object=(t.object or _object_from_name(path)).lower()))
    else:
        folder = resolve_path(cfg.teacher_dir, "params.distill.teacher_dir")
        files = sorted(folder.glob("*.pth"))
        if not files:
            raise ConfigError(f"params.distill.teacher_dir {folder}: no *.pth teacher checkpoints in it")
        for path in files:
            if cfg.route_by == "skill":
                specs.append(TeacherSpec(path, skills=_skills_from_name(path)))
            else:
                specs.append(TeacherSpec(path, object=_object_from_name(path)))
    return specs


def skill_table(
    specs: Sequence[TeacherSpec], skill_codes: torch.Tensor, skill_dirs: dict[int, str]
) -> torch.Tensor:
    """(max_code + 1,) long: teacher index per skill code, -1 where none.

    Every skill present in the data (``skill_codes``) must have exactly one teacher; the error names
    the skill folder that has none. ``skill_dirs`` maps a code to an example folder for messages.
    """
    present = sorted({int(c) for c in skill_codes.tolist()})
    size = max(present + [c for s in specs for c in s.skills]) + 1
    table = torch.full((size,), -1, dtype=torch.long)
    for i, s in enumerate(specs):
        for c in s.skills:
            if table[c] >= 0:
                raise ConfigError(
                    f"skill {c:03d} is covered by two teachers: {specs[int(table[c])].path} and {s.path}"
                )
            table[c] = i
    missing = [c for c in present if table[c] < 0]
    if missing:
        raise ConfigError(
            "no teacher for skill "
            + ", ".join(f"{c:03d} ({skill_dirs.get(c, '?')})" for c in missing)
            + f"; teachers cover {sorted(c for s in specs for c in s.skills)}"
        )
    return table


def object_table(specs: Sequence[TeacherSpec], object_names: Sequence[str]) -> torch.Tensor:
    """(num_objects,) long: teacher index per env object id; every object needs exactly one teacher."""
    index: dict[str, int] = {}
    for i, s in enumerate(specs):
        if s.object in index:
            raise ConfigError(
                f"object '{s.object}' has two teachers: {specs[index[s.object]].path} and {s.path}"
            )
        index[s.object] = i
    missing = [n for n in object_names if n.lower() not in index]
    if missing:
        raise ConfigError(f"no teacher for object(s) {missing}; teachers cover {sorted(index)}")
    return torch.tensor([index[n.lower()] for n in object_names], dtype=torch.long)


class TeacherEnsemble:
    """Stacked teachers: ``mu(obs (N, O), teacher_ids (N,)) -> (N, A)`` in one vmapped call.

    Args:
        paths: teacher checkpoints (same hand, observation layout and architecture; action modes may differ,
            see :meth:`to_student`).
        env_meta: :func:`hot.learning.adapter.env_meta` of the env the student trains in.
        device: where the teachers run.
        obs_clip: normalised observations are clipped to +-this.
    """

    def __init__(
        self, paths: Sequence[Path], env_meta: dict, device: torch.device | str, obs_clip: float = 5.0
    ):
        from hot.learning.adapter import load_model

        if not paths:
            raise ConfigError("distillation needs at least one teacher checkpoint")
        self.paths = [Path(p) for p in paths]
        self.device = torch.device(device)
        self.obs_clip = float(obs_clip)
        nets, means, variances = [], [], []
        shapes = None
        self.spaces = self._action_spaces(env_meta)
        tags = list(dict.fromkeys(t for t, _ in self.spaces))
        self.action_mode = tags[0] if len(tags) == 1 else " | ".join(tags)
        self.env_cfg = self.spaces[0][1]
        for p, (tag, _) in zip(self.paths, self.spaces, strict=True):
            model, _ = load_model(p, dict(env_meta, action_mode=tag))
            net = model.a2c_network.eval()
            sig = {k: tuple(v.shape) for k, v in net.state_dict().items()}
            if shapes is None:
                shapes, first = sig, p
            elif sig != shapes:
                raise ConfigError(
                    f"teacher {p} has another network architecture than {first}; stacked teachers must share "
                    "one (same network section of their train YAML)"
                )
            if getattr(model, "normalize_input", False):
                rms = model.running_mean_std
                means.append(rms.running_mean.float().clone())
                variances.append(rms.running_var.float().clone())
            else:
                means.append(torch.zeros(int(env_meta["num_obs"])))
                variances.append(torch.ones(int(env_meta["num_obs"])) - RMS_EPS)
            nets.append(net.to(self.device))
        self.num_teachers = len(nets)
        params, buffers = stack_module_state(nets)
        self.params = {k: v.detach() for k, v in params.items()}
        self.buffers = buffers
        self.mean = torch.stack(means).to(self.device)  # (T, O)
        self.std = torch.sqrt(torch.stack(variances) + RMS_EPS).to(self.device)  # (T, O)
        base = copy.deepcopy(nets[0]).to("meta")
        clip = self.obs_clip

        def one(p, b, mean, std, obs):
            x = torch.clamp((obs - mean) / std, -clip, clip)
            return functional_call(base, (p, b), ({"obs": x},))[0]

        self._all = torch.vmap(one, in_dims=(0, 0, 0, 0, None))

    def _action_spaces(self, env_meta: dict) -> list[tuple[str, dict]]:
        """``(action-mode tag, saved env settings)`` of each teacher.

        Teachers may act in other action modes than the student's env (upstream's distillation commands
        pass --use_delta_action; our teachers are residual), and in different ones from each other (a
        teacher with the grasp priors of issue 20 beside one without): :meth:`to_student` converts
        their actions with :meth:`~hot.tasks.tracking.env.TrackingEnv.convert_actions`, which needs each
        such teacher's saved env config.
        """
        from hot.learning.checkpoint import load_checkpoint

        out = []
        for p in self.paths:
            meta = load_checkpoint(p, map_location="cpu")["meta"]
            tag = meta.get("action_mode")
            env_cfg = meta.get("config", {}).get("env", {}).get("env", {})
            if tag != env_meta.get("action_mode") and not env_cfg:
                raise ConfigError(
                    f"teacher {p} acts in '{tag}' but the env in '{env_meta.get('action_mode')}', and the "
                    "checkpoint has no saved env config to convert its actions with; use the teachers' action flag"
                )
            out.append((tag, env_cfg))
        return out

    def to_student(
        self, env, actions: torch.Tensor, teacher_ids: torch.Tensor, student_mode: str
    ) -> torch.Tensor:
        """(N, A): teacher actions ``actions`` (teacher ``teacher_ids[i]`` for env ``i``) as the student's
        actions with the same PD targets in ``env`` (a :class:`~hot.tasks.tracking.env.TrackingEnv` whose
        action mode is ``student_mode``); teachers in the student's mode pass through unchanged."""
        out = actions.to(env.device)
        ids = teacher_ids.to(env.device)
        for tag in dict.fromkeys(t for t, _ in self.spaces):
            if tag == student_mode:
                continue
            members = [i for i, (t, _) in enumerate(self.spaces) if t == tag]
            cfg = self.spaces[members[0]][1]
            mask = torch.isin(ids, torch.tensor(members, device=env.device)).unsqueeze(-1)
            out = torch.where(mask, env.convert_actions(actions.to(env.device), cfg), out)
        return out

    @torch.no_grad()
    def mu_all(self, obs: torch.Tensor) -> torch.Tensor:
        """(T, N, A): every teacher's mean action for every observation."""
        obs = obs.to(self.device, torch.float32)
        return self._all(self.params, self.buffers, self.mean, self.std, obs)

    @torch.no_grad()
    def mu(self, obs: torch.Tensor, teacher_ids: torch.Tensor) -> torch.Tensor:
        """(N, A): the mean action of teacher ``teacher_ids[i]`` for observation ``i``."""
        out = self.mu_all(obs)
        ids = teacher_ids.to(self.device).long()
        return out[ids, torch.arange(obs.shape[0], device=self.device)]
