"""Key-body FK: hand-written FK of the tiny hand, MuJoCo parity, root composition, the _kp writer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mujoco
import numpy as np
import pytest
import torch

from hot.assets.hands.base import BASE_POS
from hot.motion.fk import KeyBodyFK, fill_key_bodies, key_body_positions
from hot.motion.io import load_clip, save_clip
from hot.motion.schema import MotionFormatError
from hot.utils.rotations import quat_from_euler_xyz_intrinsic

from .helpers import FINGER_ROOTS, LINK, PALM_OFFSET, make_clip, tiny_hand

BASE = np.array(BASE_POS)


def _rx(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _tiny_fk_by_hand(q: np.ndarray) -> np.ndarray:
    """(K, 3) key bodies (a_prox, a_dist, b_prox, b_dist, palm) of the tiny hand at DoFs ``q (10,)``."""
    pivot = BASE + q[:3]
    rw = _rx(q[3]) @ _ry(q[4]) @ _rz(q[5])
    palm = pivot + rw @ np.array(PALM_OFFSET)
    out = []
    for f, (j1, j2) in zip(FINGER_ROOTS, (q[6:8], q[8:10]), strict=True):
        prox = palm + rw @ np.array(FINGER_ROOTS[f])
        dist = prox + rw @ _ry(j1) @ np.array([0.0, 0.0, -LINK])
        del j2  # the distal joint turns the distal body about its own origin: no effect on its position
        out += [prox, dist]
    return np.stack(out + [palm])


def _clip_with_dofs(q: torch.Tensor, k: int):
    clip = make_clip(q.shape[0], q.shape[1] - 6, k, seed=0)
    clip.root_rot = torch.tensor([1.0, 0.0, 0.0, 0.0]).repeat(q.shape[0], 1)
    clip.wrist_dof, clip.fingers_dof = q[:, :6].clone(), q[:, 6:].clone()
    return clip


def test_tiny_hand_fk_matches_hand_computed() -> None:
    g = torch.Generator().manual_seed(0)
    q = torch.cat([0.2 * torch.randn(6, 3, generator=g), torch.randn(6, 7, generator=g)], dim=1)
    q[0] = 0.0
    kp = key_body_positions(tiny_hand(), _clip_with_dofs(q, 5))
    assert kp.shape == (6, 5, 3) and kp.dtype == torch.float32
    expected = np.stack([_tiny_fk_by_hand(x) for x in q.double().numpy()])
    np.testing.assert_allclose(kp.numpy(), expected, atol=1e-6)
    # zero pose: palm right below the base
    np.testing.assert_allclose(kp[0, -1].numpy(), BASE + np.array(PALM_OFFSET), atol=1e-7)


def test_fk_matches_mj_forward_xpos() -> None:
    hand = tiny_hand()
    fk = KeyBodyFK(hand)
    g = torch.Generator().manual_seed(1)
    q = torch.randn(4, hand.num_dofs, generator=g) * 0.5
    kp = fk(_clip_with_dofs(q, hand.num_key_bodies))
    m = hand.build_spec().compile()
    d = mujoco.MjData(m)
    for t in range(4):
        for i, name in enumerate(hand.dof_names):
            d.joint(name).qpos[0] = float(q[t, i])
        mujoco.mj_forward(m, d)
        xpos = np.stack([d.body(b).xpos for b in hand.key_bodies])
        np.testing.assert_allclose(kp[t].numpy(), xpos, atol=1e-6)


def test_root_transform_is_composed() -> None:
    """world = T_root · T_base^-1 · x: a root rotated 90° about z and moved to (1, 2, 3)."""
    hand = tiny_hand()
    g = torch.Generator().manual_seed(2)
    q = torch.randn(3, hand.num_dofs, generator=g) * 0.3
    clip = _clip_with_dofs(q, 5)
    default = key_body_positions(hand, clip).double().numpy()
    clip.root_pos = torch.tensor([1.0, 2.0, 3.0]).repeat(3, 1)
    s = np.sqrt(0.5)
    clip.root_rot = torch.tensor([s, 0.0, 0.0, s]).repeat(3, 1)
    moved = key_body_positions(hand, clip).double().numpy()
    rel = default - BASE
    expected = np.stack([-rel[..., 1], rel[..., 0], rel[..., 2]], axis=-1) + np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(moved, expected, atol=1e-6)


def _wrist_property(hand, seed: int) -> None:
    """Contract property of every hand: the key bodies move rigidly with the virtual wrist,
    x(t, r, fingers) = BASE + t + R(r) · (x(0, 0, fingers) - BASE) with R = Rx·Ry·Rz."""
    fk = KeyBodyFK(hand)
    g = torch.Generator().manual_seed(seed)
    n = 3
    fingers = 0.3 * torch.rand(n, hand.num_finger_dofs, generator=g)
    wrist = torch.cat([0.1 * torch.randn(n, 3, generator=g), torch.randn(n, 3, generator=g)], dim=1)
    x = fk.model_positions(torch.cat([wrist, fingers], 1))
    x0 = fk.model_positions(torch.cat([torch.zeros(n, 6), fingers], 1))
    rot = _np_rot(wrist[:, 3:].double())
    expected = BASE + wrist[:, None, :3].double().numpy() + np.einsum("nij,nkj->nki", rot, x0 - BASE)
    np.testing.assert_allclose(x, expected, atol=1e-9)


def _np_rot(ang: torch.Tensor) -> np.ndarray:
    from hot.utils.rotations import quat_to_matrix

    return quat_to_matrix(quat_from_euler_xyz_intrinsic(ang)).numpy()


def test_tiny_hand_wrist_property() -> None:
    _wrist_property(tiny_hand(), 3)


def _real_hand(name: str):
    hands = pytest.importorskip("hot.assets.hands")
    if not hasattr(hands, "get_hand"):
        pytest.skip("hand registry not available yet")
    return hands.get_hand(name)


@pytest.mark.parametrize("name", ["mano", "shadow", "allegro"])
def test_real_hand_fk(name: str) -> None:
    hand = _real_hand(name)
    _wrist_property(hand, 4)
    fk = KeyBodyFK(hand)
    g = torch.Generator().manual_seed(5)
    q = torch.zeros(2, hand.num_dofs)
    q[1, 6:] = 0.2 * torch.rand(hand.num_finger_dofs, generator=g)
    kp = fk(_clip_with_dofs(q, hand.num_key_bodies))
    assert kp.shape == (2, hand.num_key_bodies, 3) and torch.isfinite(kp).all()
    m, d = fk.model, mujoco.MjData(fk.model)
    for i, dof in enumerate(hand.dof_names):
        d.joint(dof).qpos[0] = float(q[1, i])
    mujoco.mj_forward(m, d)
    np.testing.assert_allclose(kp[1].numpy(), np.stack([d.body(b).xpos for b in hand.key_bodies]), atol=1e-6)
    # key bodies of an open hand lie within ~30 cm of the base
    assert (np.linalg.norm(kp.numpy() - BASE, axis=-1) < 0.3).all()


# ------------------------------------------------------------------------------- the _kp writer


def test_fill_key_bodies(tmp_path: Path) -> None:
    hand = tiny_hand()
    src = tmp_path / "grasp"
    for i, rel in enumerate(["001_x_0.pt", "sub/001_x_1.pt"]):
        clip = make_clip(6, 4, 5, seed=i)
        clip.root_pos = torch.tensor(BASE_POS).repeat(6, 1)
        clip.root_rot = torch.tensor([1.0, 0.0, 0.0, 0.0]).repeat(6, 1)
        clip.body_pos = torch.zeros(6, 5, 3)
        save_clip(src / rel, clip)
    before = (src / "001_x_0.pt").read_bytes()
    written = fill_key_bodies(src, hand)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        "grasp_kp/001_x_0.pt",
        "grasp_kp/sub/001_x_1.pt",
    ]
    assert (src / "001_x_0.pt").read_bytes() == before  # the source is untouched
    for rel in ["001_x_0.pt", "sub/001_x_1.pt"]:
        orig, out = (
            load_clip(src / rel),
            load_clip(tmp_path / "grasp_kp" / rel, num_dofs=10, num_key_bodies=5),
        )
        assert torch.equal(out.body_pos, key_body_positions(hand, orig))
        assert torch.equal(out.dof_pos, orig.dof_pos) and torch.equal(out.obj_rot, orig.obj_rot)
        raw = torch.load(tmp_path / "grasp_kp" / rel, weights_only=True)
        assert torch.equal(raw["obj2_pos"], torch.tensor([0.0, 0.0, 10.0]).repeat(6, 1))  # other keys kept


def test_fill_key_bodies_rejects_wrong_hand_before_writing(tmp_path: Path) -> None:
    src = tmp_path / "move"
    save_clip(src / "002_a_0.pt", make_clip(5, 4, 5, seed=0))
    save_clip(src / "002_a_1.pt", make_clip(5, 3, 5, seed=1))  # 9 DoFs, the tiny hand has 10
    with pytest.raises(MotionFormatError, match=r"002_a_1\.pt: DoF count mismatch"):
        fill_key_bodies(src, tiny_hand(), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError, match="nowhere"):
        fill_key_bodies(tmp_path / "nowhere", tiny_hand())


def test_cli_mano(tmp_path: Path) -> None:
    hand = _real_hand("mano")
    src = tmp_path / "rotate"
    clip = make_clip(4, hand.num_finger_dofs, hand.num_key_bodies, seed=0)
    clip.root_pos = torch.tensor(BASE_POS).repeat(4, 1)
    clip.root_rot = torch.tensor([1.0, 0.0, 0.0, 0.0]).repeat(4, 1)
    clip.fingers_dof = 0.1 * clip.fingers_dof
    clip.body_pos.zero_()
    save_clip(src / "006_box_0_0.pt", clip)
    res = subprocess.run(
        [sys.executable, "-m", "hot.motion.fk", "--path", str(src), "--hand", "mano"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert res.returncode == 0, res.stderr
    assert "wrote 1 motion files" in res.stdout
    out = load_clip(
        tmp_path / "rotate_kp" / "006_box_0_0.pt", num_dofs=hand.num_dofs, num_key_bodies=hand.num_key_bodies
    )
    assert torch.equal(out.body_pos, key_body_positions(hand, clip))
    assert out.body_pos.abs().sum() > 0
