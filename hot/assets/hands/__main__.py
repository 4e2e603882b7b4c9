"""``python -m hot.assets.hands export --hand mano --out FILE.xml``: write a hand's compiled MJCF.

The file is the hand alone (``hand_base``, virtual wrist, fingers, actuators), written with
``MjSpec.to_xml`` after a successful compile; mesh paths in it are absolute. Written atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hot.assets.hands import HAND_NAMES, get_hand
from hot.utils.files import atomic_write_text


def export_hand(hand: str, out: Path) -> dict[str, int]:
    """Compile ``hand`` and write its MJCF to ``out`` (temp file + rename).

    Returns:
        Model sizes of the compiled hand: nbody, ngeom, nq, nu.
    """
    spec = get_hand(hand).build_spec()
    model = spec.compile()
    xml = spec.to_xml()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, xml)
    return {"nbody": model.nbody, "ngeom": model.ngeom, "nq": model.nq, "nu": model.nu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hot.assets.hands", description=(__doc__ or "").partition("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="write a hand's compiled MJCF")
    exp.add_argument("--hand", required=True, type=str.lower, choices=HAND_NAMES, help="hand name")
    exp.add_argument("--out", required=True, type=Path, help="output .xml path")
    args = parser.parse_args(argv)
    sizes = export_hand(args.hand, args.out)
    print(f"wrote {args.out} ({args.hand}: " + ", ".join(f"{k}={v}" for k, v in sizes.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
