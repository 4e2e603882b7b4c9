"""MotionLibrary / MultiObjectMotionLibrary: weights, sampling, reference lookups, derived velocities."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from hot.motion.dataset import (
    MotionLibrary,
    MultiObjectMotionLibrary,
    class_balanced_weights,
    object_name_from_path,
    quat_continuity,
)
from hot.motion.io import save_clip
from hot.utils.rotations import quat_from_axis_angle, quat_mul, quat_rotate_inv

from .helpers import make_clip

FPS = 60.0


def _lib(lengths, codes, **kw) -> MotionLibrary:
    clips = [make_clip(n, 4, 5, seed=i) for i, n in enumerate(lengths)]
    names = [f"{c:03d}_obj_{i}.pt" for i, c in enumerate(codes)]
    return MotionLibrary(clips, names=names, **kw)


def test_weights_match_spec() -> None:
    # 3 grasp, 1 move, 2 place: raw 2/3 (grasp doubled), 1, 1/2 -> sum 4 -> 1/6, 1/4, 1/8
    lib = _lib([10] * 6, [1, 2, 1, 3, 1, 3])
    expected = torch.tensor([1 / 6, 1 / 4, 1 / 6, 1 / 8, 1 / 6, 1 / 8])
    assert torch.allclose(lib.weights, expected, atol=1e-7)
    assert lib.skill_codes.tolist() == [1, 2, 1, 3, 1, 3]
    assert torch.allclose(class_balanced_weights(torch.tensor([5, 5, 7])), torch.tensor([0.25, 0.25, 0.5]))


def test_sample_clips_follows_weights_and_seed() -> None:
    lib = _lib([10] * 6, [1, 2, 1, 3, 1, 3])
    ids = lib.sample_clips(60000, torch.Generator().manual_seed(0))
    assert ids.dtype == torch.long and ids.shape == (60000,)
    freq = torch.bincount(ids, minlength=6).float() / 60000
    assert torch.allclose(freq, lib.weights, atol=0.01)
    again = lib.sample_clips(60000, torch.Generator().manual_seed(0))
    assert torch.equal(ids, again)


def test_start_frames_in_range_and_cover_it() -> None:
    lib = _lib([10, 4, 30, 3, 1], [1, 1, 2, 2, 3])
    clip_ids = torch.arange(5).repeat(4000)
    start = lib.sample_start_frames(clip_ids, torch.Generator().manual_seed(1))
    for c, n in enumerate([10, 4, 30]):
        s = start[clip_ids == c]
        assert s.min() == 2 and s.max() == n - 2  # uniform over [2, len-1)
        assert len(s.unique()) == n - 3
    # too short for upstream's rule: start at min(2, len-1)
    assert (start[clip_ids == 3] == 2).all() and (start[clip_ids == 4] == 0).all()


def test_ref_frames_values_and_padding() -> None:
    lengths = [10, 6]
    clips = [make_clip(n, 4, 5, seed=i, with_obj_vel=True) for i, n in enumerate(lengths)]
    lib = MotionLibrary(clips, names=["001_a.pt", "002_b.pt"])
    assert lib.dof_pos.shape == (2, 10, 10) and lib.key_pos.shape == (2, 10, 5, 3)
    c = torch.tensor([0, 1, 1, 1, 1, 0, 0])
    f = torch.tensor([3, 5, 6, 9, 25, -1, 10])
    ref = lib.ref_frames(c, f)
    assert ref.valid.tolist() == [True, True, False, False, False, False, False]
    assert torch.equal(ref.dof_pos[0], clips[0].dof_pos[3])
    assert torch.equal(ref.dof_pos[1], clips[1].dof_pos[5])
    assert torch.equal(ref.key_pos[1], clips[1].body_pos[5])
    assert torch.equal(ref.obj_lin_vel[0], clips[0].obj_pos_vel[3])  # from the file
    assert ref.contact[0] == clips[0].contact1[3]
    for name in (
        "dof_pos",
        "dof_vel",
        "key_pos",
        "obj_pos",
        "obj_rot",
        "obj_lin_vel",
        "obj_ang_vel",
        "contact",
    ):
        x = getattr(ref, name)[2:]
        assert x.shape[0] == 5 and (x == 0).all(), name
    # windows: (N, 1) clips with (N, L) frames -> leading (N, L)
    win = lib.ref_frames(torch.tensor([[0], [1]]), torch.arange(4, 8).expand(2, 4))
    assert win.dof_pos.shape == (2, 4, 10) and win.obj_rot.shape == (2, 4, 4)
    assert win.valid.tolist() == [[True] * 4, [True, True, False, False]]
    assert torch.equal(win.key_pos[0, 1], clips[0].body_pos[5])


def test_initial_state_and_lengths() -> None:
    lib = _lib([10, 6], [1, 3])
    c, f = torch.tensor([1, 0, 1]), torch.tensor([2, 9, 40])
    init = lib.initial_state(c, f)
    ref = lib.ref_frames(c, torch.tensor([2, 9, 5]))  # 40 is clamped to the last frame
    for k in ("dof_pos", "dof_vel", "obj_pos", "obj_rot", "obj_lin_vel", "obj_ang_vel", "key_pos", "contact"):
        assert torch.equal(init[k], getattr(ref, k)), k
    assert lib.clip_length(torch.tensor([1, 0])).tolist() == [6, 10]


def test_velocities_are_hand_computed_differences() -> None:
    t = 7
    clip = make_clip(t, 2, 3, seed=5, with_obj_vel=False)
    clip.contact1[:] = torch.tensor([0.4, -0.6, 1.0, 0.0, -1.0, 1.3, -0.2])
    lib = MotionLibrary([clip], names=["002_x.pt"])
    dof = clip.dof_pos
    for i in range(t):
        exp_dof = torch.zeros(8) if i == 0 else (dof[i] - dof[i - 1]) * FPS
        exp_obj = torch.zeros(3) if i == 0 else (clip.obj_pos[i] - clip.obj_pos[i - 1]) * FPS
        exp_key = torch.zeros(3, 3) if i == 0 else (clip.body_pos[i] - clip.body_pos[i - 1]) * FPS
        assert torch.allclose(lib.dof_vel[0, i], exp_dof, atol=1e-5)
        assert torch.allclose(lib.obj_lin_vel[0, i], exp_obj, atol=1e-5)
        assert torch.allclose(lib.key_vel[0, i], exp_key, atol=1e-5)
    assert lib.contact[0].tolist() == [0.0, -1.0, 1.0, 0.0, -1.0, 1.0, -0.0]


def test_object_angular_velocity_world_and_body_frame() -> None:
    """A tilted object spinning about world z at 2 rad/s: world-frame ω = (0, 0, 2) every frame,
    upstream's body-frame value is R(q_{i-1})^T (0, 0, 2)."""
    t, omega = 12, 2.0
    tilt = quat_from_axis_angle(torch.tensor([1.0, 0.0, 0.0]), torch.tensor(0.7))
    z = torch.tensor([0.0, 0.0, 1.0])
    q = torch.stack(
        [quat_mul(quat_from_axis_angle(z, torch.tensor(omega * i / FPS)), tilt) for i in range(t)]
    )
    q[1::2] *= -1.0  # sign flips must not matter
    clip = make_clip(t, 2, 3, seed=0)
    clip.obj_rot = q
    lib = MotionLibrary([clip], names=["006_x.pt"])
    stored = lib.obj_rot[0]
    assert ((stored[1:] * stored[:-1]).sum(-1) > 0).all()  # sign-continuous
    assert torch.allclose(stored.abs(), q.abs())
    w = lib.obj_ang_vel[0]
    assert torch.equal(w[0], torch.zeros(3))
    assert torch.allclose(w[1:], torch.tensor([0.0, 0.0, omega]).expand(t - 1, 3), atol=2e-4)
    wb = lib.obj_ang_vel_b[0, 1:]
    expected_b = quat_rotate_inv(stored[:-1], torch.tensor([0.0, 0.0, omega]).expand(t - 1, 3))
    assert torch.allclose(wb, expected_b, atol=2e-4)
    assert not torch.allclose(wb, w[1:], atol=0.1)  # the two frames really differ here


