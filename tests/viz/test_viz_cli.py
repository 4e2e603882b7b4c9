"""``--save_video`` end to end on tiny runs, the flags' checks, the GL backend choice, ``hot.play``."""

from __future__ import annotations

import csv
import sys

import pytest

from hot.cli.upstream_args import parse_args
from tests.viz.conftest import CHECKPOINT, GRASP_CLIPS

COMMON = [
    "--cfg_env", "hot/data/cfg/mano/mano_stage1_precise_track.yaml",
    "--motion_file", str(GRASP_CLIPS),
    "--objnames", "Bottle",
    "--num_envs", "2",
]  # fmt: skip
TEST = [
    "--test",
    "--cfg_train", "hot/data/cfg/train/rlg/skillmimic_denseobj.yaml",
    "--state_init", "2", "--episode_length", "12",
    "--enable_obj_keypoints", "--use_res_action", "--enable_dof_obs",
    "--checkpoint", str(CHECKPOINT),
]  # fmt: skip


@pytest.fixture
def repo_root(monkeypatch):
    """Run from the repo root (the configs' relative paths)."""
    from tests.viz.conftest import ROOT

    monkeypatch.chdir(ROOT)


@pytest.fixture
def in_repo(repo_root, renderer):
    """The repo root, once rendering is known to work (else the test skips, saying why)."""


def test_save_video_on_a_test_run(in_repo, tmp_path, capsys):
    from hot.run import main
    from hot.viz.video import video_info

    video = tmp_path / "out" / "test.mp4"
    argv = COMMON + TEST + ["--save_video", str(video), "--video_envs", "2", "--video_size", "160x120"]
    assert main(argv + ["--results", str(tmp_path / "res" / "r")]) == 0
    info = video_info(video)
    # the start frame + 11 steps (the test timeout is progress >= episode_length - 1); 2 tiles side by side
    assert (info["frames"], info["width"], info["height"]) == (12, 320, 120)
    out = capsys.readouterr().out
    assert f"wrote video {video}" in out
    # tracking errors next to the results: per-step series for both episodes and the plots
    rows = list(csv.DictReader(open(tmp_path / "res" / "r_errors.csv")))
    assert sorted({r["episode"] for r in rows}) == ["0", "1"]
    assert len(rows) == 2 * 11 and all(float(r["E_h"]) >= 0 for r in rows)
    assert (tmp_path / "res" / "r_tracking.png").stat().st_size > 1000
    assert len(list((tmp_path / "res" / "r_episodes").glob("*.png"))) == 2


def test_save_video_on_play_dataset(in_repo, tmp_path):
    from hot.run import main
    from hot.viz.video import read_video

    video = tmp_path / "play.mp4"
    argv = COMMON + [
        "--play_dataset",
        "--play_steps",
        "10",
        "--save_video",
        str(video),
        "--video_size",
        "160x120",
    ]
    assert main(argv) == 0
    frames = read_video(video)
    assert frames.shape == (10, 120, 160, 3)
    assert frames.std() > 10


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--test", "--save_video", "x.avi"], "must end in .mp4"),
        (["--save_video", "x.mp4"], "records --test"),
        (["--test", "--save_video", "x.mp4", "--video_envs", "0"], "--video_envs"),
        (["--test", "--video_size", "640"], "WIDTHxHEIGHT"),
    ],
)
def test_video_flags_are_checked(argv, message):
    with pytest.raises(SystemExit, match=message):
        parse_args(argv)


def test_unknown_flags_still_error(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["--test", "--video_bogus", "3"])
    assert e.value.code == 2 and "unrecognized arguments: --video_bogus" in capsys.readouterr().err
    assert parse_args(["--test", "--save_video", "a.mp4"]).video_size == (640, 480)


