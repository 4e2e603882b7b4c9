"""Videos of test rollouts and of kinematic dataset replays: envs tiled into one H.264 file.

:class:`VideoRecorder` is a :class:`~hot.tasks.tracking.evaluate.RolloutObserver` (``--test --save_video``) and
is also fed directly by ``--play_dataset``. Each tile shows one env: the simulated hand and
object, the reference object as a translucent ghost, the reference key bodies as small spheres,
the object coloured by the reference contact label, and a caption (env, skill, step, label).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from hot.sim.state import RefFrame, SimState
from hot.viz.render import LABEL_NAMES, SceneRenderer, TrackingCamera, View, tile
from hot.viz.video import VideoWriter

__all__ = ["VideoRecorder", "make_views", "short_skill"]


def short_skill(skill_dir: str) -> str:
    """``"grasp_higher_kp"`` -> ``"grasp"``: the skill word of a skill folder name."""
    return skill_dir.split("_", 1)[0] or skill_dir


def make_views(
    state: SimState,
    ref: RefFrame | None,
    env_ids: list[int],
    scales: torch.Tensor,
    captions: list[str] | None = None,
) -> list[View]:
    """One :class:`View` per env in ``env_ids`` from a simulator state and its reference frame.

    Args:
        state: (N, ...) simulator state.
        ref: (N, ...) the reference frame ``state`` is compared with, or None (no ghost, grey object).
        env_ids: which envs to show.
        scales: (N,) object scale per env.
        captions: one caption per entry of ``env_ids`` (or None).
    """

    def np_(t: torch.Tensor) -> np.ndarray:
        return t.detach().to("cpu", torch.float64).numpy()

    dof, opos, orot = np_(state.dof_pos[env_ids]), np_(state.obj_pos[env_ids]), np_(state.obj_rot[env_ids])
    if ref is not None:
        rpos, rrot, rkey = np_(ref.obj_pos[env_ids]), np_(ref.obj_rot[env_ids]), np_(ref.key_pos[env_ids])
        valid = ref.valid[env_ids].cpu().numpy()
        label = ref.contact[env_ids].round().long().cpu().numpy()
    sc = scales.detach().cpu().numpy()
    views = []
    for j, e in enumerate(env_ids):
        has_ref = ref is not None and bool(valid[j])
        views.append(
            View(
                dof_pos=dof[j],
                obj_pos=opos[j],
                obj_rot=orot[j],
                ref_obj_pos=rpos[j] if has_ref else None,
                ref_obj_rot=rrot[j] if has_ref else None,
                ref_key_pos=rkey[j] if has_ref else None,
                label=int(label[j]) if has_ref else -1,
                scale=float(sc[e]),
                caption=captions[j] if captions else "",
            )
        )
    return views


class VideoRecorder:
    """Render the first ``num_envs`` envs of a :class:`~hot.tasks.tracking.env.TrackingEnv` into one video.

    Args:
        env: the env (for the hand, object, scales, clip names and control rate).
        path: output ``.mp4``.
        num_envs: how many envs to tile (the first ones; capped at ``env.num_envs``).
        width, height: size of one tile in pixels.
        fps: frame rate; default one frame per control step (1 / ``env.control_dt``).
        total_frames: expected number of frames, for the progress bar's ETA.
        show_progress: show a tqdm bar.
    """

    def __init__(
        self,
        env,
        path: str | os.PathLike,
        num_envs: int = 1,
        width: int = 640,
        height: int = 480,
        fps: float | None = None,
        total_frames: int | None = None,
        show_progress: bool = True,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"--video_envs must be >= 1, got {num_envs}")
        self.env = env
        self.env_ids = list(range(min(num_envs, env.num_envs)))
        self.renderer = SceneRenderer(env.hand, env.obj, width, height)
        self.cameras = [TrackingCamera() for _ in self.env_ids]
        self.writer = VideoWriter(path, fps=fps or 1.0 / env.control_dt)
        skill_dirs = env.clip_skill_dirs()
        self.skills = [short_skill(d) for d in skill_dirs]
        self.bar = tqdm(
            total=total_frames, desc="render", unit="frame", disable=not show_progress, leave=True
        )

    # -------------------------------------------------------------- RolloutObserver
    def on_reset(self, env) -> None:
        for c in self.cameras:
            c.reset()
        ep = env.ep
        ref = env.lib.ref_frames(ep.clip, ep.start)
        self.capture(env.last_state, ref, ep.progress, torch.ones(env.num_envs, dtype=torch.bool))

    def on_step(self, env, active: torch.Tensor, info: dict) -> None:
        self.capture(env.last_state, env.last_ref, env.ep.progress, active)

    # -------------------------------------------------------------- frames
    def captions(
        self, steps: torch.Tensor, lengths: torch.Tensor, ref: RefFrame | None, active: torch.Tensor
    ) -> list[str]:
        """``"env 0 grasp 35/180 in contact"`` per shown env (``ended`` once its episode is over)."""
        ep = self.env.ep
        out = []
        for e in self.env_ids:
            clip = int(ep.clip[e])
            text = f"env {e} {self.skills[clip]} {int(steps[e])}/{int(lengths[e])}"
            if ref is not None and bool(ref.valid[e]):
                text += f" {LABEL_NAMES.get(int(ref.contact[e].round()), '?')}"
            if not bool(active[e]):
                text += " (ended)"
            out.append(text)
        return out

    def capture(
        self,
        state: SimState,
        ref: RefFrame | None,
        steps: torch.Tensor,
        active: torch.Tensor,
        lengths: torch.Tensor | None = None,
    ) -> None:
        """Render the shown envs of ``state`` (with ``ref`` as ghost) and append one frame.

        ``steps``/``lengths`` (N,) go into the captions (default lengths: the episode lengths);
        ``active`` (N,) False marks envs whose episode has ended.
        """
        lengths = self.env.ep.length if lengths is None else lengths
        captions = self.captions(steps.cpu(), lengths.cpu(), ref, active.cpu())
        views = make_views(state, ref, self.env_ids, self.env.sim.object_scales, captions)
        tiles = [self.renderer.render(v, c) for v, c in zip(views, self.cameras, strict=True)]
        self.writer.write(tile(tiles))
        self.bar.update(1)

    def close(self) -> Path | None:
        """Finish the video; returns its path (None if nothing was recorded)."""
        self.bar.total = self.bar.n  # episodes may end before the expected frame count
        self.bar.close()
        self.renderer.close()
        return self.writer.close()

    def abort(self) -> None:
        """Stop without leaving a partial file."""
        self.bar.close()
        self.renderer.close()
        self.writer.abort()
