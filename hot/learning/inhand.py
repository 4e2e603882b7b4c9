"""Training and evaluation of the in-hand tasks: PPO teacher through ``hot.learning.adapter`` (rl-games),
HORA student distillation, grasp-cache runs, ``hot eval`` metrics, run folders.

Everything that talks to rl-games goes through :mod:`hot.learning.adapter` (``train``, ``build_model``,
``load_policy``, ``latest_checkpoint``); this module only adds the HORA teacher network to rl-games'
network registry (:func:`register_inhand`) and builds the ``params`` from :class:`PpoCfg`.

Run folders: ``<training.logdir>/<algo>/<TaskName>/<YYYY-mm-dd_HH-MM-SS>_<sim>/`` holding
``run_config.yaml`` (the resolved :class:`InhandCfg`), rl-games' ``config.yaml``, ``nn/*.pth``,
``summaries/`` (tensorboard), ``run_summary.json`` and, after ``hot eval``, ``eval.json``.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import yaml
from rl_games.algos_torch import model_builder

from hot.config.resolve import REPO_ROOT
from hot.config.strict import ConfigError, apply_overrides, from_dict, load_yaml, to_dict
from hot.learning import adapter, shipped
from hot.learning import checkpoint as ckpt
from hot.learning.inhand_networks import (
    NETWORK_NAME,
    HoraTeacherBuilder,
    HoraTeacherNet,
    RunningNorm,
    build_adapt,
)
from hot.learning.train_config import PpoConfig
from hot.tasks.inhand import constants as C
from hot.tasks.inhand.config import InhandCfg
from hot.tasks.inhand.env import InhandEnv
from hot.utils import runs
from hot.utils.files import atomic_write_text

__all__ = [
    "TASK_LOG_NAMES",
    "register_inhand",
    "ppo_train_cfg",
    "new_run_dir",
    "find_run",
    "load_run_config",
    "train",
    "evaluate",
    "StudentPolicy",
    "load_student",
    "SHIPPED_DIR",
    "SHIPPED_CACHE_PREFIX",
    "SHIPPED_CHECKPOINTS",
    "resolve_checkpoint",
    "config_from_checkpoint",
    "ship_checkpoint",
]

TASK_LOG_NAMES = {
    "allegro_inhand": "AllegroInhandRotation",
    "allegro_inhand_grasp": "AllegroInhandRotationGrasp",
}
RUN_CONFIG = "run_config.yaml"
STUDENT_FORMAT = "hora-student-v1"
SHIPPED_DIR = shipped.INHAND_DIR
"""Package data of the in-hand tasks: small grasp caches and the shipped teacher / student checkpoints."""
SHIPPED_CACHE_PREFIX = "hot/data/inhand/allegro_grasp"
"""Grasp-cache prefix written into shipped checkpoints (found under the package root from anywhere)."""
SHIPPED_CHECKPOINTS = {algo: path.name for algo, path in shipped.INHAND.items()}
"""``hot eval --checkpoint shipped``: the file under :data:`SHIPPED_DIR` for each ``--algo``."""


def register_inhand() -> None:
    """``adapter.register()`` plus the HORA teacher network (idempotent)."""
    adapter.register()
    model_builder.register_network(NETWORK_NAME, HoraTeacherBuilder)


# -------------------------------------------------------------------------------------------- run folders


def task_dir(cfg: InhandCfg, algo: str | None = None) -> Path:
    """``<logdir>/<algo>/<TaskName>``."""
    return runs.task_dir(cfg.training.logdir, algo or cfg.algo_name, TASK_LOG_NAMES[cfg.task])


def new_run_dir(cfg: InhandCfg) -> Path:
    """A fresh run folder ``<logdir>/<algo>/<TaskName>/<timestamp>_<sim>`` with the resolved config in it."""
    run = runs.new_run(
        cfg.training.logdir, cfg.algo_name, TASK_LOG_NAMES[cfg.task], cfg.sim, flag="training.logdir"
    )
    atomic_write_text(run / RUN_CONFIG, yaml.safe_dump(to_dict(cfg), sort_keys=False))
    return run


def find_run(cfg: InhandCfg, load_run: str, algo: str | None = None) -> Path:
    """The run folder ``load_run`` names: ``-1`` = newest under ``<logdir>/<algo>/<TaskName>``, a run id,
    or a path to a run folder. Errors name what was looked for."""
    return runs.find_run(task_dir(cfg, algo), load_run, RUN_CONFIG)


def load_run_config(run: Path, overrides: list[str] | None = None) -> InhandCfg:
    """The resolved config of a run, with dotted overrides applied (validated against the schema)."""
    cfg = from_dict(InhandCfg, load_yaml(run / RUN_CONFIG), source=str(run / RUN_CONFIG))
    return apply_overrides(InhandCfg, cfg, list(overrides)) if overrides else cfg


# ------------------------------------------------------------------------------------------------- PPO
def ppo_train_cfg(cfg: InhandCfg) -> dict:
    """rl-games ``params`` for PPO on the rotation task (the adapter fills env-dependent keys)."""
    p = cfg.algo.ppo
    if p.network == "hora_teacher":
        if not cfg.env.priv_info:
            raise ConfigError("algo.ppo.network=hora_teacher needs env.priv_info=true (the encoder's input)")
        network = {
            "name": NETWORK_NAME,
            "units": list(p.units),
            "priv_units": list(p.priv_units),
            "latent_dim": p.latent_dim,
            "init_log_std": p.init_log_std,
        }
    else:
        network = {
            "name": adapter.NETWORK_MLP,
            "separate": True,
            "mlp": {"units": list(p.units)},
            "log_std_init": p.init_log_std,
        }
    threads = {"torch_threads": p.torch_threads} if p.torch_threads > 0 else {}
    return {
        "params": {
            **threads,
            "seed": cfg.algo.seed,
            "algo": {"name": adapter.ALGO_NAME},
            "model": {"name": adapter.MODEL_NAME},
            "network": network,
            "config": to_dict(
                PpoConfig(  # the tracking train YAML's typed PPO section, HORA's values
                    name=TASK_LOG_NAMES[cfg.task],
                    gamma=p.gamma,
                    tau=p.tau,
                    learning_rate=p.learning_rate,
                    lr_schedule="adaptive",
                    kl_threshold=p.kl_threshold,
                    horizon_length=p.horizon_length,
                    minibatch_size=p.minibatch_size,
                    mini_epochs=p.mini_epochs,
                    e_clip=p.e_clip,
                    clip_value=True,
                    critic_coef=p.critic_coef,
                    entropy_coef=p.entropy_coef,
                    bounds_loss_coef=p.bounds_loss_coef,
                    grad_norm=p.grad_norm,
                    truncate_grads=True,
                    max_epochs=cfg.algo.max_iterations,
                    save_frequency=p.save_frequency,
                    save_best_after=10**9,
                )
            ),
        }
    }


def _train_ppo(cfg: InhandCfg, run: Path) -> dict:
    register_inhand()
    resume = None
    if cfg.algo.load_run:
        prev = find_run(cfg, cfg.algo.load_run)
        resume = adapter.latest_checkpoint(prev)
        if resume is None:
            raise ConfigError(f"algo.load_run: run {prev} has no checkpoint in {prev / 'nn'}")
    env = InhandEnv(cfg.env, cfg.algo.num_envs, mode="rotate", seed=cfg.algo.seed, sim=cfg.sim)
    if resume is not None:  # the randomisation curriculum goes on from the resumed run's env-steps
        env.env_steps = int(ckpt.load_checkpoint(resume)["rlg"].get("frame", 0))
    t0 = time.perf_counter()
    res = adapter.train(
        env, ppo_train_cfg(cfg), run, max_epochs=cfg.algo.max_iterations, resume_from=resume,
        seed=cfg.algo.seed, show_progress=cfg.training.progress,
    )  # fmt: skip
    last = res["history"][-1] if res["history"] else {}
    return {
        "checkpoint": str(res["checkpoint"]),
        "iterations": res["epoch"],
        "env_steps": int(res["frame"]),
        "wall_s": time.perf_counter() - t0,
        "last_iteration": last,
        "resumed_from": str(resume) if resume else None,
    }


# --------------------------------------------------------------------------------------------- student
class StudentPolicy:
    """The distilled student: proprioception + 30-frame history only (the privileged block is zeroed).

    ``policy(obs (N, num_obs), hist (N, T, 32)) -> action (N, 16)`` in [-1, 1].
    """

    def __init__(
        self, model: adapter.RlGamesModel, adapt: torch.nn.Module, hist_norm: RunningNorm, priv: slice | None
    ) -> None:
        self.model, self.adapt, self.hist_norm, self.priv = model.eval(), adapt.eval(), hist_norm.eval(), priv

    @property
    def net(self) -> HoraTeacherNet:
        return self.model.a2c_network

    def latent(self, hist: torch.Tensor) -> torch.Tensor:
        return self.adapt(self.hist_norm(hist))

    @torch.no_grad()
    def __call__(self, obs: torch.Tensor, hist: torch.Tensor) -> torch.Tensor:
        obs = obs.clone()
        if self.priv is not None:
            obs[:, self.priv] = 0.0  # the student never reads privileged information
        nobs = self.model.norm_obs(obs)
        mu, _ = self.net.heads(self.net.proprio(nobs), self.latent(hist))
        return mu.clamp(-1.0, 1.0)


def _teacher_checkpoint(cfg: InhandCfg) -> Path:
    ref = cfg.algo.distill.teacher_run
    p = Path(ref)
    if p.is_file():
        return p
    run = find_run(cfg, ref, algo="ppo")
    c = adapter.latest_checkpoint(run)
    if c is None:
        raise ConfigError(f"algo.distill.teacher_run: teacher run {run} has no checkpoint in {run / 'nn'}")
    return c


def _load_teacher_model(path: Path, env: InhandEnv) -> adapter.RlGamesModel:
    register_inhand()
    pol = adapter.load_policy(path, env)
    if not isinstance(pol.model.a2c_network, HoraTeacherNet):
        raise ConfigError(
            f"teacher {path}: network is not {NETWORK_NAME} (train it with --profile hora); "
            "distillation needs the privileged encoder's latent"
        )
    return pol.model


def _distill(cfg: InhandCfg, run: Path, overrides: list[str]) -> dict:
    teacher_path = _teacher_checkpoint(cfg)
    teacher_meta = ckpt.load_checkpoint(teacher_path)["meta"]
    # the student sees exactly the teacher's env (same obs layout, randomisation); env.* overrides still apply
    tdata = to_dict(cfg)
    tdata["env"] = teacher_meta["config"]["env"]
    cfg2 = from_dict(InhandCfg, tdata, source=f"{teacher_path} meta")
    env_ov = [o for o in overrides if o.startswith("env.")]
    cfg2 = apply_overrides(InhandCfg, cfg2, env_ov) if env_ov else cfg2
    cfg.env = cfg2.env
    atomic_write_text(run / RUN_CONFIG, yaml.safe_dump(to_dict(cfg), sort_keys=False))

    torch.manual_seed(cfg.algo.seed)
    env = InhandEnv(cfg.env, cfg.algo.num_envs, mode="rotate", seed=cfg.algo.seed, sim=cfg.sim)
    env.fixed_dr_level = 1.0  # the student learns under the full randomisation (no curriculum)
    env.priv_pos_noise = 0.0  # labels from the exact privileged state
    model = _load_teacher_model(teacher_path, env)
    for prm in model.parameters():
        prm.requires_grad_(False)
    net: HoraTeacherNet = model.a2c_network
    dcfg = cfg.algo.distill
    spec = {"frame_dim": C.FRAME_DIM, "hist_len": cfg.env.proprio_hist_len, "latent_dim": net.latent_dim,
            "adapt": dcfg.adapt}  # fmt: skip
    if dcfg.adapt == "mlp":
        spec.update(frames=dcfg.mlp_frames, units=list(dcfg.mlp_units))
    try:
        adapt = build_adapt(spec)
    except ValueError as e:
        raise ConfigError(f"algo.distill: {e}") from None
    hist_norm = RunningNorm(C.FRAME_DIM)
    opt = torch.optim.Adam(adapt.parameters(), lr=cfg.algo.distill.learning_rate)
    meta = adapter.env_meta(env)
    meta["config"]["train"] = teacher_meta["config"]["train"]  # rebuilds the teacher network at load time
    meta["student"] = {"teacher_checkpoint": str(teacher_path), **spec}
    (run / "nn").mkdir(exist_ok=True)

    def save(it: int) -> Path:
        state = {"format": STUDENT_FORMAT, "model": model.state_dict(), "adapt": adapt.state_dict(),
                 "hist_norm": hist_norm.state_dict(), "epoch": it}  # fmt: skip
        return ckpt.save_checkpoint(run / "nn" / f"student_ep_{it}.pth", state, meta)

    per_iter = dcfg.steps_per_iter * env.num_envs
    replay = _Replay(dcfg.replay_iters * per_iter)
    obs = env.reset()
    history, t0, frames, last = [], time.perf_counter(), 0, None
    from tqdm import tqdm

    bar = tqdm(range(1, cfg.algo.max_iterations + 1), unit="iter", disable=not cfg.training.progress)
    for it in bar:
        rew, done_n, drop_n, fresh = 0.0, 0, 0, []
        with torch.no_grad():  # student-driven rollout (DAgger-style): act on the student's latent
            for _ in range(dcfg.steps_per_iter):
                hist = env.proprio_hist  # replay.add copies it
                hist_norm.update(hist)
                nobs = model.norm_obs(obs)
                prop, z_teacher = net.proprio(nobs), net.extrinsics(nobs)
                z_student = adapt(hist_norm(hist))
                fresh.append(float(torch.nn.functional.mse_loss(z_student, z_teacher)))
                mu, _ = net.heads(prop, z_student)
                if dcfg.action_loss > 0:  # the action-matching loss's inputs and labels
                    replay.add(hist=hist, z=z_teacher, prop=prop, mu=net.heads(prop, z_teacher)[0])
                else:
                    replay.add(hist=hist, z=z_teacher)
                obs, r, done, info = env.step(mu.clamp(-1.0, 1.0))
                rew += float(r.mean())
                if done.any():
                    done_n += int(done.sum())
                    drop_n += int(info["episodes"]["dropped"].sum())
                frames += env.num_envs
        for _ in range(dcfg.updates_per_iter):
            b = replay.sample(dcfg.minibatch_size or per_iter)
            z_s = adapt(hist_norm(b["hist"]))
            loss = torch.nn.functional.mse_loss(z_s, b["z"])
            if dcfg.action_loss > 0:
                mu_s, _ = net.heads(b["prop"], z_s)
                loss = loss + dcfg.action_loss * torch.nn.functional.mse_loss(mu_s, b["mu"])
            opt.zero_grad()
            loss.backward()
            opt.step()
        rec = {
            "iteration": it,
            "latent_mse": sum(fresh) / len(fresh),  # on the fresh samples, before this iteration's updates
            "loss": loss.item(),
            "reward": rew / dcfg.steps_per_iter,
            "episodes_done": done_n,
            "drops": drop_n,
            "env_steps": frames,
            "wall_s": time.perf_counter() - t0,
        }
        history.append(rec)
        bar.set_postfix(latent_mse=f"{rec['latent_mse']:.4f}", refresh=False)
        if it % dcfg.save_frequency == 0 or it == cfg.algo.max_iterations:
            last = save(it)
            atomic_write_text(run / "distill_log.jsonl", "".join(json.dumps(h) + "\n" for h in history))
    return {
        "checkpoint": str(last),
        "teacher": str(teacher_path),
        "iterations": cfg.algo.max_iterations,
        "env_steps": frames,
        "wall_s": time.perf_counter() - t0,
        "first_iteration": history[0],
        "last_iteration": history[-1],
    }


class _Replay:
    """Ring buffer of distillation samples (named tensors, first dim = sample), uniform sampling."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.size, self.pos = int(capacity), 0, 0
        self.data: dict[str, torch.Tensor] = {}

    def add(self, **items: torch.Tensor) -> None:
        n = next(iter(items.values())).shape[0]
        if not self.data:
            self.data = {
                k: torch.empty((self.capacity, *v.shape[1:]), dtype=v.dtype) for k, v in items.items()
            }
        idx = (self.pos + torch.arange(n)) % self.capacity
        for k, v in items.items():
            self.data[k][idx] = v
        self.pos = (self.pos + n) % self.capacity
        self.size = min(self.size + n, self.capacity)

    def sample(self, n: int) -> dict[str, torch.Tensor]:
        idx = torch.randperm(self.size)[: min(n, self.size)]
        return {k: v[idx] for k, v in self.data.items()}


