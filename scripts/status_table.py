#!/usr/bin/env python3
"""Write README.md's status tables from the shipped result files, never by hand.

Every figure in the block between ``<!-- status:begin -->`` and ``<!-- status:end -->`` of README.md comes
from a machine-readable file under ``docs/results/``: the ``--results PREFIX.json`` files of ``hot/run.py
--test`` / ``--task OpenLoop``, the ``.csv`` tables of ``hot.eval_table`` / ``test.sh``, and the
``--eval-out`` files of ``hot eval`` (in-hand rotation). A figure that exists only as prose in a page is
left out. Which file feeds which row is listed below (ROWS); a later file overrides an earlier one for the
same cell (a newer, larger measurement of the same clips).

    python scripts/status_table.py          # rewrite the block
    python scripts/status_table.py --check  # exit 1 when README.md's block differs (tests/test_docs.py)
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
README = ROOT / "README.md"
BEGIN, END = "<!-- status:begin -->", "<!-- status:end -->"
SKILLS = ("grasp", "move", "place", "regrasp", "rotate", "catch", "throw", "freemove", "long")


def _mano_teacher(o: str, session: int) -> str:
    """Label of a MANO ``_stiff`` teacher as it was in ``session``: Bottle and Box were replaced in session 20."""
    o = o.lower()
    label = f"MANO teacher `mano_{o}_grasp-move-place_stiff.pth`, stiff YAML"
    if o in ("bottle", "box"):
        label += " (session 19, replaced in session 20)" if session < 20 else " (session 20)"
    return label


def _stiff_pair_rows(folder: str, seeds: tuple[str, str, str], student: bool) -> list[tuple[str, str, dict]]:
    """POLICIES rows of one fresh pair made with the generator's stiff contacts: the MANO ``_stiff`` teachers (and,
    with ``student``, the 3-object student with Sword), open loop, Shadow before and after its stiff fine-tune, and
    Allegro. ``seeds``: the MANO, Shadow and Allegro seed pairs."""
    mano, shadow, allegro = seeds
    objects = ("Bottle", "Box", "Hammer", "Sword") if student else ("Bottle", "Box", "Hammer")
    rows = [
        (_mano_teacher(o, 19), f"{o.title()} (seeds {mano})", {"*": f"{folder}/teacher_{o}.csv"})
        for o in ("bottle", "box", "hammer")
    ]
    if student:
        rows += [
            (
                "MANO student `mano_3obj_student_closure_free.pth`, its YAML",
                f"{o} (seeds {mano}{', never trained on' if o == 'Sword' else ''})",
                {"*": f"{folder}/student_{o.lower()}.csv"},
            )
            for o in objects
        ]
    rows += [
        (
            "open-loop replay of the reference (no policy), stiff contacts",
            f"{o} (seeds {mano})",
            {"*": f"{folder}/openloop_{o.lower()}.csv"},
        )
        for o in objects
    ]
    shadow_ckpt = "Shadow teacher, stiff contacts, no closure prior (replaced on 2026-12-06, session 20)"
    allegro_ckpt = "Allegro teacher `checkpoint/allegro/allegro_bottle_grasp-move-place.pth` (grasp priors, stiff contacts)"
    for label, hand_seeds, file in (
        ("Shadow teacher, soft contacts (replaced on 2026-12-06)", shadow, "teacher_shadow"),
        ("open-loop replay of the reference (no policy), Shadow, soft contacts", shadow, "openloop_shadow"),
        (shadow_ckpt, shadow, "teacher_shadow_new"),
        (
            "open-loop replay of the reference (no policy), Shadow, stiff contacts",
            shadow,
            "openloop_shadow_new",
        ),
        (allegro_ckpt, allegro, "teacher_allegro"),
        (
            "open-loop replay of the reference (no policy), Allegro, stiff contacts",
            allegro,
            "openloop_allegro",
        ),
    ):
        rows.append((label, f"Bottle (seeds {hand_seeds})", {"*": f"{folder}/{file}.csv"}))
    return rows


def _checked_pair_rows(
    folder: str,
    seeds: tuple[str, ...],
    variants=(("", "checked clips"), ("unchecked_", "--open_loop_check none")),
) -> list[tuple[str, str, dict]]:
    """POLICIES rows of a fresh pair made by the generator with its open-loop check (its default since session
    20), then of the same seeds made without it (``unchecked_*`` files): the MANO ``_stiff`` teachers (those of
    session 19, then, where a ``new_teacher_*`` file exists, those of session 20), the 3-object student (and
    Sword), Shadow and Allegro, each beside the open-loop replay of its clips. ``seeds``: the MANO, Shadow and
    Allegro seed pairs, or only MANO's (no Shadow, Allegro rows)."""
    mano, hands = seeds[0], seeds[1:]
    rows = []
    for prefix, clips in variants:
        for o in ("Bottle", "Box", "Hammer", "Sword"):
            obj = f"{o} (seeds {mano}, {clips}{', never trained on' if o == 'Sword' else ''})"
            if o != "Sword":
                new = RESULTS / folder / f"{prefix}new_teacher_{o.lower()}.csv"
                rows.append(
                    (
                        _mano_teacher(o, 19 if new.is_file() else 20),
                        obj,
                        {"*": f"{folder}/{prefix}teacher_{o.lower()}.csv"},
                    )
                )
                if new.is_file():
                    rows.append((_mano_teacher(o, 20), obj, {"*": f"{folder}/{new.name}"}))
            rows.append(
                (
                    "MANO student `mano_3obj_student_closure_free.pth`, its YAML",
                    obj,
                    {"*": f"{folder}/{prefix}student_{o.lower()}.csv"},
                )
            )
            stiff = RESULTS / folder / f"{prefix}student_stiff_{o.lower()}.csv"
            if stiff.is_file():  # the student distilled from the `_stiff` teachers (session 21)
                rows.append(
                    (
                        "MANO student `mano_3obj_student_stiff.pth`, stiff YAML",
                        obj,
                        {"*": f"{folder}/{stiff.name}"},
                    )
                )
            rows.append(
                (
                    "open-loop replay of the reference (no policy)"
                    + (", the student's YAML" if o == "Sword" else ""),
                    obj,
                    {"*": f"{folder}/{prefix}openloop_{o.lower()}.csv"},
                )
            )
        for hand, hand_seeds, ckpt in zip(
            ("shadow", "allegro"),
            hands,
            ("grasp-closure prior, stiff contacts", "grasp priors, stiff contacts"),
            strict=False,  # a MANO-only pair has no Shadow and Allegro seeds
        ):
            obj = f"Bottle (seeds {hand_seeds}, {clips})"
            rows.append(
                (
                    f"{hand.title()} teacher `checkpoint/{hand}/{hand}_bottle_grasp-move-place.pth` ({ckpt})",
                    obj,
                    {"*": f"{folder}/{prefix}teacher_{hand}.csv"},
                )
            )
            rows.append(
                (
                    f"open-loop replay of the reference (no policy), {hand.title()}",
                    obj,
                    {"*": f"{folder}/{prefix}openloop_{hand}.csv"},
                )
            )
    return rows


