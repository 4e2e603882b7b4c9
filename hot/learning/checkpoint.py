"""Checkpoint files: rl-games training state plus ``hot`` metadata, weights-only loadable.

File layout (a plain dict written with ``torch.save``)::

    {"format": "hot-checkpoint-v1",
     "rlg":  rl-games full state (model, optimizer, epoch, frame, last_mean_rewards, ...),
     "meta": {"hand", "obs_layout" [[name, start, stop], ...], "action_mode", "num_obs", "num_actions",
              "config" (resolved train + env config), "hot_version"}}

rl-games' own ``torch_ext.load_checkpoint`` unpickles with ``weights_only=False`` (and its state holds a numpy
scalar), so the state is sanitised to tensors and Python primitives on save and always loaded with
``torch.load(weights_only=True)``. Writes go to a temp file in the same folder, then ``os.replace``.
"""

from __future__ import annotations

import numbers
import os
import pickle
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import torch

import hot
from hot.utils.files import atomic_torch_save

FORMAT = "hot-checkpoint-v1"


class CheckpointError(RuntimeError):
    """A checkpoint file cannot be used (unsafe, malformed or made for another env)."""


def sanitize(obj: Any, where: str = "state") -> Any:
    """Convert a nested state to tensors / Python primitives so ``weights_only=True`` can load it.

    numpy scalars become Python numbers, numpy arrays become tensors; anything else unknown is an error
    naming its key path (better than a file that cannot be loaded later).
    """
    if obj is None or isinstance(obj, bool | int | float | str | torch.Tensor):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, numbers.Real | Decimal):  # not any Number: float() refuses a complex
        return float(obj)
    if isinstance(obj, dict):
        return {k: sanitize(v, f"{where}[{k!r}]") for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        out = [sanitize(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return out if isinstance(obj, list) else tuple(out)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"checkpoint {where}: cannot store a {type(obj).__name__} in a weights-only checkpoint")


def save_checkpoint(path: str | os.PathLike, rlg_state: dict, meta: dict) -> Path:
    """Write a checkpoint atomically. ``meta`` gets ``hot_version`` added. Returns the path written."""
    meta = dict(meta)
    meta.setdefault("hot_version", hot.__version__)
    payload = {"format": FORMAT, "rlg": sanitize(rlg_state, "rlg"), "meta": sanitize(meta, "meta")}
    return atomic_torch_save(payload, path)


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Load a checkpoint with ``torch.load(weights_only=True)``; returns ``{"format", "rlg", "meta"}``.

    Raises :class:`CheckpointError` if the file holds arbitrary pickled objects (refused, never executed),
    is not a ``hot`` checkpoint, or is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path}: no such file")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"checkpoint {path}: not a torch checkpoint file (not the zip archive torch.save "
            "writes); pass a .pth written by hot"
        )
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(e))
        raise CheckpointError(
            f"checkpoint {path}: refused: it holds pickled Python objects besides tensors and plain containers"
            + (f" ({found.group(1)})" if found else "")
            + ", and hot never unpickles those; re-save the weights with hot (hot.learning.checkpoint)"
        ) from None
    except (RuntimeError, EOFError, OSError) as e:
        raise CheckpointError(f"checkpoint {path}: unreadable ({e})") from e
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path}: not a {FORMAT} file (missing or wrong 'format' key)")
    for key in ("rlg", "meta"):
        if not isinstance(payload.get(key), dict):
            raise CheckpointError(f"checkpoint {path}: key '{key}' missing or not a dict")
    return payload


def layout_as_list(layout: Any) -> list[list]:
    """Obs layout as ``[[name, start, stop], ...]`` (the stored form)."""
    from hot.learning.network import normalize_layout

    return [[n, s, e] for n, s, e in normalize_layout(layout)]


def _without_closure(tag: Any) -> Any:
    """An action-mode tag without its grasp priors: the suffixes ``closure=<rad>`` (``env.closure_bias``)
    and ``free=<factor>`` (``env.free_residual_scale``)."""
    return tag.split(" closure=")[0].split(" free=")[0] if isinstance(tag, str) else tag


def check_compatible(
    meta: dict, env_meta: dict, path: str | os.PathLike, training_from: bool = False
) -> None:
    """Refuse a checkpoint made for another hand, obs layout or action size, naming both values.

    ``training_from``: the checkpoint only starts a training run (``--resume_from`` / ``--checkpoint`` when
    training), so a different grasp-closure prior (``env.closure_bias``) or free-phase
    residual scale (``env.free_residual_scale``) is allowed: they shift or scale the PD targets of the policy's residual,
    and training adapts the policy to them."""
    problems = []
    if meta.get("hand") != env_meta.get("hand"):
        problems.append(f"hand: checkpoint '{meta.get('hand')}' vs env '{env_meta.get('hand')}'")
    ck_layout = layout_as_list(meta.get("obs_layout", []) or [["?", 0, 1]])
    env_layout = layout_as_list(env_meta["obs_layout"])
    if ck_layout != env_layout:
        problems.append(f"obs layout: checkpoint {ck_layout} vs env {env_layout}")
    if "num_actions" in meta and "num_actions" in env_meta and meta["num_actions"] != env_meta["num_actions"]:
        problems.append(f"num_actions: checkpoint {meta['num_actions']} vs env {env_meta['num_actions']}")
    ck_mode, env_mode = meta.get("action_mode"), env_meta.get("action_mode")
    if training_from:
        ck_mode, env_mode = _without_closure(ck_mode), _without_closure(env_mode)
    if ck_mode != env_mode:
        fix = ""
        if _without_closure(meta.get("action_mode")) == _without_closure(env_meta.get("action_mode")):
            fix = " (set env.closure_bias and env.free_residual_scale in the env YAML to the checkpoint's)"
        problems.append(
            f"action mode: checkpoint '{meta.get('action_mode')}' vs env '{env_meta.get('action_mode')}'{fix}"
        )
    if problems:
        raise CheckpointError(f"checkpoint {path} does not match this env: " + "; ".join(problems))


def slim_checkpoint(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Copy ``src`` without the optimizer state (about 1/3 of the size): enough for ``--test``, for
    distillation teachers and for initialising training, not for resuming with the same optimizer."""
    payload = load_checkpoint(src)
    keep = {k: v for k, v in payload["rlg"].items() if k in ("model", "epoch", "frame", "last_mean_rewards")}
    meta = dict(payload["meta"])
    meta["slimmed_from"] = Path(src).name
    return save_checkpoint(dst, keep, meta)
