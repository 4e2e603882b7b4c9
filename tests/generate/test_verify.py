"""The generator's physics check (hot.generate.verify) and the redraw loop of the sampler."""

from __future__ import annotations

from pathlib import Path

import torch

from hot.generate.sampler import _redraw_failures
from hot.generate.verify import OpenLoopVerifier, VerifyStats
from hot.motion.io import find_motion_files, load_clip

ROOT = Path(__file__).resolve().parents[2]
PHONE = ROOT / "hot/data/motions/dexgrasp_heldout_mano_20obj/phone/grasp_higher_kp"


def test_failures_are_redrawn_up_to_the_limit_and_passes_kept():
    calls: list[list[int]] = []
    passing = {"a", "b2", "d3"}  # b passes at its 2nd draw, d at its 3rd, c never

    def redraw(idx):
        calls.append(list(idx))
        draw = len(calls) + 1
        return [f"{'abcd'[i]}{draw}" for i in idx]

    stats = VerifyStats()
    out = _redraw_failures(["a", "b", "c", "d"], 3, lambda cs: [c in passing for c in cs], stats, redraw)
    assert out == ["a", "b2", "c", "d3"]  # c failed every draw: its first draw is kept
    assert calls == [[1, 2, 3], [2, 3]]  # 3 draws in all: the first and 2 redraws of what still failed
    assert (stats.clips, stats.passed_first, stats.passed_later) == (4, 1, 2)
    assert "1 passed as first drawn, 2 after redrawing, 1 failed every draw" in stats.line()


def test_open_loop_verifier_agrees_with_the_open_loop_table():
    """The same verdicts as ``python -m hot.eval_table --open_loop`` on these clips (2 of 4 pass there)."""
    files = find_motion_files(PHONE)
    clips = [load_clip(f, num_dofs=51) for f in files]
    v = OpenLoopVerifier("mano", "Phone")
    ok = v("grasp", clips)
    assert ok == [False, True, False, True]
    # the passing clip with the fingers left open: the hand cannot lift the object
    c = clips[1]
    assert v("grasp", [c.replace(fingers_dof=torch.zeros_like(c.fingers_dof))]) == [False]
    assert v.stats.draws == 5
