r"""Read and write Gambit's game files: ``.nfg`` (strategic) and ``.efg`` (extensive).

Two-player games only; a file with any other number of players is refused with a
:class:`GambitFormatError`. The records are plain frozen dataclasses, independent of
pygambit.

Strategic games (``.nfg``)
--------------------------
A bimatrix game :math:`(A, B)` with strategy sets :math:`S_1 = \{s^1_0, \dots, s^1_{m-1}\}`
(rows, the first player) and :math:`S_2 = \{s^2_0, \dots, s^2_{n-1}\}` (columns):
``A[i, j]`` and ``B[i, j]`` are the payoffs when row plays :math:`s^1_i` and column plays
:math:`s^2_j`, as in nashpy. Gambit lists the :math:`mn` profiles with the *first*
player's strategy varying fastest, so the :math:`k`-th profile of the file (from 0) is

.. math:: k = i + m\,j, \qquad i = k \bmod m,\quad j = \lfloor k / m \rfloor .

The *payoff version* lists :math:`A_{ij}, B_{ij}` for each profile in that order; the
*outcome version* lists outcomes (a name and a payoff pair each, numbered from 1) and
then one outcome number per profile, 0 meaning the null outcome (payoff 0 to both).

Extensive games (``.efg``)
--------------------------
A game tree in preorder (a node, then the subtrees of its children in action order).
Personal nodes ``p`` carry a player (1 or 2 in the file, 0 or 1 here) and an
information-set number, unique per player; chance nodes ``c`` a chance
information-set number and a probability per action; terminal nodes ``t`` neither.
Any node may carry an outcome; the payoff of a play is the *sum* of the outcomes met
along its path from the root,

.. math:: u(v) = \sum_{w \in \mathrm{path}(\mathrm{root}, v)} o(w),

which is how Gambit reads multi-stage games (:meth:`ExtensiveFormGame.payoff_at`).
The second and later appearances of an information set or outcome may omit its name
and actions (payoffs); if repeated they must match the first.

Numbers
-------
Integers and rationals (``3``, ``-3/4``) are read as exact :class:`fractions.Fraction`;
decimals and scientific notation (``0.25``, ``1e-3``) as :class:`float` payoffs, so the
type of each payoff records how the file wrote it and the writers write it back the
same way (a ``Fraction`` as ``n/d``, a ``float`` with :func:`repr`). Chance
probabilities are always exact: a decimal ``0.1`` is the fraction 1/10, as in Gambit,
and the probabilities at a chance node must sum to exactly 1.

Differences from Gambit's own reader
------------------------------------
* Stricter: text after the last node of the tree is an error (Gambit ignores it; it
  usually means a node has fewer actions than children were written), and a number
  must end at white space, a brace, a comma or a quote (``3x`` is an error).
* Labels are kept as written. Gambit renames empty and repeated labels (``"_1"``);
  this reader does not, so an empty player name stays empty.
* A repeated outcome definition is compared by value (``1`` and ``1/1`` agree); Gambit
  compares the text.
* Quoted strings follow Gambit's lexer: ``\"`` is a quote and any other backslash is
  kept, including Gambit's quirk that a backslash after a backslash also escapes the
  next character. The writers refuse the few labels that Gambit cannot read back (a
  trailing backslash, or a run of backslashes that this quirk would change).
* The reader accepts any name, as older Gambit versions did; the writers refuse (with
  ``ValueError``) the names Gambit 17 refuses to read: names of players, strategies,
  nodes, information sets, actions and outcomes with a control character, white space
  at either end, or two white-space characters in a row; two nodes with the same
  nonempty name; two information sets of one player (or of chance) with the same
  nonempty name. Titles and comments are free. Gambit *renames* (rather than refuses)
  empty or repeated names of players, strategies, actions and outcomes; the writers
  leave those as they are.

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html

Examples
--------
>>> game = read_nfg('NFG 1 R "PD" { "Row" "Column" } { 2 2 } 3 3 5 0 0 5 1 1')
>>> game.A
array([[3., 0.],
       [5., 1.]])
>>> print(write_nfg(game), end="")
NFG 1 R "PD" { "Row" "Column" } { 2 2 }
""
<BLANKLINE>
3 3 5 0
0 5 1 1
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "EfgInfoset",
    "EfgNode",
    "ExtensiveFormGame",
    "GambitFormatError",
    "NormalFormGame",
    "Payoff",
    "load_game",
    "read_efg",
    "read_nfg",
    "write_efg",
    "write_nfg",
]

#: A payoff as read from a file: exact for integers and rationals, float for decimals.
Payoff = Fraction | float

NodeKind = Literal["personal", "chance", "terminal"]

_NODE_KINDS = ("personal", "chance", "terminal")


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


def _as_payoff(value: object, what: str) -> Payoff:
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


def _as_probability(value: object, what: str) -> Fraction:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Rational | np.integer):
        raise ValueError(
            f"{what}: chance probabilities must be exact (int or Fraction), got {value!r}"
        )
    return Fraction(int(value)) if isinstance(value, np.integer) else Fraction(value)


def _probability_problem(probabilities: tuple[Fraction, ...]) -> str | None:
    """Why these chance probabilities are invalid, or None."""
    for probability in probabilities:
        if probability < 0:
            return f"chance probability {probability} is negative"
    total = sum(probabilities, Fraction(0))
    if total != 1:
        return f"chance probabilities sum to {total}, not 1"
    return None


def _same_payoffs(first: tuple[Payoff, ...] | None, second: tuple[Payoff, ...] | None) -> bool:
    """Equal values written the same way (both exact or both decimal)."""
    if first is None or second is None:
        return first is second
    return len(first) == len(second) and all(
        type(a) is type(b) and a == b for a, b in zip(first, second, strict=True)
    )


def _label(label: str, what: str) -> str:
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
    return _quote(label)


def _format_number(value: Payoff) -> str:
    if isinstance(value, Fraction):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot write the non-finite number {value!r}")
    return repr(float(value))


def _quote(label: str) -> str:
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


# --------------------------------------------------------------------------- records


def _exact_matrix(values: ArrayLike, name: str, shape: tuple[int, int]) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    if array.shape != shape:
        raise ValueError(
            f"{name} has shape {array.shape}, expected {shape} (strategies of each player)"
        )
    exact = np.empty(shape, dtype=object)
    for index, value in np.ndenumerate(array):
        exact[index] = _as_payoff(value, f"{name}{list(index)}")
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


class EfgInfoset(NamedTuple):
    """An information set (or chance information set) of an extensive game."""

    number: int
    """Gambit's number for it, unique per player."""
    name: str
    actions: tuple[str, ...]
    nodes: tuple[int, ...]
    """Indices of its member nodes, in preorder."""


