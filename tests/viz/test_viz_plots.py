"""Error traces of test episodes and the PNG plots made from them and from training events."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgb

from hot.viz.plots import episode_figure, overview_figure, read_scalars, training_figure, write_tracking_plots
from hot.viz.render import LABEL_RGBA
from hot.viz.traces import ERROR_SERIES, EpisodeTrace, ErrorTraces, write_traces_csv


class _FakeEnv:
    """The few TrackingEnv attributes ErrorTraces reads, for 2 envs playing clips 1 and 0."""

    num_envs = 2
    control_dt = 1.0 / 60.0

    def __init__(self) -> None:
        z = torch.zeros(2, dtype=torch.long)
        self.ep = SimpleNamespace(
            clip=torch.tensor([1, 0]), start=torch.tensor([2, 2]), length=torch.tensor([5, 5]), progress=z
        )
        self.lib = SimpleNamespace(names=["001_a.pt", "003_b.pt"])

    def clip_skill_dirs(self) -> list[str]:
        return ["grasp_kp", "place_kp"]

    def step(self, t: int, contact: list[int], error_done: list[bool]) -> None:
        self.ep.progress = torch.full((2,), t)
        base = torch.tensor([1.0, 10.0]) * t
        self.last_errors = {
            "E_op": base,
            "E_or": base * 2,
            "E_h": base * 3,
            "error_done": torch.tensor(error_done),
        }
        self.last_ref = SimpleNamespace(contact=torch.tensor(contact, dtype=torch.float32))


def _record() -> list[EpisodeTrace]:
    env, tr = _FakeEnv(), ErrorTraces()
    tr.on_reset(env)
    active = torch.tensor([True, True])
    for t in range(1, 6):
        env.step(t, contact=[0 if t < 3 else 1, -1], error_done=[t == 5, False])
        terminate = torch.tensor([False, t == 3])
        tr.on_step(env, active.clone(), {"terminate": terminate})
        active &= ~terminate
    return tr.finish()


def test_error_traces_follow_episodes():
    a, b = _record()
    assert (a.env, a.skill, a.clip, a.start) == (0, "place_kp", "003_b.pt", 2)
    np.testing.assert_array_equal(a.steps, [1, 2, 3, 4])  # step 5's reference was invalid
    np.testing.assert_allclose(a.errors["E_op"], [1, 2, 3, 4])
    np.testing.assert_allclose(a.errors["E_h"], [3, 6, 9, 12])
    np.testing.assert_array_equal(a.label, [0, 0, 1, 1])
    assert a.terminated_at is None
    assert b.skill == "grasp_kp" and b.terminated_at == 3
    np.testing.assert_array_equal(b.steps, [1, 2, 3])  # nothing after termination
    np.testing.assert_allclose(b.errors["E_or"], [20, 40, 60])


def test_episode_figure_has_the_three_series_and_phase_shading():
    a, b = _record()
    fig = episode_figure(a)
    axes = fig.axes
    assert len(axes) == len(ERROR_SERIES)
    for ax, key in zip(axes, ERROR_SERIES, strict=True):
        (line,) = [ln for ln in ax.get_lines() if ln.get_label() == key]
        np.testing.assert_allclose(line.get_ydata(), a.errors[key])
        np.testing.assert_allclose(line.get_xdata(), a.steps / 60.0)
        # two phases (free, then in contact), shaded in the label colours
        colours = [p.get_facecolor()[:3] for p in ax.patches]
        assert len(colours) == 2
        np.testing.assert_allclose(colours[0], LABEL_RGBA[0][:3], atol=1e-6)
        np.testing.assert_allclose(colours[1], LABEL_RGBA[1][:3], atol=1e-6)
    # the terminated episode gets a red marker at its termination step
    red = [ln for ln in episode_figure(b).axes[0].get_lines() if to_rgb(ln.get_color()) == (1.0, 0.0, 0.0)]
    assert len(red) == 1 and red[0].get_xdata()[0] == pytest.approx(3 / 60.0)


def test_overview_has_per_skill_means_and_files_are_written(tmp_path):
    traces = _record()
    fig = overview_figure(traces)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert labels == ["grasp_kp (mean of 1)", "place_kp (mean of 1)"]
    paths = write_tracking_plots(traces, tmp_path / "res", max_episodes=1)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "res_tracking.png",
        "res_episodes/ep000_place_kp_003_b.png",
    ]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    csv_path = write_traces_csv(traces, tmp_path / "res_errors.csv")
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "episode,env,skill,clip,step,time_s,label,E_op,E_or,E_h"
    assert len(lines) == 1 + 4 + 3


@pytest.fixture
def run_dir(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path / "run" / "summaries"))
    for epoch in range(1, 6):
        w.add_scalar("rewards/iter", float(epoch), epoch)
        w.add_scalar("episode_terms_iter/E_op", 10.0 / epoch, epoch)
        w.add_scalar("losses/a_loss", 0.5, epoch * 64)
    w.close()
    return tmp_path / "run"


def test_training_plot_reads_events(run_dir, tmp_path, capsys):
    scalars = read_scalars(run_dir)
    np.testing.assert_array_equal(scalars["rewards/iter"][0], [1, 2, 3, 4, 5])
    np.testing.assert_allclose(scalars["episode_terms_iter/E_op"][1], [10, 5, 10 / 3, 2.5, 2])
    fig = training_figure(scalars)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["mean episode reward", "object position error E_op (cm)", "losses"]
    reward_line = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(reward_line.get_ydata(), [1, 2, 3, 4, 5])

    from hot.plot_training import main

    assert main([str(run_dir)]) == 0
    assert (run_dir / "training.png").read_bytes()[:4] == b"\x89PNG"
    assert main([str(tmp_path / "missing")]) == 2
    assert "no such run folder" in capsys.readouterr().err
