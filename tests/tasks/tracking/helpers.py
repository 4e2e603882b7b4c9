"""Builders of tiny SimState / RefFrame values for the tracking-math tests."""

from __future__ import annotations

import torch

from hot.sim.state import RefFrame, SimState
from hot.utils.rotations import identity_quat, quat_normalize


def make_sim(n: int = 2, d: int = 8, k: int = 3, c: int = 2, **overrides) -> SimState:
    """A resting state: zeros, identity rotations, no contact; fields overridable by name."""
    f = dict(
        dof_pos=torch.zeros(n, d),
        dof_vel=torch.zeros(n, d),
        key_pos=torch.zeros(n, k, 3),
        key_rot=identity_quat(n, k),
        key_lin_vel=torch.zeros(n, k, 3),
        key_ang_vel=torch.zeros(n, k, 3),
        obj_pos=torch.zeros(n, 3),
        obj_rot=identity_quat(n),
        obj_lin_vel=torch.zeros(n, 3),
        obj_ang_vel=torch.zeros(n, 3),
        contact_force=torch.zeros(n, c, 3),
        obj_contact_force=torch.zeros(n, 3),
        hand_contact=torch.zeros(n, dtype=torch.bool),
        penetration=torch.zeros(n),
    )
    f.update(overrides)
    return SimState(**f)


def random_sim(n: int = 4, d: int = 8, k: int = 3, c: int = 2, seed: int = 0) -> SimState:
    g = torch.Generator().manual_seed(seed)

    def r(*s):
        return torch.randn(*s, generator=g) * 0.3

    return make_sim(
        n,
        d,
        k,
        c,
        dof_pos=r(n, d),
        dof_vel=r(n, d),
        key_pos=r(n, k, 3) + torch.tensor([0, 0, 0.5]),
        key_rot=quat_normalize(torch.randn(n, k, 4, generator=g)),
        key_lin_vel=r(n, k, 3),
        key_ang_vel=r(n, k, 3),
        obj_pos=r(n, 3),
        obj_rot=quat_normalize(torch.randn(n, 4, generator=g)),
        obj_lin_vel=r(n, 3),
        obj_ang_vel=r(n, 3),
        contact_force=r(n, c, 3),
    )


def ref_from_sim(sim: SimState, contact: torch.Tensor | None = None, **overrides) -> RefFrame:
    """The reference frame equal to ``sim`` (copies), fields overridable by name."""
    n = sim.dof_pos.shape[0]
    f = dict(
        dof_pos=sim.dof_pos.clone(),
        dof_vel=sim.dof_vel.clone(),
        key_pos=sim.key_pos.clone(),
        obj_pos=sim.obj_pos.clone(),
        obj_rot=sim.obj_rot.clone(),
        obj_lin_vel=sim.obj_lin_vel.clone(),
        obj_ang_vel=sim.obj_ang_vel.clone(),
        contact=torch.zeros(n) if contact is None else contact,
        valid=torch.ones(n, dtype=torch.bool),
    )
    f.update(overrides)
    return RefFrame(**f)
