"""The module CLIs start under ``python -OO`` (docstrings stripped).

Found by the type check: their argparse descriptions read ``__doc__.splitlines()[0]``, and ``__doc__`` is
None under -OO, so ``--help`` (and every command) failed with an AttributeError.
"""

import subprocess
import sys

MODULES = (
    "hot.assets.hands.__main__",
    "hot.assets.objects.__main__",
    "hot.bench",
    "hot.eval_table",
    "hot.plot_training",
    "hot.viz.bench",
)

SCRIPT = """
import contextlib, importlib, io, sys
assert __doc__ is None and sys.flags.optimize == 2
for name in sys.argv[1:]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            importlib.import_module(name).main(["--help"])
        except SystemExit as e:
            assert e.code == 0, (name, e.code)
    assert out.getvalue().startswith("usage:"), (name, out.getvalue()[:200])
print("ok")
"""


def test_module_clis_start_without_docstrings():
    r = subprocess.run(
        [sys.executable, "-OO", "-c", SCRIPT, *MODULES], capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "ok"
