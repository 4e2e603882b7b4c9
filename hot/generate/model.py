"""The velocity network of the flow-matching generator: a small DiT over the knots of a clip.

Tokens are the N knots (``hot.generate.features``); one global condition vector (flow time, skill,
object geometry, initial hand and object state) modulates every block through adaptive layer norm with
zero-initialised gates ("adaLN-Zero", Peebles & Xie, DiT). The object geometry goes through a tiny
PointNet (shared per-point MLP, max-pool), so any object with keypoints, seen or not, can be given.
Missing initial states are replaced by learned null vectors (trained by condition dropout).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from hot.generate.config import ModelConfig

__all__ = ["Condition", "FlowDiT", "timestep_embedding"]


@dataclass
class Condition:
    """A batch of conditions (B = batch size).

    Attributes:
        skill: (B,) long skill index.
        geom: (B, P, 3) normalised object keypoints (world axes, object-centred).
        hand_init: (B, 9 + F) normalised initial hand state; ignored where ``hand_mask`` is False.
        obj_init: (B, 7) normalised initial object state; ignored where ``obj_mask`` is False.
        hand_mask, obj_mask: (B,) bool, True where the state is given.
    """

    skill: torch.Tensor
    geom: torch.Tensor
    hand_init: torch.Tensor
    obj_init: torch.Tensor
    hand_mask: torch.Tensor
    obj_mask: torch.Tensor

    def index(self, idx: torch.Tensor) -> Condition:
        """The sub-batch ``idx``."""
        return Condition(*(getattr(self, f)[idx] for f in self.__dataclass_fields__))


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of ``t (B,)`` in [0, 1] -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = (t.float() * 1000.0).unsqueeze(-1) * freqs
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def _modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class _Block(nn.Module):
    def __init__(self, d: int, heads: int, mlp_ratio: float):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        hidden = int(d * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, d))
        self.ada = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        sh1, sc1, g1, sh2, sc2, g2 = self.ada(c).chunk(6, dim=-1)
        h = _modulate(self.norm1(x), sh1, sc1)
        q, k, v = self.qkv(h).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, d)
        x = x + g1.unsqueeze(1) * self.proj(a)
        x = x + g2.unsqueeze(1) * self.mlp(_modulate(self.norm2(x), sh2, sc2))
        return x


class FlowDiT(nn.Module):
    """Velocity field ``v(x_t, t | condition)`` over clips of N knots of D channels.

    Args:
        cfg: sizes (``ModelConfig``).
        feat_dim: D; hand_dim: 9 + F; obj_dim: 7; num_skills: size of the skill table.
    """

    pos: torch.Tensor  # knot position embedding (N, d), a non-persistent buffer

    def __init__(self, cfg: ModelConfig, feat_dim: int, hand_dim: int, obj_dim: int, num_skills: int):
        super().__init__()
        if cfg.width % cfg.heads:
            raise ValueError(f"model.width {cfg.width} is not a multiple of model.heads {cfg.heads}")
        d = cfg.width
        self.cfg = cfg
        self.inp = nn.Linear(feat_dim, d)
        pos = timestep_embedding(torch.linspace(0, 1, cfg.num_knots), d)
        self.register_buffer("pos", pos, persistent=False)
        self.t_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.skill = nn.Embedding(num_skills, d)
        self.point = nn.Sequential(nn.Linear(3, 64), nn.SiLU(), nn.Linear(64, d))
        self.geom_out = nn.Linear(d, d)
        self.hand = nn.Sequential(nn.Linear(hand_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.obj = nn.Sequential(nn.Linear(obj_dim, d), nn.SiLU(), nn.Linear(d, d))
        self.hand_null = nn.Parameter(torch.zeros(d))
        self.obj_null = nn.Parameter(torch.zeros(d))
        self.blocks = nn.ModuleList([_Block(d, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.depth)])
        self.norm_out = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.ada_out = nn.Linear(d, 2 * d)
        self.out = nn.Linear(d, feat_dim)
        for layer in (self.ada_out, self.out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def embed_condition(self, t: torch.Tensor, cond: Condition) -> torch.Tensor:
        """(B, d) global condition vector."""
        geom = self.geom_out(self.point(cond.geom).max(dim=1).values)
        hand = torch.where(cond.hand_mask.unsqueeze(-1), self.hand(cond.hand_init), self.hand_null)
        obj = torch.where(cond.obj_mask.unsqueeze(-1), self.obj(cond.obj_init), self.obj_null)
        temb = self.t_mlp(timestep_embedding(t, self.cfg.width))
        return F.silu(temb + self.skill(cond.skill) + geom + hand + obj)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Condition) -> torch.Tensor:
        """``x (B, N, D)`` at flow time ``t (B,)`` -> velocity ``(B, N, D)``."""
        c = self.embed_condition(t, cond)
        h = self.inp(x) + self.pos[: x.shape[1]]
        for blk in self.blocks:
            h = blk(h, c)
        shift, scale = self.ada_out(c).chunk(2, dim=-1)
        return self.out(_modulate(self.norm_out(h), shift, scale))
