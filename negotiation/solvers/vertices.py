r"""All extreme Nash equilibria of many small bimatrix games at once, ties included.

The batched support enumeration (:mod:`negotiation.solvers.support`) certifies only
non-degenerate games. Scenario stages often tie (after one side escalates, the other's
"hold" and "escalate" may lead to the same outcome), and a tie makes a game degenerate:
its equilibria may form connected sets, and supports of unequal size appear. This module
enumerates the vertices of both best-response polytopes of every game of a stack by
brute force over bases, which does not care about ties.

With payoffs mapped affinely onto :math:`[1, 2]`, the polytopes are (von Stengel 2002, §2.4)

.. math::

    P = \{x \in \mathbb{R}^m : x \ge 0,\ B^\top x \le \mathbf 1\}, \qquad
    Q = \{y \in \mathbb{R}^n : A y \le \mathbf 1,\ y \ge 0\},

with labels :math:`0 .. m-1` for :math:`x_i = 0` and :math:`(Ay)_i = 1`, and
:math:`m .. m+n-1` for :math:`(B^\top x)_j = 1` and :math:`y_j = 0`. Every vertex of
:math:`P` is the solution of :math:`m` of its constraints taken as equations (a *basis*)
with linearly independent rows; so solving all :math:`\binom{m+n}{m}` bases and keeping
the feasible solutions lists every vertex, each as many times as it has bases. A vertex is
identified by its *label set*, all the constraints tight at it (it is the only point of the
polytope where they all are). The extreme equilibria are the completely labelled pairs of
vertices other than :math:`(0, 0)`, normalised to probabilities; they come out in the
exact solver's order (:func:`negotiation.solvers.normal_form.nash_equilibria`: by
:math:`(-x, -y)` lexicographically) and grouped into connected components as there
(equilibria sharing an :math:`x` or a :math:`y` vertex are joined; Avis, Rosenberg,
Savani and von Stengel 2010). The game is degenerate iff a vertex of :math:`P` has more than
:math:`m` labels or one of :math:`Q` more than :math:`n` (von Stengel 2002, §2.6).

Certification. Ties in a scenario are exact (the same outcome value reached twice), so a
constraint is *tight* when its slack is within :data:`TIGHT` (``1e-11`` on the
:math:`[1, 2]` scale; float round-off is about ``1e-15``) and *slack* beyond
:data:`~negotiation.solvers.support.LABEL_MARGIN` (``1e-7``); a slack in between, a basis
neither clearly singular (relative determinant below ``1e-13``: dependent rows, skipped)
nor clearly regular (above ``1e-9``), or an order decided by rounding leaves the game
*uncertified*, and :func:`negotiation.solvers.stage.solve_stages` hands it to the exact
one-game enumeration. Certified games get the exact solver's answer, which the tests check
against it and against pygambit.

References
----------
Avis, D., Rosenberg, G. D., Savani, R., von Stengel, B. (2010). Enumeration of Nash
equilibria for two-player games. *Economic Theory* 42, 9--37.
von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
Theory* vol. 3, ch. 45, §2.4--2.6.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np

from negotiation.solvers.linalg import det_inv
from negotiation.solvers.support import (
    LABEL_MARGIN,
    SINGULAR_MARGIN,
    _to_unit_interval,
    exact_order,
)

__all__ = ["MAX_ACTIONS", "VertexEquilibria", "vertex_equilibria"]

#: A slack within this of zero (on the [1, 2] scale) is a tight constraint: a label.
TIGHT = 1e-11
#: A basis whose relative determinant is below this has dependent rows (it is skipped).
SINGULAR = 1e-13
#: Largest m + n enumerated here (C(12, 6) = 924 bases a polytope); larger games go to the
#: exact one-game solver.
MAX_ACTIONS = 12
#: Budget of basis-pair comparisons a batch (memory of the pairing step).
_PAIR_BUDGET = 1 << 23


@dataclass(frozen=True, eq=False)
class VertexEquilibria:
    """The extreme Nash equilibria of a stack of games, in the exact solver's order.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (G, E, m) and (G, E, n)
    valid : numpy.ndarray of bool, shape (G, E)
    count : numpy.ndarray of int, shape (G,)
    certain : numpy.ndarray of bool, shape (G,)
        Every label and the order decided outside their margins: the other fields are the
        exact solver's answer.
    degenerate : numpy.ndarray of bool, shape (G,)
    component : numpy.ndarray of int, shape (G, E)
        For each equilibrium, the index of the first equilibrium of its connected
        component (-1 beyond ``count``).
    """

    row: np.ndarray
    column: np.ndarray
    valid: np.ndarray
    count: np.ndarray
    certain: np.ndarray
    degenerate: np.ndarray
    component: np.ndarray

    def components(self, g: int) -> tuple[tuple[int, ...], ...]:
        """Game ``g``'s equilibria grouped by component, as the exact solver groups them."""
        ids = self.component[g, : int(self.count[g])]
        return tuple(tuple(int(e) for e in np.flatnonzero(ids == c)) for c in np.unique(ids))