def load_student(path: Path, env: InhandEnv) -> StudentPolicy:
    """A student checkpoint (``hot train --algo hora_distill``) for rollouts on ``env``."""
    payload = ckpt.load_checkpoint(path)
    rlg, meta = payload["rlg"], payload["meta"]
    if rlg.get("format") != STUDENT_FORMAT:
        raise ckpt.CheckpointError(f"checkpoint {path}: not a HORA student checkpoint")
    ckpt.check_compatible(meta, adapter.env_meta(env), path)
    register_inhand()
    model = adapter.build_model(meta["config"]["train"], env.num_obs, env.num_actions)
    model.load_state_dict(rlg["model"])
    st = meta["student"]
    adapt = build_adapt({"frame_dim": C.FRAME_DIM, **st})
    adapt.load_state_dict(rlg["adapt"])
    norm = RunningNorm(C.FRAME_DIM)
    norm.load_state_dict(rlg["hist_norm"])
    return StudentPolicy(model, adapt, norm, env.obs_layout.get("priv_info"))


# -------------------------------------------------------------------------------------------------- eval
def rollout_metrics(
    env: InhandEnv,
    act: Callable[[torch.Tensor], torch.Tensor],
    episodes: int,
    on_step: Callable[[InhandEnv, int], None] | None = None,
) -> dict:
    """Run ``act(obs) -> actions`` and average over the first episode of each of ``episodes`` envs.

    ``env.num_envs`` must equal ``episodes``: every env contributes exactly its first episode, so short
    (dropped) episodes are not over-counted. Returns mean rotation speed about the reward axis (rad/s),
    drop rate, time to fall (mean episode length in s; a full episode counts its length), return, and
    the same per object scale. ``on_step(env, t)`` is called after the reset (t = 0) and every step (a video).
    """
    if env.num_envs != episodes:
        raise ValueError("rollout_metrics: env.num_envs must equal episodes")
    first: dict[str, torch.Tensor] = {}
    seen = torch.zeros(env.num_envs, dtype=torch.bool)
    store = {k: torch.zeros(env.num_envs) for k in ("return", "length_s", "dropped", "rot_speed", "scale")}
    obs = env.reset()
    if on_step is not None:
        on_step(env, 0)
    for t in range(env.max_steps + 1):
        obs, _, done, info = env.step(act(obs))
        if on_step is not None:
            on_step(env, t + 1)
        if done.any():
            ids = done.nonzero().squeeze(-1)
            new = ~seen[ids]
            for k in store:
                store[k][ids[new]] = info["episodes"][k][new].float()
            seen[ids] = True
        if seen.all():
            break
    first = store
    out = _summary(first)
    out["per_scale"] = {
        f"{s:g}": _summary({k: v[first["scale"] == s] for k, v in first.items()}) for s in env.scales
    }
    return out


