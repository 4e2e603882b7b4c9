"""Start-state noise (upstream ``skillmimic2_rand.py``, spec §5.7).

Noise perturbs only the **initial simulator state** of the envs being reset; the reference is
never touched (this module does not see it, only the start-frame contact label). Every term
draws its **own** per-env Bernoulli(p) mask and its own uniform noise U(-s, s):

=========================  ===========  ==========================================
quantity                   scale s      condition
=========================  ===========  ==========================================
finger DoF positions 6:    π/8 rad      always
finger DoF velocities 6:   0.1          always
object linear velocity     0.02         always
object angular velocity    0.02         always
object position            0.05 m, z≥0  start-frame contact label == 0
object roll/pitch/yaw      ±π/5 each    label == 0
object position            0.02 m       label != 0 (1 or -1)
object yaw                 ±π/8         label != 0
wrist slides / hinges      0.02 / π/12  only if ``wrist_noise`` (upstream: skill dir ``regrasp_kp_hard``)
=========================  ===========  ==========================================

Euler handling: quat -> roll/pitch/yaw (ZYX, :func:`hot.utils.rotations.quat_to_rpy`), add noise,
back with :func:`~hot.utils.rotations.quat_from_rpy`. Unlike upstream, envs whose mask is off
keep their quaternion bit-for-bit (upstream round-tripped every quat through Euler angles), so
``prob = 0`` is an exact identity. Random numbers are drawn in the order of the table, all from
the given ``torch.Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from hot.assets.hands.base import FINGERS, NUM_WRIST_DOFS, WRIST_POS, WRIST_ROT
from hot.utils.rotations import quat_from_rpy, quat_to_rpy

__all__ = ["StartNoiseConfig", "NOISED_KEYS", "masked_uniform", "apply_start_noise"]

#: State-dict keys this module reads and may change; every other key passes through untouched.
NOISED_KEYS = ("dof_pos", "dof_vel", "obj_pos", "obj_rot", "obj_lin_vel", "obj_ang_vel")


@dataclass(frozen=True)
class StartNoiseConfig:
    """Scales and probability of the start-state noise (defaults = upstream)."""

    prob: float = 0.2
    """Per-term, per-env probability p (stage 1 0.2, stage 2 0.5, distill 0.3)."""
    finger_pos: float = math.pi / 8
    """Finger DoF position noise (rad)."""
    finger_vel: float = 0.1
    """Finger DoF velocity noise."""
    obj_lin_vel: float = 0.02
    """Object linear velocity noise (m/s)."""
    obj_ang_vel: float = 0.02
    """Object angular velocity noise (rad/s)."""
    obj_pos_free: float = 0.05
    """Object position noise (m) when the start label is 0; its z component is made non-negative."""
    obj_rpy_free: float = math.pi / 5
    """Roll, pitch and yaw noise (rad) when the start label is 0."""
    obj_pos_contact: float = 0.02
    """Object position noise (m) when the start label is 1 or -1."""
    obj_yaw_contact: float = math.pi / 8
    """Yaw-only noise (rad) when the start label is 1 or -1."""
    wrist_noise: bool = False
    """Also perturb the wrist DoFs (upstream did so only for the ``regrasp_kp_hard`` skill dir)."""
    wrist_pos: float = 0.02
    """Wrist slide noise (m)."""
    wrist_rot: float = math.pi / 12
    """Wrist hinge noise (rad)."""


def masked_uniform(
    shape: tuple[int, int], prob: float, scale: float, generator: torch.Generator, dtype=torch.float32
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(N, M)`` noise, per-env Bernoulli(prob) mask times U(-scale, scale), and the (N,) bool mask.

    The mask is drawn first, then the noise, both from ``generator`` on its device.
    """
    dev = generator.device
    mask = torch.rand(shape[0], generator=generator, device=dev) < prob
    noise = (torch.rand(shape, generator=generator, device=dev, dtype=dtype) * 2 - 1) * scale
    return noise * mask.unsqueeze(-1).to(dtype), mask


def apply_start_noise(
    state: dict[str, torch.Tensor],
    contact_label: torch.Tensor,
    cfg: StartNoiseConfig,
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    """A noisy copy of an initial state.

    Args:
        state: initial state of the envs being reset, world frame: ``dof_pos`` (N, D),
            ``dof_vel`` (N, D), ``obj_pos`` (N, 3), ``obj_rot`` (N, 4) wxyz, ``obj_lin_vel`` (N, 3),
            ``obj_ang_vel`` (N, 3); other keys are passed through.
        contact_label: (N,) reference contact label of the start frame (1, 0 or -1).
        cfg: scales and probability.
        generator: source of randomness, on the same device as the tensors.

    Returns:
        A new dict with the same keys; input tensors are not modified.
    """
    missing = [k for k in NOISED_KEYS if k not in state]
    if missing:
        raise KeyError(f"apply_start_noise: state dict lacks {missing}; needs {list(NOISED_KEYS)}")
    out = dict(state)
    p = cfg.prob
    if p <= 0:
        return out
    dof_pos = state["dof_pos"].clone()
    dof_vel = state["dof_vel"].clone()
    n, d = dof_pos.shape
    dt = dof_pos.dtype

    def draw(m: int, scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        return masked_uniform((n, m), p, scale, generator, dt)

    dof_pos[:, FINGERS] += draw(d - NUM_WRIST_DOFS, cfg.finger_pos)[0]
    dof_vel[:, FINGERS] += draw(d - NUM_WRIST_DOFS, cfg.finger_vel)[0]
    obj_lin_vel = state["obj_lin_vel"] + draw(3, cfg.obj_lin_vel)[0]
    obj_ang_vel = state["obj_ang_vel"] + draw(3, cfg.obj_ang_vel)[0]

    obj_pos, obj_rot = state["obj_pos"], state["obj_rot"]
    rpy = quat_to_rpy(obj_rot)
    # label 0 (must not touch): larger position noise pushed upward, full roll/pitch/yaw noise
    pos_free = draw(3, cfg.obj_pos_free)[0]
    pos_free = torch.cat([pos_free[:, :2], pos_free[:, 2:].abs()], dim=-1)
    rpy_free, m_free = draw(3, cfg.obj_rpy_free)
    rot_free = torch.where(m_free.unsqueeze(-1), quat_from_rpy(rpy + rpy_free), obj_rot)
    # label 1 / -1: small position noise, yaw only
    pos_contact = draw(3, cfg.obj_pos_contact)[0]
    yaw_contact, m_contact = draw(1, cfg.obj_yaw_contact)
    rpy_contact = torch.cat([rpy[:, :2], rpy[:, 2:] + yaw_contact], dim=-1)
    rot_contact = torch.where(m_contact.unsqueeze(-1), quat_from_rpy(rpy_contact), obj_rot)

    free = (contact_label == 0).unsqueeze(-1)
    out["obj_pos"] = torch.where(free, obj_pos + pos_free, obj_pos + pos_contact)
    out["obj_rot"] = torch.where(free, rot_free, rot_contact)

    if cfg.wrist_noise:
        dof_pos[:, WRIST_POS] += draw(3, cfg.wrist_pos)[0]
        dof_pos[:, WRIST_ROT] += draw(3, cfg.wrist_rot)[0]

    out.update(dof_pos=dof_pos, dof_vel=dof_vel, obj_lin_vel=obj_lin_vel, obj_ang_vel=obj_ang_vel)
    return out
