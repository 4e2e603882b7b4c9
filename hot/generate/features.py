"""Clip <-> fixed-size feature sequence, and the conditions taken from a clip.

A clip of T frames (60 Hz) becomes N *knots* in normalised time (``s_i = i (T-1)/(N-1)``, linear
interpolation; contact labels by nearest frame), in a *canonical frame*: the world translated in x, y
so that the object starts at x = y = 0 (heights stay absolute: the platform is at a fixed height).
Per knot the channels are (``layout``):

==========  =====  ==========================================================================
name        width  meaning
==========  =====  ==========================================================================
wrist_pos   3      wrist-frame position (m), canonical frame (= base + wrist slides - origin)
wrist_r6    6      wrist-frame orientation, first two columns of its rotation matrix
fingers     F      finger joint angles (rad), simulator DoF order
obj_pos     3      object position (m), canonical frame
obj_r6      6      object orientation, first two rotation-matrix columns
contact     1      contact label (-1, 0, 1) as a number
log_len     1      log(T), the same at every knot (the clip length is generated too)
==========  =====  ==========================================================================

Conditions of a clip are its first frame: ``hand_init`` = (wrist_pos, wrist_r6, fingers) and
``obj_init`` = (object height, obj_r6), plus the object's keypoints rotated by its initial orientation
(``geom``, object-centred, world axes). All functions are pure; shapes are in the docstrings.
"""

from __future__ import annotations

import math

import torch

from hot.assets.hands.base import BASE_POS
from hot.datagen.kinematics import matrix_to_rot6d
from hot.motion.schema import MotionClip
from hot.utils.rotations import quat_from_euler_xyz_intrinsic, quat_to_matrix

__all__ = [
    "layout",
    "feature_dim",
    "hand_init_dim",
    "OBJ_INIT_DIM",
    "resample",
    "encode_clip",
    "hand_init_of",
    "obj_init_of",
    "rotate_yaw",
]

OBJ_INIT_DIM = 7
"""Object height (1) + orientation rot6d (6)."""


def layout(num_fingers: int) -> dict[str, slice]:
    """Channel slices of a knot vector for a hand with ``num_fingers`` finger DoFs."""
    widths = [("wrist_pos", 3), ("wrist_r6", 6), ("fingers", num_fingers), ("obj_pos", 3), ("obj_r6", 6)]
    widths += [("contact", 1), ("log_len", 1)]
    out, start = {}, 0
    for name, w in widths:
        out[name] = slice(start, start + w)
        start += w
    return out


def feature_dim(num_fingers: int) -> int:
    """D = 20 + F."""
    return 20 + num_fingers


def hand_init_dim(num_fingers: int) -> int:
    """9 + F (wrist position, wrist rot6d, fingers)."""
    return 9 + num_fingers


def resample(x: torch.Tensor, n: int) -> torch.Tensor:
    """Linear resampling of ``x (T, C)`` at ``n`` evenly spaced times from frame 0 to frame T-1 -> (n, C)."""
    t = x.shape[0]
    s = torch.linspace(0.0, t - 1.0, n, dtype=torch.float64)
    i0 = s.floor().long().clamp(max=t - 1)
    i1 = (i0 + 1).clamp(max=t - 1)
    w = (s - i0).to(x.dtype).unsqueeze(-1)
    return x[i0] * (1 - w) + x[i1] * w


def encode_clip(clip: MotionClip, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Knot features of ``clip``.

    Returns:
        ``knots (n, 20 + F)`` float32 in the canonical frame (see the module docstring) and
        ``origin (2,)``, the object's initial world x, y that was subtracted.
    """
    t = clip.num_frames
    origin = clip.obj_pos[0, :2].clone()
    shift = torch.cat([origin, torch.zeros(1)])
    wrist_pos = torch.tensor(BASE_POS, dtype=torch.float32) + clip.wrist_dof[:, :3] - shift
    wrist_rot = quat_to_matrix(quat_from_euler_xyz_intrinsic(clip.wrist_dof[:, 3:].double())).float()
    obj_rot = quat_to_matrix(clip.obj_rot.double()).float()
    cont = torch.cat(
        [
            wrist_pos,
            matrix_to_rot6d(wrist_rot),
            clip.fingers_dof,
            clip.obj_pos - shift,
            matrix_to_rot6d(obj_rot),
        ],
        dim=-1,
    )
    knots = resample(cont, n)
    s = torch.linspace(0.0, t - 1.0, n).round().long()
    contact = clip.contact1[s].unsqueeze(-1)
    log_len = torch.full((n, 1), math.log(t))
    return torch.cat([knots, contact, log_len], dim=-1).float(), origin


def hand_init_of(knots: torch.Tensor, num_fingers: int) -> torch.Tensor:
    """``(..., N, D)`` knots -> ``(..., 9 + F)`` first-knot wrist position, wrist rot6d, fingers."""
    return knots[..., 0, : 9 + num_fingers]


def obj_init_of(knots: torch.Tensor, num_fingers: int) -> torch.Tensor:
    """``(..., N, D)`` knots -> ``(..., 7)`` first-knot object height and rot6d."""
    lay = layout(num_fingers)
    first = knots[..., 0, :]
    return torch.cat([first[..., lay["obj_pos"]][..., 2:3], first[..., lay["obj_r6"]]], dim=-1)


def _rotz(angle: torch.Tensor) -> torch.Tensor:
    c, s = torch.cos(angle), torch.sin(angle)
    z, o = torch.zeros_like(c), torch.ones_like(c)
    return torch.stack(
        [torch.stack([c, -s, z], -1), torch.stack([s, c, z], -1), torch.stack([z, z, o], -1)], -2
    )


def rotate_yaw(
    knots: torch.Tensor, keypoints: torch.Tensor, angle: torch.Tensor, num_fingers: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate a batch of canonical clips about the world z axis through the origin.

    Args:
        knots: (B, N, D); keypoints: (B, P, 3) world-axis keypoints; angle: (B,) rad.

    Returns:
        the rotated knots and keypoints (new tensors). Positions and both rot6d columns are 3-vectors
        in world axes, so each is rotated by ``Rz(angle)``.
    """
    lay = layout(num_fingers)
    rz = _rotz(angle.to(knots.dtype))  # (B, 3, 3)
    out = knots.clone()
    for name in ("wrist_pos", "wrist_r6", "obj_pos", "obj_r6"):
        sl = lay[name]
        v = knots[..., sl]
        b, n, w = v.shape
        v = v.reshape(b, n, w // 3, 3)
        out[..., sl] = torch.einsum("bij,bnkj->bnki", rz, v).reshape(b, n, w)
    return out, torch.einsum("bij,bpj->bpi", rz, keypoints)