def _summary(ep: dict[str, torch.Tensor]) -> dict:
    n = len(ep["return"])
    if n == 0:
        return {"episodes": 0}
    return {
        "episodes": n,
        "rot_speed_rad_s": float(ep["rot_speed"].mean()),
        "drop_rate": float(ep["dropped"].mean()),
        "time_to_fall_s": float(ep["length_s"].mean()),
        "return": float(ep["return"].mean()),
    }


def resolve_checkpoint(ref: str, algo: str) -> Path:
    """``hot eval --checkpoint``: ``shipped`` = the checkpoint shipped for ``algo``
    (:func:`hot.learning.shipped.inhand_checkpoint`), otherwise a file path (relative paths also looked up
    from the package root)."""
    if ref == "shipped":
        return shipped.inhand_checkpoint(algo)
    p = Path(ref).expanduser()
    if not p.is_file() and not p.is_absolute() and (REPO_ROOT / p).is_file():
        p = REPO_ROOT / p
    if not p.is_file():
        raise ConfigError(f"--checkpoint {ref}: no such file")
    return p


def _is_student(payload: dict) -> bool:
    return payload["rlg"].get("format") == STUDENT_FORMAT


def config_from_checkpoint(base: InhandCfg, path: Path, overrides: list[str] | None = None) -> InhandCfg:
    """``base`` (the command line's config) with the env section of the checkpoint ``path`` (the env it was
    trained on), then the ``env.*`` / other overrides on top. Refuses a teacher file for ``--algo
    hora_distill`` and a student file for ``--algo ppo``."""
    payload = ckpt.load_checkpoint(path)
    student = _is_student(payload)
    if student != (base.algo_name == "hora_distill"):
        want = "hora_distill" if student else "ppo"
        raise ConfigError(
            f"checkpoint {path} is a {'student' if student else 'teacher'} checkpoint: use --algo {want}"
        )
    env = payload["meta"].get("config", {}).get("env")
    if not env:
        raise ConfigError(f"checkpoint {path}: meta.config.env missing (not an in-hand checkpoint)")
    data = to_dict(base)
    data["env"] = env
    cfg = from_dict(InhandCfg, data, source=f"{path} meta")
    return apply_overrides(InhandCfg, cfg, list(overrides)) if overrides else cfg


