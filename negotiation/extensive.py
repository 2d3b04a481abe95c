r"""Extensive-form games from Gambit files: conversion to game trees and equilibria.

Model
-----
A two-player extensive game :math:`\Gamma` (a Gambit ``.efg`` file, read by
:mod:`negotiation.formats.gambit`) is a tree whose personal nodes are partitioned into
information sets :math:`I` of players 1 and 2; payoffs at a terminal node are the sum of
the outcomes met on its path. A *behaviour strategy* :math:`\beta_i` gives a probability
distribution :math:`\beta_i(\cdot \mid I)` over the actions of each of player :math:`i`'s
information sets. Under perfect recall every mixed strategy has a realization-equivalent
behaviour strategy (Kuhn 1953): with :math:`\sigma_i` a mixed strategy over reduced pure
strategies,

.. math::

    \beta_i(a \mid I) = \frac{\sum_{s:\ I \in \mathrm{dom}(s),\ s(I) = a} \sigma_i(s)}
                             {\sum_{s:\ I \in \mathrm{dom}(s)} \sigma_i(s)},

where :math:`\mathrm{dom}(s)` is the set of information sets a reduced strategy
:math:`s` does not exclude by the player's own earlier actions. A profile is *subgame
perfect* (Selten 1965, 1975) if it induces a Nash equilibrium in every subgame.

Supported games
---------------
Every information set must be either

* a single node (perfect information), or
* a set of at least two *siblings*: children of one node :math:`r` of the *other*
  player whose own information set is a single node. Then :math:`r`'s player (the
  *row* player of the stage) and the set's player (the *column* player) move
  simultaneously: the subgame at :math:`r` starts with the bimatrix game whose cell
  :math:`(a, b)` is the continuation after :math:`r`'s action :math:`a` and the column
  player's action :math:`b`. A child of :math:`r` outside the set (e.g. an outside
  option) gives a cell value independent of :math:`b`. At most one such set may hang
  below one node.

Anything else (an information set spanning non-siblings, the outcomes of a chance
move, a player's own earlier move, or a node whose player is itself uninformed) raises
:class:`UnsupportedGameError` naming the information set.

Algorithm
---------
*Subgame-perfect equilibria* by backward induction over the subgames, bottom-up: a
terminal node is worth its payoff; a chance node the expectation of its children; at a
perfect-information node the mover takes every action that maximises its continuation
value (within ``tol``; each optimal action gives an equilibrium); at a stage node the
continuation subgames are solved first, and for every combination of their equilibria
the bimatrix of continuation values is solved with
:func:`negotiation.solvers.normal_form.nash_equilibria` (all extreme equilibria), each
giving an equilibrium. This generalises
:func:`negotiation.solvers.backward_induction.subgame_perfect_equilibria` to stages that
are followed by further play; for trees whose stages end the game the two agree (see
:func:`efg_to_tree`).

*Nash equilibria* (``include_nash=True``) of the reduced strategic form (each reduced
strategy fixes an action only at the information sets its own earlier actions do not
exclude) with the same normal-form solver; each is converted to behaviour strategies
by the formula above.

*Subgame perfection.* In the supported class a profile is subgame perfect exactly when
at every perfect-information node the mover puts weight only on actions maximising its
continuation value and at every stage the two behaviours form a Nash equilibrium of
the bimatrix of continuation values (the one-shot deviation principle over the tree of
subgames). ``max_subgame_regret`` is the largest gain such a one-shot deviation
offers anywhere, on or off the path; the test is ``<= tol``.

*Convention for open information sets.* At an information set its player's own
strategy excludes, a mixed strategy says nothing. The open sets are completed by the
same backward induction with the determined behaviour held fixed: at an open
perfect-information node each optimal action, at a stage with one open side each pure
best response to the other, at a stage with both sides open each extreme equilibrium.
If some completion makes the profile subgame perfect it is reported with
``subgame_perfect=True``, otherwise the completion with the smallest deviation gain
with ``subgame_perfect=False``. A completion that needs a *mixture* of those choices
(to keep a value above low enough, say) is not searched: such a profile would be
reported as not subgame perfect.

References
----------
Selten, R. (1965). Spieltheoretische Behandlung eines Oligopolmodells mit
Nachfrageträgheit. *Zeitschrift für die gesamte Staatswissenschaft* 121, 301--324.
Kuhn, H. W. (1953). Extensive games and the problem of information. In Kuhn & Tucker
(eds.), *Contributions to the Theory of Games II*, 193--216. Princeton.
Selten, R. (1975). Reexamination of the perfectness concept for equilibrium points in
extensive games. *International Journal of Game Theory* 4, 25--55.
Osborne & Rubinstein, *A Course in Game Theory* (1994), ch. 6 and 11 (one-shot
deviation property, Lemma 98.2; Kuhn's theorem, Proposition 214.1).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from negotiation.equilibrium import REGRET_TOLERANCE, NashResult, Status
from negotiation.formats.gambit import EfgInfoset, EfgNode, ExtensiveFormGame
from negotiation.games import Chance, Decision, Node, StageGame, Terminal
from negotiation.scenario import Scenario, game_tree
from negotiation.solvers.backward_induction import Path, SubgamePerfectEquilibrium
from negotiation.solvers.normal_form import nash_equilibria

__all__ = [
    "BehaviourEquilibrium",
    "ExtensiveFormResult",
    "InfosetIndex",
    "ReducedStrategicForm",
    "UnsupportedGameError",
    "efg_to_tree",
    "reduced_strategic_form",
    "scenario_to_efg",
    "solve_efg",
    "tree_to_efg",
]

#: An information set: (player 0 or 1, position among the player's information sets in
#: file order, as :meth:`ExtensiveFormGame.infosets` lists them).
InfosetKey = tuple[int, int]
Number = Fraction | float
#: Behaviour strategies: ``[player][information set][action]``.
Behaviour = tuple[tuple[tuple[Number, ...], ...], tuple[tuple[Number, ...], ...]]


class UnsupportedGameError(ValueError):
    """A game with imperfect information beyond simultaneous moves inside subgames."""


# --------------------------------------------------------------------------- structure


@dataclass(frozen=True)
class _Stage:
    """A simultaneous stage: ``root``'s player (row) and one information set (column)."""

    root: int
    row_player: int
    row_key: InfosetKey
    column_player: int
    column_key: InfosetKey
    #: ``cells[a][b]``: the node reached after row action a and column action b.
    cells: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class _Structure:
    game: ExtensiveFormGame
    exact: bool
    infosets: tuple[tuple[EfgInfoset, ...], tuple[EfgInfoset, ...]]
    infoset_of: Mapping[int, InfosetKey]
    stages: Mapping[int, _Stage]
    payoffs: Mapping[int, tuple[Number, Number]]  # terminal node -> accumulated payoffs
    probabilities: Mapping[int, tuple[Number, ...]]  # chance node -> probabilities


