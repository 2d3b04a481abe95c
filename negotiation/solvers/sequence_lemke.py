r"""One Nash equilibrium of a two-player extensive game: Lemke's algorithm on the sequence form.

Model
-----
With the sequence form :math:`(A, B, E, e, F, f)` of
:mod:`negotiation.solvers.sequence_form`, realisation plans :math:`(x, y)` are a Nash
equilibrium exactly when, for some dual vectors :math:`p, q` (Koller, Megiddo and von
Stengel 1996, Theorem 3.1),

.. math::
    Ex = e,\ Fy = f,\ x, y \ge 0,\quad
    E^\top p - A y \ge 0 \perp x,\quad F^\top q - B^\top x \ge 0 \perp y :

each plan is optimal in the linear programme of its player's best response, and
:math:`p, q` (free: one per row of :math:`E` and :math:`F`) solve the duals. This is a
linear complementarity problem (LCP) with equations and free variables.

Algorithm
---------
Lemke's algorithm (Lemke 1965) with the artificial variable :math:`z_0` of von Stengel, van
den Elzen and Talman (2002): each player answers a mixture of the other's plan and a
*prior* pair of plans :math:`(x_0, y_0)`,

.. math::
    Ex + e z_0 = e,\quad Fy + f z_0 = f,\quad
    E^\top p - A(y + y_0 z_0) \ge 0 \perp x,\quad
    F^\top q - B^\top(x + x_0 z_0) \ge 0 \perp y,

so that along the path :math:`(x, y) / (1 - z_0)` are plans, the players answering
:math:`(1 - z_0)\,y/(1 - z_0) + z_0 y_0` (the linear tracing procedure). At :math:`z_0 = 1`,
:math:`x = y = 0` and the duals are the values of a best response to the prior. The
starting basis holds :math:`z_0`, the free duals (which never leave: their rows are left
out of the ratio test), :math:`x_\emptyset` and a best-response sequence at every
information set of each player (at level 0, which covers the equations), and the slacks of
the other sequences; :math:`y_\emptyset` and its slack are the missing pair, and
:math:`y_\emptyset` enters first. The algorithm pivots complementarily (the variable
entering is the complement of the one that just left) until :math:`z_0` leaves: the end
point is an equilibrium (von Stengel, van den Elzen and Talman show it is normal-form
perfect when the prior is completely mixed and generic; the default prior, the centroid
with uniform behaviour at every information set, is completely mixed but need not be
generic, so no perfection is claimed here).

Each player's payoffs are first shifted to be negative (a constant added to every payoff
of one player changes no best response, as :math:`x^\top C y = 1` for every pair of plans,
``C`` the chance-reach matrix) and scaled to integers, as the theory requires for the path
to end at a solution rather than on a ray. Pivoting is on integer tableaux
(:class:`negotiation.solvers.polytope._Tableau`, the primitive of Lemke--Howson), with the
lexicographic minimum-ratio test relative to the starting basis, so degenerate games (game
trees usually are) are solved exactly and the path cannot cycle.

Verification
------------
The plans become behaviour strategies (uniform at information sets the player's own plan
does not reach) and :func:`negotiation.solvers.sequence_form.behaviour_regrets` computes
each player's regret by a backward pass over the tree, independently of the matrices. A
result is returned only when the max regret is at most ``tol`` (zero, exactly, by
default); otherwise :class:`SequenceLemkeError` is raised.

References
----------
Lemke, C. E. (1965). Bimatrix equilibrium points and mathematical programming.
*Management Science* 11, 681--689.
Koller, D., Megiddo, N. and von Stengel, B. (1996). Efficient computation of equilibria
for extensive two-person games. *Games and Economic Behavior* 14, 247--259.
von Stengel, B., van den Elzen, A. and Talman, D. (2002). Computing normal form perfect
equilibria for extensive two-person games. *Econometrica* 70, 693--715.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from negotiation.model.tree import GameTree
from negotiation.solvers.polytope import _Tableau
from negotiation.solvers.sequence_form import (
    ExactBehaviour,
    SequenceForm,
    behaviour_from_plans,
    behaviour_regrets,
    plans_from_behaviour,
    sequence_form,
)

__all__ = [
    "LemkeSolution",
    "SequenceFormEquilibrium",
    "SequenceLemkeError",
    "sequence_form_equilibrium",
    "sequence_lemke",
]


class SequenceLemkeError(RuntimeError):
    """Lemke's algorithm did not end at a verified equilibrium."""


