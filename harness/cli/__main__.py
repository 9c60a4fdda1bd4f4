"""`python -m harness.cli`: the same as the catalog-harness command."""

import sys

from . import main

sys.exit(main())
