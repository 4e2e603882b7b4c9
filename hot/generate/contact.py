"""Hand-object penetration removal for generated clips (an optional decoding step).

On each run of contact-1 frames the hand is rigid in the object frame (``rigid_object_track``), so one
translation of the wrist in the object frame can lift the hand surface out of the object: it is found by
pushing the penetrating surface samples (hand collision surfaces, :class:`HandKinematics`) out along the
object's SDF normal (:class:`ObjectSDF`) until none is deeper than ``margin``. Opposite sides of a pinch
push against each other, so a grasp keeps its squeeze where a translation cannot help. The object is not
moved; the shift fades in (out) over ``ramp`` frames before (after) the run so the approach stays smooth.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from hot.assets.hands.base import HandModel
from hot.datagen.kinematics import HandKinematics
from hot.datagen.sdf import ObjectSDF

__all__ = ["Depenetrator"]


class Depenetrator:
    """Wrist shifts that remove hand-object penetration on held runs.

    Args:
        hand: the hand. hull_paths: the object's convex pieces (``ObjectAsset.hull_paths``).
        margin: penetration (m) left alone (the training grasps squeeze a few mm).
        max_shift: largest shift (m). ramp: frames of fade-in/out. cell: SDF grid cell (m).
    """

    def __init__(
        self,
        hand: HandModel,
        hull_paths: Sequence[str | Path],
        margin: float = 0.003,
        max_shift: float = 0.04,
        ramp: int = 20,
        cell: float = 0.006,
        kin: HandKinematics | None = None,
    ):
        self.kin = kin if kin is not None else HandKinematics(hand)
        self.sdf = ObjectSDF.from_hull_paths(hull_paths, cell=cell, max_res=48)
        self.margin, self.max_shift, self.ramp = margin, max_shift, ramp

    def shift_in_object(self, pts_o: torch.Tensor, iters: int = 30) -> torch.Tensor:
        """(3,) translation of the points ``pts_o (P, 3)`` (object frame) that removes their penetration."""
        d = torch.zeros(3)
        for _ in range(iters):
            sd, n = self.sdf.query(pts_o + d)
            pen = (-sd - self.margin).clamp(min=0)
            hit = pen > 1e-4
            if not hit.any():
                break
            d = d + (pen[hit, None] * n[hit]).sum(0) / hit.sum()
            if d.norm() > self.max_shift:
                d = d * (self.max_shift / d.norm())
                break
        return d

    def __call__(
        self,
        wrist_pos: torch.Tensor,
        wrist_rot: torch.Tensor,
        fingers: torch.Tensor,
        obj_pos: torch.Tensor,
        obj_rot: torch.Tensor,
        contact: torch.Tensor,
        keep_start: bool = False,
    ) -> torch.Tensor:
        """New wrist positions ``(T, 3)``; inputs are world-frame ``(T, 3)`` / ``(T, 3, 3)`` tensors,
        ``fingers (T, F)`` and ``contact (T,)``. With ``keep_start`` a held run at frame 0 is left alone
        (the clip must start at a given state)."""
        t = wrist_pos.shape[0]
        out = wrist_pos.clone()
        held = contact > 0.5
        a = 0
        while a < t:
            if not held[a]:
                a += 1
                continue
            b = a
            while b + 1 < t and held[b + 1]:
                b += 1
            if a == 0 and keep_start:
                a = b + 1
                continue
            k = (a + b) // 2
            pos, rot = self.kin.forward(
                wrist_pos[k : k + 1].float(), wrist_rot[k : k + 1].float(), fingers[k : k + 1].float()
            )
            pts, _ = self.kin.surface(pos, rot)
            ro = obj_rot[k].float()
            pts_o = (pts[0] - obj_pos[k].float()) @ ro
            d = self.shift_in_object(pts_o).to(out.dtype)
            orr = obj_rot.to(out.dtype)
            out[a : b + 1] += orr[a : b + 1] @ d
            for j in range(1, self.ramp + 1):
                w = 1 - j / (self.ramp + 1)
                if a - j >= 0 and not held[a - j]:
                    out[a - j] += w * (orr[a] @ d)
                if b + j < t and not held[b + j]:
                    out[b + j] += w * (orr[b] @ d)
            a = b + 1
        return out
