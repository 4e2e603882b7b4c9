"""H.264 files: frame count, size, content order, atomic writes."""

from __future__ import annotations

import numpy as np
import pytest

from hot.viz.video import VideoWriter, read_video, video_info


def _frame(i: int, h: int = 96, w: int = 128) -> np.ndarray:
    f = np.zeros((h, w, 3), np.uint8)
    f[:, : 8 + 10 * i] = (200, 60, 20)  # a bar that grows by 10 px per frame
    return f


def test_ten_frame_video_decodes_with_count_size_and_order(tmp_path):
    path = tmp_path / "v.mp4"
    with VideoWriter(path, fps=30) as w:
        for i in range(10):
            w.write(_frame(i))
    info = video_info(path)
    assert info == {"frames": 10, "width": 128, "height": 96, "fps": 30.0, "codec": "h264"}
    frames = read_video(path)
    assert frames.shape == (10, 96, 128, 3)
    widths = [(f[48, :, 0] > 100).sum() for f in frames]
    assert np.all(np.abs(np.array(widths) - (8 + 10 * np.arange(10))) <= 2), widths
    assert [p.name for p in tmp_path.iterdir()] == ["v.mp4"]  # no temporary file left


def test_odd_size_is_padded_to_even(tmp_path):
    with VideoWriter(tmp_path / "odd.mp4") as w:
        for i in range(3):
            w.write(_frame(i, 45, 61))
    info = video_info(tmp_path / "odd.mp4")
    assert (info["width"], info["height"], info["frames"]) == (62, 46, 3)


def test_bad_frames_and_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match=".mp4"):
        VideoWriter(tmp_path / "v.avi")
    w = VideoWriter(tmp_path / "v.mp4")
    w.write(_frame(0))
    with pytest.raises(ValueError, match="128x96"):
        w.write(_frame(0, 50, 50))
    with pytest.raises(ValueError, match="uint8"):
        w.write(_frame(0).astype(np.float32))
    w.abort()
    assert list(tmp_path.iterdir()) == []  # aborting leaves nothing behind


def test_still_command_saves_one_frame(tmp_path, capsys):
    from PIL import Image

    from hot.viz.video import main

    with VideoWriter(tmp_path / "v.mp4") as w:
        for i in range(5):
            w.write(_frame(i))
    assert main(["still", str(tmp_path / "v.mp4"), str(tmp_path / "f.png"), "--frame", "3"]) == 0
    img = np.asarray(Image.open(tmp_path / "f.png"))
    assert img.shape == (96, 128, 3) and abs((img[48, :, 0] > 100).sum() - 38) <= 2
    assert main(["still", str(tmp_path / "v.mp4"), str(tmp_path / "g.png"), "--frame", "9"]) == 2
    assert "has 5 frames" in capsys.readouterr().err
