import mujoco
import numpy as np
import torch
from tiny_assets import tiny_hand

from hot.datagen.kinematics import HandKinematics


def test_torch_fk_matches_mujoco():
    hand = tiny_hand()
    kin = HandKinematics(hand, dtype=torch.float64)
    m = kin.model
    d = mujoco.MjData(m)
    rng = np.random.default_rng(0)
    for _ in range(5):
        d.qpos[:] = rng.uniform(-1, 1, m.nq)
        mujoco.mj_kinematics(m, d)
        root = kin.root_id
        pos, rot = kin.forward(
            torch.tensor(d.xpos[root])[None],
            torch.tensor(d.xmat[root].reshape(3, 3))[None],
            torch.tensor(d.qpos[6:])[None],
        )
        np.testing.assert_allclose(pos[0].numpy(), d.xpos[kin.body_ids], atol=1e-12)
        np.testing.assert_allclose(rot[0].reshape(-1, 9).numpy(), d.xmat[kin.body_ids], atol=1e-12)
        # surface points lie on their geom: distance from capsule axis == radius for ring points
        p, _ = kin.surface(pos, rot)
        assert p.shape[1] == kin.surf_p.shape[0]
    assert len(kin.cand) > 0 and len(kin.spen_i) > 0
