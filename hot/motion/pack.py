"""Re-pack motion files with DEFLATE-compressed zip entries, in place.

``python -m hot.motion.pack hot/data/motions`` rewrites every ``*.pt`` under the given files or
folders whose archive still has stored (uncompressed) entries, the way :func:`hot.motion.io.save_clip`
now writes them. Each file is loaded before and after, and the rewrite is kept only if every tensor
is bit-identical; writes are atomic, so an interrupted run leaves each file either old or new.
``--check`` only lists the files that are not packed and exits 1 if there are any.

Only motion dicts are accepted (``torch.load(weights_only=True)`` must give a dict of tensors or
``None``); anything else is reported by name and left untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch

from hot.motion.io import walk_pt_files
from hot.utils.files import atomic_torch_save

__all__ = ["is_packed", "iter_pt_files", "pack_file", "main"]


def iter_pt_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Every ``*.pt`` file named or found (recursively) under ``paths``, sorted; a missing path raises."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(walk_pt_files(p)))
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def is_packed(path: str | os.PathLike) -> bool:
    """True if every entry of the ``.pt`` zip archive at ``path`` is deflated."""
    with zipfile.ZipFile(path) as z:
        return all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())


def _load_motion(path: Path) -> dict:
    data = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(data, dict) or not all(v is None or isinstance(v, torch.Tensor) for v in data.values()):
        raise ValueError(f"{path}: not a motion file (expected a dict of tensors)")
    return data


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k, v in a.items():
        w = b[k]
        if (v is None) != (w is None):
            return False
        if v is not None and (v.dtype != w.dtype or v.shape != w.shape or not torch.equal(v, w)):
            return False
    return True


def pack_file(path: str | os.PathLike) -> bool:
    """Re-pack one motion file in place; returns False if it was already packed."""
    path = Path(path)
    if is_packed(path):
        return False
    before = _load_motion(path)
    atomic_torch_save(before, path, compress=True)
    if not _same(before, _load_motion(path)):  # pragma: no cover - torch round trip is exact
        atomic_torch_save(before, path)
        raise RuntimeError(f"{path}: packed file did not load back identical; left uncompressed")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hot.motion.pack",
        description="Re-pack motion .pt files with deflated zip entries (about 5x smaller), in place.",
    )
    parser.add_argument("paths", nargs="+", help="motion files or folders (searched recursively)")
    parser.add_argument("--check", action="store_true", help="only list unpacked files; exit 1 if any")
    args = parser.parse_args(argv)
    try:
        files = iter_pt_files(args.paths)
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.check:
        bad = [f for f in files if not is_packed(f)]
        for f in bad:
            print(f"not packed: {f}")
        print(f"{len(files) - len(bad)}/{len(files)} files packed")
        return 1 if bad else 0
    before = sum(f.stat().st_size for f in files)
    n = 0
    for f in files:
        try:
            n += pack_file(f)
        except (ValueError, RuntimeError, zipfile.BadZipFile) as e:
            print(f"skipped {f}: {e}", file=sys.stderr)
    after = sum(f.stat().st_size for f in files)
    print(f"packed {n} of {len(files)} files: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
