"""Dense-object network: routing by block name, point encoder, fixed sigma."""

from __future__ import annotations

import pytest
import torch

from hot.learning import adapter
from hot.learning.network import KEYPOINT_BLOCK, DenseObjActorCritic, normalize_layout

P = 5  # points
LAYOUT_A = [["hand", 0, 4], [KEYPOINT_BLOCK, 4, 4 + 3 * P], ["track", 4 + 3 * P, 4 + 3 * P + 2]]
NUM_OBS = 4 + 3 * P + 2
# Same blocks, keypoints first in memory; listed in the same logical order as A for the non-point blocks.
LAYOUT_B = [[KEYPOINT_BLOCK, 0, 3 * P], ["hand", 3 * P, 3 * P + 4], ["track", 3 * P + 4, NUM_OBS]]


def _net(layout, seed=0, **kw):
    torch.manual_seed(seed)
    return DenseObjActorCritic(layout, NUM_OBS, actions_num=3, units=[16, 8], **kw)


def _to_layout(blocks: dict[str, torch.Tensor], layout) -> torch.Tensor:
    parts = sorted(((s, blocks[n]) for n, s, _ in layout), key=lambda x: x[0])
    return torch.cat([t for _, t in parts], dim=1)


def test_point_block_routed_by_name_not_offset():
    torch.manual_seed(1)
    blocks = {"hand": torch.randn(7, 4), KEYPOINT_BLOCK: torch.randn(7, 3 * P), "track": torch.randn(7, 2)}
    net_a, net_b = _net(LAYOUT_A), _net(LAYOUT_B)
    # identical parameter shapes -> identical weights for the same seed
    for (ka, va), (kb, vb) in zip(net_a.state_dict().items(), net_b.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)
    mu_a, _, v_a, _ = net_a({"obs": _to_layout(blocks, LAYOUT_A)})
    mu_b, _, v_b, _ = net_b({"obs": _to_layout(blocks, LAYOUT_B)})
    torch.testing.assert_close(mu_a, mu_b)
    torch.testing.assert_close(v_a, v_b)


def test_point_block_goes_through_permutation_invariant_encoder():
    net = _net(LAYOUT_B)
    obs = torch.randn(6, NUM_OBS)
    perm = torch.tensor([3, 0, 4, 1, 2])
    shuffled = obs.clone()
    shuffled[:, : 3 * P] = obs[:, : 3 * P].reshape(6, P, 3)[:, perm].reshape(6, 3 * P)
    torch.testing.assert_close(net({"obs": obs})[0], net({"obs": shuffled})[0])
    # ...whereas changing a point does change the output (the block is not ignored)
    moved = obs.clone()
    moved[:, :3] += 5.0
    assert not torch.allclose(net({"obs": obs})[0], net({"obs": moved})[0])
    assert net.point_encoder is not None and net.mu.in_features == 8
    assert net.actor_mlp[0].in_features == 6 + 60  # hand 4 + track 2 + 60 point features


def test_without_keypoints_is_plain_mlp():
    layout = [["hand", 0, 4], ["track", 4, 9]]
    torch.manual_seed(0)
    net = DenseObjActorCritic(layout, 9, actions_num=2, units=[8])
    assert net.point_encoder is None and net.actor_mlp[0].in_features == 9
    mu, log_std, value, _ = net({"obs": torch.randn(3, 9)})
    assert mu.shape == (3, 2) and value.shape == (3, 1) and log_std.shape == (3, 2)


def test_actor_and_critic_are_separate_but_share_encoder():
    net = _net(LAYOUT_A)
    obs = torch.randn(4, NUM_OBS)
    mu, _, value, _ = net({"obs": obs})
    value.sum().backward()
    assert all(p.grad is None for p in net.actor_mlp.parameters())
    assert all(p.grad is not None for p in net.point_encoder.parameters())


@pytest.mark.parametrize(
    "layout, msg",
    [
        ([["a", 0, 4], ["b", 5, 9]], "gap or overlap"),
        ([["a", 0, 4], ["a", 4, 9]], "duplicate"),
        ([["a", 0, 4], [KEYPOINT_BLOCK, 4, 8]], "multiple of 3"),
        ([["a", 0, 4]], "observation has 8"),
    ],
)
def test_bad_layout_is_refused(layout, msg):
    with pytest.raises(ValueError, match=msg):
        DenseObjActorCritic(layout, layout[-1][2] if msg != "observation has 8" else 8, 2, [4])


