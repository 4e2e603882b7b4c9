"""Videos of any task's rollouts from its blocks of worlds: the first envs tiled into one H.264 file.

Tracking records through :class:`hot.viz.recorder.VideoRecorder` (reference ghost, key bodies); a task
without references (in-hand rotation) records its simulated worlds as they are with :class:`WorldsRecorder`:
each block (:class:`hot.sim.worlds.CpuWorlds` or ``WarpWorlds``, one compiled model per object scale) is
rendered from its model and the env's ``qpos`` row, with the same video writer, tiling and captions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import mujoco
import numpy as np

from hot.viz.render import _make_renderer, draw_caption, tile
from hot.viz.video import VideoWriter

__all__ = ["WorldsRecorder"]


class WorldsRecorder:
    """Renders envs ``0 .. num_envs - 1`` of ``blocks`` (each with ``.model``, ``.ids`` (range of env ids) and
    ``.qpos`` (rows of its envs)) to ``path`` with a fixed camera at ``lookat``.

    Call :meth:`capture` once per control step, then :meth:`close` (or :meth:`abort`: no partial file).
    """

    def __init__(
        self,
        blocks: Sequence,
        path: str | os.PathLike,
        num_envs: int = 1,
        width: int = 640,
        height: int = 480,
        fps: float = 30.0,
        lookat: Sequence[float] = (0.0, 0.0, 0.5),
        distance: float = 0.45,
        azimuth: float = 135.0,
        elevation: float = -30.0,
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"--video_envs must be >= 1, got {num_envs}")
        self.blocks = list(blocks)
        total = sum(len(b.ids) for b in self.blocks)
        self.env_ids = list(range(min(num_envs, total)))
        self.writer = VideoWriter(path, fps=fps)
        self.width, self.height = int(width), int(height)
        self._scenes: dict[int, tuple[mujoco.MjData, mujoco.Renderer]] = {}
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FREE
        self.camera.lookat[:] = lookat
        self.camera.distance, self.camera.azimuth, self.camera.elevation = distance, azimuth, elevation

    def _block(self, env: int) -> tuple[int, int]:
        for k, b in enumerate(self.blocks):
            if env in b.ids:
                return k, env - b.ids.start
        raise IndexError(f"env {env} is in no block")

    def _scene(self, k: int) -> tuple[mujoco.MjData, mujoco.Renderer]:
        if k not in self._scenes:
            model = self.blocks[k].model
            self._scenes[k] = (mujoco.MjData(model), _make_renderer(model, self.width, self.height))
        return self._scenes[k]

    def capture(self, captions: Sequence[str] | None = None) -> None:
        """Append one frame: every shown env in its current state (``captions``: one line per env)."""
        tiles = []
        for j, e in enumerate(self.env_ids):
            k, row = self._block(e)
            data, renderer = self._scene(k)
            data.qpos[:] = np.asarray(self.blocks[k].qpos[row])
            mujoco.mj_kinematics(self.blocks[k].model, data)
            renderer.update_scene(data, self.camera)
            frame = renderer.render()
            if captions:
                frame = draw_caption(frame, captions[j])
            tiles.append(frame)
        self.writer.write(tile(tiles))

    def _close_renderers(self) -> None:
        for _, r in self._scenes.values():
            r.close()
        self._scenes.clear()

    def close(self) -> Path | None:
        """Finish the video; returns its path (None if nothing was recorded)."""
        self._close_renderers()
        return self.writer.close()

    def abort(self) -> None:
        """Stop without leaving a partial file."""
        self._close_renderers()
        self.writer.abort()
