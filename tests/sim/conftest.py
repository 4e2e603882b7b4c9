"""Fixtures for the simulator tests: the tiny gripper and a box object written by trimesh."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import trimesh

from tests.fixtures.tiny_hand import make_tiny_hand

BOX_EXTENTS = (0.08, 0.12, 0.06)
PLATFORM_TOP = 0.105


@dataclass
class FakeObject:
    """Duck-typed stand-in for ``hot.assets.objects.ObjectAsset``."""

    name: str
    hull_paths: tuple[Path, ...]
    mass: float = 0.3
    friction: float = 2.0
    damping: float = 0.01

    def keypoints(self, dense: bool = True, scale: float = 1.0) -> np.ndarray:
        return np.zeros((1, 3)) * scale


def write_box(path: Path, extents=BOX_EXTENTS, offset=(0.0, 0.0, 0.0)) -> Path:
    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(offset)
    mesh.export(path)
    return path


@pytest.fixture(scope="session")
def tiny_hand():
    return make_tiny_hand()


@pytest.fixture(scope="session")
def box_object(tmp_path_factory) -> FakeObject:
    d = tmp_path_factory.mktemp("box")
    return FakeObject("box", (write_box(d / "hull0.obj"),))


@pytest.fixture(scope="session")
def offset_box_object(tmp_path_factory) -> FakeObject:
    """Two hulls, centre of mass away from the object origin (tests the velocity shift)."""
    d = tmp_path_factory.mktemp("obox")
    return FakeObject(
        "obox",
        (
            write_box(d / "hull0.obj", (0.04, 0.04, 0.04), (0.05, 0.0, 0.0)),
            write_box(d / "hull1.obj", (0.02, 0.02, 0.02), (0.0, 0.03, 0.0)),
        ),
    )
