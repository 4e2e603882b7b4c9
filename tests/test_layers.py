"""Nothing imports upward: each top-level part of ``hot`` imports only parts of its own layer or below.

The layers, lowest first, are the README's "Layout": the order below is the one place they are written
down, and a new top-level module or package must be placed in it (the test names one that is not).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "hot"

LAYERS: list[tuple[str, ...]] = [
    ("utils", "config"),
    ("assets",),
    ("sim",),
    ("motion",),
    ("datagen", "tasks", "viz"),
    ("generate", "learning"),
    ("distill",),
    (
        "cli",
        "run",
        "play",
        "eval_table",
        "plot_training",
        "bench",
        "bench_physics",
        "bench_report",
        "bench_learn",
    ),
]
RANK = {part: i for i, layer in enumerate(LAYERS) for part in layer}


def _part(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _hot_imports(path: Path) -> set[str]:
    """Top-level parts of ``hot`` that ``path`` imports (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + (
                [f"{node.module}.{a.name}" for a in node.names] if node.module == "hot" else []
            )
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("hot.")}
    return found


def test_every_part_of_hot_has_a_layer() -> None:
    parts = {_part(p) for p in ROOT.rglob("*.py")} - {"__init__", "__main__"}
    missing = sorted(parts - RANK.keys())
    assert not missing, f"add {missing} to LAYERS in tests/test_layers.py (and the README's Layout)"


def test_nothing_imports_upward() -> None:
    upward = {}
    for path in ROOT.rglob("*.py"):
        src = _part(path)
        if src not in RANK:
            continue
        bad = sorted(t for t in _hot_imports(path) if t in RANK and RANK[t] > RANK[src])
        if bad:
            upward[str(path.relative_to(ROOT.parent))] = bad
    assert not upward, f"upward imports (move the shared code down a layer): {upward}"


def test_the_scan_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        "from hot.sim.worlds import x\ndef g():\n    import hot.cli.tracking\n    from hot import viz\n"
    )
    assert _hot_imports(f) == {"sim", "cli", "viz"}
