r"""The reduced strategic form of a game tree, and Kuhn's conversion back to behaviour.

Model
-----
In a two-player tree with perfect recall (:class:`negotiation.model.tree.GameTree`)
player :math:`i`'s information sets form a forest: the *parent* of a set :math:`I` is the
last pair :math:`(J, b)` of the player's own information set and action on the path to
:math:`I` (the same for every member, by perfect recall). A *reduced* pure strategy
:math:`s` picks an action at a set of information sets :math:`\mathrm{dom}(s)` closed
under this relation: every root set, and every set whose parent :math:`(J, b)` has
:math:`J \in \mathrm{dom}(s)` and :math:`s(J) = b`; the sets its own actions exclude are
left open (strategies that differ only there are merged). Their number satisfies

.. math:: n(\sigma) = \prod_{J:\ \mathrm{parent}(J) = \sigma}\ \sum_{b} n\big((J, b)\big),
          \qquad n_i = n(\varnothing),

and the payoff of a pair :math:`(s, t)` is the expectation over chance of the terminals
both reach: :math:`A_{st} = \sum_z \pi_c(z)\, [z \text{ consistent with } s]\,
[z \text{ consistent with } t]\, u_1(z)`, and likewise :math:`B`.

*Kuhn's theorem.* Under perfect recall a mixed strategy :math:`\sigma_i` over reduced
strategies has a realization-equivalent behaviour strategy

.. math::

    \beta_i(a \mid I) = \frac{\sum_{s:\ I \in \mathrm{dom}(s),\ s(I) = a} \sigma_i(s)}
                             {\sum_{s:\ I \in \mathrm{dom}(s)} \sigma_i(s)},

defined where the denominator is positive; elsewhere the player's own strategy excludes
:math:`I` and says nothing (:func:`kuhn_behaviour` leaves those sets out).

References
----------
Kuhn, H. W. (1953). Extensive games and the problem of information. *Contributions to the
Theory of Games II*, 193--216.
Osborne, M. J. and Rubinstein, A. (1994). *A Course in Game Theory*, ch. 11
(Proposition 214.1).
von Stengel, B. (1996). Efficient computation of behavior strategies. *Games and Economic
Behavior* 14, 220--246 (reduced strategies and sequences).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from negotiation.model.tree import BARGAIN, CHANCE, PERSONAL, TERMINAL, GameTree
from negotiation.solvers.subgames import UnsupportedGameError

__all__ = [
    "InfosetKey",
    "ReducedStrategicForm",
    "kuhn_behaviour",
    "reduced_strategic_form",
    "strategy_counts",
]

#: An information set as ``(player, position among the player's sets in order of
#: appearance)``: the indices of behaviour strategies ``[player][position][action]``.
InfosetKey = tuple[int, int]
#: A reduced strategy: ``((information set key, action index), ...)`` sorted by key.
Strategy = tuple[tuple[InfosetKey, int], ...]


@dataclass(frozen=True, eq=False)
class ReducedStrategicForm:
    """The reduced strategic form of a two-player game tree.

    Attributes
    ----------
    strategies : tuple of two tuples
        Each reduced strategy as ``((infoset key, action index), ...)`` sorted by
        information set: an action at every information set its own earlier actions do
        not exclude (keys ``(player, position)``, see :data:`InfosetKey`).
    labels : tuple of two tuples of str
        ``"In/Accommodate"``-style labels: the chosen actions in information-set order,
        ``*`` where the set is excluded.
    A, B : numpy.ndarray
        Expected payoffs ``[row strategy, column strategy]`` (object arrays of Fraction
        for exact trees, floats otherwise).
    """

    strategies: tuple[tuple[Strategy, ...], tuple[Strategy, ...]]
    labels: tuple[tuple[str, ...], tuple[str, ...]]
    A: np.ndarray
    B: np.ndarray


@dataclass(frozen=True)
class _Sequences:
    """Each player's information-set forest: keys, tree indices, and the children of each
    sequence (``None`` for the empty sequence, else ``(key, action)``)."""

    keys: dict[int, InfosetKey]  # tree infoset index -> key
    index: dict[InfosetKey, int]  # key -> tree infoset index
    children: tuple[dict[Any, list[InfosetKey]], dict[Any, list[InfosetKey]]]
    own: tuple[list[frozenset], list[frozenset]]  # per terminal row: the player's moves to it


def _sequences(tree: GameTree) -> _Sequences:
    """The information-set forests; raises for imperfect recall or bargaining nodes."""
    keys: dict[int, InfosetKey] = {}
    for player in (0, 1):
        for k, s in enumerate(tree.player_infosets(player)):
            keys[s] = (player, k)
    index = {key: s for s, key in keys.items()}
    parent_of: dict[int, Any] = {}
    children: tuple[dict[Any, list[InfosetKey]], dict[Any, list[InfosetKey]]] = ({}, {})
    T = tree.payoffs.shape[1]
    own: tuple[list[frozenset], list[frozenset]] = ([frozenset()] * T, [frozenset()] * T)
    last: list[list[Any]] = [[None, None] for _ in range(tree.size)]
    moves: list[tuple[frozenset, frozenset]] = [(frozenset(), frozenset())] * tree.size
    for v in range(tree.size):
        kind = int(tree.kind[v])
        if kind == BARGAIN:
            raise UnsupportedGameError(
                f"node {v} ({tree.labels[v]!r}) is a bargaining node: it has no strategic form"
            )
        p = int(tree.parent[v])
        if p >= 0:
            last[v] = list(last[p])
            moves[v] = moves[p]
            if tree.kind[p] == PERSONAL:
                mover = int(tree.player[p])
                step = (keys[int(tree.infoset[p])], int(tree.action[v]))
                last[v][mover] = step
                pair = list(moves[v])
                pair[mover] = pair[mover] | {step}
                moves[v] = (pair[0], pair[1])
        if kind == PERSONAL:
            s = int(tree.infoset[v])
            mover = int(tree.player[v])
            before = last[v][mover]
            if before is not None and before[0] == keys[s]:
                raise UnsupportedGameError(
                    f"information set {tree.infosets[s].number or s + 1} of player "
                    f"{tree.players[mover]!r} lies below itself: the player forgets its own move "
                    "(imperfect recall)"
                )
            if s in parent_of and parent_of[s] != before:
                raise UnsupportedGameError(
                    f"information set {tree.infosets[s].number or s + 1} of player "
                    f"{tree.players[mover]!r} is reached after different own moves: the player "
                    "forgets its own move (imperfect recall)"
                )
            if s not in parent_of:
                parent_of[s] = before
                children[mover].setdefault(before, []).append(keys[s])
        elif kind == TERMINAL:
            t = int(tree.terminal[v])
            own[0][t], own[1][t] = moves[v]
    return _Sequences(keys, index, children, own)


def _count(children: dict[Any, list[InfosetKey]], actions: dict[InfosetKey, int], sequence: Any) -> int:
    return math.prod(
        sum(_count(children, actions, (J, b)) for b in range(actions[J])) for J in children.get(sequence, [])
    )


def _strategies(children: dict[Any, list[InfosetKey]], actions: dict[InfosetKey, int], sequence: Any) -> list[dict]:
    """Every reduced strategy of the part of the forest below ``sequence``, as dicts."""
    parts = []
    for J in children.get(sequence, []):
        options = []
        for b in range(actions[J]):
            for below in _strategies(children, actions, (J, b)):
                options.append({J: b, **below})
        parts.append(options)
    out = []
    for combo in itertools.product(*parts):
        merged: dict = {}
        for part in combo:
            merged.update(part)
        out.append(merged)
    return out


def strategy_counts(tree: GameTree) -> tuple[int, int]:
    """Number of reduced strategies of each player (without listing them).

    Examples
    --------
    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "e", ("out", "in"))
    >>> _ = b.add_terminal(root)
    >>> inc = b.add_personal(root, 1, "i", ("fight", "accommodate"))
    >>> _ = b.add_terminal(inc), b.add_terminal(inc)
    >>> strategy_counts(b.build(np.zeros((3, 2))))
    (2, 2)
    """
    seq = _sequences(tree)
    actions = {key: len(tree.infosets[s].actions) for key, s in seq.index.items()}
    return (_count(seq.children[0], actions, None), _count(seq.children[1], actions, None))


def reduced_strategic_form(
    tree: GameTree, *, point: int = 0, max_cells: int | None = None
) -> ReducedStrategicForm:
    r"""The reduced strategic form :math:`(A, B)` of game ``point`` of a batch of trees.

    See the module docstring. Rows are player 0's reduced strategies, columns player
    1's, in lexicographic order of their actions at the information sets in order of
    appearance (the first set varies slowest).

    Parameters
    ----------
    tree : GameTree
        A tree with perfect recall and no bargaining nodes; exact (object arrays of
        Fraction) or float.
    point : int
        The game of the batch.
    max_cells : int or None
        Raise ``ValueError`` before building a form with more cells.

    Raises
    ------
    UnsupportedGameError
        Imperfect recall, or a bargaining node.
    ValueError
        More than ``max_cells`` cells.

    Examples
    --------
    Entry deterrence: the entrant stays out (0, 2) or enters; the incumbent then fights
    (-1, -1) or accommodates (1, 1).

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("Entrant", "Incumbent"))
    >>> root = b.add_personal(None, 0, "e", ("Out", "In"))
    >>> _ = b.add_terminal(root)
    >>> inc = b.add_personal(root, 1, "i", ("Fight", "Accommodate"))
    >>> _ = b.add_terminal(inc), b.add_terminal(inc)
    >>> form = reduced_strategic_form(b.build(np.array([[0., 2.], [-1., -1.], [1., 1.]])))
    >>> form.labels
    (('Out', 'In'), ('Fight', 'Accommodate'))
    >>> form.A.tolist(), form.B.tolist()
    ([[0.0, 0.0], [-1.0, 1.0]], [[2.0, 2.0], [-1.0, 1.0]])
    """
    seq = _sequences(tree)
    actions = {key: len(tree.infosets[s].actions) for key, s in seq.index.items()}
    if max_cells is not None:
        m, n = (_count(seq.children[p], actions, None) for p in (0, 1))
        if m * n > max_cells:
            raise ValueError(
                f"the reduced strategic form has {m} x {n} = {m * n} cells, more than {max_cells}"
            )
    strategies = tuple(
        tuple(tuple(sorted(s.items())) for s in _strategies(seq.children[p], actions, None)) for p in (0, 1)
    )
    exact = tree.exact
    dtype = object if exact else float
    T = tree.payoffs.shape[1]
    weight = np.ones(T, dtype=dtype)
    if exact:
        weight[:] = 1
    terminals = np.flatnonzero(tree.kind == TERMINAL)
    for v in terminals:  # chance probability of reaching each terminal
        t = int(tree.terminal[v])
        w: Any = Fraction(1) if exact else 1.0
        u = int(v)
        while tree.parent[u] >= 0:
            if tree.kind[tree.parent[u]] == CHANCE:
                w = w * tree.probabilities[point, u]
            u = int(tree.parent[u])
        weight[t] = w
    reach = []
    for p in (0, 1):
        rows = np.zeros((len(strategies[p]), T), dtype=dtype)
        if exact:
            rows[:] = 0
        for r, s in enumerate(strategies[p]):
            chosen = set(s)
            for t in range(T):
                if seq.own[p][t] <= chosen:
                    rows[r, t] = 1
        reach.append(rows)
    payoffs = tree.payoffs[point]
    A = (reach[0] * (weight * payoffs[:, 0])) @ reach[1].T
    B = (reach[0] * (weight * payoffs[:, 1])) @ reach[1].T

    def label(player: int, strategy: Strategy) -> str:
        chosen = dict(strategy)
        return "/".join(
            tree.infosets[s].actions[chosen[(player, k)]] if (player, k) in chosen else "*"
            for k, s in enumerate(tree.player_infosets(player))
        )

    labels = tuple(tuple(label(p, s) for s in strategies[p]) for p in (0, 1))
    return ReducedStrategicForm(strategies, labels, A, B)  # type: ignore[arg-type]


def kuhn_behaviour(
    tree: GameTree, form: ReducedStrategicForm, mixed: Sequence[Sequence[Any]], *, tol: float = 1e-12
) -> dict[int, tuple]:
    r"""Kuhn's behaviour strategy (module docstring) of a mixed profile of the reduced form.

    Parameters
    ----------
    tree : GameTree
    form : ReducedStrategicForm
        The tree's reduced strategic form.
    mixed : pair of sequences
        Probabilities of each player's reduced strategies (Fractions for exact
        behaviour, else floats).
    tol : float
        In float arithmetic, an information set reached with total probability at most
        ``tol`` counts as excluded.

    Returns
    -------
    dict of int -> tuple
        Behaviour at every information set (a tree index) that its player's own mixed
        strategy does not exclude.

    Examples
    --------
    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("Entrant", "Incumbent"))
    >>> root = b.add_personal(None, 0, "e", ("Out", "In"))
    >>> _ = b.add_terminal(root)
    >>> inc = b.add_personal(root, 1, "i", ("Fight", "Accommodate"))
    >>> _ = b.add_terminal(inc), b.add_terminal(inc)
    >>> tree = b.build(np.zeros((3, 2)))
    >>> kuhn_behaviour(tree, reduced_strategic_form(tree), [[Fraction(1, 4), Fraction(3, 4)], [1, 0]])
    {0: (Fraction(1, 4), Fraction(3, 4)), 1: (Fraction(1, 1), Fraction(0, 1))}
    """
    behaviour: dict[int, tuple] = {}
    for player in (0, 1):
        zero = 0 * mixed[player][0]
        for k, s in enumerate(tree.player_infosets(player)):
            key = (player, k)
            mass = [zero] * len(tree.infosets[s].actions)
            for sigma, strategy in zip(mixed[player], form.strategies[player], strict=True):
                action = dict(strategy).get(key)
                if action is not None:
                    mass[action] = mass[action] + sigma
            total = sum(mass, zero)
            exact = isinstance(total, Fraction | int)
            if total > (0 if exact else tol):
                behaviour[s] = tuple((Fraction(v) / total if exact else v / total) for v in mass)
    return behaviour
