#!/usr/bin/env bash
# Re-resolve the dependencies to the newest releases that pyproject's ranges allow, run the test suite
# on them, and rewrite requirements.lock / requirements-gpu.lock: a dependency upgrade is this one
# deliberate, tested command (then review `git diff *.lock` and commit).
#   bash scripts/lock.sh            # resolve, test, rewrite (~10 min on 2 cores)
#   bash scripts/lock.sh --no-test  # resolve and rewrite only (say so in the commit)
# Everything happens in a fresh venv under a temp folder; ./.venv is not touched (run
# scripts/setup.sh afterwards to move it onto the new lock). mujoco follows mujoco-warp: both are pinned
# to mujoco-warp's release, since MuJoCo Warp is tested against the C MuJoCo of its own version.
set -euo pipefail
cd "$(dirname "$0")/.."
TEST=1
for a in "$@"; do
  case "$a" in
    --no-test) TEST=0 ;;
    *) echo "scripts/lock.sh: unknown option '$a' (use --no-test or nothing)" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "[lock] fresh venv in $TMP"
"$PY" -m venv "$TMP/venv"
V="$TMP/venv/bin/python"
"$V" -m pip install -q --upgrade pip
"$V" -m pip install -q "torch==2.13.0" || "$V" -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
"$V" -m pip install -q --upgrade -e ".[dev,gpu]"
W=$("$V" -c "import importlib.metadata as m; print(m.version('mujoco-warp'))")
"$V" -m pip install -q "mujoco==$W"
"$V" scripts/lock_deps.py --out "$TMP"
if [ "$TEST" = 1 ]; then
  echo "[lock] running the test suite on the new set"
  "$V" -m pytest -q
fi
cp "$TMP/requirements.lock" "$TMP/requirements-gpu.lock" .
echo "[lock] wrote requirements.lock and requirements-gpu.lock; review with: git diff -- '*.lock'"
