"""``python -m hot.bench grasps``: the datagen grasp-stage benchmark runs and reports consistent counts."""

from __future__ import annotations

import math
import re

from hot.bench import main


def test_bench_grasps_table(capsys) -> None:
    main(["grasps", "--hand", "mano", "--objects", "Bottle", "--candidates", "3"])
    rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| mano | Bottle |")]
    assert len(rows) == 1, rows
    m = re.match(
        r"\| mano \| Bottle \| (\d+) / 3 \| (\d+) % \| ([\d.]+) \| ([\d.]+) \| (\S+) / (\S+) \|", rows[0]
    )
    assert m, rows[0]
    valid, per_min, wall = int(m[1]), float(m[3]), float(m[4])
    assert 0 <= valid <= 3 and wall > 0
    assert abs(per_min - 60.0 * valid / wall) <= 0.1 + 0.01 * per_min
    if valid:  # the validity rule bounds penetration at 2 mm
        assert 0.0 <= float(m[5]) <= float(m[6]) <= 2.0


def test_steady_rate_leaves_out_the_first_epoch() -> None:
    # every epoch collects the same env-steps, so the rate over epochs 2.. is their harmonic mean; the first
    # epoch (network build, first reset) is not part of it
    from hot.bench import steady_rate

    hist = [{"epoch": 1.0, "env_steps_per_s": 100.0}, {"epoch": 2.0, "env_steps_per_s": 2000.0}]
    hist.append({"epoch": 3.0, "env_steps_per_s": 4000.0})
    assert abs(steady_rate(hist) - 2 / (1 / 2000 + 1 / 4000)) < 1e-9
    assert math.isnan(steady_rate(hist[:1])) and math.isnan(steady_rate([]))
