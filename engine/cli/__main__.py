"""``python -m engine.cli``: the same as the ``isrender`` console script."""

import sys

from engine.cli import main

sys.exit(main())
