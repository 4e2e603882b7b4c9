"""The one module that talks to rl-games 1.6.5: registration, vec-env wrapper, PPO agent, train / load_policy.

Nothing is registered at import time; call :func:`register` (``train`` and ``load_policy`` do it).

Env contract (see ``tests/learning/toy_env.py``): ``num_envs``, ``num_obs``, ``num_actions``, ``device``,
``obs_layout`` (name -> slice), ``reset() -> obs (N, obs)``, ``step(a) -> (obs, reward (N,), done (N,), info)``
with ``info['time_outs']`` / ``info['terminate']`` (N,) bool and ``info['episode_terms']`` (name -> float),
auto-reset of finished envs, and ``metadata() -> dict`` (hand, obs_layout, action_mode, config).

Terminations vs timeouts: rl-games cuts the GAE trace at every ``done`` and, with ``value_bootstrap``, adds
``gamma * V(s)`` to the reward where ``time_outs`` is set. So ``done = terminate | time_outs`` and
``time_outs`` is passed on only where the episode was *not* also terminated (a failure is never bootstrapped).
"""

from __future__ import annotations

import copy
import logging
import os
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import torch
import yaml
from rl_games.algos_torch import a2c_continuous, model_builder, models
from rl_games.common import env_configurations, vecenv
from rl_games.common.algo_observer import AlgoObserver
from rl_games.common.gym_compat import gym
from rl_games.common.ivecenv import IVecEnv
from rl_games.torch_runner import Runner
from tqdm import tqdm

from hot.config.strict import ConfigError
from hot.learning import checkpoint as ckpt
from hot.learning import distributed
from hot.learning.network import DenseObjBuilder, PlainMlpBuilder
from hot.utils.files import atomic_write_text

log = logging.getLogger(__name__)

VECENV_TYPE = "HOT_TORCH"
ENV_NAME = "hot"
ALGO_NAME = "hot_a2c"
MODEL_NAME = "hot_a2c_logstd"
NETWORK_DENSEOBJ = "hot_denseobj"
NETWORK_MLP = "hot_mlp"
BOUNDS_SOFT_LIMIT = 1.0  # spec §6: soft bound 1.0 on mu (rl-games 1.6.5 hard-codes 1.1)


# --------------------------------------------------------------------------------------------- registration
def register() -> None:
    """Register the vec-env type, env configuration, network builders and model name with rl-games.

    Idempotent (each call overwrites the same dict keys). The env object itself travels in
    ``config.env_config.env`` so no module state holds it.
    """
    vecenv.register(
        VECENV_TYPE, lambda config_name, num_actors, **kw: HotVecEnv(config_name, num_actors, **kw)
    )
    env_configurations.register(ENV_NAME, {"vecenv_type": VECENV_TYPE, "env_creator": _env_from_kwargs})
    model_builder.register_network(NETWORK_DENSEOBJ, DenseObjBuilder)
    model_builder.register_network(NETWORK_MLP, PlainMlpBuilder)
    model_builder.register_model(MODEL_NAME, models.ModelA2CContinuousLogStd)


def _env_from_kwargs(**kwargs: Any) -> Any:
    if "env" not in kwargs:
        raise KeyError("config.env_config.env missing: pass the env object to hot.learning.adapter.train")
    return kwargs["env"]


class HotVecEnv(IVecEnv):
    """rl-games vec-env over a torch-vectorised ``hot`` env (tensors stay on the env device)."""

    def __init__(self, config_name: str, num_actors: int, **kwargs: Any) -> None:
        self.env = env_configurations.configurations[config_name]["env_creator"](**kwargs)
        if num_actors != self.env.num_envs:
            raise ValueError(f"config.num_actors={num_actors} but the env has num_envs={self.env.num_envs}")
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (self.env.num_obs,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (self.env.num_actions,), dtype=np.float32)

    def reset(self) -> dict[str, torch.Tensor]:
        return {"obs": self.env.reset()}

    def step(self, actions: torch.Tensor):
        obs, reward, done, info = self.env.step(actions)
        terminate = info["terminate"].bool()
        time_outs = info["time_outs"].bool() & ~terminate
        done = done.bool() | terminate | time_outs
        out_info = dict(info)
        out_info["time_outs"] = time_outs.to(torch.uint8)
        out_info["terminate"] = terminate
        return {"obs": obs}, reward.float(), done.to(torch.uint8), out_info

    def get_env_info(self) -> dict:
        return {
            "action_space": self.action_space,
            "observation_space": self.observation_space,
            "agents": 1,
            "value_size": 1,
            "obs_layout": ckpt.layout_as_list(self.env.obs_layout),
        }

    def seed(self, seed: int) -> None:
        if hasattr(self.env, "seed"):
            self.env.seed(seed)