@dataclass(frozen=True)
class EfgNode:
    """One node of an ``.efg`` game tree.

    Parameters
    ----------
    kind : {"personal", "chance", "terminal"}
    name : str
        The node's label.
    player : int or None
        0 or 1 at a personal node (the file's 1 or 2), else None.
    infoset : int or None
        Gambit's information-set number (per player; chance nodes have their own
        numbering), None at a terminal node.
    infoset_name : str
    actions : tuple of str
        Action labels; the node's children follow in this order.
    probabilities : tuple of Fraction
        Chance probabilities, one per action (chance nodes only).
    outcome : int or None
        The attached outcome's number, None for the null outcome (0 in the file).
    outcome_name : str
    payoffs : tuple of two payoffs, or None
        The attached outcome's payoffs (not accumulated: see
        :meth:`ExtensiveFormGame.payoff_at`).
    children : tuple of int
        Indices of the children in :attr:`ExtensiveFormGame.nodes`.
    """

    kind: NodeKind
    name: str = ""
    player: int | None = None
    infoset: int | None = None
    infoset_name: str = ""
    actions: tuple[str, ...] = ()
    probabilities: tuple[Fraction, ...] = ()
    outcome: int | None = None
    outcome_name: str = ""
    payoffs: tuple[Payoff, Payoff] | None = None
    children: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in _NODE_KINDS:
            raise ValueError(f"kind: expected one of {_NODE_KINDS}, got {self.kind!r}")
        actions = tuple(self.actions)
        children = tuple(int(child) for child in self.children)
        probabilities = tuple(_as_probability(p, "probabilities") for p in self.probabilities)
        for label in (self.name, self.infoset_name, self.outcome_name, *actions):
            if not isinstance(label, str):
                raise ValueError(f"labels must be strings, got {label!r}")
        if self.kind == "terminal":
            if self.player is not None or self.infoset is not None or self.infoset_name:
                raise ValueError("a terminal node has no player or information set")
            if actions or probabilities or children:
                raise ValueError("a terminal node has no actions, probabilities or children")
        else:
            if not isinstance(self.infoset, int) or self.infoset < 1:
                raise ValueError(f"infoset: expected a positive integer, got {self.infoset!r}")
            if not actions:
                raise ValueError(f"a {self.kind} node needs at least one action")
            if len(children) != len(actions):
                raise ValueError(f"{len(actions)} actions but {len(children)} children")
        if self.kind == "personal":
            if self.player not in (0, 1):
                raise ValueError(f"player: expected 0 or 1 at a personal node, got {self.player!r}")
            if probabilities:
                raise ValueError("only chance nodes have probabilities")
        if self.kind == "chance":
            if self.player is not None:
                raise ValueError("a chance node has no player")
            if len(probabilities) != len(actions):
                raise ValueError(f"{len(actions)} actions but {len(probabilities)} probabilities")
            problem = _probability_problem(probabilities)
            if problem:
                raise ValueError(problem)
        payoffs = self.payoffs
        if self.outcome is None:
            if payoffs is not None or self.outcome_name:
                raise ValueError("the null outcome (outcome=None) has no name or payoffs")
        else:
            if not isinstance(self.outcome, int) or self.outcome < 1:
                raise ValueError(
                    f"outcome: expected a positive integer or None, got {self.outcome!r}"
                )
            if payoffs is None or len(payoffs) != 2:
                raise ValueError(f"outcome {self.outcome}: expected two payoffs, got {payoffs!r}")
            payoffs = tuple(_as_payoff(value, "payoffs") for value in payoffs)
        object.__setattr__(self, "actions", actions)
        object.__setattr__(self, "children", children)
        object.__setattr__(self, "probabilities", probabilities)
        object.__setattr__(self, "payoffs", payoffs)


