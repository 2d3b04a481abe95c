"""``python -m negotiation.cli``: the ``negotiation`` command."""

import sys

from negotiation.cli import main

sys.exit(main())