KEEP_CHECKPOINTS = 5
"""Periodic checkpoints (``last_*_ep_<N>_*.pth``) kept per run, the newest by epoch; the best-reward one
(``<name>.pth``) and ``interrupted_*`` are always kept. ``params.config.keep_checkpoints`` overrides it
(0 keeps all)."""

_EPOCH = re.compile(r"^last_.*_ep_(\d+)_")


def prune_checkpoints(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest periodic checkpoints in ``folder``; returns the deleted paths."""
    if keep <= 0:
        return []
    periodic = sorted(
        ((int(m.group(1)), p) for p in folder.glob("last_*.pth") if (m := _EPOCH.match(p.name))),
        key=lambda t: (t[0], t[1].stat().st_mtime_ns),
    )
    epochs = sorted({e for e, _ in periodic})[-keep:]
    doomed = [p for e, p in periodic if e not in epochs]
    for p in doomed:
        p.unlink(missing_ok=True)
    return doomed


# ------------------------------------------------------------------------------------------------ agent
class HotA2CAgent(a2c_continuous.A2CAgent):
    """rl-games PPO agent whose saves are atomic, weights-only ``hot`` checkpoints with env metadata."""

    def __init__(self, base_name: str, params: dict, meta: dict) -> None:
        self.hot_meta = meta
        self.last_saved_path: Path | None = None
        self._t0 = time.perf_counter()
        super().__init__(base_name, params)

    stop_requested: bool = False
    """Set by the first Ctrl-C (:func:`train`): the run stops at the start of the next epoch."""

    def train_epoch(self):
        # Ctrl-C stops here, between epochs: a KeyboardInterrupt raised at an arbitrary point (inside a
        # checkpoint write, the tensorboard writer's queue or MuJoCo's worker threads) could leave the process
        # unable to exit, which the Ctrl-C test saw under load
        if self.stop_requested:
            raise KeyboardInterrupt
        return super().train_epoch()

    def save(self, fn: str) -> None:
        state = self.get_full_state_weights()
        state["model"] = {k.removeprefix("_orig_mod."): v for k, v in state["model"].items()}
        state["last_lr"] = float(self.last_lr)  # rl-games' full state leaves it out (see restore)
        meta = dict(self.hot_meta)
        if "training" in meta:  # the cost so far: env-steps, wall-clock (resumed runs add up), hardware
            before = float(meta["training"].get("wall_s", 0.0))
            meta["training"] = {
                **meta["training"],
                "wall_s": round(before + time.perf_counter() - self._t0, 3),
                "env_steps": int(self.frame),
            }
        self.last_saved_path = ckpt.save_checkpoint(fn + ".pth", state, meta)
        prune_checkpoints(
            self.last_saved_path.parent, int(self.config.get("keep_checkpoints", KEEP_CHECKPOINTS))
        )

    def restore(self, fn: str, set_epoch: bool = True) -> None:
        payload = ckpt.load_checkpoint(fn, map_location=self.ppo_device)
        ckpt.check_compatible(payload["meta"], self.hot_meta, fn, training_from=True)
        if "optimizer" not in payload["rlg"]:
            raise ckpt.CheckpointError(
                f"checkpoint {fn} has no optimizer state (a slim, inference-only copy): it can be tested "
                "or used as a teacher, not resumed"
            )
        self.set_full_state_weights(payload["rlg"], set_epoch=set_epoch)
        if self.is_adaptive_lr:
            self.last_lr = saved_learning_rate(payload["rlg"], default=self.last_lr)
            self.update_lr(self.last_lr)
        log.info("resumed from %s at epoch %d (learning rate %.3g)", fn, self.epoch_num, self.last_lr)

    def bound_loss(self, mu: torch.Tensor) -> torch.Tensor:
        if self.bounds_loss_coef is None:
            return torch.zeros(mu.shape[0], device=mu.device)
        high = torch.clamp_min(mu - BOUNDS_SOFT_LIMIT, 0.0) ** 2
        low = torch.clamp_max(mu + BOUNDS_SOFT_LIMIT, 0.0) ** 2
        return (low + high).sum(dim=-1)


def saved_learning_rate(rlg_state: dict, default: float) -> float:
    """The learning rate a checkpoint's run had reached: ``last_lr`` (saved by :meth:`HotA2CAgent.save`), else
    the optimizer's ``param_groups[0]['lr']`` (older checkpoints; rl-games sets it to ``last_lr`` after every
    minibatch), else ``default``.

    rl-games 1.6.5 keeps the adaptive-KL learning rate in ``agent.last_lr``, starts it at the config's
    ``learning_rate`` and does not restore it with ``set_full_state_weights``; ``train_actor_critic`` writes
    ``last_lr`` into the optimizer before every step, so a resumed run used to take its first updates at
    the initial rate (5e-3 for HORA) instead of the adapted one (~1e-4): first-update KL 0.7-2.9 against a
    0.02 target (docs/dev/2026-11-inhand-history.md, "Resuming").
    """
    if "last_lr" in rlg_state:
        return float(rlg_state["last_lr"])
    groups = (rlg_state.get("optimizer") or {}).get("param_groups") or []
    if groups and "lr" in groups[0]:
        return float(groups[0]["lr"])
    return float(default)


# --------------------------------------------------------------------------------------------- observer
class HotObserver(AlgoObserver):
    """Writes every ``info['episode_terms']`` entry and env-steps/s to tensorboard; drives a tqdm bar."""

    def __init__(self, max_epochs: int, show_progress: bool = True) -> None:
        super().__init__()
        self.max_epochs = max_epochs
        self.show_progress = show_progress
        self.bar: tqdm | None = None
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.last_frame = 0
        self.last_time = 0.0
        self.steps_per_s = float("nan")
        self.history: list[dict[str, float]] = []

    def after_init(self, algo: Any) -> None:
        self.algo = algo
        self.writer = algo.writer

    def process_infos(self, infos: Any, done_indices: torch.Tensor) -> None:
        if not isinstance(infos, dict):
            return
        for name, value in (infos.get("episode_terms") or {}).items():
            self.sums[name] = self.sums.get(name, 0.0) + float(value)
            self.counts[name] = self.counts.get(name, 0) + 1

    def after_clear_stats(self) -> None:
        """rl-games' hook after its own stats reset: the episode-term sums are emptied after each print."""

    def after_print_stats(self, frame: int, epoch_num: int, total_time: float) -> None:
        now = time.perf_counter()
        if self.bar is None:
            self.bar = tqdm(
                total=self.max_epochs,
                initial=epoch_num - 1,
                unit="epoch",
                disable=not self.show_progress,
                dynamic_ncols=True,
            )
            self.last_frame, self.last_time = frame - self.algo.curr_frames, now - total_time
        dt = max(now - self.last_time, 1e-9)
        self.steps_per_s = (frame - self.last_frame) / dt
        self.last_frame, self.last_time = frame, now
        record = {"epoch": float(epoch_num), "env_steps_per_s": self.steps_per_s}
        if self.writer is not None:
            self.writer.add_scalar("performance/env_steps_per_s", self.steps_per_s, frame)
        for name, total in self.sums.items():
            mean = total / max(self.counts[name], 1)
            record[name] = mean
            if self.writer is not None:
                self.writer.add_scalar(f"episode_terms/{name}", mean, frame)
                self.writer.add_scalar(f"episode_terms_iter/{name}", mean, epoch_num)
        self.history.append(record)
        self.sums.clear()
        self.counts.clear()
        self.bar.update(1)
        self.bar.set_postfix(env_steps_per_s=f"{self.steps_per_s:.0f}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------------------------- config
def load_train_cfg(path: str | os.PathLike) -> dict:
    """Read a train YAML (``params: {...}`` upstream form) strictly: :func:`hot.learning.train_config.load_train_params`."""
    from hot.learning.train_config import load_train_params

    return load_train_params(Path(path))


def largest_divisor_at_most(n: int, cap: int) -> int:
    """Largest divisor of ``n`` that is ``<= cap`` (at least 1)."""
    cap = max(1, min(cap, n))
    for d in range(cap, 0, -1):
        if n % d == 0:
            return d
    return 1


def build_params(
    env: Any, train_cfg: dict, run_dir: Path, max_epochs: int | None, seed: int
) -> tuple[dict, dict]:
    """Resolve the rl-games ``params`` for ``env``. Returns ``(params, resolved_data)``.

    ``resolved_data`` is the pure-data copy saved in ``config.yaml`` and every checkpoint; ``params`` is the
    same plus the env object (in ``config.env_config``) and is handed to rl-games.
    """
    params = copy.deepcopy(train_cfg.get("params", train_cfg))
    for key in ("algo", "model", "network", "config"):
        if key not in params:
            raise KeyError(f"train config: params.{key} missing")
    cfg = params["config"]
    device = str(env.device)
    is_cuda = device.startswith("cuda")
    params["seed"] = int(seed)
    params["algo"]["name"] = ALGO_NAME
    params["network"]["obs_layout"] = ckpt.layout_as_list(env.obs_layout)
    cfg["env_name"] = ENV_NAME
    cfg["num_actors"] = int(env.num_envs)
    cfg["device"] = device
    cfg["device_name"] = device
    cfg.setdefault("name", "hot")
    cfg.setdefault("lr_schedule", "constant")
    cfg.setdefault("value_bootstrap", True)
    cfg.setdefault("print_stats", False)
    cfg.setdefault("reward_shaper", {})
    # Inductor on CPU needs gcc and was ~50x slower in sim_stack_notes §2; only compile on CUDA when asked.
    cfg["torch_compile"] = bool(cfg.get("torch_compile", False)) and is_cuda
    if max_epochs is not None:
        cfg["max_epochs"] = int(max_epochs)
    if "torch_threads" not in params:
        params["torch_threads"] = max(1, min(4, os.cpu_count() or 1))
    batch = int(cfg["horizon_length"]) * int(env.num_envs)
    requested = int(cfg["minibatch_size"])
    mb = largest_divisor_at_most(batch, requested)
    if mb != requested:
        log.warning(
            "minibatch_size %d does not divide num_envs*horizon = %d*%d = %d; using %d instead",
            requested,
            env.num_envs,
            cfg["horizon_length"],
            batch,
            mb,
        )
        print(
            f"[hot] note: minibatch_size {requested} -> {mb} (batch {batch} = {env.num_envs} envs x "
            f"{cfg['horizon_length']} steps)"
        )
    cfg["minibatch_size"] = mb
    cfg.setdefault("seq_length", 4 if batch % 4 == 0 else 1)
    run_dir = Path(run_dir).resolve()
    cfg["train_dir"] = str(run_dir.parent)
    cfg["full_experiment_name"] = run_dir.name
    resolved = copy.deepcopy(params)
    cfg["env_config"] = {"env": env}
    return params, resolved


def env_meta(env: Any, resolved: dict | None = None) -> dict:
    """Metadata stored in checkpoints: hand, obs layout, action mode, sizes, resolved config."""
    m = dict(env.metadata())
    for key in ("hand", "obs_layout", "action_mode"):
        if key not in m:
            raise KeyError(f"env.metadata() lacks '{key}'")
    layout = ckpt.layout_as_list(m["obs_layout"])
    if layout != ckpt.layout_as_list(env.obs_layout):
        raise ValueError(f"env.metadata() obs_layout {layout} differs from env.obs_layout")
    return {
        "hand": m["hand"],
        "obs_layout": layout,
        "action_mode": m["action_mode"],
        "num_obs": int(env.num_obs),
        "num_actions": int(env.num_actions),
        "config": {"env": m.get("config", {}), "train": resolved or {}},
    }


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


# ---------------------------------------------------------------------------------------------- train
def train(
    env: Any,
    train_cfg: dict,
    run_dir: str | os.PathLike,
    max_epochs: int | None = None,
    resume_from: str | os.PathLike | None = None,
    seed: int = 42,
    show_progress: bool = True,
    make_agent: Callable[..., HotA2CAgent] | None = None,
    init_from: str | os.PathLike | None = None,
) -> dict:
    """Train a PPO policy on ``env`` with rl-games.

    ``make_agent(base_name=, params=, meta=)`` builds another agent class on the same loop (the
    distillation student, :mod:`hot.distill`); default :class:`HotA2CAgent`.

    ``max_epochs`` is the *total* epoch count (rl-games semantics): resuming a checkpoint saved at epoch E
    runs epochs E+1 .. max_epochs with the saved optimizer state. ``init_from`` instead starts a new run at
    epoch 0 from a checkpoint's weights (and observation normaliser), with a fresh optimizer: fine-tuning. Checkpoints go to ``run_dir/nn``,
    tensorboard to ``run_dir/summaries``, the resolved config to ``run_dir/config.yaml``.

    Under torchrun (``WORLD_SIZE`` set) every rank calls this with its own env: data-parallel PPO
    (:mod:`hot.learning.distributed`), gradients and normaliser statistics shared by all ranks.
    ``seed`` is this rank's seed (give each rank its own: ``distributed.rank_seed``); rank 0's
    ``run_dir`` is used, and only rank 0 writes to it or shows the progress bar.

    Returns ``{"checkpoint": last checkpoint path, "epoch", "frame", "history": per-epoch logs, "agent"}``
    (under torchrun: rank 0's checkpoint and frame on every rank; ``history`` is empty on other ranks).
    """
    register()
    world = distributed.from_env()
    if world is None and train_cfg.get("params", train_cfg).get("config", {}).get("multi_gpu", False):
        raise ValueError(
            "train config sets multi_gpu, but this process was not started by torchrun: "
            "torchrun --nproc_per_node=NUM_GPUS hot/run.py ... --multi_gpu (README, 'GPUs')"
        )
    writer = world is None or world.is_writer
    distributed.ensure_process_group(world, env.device)
    if world is not None:
        run_dir = distributed.broadcast_object(str(run_dir))
    run_dir = Path(run_dir)
    params, resolved = build_params(env, train_cfg, run_dir, max_epochs, seed)
    meta = env_meta(env, resolved)
    meta["seed"] = int(seed)
    meta["training"] = {"hardware": hardware_summary(env.device), "wall_s": 0.0}
    if world is not None:
        threads_given = "torch_threads" in train_cfg.get("params", train_cfg)
        distributed.prepare_params(params, world, threads_given=threads_given)
        meta["world_size"] = world.world_size

    start_epoch = 0
    if resume_from is not None:
        payload = ckpt.load_checkpoint(resume_from)
        ckpt.check_compatible(payload["meta"], meta, resume_from, training_from=True)
        check_same_network(payload["meta"], params, resume_from)
        # wall-clock keeps counting across resumes (checkpoints before this field: from 0)
        meta["training"]["wall_s"] = float((payload["meta"].get("training") or {}).get("wall_s") or 0.0)
        start_epoch = int(payload["rlg"].get("epoch", 0))
        total = params["config"].get("max_epochs", -1)
        if total != -1 and start_epoch >= total:
            raise ConfigError(
                f"--resume_from {resume_from} is at epoch {start_epoch} and --max_iterations (max_epochs) is "
                f"{total}: nothing to train; --max_iterations counts all epochs, the resumed ones too: give "
                f"more than {start_epoch}"
            )
    if world is not None:
        c = params["config"]
        distributed.check_same_on_all_ranks(
            {
                "num_envs": int(env.num_envs),
                "obs_layout": meta["obs_layout"],
                "num_actions": int(env.num_actions),
                **{k: c.get(k) for k in ("horizon_length", "minibatch_size", "mini_epochs", "max_epochs")},
                "network": params["network"],
                "start_epoch": start_epoch,
            }
        )

    init_payload = None
    if init_from is not None:
        init_payload = ckpt.load_checkpoint(init_from)
        ckpt.check_compatible(init_payload["meta"], meta, init_from, training_from=True)
        check_same_network(init_payload["meta"], params, init_from, flag="--checkpoint")
        if not isinstance(init_payload["rlg"].get("model"), dict):
            raise ckpt.CheckpointError(f"--checkpoint {init_from}: no policy weights (rlg.model)")
        # a fine-tuned policy's cost includes its starting point's: keep that chain's totals (None: unknown)
        prior = init_payload["meta"].get("training") or {}
        earlier = prior.get("fine_tuned_from") or {}
        known = "env_steps" in prior and (not earlier or earlier.get("env_steps") is not None)
        meta["training"]["fine_tuned_from"] = {
            "checkpoint": Path(init_from).name,
            "env_steps": int(prior["env_steps"]) + int(earlier.get("env_steps") or 0) if known else None,
            "wall_s": float(prior["wall_s"]) + float(earlier.get("wall_s") or 0.0) if known else None,
        }
    if writer:  # once the run is known to start
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            run_dir / "config.yaml", yaml.safe_dump({"params": resolved, "meta": meta}, sort_keys=False)
        )

    observer = HotObserver(
        int(params["config"].get("max_epochs", -1)), show_progress=show_progress and writer
    )
    runner = Runner(algo_observer=observer)
    factory = make_agent or HotA2CAgent
    runner.algo_factory.register_builder(ALGO_NAME, lambda **kw: factory(meta=meta, **kw))
    runner.load_config(params)  # no deepcopy here: the env object must stay the same instance
    _seed_everything(seed)  # rl-games skips seeding when seed == 0 (and adds the rank under multi_gpu)
    if hasattr(env, "seed"):
        env.seed(seed)
    if world is None:
        agent = runner.algo_factory.create(ALGO_NAME, base_name="run", params=runner.params)
    else:
        with distributed.rl_games_on_existing_group():
            agent = runner.algo_factory.create(ALGO_NAME, base_name="run", params=runner.params)
        distributed.adapt_agent(agent)
    if resume_from is not None:
        agent.restore(str(resume_from))
    elif init_payload is not None:
        agent.model.load_state_dict(init_payload["rlg"]["model"])
    if params["config"]["torch_compile"]:
        agent.model = torch.compile(agent.model)
    previous = None
    if threading.current_thread() is threading.main_thread():

        def on_sigint(signum, frame) -> None:
            if agent.stop_requested:  # a second Ctrl-C: stop now
                raise KeyboardInterrupt
            agent.stop_requested = True
            print(
                "\n[hot] Ctrl-C: stopping after this epoch (Ctrl-C again to stop now)",
                file=sys.stderr,
                flush=True,
            )

        previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        agent.train()
    except KeyboardInterrupt:
        if writer:  # Ctrl-C: keep what was learnt, say where
            agent.save(str(run_dir / "nn" / f"interrupted_ep_{agent.epoch_num}"))
            path = agent.last_saved_path
            print(
                f"\n[hot] interrupted at epoch {agent.epoch_num}: saved {path} (continue with --resume_from)",
                file=sys.stderr,
                flush=True,
            )
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        observer.close()
        if agent.writer is not None:
            agent.writer.flush()
            agent.writer.close()
    checkpoint, frame = agent.last_saved_path, agent.frame
    if world is not None:
        checkpoint, frame = distributed.broadcast_object((checkpoint, frame))
    log.info("trained epochs %d..%d", start_epoch + 1, agent.epoch_num)
    return {
        "checkpoint": checkpoint,
        "epoch": agent.epoch_num,
        "frame": frame,
        "history": observer.history,
        "agent": agent,
    }


