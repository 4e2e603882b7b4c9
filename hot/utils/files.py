"""File helpers shared by the motion, datagen and learning layers."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import torch

__all__ = ["atomic_path", "atomic_write", "atomic_write_text", "atomic_torch_save", "deflate_torch_zip"]

# A fixed timestamp keeps compressed files byte-identical across runs (zip stores mtimes).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def deflate_torch_zip(raw: bytes) -> bytes:
    """Re-pack a ``torch.save`` zip archive with DEFLATE-compressed entries.

    ``torch.save`` stores its entries uncompressed (aligned for memory mapping); ``torch.load``
    also reads deflated entries, so the result loads to equal tensors with ``torch.load``. Never
    load such a file with ``mmap=True``: torch then maps the compressed bytes and returns wrong
    values (or fails) without warning; nothing in ``hot`` memory-maps motion files. Smooth float32 trajectories shrink about 5x. Entry order and names
    are kept; timestamps are fixed, so equal input gives byte-identical output.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info), compresslevel=9)
    return out.getvalue()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path`` in one step.

    The one atomic-write helper of the project: readers never see a half-written file, a failure
    (an exception, Ctrl-C) removes the temporary file and leaves ``path`` untouched, and the file gets
    the mode the umask gives (``mkstemp`` alone makes 0600). The parent folder is created if needed;
    the temporary name keeps ``path``'s suffix, for writers that pick a format by it (``savefig``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", **open_kwargs: Any) -> Iterator[IO]:
    """``open(path, mode)`` through :func:`atomic_path`: flushed and fsynced before the replace."""
    with atomic_path(path) as tmp, open(tmp, mode, **open_kwargs) as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_write`); returns the path."""
    with atomic_write(path) as f:
        f.write(text)
    return Path(path)


def atomic_torch_save(obj: Any, path: str | os.PathLike, *, compress: bool = False) -> Path:
    """``torch.save`` to ``path`` atomically: write a temp file beside it, then ``os.replace``.

    The parent folder is created if needed. On any failure (Ctrl-C included) the temp file is
    removed and the destination is left untouched. With ``compress=True`` the archive's entries
    are deflated (:func:`deflate_torch_zip`; load with ``torch.load``, never with ``mmap=True``).
    Returns the path written.
    """
    path = Path(path)
    with atomic_write(path, "wb") as f:
        if compress:
            buf = io.BytesIO()
            torch.save(obj, buf)
            f.write(deflate_torch_zip(buf.getvalue()))
        else:
            torch.save(obj, f)
    return path
