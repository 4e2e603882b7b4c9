"""Differentiable hand forward kinematics in torch, built from a compiled ``MjModel``.

Generic for any hand that follows the ``HandModel`` contract: the tree below the wrist-frame body
(the body carrying ``wrist_rz``) is read from ``body_parentid`` / ``body_pos`` / ``body_quat`` and
the hinge/slide joints' ``jnt_pos`` / ``jnt_axis``, exactly as ``mj_kinematics`` composes them.
The wrist-frame pose itself is a free input (grasp synthesis optimises it directly; the 6 wrist
DoFs follow from :mod:`hot.datagen.ik`).

Collision geoms of the hand are sampled into surface points (for contact candidates and
penetration) and into spheres (for self-penetration), all stored in their body's frame.
"""

from __future__ import annotations

import math
from typing import TypedDict

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import WRIST_DOF_NAMES, HandModel

__all__ = ["HandKinematics", "rot6d_to_matrix", "matrix_to_rot6d"]


class _TensorKw(TypedDict):
    """``dtype`` / ``device`` keyword arguments for torch tensor factories."""

    dtype: torch.dtype
    device: str | torch.device


def rot6d_to_matrix(r6: torch.Tensor) -> torch.Tensor:
    """Gram-Schmidt: ``(..., 6)`` (first two columns) -> rotation matrices ``(..., 3, 3)``."""
    a1, a2 = r6[..., 0:3], r6[..., 3:6]
    b1 = torch.nn.functional.normalize(a1, dim=-1)
    b2 = torch.nn.functional.normalize(a2 - (b1 * a2).sum(-1, keepdim=True) * b1, dim=-1)
    b3 = torch.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def matrix_to_rot6d(m: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`rot6d_to_matrix`: the first two columns, ``(..., 6)``."""
    return torch.cat([m[..., :, 0], m[..., :, 1]], dim=-1)


def _quat_to_mat_np(q: np.ndarray) -> np.ndarray:
    m = np.zeros(9)
    mujoco.mju_quat2Mat(m, q)
    return m.reshape(3, 3)


def _axis_angle_mat(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rodrigues: ``axis (B, 3)`` unit, ``angle (B,)`` -> ``(B, 3, 3)``."""
    x, y, z = axis.unbind(-1)
    c, s = torch.cos(angle), torch.sin(angle)
    t = 1 - c
    return torch.stack(
        [
            t * x * x + c,
            t * x * y - s * z,
            t * x * z + s * y,
            t * x * y + s * z,
            t * y * y + c,
            t * y * z - s * x,
            t * x * z - s * y,
            t * y * z + s * x,
            t * z * z + c,
        ],
        dim=-1,
    ).reshape(*axis.shape[:-1], 3, 3)


def _fibonacci_sphere(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    phi = np.arccos(1 - 2 * i / n)
    theta = math.pi * (1 + 5**0.5) * i
    return np.stack([np.cos(theta) * np.sin(phi), np.sin(theta) * np.sin(phi), np.cos(phi)], -1)


def _geom_surface(model: mujoco.MjModel, g: int, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Surface points and outward normals of geom ``g`` in the geom frame."""
    gtype = model.geom_type[g]
    size = model.geom_size[g]
    if gtype == mujoco.mjtGeom.mjGEOM_SPHERE:
        n = max(8, int(4 * math.pi * size[0] ** 2 / spacing**2))
        d = _fibonacci_sphere(n)
        return d * size[0], d
    if gtype in (mujoco.mjtGeom.mjGEOM_CAPSULE, mujoco.mjtGeom.mjGEOM_CYLINDER):
        r, h = size[0], size[1]
        n_ring = max(6, int(2 * math.pi * r / spacing))
        n_len = max(2, int(2 * h / spacing) + 1)
        ang = np.linspace(0, 2 * math.pi, n_ring, endpoint=False)
        zs = np.linspace(-h, h, n_len)
        ring = np.stack([np.cos(ang), np.sin(ang), np.zeros_like(ang)], -1)
        pts = (ring[None] * r + zs[:, None, None] * np.array([0, 0, 1.0])).reshape(-1, 3)
        nrm = np.broadcast_to(ring[None], (n_len, n_ring, 3)).reshape(-1, 3)
        n_cap = max(4, int(2 * math.pi * r**2 / spacing**2))
        d = _fibonacci_sphere(2 * n_cap)
        top, bot = d[d[:, 2] > 0], d[d[:, 2] < 0]
        if gtype == mujoco.mjtGeom.mjGEOM_CAPSULE:
            cap_p = np.concatenate([top * r + [0, 0, h], bot * r - [0, 0, h]])
            cap_n = np.concatenate([top, bot])
        else:
            disc = top.copy()
            disc[:, 2] = 0
            disc *= r
            cap_p = np.concatenate([disc + [0, 0, h], disc - [0, 0, h]])
            cap_n = np.concatenate(
                [np.tile([0, 0, 1.0], (len(disc), 1)), np.tile([0, 0, -1.0], (len(disc), 1))]
            )
        return np.concatenate([pts, cap_p]), np.concatenate([nrm, cap_n])
    if gtype == mujoco.mjtGeom.mjGEOM_ELLIPSOID:
        n = max(8, int(4 * math.pi * float(np.mean(size)) ** 2 / spacing**2))
        d = _fibonacci_sphere(n)
        p = d * size
        nrm = d / size
        return p, nrm / np.linalg.norm(nrm, axis=-1, keepdims=True)
    if gtype == mujoco.mjtGeom.mjGEOM_MESH:
        mid = model.geom_dataid[g]
        adr, num = model.mesh_vertadr[mid], model.mesh_vertnum[mid]
        v = model.mesh_vert[adr : adr + num].astype(np.float64)
        c = v.mean(0)
        nrm = v - c
        nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True).clip(1e-9)
        return v, nrm
    # box (and anything else: its bounding box)
    half = size[:3] if gtype == mujoco.mjtGeom.mjGEOM_BOX else model.geom_aabb[g][3:]
    pts, nrms = [], []
    for ax in range(3):
        o1, o2 = [a for a in range(3) if a != ax]
        n1 = max(2, int(2 * half[o1] / spacing) + 1)
        n2 = max(2, int(2 * half[o2] / spacing) + 1)
        u, w = np.meshgrid(np.linspace(-half[o1], half[o1], n1), np.linspace(-half[o2], half[o2], n2))
        for sgn in (-1.0, 1.0):
            p = np.zeros((u.size, 3))
            p[:, o1], p[:, o2], p[:, ax] = u.ravel(), w.ravel(), sgn * half[ax]
            n = np.zeros_like(p)
            n[:, ax] = sgn
            pts.append(p)
            nrms.append(n)
    return np.concatenate(pts), np.concatenate(nrms)


def _geom_spheres(model: mujoco.MjModel, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Sphere centres (geom frame) and radii approximating geom ``g`` (for self-penetration)."""
    gtype = model.geom_type[g]
    size = model.geom_size[g]
    if gtype == mujoco.mjtGeom.mjGEOM_SPHERE:
        return np.zeros((1, 3)), np.array([size[0]])
    if gtype in (mujoco.mjtGeom.mjGEOM_CAPSULE, mujoco.mjtGeom.mjGEOM_CYLINDER):
        r, h = size[0], size[1]
        n = max(2, int(math.ceil(2 * h / r)) + 1)
        z = np.linspace(-h, h, n)
        return np.stack([np.zeros(n), np.zeros(n), z], -1), np.full(n, r)
    half = size[:3] if gtype == mujoco.mjtGeom.mjGEOM_BOX else model.geom_aabb[g][3:]
    c_off = model.geom_aabb[g][:3] if gtype == mujoco.mjtGeom.mjGEOM_MESH else np.zeros(3)
    r = float(min(half))
    counts = [max(1, int(math.ceil(hh / max(r, 1e-4)))) for hh in half]
    axes = [
        np.linspace(-hh + r, hh - r, k) if k > 1 else np.zeros(1) for hh, k in zip(half, counts, strict=True)
    ]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3) + c_off
    return grid, np.full(len(grid), r)


class HandKinematics:
    """Torch FK of the hand below the wrist frame, plus sampled collision surfaces.

    Args:
        hand: the hand contract.
        model: the compiled hand-only model (``hand.build_spec().compile()`` if None).
        spacing: target spacing (m) of surface samples on the collision geoms.
        dtype, device: torch dtype/device of every tensor.

    Attributes:
        body_ids: (NB,) MuJoCo ids of the bodies in the wrist frame's subtree (wrist frame first).
        finger_lo, finger_hi: (F,) joint limits in ``hand.finger_dof_names`` order.
        surf_body: (P,) index into ``body_ids`` of each surface point; ``surf_p``/``surf_n`` (P, 3)
            points/normals in the body frame. ``cand`` (Q,) indices of contact candidates
            (surface points on finger bodies, fingertips densest).
        sph_body (S,), sph_c (S, 3), sph_r (S,): self-penetration spheres.
    """

    def __init__(
        self,
        hand: HandModel,
        model: mujoco.MjModel | None = None,
        spacing: float = 0.006,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        self.hand = hand
        self.model = model if model is not None else hand.build_spec().compile()
        m = self.model
        self.dtype, self.device = dtype, device
        root = int(m.jnt_bodyid[m.joint(WRIST_DOF_NAMES[-1]).id])
        self.root_id = root
        in_tree = {root}
        body_ids = [root]
        for b in range(root + 1, m.nbody):
            if int(m.body_parentid[b]) in in_tree:
                in_tree.add(b)
                body_ids.append(b)
        self.body_ids = body_ids
        local = {b: i for i, b in enumerate(body_ids)}
        self.parent = [-1] + [local[int(m.body_parentid[b])] for b in body_ids[1:]]
        tt: _TensorKw = {"dtype": dtype, "device": device}
        self.body_pos = torch.tensor(np.array([m.body_pos[b] for b in body_ids]), **tt)
        self.body_rot = torch.tensor(np.array([_quat_to_mat_np(m.body_quat[b]) for b in body_ids]), **tt)
        finger_jid = {}
        for name in hand.finger_dof_names:
            try:
                finger_jid[name] = m.joint(name).id
            except KeyError as exc:
                raise ValueError(f"hand {hand.name!r}: finger joint {name!r} missing from the model") from exc
        jid_to_f = {j: i for i, j in enumerate(finger_jid.values())}
        # per body: list of (finger index, type, anchor, axis)
        self.body_joints: list[list[tuple[int, int, torch.Tensor, torch.Tensor]]] = []
        for b in body_ids:
            js = []
            for j in range(m.body_jntadr[b], m.body_jntadr[b] + m.body_jntnum[b]):
                if b == root:
                    continue
                if j not in jid_to_f:
                    raise ValueError(f"hand {hand.name!r}: joint {m.joint(j).name!r} is not a finger DoF")
                jt = int(m.jnt_type[j])
                if jt not in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
                    raise ValueError(
                        f"hand {hand.name!r}: joint {m.joint(j).name!r} must be a hinge or slide"
                    )
                js.append(
                    (jid_to_f[j], jt, torch.tensor(m.jnt_pos[j], **tt), torch.tensor(m.jnt_axis[j], **tt))
                )
            self.body_joints.append(js)
        rng = np.array([m.jnt_range[j] for j in finger_jid.values()])
        limited = np.array([m.jnt_limited[j] for j in finger_jid.values()]).astype(bool)
        rng[~limited] = [-math.pi, math.pi]
        self.finger_lo = torch.tensor(rng[:, 0], **tt)
        self.finger_hi = torch.tensor(rng[:, 1], **tt)

        # collision geoms -> surface points and spheres in body frames
        tips = {m.body(n).id for n in hand.fingertip_bodies}
        sp_b, sp_p, sp_n, cand_mask = [], [], [], []
        sb, sc, sr = [], [], []
        for g in range(m.ngeom):
            b = int(m.geom_bodyid[g])
            if b not in local or (m.geom_contype[g] == 0 and m.geom_conaffinity[g] == 0):
                continue
            gp, gn = _geom_surface(m, g, spacing)
            rg = _quat_to_mat_np(m.geom_quat[g])
            p = gp @ rg.T + m.geom_pos[g]
            n = gn @ rg.T
            sp_b.append(np.full(len(p), local[b]))
            sp_p.append(p)
            sp_n.append(n)
            # contact candidates: every point on a fingertip body, every 3rd on other finger bodies
            if b in tips:
                cand_mask.append(np.ones(len(p), bool))
            elif b != root:
                cm = np.zeros(len(p), bool)
                cm[::3] = True
                cand_mask.append(cm)
            else:
                cand_mask.append(np.zeros(len(p), bool))
            c, r = _geom_spheres(m, g)
            sb.append(np.full(len(c), local[b]))
            sc.append(c @ rg.T + m.geom_pos[g])
            sr.append(r)
        if not sp_p:
            raise ValueError(f"hand {hand.name!r} has no collision geoms below the wrist frame")
        self.surf_body = torch.tensor(np.concatenate(sp_b), dtype=torch.long, device=device)
        self.surf_p = torch.tensor(np.concatenate(sp_p), **tt)
        self.surf_n = torch.tensor(np.concatenate(sp_n), **tt)
        self.cand = torch.nonzero(torch.tensor(np.concatenate(cand_mask), device=device)).squeeze(-1)
        self.sph_body = torch.tensor(np.concatenate(sb), dtype=torch.long, device=device)
        self.sph_c = torch.tensor(np.concatenate(sc), **tt)
        self.sph_r = torch.tensor(np.concatenate(sr), **tt)
        # sphere pairs that may not overlap: different bodies, not parent/child, not siblings at the root
        nb = len(body_ids)
        adj = torch.eye(nb, dtype=torch.bool, device=device)
        for i, p in enumerate(self.parent):
            if p >= 0:
                adj[i, p] = adj[p, i] = True
        ii, jj = torch.triu_indices(len(self.sph_r), len(self.sph_r), 1, device=device)
        keep = ~adj[self.sph_body[ii], self.sph_body[jj]]
        self.spen_i, self.spen_j = ii[keep], jj[keep]

    @property
    def num_fingers(self) -> int:
        return len(self.hand.finger_dof_names)

    def forward(
        self, root_pos: torch.Tensor, root_rot: torch.Tensor, q: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Body poses in the frame of ``root``.

        Args:
            root_pos: (B, 3) wrist-frame position; root_rot: (B, 3, 3) its orientation.
            q: (B, F) finger joint angles in ``hand.finger_dof_names`` order.

        Returns:
            ``pos (B, NB, 3)`` and ``rot (B, NB, 3, 3)`` of the subtree bodies (``body_ids`` order).
        """
        pos = [root_pos]
        rot = [root_rot]
        for i in range(1, len(self.body_ids)):
            pp, pr = pos[self.parent[i]], rot[self.parent[i]]
            xp = pp + pr @ self.body_pos[i]
            xr = pr @ self.body_rot[i]
            for f, jt, anchor, axis in self.body_joints[i]:
                if jt == mujoco.mjtJoint.mjJNT_HINGE:
                    a_w = xp + xr @ anchor
                    xr = _axis_angle_mat((xr @ axis).expand_as(xp), q[:, f]) @ xr
                    xp = a_w - xr @ anchor
                else:
                    xp = xp + (xr @ axis) * q[:, f : f + 1]
            pos.append(xp)
            rot.append(xr)
        return torch.stack(pos, 1), torch.stack(rot, 1)

    def surface(self, pos: torch.Tensor, rot: torch.Tensor, idx: torch.Tensor | None = None):
        """World surface points/normals ``(B, P, 3)`` (or the subset ``idx``) from :meth:`forward`'s output."""
        bi = self.surf_body if idx is None else self.surf_body[idx]
        p = self.surf_p if idx is None else self.surf_p[idx]
        n = self.surf_n if idx is None else self.surf_n[idx]
        r = rot[:, bi]
        return pos[:, bi] + (r @ p.unsqueeze(-1)).squeeze(-1), (r @ n.unsqueeze(-1)).squeeze(-1)

    def gather_surface(self, pos: torch.Tensor, rot: torch.Tensor, idx: torch.Tensor):
        """Per-batch subsets: ``idx (B, n)`` indices into the surface points -> ``(B, n, 3)`` points and normals."""
        bi = self.surf_body[idx]
        b = torch.arange(idx.shape[0], device=idx.device).unsqueeze(-1)
        r = rot[b, bi]
        p = pos[b, bi] + (r @ self.surf_p[idx].unsqueeze(-1)).squeeze(-1)
        n = (r @ self.surf_n[idx].unsqueeze(-1)).squeeze(-1)
        return p, n

    def spheres(self, pos: torch.Tensor, rot: torch.Tensor) -> torch.Tensor:
        """World sphere centres ``(B, S, 3)``."""
        r = rot[:, self.sph_body]
        return pos[:, self.sph_body] + (r @ self.sph_c.unsqueeze(-1)).squeeze(-1)
