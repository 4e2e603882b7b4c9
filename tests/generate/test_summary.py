"""``python -m hot.generate.summary``: one table over several objects' generator evaluations."""

from __future__ import annotations

import csv
import math

from hot.generate.summary import main, summary_rows


def _work(d, obj, generated, datagen):
    d.mkdir(parents=True)
    for kind, res in (("generated", generated), ("datagen", datagen)):
        with open(d / f"track_{kind}_clips.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["object", "skill", "clip", "success", "why"])
            for skill, ok in res:
                w.writerow([obj, skill, "c.pt", ok, ""])
    return d


def test_counts_ratios_and_per_object_cells(tmp_path, capsys):
    a = _work(
        tmp_path / "A",
        "Mug",
        [("grasp", 1), ("grasp", 0), ("move", 1)],
        [("grasp", 1), ("grasp", 1), ("move", 1)],
    )
    b = _work(tmp_path / "B", "Duck", [("grasp", 0)], [("grasp", 0)])
    assert main([str(a), str(b), "--out", str(tmp_path / "s")]) == 0
    with open(tmp_path / "s.csv") as f:
        rows = {r["skill"]: r for r in csv.DictReader(f)}
    assert (rows["grasp"]["generated"], rows["grasp"]["generated_n"], rows["grasp"]["datagen"]) == (
        "1",
        "3",
        "2",
    )
    assert math.isclose(float(rows["grasp"]["ratio"]), (1 / 3) / (2 / 3))
    assert math.isclose(float(rows["all"]["ratio"]), (2 / 4) / (3 / 4))
    md = (tmp_path / "s.md").read_text()
    assert "| Mug | 1/2 vs 2/2 | 1/1 vs 1/1 |" in md and "| Duck | 0/1 vs 0/1 | – |" in md


def test_no_datagen_success_gives_no_ratio():
    rows = summary_rows(
        [{"object": "X", "skill": "grasp", "kind": k, "success": 0} for k in ("generated", "datagen")]
    )
    assert math.isnan(rows[0]["ratio"])


def test_a_folder_without_results_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path), "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "track_generated_clips.csv: missing" in err and err.count("\n") == 1
