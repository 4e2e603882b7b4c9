"""File helpers shared by the motion, datagen and learning layers."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

__all__ = ["atomic_torch_save", "deflate_torch_zip"]

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


def atomic_torch_save(obj: Any, path: str | os.PathLike, *, compress: bool = False) -> Path:
    """``torch.save`` to ``path`` atomically: write a temp file beside it, then ``os.replace``.

    The parent folder is created if needed. On any failure (Ctrl-C included) the temp file is
    removed and the destination is left untouched. With ``compress=True`` the archive's entries
    are deflated (:func:`deflate_torch_zip`; load with ``torch.load``, never with ``mmap=True``).
    Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if compress:
                buf = io.BytesIO()
                torch.save(obj, buf)
                f.write(deflate_torch_zip(buf.getvalue()))
            else:
                torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
