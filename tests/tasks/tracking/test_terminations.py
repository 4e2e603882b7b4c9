"""Early termination thresholds and timeouts (spec §5.6): each rule just below vs just above."""

from __future__ import annotations

import pytest
import torch

from hot.tasks.tracking.config import TerminationCfg
from hot.tasks.tracking.terminations import compute_reset, early_termination, timeout

EPS = 1e-3


def _term(progress, e_op=0.0, e_or=0.0, e_h=0.0, contact=False):
    t = lambda v: torch.tensor([v], dtype=torch.float32)  # noqa: E731
    return bool(
        early_termination(torch.tensor([progress]), t(e_op), t(e_or), t(e_h), torch.tensor([contact]))[0]
    )


@pytest.mark.parametrize(
    "field, contact, limit",
    [
        ("e_op", True, 8.0),
        ("e_or", True, 90.0),
        ("e_h", True, 15.0),
        ("e_op", False, 10.0),
        ("e_or", False, 90.0),
        ("e_h", False, 20.0),
    ],
)
def test_each_threshold_is_strict(field, contact, limit):
    assert not _term(6, contact=contact, **{field: limit})
    assert not _term(6, contact=contact, **{field: limit - EPS})
    assert _term(6, contact=contact, **{field: limit + EPS})


def test_contact_selects_the_tighter_thresholds():
    assert _term(6, e_op=9.0, contact=True) and not _term(6, e_op=9.0, contact=False)
    assert _term(6, e_h=16.0, contact=True) and not _term(6, e_h=16.0, contact=False)


def test_only_after_progress_5():
    assert not _term(5, e_op=1e3, e_or=1e3, e_h=1e3)
    assert _term(6, e_op=1e3)
    th = TerminationCfg(min_progress=10)
    z = torch.zeros(1)
    assert not early_termination(torch.tensor([10]), z + 99, z, z, torch.tensor([False]), th)[0]


def test_timeout_train_and_test():
    lengths = torch.tensor([60, 60])
    assert timeout(torch.tensor([58, 59]), lengths).tolist() == [False, True]
    p = torch.tensor([59, 98, 99])
    z = torch.zeros(3)
    no = torch.zeros(3, dtype=torch.bool)
    reset, term = compute_reset(p, z, z, z, no, torch.full((3,), 60), enable_early_termination=True)
    assert reset.tolist() == [True, True, True] and not term.any()
    reset, term = compute_reset(
        p, z, z, z, no, torch.full((3,), 60), enable_early_termination=True, test_episode_length=100
    )
    assert reset.tolist() == [False, False, True] and not term.any()


def test_reset_includes_terminate_and_flag_disables_it():
    p = torch.tensor([10, 10])
    e_op = torch.tensor([50.0, 0.0])
    z = torch.zeros(2)
    no = torch.zeros(2, dtype=torch.bool)
    lengths = torch.tensor([60, 60])
    reset, term = compute_reset(p, e_op, z, z, no, lengths, enable_early_termination=True)
    assert term.tolist() == [True, False] and reset.tolist() == [True, False]
    reset, term = compute_reset(p, e_op, z, z, no, lengths, enable_early_termination=False)
    assert not term.any() and not reset.any()