def _infoset_text(
    game: ExtensiveFormGame,
    key: InfosetKey,
    infosets: tuple[tuple[EfgInfoset, ...], tuple[EfgInfoset, ...]],
) -> str:
    infoset = infosets[key[0]][key[1]]
    name = f" ({infoset.name!r})" if infoset.name else ""
    return f"information set {infoset.number}{name} of player {game.players[key[0]]!r}"


def _node_text(game: ExtensiveFormGame, index: int) -> str:
    name = game.nodes[index].name
    return f"node {index}" + (f" ({name!r})" if name else "")


def _number(value: Number, exact: bool) -> Number:
    """A payoff in the arithmetic of the run: a Fraction (decimals read as written) or a float."""
    if not exact:
        return float(value)
    return value if isinstance(value, Fraction) else Fraction(repr(float(value)))


def _all_exact(game: ExtensiveFormGame) -> bool:
    return all(
        isinstance(value, Fraction) for node in game.nodes if node.payoffs for value in node.payoffs
    )


def _structure(game: ExtensiveFormGame, exact: bool) -> _Structure:
    """Classify every node; raise :class:`UnsupportedGameError` outside the supported class."""
    nodes = game.nodes
    all_infosets = game.infosets()
    infoset_of: dict[int, InfosetKey] = {}
    for player, infosets in enumerate(all_infosets):
        for position, infoset in enumerate(infosets):
            for member in infoset.nodes:
                infoset_of[member] = (player, position)
    members: dict[InfosetKey, tuple[int, ...]] = {
        (player, position): infoset.nodes
        for player, infosets in enumerate(all_infosets)
        for position, infoset in enumerate(infosets)
    }
    stages: dict[int, _Stage] = {}
    for key, nodes_in in members.items():
        if len(nodes_in) == 1:
            continue
        what = _infoset_text(game, key, all_infosets)
        parents = {game.parents[v] for v in nodes_in}
        if len(parents) != 1 or None in parents:
            listed = ", ".join(str(v) for v in nodes_in)
            raise UnsupportedGameError(
                f"{what} holds nodes {listed}, which are not children of one node: the player "
                "is uninformed about more than a simultaneous move. Only perfect information "
                "and simultaneous moves inside subgames are supported"
            )
        (root,) = parents
        parent = nodes[root]
        if parent.kind == "chance":
            raise UnsupportedGameError(
                f"{what} spans the outcomes of the chance move at {_node_text(game, root)}: the "
                "player does not observe nature, which is not a simultaneous move; only perfect "
                "information and simultaneous moves inside subgames are supported"
            )
        if parent.player == key[0]:
            raise UnsupportedGameError(
                f"{what} spans the actions of the same player's move at "
                f"{_node_text(game, root)}: the player forgets its own move (imperfect recall)"
            )
        row_key = infoset_of[root]
        if len(members[row_key]) != 1:
            other = _infoset_text(game, row_key, all_infosets)
            raise UnsupportedGameError(
                f"{what} follows {_node_text(game, root)}, which is itself in {other} with "
                "other nodes: nested simultaneous moves are not supported"
            )
        if root in stages:
            other = _infoset_text(game, stages[root].column_key, all_infosets)
            raise UnsupportedGameError(
                f"{what} and {other} both follow {_node_text(game, root)}: the player partly "
                "observes the move there, which is not a single simultaneous stage"
            )
        column_actions = len(nodes[nodes_in[0]].actions)
        cells = tuple(
            tuple(nodes[child].children[b] for b in range(column_actions))
            if child in nodes_in
            else (child,) * column_actions
            for child in parent.children
        )
        stages[root] = _Stage(root, key[0] ^ 1, row_key, key[0], key, cells)
    totals: dict[int, tuple[Number, Number]] = {}
    payoffs: dict[int, tuple[Number, Number]] = {}
    probabilities: dict[int, tuple[Number, ...]] = {}
    zero: tuple[Number, Number] = (Fraction(0), Fraction(0)) if exact else (0.0, 0.0)
    for index, node in enumerate(nodes):
        parent_index = game.parents[index]
        base = zero if parent_index is None else totals[parent_index]
        if node.payoffs is not None:
            base = (
                base[0] + _number(node.payoffs[0], exact),
                base[1] + _number(node.payoffs[1], exact),
            )
        totals[index] = base
        if node.kind == "terminal":
            payoffs[index] = base
        elif node.kind == "chance":
            probabilities[index] = tuple(p if exact else float(p) for p in node.probabilities)
    return _Structure(game, exact, all_infosets, infoset_of, stages, payoffs, probabilities)


# --------------------------------------------------------------------------- recursion


@dataclass(frozen=True)
class _Partial:
    """An equilibrium of a subgame: its values, the behaviour it chose, its worst deviation gain."""

    values: tuple[Number, Number]
    choices: tuple[tuple[InfosetKey, tuple[Number, ...]], ...]
    regret: float = 0.0


@dataclass
class _Run:
    """Settings and bookkeeping of one backward induction."""

    structure: _Structure
    method: str
    tol: float
    max_equilibria: int
    fixed: Mapping[InfosetKey, tuple[Number, ...]] = field(default_factory=dict)
    record: bool = True
    capped: bool = False
    tie: bool = False
    stage_results: list[tuple[int, NashResult]] = field(default_factory=list)

    def product(self, lists: Sequence[Sequence[_Partial]]) -> list[tuple[_Partial, ...]]:
        total = math.prod(len(parts) for parts in lists)
        if total > self.max_equilibria:
            self.capped = True
        return list(itertools.islice(itertools.product(*lists), self.max_equilibria))

    def unit(self, index: int, size: int) -> tuple[Number, ...]:
        one, zero = (Fraction(1), Fraction(0)) if self.structure.exact else (1.0, 0.0)
        return tuple(one if k == index else zero for k in range(size))


def _inherit(
    parts: Sequence[_Partial],
) -> tuple[tuple[tuple[InfosetKey, tuple[Number, ...]], ...], float]:
    return tuple(c for part in parts for c in part.choices), max(
        (p.regret for p in parts), default=0.0
    )


