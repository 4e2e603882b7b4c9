"""Hand models: registry, the base.py contract, PD hold / step response, MANO rest-pose rescaling, export."""

from __future__ import annotations

import subprocess
import sys

import mujoco
import numpy as np
import pytest

from hot.assets.hands import HAND_NAMES, get_hand
from hot.assets.hands.__main__ import main as export_main
from hot.assets.hands.base import BASE_POS, HAND_CONAFFINITY, HAND_CONTYPE, WRIST_DOF_NAMES
from hot.assets.hands.mano import constants as MC
from hot.assets.hands.mano.builder import segment_geometry

EXPECTED = {
    # name: (nq, key bodies, contact bodies, fingertips, palm)
    "mano": (51, 16, 5, 5, "right_wrist"),
    "shadow": (28, 23, 21, 5, "rh_palm"),
    "allegro": (22, 17, 17, 4, "palm"),
}
WRIST_KP_KV = {"mano": (250.0, 100.0), "shadow": (250.0, 45.0), "allegro": (250.0, 45.0)}
DT = 1.0 / 120.0


def _sim_spec(hand: str, **kwargs) -> mujoco.MjSpec:
    spec = get_hand(hand).build_spec(**kwargs)
    spec.option.timestep = DT
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    return spec


@pytest.fixture(scope="module", params=HAND_NAMES)
def hand_model(request):
    hand = get_hand(request.param)
    return hand, hand.build_spec().compile()


def _hand_body_ids(model: mujoco.MjModel) -> np.ndarray:
    base = model.body("hand_base").id
    return np.array([b for b in range(model.nbody) if b == base or _is_below(model, b, base)])


def _is_below(model: mujoco.MjModel, body: int, ancestor: int) -> bool:
    while body != 0:
        body = model.body_parentid[body]
        if body == ancestor:
            return True
    return False


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------


def test_registry_names_and_case_insensitive():
    assert HAND_NAMES == ("mano", "shadow", "allegro")
    for name in HAND_NAMES:
        assert get_hand(name.upper()).name == name
        assert get_hand(f" {name.title()} ").name == name


def test_unknown_hand_lists_valid_names():
    with pytest.raises(ValueError, match="unknown hand 'leap'.*mano, shadow, allegro"):
        get_hand("leap")


