"""The ``negotiation`` command.

Exit codes: 0 success, 2 bad input (a config, an argument or an output path; one line per
problem on stderr, no traceback), 1 an unexpected failure (one line; ``--debug`` shows the
traceback), 130 interrupted, 141 stdout closed early (``negotiation run --json | head``).
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from negotiation.io.config import ConfigError

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130
#: 128 + SIGPIPE: what a command killed by a closed pipe reports, as ``yes | head`` does.
EXIT_BROKEN_PIPE = 141

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "BadOutputPath", "build_parser", "check_out_dir", "main"]


class BadOutputPath(ValueError):
    """An output folder that cannot be written; ``str()`` is one line naming the path."""

    def __init__(self, option: str, path: Path, what: str) -> None:
        self.option, self.path, self.what = option, path, what
        super().__init__(f"{option} {path}: {what}")


def check_out_dir(path: str | Path, option: str = "--out", staged: bool = False) -> None:
    """Refuse an output folder that cannot be written, before any work is done.

    The folder may be missing (it is created later, with its parents); then its nearest
    existing ancestor must be a writable folder.

    Parameters
    ----------
    path : str or Path
        The output folder.
    option : str
        The option that named it, for the message.
    staged : bool
        The folder is written as a sibling and renamed into place: its parent must be
        writable too.

    Raises
    ------
    BadOutputPath
        ``path`` is an existing file, lies under a file, or a folder that is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise BadOutputPath(option, path, "is an existing file, not a folder: choose another --out or remove the file")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != path:
        if not existing.is_dir():
            raise BadOutputPath(option, path, f"cannot be created: {existing} is a file, not a folder")
    _probe(option, path, existing, "is not writable" if existing == path
           else f"cannot be created: {existing} is not writable")
    if staged and existing == path and path.resolve().parent != path.resolve():
        parent = path.resolve().parent
        _probe(option, path, parent, f"cannot be replaced: its parent {parent} is not writable")


def _probe(option: str, path: Path, folder: Path, where: str) -> None:
    # a probe file, not os.access: access() says yes to root on a read-only file system
    try:
        fd, probe = tempfile.mkstemp(prefix=".negotiation-probe-", dir=folder)
    except OSError as error:
        reason = (os.strerror(error.errno) if error.errno else str(error)).lower()
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason += " (a read-only folder)"
        raise BadOutputPath(option, path, f"{where}: {reason}") from None
    os.close(fd)
    os.unlink(probe)


def build_parser() -> argparse.ArgumentParser:
    from negotiation.cli import files, fit, report, run, sweep

    parser = argparse.ArgumentParser(
        prog="negotiation",
        description="Equilibrium analysis of two-sided trade negotiations with pre-talk leverage moves.",
    )
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an unexpected error instead of a one-line message")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register(sub)
    files.register(sub)
    sweep.register(sub)
    report.register(sub)
    fit.register(sub)
    # also accepted after the command (`negotiation run --debug`), where users tend to type it
    for command in sub.choices.values():
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush of a closed pipe
    does not print a second BrokenPipeError at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        # flushed here, where a closed pipe can still be handled, not at interpreter exit
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # the reader stopped early (`| head`): nothing is wrong and nothing more to say
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadOutputPath as error:
        print(f"negotiation: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if args.debug:
            raise
        print(f"negotiation: error: {_one_line(error)}; run with --debug for the traceback", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