@dataclass(frozen=True)
class LemkeSolution:
    """End point of Lemke's algorithm: the plans ``z = (x, y)`` (exact), after ``pivots``."""

    z: tuple[Fraction, ...]
    pivots: int


@dataclass(frozen=True, eq=False)
class SequenceFormEquilibrium:
    """One Nash equilibrium of a two-player extensive game, verified.

    Attributes
    ----------
    strategies : tuple of two tuples
        ``strategies[player][k][a]``: probability of action ``a`` at the player's
        ``k``-th information set in order of appearance (floats).
    payoffs : tuple of float
        Expected payoff of each player.
    max_regret : float
        The largest gain either player gets from its best response (0 at equilibrium).
    exact : tuple
        ``(strategies, payoffs, max_regret)`` as Fractions.
    plans : tuple of two tuples of Fraction
        The realisation plans Lemke's algorithm ended at (sequence order of
        :class:`~negotiation.solvers.sequence_form.SequenceForm`).
    unreached : tuple of (player, k)
        Information sets the player's own plan does not reach; their behaviour is the
        uniform convention and does not affect any payoff.
    method : str
        ``"sequence_lemke"``.
    pivots : int
        Complementary pivots taken.
    seconds : float
        Time to build the sequence form, pivot and verify.
    """

    strategies: tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]
    payoffs: tuple[float, float]
    max_regret: float
    exact: tuple[ExactBehaviour, tuple[Fraction, Fraction], Fraction]
    plans: tuple[tuple[Fraction, ...], tuple[Fraction, ...]]
    unreached: tuple[tuple[int, int], ...]
    method: str = "sequence_lemke"
    pivots: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """Plain-data view (lists and floats) for JSON, with the exact values as strings."""
        strategies, payoffs, regret = self.exact
        return {
            "strategies": [[list(probs) for probs in player] for player in self.strategies],
            "payoffs": list(self.payoffs),
            "max_regret": self.max_regret,
            "method": self.method,
            "unreached": [list(k) for k in self.unreached],
            "exact": {
                "strategies": [[[str(p) for p in probs] for probs in player] for player in strategies],
                "payoffs": [str(v) for v in payoffs],
                "max_regret": str(regret),
            },
        }


# --------------------------------------------------------------------------- Lemke


def _integer_negative(P: np.ndarray, reach: np.ndarray) -> list[list[int]]:
    """Payoff matrix made negative and integer: :math:`L (P - K C)`, with :math:`K` one
    more than the largest cell average :math:`P_{st} / C_{st}` (so every cell a terminal
    reaches is at most :math:`-C_{st}`) and :math:`L` the common denominator."""
    nonzero = [(p, c) for p, c in zip(P.flat, reach.flat, strict=True) if c != 0]
    K = max((p / c for p, c in nonzero), default=Fraction(0)) + 1
    shifted = [[P[i, j] - K * reach[i, j] for j in range(P.shape[1])] for i in range(P.shape[0])]
    return _scaled(shifted)


def _scaled(rows: Sequence[Sequence[Fraction]]) -> list[list[int]]:
    """Rows of Fractions times their common denominator (a positive integer)."""
    lcm = 1
    for row in rows:
        for v in row:
            lcm = lcm * v.denominator // math.gcd(lcm, v.denominator)
    return [[int(v * lcm) for v in row] for row in rows]


