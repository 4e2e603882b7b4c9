"""``python -m hot.cli ...`` = the ``hot`` command."""

import sys

from hot.cli import main

sys.exit(main())
