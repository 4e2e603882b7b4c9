"""requirements.txt and environment.yml list the same packages as pyproject.toml (deps + dev)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _names(reqs):
    return {re.split(r"[<>=!~\[ ]", r.strip(), maxsplit=1)[0].lower() for r in reqs if r.strip() and not r.startswith("#")}


def test_requirement_files_agree_with_pyproject():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    want = _names(proj["dependencies"]) | _names(proj["optional-dependencies"]["dev"])
    req = _names((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = _names([p for p in pip if not p.startswith("-e")])
    assert req == want, (req ^ want)
    assert conda == want, (conda ^ want)


def test_pinned_versions_agree():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {r for r in proj["dependencies"] if "==" in r}
    text = (ROOT / "requirements.txt").read_text() + (ROOT / "environment.yml").read_text()
    for p in pins:
        assert p in text, p
