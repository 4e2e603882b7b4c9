"""Reading and writing motion files safely.

File format (upstream, spec §2.2): a ``dict`` saved with ``torch.save``; all values are tensors
with leading dimension T; quaternions are **xyzw**; ``body_pos`` is flattened to (T, 3K);
``contact1``/``contact2`` are (T, 1); ``obj_pos_vel`` may be ``None``; ``obj2_pos``/``obj2_rot``
are unused placeholders. Inside ``hot`` a clip is a :class:`~hot.motion.schema.MotionClip`
(wxyz, ``body_pos`` as (T, K, 3), contacts as (T,)).

Loading never unpickles arbitrary objects: ``torch.load(..., weights_only=True)`` refuses any
pickle that would import or call something beyond plain tensors and containers, and the
refusal is reported as a :class:`MotionFormatError` naming the file. The legacy flat-tensor
format (spec §2.3) is **rejected** with a message saying so: splitting its columns needs the
hand's DoF and key-body counts and no released training data uses it.

Writes are atomic: a temporary file in the destination folder, then ``os.replace``. Clips are
written with DEFLATE-compressed zip entries (about 5x smaller; ``torch.load`` reads them like any
``torch.save`` file); :func:`hot.motion.pack.main` re-packs existing uncompressed files.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import torch

from hot.motion.schema import MotionClip, MotionFormatError
from hot.utils.files import atomic_torch_save
from hot.utils.rotations import wxyz_to_xyzw, xyzw_to_wxyz

__all__ = [
    "MotionFolder",
    "MotionSkipWarning",
    "REQUIRED_KEYS",
    "QUAT_NORM_TOL",
    "atomic_torch_save",
    "clip_to_dict",
    "find_motion_files",
    "walk_pt_files",
    "load_clip",
    "load_folder",
    "read_motion_dict",
    "save_clip",
    "validate_clip",
]

REQUIRED_KEYS: tuple[str, ...] = (
    "root_pos",
    "root_rot",
    "wrist_dof",
    "fingers_dof",
    "body_pos",
    "obj_pos",
    "obj_rot",
    "contact1",
    "contact2",
)
QUAT_NORM_TOL = 1e-3
"""Largest accepted | ||q|| - 1 | for ``root_rot`` / ``obj_rot``."""

# Expected trailing width of each (T, W) key; None = checked separately.
_WIDTHS: dict[str, int | None] = {
    "root_pos": 3,
    "root_rot": 4,
    "wrist_dof": 6,
    "fingers_dof": None,
    "body_pos": None,
    "obj_pos": 3,
    "obj_rot": 4,
    "obj_pos_vel": 3,
}
_CONTACT_KEYS = ("contact1", "contact2")
_QUAT_KEYS = ("root_rot", "obj_rot")
PHYSICAL_BOUNDS: dict[str, float] = {
    "root_pos": 20.0,
    "obj_pos": 20.0,
    "body_pos": 20.0,
    "wrist_dof": 50.0,
    "fingers_dof": 50.0,
    "obj_pos_vel": 100.0,
}
"""Largest |value| accepted per key (m, rad, m/s): far beyond any hand-object scene (the wrist slides span
+-2 m, the hinges +-2 pi), so only corrupt or wrongly-scaled data (mm for m, 1e30) is refused."""
_OBJ2_POS = (0.0, 0.0, 10.0)  # upstream's parking spot for the unused second object


class MotionSkipWarning(UserWarning):
    """Emitted once by ``load_folder(..., skip_bad=True)`` listing every skipped file."""


class MotionFolder(NamedTuple):
    """Clips loaded from a folder, in load order (sorted by trailing integer, then path)."""

    paths: list[Path]
    clips: list[MotionClip]


# --------------------------------------------------------------------------------------------
# writing


def clip_to_dict(clip: MotionClip) -> dict[str, torch.Tensor | None]:
    """The upstream file dict (spec §2.2) for ``clip``: xyzw quaternions, flattened ``body_pos``,
    (T, 1) contacts, ``obj2_pos`` = (0, 0, 10) and ``obj2_rot`` = 0 placeholders."""
    t = clip.num_frames

    def cpu(x: torch.Tensor) -> torch.Tensor:
        # clone: torch.save would otherwise store the whole storage behind a view
        return x.detach().to("cpu", torch.float32).contiguous().clone()

    return {
        "root_pos": cpu(clip.root_pos),
        "root_rot": cpu(wxyz_to_xyzw(clip.root_rot)),
        "wrist_dof": cpu(clip.wrist_dof),
        "fingers_dof": cpu(clip.fingers_dof),
        "body_pos": cpu(clip.body_pos.reshape(t, -1)),
        "obj_pos": cpu(clip.obj_pos),
        "obj_rot": cpu(wxyz_to_xyzw(clip.obj_rot)),
        "obj_pos_vel": None if clip.obj_pos_vel is None else cpu(clip.obj_pos_vel),
        "obj2_pos": torch.tensor(_OBJ2_POS, dtype=torch.float32).repeat(t, 1),
        "obj2_rot": torch.zeros(t, 4, dtype=torch.float32),
        "contact1": cpu(clip.contact1.reshape(t, 1)),
        "contact2": cpu(clip.contact2.reshape(t, 1)),
    }


def save_clip(path: str | os.PathLike, clip: MotionClip) -> None:
    """Write ``clip`` to ``path`` in the upstream dict format (spec §2.2), atomically.

    The dict is validated first, so an invalid clip (NaN, non-unit quaternion, inconsistent
    shapes) raises :class:`MotionFormatError` and nothing is written.
    """
    data = clip_to_dict(clip)
    validate_clip(data, path)
    atomic_torch_save(data, path, compress=True)


# --------------------------------------------------------------------------------------------
# reading


def _error_detail(e: Exception) -> str:
    """The informative line of a ``torch.load`` error (skipping torch's boilerplate, which
    suggests ``weights_only=False`` -- exactly what must not be done with untrusted files)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    useful = [
        ln
        for ln in lines
        if not ln.startswith(("Weights only load failed", "Please file an issue", "Check the documentation"))
    ]
    return (useful or lines or [""])[0][:300]


