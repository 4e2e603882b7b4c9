"""Stable resting poses of an object on the platform (upstream ``free_drop.py`` / ``free_drop_test.py``).

Procedure (batched with ``mujoco.batch`` on the scene from ``hot.sim.scene.compile_scene``, the
hand parked 2 m up and out of reach):

1. drop ``num_drops`` copies with uniformly random orientations from a few centimetres above the
   platform, simulate ``settle_s`` seconds;
2. describe each final orientation by the world "up" axis seen in the object frame,
   ``u = Rᵀ e_z``: two orientations differ only by a rotation about z exactly when their ``u``
   agree. Greedy clustering: the most frequent direction (within ``cluster_tol`` rad) first;
3. the representative of a cluster is its member closest to the cluster's mean ``u``, with its
   yaw removed (heading = 0);
4. verification: every representative is re-set at its resting height and simulated again for
   ``verify_s``; it is kept if it moved less than ``verify_pos_tol`` / ``verify_rot_tol``;
5. at most ``max_poses`` poses are kept, most frequent first, and cached as ``.npz``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from hot.assets.hands.base import HandModel
from hot.sim.worlds import new_batch
from hot.utils.files import atomic_write
from hot.utils.rotations import (
    heading_quat_inv,
    quat_diff_angle,
    quat_mul,
    quat_normalize,
    quat_rotate_inv,
)

if TYPE_CHECKING:
    from hot.sim.scene import SceneOptions

__all__ = ["StablePoseConfig", "StablePoses", "find_stable_poses", "load_or_find_stable_poses"]


@dataclass
class StablePoseConfig:
    """Settings of the drop test."""

    num_drops: int = 256
    settle_s: float = 2.0
    cluster_tol: float = 0.1
    """Max angle (rad) between up-axes of one cluster."""
    verify_s: float = 1.0
    verify_pos_tol: float = 0.005
    verify_rot_tol: float = 0.05
    max_poses: int = 30
    min_count: int = 2
    """Clusters seen fewer times are dropped (single outliers are usually still rocking)."""
    nthread: int = 0


@dataclass
class StablePoses:
    """Stable poses of one object (world frame, platform from ``hot.sim.scene.SceneOptions``).

    Attributes:
        quat: (S, 4) wxyz resting orientations, heading removed.
        z: (S,) resting height of the object origin (world).
        count: (S,) how many drops ended in the pose.
    """

    quat: np.ndarray
    z: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return int(len(self.z))

    def save(self, path: str | os.PathLike) -> None:
        with atomic_write(path, "wb") as f:
            np.savez(f, quat=self.quat, z=self.z, count=self.count)

    @classmethod
    def load(cls, path: str | os.PathLike) -> StablePoses:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(quat=z["quat"], z=z["z"], count=z["count"])
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read stable poses ({exc})") from exc


def _random_quats(n: int, rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    return q * np.where(q[:, :1] < 0, -1.0, 1.0)


def _simulate(model, index, pos: np.ndarray, quat: np.ndarray, seconds: float, nthread: int):
    n = len(pos)
    sim = new_batch(model, nsim=n, nthread=nthread)
    qpos, qvel = sim.bind("qpos"), sim.bind("qvel")
    ctrl = sim.bind("ctrl")
    q0 = np.tile(model.qpos0, (n, 1))
    park = np.zeros(len(index.dof_qpos_adr))
    park[2] = 1.5  # wrist tz: hand 2 m up, far from the object
    q0[:, index.dof_qpos_adr] = park
    q0[:, index.obj_qpos_adr[:3]] = pos
    q0[:, index.obj_qpos_adr[3:]] = quat
    qpos[:] = q0
    qvel[:] = 0.0
    c = np.zeros((n, model.nu))
    c[:, index.actuator_ids] = park
    ctrl[:] = c
    sim.step(nstep=int(round(seconds / model.opt.timestep)))
    out = qpos.copy()
    speed = np.abs(qvel[:, index.obj_qvel_adr]).max(-1)
    return out[:, index.obj_qpos_adr[:3]], out[:, index.obj_qpos_adr[3:]], speed


def find_stable_poses(
    hand: HandModel,
    obj,
    scale: float = 1.0,
    seed: int = 0,
    cfg: StablePoseConfig | None = None,
    scene: SceneOptions | None = None,
):
    """Run the drop test (``scene``: physics options, the project's defaults if None); returns
    :class:`StablePoses` (possibly empty)."""
    from hot.sim.scene import SceneOptions, compile_scene

    cfg = cfg or StablePoseConfig()
    opts = scene or SceneOptions()
    model, index = compile_scene(hand, obj, scale, opts)
    top = opts.platform_z + opts.platform_size[2] / 2
    radius = float(max(np.linalg.norm(h.vertices, axis=-1).max() for h in _hulls(obj, scale)))
    rng = np.random.default_rng(seed)
    quat0 = _random_quats(cfg.num_drops, rng)
    pos0 = np.zeros((cfg.num_drops, 3))
    pos0[:, :2] = rng.uniform(-0.3, 0.3, size=(cfg.num_drops, 2))
    pos0[:, 2] = top + radius + 0.01
    pos, quat, speed = _simulate(model, index, pos0, quat0, cfg.settle_s, cfg.nthread)
    q = quat_normalize(torch.tensor(quat))
    ez = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64).expand(len(q), 3)
    up = quat_rotate_inv(q, ez).numpy()
    ok = (speed < 0.05) & np.isfinite(up).all(-1) & (pos[:, 2] > top - 0.01)
    remaining = np.nonzero(ok)[0]
    cos_tol = math.cos(cfg.cluster_tol)
    reps, counts = [], []
    while len(remaining):
        sims = up[remaining] @ up[remaining].T > cos_tol
        sizes = sims.sum(1)
        best = int(np.argmax(sizes))  # lowest index among ties: deterministic
        members = remaining[sims[best]]
        if len(members) < cfg.min_count:
            break
        mean = up[members].mean(0)
        mean /= np.linalg.norm(mean)
        rep = members[int(np.argmax(up[members] @ mean))]
        reps.append(rep)
        counts.append(len(members))
        remaining = remaining[~sims[best]]
    if not reps:
        return StablePoses(quat=np.zeros((0, 4)), z=np.zeros(0), count=np.zeros(0, np.int64))
    rq = q[reps]
    rq = quat_normalize(quat_mul(heading_quat_inv(rq), rq))  # remove yaw
    rz = pos[reps, 2]
    # verification: re-set at rest and simulate again
    vpos = np.zeros((len(reps), 3))
    vpos[:, 2] = rz + 0.0005
    fpos, fquat, _ = _simulate(model, index, vpos, rq.numpy(), cfg.verify_s, cfg.nthread)
    moved = np.linalg.norm(fpos - vpos, axis=-1)
    turned = quat_diff_angle(torch.tensor(fquat), rq).numpy()
    keep = (moved < cfg.verify_pos_tol) & (turned < cfg.verify_rot_tol)
    idx = np.nonzero(keep)[0][: cfg.max_poses]
    return StablePoses(quat=rq.numpy()[idx], z=rz[idx], count=np.asarray(counts, dtype=np.int64)[idx])


def _hulls(obj, scale: float):
    import trimesh

    meshes = []
    for p in obj.hull_paths:
        m = trimesh.load(str(p), force="mesh", process=True)
        m.apply_scale(scale)
        meshes.append(m)
    return meshes


def load_or_find_stable_poses(
    hand: HandModel,
    obj,
    cache_path: str | os.PathLike,
    scale: float = 1.0,
    seed: int = 0,
    cfg: StablePoseConfig | None = None,
    scene: SceneOptions | None = None,
) -> StablePoses:
    """Read the cached poses at ``cache_path`` or run :func:`find_stable_poses` and cache them."""
    cache_path = Path(cache_path)
    if cache_path.exists():
        return StablePoses.load(cache_path)
    poses = find_stable_poses(hand, obj, scale, seed, cfg, scene)
    poses.save(cache_path)
    return poses
