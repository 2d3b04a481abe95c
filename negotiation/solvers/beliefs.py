r"""Beliefs of a behaviour profile in a two-player game tree, and the value of actions given them.

The pieces the sequential check (:mod:`negotiation.solvers.sequential`) and the intuitive
criterion (:mod:`negotiation.solvers.intuitive`) share, in exact arithmetic: the profile's
context (reach probabilities, the zero-probability actions on the path to each node), beliefs
by Bayes' rule at every reached information set (:func:`beliefs_by_bayes`), each action's
value at an information set given a belief over its members and the play after it, the gap
between the best and the played actions, and the vertices of the polytope of beliefs that make
the play optimal.

References
----------
Kreps, D. M. and Wilson, R. (1982). Sequential equilibria. *Econometrica* 50, 863--894.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from negotiation.model.tree import PERSONAL, TERMINAL, GameTree
from negotiation.solvers.sequence_form import (
    ExactBehaviour,
    SequenceForm,
    _exact,
    _exact_probability,
    sequence_form,
)
from negotiation.solvers.subgames import UnsupportedGameError

__all__ = ["Beliefs", "beliefs_by_bayes"]

#: Beliefs ``[player][information set][member]`` (information sets in order of appearance,
#: as the behaviour strategies; members in preorder, i.e. file order).
Beliefs = tuple[tuple[tuple[Fraction, ...], ...], tuple[tuple[Fraction, ...], ...]]

Key = tuple[int, int]  # (information set index in tree.infosets, action index)

# --------------------------------------------------------------------------- context


def _fraction(value: object) -> Fraction:
    """An exact probability: Fractions and ints as they are, floats as the nearest simple ratio."""
    if isinstance(value, Fraction | int | np.integer):
        return Fraction(value)  # type: ignore[arg-type]
    return Fraction(float(value)).limit_denominator(10**9)  # type: ignore[arg-type]


def _exact_behaviour(sf: SequenceForm, behaviour: Sequence) -> ExactBehaviour:
    out = []
    for player in (0, 1):
        sets = sf.infosets[player]
        if len(behaviour[player]) != len(sets):
            raise ValueError(
                f"behaviour of player {player} has {len(behaviour[player])} information sets, "
                f"expected {len(sets)}"
            )
        strategy = []
        for k, s in enumerate(sets):
            probs = tuple(_fraction(p) for p in behaviour[player][k])
            m = len(sf.tree.infosets[s].actions)
            if len(probs) != m or any(p < 0 for p in probs) or sum(probs) != 1:
                raise ValueError(
                    f"behaviour of player {player} at information set {k} "
                    f"({sf.tree.infosets[s].label!r}) is not a distribution over its {m} actions"
                )
            strategy.append(probs)
        out.append(tuple(strategy))
    return (out[0], out[1])


@dataclass(frozen=True, eq=False)
class _Context:
    sf: SequenceForm
    behaviour: ExactBehaviour
    position: dict[int, tuple[int, int]]
    edge: list[Fraction]  # probability of the edge into each node
    b: list[Fraction]  # product of chance and positive behaviour probabilities on the path
    zeros: list[frozenset[Key]]  # zero-probability actions on the path
    ev: list[tuple[Fraction, Fraction]]  # expected payoffs from each node under the behaviour
    payoff: dict[int, tuple[Fraction, Fraction]]  # terminal payoffs

    @property
    def tree(self) -> GameTree:
        return self.sf.tree


def _context(tree: GameTree, behaviour: Sequence) -> _Context:
    sf = sequence_form(tree)
    beh = _exact_behaviour(sf, behaviour)
    position = {s: (p, k) for p in (0, 1) for k, s in enumerate(sf.infosets[p])}
    V = tree.size
    probabilities = tree.probabilities[0]
    edge = [Fraction(1)] * V
    b = [Fraction(1)] * V
    zeros: list[frozenset[Key]] = [frozenset()] * V
    for v in range(1, V):
        u = int(tree.parent[v])
        if tree.kind[u] == PERSONAL:
            s = int(tree.infoset[u])
            p, k = position[s]
            q = beh[p][k][int(tree.action[v])]
            edge[v] = q
            if q > 0:
                b[v], zeros[v] = b[u] * q, zeros[u]
            else:
                b[v], zeros[v] = b[u], zeros[u] | {(s, int(tree.action[v]))}
        else:
            edge[v] = _exact_probability(probabilities[v])
            b[v], zeros[v] = b[u] * edge[v], zeros[u]
    payoff = {}
    ev: list[tuple[Fraction, Fraction]] = [(Fraction(0), Fraction(0))] * V
    for v in reversed(range(V)):
        if tree.kind[v] == TERMINAL:
            row = tree.payoffs[0, tree.terminal[v]]
            payoff[v] = (_exact(row[0]), _exact(row[1]))
            ev[v] = payoff[v]
        else:
            kids = tree.children(v)
            ev[v] = (
                sum((edge[w] * ev[w][0] for w in kids), Fraction(0)),
                sum((edge[w] * ev[w][1] for w in kids), Fraction(0)),
            )
    for s, info in enumerate(tree.infosets):
        if info.player >= 0 and all(b[x] == 0 for x in info.members):
            raise UnsupportedGameError(
                f"information set {info.number or s + 1} ({info.label!r}) is reached only through "
                "chance moves of probability 0: consistent beliefs are undefined there"
            )
    return _Context(sf, beh, position, edge, b, zeros, ev, payoff)


# --------------------------------------------------------------------------- Bayes


def beliefs_by_bayes(
    tree: GameTree, behaviour: Sequence
) -> tuple[tuple[tuple[Fraction, ...] | None, ...], tuple[tuple[Fraction, ...] | None, ...]]:
    r"""Beliefs by Bayes' rule at every information set the behaviour reaches.

    .. math:: \mu_h(x) = \frac{P_\beta(x)}{\sum_{y \in h} P_\beta(y)}

    with :math:`P_\beta` the product of the chance and behaviour probabilities on the path.

    Parameters
    ----------
    tree : GameTree
        A two-player game with perfect recall, a batch of one.
    behaviour : ``[player][information set][action]``
        Information sets in order of appearance (as
        :attr:`~negotiation.solvers.sequence_lemke.SequenceFormEquilibrium.strategies`);
        Fractions for exact answers (floats are read as the nearest simple ratio).

    Returns
    -------
    ``[player][information set][member]`` : tuple of Fraction, or None where the set is
    reached with probability 0.

    Examples
    --------
    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("entrant", "incumbent"))
    >>> root = b.add_personal(None, 0, "entry", ("out", "in"))
    >>> _ = b.add_terminal(root)
    >>> fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"))
    >>> _ = b.add_terminal(fight), b.add_terminal(fight)
    >>> tree = b.build([[0, 2], [-1, -1], [1, 1]])
    >>> beliefs_by_bayes(tree, [[[1, 0]], [[1, 0]]])
    (((Fraction(1, 1),),), (None,))
    """
    ctx = _context(tree, behaviour)
    out = []
    for player in (0, 1):
        sets = []
        for s in ctx.sf.infosets[player]:
            members = tree.infosets[s].members
            reach = [ctx.b[x] if not ctx.zeros[x] else Fraction(0) for x in members]
            total = sum(reach, Fraction(0))
            sets.append(tuple(r / total for r in reach) if total > 0 else None)
        out.append(tuple(sets))
    return (out[0], out[1])


# --------------------------------------------------------------------------- rationality


def _continuation(ctx: _Context, s: int) -> tuple[int, int, list[int]]:
    """(player, position, later information sets of the player that follow ``s``)."""
    player, k0 = ctx.position[s]
    sf = ctx.sf
    owner = {}
    for k, start in enumerate(sf.first[player]):
        for a in range(len(sf.tree.infosets[sf.infosets[player][k]].actions)):
            owner[start + a] = k
    marked = {k0}
    later = []
    for k in range(k0 + 1, len(sf.infosets[player])):
        if owner.get(sf.parent[player][k], -1) in marked:
            marked.add(k)
            later.append(k)
    return player, k0, later


def _sequence_values(ctx: _Context, s: int, player: int) -> list[dict[int, Fraction]]:
    """Per member ``x`` of set ``s``: :math:`g_x(\\sigma) = \\sum_t \\rho_{-i}(x \\to t) u_i(t)`
    over the terminals below ``x`` with the player's last sequence :math:`\\sigma`."""
    tree = ctx.tree
    out = []
    for x in tree.infosets[s].members:
        g: dict[int, Fraction] = {}
        stack = [(x, Fraction(1))]
        while stack:
            v, rho = stack.pop()
            if tree.kind[v] == TERMINAL:
                sigma = int(ctx.sf.node_sequence[player, v])
                g[sigma] = g.get(sigma, Fraction(0)) + rho * ctx.payoff[v][player]
                continue
            own = tree.kind[v] == PERSONAL and tree.player[v] == player
            for w in tree.children(v):
                stack.append((int(w), rho if own else rho * ctx.edge[w]))
        out.append(g)
    return out


