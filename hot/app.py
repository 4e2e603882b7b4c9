"""One library function per ``hot/run.py`` mode: train, test, play_dataset (and OpenLoop replay)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from hot.config.resolve import resolve_env_config, resolve_path
from hot.config.schema import TrackingCfg
from hot.config.strict import ConfigError

__all__ = [
    "run_from_args",
    "pick_device",
    "build_env",
    "build_test_policy",
    "train_mode",
    "test_mode",
    "play_dataset_mode",
]

MULTI_OBJECT_TASKS = ("MultiObjDistill", "MultiSkillMimicHandRand")
"""Tasks that may hold several objects (--objnames A B ...); the others track one."""


def pick_device(requested: str | None) -> torch.device:
    """``--device`` if given, else CUDA when available, else CPU."""
    if requested:
        dev = torch.device(requested)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"--device {requested}: CUDA is not available in this torch build")
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _dense_from_train_cfg(train_cfg: dict) -> bool:
    net = train_cfg.get("params", {}).get("network", {}).get("name", "")
    return "dense" in str(net) or "distill" in str(net)


def build_env(cfg: TrackingCfg, device: torch.device, mode: str, seed: int, refined_as_obs: bool = False):
    from hot.envs.tracking import TrackingEnv

    return TrackingEnv(cfg, device=device, mode=mode, seed=seed, refined_as_obs=refined_as_obs)


def _load_train_cfg(args: argparse.Namespace) -> dict:
    from hot.learning.adapter import load_train_cfg

    cfg = load_train_cfg(resolve_path(args.cfg_train, "--cfg_train"))
    c = cfg.setdefault("params", {}).setdefault("config", {})
    if args.horizon_length > 0:
        c["horizon_length"] = args.horizon_length
    if args.minibatch_size > 0:
        c["minibatch_size"] = args.minibatch_size
    return cfg


def train_mode(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device) -> int:
    from hot.learning.adapter import train

    train_cfg = _load_train_cfg(args)
    cfg.env.dense_obj = _dense_from_train_cfg(train_cfg)
    env = build_env(cfg, device, "train", args.seed, refined_as_obs=args.refined_motion_as_obs)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = Path(args.output_path) / f"{args.experiment}_{stamp}"
    resume = args.resume_from or args.checkpoint or None
    if resume:
        resume = str(resolve_path(resume, "--resume_from"))
    print(
        f"[hot] training {cfg.env.hand_model} on {cfg.env.object_names} with {env.lib.num_clips} clips, "
        f"{env.num_envs} envs, obs {env.num_obs}, actions {env.num_actions}, device {device}; run dir {run_dir}"
    )
    max_epochs = args.max_iterations if args.max_iterations > 0 else None
    if args.task in ("Distill", "MultiObjDistill"):
        from hot.distill.train import ROUTE_BY_TASK, train_distill

        out = train_distill(
            env, train_cfg, run_dir, ROUTE_BY_TASK[args.task], max_epochs=max_epochs, resume_from=resume,
            seed=args.seed, source=str(args.cfg_train),
        )
    else:
        if cfg.env.refined_motion_file:
            raise ConfigError("--refined_motion_file is for the distillation tasks (Distill, MultiObjDistill)")
        out = train(env, train_cfg, run_dir, max_epochs=max_epochs, resume_from=resume, seed=args.seed)
    print(f"[hot] done: epoch {out['epoch']}, {out['frame']} env-steps; checkpoint {out['checkpoint']}")
    print(f"[hot] diverged envs reset during training: {env.diverged_count}")
    return 0


def _video_recorder(args: argparse.Namespace, env, total_frames: int):
    """The ``--save_video`` recorder for ``env`` (None without the flag)."""
    if not args.save_video:
        return None
    from hot.viz.recorder import VideoRecorder

    w, h = args.video_size
    return VideoRecorder(
        env, args.save_video, num_envs=args.video_envs, width=w, height=h, total_frames=total_frames
    )


def build_test_policy(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device, mode: str = "test"):
    """The env and policy of a ``--test`` run: ``(env, policy, what)``.

    ``--task OpenLoop`` gives open-loop replay (zero residual actions); otherwise ``--checkpoint``
    is loaded (and must be given). ``what`` describes the policy in words.
    """
    from hot.evaluate import zero_policy

    open_loop = args.task == "OpenLoop"
    if open_loop:
        cfg.env.action_mode = "residual"
    else:
        if not args.checkpoint:
            raise ConfigError("--test needs --checkpoint PATH (or --task OpenLoop for open-loop replay)")
        train_cfg = _load_train_cfg(args)
        cfg.env.dense_obj = _dense_from_train_cfg(train_cfg)
    env = build_env(cfg, device, mode, args.seed)
    if open_loop:
        return env, zero_policy(env.num_actions), "open-loop replay (PD targets = reference)"
    from hot.learning.adapter import load_policy

    ckpt = resolve_path(args.checkpoint, "--checkpoint")
    return env, load_policy(ckpt, env), f"checkpoint {ckpt}"


def test_mode(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device) -> int:
    from hot.evaluate import evaluate, format_table, write_results

    mode = "refine" if args.save_refined_data else "test"
    env, policy, what = build_test_policy(args, cfg, device, mode)
    print(
        f"[hot] testing {what}: {cfg.env.hand_model} / {cfg.env.object_names}, {env.lib.num_clips} clips, "
        f"{env.num_envs} envs x {args.test_rounds} rounds, episode length {cfg.env.episode_length}"
    )
    observers = []
    traces = None
    if args.results:
        from hot.viz.traces import ErrorTraces

        traces = ErrorTraces()
        observers.append(traces)
    recorder = _video_recorder(args, env, args.test_rounds * (cfg.env.episode_length + 1))
    if recorder is not None:
        observers.append(recorder)
    try:
        rows = evaluate(
            env, policy, rounds=args.test_rounds, save_refined=args.save_refined_data, observers=observers
        )
    except BaseException:
        if recorder is not None:
            recorder.abort()
        raise
    if recorder is not None:
        _close_video(recorder)
    print(format_table(rows))
    if args.results:
        meta = {"what": what, "motion_file": cfg.env.motion_file, "episode_length": cfg.env.episode_length}
        for p in write_results(rows, args.results, meta):
            print(f"[hot] wrote {p}")
        _write_tracking_outputs(traces.finish(), args.results, args.plot_episodes)
    return 0


def _close_video(recorder) -> None:
    path = recorder.close()
    print(f"[hot] wrote video {path} ({recorder.writer.frames} frames, {len(recorder.env_ids)} envs)")


def _write_tracking_outputs(traces, prefix: str, max_episodes: int) -> None:
    """Per-step error series (CSV) and tracking plots (PNG) next to the ``--results`` files."""
    from hot.viz.plots import write_tracking_plots
    from hot.viz.traces import write_traces_csv

    csv_path = write_traces_csv(traces, f"{prefix}_errors.csv")
    pngs = write_tracking_plots(traces, prefix, max_episodes=max_episodes)
    print(f"[hot] wrote {csv_path}, {pngs[0]} and {len(pngs) - 1} episode plots in {pngs[0].parent}")


def play_dataset_mode(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device) -> int:
    """Kinematic replay: every frame of each env's clip is written into the simulator (no dynamics)."""
    from hot.envs.tracking import TrackingEnv

    env = TrackingEnv(cfg, device=device, mode="refine", seed=args.seed)  # every clip from frame 0
    env.reset()
    lib, ep = env.lib, env.ep
    steps = args.play_steps or int(lib.lengths.max())
    pen_sum, pen_max, agree, counted = 0.0, 0.0, 0, 0
    ids = torch.arange(env.num_envs, device=device)
    recorder = _video_recorder(args, env, steps)
    lengths = lib.clip_length(ep.clip)
    for t in range(steps):
        frames = torch.minimum(torch.full_like(ep.clip, t), lengths - 1)
        s0 = lib.initial_state(ep.clip, frames)
        zero = torch.zeros_like
        env.sim.reset(ids, s0["dof_pos"], zero(s0["dof_vel"]), s0["obj_pos"], s0["obj_rot"],
                      zero(s0["obj_lin_vel"]), zero(s0["obj_ang_vel"]))
        s = env.sim.state()
        if recorder is not None:
            try:
                recorder.capture(s, lib.ref_frames(ep.clip, frames), frames, t < lengths, lengths=lengths)
            except BaseException:
                recorder.abort()
                raise
        pen = s.penetration * 1000.0
        pen_sum += float(pen.sum())
        pen_max = max(pen_max, float(pen.max()))
        label = s0["contact"]
        touching = s.penetration > 0
        care = label >= 0
        agree += int(((touching == (label > 0)) & care).sum())
        counted += int(care.sum())
    if recorder is not None:
        _close_video(recorder)
    n = steps * env.num_envs
    print(f"[hot] play_dataset: replayed {steps} frames x {env.num_envs} envs ({lib.num_clips} clips)")
    print(f"[hot] penetration mean {pen_sum / n:.2f} mm, max {pen_max:.2f} mm; "
          f"contact label vs geometric contact agreement {100.0 * agree / max(counted, 1):.1f}% of labelled frames")
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    if args.postproc_hopdata:
        raise ConfigError("--postproc_hopdata: use `python -m hot.motion.fk --path DIR --hand HAND` (writes DIR_kp)")
    cfg = resolve_env_config(args)
    if len(cfg.env.object_names) > 1 and args.task not in MULTI_OBJECT_TASKS and not args.play_dataset:
        raise ConfigError(
            f"--task {args.task} tracks one object, got --objnames {' '.join(cfg.env.object_names)}; "
            f"several objects are for {' / '.join(MULTI_OBJECT_TASKS)} (or test one object at a time: test.sh)"
        )
    if args.ball_size > 0:
        raise ConfigError("--ball_size: a global object scale is not supported; use --obj_rand_scale")
    if cfg.sim.backend == "mjwarp":
        from hot.sim import mjwarp_missing

        if (why := mjwarp_missing()) is not None:
            raise ConfigError(f"--sim mjwarp: {why}")
    if getattr(args, "save_video", ""):
        from hot.viz.gl import select_gl_backend

        select_gl_backend()  # before the simulator imports mujoco: MUJOCO_GL is read at import
    device = pick_device(args.device)
    torch.manual_seed(args.seed)
    if args.play_dataset:
        return play_dataset_mode(args, cfg, device)
    if args.test or args.task == "OpenLoop":
        return test_mode(args, cfg, device)
    return train_mode(args, cfg, device)
