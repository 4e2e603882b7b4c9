"""HORA networks: the teacher (privileged encoder + shared actor-critic trunk) and the student's
temporal-convolution adaptation module, plus the proprioceptive-history normaliser.

Teacher (rl-games network ``hot_hora_teacher``): obs block ``priv_info`` (9) -> MLP (ELU) -> linear ->
tanh = extrinsics latent z (8); ``[proprio, z]`` -> shared MLP trunk (ELU) -> action mean and value;
learned state-independent log-std. Blocks are found by name (``obs_layout``), never by offset.

Student: :class:`AdaptTConv` maps a (B, 30, 32) proprioceptive history to a latent of the same size as
z (per-frame MLP, three 1-D convolutions over time, linear, tanh: HORA's ``ProprioAdaptTConv`` shape);
the teacher's trunk then acts on ``[proprio, z_hat]``. :class:`AdaptMLP` (``algo.distill.adapt=mlp``, not
HORA's) maps only the newest few frames through an ELU MLP; :func:`build_adapt` picks one from a spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from rl_games.algos_torch.network_builder import NetworkBuilder
from torch import nn

from hot.learning.network import normalize_layout

__all__ = [
    "NETWORK_NAME",
    "HoraTeacherNet",
    "HoraTeacherBuilder",
    "AdaptTConv",
    "AdaptMLP",
    "build_adapt",
    "RunningNorm",
]

NETWORK_NAME = "hot_hora_teacher"
PROPRIO_BLOCK = "proprio"
PRIV_BLOCK = "priv_info"
MU_INIT_SCALE = 0.01
"""Scale of the action-mean head's initial weights (see HoraTeacherNet)."""


def _mlp(in_size: int, units: Sequence[int], act: type[nn.Module] = nn.ELU) -> nn.Sequential:
    layers: list[nn.Module] = []
    for u in units:
        layers += [nn.Linear(in_size, int(u)), act()]
        in_size = int(u)
    return nn.Sequential(*layers)


class HoraTeacherNet(NetworkBuilder.BaseNetwork):
    """Shared actor-critic with a privileged-information encoder.

    ``forward({"obs": (B, num_obs)})`` (already normalised by the rl-games model) returns
    ``(mu (B, A), log_std (B, A), value (B, 1), None)``.
    """

    def __init__(
        self,
        obs_layout: Any,
        num_obs: int,
        actions_num: int,
        units: Sequence[int],
        priv_units: Sequence[int],
        latent_dim: int,
        init_log_std: float = 0.0,
        value_size: int = 1,
    ) -> None:
        super().__init__()
        blocks = {name: (start, stop) for name, start, stop in normalize_layout(obs_layout, num_obs)}
        for need in (PROPRIO_BLOCK, PRIV_BLOCK):
            if need not in blocks:
                raise ValueError(
                    f"network {NETWORK_NAME}: obs_layout has no block {need!r} (blocks: {sorted(blocks)}); "
                    "the teacher needs env.priv_info=true"
                )
        self.prop = blocks[PROPRIO_BLOCK]
        self.priv = blocks[PRIV_BLOCK]
        priv_dim = self.priv[1] - self.priv[0]
        self.latent_dim = int(latent_dim)
        self.priv_mlp = nn.Sequential(
            _mlp(priv_dim, priv_units),
            nn.Linear(int(priv_units[-1]) if priv_units else priv_dim, self.latent_dim),
        )
        self.trunk = _mlp(self.prop[1] - self.prop[0] + self.latent_dim, units)
        last = int(units[-1])
        self.mu = nn.Linear(last, actions_num)
        self.value = nn.Linear(last, value_size)
        self.log_std = nn.Parameter(torch.full((actions_num,), float(init_log_std)))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        # A freshly initialised head outputs a state-independent mean of order 1, i.e. every joint target
        # drifts 1/24 rad per step in one direction and the grasp opens within ~5 steps (measured: 5-step
        # first episodes). A near-zero head starts from "hold the grasp" plus exploration noise.
        with torch.no_grad():
            self.mu.weight.mul_(MU_INIT_SCALE)

    def proprio(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, P) the proprioceptive block of a (normalised) observation."""
        return obs[:, self.prop[0] : self.prop[1]]

    def extrinsics(self, obs: torch.Tensor) -> torch.Tensor:
        """(B, latent) teacher latent z = tanh(encoder(priv_info))."""
        return torch.tanh(self.priv_mlp(obs[:, self.priv[0] : self.priv[1]]))

    def heads(self, proprio: torch.Tensor, latent: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mu (B, A), value (B, 1)) from the proprioception and a latent (the teacher's or the student's)."""
        h = self.trunk(torch.cat([proprio, latent], dim=-1))
        return self.mu(h), self.value(h)

    def forward(self, obs_dict: dict[str, torch.Tensor]):
        obs = obs_dict["obs"]
        mu, value = self.heads(self.proprio(obs), self.extrinsics(obs))
        return mu, self.log_std.expand_as(mu), value, None

    def is_separate_critic(self) -> bool:
        return False

    def is_rnn(self) -> bool:
        return False

    def get_default_rnn_state(self):
        return None

    def get_value_layer(self) -> nn.Module:
        return self.value