def test_gl_backend_choice(monkeypatch):
    from hot.viz import gl

    monkeypatch.setattr(gl.ctypes.util, "find_library", lambda name: f"lib{name}.so.1")
    monkeypatch.setenv("MUJOCO_GL", "osmesa")
    assert gl.select_gl_backend() == "osmesa"  # a user's choice is kept
    monkeypatch.setattr(gl.ctypes.util, "find_library", lambda name: None)
    with pytest.raises(gl.GLUnavailableError, match="MUJOCO_GL=osmesa is set but libOSMesa is not installed"):
        gl.select_gl_backend()
    with pytest.raises(gl.GLUnavailableError) as e:
        gl._choose.__wrapped__(probe=False)
    assert "libegl1" in str(e.value) and "libosmesa6" in str(e.value)
    assert gl.bound_backend() in ("egl", "osmesa", "glfw", "cgl", "disabled", "unknown")


def test_play_needs_a_display(monkeypatch, capsys):
    from hot.play import DisplayUnavailableError, main, require_display

    with pytest.raises(DisplayUnavailableError, match="DISPLAY"):
        require_display(environ={}, platform="linux")
    require_display(environ={"DISPLAY": ":0"}, platform="linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert main(COMMON) == 2
    err = capsys.readouterr().err
    assert "needs a display" in err and "--save_video" in err


class _FakeViewer:
    """Stands in for mujoco.viewer's passive handle; closes itself after ``frames`` syncs."""

    def __init__(self, model, data, frames: int) -> None:
        import mujoco

        self.model, self.data, self.frames = model, data, frames
        self.cam = mujoco.MjvCamera()
        self.synced: list[tuple[float, ...]] = []
        self.texts = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def is_running(self) -> bool:
        return len(self.synced) < self.frames

    def lock(self):
        import contextlib

        return contextlib.nullcontext()

    def set_texts(self, texts) -> None:
        self.texts = texts

    def sync(self) -> None:
        self.synced.append(tuple(self.data.qpos[:3]))


@pytest.mark.parametrize("with_policy", [False, True])
def test_play_viewer_loop(repo_root, monkeypatch, with_policy):
    import mujoco.viewer

    from hot.play import _viewer_loop

    made = []

    def launch(model, data):
        made.append(_FakeViewer(model, data, frames=6))
        return made[-1]

    monkeypatch.setattr(mujoco.viewer, "launch_passive", launch)
    from hot.cli.tracking import build_env, build_test_policy
    from hot.tasks.tracking.resolve import resolve_env_config

    args = parse_args(COMMON + (TEST if with_policy else []))
    cfg = resolve_env_config(args)
    cfg.env.num_envs = 1
    if with_policy:
        env, policy, _ = build_test_policy(args, cfg, "cpu")
    else:
        env, policy = build_env(cfg, "cpu", "refine", 0), None
    _viewer_loop(env, policy, speed=1000.0, rounds=0)
    (viewer,) = made
    assert len(viewer.synced) == 6
    assert len(set(viewer.synced)) > 1  # the wrist moved: frames advance
    assert "step 5/" in viewer.texts[3]
    assert viewer.cam.distance == pytest.approx(0.6)


def test_inhand_eval_writes_a_video_of_its_worlds(in_repo, tmp_path, capsys):
    """The in-hand task records its rollouts with the same writer: ``hot eval ... --save-video``."""
    from hot.cli.inhand import main
    from hot.viz.video import read_video

    video = tmp_path / "inhand.mp4"
    rc = main("eval", ["--algo", "ppo", "--task", "allegro_inhand", "--checkpoint", "shipped",
                       "--save-video", str(video), "--video-envs", "2", "training.eval_episodes=3",
                       "env.episode_s=0.5", "env.physics.nthread=1"])  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    frames = read_video(video)
    assert frames.shape[0] >= 10 and frames.shape[1:] == (480, 1280, 3)  # two 640x480 tiles, every step
    assert frames.std() > 10  # not a blank picture
    assert f"video: {video}" in capsys.readouterr().out
    assert main("eval", ["--algo", "ppo", "--task", "allegro_inhand", "--checkpoint", "shipped",
                         "--save-video", str(tmp_path / "x.avi")]) == 2  # fmt: skip