def read_motion_dict(path: str | os.PathLike) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU, with every failure (unreadable file,
    not a torch file, a pickle that would import or call code) raised as
    :class:`MotionFormatError` naming the file. Returns whatever the file holds, unvalidated."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"motion file {path} does not exist (or is not a file)")
    try:
        with warnings.catch_warnings():
            # torch warns about odd pickle protocols in garbage files; the error below says enough
            warnings.filterwarnings("ignore", message="Detected pickle protocol", category=UserWarning)
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any failure to read means "bad file"
        detail = _error_detail(e)
        raise MotionFormatError(
            path,
            "cannot be read with torch.load(weights_only=True) (not a torch file, corrupt, or a pickle "
            f"that would run code, which is refused): {type(e).__name__}: {detail}",
        ) from e


def _first_bad_frame(mask: torch.Tensor) -> int:
    """Index of the first frame (dim 0) where ``mask`` is true anywhere."""
    rows = mask.reshape(mask.shape[0], -1).any(dim=1)
    return int(rows.nonzero()[0, 0])


def validate_clip(
    data: Any,
    path: str | os.PathLike = "<memory>",
    num_dofs: int | None = None,
    num_key_bodies: int | None = None,
    min_frames: int = 1,
) -> MotionClip:
    """Check a loaded file dict and convert it to a :class:`MotionClip` (float32, wxyz).

    Args:
        data: what ``torch.load`` returned.
        path: used in error messages only.
        num_dofs: the hand's DoF count (6 wrist + F fingers); None skips the check.
        num_key_bodies: the hand's key-body count K; None skips the check (``body_pos`` must
            still be a multiple of 3 wide).
        min_frames: fewest frames accepted.

    Raises:
        MotionFormatError: one distinct message per problem, naming ``path`` and the key.
    """
    if isinstance(data, torch.Tensor):
        raise MotionFormatError(
            path,
            f"holds a single {tuple(data.shape)} tensor, i.e. the legacy flat-tensor format (spec §2.3), "
            "which is not supported; convert it to the dict format (spec §2.2)",
        )
    if not isinstance(data, dict):
        raise MotionFormatError(path, f"is not a dict of tensors (got {type(data).__name__})")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise MotionFormatError(path, f"missing key(s) {missing}")

    keys = list(REQUIRED_KEYS)
    if data.get("obj_pos_vel") is not None:
        keys.append("obj_pos_vel")
    raw: dict[str, torch.Tensor] = {}
    for k in keys:
        v = data[k]
        if not isinstance(v, torch.Tensor):
            raise MotionFormatError(path, f"key {k!r} is not a tensor (got {type(v).__name__})")
        if v.layout != torch.strided or v.is_quantized or v.is_complex():
            raise MotionFormatError(path, f"key {k!r} has unsupported dtype/layout {v.dtype}/{v.layout}")
        raw[k] = v

    # shapes
    for k, width in _WIDTHS.items():
        if k not in raw:
            continue
        v = raw[k]
        if v.ndim != 2 or (width is not None and v.shape[1] != width):
            expected = f"(T, {width})" if width is not None else "(T, W)"
            raise MotionFormatError(path, f"key {k!r} has shape {tuple(v.shape)} but expected {expected}")
    for k in _CONTACT_KEYS:
        v = raw[k]
        if not (v.ndim == 1 or (v.ndim == 2 and v.shape[1] == 1)):
            raise MotionFormatError(path, f"key {k!r} has shape {tuple(v.shape)} but expected (T, 1) or (T,)")
    if raw["body_pos"].shape[1] % 3 != 0:
        raise MotionFormatError(
            path,
            f"key 'body_pos' has width {raw['body_pos'].shape[1]}, not a multiple of 3 (expected T x 3K)",
        )
    t = int(raw["root_pos"].shape[0])
    for k, v in raw.items():
        if v.shape[0] != t:
            raise MotionFormatError(
                path, f"inconsistent frame count: key {k!r} has {v.shape[0]} frames but 'root_pos' has {t}"
            )
    if t < min_frames:
        raise MotionFormatError(path, f"has {t} frames, fewer than the {min_frames} required")

    num_fingers = int(raw["fingers_dof"].shape[1])
    if num_dofs is not None and num_fingers + 6 != num_dofs:
        raise MotionFormatError(
            path,
            f"DoF count mismatch: 'fingers_dof' has {num_fingers} columns ({num_fingers + 6} DoFs with the wrist) "
            f"but the hand has {num_dofs - 6} finger DoFs ({num_dofs} in all)",
        )
    k_bodies = int(raw["body_pos"].shape[1]) // 3
    if num_key_bodies is not None and k_bodies != num_key_bodies:
        raise MotionFormatError(
            path,
            f"key-body count mismatch: 'body_pos' is {3 * k_bodies} wide ({k_bodies} key bodies) "
            f"but the hand has {num_key_bodies} key bodies ({3 * num_key_bodies} columns)",
        )

    # values (checked after the float32 cast, so float64 overflow shows up as Inf)
    vals = {k: v.to(torch.float32).contiguous() for k, v in raw.items()}
    for k, v in vals.items():
        bad = ~torch.isfinite(v)
        if bad.any():
            raise MotionFormatError(
                path, f"key {k!r} contains NaN or Inf (first at frame {_first_bad_frame(bad)})"
            )
    for k, bound in PHYSICAL_BOUNDS.items():
        if k in vals and (vals[k].abs() > bound).any():
            bad = vals[k].abs() > bound
            i = _first_bad_frame(bad)
            raise MotionFormatError(
                path,
                f"key {k!r} has |value| {float(vals[k][i].abs().max()):.3g} at frame {i}, beyond the physical "
                f"bound {bound:g} (m, rad or m/s): corrupt data or wrong units",
            )
    for k in _QUAT_KEYS:
        err = (vals[k].norm(dim=-1) - 1.0).abs()
        bad = err > QUAT_NORM_TOL
        if bad.any():
            i = _first_bad_frame(bad)
            raise MotionFormatError(
                path,
                f"key {k!r} holds a non-unit quaternion at frame {i} (norm {float(vals[k][i].norm()):.6g}, "
                f"tolerance {QUAT_NORM_TOL})",
            )
    for k in _CONTACT_KEYS:
        r = vals[k].round()
        bad = (r != -1) & (r != 0) & (r != 1)
        if bad.any():
            i = _first_bad_frame(bad)
            raise MotionFormatError(
                path,
                f"key {k!r} has value {float(vals[k].reshape(t)[i]):g} at frame {i}, expected -1, 0 or 1",
            )

    return MotionClip(
        root_pos=vals["root_pos"],
        root_rot=xyzw_to_wxyz(vals["root_rot"]),
        wrist_dof=vals["wrist_dof"],
        fingers_dof=vals["fingers_dof"],
        body_pos=vals["body_pos"].reshape(t, k_bodies, 3),
        obj_pos=vals["obj_pos"],
        obj_rot=xyzw_to_wxyz(vals["obj_rot"]),
        obj_pos_vel=vals.get("obj_pos_vel"),
        contact1=vals["contact1"].reshape(t),
        contact2=vals["contact2"].reshape(t),
    )


