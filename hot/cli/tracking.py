"""One library function per ``hot/run.py`` mode: train, test, play_dataset (and OpenLoop replay)."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

from hot.config.resolve import REPO_ROOT, resolve_path
from hot.config.strict import ConfigError
from hot.tasks.tracking.config import TrackingCfg
from hot.tasks.tracking.resolve import resolve_env_config

__all__ = [
    "run_from_args",
    "pick_device",
    "build_env",
    "build_test_policy",
    "apply_checkpoint_settings",
    "physics_differences",
    "clip_contact_differences",
    "train_mode",
    "test_mode",
    "play_dataset_mode",
]

MULTI_OBJECT_TASKS = ("MultiObjDistill", "MultiSkillMimicHandRand")
"""Tasks that may hold several objects (--objnames A B ...); the others track one."""


def pick_device(requested: str | None) -> torch.device:
    """``--device`` if given, else CUDA when available, else CPU."""
    if requested:
        try:
            dev = torch.device(requested)
        except RuntimeError:
            raise ConfigError(f"--device {requested}: not a torch device (use cpu, cuda or cuda:N)") from None
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"--device {requested}: CUDA is not available in this torch build")
        return dev
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _dense_from_train_cfg(train_cfg: dict) -> bool:
    """200 dense object keypoints for the point-encoder network, 20 sparse ones for the plain MLP (the
    network name is one of the two, checked by ``hot.learning.train_config``)."""
    from hot.learning.adapter import NETWORK_DENSEOBJ

    return train_cfg.get("params", {}).get("network", {}).get("name", NETWORK_DENSEOBJ) == NETWORK_DENSEOBJ


def build_env(cfg: TrackingCfg, device: torch.device, mode: str, seed: int, refined_as_obs: bool = False):
    from hot.tasks.tracking.env import TrackingEnv

    return TrackingEnv(cfg, device=device, mode=mode, seed=seed, refined_as_obs=refined_as_obs)


def _load_train_cfg(args: argparse.Namespace) -> dict:
    from hot.learning.adapter import load_train_cfg

    cfg = load_train_cfg(resolve_path(args.cfg_train, "--cfg_train"))
    c = cfg.setdefault("params", {}).setdefault("config", {})
    if args.horizon_length is not None:
        c["horizon_length"] = args.horizon_length
    if args.minibatch_size is not None:
        c["minibatch_size"] = args.minibatch_size
    return cfg


CPU_ENV_STEPS_PER_CORE = 750.0
"""Training env-steps/s per CPU core, measured with the CPU train config (1,494 on 2 cores, MANO + Bottle,
256 envs: ``python -m hot.bench train``); the bigger GPU network is slower still."""

CPU_SENSIBLE_ENVS = 512
"""Above this many envs on a CPU, one PPO epoch takes minutes and memory grows by GBs: warn."""


def cpu_scale_warning(
    args: argparse.Namespace, num_envs: int, train_cfg: dict, device: torch.device
) -> str | None:
    """The one-line warning for a CPU run with more envs than a CPU can sensibly step (None otherwise).

    It gives the estimated seconds per epoch and the command-line change to use on a CPU instead.
    """
    if device.type != "cpu" or num_envs <= CPU_SENSIBLE_ENVS:
        return None
    import os

    horizon = int(train_cfg.get("params", {}).get("config", {}).get("horizon_length", 32))
    cores = os.cpu_count() or 1
    per_epoch = num_envs * horizon / (CPU_ENV_STEPS_PER_CORE * cores)
    cfg_train = Path(args.cfg_train)
    cpu_cfg = cfg_train.with_name(f"{cfg_train.stem}_cpu{cfg_train.suffix}")
    use = "--num_envs 256" + (
        f" --cfg_train {cpu_cfg}" if cpu_cfg.exists() or (REPO_ROOT / cpu_cfg).exists() else ""
    )
    return (
        f"[hot] warning: no CUDA: {num_envs} envs x {horizon} steps is about {per_epoch:,.0f} s per PPO epoch "
        f"on {cores} CPU cores (~{CPU_ENV_STEPS_PER_CORE:.0f} env-steps/s per core) and GBs of memory; "
        f"on a CPU use {use} (README, 'Training on a CPU')"
    )


DISTILL_TASKS = ("Distill", "MultiObjDistill")


def run_algo(task: str) -> str:
    """The ``<algo>`` part of a tracking run's folder: ``distill`` for the distillation tasks, else ``ppo``."""
    return "distill" if task in DISTILL_TASKS else "ppo"


