"""Typed settings of the motion generator (model, training, sampling), loaded by :mod:`hot.config.strict`.

The resolved :class:`GenerateConfig` is stored (as plain data) in every generator checkpoint, so a
checkpoint rebuilds its own model and decoding settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from hot.config.strict import NonNegFloat, NonNegInt, PosFloat, PosInt, Range, UnitFloat


@dataclass
class ModelConfig:
    """The DiT-style velocity network (``hot.generate.model.FlowDiT``)."""

    num_knots: Annotated[int, Range(ge=4, le=512)] = 64
    """N: a clip is resampled to N knots in normalised time (its length is a generated channel)."""
    width: Annotated[int, Range(ge=8, le=1024)] = 128
    """Token width d."""
    depth: Annotated[int, Range(ge=1, le=32)] = 4
    """Transformer blocks."""
    heads: Annotated[int, Range(ge=1, le=32)] = 4
    """Attention heads (must divide ``width``)."""
    mlp_ratio: Annotated[float, Range(gt=0, le=8)] = 2.0
    """Feed-forward width / token width."""


@dataclass
class TrainConfig:
    """Conditional flow-matching training (``python -m hot.generate.train``)."""

    steps: PosInt = 20000
    """Optimiser steps."""
    batch_size: PosInt = 64
    lr: PosFloat = 3e-4
    """Peak AdamW learning rate (linear warm-up, cosine decay)."""
    warmup: Annotated[int, Range(ge=0)] = 500
    weight_decay: NonNegFloat = 0.01
    drop_hand_init: UnitFloat = 0.3
    """Probability of hiding the initial hand pose (learned null), so sampling without it works."""
    drop_obj_init: UnitFloat = 0.15
    """Probability of hiding the initial object pose as well (then the geometry is given in the object frame)."""
    yaw_augment: bool = True
    """Rotate each training clip about the vertical through the object's start by a random yaw."""
    seed: Annotated[int, Range(ge=0)] = 0
    threads: Annotated[int, Range(ge=1, le=64)] = 1
    """torch intra-op threads."""
    log_every: PosInt = 200
    ckpt_every: PosInt = 2000
    ema: Annotated[float, Range(ge=0, lt=1)] = 0.999
    """Exponential moving average of the weights (the EMA weights are what is saved)."""


@dataclass
class SampleConfig:
    """Sampling and decoding of clips."""

    ode_steps: Annotated[int, Range(ge=1, le=1000)] = 32
    """Euler steps of the flow ODE from noise (t = 0) to data (t = 1)."""
    smooth_sigma: NonNegFloat = 0.6
    """Gaussian low-pass of every continuous channel, in knots (0: off); applied at frame rate after
    interpolation, so sigma in frames is ``smooth_sigma * T / N``."""
    rigid_hold: bool = True
    """Make the object follow the wrist rigidly on every run of contact-1 frames (mean in-hand transform,
    rotation projected onto SO(3)), keep it still while resting and ballistic in catch/throw flight."""
    settle: bool = True
    """With ``rigid_hold``: put resting runs on the platform (lowest hull vertex on its top), the held runs
    between rests carrying the height change (``postprocess.settle_on_support``)."""
    depenetrate: bool = True
    """Shift the wrist on held runs until the hand is at most ``depen_margin`` inside the object
    (``hot.generate.contact``; needs the object's convex pieces)."""
    depen_margin: Annotated[float, Range(ge=0.0, le=0.05)] = 0.006
    """Penetration (m) left alone: the training grasps squeeze the object (about 6 mm deep by
    ``hot.generate.metrics.hand_object_distance`` on the held-out Bottle grasps)."""
    grip_refine: bool = True
    """With ``rigid_hold``: replace each held run's grip by the nearest one that passes datagen's
    squeeze-and-hold test (``hot.generate.grip``); runs that start at a given initial hand are kept."""
    grip_dwell: NonNegInt = 24
    """With ``grip_refine``: frames inserted before each lift from a resting object in which the hand holds
    still at the grip and the fingers close (datagen's grasp clips close for about 25 frames); 0: none."""
    monotone_lift: NonNegFloat = 0.03
    """Heights (m) over which a held object leaves and reaches the support without dipping: from each lift
    off the support until the object is this high, its height never falls, and into each set-down from
    this high, it never rises (the hand moves with it, so the grip is unchanged; the model's raw clips lift,
    drop back and lift again, and the physics hand loses the object); 0: off
    (``postprocess.monotone_lift``)."""
    verify_tries: Annotated[int, Range(ge=0, le=32)] = 4
    """Draws per clip for the physics check (``hot.generate.verify``): each clip is replayed open loop through
    the hand's PD servos and drawn again while the replay fails, up to this many draws; 0 or 1: off."""
    ease_lift: bool = True
    """With ``monotone_lift``: lifts start from rest with datagen's acceleration (its lift speed reached
    over its ramp, ``hot.datagen.skills.SkillConfig``) instead of the model's sudden take-off."""
    max_step: Annotated[float, Range(ge=0.0, le=0.1)] = 0.012
    """Slow the clip down where the wrist or the object moves more than this (m) in a frame (the bound of
    datagen's clips); catch and throw flights are left alone; 0: off (``postprocess.limit_speed``)."""
    init_blend_knots: NonNegFloat = 6.0
    """Given an initial state, the gap between it and the generated first frame is removed with a weight
    decaying over this many knots (0: only the first frame is replaced)."""


@dataclass
class GenerateConfig:
    """Everything a generator checkpoint needs to be rebuilt and sampled."""

    hand: str = "mano"
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
