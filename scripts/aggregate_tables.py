#!/usr/bin/env python3
"""Sum ``hot.eval_table --policies`` tables (``test.sh POLICIES=...``) over several clip sets, e.g. seeds.

    python scripts/aggregate_tables.py docs/results/ablation_mano_bottle_s*.csv

prints one markdown row per (hand, object, skill, policy): successes over all sets, success on the clips that
fail open loop, and the episode-weighted mean errors and penetration (max: the largest).

    python scripts/aggregate_tables.py T.csv --group trained=Ball,Bowl --group unseen=Duck,Mug --csv S.csv

pools objects into named groups instead (objects in no group are left out), and ``--csv`` also writes the
rows in eval_table's CSV layout (``object`` = the group name), which scripts/status_table.py can read.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from pathlib import Path


def aggregate(
    paths: list[Path],
    groups: dict[str, str] | None = None,
    csv_out: Path | None = None,
    policy: str | None = None,
) -> list[str]:
    """Markdown rows (and, with ``csv_out``, a CSV) of the pooled tables; ``groups``: object -> group name;
    ``policy``: keep only that policy (``openloop`` or a checkpoint's file name)."""
    acc: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for path in paths:
        with path.open(newline="") as f:
            for r in csv.DictReader(f):
                if r["status"] != "ok":
                    continue
                obj = r["object"] if groups is None else groups.get(r["object"])
                if obj is None or (policy is not None and Path(r["policy"]).name != policy):
                    continue
                a = acc[(r["hand"], obj, r["skill"], Path(r["policy"]).name)]
                n = float(r["episodes"])
                a["n"] += n
                a["ok"] += n * float(r["success_rate"])
                k = float(r["openloop_failures"] or 0)
                a["fail_n"] += k
                a["fail_ok"] += k * float(r["success_on_openloop_failures"] or 0)
                for key in ("obj_pos_err_cm", "obj_rot_err_deg", "key_pos_err_cm", "penetration_mean_mm"):
                    a[key] += n * float(r[key])
                a["pen_max"] = max(a["pen_max"], float(r["penetration_max_mm"]))
    lines = [
        "| hand | object | skill | policy | success | on open-loop failures | E_op (cm) | E_or (deg) | E_h (cm) | "
        "pen. mean / max (mm) |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (hand, obj, skill, pol), a in sorted(acc.items(), key=lambda kv: (kv[0][2], kv[0][3])):
        n = a["n"]
        fail = f"{100 * a['fail_ok'] / a['fail_n']:.0f} % ({int(a['fail_n'])})" if a["fail_n"] else "–"
        name = "open loop" if pol == "openloop" else f"`{pol}`"
        lines.append(
            f"| {hand} | {obj} | {skill} | {name} | {100 * a['ok'] / n:.1f} % ({round(a['ok'])}/{int(n)}) | {fail} | "
            f"{a['obj_pos_err_cm'] / n:.2f} | {a['obj_rot_err_deg'] / n:.1f} | {a['key_pos_err_cm'] / n:.2f} | "
            f"{a['penetration_mean_mm'] / n:.2f} / {a['pen_max']:.1f} |"
        )
    if csv_out is not None:
        cols = ["hand", "object", "skill", "policy", "status", "episodes", "success_rate", "openloop_failures",
                "success_on_openloop_failures", "obj_pos_err_cm", "obj_rot_err_deg", "key_pos_err_cm",
                "penetration_mean_mm", "penetration_max_mm"]  # fmt: skip
        with csv_out.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            for (hand, obj, skill, pol), a in sorted(acc.items()):
                n = a["n"]
                w.writerow(
                    {
                        "hand": hand,
                        "object": obj,
                        "skill": skill,
                        "policy": pol,
                        "status": "ok",
                        "episodes": int(n),
                        "success_rate": a["ok"] / n,
                        "openloop_failures": int(a["fail_n"]),
                        "success_on_openloop_failures": a["fail_ok"] / a["fail_n"] if a["fail_n"] else "",
                        "obj_pos_err_cm": a["obj_pos_err_cm"] / n,
                        "obj_rot_err_deg": a["obj_rot_err_deg"] / n,
                        "key_pos_err_cm": a["key_pos_err_cm"] / n,
                        "penetration_mean_mm": a["penetration_mean_mm"] / n,
                        "penetration_max_mm": a["pen_max"],
                    }  # fmt: skip
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tables", nargs="+", type=Path, help="<out>.csv files of eval_table --policies")
    p.add_argument("--group", action="append", default=[], metavar="NAME=OBJ,OBJ", help="pool objects")
    p.add_argument("--csv", type=Path, default=None, help="also write the rows as an eval_table CSV")
    p.add_argument("--policy", default=None, help="only this policy: openloop or a checkpoint file name")
    args = p.parse_args(argv)
    missing = [str(t) for t in args.tables if not t.is_file()]
    if missing:
        p.exit(2, f"aggregate_tables.py: error: no such table: {missing[0]}\n")
    groups = None
    if args.group:
        groups = {}
        for g in args.group:
            name, sep, objs = g.partition("=")
            if not sep or not name or not objs:
                p.exit(2, f"aggregate_tables.py: error: --group {g!r}: expected NAME=OBJ,OBJ,...\n")
            groups.update({o.strip(): name for o in objs.split(",") if o.strip()})
    print("\n".join(aggregate(args.tables, groups, args.csv, args.policy)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