def _solve(run: _Run, index: int) -> list[_Partial]:
    """Every equilibrium of the subgame at ``index`` (see the module docstring)."""
    structure = run.structure
    node = structure.game.nodes[index]
    if node.kind == "terminal":
        return [_Partial(structure.payoffs[index], ())]
    if index in structure.stages:
        return _solve_stage(run, structure.stages[index])
    lists = [_solve(run, child) for child in node.children]
    out: list[_Partial] = []
    if node.kind == "chance":
        probabilities = structure.probabilities[index]
        for combo in run.product(lists):
            values = _mix(probabilities, [part.values for part in combo])
            out.append(_Partial(values, *_inherit(combo)))
        return out
    player = node.player
    assert player is not None
    key = structure.infoset_of[index]
    for combo in run.product(lists):
        own = [part.values[player] for part in combo]
        best = max(own)
        choices, regret = _inherit(combo)
        if key in run.fixed:
            beta = run.fixed[key]
            values = _mix(beta, [part.values for part in combo])
            gap = float(best - values[player])
            out.append(_Partial(values, choices, max(regret, gap)))
            continue
        optimal = [a for a, value in enumerate(own) if best - value <= run.tol]
        if len(optimal) > 1 and run.record:
            run.tie = True
        for a in optimal:
            out.append(_Partial(combo[a].values, ((key, run.unit(a, len(own))),) + choices, regret))
    if len(out) > run.max_equilibria:
        run.capped = True
        out = out[: run.max_equilibria]
    return out


def _mix(
    weights: Sequence[Number], values: Sequence[tuple[Number, Number]]
) -> tuple[Number, Number]:
    return (
        sum((w * v[0] for w, v in zip(weights, values, strict=True)), 0 * weights[0]),
        sum((w * v[1] for w, v in zip(weights, values, strict=True)), 0 * weights[0]),
    )


def _solve_stage(run: _Run, stage: _Stage) -> list[_Partial]:
    continuations = list(dict.fromkeys(v for row in stage.cells for v in row))
    lists = [_solve(run, v) for v in continuations]
    m, n = len(stage.cells), len(stage.cells[0])
    p, q = stage.row_player, stage.column_player
    out: list[_Partial] = []
    for combo in run.product(lists):
        value_of = dict(zip(continuations, combo, strict=True))
        A = np.empty((m, n), dtype=object)
        B = np.empty((m, n), dtype=object)
        for a, b in itertools.product(range(m), range(n)):
            values = value_of[stage.cells[a][b]].values
            A[a, b], B[a, b] = values[p], values[q]
        choices, regret = _inherit(combo)
        for x, y in _stage_profiles(run, stage, A, B):
            row_values = [sum((A[a, b] * y[b] for b in range(n)), 0 * y[0]) for a in range(m)]
            column_values = [sum((x[a] * B[a, b] for a in range(m)), 0 * x[0]) for b in range(n)]
            row_value = sum((x[a] * row_values[a] for a in range(m)), 0 * x[0])
            column_value = sum((y[b] * column_values[b] for b in range(n)), 0 * y[0])
            gap = float(max(max(row_values) - row_value, max(column_values) - column_value))
            own: tuple[tuple[InfosetKey, tuple[Number, ...]], ...] = ()
            if stage.row_key not in run.fixed:
                own += ((stage.row_key, x),)
            if stage.column_key not in run.fixed:
                own += ((stage.column_key, y),)
            values_by_player = [row_value, column_value] if p == 0 else [column_value, row_value]
            values = (values_by_player[0], values_by_player[1])
            out.append(_Partial(values, own + choices, max(regret, gap)))
    if len(out) > run.max_equilibria:
        run.capped = True
        out = out[: run.max_equilibria]
    return out


def _stage_profiles(
    run: _Run, stage: _Stage, A: np.ndarray, B: np.ndarray
) -> list[tuple[tuple[Number, ...], tuple[Number, ...]]]:
    """The stage's candidate profiles: its equilibria, or best responses to a fixed side."""
    m, n = A.shape
    x = run.fixed.get(stage.row_key)
    y = run.fixed.get(stage.column_key)
    if x is not None and y is not None:
        return [(x, y)]
    if x is not None:
        values = [sum((x[a] * B[a, b] for a in range(m)), 0 * x[0]) for b in range(n)]
        best = max(values)
        return [(x, run.unit(b, n)) for b, v in enumerate(values) if best - v <= run.tol]
    if y is not None:
        values = [sum((A[a, b] * y[b] for b in range(n)), 0 * y[0]) for a in range(m)]
        best = max(values)
        return [(run.unit(a, m), y) for a, v in enumerate(values) if best - v <= run.tol]
    exact = run.structure.exact
    result = nash_equilibria(
        A if exact else A.astype(float),
        B if exact else B.astype(float),
        method=run.method,
        exact=True if exact else None,
        tol=run.tol,
    )
    if run.record:
        run.stage_results.append((stage.root, result))
    if not result.equilibria:
        raise ValueError(
            f"the stage at {_node_text(run.structure.game, stage.root)}: "
            f"method {run.method!r} returned no equilibrium"
        )
    if exact:
        if any(eq.exact is None for eq in result.equilibria):
            raise ValueError(f"method {run.method!r} has no exact mode; solve with exact=False")
        return [(tuple(eq.exact[0]), tuple(eq.exact[1])) for eq in result.equilibria]
    return [
        (tuple(float(v) for v in eq.row), tuple(float(v) for v in eq.column))
        for eq in result.equilibria
    ]


# --------------------------------------------------------------------------- strategic form


@dataclass(frozen=True, eq=False)
class ReducedStrategicForm:
    """The reduced strategic form of a two-player extensive game.

    Attributes
    ----------
    strategies : tuple of two tuples
        Each reduced strategy as ``((infoset key, action index), ...)`` sorted by
        information set: an action at every information set its own earlier actions do
        not exclude.
    labels : tuple of two tuples of str
        ``"In/Accommodate"``-style labels: the chosen actions in information-set order,
        ``*`` where the set is excluded.
    A, B : numpy.ndarray
        Expected payoffs ``[row strategy, column strategy]`` (object arrays of Fraction
        in exact mode, floats otherwise).
    """

    strategies: tuple[tuple[tuple[tuple[InfosetKey, int], ...], ...], ...]
    labels: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray


def _strategy_count(structure: _Structure, player: int) -> int:
    """Number of reduced strategies of ``player``, without listing them."""
    game = structure.game

    def count(index: int) -> int:
        node = game.nodes[index]
        if node.kind == "terminal":
            return 1
        stage = structure.stages.get(index)
        if stage is not None and stage.column_player == player:
            members = set(structure.infosets[player][stage.column_key[1]].nodes)
            inside = [c for c in node.children if c in members]
            outside = math.prod(count(c) for c in node.children if c not in members)
            actions = len(game.nodes[inside[0]].actions)
            return outside * sum(
                math.prod(count(game.nodes[c].children[b]) for c in inside) for b in range(actions)
            )
        if node.kind == "personal" and node.player == player:
            return sum(count(c) for c in node.children)
        return math.prod(count(c) for c in node.children)

    return count(0)


