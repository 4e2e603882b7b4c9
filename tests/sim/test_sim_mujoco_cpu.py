"""MujocoCpuSim on the tiny gripper + box: resets, determinism, readings, contacts, scales, divergence."""

from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest
import torch

from hot.sim import make_sim
from hot.sim.mujoco_cpu import MujocoCpuSim
from hot.sim.state import SimState
from hot.utils.rotations import quat_from_axis_angle, quat_rotate

from .conftest import BOX_EXTENTS, PLATFORM_TOP

BOX_REST_Z = PLATFORM_TOP + BOX_EXTENTS[2] / 2  # box centre resting on the platform
PRESS_TZ = -0.22  # wrist z at which the open fingertips just touch the resting box's top


def _reset(
    sim, ids=None, tz=0.0, obj_xy=(0.0, 0.0), obj_z=BOX_REST_Z, fingers=0.0, obj_rot=None, lin=None, ang=None
):
    ids = torch.arange(sim.num_envs) if ids is None else torch.as_tensor(ids)
    m, d = len(ids), sim.hand.num_dofs
    q = torch.zeros(m, d)
    q[:, 2] = tz
    q[:, 6:] = fingers
    pos = torch.tensor([[obj_xy[0], obj_xy[1], obj_z]]).repeat(m, 1)
    rot = torch.tensor([[1.0, 0, 0, 0]]).repeat(m, 1) if obj_rot is None else obj_rot
    lin = torch.zeros(m, 3) if lin is None else lin
    ang = torch.zeros(m, 3) if ang is None else ang
    sim.reset(ids, q, torch.zeros(m, d), pos, rot, lin, ang)
    return q


def _run(sim, targets, n):
    for _ in range(n):
        sim.set_targets(targets)
        sim.step(2)


@pytest.fixture(scope="module")
def sim4(tiny_hand, box_object):
    return MujocoCpuSim(tiny_hand, box_object, 4, nthread=2)


def test_state_shapes_dtypes_finite(sim4, tiny_hand):
    q = _reset(sim4, tz=-0.1)
    _run(sim4, q, 5)
    s = sim4.state()
    n, d, k, c = 4, tiny_hand.num_dofs, tiny_hand.num_key_bodies, len(tiny_hand.contact_bodies)
    shapes = dict(
        dof_pos=(n, d),
        dof_vel=(n, d),
        key_pos=(n, k, 3),
        key_rot=(n, k, 4),
        key_lin_vel=(n, k, 3),
        key_ang_vel=(n, k, 3),
        obj_pos=(n, 3),
        obj_rot=(n, 4),
        obj_lin_vel=(n, 3),
        obj_ang_vel=(n, 3),
        contact_force=(n, c, 3),
        obj_contact_force=(n, 3),
        hand_contact=(n,),
        penetration=(n,),
    )
    for name, shape in shapes.items():
        t = getattr(s, name)
        assert tuple(t.shape) == shape, name
        if name == "hand_contact":
            assert t.dtype == torch.bool
        else:
            assert t.dtype == torch.float32 and torch.isfinite(t).all(), name
    torch.testing.assert_close(s.key_rot.norm(dim=-1), torch.ones(n, k))
    assert sim4.dof_limits.shape == (d, 2) and sim4.object_scales.shape == (n,)
    assert not sim4.diverged().any()


def test_reset_reads_back_and_velocity_frames(tiny_hand, offset_box_object):
    """Right after reset the state equals the inputs; body-origin velocities match mj_objectVelocity(XBODY)."""
    sim = MujocoCpuSim(tiny_hand, offset_box_object, 2, nthread=1)
    rot = quat_from_axis_angle(torch.tensor([[0.0, 0.6, 0.8]] * 2), torch.tensor([0.7, -1.9]))
    lin = torch.tensor([[0.3, -0.2, 0.5], [0.0, 0.1, -0.4]])
    ang = torch.tensor([[1.0, 2.0, -3.0], [-0.5, 0.0, 4.0]])
    q = _reset(sim, tz=-0.05, obj_z=0.4, obj_rot=rot, lin=lin, ang=ang, fingers=0.3)
    s = sim.state()
    torch.testing.assert_close(s.dof_pos, q)
    torch.testing.assert_close(s.obj_pos, torch.tensor([[0.0, 0.0, 0.4]] * 2))
    torch.testing.assert_close(s.obj_rot, rot)
    torch.testing.assert_close(s.obj_lin_vel, lin)
    torch.testing.assert_close(s.obj_ang_vel, ang)

    # give the hand some motion, then compare key-body velocities with MuJoCo's own function
    _run(sim, q + torch.tensor([0.1, 0.0, 0.1, 0.3, 0.0, 0.5, 0.5, 0.5, 0.5, 0.5]), 3)
    s = sim.state()
    res = np.zeros(6)
    for i in range(2):
        m, d = sim.batch.get_model(i), sim.batch.get_data(i)
        for k, bid in enumerate(sim.index.key_body_ids):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, int(bid), res, 0)
            np.testing.assert_allclose(s.key_ang_vel[i, k].numpy(), res[:3], atol=1e-5)
            np.testing.assert_allclose(s.key_lin_vel[i, k].numpy(), res[3:], atol=1e-5)
        assert np.abs(s.key_lin_vel[i].numpy()).max() > 1e-2  # really moving
        mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, sim.index.object_body_id, res, 0)
        np.testing.assert_allclose(s.obj_lin_vel[i].numpy(), res[3:], atol=1e-5)


