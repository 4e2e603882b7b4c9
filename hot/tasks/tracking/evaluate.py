"""Test-time rollouts: per-skill success (spec §8.1), continuous errors, penetration, refined-data export.

``evaluate`` runs deterministic episodes of a policy (or of open-loop replay) on a
:class:`~hot.tasks.tracking.env.TrackingEnv` in ``test``/``refine`` mode and returns one row per skill
folder. ``write_results`` saves them as JSON + CSV + Markdown; nothing is parsed from logs.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import torch
from tqdm import tqdm

from hot.assets.hands.base import FINGERS, WRIST
from hot.motion.io import save_clip
from hot.motion.schema import MotionClip
from hot.tasks.tracking.env import TrackingEnv
from hot.tasks.tracking.metrics.success import make_metric
from hot.tasks.tracking.rewards.terms import object_in_contact
from hot.utils.files import atomic_path, atomic_write
from hot.utils.rotations import identity_quat

__all__ = [
    "evaluate",
    "write_results",
    "format_table",
    "zero_policy",
    "open_loop_clip_success",
    "stage1_config_path",
    "TEST_EPISODES",
    "RolloutObserver",
]

TEST_EPISODES: dict[str, tuple[str, int]] = {
    "grasp": ("grasp_higher_kp", 180),
    "move": ("move_higher_kp", 120),
    "place": ("place_higher_kp", 220),
    "regrasp": ("regrasp_kp", 180),
    "rotate": ("rotate_kp", 120),
    "catch": ("catch_kp", 100),
    "throw": ("throw_kp", 50),
    "freemove": ("freemove_kp", 120),
    "long": ("long_kp", 300),
}
"""Per skill: the clip folder and the episode length (frames) of a test, as ``test.sh`` runs them."""

Policy = Callable[[torch.Tensor], torch.Tensor]


class RolloutObserver(Protocol):
    """Watches test rollouts (videos, error traces); it reads the env and must not change it."""

    def on_reset(self, env: TrackingEnv) -> None:
        """Called after each round's ``env.reset()``; ``env.last_state`` is the start state."""

    def on_step(self, env: TrackingEnv, active: torch.Tensor, info: dict) -> None:
        """Called after each ``env.step``; ``active (N,)`` bool marks envs whose episode was still
        running during this step (``env.last_state`` / ``last_ref`` / ``last_errors`` describe it),
        ``info`` is what ``env.step`` returned (``terminate``, ``time_outs``, ...)."""


COLUMNS = [
    "skill",
    "episodes",
    "success_rate",
    "obj_pos_err_cm",
    "obj_rot_err_deg",
    "key_pos_err_cm",
    "penetration_mean_mm",
    "penetration_max_mm",
    "mean_reward",
]


def zero_policy(num_actions: int) -> Policy:
    """All-zero actions: with residual actions this is open-loop replay (PD targets = reference)."""
    return lambda obs: torch.zeros(obs.shape[0], num_actions, device=obs.device)


class _Acc:
    def __init__(self) -> None:
        self.episodes = 0
        self.success = 0
        self.err = torch.zeros(3, dtype=torch.float64)
        self.err_n = 0
        self.pen_sum = 0.0
        self.pen_n = 0
        self.pen_max = 0.0
        self.rew_sum = 0.0
        self.rew_n = 0

    def row(self, name: str) -> dict:
        n = max(self.err_n, 1)
        return {
            "skill": name,
            "episodes": self.episodes,
            "success_rate": self.success / max(self.episodes, 1),
            "obj_pos_err_cm": float(self.err[0] / n),
            "obj_rot_err_deg": float(self.err[1] / n),
            "key_pos_err_cm": float(self.err[2] / n),
            "penetration_mean_mm": self.pen_sum / max(self.pen_n, 1),
            "penetration_max_mm": self.pen_max,
            "mean_reward": self.rew_sum / max(self.rew_n, 1),
        }