def load_clip(
    path: str | os.PathLike,
    num_dofs: int | None = None,
    num_key_bodies: int | None = None,
    min_frames: int = 1,
) -> MotionClip:
    """Load and validate one motion file (see :func:`validate_clip` for the checks).

    ``obj_pos_vel`` stays ``None`` when the file has none; :class:`hot.motion.dataset.MotionLibrary`
    then uses finite differences of ``obj_pos``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        MotionFormatError: anything wrong with the content, naming ``path``.
    """
    data = read_motion_dict(path)
    return validate_clip(data, path, num_dofs=num_dofs, num_key_bodies=num_key_bodies, min_frames=min_frames)


_TRAILING_INT = re.compile(r"(\d+)$")


def _sort_key(path: Path, root: Path) -> tuple[bool, int, str]:
    m = _TRAILING_INT.search(path.stem)
    return (m is None, int(m.group(1)) if m else 0, path.relative_to(root).as_posix())


def walk_pt_files(root: Path) -> list[Path]:
    """Every ``*.pt`` file under the folder ``root``, following linked folders (a dataset may link skill or
    object folders from another one, as ``dexgrasp_train_mano_20obj`` does); a link cycle is visited once."""
    seen: set[str] = set()
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames.sort()
        out += [
            Path(dirpath) / f
            for f in sorted(filenames)
            if f.endswith(".pt") and (Path(dirpath) / f).is_file()
        ]
    return out