def _reduced_strategies(
    structure: _Structure, player: int
) -> list[tuple[tuple[InfosetKey, int], ...]]:
    game = structure.game
    found: list[tuple[tuple[InfosetKey, int], ...]] = []

    def expand(frontier: tuple[int, ...], assignment: dict[InfosetKey, int]) -> None:
        while frontier:
            index, frontier = frontier[0], frontier[1:]
            node = game.nodes[index]
            if node.kind == "personal" and node.player == player:
                key = structure.infoset_of[index]
                if key in assignment:
                    frontier = (node.children[assignment[key]],) + frontier
                    continue
                for action, child in enumerate(node.children):
                    expand((child,) + frontier, {**assignment, key: action})
                return
            frontier = tuple(node.children) + frontier
        found.append(tuple(sorted(assignment.items())))

    expand((0,), {})
    return found


def reduced_strategic_form(
    game: ExtensiveFormGame, *, exact: bool | None = None, max_cells: int | None = None
) -> ReducedStrategicForm:
    r"""The reduced strategic form :math:`(A, B)` of a supported extensive game.

    A reduced strategy fixes an action at each information set that the player's own
    actions do not exclude (strategies that differ only at excluded sets are merged);
    :math:`A_{st}` is the expected payoff of the row player (player 1 of the file) when
    the players use reduced strategies :math:`s` and :math:`t`, over chance moves.

    Parameters
    ----------
    game : ExtensiveFormGame
    exact : bool or None
        Fractions (decimals read as written) or floats; None: exact if every payoff
        in the file is an integer or a rational.
    max_cells : int or None
        Raise ``ValueError`` before building a form with more cells.

    Raises
    ------
    UnsupportedGameError
        Outside the class described in the module docstring.

    Examples
    --------
    >>> from negotiation.formats.gambit import read_efg
    >>> game = read_efg('''EFG 2 R "" { "Entrant" "Incumbent" }
    ... p "" 1 1 "" { "Out" "In" } 0
    ... t "" 1 "out" { 0 2 }
    ... p "" 2 1 "" { "Fight" "Accommodate" } 0
    ... t "" 2 "war" { -1 -1 }
    ... t "" 3 "peace" { 1 1 }''')
    >>> form = reduced_strategic_form(game)
    >>> form.labels
    (('Out', 'In'), ('Fight', 'Accommodate'))
    >>> [[str(a) for a in row] for row in form.A], [[str(b) for b in row] for row in form.B]
    ([['0', '0'], ['-1', '1']], [['2', '2'], ['-1', '1']])
    """
    structure = _structure(game, _all_exact(game) if exact is None else exact)
    return _reduced_form(structure, max_cells)


def _reduced_form(structure: _Structure, max_cells: int | None) -> ReducedStrategicForm:
    game = structure.game
    if max_cells is not None:
        sizes = [_strategy_count(structure, player) for player in (0, 1)]
        if sizes[0] * sizes[1] > max_cells:
            raise ValueError(
                f"the reduced strategic form has {sizes[0]} x {sizes[1]} = "
                f"{sizes[0] * sizes[1]} cells, more than {max_cells}"
            )
    strategies = (_reduced_strategies(structure, 0), _reduced_strategies(structure, 1))
    terminals = sorted(structure.payoffs)
    # each terminal's own moves per player, and its chance probability
    own: list[tuple[set, set]] = []
    weights: list[Number] = []
    for t in terminals:
        moves: tuple[set, set] = (set(), set())
        weight: Number = Fraction(1) if structure.exact else 1.0
        for ancestor, action in game.path(t):
            node = game.nodes[ancestor]
            if node.kind == "chance":
                weight *= structure.probabilities[ancestor][action]
            else:
                assert node.player is not None
                moves[node.player].add((structure.infoset_of[ancestor], action))
        own.append(moves)
        weights.append(weight)
    dtype = object if structure.exact else float
    reach = [
        np.array(
            [
                [int(own[k][player] <= set(s)) for k in range(len(terminals))]
                for s in strategies[player]
            ],
            dtype=dtype,
        )
        for player in (0, 1)
    ]
    payoff = [
        np.array(
            [weights[k] * structure.payoffs[t][player] for k, t in enumerate(terminals)],
            dtype=dtype,
        )
        for player in (0, 1)
    ]
    A = (reach[0] * payoff[0]) @ reach[1].T
    B = (reach[0] * payoff[1]) @ reach[1].T
    infosets = structure.infosets

    def label(player: int, strategy: tuple[tuple[InfosetKey, int], ...]) -> str:
        chosen = dict(strategy)
        return "/".join(
            infoset.actions[chosen[(player, k)]] if (player, k) in chosen else "*"
            for k, infoset in enumerate(infosets[player])
        )

    labels = tuple(tuple(label(p, s) for s in strategies[p]) for p in (0, 1))
    return ReducedStrategicForm(
        strategies=(tuple(strategies[0]), tuple(strategies[1])),
        labels=labels,  # type: ignore[arg-type]
        A=A,
        B=B,
    )


def _kuhn(
    structure: _Structure, form: ReducedStrategicForm, mixed: Sequence[Sequence[Number]]
) -> dict[InfosetKey, tuple[Number, ...]]:
    """Behaviour at every information set its player's own mixed strategy reaches (Kuhn 1953)."""
    behaviour: dict[InfosetKey, tuple[Number, ...]] = {}
    for player, infosets in enumerate(structure.infosets):
        for position, infoset in enumerate(infosets):
            key = (player, position)
            mass = [0 * mixed[player][0]] * len(infoset.actions)
            for sigma, strategy in zip(mixed[player], form.strategies[player], strict=True):
                action = dict(strategy).get(key)
                if action is not None:
                    mass[action] += sigma
            total = sum(mass, 0 * mixed[player][0])
            if total > (0 if structure.exact else 1e-12):
                behaviour[key] = tuple(v / total for v in mass)
    return behaviour


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class BehaviourEquilibrium:
    """One equilibrium of an extensive game in behaviour strategies.

    Attributes
    ----------
    strategies : tuple of two tuples
        ``strategies[player][k][a]``: probability of action ``a`` at the player's
        ``k``-th information set in file order (floats).
    payoffs : tuple of float
        Expected payoff of each player.
    subgame_perfect : bool
        Whether the profile is a Nash equilibrium of every subgame.
    source : {"backward_induction", "strategic_form"}
        How it was found.
    max_subgame_regret : float
        The largest gain from changing the behaviour at one information set of any
        subgame, given continuation play (0 exactly for subgame-perfect profiles).
    completed : tuple of (player, information set index)
        Information sets whose behaviour the mixed strategy left open and the
        backward-induction convention filled in (see the module docstring).
    exact : tuple or None
        In exact mode, ``(strategies, payoffs)`` as Fractions.
    """

    strategies: tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]
    payoffs: tuple[float, float]
    subgame_perfect: bool
    source: str
    max_subgame_regret: float = 0.0
    completed: tuple[InfosetKey, ...] = ()
    exact: tuple[Behaviour, tuple[Fraction, Fraction]] | None = None

    def to_dict(self) -> dict:
        """Plain-data view (lists and floats) for JSON."""
        return {
            "strategies": [[list(probs) for probs in player] for player in self.strategies],
            "payoffs": list(self.payoffs),
            "subgame_perfect": self.subgame_perfect,
            "source": self.source,
            "max_subgame_regret": self.max_subgame_regret,
        }


