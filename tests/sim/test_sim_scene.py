"""Scene builder: options, collision bits, object mass/scale, sensors and addresses."""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np
import pytest

from hot.sim.scene import (
    HAND_CONTACT_COUNT,
    HAND_OBJ_DIST,
    OBJ_HAND_FORCE,
    SceneOptions,
    compile_scene,
    contact_force_sensor,
)


def test_scene_options(tiny_hand, box_object):
    m, ix = compile_scene(tiny_hand, box_object)
    assert m.opt.timestep == pytest.approx(1 / 120)
    assert m.opt.integrator == mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    assert m.opt.cone == mujoco.mjtCone.mjCONE_ELLIPTIC
    assert m.opt.solver == mujoco.mjtSolver.mjSOL_NEWTON
    assert m.opt.impratio == pytest.approx(SceneOptions().impratio)
    np.testing.assert_allclose(m.opt.gravity, [0, 0, -9.81])

    floor = m.geom("floor")
    assert floor.type[0] == mujoco.mjtGeom.mjGEOM_PLANE and floor.pos[2] == 0
    plat = m.geom("platform")
    np.testing.assert_allclose(plat.size, [1.5, 1.5, 0.005])
    np.testing.assert_allclose(plat.pos, [0, 0, 0.1])


def test_servo_armature_and_noslip(tiny_hand, box_object):
    """Every servo-driven joint gets armature >= timestep * kv; no-slip is on by default."""
    m, ix = compile_scene(tiny_hand, box_object)
    assert m.opt.noslip_iterations == SceneOptions().noslip_iterations > 0
    kv = -m.actuator_biasprm[ix.actuator_ids, 2]
    dof = m.jnt_dofadr[m.actuator_trnid[ix.actuator_ids, 0]]
    assert (kv > 0).all()
    np.testing.assert_array_less(m.opt.timestep * kv - 1e-12, m.dof_armature[dof])
    off, _ = compile_scene(
        tiny_hand, box_object, options=SceneOptions(damping_armature=False, noslip_iterations=0)
    )
    assert off.opt.noslip_iterations == 0
    assert (off.dof_armature[dof] < m.dof_armature[dof]).all()


def test_collision_bits_and_object(tiny_hand, box_object):
    m, ix = compile_scene(tiny_hand, box_object, scale=1.2)
    hand_bodies = {i for i in range(m.nbody) if m.body_rootid[i] == ix.hand_base_body_id}
    for g in range(m.ngeom):
        if m.geom_bodyid[g] in hand_bodies and m.geom_contype[g] | m.geom_conaffinity[g]:
            assert (m.geom_contype[g], m.geom_conaffinity[g]) == (2, 0)
        elif m.geom_bodyid[g] == ix.object_body_id:
            assert (m.geom_contype[g], m.geom_conaffinity[g]) == (1, 3)
            assert m.geom_condim[g] == 4
            assert m.geom_friction[g][0] == pytest.approx(2.0)
            assert m.geom_type[g] == mujoco.mjtGeom.mjGEOM_MESH
    for name in ("floor", "platform"):
        assert (m.geom(name).contype[0], m.geom(name).conaffinity[0]) == (1, 1)
    # mass scales with scale^3, damping on every freejoint dof
    assert m.body_mass[ix.object_body_id] == pytest.approx(0.3 * 1.2**3, rel=1e-9)
    np.testing.assert_allclose(m.dof_damping[ix.obj_qvel_adr], 0.01)


