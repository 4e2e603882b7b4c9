"""Where a physics step goes, and what the solver settings cost: ``python -m hot.bench profile``.

Two measurements on the hand closed on the object (the hold frames of the shipped grasp clips, fingers
oscillating ±0.02 rad so that contacts keep changing, as ``hot.bench sim``):

* **Time split** of one ``mj_step`` by MuJoCo's own timers (``mjData.timer``, clocked by
  ``mujoco.set_mjcb_time``): collision (broad and narrow phase), kinematics and inertia, constraint
  construction and projection, velocity and actuation, the constraint solver (no-slip included: MuJoCo
  times it inside the solver) and integration. Single thread, one ``MjData`` per world in turn.
* **Settings**: each variant of :data:`VARIANTS` changes one :class:`hot.sim.scene.SceneOptions` field;
  its batched physics rate (``mujoco.batch``, all threads) is measured in interleaved rounds with the
  default's and reported as the median ratio to it, with the mean contacts per world and the share of worlds whose hand
  touches the object (the contact load the rate was measured under). A variant's effect on grasp holding and tracking success is measured with the same settings
  in the env YAML's ``sim:`` section (``noslip_iterations``, ``cone``, ``iterations``, ``ls_iterations``,
  ``tolerance``) and ``python -m hot.eval_table --open_loop --cfg_env ...`` (docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import mujoco
import numpy as np

__all__ = ["TIMERS", "VARIANTS", "StepProfile", "profile_step", "profile_settings"]

TIMERS: tuple[tuple[str, str], ...] = (
    ("collision, broad phase", "mjTIMER_COL_BROAD"),
    ("collision, narrow phase", "mjTIMER_COL_NARROW"),
    ("kinematics + inertia", "mjTIMER_POS_KINEMATICS+mjTIMER_POS_INERTIA"),
    ("constraint construction", "mjTIMER_POS_MAKE"),
    ("constraint projection", "mjTIMER_POS_PROJECT"),
    ("velocity + actuation", "mjTIMER_VELOCITY+mjTIMER_ACTUATION"),
    ("constraint solver + no-slip", "mjTIMER_CONSTRAINT"),
    ("integration", "mjTIMER_ADVANCE"),
)
"""Rows of the time split: (label, MuJoCo timers summed, ``+``-separated)."""

VARIANTS: dict[str, dict] = {
    "default": {},
    "noslip_iterations=0": {"noslip_iterations": 0},
    "noslip_iterations=5": {"noslip_iterations": 5},
    "cone=pyramidal": {"cone": "pyramidal"},
    "iterations=20": {"iterations": 20},
    "ls_iterations=10": {"ls_iterations": 10},
    "tolerance=1e-6": {"tolerance": 1e-6},
    "joint_frictionloss=on": {"joint_frictionloss": True},
    "jacobian=auto": {"jacobian": "auto"},
    "frictionloss=on+auto": {"joint_frictionloss": True, "jacobian": "auto"},
}
"""Scene-option variants: one or two fields of :class:`hot.sim.scene.SceneOptions` changed."""


@dataclass
class StepProfile:
    """Result of :func:`profile_step`."""

    us_per_step: float
    """Wall time of one ``mj_step`` (µs), by ``mjTIMER_STEP``."""
    shares: dict[str, float]
    """Label of :data:`TIMERS` -> fraction of ``mjTIMER_STEP``; ``other`` is the rest."""
    contacts: float
    """Mean active contacts per world."""
    steps: int


def _timer(data: mujoco.MjData, names: str) -> float:
    return sum(float(data.timer[int(getattr(mujoco.mjtTimer, n))].duration) for n in names.split("+"))


def _world_setup(hand_name: str, obj_name: str, worlds: int, options):
    from hot.assets.hands import get_hand
    from hot.assets.objects import get_object
    from hot.bench import _held_states
    from hot.sim.scene import compile_scene

    hand = get_hand(hand_name)
    model, ix = compile_scene(hand, get_object(obj_name), 1.0, options)
    held = _held_states(hand_name, obj_name, worlds)
    if held is None:
        raise SystemExit(f"bench profile: no shipped grasp clips for {hand_name}/{obj_name} to start from")
    return model, ix, held


def profile_step(
    hand_name: str = "mano", obj_name: str = "bottle", worlds: int = 16, steps: int = 120, options=None
) -> StepProfile:
    """Time split of ``mj_step`` over ``worlds`` hold states, ``steps`` physics steps each (see module doc)."""
    model, ix, (dof0, obj_p, obj_q) = _world_setup(hand_name, obj_name, worlds, options)
    fingers = slice(6, dof0.shape[1])
    totals = dict.fromkeys([label for label, _ in TIMERS], 0.0)
    step_total, ncon, n = 0.0, 0.0, 0
    previous = mujoco.get_mjcb_time()
    mujoco.set_mjcb_time(time.perf_counter)
    try:
        for w in range(worlds):
            data = mujoco.MjData(model)
            data.qpos[ix.dof_qpos_adr] = dof0[w]
            data.qpos[ix.obj_qpos_adr] = np.concatenate([obj_p[w], obj_q[w]])
            mujoco.mj_forward(model, data)
            target = dof0[w].copy()
            for _ in range(20):  # settle into contact, untimed
                data.ctrl[ix.actuator_ids] = target
                mujoco.mj_step(model, data)
            for k in range(len(data.timer)):
                data.timer[k].duration = 0.0
                data.timer[k].number = 0
            for k in range(steps):
                target[fingers] = dof0[w, fingers] + 0.02 * math.sin(2 * math.pi * k * model.opt.timestep + w)
                data.ctrl[ix.actuator_ids] = target
                mujoco.mj_step(model, data)
                ncon += data.ncon
            step_total += _timer(data, "mjTIMER_STEP")
            for label, names in TIMERS:
                totals[label] += _timer(data, names)
            n += steps
    finally:
        mujoco.set_mjcb_time(previous)
    shares = {label: v / step_total for label, v in totals.items()}
    shares["other"] = max(0.0, 1.0 - sum(shares.values()))
    return StepProfile(us_per_step=1e6 * step_total / n, shares=shares, contacts=ncon / n, steps=n)


def profile_settings(
    hand_name: str = "mano",
    obj_name: str = "bottle",
    num_envs: int = 128,
    seconds: float = 2.0,
    variants: dict[str, dict] | None = None,
    rounds: int = 2,
) -> list[dict]:
    """Batched physics rate of each variant (:func:`hot.bench.bench_sim` with its options) and its ratio
    to the default's, plus single-thread µs per step (:func:`profile_step`).

    The variants are timed in ``rounds`` interleaved rounds (default first in each); a variant's ratio is the
    median over rounds of its rate over the default's rate of the same round, so that a load change on a
    shared machine during the run moves both sides of a ratio alike.
    """
    from hot.bench import bench_sim
    from hot.sim.scene import SceneOptions

    todo = dict(variants or VARIANTS)
    todo = {"default": todo.pop("default", {}), **todo}
    per: dict[str, list[dict]] = {name: [] for name in todo}
    for _ in range(rounds):
        for name, change in todo.items():
            opts = dataclasses.replace(SceneOptions(), **change)
            r = bench_sim(hand_name, obj_name, num_envs, seconds, options=opts)
            p = profile_step(hand_name, obj_name, worlds=8, steps=60, options=opts)
            per[name].append({"rate": r.batch_steps_per_s, "us": p.us_per_step, "solver": p.shares[
                "constraint solver + no-slip"], "contacts": r.mean_contacts, "touch": r.mean_hand_contact})  # fmt: skip
    rows = []
    for name, runs in per.items():
        ratios = [a["rate"] / b["rate"] for a, b in zip(runs, per["default"], strict=True)]
        rows.append(
            {
                "variant": name,
                "steps_per_s": float(np.median([a["rate"] for a in runs])),
                "ratio": float(np.median(ratios)),
                "us_per_step_single": float(np.median([a["us"] for a in runs])),
                "solver_share": float(np.median([a["solver"] for a in runs])),
                "contacts": float(np.mean([a["contacts"] for a in runs])),
                "hand_contact": float(np.mean([a["touch"] for a in runs])),
            }
        )
    return rows
