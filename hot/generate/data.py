"""The generator's training set: the project's synthetic clips as knot features with their conditions.

Clips are read with :func:`hot.motion.io.load_clip` (validated, ``weights_only`` loading) from the
dataset roots; the skill comes from the folder (``hot.datagen.skills.SKILLS``) and the object from the
file name (``001_Bottle_0_0-0.pt`` -> ``Bottle``), looked up in the object registry for its keypoints.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from hot.assets.objects import get_object
from hot.datagen.skills import SKILLS
from hot.generate.features import encode_clip, layout, rotate_yaw
from hot.motion.io import find_motion_files, load_clip

__all__ = [
    "DEFAULT_ROOTS",
    "SKILL_NAMES",
    "RESTING_START",
    "GEOM_SCALE",
    "ClipSet",
    "object_keypoints",
    "skill_of_path",
    "object_of_path",
    "build_clipset",
    "feature_stats",
]

DEFAULT_ROOTS: tuple[str, ...] = (
    "hot/data/motions/dexgrasp_train_mano_gmp",
    "hot/data/motions/dexgrasp_train_mano_skills",
    "hot/data/motions/dexgrasp_train_mano",
)
"""The MANO synthetic datasets the shipped generator is trained on (every skill, every object with clips)."""

SKILL_NAMES: tuple[str, ...] = tuple(SKILLS)
"""Skill index -> name (the model's skill table)."""

RESTING_START: frozenset[str] = frozenset({"grasp", "regrasp", "freemove", "long"})
"""Skills whose clips start with the object resting on the platform (the others start held or flying)."""

GEOM_SCALE = 0.1
"""Keypoints (m) are divided by this before the geometry encoder."""

_FOLDER_TO_SKILL = {folder: name for name, (_, folder) in SKILLS.items()}


def object_keypoints(name: str) -> tuple[str, torch.Tensor]:
    """Registry name and sparse keypoints ``(20, 3)`` (object frame, m) of object ``name``."""
    obj = get_object(name)
    return obj.name, torch.from_numpy(obj.keypoints(dense=False))


def skill_of_path(path: Path) -> str:
    """The skill of a clip file from its folder name (``grasp_higher_kp`` -> ``grasp``)."""
    try:
        return _FOLDER_TO_SKILL[path.parent.name]
    except KeyError as e:
        raise ValueError(
            f"{path}: folder {path.parent.name!r} is not a skill folder {sorted(_FOLDER_TO_SKILL)}"
        ) from e


def object_of_path(path: Path) -> str:
    """The object token of a clip file name (``001_Bottle_0_0-0.pt`` -> ``Bottle``)."""
    parts = path.stem.split("_")
    if len(parts) < 2:
        raise ValueError(f"{path}: file name does not follow <code>_<Object>_..., cannot tell the object")
    return parts[1]


@dataclass
class ClipSet:
    """M clips as knots (canonical frame) with their conditions.

    Attributes:
        knots: (M, N, D) float32 features (``hot.generate.features.layout``).
        skill: (M,) long index into ``SKILL_NAMES``.
        obj_index: (M,) long index into ``objects``.
        objects: registry names; keypoints: (len(objects), 20, 3) object-frame keypoints.
        origins: (M, 2) the object's initial world x, y of each clip.
        paths: source files.
    """

    knots: torch.Tensor
    skill: torch.Tensor
    obj_index: torch.Tensor
    objects: list[str]
    keypoints: torch.Tensor
    origins: torch.Tensor
    paths: list[str]

    def __len__(self) -> int:
        return int(self.knots.shape[0])


def build_clipset(roots: Sequence[str | os.PathLike], num_knots: int, num_dofs: int, log=print) -> ClipSet:
    """Load every clip under ``roots`` (validated against the hand's ``num_dofs``) into a :class:`ClipSet`."""
    files: list[Path] = []
    for root in roots:
        files += find_motion_files(root)
    objects: list[str] = []
    kps: list[torch.Tensor] = []
    knots, skills, obj_idx, origins, paths = [], [], [], [], []
    for i, f in enumerate(files):
        skill = skill_of_path(f)
        name, kp = object_keypoints(object_of_path(f))
        if name not in objects:
            objects.append(name)
            kps.append(kp)
        clip = load_clip(f, num_dofs=num_dofs)
        k, origin = encode_clip(clip, num_knots)
        knots.append(k)
        skills.append(SKILL_NAMES.index(skill))
        obj_idx.append(objects.index(name))
        origins.append(origin)
        paths.append(str(f))
        if (i + 1) % 200 == 0:
            log(f"[generate] loaded {i + 1}/{len(files)} clips")
    return ClipSet(
        knots=torch.stack(knots),
        skill=torch.tensor(skills),
        obj_index=torch.tensor(obj_idx),
        objects=objects,
        keypoints=torch.stack(kps),
        origins=torch.stack(origins),
        paths=paths,
    )


def feature_stats(
    data: ClipSet, num_fingers: int, yaw_copies: int = 8, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and std ``(D,)`` of the knots over ``yaw_copies`` random yaw rotations of every clip
    (what training sees with yaw augmentation). Stds are floored at 1e-3."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for _ in range(yaw_copies):
        ang = torch.rand(len(data), generator=g) * 2 * math.pi
        k, _ = rotate_yaw(data.knots, data.keypoints[data.obj_index], ang, num_fingers)
        rows.append(k.reshape(-1, k.shape[-1]))
    x = torch.cat(rows)
    mean, std = x.mean(0), x.std(0).clamp_min(1e-3)
    lay = layout(num_fingers)
    # x and y share one scale, so a yaw rotation of normalised features stays a rotation
    for name in ("wrist_pos", "obj_pos"):
        sl = lay[name]
        xy = std[sl][:2].mean()
        std[sl.start : sl.start + 2] = xy
        mean[sl.start : sl.start + 2] = 0.0
    return mean, std
