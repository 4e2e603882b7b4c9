"""Turn a watertight mesh into an object directory: recentre, convex-decompose, sample keypoints.

Everything here runs once, when an object is added or the shipped set is rebuilt; nothing runs
at load time. One pipeline serves both ``python -m hot.assets.objects build`` (the procedural
set from :mod:`hot.assets.objects.shapes`) and ``... add`` (a user mesh).

Object directory layout (``<root>/<Name>/``)::

    mesh.obj           watertight surface mesh, metres, object frame (origin = centre of mass)
    coacd/hull_000.obj convex pieces from CoACD (1..20), same frame
    object.yaml        mass (kg), friction, damping, source, license; for an added mesh also
                       centre_offset, the origin's position in the source mesh's frame (m, scaled)
    keypoints.npz      dense (200, 3) and sparse (20, 3) float32 points in the object frame

Keypoints (spec §4.2, made deterministic):

* ``sparse``: farthest-point sampling (FPS) over the mesh vertices, starting from vertex 0.
* ``dense``: 180 area-weighted surface samples drawn with a fixed seed, then the same 20 FPS
  vertices as ``sparse``. Upstream left the first of those 20 at the object origin (0, 0, 0),
  which is inside the object and carries no shape information; here it is vertex 0, so all 200
  points lie on the surface and ``dense[180:] == sparse``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import trimesh
import yaml

from hot.utils.files import atomic_write_text

MAX_HULLS = 20
"""Most convex pieces an object may have (upstream V-HACD limit, spec §4.1)."""
NUM_DENSE_SURFACE = 180
"""Random surface samples at the start of the dense keypoint set."""
NUM_SPARSE = 20
"""FPS vertices: the whole sparse set and the tail of the dense set."""
KEYPOINT_SEED = 0
"""Seed of the surface samples; fixed so every run yields identical keypoints."""
COACD_SEED = 0
"""Seed passed to CoACD so rebuilding gives the same hulls."""
DEFAULT_FRICTION = 2.0
"""Object shape friction (spec §4.1)."""
DEFAULT_DAMPING = 0.01
"""Damping of the object's free joint, all 6 DoFs (spec §4.1: linear and angular 0.01)."""
DEFAULT_DENSITY = 500.0
"""kg/m^3, used by ``add`` when neither mass nor density is given (upstream default)."""
MIN_FPS_VERTICES = 64
"""Meshes with fewer vertices are subdivided so FPS has enough distinct points to choose from."""
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Log = Callable[[str], None]


class ObjectPrepError(RuntimeError):
    """A mesh cannot be turned into an object (not watertight, CoACD failed, bad name, ...)."""


@dataclass(frozen=True)
class PrepReport:
    """What :func:`write_object` produced (for the build log and the report)."""

    name: str
    dir: Path
    extents: tuple[float, float, float]
    mass: float
    num_faces: int
    num_hulls: int
    coacd_seconds: float
    hull_volume: float = float("nan")
    """Total volume of the convex hulls (m^3); over the mesh's volume it says how tightly they fit."""


# --------------------------------------------------------------------------- mesh I/O


def load_obj(path: Path) -> trimesh.Trimesh:
    """Load an OBJ written by :func:`write_obj` exactly as stored (no merging or reordering).

    Keypoint sampling depends on vertex order (FPS starts at vertex 0), so the registry, the
    tests and the writer all load through this one function.
    """
    mesh = trimesh.load(str(path), file_type="obj", force="mesh", process=False, maintain_order=True)
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise ObjectPrepError(f"{path}: no triangles found")
    return mesh


def write_obj(path: Path, vertices: np.ndarray, faces: np.ndarray, header: str = "") -> None:
    """Write a plain OBJ (6 decimals = micrometres; 1-based faces) to ``path`` atomically."""
    lines = [f"# {header}"] if header else []
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in np.asarray(vertices, dtype=np.float64)]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in np.asarray(faces, dtype=np.int64)]
    atomic_write_text(path, "\n".join(lines) + "\n")


