"""Wrist inverse kinematics: wrist-frame world pose -> the 6 virtual-wrist DoFs.

The virtual wrist (see ``hot.assets.hands.base``) is three world-aligned slides followed by hinges
about x, y, z, mounted on the fixed base at ``BASE_POS`` with identity orientation. Its IK is
therefore analytic:

* orientation relative to the base ``R = Rx(a)·Ry(b)·Rz(c)``, solved in closed form (two
  branches ``(a, b, c)`` and ``(a+π, π-b, c+π)``; at gimbal lock ``|cos b| < 1e-9`` only
  ``a ± c`` is defined and ``a`` is kept from the previous frame);
* position: the slides come first and are world-aligned, so ``p = base + t + off(a, b, c)``
  where ``off`` is the chain frame's offset from the base with zero slides, computed by MuJoCo
  FK (zero when the hinge anchors coincide with the body origin, as in every shipped hand).

Across frames each angle is unwrapped to the 2π-copy nearest the previous frame and the branch
closest to the previous frame is chosen, so clips crossing ±π stay continuous. Every solution is
then checked with MuJoCo forward kinematics on the compiled hand; frames whose position error
exceeds ``tol`` (m) or angle error exceeds ``tol`` (rad), or whose angles leave the ±2π joint
range, are refined by damped least squares on MuJoCo's body Jacobian and rejected if still off.

The "wrist frame" is the body carrying the last wrist hinge (``wrist_rz``); grasps and clips
store that body's pose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mujoco
import numpy as np
import torch

from hot.assets.hands.base import WRIST_DOF_NAMES, HandModel
from hot.utils.rotations import quat_from_euler_xyz_intrinsic, quat_to_matrix

__all__ = ["WristChain", "IKResult", "euler_xyz_branches", "wrist_ik", "wrist_fk"]

TWO_PI = 2.0 * math.pi
ANGLE_RANGE = TWO_PI + 1e-6


@dataclass
class IKResult:
    """Wrist IK output for ``(..., T)`` frames.

    Attributes:
        dofs: (..., T, 6) float64 ``tx, ty, tz`` (m, relative to the base) then ``rx, ry, rz`` (rad).
        ok: (..., T) bool, True where the MuJoCo FK check passed.
        pos_err: (..., T) float64 FK position error (m).
        rot_err: (..., T) float64 FK orientation error (rad).
    """

    dofs: torch.Tensor
    ok: torch.Tensor
    pos_err: torch.Tensor
    rot_err: torch.Tensor


class WristChain:
    """The compiled hand's virtual wrist, for FK checks in MuJoCo.

    Args:
        model: a compiled model holding the hand (a hand-only model or a full scene; the hand's joints
            named as in ``WRIST_DOF_NAMES``).
    """

    def __init__(self, model: mujoco.MjModel):
        self.model = model
        self.data = mujoco.MjData(model)
        try:
            jids = [model.joint(n).id for n in WRIST_DOF_NAMES]
        except KeyError as exc:
            raise ValueError(f"model lacks a virtual-wrist joint {exc}; expected {WRIST_DOF_NAMES}") from exc
        self.qadr = np.array([model.jnt_qposadr[j] for j in jids])
        self.dofadr = np.array([model.jnt_dofadr[j] for j in jids])
        self.body_id = int(model.jnt_bodyid[jids[-1]])
        self.base_body_id = int(model.body_parentid[int(model.jnt_bodyid[jids[0]])])
        mujoco.mj_kinematics(model, self.data)
        self.base_pos = self.data.xpos[self.base_body_id].copy()
        base_quat = self.data.xquat[self.base_body_id]
        if not np.allclose(base_quat, [1, 0, 0, 0], atol=1e-9):
            raise ValueError(f"wrist base body must have identity orientation, got {base_quat}")
        self._qpos0 = model.qpos0.copy()
        # Is the chain offset independent of the angles? (hinge anchors at the body origin)
        off0 = self._offset(np.zeros(3))
        off1 = self._offset(np.array([0.7, -0.4, 1.3]))
        self.constant_offset = bool(np.abs(off0 - off1).max() < 1e-12)
        self.offset0 = off0

    @classmethod
    def from_hand(cls, hand: HandModel) -> WristChain:
        """Compile the hand-only spec and wrap it."""
        return cls(hand.build_spec().compile())

    @property
    def body_name(self) -> str:
        return self.model.body(self.body_id).name

    def _offset(self, ang: np.ndarray) -> np.ndarray:
        q = self._qpos0.copy()
        q[self.qadr[:3]] = 0.0
        q[self.qadr[3:]] = ang
        self.data.qpos[:] = q
        mujoco.mj_kinematics(self.model, self.data)
        return self.data.xpos[self.body_id] - self.base_pos

    def fk(self, dofs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MuJoCo FK of the wrist frame: ``dofs (M, 6)`` -> world ``pos (M, 3)``, ``quat (M, 4)`` wxyz."""
        dofs = np.asarray(dofs, dtype=np.float64).reshape(-1, 6)
        pos = np.empty((len(dofs), 3))
        quat = np.empty((len(dofs), 4))
        q = self._qpos0.copy()
        for i, d in enumerate(dofs):
            q[self.qadr] = d
            self.data.qpos[:] = q
            mujoco.mj_kinematics(self.model, self.data)
            pos[i] = self.data.xpos[self.body_id]
            quat[i] = self.data.xquat[self.body_id]
        return pos, quat

    def dls_refine(
        self, dofs: np.ndarray, pos: np.ndarray, quat: np.ndarray, iters: int = 50, damping: float = 1e-4
    ) -> np.ndarray:
        """Damped-least-squares refinement of ``dofs (6,)`` towards a world pose, using MuJoCo's Jacobian."""
        d = np.array(dofs, dtype=np.float64)
        q = self._qpos0.copy()
        jacp = np.zeros((3, self.model.nv))
        jacr = np.zeros((3, self.model.nv))
        err_rot = np.zeros(3)
        neg = np.zeros(4)
        for _ in range(iters):
            q[self.qadr] = d
            self.data.qpos[:] = q
            mujoco.mj_kinematics(self.model, self.data)
            mujoco.mj_comPos(self.model, self.data)
            e_p = pos - self.data.xpos[self.body_id]
            mujoco.mju_negQuat(neg, self.data.xquat[self.body_id])
            dq = np.zeros(4)
            mujoco.mju_mulQuat(dq, quat, neg)
            mujoco.mju_quat2Vel(err_rot, dq, 1.0)
            e = np.concatenate([e_p, err_rot])
            if np.abs(e).max() < 1e-12:
                break
            mujoco.mj_jacBody(self.model, self.data, jacp, jacr, self.body_id)
            jac = np.concatenate([jacp, jacr])[:, self.dofadr]
            d += jac.T @ np.linalg.solve(jac @ jac.T + damping * np.eye(6), e)
        return d


