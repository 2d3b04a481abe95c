"""Reading a file the user names: one clear line for every way it can fail (exit code 2)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["BadInput", "user_file"]

T = TypeVar("T")


class BadInput(Exception):
    """A problem with the user's input: one line on stderr, exit code 2."""


def user_file(path: str, read: Callable[[str], T], expected: str, option: str = "") -> T:
    """``read(path)``, with a missing, unreadable or non-UTF-8 file turned into :class:`BadInput`
    naming the path, what was expected (``"a .nfg file"``) and the option it came from."""
    where = f" ({option})" if option else ""
    try:
        return read(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file{where}") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a directory, expected {expected}{where}") from None
    except UnicodeDecodeError as error:
        raise BadInput(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise BadInput(f"{path}: cannot read the file ({error.strerror})") from None
