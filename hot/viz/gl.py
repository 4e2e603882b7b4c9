"""Choosing MuJoCo's OpenGL backend for headless (offscreen) rendering.

MuJoCo's Python package reads ``MUJOCO_GL`` once, when ``mujoco`` is first imported, and binds
``mujoco.Renderer`` to that backend for the life of the process. So the choice has to be made
before anything imports ``mujoco``: :func:`select_gl_backend` is called by the entry points
(``hot/run.py --save_video``, the test suite's conftest) before the simulator is built.

Order: a ``MUJOCO_GL`` set by the user is kept as is; otherwise EGL (GPU drivers, or Mesa's
llvmpipe on a CPU-only machine), then OSMesa (pure software). Debian/Ubuntu packages:
``libegl1`` (+ ``libegl-mesa0`` for Mesa's driver) and ``libosmesa6``.
"""

from __future__ import annotations

import ctypes.util
import functools
import os
import subprocess
import sys

__all__ = ["GLUnavailableError", "CANDIDATES", "SYSTEM_PACKAGES", "select_gl_backend", "bound_backend"]

CANDIDATES = ("egl", "osmesa")
"""Headless backends tried in this order when ``MUJOCO_GL`` is not set."""

SYSTEM_PACKAGES = {"egl": "libegl1 (and libegl-mesa0 without a GPU driver)", "osmesa": "libosmesa6"}
"""Debian/Ubuntu package that provides each backend's shared library."""

_LIBRARY = {"egl": "EGL", "osmesa": "OSMesa"}

_PROBE = (
    "import mujoco\n"
    "m = mujoco.MjModel.from_xml_string('<mujoco><worldbody><geom size=\".1\"/></worldbody></mujoco>')\n"
    "r = mujoco.Renderer(m, 16, 16)\n"
    "d = mujoco.MjData(m)\n"
    "r.update_scene(d)\n"
    "r.render()\n"
)


class GLUnavailableError(RuntimeError):
    """No OpenGL backend can render offscreen in this process; the message says what to install."""


def help_message(tried: dict[str, str]) -> str:
    """The error text for when no backend works; ``tried`` maps backend -> why it failed."""
    lines = ["no OpenGL backend for headless rendering works on this machine:"]
    lines += [f"  MUJOCO_GL={name}: {why}" for name, why in tried.items()]
    lines.append(
        "install one of them (Debian/Ubuntu: `apt-get install libegl1 libegl-mesa0` for EGL, or "
        "`apt-get install libosmesa6` for OSMesa), or set MUJOCO_GL yourself."
    )
    return "\n".join(lines)


def bound_backend() -> str | None:
    """The backend ``mujoco.Renderer`` is bound to if ``mujoco`` is already imported, else None.

    Returns one of ``"egl"``, ``"osmesa"``, ``"glfw"``, ``"cgl"``, ``"disabled"`` or ``"unknown"``.
    """
    if "mujoco" not in sys.modules:
        return None
    try:
        from mujoco.rendering.classic import gl_context
    except ImportError:
        return "unknown"
    cls = getattr(gl_context, "GLContext", None)
    if cls is None:
        return "disabled"
    module = getattr(cls, "__module__", "")
    for name in ("egl", "osmesa", "glfw", "cgl"):
        if module.startswith(f"mujoco.{name}"):
            return name
    return "unknown"


def _probe(name: str, timeout: float = 60.0) -> str | None:
    """None if backend ``name`` renders a 16x16 frame in a fresh Python, else why not."""
    if ctypes.util.find_library(_LIBRARY[name]) is None:
        return f"lib{_LIBRARY[name]} not found (package {SYSTEM_PACKAGES[name]})"
    env = dict(os.environ, MUJOCO_GL=name, PYOPENGL_PLATFORM=name)
    try:
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"probe failed ({exc})"
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1]
        return f"cannot create a context ({last})"
    return None


@functools.cache
def _choose(probe: bool) -> str:
    tried: dict[str, str] = {}
    for name in CANDIDATES:
        if probe:
            why = _probe(name)
        else:
            found = ctypes.util.find_library(_LIBRARY[name]) is not None
            why = None if found else f"lib{_LIBRARY[name]} not found (package {SYSTEM_PACKAGES[name]})"
        if why is None:
            return name
        tried[name] = why
    raise GLUnavailableError(help_message(tried))


def select_gl_backend(probe: bool = True) -> str:
    """Set ``MUJOCO_GL`` (and ``PYOPENGL_PLATFORM``) for headless rendering; return the backend.

    Args:
        probe: test each candidate by rendering a tiny frame in a subprocess (about a second);
            False only checks that its shared library exists.

    Returns:
        The backend name. A ``MUJOCO_GL`` already in the environment is returned unchanged; when
        ``mujoco`` was imported already, the backend it is bound to is returned.

    Raises:
        GLUnavailableError: no candidate works, or ``MUJOCO_GL`` names a backend whose library is
            missing (``import mujoco`` would then fail with an unrelated-looking error); the
            message names the system packages.
    """
    user = os.environ.get("MUJOCO_GL", "").strip().lower()
    if user:
        if user in _LIBRARY and ctypes.util.find_library(_LIBRARY[user]) is None:
            raise GLUnavailableError(
                f"MUJOCO_GL={user} is set but lib{_LIBRARY[user]} is not installed (Debian/Ubuntu package: "
                f"{SYSTEM_PACKAGES[user]}); install it, or unset MUJOCO_GL to let hot pick a backend"
            )
        return user
    bound = bound_backend()
    if bound is not None:
        return bound
    name = _choose(probe)
    os.environ["MUJOCO_GL"] = name
    os.environ.setdefault("PYOPENGL_PLATFORM", name)
    return name
