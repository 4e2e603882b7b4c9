"""The ten objects shipped with ``hot``, made procedurally (metres; built with the long/symmetry axis on z).

Bottle, Box, Hammer and Sword stand in for the upstream release set (spec §4.1); Ball, Mug,
Bowl, Pan, Screwdriver and Wineglass come from the upstream data-generation list. Sizes and
masses are those of everyday objects a hand can hold. Each builder returns a watertight mesh in
its build frame; :func:`hot.assets.objects.prepare.to_object_frame` moves the origin to the
centre of mass. Unions (Hammer, Sword, Mug, Pan) use trimesh's ``manifold3d`` boolean engine,
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
    return trimesh.transformations.rotation_matrix(np.radians(degrees), vec)[:3, :3]


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
)
"""The shipped set, in build order."""