def _continuation_data(ctx: _Context, s: int, cache: dict) -> tuple:
    """(player, position, later sets, per-member sequence values) of set ``s``, cached."""
    if s not in cache:
        player, k0, later = _continuation(ctx, s)
        cache[s] = (player, k0, later, _sequence_values(ctx, s, player))
    return cache[s]


def _action_values(ctx: _Context, s: int, mu: Sequence[Fraction], cache: dict) -> list[Fraction]:
    """Value of each action at set ``s`` given belief ``mu``, the player continuing optimally."""
    player, k0, later, g = _continuation_data(ctx, s, cache)
    sf = ctx.sf
    value: dict[int, Fraction] = {}
    for m, gx in zip(mu, g, strict=True):
        if m:
            for sigma, u in gx.items():
                value[sigma] = value.get(sigma, Fraction(0)) + m * u
    for k in reversed(later):
        start = sf.first[player][k]
        n = len(ctx.tree.infosets[sf.infosets[player][k]].actions)
        best = max(value.get(start + a, Fraction(0)) for a in range(n))
        head = sf.parent[player][k]
        value[head] = value.get(head, Fraction(0)) + best
    start = sf.first[player][k0]
    return [value.get(start + a, Fraction(0)) for a in range(len(ctx.tree.infosets[s].actions))]


