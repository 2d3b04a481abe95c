r"""Gambit's ``.nfg`` files: two-player strategic games.

A bimatrix game :math:`(A, B)` with strategy sets :math:`S_1 = \{s^1_0, \dots, s^1_{m-1}\}`
(rows, the first player) and :math:`S_2 = \{s^2_0, \dots, s^2_{n-1}\}` (columns):
``A[i, j]`` and ``B[i, j]`` are the payoffs when row plays :math:`s^1_i` and column plays
:math:`s^2_j`, as in nashpy. Gambit lists the :math:`mn` profiles with the *first*
player's strategy varying fastest, so the :math:`k`-th profile of the file (from 0) is

.. math:: k = i + m\,j, \qquad i = k \bmod m,\quad j = \lfloor k / m \rfloor .

The *payoff version* lists :math:`A_{ij}, B_{ij}` for each profile in that order; the
*outcome version* lists outcomes (a name and a payoff pair each, numbered from 1) and
then one outcome number per profile, 0 meaning the null outcome (payoff 0 to both).
Numbers and strings as in :mod:`negotiation.io.gambit_text`.

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from negotiation.io.gambit_text import (
    Parser,
    Payoff,
    as_payoff,
    format_number,
    payoff_count,
    payoff_value,
    player_list,
    quote,
    quoted_name,
)

__all__ = ["NormalFormGame", "read_nfg", "write_nfg"]


def _exact_matrix(values: ArrayLike, name: str, shape: tuple[int, int]) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    if array.shape != shape:
        raise ValueError(
            f"{name} has shape {array.shape}, expected {shape} (strategies of each player)"
        )
    exact = np.empty(shape, dtype=object)
    for index, value in np.ndenumerate(array):
        exact[index] = as_payoff(value, f"{name}{list(index)}")
    exact.flags.writeable = False
    return exact


def _float_matrix(exact: np.ndarray) -> np.ndarray:
    array = exact.astype(float)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """A two-player strategic game, as in a Gambit ``.nfg`` file.

    Parameters
    ----------
    title : str
        The game's title.
    players : tuple of two str
        Player names; the first is the row player.
    strategies : tuple of two tuples of str
        Strategy labels of each player, in file order.
    A, B : array_like, shape (len(strategies[0]), len(strategies[1]))
        Payoffs of the row and column player, ``[row strategy, column strategy]``.
        Integer and ``Fraction`` entries are kept exact in :attr:`exact`; the fields
        ``A`` and ``B`` themselves are read-only float arrays.
    comment : str
        The optional comment after the strategies.
    exact : tuple of two object arrays, optional
        The payoffs as ``Fraction`` (exact) or ``float`` (decimal) entries; derived from
        ``A`` and ``B`` when omitted. When given, ``A`` and ``B`` must equal it as floats.

    Examples
    --------
    >>> from fractions import Fraction
    >>> game = NormalFormGame("t", ("Row", "Col"), (("U", "D"), ("L",)), [[1], [Fraction(1, 3)]], [[0], [2.5]])
    >>> game.exact[0][1, 0], game.exact[1][1, 0]
    (Fraction(1, 3), 2.5)
    """

    title: str
    players: tuple[str, str]
    strategies: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray
    comment: str = ""
    exact: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        players = tuple(self.players)
        if len(players) != 2 or not all(isinstance(name, str) for name in players):
            raise ValueError(f"players: expected two names, got {self.players!r}")
        strategies = tuple(tuple(labels) for labels in self.strategies)
        if len(strategies) != 2:
            raise ValueError(
                f"strategies: expected one tuple of labels per player, got {len(strategies)}"
            )
        for player, labels in enumerate(strategies):
            if not labels or not all(isinstance(label, str) for label in labels):
                raise ValueError(
                    f"strategies[{player}]: expected a nonempty tuple of labels, got {labels!r}"
                )
        if not isinstance(self.title, str) or not isinstance(self.comment, str):
            raise ValueError("title and comment must be strings")
        shape = (len(strategies[0]), len(strategies[1]))
        given = (self.A, self.B) if self.exact is None else tuple(self.exact)
        if len(given) != 2:
            raise ValueError("exact: expected two payoff arrays")
        exact = (_exact_matrix(given[0], "A", shape), _exact_matrix(given[1], "B", shape))
        floats = (_float_matrix(exact[0]), _float_matrix(exact[1]))
        if self.exact is not None:
            for name, values, expected in zip("AB", (self.A, self.B), floats, strict=True):
                array = np.asarray(values, dtype=float)
                if array.shape != shape or not np.array_equal(array, expected):
                    raise ValueError(
                        f"{name} does not equal the exact payoffs; pass exact=None to derive them"
                    )
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "strategies", strategies)
        object.__setattr__(self, "A", floats[0])
        object.__setattr__(self, "B", floats[1])
        object.__setattr__(self, "exact", exact)

    def _key(self) -> tuple:
        assert self.exact is not None
        return (
            self.title,
            self.players,
            self.strategies,
            self.comment,
            tuple(self.exact[0].flat),
            tuple(self.exact[1].flat),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalFormGame):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())



# --------------------------------------------------------------------------- .nfg


def read_nfg(text: str, *, source: str = "<string>") -> NormalFormGame:
    """Read a two-player strategic game in Gambit's ``.nfg`` format (either version).

    Strategies given only by their number (``{ 3 2 }``) are labelled ``"1"``, ``"2"``,
    ...; in the outcome version the payoffs of each profile are kept and the outcome
    names dropped (:func:`write_nfg` names the outcomes afresh).

    Parameters
    ----------
    text : str
        The file's contents.
    source : str
        Name used in error messages.

    Raises
    ------
    GambitFormatError
        With the line of the problem.

    Examples
    --------
    The payoff version lists profiles with the first player's strategy varying fastest:
    ``(U, L), (D, L), (U, R), (D, R)``.

    >>> game = read_nfg('NFG 1 R "" { "1" "2" } { { "U" "D" } { "L" "R" } } 1 2 3 4 5 6 7 8')
    >>> game.A
    array([[1., 5.],
           [3., 7.]])
    """
    parser = Parser(text, source)
    title, players = parser.prologue("NFG", "1")
    strategies = _read_strategies(parser)
    comment = parser.advance().text if parser.peek().kind == "string" else ""
    shape = (len(strategies[0]), len(strategies[1]))
    token = parser.peek()
    if token.kind == "{":
        A, B = _read_outcome_body(parser, shape)
    elif token.kind == "number":
        A, B = _read_payoff_body(parser, shape)
    else:
        raise parser.error(
            token, f"expected the payoffs or the list of outcomes, got {token.show()}"
        )
    token = parser.peek()
    if token.kind != "eof":
        raise parser.error(
            token,
            f"expected the end of the file after the {shape[0] * shape[1]} strategy profiles, got {token.show()}",
        )
    return NormalFormGame(title, players, strategies, A, B, comment)


def _read_strategies(parser: Parser) -> tuple[tuple[str, ...], tuple[str, ...]]:
    opening = parser.expect("{", "'{' to open the strategies")
    lists: list[tuple[str, ...]] = []
    if parser.peek().kind == "{":
        for player in (1, 2):
            inner = parser.expect("{", f"'{{' to open the strategies of player {player}")
            labels = []
            while parser.peek().kind == "string":
                labels.append(parser.advance().text)
            parser.expect(
                "}",
                f"a strategy label or '}}' to close the strategies of player {player} opened at line {inner.line}",
            )
            if not labels:
                raise parser.error(inner, f"player {player} has no strategies")
            lists.append(tuple(labels))
    else:
        for player in (1, 2):
            token = parser.peek()
            count = parser.integer(f"the number of strategies of player {player}")
            if count < 1:
                raise parser.error(token, f"player {player} has no strategies")
            lists.append(tuple(str(number) for number in range(1, count + 1)))
    parser.expect("}", f"'}}' to close the strategies opened at line {opening.line}")
    return lists[0], lists[1]


def _profiles(shape: tuple[int, int]) -> list[tuple[int, int]]:
    """Profiles in file order: the first player's strategy varies fastest."""
    rows, columns = shape
    return [(row, column) for column in range(columns) for row in range(rows)]


