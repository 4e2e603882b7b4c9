"""Reward factors against hand-computed numbers (spec §5.4)."""

from __future__ import annotations

import math

import pytest
import torch

from hot.tasks.tracking.config import RewardWeightsCfg
from hot.tasks.tracking.rewards import terms
from hot.tasks.tracking.rewards.composer import compute_reward
from hot.utils.rotations import quat_from_axis_angle
from tests.tasks.tracking.helpers import make_sim, random_sim, ref_from_sim

W = RewardWeightsCfg()  # p r wp wr wpv 20, op 50, or 200, opv 0, ig 20, cg2 5
N, D, K = 2, 8, 3
NO = torch.zeros(N, dtype=torch.bool)
GRASP = torch.ones(N, dtype=torch.long)
KP = torch.zeros(N, 1, 3)


def _exp(x):
    return torch.full((N,), math.exp(x))


def _reward(sim, ref, skill=GRASP, contact=NO, weights=W, ig=False, kp=KP):
    return compute_reward(sim, ref, kp, weights, skill, ig, contact)


def _base():
    sim = make_sim(N, D, K, 2)
    sim.key_pos[:] = torch.tensor([[0.1, 0.0, 0.5], [0.0, 0.1, 0.5], [0.0, 0.0, 0.55]])
    sim.obj_pos[:] = torch.tensor([0.0, 0.0, 0.3])
    return sim


@pytest.mark.parametrize("ig_scale", [False, True])
@pytest.mark.parametrize("skill", [1, 8, 9])
def test_reward_is_exactly_one_when_sim_equals_reference(ig_scale, skill):
    sim = random_sim(n=4, d=D, k=K)
    contact = torch.tensor([True, False, True, False])
    ref = ref_from_sim(sim, contact=torch.tensor([1.0, 0.0, -1.0, -1.0]))
    kp = torch.randn(4, 5, 3) * 0.05
    r, t = compute_reward(sim, ref, kp, W, torch.full((4,), skill), ig_scale, contact)
    assert torch.equal(r, torch.ones(4))
    for name, v in t.items():
        if name.startswith("r_"):
            assert torch.equal(v, torch.ones(4)), name


def test_key_body_position_factor_and_its_ig_effect():
    sim = _base()
    ref = ref_from_sim(sim)
    ref.key_pos[:, 0, 0] += 0.1  # one of 3K = 9 coordinates off by 0.1
    r, t = _reward(sim, ref)
    torch.testing.assert_close(t["e_p"], torch.full((N,), 0.01 / 9))
    torch.testing.assert_close(t["r_p"], _exp(-20 * 0.01 / 9))
    torch.testing.assert_close(t["r_ig"], _exp(-20 * 0.01 / 9))  # the ig vector moves by the same amount
    torch.testing.assert_close(r, _exp(-40 * 0.01 / 9))


def test_finger_dof_factor():
    sim = _base()
    ref = ref_from_sim(sim)
    ref.dof_pos[:, 6] += 0.3  # 2 finger DoFs
    r, t = _reward(sim, ref)
    torch.testing.assert_close(t["r_r"], _exp(-20 * 0.09 / 2))
    torch.testing.assert_close(t["r_b"], t["r_r"])
    torch.testing.assert_close(r, t["r_r"])


def test_wrist_position_and_rotation_factors():
    sim = _base()
    ref = ref_from_sim(sim)
    ref.dof_pos[:, 0] += 0.3
    _, t = _reward(sim, ref)
    torch.testing.assert_close(t["r_wp"], _exp(-20 * 0.09 / 3))
    # rz only: extrinsic quats are identity and a 0.6 rad z rotation: dot = cos(0.3), e = 0.3/π
    ref = ref_from_sim(sim)
    ref.dof_pos[:, 5] += 0.6
    _, t = _reward(sim, ref)
    torch.testing.assert_close(t["e_wr"], torch.full((N,), 0.3 / math.pi))
    torch.testing.assert_close(t["r_wr"], _exp(-20 * 0.3 / math.pi))
    torch.testing.assert_close(t["r_w"], t["r_wr"])


