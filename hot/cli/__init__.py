"""The ``hot`` console command: ``hot train ...`` / ``hot eval ...`` front the same code as ``hot/run.py``.

``hot train --task SkillMimicHandRand [flags]`` is exactly ``python hot/run.py --task SkillMimicHandRand
[flags]``; ``hot eval [flags]`` adds ``--test``. ``hot train/eval --algo ... --task allegro_inhand...``
(an ``--algo`` flag or an in-hand task) goes to ``hot.cli.inhand``. Other subcommands forward to the
package's tools.
"""

from __future__ import annotations

import sys

USAGE = """usage: hot <command> [flags]

commands:
  train     train a tracking teacher        (= python hot/run.py ...)
  eval      test a checkpoint, print table  (= python hot/run.py --test ...)
            with --algo ppo|hora_distill --task allegro_inhand[_grasp]: in-hand rotation
            (hot/cli/inhand.py; docs/INHAND.md)
  datagen   synthesise demonstrations       (= python -m hot.datagen ...)
  generate  sample clips from a prompt      (= python -m hot.generate ...; docs/generate.md)
  bench     benchmarks                      (= python -m hot.bench ...)
  objects   list / add / build objects      (= python -m hot.assets.objects ...)
  fk        fill key-body positions (_kp)   (= python -m hot.motion.fk ...)
  play      interactive viewer              (= python -m hot.play ...)
  plot      training curves of a run        (= python -m hot.plot_training RUN_DIR)
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd in ("train", "eval"):
        from hot.cli.inhand import is_inhand_command

        if is_inhand_command(rest):  # --algo / an in-hand --task: hot.cli.inhand; tracking flags never match
            from hot.cli.inhand import main as inhand_main

            return inhand_main(cmd, rest)
        from hot.run import main as run_main

        return run_main(rest + (["--test"] if cmd == "eval" and "--test" not in rest else []))
    modules = {
        "datagen": "hot.datagen.__main__",
        "generate": "hot.generate.__main__",
        "bench": "hot.bench",
        "objects": "hot.assets.objects.__main__",
        "fk": "hot.motion.fk",
        "play": "hot.play",
        "plot": "hot.plot_training",
    }
    if cmd not in modules:
        print(f"hot: unknown command '{cmd}'\n\n{USAGE}", file=sys.stderr)
        return 2
    import runpy

    sys.argv = [f"hot {cmd}"] + rest
    try:
        runpy.run_module(modules[cmd], run_name="__main__")
    except SystemExit as e:
        return int(e.code or 0) if not isinstance(e.code, str) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
