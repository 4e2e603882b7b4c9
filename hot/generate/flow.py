"""Conditional flow matching (rectified flow / linear interpolant).

Training pairs noise ``x0 ~ N(0, I)`` with a data clip ``x1`` at a time ``t ~ U(0, 1)``:
``x_t = (1 - t) x0 + t x1``, and the network regresses the constant velocity ``x1 - x0`` (mean
squared error). Sampling integrates ``dx/dt = v(x, t)`` from noise at t = 0 to t = 1 with Euler
steps; all randomness comes from one ``torch.Generator``, so a seed fixes the output.
"""

from __future__ import annotations

import torch

from hot.generate.model import Condition, FlowDiT

__all__ = ["flow_matching_loss", "sample_flow"]


def flow_matching_loss(
    model: FlowDiT, x1: torch.Tensor, cond: Condition, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Scalar flow-matching loss of a batch ``x1 (B, N, D)`` (normalised features)."""
    b = x1.shape[0]
    x0 = torch.randn(x1.shape, generator=generator, dtype=x1.dtype)
    t = torch.rand(b, generator=generator, dtype=x1.dtype)
    xt = (1 - t[:, None, None]) * x0 + t[:, None, None] * x1
    return torch.mean((model(xt, t, cond) - (x1 - x0)) ** 2)


@torch.no_grad()
def sample_flow(
    model: FlowDiT, cond: Condition, shape: tuple[int, int, int], steps: int, generator: torch.Generator
) -> torch.Tensor:
    """Integrate the flow from seeded noise: ``(B, N, D)`` normalised features."""
    x = torch.randn(shape, generator=generator)
    dt = 1.0 / steps
    for i in range(steps):
        t = torch.full((shape[0],), i * dt)
        x = x + dt * model(x, t, cond)
    return x