@dataclass(frozen=True, eq=False)
class ExtensiveFormResult:
    """The equilibria of an extensive game and how far to trust the list.

    Attributes
    ----------
    equilibria : tuple of BehaviourEquilibrium
        First every subgame-perfect equilibrium found by backward induction, then the
        other Nash equilibria of the reduced strategic form (extreme points), without
        repeats.
    status : {"ok", "degenerate", "incomplete"}
        ``"degenerate"``: a stage game or the strategic form is degenerate (the lists
        hold extreme equilibria of continua), or a mover is indifferent (mixtures of its
        optimal actions are subgame perfect too); ``"incomplete"``: a cap was hit or a
        solver could not certify completeness.
    method : str
        The normal-form method.
    players : tuple of str
    infosets : tuple of two tuples of EfgInfoset
        The information sets ``strategies`` refers to, in file order.
    strategic_form : NashResult or None
        The strategic-form result, when computed.
    notes : tuple of str
    tolerance : float
    """

    equilibria: tuple[BehaviourEquilibrium, ...]
    status: Status
    method: str
    players: tuple[str, str]
    infosets: tuple[tuple[EfgInfoset, ...], tuple[EfgInfoset, ...]]
    strategic_form: NashResult | None = None
    notes: tuple[str, ...] = ()
    tolerance: float = REGRET_TOLERANCE

    @property
    def subgame_perfect(self) -> tuple[BehaviourEquilibrium, ...]:
        """The subgame-perfect equilibria."""
        return tuple(eq for eq in self.equilibria if eq.subgame_perfect)

    def to_dict(self) -> dict:
        """Plain-data view for JSON."""
        return {
            "status": self.status,
            "method": self.method,
            "players": list(self.players),
            "infosets": [
                [{"number": i.number, "name": i.name, "actions": list(i.actions)} for i in infosets]
                for infosets in self.infosets
            ],
            "equilibria": [eq.to_dict() for eq in self.equilibria],
            "notes": list(self.notes),
        }


def _record(
    structure: _Structure,
    choices: Mapping[InfosetKey, tuple[Number, ...]],
    values: tuple[Number, Number],
    *,
    subgame_perfect: bool,
    source: str,
    regret: float,
    completed: tuple[InfosetKey, ...] = (),
) -> BehaviourEquilibrium:
    behaviour = tuple(
        tuple(tuple(choices[(player, k)]) for k in range(len(infosets)))
        for player, infosets in enumerate(structure.infosets)
    )
    floats = behaviour
    if structure.exact:
        floats = tuple(
            tuple(tuple(float(p) for p in probs) for probs in player) for player in behaviour
        )
    exact = (behaviour, (values[0], values[1])) if structure.exact else None
    return BehaviourEquilibrium(
        strategies=floats,  # type: ignore[arg-type]
        payoffs=(float(values[0]), float(values[1])),
        subgame_perfect=subgame_perfect,
        source=source,
        max_subgame_regret=max(float(regret), 0.0),
        completed=completed,
        exact=exact,  # type: ignore[arg-type]
    )


def _same_profile(first: BehaviourEquilibrium, second: BehaviourEquilibrium, atol: float) -> bool:
    if first.exact is not None and second.exact is not None:
        return first.exact[0] == second.exact[0]
    return all(
        np.allclose(a, b, atol=atol)
        for pa, pb in zip(first.strategies, second.strategies, strict=True)
        for a, b in zip(pa, pb, strict=True)
    )


def _arithmetic(game: ExtensiveFormGame, method: str, exact: bool | None) -> bool:
    """Whether to compute exactly: as asked, or by default when every payoff is rational and
    the method has an exact mode; refuses exact mode with a floating-point method."""
    probe = nash_equilibria([[1, 0], [0, 1]], [[1, 0], [0, 1]], method=method, exact=True)
    method_exact = all(eq.exact is not None for eq in probe.equilibria)
    if exact is None:
        return method_exact and _all_exact(game)
    if exact and not method_exact:
        raise ValueError(
            f"method {method!r} computes in floating point only; use exact=False or another method"
        )
    return bool(exact)


