"""The user docs stay true and short: README's status tables are generated from the result files, every
relative markdown link points at a file, and the guide pages stay small enough to read."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 12 * 1024


def _status_table():
    spec = importlib.util.spec_from_file_location("status_table", ROOT / "scripts" / "status_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_status_block_is_the_generated_one():
    st = _status_table()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert st.BEGIN in text and st.END in text, "README.md lost its status block markers"
    assert st.current_block(text) == st.render(), (
        "README.md's status block differs from the result files: run python scripts/status_table.py "
        "(figures in that block are generated, not edited by hand)"
    )
    assert st.main(["--check"]) == 0


def test_status_check_fails_on_a_hand_edited_figure(tmp_path, monkeypatch):
    st = _status_table()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = st.current_block(text)
    edited = re.sub(r"\d+ %", "99 %", block, count=1)
    assert edited != block
    readme = tmp_path / "README.md"
    readme.write_text(st.splice(text, edited), encoding="utf-8")
    monkeypatch.setattr(st, "README", readme)
    assert st.main(["--check"]) == 1


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "DATA_GENERATION.md", *sorted((ROOT / "docs").rglob("*.md"))]


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files(page):
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)  # not inside code blocks
    missing = []
    for m in LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # URL, mailto, or an anchor on the same page
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists():
            missing.append(target)
    assert not missing, f"{page.relative_to(ROOT)}: links to missing files {missing}"


def test_guide_pages_are_short():
    pages = [ROOT / "DATA_GENERATION.md", *sorted((ROOT / "docs").glob("*.md"))]
    big = {str(p.relative_to(ROOT)): p.stat().st_size for p in pages if p.stat().st_size >= LIMIT}
    assert not big, f"guide pages over {LIMIT} bytes (move history to docs/dev/): {big}"


def test_index_lists_the_pages_in_order():
    text = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    order = [
        "install.md",
        "quickstart.md",
        "tracking.md",
        "DATA_GENERATION.md",
        "DISTILLATION.md",
        "INHAND.md",
        "benchmarks.md",
        "results.md",
    ]
    pos = [text.index(f"{name})") for name in order]
    assert pos == sorted(pos)
