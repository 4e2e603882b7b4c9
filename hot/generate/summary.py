"""One table of generated vs datagen tracked success over several objects' evaluations.

    python -m hot.generate.summary WORK [WORK ...] --out docs/results/generate_eval_objects

Each ``WORK`` is the ``--work`` folder of one ``python -m hot.generate.evaluate`` run (one object); its
``track_generated_clips.csv`` and ``track_datagen_clips.csv`` hold one row per tracked clip. Writes
``OUT.md`` and ``OUT.csv``: per skill and in all, generated and datagen successes, their ratio (the
issue's target is 0.8), and per object. Bad input is one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from hot.utils.files import atomic_write_text

__all__ = ["main", "collect", "summary_rows"]

KINDS = ("generated", "datagen")


def collect(work_dirs: Sequence[Path]) -> list[dict]:
    """Every tracked clip of the runs: ``{"object", "skill", "kind", "success"}``."""
    out = []
    for w in work_dirs:
        for kind in KINDS:
            path = Path(w) / f"track_{kind}_clips.csv"
            if not path.is_file():
                raise FileNotFoundError(f"{path}: missing (is {w} the --work folder of an evaluation?)")
            with open(path, newline="") as f:
                for r in csv.DictReader(f):
                    out.append(
                        {
                            "object": r["object"],
                            "skill": r["skill"],
                            "kind": kind,
                            "success": int(float(r["success"])),
                        }
                    )
    return out


def _cell(clips: list[dict], kind: str) -> tuple[int, int]:
    sel = [c["success"] for c in clips if c["kind"] == kind]
    return sum(sel), len(sel)


def summary_rows(clips: list[dict]) -> list[dict]:
    """One row per skill (in first-seen order), then ``all``: successes and counts of both kinds, ratio."""
    skills = list(dict.fromkeys(c["skill"] for c in clips))
    rows = []
    for skill in [*skills, "all"]:
        sel = clips if skill == "all" else [c for c in clips if c["skill"] == skill]
        (g, gn), (d, dn) = _cell(sel, "generated"), _cell(sel, "datagen")
        ratio = (g / gn) / (d / dn) if gn and dn and d else float("nan")
        rows.append(
            {"skill": skill, "generated": g, "generated_n": gn, "datagen": d, "datagen_n": dn, "ratio": ratio}
        )
    return rows


def _pct(a: int, n: int) -> str:
    return f"{100 * a / n:.1f} % ({a}/{n})" if n else "–"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m hot.generate.summary", description=(__doc__ or "").split("\n")[0]
    )
    p.add_argument("work", nargs="+", help="--work folders of hot.generate.evaluate runs")
    p.add_argument("--out", required=True, help="output prefix (writes OUT.md and OUT.csv)")
    p.add_argument("--title", default="Generated vs datagen clips, tracked", help="heading of the page")
    args = p.parse_args(argv)
    try:
        clips = collect([Path(w) for w in args.work])
    except FileNotFoundError as e:
        print(f"python -m hot.generate.summary: error: {e}", file=sys.stderr)
        return 2
    rows = summary_rows(clips)
    objects = list(dict.fromkeys(c["object"] for c in clips))
    lines = [
        f"# {args.title}",
        "",
        f"Written by `python -m hot.generate.summary` from {len(args.work)} evaluation runs "
        f"({len(objects)} objects: {', '.join(objects)}).",
        "",
        "| skill | generated | datagen, same starts | ratio (target >= 0.8) |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        name = f"**{r['skill']}**" if r["skill"] == "all" else r["skill"]
        lines.append(
            f"| {name} | {_pct(r['generated'], r['generated_n'])} | {_pct(r['datagen'], r['datagen_n'])} | "
            f"{r['ratio']:.2f} |"
        )
    skills = [r["skill"] for r in rows[:-1]]
    lines += ["", "Per object (generated / datagen successes of tracked clips):", ""]
    lines += ["| object | " + " | ".join(skills) + " |", "|---|" + "---:|" * len(skills)]
    for o in objects:
        cells = []
        for s in skills:
            sel = [c for c in clips if c["object"] == o and c["skill"] == s]
            (g, gn), (d, dn) = _cell(sel, "generated"), _cell(sel, "datagen")
            cells.append(f"{g}/{gn} vs {d}/{dn}" if gn or dn else "–")
        lines.append(f"| {o} | " + " | ".join(cells) + " |")
    out = Path(args.out)
    atomic_write_text(out.with_name(out.name + ".md"), "\n".join(lines) + "\n")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(out.with_name(out.name + ".csv"), buf.getvalue())
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
