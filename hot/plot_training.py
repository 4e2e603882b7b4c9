"""Training curves of a run folder as a PNG: ``python -m hot.plot_training RUN_DIR [--out PNG]``.

Reads the tensorboard events under ``RUN_DIR/summaries`` (written by ``hot/run.py`` training) and
writes ``RUN_DIR/training.png`` unless ``--out`` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m hot.plot_training", description=(__doc__ or "").partition("\n")[0]
    )
    p.add_argument("run_dir", help="a run folder (with summaries/) or a folder of tensorboard event files")
    p.add_argument("--out", default="", help="output PNG (default RUN_DIR/training.png)")
    args = p.parse_args(argv)

    from hot.viz.plots import read_scalars, save_figure, training_figure

    run_dir = Path(args.run_dir)
    try:
        scalars = read_scalars(run_dir)
        fig = training_figure(scalars, title=run_dir.resolve().name)
    except (FileNotFoundError, ValueError) as e:
        print(f"hot.plot_training: error: {e}", file=sys.stderr)
        return 2
    out = save_figure(fig, args.out or run_dir / "training.png")
    epochs = scalars.get("rewards/iter", (None, []))[1]
    print(f"[hot] wrote {out} ({len(scalars)} scalar series, {len(epochs)} epochs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
