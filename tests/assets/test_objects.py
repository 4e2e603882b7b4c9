"""Object assets: the shipped set, the registry's validation, and the ``add`` / ``build`` pipeline."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml

from hot.assets.objects import (
    DEFAULT_ROOT,
    ObjectAssetError,
    get_object,
    list_objects,
    object_search_path,
    prepare,
)
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


def test_shipped_set_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOT_OBJECTS_PATH", raising=False)
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
    # the origin was the cube's centre at (1, 2, 3) m in the file, scaled by 2
    assert obj.centre_offset == pytest.approx((2.0, 4.0, 6.0), abs=1e-6)
    assert any(
        "centred at its centre of mass" in line and "(200.00, 400.00, 600.00) cm" in line for line in lines
    )
    assert any("1 hull, mass" in line and "sanity: 10.0 x 8.0 x 6.0 cm" in line for line in lines), lines
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
    with pytest.raises(
        ObjectPrepError, match=r"open_cube\.obj: mesh is not watertight: open boundary of 3 edges"
    ):
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


def _nan_cube(path: Path) -> None:
    cube = trimesh.creation.box(extents=(0.05, 0.04, 0.03))
    v = cube.vertices.copy()
    v[3, 1] = np.nan
    path.write_text(
        "".join(f"v {a} {b} {c}\n" for a, b, c in v)
        + "".join(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in cube.faces)
    )


def _big_hole_sphere(path: Path) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.04)
    cap = sphere.triangles_center[:, 2] > 0.03  # a 5 cm wide cap cut away
    trimesh.Trimesh(sphere.vertices, sphere.faces[~cap], process=False).export(path)


def _degenerate_cube(path: Path) -> None:
    cube = trimesh.creation.box(extents=(0.05, 0.04, 0.03))
    faces = np.concatenate([cube.faces, np.tile([[0, 1, 1]], (4, 1))])  # 4 zero-area faces of 16
    trimesh.Trimesh(cube.vertices, faces, process=False).export(path)


def _mm_box(path: Path) -> None:
    trimesh.creation.box(extents=(50.0, 40.0, 30.0)).export(path)  # a 5 cm box exported in millimetres


def _grain(path: Path) -> None:
    trimesh.creation.box(extents=(0.004, 0.003, 0.002)).export(path)


BAD_MESHES = [
    ("nan.obj", _nan_cube, r"nan\.obj: 1 vertices are NaN or infinite \(the first is vertex 3\)"),
    (
        "open.stl",
        _big_hole_sphere,
        r"open\.stl: mesh is not watertight: open boundary of \d+ edges in 1 hole\(s\).*too big to close safely",
    ),
    ("degenerate.obj", _degenerate_cube, r"degenerate\.obj: 4 of 16 faces are degenerate \(zero area\)"),
    (
        "mm.stl",
        _mm_box,
        r"mm\.stl: the object is 50 m across .*too big; if it is in millimetres pass --scale 0\.001",
    ),
    (
        "grain.stl",
        _grain,
        r"grain\.stl: the object is 0\.004 m across .*too small; rescale it, e\.g\. --scale 25",
    ),
]


@pytest.mark.parametrize(("file", "make", "message"), BAD_MESHES, ids=[b[0] for b in BAD_MESHES])
def test_add_refuses_bad_meshes_saying_why(tmp_path: Path, file: str, make, message: str) -> None:
    make(tmp_path / file)
    root = tmp_path / "objects"
    with pytest.raises(ObjectPrepError, match=message):
        add_object(tmp_path / file, "Bad", root, mass=0.1, log=lambda _: None)
    assert not root.exists() or list(root.iterdir()) == []


def test_a_hole_in_a_mm_mesh_is_reported_in_scaled_cm(tmp_path: Path) -> None:
    # the hole's and the object's sizes in the message are after --scale (found with a mesh in file units of
    # 1.6 across, scale 0.05, reported as a 160 cm object)
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=40.0)  # 8 cm across, in millimetres
    cap = sphere.triangles_center[:, 2] > 30.0
    trimesh.Trimesh(sphere.vertices, sphere.faces[~cap], process=False).export(tmp_path / "open_mm.stl")
    with pytest.raises(ObjectPrepError, match=r"the object's 8\.0 cm, too big to close"):
        add_object(
            tmp_path / "open_mm.stl", "Bad", tmp_path / "objects", mass=0.1, scale=0.001, log=lambda _: None
        )


def test_add_rescales_a_mm_mesh_with_scale(tmp_path: Path) -> None:
    _mm_box(tmp_path / "mm.stl")
    add_object(tmp_path / "mm.stl", "Small", tmp_path / "objects", mass=0.1, scale=0.001, log=lambda _: None)
    np.testing.assert_allclose(
        get_object("Small", tmp_path / "objects").surface_mesh.extents, [0.05, 0.04, 0.03]
    )


def test_add_closes_a_small_hole(tmp_path: Path) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.04)
    trimesh.Trimesh(sphere.vertices, sphere.faces[1:], process=False).export(tmp_path / "holey.obj")
    lines: list[str] = []
    add_object(tmp_path / "holey.obj", "Holey", tmp_path / "objects", mass=0.1, log=lines.append, max_hulls=2)
    assert any("closed 1 small hole(s) (3 open edges" in line for line in lines), lines
    mesh = get_object("Holey", tmp_path / "objects").surface_mesh
    assert mesh.is_watertight and len(mesh.faces) == len(sphere.faces)
    assert mesh.volume == pytest.approx(sphere.volume, rel=1e-5)  # 6-decimal OBJ coordinates


def test_add_drops_a_few_degenerate_faces(tmp_path: Path) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=0.04)
    faces = np.concatenate([sphere.faces, [[0, 0, 1], [5, 6, 5]]])
    trimesh.Trimesh(sphere.vertices, faces, process=False).export(tmp_path / "ball.obj")
    lines: list[str] = []
    add_object(tmp_path / "ball.obj", "Ball2", tmp_path / "objects", mass=0.1, log=lines.append, max_hulls=2)
    assert any("removed 2 degenerate or duplicate faces" in line for line in lines), lines
    assert len(get_object("Ball2", tmp_path / "objects").surface_mesh.faces) == len(sphere.faces)


def test_add_into_keeps_the_package_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "cube.stl"
    _write_cube(src, offset=(0.1, 0.0, 0.0))
    before = sorted(p.relative_to(DEFAULT_ROOT) for p in DEFAULT_ROOT.rglob("*"))
    into = tmp_path / "mine"
    cmd = [sys.executable, "-m", "hot.assets.objects", "add", "--into", str(into), "--mesh", str(src)]
    ok = subprocess.run([*cmd, "--name", "MyCube"], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert f"--objects_dir {into}" in ok.stdout and f"HOT_OBJECTS_PATH={into}" in ok.stdout
    clash = subprocess.run([*cmd, "--name", "box"], cwd=REPO, capture_output=True, text=True)
    assert clash.returncode == 2 and "a shipped object is called Box" in clash.stderr
    assert len(clash.stderr.strip().splitlines()) == 1
    assert sorted(p.relative_to(DEFAULT_ROOT) for p in DEFAULT_ROOT.rglob("*")) == before
    assert list_objects(into) == ["MyCube"]

    # found through the search path: an explicit directory list, or $HOT_OBJECTS_PATH
    monkeypatch.delenv("HOT_OBJECTS_PATH", raising=False)
    with pytest.raises(ObjectAssetError, match="unknown object 'mycube'"):
        get_object("mycube")
    assert get_object("mycube", object_search_path([into])).dir == into.resolve() / "MyCube"
    assert get_object("bottle", object_search_path([into])).dir == DEFAULT_ROOT.resolve() / "Bottle"
    monkeypatch.setenv("HOT_OBJECTS_PATH", str(into))
    assert get_object("mycube").centre_offset == pytest.approx((0.1, 0.0, 0.0), abs=1e-6)
    assert list_objects() == sorted([*SHIPPED, "MyCube"])


def test_bad_centre_offset_names_the_file(tmp_path: Path) -> None:
    src = tmp_path / "cube.obj"
    _write_cube(src)
    add_object(src, "Cube", tmp_path, mass=0.1, log=lambda _: None)
    path = tmp_path / "Cube" / "object.yaml"
    text = path.read_text()
    assert yaml.safe_load(text)["centre_offset"] == [0.0, 0.0, 0.0]
    path.write_text(text[: text.index("centre_offset")] + "centre_offset: [0.0, .nan, 0.0]\n")
    with pytest.raises(ObjectAssetError, match=r"object\.yaml: centre_offset must be 3 finite numbers"):
        get_object("Cube", tmp_path)