def test_addresses_by_name(tiny_hand, box_object):
    m, ix = compile_scene(tiny_hand, box_object)
    for k, name in enumerate(tiny_hand.dof_names):
        j = m.joint(name).id
        assert ix.dof_qpos_adr[k] == m.jnt_qposadr[j] and ix.dof_qvel_adr[k] == m.jnt_dofadr[j]
        assert m.actuator(int(ix.actuator_ids[k])).name == f"act_{name}"
    assert ix.obj_qpos_adr[0] >= len(tiny_hand.dof_names)  # object after the hand in qpos
    assert list(ix.obj_qpos_adr) == list(range(ix.obj_qpos_adr[0], ix.obj_qpos_adr[0] + 7))
    assert [m.body(int(i)).name for i in ix.key_body_ids] == list(tiny_hand.key_bodies)
    assert [m.body(int(i)).name for i in ix.contact_body_ids] == list(tiny_hand.contact_bodies)
    dims = {n: d for n, (_, d) in ix.sensor_adr.items()}
    assert dims[OBJ_HAND_FORCE] == 3 and dims[HAND_OBJ_DIST] == 1 and dims[HAND_CONTACT_COUNT] == 1
    for c in tiny_hand.contact_bodies:
        assert dims[contact_force_sensor(c)] == 3
    np.testing.assert_allclose(ix.dof_limits[:3], [[-2, 2]] * 3)


def test_hand_only_scene(tiny_hand):
    m, ix = compile_scene(tiny_hand, None)
    assert m.nq == tiny_hand.num_dofs and ix.object_body_id == -1
    assert OBJ_HAND_FORCE not in ix.sensor_adr


def test_bad_object_is_named(tiny_hand, box_object, tmp_path):
    bad = type(box_object)("broken", (tmp_path / "missing.obj",))
    with pytest.raises(ValueError, match="missing.obj"):
        compile_scene(tiny_hand, bad)


def test_joint_ranges_in_radians(tiny_hand, box_object):
    m, ix = compile_scene(tiny_hand, box_object)
    np.testing.assert_allclose(ix.dof_limits[3:6], [[-2 * np.pi, 2 * np.pi]] * 3)
    np.testing.assert_allclose(ix.dof_limits[6:], [[-0.3, 1.2]] * 4)

    def degree_spec():
        spec = tiny_hand.build_spec()
        spec.compiler.degree = True  # ranges would be read as degrees: must be refused
        return spec

    bad = dataclasses.replace(tiny_hand, builder=degree_spec)
    with pytest.raises(ValueError, match="ctrlrange differs"):
        compile_scene(bad, box_object)


def test_joint_friction_rows_off_by_default_and_back_on_request(box_object):
    """MANO's joint friction gives one solver row per finger joint unless turned off (the default)."""
    from hot.assets.hands import get_hand

    hand = get_hand("mano")

    def friction_rows(opts: SceneOptions) -> int:
        m, _ = compile_scene(hand, box_object, options=opts)
        d = mujoco.MjData(m)
        mujoco.mj_forward(m, d)
        return int((d.efc_type == mujoco.mjtConstraint.mjCNSTR_FRICTION_DOF).sum())

    m, _ = compile_scene(hand, box_object)
    assert m.opt.jacobian == mujoco.mjtJacobian.mjJAC_SPARSE
    assert m.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_FRICTIONLOSS
    assert friction_rows(SceneOptions()) == 0
    on = dataclasses.replace(SceneOptions(), joint_frictionloss=True, jacobian="auto")
    assert friction_rows(on) == int((m.dof_frictionloss > 0).sum()) > 10


def test_object_solimp_governs_the_object_contacts(tiny_hand, box_object):
    stiff = dataclasses.replace(SceneOptions(), object_solimp=(0.99, 0.999, 0.002))
    m, _ = compile_scene(tiny_hand, box_object, options=stiff)
    obj = [g for g in range(m.ngeom) if m.geom(g).name.startswith("object_geom")]
    assert obj
    np.testing.assert_allclose(m.geom_solimp[obj, :3], [[0.99, 0.999, 0.002]] * len(obj))
    others = [g for g in range(m.ngeom) if g not in obj]
    assert (m.geom_solmix[obj] > 100 * m.geom_solmix[others].max()).all()
    base, _ = compile_scene(tiny_hand, box_object)
    np.testing.assert_allclose(base.geom_solimp[obj, :3], [[0.9, 0.95, 0.001]] * len(obj))  # MuJoCo's default
