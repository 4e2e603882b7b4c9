"""Generator checkpoints: weights and plain metadata, loaded with ``torch.load(weights_only=True)``.

A checkpoint is a dict ``{"format", "state_dict", "config", "mean", "std", "skills", "objects",
"starts", "lengths", "training"}`` of tensors, strings, numbers and lists only, written atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from hot.config.strict import ConfigError, from_dict, to_dict
from hot.generate.conditions import Normalizer
from hot.generate.config import GenerateConfig
from hot.generate.features import OBJ_INIT_DIM, feature_dim, hand_init_dim
from hot.generate.model import FlowDiT
from hot.learning import shipped
from hot.utils.files import atomic_torch_save

__all__ = ["FORMAT", "DEFAULT_CHECKPOINT", "Generator", "build_model", "save_generator", "load_generator"]

FORMAT = "hot-generate-v1"
DEFAULT_CHECKPOINT = shipped.GENERATOR
"""The shipped MANO generator."""


@dataclass
class Generator:
    """A loaded generator.

    Attributes:
        cfg: its resolved config. model: the network (eval mode). norm: feature normalisation.
        skills: skill table (index -> name). objects: objects it was trained on.
        starts: ``{object: {skill: [[x, y, z, r6...] , ...]}}`` initial object states (world x, y,
            height, rot6d) of training clips, a few per pair: defaults for seen objects.
        lengths: ``{skill: [min, max]}`` frame counts seen in training (generated lengths are clamped).
        training: how it was trained (steps, wall-clock, data, final loss).
    """

    cfg: GenerateConfig
    model: FlowDiT
    norm: Normalizer
    skills: list[str]
    objects: list[str]
    starts: dict[str, dict[str, list[list[float]]]]
    lengths: dict[str, list[int]]
    training: dict[str, Any]


def build_model(cfg: GenerateConfig, num_fingers: int, num_skills: int) -> FlowDiT:
    """A fresh :class:`FlowDiT` for ``cfg``."""
    return FlowDiT(cfg.model, feature_dim(num_fingers), hand_init_dim(num_fingers), OBJ_INIT_DIM, num_skills)


def save_generator(
    path: str | os.PathLike, gen: Generator, state_dict: dict[str, torch.Tensor] | None = None
) -> Path:
    """Write ``gen`` (or ``gen`` with other weights ``state_dict``) to ``path`` atomically."""
    sd = state_dict if state_dict is not None else gen.model.state_dict()
    payload = {
        "format": FORMAT,
        "state_dict": {k: v.detach().cpu().clone() for k, v in sd.items()},
        "config": to_dict(gen.cfg),
        "num_fingers": gen.norm.num_fingers,
        "mean": gen.norm.mean.clone(),
        "std": gen.norm.std.clone(),
        "skills": list(gen.skills),
        "objects": list(gen.objects),
        "starts": gen.starts,
        "lengths": gen.lengths,
        "training": gen.training,
    }
    return atomic_torch_save(payload, path)


def load_generator(path: str | os.PathLike) -> Generator:
    """Load a generator checkpoint (``weights_only``; nothing in it can run code).

    Raises:
        FileNotFoundError: no such file. ValueError: not a generator checkpoint (the message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"generator checkpoint {path} does not exist")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to read means "bad file"
        raise ValueError(f"{path}: cannot be read as a generator checkpoint ({type(e).__name__})") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} checkpoint")
    try:
        cfg = from_dict(GenerateConfig, data["config"], source=str(path))
    except ConfigError as e:
        raise ValueError(str(e)) from e
    nf = int(data["num_fingers"])
    model = build_model(cfg, nf, len(data["skills"]))
    model.load_state_dict(data["state_dict"])
    model.eval()
    return Generator(
        cfg=cfg,
        model=model,
        norm=Normalizer(data["mean"].float(), data["std"].float(), nf),
        skills=list(data["skills"]),
        objects=list(data["objects"]),
        starts=data["starts"],
        lengths=data["lengths"],
        training=data["training"],
    )