def test_layout_from_env_slices():
    assert normalize_layout({"x": slice(0, 2), "y": slice(2, 5)}, 5) == [("x", 0, 2), ("y", 2, 5)]


def test_fixed_sigma_is_not_optimised():
    adapter.register()
    cfg = {
        "model": {"name": adapter.MODEL_NAME},
        "network": {"name": adapter.NETWORK_DENSEOBJ, "mlp": {"units": [8]}, "obs_layout": LAYOUT_A},
        "config": {"normalize_input": True, "normalize_value": True},
    }
    model = adapter.build_model(cfg, NUM_OBS, 3)
    log_std = model.a2c_network.log_std
    assert torch.allclose(log_std, torch.full((3,), -2.9))
    assert all(p is not log_std for p in model.parameters())
    assert not any("log_std" in n for n, _ in model.named_parameters())
    assert "a2c_network.log_std" in model.state_dict()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    res = model({"is_train": True, "obs": torch.randn(32, NUM_OBS), "prev_actions": torch.randn(32, 3)})
    (res["prev_neglogp"].mean() + res["values"].mean()).backward()
    opt.step()
    assert torch.allclose(model.a2c_network.log_std, torch.full((3,), -2.9))
    torch.testing.assert_close(res["sigmas"], torch.full((32, 3), torch.exp(torch.tensor(-2.9)).item()))


def test_real_env_obs_layout_routes_keypoints():
    observations = pytest.importorskip("hot.tasks.tracking.observations")
    layout = observations.make_obs_layout(22, 16, 16, 100)
    net = DenseObjActorCritic(layout, layout.dim, actions_num=22, units=[8])
    assert net.kp_range == (layout[KEYPOINT_BLOCK].start, layout[KEYPOINT_BLOCK].stop)
    assert net.actor_mlp[0].in_features == layout.dim - 300 + 60


@pytest.mark.parametrize(
    "offset", [0.0, 3.0]
)  # points near the origin; a cloud far off (pre-activations < -0.75)
def test_point_encoder_pooling_equals_the_dense_form(offset):
    """The encoder max-pools GELU(W p + b) from each unit's smallest and largest pre-activation only; values
    and gradients must equal GELU on every point followed by max, for weights, bias and points alike."""
    from hot.learning.network import PointEncoder

    torch.manual_seed(0)
    enc = PointEncoder()
    flat = (offset + 0.3 * torch.randn(64, 50 * 3)).requires_grad_(True)

    def dense(x):
        return enc.out(enc.point_mlp(x.reshape(x.shape[0], -1, 3)).max(dim=1).values)

    want, got = dense(flat), enc(flat)
    assert torch.allclose(got, want, atol=1e-6)
    inputs = [flat, *enc.parameters()]
    g_want = torch.autograd.grad(want.square().sum(), inputs)
    g_got = torch.autograd.grad(got.square().sum(), inputs)
    for a, b in zip(g_got, g_want, strict=True):
        # where float GELU is flat (far below its dip) two points can tie; each form then picks its own
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-4 * float(b.abs().max()))
    # both ends of the GELU dip are exercised: some units pool from their smallest pre-activation
    z = torch.nn.functional.linear(
        flat.detach().reshape(64, -1, 3), enc.point_mlp[0].weight, enc.point_mlp[0].bias
    )
    lo_wins = torch.nn.functional.gelu(z.min(1).values) > torch.nn.functional.gelu(z.max(1).values)
    assert lo_wins.any() == (offset > 0.0)


def test_point_encoder_runs_under_vmap():
    """Distillation evaluates its teachers with torch.func.vmap over stacked weights."""
    import copy

    from torch.func import functional_call, stack_module_state, vmap

    from hot.learning.network import PointEncoder

    torch.manual_seed(0)
    encs = [PointEncoder() for _ in range(3)]
    params, buffers = stack_module_state(encs)  # type: ignore[arg-type]
    base = copy.deepcopy(encs[0]).to("meta")
    x = torch.randn(3, 16, 10 * 3)
    with torch.no_grad():
        got = vmap(lambda p, b, xx: functional_call(base, (p, b), (xx,)))(params, buffers, x)
        want = torch.stack([e(xx) for e, xx in zip(encs, x, strict=True)])
    assert torch.allclose(got, want, atol=1e-6)