def _round_trip(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """The mesh as it will read back from disk (coordinates rounded to 6 decimals)."""
    vertices = np.round(np.asarray(mesh.vertices, dtype=np.float64), 6)
    return trimesh.Trimesh(vertices=vertices, faces=np.asarray(mesh.faces), process=False)


def load_user_mesh(path: Path) -> trimesh.Trimesh:
    """Load an .obj/.stl/.ply given to ``add``, merged into one mesh with duplicate vertices welded.

    Refuses NaN or infinite vertices (before processing, which would silently drop them and open holes).
    """
    if not path.is_file():
        raise ObjectPrepError(f"{path}: mesh file not found")
    try:
        loaded = trimesh.load(str(path), force="mesh", process=False)
    except Exception as exc:  # trimesh raises many types for unreadable files
        raise ObjectPrepError(f"{path}: cannot read mesh ({exc})") from exc
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise ObjectPrepError(f"{path}: no triangles found")
    _check_finite(loaded, str(path))  # before processing, which silently drops such vertices (holes)
    loaded.process()
    loaded.merge_vertices()
    return loaded


# --------------------------------------------------------------------------- checks and frames


HAND_SIZED_M = (0.01, 0.5)
"""Range of an object's largest extent a hand can grasp (m); ``add`` refuses a mesh outside it and
suggests ``--scale``."""
MAX_HOLE_FRACTION = 0.1
"""``add`` closes a hole only if it spans at most this fraction of the object's largest extent."""
MAX_DEGENERATE_FRACTION = 0.05
"""``add`` drops zero-area faces if at most this fraction of the faces are degenerate, else refuses."""


def _check_finite(mesh: trimesh.Trimesh, source: str) -> None:
    verts = np.asarray(mesh.vertices)
    bad = ~np.isfinite(verts).all(axis=1)
    if bad.any():
        raise ObjectPrepError(
            f"{source}: {int(bad.sum())} vertices are NaN or infinite (the first is vertex {int(np.argmax(bad))}); "
            "the file is corrupt or was exported wrongly: re-export the mesh"
        )


def check_watertight(mesh: trimesh.Trimesh, source: str) -> None:
    """Raise :class:`ObjectPrepError` naming ``source`` unless ``mesh`` encloses a volume."""
    _check_finite(mesh, source)
    if not mesh.is_watertight:
        edges = mesh.edges_sorted
        _, counts = np.unique(edges, axis=0, return_counts=True)
        open_edges = int(np.sum(counts == 1))
        raise ObjectPrepError(
            f"{source}: mesh is not watertight ({open_edges} open edges, "
            f"{int(np.sum(counts > 2))} non-manifold edges). Close the holes first, e.g. "
            "trimesh `mesh.fill_holes()`, MeshLab 'Filters > Remeshing > Close Holes', Blender's "
            "3D-Print toolbox 'Make Manifold', or ManifoldPlus; then run `add` again."
        )
    if not mesh.is_winding_consistent:
        raise ObjectPrepError(
            f"{source}: faces have inconsistent winding; re-orient normals (MeshLab 'Re-Orient all "
            "faces coherently' or trimesh `mesh.fix_normals()`) and run `add` again."
        )


def _boundary_loops(mesh: trimesh.Trimesh) -> list[np.ndarray]:
    """The open boundary as groups of edges (each (k, 2) vertex indices), one group per hole."""
    edges = mesh.edges_sorted
    _, first, counts = np.unique(edges, axis=0, return_index=True, return_counts=True)
    boundary = edges[first[counts == 1]]
    if len(boundary) == 0:
        return []
    labels = trimesh.graph.connected_component_labels(boundary, node_count=len(mesh.vertices))
    groups: dict[int, list[int]] = {}
    for i, (a, _) in enumerate(boundary):
        groups.setdefault(int(labels[a]), []).append(i)
    return [boundary[idx] for idx in groups.values()]


def repair_mesh(mesh: trimesh.Trimesh, source: str, log: Log = print, scale: float = 1.0) -> trimesh.Trimesh:
    """Repair what is safe to repair in a user mesh, or raise :class:`ObjectPrepError` saying why not.

    Safe: welding duplicate vertices, dropping a few zero-area or duplicate faces, closing holes
    that span at most :data:`MAX_HOLE_FRACTION` of the object (a fan of new triangles per hole),
    making the winding consistent. Refused: NaN vertices, many degenerate faces, non-manifold
    edges, larger holes (the message gives their edge count and size). Each repair logs one line.
    ``scale`` converts the mesh's units to metres for the sizes in messages (``add --scale``).
    """
    _check_finite(mesh, source)
    out = mesh.copy()
    out.merge_vertices()
    degenerate = int((~out.nondegenerate_faces(height=1e-12)).sum())
    if degenerate > MAX_DEGENERATE_FRACTION * len(out.faces):
        raise ObjectPrepError(
            f"{source}: {degenerate} of {len(out.faces)} faces are degenerate (zero area), more than "
            f"{MAX_DEGENERATE_FRACTION:.0%}; the mesh is broken, re-export or remesh it (MeshLab 'Remove "
            "Zero Area Faces' then 'Close Holes') and run `add` again"
        )
    n_faces = len(out.faces)
    out.update_faces(out.nondegenerate_faces(height=1e-12))
    out.update_faces(out.unique_faces())
    out.remove_unreferenced_vertices()
    if len(out.faces) < n_faces:
        log(f"[repair] {source}: removed {n_faces - len(out.faces)} degenerate or duplicate faces")
    _, counts = np.unique(out.edges_sorted, axis=0, return_counts=True)
    non_manifold = int((counts > 2).sum())
    if non_manifold:
        raise ObjectPrepError(
            f"{source}: {non_manifold} non-manifold edges (shared by more than two faces); the mesh is "
            "several touching parts or self-intersecting: make it manifold (Blender 3D-Print toolbox "
            "'Make Manifold', or ManifoldPlus) and run `add` again"
        )
    loops = _boundary_loops(out)
    if loops:
        size = float(np.max(out.extents)) * scale
        spans = [float(np.ptp(out.vertices[np.unique(loop)], axis=0).max()) * scale for loop in loops]
        edges = sum(len(loop) for loop in loops)
        worst = int(np.argmax(spans))
        if spans[worst] > MAX_HOLE_FRACTION * size:
            raise ObjectPrepError(
                f"{source}: mesh is not watertight: open boundary of {edges} edges in {len(loops)} "
                f"hole(s), the largest {len(loops[worst])} edges and {100 * spans[worst]:.1f} cm across, "
                f"more than {MAX_HOLE_FRACTION:.0%} of the object's {100 * size:.1f} cm, too big to close "
                "safely; close it first (MeshLab 'Filters > Remeshing > Close Holes', Blender's 3D-Print "
                "toolbox 'Make Manifold', or ManifoldPlus) and run `add` again"
            )
        trimesh.repair.fill_holes(out, use_fan=True)
        if not out.is_watertight:
            raise ObjectPrepError(
                f"{source}: mesh is not watertight: {edges} open edges in {len(loops)} hole(s) that "
                "could not be closed automatically; close them (MeshLab 'Close Holes') and run `add` again"
            )
        log(
            f"[repair] {source}: closed {len(loops)} small hole(s) ({edges} open edges, the largest "
            f"{100 * max(spans):.2f} cm across)"
        )
    if not out.is_winding_consistent:
        trimesh.repair.fix_winding(out)
        if not out.is_winding_consistent:
            raise ObjectPrepError(
                f"{source}: faces have inconsistent winding that could not be fixed; re-orient normals "
                "(MeshLab 'Re-Orient all faces coherently') and run `add` again"
            )
        log(f"[repair] {source}: made the face winding consistent")
    return out


def check_hand_sized(mesh: trimesh.Trimesh, source: str, scale: float) -> None:
    """Refuse a mesh whose largest extent (m, after ``scale``) is outside :data:`HAND_SIZED_M`, saying which way."""
    size = float(np.max(mesh.extents)) * scale
    lo, hi = HAND_SIZED_M
    if lo <= size <= hi:
        return
    # the usual culprit: a CAD or scan export in another unit; suggest the units that make it fit
    raw = size / scale  # in the file's units
    units = (("millimetres", 0.001), ("centimetres", 0.01), ("inches", 0.0254))
    fits = [f"in {u} pass --scale {f:g} ({100 * raw * f:.1f} cm)" for u, f in units if lo <= raw * f <= hi]
    hint = (
        "if it is " + ", or ".join(fits)
        if fits
        else f"rescale it, e.g. --scale {0.1 / raw:.3g} makes it 10 cm across"
    )
    raise ObjectPrepError(
        f"{source}: the object is {size:.3g} m across after --scale {scale:g}, outside a hand-sized "
        f"object ({100 * lo:g}-{100 * hi:g} cm): {'too big' if size > hi else 'too small'}; {hint}"
    )


def to_object_frame(mesh: trimesh.Trimesh, scale: float = 1.0) -> trimesh.Trimesh:
    """Scale, orient outward and translate so the centre of mass (uniform density) is the origin.

    Meshes with fewer than :data:`MIN_FPS_VERTICES` vertices are subdivided (same surface,
    more vertices) so vertex FPS has points to choose from.
    """
    out = mesh.copy()
    if scale != 1.0:
        out.apply_scale(scale)
    if out.volume < 0:
        out.invert()
    while len(out.vertices) < MIN_FPS_VERTICES:
        out = out.subdivide()
    out.apply_translation(-out.center_mass)
    return out


# --------------------------------------------------------------------------- keypoints


def farthest_point_indices(points: np.ndarray, count: int, start: int = 0) -> np.ndarray:
    """Greedy farthest-point sampling.

    Args:
        points: (V, 3) candidate points.
        count: how many to pick (<= V).
        start: index of the first pick.

    Returns:
        (count,) int64 indices into ``points``; ties go to the lowest index.
    """
    pts = np.asarray(points, dtype=np.float64)
    if count > len(pts):
        raise ObjectPrepError(f"FPS needs {count} points, mesh has {len(pts)} vertices")
    picked = np.empty(count, dtype=np.int64)
    picked[0] = start
    dist = np.linalg.norm(pts - pts[start], axis=1)
    for i in range(1, count):
        picked[i] = int(np.argmax(dist))
        dist = np.minimum(dist, np.linalg.norm(pts - pts[picked[i]], axis=1))
    return picked


def sample_surface(mesh: trimesh.Trimesh, count: int, seed: int) -> np.ndarray:
    """Area-weighted uniform samples on the surface, (count, 3) float64, fully determined by ``seed``.

    Implemented here (not ``trimesh.sample``) so the numbers do not change with trimesh versions.
    """
    rng = np.random.default_rng(seed)
    tris = np.asarray(mesh.triangles, dtype=np.float64)
    area = 0.5 * np.linalg.norm(np.cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), axis=1)
    cumulative = np.cumsum(area)
    face = np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right")
    face = np.minimum(face, len(tris) - 1)
    uv = rng.random((count, 2))
    flip = uv.sum(axis=1) > 1.0
    uv[flip] = 1.0 - uv[flip]
    t = tris[face]
    return t[:, 0] + uv[:, :1] * (t[:, 1] - t[:, 0]) + uv[:, 1:] * (t[:, 2] - t[:, 0])