def make_run_dir(output_path: Path, task: str, sim: str, experiment: str = "Base") -> Path:
    """Create ``<output_path>/<ppo|distill>/<task>/<timestamp>_<sim>[_<experiment>]`` exclusively (the scheme
    every task shares, :func:`hot.utils.runs.new_run`; ``Base``, the default experiment, adds no name).

    Two runs started in the same second with the same names get two folders, never one shared one.
    Under torchrun only rank 0 creates it (the others receive rank 0's path in training).
    """
    from hot.learning import distributed
    from hot.utils import runs

    name = "" if experiment == "Base" else experiment
    world = distributed.from_env()
    if world is not None and not world.is_writer:
        return runs.task_dir(output_path, run_algo(task), task) / runs.run_name(sim, name)
    return runs.new_run(output_path, run_algo(task), task, sim, name)


RUN_MARKER = "config.yaml"
"""What makes a folder under ``--output_path`` a tracking run (written when training starts)."""


def _exists(path: str) -> bool:
    try:
        resolve_path(path, "--motion_file")
    except ConfigError:
        return False
    return True


def resolve_test_checkpoint(args: argparse.Namespace) -> None:
    """``--test``: turn ``--load_run`` and ``--checkpoint shipped`` / ``--checkpoint RUN_DIR`` into a file in
    ``args.checkpoint``, then fill ``--motion_file``, ``--objnames`` and ``--hand_model`` from the
    checkpoint's saved env config when the command line leaves them out."""
    from hot.learning import shipped
    from hot.utils import runs

    if args.load_run is not None:
        if args.checkpoint:
            raise ConfigError("--test: give --checkpoint or --load_run, not both")
        root = resolve_path(args.output_path, "--output_path")
        parent = runs.task_dir(root, run_algo(args.task), args.task)
        suffix = "" if args.experiment == "Base" else f"_{args.experiment}"
        run = runs.find_run(parent, args.load_run, RUN_MARKER, suffix, "--load_run")
        args.checkpoint = str(runs.newest_checkpoint(run, "--load_run"))
        print(f"[hot] --load_run {args.load_run}: testing {args.checkpoint}")
    elif args.checkpoint == "shipped":
        hand = args.hand_model or "mano"
        args.checkpoint = str(shipped.tracking_checkpoint(hand, list(args.objnames or ["Bottle"]), args.task))
        print(f"[hot] --checkpoint shipped: {args.checkpoint}")
    elif args.checkpoint and Path(args.checkpoint).is_dir():
        args.checkpoint = str(runs.newest_checkpoint(Path(args.checkpoint), "--checkpoint"))
    if not args.checkpoint or (args.motion_file and args.objnames and args.hand_model):
        return
    from hot.learning.checkpoint import load_checkpoint

    ckpt = resolve_path(args.checkpoint, "--checkpoint")
    saved = load_checkpoint(ckpt, map_location="cpu")["meta"].get("config", {}).get("env", {}).get("env", {})
    filled = []
    for flag, key in (
        ("motion_file", "motion_file"),
        ("objnames", "object_names"),
        ("hand_model", "hand_model"),
    ):
        if not getattr(args, flag) and saved.get(key):
            if flag == "motion_file" and not _exists(saved[key]):
                continue  # trained on another machine's path: no default here
            setattr(args, flag, saved[key])
            filled.append(f"--{flag} {saved[key] if isinstance(saved[key], str) else ' '.join(saved[key])}")
    if filled:
        print(f"[hot] --test: from the checkpoint's training config: {'; '.join(filled)}")