# Policies tested on held-out clips (datagen seed 1): (label, object, {skill: file}); a .json of
# hot/run.py --results (its "all" row) or a .csv of hot.eval_table (the row of that object and skill).
POLICIES = [
    (
        "MANO teacher `checkpoint/mano/mano_bottle_grasp-move-place.pth`",
        "Bottle",
        {"*": "teacher_mano_bottle_heldout_seed1.csv"},  # the 150-epoch teacher shipped since December
    ),
    # the 15-object student on dexgrasp_heldout_mano_20obj (seed 101), objects pooled by
    # scripts/aggregate_tables.py --group trained=... --group unseen=... (docs/DISTILLATION.md)
    (
        "MANO student `checkpoint/mano/mano_15obj_student.pth`",
        "trained (14 objects with held-out clips)",
        {"*": "student_15obj_summary.csv"},
    ),
    (
        "MANO student `checkpoint/mano/mano_15obj_student.pth`",
        "unseen (Duck, Mug, Phone, Stapler, Sword, TennisBall)",
        {"*": "student_15obj_summary.csv"},
    ),
    (
        "open-loop replay of the reference (no policy)",
        "trained (the same 14 objects)",
        {"*": "openloop_15obj_summary.csv"},
    ),
    (
        "open-loop replay of the reference (no policy)",
        "unseen (the same 6 objects)",
        {"*": "openloop_15obj_summary.csv"},
    ),
    ("MANO student `checkpoint/mano/mano_3obj_student.pth`", "Bottle", {"*": "student_3obj_heldout.csv"}),
    ("MANO student `checkpoint/mano/mano_3obj_student.pth`", "Box", {"*": "student_3obj_heldout.csv"}),
    ("MANO student `checkpoint/mano/mano_3obj_student.pth`", "Hammer", {"*": "student_3obj_heldout.csv"}),
    (
        "MANO student `checkpoint/mano/mano_3obj_student.pth`",
        "Sword (never trained on)",
        {"*": "student_3obj_heldout.csv"},
    ),
    (
        "open-loop replay of the reference (no policy)",
        "Bottle",
        {s: f"openloop_mano_bottle_{s}.json" for s in ("grasp", "move", "place")},
    ),
    # fresh datagen seeds 101 + 103 (session 16): shipped teachers, and those with the grasp-closure prior
    *[
        (
            f"MANO teacher `mano_{o}_grasp-move-place{tag}.pth`{note}",
            f"{o.title()} (seeds 101, 103)",
            {"*": f"closure/teacher{tag}_{o}_s101_103.csv"},
        )
        for tag, note in (("", ""), ("_closure", ", closure YAML"))
        for o in ("bottle", "box", "hammer")
    ],  # fmt: skip
    *[
        (
            f"MANO student `mano_3obj_student{tag}.pth`{note}",
            f"{o}",
            {"*": f"closure/student{tag}_{o.split()[0].lower()}_s{seeds}.csv"},
        )
        for tag, note in (("", ""), ("_closure", ", closure YAML"))
        for o, seeds in (
            ("Bottle (seeds 101, 103)", "101_103"),
            ("Box (seeds 101, 103)", "101_103"),
            ("Hammer (seeds 101, 103)", "101_103"),
            ("Sword (seed 101, never trained on)", "101"),
        )
    ],  # fmt: skip
    # fresh datagen seeds 137 + 139 (session 17): the grasp priors (docs/grasp_priors.md)
    *[
        (
            f"MANO teacher `mano_{o}_grasp-move-place{tag}.pth`, {yaml} YAML",
            f"{o.title()} (seeds 137, 139)",
            {"*": f"free/teacher{tag}_{o}_s137_139.csv"},
        )
        for tag, yaml, objs in (
            ("_closure", "closure", ("bottle", "box", "hammer")),
            ("_closure_free", "closure_free", ("box", "hammer")),
        )
        for o in objs
    ],  # fmt: skip
    *[
        (
            f"MANO student `mano_3obj_student{tag}.pth`, {yaml} YAML",
            f"{o} (seeds 137, 139{note})",
            {"*": f"free/student{tag}_{o.lower()}_s137_139.csv"},
        )
        for tag, yaml in (("_closure", "closure"), ("_closure_free", "closure_free"))
        for o, note in (("Bottle", ""), ("Box", ""), ("Hammer", ""), ("Sword", ", never trained on"))
    ],  # fmt: skip
    # Shadow and Allegro on fresh datagen seeds (session 17)
    (
        "Shadow teacher, soft contacts (replaced on 2026-12-06)",
        "Bottle (seeds 145, 147)",
        {"*": "free/teacher_shadow_s145_147.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Shadow",
        "Bottle (seeds 145, 147)",
        {"*": "free/openloop_shadow_s145_147.csv"},
    ),
    (
        "Allegro teacher with grasp priors, soft contacts (replaced on 2026-12-06)",
        "Bottle (seeds 141, 143)",
        {"*": "free/teacher_allegro_s141_143.csv"},
    ),
    (
        "Allegro teacher it replaced (no prior)",
        "Bottle (seeds 141, 143)",
        {"*": "free/teacher_allegro_before_s141_143.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Allegro",
        "Bottle (seeds 141, 143)",
        {"*": "free/openloop_allegro_s141_143.csv"},
    ),
    # a second fresh pair per hand (session 18): MANO 149 + 151, Shadow 153 + 155, Allegro 157 + 159
    *[
        (
            f"MANO teacher `mano_{o}_grasp-move-place{tag}.pth`",
            f"{o.title()} (seeds 149, 151)",
            {"*": f"seeds_149_159/teacher_{o}.csv"},
        )
        for o, tag in (("bottle", "_closure"), ("box", "_closure_free"), ("hammer", "_closure"))
    ],  # fmt: skip
    *[
        (
            "MANO student `mano_3obj_student_closure_free.pth`",
            f"{o} (seeds 149, 151{note})",
            {"*": f"seeds_149_159/student_{o.lower()}.csv"},
        )
        for o, note in (("Bottle", ""), ("Box", ""), ("Hammer", ""), ("Sword", ", never trained on"))
    ],  # fmt: skip
    *[
        (
            "open-loop replay of the reference (no policy), closure prior",
            f"{o} (seeds 149, 151)",
            {"*": f"seeds_149_159/openloop_{o.lower()}.csv"},
        )
        for o in ("Bottle", "Box", "Hammer", "Sword")
    ],  # fmt: skip
    (
        "Shadow teacher, soft contacts (replaced on 2026-12-06)",
        "Bottle (seeds 153, 155)",
        {"*": "seeds_149_159/teacher_shadow.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Shadow",
        "Bottle (seeds 153, 155)",
        {"*": "seeds_149_159/openloop_shadow.csv"},
    ),
    (
        "Allegro teacher with grasp priors, soft contacts (replaced on 2026-12-06)",
        "Bottle (seeds 157, 159)",
        {"*": "seeds_149_159/teacher_allegro.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Allegro",
        "Bottle (seeds 157, 159)",
        {"*": "seeds_149_159/openloop_allegro.csv"},
    ),
    # a third and a fourth fresh pair per hand (session 19), clips made with the generator's stiff object contacts
    # (its default since then); the third also with the student and Sword (docs/results/seeds_{171_181,211_221}/)
    *_stiff_pair_rows("seeds_171_181", ("171, 173", "175, 177", "179, 181"), student=True),
    *_stiff_pair_rows("seeds_211_221", ("211, 213", "215, 217", "219, 221"), student=False),
    # a fifth pair (session 20): the generator with its open-loop check, and the same seeds without it
    *_checked_pair_rows("seeds_261_271", ("261, 263", "265, 267", "269, 271")),
    # a sixth pair (session 20, MANO only): the teachers and student as shipped at its end, the generator's default
    *_checked_pair_rows("seeds_281_283", ("281, 283",), variants=(("", "checked clips"),)),
    # a seventh pair (session 21), all three hands, the generator's default: the policies shipped at its end
    *_checked_pair_rows(
        "seeds_503_513", ("503, 505", "507, 509", "511, 513"), variants=(("", "checked clips"),)
    ),
    # Shadow: held-out sets of datagen seeds 7 and 11 (the training clips are seed 0), checkpoint = last epoch
    (
        "Shadow teacher, soft contacts (replaced on 2026-12-06)",
        "Bottle (seed 7)",
        {"*": "teacher_shadow_bottle_heldout.csv"},
    ),
    (
        "Shadow teacher, soft contacts (replaced on 2026-12-06)",
        "Bottle (seed 11)",
        {"*": "teacher_shadow_bottle_heldout2.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Shadow",
        "Bottle (seed 7)",
        {"*": "openloop_shadow_bottle_heldout.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Shadow",
        "Bottle (seed 11)",
        {"*": "openloop_shadow_bottle_heldout2.csv"},
    ),
    # Allegro: the same held-out seeds; training clips: datagen seed 3
    (
        "Allegro teacher before the grasp priors (replaced on 2026-12-06)",
        "Bottle (seed 7)",
        {"*": "teacher_allegro_bottle_heldout.csv"},
    ),
    (
        "Allegro teacher before the grasp priors (replaced on 2026-12-06)",
        "Bottle (seed 11)",
        {"*": "teacher_allegro_bottle_heldout2.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Allegro",
        "Bottle (seed 7)",
        {"*": "openloop_allegro_bottle_heldout.csv"},
    ),
    (
        "open-loop replay of the reference (no policy), Allegro",
        "Bottle (seed 11)",
        {"*": "openloop_allegro_bottle_heldout2.csv"},
    ),
    (
        "open-loop replay of the reference (no policy)",
        "Sword",
        {s: f"openloop_mano_sword_heldout_{s}.json" for s in ("grasp", "move", "place")},
    ),
]

# The six skills beyond grasp/move/place, held-out sets of datagen seeds 7, 11 and 13 (docs/skills.md):
# (policy, object, files), later files win per skill.
OTHER_SKILLS = ("regrasp", "rotate", "catch", "throw", "freemove", "long")
_SK_TEACHERS = "MANO teachers `mano_bottle_regrasp-rotate-throw-freemove-long.pth`, `mano_bottle_catch.pth`"
# Catch: the clips of seeds 47/53/59 (catch only), made after the catch design put the object's centre over
# the palm (session 15); the seed 7/11/13 catch files are of the earlier design and its teacher, so they are
# left out here (docs/skills.md keeps them).
OTHER = [
    (label, f"Bottle (seed {seed})", [f"{kind}_mano_bottle_{what}_s{seed}.csv"])
    for kind, label in (
        ("teacher", _SK_TEACHERS),
        ("student_multiskill", "MANO eight-skill student `mano_bottle_multiskill_student.pth`"),
        ("openloop", "open-loop replay of the reference (no policy)"),
    )
    for what, seed in (
        ("skills", 7),
        ("skills", 11),
        ("skills", 13),
        ("catch", 47),
        ("catch", 53),
        ("catch", 59),
    )
]

# Open-loop replay of the shipped clips, per (hand, object, set): files in order, later ones win per skill.
OPEN_LOOP = [
    (
        "MANO",
        "Bottle",
        "held-out",
        [f"openloop_mano_bottle_{s}.json" for s in ("grasp", "move", "place", "freemove")],
    ),
    ("MANO", "Box", "held-out", ["openloop_mano_heldout_other_skills.csv", "openloop_mano_heldout_long.csv"]),
    (
        "MANO",
        "Hammer",
        "held-out",
        ["openloop_mano_heldout_other_skills.csv", "openloop_mano_heldout_long.csv"],
    ),
    (
        "MANO",
        "Sword",
        "held-out",
        [f"openloop_mano_sword_heldout_{s}.json" for s in ("grasp", "move", "place")]
        + ["openloop_mano_heldout_other_skills.csv", "openloop_mano_heldout_long.csv"],
    ),
    (
        "MANO",
        "Bottle",
        "training",
        [
            "openloop_mano_train_other_skills.csv",
            "openloop_mano_train_regrasp.csv",
            "openloop_mano_train_long.csv",
            "openloop_mano_bottle_catch_train.csv",  # catch clips regenerated in session 15 (centre over the palm)
        ],
    ),
    (
        "MANO",
        "Box",
        "training",
        [
            "openloop_mano_train_other_skills.csv",
            "openloop_mano_train_regrasp.csv",
            "openloop_mano_train_long_box_hammer_sword.csv",
        ],
    ),
    (
        "MANO",
        "Hammer",
        "training",
        [
            "openloop_mano_hammer_train_gmp.csv",
            "openloop_mano_train_other_skills.csv",
            "openloop_mano_train_regrasp.csv",
            "openloop_mano_train_long_box_hammer_sword.csv",
        ],
    ),
    (
        "MANO",
        "Sword",
        "training",
        [
            "openloop_mano_sword_train_gmp.csv",
            "openloop_mano_train_other_skills.csv",
            "openloop_mano_train_regrasp.csv",
            "openloop_mano_train_long_box_hammer_sword.csv",
        ],
    ),
    (
        "Shadow",
        "Bottle",
        "training",
        [
            "openloop_shadow_bottle.csv",
            "openloop_shadow_bottle_regrasp_long.csv",
            "openloop_shadow_bottle_grasp_place.csv",
            "openloop_shadow_bottle_regrasp.csv",
        ],
    ),
    (
        "Allegro",
        "Bottle",
        "training",
        # grasp/move/place regenerated with datagen seed 3 (the older clips: 22 % grasp open loop)
        [
            "openloop_allegro_bottle.csv",
            "openloop_allegro_bottle_regrasp_long.csv",
            "openloop_allegro_bottle_train_gmp_seed3.csv",
        ],
    ),
]

# In-hand rotation (hot eval --eval-out): (policy, scales, file); rows whose file is absent are left out.
INHAND = [
    ("teacher `hot/data/inhand/allegro_teacher.pth`", "0.9 / 1.0 / 1.1", "inhand_teacher.json"),
    ("teacher", "0.95 / 1.05 (held out)", "inhand_teacher_heldout.json"),
    ("teacher", "0.9 / 1.0 / 1.1, eval seed 8", "inhand_teacher_300ep.json"),
    ("student `hot/data/inhand/allegro_student.pth`", "0.9 / 1.0 / 1.1", "inhand_student.json"),
    ("student", "0.95 / 1.05 (held out)", "inhand_student_heldout.json"),
    ("student", "0.9 / 1.0 / 1.1, eval seed 8", "inhand_student_300ep.json"),
]


def skill_of(folder: str) -> str:
    """``grasp_higher_kp`` -> ``grasp`` (the metric factory's rule: the first ``_`` token)."""
    return folder.split("_")[0]


def read_cells(name: str, obj: str | None) -> dict[str, tuple[float, int]]:
    """``{skill: (success_rate, episodes)}`` of one result file (for ``obj`` when it is a per-object table)."""
    path = RESULTS / name
    if path.suffix == ".json":
        data = json.loads(path.read_text())
        folder = Path(data["meta"]["motion_file"]).name
        row = next(r for r in data["results"] if r["skill"] == "all")
        return {skill_of(folder): (float(row["success_rate"]), int(row["episodes"]))}
    out = {}
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            if obj is not None and r["object"] != obj.split(" ")[0]:
                continue
            if r.get("status", "ok") == "ok":
                out[skill_of(r["skill"])] = (float(r["success_rate"]), int(r["episodes"]))
    return out


def pct(cell: tuple[float, int] | None) -> str:
    if cell is None:
        return "–"
    rate, n = cell
    return f"{100 * rate:.0f} % ({n})"


def table(header: list[str], rows: list[list[str]], right_from: int) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def link(names) -> str:
    return ", ".join(f"[{n}](docs/results/{n})" for n in dict.fromkeys(names))


def render() -> str:
    out = [
        "<!-- Generated by `python scripts/status_table.py` from the files under docs/results/; "
        "do not edit by hand. -->",
        "",
    ]
    # 1. policies on held-out clips
    rows, files = [], []
    for label, obj, spec in POLICIES:
        cells: dict[str, tuple[float, int]] = {}
        for skill, name in spec.items():
            got = read_cells(name, obj if name.endswith(".csv") else None)
            cells.update(got if skill == "*" else {skill: got[skill]})
            files.append(name)
        rows.append([label, obj] + [pct(cells.get(s)) for s in ("grasp", "move", "place")])
    out.append(
        "**Tracking, held-out clips** (MANO unless named; success by the upstream per-skill rule, clips in brackets):"
    )
    out.append("")
    out += table(["policy", "object", "grasp", "move", "place"], rows, 2)
    out += ["", f"Sources: {link(files)}.", ""]
    # 1b. the other skills on held-out clips
    rows, files = [], []
    for label, obj, names in OTHER:
        cells = {}
        for name in names:
            cells.update(read_cells(name, obj))
            files.append(name)
        rows.append([label, obj] + [pct(cells.get(s)) for s in OTHER_SKILLS])
    out.append(
        "**The other skills, held-out clips** (MANO Bottle, fresh datagen seeds; [docs/skills.md](docs/skills.md)):"
    )
    out.append("")
    out += table(["policy", "object"] + list(OTHER_SKILLS), rows, 2)
    out += ["", f"Sources: {link(files)}.", ""]
    # 2. open-loop replay of the shipped data
    rows, files = [], []
    for hand, obj, split, names in OPEN_LOOP:
        cells = {}
        for name in names:
            cells.update(read_cells(name, None if name.endswith(".json") else obj))
            files.append(name)
        rows.append([f"{hand} {obj}", split] + [pct(cells.get(s)) for s in SKILLS])
    out.append(
        "**Shipped data, replayed open loop** (PD targets = the reference, no policy: how much of each "
        "set a perfect tracker of the reference keeps on track; – = not measured):"
    )
    out.append("")
    out += table(["hand / object", "set"] + list(SKILLS), rows, 2)
    out += ["", f"Sources: {link(files)}.", ""]
    # 3. in-hand rotation
    rows, files = [], []
    for label, scales, name in INHAND:
        path = RESULTS / name
        if not path.is_file():
            continue
        m = json.loads(path.read_text())
        rows.append(
            [
                label,
                scales,
                str(m["episodes"]),
                f"{m['rot_speed_rad_s']:.2f}",
                f"{100 * m['drop_rate']:.0f} %",
                f"{m['time_to_fall_s']:.1f}",
            ]
        )
        files.append(name)
    if rows:
        out.append(
            "**In-hand rotation, Allegro** (`hot eval --checkpoint shipped`, episodes of 20 s, full "
            "randomisation; targets: teacher ≥ 0.35 rad/s and ≤ 5 % drops, student ≤ 10 % drops):"
        )
        out.append("")
        out += table(
            ["policy", "object scales", "episodes", "rotation (rad/s)", "drops", "time to fall (s)"], rows, 2
        )
        out += ["", f"Sources: {link(files)}.", ""]
    return "\n".join(out).rstrip() + "\n"


def splice(text: str, block: str) -> str:
    head, sep, rest = text.partition(BEGIN)
    if not sep or END not in rest:
        raise SystemExit(f"{README}: no {BEGIN} ... {END} block")
    return head + BEGIN + "\n" + block + rest[rest.index(END) :]


def current_block(text: str) -> str:
    return text.partition(BEGIN)[2].partition(END)[0].lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--check", action="store_true", help="exit 1 if README.md's block is not what would be written"
    )
    args = p.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = splice(text, render())
    if args.check:
        if new != text:
            print(
                "README.md status block is out of date: run python scripts/status_table.py", file=sys.stderr
            )
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md status block rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
