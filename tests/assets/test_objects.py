"""Object assets: the shipped set, the registry's validation, and the ``add`` / ``build`` pipeline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from hot.assets.objects import DEFAULT_ROOT, ObjectAssetError, get_object, list_objects, prepare
from hot.assets.objects.prepare import ObjectPrepError, add_object, compute_keypoints, load_obj

ORIGINAL = ["Ball", "Bottle", "Bowl", "Box", "Hammer", "Mug", "Pan", "Screwdriver", "Sword", "Wineglass"]
ADDED = [
    "Book",
    "Can",
    "Disc",
    "Drill",
    "Duck",
    "Figure",
    "Knife",
    "Pencil",
    "Phone",
    "Stapler",
    "TennisBall",
]
SHIPPED = sorted(ORIGINAL + ADDED)
REPO = Path(__file__).resolve().parents[2]


def _surface_distance(mesh: trimesh.Trimesh, points: np.ndarray, chunk: int = 16) -> np.ndarray:
    """Exact distance from each point (P, 3) to the mesh surface, brute force over all triangles."""
    tris = np.asarray(mesh.triangles)
    out = []
    for start in range(0, len(points), chunk):
        pts = np.asarray(points[start : start + chunk], dtype=np.float64)
        pairs_t = np.tile(tris, (len(pts), 1, 1))
        pairs_p = np.repeat(pts, len(tris), axis=0)
        closest = trimesh.triangles.closest_point(pairs_t, pairs_p)
        out.append(np.linalg.norm(closest - pairs_p, axis=1).reshape(len(pts), len(tris)).min(axis=1))
    return np.concatenate(out)


def _write_cube(path: Path, offset=(0.0, 0.0, 0.0), open_face: bool = False) -> trimesh.Trimesh:
    cube = trimesh.creation.box(extents=(0.05, 0.04, 0.03))
    cube.apply_translation(offset)
    if open_face:
        cube = trimesh.Trimesh(cube.vertices, cube.faces[:-1], process=False)
    cube.export(path)
    return cube


def _interrupt(*args, **kwargs):
    raise KeyboardInterrupt  # what Ctrl-C raises in the main thread


# --------------------------------------------------------------------------- shipped set


def test_shipped_set_is_listed() -> None:
    assert list_objects() == SHIPPED and len(SHIPPED) >= 20


def test_shipped_set_matches_the_shape_specs() -> None:
    from hot.assets.objects.shapes import SHAPES

    assert sorted(s.name for s in SHAPES) == SHIPPED
    for spec in SHAPES:
        assert get_object(spec.name).mass == spec.mass


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_object_is_valid(name: str) -> None:
    obj = get_object(name)
    assert obj.name == name and obj.dir == DEFAULT_ROOT.resolve() / name
    mesh = obj.surface_mesh
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0
    assert len(mesh.faces) <= 5000
    # origin at the centre of mass (6-decimal OBJ rounding leaves < 1 micrometre)
    np.testing.assert_allclose(mesh.center_mass, 0.0, atol=1e-6)
    # hand-sized (the range `add` enforces): 1-50 cm across; thin objects (Pencil, Phone) are >= 5 mm thick
    lo, hi = prepare.HAND_SIZED_M
    assert lo <= mesh.extents.max() <= hi and mesh.extents.min() >= 0.005
    assert obj.mass > 0 and obj.friction == 2.0 and obj.damping == 0.01
    assert obj.bounding_radius == pytest.approx(np.linalg.norm(mesh.vertices, axis=1).max())

    inertia = obj.inertia()
    np.testing.assert_allclose(inertia, inertia.T, atol=1e-12)
    principal = np.sort(np.linalg.eigvalsh(inertia))
    assert principal[0] > 0
    assert principal[0] + principal[1] >= principal[2] * (1 - 1e-9)

    assert 1 <= len(obj.hull_paths) <= 20
    for hull in obj.hull_meshes():
        assert hull.is_convex and hull.volume > 0
        # every hull lies within the object's bounds (a few mm of slack for CoACD's hull fitting)
        assert np.all(hull.bounds[0] >= mesh.bounds[0] - 0.003) and np.all(
            hull.bounds[1] <= mesh.bounds[1] + 0.003
        )


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_keypoints(name: str) -> None:
    obj = get_object(name)
    dense, sparse = obj.keypoints(), obj.keypoints(dense=False)
    assert dense.shape == (200, 3) and sparse.shape == (20, 3)
    assert dense.dtype == np.float32 and sparse.dtype == np.float32
    # the FPS tail of the dense set is the sparse set, starting at vertex 0 (not the origin)
    np.testing.assert_array_equal(dense[180:], sparse)
    np.testing.assert_array_equal(sparse[0], obj.surface_mesh.vertices[0].astype(np.float32))
    assert len(np.unique(sparse, axis=0)) == 20
    # all points on the surface (10 um: float32 storage and closest-point numerics on thin triangles)
    assert _surface_distance(obj.surface_mesh, dense).max() < 1e-5
    # recomputing from the stored mesh gives bit-identical arrays
    again = compute_keypoints(load_obj(obj.mesh_path))
    np.testing.assert_array_equal(again["dense"], dense)
    np.testing.assert_array_equal(again["sparse"], sparse)
    # FPS spreads points: the sparse set spans most of the object
    assert np.ptp(sparse, axis=0).max() > 0.8 * obj.surface_mesh.extents.max()


def test_keypoint_scale_and_copy() -> None:
    obj = get_object("Bottle")
    np.testing.assert_array_equal(obj.keypoints(scale=1.5), obj.keypoints() * np.float32(1.5))
    np.testing.assert_array_equal(
        obj.keypoints(dense=False, scale=0.75), obj.keypoints(dense=False) * np.float32(0.75)
    )
    pts = obj.keypoints()
    pts[:] = 0.0
    assert np.abs(obj.keypoints()).max() > 0.05  # callers get copies


def test_build_reproduces_committed_files(tmp_path: Path) -> None:
    from hot.assets.objects.__main__ import build

    build(tmp_path, only=["Box", "Ball", "Pencil"])  # none needs manifold3d (no unions)
    for name in ("Box", "Ball", "Pencil"):
        for rel in ("mesh.obj", "object.yaml", "keypoints.npz", "coacd/hull_000.obj"):
            assert (tmp_path / name / rel).read_bytes() == (DEFAULT_ROOT / name / rel).read_bytes(), rel


# --------------------------------------------------------------------------- registry lookups and validation


def test_get_object_ignores_case() -> None:
    assert get_object("bottle") == get_object("Bottle") == get_object("BOTTLE")
    assert get_object("bottle").name == "Bottle"


def test_unknown_object_lists_available() -> None:
    with pytest.raises(ObjectAssetError) as err:
        get_object("Teapot")
    message = str(err.value)
    assert "Teapot" in message and "Bottle" in message and "Wineglass" in message
    assert "python -m hot.assets.objects add" in message


@pytest.mark.parametrize("bad", ["../Bottle", "Bottle/../Box", "/etc", "..", ""])
def test_path_like_names_are_rejected(bad: str) -> None:
    with pytest.raises(ObjectAssetError, match="not a plain name"):
        get_object(bad)


@pytest.fixture
def box_copy(tmp_path: Path) -> Path:
    shutil.copytree(DEFAULT_ROOT / "Box", tmp_path / "Box")
    return tmp_path


def test_copied_object_loads_from_custom_root(box_copy: Path) -> None:
    obj = get_object("box", root=box_copy)
    assert obj.dir == (box_copy / "Box").resolve() and list_objects(box_copy) == ["Box"]


def test_symlink_escaping_root_is_rejected(box_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (box_copy / "Box" / "mesh.obj").rename(outside / "mesh.obj")
    (box_copy / "Box" / "mesh.obj").symlink_to(outside / "mesh.obj")
    with pytest.raises(ObjectAssetError, match="outside the object root"):
        get_object("Box", root=box_copy)


def test_bad_yaml_key_names_the_file(box_copy: Path) -> None:
    path = box_copy / "Box" / "object.yaml"
    path.write_text(path.read_text() + "colour: red\n")
    with pytest.raises(ObjectAssetError, match=r"object\.yaml.*unknown keys \['colour'\]"):
        get_object("Box", root=box_copy)


def test_bad_mass_names_the_file(box_copy: Path) -> None:
    path = box_copy / "Box" / "object.yaml"
    path.write_text(path.read_text().replace("mass: 0.2", "mass: -1"))
    with pytest.raises(ObjectAssetError, match=r"object\.yaml: mass must be > 0"):
        get_object("Box", root=box_copy)


@pytest.mark.parametrize("missing", ["mesh.obj", "keypoints.npz", "coacd"])
def test_missing_file_names_the_file(box_copy: Path, missing: str) -> None:
    target = box_copy / "Box" / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(ObjectAssetError, match=rf"Box/{missing}: missing"):
        get_object("Box", root=box_copy)


def test_too_many_hulls_is_rejected(box_copy: Path) -> None:
    hull = box_copy / "Box" / "coacd" / "hull_000.obj"
    for i in range(1, 21):
        shutil.copy(hull, hull.with_name(f"hull_{i:03d}.obj"))
    with pytest.raises(ObjectAssetError, match="21 hulls"):
        get_object("Box", root=box_copy)


def test_bad_keypoints_are_rejected(box_copy: Path) -> None:
    np.savez(
        box_copy / "Box" / "keypoints.npz", dense=np.zeros((200, 3)), sparse=np.zeros((20, 3), np.float32)
    )
    with pytest.raises(ObjectAssetError, match=r"keypoints\.npz: 'dense' is float64"):
        get_object("Box", root=box_copy)


# --------------------------------------------------------------------------- add


def test_add_cube_end_to_end(tmp_path: Path) -> None:
    src = tmp_path / "cube.stl"
    cube = _write_cube(src, offset=(1.0, 2.0, 3.0))
    root = tmp_path / "objects"
    lines: list[str] = []
    report = add_object(src, "Cube", root, density=1000.0, scale=2.0, log=lines.append)
    assert report.num_hulls == 1 and report.dir == root / "Cube"
    assert any("convex decomposition" in line for line in lines) and any(
        "keypoints" in line for line in lines
    )
    assert sorted(p.name for p in root.iterdir()) == ["Cube"]  # no temporary directories left

    obj = get_object("cube", root=root)
    assert obj.mass == pytest.approx(1000.0 * cube.volume * 8.0, rel=1e-4)  # STL stores float32
    np.testing.assert_allclose(obj.surface_mesh.extents, [0.10, 0.08, 0.06], atol=1e-6)
    np.testing.assert_allclose(obj.surface_mesh.center_mass, 0.0, atol=1e-6)
    assert len(obj.surface_mesh.vertices) >= prepare.MIN_FPS_VERTICES
    assert obj.keypoints().shape == (200, 3) and obj.keypoints(dense=False).shape == (20, 3)
    assert np.abs(obj.keypoints()).max(axis=0) == pytest.approx([0.05, 0.04, 0.03], abs=1e-6)
    (hull,) = obj.hull_meshes()
    assert hull.is_convex and hull.volume == pytest.approx(obj.surface_mesh.volume, rel=0.02)

    with pytest.raises(ObjectPrepError, match="already exists"):
        add_object(src, "Cube", root, mass=0.1, log=lines.append)
    add_object(src, "Cube", root, mass=0.1, overwrite=True, log=lines.append)
    assert get_object("Cube", root=root).mass == 0.1
    assert sorted(p.name for p in root.iterdir()) == ["Cube"]


def test_add_non_watertight_fails_and_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "open_cube.obj"
    _write_cube(src, open_face=True)
    root = tmp_path / "objects"
    with pytest.raises(ObjectPrepError, match=r"open_cube\.obj: mesh is not watertight.*fill_holes"):
        add_object(src, "Open", root, mass=0.1, log=lambda _: None)
    assert not root.exists() or list(root.iterdir()) == []


def test_add_interrupted_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "cube.obj"
    _write_cube(src)
    root = tmp_path / "objects"

    monkeypatch.setattr(prepare, "convex_decompose", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        add_object(src, "Cube", root, mass=0.1, log=lambda _: None)
    assert list(root.iterdir()) == []


def test_add_interrupted_keeps_existing_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "cube.obj"
    _write_cube(src)
    root = tmp_path / "objects"
    add_object(src, "Cube", root, mass=0.3, log=lambda _: None)
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    monkeypatch.setattr(prepare, "compute_keypoints", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        add_object(src, "Cube", root, mass=0.5, overwrite=True, log=lambda _: None)
    after = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_add_rejects_bad_arguments(tmp_path: Path) -> None:
    src = tmp_path / "cube.obj"
    _write_cube(src)
    with pytest.raises(ObjectPrepError, match="either --mass or --density"):
        add_object(src, "Cube", tmp_path / "o", mass=0.1, density=500.0, log=lambda _: None)
    with pytest.raises(ObjectPrepError, match="must match"):
        add_object(src, "../Cube", tmp_path / "o", mass=0.1, log=lambda _: None)
    with pytest.raises(ObjectPrepError, match="max_hulls must be in 1..20"):
        add_object(src, "Cube", tmp_path / "o", mass=0.1, max_hulls=21, log=lambda _: None)
    with pytest.raises(ObjectPrepError, match="missing.obj: mesh file not found"):
        add_object(tmp_path / "missing.obj", "Cube", tmp_path / "o", mass=0.1, log=lambda _: None)


def test_add_cli(tmp_path: Path) -> None:
    good, bad = tmp_path / "cube.stl", tmp_path / "open.obj"
    _write_cube(good)
    _write_cube(bad, open_face=True)
    root = tmp_path / "objects"
    cmd = [sys.executable, "-m", "hot.assets.objects", "add", "--root", str(root), "--max_hulls", "4"]
    ok = subprocess.run(
        [*cmd, "--name", "Foo", "--mesh", str(good), "--mass", "0.2"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "[Foo] done" in ok.stdout and get_object("foo", root=root).mass == 0.2
    fail = subprocess.run(
        [*cmd, "--name", "Bar", "--mesh", str(bad)], cwd=REPO, capture_output=True, text=True
    )
    assert fail.returncode == 2 and "open.obj: mesh is not watertight" in fail.stderr
    assert list_objects(root) == ["Foo"] and sorted(p.name for p in root.iterdir()) == ["Foo"]


def test_add_nan_vertex_is_named_not_called_open(tmp_path: Path) -> None:
    src = tmp_path / "nan.obj"
    cube = trimesh.creation.box(extents=(0.05, 0.04, 0.03))
    v = cube.vertices.copy()
    v[3, 1] = np.nan
    src.write_text(
        "".join(f"v {a} {b} {c}\n" for a, b, c in v)
        + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in cube.faces)
    )
    with pytest.raises(
        ObjectPrepError, match=r"nan\.obj: 1 vertices are NaN or infinite \(the first is vertex 3\)"
    ):
        add_object(src, "Nan", tmp_path / "objects", mass=0.1, log=lambda _: None)


def test_add_warns_outside_hand_size_and_says_how_to_rescale(tmp_path: Path) -> None:
    src = tmp_path / "big.stl"
    trimesh.creation.box(extents=(50.0, 40.0, 30.0)).export(src)  # a 5 cm box exported in millimetres
    lines: list[str] = []
    add_object(src, "Big", tmp_path / "objects", mass=0.1, log=lines.append, max_hulls=4)
    assert any("50 m across, outside a hand-sized object" in s and "--scale 0.001" in s for s in lines), lines
    lines.clear()
    add_object(src, "Small", tmp_path / "objects", mass=0.1, scale=0.001, log=lines.append, max_hulls=4)
    assert not any("hand-sized" in s for s in lines)
