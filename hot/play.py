"""Interactive viewer: ``python -m hot.play [hot/run.py flags] [--speed S] [--rounds N]``.

Opens MuJoCo's viewer (``mujoco.viewer.launch_passive``) on one env and either

* replays its clips kinematically (no ``--checkpoint``): the reference itself, frame by frame;
* or steps a policy (``--checkpoint CKPT``, or ``--task OpenLoop`` for open-loop replay), one
  episode per clip, with the reference drawn as a ghost (translucent object, key-body spheres).

The object's colour shows the reference contact label (green in contact, blue free, grey don't
care). It takes the flags of ``hot/run.py`` (``--motion_file``, ``--cfg_env``, ``--hand_model``,
``--objnames``, ``--checkpoint``, ...). It needs a display; on a headless machine use
``python hot/run.py --test ... --save_video out.mp4`` instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time

__all__ = ["main", "require_display", "DisplayUnavailableError"]

HEADLESS_HINT = (
    "on a headless machine write a video instead: python hot/run.py --test ... --save_video out.mp4"
)


class DisplayUnavailableError(RuntimeError):
    """The interactive viewer cannot open a window here."""


def require_display(environ: dict[str, str] | None = None, platform: str | None = None) -> None:
    """Raise :class:`DisplayUnavailableError` when the viewer cannot open a window.

    On Linux, DISPLAY or WAYLAND_DISPLAY must be set and GLFW must initialise. (The viewer
    initialises GLFW on its own thread and, when that fails, never returns; so it is tried here.)
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        raise DisplayUnavailableError(
            f"the interactive viewer needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set; {HEADLESS_HINT}"
        )
    if environ is not None:
        return  # a given environment is only checked, not tried
    try:
        import glfw
    except ImportError as exc:
        raise DisplayUnavailableError(f"the viewer needs the glfw package (pip install glfw): {exc}") from exc
    if not glfw.init():
        code, text = glfw.get_error()
        raise DisplayUnavailableError(f"GLFW cannot open a window ({text or code}); {HEADLESS_HINT}")


def _play_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--speed", type=float, default=1.0, help="playback speed (1 = real time)")
    p.add_argument(
        "--rounds", type=int, default=0, help="clips to play before exiting (0 = until the window closes)"
    )
    return p


def _viewer_loop(env, policy, speed: float, rounds: int) -> None:
    """Play episodes of env 0 in the viewer until it is closed (or after ``rounds`` episodes).

    ``policy`` None: kinematic replay of each whole clip; else the policy steps the simulator.
    """
    import mujoco.viewer
    import torch

    from hot.viz.recorder import make_views, short_skill
    from hot.viz.render import LABEL_NAMES, RenderModel

    rm = RenderModel(env.hand, env.obj, float(env.sim.object_scales[0]))
    skills = [short_skill(d) for d in env.clip_skill_dirs()]
    dt = env.control_dt / max(speed, 1e-3)
    scales = env.sim.object_scales
    with mujoco.viewer.launch_passive(rm.model, rm.data) as viewer:
        episode = 0
        while viewer.is_running() and (rounds <= 0 or episode < rounds):
            obs = env.reset()
            clip, start = int(env.ep.clip[0]), int(env.ep.start[0])
            length = int(env.lib.lengths[clip]) - start if policy is None else int(env.ep.length[0])
            for step in range(length):
                tick = time.perf_counter()
                done = False
                if policy is None:  # kinematic replay: draw the reference frame itself
                    ref = env.lib.ref_frames(env.ep.clip, env.ep.start + step)
                    view = make_views(_state_of(ref, env.last_state), ref, [0], scales)[0]
                elif step == 0:  # the start state, compared with the start frame
                    ref = env.lib.ref_frames(env.ep.clip, env.ep.start)
                    view = make_views(env.last_state, ref, [0], scales)[0]
                else:
                    with torch.no_grad():
                        obs, _, d, _ = env.step(policy(obs))
                    done = bool(d[0])
                    ref = env.last_ref
                    view = make_views(env.last_state, ref, [0], scales)[0]
                with viewer.lock():
                    rm.pose(view)
                    if episode == 0 and step == 0:
                        wrist, obj = rm.wrist_and_object()
                        viewer.cam.lookat[:] = 0.5 * (wrist + obj)
                        viewer.cam.distance, viewer.cam.azimuth, viewer.cam.elevation = 0.6, 150.0, -25.0
                label = LABEL_NAMES.get(view.label, "-") if view.ref_obj_pos is not None else "-"
                viewer.set_texts(
                    (
                        None,
                        None,
                        f"{skills[clip]}  {env.lib.names[clip]}",
                        f"step {step}/{length}  frame {start + step}  {label}",
                    )
                )
                viewer.sync()
                if done or not viewer.is_running():
                    break
                time.sleep(max(0.0, dt - (time.perf_counter() - tick)))
            episode += 1


def _state_of(ref, like):
    """``like`` (a simulator state) with the pose of reference frame ``ref``, to draw the reference itself."""
    return dataclasses.replace(
        like, dof_pos=ref.dof_pos, obj_pos=ref.obj_pos, obj_rot=ref.obj_rot, key_pos=ref.key_pos
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    extra, rest = _play_parser().parse_known_args(argv)
    from hot.cli.upstream_args import parse_args

    args = parse_args(rest)
    try:
        require_display()
    except DisplayUnavailableError as e:
        print(f"hot.play: error: {e}", file=sys.stderr)
        return 2

    import torch

    from hot.cli.tracking import build_env, build_test_policy, pick_device
    from hot.config.strict import ConfigError
    from hot.learning.checkpoint import CheckpointError
    from hot.motion.schema import MotionFormatError
    from hot.tasks.tracking.resolve import resolve_env_config

    try:
        cfg = resolve_env_config(args)
        cfg.env.num_envs = 1
        device = pick_device(args.device)
        torch.manual_seed(args.seed)
        if args.checkpoint or args.task == "OpenLoop":
            env, policy, what = build_test_policy(args, cfg, device, "test")
        else:
            env, policy, what = (
                build_env(cfg, device, "refine", args.seed),
                None,
                "kinematic replay of the clips",
            )
        print(
            f"[hot] viewer: {what}, {env.lib.num_clips} clips of {cfg.env.hand_model} / {cfg.env.object_names}"
        )
        _viewer_loop(env, policy, extra.speed, extra.rounds)
    except (ConfigError, MotionFormatError, CheckpointError, FileNotFoundError) as e:
        print(f"hot.play: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
