"""Why a failed test episode failed (hot.tasks.tracking.evaluate.failure_reason), on hand-made traces."""

from __future__ import annotations

import torch

from hot.tasks.tracking.evaluate import FAILURE_REASONS, failure_reason


def _trace(sim_z, ref_z, labels, sim_x=None, alive=None):
    """One env's per-step (sim obj pos, ref obj pos, label, alive) as evaluate records them (N = 1)."""
    t = len(sim_z)
    sim_x = sim_x or [0.0] * t
    alive = alive or [True] * t
    return [
        (
            torch.tensor([[sim_x[k], 0.0, sim_z[k]]]),
            torch.tensor([[0.0, 0.0, ref_z[k]]]),
            torch.tensor([float(labels[k])]),
            torch.tensor([alive[k]]),
        )
        for k in range(t)
    ]


LIFT = [0.1] * 5 + [0.1 + 0.05 * k for k in range(1, 6)]  # rests 5 steps, then lifted 25 cm
HELD = [0] * 4 + [1] * 6


def test_each_reason():
    assert failure_reason(_trace([0.1] * 10, LIFT, HELD), 0) == "not_lifted"
    slip = [0.1] * 5 + [0.15, 0.2, 0.15, 0.1, 0.1]  # rose with the hand, then fell back
    assert failure_reason(_trace(slip, LIFT, HELD), 0) == "dropped"
    pushed = [0.0, 0.01, 0.02, 0.04, 0.05] + [0.05] * 5  # slid 5 cm before the reference touches
    assert failure_reason(_trace([0.1] * 10, LIFT, HELD, sim_x=pushed), 0) == "knocked"
    place_ref, place_lab = [0.3] * 6 + [0.1] * 4, [1] * 6 + [0] * 4
    assert failure_reason(
        _trace([0.3] * 6 + [0.1] * 4, place_ref, place_lab, sim_x=[0.0] * 6 + [0.05] * 4), 0
    ) == ("placement")
    assert failure_reason(_trace(LIFT, LIFT, HELD, sim_x=[0.0] * 5 + [0.04] * 5), 0) == "off_track"
    assert set(FAILURE_REASONS) == {"knocked", "not_lifted", "dropped", "placement", "off_track"}


def test_only_the_steps_of_the_episode_count():
    """Steps after the episode ended (alive False) are ignored: a drop after the end is no drop."""
    slip = [0.1] * 5 + [0.15, 0.2, 0.25, 0.1, 0.1]
    alive = [True] * 8 + [False] * 2
    assert failure_reason(_trace(slip, LIFT, HELD, alive=alive), 0) == "off_track"