def _gap(ctx: _Context, s: int, mu: Sequence[Fraction], cache: dict) -> Fraction:
    """Best continuation value minus the behaviour's value at set ``s`` given belief ``mu`` (>= 0)."""
    best = max(_action_values(ctx, s, mu, cache))
    player = ctx.tree.infosets[s].player
    own = sum(
        (m * ctx.ev[x][player] for m, x in zip(mu, ctx.tree.infosets[s].members, strict=True)),
        Fraction(0),
    )
    return best - own


def _plans(ctx: _Context, s: int, limit: int) -> list[frozenset[int]] | None:
    """Reduced pure continuation plans of the player from set ``s`` (sets of sequences)."""
    player, k0, later = _continuation(ctx, s)
    sf = ctx.sf
    children: dict[int, list[int]] = {}
    for k in later:
        children.setdefault(sf.parent[player][k], []).append(k)

    def plans_at(k: int) -> list[frozenset[int]] | None:
        out: list[frozenset[int]] = []
        start = sf.first[player][k]
        for a in range(len(ctx.tree.infosets[sf.infosets[player][k]].actions)):
            parts = [[frozenset({start + a})]]
            for kk in children.get(start + a, []):
                sub = plans_at(kk)
                if sub is None:
                    return None
                parts.append(sub)
            if math.prod(len(p) for p in parts) + len(out) > limit:
                return None
            out.extend(frozenset().union(*combo) for combo in itertools.product(*parts))
        return out

    return plans_at(k0)


def _solve(M: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Exact solution of a square system, None if singular."""
    n = len(M)
    A = [row[:] + [r] for row, r in zip(M, rhs, strict=True)]
    for c in range(n):
        p = next((r for r in range(c, n) if A[r][c] != 0), None)
        if p is None:
            return None
        A[c], A[p] = A[p], A[c]
        piv = A[c][c]
        A[c] = [v / piv for v in A[c]]
        for r in range(n):
            if r != c and A[r][c] != 0:
                f = A[r][c]
                A[r] = [vr - f * vc for vr, vc in zip(A[r], A[c], strict=True)]
    return [A[r][n] for r in range(n)]


def _simplex_vertices(
    rows: list[list[Fraction]], m: int, limit: int = 50_000
) -> list[tuple[Fraction, ...]] | None:
    r"""Vertices of :math:`\{\lambda \in \Delta_m : D\lambda \ge 0\}`, exactly (None: too many to enumerate)."""
    rows = [list(r) for r in {tuple(r) for r in rows} if any(v < 0 for v in r)]
    if m == 1:
        return [(Fraction(1),)] if all(r[0] >= 0 for r in rows) else []
    candidates = rows + [[Fraction(int(j == i)) for j in range(m)] for i in range(m)]
    if math.comb(len(candidates), m - 1) > limit:
        return None
    found = set()
    for active in itertools.combinations(range(len(candidates)), m - 1):
        M = [candidates[i] for i in active] + [[Fraction(1)] * m]
        lam = _solve(M, [Fraction(0)] * (m - 1) + [Fraction(1)])
        if lam is None or any(v < 0 for v in lam):
            continue
        if all(sum((d * v for d, v in zip(r, lam, strict=True)), Fraction(0)) >= 0 for r in rows):
            found.add(tuple(lam))
    return sorted(found)