def test_wrist_rotation_uses_extrinsic_xyz():
    """rx = a, ry = b: extrinsic (Rz·Ry·Rx) and intrinsic differ; the error must be 0 only for the same angles."""
    sim = _base()
    sim.dof_pos[:, 3:6] = torch.tensor([0.4, 0.3, 0.0])
    ref = ref_from_sim(sim)
    ref.dof_pos[:, 3:6] = torch.tensor([0.4, 0.3, 0.2])
    e = terms.wrist_rot_error(sim.dof_pos, ref.dof_pos)
    # q_ref = Rz(0.2)·q_sim in the extrinsic construction -> relative angle 0.2, half-angle 0.1
    torch.testing.assert_close(e, torch.full((N,), 0.1 / math.pi))


def test_wrist_velocity_only_in_contact_and_not_for_throw():
    sim = _base()
    ref = ref_from_sim(sim, contact=torch.tensor([-1.0, -1.0]))
    ref.dof_vel[:, 0] += 0.2
    rwpv = math.exp(-20 * 0.04 / 3)
    contact = torch.tensor([True, False])
    r, t = _reward(sim, ref, contact=contact)
    torch.testing.assert_close(t["r_wpv"], torch.full((N,), rwpv))
    torch.testing.assert_close(t["r_w"], torch.tensor([rwpv, 1.0]))
    r, t = _reward(sim, ref, skill=torch.full((N,), 8), contact=torch.tensor([True, True]))
    torch.testing.assert_close(t["r_w"], torch.ones(N))


def test_object_position_rotation_velocity_factors():
    sim = _base()
    ref = ref_from_sim(sim)
    ref.obj_pos[:, 0] += 0.1
    _, t = _reward(sim, ref)
    torch.testing.assert_close(t["r_op"], _exp(-50 * 0.01 / 3))
    torch.testing.assert_close(t["e_ig"], torch.full((N,), 0.01 / 3))  # every key-object vector shifts
    # rotation: 60° about z vs identity -> ((1 - cos30°)² + sin²30°) / 4
    ref = ref_from_sim(sim)
    ref.obj_rot[:] = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(math.pi / 3))
    _, t = _reward(sim, ref)
    e = ((1 - math.cos(math.pi / 6)) ** 2 + math.sin(math.pi / 6) ** 2) / 4
    torch.testing.assert_close(t["r_or"], _exp(-200 * e))
    # q and -q are the same rotation
    ref = ref_from_sim(sim)
    ref.obj_rot[:] = -sim.obj_rot
    _, t = _reward(sim, ref)
    assert torch.equal(t["r_or"], torch.ones(N))
    # velocity weight 0 upstream -> factor 1; with weight 1 it is exp(-e)
    ref = ref_from_sim(sim)
    ref.obj_lin_vel[:, 2] += 0.3
    _, t = _reward(sim, ref)
    assert torch.equal(t["r_opv"], torch.ones(N))
    _, t = _reward(sim, ref, weights=RewardWeightsCfg(opv=1.0))
    torch.testing.assert_close(t["r_opv"], _exp(-0.09 / 3))


def test_ig_scale_uses_reference_key_bodies_and_reference_keypoints():
    sim = _base()
    ref = ref_from_sim(sim)
    # reference object at (0, 0, 0.3) yawed 90°: keypoint (0.1, 0, 0)_o -> (0, 0.1, 0.3) world.
    ref.obj_rot[:] = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(math.pi / 2))
    sim.obj_rot[:] = ref.obj_rot
    kp = torch.tensor([[[0.1, 0.0, 0.0]]]).expand(N, 1, 3)
    # closest reference key body: (0, 0.1, 0.5) at distance 0.2
    f = terms.ig_scale(ref.key_pos, ref.obj_pos, ref.obj_rot, kp)
    torch.testing.assert_close(f, torch.full((N,), 2 * math.exp(-0.4)))
    ref.key_pos[:, 0, 0] += 0.1  # ig error 0.01/9 (the closest body is unchanged)
    _, t = _reward(sim, ref, ig=True, kp=kp)
    torch.testing.assert_close(t["ig_scale"], f)
    torch.testing.assert_close(t["r_ig"], _exp(-20 * 2 * math.exp(-0.4) * 0.01 / 9))
    _, t = _reward(sim, ref, ig=False, kp=kp)
    torch.testing.assert_close(t["r_ig"], _exp(-20 * 0.01 / 9))


