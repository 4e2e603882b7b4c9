"""requirements.txt and environment.yml list the same packages as pyproject.toml (deps + dev)."""

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _names(reqs):
    return {
        re.split(r"[<>=!~\[ ]", r.strip(), maxsplit=1)[0].lower()
        for r in reqs
        if r.strip() and not r.startswith("#")
    }


def test_requirement_files_agree_with_pyproject():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    want = _names(proj["dependencies"]) | _names(proj["optional-dependencies"]["dev"])
    req = _names((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = _names([p for p in pip if not p.startswith("-e")])
    assert req == want, req ^ want
    assert conda == want, conda ^ want


def test_pinned_versions_agree():
    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {r for r in proj["dependencies"] if "==" in r}
    text = (ROOT / "requirements.txt").read_text() + (ROOT / "environment.yml").read_text()
    for p in pins:
        assert p in text, p


def _lock(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            n, v = line.split("==")
            pins[re.sub(r"[-_.]+", "-", n).lower()] = v
    return pins


def test_locks_pin_every_dependency_within_pyproject_ranges():
    from packaging.requirements import Requirement

    proj = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _lock("requirements.lock") | _lock("requirements-gpu.lock")
    reqs = proj["dependencies"] + proj["optional-dependencies"]["dev"] + proj["optional-dependencies"]["gpu"]
    for text in reqs:
        r = Requirement(text)
        name = re.sub(r"[-_.]+", "-", r.name).lower()
        assert name in pins, f"{name} is not in the locks: run bash scripts/lock.sh"
        assert r.specifier.contains(pins[name]), f"lock pins {name}=={pins[name]} outside '{text}'"
    assert not set(_lock("requirements.lock")) & set(_lock("requirements-gpu.lock"))


def test_mujoco_and_mujoco_warp_are_locked_to_one_release():
    """MuJoCo Warp is tested against the C MuJoCo of its own release; 4.0.1 vs 4.0.0 drifts 2.2e-3 rad."""
    pins = _lock("requirements.lock") | _lock("requirements-gpu.lock")
    assert pins["mujoco"] == pins["mujoco-core"] == pins["mujoco-warp"]


def test_installed_physics_stack_is_the_locked_one():
    """The suite's physics tolerances hold for the locked release; another one is a setup problem."""
    from importlib import metadata

    pins = _lock("requirements.lock") | _lock("requirements-gpu.lock")
    for name in ("mujoco", "mujoco-core", "mujoco-warp", "warp-lang"):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # the gpu extra is optional
        assert have == pins[name], (
            f"{name} {have} installed, lock says {pins[name]}: run bash scripts/setup.sh"
        )


def test_committed_links_stay_inside_the_repository():
    """A committed link must point at a committed path: bench_heldout_mano_bottle once held 31 absolute links
    into a local output/ folder, so a fresh clone got dangling paths (relative links between shipped folders,
    e.g. dexgrasp_train_mano_20obj/bottle, are fine)."""
    import os
    import subprocess

    try:
        out = subprocess.run(
            ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    links = [line.split("\t", 1)[1] for line in out.splitlines() if line.startswith("120000 ")]
    bad = []
    for rel in links:
        target = os.readlink(ROOT / rel)
        resolved = (ROOT / rel).resolve()
        if os.path.isabs(target) or not resolved.is_relative_to(ROOT) or not resolved.exists():
            bad.append(f"{rel} -> {target}")
    assert not bad, f"links that leave the repository or dangle (commit the files instead): {bad[:5]}"