@cache
def _bases(k: int, labels: int) -> np.ndarray:
    """All sets of ``k`` of ``labels`` constraints, shape (C(labels, k), k)."""
    return np.array(list(itertools.combinations(range(labels), k)), dtype=np.int64).reshape(-1, k)


def _vertices(H: np.ndarray, rhs: np.ndarray, margin: float) -> tuple[np.ndarray, ...]:
    r"""Every basis solution of :math:`\{v : s(v) \ge 0\}` with slacks :math:`s = r - Hv`
    read with signs folded into ``H`` and ``rhs`` (shape (G, L, k) and (L,)).

    Returns (points (G, S, k), masks (G, S) int64, vertex (G, S) bool: a feasible basis that
    is the first with its label set, ambiguous (G,) bool).
    """
    G, L, k = H.shape
    bases = _bases(k, L)
    M = H[:, bases]  # (G, S, k, k)
    _, inv, ratio = det_inv(M)
    with np.errstate(invalid="ignore", over="ignore"):
        point = (inv * rhs[bases][None, :, None, :]).sum(axis=-1)  # M v = r_S
        slack = rhs[None, None, :] - np.einsum("glk,gsk->gsl", H, point)
    regular = ratio >= SINGULAR_MARGIN
    unclear = (ratio >= SINGULAR) & ~regular
    slack = np.where(regular[..., None] & np.isfinite(slack), slack, -np.inf)
    infeasible = (slack < -margin).any(axis=-1)
    loose = ((np.abs(slack) > TIGHT) & (np.abs(slack) <= margin)).any(axis=-1)
    feasible = regular & ~infeasible & ~loose
    ambiguous = (unclear | (regular & ~infeasible & loose)).any(axis=1)
    tight = np.abs(slack) <= TIGHT
    masks = (tight.astype(np.int64) << np.arange(L, dtype=np.int64)).sum(axis=-1)
    masks = np.where(feasible, masks, -1)
    S = len(bases)
    earlier = np.tril(np.ones((S, S), dtype=bool), -1)
    repeat = ((masks[:, :, None] == masks[:, None, :]) & earlier).any(axis=-1)
    return point, masks, feasible & ~repeat, ambiguous