def test_registry_import_is_lazy():
    code = (
        "import sys, hot.assets.hands as h; h.get_hand('shadow');"
        "print(any(m.endswith('.builder') for m in sys.modules if m.startswith('hot.assets.hands')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# base.py contract, per hand
# --------------------------------------------------------------------------------------------


def test_sizes_and_dof_order(hand_model):
    hand, m = hand_model
    nq, *_ = EXPECTED[hand.name]
    assert m.nq == m.nv == m.nu == m.njnt == nq == hand.num_dofs
    names = tuple(m.joint(i).name for i in range(m.njnt))
    assert names == hand.dof_names
    assert list(m.jnt_qposadr) == list(range(nq))
    assert hand.dof_names[:6] == WRIST_DOF_NAMES
    assert len(set(hand.finger_dof_names)) == len(hand.finger_dof_names)


def test_options_untouched(hand_model):
    _, m = hand_model
    default = mujoco.MjModel.from_xml_string("<mujoco/>").opt
    assert m.opt.timestep == default.timestep
    assert m.opt.integrator == default.integrator
    assert m.opt.cone == default.cone
    assert m.opt.impratio == default.impratio


def test_base_and_wrist_chain(hand_model):
    hand, m = hand_model
    base = m.body("hand_base")
    assert base.parentid[0] == 0
    np.testing.assert_allclose(m.body_pos[base.id], BASE_POS)
    np.testing.assert_allclose(m.body_quat[base.id], [1, 0, 0, 0])
    for i, dof in enumerate(WRIST_DOF_NAMES):
        j = m.joint(dof)
        slide = i < 3
        assert j.type[0] == (mujoco.mjtJoint.mjJNT_SLIDE if slide else mujoco.mjtJoint.mjJNT_HINGE)
        np.testing.assert_allclose(j.axis, np.eye(3)[i % 3])
        lim = 2.0 if slide else 2 * np.pi
        np.testing.assert_allclose(j.range, [-lim, lim])
        assert m.jnt_limited[j.id]
        body = j.bodyid[0]
        np.testing.assert_allclose(m.body_quat[body], [1, 0, 0, 0])
        assert 0.005 <= m.body_mass[body] <= 0.02
    # the palm (last key body) is mounted at identity under the last wrist dummy
    palm = m.body(hand.wrist_body)
    assert m.body(palm.parentid[0]).name == "wrist_rz_link"
    np.testing.assert_allclose(m.body_pos[palm.id], 0.0, atol=1e-12)
    np.testing.assert_allclose(m.body_quat[palm.id], [1, 0, 0, 0])
    # wrist orientation = Rx(a) Ry(b) Rz(c)
    d = mujoco.MjData(m)
    a, b, c = 0.3, -0.5, 1.1
    d.qpos[3:6] = (a, b, c)
    mujoco.mj_kinematics(m, d)
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    rx = np.array([[1, 0, 0], [0, ca, -sa], [0, sa, ca]])
    ry = np.array([[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]])
    rz = np.array([[cc, -sc, 0], [sc, cc, 0], [0, 0, 1]])
    np.testing.assert_allclose(d.xmat[palm.id].reshape(3, 3), rx @ ry @ rz, atol=1e-12)


def test_key_contact_fingertip_bodies(hand_model):
    hand, m = hand_model
    _, nkey, ncontact, ntip, palm = EXPECTED[hand.name]
    assert len(hand.key_bodies) == nkey and len(set(hand.key_bodies)) == nkey
    assert hand.key_bodies[-1] == palm == hand.wrist_body
    assert len(hand.contact_bodies) == ncontact and len(set(hand.contact_bodies)) == ncontact
    assert len(hand.fingertip_bodies) == ntip
    collision_bodies = {int(m.geom_bodyid[g]) for g in range(m.ngeom) if m.geom_contype[g] != 0}
    for name in hand.key_bodies + hand.contact_bodies + hand.fingertip_bodies:
        assert m.body(name).id > 0, name
    for name in hand.contact_bodies + hand.fingertip_bodies:
        assert m.body(name).id in collision_bodies, f"{name} has no collision geom"
    assert set(hand.fingertip_bodies) <= set(hand.key_bodies)


def test_actuators(hand_model):
    hand, m = hand_model
    assert tuple(m.actuator(i).name for i in range(m.nu)) == tuple(f"act_{d}" for d in hand.dof_names)
    np.testing.assert_array_equal(m.actuator_trntype, mujoco.mjtTrn.mjTRN_JOINT)
    np.testing.assert_array_equal(m.actuator_trnid[:, 0], np.arange(m.nu))
    assert m.actuator_ctrllimited.all()
    np.testing.assert_allclose(m.actuator_ctrlrange, m.jnt_range)
    np.testing.assert_array_equal(m.actuator_biastype, mujoco.mjtBias.mjBIAS_AFFINE)
    np.testing.assert_array_equal(m.actuator_gaintype, mujoco.mjtGain.mjGAIN_FIXED)
    np.testing.assert_array_equal(m.actuator_dyntype, mujoco.mjtDyn.mjDYN_NONE)
    kp, kv = m.actuator_gainprm[:, 0], -m.actuator_biasprm[:, 2]
    np.testing.assert_allclose(m.actuator_biasprm[:, 1], -kp)
    assert not m.actuator_forcelimited.any()
    np.testing.assert_allclose(kp[:6], WRIST_KP_KV[hand.name][0])
    np.testing.assert_allclose(kv[:6], WRIST_KP_KV[hand.name][1])
    allowed = (
        {(180.0, 35.0), (120.0, 25.0), (80.0, 18.0)}
        if hand.name == "mano"
        else {(180.0, 25.0), (100.0, 18.0), (50.0, 12.0)}
    )
    assert {(float(p), float(v)) for p, v in zip(kp[6:], kv[6:], strict=True)} == allowed


def test_gain_classes_named_joints():
    m = get_hand("mano").build_spec().compile()
    assert m.actuator("act_right_index1_y").gainprm[0] == 180.0
    assert m.actuator("act_right_thumb2_z").gainprm[0] == 120.0
    assert -m.actuator("act_right_ring3_x").biasprm[2] == 18.0
    m = get_hand("shadow").build_spec().compile()
    for joint, kp in (
        ("rh_FFJ4", 180),
        ("rh_LFJ5", 180),
        ("rh_MFJ2", 100),
        ("rh_RFJ1", 50),
        ("rh_THJ3", 100),
        ("rh_THJ1", 50),
    ):
        assert m.actuator(f"act_{joint}").gainprm[0] == kp, joint
    m = get_hand("allegro").build_spec().compile()
    for joint, kp in (("ffj0", 180), ("mfj1", 180), ("rfj2", 100), ("thj3", 50)):
        assert m.actuator(f"act_{joint}").gainprm[0] == kp, joint


def test_collision_bits_no_self_collision(hand_model):
    _, m = hand_model
    hand_bodies = set(_hand_body_ids(m).tolist())
    geoms = [g for g in range(m.ngeom) if m.geom_bodyid[g] in hand_bodies]
    assert len(geoms) == m.ngeom
    ncoll = 0
    for g in geoms:
        bits = (int(m.geom_contype[g]), int(m.geom_conaffinity[g]))
        if bits == (0, 0):
            assert m.geom_group[g] == 1, f"visual geom {g} not in group 1"
        else:
            assert bits == (HAND_CONTYPE, HAND_CONAFFINITY), f"geom {g} bits {bits}"
            ncoll += 1
    assert ncoll >= 10
    ct, ca = m.geom_contype[geoms], m.geom_conaffinity[geoms]
    assert not np.any((ct[:, None] & ca[None, :]) | (ca[:, None] & ct[None, :]))
    assert m.npair == 0


def test_gravcomp_on_all_hand_bodies(hand_model):
    _, m = hand_model
    ids = _hand_body_ids(m)
    assert len(ids) == m.nbody - 1
    np.testing.assert_array_equal(m.body_gravcomp[ids], 1.0)


# --------------------------------------------------------------------------------------------
# dynamics at dt 1/120, implicitfast, elliptic cones
# --------------------------------------------------------------------------------------------


def _random_pose(m: mujoco.MjModel, rng: np.random.Generator) -> np.ndarray:
    lo, hi = m.jnt_range[:, 0], m.jnt_range[:, 1]
    q = lo + (hi - lo) * rng.uniform(0.1, 0.9, size=m.nq)
    q[:3] = rng.uniform(-0.2, 0.2, 3)
    q[3:6] = rng.uniform(-np.pi, np.pi, 3)
    return q


def _key_positions(m, d, names):
    return d.xpos[[m.body(n).id for n in names]].copy()


@pytest.mark.parametrize("hand_name", HAND_NAMES)
def test_hold_pose_drift_below_1mm(hand_name):
    hand = get_hand(hand_name)
    m = _sim_spec(hand_name).compile()
    d = mujoco.MjData(m)
    q = _random_pose(m, np.random.default_rng(7))
    d.qpos[:] = q
    d.ctrl[:] = q
    mujoco.mj_forward(m, d)
    x0 = _key_positions(m, d, hand.key_bodies)
    drift = 0.0
    for _ in range(120):
        mujoco.mj_step(m, d)
        drift = max(drift, float(np.linalg.norm(_key_positions(m, d, hand.key_bodies) - x0, axis=1).max()))
    assert drift < 1e-3, f"{hand_name}: key bodies drifted {drift * 1e3:.3f} mm in 1 s"


@pytest.mark.parametrize("hand_name", HAND_NAMES)
def test_pd_step_response_converges(hand_name):
    """Start 0.2 rad / 2 cm away from the targets: stable, and within 5% of the step after 1.5 s."""
    m = _sim_spec(hand_name).compile()
    d = mujoco.MjData(m)
    rng = np.random.default_rng(3)
    target = _random_pose(m, rng)
    step = np.where(np.arange(m.nq) < 3, 0.02, 0.2) * rng.choice([-1.0, 1.0], size=m.nq)
    lo, hi = m.jnt_range[:, 0], m.jnt_range[:, 1]
    start = np.clip(target + step, lo, hi)
    d.qpos[:] = start
    d.ctrl[:] = target
    for _ in range(180):
        mujoco.mj_step(m, d)
    assert np.isfinite(d.qpos).all() and d.warning[mujoco.mjtWarning.mjWARN_BADQACC].number == 0
    err = np.abs(d.qpos - target)
    assert np.all(err <= 0.05 * np.abs(start - target) + 1e-4), np.max(err / (np.abs(start - target) + 1e-9))


# --------------------------------------------------------------------------------------------
# MANO specifics
# --------------------------------------------------------------------------------------------


def _mano_joint_positions(m: mujoco.MjModel) -> dict[str, np.ndarray]:
    d = mujoco.MjData(m)
    mujoco.mj_kinematics(m, d)
    wrist = d.xpos[m.body("right_wrist").id]
    out = {}
    for f in MC.FINGERS:
        pts = [d.xpos[m.body(f"right_{f}{s}_z").id] for s in (1, 2, 3)]
        pts.append(d.site_xpos[m.site(f"right_{f}_tip").id])
        out[f] = np.stack(pts) - wrist
    return out


def test_mano_default_geometry_and_masses():
    m = get_hand("mano").build_spec().compile()
    pts = _mano_joint_positions(m)
    hand_length = np.linalg.norm(pts["middle"][3])
    assert 0.17 < hand_length < 0.21  # wrist joint to middle fingertip of an adult hand
    for f in MC.FINGERS:
        for s in (1, 2, 3):
            assert 0.002 <= m.body(f"right_{f}{s}_z").mass[0] <= 0.015
            r = m.geom_size[m.geom(f"right_{f}{s}_capsule").id, 0]
            assert 0.0075 <= r <= 0.010


def test_mano_finger_flexion_is_plus_z_toward_palm():
    m = get_hand("mano").build_spec().compile()
    d = mujoco.MjData(m)
    mujoco.mj_kinematics(m, d)
    tip0 = d.site_xpos[m.site("right_index_tip").id].copy()
    d.qpos[m.joint("right_index1_z").qposadr[0]] = 1.2
    mujoco.mj_kinematics(m, d)
    tip1 = d.site_xpos[m.site("right_index_tip").id]
    assert tip1[1] < tip0[1] - 0.03  # the palm faces -y in the hand frame (= world at zero wrist)


def test_mano_rest_pose_rescales_segment_lengths():
    default = segment_geometry()
    scale = {"index": 1.2, "middle": 0.9, "pinky": 1.1, "ring": 1.0, "thumb": 0.8}
    rest = [np.zeros(3)]
    for f in MC.FINGERS:
        chain = np.vstack([np.zeros(3), default[f]])
        seg = np.diff(chain, axis=0) * scale[f]
        rest.extend(np.cumsum(seg, axis=0))
    rest = np.stack(rest)
    # any rigid frame works: only lengths are used
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    rest = rest @ rot.T + np.array([0.3, -0.1, 0.05])
    m = get_hand("mano").build_spec(rest_pose=rest).compile()
    got = _mano_joint_positions(m)
    for f in MC.FINGERS:
        want = np.linalg.norm(np.diff(np.vstack([np.zeros(3), default[f]]), axis=0), axis=1) * scale[f]
        have = np.linalg.norm(np.diff(np.vstack([np.zeros(3), got[f]]), axis=0), axis=1)
        np.testing.assert_allclose(have, want, rtol=1e-9, atol=1e-12, err_msg=f)
    assert m.nq == 51 and m.nu == 51


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((20, 3)), r"\(21, 3\)"),
        (np.full((21, 3), np.nan), "finite"),
        (np.zeros((21, 3)), "segment lengths"),
    ],
)
def test_mano_rest_pose_rejects_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        get_hand("mano").build_spec(rest_pose=bad)


# --------------------------------------------------------------------------------------------
# export CLI
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hand_name", HAND_NAMES)
def test_export_round_trip(hand_name, tmp_path, capsys):
    out = tmp_path / "sub" / f"{hand_name}.xml"
    assert export_main(["export", "--hand", hand_name.upper(), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    m = mujoco.MjModel.from_xml_path(str(out))
    ref = get_hand(hand_name).build_spec().compile()
    assert (m.nq, m.nu, m.nbody, m.ngeom) == (ref.nq, ref.nu, ref.nbody, ref.ngeom)
    np.testing.assert_allclose(m.body_mass, ref.body_mass)
    np.testing.assert_allclose(m.actuator_gainprm, ref.actuator_gainprm)
    assert list(tmp_path.joinpath("sub").iterdir()) == [out]  # no temp file left behind
