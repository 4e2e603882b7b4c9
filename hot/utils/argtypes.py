"""argparse ``type=`` functions for numeric flags with a valid range.

A value outside the range is refused by argparse itself: one line naming the flag and the range, exit 2
(``python -m hot.bench sim --seconds -1`` -> ``argument --seconds: -1 is not > 0``).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["int_at_least", "positive_float", "parse_size"]


def int_at_least(low: int) -> Callable[[str], int]:
    """An integer >= ``low``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"{v} is not >= {low}")
        return v

    parse.__name__ = f"integer >= {low}"
    return parse


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"{text} is not > 0")
    return v


def parse_size(text: str, flag: str = "--video_size", prog: str = "hot/run.py") -> tuple[int, int]:
    """``"640x480"`` -> (640, 480); SystemExit naming ``flag`` for anything else (sides in [16, 4096])."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"{prog}: error: {flag} {text!r}: expected WIDTHxHEIGHT, e.g. 640x480") from None
    if not (16 <= w <= 4096 and 16 <= h <= 4096):
        raise SystemExit(f"{prog}: error: {flag} {text!r}: width and height must be in [16, 4096]")
    return w, h
