"""Entry point with the upstream command line: ``python hot/run.py --task SkillMimicHandRand ...``.

Parses flags, resolves the config, and calls one library function per mode (train, test,
play_dataset). The same implementation is reachable as ``hot train ...`` (``hot/cli/__init__.py``).
"""

from __future__ import annotations

import os
import sys

if __package__ in (None, ""):
    # Run as a script (python hot/run.py): make the repo root importable instead of hot/ itself,
    # so hot's subpackages (config, sim, ...) never shadow top-level modules.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
    sys.path.insert(0, os.path.dirname(_here))


def main(argv: list[str] | None = None) -> int:
    from hot.assets.objects.registry import ObjectAssetError
    from hot.cli.tracking import run_from_args
    from hot.cli.upstream_args import parse_args
    from hot.config.strict import ConfigError
    from hot.learning.checkpoint import CheckpointError
    from hot.motion.schema import MotionFormatError
    from hot.viz.gl import GLUnavailableError

    args = parse_args(argv)
    try:
        return run_from_args(args)
    except KeyboardInterrupt:
        print("hot/run.py: interrupted", file=sys.stderr)
        return 130
    except (
        ConfigError,
        MotionFormatError,
        CheckpointError,
        FileNotFoundError,
        GLUnavailableError,
        ObjectAssetError,
    ) as e:
        print(f"hot/run.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
