r"""The text layer of Gambit's game files: tokens, strings, numbers and errors.

Shared by the ``.nfg`` reader and writer (:mod:`negotiation.io.nfg`) and the ``.efg`` ones
(:mod:`negotiation.io.efg`).

Numbers
-------
Integers and rationals (``3``, ``-3/4``) are read as exact :class:`fractions.Fraction`;
decimals and scientific notation (``0.25``, ``1e-3``) as :class:`float` payoffs, so the
type of each payoff records how the file wrote it and the writers write it back the
same way (a ``Fraction`` as ``n/d``, a ``float`` with :func:`repr`). Chance
probabilities are always exact: a decimal ``0.1`` is the fraction 1/10, as in Gambit.

Strings
-------
Quoted strings follow Gambit's lexer: ``\"`` is a quote and any other backslash is
kept, including Gambit's quirk that a backslash after a backslash also escapes the next
character (:func:`quote` writes them so that Gambit reads them back). Names of players,
strategies, nodes, information sets, actions and outcomes must also be names Gambit 17
accepts (:func:`quoted_name`).

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html

Examples
--------
>>> quote('say "hi"'), format_number(Fraction(-3, 4)), format_number(0.25)
('"say \\"hi\\""', '-3/4', '0.25')
>>> payoff_value("3/6"), payoff_value("1e-3")
(Fraction(1, 2), 0.001)
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = [
    "GambitFormatError",
    "Parser",
    "Payoff",
    "Token",
    "as_payoff",
    "as_probability",
    "format_number",
    "payoff_count",
    "payoff_value",
    "player_list",
    "probability_problem",
    "quote",
    "quoted_name",
    "same_payoffs",
    "tokenize",
]

#: A payoff as read from a file: exact for integers and rationals, float for decimals.
Payoff = Fraction | float


class GambitFormatError(ValueError):
    """A Gambit game file that cannot be read, located by file and line.

    ``str(error)`` reads like ``game.efg:12: expected a chance probability, got 'x'``.

    Attributes
    ----------
    message : str
        The problem, without the location.
    source : str
        The file name (or ``"<string>"``).
    line, column : int or None
        1-based position of the offending token, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str = "<string>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {message}")



# --------------------------------------------------------------------------- numbers