def test_contact_factor_and_dont_care():
    sim = _base()
    contact = torch.tensor([True, False])
    for label, expect in [(1.0, [1.0, math.exp(-5)]), (0.0, [math.exp(-5), 1.0]), (-1.0, [1.0, 1.0])]:
        ref = ref_from_sim(sim, contact=torch.full((N,), label))
        r, t = _reward(sim, ref, contact=contact)
        torch.testing.assert_close(t["r_cg"], torch.tensor(expect), msg=f"label {label}")
        torch.testing.assert_close(r, torch.tensor(expect))


def test_freemove_ignores_object_and_contact():
    sim = _base()
    ref = ref_from_sim(sim, contact=torch.ones(N))
    ref.obj_pos += 0.2
    ref.dof_pos[:, 6] += 0.3
    skill = torch.tensor([9, 1])
    r, t = _reward(sim, ref, skill=skill)
    hand = math.exp(-20 * 0.09 / 2)
    torch.testing.assert_close(r[0], torch.tensor(hand))
    assert r[1] < hand * 0.5
    torch.testing.assert_close(r[1], (t["r_b"] * t["r_w"] * t["r_o"] * t["r_ig"] * t["r_cg"])[1])


def test_object_in_contact_uses_only_xy():
    f = torch.tensor([[0.11, 0.0, 100.0], [0.09, -0.09, 100.0], [0.0, -0.2, 0.0], [0.0, 0.0, -50.0]])
    assert terms.object_in_contact(f).tolist() == [True, False, True, False]


def test_unit_vector_angle_matches_arccos_and_is_exact_at_equality():
    g = torch.Generator().manual_seed(0)
    a = torch.nn.functional.normalize(torch.randn(100, 4, generator=g, dtype=torch.float64), dim=-1)
    b = torch.nn.functional.normalize(torch.randn(100, 4, generator=g, dtype=torch.float64), dim=-1)
    torch.testing.assert_close(terms.unit_vector_angle(a, b), torch.acos((a * b).sum(-1).clamp(-1, 1)))
    assert torch.equal(terms.unit_vector_angle(a.float(), a.float()), torch.zeros(100))


def test_env_yaml_spells_the_object_rotation_weight_or(tmp_path):
    """Upstream's YAML key ``or`` (a Python keyword) is the config's ``orot``; both at once is an error."""
    from hot.config.strict import ConfigError
    from hot.tasks.tracking.config import load_env_config

    p = tmp_path / "env.yaml"
    p.write_text("env:\n  reward_weights: {p: 5, or: 50}\n")
    w = load_env_config(p).env.reward_weights
    assert w.p == 5.0 and w.orot == 50.0 and w.r == 20.0
    p.write_text("env:\n  reward_weights: {or: 50, orot: 40}\n")
    with pytest.raises(ConfigError, match="both 'or' and 'orot'"):
        load_env_config(p)


def test_penetration_factor_off_by_default_and_exp_of_depth_in_cm():
    sim = _base()
    ref = ref_from_sim(sim)
    sim.penetration[:] = torch.tensor([0.003, 0.0])  # 3 mm in env 0
    r, t = _reward(sim, ref)
    assert torch.equal(r, torch.ones(N))  # upstream: no penetration factor
    from dataclasses import replace

    r, t = _reward(sim, ref, weights=replace(W, pen=2.0))
    torch.testing.assert_close(t["e_pen"], torch.tensor([0.3, 0.0]))
    torch.testing.assert_close(r, torch.tensor([math.exp(-0.6), 1.0]))
