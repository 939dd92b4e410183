"""``python -m benchmarks``: see :func:`benchmarks.main` (``--help``)."""

import sys

from . import main

sys.exit(main())