def _best_responses(sf: SequenceForm, player: int, values: Sequence[Fraction]) -> list[int]:
    r"""A best action at every information set of ``player`` (first of ties) against the
    sequence values ``values`` (:math:`Ay_0` or :math:`B^\top x_0`), by the backward pass
    of :func:`~negotiation.solvers.sequence_form.behaviour_regrets`."""
    value = list(values)
    chosen = [0] * len(sf.infosets[player])
    for k in reversed(range(len(sf.infosets[player]))):
        m = len(sf.tree.infosets[sf.infosets[player][k]].actions)
        start = sf.first[player][k]
        options = value[start : start + m]
        chosen[k] = options.index(max(options))
        value[sf.parent[player][k]] += options[chosen[k]]
    return chosen


def _solve_basis(S: list[list[int]], basic: Sequence[int]) -> tuple[list[list[int]], int]:
    r"""``D B^{-1} S`` and ``D`` for the columns ``basic`` of the integer matrix ``S``, with
    :math:`D = |\det B|`, by fraction-free Gauss--Jordan elimination (every intermediate
    entry is a subdeterminant, so each division is exact): the integer tableau of the
    basis, row ``i`` solved for ``basic[i]``."""
    R = len(S)
    T = [list(row) for row in S]
    previous = 1
    for r, col in enumerate(basic):
        pivot = next((i for i in range(r, R) if T[i][col] != 0), None)
        if pivot is None:
            raise SequenceLemkeError("the starting basis is singular")  # pragma: no cover
        T[r], T[pivot] = T[pivot], T[r]
        p, prow = T[r][col], T[r]
        for i in range(R):
            if i == r:
                continue
            f = T[i][col]
            if f == 0:
                T[i] = [p * a // previous for a in T[i]]
            else:
                T[i] = [(p * a - f * b) // previous for a, b in zip(T[i], prow, strict=True)]
        previous = p
    if previous < 0:
        T = [[-a for a in row] for row in T]
    return T, abs(previous)


def sequence_lemke(
    sf: SequenceForm,
    prior: tuple[Sequence[Fraction], Sequence[Fraction]] | None = None,
    *,
    max_pivots: int = 100_000,
) -> LemkeSolution:
    r"""Realisation plans of a Nash equilibrium: Lemke's algorithm on the sequence-form LCP.

    The LCP of the module docstring with an artificial variable :math:`z_0` and the
    covering vector of von Stengel, van den Elzen and Talman (2002): each player answers
    the mixture of the other's plan and a *prior* plan :math:`(x_0, y_0)`,

    .. math::
        Ex + e z_0 = e,\quad Fy + f z_0 = f,\quad
        E^\top p - A(y + y_0 z_0) \ge 0 \perp x,\quad
        F^\top q - B^\top(x + x_0 z_0) \ge 0 \perp y,

    with :math:`A, B` negative. At :math:`z_0 = 1`, :math:`x = y = 0` the duals are the
    values of a best response to the prior; the starting basis holds :math:`z_0`, the free
    duals :math:`p, q` (which never leave), :math:`x_\emptyset` and a best response
    sequence at every information set (at level 0), and the slacks of the other
    sequences; :math:`y_\emptyset` enters first. Along the path :math:`(x, y) / (1 - z_0)`
    are plans, and when :math:`z_0` leaves they are an equilibrium. Exact integer pivoting
    with the lexicographic ratio test (the polytope module's tableau), so the path is
    unique and cannot cycle.

    Parameters
    ----------
    sf : SequenceForm
    prior : pair of realisation plans, optional
        :math:`(x_0, y_0)`; the default is the centroid (uniform behaviour everywhere).
        A generic completely mixed prior makes the end point normal-form perfect (von
        Stengel, van den Elzen and Talman 2002).
    max_pivots : int

    Returns
    -------
    LemkeSolution
        ``z`` holds :math:`(x, y)`.
    """
    n1, n2 = sf.sequences
    k1, k2 = sf.E.shape[0], sf.F.shape[0]
    n, m = n1 + n2, k1 + k2
    if prior is None:
        uniform = tuple(
            tuple(
                tuple(Fraction(1, len(sf.tree.infosets[s].actions)) for _ in sf.tree.infosets[s].actions)
                for s in sf.infosets[player]
            )
            for player in (0, 1)
        )
        prior = plans_from_behaviour(sf, uniform)  # type: ignore[arg-type]
    x0 = [Fraction(v) for v in prior[0]]
    y0 = [Fraction(v) for v in prior[1]]
    A = _integer_negative(sf.A, sf.reach)
    B = _integer_negative(sf.B, sf.reach)
    E, F = sf.E.tolist(), sf.F.tolist()
    Ay0 = [sum((A[s][t] * y0[t] for t in range(n2)), Fraction(0)) for s in range(n1)]
    Bx0 = [sum((B[s][t] * x0[s] for s in range(n1)), Fraction(0)) for t in range(n2)]
    cover = _scaled([[-v for v in Ay0] + [-v for v in Bx0] + [Fraction(int(v)) for v in sf.e]
                     + [Fraction(int(v)) for v in sf.f]])[0]
    # variables: w = 0..n-1 (slacks of x then y), z = n..2n-1 (x then y; z_i's complement
    # is w_i), free duals u = 2n..2n+m-1 (p then q), z0 = 2n+m; rows: the n slack rows,
    # then the m equations Ex + e z0 = e, Fy + f z0 = f
    Z0 = 2 * n + m
    width = Z0 + 2  # ... and the right-hand side
    S = [[0] * width for _ in range(n + m)]
    for s in range(n1):  # w_x + A y - E^T p - d_x z0 = 0
        S[s][s] = 1
        for t in range(n2):
            S[s][n + n1 + t] = A[s][t]
        for h in range(k1):
            S[s][2 * n + h] = -E[h][s]
        S[s][Z0] = -cover[s]
    for t in range(n2):  # w_y + B^T x - F^T q - d_y z0 = 0
        S[n1 + t][n1 + t] = 1
        for s in range(n1):
            S[n1 + t][n + s] = B[s][t]
        for h in range(k2):
            S[n1 + t][2 * n + k1 + h] = -F[h][t]
        S[n1 + t][Z0] = -cover[n1 + t]
    for h in range(k1):  # E x + e z0 = e
        for s in range(n1):
            S[n + h][n + s] = E[h][s]
        S[n + h][Z0] = cover[n + h]
        S[n + h][-1] = cover[n + h]
    for h in range(k2):
        for t in range(n2):
            S[n + k1 + h][n + n1 + t] = F[h][t]
        S[n + k1 + h][Z0] = cover[n + k1 + h]
        S[n + k1 + h][-1] = cover[n + k1 + h]
    # the starting basis
    chosen_x = {sf.first[0][k] + a for k, a in enumerate(_best_responses(sf, 0, Ay0))}
    chosen_y = {sf.first[1][k] + a for k, a in enumerate(_best_responses(sf, 1, Bx0))}
    basic = list(range(2 * n, 2 * n + m)) + [Z0, n]
    basic += [n + s for s in sorted(chosen_x)] + [n + n1 + t for t in sorted(chosen_y)]
    basic += [s for s in range(1, n1) if s not in chosen_x]
    basic += [n1 + t for t in range(1, n2) if t not in chosen_y]
    T, det = _solve_basis(S, basic)
    # the free duals never leave and no other row depends on theirs: drop their rows (their
    # columns in the basis inverse are zero in every other row, so the lexicographic test
    # needs only the other starting variables)
    kept = [i for i, v in enumerate(basic) if not 2 * n <= v < Z0]
    nonbasic = tuple(v for v in range(Z0 + 1) if v not in set(basic))
    rows = [[T[i][v] for v in nonbasic] + [T[i][-1]] for i in kept]
    start = tuple(basic[i] for i in kept)
    tab = _Tableau(rows, start, nonbasic, det, True, start, sum(1 << v for v in start))
    entering = n + n1  # y_empty: its complement w_y_empty is non-basic too
    for pivots in range(1, max_pivots + 1):
        c = tab.column_of(entering)
        r = tab.leaving_row(c)
        if r is None:
            raise SequenceLemkeError(f"Lemke's algorithm ended on a ray after {pivots} pivots")
        leaving = tab.basis[r]
        tab = tab.pivot(r, c)
        if leaving == Z0:
            z = [Fraction(0)] * n
            for v, row in zip(tab.basis, tab.rows, strict=True):
                if n <= v < 2 * n:
                    z[v - n] = Fraction(row[-1], tab.det)
            # Ex = L e with L the scale of the z0 column: divide by x_empty = L
            x, y = z[:n1], z[n1:]
            return LemkeSolution(tuple([v / x[0] for v in x] + [v / y[0] for v in y]), pivots)
        entering = leaving + n if leaving < n else leaving - n
    raise SequenceLemkeError(f"no equilibrium within max_pivots={max_pivots} pivots")


def sequence_form_equilibrium(
    tree: GameTree | SequenceForm,
    *,
    tol: Fraction | float = 0,
    max_pivots: int = 100_000,
) -> SequenceFormEquilibrium:
    r"""One Nash equilibrium in behaviour strategies, by Lemke's algorithm on the sequence form.

    See the module docstring for the LCP, the algorithm and the verification.

    Parameters
    ----------
    tree : GameTree or SequenceForm
        A two-player game with perfect recall, a batch of one (or its sequence form).
    tol : number
        Largest max regret accepted (payoff units); the computation is exact, so the
        default 0 is met by every correct end point.
    max_pivots : int
        Bound on the complementary pivots.

    Returns
    -------
    SequenceFormEquilibrium

    Raises
    ------
    ImperfectRecallError
        (an :class:`~negotiation.solvers.subgames.UnsupportedGameError`) naming the
        information set where a player forgets its own moves.
    SequenceLemkeError
        If the path ends on a ray, hits ``max_pivots``, or its end point fails the
        verification (a bug guard: never a silent wrong answer).

    Examples
    --------
    Matching pennies as a tree: the second player does not see the first's coin (one
    information set holds both its nodes).

    >>> from negotiation.model.tree import TreeBuilder
    >>> b = TreeBuilder(("matcher", "mismatcher"))
    >>> root = b.add_personal(None, 0, "coin", ("heads", "tails"))
    >>> for _ in range(2):
    ...     guess = b.add_personal(root, 1, "guess", ("heads", "tails"))
    ...     _ = b.add_terminal(guess), b.add_terminal(guess)
    >>> eq = sequence_form_equilibrium(b.build([[1, -1], [-1, 1], [-1, 1], [1, -1]]))
    >>> eq.strategies, eq.payoffs, eq.max_regret
    ((((0.5, 0.5),), ((0.5, 0.5),)), (0.0, 0.0), 0.0)
    """
    start = time.perf_counter()
    sf = tree if isinstance(tree, SequenceForm) else sequence_form(tree)
    solution = sequence_lemke(sf, max_pivots=max_pivots)
    n1, n2 = sf.sequences
    x, y = solution.z[:n1], solution.z[n1 : n1 + n2]
    for name, plan, C, c in (("first", x, sf.E, sf.e), ("second", y, sf.F, sf.f)):
        if any(v < 0 for v in plan) or any(
            sum(int(C[h, s]) * plan[s] for s in range(len(plan))) != int(c[h]) for h in range(len(c))
        ):  # pragma: no cover - bug guard
            raise SequenceLemkeError(f"the {name} player's end point is not a realisation plan")
    behaviour, unreached = behaviour_from_plans(sf, (x, y))
    payoffs, regrets = behaviour_regrets(sf, behaviour)
    regret = max(regrets)
    limit = tol if isinstance(tol, Fraction | int) else Fraction(repr(float(tol)))
    if regret > limit:
        raise SequenceLemkeError(  # pragma: no cover - bug guard
            f"Lemke's end point has max regret {regret} > tol {tol}"
        )
    floats = tuple(tuple(tuple(float(p) for p in probs) for probs in player) for player in behaviour)
    return SequenceFormEquilibrium(
        strategies=floats,  # type: ignore[arg-type]
        payoffs=(float(payoffs[0]), float(payoffs[1])),
        max_regret=float(regret),
        exact=(behaviour, payoffs, regret),
        plans=(tuple(x), tuple(y)),
        unreached=unreached,
        pivots=solution.pivots,
        seconds=time.perf_counter() - start,
    )