def train_mode(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device) -> int:
    from hot.learning.adapter import train

    train_cfg = _load_train_cfg(args)
    cfg.env.dense_obj = _dense_from_train_cfg(train_cfg)
    if (warning := cpu_scale_warning(args, cfg.env.num_envs, train_cfg, device)) is not None:
        print(warning, flush=True)
    print(
        f"[hot] building {cfg.env.num_envs} envs ({cfg.env.hand_model}, {', '.join(cfg.env.object_names)}) "
        f"on {device} ...",
        flush=True,
    )
    env = build_env(cfg, device, "train", args.seed, refined_as_obs=args.refined_motion_as_obs)
    resume = str(resolve_path(args.resume_from, "--resume_from")) if args.resume_from else None
    init = str(resolve_path(args.checkpoint, "--checkpoint")) if args.checkpoint else None
    if resume and init:
        raise ConfigError(
            "--checkpoint (start from its weights at epoch 0) and --resume_from (continue its run) "
            "exclude each other: give one"
        )
    from hot.sim import pick_backend

    sim = pick_backend(cfg.sim.backend, device)[0]
    run_dir = make_run_dir(Path(args.output_path), args.task, sim, args.experiment)
    print(
        f"[hot] training {cfg.env.hand_model} on {cfg.env.object_names} with {env.lib.num_clips} clips, "
        f"{env.num_envs} envs, obs {env.num_obs}, actions {env.num_actions}, device {device}; run dir {run_dir}"
    )
    max_epochs = args.max_iterations
    started = time.perf_counter()
    try:
        if args.task in DISTILL_TASKS:
            from hot.distill.train import ROUTE_BY_TASK, train_distill

            out = train_distill(
                env,
                train_cfg,
                run_dir,
                ROUTE_BY_TASK[args.task],
                max_epochs=max_epochs,
                resume_from=resume,
                init_from=init,
                seed=args.seed,
                source=str(args.cfg_train),
            )
        else:
            if cfg.env.refined_motion_file:
                raise ConfigError(
                    "--refined_motion_file is for the distillation tasks (Distill, MultiObjDistill)"
                )
            out = train(
                env,
                train_cfg,
                run_dir,
                max_epochs=max_epochs,
                resume_from=resume,
                init_from=init,
                seed=args.seed,
            )
    except BaseException:
        from hot.utils.runs import remove_if_empty

        remove_if_empty(run_dir, Path(args.output_path))  # a failed start leaves no empty run folder
        raise
    cost = out["agent"].hot_meta.get("training", {})
    print(
        f"[hot] done: epoch {out['epoch']}, {out['frame']} env-steps, {time.perf_counter() - started:.0f} s on "
        f"{cost.get('hardware', 'this machine')}; checkpoint {out['checkpoint']} (its meta.training records the cost)"
    )
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
    from hot.tasks.tracking.evaluate import zero_policy

    open_loop = args.task == "OpenLoop"
    if open_loop:
        cfg.env.action_mode = "residual"
    else:
        if not args.checkpoint:
            raise ConfigError("--test needs --checkpoint PATH (or --task OpenLoop for open-loop replay)")
        ckpt = resolve_path(args.checkpoint, "--checkpoint")
        train_cfg = _load_train_cfg(args)
        cfg.env.dense_obj = _dense_from_train_cfg(train_cfg)
        overridden = apply_checkpoint_settings(cfg, args, ckpt)
        if overridden:
            print(f"[hot] --test: the checkpoint's own settings override {'; '.join(overridden)}")
        for note in physics_differences(cfg, args, ckpt):
            print(f"[hot] --test: note: {note}")
    for note in clip_contact_differences(cfg, args):
        print(f"[hot] --test: note: {note}")
    check_skill_folders(cfg.env.motion_file)
    env = build_env(cfg, device, mode, args.seed)
    if open_loop:
        return env, zero_policy(env.num_actions), "open-loop replay (PD targets = reference)"
    from hot.learning.adapter import load_policy

    return env, load_policy(ckpt, env), f"checkpoint {ckpt}"


