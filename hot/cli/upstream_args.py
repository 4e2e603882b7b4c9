"""Command-line flags of ``hot/run.py``: the upstream HOT flags that mean something on MuJoCo.

Upstream commands (README of the Isaac Gym original) run as written. Flags that only made sense
with Isaac Gym are refused with a message saying why and what to use instead, never ignored.
"""

from __future__ import annotations

import argparse
import sys

from hot.utils.argtypes import parse_size

__all__ = ["build_parser", "parse_args", "parse_size", "check_ranges", "RANGES", "MEANINGLESS_FLAGS", "TASKS"]

TASKS = (
    "SkillMimicHandRand",
    "SkillMimic2BallPlayReweight",
    "SkillMimicBallPlay",
    "OpenLoop",
    "MultiSkillMimicHandRand",
    "Distill",
    "MultiObjDistill",
)

# upstream flag -> why it is refused here
MEANINGLESS_FLAGS: dict[str, str] = {
    "--physics_engine": "Isaac Gym's PhysX/Flex switch; physics here is MuJoCo (use --sim mujoco|mjwarp)",
    "--sim_device": "Isaac Gym's simulation device; use --sim and --device",
    "--rl_device": "use --device",
    "--pipeline": "Isaac Gym's CPU/GPU tensor pipeline; use --sim and --device",
    "--graphics_device_id": "Isaac Gym viewer device; rendering is headless MuJoCo here (--save_video)",
    "--num_threads": "PhysX worker threads; MuJoCo's thread count is sim.nthread in the env YAML",
    "--subscenes": "PhysX subscenes do not exist in MuJoCo",
    "--slices": "PhysX client threads do not exist in MuJoCo",
    "--horovod": "use torchrun for multi-GPU training",
    "--reweight": "reward-driven clip reweighting is not implemented (upstream's released scripts do not use it)",
    "--reweight_alpha": "reward-driven clip reweighting is not implemented",
    "--disable_time_reweight": "reward-driven clip reweighting is not implemented",
    "--state_switch_prob": "stored but never used by the upstream HOT tasks",
    "--obj_rand_force": "has no consumer in upstream HOT (applyDisturbance is never read)",
    "--init_vel": "unused upstream",
    "--enable_future_target_obs": "future-target observations are not implemented (unused by released scripts)",
    "--save_images": "viewer frame dumps are Isaac Gym specific; use --save_video PATH.mp4",
    "--projtype": "SkillMimic humanoid projectile option, meaningless for hands",
    "--llc_checkpoint": "SkillMimic hierarchical-controller option, meaningless for hands",
    "--randomize": "IsaacGymEnvs domain randomisation; use --obj_rand_scale / --state_noise_prob",
    "--torch_deterministic": "use --seed; runs are deterministic for a seed on the CPU backend",
    "--metadata": "IsaacGymEnvs option, unused by HOT",
    "--logdir": "use --output_path",
    "--task_type": "IsaacGymEnvs option, unused by HOT",
    "--resume": "use --resume_from CHECKPOINT",
    "--eval_randskill": "copied into the config upstream but never used by HOT tasks",
    "--state_search_to_align_reward": "copied into the config upstream but never used by HOT tasks",
    "--build_blender_motion": "Blender export is not part of this port",
    "--blender_motion_length": "Blender export is not part of this port",
    "--blender_motion_name": "Blender export is not part of this port",
    "--show_keypos": "not an upstream flag either (mentioned only in its DATA_GENERATION.md)",
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="hot/run.py",
        description="Train or test HOT hand-object tracking policies on MuJoCo (upstream-compatible flags).",
    )
    a = p.add_argument
    a("--task", default="SkillMimicHandRand", choices=TASKS, help="environment task")
    a("--cfg_env", default="hot/data/cfg/mano/mano_stage1_precise_track.yaml", help="env YAML")
    a("--cfg_train", default="hot/data/cfg/train/rlg/skillmimic_denseobj.yaml", help="rl-games train YAML")
    a("--motion_file", default="", help="a .pt clip or a folder of clips (searched recursively)")
    a("--refined_motion_file", default="", help="distillation: refined clips mirroring --motion_file")
    a(
        "--refined_motion_as_obs",
        action="store_true",
        help="distillation: student targets from refined motion",
    )
    a(
        "--hand_model",
        default=None,
        choices=["mano", "shadow", "allegro"],
        help="hand (default: the env YAML's)",
    )
    a("--objnames", nargs="+", default=None, help="object asset names, e.g. Bottle")
    a("--num_envs", type=int, default=None, help="override env.num_envs (>= 1)")
    a("--episode_length", type=int, default=None, help="override env.episode_length (>= 2)")
    a("--state_init", default="Random", help="'Random' or a start frame N >= 2")
    a("--state_noise_prob", type=float, default=None, help="probability of each start-state noise term")
    a("--enable_obj_keypoints", action="store_true", help="object keypoints in the observation")
    a("--enable_ig_scale", action="store_true", help="distance-dependent interaction-graph weight")
    a("--use_delta_action", action="store_true", help="wrist PD target = current wrist DoF + action")
    a("--use_res_action", action="store_true", help="PD target = reference DoF + action")
    a("--enable_dof_obs", action="store_true", help="target contact / DoF / DoF-residual observation blocks")
    a("--enable_early_termination", action="store_true", help="error-based early termination")
    a("--obj_rand_scale", action="store_true", help="independent random object scale per env")
    a("--headless", action="store_true", help="accepted for compatibility: everything here runs headless")
    a(
        "--test",
        action="store_true",
        help="run deterministic test rollouts with --checkpoint and report metrics",
    )
    a("--play", action="store_true", help="alias of --test")
    a(
        "--checkpoint",
        default="",
        help="policy checkpoint for --test (a file, a run folder, or 'shipped': the shipped policy for "
        "--hand_model / --objnames); in training: start from its weights at epoch 0 (fine-tuning; "
        "--resume_from continues a run)",
    )
    a("--resume_from", default="", help="resume training from this checkpoint")
    a(
        "--load_run",
        "--load-run",
        default=None,
        help="test: the newest checkpoint of a run under --output_path: -1 (newest run; with --experiment, "
        "newest of that name), a run name or a run folder",
    )
    a(
        "--max_iterations",
        type=int,
        default=None,
        help="override max_epochs (>= 1; counts resumed epochs too)",
    )
    a("--horizon_length", type=int, default=None, help="override the PPO horizon (>= 1)")
    a("--minibatch_size", type=int, default=None, help="override the PPO minibatch (>= 1)")
    a("--save_refined_data", action="store_true", help="test: save successful rollouts as refined motion")
    a("--play_dataset", action="store_true", help="kinematic replay of the clips (no policy)")
    a("--postproc_hopdata", action="store_true", help="fill key-body positions (_kp); see hot.motion.fk")
    a("--seed", type=int, default=0, help="random seed")
    a("--experiment", default="Base", help="run name (checkpoint prefix)")
    a("--output_path", default="output/", help="where runs are written")
    a("--frames_scale", type=float, default=None, help="override the data frame-rate scale (> 0)")
    a("--ball_size", type=float, default=0.0, help="global object scale when > 0")
    for w in ("cg1", "cg2", "ig", "op"):
        a(f"--{w}", type=float, default=None, help=f"override reward weight {w} (>= 0)")
    a(
        "--sim",
        default=None,
        choices=["auto", "mujoco", "mjwarp"],
        help="physics backend (default: the env YAML's sim.backend, whose default is auto: mjwarp with "
        "CUDA and hot[gpu], else mujoco)",
    )
    a("--device", default=None, help="torch device for policy and tensors (default: cuda if available)")
    a(
        "--multi_gpu",
        action="store_true",
        help="training under torchrun: one process per GPU (cuda:LOCAL_RANK; gloo on CPU), seed + rank, "
        "gradients averaged, rank 0 writes the run",
    )
    a("--test_rounds", type=int, default=1, help="test: rounds of num_envs episodes")
    a("--results", default="", help="test: write results (JSON + CSV) with this path prefix")
    a(
        "--play_steps",
        type=int,
        default=None,
        help="play_dataset: steps to replay (default: one pass of the longest clip)",
    )
    a(
        "--save_video",
        default="",
        metavar="PATH.mp4",
        help="test / play_dataset: write an H.264 video (hand, object, reference ghost) of the first --video_envs envs",
    )
    a("--video_envs", type=int, default=1, help="envs tiled into the --save_video video")
    a("--video_size", default="640x480", metavar="WxH", help="size of one env's tile in the video")
    a(
        "--plot_episodes",
        type=int,
        default=8,
        help="test with --results: per-episode tracking-error plots for this many episodes",
    )
    return p


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse flags; refuse Isaac-Gym-only flags with a reason."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # a blank argument is a shell artefact (upstream's README has `--episode_length 180 \ ` with a space
    # after the backslash, which passes ' '): ignore it rather than fail on a positional argument
    argv = [tok for tok in argv if tok.strip()]
    for tok in argv:
        flag = tok.split("=", 1)[0]
        if flag in MEANINGLESS_FLAGS:
            raise SystemExit(
                f"hot/run.py: error: {flag} means nothing in this MuJoCo port: {MEANINGLESS_FLAGS[flag]}"
            )
    args = build_parser().parse_args(argv)
    if args.play:
        args.test = True
    if args.use_delta_action and args.use_res_action:
        raise SystemExit("hot/run.py: error: --use_delta_action and --use_res_action are mutually exclusive")
    if args.save_video:
        if not (args.test or args.play_dataset or args.task == "OpenLoop"):
            raise SystemExit(
                "hot/run.py: error: --save_video records --test, --task OpenLoop or --play_dataset runs"
            )
        if not args.save_video.lower().endswith(".mp4"):
            raise SystemExit(
                f"hot/run.py: error: --save_video {args.save_video}: the file name must end in .mp4"
            )
        if args.video_envs < 1:
            raise SystemExit(f"hot/run.py: error: --video_envs must be >= 1, got {args.video_envs}")
    args.video_size = parse_size(args.video_size)
    check_ranges(args)
    _apply_multi_gpu(args)
    return args


