#!/usr/bin/env bash
# Create ./.venv (if missing) and install hot with the exact, tested dependency set of requirements.lock
# (scripts/lock.sh writes it); `bash scripts/setup.sh --gpu` adds requirements-gpu.lock (MuJoCo Warp).
# torch: the lock pins the CPU wheel 2.13.0 so pip does not pull GBs of CUDA packages; a torch that is
# already installed in .venv (e.g. a CUDA build, https://pytorch.org/get-started/locally/) is kept.
# Headless rendering (--save_video) uses EGL or OSMesa from the system; hot picks one by itself
# (Debian/Ubuntu: `apt-get install libegl1 libegl-mesa0`, or `libosmesa6`).
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=0
for a in "$@"; do
  case "$a" in
    --gpu) GPU=1 ;;
    *) echo "scripts/setup.sh: unknown option '$a' (use --gpu or nothing)" >&2; exit 2 ;;
  esac
done
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating ./.venv with $("$PY" --version 2>&1)"
  "$PY" -m venv .venv
fi
V=.venv/bin/python
"$V" -m pip install -q --upgrade pip >/dev/null
LOCK=$(mktemp)
trap 'rm -f "$LOCK"' EXIT
if "$V" -c "import torch" 2>/dev/null; then
  have=$("$V" -c "import torch; print(torch.__version__.split('+')[0])")
  want=$(sed -n 's/^torch==//p' requirements.lock)
  [ "$have" = "$want" ] || echo "scripts/setup.sh: keeping the installed torch $have (the lock was tested with $want)" >&2
  grep -v '^torch==' requirements.lock > "$LOCK"
else
  TORCH=$(grep '^torch==' requirements.lock)
  echo "[setup] installing $TORCH (CPU wheel)"
  "$V" -m pip install -q "$TORCH" || "$V" -m pip install -q "$TORCH" --index-url https://download.pytorch.org/whl/cpu
  grep -v '^torch==' requirements.lock > "$LOCK"
fi
echo "[setup] installing the $(grep -c '==' requirements.lock) locked packages of requirements.lock (minutes on a fresh machine, seconds when installed)"
"$V" -m pip install -q -r "$LOCK"
if [ "$GPU" = 1 ]; then
  echo "[setup] adding requirements-gpu.lock (MuJoCo Warp)"
  "$V" -m pip install -q -r requirements-gpu.lock
fi
"$V" -m pip install -q --no-deps -e .
"$V" -c "import hot, mujoco, torch, rl_games, matplotlib, imageio_ffmpeg, PIL; print(f'hot {hot.__version__}: mujoco {mujoco.__version__}, torch {torch.__version__} in .venv (activate: source .venv/bin/activate)')"