def test_quat_continuity_matches_loop() -> None:
    g = torch.Generator().manual_seed(0)
    q = torch.nn.functional.normalize(torch.randn(50, 4, generator=g), dim=-1)
    ref = q.clone()
    for i in range(1, 50):
        if (ref[i] * ref[i - 1]).sum() < 0:
            ref[i] = -ref[i]
    assert torch.equal(quat_continuity(q), ref)


def test_library_rejects_mixed_hands() -> None:
    with pytest.raises(ValueError, match="001_b.pt has 9 DoFs"):
        MotionLibrary([make_clip(5, 4, 5), make_clip(5, 3, 5)], names=["001_a.pt", "001_b.pt"])


# ------------------------------------------------------------------------------- multi-object


def _multi_folder(root: Path) -> list[str]:
    layout = {
        "Bottle": {"grasp_kp": 3, "move_kp": 1, "place_kp": 2},
        "hammer": {"grasp_kp": 1, "place_kp": 4},
        "sword": {"move_kp": 2},
    }
    codes = {"grasp_kp": 1, "move_kp": 2, "place_kp": 3}
    seed = 0
    for obj, skills in layout.items():
        for skill, n in skills.items():
            for i in range(n):
                save_clip(
                    root / obj / skill / f"{codes[skill]:03d}_{obj}_{i}_{seed}.pt",
                    make_clip(8, 4, 5, seed=seed),
                )
                seed += 1
    return ["bottle", "hammer", "sword"]