def solve_efg(
    game: ExtensiveFormGame,
    *,
    method: str = "enumeration",
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
    include_nash: bool = True,
    max_equilibria: int = 10_000,
    max_strategic_cells: int = 100,
) -> ExtensiveFormResult:
    r"""Subgame-perfect (and, optionally, all Nash) equilibria of an extensive game.

    See the module docstring for the supported games, the algorithm and the convention
    for information sets a Nash equilibrium leaves open.

    Parameters
    ----------
    game : ExtensiveFormGame
        Read with :func:`negotiation.formats.gambit.read_efg` or built in code.
    method : str
        Normal-form method for every simultaneous stage and for the strategic form (a
        key of :data:`negotiation.solvers.normal_form.NORMAL_FORM_METHODS`).
    exact : bool or None
        Rational arithmetic throughout (decimal payoffs read as written, as Gambit
        does); None: exact if every payoff in the file is an integer or a rational and
        the method has an exact mode (nashpy's ``"support"`` and ``"vertex"`` do not).
    tol : float
        Payoff tolerance for ties, for verifying stage equilibria and for the
        subgame-perfection check.
    include_nash : bool
        Also list the Nash equilibria of the reduced strategic form that are not among
        the subgame-perfect ones (skipped, with a note, when the form has more than
        ``max_strategic_cells`` cells).
    max_equilibria : int
        Cap on the number of subgame-perfect equilibria enumerated in any subgame.
    max_strategic_cells : int
        Largest reduced strategic form solved (rows times columns). Reduced forms of
        trees are degenerate, with many extreme equilibria: measured here, 6 x 12 forms
        took 0.1 s, 18 x 18 ones 13 s (1,072 extreme equilibria), and the 18 x 36 form
        of the Madrid tree did not finish in 5 minutes.

    Returns
    -------
    ExtensiveFormResult

    Raises
    ------
    UnsupportedGameError
        For imperfect information beyond simultaneous moves inside subgames.

    Examples
    --------
    Entry deterrence: the entrant stays out (0 for it, 2 for the incumbent) or enters;
    the incumbent then fights (-1, -1) or accommodates (1, 1). (In, Accommodate) is the
    only subgame-perfect equilibrium; (Out, Fight) is a Nash equilibrium held up by an
    incredible threat, and so is (Out, mix with Fight at least 1/2).

    >>> from negotiation.formats.gambit import read_efg
    >>> game = read_efg('''EFG 2 R "" { "Entrant" "Incumbent" }
    ... p "" 1 1 "" { "Out" "In" } 0
    ... t "" 1 "out" { 0 2 }
    ... p "" 2 1 "" { "Fight" "Accommodate" } 0
    ... t "" 2 "war" { -1 -1 }
    ... t "" 3 "peace" { 1 1 }''')
    >>> result = solve_efg(game)
    >>> [(eq.strategies, eq.payoffs, eq.subgame_perfect) for eq in result.equilibria]
    ... # doctest: +NORMALIZE_WHITESPACE
    [((((0.0, 1.0),), ((0.0, 1.0),)), (1.0, 1.0), True),
     ((((1.0, 0.0),), ((1.0, 0.0),)), (0.0, 2.0), False),
     ((((1.0, 0.0),), ((0.5, 0.5),)), (0.0, 2.0), False)]
    """
    use_exact = _arithmetic(game, method, exact)
    structure = _structure(game, use_exact)
    run = _Run(structure, method, tol, max_equilibria)
    partials = _solve(run, 0)
    equilibria = [
        _record(
            structure,
            dict(part.choices),
            part.values,
            subgame_perfect=True,
            source="backward_induction",
            regret=part.regret,
        )
        for part in partials
    ]
    notes: list[str] = []
    statuses = {result.status for _, result in run.stage_results}
    status: Status = "ok"
    if "degenerate" in statuses or run.tie:
        status = "degenerate"
    if "incomplete" in statuses or run.capped:
        status = "incomplete"
    if run.capped:
        notes.append(
            f"more than {max_equilibria} equilibria in some subgame: the list is truncated"
        )
    if run.tie:
        notes.append(
            "a mover is indifferent somewhere in the tree: each optimal action gives a "
            "subgame-perfect equilibrium, and so does any mixture of them"
        )
    for root, result in run.stage_results:
        if result.status != "ok":
            notes.append(
                f"the stage at {_node_text(game, root)} is {result.status}"
                + (": " + "; ".join(result.notes) if result.notes else "")
            )
    strategic: NashResult | None = None
    if include_nash:
        try:
            form = _reduced_form(structure, max_strategic_cells)
        except ValueError as error:
            notes.append(
                f"Nash equilibria not enumerated: {error}; only the subgame-perfect ones are listed"
            )
        else:
            strategic = nash_equilibria(
                form.A, form.B, method=method, exact=True if use_exact else None, tol=tol
            )
            extra = _nash_records(structure, form, strategic, run, equilibria)
            equilibria.extend(extra)
            shape = f"{form.A.shape[0]} x {form.A.shape[1]}"
            if strategic.status == "degenerate":
                notes.append(
                    f"the reduced strategic form ({shape}) is degenerate: its Nash equilibria "
                    "are listed by the extreme points of their components"
                )
            elif strategic.status == "incomplete":
                notes.append(
                    f"the Nash equilibria of the reduced strategic form ({shape}) may be "
                    "incomplete: " + "; ".join(strategic.notes)
                )
            if strategic.status == "incomplete" and status != "incomplete":
                status = "incomplete"
            elif strategic.status == "degenerate" and status == "ok":
                status = "degenerate"
    return ExtensiveFormResult(
        equilibria=tuple(equilibria),
        status=status,
        method=method,
        players=game.players,
        infosets=structure.infosets,
        strategic_form=strategic,
        notes=tuple(notes),
        tolerance=tol,
    )


def _nash_records(
    structure: _Structure,
    form: ReducedStrategicForm,
    strategic: NashResult,
    spe_run: _Run,
    known: list[BehaviourEquilibrium],
) -> list[BehaviourEquilibrium]:
    """Strategic-form equilibria as behaviour profiles, checked and without repeats."""
    found: list[BehaviourEquilibrium] = []
    every_key = [
        (p, k) for p, infosets in enumerate(structure.infosets) for k in range(len(infosets))
    ]
    for eq in strategic.equilibria:
        if structure.exact:
            if eq.exact is None:
                raise ValueError(f"method {spe_run.method!r} has no exact mode")
            mixed: Sequence[Sequence[Number]] = eq.exact
        else:
            mixed = (tuple(float(v) for v in eq.row), tuple(float(v) for v in eq.column))
        fixed = _kuhn(structure, form, mixed)
        run = _Run(
            structure,
            spe_run.method,
            spe_run.tol,
            spe_run.max_equilibria,
            fixed=fixed,
            record=False,
        )
        completions = _solve(run, 0)
        best = min(completions, key=lambda part: part.regret)
        choices = {**fixed, **dict(best.choices)}
        record = _record(
            structure,
            choices,
            best.values,
            subgame_perfect=best.regret <= spe_run.tol,
            source="strategic_form",
            regret=best.regret,
            completed=tuple(key for key in every_key if key not in fixed),
        )
        if not any(_same_profile(record, other, 1e-9) for other in known + found):
            found.append(record)
    return found


# --------------------------------------------------------------------------- tree conversion


