"""Tiny MANO teachers for the distillation tests: random networks saved as real ``hot`` checkpoints."""

from __future__ import annotations

from pathlib import Path

import torch

from hot.cli.upstream_args import parse_args
from hot.learning import adapter
from hot.learning import checkpoint as ckpt
from hot.tasks.tracking.env import TrackingEnv
from hot.tasks.tracking.resolve import resolve_env_config

REPO = Path(__file__).resolve().parents[2]
GMP = REPO / "hot/data/motions/dexgrasp_train_mano_gmp"
ENV_FLAGS = (
    "--cfg_env hot/data/cfg/mano/mano_stage1_precise_track.yaml --enable_obj_keypoints --enable_ig_scale "
    "--use_res_action --enable_dof_obs --hand_model mano"
)


def make_env(objects=("Bottle",), motion=None, num_envs=4, mode="train", seed=0, extra="") -> TrackingEnv:
    motion = motion or (GMP / objects[0].lower() if len(objects) == 1 else GMP)
    args = parse_args(
        f"{ENV_FLAGS} --num_envs {num_envs} --motion_file {motion} --objnames {' '.join(objects)} {extra}".split()
    )
    cfg = resolve_env_config(args)
    cfg.env.dense_obj = True
    return TrackingEnv(cfg, mode=mode, seed=seed)


def tiny_train_cfg(units=(32, 16)) -> dict:
    cfg = adapter.load_train_cfg(REPO / "hot/data/cfg/train/rlg/skillmimic_denseobj_cpu.yaml")
    p = cfg["params"]
    p["torch_threads"] = 1
    p["network"]["mlp"]["units"] = list(units)
    p["config"].update(horizon_length=8, minibatch_size=32, mini_epochs=1, save_frequency=0)
    return cfg


def save_tiny_teacher(env: TrackingEnv, path: Path, seed: int, units=(32, 16)) -> Path:
    """A randomly initialised teacher for ``env`` with random observation statistics."""
    torch.manual_seed(seed)
    params, resolved = adapter.build_params(env, tiny_train_cfg(units), path.parent / "run", None, seed)
    model = adapter.build_model(resolved, env.num_obs, env.num_actions)
    g = torch.Generator().manual_seed(seed)
    rms = model.running_mean_std
    rms.running_mean.copy_(torch.randn(env.num_obs, generator=g) * 0.1)
    rms.running_var.copy_(torch.rand(env.num_obs, generator=g) + 0.5)
    meta = adapter.env_meta(env, resolved)
    return ckpt.save_checkpoint(path, {"model": model.state_dict(), "epoch": 0}, meta)
