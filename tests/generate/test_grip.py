"""Generated grips made to hold (hot.generate.grip): the hold test on real grips, the nearest-grasp fallback,
and the approach / closing dwell written into the clip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from hot.assets.hands import get_hand
from hot.assets.objects import get_object
from hot.config.resolve import REPO_ROOT
from hot.generate.grip import GripRefiner
from hot.generate.postprocess import held_runs, partial_rotation
from hot.motion.io import load_clip
from hot.utils.rotations import quat_to_matrix

GRASPS = REPO_ROOT / "hot/data/motions/dexgrasp_train_mano_gmp/bottle/grasp_higher_kp"


@pytest.fixture(scope="module")
def refiner() -> GripRefiner:
    return GripRefiner(get_hand("mano"), get_object("Bottle"))


def test_held_runs():
    c = torch.tensor([0, 1, 1, 0, 0, 1, 0, 1, 1, 1.0])
    assert held_runs(c) == [(1, 2), (5, 5), (7, 9)]
    assert held_runs(torch.zeros(4)) == []


def test_partial_rotation_turns_part_of_the_angle():
    from hot.utils.rotations import quat_to_matrix

    half = torch.tensor(0.6)  # 1.2 rad about z
    r = quat_to_matrix(torch.tensor([torch.cos(half), 0.0, 0.0, torch.sin(half)], dtype=torch.float64))
    p = partial_rotation(r, 0.25)
    assert abs(float(torch.atan2(p[1, 0], p[0, 0])) - 0.3) < 1e-6
    assert torch.allclose(partial_rotation(r, 1.0), r) and torch.allclose(
        partial_rotation(r, 0.0), torch.eye(3, dtype=r.dtype)
    )


def _grip(refiner: GripRefiner, path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grip of a datagen grasp clip at the first held frame, in the object frame (via MuJoCo FK)."""
    import mujoco

    hand = refiner.hand
    c = load_clip(path, num_dofs=hand.num_dofs)
    a, _ = held_runs(c.contact1)[-1]
    d = mujoco.MjData(refiner.model)
    d.qpos[:] = refiner.model.qpos0
    d.qpos[refiner.index.dof_qpos_adr[:6]] = c.wrist_dof[a].numpy()
    mujoco.mj_kinematics(refiner.model, d)
    w = refiner.model.body(hand.wrist_body).id
    r_o = quat_to_matrix(c.obj_rot[a].double()).numpy()
    rel_pos = r_o.T @ (d.xpos[w] - c.obj_pos[a].double().numpy())
    return rel_pos, r_o.T @ d.xmat[w].reshape(3, 3), c.fingers_dof[a].double().numpy()


@pytest.mark.shipped_data
def test_a_datagen_grip_passes_and_a_grip_in_mid_air_does_not(refiner):
    """A grip that datagen validated passes again nearly unchanged; the same grip 10 cm off the object has
    nothing to hold."""
    rel_pos, rel_rot, fingers = _grip(refiner, sorted(GRASPS.glob("*.pt"))[0])
    got = refiner.refine_grip(rel_pos, rel_rot, fingers)
    assert got is not None
    assert np.linalg.norm(got[0] - rel_pos) < 0.01  # settled within a centimetre of where it was
    assert got[2].shape == fingers.shape
    away = rel_pos + 0.10 * rel_pos / np.linalg.norm(rel_pos)  # beyond the shifts and the approach search
    assert refiner.refine_grip(away, rel_rot, fingers) is None


def test_nearest_held_takes_the_closest_grasp_clear_of_the_platform(refiner, monkeypatch):
    nf = refiner.hand.num_finger_dofs
    eye = np.eye(3)
    pos = np.array([[0.0, 0.0, 0.09], [0.0, 0.0, -0.09], [0.0, 0.0, 0.12]])
    bank = (pos, np.stack([eye] * 3), np.zeros((3, nf)))
    monkeypatch.setattr(refiner, "_bank", bank)
    obj_pos = np.array([0.0, 0.0, 0.2])
    # nearest to a grip below the object is grasp 1, but its hand would be under the platform (0.105)
    got = refiner.nearest_held(np.array([0.0, 0.0, -0.08]), eye, obj_pos, eye)
    assert got is not None and got[0][2] > 0  # grasp 0, the nearest one above
    assert np.allclose(got[0], pos[0])
    monkeypatch.setattr(refiner, "_bank", (pos[1:2], np.stack([eye]), np.zeros((1, nf))))
    assert refiner.nearest_held(np.array([0.0, 0.0, -0.08]), eye, obj_pos, eye) is None