class HoraTeacherBuilder(NetworkBuilder):
    """rl-games builder; YAML ``network`` keys: ``units``, ``priv_units``, ``latent_dim``, ``init_log_std``
    and ``obs_layout`` (filled from the env by the adapter)."""

    def load(self, params: dict) -> None:
        self.params = params

    def build(self, name: str, **kwargs: Any) -> HoraTeacherNet:
        p = self.params
        if "obs_layout" not in p:
            raise KeyError(f"network.obs_layout missing: {NETWORK_NAME} is routed by obs block names")
        return HoraTeacherNet(
            obs_layout=p["obs_layout"],
            num_obs=int(kwargs["input_shape"][0]),
            actions_num=int(kwargs["actions_num"]),
            units=list(p.get("units", [512, 256, 128])),
            priv_units=list(p.get("priv_units", [256, 128])),
            latent_dim=int(p.get("latent_dim", 8)),
            init_log_std=float(p.get("init_log_std", 0.0)),
            value_size=int(kwargs.get("value_size", 1)),
        )


class AdaptTConv(nn.Module):
    """Temporal-convolution adaptation module: (B, T, F) history -> (B, latent) in (-1, 1).

    Per-frame MLP F -> F -> F (ReLU), then Conv1d(F, F, 9, stride 2), Conv1d(F, F, 5), Conv1d(F, F, 5)
    (ReLU) over time (T = 30 -> 11 -> 7 -> 3), flatten, linear, tanh. ``T`` must leave a positive length.
    """

    def __init__(self, frame_dim: int, hist_len: int, latent_dim: int) -> None:
        super().__init__()
        self.frame_dim, self.hist_len, self.latent_dim = int(frame_dim), int(hist_len), int(latent_dim)
        f = self.frame_dim
        self.channel = nn.Sequential(nn.Linear(f, f), nn.ReLU(), nn.Linear(f, f), nn.ReLU())
        self.temporal = nn.Sequential(
            nn.Conv1d(f, f, 9, stride=2),
            nn.ReLU(),
            nn.Conv1d(f, f, 5),
            nn.ReLU(),
            nn.Conv1d(f, f, 5),
            nn.ReLU(),
        )
        length = (self.hist_len - 9) // 2 + 1 - 4 - 4
        if length < 1:
            raise ValueError(f"AdaptTConv needs a history of at least 17 frames, got {hist_len}")
        self.out = nn.Linear(f * length, self.latent_dim)

    def forward(self, hist: torch.Tensor) -> torch.Tensor:
        x = self.channel(hist)  # (B, T, F)
        x = self.temporal(x.transpose(1, 2))  # (B, F, T')
        return torch.tanh(self.out(x.flatten(1)))


class AdaptMLP(nn.Module):
    """Adaptation module on the newest ``frames`` frames only: flatten (B, frames * F) -> MLP (ELU) -> linear
    -> tanh. The latent of this task is mostly the object's position in the hand, which the current finger
    configuration pins down; on teacher-driven data it regressed the latent with about half the held-out
    error of :class:`AdaptTConv` (docs/dev/2026-11-inhand-history.md, "Round 4")."""

    def __init__(
        self, frame_dim: int, hist_len: int, latent_dim: int, frames: int, units: Sequence[int]
    ) -> None:
        super().__init__()
        if not 1 <= frames <= hist_len:
            raise ValueError(f"AdaptMLP: frames must be in 1..{hist_len} (the history length), got {frames}")
        self.frame_dim, self.hist_len, self.latent_dim = int(frame_dim), int(hist_len), int(latent_dim)
        self.frames = int(frames)
        self.mlp = nn.Sequential(
            _mlp(self.frames * self.frame_dim, units), nn.Linear(int(units[-1]), latent_dim)
        )

    def forward(self, hist: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.mlp(hist[:, -self.frames :].flatten(1)))


def build_adapt(spec: dict[str, Any]) -> nn.Module:
    """The adaptation module described by ``spec`` (a student checkpoint's ``meta.student``): keys
    ``frame_dim``, ``hist_len``, ``latent_dim`` and ``adapt`` (``tconv``, the default, or ``mlp`` with
    ``frames`` and ``units``)."""
    f, t, z = int(spec["frame_dim"]), int(spec["hist_len"]), int(spec["latent_dim"])
    kind = spec.get("adapt", "tconv")
    if kind == "tconv":
        return AdaptTConv(f, t, z)
    if kind == "mlp":
        return AdaptMLP(f, t, z, int(spec["frames"]), [int(u) for u in spec["units"]])
    raise ValueError(f"unknown adaptation module {kind!r} (known: tconv, mlp)")


class RunningNorm(nn.Module):
    """Running mean / variance over all leading dims of (..., F) inputs (saved with the weights)."""

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.tensor(1e-4))
        self.eps = eps

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        flat = x.reshape(-1, x.shape[-1])
        b_mean, b_var, b_n = flat.mean(0), flat.var(0, unbiased=False), flat.shape[0]
        delta = b_mean - self.mean
        tot = self.count + b_n
        self.mean += delta * b_n / tot
        self.var = (self.var * self.count + b_var * b_n + delta**2 * self.count * b_n / tot) / tot
        self.count = tot

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x - self.mean) / torch.sqrt(self.var + self.eps)).clamp(-5.0, 5.0)
