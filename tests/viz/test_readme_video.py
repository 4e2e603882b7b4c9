"""The README's video command, run as a new user would: in a fresh process with MUJOCO_GL unset.

mujoco binds its OpenGL backend when it is first imported; hot must pick a headless one (EGL, then
OSMesa) before that, at its entry point. The suite's conftest picks one for the in-process rendering
tests through the same function (hot.viz.gl.select_gl_backend); this test removes MUJOCO_GL and
PYOPENGL_PLATFORM from the subprocess's environment, so the conftest cannot hide that path.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.shipped_data  # the README's command renders the shipped teacher on shipped clips


def readme_video_block() -> list[list[str]]:
    """The commands (argv lists) of the README code block that writes docs/media/mano_bottle_grasp.mp4."""
    text = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S) if "--save_video" in b]
    assert blocks, "README.md has no --save_video command"
    lines = blocks[0].replace("\\\n", " ").strip().splitlines()
    return [shlex.split(line) for line in lines if line.strip()]


def test_readme_video_command_renders_with_mujoco_gl_unset(tmp_path):
    from hot.viz.gl import GLUnavailableError, _choose

    try:
        _choose(True)  # EGL or OSMesa works on this machine (probed in a fresh process)
    except GLUnavailableError as e:
        pytest.skip(f"no headless OpenGL on this machine: {e}")
    run, still = readme_video_block()
    assert run[:2] == ["python", "hot/run.py"] and still[:3] == ["python", "-m", "hot.viz.video"]
    video, png = tmp_path / "grasp.mp4", tmp_path / "frame.png"
    subst = {
        "docs/media/mano_bottle_grasp.mp4": str(video),
        "docs/media/mano_bottle_grasp_frame120.png": str(png),
    }
    run = [subst.get(a, a) for a in run]
    run[run.index("--num_envs") + 1] = run[run.index("--video_envs") + 1] = "2"  # shrunk: 2 envs, 40 steps
    run[run.index("--episode_length") + 1] = "40"
    still = [subst.get(a, a) for a in still]
    still[still.index("--frame") + 1] = "30"
    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM")}
    for argv in (run, still):
        r = subprocess.run(
            [sys.executable, *argv[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    from PIL import Image

    frame = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    w, h = (int(v) for v in run[run.index("--video_size") + 1].split("x"))
    assert frame.shape == (h, 2 * w, 3)
    assert frame.std() > 10  # not blank: hand, object and floor, not one clear colour
    assert len(np.unique(frame.reshape(-1, 3).astype(np.uint8), axis=0)) > 100


def test_entry_points_do_not_import_mujoco_before_choosing_a_backend():
    """What hot/run.py and the hot command import before their GL choice must not pull in mujoco
    (importing it binds the GL backend: the bug behind a README video command that failed)."""
    code = (
        "import sys\n"
        "import hot.run, hot.cli.tracking, hot.cli, hot.cli.upstream_args\n"
        "from hot.config.strict import ConfigError\n"
        "from hot.learning.checkpoint import CheckpointError\n"
        "from hot.motion.schema import MotionFormatError\n"
        "from hot.viz.gl import GLUnavailableError\n"
        "print(sorted(m for m in sys.modules if m == 'mujoco' or m.startswith('mujoco.')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM")}
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "[]", r.stdout