@dataclass(frozen=True)
class InfosetIndex:
    """Where each information set of an ``.efg`` game sits in the converted tree.

    Paths are those of :mod:`negotiation.solvers.backward_induction`: the
    ``(node label, action)`` pairs from the root.

    Attributes
    ----------
    players : tuple of str
    infosets : tuple of two tuples of EfgInfoset
        Each player's information sets in file order.
    decisions : mapping of path -> (infoset key, action labels)
        The information set of each :class:`~negotiation.games.Decision` and its
        action labels in the tree (the file's, made distinct when repeated or empty).
    stages : mapping of path -> (infoset key of player 0, infoset key of player 1)
        The two information sets of each :class:`~negotiation.games.StageGame`; the
        stage's rows are player 0's actions (the matrix is transposed when player 2
        moves first in the file).
    nodes : mapping of path -> int
        The ``.efg`` node at each tree node.
    folded : mapping of infoset key -> behaviour
        Behaviour in continuation subgames folded into a stage's payoffs (their first
        subgame-perfect equilibrium).
    notes : tuple of str
    """

    players: tuple[str, str]
    infosets: tuple[tuple[EfgInfoset, ...], tuple[EfgInfoset, ...]]
    decisions: Mapping[Path, tuple[InfosetKey, tuple[str, ...]]]
    stages: Mapping[Path, tuple[InfosetKey, InfosetKey]]
    nodes: Mapping[Path, int]
    folded: Mapping[InfosetKey, tuple[float, ...]]
    notes: tuple[str, ...] = ()

    def behaviour(
        self, equilibrium: SubgamePerfectEquilibrium
    ) -> tuple[tuple[tuple[float, ...], ...], ...]:
        """The behaviour strategies (``[player][infoset][action]``) of a tree equilibrium."""
        choices: dict[InfosetKey, tuple[float, ...]] = dict(self.folded)
        for path, action in equilibrium.decisions:
            key, labels = self.decisions[path]
            choices[key] = tuple(1.0 if label == action else 0.0 for label in labels)
        for play in equilibrium.stages:
            row_key, column_key = self.stages[play.path]
            choices[row_key] = tuple(float(v) for v in play.equilibrium.row)
            choices[column_key] = tuple(float(v) for v in play.equilibrium.column)
        return tuple(
            tuple(choices[(player, k)] for k in range(len(infosets)))
            for player, infosets in enumerate(self.infosets)
        )


def _distinct(labels: Sequence[str]) -> tuple[str, ...]:
    """The labels, with empty or repeated ones suffixed by their 1-based position."""
    counts = {label: labels.count(label) for label in labels}
    return tuple(
        label if label and counts[label] == 1 else f"{label}#{k + 1}"
        for k, label in enumerate(labels)
    )


def efg_to_tree(
    game: ExtensiveFormGame,
    *,
    method: str = "enumeration",
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
) -> tuple[Node, InfosetIndex]:
    """The game as a :mod:`negotiation.games` tree, and where its information sets went.

    Perfect-information nodes become :class:`~negotiation.games.Decision` nodes, chance
    nodes :class:`~negotiation.games.Chance`, terminal nodes
    :class:`~negotiation.games.Terminal` (payoffs summed along the path), and each
    simultaneous stage (see the module docstring) a :class:`~negotiation.games.StageGame`
    whose cell :math:`(a, b)` is worth the continuation after it. When a continuation
    is a terminal node the conversion is exact and
    :func:`~negotiation.solvers.backward_induction.subgame_perfect_equilibria` on the
    tree finds the same equilibria as :func:`solve_efg`. When play goes on after a stage,
    the continuation subgame is solved first and its *first* subgame-perfect equilibrium
    folded into the stage's payoffs (recorded in ``index.folded`` and ``index.notes``);
    :func:`solve_efg` enumerates all of them.

    Node labels are the node's name, else its information set's name, else
    ``"node N"``; actions keep their labels unless empty or repeated at a node. A file
    knows nothing of truce, deadlock or escalation: stage resolution probabilities are
    NaN.

    Raises
    ------
    UnsupportedGameError
        Outside the supported class.

    Examples
    --------
    >>> from negotiation.formats.gambit import read_efg
    >>> from negotiation.solvers.backward_induction import subgame_perfect_equilibria
    >>> game = read_efg('''EFG 2 R "" { "Entrant" "Incumbent" }
    ... p "" 1 1 "entrant" { "Out" "In" } 0
    ... t "" 1 "out" { 0 2 }
    ... p "" 2 1 "incumbent" { "Fight" "Accommodate" } 0
    ... t "" 2 "war" { -1 -1 }
    ... t "" 3 "peace" { 1 1 }''')
    >>> tree, index = efg_to_tree(game)
    >>> spe = subgame_perfect_equilibria(tree).equilibria
    >>> [(e.path, index.behaviour(e)) for e in spe]
    [((('entrant', 'In'), ('incumbent', 'Accommodate')), (((0.0, 1.0),), ((0.0, 1.0),)))]
    """
    use_exact = _arithmetic(game, method, exact)
    structure = _structure(game, use_exact)
    decisions: dict[Path, tuple[InfosetKey, tuple[str, ...]]] = {}
    stages: dict[Path, tuple[InfosetKey, InfosetKey]] = {}
    where: dict[Path, int] = {}
    folded: dict[InfosetKey, tuple[float, ...]] = {}
    notes: list[str] = []

    def label(index: int) -> str:
        node = game.nodes[index]
        return node.name or node.infoset_name or f"node {index}"

    def continuation(index: int) -> tuple[float, float]:
        if game.nodes[index].kind == "terminal":
            payoffs = structure.payoffs[index]
            return (float(payoffs[0]), float(payoffs[1]))
        run = _Run(structure, method, tol, 10_000)
        solutions = _solve(run, index)
        if len({(float(s.values[0]), float(s.values[1])) for s in solutions}) > 1:
            notes.append(
                f"the subgame at {_node_text(game, index)} has {len(solutions)} subgame-perfect "
                "equilibria with different payoffs; the stage above it uses the first"
            )
        for key, probs in solutions[0].choices:
            folded[key] = tuple(float(p) for p in probs)
        return (float(solutions[0].values[0]), float(solutions[0].values[1]))

    def build(index: int, path: Path) -> Node:
        node = game.nodes[index]
        where[path] = index
        if node.kind == "terminal":
            payoffs = structure.payoffs[index]
            return Terminal(
                (float(payoffs[0]), float(payoffs[1])), label=node.outcome_name or node.name
            )
        here = label(index)
        if index in structure.stages:
            stage = structure.stages[index]
            row_labels = _distinct(node.actions)
            column_node = next(
                c for c in node.children if structure.infoset_of.get(c) == stage.column_key
            )
            column_labels = _distinct(game.nodes[column_node].actions)
            values = [[continuation(cell) for cell in row] for row in stage.cells]
            A = np.array([[v[0] for v in row] for row in values])
            B = np.array([[v[1] for v in row] for row in values])
            keys = (stage.row_key, stage.column_key)
            if stage.row_player == 1:  # rows are always player 0's actions
                A, B = A.T.copy(), B.T.copy()
                row_labels, column_labels = column_labels, row_labels
                keys = (stage.column_key, stage.row_key)
            stages[path] = keys
            m, n = A.shape
            return StageGame(
                A=A,
                B=B,
                row_actions=row_labels,
                column_actions=column_labels,
                resolution_probabilities=np.full((m, n, 3), np.nan),
                label=here,
            )
        actions = _distinct(node.actions)
        children = tuple(
            build(child, path + ((here, action),))
            for action, child in zip(actions, node.children, strict=True)
        )
        if node.kind == "chance":
            return Chance(
                actions, tuple(float(p) for p in node.probabilities), children, label=here
            )
        assert node.player is not None
        decisions[path] = (structure.infoset_of[index], actions)
        return Decision(node.player, actions, children, label=here)

    root = build(0, ())
    index = InfosetIndex(
        players=game.players,
        infosets=game.infosets(),
        decisions=decisions,
        stages=stages,
        nodes=where,
        folded=folded,
        notes=tuple(notes),
    )
    return root, index


