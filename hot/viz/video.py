"""H.264 mp4 files through imageio-ffmpeg (its bundled ffmpeg; no system ffmpeg needed).

:class:`VideoWriter` streams ``(H, W, 3) uint8`` frames to a temporary file next to the target and
renames it on :meth:`~VideoWriter.close`, so an interrupted run never leaves a truncated video
under the requested name. :func:`read_video` decodes a file back (tests, checks).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import numpy as np

from hot.utils.files import atomic_path

__all__ = ["VideoWriter", "read_video", "video_info", "save_png"]


class VideoWriter:
    """Write frames to an H.264 (yuv420p) mp4.

    Args:
        path: target ``.mp4`` file; parent folders are created.
        fps: frames per second of the file.
        crf: x264 constant rate factor (lower = better and bigger; 23 is x264's default).

    Frames must all have the size of the first one; odd widths/heights are padded by one black
    pixel (yuv420p needs even sizes).
    """

    def __init__(self, path: str | os.PathLike, fps: float = 60.0, crf: int = 23) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() != ".mp4":
            raise ValueError(f"{self.path}: the video file name must end in .mp4")
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.fps = float(fps)
        self.crf = int(crf)
        self.frames = 0
        self.size: tuple[int, int] | None = None  # (width, height) as written
        self._tmp = self.path.with_name(f".{self.path.stem}.tmp.mp4")
        self._gen: Generator[None, np.ndarray | None, None] | None = None

    def _open(self, width: int, height: int) -> None:
        try:
            import imageio_ffmpeg
        except ImportError as exc:  # a dependency of hot; only missing in a broken install
            raise RuntimeError("writing videos needs imageio-ffmpeg: pip install imageio-ffmpeg") from exc
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size = (width + width % 2, height + height % 2)
        self._gen = gen = imageio_ffmpeg.write_frames(
            str(self._tmp),
            self.size,
            fps=self.fps,  # pyright: ignore[reportArgumentType]  # a float is fine; untyped, inferred from the default 16
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            quality=None,  # pyright: ignore[reportArgumentType]  # None (use output_params' -crf) is documented; untyped, inferred from the default 5
            macro_block_size=1,
            output_params=["-crf", str(self.crf), "-preset", "medium", "-movflags", "+faststart"],
            ffmpeg_log_level="error",
        )
        gen.send(None)

    def write(self, frame: np.ndarray) -> None:
        """Append one ``(H, W, 3) uint8`` frame."""
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"frames must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
        h, w = frame.shape[:2]
        if self._gen is None:
            self._open(w, h)
        assert self.size is not None and self._gen is not None  # _open set both
        if (w + w % 2, h + h % 2) != self.size:
            raise ValueError(f"frame {self.frames} is {w}x{h} but the video is {self.size[0]}x{self.size[1]}")
        if w % 2 or h % 2:
            frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)))
        self._gen.send(np.ascontiguousarray(frame))
        self.frames += 1

    def close(self) -> Path | None:
        """Finish the file and move it into place; returns its path (None if no frame was written)."""
        if self._gen is None:
            return None
        gen, self._gen = self._gen, None
        gen.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Stop writing and delete the temporary file."""
        if self._gen is not None:
            gen, self._gen = self._gen, None
            try:
                gen.close()
            finally:
                self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def video_info(path: str | os.PathLike) -> dict:
    """``{"frames", "width", "height", "fps", "codec"}`` of a video file (frames counted by decoding)."""
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = gen.__next__()
    frames = sum(1 for _ in gen)
    w, h = meta["size"]
    return {
        "frames": frames,
        "width": int(w),
        "height": int(h),
        "fps": float(meta["fps"]),
        "codec": meta.get("codec", ""),
    }


def read_video(path: str | os.PathLike) -> np.ndarray:
    """All frames of a video as ``(T, H, W, 3) uint8``."""
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = gen.__next__()
    w, h = meta["size"]
    frames = [np.frombuffer(b, dtype=np.uint8).reshape(h, w, 3) for b in gen]
    return np.stack(frames) if frames else np.zeros((0, h, w, 3), np.uint8)


def save_png(frame: np.ndarray, path: str | os.PathLike) -> Path:
    """Write one ``(H, W, 3) uint8`` frame as PNG (through a temporary file)."""
    from PIL import Image

    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(np.asarray(frame, np.uint8)).save(tmp, optimize=True)
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m hot.viz.video still VIDEO.mp4 OUT.png [--frame N]``: one frame of a video as PNG."""
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m hot.viz.video", description="video helpers")
    sub = p.add_subparsers(dest="cmd", required=True)
    still = sub.add_parser("still", help="save one frame of a video as PNG")
    still.add_argument("video")
    still.add_argument("out", help="output .png")
    still.add_argument("--frame", type=int, default=-1, help="frame index (default: the middle frame)")
    args = p.parse_args(argv)
    if not Path(args.video).is_file():
        print(f"hot.viz.video: error: {args.video}: no such file", file=sys.stderr)
        return 2
    frames = read_video(args.video)
    if len(frames) == 0:
        print(f"hot.viz.video: error: {args.video}: no frames", file=sys.stderr)
        return 2
    i = len(frames) // 2 if args.frame < 0 else args.frame
    if not 0 <= i < len(frames):
        print(f"hot.viz.video: error: --frame {i}: the video has {len(frames)} frames", file=sys.stderr)
        return 2
    out = save_png(frames[i], args.out)
    print(f"[hot] wrote {out} (frame {i} of {len(frames)}, {frames.shape[2]}x{frames.shape[1]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