def compute_keypoints(mesh: trimesh.Trimesh, seed: int = KEYPOINT_SEED) -> dict[str, np.ndarray]:
    """Dense and sparse keypoints of a mesh already in its object frame.

    Returns:
        ``{"dense": (200, 3) float32, "sparse": (20, 3) float32}``, object frame, metres.
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    sparse = vertices[farthest_point_indices(vertices, NUM_SPARSE, start=0)]
    surface = sample_surface(mesh, NUM_DENSE_SURFACE, seed)
    dense = np.concatenate([surface, sparse], axis=0)
    return {"dense": dense.astype(np.float32), "sparse": sparse.astype(np.float32)}


# --------------------------------------------------------------------------- convex decomposition


def convex_decompose(
    mesh: trimesh.Trimesh, max_hulls: int = MAX_HULLS, source: str = "mesh", threshold: float = 0.05
) -> list[trimesh.Trimesh]:
    """CoACD convex decomposition into at most ``max_hulls`` convex pieces (object frame).

    Each piece is replaced by its own convex hull, so it is exactly convex after CoACD's merging.
    Hulls are not decimated to upstream V-HACD's 64 vertices: CoACD's decimation shrank a
    bottle's hulls by 8 % of its volume and a 64-vertex ball loses 9 %; a consumer that needs
    fewer vertices can set MuJoCo's ``maxhullvert`` on the mesh asset.
    """
    import coacd  # heavy native module: only needed when building assets

    if not 1 <= max_hulls <= MAX_HULLS:
        raise ObjectPrepError(f"max_hulls must be in 1..{MAX_HULLS}, got {max_hulls}")
    coacd.set_log_level("error")
    try:
        parts = coacd.run_coacd(
            coacd.Mesh(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int32)),
            threshold=threshold,
            max_convex_hull=max_hulls,
            seed=COACD_SEED,
        )
    except Exception as exc:
        raise ObjectPrepError(f"{source}: CoACD convex decomposition failed ({exc})") from exc
    hulls = []
    for vertices, faces in parts:
        piece = trimesh.Trimesh(vertices=np.asarray(vertices), faces=np.asarray(faces), process=True)
        if len(piece.vertices) >= 4 and piece.volume > 1e-12:
            # hull of the coordinates as written to disk (6 decimals), so the stored file is convex
            hulls.append(trimesh.convex.convex_hull(np.round(piece.vertices, 6)))
    if not 1 <= len(hulls) <= max_hulls:
        raise ObjectPrepError(
            f"{source}: CoACD returned {len(hulls)} usable convex pieces (need 1..{max_hulls})"
        )
    return hulls


# --------------------------------------------------------------------------- writing a directory


def object_yaml_text(
    name: str, mass: float, source: str, license: str, centre_offset: np.ndarray | None = None
) -> str:
    """The ``object.yaml`` contents (keys validated by :mod:`hot.assets.objects.registry`)."""
    data = {
        "name": name,
        "mass": float(mass),
        "friction": DEFAULT_FRICTION,
        "damping": DEFAULT_DAMPING,
        "source": source,
        "license": license,
    }
    if centre_offset is not None:
        # where the object's origin (its centre of mass) lies in the source mesh, metres after --scale
        data["centre_offset"] = [round(float(v), 6) for v in centre_offset]
    header = (
        "# mass in kg; friction = shape friction; damping = free-joint damping on all 6 DoFs\n"
        "# (upstream: linear and angular damping 0.01)\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False)


def write_object(
    mesh: trimesh.Trimesh,
    name: str,
    root: Path,
    *,
    mass: float,
    source: str,
    license: str,
    max_hulls: int = MAX_HULLS,
    overwrite: bool = False,
    log: Log = print,
    centre_offset: np.ndarray | None = None,
) -> PrepReport:
    """Write ``<root>/<name>/`` from a watertight mesh already in its object frame, atomically.

    The directory is assembled in a hidden temporary directory next to its final place and
    renamed into place only when complete; on any failure (including Ctrl-C) the temporary
    directory is removed and an existing object of that name is left untouched.

    Args:
        mesh: watertight mesh, metres, origin at its centre of mass (see :func:`to_object_frame`).
        name: object name, also the directory name (letters, digits, ``_``; starts with a letter).
        root: object root directory (created if missing).
        mass: kg, > 0.
        source, license: provenance written to ``object.yaml``.
        max_hulls: CoACD limit, 1..20.
        overwrite: replace an existing object directory of the same name.
        log: progress sink, one line per stage.
        centre_offset: (3,) origin in the source mesh's frame, recorded in ``object.yaml`` if given.
    """
    if not NAME_PATTERN.match(name):
        raise ObjectPrepError(f"object name {name!r} must match {NAME_PATTERN.pattern}")
    if not mass > 0:
        raise ObjectPrepError(f"{name}: mass must be > 0 kg, got {mass}")
    check_watertight(mesh, name)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = root / name
    clash = [p for p in root.iterdir() if p.name.lower() == name.lower() and p.name != name]
    if clash:
        raise ObjectPrepError(f"{root}: an object named {clash[0].name!r} already exists (names ignore case)")
    if final.exists() and not overwrite:
        raise ObjectPrepError(f"{final} already exists; pass --overwrite to replace it")

    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
    try:
        stored = _round_trip(mesh)
        log(f"[{name}] writing mesh.obj ({len(stored.faces)} faces)")
        write_obj(tmp / "mesh.obj", stored.vertices, stored.faces, header="generated by hot")
        # keypoints come from the mesh exactly as it reads back, so a later recompute is bit-identical
        stored = load_obj(tmp / "mesh.obj")

        log(f"[{name}] convex decomposition with CoACD (<= {max_hulls} hulls)")
        t0 = time.perf_counter()
        hulls = convex_decompose(stored, max_hulls=max_hulls, source=name)
        coacd_seconds = time.perf_counter() - t0
        (tmp / "coacd").mkdir()
        for i, hull in enumerate(hulls):
            write_obj(tmp / "coacd" / f"hull_{i:03d}.obj", hull.vertices, hull.faces)
        log(f"[{name}] {len(hulls)} hulls in {coacd_seconds:.1f} s")

        log(f"[{name}] sampling keypoints ({NUM_DENSE_SURFACE}+{NUM_SPARSE} dense, {NUM_SPARSE} sparse)")
        keypoints = compute_keypoints(stored)
        with open(tmp / "keypoints.npz", "wb") as f:
            # Any values: a dict[str, ndarray] splat could otherwise also fill savez's `allow_pickle: bool`
            np.savez(f, **cast("dict[str, Any]", keypoints))

        log(f"[{name}] writing object.yaml (mass {mass:.3f} kg)")
        atomic_write_text(tmp / "object.yaml", object_yaml_text(name, mass, source, license, centre_offset))

        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"[{name}] done: {final}")
    extents = (float(stored.extents[0]), float(stored.extents[1]), float(stored.extents[2]))
    hull_volume = float(sum(h.volume for h in hulls))
    return PrepReport(
        name, final, extents, float(mass), len(stored.faces), len(hulls), coacd_seconds, hull_volume
    )


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Rename ``tmp`` to ``final``; an existing ``final`` is moved aside first and removed after."""
    if not final.exists():
        os.rename(tmp, final)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.rmdir(old)
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def add_object(
    mesh_path: Path,
    name: str,
    root: Path,
    *,
    mass: float | None = None,
    density: float | None = None,
    scale: float = 1.0,
    max_hulls: int = MAX_HULLS,
    license: str = "unspecified (user-supplied mesh)",
    overwrite: bool = False,
    log: Log = print,
) -> PrepReport:
    """Add a user mesh as object ``name`` under ``root`` (the ``add`` command).

    Steps: load (NaN vertices refused); check the size is hand-sized after ``scale`` (else refuse,
    suggesting a ``--scale``); repair what is safe (:func:`repair_mesh`) or refuse with the reason;
    centre at the centre of mass (uniform density), the offset recorded in ``object.yaml``; write
    the object; log the hull count, mass and a one-line sanity summary.

    Mass is ``mass`` if given, else ``density`` (default 500 kg/m^3) times the scaled volume.
    """
    if mass is not None and density is not None:
        raise ObjectPrepError("give either --mass or --density, not both")
    if not scale > 0:
        raise ObjectPrepError(f"--scale must be > 0, got {scale}")
    if mass is not None and not mass > 0:
        raise ObjectPrepError(f"--mass must be > 0 kg, got {mass}")
    if density is not None and not density > 0:
        raise ObjectPrepError(f"--density must be > 0 kg/m^3, got {density}")
    if not NAME_PATTERN.match(name):
        raise ObjectPrepError(f"object name {name!r} must match {NAME_PATTERN.pattern}")
    mesh_path = Path(mesh_path)
    log(f"[{name}] loading {mesh_path}")
    raw = load_user_mesh(mesh_path)
    check_hand_sized(raw, str(mesh_path), scale)
    raw = repair_mesh(
        raw, str(mesh_path), log=lambda line: log(f"[{name}] {line.removeprefix('[repair] ')}"), scale=scale
    )
    check_watertight(raw, str(mesh_path))
    scaled = raw.copy()
    scaled.apply_scale(scale)
    if scaled.volume < 0:
        scaled.invert()
    offset = np.asarray(scaled.center_mass, dtype=np.float64)
    mesh = to_object_frame(raw, scale)
    log(
        f"[{name}] centred at its centre of mass: the origin is at ({', '.join(f'{100 * v + 0.0:.2f}' for v in offset.round(6))}) cm "
        "in the source mesh (scaled), recorded as centre_offset in object.yaml"
    )
    if mass is None:
        mass = (DEFAULT_DENSITY if density is None else density) * float(mesh.volume)
    if len(mesh.faces) > 20000:
        log(f"[{name}] warning: {len(mesh.faces)} faces; consider simplifying the mesh to a few thousand")
    report = write_object(
        mesh,
        name,
        root,
        mass=mass,
        source=f"added from {mesh_path.name} with scale {scale}",
        license=license,
        max_hulls=max_hulls,
        overwrite=overwrite,
        log=log,
        centre_offset=offset,
    )
    log(f"[{name}] {sanity_summary(report, mesh)}")
    return report


def sanity_summary(report: PrepReport, mesh: trimesh.Trimesh) -> str:
    """One line: size, volume, mass and density, hull count and fit, pieces, watertightness."""
    ext = " x ".join(f"{100 * e:.1f}" for e in report.extents)
    volume = float(mesh.volume)
    fit = report.hull_volume / volume if volume > 0 else float("nan")
    pieces = mesh.body_count
    return (
        f"{report.num_hulls} hull{'s' if report.num_hulls != 1 else ''}, mass {report.mass:.3f} kg; sanity: {ext} cm, {1e6 * volume:.1f} cm^3, "
        f"density {report.mass / volume:.0f} kg/m^3, hulls {100 * fit:.0f} % of the volume, "
        f"{pieces} piece{'s' if pieces != 1 else ''}, {'watertight' if mesh.is_watertight else 'NOT watertight'}"
    )
