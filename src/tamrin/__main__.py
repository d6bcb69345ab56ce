"""``python -m tamrin …`` runs the command line."""

import sys

from tamrin.cli import main

sys.exit(main())