RANGES: dict[str, tuple[float, float]] = {
    "num_envs": (1, 1 << 20),
    "episode_length": (2, 1 << 20),
    "max_iterations": (1, 1 << 30),
    "horizon_length": (1, 1 << 16),
    "minibatch_size": (1, 1 << 30),
    "frames_scale": (1e-3, 1e3),
    "state_noise_prob": (0.0, 1.0),
    "test_rounds": (1, 1 << 20),
    "play_steps": (1, 1 << 30),
    "plot_episodes": (0, 1 << 20),
    "video_envs": (1, 64),
    "ball_size": (0.0, 100.0),
    "cg1": (0.0, 1e6),
    "cg2": (0.0, 1e6),
    "ig": (0.0, 1e6),
    "op": (0.0, 1e6),
}
"""Allowed ``[low, high]`` of each numeric flag (None = not given, the config's value is used)."""


def check_ranges(args: argparse.Namespace) -> None:
    """SystemExit naming the first numeric flag outside its range (a value is never silently replaced)."""
    for name, (lo, hi) in RANGES.items():
        v = getattr(args, name, None)
        if v is None:
            continue
        if not lo <= v <= hi:
            raise SystemExit(f"hot/run.py: error: --{name} {v}: must be in [{lo:g}, {hi:g}]")


