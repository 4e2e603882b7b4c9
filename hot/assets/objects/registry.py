"""Object registry: look up a prepared object directory by name and read it, validated.

An object lives in ``<root>/<Name>/`` (layout in :mod:`hot.assets.objects.prepare`). Without an
explicit root, names are looked up along the search path (:func:`object_search_path`): the
directories in ``$HOT_OBJECTS_PATH`` (``os.pathsep``-separated, e.g. where
``hot objects add --into DIR`` put user objects), then the package's ``hot/data/assets/objects``.
Names are matched ignoring case; the first directory holding a name wins.
Nothing is computed here: convex hulls and keypoints were made once, by ``build`` or ``add``.

Frames: every array and mesh is in the object frame, metres, origin at the centre of mass.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trimesh
import yaml

from hot.assets.objects.prepare import MAX_HULLS, NAME_PATTERN, NUM_DENSE_SURFACE, NUM_SPARSE, load_obj
from hot.config.strict import safe_load_unique

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "data" / "assets" / "objects"
"""Where the shipped objects live (``hot/data/assets/objects``)."""
PATH_ENV = "HOT_OBJECTS_PATH"
"""Environment variable: directories of user objects, ``os.pathsep``-separated, searched before the shipped set."""
NUM_DENSE = NUM_DENSE_SURFACE + NUM_SPARSE
_NAME = NAME_PATTERN
_HULL = re.compile(r"^hull_\d{3}\.obj$")
_YAML_KEYS = {"name", "mass", "friction", "damping", "source", "license"}
_YAML_OPTIONAL = {"centre_offset"}
_ADD_HINT = "add one with `python -m hot.assets.objects add --name Foo --mesh path/to/mesh.obj --mass 0.2`"


class ObjectAssetError(ValueError):
    """An object name is unknown or its directory is incomplete or malformed."""


@dataclass(frozen=True)
class ObjectAsset:
    """One prepared object. Paths are absolute; arrays and meshes are in the object frame (m).

    Attributes:
        name: registry name (the directory name, original case).
        dir: the object directory.
        mesh_path: watertight surface mesh ``mesh.obj`` (visual mesh, keypoint source).
        hull_paths: CoACD convex pieces ``coacd/hull_XXX.obj`` (1..20), for collision.
        mass: kg.
        friction: shape friction coefficient.
        damping: damping of the object's free joint, all 6 DoFs (spec §4.1: linear and angular 0.01;
            MuJoCo has one damping value per joint).
        centre_offset: where the object-frame origin lies in the source mesh's frame (m, after the
            ``add`` scale): a source point is ``object point + centre_offset``. Zero for the shipped set.
    """

    name: str
    dir: Path
    mesh_path: Path
    hull_paths: tuple[Path, ...]
    mass: float
    friction: float
    damping: float
    centre_offset: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def keypoints(self, dense: bool = True, scale: float = 1.0) -> np.ndarray:
        """Object keypoints (spec §4.2), scaled with the object.

        Args:
            dense: 200 points (180 surface samples + 20 FPS vertices) if True, else the 20 FPS vertices.
            scale: object scale factor; points are multiplied by it.

        Returns:
            (P, 3) float32, object frame, metres; P = 200 or 20. A fresh array (safe to modify).
        """
        points = self._keypoint_arrays["dense" if dense else "sparse"]
        return (points * np.float32(scale)).astype(np.float32)

    @functools.cached_property
    def _keypoint_arrays(self) -> dict[str, np.ndarray]:
        return _read_keypoints(self.dir / "keypoints.npz")

    @functools.cached_property
    def surface_mesh(self) -> trimesh.Trimesh:
        """The surface mesh, loaded once per asset. Shared: ``.copy()`` it before modifying."""
        return load_obj(self.mesh_path)

    def hull_meshes(self) -> list[trimesh.Trimesh]:
        """The convex collision pieces, freshly loaded, in ``hull_paths`` order."""
        return [load_obj(p) for p in self.hull_paths]

    @functools.cached_property
    def bounding_radius(self) -> float:
        """Radius (m) of the smallest origin-centred sphere holding the surface mesh."""
        return float(np.linalg.norm(self.surface_mesh.vertices, axis=1).max())

    def inertia(self) -> np.ndarray:
        """(3, 3) inertia tensor (kg m^2) about the centre of mass, object axes, uniform density."""
        mesh = self.surface_mesh
        return np.asarray(mesh.moment_inertia, dtype=np.float64) * (self.mass / mesh.mass)


Roots = Path | str | Sequence[Path | str] | None
"""One object root, several searched in order, or None for :func:`object_search_path`."""


def object_search_path(extra: Sequence[Path | str] = ()) -> list[Path]:
    """Where objects are looked up, in order: ``extra``, the ``$HOT_OBJECTS_PATH`` directories, the shipped set."""
    env = [p for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    out: list[Path] = []
    for p in [*extra, *env, DEFAULT_ROOT]:
        resolved = Path(p).expanduser().resolve()
        if resolved not in out:
            out.append(resolved)
    return out


def list_objects(root: Roots = None) -> list[str]:
    """Names of the objects under ``root`` (default: the search path), sorted, each once."""
    names: dict[str, str] = {}
    for root_dir in _roots(root):
        if root_dir.is_dir():
            for p in root_dir.iterdir():
                if p.is_dir() and _NAME.match(p.name) and (p / "object.yaml").exists():
                    names.setdefault(p.name.lower(), p.name)
    return sorted(names.values())


def get_object(name: str, root: Roots = None) -> ObjectAsset:
    """Load and validate object ``name`` (case-insensitive) from ``root`` (default: the search path).

    With several roots the first that holds the name wins.

    Raises:
        ObjectAssetError: unknown name (the message lists the available ones), a name that is not
            a plain identifier (no path separators or ``..``), or a missing/malformed file (the
            message names the file).
    """
    roots = _roots(root)
    where = ", ".join(str(r) for r in roots)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ObjectAssetError(
            f"object name {name!r} is not a plain name (letters, digits, '_'; no paths) under {where}"
        )
    for root_dir in roots:
        matches = [n for n in list_objects([root_dir]) if n.lower() == name.lower()]
        if len(matches) > 1:
            raise ObjectAssetError(f"object name {name!r} is ambiguous in {root_dir}: {matches}")
        if matches:
            return _load(root_dir / matches[0], root_dir)
    available = list_objects(roots)
    raise ObjectAssetError(
        f"unknown object {name!r} in {where}; available: {', '.join(available) or '(none)'}; {_ADD_HINT}"
        + ("" if len(roots) > 1 else f"; objects added with --into DIR are found through ${PATH_ENV}")
    )


def _roots(root: Roots) -> list[Path]:
    if root is None:
        return object_search_path()
    if isinstance(root, (str, Path)):
        return [Path(root).resolve()]
    return [Path(r).resolve() for r in root]


def _inside(path: Path, root: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ObjectAssetError(f"{path} resolves to {resolved}, outside the object root {root}")
    return resolved


def _load(obj_dir: Path, root: Path) -> ObjectAsset:
    obj_dir = _inside(obj_dir, root)
    for required in ("object.yaml", "mesh.obj", "keypoints.npz", "coacd"):
        if not (obj_dir / required).exists():
            raise ObjectAssetError(f"{obj_dir / required}: missing (object {obj_dir.name!r} is incomplete)")
    cfg = _read_yaml(obj_dir / "object.yaml", obj_dir.name)
    mesh_path = _inside(obj_dir / "mesh.obj", root)
    hull_dir = obj_dir / "coacd"
    hulls = sorted(p for p in hull_dir.iterdir() if p.suffix == ".obj")
    bad = [p.name for p in hulls if not _HULL.match(p.name)]
    if bad:
        raise ObjectAssetError(f"{hull_dir}: unexpected files {bad}; hulls must be named hull_XXX.obj")
    if not 1 <= len(hulls) <= MAX_HULLS:
        raise ObjectAssetError(f"{hull_dir}: {len(hulls)} hulls, need 1..{MAX_HULLS}")
    _read_keypoints(obj_dir / "keypoints.npz")
    return ObjectAsset(
        name=obj_dir.name,
        dir=obj_dir,
        mesh_path=mesh_path,
        hull_paths=tuple(_inside(p, root) for p in hulls),
        mass=cfg["mass"],
        friction=cfg["friction"],
        damping=cfg["damping"],
        centre_offset=cfg.get("centre_offset", (0.0, 0.0, 0.0)),
    )


def _read_yaml(path: Path, dir_name: str) -> dict:
    try:
        cfg = safe_load_unique(path.read_text())
    except yaml.YAMLError as exc:
        raise ObjectAssetError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(cfg, dict):
        raise ObjectAssetError(f"{path}: expected a mapping of {sorted(_YAML_KEYS)}")
    unknown, missing = set(cfg) - _YAML_KEYS - _YAML_OPTIONAL, _YAML_KEYS - set(cfg)
    if unknown or missing:
        raise ObjectAssetError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    if cfg["name"] != dir_name:
        raise ObjectAssetError(f"{path}: name {cfg['name']!r} differs from its directory {dir_name!r}")
    for key in ("mass", "friction", "damping"):
        if isinstance(cfg[key], bool) or not isinstance(cfg[key], (int, float)):
            raise ObjectAssetError(f"{path}: {key} must be a number, got {cfg[key]!r}")
        cfg[key] = float(cfg[key])
    if not cfg["mass"] > 0:
        raise ObjectAssetError(f"{path}: mass must be > 0 kg, got {cfg['mass']}")
    if not cfg["friction"] >= 0:
        raise ObjectAssetError(f"{path}: friction must be >= 0, got {cfg['friction']}")
    if not cfg["damping"] >= 0:
        raise ObjectAssetError(f"{path}: damping must be >= 0, got {cfg['damping']}")
    if "centre_offset" in cfg:
        off = cfg["centre_offset"]
        if not (
            isinstance(off, list)
            and len(off) == 3
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in off)
        ):
            raise ObjectAssetError(f"{path}: centre_offset must be 3 finite numbers (m), got {off!r}")
        cfg["centre_offset"] = tuple(float(v) for v in off)
    return cfg


def _read_keypoints(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise ObjectAssetError(f"{path}: cannot read keypoints ({exc})") from exc
    expected = {"dense": (NUM_DENSE, 3), "sparse": (NUM_SPARSE, 3)}
    if set(arrays) != set(expected):
        raise ObjectAssetError(f"{path}: arrays {sorted(arrays)}, expected {sorted(expected)}")
    for key, shape in expected.items():
        arr = arrays[key]
        if arr.shape != shape or arr.dtype != np.float32 or not np.isfinite(arr).all():
            raise ObjectAssetError(
                f"{path}: {key!r} is {arr.dtype}{arr.shape}, expected finite float32{shape}"
            )
    return arrays


__all__ = [
    "DEFAULT_ROOT",
    "PATH_ENV",
    "object_search_path",
    "ObjectAsset",
    "ObjectAssetError",
    "get_object",
    "list_objects",
]
