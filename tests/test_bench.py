"""``python -m hot.bench grasps``: the datagen grasp-stage benchmark runs and reports consistent counts."""

from __future__ import annotations

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
