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

Arithmetic
----------
The path is computed in floating point first
(:mod:`negotiation.solvers.sequence_lemke_float`: the same system, start and
lexicographic rule, numpy and a sparse LU), and in exact integer arithmetic only when the
float answer fails its check; ``arithmetic=`` of :func:`sequence_form_equilibrium` chooses
how an answer is checked and the record says which path gave it.

Verification
------------
The plans become behaviour strategies (uniform at information sets the player's own plan
does not reach) and :func:`negotiation.solvers.sequence_form.behaviour_regrets` computes
each player's regret by a backward pass over the tree, independently of the matrices
(:func:`~negotiation.solvers.sequence_form.behaviour_regrets_float` for a float answer). A
result is returned only when the max regret is at most ``tol`` (zero, exactly, for an
exact answer; ``FLOAT_TOL`` times the payoff range for a float one); an exact end point
that fails raises :class:`SequenceLemkeError`.

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
    behaviour_regrets_float,
    plans_from_behaviour,
    sequence_form,
)
from negotiation.solvers.sequence_lemke_float import float_lemke

__all__ = [
    "LemkeSolution",
    "LemkeSystem",
    "SequenceFormEquilibrium",
    "SequenceLemkeError",
    "lemke_system",
    "generic_prior",
    "payoff_range",
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
    exact : tuple or None
        ``(strategies, payoffs, max_regret)`` as Fractions; ``None`` for a floating-point
        answer (``arithmetic == "float"``).
    plans : tuple of two tuples of Fraction (of float when ``arithmetic == "float"``)
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
    arithmetic : str
        How the answer was obtained and checked: ``"exact"`` (integer pivoting, exact
        verification), ``"float_rationalised"`` (float pivoting, the end point rounded to
        nearby fractions and verified exactly: max regret 0) or ``"float"`` (float
        pivoting, verified in floats: ``max_regret`` at most the tolerance).
    """

    strategies: tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]
    payoffs: tuple[float, float]
    max_regret: float
    exact: tuple[ExactBehaviour, tuple[Fraction, Fraction], Fraction] | None
    plans: tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | tuple[tuple[float, ...], tuple[float, ...]]
    unreached: tuple[tuple[int, int], ...]
    method: str = "sequence_lemke"
    pivots: int = 0
    seconds: float = 0.0
    arithmetic: str = "exact"

    def to_dict(self) -> dict:
        """Plain-data view (lists and floats) for JSON, with the exact values as strings."""
        data = {
            "strategies": [[list(probs) for probs in player] for player in self.strategies],
            "payoffs": list(self.payoffs),
            "max_regret": self.max_regret,
            "method": self.method,
            "arithmetic": self.arithmetic,
            "unreached": [list(k) for k in self.unreached],
        }
        if self.exact is None:
            return data
        strategies, payoffs, regret = self.exact
        return data | {
            "exact": {
                "strategies": [[[str(p) for p in probs] for probs in player] for player in strategies],
                "payoffs": [str(v) for v in payoffs],
                "max_regret": str(regret),
            },
        }


# --------------------------------------------------------------------------- Lemke


def _integer_negative(P: np.ndarray, reach: np.ndarray) -> dict[tuple[int, int], int]:
    """Payoff matrix made negative and integer: :math:`L (P - K C)`, with :math:`K` one
    more than the largest cell average :math:`P_{st} / C_{st}` (so every cell a terminal
    reaches is at most :math:`-C_{st}`) and :math:`L` the common denominator; as its
    non-zero cells (those a terminal reaches: elsewhere :math:`P = C = 0`)."""
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(reach != 0), strict=True)]
    K = max((P[i, j] / reach[i, j] for i, j in cells), default=Fraction(0)) + 1
    shifted = [P[i, j] - K * reach[i, j] for i, j in cells]
    return dict(zip(cells, _scaled([shifted])[0], strict=True))


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


@dataclass(frozen=True)
class LemkeSystem:
    r"""The augmented sequence-form LCP as an integer matrix and its starting basis.

    Variables: the slacks :math:`w` (``0..n-1``, of ``x`` then ``y``), the plans ``z``
    (``n..2n-1``; ``z_i``'s complement is ``w_i``), the free duals ``u`` (``2n..2n+m-1``,
    ``p`` then ``q``) and :math:`z_0` (``2n+m``). Rows: the ``n`` slack rows
    :math:`w - M z + (E^\top p, F^\top q) + d z_0 = 0`, then the ``m`` equations
    :math:`Ex + e z_0 = e,\ Fy + f z_0 = f` (scaled). ``entries`` holds the non-zero
    cells ``(row, column)`` of the matrix with one column per variable and the right-hand
    side last (column ``z0 + 1``). Shared by the exact and the floating-point paths, so
    both follow the same LCP from the same start.
    """

    entries: dict[tuple[int, int], int]
    basic: tuple[int, ...]
    n1: int
    n2: int
    k1: int
    k2: int

    @property
    def z0(self) -> int:
        """Index of the artificial variable :math:`z_0`."""
        return 2 * (self.n1 + self.n2) + self.k1 + self.k2

    def is_free(self, v: int) -> bool:
        """Whether variable ``v`` is a free dual (basic throughout, never in a ratio test)."""
        return 2 * (self.n1 + self.n2) <= v < self.z0

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns (variables and the right-hand side) of the system."""
        return self.n1 + self.n2 + self.k1 + self.k2, self.z0 + 2

    def dense(self) -> list[list[int]]:
        """The system as a dense list of integer rows."""
        rows, width = self.shape
        S = [[0] * width for _ in range(rows)]
        for (i, j), v in self.entries.items():
            S[i][j] = v
        return S

    @property
    def entering(self) -> int:
        r"""The first entering variable, :math:`y_\emptyset`."""
        return self.n1 + self.n2 + self.n1


def lemke_system(
    sf: SequenceForm, prior: tuple[Sequence[Fraction], Sequence[Fraction]] | None = None
) -> LemkeSystem:
    r"""The integer LCP of :func:`sequence_lemke` and its starting basis (see there).

    The basis lists the free duals, :math:`z_0`, :math:`x_\emptyset`, a best response to
    the prior at every information set of each player, and the slacks of the other
    sequences.
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
    Ay0, Bx0 = [Fraction(0)] * n1, [Fraction(0)] * n2
    for (s, t), v in A.items():
        Ay0[s] += v * y0[t]
    for (s, t), v in B.items():
        Bx0[t] += v * x0[s]
    cover = _scaled([[-v for v in Ay0] + [-v for v in Bx0] + [Fraction(int(v)) for v in sf.e]
                     + [Fraction(int(v)) for v in sf.f]])[0]
    # variables: w = 0..n-1 (slacks of x then y), z = n..2n-1 (x then y; z_i's complement
    # is w_i), free duals u = 2n..2n+m-1 (p then q), z0 = 2n+m; rows: the n slack rows,
    # then the m equations Ex + e z0 = e, Fy + f z0 = f; the right-hand side is column Z0 + 1
    Z0 = 2 * n + m
    S: dict[tuple[int, int], int] = {}
    for s in range(n):  # w_x + A y - E^T p - d_x z0 = 0 and w_y + B^T x - F^T q - d_y z0 = 0
        S[s, s] = 1
        if cover[s]:
            S[s, Z0] = -cover[s]
    for (s, t), v in A.items():
        S[s, n + n1 + t] = v
    for (s, t), v in B.items():
        S[n1 + t, n + s] = v
    for h, s in zip(*np.nonzero(sf.E), strict=True):
        S[int(s), 2 * n + int(h)] = -int(sf.E[h, s])  # -E^T p
        S[n + int(h), n + int(s)] = int(sf.E[h, s])  # E x
    for h, t in zip(*np.nonzero(sf.F), strict=True):
        S[n1 + int(t), 2 * n + k1 + int(h)] = -int(sf.F[h, t])
        S[n + k1 + int(h), n + n1 + int(t)] = int(sf.F[h, t])
    for h in range(m):  # ... + e z0 = e
        if cover[n + h]:
            S[n + h, Z0] = S[n + h, Z0 + 1] = cover[n + h]
    # the starting basis
    chosen_x = {sf.first[0][k] + a for k, a in enumerate(_best_responses(sf, 0, Ay0))}
    chosen_y = {sf.first[1][k] + a for k, a in enumerate(_best_responses(sf, 1, Bx0))}
    basic = list(range(2 * n, 2 * n + m)) + [Z0, n]
    basic += [n + s for s in sorted(chosen_x)] + [n + n1 + t for t in sorted(chosen_y)]
    basic += [s for s in range(1, n1) if s not in chosen_x]
    basic += [n1 + t for t in range(1, n2) if t not in chosen_y]
    return LemkeSystem({k: v for k, v in S.items() if v}, tuple(basic), n1, n2, k1, k2)


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
    system = lemke_system(sf, prior)
    basic = list(system.basic)
    n, n1, Z0 = system.n1 + system.n2, system.n1, system.z0
    T, det = _solve_basis(system.dense(), basic)
    # the free duals never leave and no other row depends on theirs: drop their rows (their
    # columns in the basis inverse are zero in every other row, so the lexicographic test
    # needs only the other starting variables)
    kept = [i for i, v in enumerate(basic) if not system.is_free(v)]
    nonbasic = tuple(v for v in range(Z0 + 1) if v not in set(basic))
    rows = [[T[i][v] for v in nonbasic] + [T[i][-1]] for i in kept]
    start = tuple(basic[i] for i in kept)
    tab = _Tableau(rows, start, nonbasic, det, True, start, sum(1 << v for v in start))
    entering = system.entering  # y_empty: its complement w_y_empty is non-basic too
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


#: Float answers: largest max regret accepted, times the payoff range of the tree.
FLOAT_TOL = 1e-9
#: Largest denominator tried when the float end point is rounded to fractions.
RATIONAL_DENOMINATOR = 10**6
#: A plan value below this is a rounded zero (plans are at most 1).
_ZERO = 1e-10

ARITHMETIC = ("auto", "exact", "float")


def _float_plans(sf: SequenceForm, values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    r"""The plans :math:`(x, y)` from the values of the end basis (divided by the scale
    :math:`x_\emptyset`, :math:`y_\emptyset`; rounded zeros snapped), or None if they are
    not plans within rounding."""
    n1, n2 = sf.sequences
    n = n1 + n2
    x, y = values[n : n + n1], values[n + n1 : 2 * n]
    if not (x[0] > 0 and y[0] > 0):
        return None
    x, y = x / x[0], y / y[0]
    for plan, C, c in ((x, sf.E, sf.e), (y, sf.F, sf.f)):
        if np.any(plan < -1e-9) or np.max(np.abs(C @ plan - c)) > 1e-9:
            return None
        plan[plan < _ZERO] = 0.0
    return x, y


def _float_behaviour(sf: SequenceForm, plans: tuple[np.ndarray, np.ndarray]) -> list[list[np.ndarray]]:
    r""":math:`\beta(a \mid h) = x_{\sigma_h a} / x_{\sigma_h}` in floats (uniform where the
    player's own plan does not reach ``h``), as :func:`behaviour_from_plans`."""
    behaviour: list[list[np.ndarray]] = [[], []]
    for player in (0, 1):
        x = plans[player]
        for k, s in enumerate(sf.infosets[player]):
            m = len(sf.tree.infosets[s].actions)
            start, head = sf.first[player][k], sf.parent[player][k]
            probs = x[start : start + m] / x[head] if x[head] > 0 else np.full(m, 1.0 / m)
            behaviour[player].append(probs / probs.sum())
    return behaviour


def _rationalised(sf: SequenceForm, behaviour: list[list[np.ndarray]]) -> ExactBehaviour | None:
    """Nearby fractions (denominators at most ``RATIONAL_DENOMINATOR``) summing to 1 at
    every information set, or None if that leaves a negative probability."""
    exact = []
    for player in (0, 1):
        sets = []
        for probs in behaviour[player]:
            fr = [Fraction(float(p)).limit_denominator(RATIONAL_DENOMINATOR) for p in probs[:-1]]
            last = 1 - sum(fr, Fraction(0))
            if last < 0 or any(p < 0 for p in fr):
                return None
            sets.append((*fr, last))
        exact.append(tuple(sets))
    return exact[0], exact[1]


def _exact_record(
    sf: SequenceForm,
    plans: Sequence[Sequence[Fraction]],
    tol: Fraction | float,
    pivots: int,
    start: float,
    arithmetic: str,
) -> SequenceFormEquilibrium | None:
    """The verified exact record of plans, or None if their max regret exceeds ``tol``."""
    x, y = plans
    for plan, C, c in ((x, sf.E, sf.e), (y, sf.F, sf.f)):
        sums = [Fraction(0)] * len(c)
        for h, s in zip(*np.nonzero(C), strict=True):  # Cx, over the non-zero cells
            sums[h] += int(C[h, s]) * plan[s]
        if any(v < 0 for v in plan) or sums != [int(v) for v in c]:
            return None
    behaviour, unreached = behaviour_from_plans(sf, (x, y))
    payoffs, regrets = behaviour_regrets(sf, behaviour)
    regret = max(regrets)
    limit = tol if isinstance(tol, Fraction | int) else Fraction(repr(float(tol)))
    if regret > limit:
        return None
    floats = tuple(tuple(tuple(float(p) for p in probs) for probs in player) for player in behaviour)
    return SequenceFormEquilibrium(
        strategies=floats,  # type: ignore[arg-type]
        payoffs=(float(payoffs[0]), float(payoffs[1])),
        max_regret=float(regret),
        exact=(behaviour, payoffs, regret),
        plans=(tuple(x), tuple(y)),
        unreached=unreached,
        pivots=pivots,
        seconds=time.perf_counter() - start,
        arithmetic=arithmetic,
    )


def payoff_range(tree: GameTree) -> float:
    """Largest minus smallest terminal payoff over both players (the largest absolute
    payoff if they are all equal): the scale of the float tolerance."""
    u = np.asarray(tree.payoffs[0], dtype=float)
    if u.size == 0:
        return 0.0
    return float(np.ptp(u)) or float(np.max(np.abs(u)))


def sequence_form_equilibrium(
    tree: GameTree | SequenceForm,
    *,
    arithmetic: str = "auto",
    tol: Fraction | float | None = None,
    max_pivots: int = 100_000,
) -> SequenceFormEquilibrium:
    r"""One Nash equilibrium in behaviour strategies, by Lemke's algorithm on the sequence form.

    See the module docstring for the LCP, the algorithm and the verification. Three
    arithmetics, each verified before an answer is returned:

    * ``"exact"``: integer pivoting (:func:`sequence_lemke`), exact verification.
    * ``"auto"`` (default): the same path in floating point
      (:func:`~negotiation.solvers.sequence_lemke_float.float_lemke`); its end point is
      rounded to nearby fractions and verified exactly (max regret at most ``tol``, 0 by
      default), else the exact path runs. The answer is exact either way, and it is the
      exact path's end point whenever rounding decided no tie differently.
    * ``"float"``: the float path, its end point verified in floats
      (:func:`~negotiation.solvers.sequence_form.behaviour_regrets_float`): accepted when
      the max regret is at most ``tol`` (default ``FLOAT_TOL`` times
      :func:`payoff_range`), else the exact path runs. ``exact`` is then None.

    The record's ``arithmetic`` says which path gave the answer.

    Parameters
    ----------
    tree : GameTree or SequenceForm
        A two-player game with perfect recall, a batch of one (or its sequence form).
    arithmetic : {"auto", "exact", "float"}
    tol : number, optional
        Largest max regret accepted (payoff units); see above for the defaults.
    max_pivots : int
        Bound on the complementary pivots (of each path).

    Returns
    -------
    SequenceFormEquilibrium

    Raises
    ------
    ImperfectRecallError
        (an :class:`~negotiation.solvers.subgames.UnsupportedGameError`) naming the
        information set where a player forgets its own moves.
    SequenceLemkeError
        If the exact path ends on a ray from the centroid and from every generic prior tried,
        hits ``max_pivots``, or its end point fails the verification (a bug guard: never a
        silent wrong answer).

    Notes
    -----
    The path from the centroid prior can end on a ray in degenerate games: at :math:`z_0 = 1`
    every solution is a best response to the prior, and where that best response has ties the
    path can come back to :math:`z_0 = 1` at another basis, where :math:`x_\emptyset` (or
    :math:`y_\emptyset`) is 0 and may leave; its complement then grows without bound with a
    free dual. Seen on random games with small integer payoffs; the paths from the generic
    priors (:func:`generic_prior`, fixed seeds 0, 1, 2: each a different equilibrium may be
    found) ended at an equilibrium on every one of them checked.

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
    >>> eq.strategies, eq.payoffs, eq.max_regret, eq.arithmetic
    ((((0.5, 0.5),), ((0.5, 0.5),)), (0.0, 0.0), 0.0, 'float_rationalised')
    """
    if arithmetic not in ARITHMETIC:
        raise ValueError(f"arithmetic must be one of {ARITHMETIC}, got {arithmetic!r}")
    start = time.perf_counter()
    sf = tree if isinstance(tree, SequenceForm) else sequence_form(tree)
    # the centroid first; where its path ends on a ray (seen only where the best response to
    # the prior has ties), generic priors, whose best responses have none
    rays = []
    for attempt in range(1 + GENERIC_PRIORS):
        prior = None if attempt == 0 else generic_prior(sf, seed=attempt - 1)
        try:
            return _lemke_equilibrium(sf, prior, arithmetic, tol, max_pivots, start)
        except _RayError as error:
            rays.append(str(error))
    raise SequenceLemkeError(f"Lemke's algorithm ended on a ray from the centroid and from {GENERIC_PRIORS} generic "
                             f"priors ({'; '.join(rays)})")


class _RayError(SequenceLemkeError):
    """The exact path ended on a ray (from a given prior)."""


#: Generic priors tried after the centroid's path ends on a ray.
GENERIC_PRIORS = 3


def generic_prior(sf: SequenceForm, seed: int = 0) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """A completely mixed prior with random rational behaviour (integer weights 1 to 3 at every
    information set, drawn by ``random.Random(seed)``): the ties of the centroid's best
    responses are broken, while the denominators stay small enough for the float path."""
    import random

    rng = random.Random(seed)
    behaviour = []
    for player in (0, 1):
        sets = []
        for s in sf.infosets[player]:
            weights = [rng.randint(1, 3) for _ in sf.tree.infosets[s].actions]
            sets.append(tuple(Fraction(w, sum(weights)) for w in weights))
        behaviour.append(tuple(sets))
    return plans_from_behaviour(sf, (behaviour[0], behaviour[1]))  # type: ignore[return-value]


def _lemke_equilibrium(sf: SequenceForm, prior, arithmetic: str, tol, max_pivots: int,
                       start: float) -> SequenceFormEquilibrium:
    """:func:`sequence_form_equilibrium` from one prior (None: the centroid); raises
    :class:`_RayError` where the exact path ends on a ray."""
    exact_tol = Fraction(0) if tol is None else tol
    if arithmetic != "exact":
        end = float_lemke(lemke_system(sf, prior), max_pivots=max_pivots)
        plans = None if end.values is None else _float_plans(sf, end.values)
        if plans is not None:
            behaviour = _float_behaviour(sf, plans)
            if arithmetic == "float":
                payoffs, regrets = behaviour_regrets_float(sf, behaviour)
                limit = FLOAT_TOL * payoff_range(sf.tree) if tol is None else float(tol)
                if max(regrets) <= limit:
                    unreached = tuple((p, k) for p in (0, 1) for k, h in enumerate(sf.parent[p])
                                      if plans[p][h] == 0)
                    return SequenceFormEquilibrium(
                        strategies=tuple(tuple(tuple(float(v) for v in probs) for probs in player)
                                         for player in behaviour),  # type: ignore[arg-type]
                        payoffs=(float(payoffs[0]), float(payoffs[1])),
                        max_regret=float(max(regrets.max(), 0.0)),
                        exact=None,
                        plans=(tuple(float(v) for v in plans[0]), tuple(float(v) for v in plans[1])),
                        unreached=unreached,
                        pivots=end.pivots,
                        seconds=time.perf_counter() - start,
                        arithmetic="float",
                    )
            else:
                rational = _rationalised(sf, behaviour)
                if rational is not None:
                    record = _exact_record(sf, plans_from_behaviour(sf, rational), exact_tol,
                                           end.pivots, start, "float_rationalised")
                    if record is not None:
                        return record
    try:
        solution = sequence_lemke(sf, prior, max_pivots=max_pivots)
    except SequenceLemkeError as error:
        if "ray" in str(error):
            raise _RayError(str(error)) from None
        raise
    n1, n2 = sf.sequences
    plans_exact = (solution.z[:n1], solution.z[n1 : n1 + n2])
    record = _exact_record(sf, plans_exact, exact_tol, solution.pivots, start, "exact")
    if record is None:  # pragma: no cover - bug guard
        raise SequenceLemkeError("Lemke's exact end point is not a verified equilibrium")
    return record
