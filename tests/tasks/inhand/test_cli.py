"""``hot train`` / ``hot eval`` for the in-hand tasks: routing, errors, and a subprocess smoke run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from hot.cli import main
from hot.cli.inhand import is_inhand_command

REPO = Path(__file__).resolve().parents[3]


def test_routing_keeps_tracking_commands_on_run_py():
    assert not is_inhand_command(["--task", "SkillMimicHandRand", "--num_envs", "4", "--headless"])
    assert is_inhand_command(["--algo", "ppo", "--task", "allegro_inhand"])
    assert is_inhand_command(["--task=allegro_inhand_grasp"])


def test_bad_override_and_missing_cache_messages(tmp_path, capsys):
    rc = main(["train", "--algo", "ppo", "--task", "allegro_inhand", "env.domain_rand.scale_lst=[0.8]"])
    err = capsys.readouterr().err
    assert rc == 2 and "'env.domain_rand.scale_lst' is not a known setting" in err
    prefix = tmp_path / "nocache" / "g"
    rc = main(
        [
            "train",
            "--algo",
            "ppo",
            "--task",
            "allegro_inhand",
            f"training.logdir={tmp_path / 'logs'}",
            "--sim",
            "mujoco",
            f"env.grasp_cache_path={prefix}",
            "algo.num_envs=3",
        ]
    )  # fmt: skip; options between overrides
    err = capsys.readouterr().err
    assert rc == 2 and f"{prefix}_1.npy" in err
    assert "hot train --algo ppo --task allegro_inhand_grasp --sim mujoco" in err
    rc = main(
        [
            "eval",
            "--algo",
            "ppo",
            "--task",
            "allegro_inhand",
            "--load-run",
            "-1",
            f"training.logdir={tmp_path / 'none'}",
        ]
    )
    assert rc == 2 and "no runs under" in capsys.readouterr().err


def test_train_two_iterations_then_eval_newest_run(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-m", "tests.tasks.inhand.run_cli_smoke", str(tmp_path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    line = [x for x in out.stdout.splitlines() if x.startswith("SMOKE ")][-1]
    assert json.loads(line[6:]) == {
        **dict.fromkeys(["grasp", "teacher", "eval_teacher", "student", "eval_student"], 0),
        "eval_file_ppo": 0,
        "eval_file_hora_distill": 0,
        "eval_file_wrong_algo": 2,
    }
    assert "is a teacher checkpoint: use --algo ppo" in out.stderr
    for algo in ("ppo", "hora_distill"):
        ev = json.loads((tmp_path / f"eval_{algo}.json").read_text())
        assert ev["episodes"] == 4 and ev["run"] is None and ev["checkpoint"].endswith(".pth")
    assert not (tmp_path / "none").exists()  # --checkpoint needs no run folder and writes none
    for s in ("0.9", "1"):
        assert np.load(tmp_path / "cache" / f"g_{s}.npy").shape == (6, 23)
    teacher_runs = sorted((tmp_path / "logs" / "ppo" / "AllegroInhandRotation").iterdir())
    assert len(teacher_runs) == 1 and teacher_runs[0].name.endswith("_mujoco")
    run = teacher_runs[0]
    assert (run / "run_config.yaml").is_file() and list((run / "nn").glob("*_ep_2_*.pth"))
    ev = json.loads((run / "eval.json").read_text())
    assert ev["episodes"] == 4 and 0.0 <= ev["drop_rate"] <= 1.0 and 0 < ev["time_to_fall_s"] <= 1.0
    from hot.plot_training import main as plot_main  # tracking's plot tool reads in-hand runs too

    assert plot_main([str(run), "--out", str(tmp_path / "curves.png")]) == 0
    assert (tmp_path / "curves.png").stat().st_size > 10_000
    student = next((tmp_path / "logs" / "hora_distill" / "AllegroInhandRotation").iterdir())
    assert (student / "nn" / "student_ep_2.pth").is_file()
    assert json.loads((student / "eval.json").read_text())["episodes"] == 4