def check_skill_folders(motion_file: str) -> None:
    """Refuse, before any env is built, clips whose folder names no skill: ``--test`` scores each clip by
    the success rule of its folder's skill (``grasp_higher_kp`` -> grasp, as upstream)."""
    from hot.motion.io import find_motion_files
    from hot.tasks.tracking.metrics.success import METRIC_CLASSES

    try:
        files = find_motion_files(motion_file)
    except FileNotFoundError as e:
        raise ConfigError(f"--motion_file: {e}") from None
    bad = sorted({p.parent.name for p in files if p.parent.name.split("_")[0].lower() not in METRIC_CLASSES})
    if bad:
        raise ConfigError(
            f"--motion_file {motion_file}: folder(s) {', '.join(bad)} name no skill; --test scores a clip by its "
            f"folder's first '_' token, one of {', '.join(sorted(k for k in METRIC_CLASSES if not k.isdigit()))}"
        )


CHECKPOINT_SETTINGS = (
    ("action_mode", ""),
    ("enable_obj_keypoints", "--enable_obj_keypoints"),
    ("enable_dof_obs", "--enable_dof_obs"),
    ("dense_obj", "--cfg_train (network)"),
)
"""Env settings a policy was trained with and must be tested with (action space and observation layout),
with the flags that set them; ``residual_scale``, ``velocity_feedforward`` and the grasp priors
(``closure_bias``, ``free_residual_scale``) follow ``action_mode``."""


def physics_differences(cfg: TrackingCfg, args: argparse.Namespace, ckpt: Path) -> list[str]:
    """Physics settings (``sim:``) of this run that differ from those checkpoint ``ckpt`` was trained with.

    Unlike the action and observation settings these are not taken over: testing a policy under other
    contacts is a legitimate experiment. Each phrase names the setting, both values and the YAML.
    """
    from hot.learning.checkpoint import load_checkpoint

    saved = load_checkpoint(ckpt, map_location="cpu")["meta"].get("config", {}).get("env", {}).get("sim", {})
    notes = []
    for key in ("object_solimp", "noslip_iterations", "cone", "joint_frictionloss", "dt", "substeps"):
        if key in saved and saved[key] != getattr(cfg.sim, key):
            notes.append(
                f"sim.{key} is {getattr(cfg.sim, key)} (from {Path(args.cfg_env).name}); the checkpoint was "
                f"trained with {saved[key]}"
            )
    return notes


def clip_contact_differences(cfg: TrackingCfg, args: argparse.Namespace) -> list[str]:
    """The object contacts the clips of ``cfg.env.motion_file`` were generated with, when they differ from
    this run's ``sim.object_solimp``: one phrase per value, naming the dataset, both values and the YAML.

    ``python -m hot.datagen`` records its settings in ``<dataset>/_datagen/<Object>/done_<hand>.json``; the
    dataset is the motion path or one of its three parents. A marker without ``object_solimp`` predates the
    setting: those clips were made with the scene default. Clips without markers (the shipped sets) give none.
    """
    import json

    from hot.sim.scene import SceneOptions

    path = Path(cfg.env.motion_file)
    start = path if path.is_dir() else path.parent
    root = next((d for d in [start, *start.parents][:4] if (d / "_datagen").is_dir()), None)
    if root is None:
        return []
    made = set()
    for marker in sorted(root.glob(f"_datagen/*/done_{cfg.env.hand_model}.json")):
        try:
            settings = json.loads(marker.read_text()).get("settings", {})
        except (OSError, ValueError):
            continue
        made.add(tuple(float(v) for v in settings.get("object_solimp", SceneOptions().object_solimp)))
    sim = tuple(float(v) for v in cfg.sim.object_solimp)
    yaml_name = Path(args.cfg_env).name if getattr(args, "cfg_env", None) else "the env YAML"
    return [
        f"the clips under {root} were generated with object contacts {list(m)} (python -m hot.datagen "
        f"--object_solimp); this run simulates {list(sim)} (sim.object_solimp of {yaml_name}), so "
        "their hold test does not carry over"
        for m in sorted(made)
        if m != sim
    ]