def test_reset_one_world_leaves_others_untouched(tiny_hand, box_object):
    a = MujocoCpuSim(tiny_hand, box_object, 3, nthread=2)
    b = MujocoCpuSim(tiny_hand, box_object, 3, nthread=2)
    for sim in (a, b):
        q = _reset(sim, tz=-0.1, fingers=0.2)
        _run(sim, q + 0.05, 10)
    before = a.batch.state.copy()
    _reset(a, ids=[1], tz=0.3, obj_z=0.5, fingers=1.0)
    after = a.batch.state
    assert np.array_equal(before[[0, 2]], after[[0, 2]])
    assert not np.array_equal(before[1], after[1])
    _run(a, q + 0.05, 10)
    _run(b, q + 0.05, 10)
    sa, sb = a.state(), b.state()
    for name in ("dof_pos", "obj_pos", "key_pos"):
        assert torch.equal(getattr(sa, name)[[0, 2]], getattr(sb, name)[[0, 2]]), name


def test_determinism_across_two_sims(tiny_hand, box_object):
    states = []
    for _ in range(2):
        sim = MujocoCpuSim(tiny_hand, box_object, 4, nthread=2)
        q = _reset(sim, tz=-0.2)
        g = torch.Generator().manual_seed(0)
        for _ in range(15):
            sim.set_targets(q + 0.1 * torch.randn(q.shape, generator=g))
            sim.step(2)
        states.append(sim.state())
    for name in SimState.__dataclass_fields__:
        assert torch.equal(getattr(states[0], name), getattr(states[1], name)), name


def test_pd_hold_keeps_hand_still(sim4):
    q = _reset(sim4, tz=-0.05, fingers=0.4, obj_xy=(1.0, 1.0))
    q[:, 3] = 0.3
    q[:, 5] = -0.6
    _reset(sim4, tz=-0.05, fingers=0.4, obj_xy=(1.0, 1.0))
    sim4.reset(
        torch.arange(4),
        q,
        torch.zeros_like(q),
        torch.tensor([[1.0, 1.0, BOX_REST_Z]] * 4),
        torch.tensor([[1.0, 0, 0, 0]] * 4),
        torch.zeros(4, 3),
        torch.zeros(4, 3),
    )
    k0 = sim4.state().key_pos.clone()
    _run(sim4, q, 60)
    s = sim4.state()
    assert (s.dof_pos - q).abs().max() < 2e-3
    assert (s.key_pos - k0).abs().max() < 2e-3
    assert s.dof_vel.abs().max() < 1e-2


def test_hand_never_touches_platform_and_object_rests(tiny_hand, box_object):
    sim = MujocoCpuSim(tiny_hand, box_object, 2, nthread=2)
    q = _reset(sim, tz=-0.45, obj_xy=(1.0, 0.0), obj_z=0.3)  # fingers pass through platform and floor
    for _ in range(90):
        sim.set_targets(q)
        sim.step(2)
        assert not sim.state().hand_contact.any()
        for i in range(2):
            d, m = sim.batch.get_data(i), sim.batch.get_model(i)
            for c in d.contact[: d.ncon]:
                bodies = {m.geom_bodyid[c.geom1], m.geom_bodyid[c.geom2]}
                assert sim.index.object_body_id in bodies  # only object-static contacts
    s = sim.state()
    torch.testing.assert_close(s.obj_pos[:, 2], torch.full((2,), BOX_REST_Z), atol=2e-3, rtol=0)
    assert s.obj_lin_vel.abs().max() < 1e-2
    assert (sim.num_contacts() > 0).all()


