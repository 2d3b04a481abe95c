r"""Gambit's ``.efg`` files: two-player extensive games.

A game tree in preorder (a node, then the subtrees of its children in action order).
Personal nodes ``p`` carry a player (1 or 2 in the file, 0 or 1 here) and an
information-set number, unique per player; chance nodes ``c`` a chance
information-set number and a probability per action; terminal nodes ``t`` neither.
Any node may carry an outcome; the payoff of a play is the *sum* of the outcomes met
along its path from the root,

.. math:: u(v) = \sum_{w \in \mathrm{path}(\mathrm{root}, v)} o(w),

which is how Gambit reads multi-stage games (:meth:`ExtensiveFormGame.payoff_at`).
The second and later appearances of an information set or outcome may omit its name
and actions (payoffs); if repeated they must match the first. Chance probabilities are
exact and must sum to exactly 1 at every chance node. Numbers and strings as in
:mod:`negotiation.io.gambit_text`; the solvers see the game as a
:class:`negotiation.model.tree.GameTree` (:mod:`negotiation.io.efg_tree`).

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, NamedTuple

from negotiation.io.gambit_text import (
    Parser,
    Payoff,
    Token,
    as_payoff,
    as_probability,
    format_number,
    player_list,
    probability_problem,
    quote,
    quoted_name,
    same_payoffs,
)

__all__ = ["EfgInfoset", "EfgNode", "ExtensiveFormGame", "read_efg", "write_efg"]

NodeKind = Literal["personal", "chance", "terminal"]

_NODE_KINDS = ("personal", "chance", "terminal")


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
        probabilities = tuple(as_probability(p, "probabilities") for p in self.probabilities)
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
            problem = probability_problem(probabilities)
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
            payoffs = tuple(as_payoff(value, "payoffs") for value in payoffs)
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
            if first.outcome_name != node.outcome_name or not same_payoffs(
                first.payoffs, node.payoffs
            ):
                raise ValueError(
                    f"node {index}: outcome {node.outcome} differs from its first appearance "
                    f"at node {first_index}"
                )



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
    negotiation.io.gambit_text.GambitFormatError: coin.efg:2: chance probabilities sum to 9/10, not 1
    """
    parser = Parser(text, source)
    title, players = parser.prologue("EFG", "2")
    comment = parser.advance().text if parser.peek().kind == "string" else ""
    nodes = _TreeReader(parser).read()
    return ExtensiveFormGame(title, players, nodes, comment)


class _TreeReader:
    """Reads the node list, checking each appearance of an infoset and outcome."""

    def __init__(self, parser: Parser) -> None:
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

    def infoset(self, node_token: Token, player: int | None) -> dict:
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
            problem = probability_problem(tuple(probabilities))
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
            elif known[0] != name or not same_payoffs(known[1], payoffs):
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
        f"EFG 2 R {quote(game.title)} {player_list(game.players)}",
        quote(game.comment),
        "",
    ]
    _check_names_unique(game)
    for index, node in enumerate(game.nodes):
        parts = [node.kind[0], quoted_name(node.name, f"node {index}: name")]
        if node.kind == "personal":
            assert node.player is not None
            parts.append(str(node.player + 1))
        if node.kind != "terminal":
            parts += [
                str(node.infoset),
                quoted_name(node.infoset_name, f"node {index}: information set name"),
                "{",
            ]
            for position, action in enumerate(node.actions):
                parts.append(quoted_name(action, f"node {index}: action"))
                if node.kind == "chance":
                    parts.append(format_number(node.probabilities[position]))
            parts.append("}")
        if node.outcome is None:
            parts.append("0")
        else:
            assert node.payoffs is not None
            payoffs = ", ".join(format_number(value) for value in node.payoffs)
            parts += [
                str(node.outcome),
                quoted_name(node.outcome_name, f"node {index}: outcome name"),
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
