"""The objects shipped with ``hot``, made procedurally (metres; mostly built with the long/symmetry axis on z).

Bottle, Box, Hammer and Sword stand in for the upstream release set (spec §4.1); Ball, Mug,
Bowl, Pan, Screwdriver and Wineglass come from the upstream data-generation list. The second
eleven widen the shape families of that list (issue 23): bottles and cans (Can), boxes and books
(Book, Phone), tools (Knife, Stapler, Drill), toys and figures (Figure, Duck), thin objects
(Pencil, Disc, a flying disc) and spheres (TennisBall). Sizes and masses are those of everyday
objects a hand can hold; all are generated here, so there is no third-party licence. Each builder returns a watertight mesh in
its build frame; :func:`hot.assets.objects.prepare.to_object_frame` moves the origin to the
centre of mass. Unions (Hammer, Sword, Mug, Pan, Knife, Stapler, Drill, Figure, Duck) use trimesh's ``manifold3d`` boolean engine,
needed only to rebuild the assets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import trimesh

SECTIONS = 64
"""Angular sections of revolved profiles."""


@dataclass(frozen=True)
class ShapeSpec:
    """One shipped object: how to make it and what it weighs."""

    name: str
    build: Callable[[], trimesh.Trimesh]
    mass: float
    """kg"""
    description: str


def _revolve(profile: list[tuple[float, float]] | np.ndarray, sections: int = SECTIONS) -> trimesh.Trimesh:
    """Revolve an (r, z) profile that starts and ends on the axis (r = 0) about z into a closed solid."""
    pts = np.asarray(profile, dtype=np.float64)
    mesh = trimesh.creation.revolve(pts, sections=sections)
    if mesh.volume < 0:
        mesh.invert()
    return mesh


def _arc(cr: float, cz: float, radius: float, a0: float, a1: float, n: int = 5) -> list[tuple[float, float]]:
    """Points (r, z) on a circular arc centred at (cr, cz) from angle a0 to a1 (degrees), both included."""
    a = np.radians(np.linspace(a0, a1, n))
    return [(cr + radius * np.cos(t), cz + radius * np.sin(t)) for t in a]


def _union(*meshes: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.boolean.union(list(meshes), engine="manifold")


def _difference(a: trimesh.Trimesh, b: trimesh.Trimesh) -> trimesh.Trimesh:
    return trimesh.boolean.difference([a, b], engine="manifold")


def _move(mesh: trimesh.Trimesh, rotation: np.ndarray | None = None, translation=(0.0, 0.0, 0.0)):
    tf = np.eye(4)
    if rotation is not None:
        tf[:3, :3] = rotation
    tf[:3, 3] = translation
    return mesh.copy().apply_transform(tf)


def _rot(axis: str, degrees: float) -> np.ndarray:
    vec = {"x": [1, 0, 0], "y": [0, 1, 0], "z": [0, 0, 1]}[axis]
    return np.asarray(trimesh.transformations.rotation_matrix(np.radians(degrees), vec))[:3, :3]


# --------------------------------------------------------------------------- objects


def bottle() -> trimesh.Trimesh:
    """Drinks bottle: 7 cm diameter, 21.5 cm tall, shoulder into a 2.7 cm neck and a 3 cm cap."""
    shoulder_z = np.linspace(0.135, 0.185, 8)
    t = (shoulder_z - 0.135) / 0.05
    shoulder_r = 0.0135 + (0.035 - 0.0135) * 0.5 * (1 + np.cos(np.pi * t))
    profile = [(0.0, 0.0), *_arc(0.031, 0.004, 0.004, -90, 0)]
    profile += list(zip(shoulder_r, shoulder_z, strict=True))
    profile += [(0.0135, 0.197), (0.015, 0.197), (0.015, 0.213), (0.013, 0.215), (0.0, 0.215)]
    return _revolve(profile)


def box() -> trimesh.Trimesh:
    """Small cardboard box 12 x 8 x 5 cm, subdivided so vertex sampling has points on every face."""
    mesh = trimesh.creation.box(extents=(0.12, 0.08, 0.05))
    for _ in range(3):
        mesh = mesh.subdivide()
    return mesh


def hammer() -> trimesh.Trimesh:
    """Claw-less hammer: 28 cm handle (2.7 cm diameter) with an 11 x 2.8 x 3.2 cm head on top."""
    handle = trimesh.creation.capsule(height=0.26, radius=0.0135, count=(32, 16))
    handle.apply_translation((0, 0, 0.0135 + 0.13))
    head = trimesh.creation.box(extents=(0.11, 0.028, 0.032))
    for _ in range(2):
        head = head.subdivide()
    head.apply_translation((0.015, 0.0, 0.275))
    face = trimesh.creation.cylinder(radius=0.016, height=0.012, sections=32)
    face = _move(face, _rot("y", 90), (0.015 + 0.055 + 0.006, 0.0, 0.275))
    return _union(handle, head, face)


def sword() -> trimesh.Trimesh:
    """Short sword, 40 cm: pommel, 9 cm grip, 9 cm cross-guard and a 28 cm diamond-section blade."""
    pommel = trimesh.creation.icosphere(subdivisions=2, radius=0.018)
    pommel.apply_translation((0, 0, 0.018))
    grip = trimesh.creation.cylinder(radius=0.012, height=0.10, sections=32)
    grip.apply_translation((0, 0, 0.03 + 0.05))
    guard = trimesh.creation.box(extents=(0.09, 0.022, 0.014))
    guard.apply_translation((0, 0, 0.127))
    base_z, shoulder_z, tip_z = 0.125, 0.36, 0.40

    def diamond(half_width: float, half_thick: float, z: float) -> list[list[float]]:
        return [[half_width, 0, z], [0, half_thick, z], [-half_width, 0, z], [0, -half_thick, z]]

    blade_pts = diamond(0.018, 0.004, base_z) + diamond(0.014, 0.0035, shoulder_z) + [[0, 0, tip_z]]
    blade = trimesh.convex.convex_hull(np.asarray(blade_pts))
    for _ in range(3):
        blade = blade.subdivide()
    return _union(pommel, grip, guard, blade)


def ball() -> trimesh.Trimesh:
    """Ball of 8 cm diameter (between a baseball and a softball)."""
    return trimesh.creation.icosphere(subdivisions=3, radius=0.04)


def mug() -> trimesh.Trimesh:
    """Mug: 8.2 cm diameter, 9.5 cm tall, 4.5 mm wall, 8 mm base, loop handle 3.4 cm out."""
    r_out, height, wall, base = 0.041, 0.095, 0.0045, 0.008
    r_in = r_out - wall
    profile = [(0.0, 0.0), *_arc(r_out - 0.003, 0.003, 0.003, -90, 0)]
    profile += [
        (r_out, height),
        (r_in, height),
        *_arc(r_in - 0.003, base + 0.003, 0.003, 0, -90),
        (0.0, base),
    ]
    cup = _revolve(profile)
    loop = trimesh.creation.torus(
        major_radius=0.028, minor_radius=0.0065, major_sections=48, minor_sections=16
    )
    loop.apply_scale((1.0, 1.25, 1.0))  # taller than wide once turned upright
    loop = _move(loop, _rot("x", 90), (r_out, 0.0, 0.05))
    inside = trimesh.creation.cylinder(radius=r_out - 0.002, height=0.2, sections=SECTIONS)
    return _union(cup, _difference(loop, inside))


def bowl() -> trimesh.Trimesh:
    """Bowl: 15 cm diameter, 6.5 cm tall, 7 cm foot, about 5 mm wall."""
    rim_z = 0.065
    t_foot = -np.arccos(0.035 / 0.075)
    t_out = np.linspace(t_foot, 0.0, 16)
    outer = [(0.075 * np.cos(t), rim_z + 0.062 * np.sin(t)) for t in t_out]
    t_in = np.linspace(0.0, -np.pi / 2, 20)
    inner = [(0.070 * np.cos(t), rim_z + 0.057 * np.sin(t)) for t in t_in]
    inner[-1] = (0.0, inner[-1][1])
    profile = [(0.0, 0.0), (0.035, 0.0), *outer, *inner]
    return _revolve(profile)


def pan() -> trimesh.Trimesh:
    """Small frying pan: 20 cm across, 4 cm deep, 4 mm wall, 16 cm handle tilted up 12 degrees."""
    depth, wall, base = 0.04, 0.004, 0.005
    profile = [(0.0, 0.0), *_arc(0.08, 0.005, 0.005, -90, 0), (0.085, 0.005), (0.10, depth)]
    profile += [(0.10 - wall, depth), (0.0815, base), (0.0, base)]
    body = _revolve(profile)
    cavity = _revolve([(0.0, base), (0.0815, base), (0.0975, depth + 0.01), (0.0, depth + 0.01)])
    handle = trimesh.creation.capsule(height=0.16, radius=0.0095, count=(24, 12))
    handle.apply_scale((1.0, 1.3, 1.0))  # flattened: wider than tall once turned along x
    handle = _move(handle, _rot("y", 90 - 12), (0.0, 0.0, 0.0))
    direction = np.array([np.cos(np.radians(12)), 0.0, np.sin(np.radians(12))])
    handle.apply_translation(np.array([0.092, 0.0, 0.03]) + direction * 0.08)
    return _union(body, _difference(handle, cavity))


def screwdriver() -> trimesh.Trimesh:
    """Screwdriver: 11 cm handle (3.2 cm diameter), 10 cm shaft of 6 mm, conical tip; 21.5 cm long."""
    profile = [(0.0, 0.0), *_arc(0.010, 0.006, 0.006, -90, 0), (0.016, 0.09)]
    profile += [(0.013, 0.104), (0.009, 0.108), (0.003, 0.112), (0.003, 0.205), (0.0012, 0.215), (0.0, 0.215)]
    return _revolve(profile, sections=48)


def wineglass() -> trimesh.Trimesh:
    """Wine glass: 7 cm foot, 8 mm stem, bowl 8 cm at its widest, 3 mm wall, 19 cm tall."""
    bowl_z = np.linspace(0.085, 0.19, 14)
    s = (bowl_z - 0.085) / 0.105
    outer_r = (
        0.005
        + 0.035 * np.sin(np.pi * 0.5 * np.minimum(s / 0.55, 1.0))
        - 0.006 * np.maximum(s - 0.55, 0) / 0.45
    )
    outer = list(zip(outer_r, bowl_z, strict=True))
    inner_z = np.linspace(0.19, 0.095, 14)
    s_in = (inner_z - 0.085) / 0.105
    inner_r = outer_r[::-1] - 0.003 * np.clip(s_in * 4, 0, 1) ** 0.5
    inner = list(zip(np.maximum(inner_r, 0.0), inner_z, strict=True))
    inner[-1] = (0.0, inner[-1][1])
    profile = [(0.0, 0.0), (0.035, 0.0), (0.035, 0.003), (0.006, 0.008), (0.004, 0.015), (0.004, 0.075)]
    profile += [(0.005, 0.085), *outer[1:], *inner]
    return _revolve(profile)


def can() -> trimesh.Trimesh:
    """Drinks can: 6.6 cm diameter, 12.2 cm tall, domed base, rolled rim and a recessed lid."""
    profile = [(0.0, 0.006), (0.024, 0.002), (0.027, 0.0), (0.031, 0.002), (0.033, 0.01), (0.033, 0.106)]
    profile += [(0.029, 0.117), (0.0295, 0.122), (0.0275, 0.122), (0.0265, 0.118), (0.0, 0.118)]
    return _revolve(profile)


def _subdivided_box(extents: tuple[float, float, float], times: int = 3) -> trimesh.Trimesh:
    mesh = trimesh.creation.box(extents=extents)
    for _ in range(times):
        mesh = mesh.subdivide()
    return mesh


def book() -> trimesh.Trimesh:
    """Paperback book 21 x 15 x 2.5 cm."""
    return _subdivided_box((0.15, 0.21, 0.025))


def phone() -> trimesh.Trimesh:
    """Phone-sized slab 14.7 x 7.1 x 0.9 cm."""
    return _subdivided_box((0.071, 0.147, 0.009))


def knife() -> trimesh.Trimesh:
    """Kitchen knife, 23 cm: 11 cm flattened handle, 12 cm blade 2.4 cm wide and 2.5 mm thick."""
    handle = trimesh.creation.capsule(height=0.09, radius=0.0095, count=(24, 12))
    handle.apply_scale((1.0, 0.7, 1.0))
    handle.apply_translation((0.0, 0.0, 0.0095 + 0.045))
    t = 0.00125
    outline = ((-0.006, 0.09), (0.007, 0.09), (0.018, 0.12), (0.014, 0.20), (-0.006, 0.20))
    pts = [[x, y, z] for x, z in outline for y in (-t, t)]
    pts += [[-0.006, y, 0.23] for y in (-t, t)]
    blade = trimesh.convex.convex_hull(np.asarray(pts))
    for _ in range(3):
        blade = blade.subdivide()
    return _union(handle, blade)


def stapler() -> trimesh.Trimesh:
    """Desk stapler 15 x 3.8 x 4.5 cm: base plate, magazine, top arm and a hinge block at the back."""
    base = _subdivided_box((0.15, 0.038, 0.012), 2)
    base.apply_translation((0.0, 0.0, 0.006))
    magazine = _subdivided_box((0.13, 0.026, 0.008), 2)
    magazine.apply_translation((-0.005, 0.0, 0.015))
    arm = _subdivided_box((0.145, 0.032, 0.02), 2)
    arm = _move(arm, _rot("y", -3), (0.0, 0.0, 0.029))
    hinge = trimesh.creation.cylinder(radius=0.016, height=0.036, sections=32)
    hinge = _move(hinge, _rot("x", 90), (-0.058, 0.0, 0.022))
    return _union(base, magazine, arm, hinge)


def drill() -> trimesh.Trimesh:
    """Cordless drill, 24 x 7.5 x 22 cm: motor body along x, chuck and bit, tilted grip, battery pack."""
    battery = _subdivided_box((0.08, 0.06, 0.04), 2)
    battery.apply_translation((0.0, 0.0, 0.02))
    grip = _subdivided_box((0.038, 0.032, 0.14), 2)
    grip = _move(grip, _rot("y", -12), (0.005, 0.0, 0.11))
    body = trimesh.creation.cylinder(radius=0.03, height=0.16, sections=40)
    body = _move(body, _rot("y", 90), (0.02, 0.0, 0.19))
    chuck = trimesh.creation.cylinder(radius=0.015, height=0.045, sections=32)
    chuck = _move(chuck, _rot("y", 90), (0.12, 0.0, 0.19))
    bit = trimesh.creation.cylinder(radius=0.003, height=0.04, sections=12)
    bit = _move(bit, _rot("y", 90), (0.16, 0.0, 0.19))
    return _union(battery, grip, body, chuck, bit)


def pencil() -> trimesh.Trimesh:
    """Hexagonal pencil: 8 mm across the corners, 17.5 cm long with a sharpened tip."""
    profile = [(0.0, 0.0), (0.004, 0.0), (0.004, 0.155), (0.0012, 0.172), (0.0, 0.175)]
    return _revolve(profile, sections=6)


def disc() -> trimesh.Trimesh:
    """Flying disc: 23 cm diameter, 3 cm tall, 4-5 mm plate with a 1 cm rolled rim underneath."""
    profile = [(0.0, 0.026), (0.103, 0.022), (0.104, 0.0), (0.112, 0.0), (0.115, 0.012), (0.113, 0.02)]
    profile += [(0.1, 0.027), (0.05, 0.0295), (0.0, 0.03)]
    return _revolve(profile)


def figure() -> trimesh.Trimesh:
    """Toy figure 12.7 cm tall: two legs, a flattened torso, two arms held slightly out, a head."""
    parts = []
    for side in (-1.0, 1.0):
        leg = trimesh.creation.capsule(height=0.04, radius=0.008, count=(16, 8))
        leg.apply_translation((0.0095 * side, 0.0, 0.028))
        arm = trimesh.creation.capsule(height=0.035, radius=0.0055, count=(16, 8))
        parts += [leg, _move(arm, _rot("y", -10 * side), (0.021 * side, 0.0, 0.078))]
    torso = trimesh.creation.capsule(height=0.025, radius=0.014, count=(24, 12))
    torso.apply_scale((1.3, 0.8, 1.0))
    torso.apply_translation((0.0, 0.0, 0.0765))
    head = trimesh.creation.icosphere(subdivisions=2, radius=0.013)
    head.apply_translation((0.0, 0.0, 0.114))
    return _union(*parts, torso, head)


def duck() -> trimesh.Trimesh:
    """Rubber duck, 11 x 7 x 8.7 cm: ellipsoid body, round head, flattened beak."""
    body = trimesh.creation.icosphere(subdivisions=2, radius=0.035)
    body.apply_scale((1.3, 1.0, 0.8))
    body.apply_translation((0.0, 0.0, 0.028))
    head = trimesh.creation.icosphere(subdivisions=2, radius=0.022)
    head.apply_translation((0.028, 0.0, 0.065))
    beak = trimesh.creation.icosphere(subdivisions=1, radius=0.01)
    beak.apply_scale((1.6, 1.0, 0.5))
    beak.apply_translation((0.05, 0.0, 0.062))
    return _union(body, head, beak)


def tennis_ball() -> trimesh.Trimesh:
    """Tennis ball, 6.7 cm diameter."""
    return trimesh.creation.icosphere(subdivisions=3, radius=0.0335)


SHAPES: tuple[ShapeSpec, ...] = (
    ShapeSpec("Bottle", bottle, 0.30, "7 x 21.5 cm drinks bottle"),
    ShapeSpec("Box", box, 0.20, "12 x 8 x 5 cm box"),
    ShapeSpec("Hammer", hammer, 0.45, "30 cm hammer"),
    ShapeSpec("Sword", sword, 0.40, "40 cm short sword"),
    ShapeSpec("Ball", ball, 0.15, "8 cm ball"),
    ShapeSpec("Mug", mug, 0.35, "8 x 9.5 cm mug with handle"),
    ShapeSpec("Bowl", bowl, 0.30, "15 cm bowl"),
    ShapeSpec("Pan", pan, 0.70, "20 cm frying pan with handle"),
    ShapeSpec("Screwdriver", screwdriver, 0.10, "21.5 cm screwdriver"),
    ShapeSpec("Wineglass", wineglass, 0.20, "19 cm wine glass"),
    ShapeSpec("Can", can, 0.35, "6.6 x 12.2 cm drinks can"),
    ShapeSpec("Book", book, 0.40, "21 x 15 x 2.5 cm paperback"),
    ShapeSpec("Phone", phone, 0.17, "14.7 x 7.1 x 0.9 cm phone"),
    ShapeSpec("Knife", knife, 0.08, "23 cm kitchen knife"),
    ShapeSpec("Stapler", stapler, 0.25, "15 cm desk stapler"),
    ShapeSpec("Drill", drill, 0.80, "24 cm cordless drill"),
    ShapeSpec("Pencil", pencil, 0.006, "17.5 cm hexagonal pencil"),
    ShapeSpec("Disc", disc, 0.175, "23 cm flying disc"),
    ShapeSpec("Figure", figure, 0.08, "12.7 cm toy figure"),
    ShapeSpec("Duck", duck, 0.05, "11 cm rubber duck"),
    ShapeSpec("TennisBall", tennis_ball, 0.058, "6.7 cm tennis ball"),
)
"""The shipped set, in build order."""