def ship_checkpoint(
    src: str | os.PathLike, dst: str | os.PathLike, cache_prefix: str = SHIPPED_CACHE_PREFIX
) -> Path:
    """Copy a teacher or student checkpoint for shipping: no optimizer state, and its env config pointing
    at the shipped grasp caches (``cache_prefix``), so ``hot eval --checkpoint`` works after an install."""
    payload = ckpt.load_checkpoint(src)
    rlg = payload["rlg"]
    keep = (
        ("format", "model", "adapt", "hist_norm", "epoch")
        if _is_student(payload)
        else ("model", "epoch", "frame", "last_mean_rewards")
    )
    meta = copy.deepcopy(payload["meta"])
    meta["config"]["env"]["grasp_cache_path"] = cache_prefix
    meta["shipped_from"] = Path(src).name
    meta.get("student", {}).pop("teacher_checkpoint", None)
    return ckpt.save_checkpoint(dst, {k: v for k, v in rlg.items() if k in keep}, meta)


def evaluate(
    cfg: InhandCfg,
    run: Path | None,
    checkpoint: Path | None = None,
    out: Path | None = None,
    video: Path | None = None,
    video_envs: int = 1,
) -> dict:
    """``hot eval``: roll out a run's newest checkpoint, or ``checkpoint`` (teacher or student), and return
    the metrics; they are written to ``out`` (default ``<run>/eval.json``; none when both are None).
    ``video``: an ``.mp4`` of the first ``video_envs`` envs (:class:`hot.viz.worlds_video.WorldsRecorder`)."""
    if cfg.task != "allegro_inhand":
        raise ConfigError(f"hot eval: task {cfg.task} has no policy to evaluate (use allegro_inhand)")
    n_scales = len(cfg.env.domain_rand.scale_list)
    if cfg.training.eval_episodes < n_scales:
        raise ConfigError(
            f"training.eval_episodes={cfg.training.eval_episodes}: hot eval runs one episode per env and needs at "
            f"least one env per object scale of env.domain_rand.scale_list ({n_scales}); give >= {n_scales}"
        )
    n = cfg.training.eval_episodes
    env = InhandEnv(cfg.env, n, mode="rotate", seed=cfg.algo.seed + 1, sim=cfg.sim)
    env.fixed_dr_level = 1.0  # evaluation: the full randomisation ranges, whatever the curriculum
    env.priv_pos_noise = 0.0  # a training-only regulariser
    act: Callable[[torch.Tensor], torch.Tensor]
    path = checkpoint
    if cfg.algo_name == "hora_distill":
        if path is None:
            assert run is not None  # hot eval passes a checkpoint or a run
            path = max(
                (run / "nn").glob("student_ep_*.pth"),
                key=lambda p: int(p.stem.rsplit("_", 1)[1]),
                default=None,
            )
            if path is None:
                raise ConfigError(f"hot eval: run {run} has no student checkpoint in {run / 'nn'}")
        student = load_student(path, env)

        def student_act(obs: torch.Tensor) -> torch.Tensor:
            return student(obs, env.proprio_hist)

        act = student_act
    else:
        register_inhand()
        if path is None:
            assert run is not None  # hot eval passes a checkpoint or a run
            path = adapter.latest_checkpoint(run)
            if path is None:
                raise ConfigError(f"hot eval: run {run} has no checkpoint in {run / 'nn'}")
        act = adapter.load_policy(path, env)
    t0 = time.perf_counter()
    recorder = None
    if video is not None:
        from hot.viz.worlds_video import WorldsRecorder

        recorder = WorldsRecorder(
            env.buckets,
            video,
            video_envs,
            fps=cfg.env.physics.control_hz,
            lookat=[float(v) for v in np.add(cfg.env.hand_pos, cfg.env.object_offset)],
        )

    def frame(e: InhandEnv, t: int) -> None:
        assert recorder is not None
        scales = e.env_scale.tolist()
        recorder.capture([f"env {i} scale {scales[i]:g} step {t}" for i in recorder.env_ids])

    try:
        metrics = rollout_metrics(env, act, n, frame if recorder is not None else None)
    except BaseException:
        if recorder is not None:
            recorder.abort()
        raise
    if recorder is not None:
        print(f"[hot] video: {recorder.close()}")
    metrics.update({"checkpoint": str(path), "run": str(run) if run else None,
                    "wall_s": time.perf_counter() - t0, "episode_s": cfg.env.episode_s,
                    "scales": list(cfg.env.domain_rand.scale_list)})  # fmt: skip
    out = out or (run / "eval.json" if run is not None else None)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(out), json.dumps(metrics, indent=2))
    return metrics


