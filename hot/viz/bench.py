"""Rendering speed: ``python -m hot.viz.bench [--hand mano] [--size 640x480] [--frames 60] [--no_shadows]``.

Renders the first frames of a shipped grasp clip of ``--hand`` + Bottle (ghost offset by 3 cm so
it is drawn, tracking camera, caption) and reports frames per second after the first frame, and
the first frame's cost (render-model compile + GL context). Separate from ``hot.bench`` because
the OpenGL backend must be chosen before ``mujoco`` is imported.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

__all__ = ["RenderBenchResult", "bench_render", "main"]


@dataclass
class RenderBenchResult:
    """Result of :func:`bench_render`."""

    backend: str
    hand: str
    width: int
    height: int
    frames: int
    first_frame_s: float
    """Render-model compile + GL context + first frame."""
    frames_per_s: float
    """Steady-state frames per second (pose + render + caption)."""


def bench_render(
    hand: str = "mano", width: int = 640, height: int = 480, frames: int = 60, shadows: bool = True
) -> RenderBenchResult:
    """Time :class:`~hot.viz.render.SceneRenderer` on a shipped clip (see the module docstring)."""
    from hot.viz.gl import select_gl_backend

    backend = select_gl_backend()
    import mujoco
    import numpy as np

    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.config.resolve import REPO_ROOT
    from hot.motion.dataset import MotionLibrary
    from hot.viz.render import SceneRenderer, TrackingCamera, View

    h = get_hand(hand)
    folder = REPO_ROOT / f"hot/data/motions/dexgrasp_train_{h.name}/bottle/grasp_higher_kp"
    lib = MotionLibrary.from_folder(folder, num_dofs=h.num_dofs, num_key_bodies=h.num_key_bodies)
    length = int(lib.lengths[0])

    def view(t: int) -> View:
        f = min(t, length - 1)
        obj_pos = lib.obj_pos[0, f].double().numpy()
        return View(
            dof_pos=lib.dof_pos[0, f].double().numpy(),
            obj_pos=obj_pos,
            obj_rot=lib.obj_rot[0, f].double().numpy(),
            ref_obj_pos=obj_pos + np.array([0.03, 0.0, 0.0]),
            ref_obj_rot=lib.obj_rot[0, f].double().numpy(),
            ref_key_pos=lib.key_pos[0, f].double().numpy(),
            label=int(lib.contact[0, f]),
            caption=f"bench {t}",
        )

    renderer = SceneRenderer(h, get_object("Bottle"), width, height)
    cam = TrackingCamera()
    t0 = time.perf_counter()
    renderer.scene(1.0).renderer.scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = shadows
    renderer.render(view(0), cam)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in range(1, frames + 1):
        renderer.render(view(t), cam)
    rate = frames / (time.perf_counter() - t0)
    renderer.close()
    return RenderBenchResult(backend, h.name, width, height, frames, first, rate)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m hot.viz.bench", description=(__doc__ or "").partition("\n")[0]
    )
    p.add_argument("--hand", default="mano", choices=["mano", "shadow", "allegro"])
    p.add_argument("--size", default="640x480", help="tile size WxH")
    p.add_argument("--frames", type=int, default=60, help="frames to time after the first one")
    p.add_argument("--no_shadows", action="store_true", help="render without shadows")
    args = p.parse_args(argv)
    from hot.utils.argtypes import parse_size

    w, h = parse_size(args.size, "--size", "python -m hot.viz.bench")
    r = bench_render(args.hand, w, h, args.frames, shadows=not args.no_shadows)
    print(
        f"[hot] render {r.hand} + Bottle at {r.width}x{r.height} (MUJOCO_GL={r.backend}, "
        f"shadows {'off' if args.no_shadows else 'on'}): {r.frames_per_s:.1f} frames/s over {r.frames} frames; "
        f"first frame {r.first_frame_s:.2f} s (compile + GL context)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