def vertex_equilibria(A: np.ndarray, B: np.ndarray, *, margin: float = LABEL_MARGIN) -> VertexEquilibria:
    """All extreme Nash equilibria of each game of a stack, degenerate games included.

    See the module docstring. ``A, B`` have shape (G, m, n) with ``m + n <=``
    :data:`MAX_ACTIONS`.

    Examples
    --------
    A stance game in which the column player's "hold" and "escalate" tie against the row
    player's "escalate" (both lead to escalation): a segment of equilibria.

    >>> import numpy as np
    >>> A = np.array([[[3., 1.], [2., 0.]]]); B = np.array([[[1., 1.], [0., 2.]]])
    >>> eq = vertex_equilibria(A, B)
    >>> eq.count.tolist(), eq.degenerate.tolist(), eq.certain.tolist(), eq.components(0)
    ([2], [True], [True], ((0, 1),))
    """
    G, m, n = A.shape
    if m + n > MAX_ACTIONS:
        raise ValueError(f"games of {m}x{n} actions: at most {MAX_ACTIONS} actions in all are enumerated by bases")
    per_game = len(_bases(m, m + n)) * len(_bases(n, m + n))
    chunk = max(1, _PAIR_BUDGET // per_game)
    if G > chunk:
        parts = [vertex_equilibria(A[s : s + chunk], B[s : s + chunk], margin=margin) for s in range(0, G, chunk)]
        E = max(p.row.shape[1] for p in parts)

        def pad(a: np.ndarray, value: float | int = 0) -> np.ndarray:
            width = [(0, 0)] * a.ndim
            width[1] = (0, E - a.shape[1])
            return np.pad(a, width, constant_values=value)

        return VertexEquilibria(
            row=np.concatenate([pad(p.row) for p in parts]), column=np.concatenate([pad(p.column) for p in parts]),
            valid=np.concatenate([pad(p.valid) for p in parts]), count=np.concatenate([p.count for p in parts]),
            certain=np.concatenate([p.certain for p in parts]),
            degenerate=np.concatenate([p.degenerate for p in parts]),
            component=np.concatenate([pad(p.component, -1) for p in parts]),
        )
    Ap, Bp = _to_unit_interval(A), _to_unit_interval(B)
    # slacks of P: x_i >= 0 and 1 - (B^T x)_j >= 0; of Q: 1 - (A y)_i >= 0 and y_j >= 0
    Hp = np.concatenate([-np.broadcast_to(np.eye(m), (G, m, m)), np.swapaxes(Bp, 1, 2)], axis=1)
    Hq = np.concatenate([Ap, -np.broadcast_to(np.eye(n), (G, n, n))], axis=1)
    xp, mp, vp, amb_p = _vertices(Hp, np.r_[np.zeros(m), np.ones(n)], margin)
    yq, mq, vq, amb_q = _vertices(Hq, np.r_[np.ones(m), np.zeros(n)], margin)
    popcount = np.vectorize(int.bit_count, otypes=[np.int64])
    degenerate = ((vp & (popcount(np.maximum(mp, 0)) > m)).any(axis=1)
                  | (vq & (popcount(np.maximum(mq, 0)) > n)).any(axis=1))
    full = (1 << (m + n)) - 1
    # the origin of P carries labels 0..m-1, that of Q labels m..m+n-1: exclude the pair
    vp &= xp.sum(axis=-1) > TIGHT
    vq &= yq.sum(axis=-1) > TIGHT
    pairs = vp[:, :, None] & vq[:, None, :] & ((mp[:, :, None] | mq[:, None, :]) == full)
    Sp, Sq = pairs.shape[1:]
    flat = pairs.reshape(G, -1)
    count = flat.sum(axis=1)
    E = max(int(count.max(initial=0)), 1)
    first = np.argsort(~flat, axis=1, kind="stable")[:, :E]
    valid = np.take_along_axis(flat, first, axis=1)
    bp, bq = first // Sq, first % Sq
    x = np.take_along_axis(xp, bp[..., None], axis=1)
    y = np.take_along_axis(yq, bq[..., None], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        X = np.where(valid[..., None], x / x.sum(-1, keepdims=True), 0.0)
        Y = np.where(valid[..., None], y / y.sum(-1, keepdims=True), 0.0)
    X = np.where(X < TIGHT, 0.0, X)  # round-off on labels decided tight
    Y = np.where(Y < TIGHT, 0.0, Y)
    order, unclear_order = exact_order(X, Y, valid)
    X, Y = (np.take_along_axis(a, order[..., None], axis=1) for a in (X, Y))
    valid, bp, bq = (np.take_along_axis(a, order, axis=1) for a in (valid, bp, bq))
    component = _components(bp, bq, valid)
    certain = ~(amb_p | amb_q | unclear_order) & (count >= 1) & (degenerate | (count % 2 == 1))
    return VertexEquilibria(row=X, column=Y, valid=valid, count=count, certain=certain,
                            degenerate=degenerate, component=component)


def _components(bp: np.ndarray, bq: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Component of each equilibrium (its first member's index): the transitive closure of
    "shares an x vertex or a y vertex", by repeated squaring of the adjacency matrix."""
    G, E = valid.shape
    both = valid[:, :, None] & valid[:, None, :]
    reach = both & ((bp[:, :, None] == bp[:, None, :]) | (bq[:, :, None] == bq[:, None, :]))
    for _ in range(max(1, int(np.ceil(np.log2(max(E, 2)))))):
        reach = np.einsum("gij,gjk->gik", reach.astype(np.int32), reach.astype(np.int32)) > 0
    return np.where(valid, np.argmax(reach, axis=-1), -1)