@dataclass(frozen=True)
class ExtensiveFormGame:
    """A two-player extensive game, as in a Gambit ``.efg`` file.

    ``nodes[0]`` is the root and the nodes are in preorder, as in the file. Construction
    checks the tree (children in preorder, one child per action) and that every
    appearance of an information set has the same name and actions (and, for chance,
    probabilities) and every appearance of an outcome number the same name and payoffs.

    Attributes
    ----------
    parents : tuple of (int or None)
        The parent of each node (None for the root); derived.

    Examples
    --------
    >>> game = read_efg('''EFG 2 R "entry" { "Entrant" "Incumbent" }
    ... p "" 1 1 "" { "In" "Out" } 0
    ... p "" 2 1 "" { "Fight" "Share" } 0
    ... t "" 1 "war" { -1 -1 }
    ... t "" 2 "peace" { 1 1 }
    ... t "" 3 "stay out" { 0 2 }''')
    >>> [game.payoff_at(v) for v in (2, 3, 4)]
    [(Fraction(-1, 1), Fraction(-1, 1)), (Fraction(1, 1), Fraction(1, 1)), (Fraction(0, 1), Fraction(2, 1))]
    >>> game.infosets()[1]
    (EfgInfoset(number=1, name='', actions=('Fight', 'Share'), nodes=(1,)),)
    """

    title: str
    players: tuple[str, str]
    nodes: tuple[EfgNode, ...]
    comment: str = ""
    parents: tuple[int | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        players = tuple(self.players)
        if len(players) != 2 or not all(isinstance(name, str) for name in players):
            raise ValueError(f"players: expected two names, got {self.players!r}")
        if not isinstance(self.title, str) or not isinstance(self.comment, str):
            raise ValueError("title and comment must be strings")
        nodes = tuple(self.nodes)
        if not nodes or not all(isinstance(node, EfgNode) for node in nodes):
            raise ValueError("nodes: expected a nonempty sequence of EfgNode")
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "parents", _parents_in_preorder(nodes))
        _check_consistency(nodes)

    def infosets(self) -> tuple[tuple[EfgInfoset, ...], tuple[EfgInfoset, ...]]:
        """Each player's information sets in order of first appearance (Gambit's order)."""
        by_player: tuple[dict[int, list], dict[int, list]] = ({}, {})
        for index, node in enumerate(self.nodes):
            if node.kind == "personal":
                assert node.player is not None and node.infoset is not None
                entry = by_player[node.player].setdefault(node.infoset, [node, []])
                entry[1].append(index)
        return tuple(  # type: ignore[return-value]
            tuple(
                EfgInfoset(number, first.infoset_name, first.actions, tuple(members))
                for number, (first, members) in infosets.items()
            )
            for infosets in by_player
        )

    def chance_infosets(self) -> tuple[EfgInfoset, ...]:
        """The chance information sets in order of first appearance."""
        infosets: dict[int, list] = {}
        for index, node in enumerate(self.nodes):
            if node.kind == "chance":
                assert node.infoset is not None
                infosets.setdefault(node.infoset, [node, []])[1].append(index)
        return tuple(
            EfgInfoset(number, first.infoset_name, first.actions, tuple(members))
            for number, (first, members) in infosets.items()
        )

    def path(self, node: int) -> tuple[tuple[int, int], ...]:
        """The moves from the root to ``node``: ``(ancestor index, action index)`` pairs."""
        steps = []
        child = node
        parent = self.parents[child]
        while parent is not None:
            steps.append((parent, self.nodes[parent].children.index(child)))
            child, parent = parent, self.parents[parent]
        return tuple(reversed(steps))

    def payoff_at(self, node: int) -> tuple[Payoff, Payoff]:
        """Payoffs of reaching ``node``: the sum of the outcomes on the path from the root.

        Includes the outcome at ``node`` itself; a sum stays exact while every term is a
        ``Fraction`` and becomes a float once a decimal payoff enters.
        """
        totals: list[Payoff] = [Fraction(0), Fraction(0)]
        current: int | None = node
        while current is not None:
            payoffs = self.nodes[current].payoffs
            if payoffs is not None:
                totals = [total + payoff for total, payoff in zip(totals, payoffs, strict=True)]
            current = self.parents[current]
        return (totals[0], totals[1])


