"""Turn command-line flags + the env YAML into one resolved :class:`TrackingCfg` (upstream ``load_cfg``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Literal

from hot.config.resolve import resolve_path
from hot.config.strict import from_dict, to_dict
from hot.tasks.tracking.config import TrackingCfg, load_env_config

__all__ = ["resolve_env_config"]


def _resolve_backend(args: argparse.Namespace, from_yaml: str) -> Literal["mujoco", "mjwarp"]:
    """``--sim`` if given, else the env YAML's ``sim.backend``; ``auto`` resolved for ``--device``. Prints the choice."""
    from hot.sim import pick_backend  # torch and mujoco: imported only once a run is set up

    requested = args.sim or from_yaml
    backend, why = pick_backend(requested, args.device)
    if args.sim and args.sim != "auto":
        why = f"--sim {args.sim}"
    elif requested != "auto":
        why = f"sim.backend: {requested} in {Path(args.cfg_env).name}; --sim auto picks by hardware"
    print(f"[hot] sim backend: {backend} ({why})")
    return backend


def resolve_env_config(args: argparse.Namespace) -> TrackingCfg:
    """Load ``--cfg_env`` strictly and apply the CLI overrides, as upstream does."""
    cfg = load_env_config(resolve_path(args.cfg_env, "--cfg_env"))
    env = cfg.env
    if args.num_envs is not None:
        env.num_envs = args.num_envs
    if args.episode_length is not None:
        env.episode_length = args.episode_length
    if args.hand_model:
        env.hand_model = args.hand_model
    if args.objnames:
        env.object_names = list(args.objnames)
    if args.motion_file:
        env.motion_file = str(resolve_path(args.motion_file, "--motion_file"))
    if args.refined_motion_file:
        env.refined_motion_file = str(resolve_path(args.refined_motion_file, "--refined_motion_file"))
    if args.state_init != "Random":
        env.state_init = str(args.state_init)
    if args.state_noise_prob is not None:
        env.state_noise_prob = args.state_noise_prob
    # upstream copies these booleans into the config, overriding the YAML
    env.enable_obj_keypoints = bool(args.enable_obj_keypoints)
    env.enable_ig_scale = bool(args.enable_ig_scale)
    env.enable_dof_obs = bool(args.enable_dof_obs)
    env.enable_early_termination = bool(args.enable_early_termination)
    env.obj_rand_scale = bool(args.obj_rand_scale) or env.obj_rand_scale
    if args.use_delta_action:
        env.action_mode = "delta"
    elif args.use_res_action:
        env.action_mode = "residual"
    if args.frames_scale is not None:
        env.data_fps = 60.0 * args.frames_scale
    for name in ("cg1", "cg2", "ig", "op"):
        v = getattr(args, name)
        if v is not None:
            setattr(env.reward_weights, name, float(v))
    cfg.sim.backend = _resolve_backend(args, cfg.sim.backend)
    # validate the result as a whole (types, ranges, cross-field checks), as if it had been read from a file
    return from_dict(TrackingCfg, to_dict(cfg), source=f"{args.cfg_env} + flags")
