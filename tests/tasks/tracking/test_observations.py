"""Observation layout totals and every block against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from hot.tasks.tracking.observations import (
    OBJECT_BLOCKS,
    clip_norm,
    compute_obs_blocks,
    compute_observations,
    make_obs_layout,
    object_points_world,
)
from hot.utils.rotations import quat_from_axis_angle
from tests.tasks.tracking.helpers import make_sim, random_sim, ref_from_sim

S2 = math.sqrt(0.5)
YAW90 = torch.tensor([S2, 0.0, 0.0, S2])  # +90° about z, wxyz
YAW_M90 = torch.tensor([S2, 0.0, 0.0, -S2])


# ---------------------------------------------------------------- layout


@pytest.mark.parametrize(
    "hand, d, k, c, total, hand_part",
    [("mano", 51, 16, 5, 1084, 253), ("shadow", 28, 23, 21, 1233, 406), ("allegro", 22, 17, 17, 1083, 304)],
)
def test_layout_totals_match_upstream(hand, d, k, c, total, hand_part):
    lay = make_obs_layout(d, k, c, 200, enable_obj_keypoints=True, enable_dof_obs=True)
    assert lay.dim == total, hand
    hand_blocks = ["wrist_pose", "key_pos", "key_rot", "key_lin_vel", "key_ang_vel", "contact_force"]
    assert sum(lay.size(b) for b in hand_blocks) == hand_part
    assert lay.size("obj_state") == 15
    assert lay["obj_keypoints"] == slice(hand_part + 15, hand_part + 15 + 600)
    tracking = ["target_obj_pos", "target_obj_rot", "target_key_pos", "target_key_res"]
    tracking += ["target_wrist_vel", "target_obj_pos_res", "target_obj_rot_res"]
    assert sum(lay.size(b) for b in tracking) == 17 + 6 * k
    assert sum(lay.size(b) for b in ["target_contact", "target_dof_pos", "target_dof_res"]) == 1 + 2 * d


def test_layout_flags_and_order():
    assert make_obs_layout(51, 16, 5, 20).dim == 544  # sparse keypoints (spec §5.3)
    no_kp = make_obs_layout(51, 16, 5, 200, enable_obj_keypoints=False)
    assert "obj_keypoints" not in no_kp and no_kp.dim == 1084 - 600
    no_dof = make_obs_layout(51, 16, 5, 200, enable_dof_obs=False)
    assert "target_dof_pos" not in no_dof and no_dof.dim == 1084 - 103
    lay = make_obs_layout(51, 16, 5, 200)
    names = list(lay)
    assert names[:8] == [
        "wrist_pose",
        "key_pos",
        "key_rot",
        "key_lin_vel",
        "key_ang_vel",
        "contact_force",
        "obj_state",
        "obj_keypoints",
    ]
    assert names[-1] == "target_dof_res"
    stops = [lay[n].start for n in names[1:]]
    assert stops == [lay[n].stop for n in names[:-1]]  # contiguous, no gaps
    with pytest.raises(KeyError, match="not in this layout"):
        no_kp["obj_keypoints"]
    with pytest.raises(ValueError, match="num_key_bodies"):
        make_obs_layout(51, 1, 5, 200)


# ---------------------------------------------------------------- blocks


def _yaw_scene():
    """Env 0: wrist at (1, 2, 3) yawed +90°; env 1: wrist at origin, identity. K=3, C=2, D=8, P=2."""
    n, k = 2, 3
    wrist = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    key_pos = torch.zeros(n, k, 3)
    key_pos[:, 2] = wrist
    key_pos[:, 0] = wrist + torch.tensor([1.0, 0.0, 0.0])
    key_pos[:, 1] = wrist + torch.tensor([0.0, 0.0, 2.0])
    key_rot = torch.zeros(n, k, 4)
    key_rot[..., 0] = 1.0
    key_rot[0, 1] = YAW90
    key_rot[0, 2] = YAW90  # wrist
    lin = torch.zeros(n, k, 3)
    lin[:, 0] = torch.tensor([1.0, 0.0, 0.0])
    ang = torch.zeros(n, k, 3)
    ang[:, 2] = torch.tensor([0.0, 1.0, 0.5])
    cf = torch.arange(12, dtype=torch.float32).reshape(n, 2, 3)
    obj_pos = wrist + torch.tensor([[0.0, 1.0, 0.0], [3.0, 4.0, 0.0]])  # env1: norm 5 -> clipped to 0.5
    obj_rot = torch.zeros(n, 4)
    obj_rot[:, 0] = 1.0
    obj_rot[0] = YAW90
    dof = torch.zeros(n, 8)
    dof[:, 7] = -3.0
    sim = make_sim(
        n,
        8,
        k,
        2,
        key_pos=key_pos,
        key_rot=key_rot,
        key_lin_vel=lin,
        key_ang_vel=ang,
        contact_force=cf,
        obj_pos=obj_pos,
        obj_rot=obj_rot,
        obj_lin_vel=torch.tensor([[1.0, 0, 0], [1.0, 0, 0]]),
        obj_ang_vel=torch.tensor([[0.0, 1.0, 0], [0.0, 1.0, 0]]),
        dof_pos=dof,
    )
    ref_dof = torch.zeros(n, 8)
    ref_dof[:, 7] = 3.0
    ref_dof_vel = torch.zeros(n, 8)
    ref_dof_vel[:, 0:3] = torch.tensor([0.0, 1.0, 0.0])
    ref = ref_from_sim(
        sim,
        contact=torch.tensor([1.0, -1.0]),
        dof_pos=ref_dof,
        dof_vel=ref_dof_vel,
        key_pos=key_pos + torch.tensor([1.0, 0.0, 0.0]),
        obj_pos=wrist + torch.tensor([1.0, 0.0, 0.0]),
        obj_rot=torch.tensor([[1.0, 0, 0, 0], [1.0, 0, 0, 0]]),
    )
    kp = torch.tensor([[0.1, 0.0, 0.0], [0.0, 0.0, 0.0]]).expand(n, 2, 3).clone()
    return sim, ref, kp, make_obs_layout(8, k, 2, 2)


def _close(a, b, atol=1e-6):
    torch.testing.assert_close(
        torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32), atol=atol, rtol=0
    )


def test_blocks_hand_part():
    sim, ref, kp, lay = _yaw_scene()
    b = compute_obs_blocks(sim, ref, kp, lay)
    # 1: global wrist pose, not localised
    _close(b["wrist_pose"][0], [1, 2, 3, S2, 0, 0, S2])
    _close(b["wrist_pose"][1], [0, 0, 0, 1, 0, 0, 0])
    # 2: heading frame of a +90° yaw maps world (x, y, z) -> (y, -x, z); wrist removed
    _close(b["key_pos"][0], [0, -1, 0, 0, 0, 2])
    _close(b["key_pos"][1], [1, 0, 0, 0, 0, 2])
    # 3: key body 0 (identity) seen from the heading frame is a -90° yaw; key body 1 (= wrist yaw) is identity
    _close(b["key_rot"][0], [0, -1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1])
    _close(b["key_rot"][1], [1, 0, 0, 0, 0, 1] * 2)
    # 4/5: velocities rotated into the heading frame (all K bodies)
    _close(b["key_lin_vel"][0], [0, -1, 0, 0, 0, 0, 0, 0, 0])
    _close(b["key_ang_vel"][0], [0, 0, 0, 0, 0, 0, 1, 0, 0.5])
    _close(b["key_ang_vel"][1], [0, 0, 0, 0, 0, 0, 0, 1, 0.5])
    # 6: contact forces stay in the world frame
    _close(b["contact_force"], torch.arange(12.0).reshape(2, 6))


def test_blocks_object_and_targets():
    sim, ref, kp, lay = _yaw_scene()
    b = compute_obs_blocks(sim, ref, kp, lay)
    # 7: obj offset (0,1,0) clipped to norm 0.5 -> (0,0.5,0) -> heading (0.5,0,0); rot yaw90 seen from
    #    the yaw90 heading = identity; lin vel (1,0,0) -> (0,-1,0); ang vel (0,1,0) -> (1,0,0)
    _close(b["obj_state"][0], [0.5, 0, 0, 1, 0, 0, 0, 0, 1, 0, -1, 0, 1, 0, 0])
    # env 1: offset (3,4,0) clipped to norm 0.5
    _close(b["obj_state"][1, :3], [0.3, 0.4, 0.0])
    # 8: keypoints: object yawed +90° -> (0.1,0,0)_o is (0,0.1,0) world; + (0,1,0) offset -> (0,1.1,0) world
    #    -> clipped to 0.5 -> (0,0.5,0) -> heading (0.5,0,0); origin keypoint (0,1,0) -> clip -> (0.5,0,0)
    _close(b["obj_keypoints"][0], [0.5, 0, 0, 0.5, 0, 0])
    # 9: ref obj at wrist + (1,0,0) -> (0,-1,0), no clipping
    _close(b["target_obj_pos"][0], [0, -1, 0])
    # 10: heading_inv ⊗ identity = -90° yaw
    _close(b["target_obj_rot"][0], YAW_M90)
    _close(b["target_obj_rot"][1], [1, 0, 0, 0])
    # 11: ref key = sim key + (1,0,0): body0 offset (2,0,0) -> (0,-2,0); body1 (1,0,2) -> (0,-1,2); wrist (1,0,0)
    _close(b["target_key_pos"][0], [0, -2, 0, 0, -1, 2, 0, -1, 0])
    # 12: residual (1,0,0) for every body
    _close(b["target_key_res"][0], [0, -1, 0] * 3)
    _close(b["target_key_res"][1], [1, 0, 0] * 3)
    # 13: ref wrist velocity (0,1,0) -> (1,0,0)
    _close(b["target_wrist_vel"][0], [1, 0, 0])
    # 14: ref obj - sim obj = (1,-1,0) -> (-1,-1,0)
    _close(b["target_obj_pos_res"][0], [-1, -1, 0])
    # 15: yaw-inverse of the *object* (yaw 90) ⊗ identity
    _close(b["target_obj_rot_res"][0], YAW_M90)
    # 16-18
    _close(b["target_contact"][:, 0], [1, -1])
    _close(b["target_dof_pos"][0, 7], 3.0)
    _close(b["target_dof_res"][0, 7], 6.0 - 2 * math.pi)  # wrapped to [-π, π)
    _close(b["target_dof_res"][0, :7], torch.zeros(7))


def test_heading_ignores_pitch_and_roll():
    """The heading frame only removes yaw: a wrist pitched 30° leaves offsets unrotated."""
    pitch = quat_from_axis_angle(torch.tensor([0.0, 1.0, 0.0]), torch.tensor(math.radians(30)))
    sim = make_sim(1, 8, 2, 1)
    sim.key_rot[0, 1] = pitch
    sim.key_pos[0, 0] = torch.tensor([0.3, 0.2, 0.1])
    lay = make_obs_layout(8, 2, 1, 0, enable_obj_keypoints=False)
    b = compute_obs_blocks(sim, ref_from_sim(sim), None, lay)
    _close(b["key_pos"][0], [0.3, 0.2, 0.1])


def test_compute_observations_concatenates_in_layout_order_and_zeroes_freemove():
    sim = random_sim(n=3, d=8, k=3, c=2)
    ref = ref_from_sim(sim, key_pos=sim.key_pos + 0.1)
    kp = torch.randn(3, 4, 3, generator=torch.Generator().manual_seed(1)) * 0.05
    lay = make_obs_layout(8, 3, 2, 4)
    obs = compute_observations(sim, ref, kp, lay)
    assert obs.shape == (3, lay.dim)
    blocks = compute_obs_blocks(sim, ref, kp, lay)
    for name, s in lay.items():
        torch.testing.assert_close(obs[:, s], blocks[name])
    mask = torch.tensor([False, True, False])
    z = compute_observations(sim, ref, kp, lay, freemove_mask=mask)
    for name, s in lay.items():
        if name in OBJECT_BLOCKS:
            assert torch.all(z[1, s] == 0) and torch.equal(z[0, s], obs[0, s])
        else:
            assert torch.equal(z[:, s], obs[:, s])
    assert not torch.all(obs[1, lay["obj_keypoints"]] == 0)


def test_shape_errors_name_the_field():
    sim = make_sim(2, 8, 3, 2)
    lay = make_obs_layout(8, 4, 2, 2)
    with pytest.raises(ValueError, match="sim.key_pos"):
        compute_observations(sim, ref_from_sim(sim), torch.zeros(2, 2, 3), lay)
    lay = make_obs_layout(8, 3, 2, 2)
    with pytest.raises(ValueError, match="keypoints_o"):
        compute_observations(sim, ref_from_sim(sim), None, lay)


def test_helpers():
    _close(
        clip_norm(torch.tensor([[0.3, 0.4, 0.0], [0.0, 0.0, 0.1]]), 0.25), [[0.15, 0.2, 0.0], [0.0, 0.0, 0.1]]
    )
    pts = object_points_world(torch.tensor([[[1.0, 0.0, 0.0]]]), torch.tensor([[0.0, 0.0, 1.0]]), YAW90[None])
    _close(pts, [[[0.0, 1.0, 1.0]]])
