"""The shipped checkpoints, one table for every task: what ``--checkpoint shipped`` loads.

Tracking policies live in ``checkpoint/<hand>/`` (upstream's layout: ``<hand>_<object>_<skills>.pth`` teachers
and ``<hand>_<...>_student.pth`` students), the motion generator in ``checkpoint/generate/``, and the in-hand
teacher / student beside their grasp caches in ``hot/data/inhand/`` (package data).
"""

from __future__ import annotations

from pathlib import Path

from hot.config.resolve import REPO_ROOT
from hot.config.strict import ConfigError

__all__ = ["CHECKPOINT_DIR", "INHAND_DIR", "INHAND", "GENERATOR", "tracking_checkpoint", "inhand_checkpoint"]

CHECKPOINT_DIR = REPO_ROOT / "checkpoint"
"""Shipped tracking policies (``<hand>/``) and the motion generator (``generate/``)."""
INHAND_DIR = REPO_ROOT / "hot" / "data" / "inhand"
"""Shipped in-hand teacher and student, beside the grasp caches they were trained with."""
INHAND = {"ppo": INHAND_DIR / "allegro_teacher.pth", "hora_distill": INHAND_DIR / "allegro_student.pth"}
"""In-hand rotation: the shipped checkpoint per ``--algo``."""
GENERATOR = CHECKPOINT_DIR / "generate" / "mano_flow.pt"
"""``hot generate``'s default flow-matching model."""

GMP = "grasp-move-place"
MULTI_OBJECT_STUDENTS = ("15obj", "3obj")
"""Multi-object students, preferred in this order when several objects are asked for."""


def _tracking_candidates(hand: str, objects: list[str], task: str) -> list[Path]:
    d = CHECKPOINT_DIR / hand
    objs = [o.lower() for o in objects]
    if task == "MultiObjDistill" or len(objs) > 1:
        return [d / f"{hand}_{s}_student.pth" for s in MULTI_OBJECT_STUDENTS]
    if task == "Distill":
        return [d / f"{hand}_{o}_multiskill_student.pth" for o in objs]
    return [d / f"{hand}_{o}_{GMP}.pth" for o in objs]


def tracking_checkpoint(hand: str, objects: list[str], task: str = "SkillMimicHandRand") -> Path:
    """The shipped tracking policy for ``hand`` and ``objects``: the object's grasp/move/place teacher for one
    object, the multi-skill student for ``Distill``, the multi-object student for several objects."""
    cands = _tracking_candidates(hand, objects, task)
    for p in cands:
        if p.is_file():
            return p
    have = (
        sorted(p.name for p in (CHECKPOINT_DIR / hand).glob("*.pth"))
        if (CHECKPOINT_DIR / hand).is_dir()
        else []
    )
    raise ConfigError(
        f"--checkpoint shipped: no shipped {hand} policy for {task} on {', '.join(objects) or 'no object'} "
        f"(looked for {cands[0].name}); shipped for {hand}: {', '.join(have) or 'none'}"
    )


def inhand_checkpoint(algo: str) -> Path:
    """The shipped in-hand checkpoint for ``--algo`` (``ppo``: teacher, ``hora_distill``: student)."""
    path = INHAND.get(algo)
    if path is None or not path.is_file():
        raise ConfigError(f"--checkpoint shipped: {path} is not there (no shipped {algo} checkpoint)")
    return path
