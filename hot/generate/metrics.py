"""Measures of generated clips: hand-object penetration and contact-label consistency, errors against a
reference clip, diversity across seeds. Pure functions over :class:`~hot.motion.schema.MotionClip`."""

from __future__ import annotations

import torch

from hot.assets.hands.base import BASE_POS
from hot.datagen.kinematics import HandKinematics
from hot.datagen.sdf import ObjectSDF
from hot.motion.schema import MotionClip
from hot.utils.rotations import quat_from_euler_xyz_intrinsic, quat_rotate_inv, quat_to_matrix

__all__ = ["TOUCH_MM", "hand_object_distance", "contact_metrics", "tracking_errors", "pairwise_spread"]

TOUCH_MM = 10.0
"""A contact-1 frame is consistent when some hand surface sample is within this distance (mm) of the object."""


def hand_object_distance(clip: MotionClip, kin: HandKinematics, sdf: ObjectSDF) -> torch.Tensor:
    """(T,) smallest signed distance (m) from the hand's collision-surface samples to the object
    (negative: the deepest penetration)."""
    wrist_pos = torch.tensor(BASE_POS) + clip.wrist_dof[:, :3]
    wrist_rot = quat_to_matrix(quat_from_euler_xyz_intrinsic(clip.wrist_dof[:, 3:]))
    pos, rot = kin.forward(wrist_pos, wrist_rot, clip.fingers_dof)
    pts, _ = kin.surface(pos, rot)  # (T, P, 3) world
    local = quat_rotate_inv(
        clip.obj_rot[:, None, :].expand(-1, pts.shape[1], -1), pts - clip.obj_pos[:, None, :]
    )
    sd, _ = sdf.query(local, normals=False)
    return sd.min(dim=1).values


def contact_metrics(clip: MotionClip, dist: torch.Tensor) -> dict[str, float]:
    """Penetration and label consistency of one clip from :func:`hand_object_distance`'s ``dist (T,)``.

    Returns ``pen_mean_mm`` / ``pen_max_mm`` (penetration depth over all frames, 0 where apart), and the
    counts ``n1, ok1`` (contact-1 frames; of them within :data:`TOUCH_MM`) and ``n0, ok0`` (contact-0
    frames; of them not penetrating)."""
    pen = (-dist).clamp(min=0) * 1000
    c = clip.contact1.round()
    d_mm = dist * 1000
    return {
        "pen_mean_mm": float(pen.mean()),
        "pen_max_mm": float(pen.max()),
        "n1": int((c == 1).sum()),
        "ok1": int(((c == 1) & (d_mm <= TOUCH_MM)).sum()),
        "n0": int((c == 0).sum()),
        "ok0": int(((c == 0) & (d_mm >= 0)).sum()),
    }


def tracking_errors(gen: MotionClip, ref: MotionClip) -> dict[str, float]:
    """Errors of ``gen`` against ``ref`` over their common frames (the first min(T) frames):
    mean wrist translation error (cm), mean joint rotation error (deg, |angle difference| over the 45
    finger and 3 wrist hinges), mean key-body position error (cm), mean object position error (cm)."""
    t = min(gen.num_frames, ref.num_frames)
    g, r = gen.dof_pos[:t], ref.dof_pos[:t]
    return {
        "wrist_cm": float((g[:, :3] - r[:, :3]).norm(dim=-1).mean() * 100),
        "joint_deg": float((g[:, 3:] - r[:, 3:]).abs().mean().rad2deg()),
        "key_cm": float((gen.body_pos[:t] - ref.body_pos[:t]).norm(dim=-1).mean() * 100),
        "obj_cm": float((gen.obj_pos[:t] - ref.obj_pos[:t]).norm(dim=-1).mean() * 100),
    }


def pairwise_spread(clips: list[MotionClip]) -> dict[str, float]:
    """Diversity of clips generated from one condition with different seeds: mean over pairs of the mean
    wrist-position distance (cm, common frames) and of the final object-position distance (cm)."""
    wrist, final = [], []
    for i in range(len(clips)):
        for j in range(i + 1, len(clips)):
            a, b = clips[i], clips[j]
            t = min(a.num_frames, b.num_frames)
            wrist.append(float((a.wrist_dof[:t, :3] - b.wrist_dof[:t, :3]).norm(dim=-1).mean() * 100))
            final.append(float((a.obj_pos[-1] - b.obj_pos[-1]).norm() * 100))
    n = max(1, len(wrist))
    return {"wrist_cm": sum(wrist) / n, "final_obj_cm": sum(final) / n}
