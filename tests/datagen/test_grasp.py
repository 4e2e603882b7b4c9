import numpy as np
import pytest
import torch
from helpers import VAL_BOX_HALF, top_grasp
from tiny_assets import tiny_box, tiny_hand

from hot.datagen.grasp import GraspConfig, GraspProblem, GraspSet, synthesize_grasps, validate_grasps


@pytest.fixture(scope="module")
def cube_problem(tmp_path_factory):
    obj = tiny_box(tmp_path_factory.mktemp("cube"), half=(0.02, 0.02, 0.02))
    return GraspProblem(tiny_hand(), obj, cfg=GraspConfig(batch_size=8, iters=40))


@pytest.fixture(scope="module")
def tall_problem(tmp_path_factory):
    obj = tiny_box(tmp_path_factory.mktemp("tall"), half=VAL_BOX_HALF, name="Tall")
    return GraspProblem(tiny_hand(), obj, cfg=GraspConfig(batch_size=4, iters=10))


def test_energy_decreases(cube_problem):
    hist = []
    gs = synthesize_grasps(cube_problem, 8, torch.Generator().manual_seed(0), hist)
    assert len(hist) == 40
    assert hist[-1] < 0.5 * hist[0], (hist[0], hist[-1])
    assert np.all(np.isfinite(gs.energy))
    # the final energy equals its weighted terms
    cfg = cube_problem.cfg
    total = (
        gs.e_fc
        + cfg.w_dis * gs.e_dis
        + cfg.w_pen * gs.e_pen
        + cfg.w_prior * gs.e_prior
        + cfg.w_spen * gs.e_spen
    )
    np.testing.assert_allclose(gs.energy, total, rtol=1e-5)


def test_synthesis_deterministic(cube_problem):
    a = synthesize_grasps(cube_problem, 4, torch.Generator().manual_seed(3))
    b = synthesize_grasps(cube_problem, 4, torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.fingers, b.fingers)
    np.testing.assert_array_equal(a.wrist_pos_o, b.wrist_pos_o)


def test_validation_accepts_good_rejects_bad(tall_problem):
    gs = top_grasp(3)
    gs.fingers[:] = 0.0
    gs.contact_idx[:] = 0
    # 0: the hand-built pinch (fingers 1 mm from the faces, squeezed 5 mm); 1: hand 0.3 m away (nothing
    # touches); 2: hand sunk 4 cm into the box (deep penetration)
    gs.wrist_quat_o[1] = gs.wrist_quat_o[0]
    gs.wrist_pos_o[1, 2] += 0.3
    gs.wrist_quat_o[2] = gs.wrist_quat_o[0]
    gs.wrist_pos_o[2, 2] -= 0.04
    # the squeeze needs contact indices on the two distal links: pick the candidates nearest the faces
    kin = tall_problem.kin
    from hot.utils.rotations import quat_to_matrix

    pos, rot = kin.forward(
        torch.tensor(gs.wrist_pos_o[:1]).float(),
        quat_to_matrix(torch.tensor(gs.wrist_quat_o[:1])).float(),
        torch.zeros(1, 4),
    )
    cp, _ = kin.surface(pos, rot, kin.cand[tall_problem.cand_local])
    sd, _ = tall_problem.sdf.query(cp[0], normals=False)
    near = torch.argsort(sd.abs())
    xs = cp[0, near, 0]
    pick = [
        int(near[(xs > 0).nonzero()[0]]),
        int(near[(xs > 0).nonzero()[1]]),
        int(near[(xs < 0).nonzero()[0]]),
        int(near[(xs < 0).nonzero()[1]]),
    ]
    gs.contact_idx[:] = pick
    validate_grasps(tall_problem, gs)
    assert gs.valid[0], gs.meta["validation"]
    assert not gs.valid[1] and max(gs.meta["validation"]["max_drift"][1:2]) > 0.02
    assert not gs.valid[2] and gs.penetration[2] > 0.002


def test_concat_keeps_per_grasp_meta_past_empty_sets():
    """A sampler batch that yields no grasp (its meta has no per-grasp lists) used to leave the first
    batch's lists, shorter than the grasps, in the concatenation: the clips then read another grasp's
    finger targets, or crashed (Book, 161 grasps with 64 squeeze targets)."""
    a, b, empty = top_grasp(2), top_grasp(2), top_grasp(2).subset(np.zeros(2, dtype=bool))
    for s, tag in ((a, "a"), (b, "b")):
        s.meta["squeeze_targets"] = [[tag]] * 2
    empty.meta.pop("squeeze_targets", None)
    out = GraspSet.concat([a, empty, b])
    assert len(out) == 4 and out.meta["squeeze_targets"] == [["a"], ["a"], ["b"], ["b"]]
    # a list that a non-empty set lacks is dropped, not left short
    b.meta.pop("squeeze_targets")
    assert "squeeze_targets" not in GraspSet.concat([a, b]).meta
    assert GraspSet.concat([empty]).meta.get("object") == "Tall"
