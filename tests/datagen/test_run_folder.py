"""``hot datagen`` without ``--out`` writes into a run folder of the shared scheme (hot.utils.runs)."""

from __future__ import annotations

import re

import yaml

from hot.datagen.__main__ import build_parser, new_run_folder


def test_default_out_is_a_new_run_folder_with_the_settings(tmp_path):
    args = build_parser().parse_args(["--hand", "mano", "--objects", "Bottle", "--seed", "5"])
    assert args.out == ""  # --out may be left out
    a = new_run_folder(args, root=tmp_path)
    b = new_run_folder(args, root=tmp_path)  # a second run in the same second gets its own folder
    assert a.parent == b.parent == tmp_path / "datagen" / "mano" and a != b
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_mujoco(_2)?", a.name)
    saved = yaml.safe_load((a / "config.yaml").read_text())["datagen"]
    assert (
        saved["seed"] == 5
        and saved["objects"] == ["Bottle"]
        and saved["skills"] == ["grasp", "move", "place"]
    )
