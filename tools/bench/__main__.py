"""``python -m tools.bench``: ver :mod:`tools.bench.cli` (o ``python -m tools.bench --help``)."""

import sys

from tools.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