def euler_xyz_branches(rot: torch.Tensor, prev_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Both intrinsic-XYZ solutions of ``R = Rx(a)Ry(b)Rz(c)``.

    Args:
        rot: (M, 3, 3) rotation matrices (float64).
        prev_a: (M,) the previous frame's ``a``, used at gimbal lock.

    Returns:
        Two (M, 3) tensors of angles; the first has ``b`` in [-π/2, π/2].
    """
    r = rot
    cb = torch.sqrt(r[:, 0, 0] ** 2 + r[:, 0, 1] ** 2)
    b = torch.atan2(r[:, 0, 2], cb)
    a = torch.atan2(-r[:, 1, 2], r[:, 2, 2])
    c = torch.atan2(-r[:, 0, 1], r[:, 0, 0])
    lock = cb < 1e-9
    if lock.any():
        # b = +π/2: r10 = sin(a+c), r11 = cos(a+c); b = -π/2: r10 = sin(c-a), r11 = cos(c-a).
        s = torch.atan2(r[:, 1, 0], r[:, 1, 1])
        up = r[:, 0, 2] > 0
        a = torch.where(lock, prev_a, a)
        c = torch.where(lock, torch.where(up, s - prev_a, s + prev_a), c)
    sol1 = torch.stack([a, b, c], dim=-1)
    sol2 = torch.stack([a + math.pi, math.pi - b, c + math.pi], dim=-1)
    return sol1, sol2


def _unwrap_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    return x + TWO_PI * torch.round((ref - x) / TWO_PI)


def wrist_fk(dofs: torch.Tensor, base_pos: torch.Tensor, offset: torch.Tensor | None = None):
    """Analytic wrist FK for a constant-offset chain: ``dofs (..., 6)`` -> ``pos (..., 3)``, ``quat (..., 4)``."""
    pos = base_pos + dofs[..., :3]
    if offset is not None:
        pos = pos + offset
    return pos, quat_from_euler_xyz_intrinsic(dofs[..., 3:])


def wrist_ik(
    chain: WristChain,
    pos_w: torch.Tensor,
    quat_w: torch.Tensor,
    init: torch.Tensor | None = None,
    tol: float = 1e-4,
    refine: bool = True,
) -> IKResult:
    """Closed-form wrist IK with continuity across frames, verified by MuJoCo FK.

    Args:
        chain: the hand's :class:`WristChain`.
        pos_w: (..., T, 3) wrist-frame world positions.
        quat_w: (..., T, 4) wrist-frame world orientations (wxyz).
        init: (..., 3) angles the first frame should stay near (default zeros).
        tol: reject threshold on FK position (m) and angle (rad) error.
        refine: run MuJoCo DLS refinement on frames that fail the check before rejecting them.

    Returns:
        :class:`IKResult` with float64 tensors on the input's device.
    """
    device = pos_w.device
    lead = pos_w.shape[:-2]
    t_len = pos_w.shape[-2]
    p = pos_w.detach().to("cpu", torch.float64).reshape(-1, t_len, 3)
    q = quat_w.detach().to("cpu", torch.float64).reshape(-1, t_len, 4)
    m = p.shape[0]
    rot = quat_to_matrix(q / q.norm(dim=-1, keepdim=True))
    prev = (
        torch.zeros(m, 3, dtype=torch.float64) if init is None else init.detach().cpu().double().reshape(m, 3)
    )
    angles = torch.empty(m, t_len, 3, dtype=torch.float64)
    for t in range(t_len):
        s1, s2 = euler_xyz_branches(rot[:, t], prev[:, 0])
        s1 = _unwrap_to(s1, prev)
        s2 = _unwrap_to(s2, prev)
        d1 = (s1 - prev).abs().sum(-1)
        d2 = (s2 - prev).abs().sum(-1)
        cur = torch.where((d2 < d1 - 1e-12).unsqueeze(-1), s2, s1)
        angles[:, t] = cur
        prev = cur
    flat_ang = angles.reshape(-1, 3).numpy()
    if chain.constant_offset:
        off = np.broadcast_to(chain.offset0, flat_ang.shape)
    else:
        off = np.stack([chain._offset(a) for a in flat_ang])
    trans = p.reshape(-1, 3).numpy() - chain.base_pos - off
    dofs = np.concatenate([trans, flat_ang], axis=-1)
    target_p = p.reshape(-1, 3).numpy()
    target_q = q.reshape(-1, 4).numpy()
    pos_err, rot_err = _fk_errors(chain, dofs, target_p, target_q)
    bad = (pos_err > tol) | (rot_err > tol)
    if refine and bad.any():
        for i in np.nonzero(bad)[0]:
            dofs[i] = chain.dls_refine(dofs[i], target_p[i], target_q[i])
        pe, re = _fk_errors(chain, dofs[bad], target_p[bad], target_q[bad])
        pos_err[bad], rot_err[bad] = pe, re
    in_range = (np.abs(dofs[:, 3:]) <= ANGLE_RANGE).all(-1) & (np.abs(dofs[:, :3]) <= 2.0).all(-1)
    ok = (pos_err <= tol) & (rot_err <= tol) & in_range
    shape = (*lead, t_len)
    return IKResult(
        dofs=torch.from_numpy(dofs).reshape(*shape, 6).to(device),
        ok=torch.from_numpy(ok).reshape(shape).to(device),
        pos_err=torch.from_numpy(pos_err).reshape(shape).to(device),
        rot_err=torch.from_numpy(rot_err).reshape(shape).to(device),
    )


def _fk_errors(chain: WristChain, dofs: np.ndarray, pos: np.ndarray, quat: np.ndarray):
    fp, fq = chain.fk(dofs)
    pos_err = np.linalg.norm(fp - pos, axis=-1)
    qn = quat / np.linalg.norm(quat, axis=-1, keepdims=True)
    # q_err = conj(fq) * qn, angle = 2 atan2(|vec|, |w|) (accurate near zero, unlike arccos).
    w = (fq * qn).sum(-1)
    v = fq[:, :1] * qn[:, 1:] - qn[:, :1] * fq[:, 1:] - np.cross(fq[:, 1:], qn[:, 1:])
    rot_err = 2.0 * np.arctan2(np.linalg.norm(v, axis=-1), np.abs(w))
    return pos_err, rot_err
