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


# ---------------------------------------------------------------------------------------- shipped data
import inspect  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402

import pytest  # noqa: E402

SHIPPED_PATHS = (
    "checkpoint/",
    "hot/data/motions",
    "dexgrasp_train",
    "hot/data/inhand",
    "SHIPPED_CHECKPOINTS",
)
"""Path fragments of the shipped clips and checkpoints (a clone without them: ``pytest -m 'not shipped_data'``)."""
_uses_shipped: dict[str, bool] = {}


def _module_uses_shipped(mod: types.ModuleType) -> bool:
    """The test module, or a ``tests.*`` helper module it imports, names a shipped path."""
    if mod.__name__ == __name__:
        return False  # this file names the paths only to look for them
    if mod.__name__ not in _uses_shipped:
        try:
            own = inspect.getsource(mod)
        except (OSError, TypeError):
            own = ""
        names = set(re.findall(r"^\s*from (tests(?:\.\w+)+) import", own, flags=re.M))
        names |= {getattr(v, "__module__", "") or "" for v in vars(mod).values()}
        mods = [mod] + [
            m
            for m in (sys.modules.get(n) for n in names)
            if isinstance(m, types.ModuleType) and m.__name__.startswith("tests.") and m is not mod
        ]
        try:
            text = "".join(inspect.getsource(m) for m in mods)
        except (OSError, TypeError):
            text = ""
        _uses_shipped[mod.__name__] = any(p in text for p in SHIPPED_PATHS)
    return _uses_shipped[mod.__name__]


def _fixtures_use_shipped(item) -> bool:
    """A fixture the test uses (e.g. from a conftest.py) is defined in a module that names a shipped path."""
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info is not None else ():
        for d in defs:
            mod = sys.modules.get(getattr(d.func, "__module__", "") or "")
            if (
                mod is not None
                and mod.__name__.startswith(("tests.", "conftest"))
                and _module_uses_shipped(mod)
            ):
                return True
    return False


def pytest_collection_modifyitems(config, items):
    """Mark ``shipped_data`` every test whose module, helper modules or fixtures name the shipped data."""
    for item in items:
        mod = getattr(item, "module", None)
        if (mod is not None and _module_uses_shipped(mod)) or _fixtures_use_shipped(item):
            item.add_marker(pytest.mark.shipped_data)