def _read_payoff_body(parser: Parser, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    A = np.empty(shape, dtype=object)
    B = np.empty(shape, dtype=object)
    needed = 2 * shape[0] * shape[1]
    for count, (row, column) in enumerate(_profiles(shape)):
        for matrix, offset in ((A, 0), (B, 1)):
            token = parser.peek()
            if token.kind == "eof":
                raise parser.error(
                    token,
                    f"expected {needed} payoffs (2 players x {needed // 2} profiles), found only {2 * count + offset}",
                )
            matrix[row, column] = parser.payoff("a payoff")
    token = parser.peek()
    if token.kind == "number":
        raise parser.error(
            token, f"too many payoffs: expected {needed} (2 players x {needed // 2} profiles)"
        )
    return A, B


def _read_outcome_body(parser: Parser, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    opening = parser.expect("{", "'{' to open the list of outcomes")
    outcomes: list[tuple[Payoff, ...]] = [(Fraction(0), Fraction(0))]  # 0: the null outcome
    while parser.peek().kind == "{":
        number = len(outcomes)
        entry = parser.advance()
        parser.string(f"the name of outcome {number}")
        payoffs: list[Payoff] = []
        while True:
            token = parser.advance()
            if token.kind == "}":
                break
            if token.kind == "number":
                payoffs.append(payoff_value(token.text))
            elif token.kind != "," or not payoffs:
                raise parser.error(
                    token,
                    f"expected a payoff or '}}' to close outcome {number}, got {token.show()}",
                )
        if len(payoffs) != 2:
            raise parser.error(
                entry, f"outcome {number} has {payoff_count(len(payoffs))}; expected 2, one per player"
            )
        outcomes.append(tuple(payoffs))
    parser.expect(
        "}", f"'{{' to start an outcome or '}}' to close the outcomes opened at line {opening.line}"
    )
    A = np.empty(shape, dtype=object)
    B = np.empty(shape, dtype=object)
    profiles = _profiles(shape)
    for count, (row, column) in enumerate(profiles):
        token = parser.peek()
        if token.kind == "eof":
            raise parser.error(
                token,
                f"expected {len(profiles)} outcome numbers (one per profile), found only {count}",
            )
        number = parser.integer("an outcome number")
        if number >= len(outcomes):
            raise parser.error(
                token,
                f"outcome {number} is not defined: the file defines outcomes 1 to {len(outcomes) - 1}",
            )
        A[row, column], B[row, column] = outcomes[number]
    token = parser.peek()
    if token.kind == "number":
        raise parser.error(
            token, f"too many outcome numbers: expected {len(profiles)}, one per profile"
        )
    return A, B


def write_nfg(game: NormalFormGame, *, version: Literal["payoff", "outcome"] = "payoff") -> str:
    """Write ``game`` in Gambit's ``.nfg`` format.

    Parameters
    ----------
    game : NormalFormGame
    version : {"payoff", "outcome"}
        ``"payoff"`` lists the two payoffs of every profile (one line per column
        strategy); ``"outcome"`` lists each distinct payoff pair once as an outcome
        (named ``"1"``, ``"2"``, ... in order of first use) and then an outcome number
        per profile. Strategy labels are kept in both versions (the payoff version uses
        the short form ``{ m n }`` when the labels are just ``"1"``, ``"2"``, ...).

    Returns
    -------
    str
        The file's text, which :func:`read_nfg` reads back as an equal game.

    Raises
    ------
    ValueError
        If a name cannot be written so that Gambit reads it back unchanged (see the
        module notes on backslashes and on the names Gambit 17 refuses).

    Examples
    --------
    >>> game = read_nfg('NFG 1 R "" { "1" "2" } { 2 1 } 1 1 0 0')
    >>> print(write_nfg(game, version="outcome"), end="")
    NFG 1 R "" { "1" "2" }
    <BLANKLINE>
    { { "1" "2" }
    { "1" }
    }
    ""
    <BLANKLINE>
    {
    { "1" 1, 1 }
    { "2" 0, 0 }
    }
    1 2
    """
    assert game.exact is not None
    A, B = game.exact
    header = f"NFG 1 R {quote(game.title)} {player_list(game.players)}"
    if version == "payoff":
        if all(
            labels == tuple(str(k) for k in range(1, len(labels) + 1)) for labels in game.strategies
        ):
            strategies = f"{{ {len(game.strategies[0])} {len(game.strategies[1])} }}"
        else:
            strategies = "{ " + " ".join(_strategy_list(game, player) for player in (0, 1)) + " }"
        lines = [f"{header} {strategies}", quote(game.comment), ""]
        for column in range(A.shape[1]):
            lines.append(
                " ".join(
                    f"{format_number(A[row, column])} {format_number(B[row, column])}"
                    for row in range(A.shape[0])
                )
            )
        return "\n".join(lines) + "\n"
    if version == "outcome":
        numbers: dict[tuple, int] = {}
        outcome_lines = []
        indices = []
        for row, column in _profiles(A.shape):
            pair = (A[row, column], B[row, column])
            key = tuple((type(value), value) for value in pair)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                outcome_lines.append(
                    f"{{ {quote(str(numbers[key]))} {format_number(pair[0])}, {format_number(pair[1])} }}"
                )
            indices.append(str(numbers[key]))
        lines = [
            header,
            "",
            "{ " + "\n".join(_strategy_list(game, player) for player in (0, 1)),
            "}",
            quote(game.comment),
            "",
            "{",
            *outcome_lines,
            "}",
            " ".join(indices),
        ]
        return "\n".join(lines) + "\n"
    raise ValueError(f"version: expected 'payoff' or 'outcome', got {version!r}")



def _strategy_list(game: NormalFormGame, player: int) -> str:
    labels = (
        quoted_name(label, f"strategy of player {player + 1}") for label in game.strategies[player]
    )
    return "{ " + " ".join(labels) + " }"
