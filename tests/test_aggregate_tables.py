"""scripts/aggregate_tables.py: tables of several clip sets summed, and objects pooled into groups."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("aggregate_tables", ROOT / "scripts" / "aggregate_tables.py")
assert _spec is not None and _spec.loader is not None
agg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(agg)

COLS = ["hand", "object", "skill", "policy", "status", "episodes", "success_rate", "openloop_failures",
        "success_on_openloop_failures", "obj_pos_err_cm", "obj_rot_err_deg", "key_pos_err_cm",
        "penetration_mean_mm", "penetration_max_mm"]  # fmt: skip


def _table(path: Path, rows: list[tuple[str, str, int, float]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        for obj, skill, n, rate in rows:
            w.writerow({"hand": "mano", "object": obj, "skill": skill, "policy": "p.pth", "status": "ok",
                        "episodes": n, "success_rate": rate, "openloop_failures": "", "success_on_openloop_failures": "",
                        "obj_pos_err_cm": 1.0, "obj_rot_err_deg": 2.0, "key_pos_err_cm": 3.0,
                        "penetration_mean_mm": 4.0, "penetration_max_mm": 5.0})  # fmt: skip
    return path


def test_groups_pool_episodes_and_write_a_status_table_csv(tmp_path):
    t = _table(tmp_path / "t.csv", [("A", "grasp", 4, 1.0), ("B", "grasp", 6, 0.5), ("C", "grasp", 2, 0.0)])
    out = tmp_path / "s.csv"
    lines = agg.main([str(t), "--group", "seen=A,B", "--group", "new=C", "--csv", str(out)])
    assert lines == 0
    rows = {r["object"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == {"seen", "new"}
    assert int(rows["seen"]["episodes"]) == 10 and abs(float(rows["seen"]["success_rate"]) - 0.7) < 1e-9
    assert float(rows["new"]["success_rate"]) == 0.0
    # without groups every object keeps its row
    md = agg.aggregate([t])
    assert sum("| A |" in x or "| B |" in x or "| C |" in x for x in md) == 3


def test_policy_keeps_one_policy(tmp_path):
    t = _table(tmp_path / "t.csv", [("A", "grasp", 4, 1.0)])
    rows = list(csv.DictReader(t.open()))
    rows.append({**rows[0], "policy": "openloop", "success_rate": "0.25"})
    with t.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS)
        w.writeheader()
        w.writerows(rows)
    out = tmp_path / "one.csv"
    assert agg.main([str(t), "--policy", "openloop", "--csv", str(out)]) == 0
    kept = list(csv.DictReader(out.open()))
    assert [r["policy"] for r in kept] == ["openloop"] and float(kept[0]["success_rate"]) == 0.25
    assert len(agg.aggregate([t])) > len(agg.aggregate([t], policy="p.pth"))