def _apply_multi_gpu(args: argparse.Namespace) -> None:
    """``--multi_gpu``: this rank's device and seed from torchrun's environment; refuse it anywhere else.

    The rank's seed is ``--seed + RANK`` (its env draws its own clips and noise, as upstream);
    the device is ``cuda:LOCAL_RANK`` (``--device cpu``: CPU processes with gloo).
    """
    import os

    world_size = os.environ.get("WORLD_SIZE")
    if not args.multi_gpu:
        if world_size not in (None, "1"):
            raise SystemExit(
                f"hot/run.py: error: started by torchrun with WORLD_SIZE={world_size}: add --multi_gpu "
                "to train one policy on all processes (otherwise each would train its own)"
            )
        return
    if args.test or args.play_dataset or args.task == "OpenLoop":
        raise SystemExit(
            "hot/run.py: error: --multi_gpu is for training; test and replay runs use one process"
        )
    from hot.learning import distributed

    try:
        world = distributed.from_env()
    except RuntimeError as e:
        raise SystemExit(f"hot/run.py: error: --multi_gpu: {e}") from None
    if world is None:
        raise SystemExit(
            "hot/run.py: error: --multi_gpu needs torchrun, e.g. torchrun --nproc_per_node=NUM_GPUS "
            "hot/run.py ... --multi_gpu (README, 'GPUs')"
        )
    try:
        args.device = distributed.cli_device(args.device, world)
    except ValueError as e:
        raise SystemExit(f"hot/run.py: error: {e}") from None
    args.seed = distributed.rank_seed(args.seed, world)
