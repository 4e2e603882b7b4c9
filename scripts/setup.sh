#!/usr/bin/env bash
# Create ./.venv (if missing) and install hot with the CPU stack and dev tools (pyproject's
# dependencies include the video/plot stack: imageio-ffmpeg, matplotlib, pillow).
# Headless rendering (--save_video, the rendering tests) also needs a system OpenGL library:
# Debian/Ubuntu `apt-get install libegl1 libegl-mesa0` (EGL) or `libosmesa6` (OSMesa).
# torch: pins the CPU wheel 2.13.0 first so pip does not pull GBs of CUDA packages; for a CUDA
# torch, install it yourself first (https://pytorch.org/get-started/locally/) and run
#   pip install -e ".[dev,gpu]"
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip >/dev/null
if ! python -c "import torch" 2>/dev/null; then
  python -m pip install -q "torch==2.13.0" || python -m pip install -q torch --index-url https://download.pytorch.org/whl/cpu
fi
python -m pip install -q -e ".[dev]"
python -c "import hot, mujoco, torch, rl_games, matplotlib, imageio_ffmpeg, PIL; print(f'hot {hot.__version__}: mujoco {mujoco.__version__}, torch {torch.__version__}')"
