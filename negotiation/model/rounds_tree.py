r"""The tree of a rounds game: every history of actions, under a chance move for private types.

For a :class:`negotiation.model.rounds.RoundsGame` (or the game of each type of a
:class:`negotiation.model.rounds.TypedRounds`) the tree has, below a chance move that draws the
private side's type with the prior, one level per round: the movers' decisions (both at once, as
Gambit writes a simultaneous move: a node of the first side whose children form one information
set of the second), each action pair leading to the state :math:`T_k(s, a, b)`. Both sides see
every action: a side's information set at round :math:`k` is the history of action pairs before
:math:`k` (a round whose ``when`` fails is skipped) and, for the private side, its type; the other side's spans the types (it infers the
type from the actions by Bayes' rule, Harsanyi 1967--68).

Payoffs at a leaf whose rounds left the states :math:`s_1, \dots, s_K` are those of
:mod:`negotiation.solvers.rounds`:

.. math:: U_i = \sum_{k \text{ pays}} \delta^{j(k)}\, u_i(s_{k+1})
          + \delta^{J}\, \frac{u_i(s_K)}{1 - \delta}\ [\text{perpetuity}],

:math:`j(k)` the paying rounds before :math:`k` and :math:`J` all of them. A short-lived side's
agents are paid their period only: the period :math:`j` agent's payoff is :math:`u_i` of the
state after the round that closes period :math:`j` (``agent_payoffs``; the period after the last
paying round is the final state's, valued as above without discount), so the tree is a game of
more than two players in the agent form (Kuhn 1953), solved by the agent logit QRE.

The tree grows as the product of the rounds' action pairs; :data:`MAX_LEAVES` bounds it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from negotiation.model.rounds import RoundsGame, TypedRounds
from negotiation.model.tree import GameTree, TreeBuilder

__all__ = ["MAX_LEAVES", "RoundsTreeTooLargeError", "rounds_tree"]

#: Largest number of leaves built (a tree of every history is exponential in the rounds).
MAX_LEAVES = 200_000


class RoundsTreeTooLargeError(ValueError):
    """The tree of every history of a rounds game would exceed :data:`MAX_LEAVES` leaves."""


def _history_text(game: RoundsGame, history: tuple[tuple[int, int], ...]) -> str:
    parts = []
    for k, pair in enumerate(history):
        if pair is None:  # the round did not take place
            continue
        a, b = pair
        rnd = game.rounds[k]
        acts = [rnd.actions[i][x] for i, x in ((0, a), (1, b)) if rnd.movers[i]]
        parts.append(f"{rnd.name} {'/'.join(acts)}")
    return "; ".join(parts)


def rounds_tree(game: RoundsGame | TypedRounds) -> GameTree:
    """The game tree of ``game`` (module docstring).

    Raises
    ------
    RoundsTreeTooLargeError
        When the tree would have more than :data:`MAX_LEAVES` leaves.

    Examples
    --------
    See ``tests/test_rounds_types.py``: the chain store with a tough incumbent of small prior
    (Kreps and Wilson 1982).
    """
    typed = game if isinstance(game, TypedRounds) else None
    games = typed.games if typed is not None else (game,)
    base = games[0]
    K = len(base.rounds)
    pairs = [len(r.actions[0]) * len(r.actions[1]) for r in base.rounds]
    leaves = len(games) * int(np.prod(pairs, dtype=float))
    if leaves > MAX_LEAVES:
        raise RoundsTreeTooLargeError(
            f"{base.name}: the tree of every history of its {K} rounds has {leaves:,.0f} leaves (at most "
            f"{MAX_LEAVES:,}): solve it by rounds and states (complete information), or model fewer rounds")
    names = base.side_names
    private = typed.side if typed is not None else -1
    steps = [base.transitions(k) for k in range(K)]
    occurring = [base.occurs(k) for k in range(K)]
    b = TreeBuilder(names)
    root = None
    if typed is not None:
        root = b.add_chance(None, typed.types, np.asarray(typed.prior, dtype=float), f"type of {names[typed.side]}")
    paths: list[tuple[int, tuple[int, ...]]] = []  # (type, states after each round) per leaf
    node_round: dict[int, int] = {}

    def decide(parent: int | None, i: int, k: int, history: tuple, t: int) -> int:
        rnd = base.rounds[k]
        own = private == i
        key = ("round", k, history, t) if own else ("round", k, history)
        where = f"{names[i]} at {rnd.name}" + (f" ({typed.types[t]})" if own else "")
        if history:
            where += f" after {_history_text(base, history)}"
        v = b.add_personal(parent, i, key, rnd.actions[i], f"{rnd.name}: {names[i]}", infoset_label=where)
        node_round[v] = k
        return v

    def build(parent: int | None, t: int, k: int, s: int, history: tuple, states: tuple) -> None:
        if k == K:
            b.add_terminal(parent, _history_text(base, history))
            paths.append((t, states))
            return
        rnd = base.rounds[k]
        m, n = len(rnd.actions[0]), len(rnd.actions[1])
        if not occurring[k][s]:  # skipped here: no decision, the state kept
            build(parent, t, k + 1, s, (*history, None), (*states, s))
            return
        if rnd.movers[0]:
            v = decide(parent, 0, k, history, t)
            for a in range(m):
                if rnd.movers[1]:
                    w = decide(v, 1, k, history, t)
                    for c in range(n):
                        s2 = int(steps[k][s, a, c])
                        build(w, t, k + 1, s2, (*history, (a, c)), (*states, s2))
                else:
                    s2 = int(steps[k][s, a, 0])
                    build(v, t, k + 1, s2, (*history, (a, 0)), (*states, s2))
        else:
            v = decide(parent, 1, k, history, t)
            for c in range(n):
                s2 = int(steps[k][s, 0, c])
                build(v, t, k + 1, s2, (*history, (0, c)), (*states, s2))

    start = base.state_of(base.initial)
    for t in range(len(games)):
        build(root, t, 0, start, (), ())
    payoffs, agents, columns = _payoffs(games, paths)
    tree = b.build(payoffs)
    if columns is None:
        return tree
    periods = base.periods()
    column = np.full(len(tree.infosets), -1, dtype=np.int64)
    for s_index, infoset in enumerate(tree.infosets):
        if infoset.player >= 0 and base.short_lived[infoset.player]:
            column[s_index] = columns[infoset.player] + periods[node_round[infoset.members[0]]]
    return replace(tree, agent_payoffs=agents, agent_column=column)


def _payoffs(games: tuple[RoundsGame, ...], paths: list[tuple[int, tuple[int, ...]]],
             ) -> tuple[np.ndarray, np.ndarray | None, list[int] | None]:
    """Each leaf's payoffs (1, T, 2); the short-lived agents' (1, T, C) and each side's first
    column, or None without short-lived sides."""
    base = games[0]
    delta = float(base.discount)
    pays = np.array([r.pays for r in base.rounds], dtype=bool)
    J = int(pays.sum())
    weights = np.zeros(len(base.rounds))
    weights[pays] = delta ** np.arange(J)
    perpetual = base.continuation == "perpetuity"
    final = delta**J / (1.0 - delta) if perpetual else 0.0
    utilities = [g.state_utilities() for g in games]  # (S, 2) per type
    T = len(paths)
    total = np.zeros((T, 2))
    short = [i for i in (0, 1) if base.short_lived[i]]
    agents = np.zeros((T, len(short) * (J + 1))) if short else None
    for leaf, (t, states) in enumerate(paths):
        u = utilities[t][list(states)]  # (K, 2)
        total[leaf] = weights @ u + final * u[-1]
        for c, i in enumerate(short):
            closing = u[pays, i]  # the state after each paying round
            agents[leaf, c * (J + 1): c * (J + 1) + J] = closing
            agents[leaf, c * (J + 1) + J] = u[-1, i] / (1.0 - delta) if perpetual else 0.0
    columns = None
    if short:
        columns = [-1, -1]
        for c, i in enumerate(short):
            columns[i] = c * (J + 1)
    return total[None], (None if agents is None else agents[None]), columns