def format_metrics(m: dict) -> str:
    lines = [
        f"checkpoint: {m['checkpoint']}",
        f"{'scale':>8} {'episodes':>9} {'rot rad/s':>10} {'drop':>6} {'TTF s':>7} {'return':>8}",
    ]
    rows = [("all", m)] + list(m.get("per_scale", {}).items())
    for name, r in rows:
        if r.get("episodes", 0):
            lines.append(
                f"{name:>8} {r['episodes']:>9d} {r['rot_speed_rad_s']:>10.3f} {r['drop_rate']:>6.1%} "
                f"{r['time_to_fall_s']:>7.2f} {r['return']:>8.2f}"
            )
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------- train
def train(cfg: InhandCfg, overrides: list[str] | None = None) -> dict:
    """``hot train`` for the in-hand tasks; returns the run summary (also written to ``run_summary.json``)."""
    from hot.tasks.inhand.grasp import collect_grasps

    run = new_run_dir(cfg)
    print(f"[hot] run folder: {run}")
    if cfg.task == "allegro_inhand_grasp":
        res = collect_grasps(
            cfg.env, cfg.algo.num_envs, seed=cfg.algo.seed, progress=cfg.training.progress, sim=cfg.sim
        )
        res["files"] = {f"{k:g}": v for k, v in res["files"].items()}
        res["counts"] = {f"{k:g}": v for k, v in res["counts"].items()}
    elif cfg.algo_name == "hora_distill":
        res = _distill(cfg, run, list(overrides or []))
    else:
        res = _train_ppo(cfg, run)
    res["run"] = str(run)
    atomic_write_text(run / "run_summary.json", json.dumps(res, indent=2, default=str))
    if cfg.task == "allegro_inhand" and not cfg.training.no_play:
        ecfg = copy.deepcopy(cfg)
        res["eval"] = evaluate(ecfg, run)
    return res
