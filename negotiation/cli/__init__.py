"""The ``negotiation`` command.

Exit codes: 0 success, 2 bad input (a config or an argument; one line per problem on
stderr, no traceback), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from negotiation.io.config import ConfigError

EXIT_BAD_INPUT = 2

__all__ = ["EXIT_BAD_INPUT", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from negotiation.cli import files, run, sweep

    parser = argparse.ArgumentParser(
        prog="negotiation",
        description="Equilibrium analysis of two-sided trade negotiations with pre-talk leverage moves.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register(sub)
    files.register(sub)
    sweep.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