def _parents_in_preorder(nodes: tuple[EfgNode, ...]) -> tuple[int | None, ...]:
    parents: list[int | None] = [None] * len(nodes)
    expected = 0
    stack = [0]
    while stack:
        index = stack.pop()
        if index != expected:
            raise ValueError(
                f"nodes are not in preorder: expected node {expected}, the tree reaches node {index}"
            )
        expected += 1
        for child in nodes[index].children:
            if not 0 < child < len(nodes):
                raise ValueError(f"node {index}: child {child} is out of range")
            if parents[child] is not None:
                raise ValueError(f"node {child} has two parents")
            parents[child] = index
        stack.extend(reversed(nodes[index].children))
    if expected != len(nodes):
        raise ValueError(f"only {expected} of the {len(nodes)} nodes are reachable from the root")
    return tuple(parents)


def _check_consistency(nodes: tuple[EfgNode, ...]) -> None:
    infosets: dict[tuple[int | None, int], tuple[int, EfgNode]] = {}
    outcomes: dict[int, tuple[int, EfgNode]] = {}
    for index, node in enumerate(nodes):
        if node.kind != "terminal":
            assert node.infoset is not None
            key = (node.player, node.infoset)
            first_index, first = infosets.setdefault(key, (index, node))
            if (first.infoset_name, first.actions, first.probabilities) != (
                node.infoset_name,
                node.actions,
                node.probabilities,
            ):
                owner = "chance" if node.player is None else f"player index {node.player}"
                raise ValueError(
                    f"node {index}: information set {node.infoset} of {owner} differs from "
                    f"its first appearance at node {first_index}"
                )
        if node.outcome is not None:
            first_index, first = outcomes.setdefault(node.outcome, (index, node))
            if first.outcome_name != node.outcome_name or not _same_payoffs(
                first.payoffs, node.payoffs
            ):
                raise ValueError(
                    f"node {index}: outcome {node.outcome} differs from its first appearance "
                    f"at node {first_index}"
                )