def find_motion_files(path: str | os.PathLike) -> list[Path]:
    """Every ``*.pt`` under ``path`` (recursive), sorted by the integer at the end of the file
    stem (``..._3_12.pt`` -> 12, as upstream), then by relative path; or ``[path]`` for a file.

    Raises:
        FileNotFoundError: ``path`` does not exist, or a folder holds no ``*.pt`` file.
    """
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"motion path {root} does not exist")
    files = walk_pt_files(root)
    if not files:
        raise FileNotFoundError(f"motion folder {root} contains no *.pt files")
    return sorted(files, key=lambda p: _sort_key(p, root))


def load_folder(
    path: str | os.PathLike,
    num_dofs: int | None = None,
    num_key_bodies: int | None = None,
    min_frames: int = 1,
    skip_bad: bool = False,
) -> MotionFolder:
    """Load every motion file under ``path`` (or the single file ``path``).

    Args:
        path: folder (searched recursively for ``*.pt``) or one file.
        num_dofs, num_key_bodies, min_frames: passed to :func:`validate_clip`.
        skip_bad: False (default): the first bad file raises :class:`MotionFormatError` naming it.
            True: bad files are skipped and one :class:`MotionSkipWarning` lists each with its
            problem; if no file is good, :class:`MotionFormatError` is raised anyway.
    """
    files = find_motion_files(path)
    paths: list[Path] = []
    clips: list[MotionClip] = []
    skipped: list[MotionFormatError] = []
    for f in files:
        try:
            clip = load_clip(f, num_dofs=num_dofs, num_key_bodies=num_key_bodies, min_frames=min_frames)
        except MotionFormatError as e:
            if not skip_bad:
                raise
            skipped.append(e)
            continue
        paths.append(f)
        clips.append(clip)
    if skipped:
        lines = "\n".join(f"  {e.path}: {e.problem}" for e in skipped)
        if not clips:
            raise MotionFormatError(path, f"no valid motion file; all {len(skipped)} were bad:\n{lines}")
        warnings.warn(
            f"skipped {len(skipped)} of {len(files)} motion files under {path}:\n{lines}",
            MotionSkipWarning,
            stacklevel=2,
        )
    return MotionFolder(paths, clips)
