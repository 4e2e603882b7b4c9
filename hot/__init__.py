"""hot: physics-based hand-object tracking on MuJoCo (a port of HOT)."""

import os as _os

# MuJoCo's batch thread pool and torch's OpenMP pool share the cores. With OpenMP's default
# active wait, idle torch threads spin and starve MuJoCo's threads (and vice versa): on 2 cores a
# training epoch took 8x longer (docs/benchmarks.md). Passive waiting fixes it. It must be set
# before torch loads libgomp, hence here, and only as a default the user can override.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
