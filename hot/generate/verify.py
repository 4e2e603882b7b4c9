"""Physics check of generated clips: open-loop replay through the hand's PD servos.

:class:`OpenLoopVerifier` replays clips of one skill with no policy, exactly as ``python -m hot.eval_table
--open_loop`` does (:func:`hot.tasks.tracking.evaluate.open_loop_clip_success`), and says which of them
the simulated hand executes by the skill's success rule. :func:`hot.generate.sampler.sample_chain` draws
a clip again (new noise, so often another grip from the grasp bank) while its replay fails, up to
``sample.verify_tries`` draws, as FlowHOI-style work judges a generator by a physics tracker.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hot.datagen.skills import SKILLS
from hot.motion.io import save_clip
from hot.motion.schema import MotionClip

__all__ = ["OpenLoopVerifier", "VerifyStats"]


@dataclass
class VerifyStats:
    """What the physics check did in one sampling run."""

    clips: int = 0
    """Clips checked (first draws)."""
    passed_first: int = 0
    """Clips whose first draw passed."""
    passed_later: int = 0
    """Clips a later draw made pass."""
    draws: int = 0
    """Draws replayed in all."""

    def line(self) -> str:
        failed = self.clips - self.passed_first - self.passed_later
        return (
            f"physics check (open-loop replay): of {self.clips} clips {self.passed_first} passed as first "
            f"drawn, {self.passed_later} after redrawing, {failed} failed every draw (kept: the first); "
            f"{self.draws} draws replayed"
        )


class OpenLoopVerifier:
    """``verifier(skill, clips) -> [passed]`` for one hand and object (clips written to a temporary folder
    in the dataset layout, replayed open loop, then deleted)."""

    def __init__(self, hand: str, obj: str):
        self.hand, self.obj = hand, obj
        self.stats = VerifyStats()

    def __call__(self, skill: str, clips: list[MotionClip]) -> list[bool]:
        from hot.tasks.tracking.evaluate import TEST_EPISODES, open_loop_clip_success

        code = SKILLS[skill][0]
        self.stats.draws += len(clips)
        with tempfile.TemporaryDirectory(prefix="hot_verify_") as tmp:
            folder = Path(tmp) / self.obj.lower() / TEST_EPISODES[skill][0]
            names = [f"{code:03d}_{self.obj}_v_{i}-0.pt" for i in range(len(clips))]
            for name, clip in zip(names, clips, strict=True):
                save_clip(folder / name, clip)
            ok = open_loop_clip_success(folder, self.obj, self.hand, skill)
        return [ok.get(n, False) for n in names]
