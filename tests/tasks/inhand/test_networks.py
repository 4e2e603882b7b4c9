"""HORA teacher network (routed by obs block names) and the student's adaptation module."""

from __future__ import annotations

import pytest
import torch

from hot.learning.inhand_networks import AdaptMLP, AdaptTConv, HoraTeacherNet, RunningNorm, build_adapt

LAYOUT = [["proprio", 0, 96], ["priv_info", 96, 105]]


def test_teacher_shapes_and_latent_depends_only_on_priv_block():
    torch.manual_seed(0)
    net = HoraTeacherNet(LAYOUT, 105, 16, [64, 32], [32, 16], 8, init_log_std=-1.0)
    obs = torch.randn(5, 105)
    mu, log_std, value, state = net({"obs": obs})
    assert mu.shape == (5, 16) and value.shape == (5, 1) and state is None
    assert torch.allclose(log_std, torch.full((5, 16), -1.0))
    z = net.extrinsics(obs)
    assert z.shape == (5, 8) and (z.abs() < 1).all()
    other = obs.clone()
    other[:, :96] = torch.randn(5, 96)
    assert torch.equal(net.extrinsics(other), z)  # proprioception does not enter the latent
    other[:, 100] += 1.0
    assert not torch.allclose(net.extrinsics(other), z)
    mu2, _ = net.heads(net.proprio(obs), z)
    assert torch.allclose(mu2, mu)


def test_teacher_needs_priv_block():
    with pytest.raises(ValueError, match="priv_info"):
        HoraTeacherNet([["proprio", 0, 96]], 96, 16, [32], [16], 8)


def test_adaptation_module_shapes():
    m = AdaptTConv(32, 30, 8)
    out = m(torch.randn(4, 30, 32))
    assert out.shape == (4, 8) and (out.abs() < 1).all()
    with pytest.raises(ValueError, match="17 frames"):
        AdaptTConv(32, 10, 8)


def test_mlp_adaptation_module_reads_only_the_newest_frames():
    m = AdaptMLP(32, 30, 8, frames=8, units=[64, 32])
    h = torch.randn(4, 30, 32)
    out = m(h)
    assert out.shape == (4, 8) and (out.abs() < 1).all()
    older = h.clone()
    older[:, :22] = torch.randn(4, 22, 32)  # everything but the newest 8 frames
    assert torch.equal(m(older), out)
    newer = h.clone()
    newer[:, -1] += 1.0
    assert not torch.allclose(m(newer), out)
    with pytest.raises(ValueError, match="frames must be in 1..30"):
        AdaptMLP(32, 30, 8, frames=31, units=[8])


def test_build_adapt_from_a_checkpoint_spec():
    base = {"frame_dim": 32, "hist_len": 30, "latent_dim": 8}
    assert isinstance(build_adapt(base), AdaptTConv)  # checkpoints from before the key existed
    assert isinstance(build_adapt({**base, "adapt": "mlp", "frames": 4, "units": [16]}), AdaptMLP)
    with pytest.raises(ValueError, match="unknown adaptation module"):
        build_adapt({**base, "adapt": "gru"})


def test_running_norm_matches_batch_statistics():
    x = torch.randn(1000, 30, 4) * torch.tensor([1.0, 2.0, 3.0, 4.0]) + 5.0
    n = RunningNorm(4)
    n.update(x[:500])
    n.update(x[500:])
    flat = x.reshape(-1, 4)
    assert torch.allclose(n.mean, flat.mean(0), atol=1e-3)
    assert torch.allclose(n.var, flat.var(0, unbiased=False), rtol=1e-3)


def test_teacher_starts_near_zero_mean_action():
    torch.manual_seed(0)
    net = HoraTeacherNet(LAYOUT, 105, 16, [512, 256, 128], [256, 128], 8)
    mu, _, _, _ = net({"obs": torch.randn(64, 105)})
    assert mu.abs().max() < 0.05  # "hold the grasp" plus exploration noise, not a constant drift