def as_payoff(value: object, what: str) -> Payoff:
    """``value`` as a payoff: a ``Fraction`` if it is an integer or rational, else a finite float."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{what}: expected a number, got {value!r}")
    if isinstance(value, int | np.integer):
        return Fraction(int(value))
    if isinstance(value, numbers.Rational):
        return Fraction(value.numerator, value.denominator)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{what}: payoffs must be finite, got {number!r}")
        return number
    raise ValueError(f"{what}: expected an int, Fraction or float, got {value!r}")


def as_probability(value: object, what: str) -> Fraction:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Rational | np.integer):
        raise ValueError(
            f"{what}: chance probabilities must be exact (int or Fraction), got {value!r}"
        )
    return Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value)


def probability_problem(probabilities: tuple[Fraction, ...]) -> str | None:
    """Why these chance probabilities are invalid, or None."""
    for probability in probabilities:
        if probability < 0:
            return f"chance probability {probability} is negative"
    total = sum(probabilities, Fraction(0))
    if total != 1:
        return f"chance probabilities sum to {total}, not 1"
    return None


def same_payoffs(first: tuple[Payoff, ...] | None, second: tuple[Payoff, ...] | None) -> bool:
    """Equal values written the same way (both exact or both decimal)."""
    if first is None or second is None:
        return first is second
    return len(first) == len(second) and all(
        type(a) is type(b) and a == b for a, b in zip(first, second, strict=True)
    )


def quoted_name(label: str, what: str) -> str:
    """``label`` quoted, after checking that Gambit (17 and later) accepts it as a name.

    Gambit refuses names of players, strategies, nodes, information sets, actions and
    outcomes that contain a control or line-separator character, begin or end with
    white space, or hold two white-space characters in a row (titles and comments are
    free). Empty names are allowed (Gambit renames them ``"_1"``, ...).
    """
    if not isinstance(label, str):
        raise ValueError(f"{what}: expected a string, got {label!r}")
    problem = None
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in label):
        problem = "it contains a control character"
    elif label != label.strip():
        problem = "it begins or ends with white space"
    elif any(a.isspace() and b.isspace() for a, b in zip(label, label[1:], strict=False)):
        problem = "it has two white-space characters in a row"
    if problem:
        raise ValueError(
            f"{what} {label!r} cannot be written: Gambit refuses the name because {problem}"
        )
    return quote(label)


def format_number(value: Payoff) -> str:
    if isinstance(value, Fraction):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot write the non-finite number {value!r}")
    return repr(float(value))


def quote(label: str) -> str:
    """``label`` as a Gambit string literal that Gambit's lexer reads back unchanged.

    Gambit reads ``\\"`` as a quote and keeps every other backslash together with the
    character after it, and a backslash that follows a backslash escapes too. So a run
    of ``k`` backslashes in the file becomes ``2k - 1`` backslashes before an ordinary
    character and ``2k - 2`` backslashes before an escaped quote; other runs, and a
    trailing backslash, cannot be written.
    """
    if not isinstance(label, str):
        raise ValueError(f"expected a string label, got {label!r}")
    out = ['"']
    position = 0
    while position < len(label):
        char = label[position]
        if char == '"':
            out.append('\\"')
            position += 1
            continue
        if char != "\\":
            out.append(char)
            position += 1
            continue
        end = position
        while end < len(label) and label[end] == "\\":
            end += 1
        run = end - position
        following = label[end] if end < len(label) else None
        if following is None:
            raise ValueError(
                f"label {label!r} cannot be written in Gambit's format: it ends with a backslash"
            )
        if following == '"':
            if run % 2:
                raise ValueError(
                    f"label {label!r} cannot be written in Gambit's format: "
                    "an odd run of backslashes before a quote"
                )
            out.append("\\" * (run // 2 + 1) + '"')
        else:
            if run % 2 == 0:
                raise ValueError(
                    f"label {label!r} cannot be written in Gambit's format: "
                    "an even run of backslashes"
                )
            out.append("\\" * ((run + 1) // 2) + following)
        position = end + 1
    out.append('"')
    return "".join(out)



# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "number", "word", "{", "}", ",", "eof"
    text: str
    line: int
    column: int

    def show(self) -> str:
        if self.kind == "eof":
            return "the end of the file"
        if self.kind == "string":
            text = self.text if len(self.text) <= 30 else self.text[:27] + "..."
            return f'the string "{text}"'
        return f"'{self.text}'"


_PUNCTUATION = "{},"
_NUMBER_START = "0123456789+-."
_INTEGER = re.compile(r"[+-]?[0-9]+")
_UNSIGNED = re.compile(r"[0-9]+")
_RATIONAL = re.compile(r"[+-]?[0-9]+/[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def tokenize(text: str, source: str) -> Iterator[Token]:
    """Tokens in order, lazily, so that the first problem in the file is the one reported."""
    position, line, line_start = 0, 1, 0
    length = len(text)
    end_line, end_column = 1, 1  # just after the last token: where the end of the file is reported
    while True:
        if position:
            end_line, end_column = line, position - line_start + 1
        while position < length and text[position].isspace():
            if text[position] == "\n":
                line += 1
                line_start = position + 1
            position += 1
        column = position - line_start + 1
        if position >= length:
            yield Token("eof", "", end_line, end_column)
            return
        char = text[position]
        if char in _PUNCTUATION:
            yield Token(char, char, line, column)
            position += 1
        elif char == '"':
            start_line, start_column = line, column
            chars: list[str] = []
            escaped = False
            position += 1
            while True:
                if position >= length:
                    raise GambitFormatError(
                        "unterminated string: no closing '\"' before the end of the file",
                        source=source,
                        line=start_line,
                        column=start_column,
                    )
                char = text[position]
                position += 1
                if char == "\n":
                    line += 1
                    line_start = position
                if char == '"' and not escaped:
                    break
                if escaped:
                    chars.append('"' if char == '"' else "\\" + char)
                elif char != "\\":
                    chars.append(char)
                escaped = char == "\\"
            yield Token("string", "".join(chars), start_line, start_column)
        else:
            end = position
            while end < length and not text[end].isspace() and text[end] not in '{},"':
                end += 1
            word = text[position:end]
            if char in _NUMBER_START:
                rational = _RATIONAL.fullmatch(word)
                if not (rational or _DECIMAL.fullmatch(word)) or (
                    rational and int(word.split("/")[1]) == 0
                ):
                    raise GambitFormatError(
                        f"bad number '{word}'", source=source, line=line, column=column
                    )
                yield Token("number", word, line, column)
            else:
                yield Token("word", word, line, column)
            position = end


class Parser:
    """A cursor over the tokens of one file."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.tokens = tokenize(text, source)
        self.next: Token | None = None

    def peek(self) -> Token:
        if self.next is None:
            self.next = next(self.tokens)
        return self.next

    def advance(self) -> Token:
        token = self.peek()
        if token.kind != "eof":
            self.next = None
        return token

    def error(self, token: Token, message: str) -> GambitFormatError:
        return GambitFormatError(message, source=self.source, line=token.line, column=token.column)

    def expect(self, kind: str, what: str) -> Token:
        token = self.advance()
        if token.kind != kind:
            raise self.error(token, f"expected {what}, got {token.show()}")
        return token

    def string(self, what: str) -> str:
        return self.expect("string", what).text

    def integer(self, what: str) -> int:
        token = self.advance()
        if token.kind != "number" or not _UNSIGNED.fullmatch(token.text):
            raise self.error(token, f"expected {what}, got {token.show()}")
        return int(token.text)

    def payoff(self, what: str) -> Payoff:
        token = self.advance()
        if token.kind != "number":
            raise self.error(token, f"expected {what}, got {token.show()}")
        return payoff_value(token.text)

    def payoff_list(self, what: str) -> tuple[Payoff, ...]:
        """``{ x y }`` or ``{ x, y }``: exactly two payoffs."""
        opening = self.expect("{", f"'{{' to open the payoffs of {what}")
        values: list[Payoff] = []
        while True:
            token = self.advance()
            if token.kind == "}":
                break
            if token.kind == "number":
                values.append(payoff_value(token.text))
            elif token.kind != "," or not values:
                raise self.error(
                    token,
                    f"expected a payoff or '}}' to close the payoffs of {what} "
                    f"opened at line {opening.line}, got {token.show()}",
                )
        if len(values) != 2:
            raise self.error(
                opening, f"{what} has {payoff_count(len(values))}; expected 2, one per player"
            )
        return tuple(values)

    def prologue(self, magic: str, version: str) -> tuple[str, tuple[str, str]]:
        """``NFG 1 R "title" { "P1" "P2" }`` or ``EFG 2 R ...``: the title and the players."""
        token = self.advance()
        if token.kind != "word" or token.text != magic:
            raise self.error(
                token,
                f"expected '{magic}' at the start of a .{magic.lower()} file, got {token.show()}",
            )
        token = self.advance()
        if token.kind != "number" or token.text != version:
            raise self.error(
                token, f"expected {magic} format version {version}, got {token.show()}"
            )
        token = self.advance()
        if token.kind != "word" or token.text not in ("R", "D"):
            raise self.error(token, f"expected the data type 'R' (or 'D'), got {token.show()}")
        title = self.string("the game title")
        opening = self.expect("{", "'{' to open the list of players")
        players = []
        while self.peek().kind == "string":
            players.append(self.advance().text)
        self.expect(
            "}", f"a player name or '}}' to close the list of players opened at line {opening.line}"
        )
        if len(players) != 2:
            raise self.error(
                opening, f"the game has {len(players)} players: only two-player games are supported"
            )
        return title, (players[0], players[1])


def payoff_count(count: int) -> str:
    return "1 payoff" if count == 1 else f"{count} payoffs"


def payoff_value(text: str) -> Payoff:
    if _INTEGER.fullmatch(text) or _RATIONAL.fullmatch(text):
        return Fraction(text)
    return float(text)



def player_list(players: tuple[str, str]) -> str:
    return f"{{ {quoted_name(players[0], 'player name')} {quoted_name(players[1], 'player name')} }}"
