"""Distill and MultiObjDistill through ``hot/run.py`` for a few epochs on tiny teachers (subprocess),
then the student through the normal ``--test`` path and ``test.sh``'s table."""

import csv
import os
import subprocess
import sys

import pytest
import yaml

from tests.distill.helpers import GMP, REPO, make_env, save_tiny_teacher

FLAGS = [
    "--cfg_env",
    "hot/data/cfg/mano/mano_stage1_precise_track.yaml",
    "--enable_obj_keypoints",
    "--enable_ig_scale",
    "--use_res_action",
    "--enable_dof_obs",
    "--hand_model",
    "mano",
    "--episode_length",
    "30",
]
SCHEDULE = dict(
    beta_start_epoch=1,
    beta_end_epoch=3,
    expert_only_until=1,
    critic_ramp_epochs=1,
    ppo_min_epoch=2,
    critic_good_min_epoch=2,
    ev_threshold=-100.0,
    ev_streak=1,
    actor_ramp_updates=2,
)


def _yaml(tmp, name, distill):
    cfg = yaml.safe_load((REPO / "hot/data/cfg/train/rlg/skillmimic_distill_cpu.yaml").read_text())
    p = cfg["params"]
    p["distill"] = {**SCHEDULE, **distill}
    p["torch_threads"] = 1
    p["network"]["mlp"]["units"] = [32, 16]
    p["config"].update(horizon_length=8, minibatch_size=32, mini_epochs=1, save_frequency=0)
    path = tmp / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def _run(args, timeout=300, **env_extra):
    env = dict(os.environ, PYTHONUNBUFFERED="1", **env_extra)
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def _log(run_root):
    (path,) = run_root.glob("distill/*/*/distill_log.csv")
    with open(path) as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("distill")
    teacher = save_tiny_teacher(make_env(), tmp / "tiny_bottle_grasp-move-place.pth", seed=1)
    cfg = _yaml(
        tmp,
        "d.yaml",
        {
            "route_by": "skill",
            "teachers": [{"checkpoint": str(teacher), "skills": ["grasp", "move", "place", "freemove"]}],
        },
    )
    r = _run(
        [
            sys.executable,
            "hot/run.py",
            "--task",
            "Distill",
            *FLAGS,
            "--cfg_train",
            str(cfg),
            "--motion_file",
            str(GMP / "bottle"),
            "--objnames",
            "Bottle",
            "--num_envs",
            "4",
            "--max_iterations",
            "4",
            "--output_path",
            str(tmp / "runs"),
            "--experiment",
            "student",
        ]
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "distilling 1 teacher(s) by skill" in r.stdout
    ckpts = sorted((tmp / "runs").glob("distill/*/*_student/nn/*.pth"))
    assert ckpts, r.stdout[-2000:]
    return tmp, ckpts[-1]


def test_distill_logs_beta_and_phases(student):
    tmp, _ = student
    rows = _log(tmp / "runs")
    assert [float(r["beta"]) for r in rows] == [1.0, 0.5, 0.0, 0.0]
    assert [int(float(r["phase"])) for r in rows] == [0, 1, 2, 2]  # expert, critic, ppo, ppo
    # teacher-driven at beta 1, student-driven at 0
    assert (
        float(rows[0]["teacher_action_fraction"]) == 1.0 and float(rows[-1]["teacher_action_fraction"]) == 0.0
    )
    assert float(rows[-1]["ppo_updates"]) > 0


def test_student_runs_through_test_and_test_sh(student):
    tmp, ckpt = student
    r = _run(
        [
            sys.executable,
            "hot/run.py",
            "--test",
            "--task",
            "Distill",
            *FLAGS,
            "--cfg_train",
            "hot/data/cfg/train/rlg/skillmimic_distill_cpu.yaml",
            "--motion_file",
            "hot/data/motions/dexgrasp_train_mano/bottle/move_higher_kp",
            "--objnames",
            "Bottle",
            "--num_envs",
            "2",
            "--state_init",
            "2",
            "--checkpoint",
            str(ckpt),
        ]
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| move_higher_kp |" in r.stdout
    out = tmp / "table"
    r = _run(
        ["bash", "test.sh"],
        CHECKPOINT_PATH=str(ckpt),
        OBJECTS="Bottle Teapot",
        SKILLS="move",
        NUM_ENVS="2",
        OUT=str(out),
        PYTHON=sys.executable,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    with open(out.with_suffix(".csv")) as f:
        rows = {(x["object"], x["skill"]): x for x in csv.DictReader(f)}
    assert int(rows[("Bottle", "move")]["episodes"]) >= 2 and rows[("Bottle", "move")]["success_rate"] != ""
    assert "no data" in rows[("Teapot", "move")]["status"]
    assert "| Teapot | move |" in out.with_suffix(".md").read_text()


def test_multiobj_distill_routes_by_object(tmp_path):
    bottle = save_tiny_teacher(make_env(), tmp_path / "t_bottle_0.pth", seed=1)
    box = save_tiny_teacher(make_env(objects=("Box",)), tmp_path / "t_box_0.pth", seed=2)
    teachers = tmp_path / "teachers"
    teachers.mkdir()
    for p in (bottle, box):
        p.rename(teachers / p.name)
    cfg = _yaml(tmp_path, "m.yaml", {"route_by": "object", "teacher_dir": str(teachers)})
    r = _run(
        [
            sys.executable,
            "hot/run.py",
            "--task",
            "MultiObjDistill",
            *FLAGS,
            "--cfg_train",
            str(cfg),
            "--motion_file",
            str(GMP),
            "--objnames",
            "Bottle",
            "Box",
            "--num_envs",
            "4",
            "--max_iterations",
            "2",
            "--output_path",
            str(tmp_path / "runs"),
            "--experiment",
            "m",
        ]
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "t_bottle_0.pth -> bottle; t_box_0.pth -> box" in r.stdout
    assert len(_log(tmp_path / "runs")) == 2
    # an object without a teacher is an error naming it
    r = _run(
        [
            sys.executable,
            "hot/run.py",
            "--task",
            "MultiObjDistill",
            *FLAGS,
            "--cfg_train",
            str(cfg),
            "--motion_file",
            str(GMP),
            "--objnames",
            "Bottle",
            "Hammer",
            "--num_envs",
            "4",
            "--max_iterations",
            "1",
            "--output_path",
            str(tmp_path / "runs2"),
        ]
    )
    assert r.returncode != 0 and "no teacher for object(s) ['Hammer']" in (r.stdout + r.stderr)


def test_single_object_task_refuses_several_objects(tmp_path):
    r = _run(
        [
            sys.executable,
            "hot/run.py",
            "--task",
            "SkillMimicHandRand",
            *FLAGS,
            "--motion_file",
            str(GMP),
            "--objnames",
            "Bottle",
            "Box",
            "--num_envs",
            "4",
            "--max_iterations",
            "1",
            "--output_path",
            str(tmp_path),
        ]
    )
    assert r.returncode != 0 and "tracks one object" in (r.stdout + r.stderr)
