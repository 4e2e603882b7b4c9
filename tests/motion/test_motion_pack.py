"""Compressed motion files: save_clip deflates, pack re-packs old files losslessly, shipped data is packed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from hot.motion.io import clip_to_dict, load_clip, save_clip
from hot.motion.pack import is_packed, main, pack_file
from hot.utils.files import atomic_torch_save

from .helpers import make_clip

T, F, K = 200, 4, 5
REPO = Path(__file__).resolve().parents[2]


def test_save_clip_writes_deflated_and_deterministic(tmp_path: Path) -> None:
    clip = make_clip(T, F, K, seed=0)
    a, b = tmp_path / "a" / "001_x_0_0.pt", tmp_path / "b" / "001_x_0_0.pt"
    save_clip(a, clip)
    time.sleep(1.1)  # zip stores mtimes with 2 s resolution; a later write must still match
    save_clip(b, clip)
    assert is_packed(a)
    assert a.read_bytes() == b.read_bytes()


def test_pack_is_lossless_smaller_and_idempotent(tmp_path: Path, capsys) -> None:
    clip = make_clip(T, F, K, seed=1)
    path = tmp_path / "002_x_0_0.pt"
    ref = clip_to_dict(clip)
    atomic_torch_save(ref, path)  # the old, uncompressed layout
    raw_size = path.stat().st_size
    assert not is_packed(path)
    assert main(["--check", str(tmp_path)]) == 1
    assert "not packed" in capsys.readouterr().out
    assert pack_file(path) is True
    assert is_packed(path) and path.stat().st_size < raw_size
    back = torch.load(path, weights_only=True)
    for k, v in ref.items():
        assert torch.equal(v.view(torch.int32), back[k].view(torch.int32)), k
    load_clip(path, num_dofs=6 + F, num_key_bodies=K)  # the normal reader accepts it
    assert pack_file(path) is False
    assert main(["--check", str(tmp_path)]) == 0


def test_pack_refuses_non_motion_files(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "weights.pt"
    torch.save([torch.zeros(3)], bad)
    before = bad.read_bytes()
    assert main([str(tmp_path)]) == 0
    assert "not a motion file" in capsys.readouterr().err
    assert bad.read_bytes() == before
    assert main([str(tmp_path / "missing")]) == 2


def test_shipped_motions_are_packed() -> None:
    root = REPO / "hot" / "data" / "motions"
    files = sorted(root.rglob("*.pt"))
    assert files, f"no shipped motion files under {root}"
    unpacked = [str(f.relative_to(REPO)) for f in files if not is_packed(f)]
    assert not unpacked, f"run `python -m hot.motion.pack hot/data/motions`: {unpacked[:5]}"
    total = sum(os.path.getsize(f) for f in files)
    # budget raised from 40 to 45 MB for the regenerated Allegro grasp/move/place set (102 clips, +1.3 MB),
    # then to 50 MB for the 20-object sets: training clips of 12 objects (3.2 MB) and held-out clips of 19
    # objects (4.5 MB), so that test.sh tabulates every object out of the box; then to 55 MB for the
    # training clips of six more objects (Duck, Mug, Phone, Screwdriver, Stapler, TennisBall; +3.0 MB)
    assert total < 55e6, f"shipped motions are {total / 1e6:.1f} MB, over the 55 MB budget"