def evaluate(
    env: TrackingEnv,
    policy: Policy,
    rounds: int = 1,
    save_refined: bool = False,
    show_progress: bool = True,
    observers: Sequence[RolloutObserver] = (),
    episodes: int | None = None,
    clip_results: list[dict] | None = None,
) -> list[dict]:
    """Run ``rounds`` x ``num_envs`` deterministic episodes; one result row per skill folder + "all".

    ``episodes``: count only the first this many episodes (round by round, env by env). A single-object
    env plays its clips in order, so ``episodes = num_clips`` counts every clip exactly once even when the
    last round has more envs than clips left (they replay clips and are not counted).

    ``clip_results``: when given, one ``{"clip", "skill_dir", "success"}`` dict per counted episode is appended
    (the clip's file name, or its index for clips not loaded from files).

    In ``refine`` mode every clip is played once from frame 0 (rounds are added until all clips
    were played) and, with ``save_refined``, successful rollouts are written next to the source
    clips (spec §8.3).
    """
    if env.mode not in ("test", "refine"):
        raise ValueError("evaluate needs an env built with mode='test' or 'refine'")
    n = env.num_envs
    length = env.cfg.env.episode_length
    skill_dirs = env.clip_skill_dirs()
    if env.mode == "refine":
        rounds = max(rounds, -(-env.lib.num_clips // n))
    accs: dict[str, _Acc] = {}
    total = _Acc()
    pbar = tqdm(total=rounds * length, desc="test", unit="step", disable=not show_progress)
    for r in range(rounds):
        obs = env.reset()
        clips = env.ep.clip.clone()
        counted = torch.arange(r * n, (r + 1) * n, device=env.device) < (
            episodes if episodes is not None else (r + 1) * n
        )
        env_dirs = [skill_dirs[int(c)] for c in clips.tolist()]
        groups = {
            d: torch.tensor([x == d for x in env_dirs], device=env.device) & counted
            for d in sorted(set(env_dirs))
        }
        groups = {d: m for d, m in groups.items() if m.any()}
        metrics = {
            d: make_metric(d, n, episode_length=env.ep.length.clone(), device=env.device) for d in groups
        }
        alive = torch.ones(n, dtype=torch.bool, device=env.device)
        trace: list[tuple[torch.Tensor, ...]] = []  # per step: sim / reference object position, label, alive
        rec = _Recorder(env) if save_refined else None
        if rec is not None:
            rec.add(env.last_state)
        for o in observers:
            o.on_reset(env)
        for _step in range(length):
            with torch.no_grad():
                act = policy(obs)
            obs, rew, done, info = env.step(act)
            s, errs = env.last_state, env.last_errors
            assert s is not None and errs is not None  # env.step sets both
            step = int(env.ep.progress.max())
            mstate = {
                "obj_pos": s.obj_pos,
                "obj_vel": s.obj_lin_vel,
                "wrist_pos": s.key_pos[:, -1],
                "E_h": errs["E_h"],
                "E_op": errs["E_op"],
                "E_or": errs["E_or"],
            }
            for m in metrics.values():
                m.update(step, mstate)
            valid = alive & ~errs["error_done"]
            for d, mask in groups.items():
                acc = accs.setdefault(d, _Acc())
                for a in (acc, total):
                    sel = valid & mask
                    k = int(sel.sum())
                    if k:
                        e = (
                            torch.stack([errs["E_op"][sel], errs["E_or"][sel], errs["E_h"][sel]])
                            .double()
                            .sum(1)
                        )
                        a.err += e.cpu()
                        a.err_n += k
                    sel_alive = alive & mask
                    ka = int(sel_alive.sum())
                    if ka:
                        pen = s.penetration[sel_alive] * 1000.0
                        a.pen_sum += float(pen.sum())
                        a.pen_n += ka
                        a.pen_max = max(a.pen_max, float(pen.max()))
                        a.rew_sum += float(rew[sel_alive].sum())
                        a.rew_n += ka
            if clip_results is not None and env.last_ref is not None:
                ref = env.last_ref
                trace.append(  # copies: alive is updated in place below
                    tuple(
                        x.detach().to("cpu", copy=True)
                        for x in (s.obj_pos, ref.obj_pos, ref.contact * ref.valid, alive)
                    )
                )
            if rec is not None:
                rec.add(s)
            if observers:
                active = alive.clone()
                for o in observers:
                    o.on_step(env, active, info)
            alive &= ~done
            pbar.update(1)
            if not alive.any():
                pbar.update(length - 1 - _step)
                break
        success = torch.zeros(n, dtype=torch.bool, device=env.device)
        for d, mask in groups.items():
            ok = metrics[d].success() & mask
            success |= ok
            acc = accs[d]
            acc.episodes += int(mask.sum())
            acc.success += int(ok.sum())
        total.episodes += int(counted.sum())
        total.success += int((success & counted).sum())
        if clip_results is not None:
            paths = env.lib.paths
            for i in counted.nonzero().squeeze(-1).tolist():
                c = int(clips[i])
                ok = bool(success[i])
                clip_results.append(
                    {
                        "clip": paths[c].name if paths else str(c),
                        "skill_dir": env_dirs[i],
                        "success": ok,
                        "why": "" if ok or not trace else failure_reason(trace, i),
                    }
                )
        if rec is not None:
            rec.save(clips, success)
    pbar.close()
    rows = [accs[d].row(d) for d in sorted(accs)]
    rows.append(total.row("all"))
    return rows


FAILURE_REASONS = {
    "knocked": "object pushed before the grasp (moved > 3 cm before the reference touches it)",
    "not_lifted": "grasp did not hold: the object never rose 1 cm while the reference lifts it",
    "dropped": "slipped while held: tracked, then > 5 cm below the reference during contact",
    "placement": "held throughout, off target after the release (place)",
    "off_track": "no drop: position or rotation error past the success rule",
}
"""Why a failed test episode failed (:func:`failure_reason`), as ``eval_table`` reports it."""


def failure_reason(trace: list[tuple[torch.Tensor, ...]], i: int) -> str:
    """Classify env ``i``'s failed episode from per-step ``(sim obj pos, ref obj pos, ref label, alive)``:
    one key of :data:`FAILURE_REASONS`, first match in that order."""
    steps = [t for t in trace if bool(t[3][i])]
    if not steps:
        return "off_track"
    p = torch.stack([t[0][i] for t in steps]).double()
    pr = torch.stack([t[1][i] for t in steps]).double()
    lab = torch.stack([t[2][i] for t in steps]).double()
    held = lab > 0.5
    first_touch = int(held.nonzero()[0]) if held.any() else len(p)
    if first_touch > 0 and float((p[:first_touch, :2] - p[0, :2]).norm(dim=-1).max()) > 0.03:
        return "knocked"
    if float((pr[:, 2] - pr[0, 2]).max()) > 0.02 and float((p[:, 2] - p[0, 2]).max()) < 0.01:
        return "not_lifted"
    close = (p - pr).norm(dim=-1) < 0.03
    below = (pr[:, 2] - p[:, 2]) > 0.05
    tracked_before = torch.cummax(close.long(), dim=0).values.bool()
    if bool((held & below & tracked_before).any()):
        return "dropped"
    if held.any() and not bool(held[-1]) and int(held.nonzero()[-1]) < len(held) - 1:
        return "placement"
    return "off_track"


class _Recorder:
    """Physically executed trajectories of one test round, for ``--save_refined_data``."""

    def __init__(self, env: TrackingEnv) -> None:
        self.env = env
        self.frames: list[dict[str, torch.Tensor]] = []

    def add(self, s) -> None:
        self.frames.append(
            {
                "dof_pos": s.dof_pos.cpu(),
                "key_pos": s.key_pos.cpu(),
                "obj_pos": s.obj_pos.cpu(),
                "obj_rot": s.obj_rot.cpu(),
                "obj_vel": s.obj_lin_vel.cpu(),
                "contact": object_in_contact(s.obj_contact_force).float().cpu(),
            }
        )

    def save(self, clips: torch.Tensor, success: torch.Tensor) -> list[Path]:
        env = self.env
        paths = env.lib.paths
        if paths is None:
            raise ValueError("--save_refined_data needs clips loaded from files")
        stacked = {k: torch.stack([f[k] for f in self.frames], dim=1) for k in self.frames[0]}
        written = []
        for i in success.nonzero().squeeze(-1).tolist():
            src = paths[int(clips[i])]
            t = min(int(env.ep.length[i]) + 1, stacked["dof_pos"].shape[1])
            dof = stacked["dof_pos"][i, :t]
            clip = MotionClip(
                root_pos=torch.tensor([0.0, 0.0, 0.5]).repeat(t, 1),
                root_rot=identity_quat(t),
                wrist_dof=dof[:, WRIST].contiguous(),
                fingers_dof=dof[:, FINGERS].contiguous(),
                body_pos=stacked["key_pos"][i, :t].contiguous(),
                obj_pos=stacked["obj_pos"][i, :t].contiguous(),
                obj_rot=stacked["obj_rot"][i, :t].contiguous(),
                obj_pos_vel=stacked["obj_vel"][i, :t].contiguous(),
                contact1=stacked["contact"][i, :t].contiguous(),
                contact2=torch.zeros(t),
            )
            skill_dir = src.parent
            refined = skill_dir.parent / f"{skill_dir.name}_refined_reweight" / src.name
            student = skill_dir.parent / f"{skill_dir.name}_student_reweight" / src.name
            refined.parent.mkdir(parents=True, exist_ok=True)
            student.parent.mkdir(parents=True, exist_ok=True)
            save_clip(refined, clip)
            with atomic_path(student) as tmp:
                shutil.copyfile(src, tmp)
            written.append(refined)
        return written


def format_table(rows: list[dict]) -> str:
    """Markdown table of result rows."""
    head = "| skill | episodes | success | E_op (cm) | E_or (deg) | E_h (cm) | pen. mean (mm) | pen. max (mm) | reward |"
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    lines = [head, sep]
    for r in rows:
        lines.append(
            f"| {r['skill']} | {r['episodes']} | {100 * r['success_rate']:.1f}% | {r['obj_pos_err_cm']:.2f} | "
            f"{r['obj_rot_err_deg']:.1f} | {r['key_pos_err_cm']:.2f} | {r['penetration_mean_mm']:.2f} | "
            f"{r['penetration_max_mm']:.2f} | {r['mean_reward']:.3f} |"
        )
    return "\n".join(lines)


def write_results(rows: list[dict], prefix: str | os.PathLike, meta: dict | None = None) -> list[Path]:
    """Write ``<prefix>.json``, ``<prefix>.csv`` and ``<prefix>.md`` atomically."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    out = []
    payload = {"results": rows, "meta": meta or {}}
    for suffix, writer in (
        (".json", lambda f: json.dump(payload, f, indent=2)),
        (".csv", lambda f: _write_csv(f, rows)),
        (".md", lambda f: f.write(format_table(rows) + "\n")),
    ):
        path = prefix.with_name(prefix.name + suffix)
        with atomic_write(path, newline="") as f:
            writer(f)
        out.append(path)
    return out


def _write_csv(f, rows: list[dict]) -> None:
    w = csv.DictWriter(f, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: r[k] for k in COLUMNS})


def stage1_config_path(hand: str) -> Path:
    """The hand's stage-1 env config, whose physics open-loop replays use (``<hand>_stage1_precise_track.yaml``)."""
    from hot.config.resolve import REPO_ROOT

    return REPO_ROOT / "hot" / "data" / "cfg" / hand / f"{hand}_stage1_precise_track.yaml"


def open_loop_clip_success(
    folder: str | os.PathLike,
    obj: str,
    hand: str,
    skill: str,
    max_envs: int = 16,
    object_solimp: Sequence[float] | None = None,
    scale: float = 1.0,
    closure_bias: float | None = None,
) -> dict[str, bool]:
    """Open-loop replay (PD targets = the reference, no policy) of every clip in ``folder`` (one object's
    clips of one skill) with the hand's stage-1 env config and the test episode length of ``skill``
    (:data:`TEST_EPISODES`), as ``python -m hot.eval_table --open_loop`` runs them: ``{file name: success}``.
    ``object_solimp`` replaces the config's object contacts (``sim.object_solimp``) and ``scale`` simulates
    the object at that size (the clips' own, e.g. ``python -m hot.datagen --scale``); ``closure_bias`` replaces
    the config's grasp-closure prior (``env.closure_bias``)."""
    from hot.config.strict import from_dict, to_dict
    from hot.tasks.tracking.config import TrackingCfg, load_env_config

    files = sorted(Path(folder).glob("*.pt"))
    if not files:
        return {}
    data = to_dict(load_env_config(stage1_config_path(hand)))
    data["env"].update(
        num_envs=min(max_envs, len(files)),
        episode_length=TEST_EPISODES[skill][1],
        hand_model=hand,
        object_names=[obj],
        motion_file=str(folder),
        state_init="2",
        enable_obj_keypoints=True,
        enable_dof_obs=True,
        enable_ig_scale=False,
        enable_early_termination=False,
        action_mode="residual",
    )
    if closure_bias is not None:
        data["env"]["closure_bias"] = float(closure_bias)
    if scale != 1.0:  # every env at exactly this scale
        data["env"].update(
            obj_rand_scale=True,
            obj_rand_scale_prob=1.0,
            obj_scale_range=[scale, scale],
            obj_scale_quantum=0.001,
        )
    data["sim"]["backend"] = "mujoco"
    if object_solimp is not None:
        data["sim"]["object_solimp"] = [float(v) for v in object_solimp]
    cfg = from_dict(TrackingCfg, data, source=f"open-loop replay of {folder}")
    env = TrackingEnv(cfg, device=torch.device("cpu"), mode="test", seed=0)
    per_clip: list[dict] = []
    rounds = -(-len(files) // env.num_envs)
    evaluate(
        env, zero_policy(env.num_actions), rounds=rounds, show_progress=False, episodes=len(files),
        clip_results=per_clip,
    )  # fmt: skip
    return {str(c["clip"]): bool(c["success"]) for c in per_clip}
