"""Force-closure grasps (``--grasp_method fc``): weighted net wrench, thumb-opposed contacts, MANO run."""

import numpy as np
import pytest
import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.datagen.fc import generate_fc_grasps
from hot.datagen.grasp import GRAVITY_DIRS, GraspConfig, GraspProblem, draw_contacts, net_wrench_norm


def test_weighted_forces_balance_a_thumb_against_three_fingers():
    # a 4 cm cube: the thumb on the -x face, three fingers side by side on the +x face
    cp = torch.tensor([[[-0.02, 0.0, 0.0], [0.02, -0.01, 0.0], [0.02, 0.0, 0.0], [0.02, 0.01, 0.0]]])
    n = torch.tensor([[[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]])
    assert net_wrench_norm(cp, n).item() == pytest.approx(2.0)  # unit forces: 1 against 3
    w = torch.tensor([[2.0, 2 / 3, 2 / 3, 2 / 3]])
    assert net_wrench_norm(cp, n, w).item() == pytest.approx(0.0, abs=1e-6)
    # contacts on one side never balance, whatever their forces
    assert net_wrench_norm(cp[:, 1:], n[:, 1:], torch.ones(1, 3)).item() == pytest.approx(3.0)
    # an off-centre thumb leaves a torque: |r x f| = 0.01 m * 2 N
    cp2 = cp.clone()
    cp2[0, 0, 1] = 0.01
    assert net_wrench_norm(cp2, n, w).item() == pytest.approx(0.02, rel=1e-5)


@pytest.fixture(scope="module")
def mano_bottle():
    hand, obj = get_hand("mano"), get_object("Bottle")
    return hand, obj, GraspProblem(hand, obj, cfg=GraspConfig(batch_size=8, iters=150))


def test_first_contact_on_the_thumb(mano_bottle):
    _, _, prob = mano_bottle
    c = draw_contacts(prob, 200, torch.Generator().manual_seed(0))
    assert c.shape == (200, prob.cfg.n_contacts)
    assert prob.cand_thumb[c[:, 0]].all()
    assert not prob.cand_thumb[c[:, 1:]].any()
    kin = prob.kin
    bodies = torch.tensor(kin.body_ids)[kin.surf_body[kin.cand[prob.cand_local[c[:, 0]]]]]
    assert all("thumb" in kin.model.body(int(b)).name for b in bodies)


def test_fc_grasps_mano_bottle(mano_bottle):
    hand, obj, prob = mano_bottle
    gs = generate_fc_grasps(hand, obj, 1.0, 8, seed=0, problem=prob)
    assert gs.meta["method"] == "fc" and len(gs) == 8
    assert np.isfinite(gs.energy).all() and np.isfinite(gs.e_fc).all()
    # the optimisation ends near the surface and out of the object (at the unsqueezed pose)
    assert np.median(gs.e_dis) < 0.03 and np.median(gs.e_pen) < 0.01
    forces = np.array(gs.meta["contact_forces"])
    assert forces.shape == (8, 4) and (forces > 0).all()
    np.testing.assert_allclose(forces.sum(1), 4.0, rtol=1e-5)
    assert np.array(gs.meta["hold_per_dir"]).shape == (8, len(GRAVITY_DIRS))
    assert np.array(gs.meta["squeeze_targets"]).shape == (8, len(hand.finger_dof_names))
    # measured (seed 0, 150 iterations): 7 of 8 valid; every valid one holds and is shallow
    assert gs.valid.sum() >= 4
    assert (gs.penetration[gs.valid] <= 0.002).all()
    assert np.array(gs.meta["hold_per_dir"])[gs.valid].all()


def test_fc_grasps_deterministic(mano_bottle):
    hand, obj, prob = mano_bottle
    a = generate_fc_grasps(hand, obj, 1.0, 2, seed=5, problem=prob)
    b = generate_fc_grasps(hand, obj, 1.0, 2, seed=5, problem=prob)
    np.testing.assert_array_equal(a.fingers, b.fingers)
    np.testing.assert_array_equal(a.wrist_pos_o, b.wrist_pos_o)
    np.testing.assert_array_equal(a.contact_idx, b.contact_idx)
