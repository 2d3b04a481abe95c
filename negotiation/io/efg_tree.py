r"""Gambit ``.efg`` games and the package's game trees, both ways.

:func:`efg_game_tree` turns a file's game (:class:`negotiation.io.efg.ExtensiveFormGame`)
into the one tree type the solvers use (:class:`negotiation.model.tree.GameTree`). The
nodes keep their preorder numbers, names and kinds; information sets keep their names,
numbers and actions (each player's sets in the file's order, which is the order of first
appearance); and a terminal node's payoff is the sum of the outcomes met on its path,

.. math:: u(t) = \sum_{w \in \mathrm{path}(\mathrm{root},\, t)} o(w),

as Gambit reads a file. :func:`game_tree_efg` writes a tree back as a game for Gambit,
naming every node after its history, and :func:`scenario_to_efg` does so for a scenario's
tree (:func:`negotiation.model.compile.scenario_tree`).

References
----------
The Gambit Project, *Gambit: Software Tools for Game Theory*, section "Game
representation formats", https://gambitproject.readthedocs.io/en/latest/formats.html
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

import numpy as np

from negotiation.io.efg import EfgNode, ExtensiveFormGame
from negotiation.io.gambit_text import Payoff
from negotiation.model.compile import scenario_tree
from negotiation.model.outcomes import Resolution
from negotiation.model.scenario import Scenario, StanceTalks
from negotiation.model.tree import BARGAIN, CHANCE, PERSONAL, TERMINAL, GameTree, TreeBuilder

__all__ = ["efg_game_tree", "game_tree_efg", "is_exact_game", "scenario_to_efg"]


def is_exact_game(game: ExtensiveFormGame) -> bool:
    """Whether every payoff in the file is an integer or a rational (no decimals)."""
    return all(
        isinstance(value, Fraction) for node in game.nodes if node.payoffs for value in node.payoffs
    )


def _number(value: Payoff, exact: bool) -> Fraction | float:
    """A payoff in the arithmetic asked for: a Fraction (a decimal read as written) or a float."""
    if not exact:
        return float(value)
    return value if isinstance(value, Fraction) else Fraction(repr(float(value)))


def efg_game_tree(game: ExtensiveFormGame, exact: bool | None = None) -> GameTree:
    """The file's game as a :class:`~negotiation.model.tree.GameTree` (a batch of one).

    Parameters
    ----------
    game : ExtensiveFormGame
    exact : bool or None
        Exact payoffs and chance probabilities (:class:`fractions.Fraction` in object
        arrays; a decimal payoff is read as written, ``0.1`` is 1/10, as Gambit does) or
        floats; None: exact when every payoff in the file is an integer or a rational.

    Returns
    -------
    GameTree
        Node ``v`` is the file's node ``v`` (both are in preorder), labelled with its name;
        information sets carry the file's names (``label``) and numbers; chance
        information sets shared by several nodes stay shared.

    Examples
    --------
    >>> from negotiation.io.efg import read_efg
    >>> game = read_efg('''EFG 2 R "" { "Entrant" "Incumbent" }
    ... p "" 1 1 "entrant" { "Out" "In" } 0
    ... t "" 1 "out" { 0 2 }
    ... p "" 2 1 "incumbent" { "Fight" "Accommodate" } 4 "fee" { -1/2, 0 }
    ... t "" 2 "war" { -1 -1 }
    ... t "" 3 "peace" { 1 1 }''')
    >>> tree = efg_game_tree(game)
    >>> [[str(v) for v in row] for row in tree.payoffs[0]]
    [['0', '2'], ['-3/2', '-1'], ['1/2', '1']]
    >>> [(s.player, s.label, s.number) for s in tree.infosets]
    [(0, 'entrant', 1), (1, 'incumbent', 1)]
    """
    use_exact = is_exact_game(game) if exact is None else bool(exact)
    zero: Fraction | float = Fraction(0) if use_exact else 0.0
    b = TreeBuilder(game.players)
    totals: list[tuple] = []
    payoffs: list[tuple] = []
    for index, node in enumerate(game.nodes):
        parent = game.parents[index]
        total = (zero, zero) if parent is None else totals[parent]
        if node.payoffs is not None:
            total = (total[0] + _number(node.payoffs[0], use_exact), total[1] + _number(node.payoffs[1], use_exact))
        totals.append(total)
        if node.kind == "terminal":
            b.add_terminal(parent, node.name)
            payoffs.append(total)
        elif node.kind == "chance":
            probabilities = [p if use_exact else float(p) for p in node.probabilities]
            b.add_chance(parent, node.actions, probabilities, node.name, infoset=node.infoset, number=node.infoset or 0)
        else:
            assert node.player is not None
            b.add_personal(parent, node.player, node.infoset, node.actions, node.name,
                           infoset_label=node.infoset_name, number=node.infoset or 0)
    array = np.empty((1, len(payoffs), 2), dtype=object if use_exact else float)
    for t, pair in enumerate(payoffs):
        array[0, t, 0], array[0, t, 1] = pair
    return b.build(array)


# --------------------------------------------------------------------------- export


def _exact_payoff(value: object) -> Fraction | float:
    """An exact value or an integral float as a Fraction, any other float as it is."""
    if isinstance(value, Fraction):
        return value
    value = float(value)  # type: ignore[arg-type]
    return Fraction(int(value)) if value.is_integer() else value


def _exact_probabilities(probabilities: Sequence[object]) -> tuple[Fraction, ...]:
    """Chance probabilities as Fractions (shortest decimals) summing to exactly one."""
    exact = [p if isinstance(p, Fraction) else Fraction(repr(float(p))) for p in probabilities]  # type: ignore[arg-type]
    gap = 1 - sum(exact)
    if gap:
        if abs(gap) > 1e-9:
            raise ValueError(f"chance probabilities {[float(p) for p in exact]} do not sum to one")  # type: ignore[arg-type]
        exact[-1] += gap
    return tuple(exact)


def _stage_roots(tree: GameTree) -> dict[int, int]:
    """Nodes whose children hold an information set of several nodes (a simultaneous
    stage, as Gambit writes one): node -> that information set."""
    roots: dict[int, int] = {}
    for s, infoset in enumerate(tree.infosets):
        if infoset.player < 0 or len(infoset.members) < 2:
            continue
        parents = {int(tree.parent[v]) for v in infoset.members}
        if len(parents) == 1 and -1 not in parents:
            roots.setdefault(parents.pop(), s)
    return roots


def game_tree_efg(
    tree: GameTree,
    *,
    point: int = 0,
    title: str = "",
    comment: str = "",
    stage_name: str = "stage",
) -> ExtensiveFormGame:
    """One game of a batch of trees as an extensive game for Gambit.

    Every node is named after its label and its history (``"probe after listing=play"``;
    a node without a label is ``"node"``), and so is the information set of a node that
    is alone in its set. A simultaneous stage (a node whose children form an information
    set of the other player) is named ``stage_name`` after its history: its information
    sets are ``"<player> at <stage>"`` and the column player's nodes
    ``"<stage>: <row player> <row action>"``. A terminal's outcome is named after its
    label, or ``"<stage>: <row action>/<column action> -> <label>"`` in a stage, or
    ``"end after <history>"``; it carries the terminal's payoffs (exact fractions stay
    exact, integral floats are written as integers, other floats as floats). Information
    sets are numbered per player in order of first appearance.

    Parameters
    ----------
    tree : GameTree
    point : int
        The game of the batch to write.
    title, comment : str
    stage_name : str
        The word naming a stage's nodes (``"talks"`` for scenarios).

    Raises
    ------
    ValueError
        For a bargaining node or short-lived agents (a two-player file cannot hold them); a label that Gambit cannot
        read back is refused later, by :func:`negotiation.io.efg.write_efg`.

    Examples
    --------
    >>> b = TreeBuilder(("row", "column"))
    >>> r = b.add_personal(None, 0, "r", ("T", "B"), "rps")
    >>> for _ in range(2):
    ...     c = b.add_personal(r, 1, "c", ("L", "R"))
    ...     _ = b.add_terminal(c), b.add_terminal(c)
    >>> game = game_tree_efg(b.build(np.array([[1, 0], [0, 1], [0, 1], [1, 0.5]])), stage_name="talks")
    >>> [n.name for n in game.nodes[:3]], game.nodes[6].outcome_name, game.nodes[6].payoffs
    (['talks', 'talks: row T', ''], 'talks: B/R', (Fraction(1, 1), 0.5))
    """
    if not 0 <= point < tree.batch_size:
        raise ValueError(f"point {point} is not in a batch of {tree.batch_size}")
    if tree.short_lived:
        raise ValueError("the tree has short-lived agents (more than two players in the agent form): "
                         "a two-player Gambit file cannot hold their payoffs")
    players = tree.players
    stages = _stage_roots(tree)
    column_of = {int(v): r for r, s in stages.items() for v in tree.infosets[s].members}
    numbers: dict[int, int] = {}
    counters = {0: 0, 1: 0, -1: 0}
    for s, infoset in enumerate(tree.infosets):
        counters[infoset.player] += 1
        numbers[s] = counters[infoset.player]
    stage_names: dict[int, str] = {}
    nodes: list[EfgNode] = []
    outcome = 0

    def history(v: int) -> str:
        return ", ".join(f"{label or 'node'}={action}" for label, action in tree.history(v))

    def named(label: str, v: int) -> str:
        return f"{label} after {history(v)}" if tree.parent[v] >= 0 else label

    for v in range(tree.size):
        kind = int(tree.kind[v])
        children = tuple(int(c) for c in tree.children(v))
        actions = tree.actions(v)
        s = int(tree.infoset[v])
        if kind == BARGAIN:
            raise ValueError(
                f"node {v} ({tree.labels[v]!r}) is a bargaining node: a Gambit file cannot hold it"
            )
        if kind == TERMINAL:
            outcome += 1
            t = int(tree.terminal[v])
            column = int(tree.parent[v])
            if column in column_of:
                row = column_of[column]
                name = (
                    f"{stage_names[row]}: {tree.actions(row)[int(tree.action[column])]}/"
                    f"{tree.actions(column)[int(tree.action[v])]}"
                )
                if tree.labels[v]:
                    name += f" -> {tree.labels[v]}"
            else:
                name = tree.labels[v] or named("end", v)
            payoffs = (_exact_payoff(tree.payoffs[point, t, 0]), _exact_payoff(tree.payoffs[point, t, 1]))
            nodes.append(EfgNode("terminal", outcome=outcome, outcome_name=name, payoffs=payoffs))
            continue
        if v in stages:
            name = named(stage_name, v)
            stage_names[v] = name
            # a stage root the mover cannot tell from others (a type it does not see) shares their set
            infoset_name = (f"{players[int(tree.player[v])]} at {name}" if len(tree.infosets[s].members) == 1
                            else tree.infosets[s].label)
        elif v in column_of:
            row = column_of[v]
            name = f"{stage_names[row]}: {players[int(tree.player[row])]} {tree.actions(row)[int(tree.action[v])]}"
            infoset_name = f"{players[int(tree.player[v])]} at {stage_names[row]}"
        else:
            name = named(tree.labels[v] or "node", v)
            alone = len(tree.infosets[s].members) == 1 or kind == CHANCE
            infoset_name = name if alone else tree.infosets[s].label
        if kind == CHANCE:
            probabilities = _exact_probabilities([tree.probabilities[point, c] for c in children])
            nodes.append(EfgNode("chance", name=name, infoset=numbers[s], infoset_name=infoset_name,
                                 actions=actions, probabilities=probabilities, children=children))
        else:
            assert kind == PERSONAL
            nodes.append(EfgNode("personal", name=name, player=int(tree.player[v]), infoset=numbers[s],
                                 infoset_name=infoset_name, actions=actions, children=children))
    return ExtensiveFormGame(title, players, tuple(nodes), comment)


def _outcome_label(outcome: str) -> str:
    if outcome in (Resolution.DEADLOCK.value, Resolution.ESCALATION.value):
        return outcome
    return f"truce: {outcome}"


def scenario_to_efg(scenario: Scenario, point: int = 0) -> ExtensiveFormGame:
    """A scenario's game tree (:func:`negotiation.model.compile.scenario_tree`) as an
    extensive game.

    Each leverage decision is a node of its maker with actions ``"refrain"`` and
    ``"play"`` in an information set of its own named after the move and the history
    (``"anti_dumping_probe after entity_listing=play"``); each talks stage is the row
    side's node followed by the column side's nodes in one information set (actions: the
    stances); each terminal outcome is named after the stances and what they lead to
    (``"talks: concede/hold -> truce: even"``) and carries the *expected* payoffs (a
    truce that may break down is already averaged). Players are the side names, row side
    first. ``negotiation export CONFIG --format efg`` writes it with
    :func:`negotiation.io.efg.write_efg`.

    Raises
    ------
    ValueError
        For a scenario whose talks are a bargaining problem (a Gambit file cannot hold one).

    Examples
    --------
    >>> from negotiation.io.config import load_scenario
    >>> game = scenario_to_efg(load_scenario("madrid_2025"))
    >>> game.nodes[0].name, game.infosets()[1][0].name
    ('entity_listing', 'anti_dumping_probe after entity_listing=refrain')
    """
    talks = scenario.talks
    if not isinstance(talks, StanceTalks):
        raise ValueError(
            f"scenario {scenario.name!r}: its talks are a bargaining problem, which a Gambit "
            "file cannot hold; only stance talks can be exported"
        )
    tree = scenario_tree(scenario)
    labels = list(tree.labels)
    for v in np.flatnonzero(tree.kind == TERMINAL):
        column = int(tree.parent[v])
        labels[v] = _outcome_label(talks.outcome_map[int(tree.action[column])][int(tree.action[v])])
    comment = (
        f"Exported by negotiation from scenario {scenario.name!r}. Pre-talk leverage moves "
        "(refrain or play, observed), then simultaneous talks; terminal payoffs are expected "
        "payoffs (a truce may break down into deadlock)."
    )
    if scenario.description:
        comment = scenario.description + "\n" + comment
    return game_tree_efg(
        replace(tree, labels=tuple(labels)), point=point, title=scenario.title, comment=comment,
        stage_name="talks",
    )
