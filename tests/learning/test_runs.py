"""One run-folder scheme and one table of shipped checkpoints for every task (hot.utils.runs / .shipped)."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import time
from argparse import Namespace
from pathlib import Path

import pytest

from hot.config.resolve import REPO_ROOT
from hot.config.strict import ConfigError
from hot.learning import shipped
from hot.utils import runs


def _run(parent: Path, name: str, marker: str = "config.yaml", age: float = 0.0) -> Path:
    run = runs.create_run_dir(parent, name)
    (run / marker).write_text("x: 1\n")
    t = time.time() - age
    os.utime(run / marker, (t, t))
    return run


def test_create_run_dir_never_shares_a_folder(tmp_path):
    a = runs.create_run_dir(tmp_path / "out", "exp_20261205-120000")
    b = runs.create_run_dir(tmp_path / "out", "exp_20261205-120000")
    c = runs.create_run_dir(tmp_path / "out", "exp_20261205-120000")
    assert [a.name, b.name, c.name] == [
        "exp_20261205-120000",
        "exp_20261205-120000_2",
        "exp_20261205-120000_3",
    ]


def test_new_run_is_root_algo_task_stamp_sim_name(tmp_path):
    when = datetime.datetime(2026, 12, 5, 18, 30, 1)
    assert runs.run_name("mujoco", when=when) == "2026-12-05_18-30-01_mujoco"
    assert runs.run_name("mjwarp", "exp", when=when) == "2026-12-05_18-30-01_mjwarp_exp"
    run = runs.new_run(tmp_path / "logs", "ppo", "SkillMimicHandRand", "mujoco", "exp")
    assert run.parent == tmp_path / "logs" / "ppo" / "SkillMimicHandRand" and run.is_dir()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_mujoco_exp", run.name)
    with pytest.raises(ConfigError, match="task '../x' is not a plain folder name"):
        runs.new_run(tmp_path, "ppo", "../x", "mujoco")
    with pytest.raises(ConfigError, match="no slashes"):
        runs.new_run(tmp_path, "ppo", "T", "mujoco", "a/b")


def test_find_run_newest_by_name_and_by_path(tmp_path):
    old = _run(tmp_path, "s1_mujoco_a", age=100)
    new = _run(tmp_path, "s2_mujoco_b", age=10)
    other = _run(tmp_path, "s3_mujoco_a_2", age=50)  # a clash number after the name
    (tmp_path / "not_a_run").mkdir()  # no marker: ignored
    assert runs.find_run(tmp_path, "-1", "config.yaml") == new
    assert runs.find_run(tmp_path, "-1", "config.yaml", suffix="_a") == other
    assert runs.find_run(tmp_path, "s1_mujoco_a", "config.yaml") == old
    assert runs.find_run(tmp_path, str(old), "config.yaml") == old
    with pytest.raises(ConfigError, match="no run .*runs there: s1_mujoco_a, s3_mujoco_a_2, s2_mujoco_b"):
        runs.find_run(tmp_path, "zz", "config.yaml")
    with pytest.raises(ConfigError, match="not a run folder"):
        runs.find_run(tmp_path, str(tmp_path / "not_a_run"), "config.yaml")
    with pytest.raises(ConfigError, match=r"no runs named \*_c under"):
        runs.find_run(tmp_path, "-1", "config.yaml", suffix="_c")


def test_newest_checkpoint_is_the_highest_epoch(tmp_path):
    run = _run(tmp_path, "r")
    with pytest.raises(ConfigError, match="no checkpoint"):
        runs.newest_checkpoint(run)
    (run / "nn").mkdir()
    (run / "nn" / "best.pth").write_bytes(b"x")
    assert runs.newest_checkpoint(run).name == "best.pth"  # the only one
    for i, name in enumerate(["last_x_ep_20.pth", "last_x_ep_10.pth", "best2.pth"]):
        (run / "nn" / name).write_bytes(b"x")
        t = 1_000_000 + i
        os.utime(run / "nn" / name, (t, t))
    assert runs.newest_checkpoint(run).name == "last_x_ep_20.pth"  # the highest epoch, not the newest file


@pytest.mark.shipped_data
def test_shipped_table_names_files_that_exist():
    assert shipped.tracking_checkpoint("mano", ["Bottle"]).name == "mano_bottle_grasp-move-place.pth"
    assert (
        shipped.tracking_checkpoint("mano", ["Bottle"], "Distill").name
        == "mano_bottle_multiskill_student.pth"
    )
    assert shipped.tracking_checkpoint("allegro", ["Bottle"]).is_file()
    multi = shipped.tracking_checkpoint("mano", ["Bottle", "Box"], "MultiObjDistill")
    assert multi.name.endswith("_student.pth") and multi.is_file()
    with pytest.raises(ConfigError, match="no shipped shadow policy .*shadow_bottle_grasp-move-place.pth"):
        shipped.tracking_checkpoint("shadow", ["Hammer"])
    for algo in ("ppo", "hora_distill"):
        assert shipped.inhand_checkpoint(algo).is_file()


def _args(**kw) -> Namespace:
    base = dict(
        load_run=None,
        checkpoint="",
        output_path="output/",
        experiment="Base",
        hand_model=None,
        objnames=None,
        motion_file="",
        task="SkillMimicHandRand",
    )
    base.update(kw)
    return Namespace(**base)


@pytest.mark.shipped_data
def test_tracking_load_run_tests_the_newest_checkpoint_with_its_own_data(tmp_path):
    """``hot eval --load_run -1``: the newest run's newest checkpoint, and the clips, objects and hand it
    was trained on when the command line does not name them."""
    from hot.cli.tracking import resolve_test_checkpoint
    from hot.learning.checkpoint import load_checkpoint

    ckpt = REPO_ROOT / "checkpoint/mano/mano_box_grasp-move-place.pth"
    saved = load_checkpoint(ckpt)["meta"]["config"]["env"]["env"]
    parent = tmp_path / "ppo" / "SkillMimicHandRand"
    older = _run(parent, "2026-12-01_00-00-00_mujoco_mine", age=100)
    newer = _run(parent, "2026-12-02_00-00-00_mujoco_other", age=10)
    for run in (older, newer):
        (run / "nn").mkdir()
        shutil.copy(ckpt, run / "nn" / "last.pth")
    args = _args(load_run="-1", output_path=str(tmp_path))
    resolve_test_checkpoint(args)
    assert args.checkpoint == str(newer / "nn" / "last.pth")
    assert args.objnames == saved["object_names"] == ["Box"]
    assert args.hand_model == "mano" and args.motion_file == saved["motion_file"]

    args = _args(load_run="-1", output_path=str(tmp_path), experiment="mine", objnames=["Bottle"])
    resolve_test_checkpoint(args)
    assert args.checkpoint == str(older / "nn" / "last.pth")
    assert args.objnames == ["Bottle"]  # the command line wins

    args = _args(checkpoint=str(newer))  # a run folder as --checkpoint
    resolve_test_checkpoint(args)
    assert args.checkpoint == str(newer / "nn" / "last.pth")

    args = _args(checkpoint="shipped", objnames=["Hammer"])
    resolve_test_checkpoint(args)
    assert Path(args.checkpoint).name == "mano_hammer_grasp-move-place.pth"
