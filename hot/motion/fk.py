"""Key-body positions by MuJoCo forward kinematics (upstream's ``_kp`` step, spec §9.4).

Upstream ``read_pt.py`` ran ``pytorch_kinematics`` on a copy of each hand's MJCF whose chain
starts at the wrist joints (no base offset) and composed the result with the clip's root
transform: ``x_w = T_root · x_chain``. Here the chain is the hand's own ``MjSpec`` (the same
model the simulator uses), whose ``hand_base`` sits at ``BASE_POS`` = (0, 0, 0.5) with identity
orientation, so ``x_chain = T_base^-1 · x_mj`` and

    x_w = T_root · T_base^-1 · x_mj = R_root · (x_mj - BASE_POS) + root_pos

per frame. With the generator's default root (pos (0, 0, 0.5), identity rotation) this is
exactly MuJoCo's ``xpos``. The composition is done in float64, so it adds no visible error.

CLI::

    python -m hot.motion.fk --path hot/data/motions/.../grasp --hand mano   # writes .../grasp_kp/
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import BASE_POS, HandModel
from hot.motion.io import atomic_torch_save, find_motion_files, read_motion_dict, validate_clip
from hot.motion.schema import MotionClip
from hot.utils.rotations import quat_to_matrix

__all__ = ["KeyBodyFK", "fill_key_bodies", "key_body_positions", "main"]


class KeyBodyFK:
    """A compiled hand model for repeated key-body FK (compile once, run on many clips).

    Attributes:
        hand: the :class:`HandModel`.
        model, data: the compiled hand alone (``hand.build_spec()``).
        qpos_adr: (D,) qpos address of each DoF in ``hand.dof_names`` order.
        body_ids: (K,) body id of each key body in ``hand.key_bodies`` order.
    """

    def __init__(self, hand: HandModel):
        self.hand = hand
        self.model = hand.build_spec().compile()
        self.data = mujoco.MjData(self.model)
        adr = []
        for name in hand.dof_names:
            jid = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_JOINT, name)
            if jid < 0:
                raise ValueError(f"hand {hand.name!r}: joint {name!r} (from dof_names) is not in its model")
            if int(self.model.jnt_type[jid]) not in (
                int(mujoco.mjtJoint.mjJNT_HINGE),
                int(mujoco.mjtJoint.mjJNT_SLIDE),
            ):
                raise ValueError(f"hand {hand.name!r}: DoF joint {name!r} is not a hinge or slide")
            adr.append(int(self.model.jnt_qposadr[jid]))
        self.qpos_adr = np.asarray(adr, dtype=np.int64)
        ids = []
        for name in hand.key_bodies:
            bid = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, name)
            if bid < 0:
                raise ValueError(f"hand {hand.name!r}: key body {name!r} is not in its model")
            ids.append(bid)
        self.body_ids = np.asarray(ids, dtype=np.int64)

    def model_positions(self, dof_pos: torch.Tensor) -> np.ndarray:
        """(T, K, 3) float64 key-body positions in MuJoCo's world (base at ``BASE_POS``) for
        ``dof_pos (T, D)`` in ``hand.dof_names`` order."""
        q = dof_pos.detach().cpu().to(torch.float64).numpy()
        if q.ndim != 2 or q.shape[1] != len(self.qpos_adr):
            raise ValueError(
                f"dof_pos has shape {tuple(q.shape)}, expected (T, {len(self.qpos_adr)}) for hand {self.hand.name!r}"
            )
        out = np.empty((q.shape[0], len(self.body_ids), 3))
        d = self.data
        d.qpos[:] = self.model.qpos0
        for t in range(q.shape[0]):
            d.qpos[self.qpos_adr] = q[t]
            mujoco.mj_kinematics(self.model, d)
            out[t] = d.xpos[self.body_ids]
        return out

    def __call__(self, clip: MotionClip) -> torch.Tensor:
        """(T, K, 3) float32 key-body world positions of ``clip`` (root transform composed)."""
        x = torch.from_numpy(self.model_positions(clip.dof_pos))
        root_pos = clip.root_pos.detach().cpu().to(torch.float64)
        root_rot = clip.root_rot.detach().cpu().to(torch.float64)
        base = torch.tensor(BASE_POS, dtype=torch.float64)
        rel = x - base  # T_base^-1 (base orientation is identity)
        rot = quat_to_matrix(root_rot)  # (T, 3, 3)
        world = torch.einsum("tij,tkj->tki", rot, rel) + root_pos[:, None, :]
        return world.to(torch.float32)


def key_body_positions(hand: HandModel, clip: MotionClip) -> torch.Tensor:
    """(T, K, 3) world positions of ``hand.key_bodies`` for every frame of ``clip``.

    Compiles ``hand.build_spec()`` each call; use :class:`KeyBodyFK` for many clips.
    """
    return KeyBodyFK(hand)(clip)


def _resolve_hand(hand: str | HandModel) -> HandModel:
    if isinstance(hand, HandModel):
        return hand
    try:
        from hot.assets.hands import get_hand  # the registry; imported here to keep this module light
    except ImportError as e:
        raise RuntimeError(
            f"cannot look up hand {hand!r}: hot.assets.hands.get_hand is not available ({e})"
        ) from e
    return get_hand(hand)


def fill_key_bodies(
    src_dir: str | os.PathLike,
    hand_name: str | HandModel,
    dst_dir: str | os.PathLike | None = None,
) -> list[Path]:
    """Write copies of every motion file under ``src_dir`` with ``body_pos`` filled by FK.

    Args:
        src_dir: folder of ``*.pt`` motion files (searched recursively).
        hand_name: registry name (``"mano"``, ``"shadow"``, ``"allegro"``) or a :class:`HandModel`.
        dst_dir: output folder; default ``<src_dir>_kp`` beside ``src_dir`` (upstream naming).
            Sub-folders and file names are mirrored.

    Every input is validated against the hand's DoF count first (a bad file raises
    :class:`~hot.motion.schema.MotionFormatError` naming it, before anything is written); all
    other keys of the dict are kept as they are. Writes are atomic.

    Returns:
        the written paths, in input order.
    """
    src = Path(src_dir)
    if not src.is_dir():
        raise FileNotFoundError(f"motion folder {src} does not exist (or is not a folder)")
    dst = Path(dst_dir) if dst_dir is not None else src.parent / f"{src.name}_kp"
    if dst.resolve() == src.resolve():
        raise ValueError(f"destination {dst} is the source folder; pick another dst_dir")
    hand = _resolve_hand(hand_name)
    files = find_motion_files(src)
    loaded = []
    for f in files:  # validate everything before writing anything
        raw = read_motion_dict(f)
        loaded.append((f, raw, validate_clip(raw, f, num_dofs=hand.num_dofs)))
    fk = KeyBodyFK(hand)
    written = []
    for f, raw, clip in loaded:
        out = dict(raw)
        out["body_pos"] = fk(clip).reshape(clip.num_frames, -1).contiguous()
        target = dst / f.relative_to(src)
        atomic_torch_save(out, target, compress=True)
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: ``python -m hot.motion.fk --path DIR --hand mano [--out DIR]``."""
    parser = argparse.ArgumentParser(description="Fill key-body positions (body_pos) of motion files by FK.")
    parser.add_argument("--path", required=True, help="folder of *.pt motion files")
    parser.add_argument("--hand", required=True, help="hand name: mano, shadow or allegro")
    parser.add_argument("--out", default=None, help="output folder (default: <path>_kp)")
    args = parser.parse_args(argv)
    src = Path(args.path)
    dst = Path(args.out) if args.out is not None else src.parent / f"{src.name}_kp"
    written = fill_key_bodies(src, args.hand, dst)
    print(f"wrote {len(written)} motion files with key-body positions under {dst}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
