"""Normalisation of knot features and the assembly of a model :class:`~hot.generate.model.Condition`.

Initial states reuse the knot statistics: ``hand_init`` is the first ``9 + F`` channels of a knot and
``obj_init`` the object's height and rot6d, so one (mean, std) pair normalises all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from hot.datagen.kinematics import rot6d_to_matrix
from hot.generate.data import GEOM_SCALE
from hot.generate.features import hand_init_of, layout, obj_init_of
from hot.generate.model import Condition

__all__ = ["Normalizer", "make_condition", "condition_from_knots"]


@dataclass
class Normalizer:
    """Per-channel ``mean``/``std`` ``(D,)`` of the knot features of a hand with ``num_fingers`` fingers."""

    mean: torch.Tensor
    std: torch.Tensor
    num_fingers: int

    def norm(self, knots: torch.Tensor) -> torch.Tensor:
        """``(..., N, D)`` raw -> normalised."""
        return (knots - self.mean) / self.std

    def denorm(self, x: torch.Tensor) -> torch.Tensor:
        """``(..., N, D)`` normalised -> raw."""
        return x * self.std + self.mean

    def _obj_idx(self) -> torch.Tensor:
        lay = layout(self.num_fingers)
        z = lay["obj_pos"].start + 2
        return torch.cat([torch.tensor([z]), torch.arange(lay["obj_r6"].start, lay["obj_r6"].stop)])

    def norm_hand_init(self, h: torch.Tensor) -> torch.Tensor:
        """``(..., 9 + F)`` raw initial hand state -> normalised."""
        k = h.shape[-1]
        return (h - self.mean[:k]) / self.std[:k]

    def norm_obj_init(self, o: torch.Tensor) -> torch.Tensor:
        """``(..., 7)`` raw initial object state (height, rot6d) -> normalised."""
        idx = self._obj_idx()
        return (o - self.mean[idx]) / self.std[idx]


def make_condition(
    norm: Normalizer,
    skill: torch.Tensor,
    keypoints: torch.Tensor,
    hand_init: torch.Tensor,
    obj_init: torch.Tensor,
    hand_mask: torch.Tensor,
    obj_mask: torch.Tensor,
) -> Condition:
    """A model condition from raw values.

    Args:
        skill: (B,) long. keypoints: (B, P, 3) object-frame keypoints (m).
        hand_init: (B, 9 + F) raw; obj_init: (B, 7) raw (height, rot6d); rows where the mask is
            False may hold anything (zeros).
        hand_mask, obj_mask: (B,) bool, True where the state is given.

    The geometry is rotated by the initial object orientation where it is given, else left in the
    object frame.
    """
    rot = rot6d_to_matrix(obj_init[:, 1:7])  # (B, 3, 3)
    rotated = torch.einsum("bij,bpj->bpi", rot, keypoints)
    geom = torch.where(obj_mask[:, None, None], rotated, keypoints) / GEOM_SCALE
    hand = torch.where(hand_mask[:, None], norm.norm_hand_init(hand_init), torch.zeros_like(hand_init))
    obj = torch.where(obj_mask[:, None], norm.norm_obj_init(obj_init), torch.zeros_like(obj_init))
    return Condition(
        skill=skill, geom=geom, hand_init=hand, obj_init=obj, hand_mask=hand_mask, obj_mask=obj_mask
    )


def condition_from_knots(
    norm: Normalizer,
    knots: torch.Tensor,
    skill: torch.Tensor,
    keypoints: torch.Tensor,
    hand_mask: torch.Tensor,
    obj_mask: torch.Tensor,
) -> Condition:
    """The condition of raw clips ``knots (B, N, D)``: their own first frame (masked as given)."""
    return make_condition(
        norm,
        skill,
        keypoints,
        hand_init_of(knots, norm.num_fingers),
        obj_init_of(knots, norm.num_fingers),
        hand_mask,
        obj_mask,
    )
