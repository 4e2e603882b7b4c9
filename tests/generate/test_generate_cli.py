"""``hot generate`` end to end with the shipped generator (checkpoint/generate/mano_flow.pt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from hot.generate.__main__ import main
from hot.motion.io import find_motion_files, load_clip

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "checkpoint" / "generate" / "mano_flow.pt"
pytestmark = pytest.mark.skipif(not SHIPPED.is_file(), reason="shipped generator checkpoint missing")


def _run(tmp: Path, *flags: str) -> tuple[int, list[Path]]:
    rc = main([*flags, "--out", str(tmp)])
    return rc, (find_motion_files(tmp) if rc == 0 else [])


def test_cli_writes_valid_chained_clips_in_the_tracker_layout(tmp_path):
    rc, files = _run(tmp_path, "--object", "Mug", "--prompt", "pick up the mug and put it down", "--num", "2")
    assert rc == 0
    rel = sorted(p.relative_to(tmp_path).as_posix() for p in files)
    assert rel == [
        "mug/grasp_higher_kp/001_Mug_s0_0-0.pt",
        "mug/grasp_higher_kp/001_Mug_s0_1-0.pt",
        "mug/place_higher_kp/003_Mug_s0_0-0.pt",
        "mug/place_higher_kp/003_Mug_s0_1-0.pt",
    ]
    assert (tmp_path / "generate.json").is_file()
    from hot.assets.hands import get_hand
    from hot.generate.postprocess import joint_ranges
    from hot.motion.fk import KeyBodyFK

    fk = KeyBodyFK(get_hand("mano"))
    lo, hi = joint_ranges(fk)
    clips = {p.relative_to(tmp_path).as_posix(): load_clip(p, num_dofs=51, num_key_bodies=16) for p in files}
    for c in clips.values():
        assert torch.all(c.dof_pos >= lo - 1e-5) and torch.all(c.dof_pos <= hi + 1e-5)
        assert torch.allclose(c.body_pos, fk(c), atol=1e-4)  # key bodies are the FK of the DoFs
    grasp, place = (
        clips["mug/grasp_higher_kp/001_Mug_s0_0-0.pt"],
        clips["mug/place_higher_kp/003_Mug_s0_0-0.pt"],
    )
    # the place clip continues the grasp clip
    assert torch.allclose(place.wrist_dof[0, :3], grasp.wrist_dof[-1, :3], atol=1e-4)
    assert torch.allclose(place.obj_pos[0], grasp.obj_pos[-1], atol=1e-3)


def _tensor(tmp: Path, *flags: str) -> torch.Tensor:
    rc, files = _run(tmp, *flags, "--num", "1", "--set", "sample.depenetrate=false")
    assert rc == 0
    return load_clip(files[0]).dof_pos


def test_cli_is_deterministic_and_conditions_change_the_clip(tmp_path):
    base = ("--object", "Bottle", "--prompt", "grasp the bottle", "--seed", "3")
    a = _tensor(tmp_path / "a", *base)
    assert torch.equal(a, _tensor(tmp_path / "b", *base))
    seed = _tensor(tmp_path / "c", "--object", "Bottle", "--prompt", "grasp the bottle", "--seed", "4")
    obj = _tensor(tmp_path / "d", "--object", "Hammer", "--prompt", "grasp the hammer", "--seed", "3")
    skill = _tensor(tmp_path / "e", "--object", "Bottle", "--prompt", "move the bottle", "--seed", "3")
    for other in (seed, obj, skill):
        t = min(len(a), len(other))
        assert (a[:t] - other[:t]).abs().max() > 1e-2


@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--object", "Nope", "--prompt", "grasp it"], "--object"),
        (["--object", "Mug", "--prompt", "pick up the mug and juggle it"], "--prompt"),
        (["--object", "Mug", "--prompt", "grasp it", "--num", "0"], "--num"),
        (["--object", "Mug", "--prompt", "grasp it", "--num", "many"], "--num"),
        (["--object", "Mug", "--skills", "fly"], "--skills"),
        (["--object", "Mug", "--prompt", "grasp the bottle"], "--object"),
        (["--object", "Mug", "--prompt", "grasp it", "--checkpoint", "/nonexistent.pt"], "--checkpoint"),
        (["--object", "Mug", "--prompt", "grasp it", "--set", "sample.ode_steps=0"], "--set"),
    ],
)
def test_cli_refuses_bad_input_with_one_line_and_exit_2(tmp_path, capsys, flags, flag):
    assert main([*flags, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hot generate: error:") and flag in err and "\n" not in err
    assert not any(tmp_path.iterdir())  # nothing written


def test_unknown_word_lists_the_vocabulary(tmp_path, capsys):
    assert main(["--object", "Mug", "--prompt", "juggle the mug", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "'juggle'" in err and "verbs:" in err and "put down->place" in err


def test_hot_command_forwards_generate(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "hot.cli",
            "generate",
            "--object",
            "Mug",
            "--prompt",
            "grasp it",
            "--num",
            "x",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert r.returncode == 2 and "--num" in r.stderr


def test_without_out_clips_go_to_a_new_run_folder(tmp_path, monkeypatch):
    """``--out`` left out: ``logs/generate/<Object>/<timestamp>_mujoco/`` under the working directory."""
    monkeypatch.chdir(tmp_path)
    flags = ["--object", "Mug", "--skills", "grasp", "--num", "1", "--set", "sample.grip_refine=false"]
    assert main(flags) == 0
    (run,) = (tmp_path / "logs" / "generate" / "Mug").iterdir()
    assert run.name.endswith("_mujoco") and (run / "generate.json").is_file()
    assert len(find_motion_files(run)) == 1
