"""One simulator layer: only ``hot/sim`` imports ``mujoco.batch``, ``mujoco_warp`` or ``warp``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hot.sim.worlds import split_blocks

ROOT = Path(__file__).resolve().parents[2] / "hot"
SIM_ONLY = ("mujoco.batch", "mujoco_warp", "warp")


def _sim_imports(path: Path) -> list[str]:
    """The simulator-only modules that ``path`` imports (any nesting level, lazy imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found += [n for n in names if any(n == m or n.startswith(m + ".") for m in SIM_ONLY)]
    return found


def test_the_scan_finds_each_spelling(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "from mujoco import batch as b\ndef g():\n    import mujoco_warp as mjw\n    import warp.sim\n"
    )
    assert _sim_imports(f) == ["mujoco.batch", "mujoco_warp", "warp.sim"]
    f.write_text("import mujoco\nfrom hot.sim.worlds import new_batch\nimport warpish\n")
    assert _sim_imports(f) == []


def test_only_hot_sim_imports_the_simulators() -> None:
    offenders = {
        str(p.relative_to(ROOT.parent)): _sim_imports(p)
        for p in ROOT.rglob("*.py")
        if ROOT / "sim" not in p.parents
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"import these through hot.sim (hot.sim.worlds, hot.sim.warp_worlds): {offenders}"


def test_split_blocks_contiguous_near_even() -> None:
    assert [list(r) for r in split_blocks(7, 3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [len(r) for r in split_blocks(3, 3)] == [1, 1, 1]
    with pytest.raises(ValueError, match="2 envs cannot hold 3 objects: .*raise --num_envs"):
        split_blocks(2, 3, "objects")
