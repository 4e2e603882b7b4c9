"""Start-state noise (spec §5.7): identity at p=0, bounds at p=1, only start-state fields change."""

from __future__ import annotations

import math

import pytest
import torch

from hot.tasks.tracking.noise import StartNoiseConfig, apply_start_noise
from hot.utils.rotations import quat_from_rpy, quat_to_rpy, wrap_to_pi

N, D = 64, 10


def _state(seed=0):
    g = torch.Generator().manual_seed(seed)
    rpy = (torch.rand(N, 3, generator=g) - 0.5) * torch.tensor([0.6, 0.6, 2.0])  # away from gimbal lock
    return {
        "dof_pos": torch.randn(N, D, generator=g),
        "dof_vel": torch.randn(N, D, generator=g),
        "obj_pos": torch.randn(N, 3, generator=g),
        "obj_rot": quat_from_rpy(rpy),
        "obj_lin_vel": torch.randn(N, 3, generator=g),
        "obj_ang_vel": torch.randn(N, 3, generator=g),
        "root_pos": torch.randn(N, 3, generator=g),  # not a noised field: must pass through
    }


LABELS = torch.tensor([0, 1, -1, 0] * (N // 4), dtype=torch.float32)


def test_p0_is_identity():
    s = _state()
    out = apply_start_noise(s, LABELS, StartNoiseConfig(prob=0.0), torch.Generator().manual_seed(0))
    for k in s:
        assert torch.equal(out[k], s[k]), k


def test_p1_stays_within_bounds_and_changes_only_start_fields():
    s = _state()
    before = {k: v.clone() for k, v in s.items()}
    cfg = StartNoiseConfig(prob=1.0)
    out = apply_start_noise(s, LABELS, cfg, torch.Generator().manual_seed(1))
    for k in s:  # inputs untouched
        assert torch.equal(s[k], before[k]), k
    assert out["root_pos"] is s["root_pos"]
    tol = 1e-6

    def within(delta, bound):
        assert delta.abs().max() <= bound + tol
        assert delta.abs().max() > 0.5 * bound  # it did move (64 envs, every mask on)

    assert torch.equal(out["dof_pos"][:, :6], s["dof_pos"][:, :6])  # no wrist noise by default
    assert torch.equal(out["dof_vel"][:, :6], s["dof_vel"][:, :6])
    within(out["dof_pos"][:, 6:] - s["dof_pos"][:, 6:], math.pi / 8)
    within(out["dof_vel"][:, 6:] - s["dof_vel"][:, 6:], 0.1)
    within(out["obj_lin_vel"] - s["obj_lin_vel"], 0.02)
    within(out["obj_ang_vel"] - s["obj_ang_vel"], 0.02)

    free = LABELS == 0
    dpos = out["obj_pos"] - s["obj_pos"]
    within(dpos[free], 0.05)
    assert (dpos[free][:, 2] >= 0).all()
    within(dpos[~free], 0.02)

    drpy = wrap_to_pi(quat_to_rpy(out["obj_rot"]) - quat_to_rpy(s["obj_rot"]))
    within(drpy[free], math.pi / 5)
    torch.testing.assert_close(drpy[~free][:, :2], torch.zeros(int((~free).sum()), 2), atol=1e-5, rtol=0)
    within(drpy[~free][:, 2], math.pi / 8)
    torch.testing.assert_close(out["obj_rot"].norm(dim=-1), torch.ones(N))


def test_wrist_noise_option_and_determinism():
    s = _state()
    cfg = StartNoiseConfig(prob=1.0, wrist_noise=True)
    a = apply_start_noise(s, LABELS, cfg, torch.Generator().manual_seed(5))
    b = apply_start_noise(s, LABELS, cfg, torch.Generator().manual_seed(5))
    for k in a:
        assert torch.equal(a[k], b[k])
    dw = a["dof_pos"][:, :6] - s["dof_pos"][:, :6]
    assert dw[:, :3].abs().max() <= 0.02 + 1e-6 and dw[:, :3].abs().max() > 0.01
    assert dw[:, 3:].abs().max() <= math.pi / 12 + 1e-6 and dw[:, 3:].abs().max() > math.pi / 24


def test_partial_probability_masks_per_env():
    s = _state()
    out = apply_start_noise(s, LABELS, StartNoiseConfig(prob=0.5), torch.Generator().manual_seed(2))
    moved = (out["obj_lin_vel"] != s["obj_lin_vel"]).any(-1)
    assert 10 < int(moved.sum()) < 54  # ~Bernoulli(0.5) over 64 envs
    # an env either gets the whole 3-vector of a term or none of it
    assert ((out["obj_lin_vel"] != s["obj_lin_vel"]).all(-1) == moved).all()


def test_missing_key_is_named():
    s = _state()
    del s["obj_rot"]
    with pytest.raises(KeyError, match="obj_rot"):
        apply_start_noise(s, LABELS, StartNoiseConfig(), torch.Generator())