def test_contact_sensors_press_vs_free(tiny_hand, box_object):
    sim = MujocoCpuSim(tiny_hand, box_object, 2, nthread=2)
    q = _reset(sim, tz=PRESS_TZ + 0.03)
    q_free = q.clone()
    q[0, 2] = PRESS_TZ - 0.02  # world 0 presses 2 cm into the box; world 1 hovers above it
    penetrations = []
    for _ in range(60):
        sim.set_targets(torch.stack([q[0], q_free[1]]))
        sim.step(2)
        s = sim.state()
        penetrations.append(s.penetration)
        assert (s.penetration >= 0).all()
    s = sim.state()
    # world 0: the hand pushes the object down; fingertips are pushed up
    assert s.hand_contact[0]
    assert s.obj_contact_force[0, 2] < -1.0
    assert (s.contact_force[0, :, 2] > 0.2).all()
    assert s.penetration[0] > 0 and s.penetration[0] < 0.01
    # PD wrist force 250 N/m * ~2 cm is balanced by the contact (gravcomp hand)
    assert -s.obj_contact_force[0, 2] == pytest.approx(250 * 0.02, rel=0.3)
    # world 1: no contact at all
    assert not s.hand_contact[1]
    assert torch.equal(s.obj_contact_force[1], torch.zeros(3))
    assert torch.equal(s.contact_force[1], torch.zeros(2, 3))
    assert s.penetration[1] == 0


def test_per_world_scale(tiny_hand, box_object):
    sim = MujocoCpuSim(tiny_hand, box_object, 3, scales=[1.0, 1.5, 0.754], nthread=2)
    torch.testing.assert_close(sim.object_scales, torch.tensor([1.0, 1.5, 0.75]))
    assert len(sim.models) == 3
    q = _reset(sim, obj_z=0.25)
    _run(sim, q, 90)
    z = sim.state().obj_pos[:, 2]
    expect = torch.tensor([PLATFORM_TOP + BOX_EXTENTS[2] / 2 * s for s in (1.0, 1.5, 0.75)])
    torch.testing.assert_close(z, expect, atol=2e-3, rtol=0)
    masses = [sim.batch.get_model(i).body_mass[sim.index.object_body_id] for i in range(3)]
    np.testing.assert_allclose(masses, [0.3 * s**3 for s in (1.0, 1.5, 0.75)])


def test_diverged_flags_only_the_bad_world(sim4, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MuJoCo writes MUJOCO_LOG.TXT on warnings
    q = _reset(sim4, tz=-0.1)
    assert not sim4.diverged().any()
    sim4.batch.bind("qpos")[2, 0] = math.nan
    assert sim4.diverged().tolist() == [False, False, True, False]
    _run(sim4, q, 2)  # MuJoCo auto-resets the bad world and counts a warning: still flagged
    assert sim4.diverged().tolist() == [False, False, True, False]
    assert torch.isfinite(sim4.state().dof_pos[[0, 1, 3]]).all()
    _reset(sim4, ids=[2], tz=-0.1)
    assert not sim4.diverged().any()


def test_reset_rejects_bad_input(sim4):
    with pytest.raises(ValueError, match="dof_pos"):
        sim4.reset(
            torch.tensor([0]),
            torch.zeros(1, 3),
            torch.zeros(1, 10),
            torch.zeros(1, 3),
            torch.tensor([[1.0, 0, 0, 0]]),
            torch.zeros(1, 3),
            torch.zeros(1, 3),
        )
    with pytest.raises(ValueError, match="unique"):
        _reset(sim4, ids=[1, 1])


def test_make_sim(tiny_hand, box_object):
    sim = make_sim("mujoco", tiny_hand, box_object, 2, nthread=1)
    assert isinstance(sim, MujocoCpuSim) and sim.num_envs == 2
    # "mjwarp" is covered by tests/sim/test_mjwarp.py (built when installed, install hint when not)
    with pytest.raises(ValueError, match="unknown sim backend"):
        make_sim("physx", tiny_hand, box_object, 2)


def test_world_frame_orientation_of_key_bodies(sim4):
    """Wrist hinge chain x->y->z: the palm's world orientation is Rx(a)Ry(b)Rz(c)."""
    from hot.utils.rotations import quat_from_euler_xyz_intrinsic

    q = _reset(sim4, tz=-0.05)
    q[:, 3:6] = torch.tensor([0.4, -0.3, 1.1])
    sim4.reset(
        torch.arange(4),
        q,
        torch.zeros_like(q),
        torch.tensor([[1.0, 1.0, BOX_REST_Z]] * 4),
        torch.tensor([[1.0, 0, 0, 0]] * 4),
        torch.zeros(4, 3),
        torch.zeros(4, 3),
    )
    palm = sim4.state().key_rot[:, -1]
    expect = quat_from_euler_xyz_intrinsic(q[:, 3:6])
    torch.testing.assert_close(palm * torch.sign(palm[:, :1]), expect * torch.sign(expect[:, :1]))
    # and positions: palm origin at base + wrist translation
    torch.testing.assert_close(sim4.state().key_pos[:, -1], torch.tensor([[0.0, 0.0, 0.45]] * 4))
    v = quat_rotate(palm, torch.tensor([[0.0, 0.0, 1.0]] * 4))
    assert torch.isfinite(v).all()
