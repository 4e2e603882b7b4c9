"""In-memory representation of one motion clip.

A :class:`MotionClip` is what :func:`hot.motion.io.load_clip` returns after validation: torch
float32 tensors on the CPU, quaternions **wxyz** (the file format's xyzw is converted at the
file boundary, see :mod:`hot.motion.io`). Shapes use T = frames, F = finger DoFs, K = key bodies.
Every position is in the world frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import torch

__all__ = ["MotionClip", "MotionFormatError", "skill_code_from_name", "CLIP_FIELDS"]


class MotionFormatError(ValueError):
    """A motion file (or clip) is malformed.

    Attributes:
        path: the offending file (or a descriptive name when the clip did not come from a file).
        problem: what is wrong, in words.
    """

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass
class MotionClip:
    """One motion clip (internal representation).

    Attributes:
        root_pos: (T, 3) hand base world position (the generator uses (0, 0, 0.5)).
        root_rot: (T, 4) hand base world orientation, wxyz.
        wrist_dof: (T, 6) virtual wrist DoFs tx, ty, tz (m) then rx, ry, rz (rad), relative to the base.
        fingers_dof: (T, F) finger joint angles in simulator DoF order (rad).
        body_pos: (T, K, 3) key-body world positions (all zero until filled by :mod:`hot.motion.fk`).
        obj_pos: (T, 3) object world position.
        obj_rot: (T, 4) object world orientation, wxyz.
        obj_pos_vel: (T, 3) object world linear velocity, or None when the file has none
            (the motion library then finite-differences ``obj_pos``).
        contact1: (T,) object-contact label: 1 must touch, 0 must not touch, -1 don't care.
        contact2: (T,) unused second contact label (always 0 upstream).
    """

    root_pos: torch.Tensor
    root_rot: torch.Tensor
    wrist_dof: torch.Tensor
    fingers_dof: torch.Tensor
    body_pos: torch.Tensor
    obj_pos: torch.Tensor
    obj_rot: torch.Tensor
    obj_pos_vel: torch.Tensor | None
    contact1: torch.Tensor
    contact2: torch.Tensor

    @property
    def num_frames(self) -> int:
        """T, the number of frames."""
        return int(self.root_pos.shape[0])

    @property
    def dof_pos(self) -> torch.Tensor:
        """(T, 6 + F) hand DoF vector: wrist DoFs then finger DoFs (upstream's ``dof_pos``)."""
        return torch.cat([self.wrist_dof, self.fingers_dof], dim=-1)

    @property
    def num_dofs(self) -> int:
        """6 + F."""
        return int(self.wrist_dof.shape[-1] + self.fingers_dof.shape[-1])

    @property
    def num_key_bodies(self) -> int:
        """K."""
        return int(self.body_pos.shape[1])

    def replace(self, **changes: torch.Tensor | None) -> MotionClip:
        """A copy with some fields replaced (tensors are shared, not copied)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return MotionClip(**values)


CLIP_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(MotionClip))


SKILL_CODES: dict[str, int] = {
    "grasp": 1,
    "move": 2,
    "place": 3,
    "regrasp": 5,
    "rotate": 6,
    "catch": 7,
    "throw": 8,
    "freemove": 9,
    "long": 10,
}
"""Skill name -> upstream skill code (spec §2.1), the first 3 digits of a motion file's name; 0 is a static
grasp. Every other module reads skill codes from here."""

GRASP_SKILL = SKILL_CODES["grasp"]
FREEMOVE_SKILL = SKILL_CODES["freemove"]
"""Free-move clips (no object): object terms of rewards, observations and terminations are off."""


def skill_code_from_name(filename: str | os.PathLike) -> int:
    """Skill label of a motion file: the first 3 characters of its base name, read as an int.

    ``"001_bottle_3_0.pt"`` -> 1 (grasp). Raises :class:`MotionFormatError` naming the file when
    those characters are not three decimal digits.
    """
    stem = Path(filename).name
    prefix = stem[:3]
    if len(prefix) != 3 or not (prefix.isascii() and prefix.isdigit()):
        raise MotionFormatError(
            filename, f"file name must start with a 3-digit skill code (e.g. '001_...'), got {prefix!r}"
        )
    return int(prefix)