def _network_summary(params: dict) -> tuple[dict, str]:
    """``(network section without the env-derived obs layout, train config name)`` of resolved params."""
    # the obs layout is checked on its own; log_std_init only sets the initial sigma, which resuming loads
    net = {k: v for k, v in (params.get("network") or {}).items() if k not in ("obs_layout", "log_std_init")}
    return net, str((params.get("config") or {}).get("name", "?"))


def hardware_summary(device: Any) -> str:
    """``"2 CPU cores (x86_64), cpu"`` or ``"... , cuda: NVIDIA H200"``: where a run trained."""
    import platform

    dev = torch.device(device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" and torch.cuda.is_available() else ""
    return f"{os.cpu_count()} CPU cores ({platform.machine()}), {dev.type}{': ' + name if name else ''}"


def check_same_network(
    meta: dict, params: dict, resume_from: str | os.PathLike, flag: str = "--resume_from"
) -> None:
    """Refuse to resume a checkpoint whose network differs from the train config's, naming both configs.

    Without this, the weights fail to load deep inside rl-games with a tensor size mismatch (e.g. a CPU
    stage 1 with [256, 128] units resumed by a stage 2 with the GPU config's [1024, 512, 512]).
    """
    saved = (meta.get("config") or {}).get("train") or {}
    if not saved:
        return
    (old, old_name), (new, new_name) = _network_summary(saved), _network_summary(params)
    if old != new:
        diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        what = "; ".join(f"{k}: {old.get(k)} vs {new.get(k)}" for k in diff)
        raise ckpt.CheckpointError(
            f"{flag} {resume_from}: its network (train config '{old_name}') differs from --cfg_train's "
            f"('{new_name}'): {what}. Resume with the --cfg_train it was trained with"
        )


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The periodic/final checkpoint with the highest epoch in ``run_dir/nn`` (None if there is none)."""
    from hot.utils.runs import latest_checkpoint as latest

    return latest(run_dir)


# ------------------------------------------------------------------------------------------ inference
RlGamesModel: TypeAlias = Any
"""An rl-games model (an ``nn.Module``: the input/value normalisers, ``norm_obs`` and ``a2c_network``). rl-games
has no type information and sets these attributes at run time, so to a type checker it is Any."""


class Policy:
    """Deterministic policy from a checkpoint: ``policy(obs (N, num_obs)) -> action (N, num_actions)``.

    The action is the Gaussian mean clamped to [-1, 1] (what the rl-games player executes); ``mu(obs)``
    gives the raw mean (the distillation target, spec §7.1).
    """

    def __init__(self, model: RlGamesModel, device: torch.device | str, meta: dict) -> None:
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self.meta = meta

    @torch.no_grad()
    def mu(self, obs: torch.Tensor) -> torch.Tensor:
        obs = obs.to(self.device, torch.float32)
        mu, _, _, _ = self.model.a2c_network({"obs": self.model.norm_obs(obs)})
        return mu

    def __call__(self, obs: torch.Tensor) -> torch.Tensor:
        return self.mu(obs).clamp(-1.0, 1.0)


def build_model(train_params: dict, num_obs: int, num_actions: int) -> RlGamesModel:
    """Build the rl-games model (normalisers + network) described by resolved train ``params``."""
    register()
    cfg = train_params["config"]
    model = model_builder.ModelBuilder().load(train_params)
    return model.build(
        {
            "actions_num": num_actions,
            "input_shape": (num_obs,),
            "num_seqs": 1,
            "value_size": 1,
            "normalize_value": cfg.get("normalize_value", False),
            "normalize_input": cfg.get("normalize_input", False),
        }
    )


def load_model(checkpoint_path: str | os.PathLike, meta_of_env: dict) -> tuple[RlGamesModel, dict]:
    """The rl-games model of a checkpoint, rebuilt and loaded on the CPU: ``(model, checkpoint meta)``.

    ``meta_of_env`` is :func:`env_meta` of the env it will act in; another hand, obs layout, action size
    or action mode is refused, naming both values.
    """
    payload = ckpt.load_checkpoint(checkpoint_path, map_location="cpu")
    meta = payload["meta"]
    ckpt.check_compatible(meta, meta_of_env, checkpoint_path)
    train_params = meta.get("config", {}).get("train")
    if not train_params:
        raise ckpt.CheckpointError(f"checkpoint {checkpoint_path}: meta.config.train missing, cannot rebuild")
    model = build_model(train_params, int(meta_of_env["num_obs"]), int(meta_of_env["num_actions"]))
    weights = payload["rlg"].get("model")
    if not isinstance(weights, dict) or not weights:
        raise ckpt.CheckpointError(
            f"checkpoint {checkpoint_path}: no policy weights (rlg.model missing or empty)"
        )
    bad = [
        k
        for k, v in weights.items()
        if torch.is_tensor(v) and v.is_floating_point() and not torch.isfinite(v).all()
    ]
    if bad:
        raise ckpt.CheckpointError(
            f"checkpoint {checkpoint_path}: non-finite (NaN/inf) weights in {', '.join(bad[:3])}"
            f"{' ...' if len(bad) > 3 else ''}; the training that wrote it diverged"
        )
    try:
        model.load_state_dict(payload["rlg"]["model"])
    except RuntimeError as e:
        raise ckpt.CheckpointError(
            f"checkpoint {checkpoint_path}: weights do not fit the network: {e}"
        ) from e
    return model, meta


def load_policy(checkpoint_path: str | os.PathLike, env: Any) -> Callable[[torch.Tensor], torch.Tensor]:
    """Load a checkpoint for test-time rollouts on ``env`` (refuses another hand / obs layout)."""
    model, meta = load_model(checkpoint_path, env_meta(env))
    return Policy(model, env.device, meta)


def mean_step_reward(env: Any, policy: Callable[[torch.Tensor], torch.Tensor], steps: int) -> float:
    """Mean per-step reward of ``policy`` over ``steps`` env steps from a reset (quick evaluation)."""
    obs = env.reset()
    total = 0.0
    for _ in range(steps):
        obs, reward, _, _ = env.step(policy(obs))
        total += float(reward.mean())
    return total / max(steps, 1)
