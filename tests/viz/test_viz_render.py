"""Offscreen frames: not blank, the hand and object where the camera looks, ghost and label colours."""

from __future__ import annotations

import mujoco
import numpy as np
import pytest
import torch

from hot.viz.render import (
    LABEL_RGBA,
    PART_GHOST,
    PART_HAND,
    PART_OBJECT,
    TrackingCamera,
    View,
    build_render_spec,
    grid_shape,
    tile,
)

CLIP, FRAME = 0, 120  # a grasp clip, in contact at this frame


def _view(lib, clip=CLIP, frame=FRAME, ghost_offset=None, label=None) -> View:
    s = lib.initial_state(torch.tensor([clip]), torch.tensor([frame]))
    n = {k: v[0].double().numpy() for k, v in s.items()}
    ref_pos = n["obj_pos"] + (0.0 if ghost_offset is None else np.asarray(ghost_offset))
    return View(
        dof_pos=n["dof_pos"],
        obj_pos=n["obj_pos"],
        obj_rot=n["obj_rot"],
        ref_obj_pos=ref_pos if ghost_offset is not None else None,
        ref_obj_rot=n["obj_rot"] if ghost_offset is not None else None,
        ref_key_pos=n["key_pos"] if ghost_offset is not None else None,
        label=int(n["contact"]) if label is None else label,
    )


def _camera(lookat, distance=0.5) -> mujoco.MjvCamera:
    cam = mujoco.MjvCamera()
    cam.type = mujoco.mjtCamera.mjCAMERA_FREE
    cam.lookat[:] = lookat
    cam.distance, cam.azimuth, cam.elevation = distance, 150.0, -25.0
    return cam


def _centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def test_grid_and_tile():
    assert (
        grid_shape(1) == (1, 1)
        and grid_shape(2) == (1, 2)
        and grid_shape(4) == (2, 2)
        and grid_shape(5) == (2, 3)
    )
    frames = [np.full((4, 6, 3), i, np.uint8) for i in range(1, 4)]
    out = tile(frames)
    assert out.shape == (8, 12, 3)
    assert out[0, 0, 0] == 1 and out[0, 6, 0] == 2 and out[4, 0, 0] == 3 and out[4, 6, 0] == 0


def test_render_model_adds_only_visual_bodies(mano_bottle):
    from hot.sim.scene import compile_scene

    hand, obj, _ = mano_bottle
    sim_model, _ = compile_scene(hand, obj)
    render_model = build_render_spec(hand, obj).compile()
    # same degrees of freedom and actuators; the extra bodies are mocap (ghost + one per key body)
    assert (render_model.nq, render_model.nv, render_model.nu) == (sim_model.nq, sim_model.nv, sim_model.nu)
    assert render_model.nmocap == 1 + hand.num_key_bodies
    extra = np.arange(sim_model.ngeom, render_model.ngeom)
    assert extra.size > 0
    assert np.all(render_model.geom_contype[extra] == 0) and np.all(render_model.geom_conaffinity[extra] == 0)


def test_frame_not_blank_and_hand_centred(renderer, mano_bottle):
    _, _, lib = mano_bottle
    view = _view(lib)
    hand_centre = lib.key_pos[CLIP, FRAME].mean(0).double().numpy()
    cam = _camera(hand_centre)
    frame = renderer.render(view, cam)
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert frame.std() > 10  # not a blank / single-colour image
    parts = renderer.render_parts(view, _camera(hand_centre))
    hand = parts == PART_HAND
    assert 0.02 < hand.mean() < 0.6, f"hand covers {hand.mean():.1%} of the frame"
    cx, cy = _centroid(hand)
    assert abs(cx - 160) < 0.15 * 320 and abs(cy - 120) < 0.15 * 240, (cx, cy)
    # looking 30 cm to one side moves the hand away from the centre (it is really where the camera says)
    side = renderer.render_parts(view, _camera(hand_centre + np.array([0.0, 0.3, 0.0])))
    moved = side == PART_HAND
    assert not moved.any() or np.linalg.norm(_centroid(moved) - [160, 120]) > 60


def test_tracking_camera_frames_hand_and_object(renderer, mano_bottle):
    _, _, lib = mano_bottle
    view = _view(lib, frame=5)  # approach: hand above, object on the platform
    parts = renderer.render_parts(view, TrackingCamera())
    assert (parts == PART_HAND).mean() > 0.005 and (parts == PART_OBJECT).mean() > 0.005
    h, w = parts.shape
    for mask in (parts == PART_HAND, parts == PART_OBJECT):
        cx, cy = _centroid(mask)
        assert 0.1 * w < cx < 0.9 * w and 0.1 * h < cy < 0.9 * h


@pytest.mark.parametrize("label", [1, 0, -1])
def test_object_colour_shows_contact_label(renderer, mano_bottle, label):
    _, _, lib = mano_bottle
    view = _view(lib, label=label)
    cam = _camera(lib.obj_pos[CLIP, FRAME].double().numpy())
    obj = renderer.render_parts(view, cam) == PART_OBJECT
    rgb = renderer.render(view, _camera(lib.obj_pos[CLIP, FRAME].double().numpy()))[obj].mean(0)
    want = np.asarray(LABEL_RGBA[label][:3])
    # the dominant channel of the lit object is the label colour's dominant channel (grey: none)
    if label == -1:
        assert rgb.max() - rgb.min() < 25, rgb
    else:
        assert int(np.argmax(rgb)) == int(np.argmax(want)), (rgb, want)


def test_ghost_drawn_only_with_a_reference(renderer, mano_bottle):
    _, _, lib = mano_bottle
    cam_at = lib.obj_pos[CLIP, FRAME].double().numpy()
    without = renderer.render_parts(_view(lib), _camera(cam_at))
    with_ghost = renderer.render_parts(_view(lib, ghost_offset=[0.0, 0.0, 0.08]), _camera(cam_at))
    assert not (without == PART_GHOST).any()
    assert (with_ghost == PART_GHOST).mean() > 0.01


@pytest.mark.parametrize("hand_name", ["shadow", "allegro"])
def test_every_hand_renders(renderer, mano_bottle, hand_name):
    from hot.assets.hands import get_hand
    from hot.motion.dataset import MotionLibrary
    from hot.viz.render import SceneRenderer
    from tests.viz.conftest import ROOT

    hand, obj = get_hand(hand_name), mano_bottle[1]
    folder = ROOT / f"hot/data/motions/dexgrasp_train_{hand_name}/bottle/grasp_higher_kp"
    lib = MotionLibrary.from_folder(folder, num_dofs=hand.num_dofs, num_key_bodies=hand.num_key_bodies)
    with SceneRenderer(hand, obj, 160, 120) as r:
        parts = r.render_parts(_view(lib, frame=60), _camera(lib.key_pos[CLIP, 60].mean(0).double().numpy()))
    hand_px = parts == PART_HAND
    assert hand_px.mean() > 0.01
    cx, cy = _centroid(hand_px)
    assert abs(cx - 80) < 0.2 * 160 and abs(cy - 60) < 0.2 * 120