def apply_checkpoint_settings(cfg: TrackingCfg, args: argparse.Namespace, ckpt: Path) -> list[str]:
    """Set ``cfg.env``'s action and observation settings to those saved in checkpoint ``ckpt``.

    A checkpoint carries the resolved env config it was trained with, so ``--test`` does not depend on
    the command line repeating it (upstream's Shadow and MANO inference commands pass another action
    flag than their training commands). The hand is not taken over: another hand is refused later,
    naming both. Returns one phrase per overridden setting, naming the flag it overrode; empty if
    nothing differed or the checkpoint has no saved env config (then the compatibility check decides).
    """
    from hot.learning.checkpoint import load_checkpoint

    saved = load_checkpoint(ckpt, map_location="cpu")["meta"].get("config", {}).get("env", {}).get("env", {})
    if not saved:
        return []
    env, changed = cfg.env, []
    for key, flag in CHECKPOINT_SETTINGS:
        if key not in saved or getattr(env, key) == saved[key]:
            continue
        if key == "action_mode":
            flag = (
                "--use_delta_action"
                if args.use_delta_action
                else "--use_res_action"
                if args.use_res_action
                else f"env.action_mode of {Path(args.cfg_env).name}"
            )
        elif flag.startswith("--enable") and not getattr(args, flag[2:]):
            flag = f"no {flag}"
        changed.append(f"{key}: {getattr(env, key)} -> {saved[key]} ({flag})")
        setattr(env, key, saved[key])
    if env.action_mode == saved.get("action_mode"):
        for key in ("residual_scale", "velocity_feedforward"):
            if key in saved:
                setattr(env, key, saved[key])
        defaults = {f.name: f.default for f in dataclasses.fields(env)}
        for key in ("closure_bias", "free_residual_scale"):  # the grasp priors (issue 20)
            value = saved.get(key, defaults[key])  # a checkpoint older than the setting trained without it
            if getattr(env, key) != value:
                changed.append(
                    f"{key}: {getattr(env, key)} -> {value} (env.{key} of {Path(args.cfg_env).name})"
                )
                setattr(env, key, value)
    return changed


def test_mode(args: argparse.Namespace, cfg: TrackingCfg, device: torch.device) -> int:
    from hot.tasks.tracking.evaluate import evaluate, format_table, write_results

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
        assert traces is not None  # made above when args.results is set
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
    from hot.tasks.tracking.env import TrackingEnv

    env = TrackingEnv(cfg, device=device, mode="refine", seed=args.seed)  # every clip from frame 0
    env.reset()
    lib, ep = env.lib, env.ep
    steps = args.play_steps or int(lib.lengths.max())  # None: one pass of the longest clip
    pen_sum, pen_max, agree, counted = 0.0, 0.0, 0, 0
    ids = torch.arange(env.num_envs, device=device)
    recorder = _video_recorder(args, env, steps)
    lengths = lib.clip_length(ep.clip)
    for t in range(steps):
        frames = torch.minimum(torch.full_like(ep.clip, t), lengths - 1)
        s0 = lib.initial_state(ep.clip, frames)
        zero = torch.zeros_like
        env.sim.reset(
            ids,
            s0["dof_pos"],
            zero(s0["dof_vel"]),
            s0["obj_pos"],
            s0["obj_rot"],
            zero(s0["obj_lin_vel"]),
            zero(s0["obj_ang_vel"]),
        )
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
    print(
        f"[hot] penetration mean {pen_sum / n:.2f} mm, max {pen_max:.2f} mm; "
        f"contact label vs geometric contact agreement {100.0 * agree / max(counted, 1):.1f}% of labelled frames"
    )
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    if getattr(args, "save_video", ""):
        from hot.viz.gl import select_gl_backend

        # first of all: mujoco binds its GL backend when it is imported, and resolving the config
        # below already imports it (hand and object assets)
        select_gl_backend()
    if args.postproc_hopdata:
        raise ConfigError(
            "--postproc_hopdata: use `python -m hot.motion.fk --path DIR --hand HAND` (writes DIR_kp)"
        )
    if args.test and args.task != "OpenLoop":
        resolve_test_checkpoint(args)
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
    device = pick_device(args.device)
    torch.manual_seed(args.seed)
    if args.play_dataset:
        return play_dataset_mode(args, cfg, device)
    if args.test or args.task == "OpenLoop":
        return test_mode(args, cfg, device)
    if args.load_run is not None:
        raise ConfigError(
            "--load_run picks a run to test: add --test (training continues a run with --resume_from)"
        )
    return train_mode(args, cfg, device)
