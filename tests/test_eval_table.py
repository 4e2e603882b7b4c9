"""``python -m hot.eval_table --open_loop``: the dataset-quality table without a policy."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hot.eval_table import main
from tests.fixtures.clips import write_clip_folder


def test_open_loop_table(tmp_path: Path) -> None:
    write_clip_folder(tmp_path / "data", "mano", "move_higher_kp", "002", n=3)
    out = tmp_path / "table"
    rc = main(
        [
            "--open_loop",
            "--dataset",
            str(tmp_path / "data"),
            "--objects",
            "Bottle",
            "--skills",
            "move",
            "grasp",
            "--num_envs",
            "8",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    rows = list(csv.DictReader(open(out.with_name("table.csv"))))
    move, grasp = rows
    assert move["status"] == "ok" and int(move["episodes"]) == 3  # every clip once, not 8 envs
    assert 0.0 <= float(move["success_rate"]) <= 1.0
    # the object rests on the platform and the hand only descends: a replay keeps it in place
    assert float(move["obj_pos_err_cm"]) < 2.0
    assert grasp["status"].startswith("no data")


def test_checkpoint_and_open_loop_exclusive(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--open_loop", "--checkpoint", "x.pth"])
    assert "not allowed with" in capsys.readouterr().err


def test_a_failed_cell_fails_the_table(tmp_path: Path, capsys) -> None:
    """A refused checkpoint (another hand) used to give a table of error cells and exit 0."""
    write_clip_folder(tmp_path / "data", "mano", "move_higher_kp", "002", n=2)
    out = tmp_path / "table"
    rc = main(
        [
            "--checkpoint",
            "checkpoint/shadow/shadow_bottle_grasp-move-place.pth",
            "--dataset",
            str(tmp_path / "data"),
            "--objects",
            "Bottle",
            "--skills",
            "move",
            "--num_envs",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert "1 of 1 cells failed" in err and "hand: checkpoint 'shadow' vs env 'mano'" in err
    assert list(csv.DictReader(open(out.with_name("table.csv"))))[0]["status"].startswith("error")


def test_each_clip_counts_once_when_the_last_round_is_partial(tmp_path: Path) -> None:
    """5 clips on 2 envs = 3 rounds; the 6th episode replays clip 0 and used to be counted (6 episodes)."""
    write_clip_folder(tmp_path / "data", "mano", "move_higher_kp", "002", n=5)
    out = tmp_path / "table"
    assert (
        main(
            [
                "--open_loop",
                "--dataset",
                str(tmp_path / "data"),
                "--objects",
                "Bottle",
                "--skills",
                "move",
                "--num_envs",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    row = next(csv.DictReader(open(out.with_name("table.csv"))))
    assert row["status"] == "ok" and int(row["episodes"]) == 5
    # the per-clip file names every clip exactly once, and its successes add up to the table's rate
    clips = list(csv.DictReader(open(out.with_name("table_clips.csv"))))
    names = sorted(c["clip"] for c in clips)
    assert len(names) == 5 and len(set(names)) == 5 and all(n.endswith(".pt") for n in names)
    assert {c["object"] for c in clips} == {"Bottle"} and {c["skill"] for c in clips} == {"move"}
    assert sum(int(c["success"]) for c in clips) == round(5 * float(row["success_rate"]))


def test_policies_table_scores_the_open_loop_failures(tmp_path: Path) -> None:
    """--policies: one row per (object, skill, policy); a policy's success on the clips open loop fails, and each
    checkpoint's training cost from its meta.training."""
    write_clip_folder(tmp_path / "data", "mano", "move_higher_kp", "002", n=3)
    ckpt = "checkpoint/mano/mano_bottle_regrasp-rotate-throw-freemove-long.pth"
    out = tmp_path / "table"
    argv = ["--policies", "openloop", ckpt, "--dataset", str(tmp_path / "data"), "--objects", "Bottle"]
    assert main([*argv, "--skills", "move", "--num_envs", "3", "--out", str(out)]) == 0
    ol, pol = list(csv.DictReader(open(out.with_name("table.csv"))))
    assert (ol["policy"], pol["policy"]) == ("openloop", ckpt) and ol["hand"] == "mano"
    # the failures counted for the policy are exactly the clips open loop failed
    n_fail = round(3 * (1 - float(ol["success_rate"])))
    assert int(pol["openloop_failures"] or 0) == n_fail
    md = out.with_name("table.md").read_text()
    assert "2.05 M env-steps" in md and "| mano | Bottle | move | open loop |" in md


def test_success_on_open_loop_failures_counts_those_clips_only(monkeypatch) -> None:
    import argparse

    import hot.eval_table as et

    def fake(args):
        ok = {None: {"a": 0, "b": 1, "c": 0}, "p.pth": {"a": 1, "b": 0, "c": 0}}[args.checkpoint]
        clips = [{"clip": k, "success": bool(v)} for k, v in ok.items()]
        return [{"object": "Bottle", "skill": "grasp", "status": "ok", "clips": clips}]

    monkeypatch.setattr(et, "run_table", fake)
    rows = et.policy_table(
        argparse.Namespace(policies=["openloop", "p.pth"], hand_model="mano", checkpoint=None)
    )
    ol, pol = rows
    assert (pol["openloop_failures"], pol["success_on_openloop_failures"]) == (2, 0.5)  # a ok, c failed
    assert (ol["openloop_failures"], ol["success_on_openloop_failures"]) == (2, 0.0)


def test_objects_all_lists_registered_objects_with_clips(tmp_path) -> None:
    from hot.eval_table import objects_with_clips

    for folder in (
        "bottle/grasp_higher_kp",
        "teapot/grasp_higher_kp",
        "box/grasp_higher_kp",
        "hammer/move_higher_kp",
    ):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "bottle/grasp_higher_kp/001_Bottle_0_0-0.pt").write_bytes(b"")
    (tmp_path / "teapot/grasp_higher_kp/001_Teapot_0_0-0.pt").write_bytes(b"")  # not a registered object
    (tmp_path / "hammer/move_higher_kp/002_Hammer_0_0-0.pt").write_bytes(b"")
    assert objects_with_clips(str(tmp_path), ["grasp"]) == ["Bottle"]  # box has no clips, hammer no grasp
    assert objects_with_clips(str(tmp_path), ["grasp", "move"]) == ["Bottle", "Hammer"]


def test_objects_all_without_clips_is_a_clear_error(tmp_path, capsys) -> None:
    from hot.eval_table import main

    with pytest.raises(SystemExit) as e:
        main(["--open_loop", "--dataset", str(tmp_path), "--objects", "all", "--out", str(tmp_path / "t")])
    assert e.value.code == 2
    assert "--objects all: no object folder with clips" in capsys.readouterr().err
