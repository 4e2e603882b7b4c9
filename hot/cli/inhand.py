"""``hot train`` / ``hot eval`` for the in-hand tasks (UniLab's command-line habits).

    hot train --algo ppo --task allegro_inhand_grasp --sim mujoco training.no_play=true
    hot train --algo ppo --task allegro_inhand --sim mujoco [--profile hora] [key.path=value ...]
    hot train --algo hora_distill --task allegro_inhand --sim mujoco [algo.distill.teacher_run=-1]
    hot eval  --algo ppo --task allegro_inhand --sim mujoco --load-run -1
    hot eval  --algo ppo --task allegro_inhand --checkpoint shipped      (or --checkpoint FILE.pth)

Every ``key.path=value`` is a dotted override of :class:`hot.tasks.inhand.config.InhandCfg` (values parsed as
YAML; an unknown key is an error naming it). ``--load-run`` sets ``algo.load_run`` (``-1`` = newest run);
``hot eval`` evaluates that run with its own saved config, the overrides applied on top (and ``--sim``
when given; otherwise the run's own backend). ``hot eval
--checkpoint FILE`` evaluates one checkpoint file with the env config stored in it (``shipped``: the
teacher / student shipped in ``hot/data/inhand/``, so no run folder is needed); metrics go to
``--eval-out`` when given.

``--sim mujoco`` (default) runs C MuJoCo on CPU threads; ``--sim mjwarp`` runs MuJoCo Warp (needs
``pip install -e .[gpu]``; on a CUDA device when there is one, else on Warp's CPU device, which is for
testing only: several times slower than C MuJoCo).
"""

from __future__ import annotations

import argparse
import json
import sys

from hot.config.strict import ConfigError
from hot.tasks.inhand.config import ALGOS, TASKS

__all__ = ["main", "is_inhand_command"]


def is_inhand_command(argv: list[str]) -> bool:
    """True when ``hot train/eval`` arguments select an in-hand task or name an ``--algo`` (tracking never does)."""
    for i, a in enumerate(argv):
        if a == "--algo" or a.startswith("--algo="):
            return True
        if a == "--task" and i + 1 < len(argv) and argv[i + 1] in TASKS:
            return True
        if a.startswith("--task=") and a.split("=", 1)[1] in TASKS:
            return True
    return False


def _parser(cmd: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"hot {cmd}", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--algo", required=True, choices=ALGOS, help="trainer (log family)")
    p.add_argument("--task", required=True, choices=TASKS, help="in-hand task")
    p.add_argument(
        "--sim", default=None, choices=("mujoco", "mjwarp"), help="physics backend (default: mujoco)"
    )
    p.add_argument(
        "--profile", default="", help="config profile, e.g. 'hora' (teacher with privileged encoder)"
    )
    p.add_argument("--load-run", dest="load_run", default=None, help="run id, run folder or -1 (newest)")
    if cmd == "eval":
        p.add_argument(
            "--checkpoint",
            default=None,
            help="evaluate this checkpoint file instead of a run ('shipped': the packaged one)",
        )
        p.add_argument("--eval-out", dest="eval_out", default=None, help="write the metrics JSON here")
        p.add_argument(
            "--save-video", "--save_video", dest="save_video", default=None, metavar="PATH.mp4",
            help="also write a video of the rollout (the first --video-envs envs, tiled)",
        )  # fmt: skip
        p.add_argument(
            "--video-envs", "--video_envs", dest="video_envs", type=int, default=1, help="envs in the video"
        )
    p.add_argument("overrides", nargs="*", help="dotted config overrides key.path=value")
    return p


def _check_sim(sim: str) -> None:
    from hot.sim import mjwarp_missing

    if sim == "mjwarp" and (why := mjwarp_missing()):
        raise ConfigError(f"--sim mjwarp: {why}")


def main(cmd: str, argv: list[str]) -> int:
    """Run ``hot <cmd> argv`` for the in-hand tasks; returns the exit status."""
    args = _parser(cmd).parse_intermixed_args(argv)  # options may follow the key=value overrides
    if getattr(args, "save_video", None):
        from hot.viz.gl import select_gl_backend

        select_gl_backend()  # first: mujoco binds its GL backend when it is imported (below)
    from hot.learning import inhand as learning
    from hot.learning.checkpoint import CheckpointError
    from hot.tasks.inhand.cache import GraspCacheError
    from hot.tasks.inhand.config import load_inhand_config
    from hot.viz.gl import GLUnavailableError

    bad = [o for o in args.overrides if "=" not in o]
    if bad:
        print(
            f"hot {cmd}: error: unrecognised argument(s) {bad}; overrides look like key.path=value",
            file=sys.stderr,
        )
        return 2
    overrides = list(args.overrides)
    sim = args.sim or "mujoco"
    video = getattr(args, "save_video", None)
    if video is not None:
        if not str(video).lower().endswith(".mp4"):
            print(f"hot {cmd}: error: --save-video {video}: the file name must end in .mp4", file=sys.stderr)
            return 2
        if not 1 <= args.video_envs <= 64:
            print(f"hot {cmd}: error: --video-envs {args.video_envs}: must be in [1, 64]", file=sys.stderr)
            return 2
    try:
        if cmd == "eval":
            from pathlib import Path

            base = load_inhand_config(args.algo, args.task, args.profile, sim, overrides)
            out = Path(args.eval_out) if args.eval_out else None
            if args.checkpoint is not None:
                if args.load_run is not None:
                    raise ConfigError("hot eval: give --checkpoint or --load-run, not both")
                path = learning.resolve_checkpoint(args.checkpoint, args.algo)
                cfg = learning.config_from_checkpoint(base, path, overrides + ["training.play_only=true"])
                metrics = learning.evaluate(
                    cfg, None, checkpoint=path, out=out, video=video, video_envs=args.video_envs
                )
            else:
                run = learning.find_run(base, args.load_run if args.load_run is not None else "-1")
                sim_ov = [f"sim={args.sim}"] if args.sim else []  # else the run's own backend
                cfg = learning.load_run_config(run, overrides + sim_ov + ["training.play_only=true"])
                _check_sim(cfg.sim)
                metrics = learning.evaluate(cfg, run, out=out, video=video, video_envs=args.video_envs)
            print(learning.format_metrics(metrics))
            print(json.dumps({k: v for k, v in metrics.items() if k != "per_scale"}))
            return 0
        if args.load_run is not None:
            overrides.append(f"algo.load_run='{args.load_run}'")
        cfg = load_inhand_config(args.algo, args.task, args.profile, sim, overrides)
        res = learning.train(cfg, overrides)
        print(json.dumps(res, indent=2, default=str))
        return 0
    except (ConfigError, GraspCacheError, CheckpointError, GLUnavailableError) as e:
        print(f"hot {cmd}: error: {e}", file=sys.stderr)
        return 2
