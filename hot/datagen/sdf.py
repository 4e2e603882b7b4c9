"""Object signed distance on a grid, from the convex hulls MuJoCo collides with.

The object is the union of its convex hulls (``ObjectAsset.hull_paths``). For one convex hull with
face planes ``n_i·x = d_i`` the value ``max_i(n_i·x - d_i)`` is the exact signed distance inside
and near the faces outside (it underestimates the distance near edges and corners, where the true
level sets are rounded). The union takes the minimum over hulls. The field is evaluated once on a
regular grid over the object's bounding box plus a margin, together with its gradient, and read
back with trilinear interpolation (``torch.nn.functional.grid_sample``), which is differentiable
in the query points. Object frame, metres.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, cast, overload

import numpy as np
import torch
import trimesh

__all__ = ["ObjectSDF", "hull_planes"]


def hull_planes(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face planes of the convex hull of ``vertices (V, 3)``: normals (F, 3), offsets (F,)."""
    hull = trimesh.convex.convex_hull(np.asarray(vertices, dtype=np.float64))
    n = np.asarray(hull.face_normals)
    d = (n * np.asarray(hull.triangles_center)).sum(-1)
    key = np.round(np.concatenate([n, d[:, None]], -1), 6)
    _, uniq = np.unique(key, axis=0, return_index=True)
    uniq.sort()
    return n[uniq], d[uniq]


class ObjectSDF:
    """Grid SDF of a union of convex hulls.

    Args:
        hulls: list of (V_i, 3) vertex arrays (object frame, already scaled).
        margin: grid margin around the bounding box (m).
        cell: target grid cell size (m); the resolution is capped at ``max_res`` per axis.
        device: torch device for queries.

    Attributes:
        lo, hi: (3,) grid bounds; ``grid``: (1, 4, Nz, Ny, Nx) [sd, ∂x, ∂y, ∂z].
        vertices: (V, 3) all hull vertices (for initialisation radii).
    """

    def __init__(
        self,
        hulls: Sequence[np.ndarray],
        margin: float = 0.12,
        cell: float = 0.004,
        max_res: int = 96,
        device: str | torch.device = "cpu",
    ):
        if not hulls:
            raise ValueError("ObjectSDF needs at least one hull")
        self.device = device
        planes = [hull_planes(h) for h in hulls]
        self.vertices = np.concatenate([np.asarray(h, dtype=np.float64) for h in hulls])
        lo = self.vertices.min(0) - margin
        hi = self.vertices.max(0) + margin
        res = np.clip(np.ceil((hi - lo) / cell).astype(int) + 1, 8, max_res)
        axes = [np.linspace(lo[i], hi[i], res[i]) for i in range(3)]
        zz, yy, xx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
        pts = torch.tensor(np.stack([xx, yy, zz], -1).reshape(-1, 3), dtype=torch.float64)
        sd = self._exact(pts, planes).reshape(res[2], res[1], res[0]).numpy()
        spacing = (hi - lo) / (res - 1)
        gz, gy, gx = np.gradient(sd, spacing[2], spacing[1], spacing[0])
        grid = np.stack([sd, gx, gy, gz])[None].astype(np.float32)
        self.grid = torch.tensor(grid, device=device)
        self.lo = torch.tensor(lo, dtype=torch.float32, device=device)
        self.hi = torch.tensor(hi, dtype=torch.float32, device=device)
        self.planes = [(torch.tensor(n), torch.tensor(d)) for n, d in planes]

    @classmethod
    def from_hull_paths(cls, paths: Sequence[str | Path], scale: float = 1.0, **kwargs) -> ObjectSDF:
        """Load hull meshes (any trimesh-readable file) and scale them."""
        hulls = []
        for p in paths:
            try:
                mesh = cast(trimesh.Trimesh, trimesh.load(str(p), force="mesh", process=True))
            except Exception as exc:  # trimesh raises many types for unreadable files
                raise ValueError(f"{p}: cannot read convex hull mesh ({exc})") from exc
            hulls.append(np.asarray(mesh.vertices, dtype=np.float64) * scale)
        return cls(hulls, **kwargs)

    @staticmethod
    def _exact(pts: torch.Tensor, planes, chunk: int = 65536) -> torch.Tensor:
        out = torch.empty(len(pts), dtype=pts.dtype)
        ps = [(torch.as_tensor(n, dtype=pts.dtype), torch.as_tensor(d, dtype=pts.dtype)) for n, d in planes]
        for s in range(0, len(pts), chunk):
            x = pts[s : s + chunk]
            best = None
            for n, d in ps:
                v = (x @ n.T - d).max(-1).values
                best = v if best is None else torch.minimum(best, v)
            assert best is not None, "no hull planes"
            out[s : s + chunk] = best
        return out

    def exact(self, pts: torch.Tensor) -> torch.Tensor:
        """Non-interpolated signed distance ``(..., )`` of ``pts (..., 3)`` (float64, CPU; for checks)."""
        flat = pts.detach().to("cpu", torch.float64).reshape(-1, 3)
        return self._exact(flat, self.planes).reshape(pts.shape[:-1])

    @overload
    def query(
        self, pts: torch.Tensor, normals: Literal[True] = True
    ) -> tuple[torch.Tensor, torch.Tensor]: ...
    @overload
    def query(self, pts: torch.Tensor, normals: Literal[False]) -> tuple[torch.Tensor, None]: ...
    @overload
    def query(self, pts: torch.Tensor, normals: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]: ...
    def query(self, pts: torch.Tensor, normals: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Signed distance ``(...)`` and unit outward normal ``(..., 3)`` at ``pts (..., 3)`` (object frame).

        Differentiable in ``pts`` (trilinear interpolation). Points outside the grid get the border
        value plus their distance to the grid box, so far points still pull inward. With
        ``normals=False`` only the distance channel is read and the second output is None.
        """
        shape = pts.shape[:-1]
        p = pts.reshape(-1, 3).float()
        u = ((p - self.lo) / (self.hi - self.lo) * 2 - 1).reshape(1, -1, 1, 1, 3)
        grid = self.grid if normals else self.grid[:, :1]
        v = torch.nn.functional.grid_sample(
            grid, u, mode="bilinear", padding_mode="border", align_corners=True
        )
        v = v.reshape(grid.shape[1], -1)
        excess = torch.relu(self.lo - p) + torch.relu(p - self.hi)
        sd = v[0] + excess.sum(-1)
        n = None
        if normals:
            n = torch.nn.functional.normalize(v[1:].T, dim=-1).reshape(*shape, 3).to(pts.dtype)
        return sd.reshape(shape).to(pts.dtype), n