# --------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class _Token:
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


def _tokenize(text: str, source: str) -> Iterator[_Token]:
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
            yield _Token("eof", "", end_line, end_column)
            return
        char = text[position]
        if char in _PUNCTUATION:
            yield _Token(char, char, line, column)
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
            yield _Token("string", "".join(chars), start_line, start_column)
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
                yield _Token("number", word, line, column)
            else:
                yield _Token("word", word, line, column)
            position = end


class _Parser:
    """A cursor over the tokens of one file."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(text, source)
        self.next: _Token | None = None

    def peek(self) -> _Token:
        if self.next is None:
            self.next = next(self.tokens)
        return self.next

    def advance(self) -> _Token:
        token = self.peek()
        if token.kind != "eof":
            self.next = None
        return token

    def error(self, token: _Token, message: str) -> GambitFormatError:
        return GambitFormatError(message, source=self.source, line=token.line, column=token.column)

    def expect(self, kind: str, what: str) -> _Token:
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
        return _payoff_value(token.text)

    def payoff_list(self, what: str) -> tuple[Payoff, ...]:
        """``{ x y }`` or ``{ x, y }``: exactly two payoffs."""
        opening = self.expect("{", f"'{{' to open the payoffs of {what}")
        values: list[Payoff] = []
        while True:
            token = self.advance()
            if token.kind == "}":
                break
            if token.kind == "number":
                values.append(_payoff_value(token.text))
            elif token.kind != "," or not values:
                raise self.error(
                    token,
                    f"expected a payoff or '}}' to close the payoffs of {what} "
                    f"opened at line {opening.line}, got {token.show()}",
                )
        if len(values) != 2:
            raise self.error(
                opening, f"{what} has {_payoffs(len(values))}; expected 2, one per player"
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


def _payoffs(count: int) -> str:
    return "1 payoff" if count == 1 else f"{count} payoffs"


def _payoff_value(text: str) -> Payoff:
    if _INTEGER.fullmatch(text) or _RATIONAL.fullmatch(text):
        return Fraction(text)
    return float(text)


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
    parser = _Parser(text, source)
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


def _read_strategies(parser: _Parser) -> tuple[tuple[str, ...], tuple[str, ...]]:
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


def _read_payoff_body(parser: _Parser, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
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


def _read_outcome_body(parser: _Parser, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
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
                payoffs.append(_payoff_value(token.text))
            elif token.kind != "," or not payoffs:
                raise parser.error(
                    token,
                    f"expected a payoff or '}}' to close outcome {number}, got {token.show()}",
                )
        if len(payoffs) != 2:
            raise parser.error(
                entry, f"outcome {number} has {_payoffs(len(payoffs))}; expected 2, one per player"
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
    header = f"NFG 1 R {_quote(game.title)} {_player_list(game.players)}"
    if version == "payoff":
        if all(
            labels == tuple(str(k) for k in range(1, len(labels) + 1)) for labels in game.strategies
        ):
            strategies = f"{{ {len(game.strategies[0])} {len(game.strategies[1])} }}"
        else:
            strategies = "{ " + " ".join(_strategy_list(game, player) for player in (0, 1)) + " }"
        lines = [f"{header} {strategies}", _quote(game.comment), ""]
        for column in range(A.shape[1]):
            lines.append(
                " ".join(
                    f"{_format_number(A[row, column])} {_format_number(B[row, column])}"
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
                    f"{{ {_quote(str(numbers[key]))} {_format_number(pair[0])}, {_format_number(pair[1])} }}"
                )
            indices.append(str(numbers[key]))
        lines = [
            header,
            "",
            "{ " + "\n".join(_strategy_list(game, player) for player in (0, 1)),
            "}",
            _quote(game.comment),
            "",
            "{",
            *outcome_lines,
            "}",
            " ".join(indices),
        ]
        return "\n".join(lines) + "\n"
    raise ValueError(f"version: expected 'payoff' or 'outcome', got {version!r}")


def _player_list(players: tuple[str, str]) -> str:
    return f"{{ {_label(players[0], 'player name')} {_label(players[1], 'player name')} }}"


def _strategy_list(game: NormalFormGame, player: int) -> str:
    labels = (
        _label(label, f"strategy of player {player + 1}") for label in game.strategies[player]
    )
    return "{ " + " ".join(labels) + " }"


# --------------------------------------------------------------------------- .efg


def read_efg(text: str, *, source: str = "<string>") -> ExtensiveFormGame:
    """Read a two-player extensive game in Gambit's ``.efg`` format.

    Checks, each reported with its line: node types, player numbers (1 or 2), the
    actions (and chance probabilities, which must sum to exactly 1) of every
    appearance of an information set, the name and payoffs of every appearance of an
    outcome, two payoffs per outcome, and that the file holds exactly one child per
    action (no missing nodes, nothing after the tree).

    Parameters
    ----------
    text : str
        The file's contents.
    source : str
        Name used in error messages.

    Raises
    ------
    GambitFormatError

    Examples
    --------
    >>> game = read_efg('''EFG 2 R "coin" { "A" "B" } "a comment"
    ... c "toss" 1 "" { "H" 1/3 "T" 2/3 } 0
    ... t "" 1 "heads" { 1, -1 }
    ... t "" 2 "tails" { -1.5, 1.5 }''')
    >>> game.nodes[0].probabilities, game.nodes[2].payoffs
    ((Fraction(1, 3), Fraction(2, 3)), (-1.5, 1.5))
    >>> read_efg('''EFG 2 R "" { "A" "B" }
    ... c "" 1 "" { "H" 0.5 "T" 0.4 } 0
    ... t "" 0
    ... t "" 0''', source="coin.efg")
    Traceback (most recent call last):
    ...
    negotiation.formats.gambit.GambitFormatError: coin.efg:2: chance probabilities sum to 9/10, not 1
    """
    parser = _Parser(text, source)
    title, players = parser.prologue("EFG", "2")
    comment = parser.advance().text if parser.peek().kind == "string" else ""
    nodes = _TreeReader(parser).read()
    return ExtensiveFormGame(title, players, nodes, comment)


class _TreeReader:
    """Reads the node list, checking each appearance of an infoset and outcome."""

    def __init__(self, parser: _Parser) -> None:
        self.parser = parser
        # (player or None for chance, number) -> (name, actions, probabilities, line)
        self.infosets: dict[
            tuple[int | None, int], tuple[str, tuple[str, ...], tuple[Fraction, ...], int]
        ] = {}
        # number -> (name, payoffs, line)
        self.outcomes: dict[int, tuple[str, tuple[Payoff, ...], int]] = {}

    def read(self) -> tuple[EfgNode, ...]:
        parser = self.parser
        fields: list[dict] = []
        lines: list[int] = []
        children: list[list[int]] = []
        open_nodes: list[list[int]] = []  # [node index, children still to read]
        while True:
            token = parser.peek()
            if token.kind == "eof":
                if not open_nodes:
                    raise parser.error(token, "expected the root node, got the end of the file")
                parent = open_nodes[-1][0]
                raise parser.error(
                    token,
                    f"unexpected end of the file: the node at line {lines[parent]} has "
                    f"{len(fields[parent]['actions'])} actions, but only {len(children[parent])} "
                    "of its children follow it",
                )
            index = len(fields)
            node = self.node()
            fields.append(node)
            lines.append(token.line)
            children.append([])
            if open_nodes:
                children[open_nodes[-1][0]].append(index)
                open_nodes[-1][1] -= 1
            if node.get("actions"):
                open_nodes.append([index, len(node["actions"])])
            while open_nodes and open_nodes[-1][1] == 0:
                open_nodes.pop()
            if not open_nodes:
                break
        token = parser.peek()
        if token.kind != "eof":
            raise parser.error(
                token,
                f"unexpected {token.show()} after the end of the game tree "
                "(every node already has one child per action)",
            )
        return tuple(
            EfgNode(children=tuple(kids), **node)
            for node, kids in zip(fields, children, strict=True)
        )

    def node(self) -> dict:
        parser = self.parser
        token = parser.advance()
        kinds = {"p": "personal", "c": "chance", "t": "terminal"}
        if token.kind != "word" or token.text not in kinds:
            raise parser.error(
                token,
                f"unknown node type {token.show()}: expected 'p' (personal), 'c' (chance) or 't' (terminal)",
            )
        kind = kinds[token.text]
        fields: dict = {"kind": kind, "name": parser.string("the node name")}
        if kind == "personal":
            player_token = parser.peek()
            player = parser.integer("a player number")
            if player not in (1, 2):
                raise parser.error(
                    player_token, f"player {player} is out of range: the game has players 1 and 2"
                )
            fields["player"] = player - 1
        if kind != "terminal":
            fields.update(self.infoset(token, fields.get("player")))
        fields.update(self.outcome())
        return fields

    def infoset(self, node_token: _Token, player: int | None) -> dict:
        parser = self.parser
        owner = "chance" if player is None else f"player {player + 1}"
        number_token = parser.peek()
        number = parser.integer("an information set number")
        if number < 1:
            raise parser.error(number_token, "information set numbers must be positive")
        known = self.infosets.get((player, number))
        if parser.peek().kind == "string":
            name = parser.advance().text
            actions, probabilities = self.actions(
                player is None, f"information set {number} of {owner}"
            )
            if known is None:
                self.infosets[(player, number)] = (name, actions, probabilities, node_token.line)
            elif known[:3] != (name, actions, probabilities):
                raise parser.error(
                    node_token,
                    f"information set {number} of {owner} has a different name, actions or "
                    f"probabilities here than at line {known[3]}",
                )
        elif known is None:
            raise parser.error(
                number_token,
                f"information set {number} of {owner} is used before its name and actions are given",
            )
        else:
            name, actions, probabilities = known[:3]
        return {
            "infoset": number,
            "infoset_name": name,
            "actions": actions,
            "probabilities": probabilities,
        }

    def actions(self, chance: bool, what: str) -> tuple[tuple[str, ...], tuple[Fraction, ...]]:
        parser = self.parser
        opening = parser.expect("{", f"'{{' to open the actions of {what}")
        actions: list[str] = []
        probabilities: list[Fraction] = []
        while True:
            token = parser.advance()
            if token.kind == "}":
                break
            if token.kind != "string":
                raise parser.error(
                    token,
                    f"expected an action name or '}}' to close the actions opened at line "
                    f"{opening.line}, got {token.show()}",
                )
            actions.append(token.text)
            if chance:
                token = parser.advance()
                if token.kind != "number":
                    raise parser.error(token, f"expected a chance probability, got {token.show()}")
                probabilities.append(Fraction(token.text))
        if not actions:
            raise parser.error(opening, f"{what} has no actions")
        if chance:
            problem = _probability_problem(tuple(probabilities))
            if problem:
                raise parser.error(opening, problem)
        return tuple(actions), tuple(probabilities)

    def outcome(self) -> dict:
        parser = self.parser
        token = parser.peek()
        number = parser.integer("an outcome number (0 for none)")
        if parser.peek().kind == "string":
            if number == 0:
                raise parser.error(token, "the null outcome 0 cannot have a name or payoffs")
            name = parser.advance().text
            payoffs = parser.payoff_list(f"outcome {number}")
            known = self.outcomes.get(number)
            if known is None:
                self.outcomes[number] = (name, payoffs, token.line)
            elif known[0] != name or not _same_payoffs(known[1], payoffs):
                raise parser.error(
                    token,
                    f"outcome {number} has a different name or payoffs here than at line {known[2]}",
                )
        elif number == 0:
            return {}
        elif number in self.outcomes:
            name, payoffs = self.outcomes[number][:2]
        else:
            raise parser.error(
                token, f"outcome {number} is used before its name and payoffs are given"
            )
        return {"outcome": number, "outcome_name": name, "payoffs": payoffs}


def write_efg(game: ExtensiveFormGame) -> str:
    """Write ``game`` in Gambit's ``.efg`` format, one node a line.

    Every appearance of an information set or outcome repeats its full description (the
    format allows it, and each line then reads on its own).

    Raises
    ------
    ValueError
        If a name cannot be written so that Gambit reads it back unchanged (see the
        module notes on backslashes and on the names Gambit 17 refuses).

    Examples
    --------
    >>> game = ExtensiveFormGame("", ("A", "B"), (
    ...     EfgNode("chance", infoset=1, actions=("H", "T"), probabilities=(Fraction(1, 2), Fraction(1, 2)),
    ...             children=(1, 2)),
    ...     EfgNode("terminal", outcome=1, outcome_name="win", payoffs=(1, -1)),
    ...     EfgNode("terminal")))
    >>> print(write_efg(game), end="")
    EFG 2 R "" { "A" "B" }
    ""
    <BLANKLINE>
    c "" 1 "" { "H" 1/2 "T" 1/2 } 0
    t "" 1 "win" { 1, -1 }
    t "" 0
    """
    lines = [
        f"EFG 2 R {_quote(game.title)} {_player_list(game.players)}",
        _quote(game.comment),
        "",
    ]
    _check_names_unique(game)
    for index, node in enumerate(game.nodes):
        parts = [node.kind[0], _label(node.name, f"node {index}: name")]
        if node.kind == "personal":
            assert node.player is not None
            parts.append(str(node.player + 1))
        if node.kind != "terminal":
            parts += [
                str(node.infoset),
                _label(node.infoset_name, f"node {index}: information set name"),
                "{",
            ]
            for position, action in enumerate(node.actions):
                parts.append(_label(action, f"node {index}: action"))
                if node.kind == "chance":
                    parts.append(_format_number(node.probabilities[position]))
            parts.append("}")
        if node.outcome is None:
            parts.append("0")
        else:
            assert node.payoffs is not None
            payoffs = ", ".join(_format_number(value) for value in node.payoffs)
            parts += [
                str(node.outcome),
                _label(node.outcome_name, f"node {index}: outcome name"),
                f"{{ {payoffs} }}",
            ]
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def _check_names_unique(game: ExtensiveFormGame) -> None:
    """Gambit 17 refuses a file where two nodes, or two information sets of one player
    (or of chance), share a nonempty name."""
    nodes: dict[str, int] = {}
    infosets: dict[tuple[int | None, str], int] = {}
    for index, node in enumerate(game.nodes):
        if node.name:
            first = nodes.setdefault(node.name, index)
            if first != index:
                raise ValueError(
                    f"node {index}: name {node.name!r} cannot be written: node {first} has the same "
                    "name, and Gambit refuses repeated node names"
                )
        if node.infoset_name:
            first_number = infosets.setdefault((node.player, node.infoset_name), node.infoset)
            if first_number != node.infoset:
                owner = "chance" if node.player is None else f"player {node.player + 1}"
                raise ValueError(
                    f"node {index}: information set name {node.infoset_name!r} cannot be written: "
                    f"information sets {first_number} and {node.infoset} of {owner} share it, and "
                    "Gambit refuses a name repeated within one player's information sets"
                )


# --------------------------------------------------------------------------- files


def load_game(path: str | PathLike[str]) -> NormalFormGame | ExtensiveFormGame:
    """Read a ``.nfg`` or ``.efg`` file, chosen by its extension (UTF-8 text, BOM allowed).

    Errors name the file as given: ``games/entry.efg:7: ...``.
    """
    path = Path(path)
    readers = {".nfg": read_nfg, ".efg": read_efg}
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise GambitFormatError(
            f"unknown extension {path.suffix!r}: expected a .nfg or .efg file", source=str(path)
        )
    return reader(path.read_text(encoding="utf-8-sig"), source=str(path))