def _exact_payoff(value: float) -> Number:
    """An integral float as an exact Fraction, any other float as it is."""
    value = float(value)
    return Fraction(int(value)) if value.is_integer() else value


def _exact_probabilities(probabilities: Sequence[float]) -> tuple[Fraction, ...]:
    """Chance probabilities as Fractions (shortest decimals) summing to exactly one."""
    exact = [Fraction(repr(float(p))) for p in probabilities]
    gap = 1 - sum(exact)
    if gap:
        if abs(gap) > 1e-9:
            raise ValueError(f"chance probabilities {list(probabilities)} do not sum to one")
        exact[-1] += gap
    return tuple(exact)


def tree_to_efg(
    root: Node,
    players: tuple[str, str],
    *,
    title: str = "",
    comment: str = "",
    stage_name: str = "stage",
) -> ExtensiveFormGame:
    """A :mod:`negotiation.games` tree as an extensive game for Gambit.

    Decision and chance nodes keep their actions, each in an information set of its own
    named after the node's label and its history (``"probe after listing=play"``). A
    :class:`~negotiation.games.StageGame` becomes player 0's node followed by one node of
    player 1 per row action, all in one information set (simultaneous moves), and a
    terminal node per action profile whose outcome carries the stage's payoffs
    ``(A[a, b], B[a, b])``. Integral payoffs are written exactly, others as floats.

    Parameters
    ----------
    root : Node
    players : tuple of two str
        Player names (player 0 first).
    title, comment : str
    stage_name : str
        The word naming a stage's nodes (``"talks"`` for scenarios).

    Raises
    ------
    ValueError
        If a label cannot be written so that Gambit reads it back (see
        :func:`negotiation.formats.gambit.write_efg`).
    """
    rows: list[dict] = []
    children_of: list[list[int]] = []
    counters = {"0": 0, "1": 0, "chance": 0, "outcome": 0}

    def history(path: Path) -> str:
        return ", ".join(f"{label}={action}" for label, action in path)

    def named(label: str, path: Path) -> str:
        return f"{label} after {history(path)}" if path else label

    def emit(**fields: object) -> int:
        rows.append(fields)
        children_of.append([])
        return len(rows) - 1

    def next_number(owner: str) -> int:
        counters[owner] += 1
        return counters[owner]

    def terminal(payoffs: Sequence[float], name: str) -> dict:
        return {
            "kind": "terminal",
            "outcome": next_number("outcome"),
            "outcome_name": name,
            "payoffs": tuple(_exact_payoff(v) for v in payoffs),
        }

    def build(node: Node, path: Path) -> int:
        if isinstance(node, Terminal):
            return emit(**terminal(node.payoffs, node.label or named("end", path)))
        if isinstance(node, StageGame):
            name = named(stage_name, path)
            row = emit(
                kind="personal",
                name=name,
                player=0,
                infoset=next_number("0"),
                infoset_name=f"{players[0]} at {name}",
                actions=tuple(node.row_actions),
            )
            column_infoset = next_number("1")
            for a, row_action in enumerate(node.row_actions):
                column = emit(
                    kind="personal",
                    name=f"{name}: {players[0]} {row_action}",
                    player=1,
                    infoset=column_infoset,
                    infoset_name=f"{players[1]} at {name}",
                    actions=tuple(node.column_actions),
                )
                children_of[row].append(column)
                for b, column_action in enumerate(node.column_actions):
                    outcome = f"{name}: {row_action}/{column_action}"
                    if node.outcome_labels:
                        outcome += f" -> {node.outcome_labels[a][b]}"
                    leaf = emit(**terminal((node.A[a, b], node.B[a, b]), outcome))
                    children_of[column].append(leaf)
            return row
        name = named(node.label or "node", path)
        if isinstance(node, Chance):
            index = emit(
                kind="chance",
                name=name,
                infoset=next_number("chance"),
                infoset_name=name,
                actions=tuple(node.actions),
                probabilities=_exact_probabilities(node.probabilities),
            )
        elif isinstance(node, Decision):
            index = emit(
                kind="personal",
                name=name,
                player=node.player,
                infoset=next_number(str(node.player)),
                infoset_name=name,
                actions=tuple(node.actions),
            )
        else:
            raise TypeError(f"not a game-tree node: {node!r}")
        for action, child in zip(node.actions, node.children, strict=True):
            children_of[index].append(build(child, path + ((node.label, action),)))
        return index

    build(root, ())
    nodes = tuple(
        EfgNode(children=tuple(kids), **fields)
        for fields, kids in zip(rows, children_of, strict=True)
    )  # type: ignore[arg-type]
    return ExtensiveFormGame(title, players, nodes, comment)


def scenario_to_efg(scenario: Scenario) -> ExtensiveFormGame:
    """A scenario's game tree (:func:`negotiation.scenario.game_tree`) as an extensive game.

    Each leverage decision is a node of its maker with actions ``"refrain"`` and
    ``"play"`` in an information set of its own named after the move and the history
    (``"anti_dumping_probe after entity_listing=play"``); each talks stage is the row
    side's node followed by the column side's nodes in one information set (actions:
    the stances); each terminal outcome carries the stage's *expected* payoffs (a truce
    that may break down is already averaged). Players are the side names, row side first.

    ``negotiation export CONFIG --format efg`` writes it with
    :func:`negotiation.formats.gambit.write_efg`.
    """
    comment = (
        f"Exported by negotiation from scenario {scenario.name!r}. Pre-talk leverage moves "
        "(refrain or play, observed), then simultaneous talks; terminal payoffs are expected "
        "payoffs (a truce may break down into deadlock)."
    )
    if scenario.description:
        comment = scenario.description + "\n" + comment
    return tree_to_efg(
        game_tree(scenario),
        scenario.side_names,
        title=scenario.title,
        comment=comment,
        stage_name="talks",
    )