def test_a_refined_lift_gets_an_approach_and_a_closing_dwell(refiner, monkeypatch):
    """A grasp-like clip: rest 30 frames, then lifted. The refined clip is ``dwell`` frames longer; in the dwell
    the object rests where it was, the wrist holds the grip and the fingers reach the squeeze targets; the
    approach ends at the grip."""
    nf = refiner.hand.num_finger_dofs
    t, a, dwell = 60, 30, 24
    grip_pos, grip_rot, targets = np.array([0.0, -0.08, 0.0]), np.eye(3), np.full(nf, 0.3)
    monkeypatch.setattr(refiner, "refine_grip", lambda *args: (grip_pos, grip_rot, targets))
    obj_pos = torch.zeros(t, 3, dtype=torch.float64)
    obj_pos[:, 2] = 0.14
    obj_pos[a:, 2] += torch.linspace(0, 0.3, t - a, dtype=torch.float64)
    obj_rot = torch.eye(3, dtype=torch.float64).expand(t, 3, 3).clone()
    wrist_pos = obj_pos + torch.tensor([0.0, -0.2, 0.05], dtype=torch.float64)
    wrist_rot = obj_rot.clone()
    fingers = torch.zeros(t, nf, dtype=torch.float64)
    contact = torch.zeros(t, dtype=torch.float64)
    contact[a:] = 1
    before = refiner.stats.refined
    wp, wr, fg, op, orr, ct, refined = refiner(
        wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, contact, keep_start=False, dwell=dwell
    )
    assert refiner.stats.refined == before + 1
    assert len(wp) == len(op) == len(ct) == len(fg) == t + dwell
    grip_w = obj_pos[a - 1] + torch.as_tensor(grip_pos)
    assert torch.allclose(op[a : a + dwell], obj_pos[a - 1].expand(dwell, 3))  # the object rests
    assert torch.allclose(wp[a : a + dwell], grip_w.expand(dwell, 3))  # the wrist holds the grip
    assert torch.allclose(fg[a + dwell - 1], torch.as_tensor(targets))  # the fingers have closed
    assert float((fg[a] - torch.as_tensor(targets)).norm()) > 0.1  # ... from open, not at once
    assert torch.allclose(wp[a - 1], grip_w)  # the approach arrives at the grip
    assert ct[a : a + dwell].eq(1).all() and refined[a:].all() and not refined[: a - 1].any()
    # after the dwell the lift is the generated one, with the grip's in-hand pose
    assert torch.allclose(op[a + dwell :], obj_pos[a:])
    assert torch.allclose(wp[-1], obj_pos[-1] + torch.as_tensor(grip_pos))
    # a run that starts at a given initial hand is left alone
    out = refiner(
        wrist_pos, wrist_rot, fingers, obj_pos, obj_rot, torch.ones(t, dtype=torch.float64), True, dwell
    )
    assert len(out[0]) == t and torch.equal(out[0], wrist_pos)


def test_limit_speed_keeps_the_path_and_slows_the_fast_steps():
    from hot.generate.postprocess import limit_speed

    t = 5
    wp = torch.zeros(t, 3, dtype=torch.float64)
    wp[:, 0] = torch.tensor([0.0, 0.01, 0.02, 0.07, 0.08])  # one 50 mm step
    op = wp + torch.tensor([0.1, 0.0, 0.0], dtype=torch.float64)
    rot = torch.eye(3, dtype=torch.float64).expand(t, 3, 3).clone()
    c = torch.tensor([0, 0, 1, 1, 1.0])
    out = limit_speed(wp, rot, torch.zeros(t, 2, dtype=torch.float64), op, rot.clone(), [c], 0.012)
    w2, r2, f2, o2, _, (c2,) = out
    assert len(w2) == t + 4  # the 50 mm step becomes 5 steps of 10 mm
    steps = (w2[1:] - w2[:-1]).norm(dim=-1)
    assert float(steps.max()) <= 0.012 + 1e-12
    assert torch.equal(w2[0], wp[0]) and torch.equal(w2[-1], wp[-1])  # same start and end
    assert torch.allclose(o2 - w2, op[0] - wp[0])  # the object keeps its offset
    assert c2.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1] and len(r2) == len(f2) == t + 4
    # slow clips are returned as they are
    same = limit_speed(wp[:3], rot[:3], f2[:3], op[:3], rot[:3], [c[:3]], 0.012)
    assert same[0] is wp[:3] or torch.equal(same[0], wp[:3])