def test_multi_object_sampling_never_crosses_objects(tmp_path: Path) -> None:
    _multi_folder(tmp_path)
    lib = MultiObjectMotionLibrary.from_folder(tmp_path, object_names=["sword", "BOTTLE", "hammer"])
    assert lib.object_names == ("sword", "bottle", "hammer")
    paths = lib.library.paths
    assert [lib.object_names[o] for o in lib.clip_object_ids.tolist()] == [
        object_name_from_path(p) for p in paths
    ]
    envs = lib.env_object_ids(7)
    assert envs.tolist() == [0, 1, 2, 0, 1, 2, 0]
    obj_ids = torch.randint(0, 3, (30000,), generator=torch.Generator().manual_seed(0))
    clips = lib.sample_clips_for_objects(obj_ids, torch.Generator().manual_seed(1))
    assert torch.equal(lib.clip_object_ids[clips], obj_ids)
    # within each object, class-balanced weights of that object's clips
    for o in range(3):
        members = (lib.clip_object_ids == o).nonzero().squeeze(1)
        drawn = clips[obj_ids == o]
        freq = torch.stack([(drawn == m).float().mean() for m in members])
        expected = class_balanced_weights(lib.library.skill_codes[members])
        assert torch.allclose(lib.object_weights[members], expected)
        assert torch.allclose(freq, expected, atol=0.02), (o, freq, expected)
    # bottle: 3 grasp (2/3 each), 1 move (1), 2 place (1/2 each) -> 1/6, 1/4, 1/8
    bottle = (lib.clip_object_ids == 1).nonzero().squeeze(1)
    w = {c: lib.object_weights[bottle][lib.library.skill_codes[bottle] == c] for c in (1, 2, 3)}
    assert torch.allclose(w[1], torch.full((3,), 1 / 6)) and torch.allclose(w[3], torch.full((2,), 1 / 8))
    # forwarding
    start = lib.sample_start_frames(clips[:100], torch.Generator().manual_seed(2))
    assert ((start >= 2) & (start < 7)).all()
    assert lib.ref_frames(clips[:5], start[:5]).valid.all()


def test_multi_object_errors(tmp_path: Path) -> None:
    _multi_folder(tmp_path)
    with pytest.raises(ValueError, match=r"\['knife'\] have no motion clips"):
        MultiObjectMotionLibrary.from_folder(tmp_path, object_names=["bottle", "hammer", "sword", "knife"])
    with pytest.raises(ValueError, match="belongs to object 'sword'"):
        MultiObjectMotionLibrary.from_folder(tmp_path, object_names=["bottle", "hammer"])
    lib = MultiObjectMotionLibrary.from_folder(tmp_path)
    assert lib.object_names == ("bottle", "hammer", "sword") and lib.num_objects == 3


def test_multi_object_sampling_at_segment_edges() -> None:
    """u close to 1 must not spill into the next object's clips (float rounding of the CDF)."""
    clips = [make_clip(5, 4, 5, seed=i) for i in range(9)]
    paths = [
        f"/d/{o}/s/{c:03d}_{i}.pt"
        for i, (o, c) in enumerate(
            [("a", 1), ("b", 2), ("a", 3), ("c", 1), ("b", 1), ("a", 2), ("c", 3), ("a", 1), ("b", 3)]
        )
    ]
    lib = MultiObjectMotionLibrary(clips, paths)
    obj = torch.arange(3).repeat(20000)
    got = lib.sample_clips_for_objects(obj, torch.Generator().manual_seed(3))
    assert torch.equal(lib.clip_object_ids[got], obj)
    # each object's CDF segment ends at exactly o + 1, so o + u with u < 1 stays inside it
    ends = lib._cdf[lib._seg_end - 1]
    assert ends.tolist() == [1.0, 2.0, 3.0]
    objs = torch.arange(3)
    u_max = torch.full((3,), 1 - 2**-53, dtype=torch.float64)  # largest double below 1
    for u in (u_max, torch.zeros(3, dtype=torch.float64)):
        assert torch.equal(lib.clip_object_ids[lib.clips_from_uniform(objs, u)], objs)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_library_on_cuda_matches_cpu(tmp_path: Path) -> None:
    clips = [make_clip(n, 4, 5, seed=i) for i, n in enumerate([10, 6, 8])]
    names = ["001_a.pt", "002_b.pt", "003_c.pt"]
    cpu = MotionLibrary(clips, names=names)
    gpu = MotionLibrary(clips, names=names, device="cuda")
    g = torch.Generator(device="cuda").manual_seed(0)
    ids = gpu.sample_clips(1000, g)
    start = gpu.sample_start_frames(ids, g)
    assert ids.is_cuda and start.is_cuda
    assert ((start >= 2) & (start < gpu.lengths[ids] - 1)).all()
    c, f = torch.tensor([0, 1, 2, 1]), torch.tensor([3, 5, 7, 6])
    a, b = cpu.ref_frames(c, f), gpu.ref_frames(c.cuda(), f.cuda())
    for name in ("dof_pos", "dof_vel", "key_pos", "obj_rot", "obj_ang_vel", "valid"):
        assert torch.allclose(getattr(a, name).float(), getattr(b, name).cpu().float(), atol=1e-5), name
    _multi_folder(tmp_path)
    multi = MultiObjectMotionLibrary.from_folder(tmp_path, device="cuda")
    obj = multi.env_object_ids(999)
    got = multi.sample_clips_for_objects(obj, g)
    assert torch.equal(multi.clip_object_ids[got], obj)
