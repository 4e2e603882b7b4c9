"""Suite-wide setup: pick MuJoCo's headless OpenGL backend before any test imports ``mujoco``.

``mujoco`` reads ``MUJOCO_GL`` once, at import; the rendering tests (tests/viz) need EGL or
OSMesa there. Only the shared library is looked for here (no probe subprocess); a backend that
is found but does not work makes the rendering tests skip with the renderer's message.

This sets MUJOCO_GL for this process and its children, so the path a user meets (MUJOCO_GL unset, hot
choosing at its entry point) is tested in a subprocess with both variables removed:
tests/viz/test_readme_video.py.
"""

from hot.viz.gl import GLUnavailableError, select_gl_backend

try:
    select_gl_backend(probe=False)
except GLUnavailableError:
    pass  # the rendering tests skip and say why
