r"""Batched solvers for many small bimatrix games at once (numpy over the batch).

Every function here takes a stack of games, payoffs ``A, B`` of shape ``(G, m, n)``
indexed ``[game, row action, column action]`` (row player first, as nashpy), and answers
for all of them with array operations. Each answer comes with a flag saying whether it
is *certain*: every discrete decision (a label, a tie, a comparison, the limit of a QRE
branch) is taken with a margin, and a game where some decision falls inside its margin is
flagged so that the caller can solve it with the exact one-game solvers
(:func:`negotiation.solvers.normal_form.nash_equilibria`,
:func:`negotiation.solvers.selection.select_equilibrium`) instead. A certain answer is
the answer of those solvers.

Equilibria (:func:`support_equilibria`)
---------------------------------------
With payoffs mapped affinely onto :math:`[1, 2]` (as the exact solver does), the
best-response polytopes :math:`P = \{x \ge 0: B^\top x \le 1\}` and
:math:`Q = \{y \ge 0: A y \le 1\}` have one candidate vertex per pair of a support
:math:`I` and a set of tight constraints :math:`J` with :math:`|I| = |J| = k`: the solution
of :math:`B_{IJ}^\top x_I = 1` (and of :math:`A_{IJ} y_J = 1` for :math:`Q`). Solving all
of them (closed forms for :math:`k \le 3`) enumerates every vertex of both polytopes. The
game is certified *non-degenerate* when no candidate is ambiguous: every candidate is
either feasible with all its other constraints slack by more than ``margin``, or violates
one by more than ``margin``, and no basis matrix is nearly singular (a vertex with more
than :math:`m` (resp. :math:`n`) tight constraints would be found through one of its
non-singular bases with an extra constraint within the margin). For a non-degenerate game
the Nash equilibria are exactly the pairs :math:`(I, J)` whose two candidates are both
feasible (support enumeration over supports of equal size; von Stengel 2002, §3), each
normalised to probabilities, in the order of the exact solver (by
:math:`(-x, -y)` lexicographically).

Selection (:func:`select_payoff_dominant`, :func:`select_utilitarian`, :func:`select_risk_dominant`)
--------------------------------------------------------------------------------------------------
The rules of :mod:`negotiation.solvers.selection` with their tolerances (``1e-9 s``,
``2e-9 s`` for payoff sums, ``1e-9 s^2`` for Nash products) and tie-breaking (lowest
index), a comparison within a quarter to a half of its tolerance of the threshold being
uncertain.

Logit QRE limit (:func:`logit_qre_limits`)
------------------------------------------
The principal branch of the logit QRE (McKelvey and Palfrey 1995) is the curve
:math:`H(u) = 0`, :math:`u = (w, \nu)`, :math:`z = \log(x, y) = \varphi(w)`,
:math:`\nu = \log(1 + \mu)`, :math:`\mu = \lambda s`, of :mod:`negotiation.solvers.qre`,
from the centroid. On Madrid-like 3x3 stages it often has turning points (:math:`\mu`
goes back for a while), so it is followed by pseudo-arclength continuation, and which
equilibrium a trace ends at can depend on its steps (a step that lands on a nearby
branch). :func:`logit_qre_limits` therefore runs the one-game tracer's own algorithm
(:func:`negotiation.solvers.qre.trace_principal_branch`: chart, first step, growth,
nominal distance, contraction and angle, Newton corrector and tolerances, the retry of a
step across which :math:`\det [DH; t^\top]` changes sign, stopping rule, polishing) for
all games together, a pool of at most ``pool_size`` games being refilled as games
finish, so that it makes the same decisions. The bordered Jacobian :math:`[DH; t^\top]`
is solved by eliminating the (diagonal) block of :math:`w_x`, which leaves an
:math:`(n+1) \times (n+1)` system (:class:`_Frame`). Only rounding differs; a decision
within a relative ``1e-6`` of its threshold, or a determinant whose sign is within
rounding of zero, makes the game not certain.

References
----------
von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
Theory* vol. 3, ch. 45.
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = [
    "StageEquilibria",
    "payoff_scales",
    "support_equilibria",
    "select_payoff_dominant",
    "select_utilitarian",
    "select_risk_dominant",
    "logit_qre_limits",
]

#: Margin on the rescaled payoffs [1, 2] within which a label (a tight constraint) is
#: ambiguous; the exact solver decides labels with 1e-9.
LABEL_MARGIN = 1e-7
#: Games enumerated together.
_ENUMERATION_CHUNK = 4096
#: Relative determinant below which a basis matrix counts as nearly singular.
SINGULAR_MARGIN = 1e-9
#: Tolerances of negotiation.solvers.selection.
TIE_TOLERANCE = 1e-9
PURE_TOLERANCE = 1e-9


# --------------------------------------------------------------------------- small linear algebra


def _det_inv(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Determinant, inverse and Hadamard ratio |det| / prod(row norms) of stacked (k, k)."""
    k = M.shape[-1]
    norms = np.sqrt((M * M).sum(axis=-1)).prod(axis=-1)
    if k == 1:
        det = M[..., 0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = (1.0 / det)[..., None, None]
    elif k == 2:
        a, b, c, d = M[..., 0, 0], M[..., 0, 1], M[..., 1, 0], M[..., 1, 1]
        det = a * d - b * c
        adj = np.stack([np.stack([d, -b], -1), np.stack([-c, a], -1)], -2)
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = adj / det[..., None, None]
    elif k == 3:
        a, b, c = M[..., 0, 0], M[..., 0, 1], M[..., 0, 2]
        d, e, f = M[..., 1, 0], M[..., 1, 1], M[..., 1, 2]
        g, h, i = M[..., 2, 0], M[..., 2, 1], M[..., 2, 2]
        A_ = e * i - f * h
        B_ = f * g - d * i
        C_ = d * h - e * g
        det = a * A_ + b * B_ + c * C_
        adj = np.stack(
            [
                np.stack([A_, c * h - b * i, b * f - c * e], -1),
                np.stack([B_, a * i - c * g, c * d - a * f], -1),
                np.stack([C_, b * g - a * h, a * e - b * d], -1),
            ],
            -2,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = adj / det[..., None, None]
    else:
        det = np.linalg.det(M)
        inv = np.full_like(M, np.nan)
        ok = np.abs(det) > 0
        if ok.any():
            inv[ok] = np.linalg.inv(M[ok])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(norms > 0, np.abs(det) / norms, 0.0)
    return det, inv, ratio


def payoff_scales(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Payoff scale of each game: the larger payoff range, 1 if both are zero (as
    :func:`negotiation.solvers.qre.payoff_scale`)."""
    G = A.shape[0]
    s = np.maximum(np.ptp(A.reshape(G, -1), axis=1), np.ptp(B.reshape(G, -1), axis=1))
    return np.where(s > 0, s, 1.0)


def _to_unit_interval(M: np.ndarray) -> np.ndarray:
    """Each game's matrix mapped affinely onto [1, 2] (all ones if constant), as the
    exact solver's float mode does."""
    G = M.shape[0]
    flat = M.reshape(G, -1)
    low = flat.min(axis=1)[:, None, None]
    span = (flat.max(axis=1) - flat.min(axis=1))[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(span > 0, 1.0 + (M - low) / np.where(span > 0, span, 1.0), 1.0)
    return out


# --------------------------------------------------------------------------- equilibria


@dataclass(frozen=True, eq=False)
class StageEquilibria:
    """All Nash equilibria of a stack of games, in the exact solver's order.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (G, E, m) and (G, E, n)
        Equilibrium strategies; entries beyond ``count[g]`` are zero.
    valid : numpy.ndarray of bool, shape (G, E)
        ``valid[g, e]`` iff ``e < count[g]``.
    count : numpy.ndarray of int, shape (G,)
    certain : numpy.ndarray of bool, shape (G,)
        Certified non-degenerate with every label outside its margin, and an
        unambiguous order; only then are the other fields the exact solver's answer.
    """

    row: np.ndarray
    column: np.ndarray
    valid: np.ndarray
    count: np.ndarray
    certain: np.ndarray

    def payoffs(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Expected payoffs ``(x^T A y, x^T B y)`` of every equilibrium, shape (G, E, 2)."""
        ua = np.einsum("gei,gij,gej->ge", self.row, A, self.column)
        ub = np.einsum("gei,gij,gej->ge", self.row, B, self.column)
        return np.stack([ua, ub], axis=-1)


def _support_pairs(m: int, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For k = 1 .. min(m, n): all (I, J) with |I| = |J| = k, as index arrays (P, k)."""
    groups = []
    for k in range(1, min(m, n) + 1):
        pairs = [
            (rows, cols)
            for rows in itertools.combinations(range(m), k)
            for cols in itertools.combinations(range(n), k)
        ]
        groups.append((np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])))
    return groups


def _vertex_class(slacks: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """(clean feasible, ambiguous) from the slacks of a candidate's other constraints."""
    infeasible = (slacks < -margin).any(axis=-1)
    feasible = (slacks > margin).all(axis=-1)
    return feasible, ~infeasible & ~feasible


def support_equilibria(A: np.ndarray, B: np.ndarray, *, margin: float = LABEL_MARGIN) -> StageEquilibria:
    """All Nash equilibria of each game of a stack, certified where non-degenerate.

    See the module docstring. ``A, B`` have shape (G, m, n).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[2., 0.], [0., 1.]]]); B = np.array([[[1., 0.], [0., 2.]]])
    >>> eq = support_equilibria(A, B)           # battle of the sexes
    >>> eq.count.tolist(), eq.certain.tolist()
    ([3], [True])
    >>> eq.row[0].round(4).tolist()
    [[1.0, 0.0], [0.6667, 0.3333], [0.0, 1.0]]
    """
    G, m, n = A.shape
    if G > _ENUMERATION_CHUNK:  # small arrays stay in the cache
        parts = [
            support_equilibria(A[s : s + _ENUMERATION_CHUNK], B[s : s + _ENUMERATION_CHUNK], margin=margin)
            for s in range(0, G, _ENUMERATION_CHUNK)
        ]
        E = max(p.row.shape[1] for p in parts)

        def pad(a: np.ndarray) -> np.ndarray:
            width = [(0, 0)] * a.ndim
            width[1] = (0, E - a.shape[1])
            return np.pad(a, width)

        return StageEquilibria(
            row=np.concatenate([pad(p.row) for p in parts]),
            column=np.concatenate([pad(p.column) for p in parts]),
            valid=np.concatenate([pad(p.valid) for p in parts]),
            count=np.concatenate([p.count for p in parts]),
            certain=np.concatenate([p.certain for p in parts]),
        )
    Ap = _to_unit_interval(A)
    Bp = _to_unit_interval(B)
    xs, ys, eqs = [], [], []
    ambiguous = np.zeros(G, dtype=bool)
    for I, J in _support_pairs(m, n):  # noqa: E741 (supports I, J as in the literature)
        P, k = I.shape
        rows_in = np.zeros((P, m), dtype=bool)
        cols_in = np.zeros((P, n), dtype=bool)
        np.put_along_axis(rows_in, I, True, axis=1)
        np.put_along_axis(cols_in, J, True, axis=1)
        sub_a = Ap[:, I[:, :, None], J[:, None, :]]  # (G, P, k, k): A[I, J]
        sub_b = Bp[:, I[:, :, None], J[:, None, :]]
        _, inv_a, ratio_a = _det_inv(sub_a)
        _, inv_bt, ratio_b = _det_inv(np.swapaxes(sub_b, -1, -2))
        with np.errstate(invalid="ignore", over="ignore"):
            y_j = inv_a.sum(axis=-1)  # A[I, J] y_J = 1
            x_i = inv_bt.sum(axis=-1)  # B[I, J]^T x_I = 1
        x = np.zeros((G, P, m))
        y = np.zeros((G, P, n))
        np.put_along_axis(x, np.broadcast_to(I, (G, P, k)), x_i, axis=2)
        np.put_along_axis(y, np.broadcast_to(J, (G, P, k)), y_j, axis=2)
        with np.errstate(invalid="ignore", over="ignore"):
            col_slack = 1.0 - np.einsum("gpi,gij->gpj", x, Bp)  # P: (B^T x)_j <= 1 off J
            row_slack = 1.0 - np.einsum("gij,gpj->gpi", Ap, y)  # Q: (A y)_i <= 1 off I
        slack_p = np.concatenate([x_i, np.where(cols_in, np.inf, col_slack)], axis=-1)
        slack_q = np.concatenate([y_j, np.where(rows_in, np.inf, row_slack)], axis=-1)
        slack_p = np.where(np.isnan(slack_p), -np.inf, slack_p)
        slack_q = np.where(np.isnan(slack_q), -np.inf, slack_q)
        feas_p, amb_p = _vertex_class(slack_p, margin)
        feas_q, amb_q = _vertex_class(slack_q, margin)
        singular = (ratio_a < SINGULAR_MARGIN) | (ratio_b < SINGULAR_MARGIN)
        ambiguous |= (amb_p | amb_q | singular).any(axis=1)
        eq = feas_p & feas_q & ~singular
        with np.errstate(invalid="ignore", divide="ignore"):
            xs.append(np.where(eq[..., None], x / x.sum(-1, keepdims=True), 0.0))
            ys.append(np.where(eq[..., None], y / y.sum(-1, keepdims=True), 0.0))
        eqs.append(eq)
    X = np.concatenate(xs, axis=1)
    Y = np.concatenate(ys, axis=1)
    valid = np.concatenate(eqs, axis=1)
    count = valid.sum(axis=1)
    # the exact solver's order: by (-x, -y) lexicographically, invalid candidates last
    keys = np.concatenate([-X, -Y], axis=-1)
    keys = np.where(valid[..., None], keys, np.inf)
    order = np.lexsort(np.moveaxis(keys, -1, 0)[::-1], axis=-1)
    E = max(int(count.max(initial=0)), 1)
    order = order[:, :E]
    X = np.take_along_axis(X, order[..., None], axis=1)
    Y = np.take_along_axis(Y, order[..., None], axis=1)
    valid = np.take_along_axis(valid, order, axis=1)
    keys = np.take_along_axis(keys, order[..., None], axis=1)
    # an order decided by rounding (a first difference below 1e-9) is ambiguous
    if E > 1:
        both = valid[:, 1:] & valid[:, :-1]
        with np.errstate(invalid="ignore"):
            diff = np.where(both[..., None], np.abs(keys[:, 1:] - keys[:, :-1]), 0.0)
        nonzero = diff > 0
        first = np.argmax(nonzero, axis=-1)
        first_diff = np.take_along_axis(diff, first[..., None], axis=-1)[..., 0]
        ambiguous |= (both & (~nonzero.any(-1) | (first_diff <= 1e-9))).any(axis=1)
    certain = ~ambiguous & (count % 2 == 1)
    return StageEquilibria(row=X, column=Y, valid=valid, count=count, certain=certain)


# --------------------------------------------------------------------------- selection rules


def _first(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis (0 if none)."""
    return np.argmax(mask, axis=-1)


def _near(value: np.ndarray, threshold: np.ndarray, band: np.ndarray) -> np.ndarray:
    return np.abs(value - threshold) < band


def select_payoff_dominant(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria
) -> tuple[np.ndarray, np.ndarray]:
    """Index chosen by :func:`negotiation.solvers.selection.payoff_dominant` and whether
    it is certain, for each game of a stack."""
    u = eq.payoffs(A, B)
    tol = (TIE_TOLERANCE * payoff_scales(A, B))[:, None, None]
    valid = eq.valid
    E = valid.shape[1]
    d = u[:, :, None, :] - u[:, None, :, :]  # d[g, k, o] = u_k - u_o
    pair = valid[:, :, None] & valid[:, None, :] & ~np.eye(E, dtype=bool)
    dom = (d >= -tol[..., None]).all(-1) & (d > tol[..., None]).any(-1) & pair
    uncertain = (pair[..., None] & _near(np.abs(d), tol[..., None], 0.25 * tol[..., None])).any(
        axis=(1, 2, 3)
    )
    dominates_all = valid & (dom | ~pair).all(axis=2)
    undominated = valid & ~dom.any(axis=1)
    sums = u.sum(-1)
    best = np.where(undominated, sums, -np.inf).max(axis=1, keepdims=True)
    threshold = best - 2 * tol[:, :, 0]
    tied = undominated & (sums >= threshold)
    fallback_uncertain = (undominated & _near(sums, threshold, 0.5 * tol[:, :, 0])).any(axis=1)
    has_dominant = dominates_all.any(axis=1)
    index = np.where(has_dominant, _first(dominates_all), _first(tied))
    uncertain |= ~has_dominant & fallback_uncertain
    return index, ~uncertain


def select_utilitarian(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria
) -> tuple[np.ndarray, np.ndarray]:
    """Index chosen by :func:`negotiation.solvers.selection.utilitarian` and whether it is
    certain."""
    u = eq.payoffs(A, B)
    tol = TIE_TOLERANCE * payoff_scales(A, B)[:, None]
    sums = np.where(eq.valid, u.sum(-1), -np.inf)
    threshold = sums.max(axis=1, keepdims=True) - 2 * tol
    tied = eq.valid & (sums >= threshold)
    uncertain = (eq.valid & _near(sums, threshold, 0.5 * tol)).any(axis=1)
    return _first(tied), ~uncertain


def select_risk_dominant(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`negotiation.solvers.selection.risk_dominant` for a stack of games.

    Returns the index where a pure equilibrium is selected, whether that is certain, and
    which games fall back to the logit QRE rule (their index is then meaningless).
    """
    G, E, m = eq.row.shape
    s = payoff_scales(A, B)
    tol = (TIE_TOLERANCE * s * s)[:, None, None]
    xi = np.argmax(eq.row, axis=-1)
    yj = np.argmax(eq.column, axis=-1)
    pure = (
        eq.valid
        & (np.take_along_axis(eq.row, xi[..., None], -1)[..., 0] >= 1 - PURE_TOLERANCE)
        & (np.take_along_axis(eq.column, yj[..., None], -1)[..., 0] >= 1 - PURE_TOLERANCE)
    )
    n_pure = pure.sum(axis=1)
    g = np.arange(G)[:, None, None]
    i, j = xi[:, :, None], yj[:, :, None]  # equilibrium e (rows of the comparison)
    k, c = xi[:, None, :], yj[:, None, :]  # equilibrium f (columns)
    product_e = (A[g, i, j] - A[g, k, j]) * (B[g, i, j] - B[g, i, c])
    product_f = (A[g, k, c] - A[g, i, c]) * (B[g, k, c] - B[g, k, j])
    comparable = (i != k) & (j != c)
    pair = pure[:, :, None] & pure[:, None, :] & ~np.eye(E, dtype=bool)
    beats = comparable & (product_e > product_f + tol)
    uncertain = (pair & comparable & _near(product_e - product_f, tol, 0.5 * tol)).any(axis=(1, 2))
    winner = pure & (beats | ~pair).all(axis=2)
    decided = (n_pure == 1) | ((n_pure >= 2) & winner.any(axis=1))
    index = np.where(n_pure == 1, _first(pure), _first(winner))
    return index, ~uncertain, ~decided


# --------------------------------------------------------------------------- logit QRE


#: Exponents are clipped here: probabilities below 1e-130 are as good as 0, and
#: subnormal numbers are very slow.
_LOG_TINY = -300.0


def _det_inv_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Determinant and inverse of stacked (k, k) matrices stored batch-last, (k, k, G)."""
    k = M.shape[0]
    if k == 1:
        det = M[0, 0]
        adj = np.ones_like(M)
    elif k == 2:
        det = M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0]
        adj = np.stack([np.stack([M[1, 1], -M[0, 1]]), np.stack([-M[1, 0], M[0, 0]])])
    elif k == 3:
        (a, b, c), (d, e, f), (g, h, i) = M
        adj = np.empty_like(M)
        np.subtract(e * i, f * h, out=adj[0, 0])
        np.subtract(f * g, d * i, out=adj[1, 0])
        np.subtract(d * h, e * g, out=adj[2, 0])
        np.subtract(c * h, b * i, out=adj[0, 1])
        np.subtract(a * i, c * g, out=adj[1, 1])
        np.subtract(b * g, a * h, out=adj[2, 1])
        np.subtract(b * f, c * e, out=adj[0, 2])
        np.subtract(c * d, a * f, out=adj[1, 2])
        np.subtract(a * e, b * d, out=adj[2, 2])
        det = a * adj[0, 0] + b * adj[1, 0] + c * adj[2, 0]
    elif k == 4:  # Laplace expansion by complementary 2x2 minors
        a = M
        s0 = a[0, 0] * a[1, 1] - a[1, 0] * a[0, 1]
        s1 = a[0, 0] * a[1, 2] - a[1, 0] * a[0, 2]
        s2 = a[0, 0] * a[1, 3] - a[1, 0] * a[0, 3]
        s3 = a[0, 1] * a[1, 2] - a[1, 1] * a[0, 2]
        s4 = a[0, 1] * a[1, 3] - a[1, 1] * a[0, 3]
        s5 = a[0, 2] * a[1, 3] - a[1, 2] * a[0, 3]
        c5 = a[2, 2] * a[3, 3] - a[3, 2] * a[2, 3]
        c4 = a[2, 1] * a[3, 3] - a[3, 1] * a[2, 3]
        c3 = a[2, 1] * a[3, 2] - a[3, 1] * a[2, 2]
        c2 = a[2, 0] * a[3, 3] - a[3, 0] * a[2, 3]
        c1 = a[2, 0] * a[3, 2] - a[3, 0] * a[2, 2]
        c0 = a[2, 0] * a[3, 1] - a[3, 0] * a[2, 1]
        det = s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0
        adj = np.stack(
            [
                np.stack([a[1, 1] * c5 - a[1, 2] * c4 + a[1, 3] * c3,
                          -a[0, 1] * c5 + a[0, 2] * c4 - a[0, 3] * c3,
                          a[3, 1] * s5 - a[3, 2] * s4 + a[3, 3] * s3,
                          -a[2, 1] * s5 + a[2, 2] * s4 - a[2, 3] * s3]),
                np.stack([-a[1, 0] * c5 + a[1, 2] * c2 - a[1, 3] * c1,
                          a[0, 0] * c5 - a[0, 2] * c2 + a[0, 3] * c1,
                          -a[3, 0] * s5 + a[3, 2] * s2 - a[3, 3] * s1,
                          a[2, 0] * s5 - a[2, 2] * s2 + a[2, 3] * s1]),
                np.stack([a[1, 0] * c4 - a[1, 1] * c2 + a[1, 3] * c0,
                          -a[0, 0] * c4 + a[0, 1] * c2 - a[0, 3] * c0,
                          a[3, 0] * s4 - a[3, 1] * s2 + a[3, 3] * s0,
                          -a[2, 0] * s4 + a[2, 1] * s2 - a[2, 3] * s0]),
                np.stack([-a[1, 0] * c3 + a[1, 1] * c1 - a[1, 2] * c0,
                          a[0, 0] * c3 - a[0, 1] * c1 + a[0, 2] * c0,
                          -a[3, 0] * s3 + a[3, 1] * s1 - a[3, 2] * s0,
                          a[2, 0] * s3 - a[2, 1] * s1 + a[2, 2] * s0]),
            ]
        )
    else:
        det, inv, _ = _det_inv(np.moveaxis(M, -1, 0))
        return det, np.moveaxis(inv, 0, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return det, adj / det


def _solve_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve stacked systems stored batch-last by Gaussian elimination with partial pivoting.

    ``M`` is the augmented matrix ``[K | R]`` of shape (k, k + r, G) (modified in place);
    returns the solutions, shape (k, r, G), and ``det K`` per game.
    """
    k = M.shape[0]
    G = M.shape[2]
    games = np.arange(G)
    sign = np.ones(G)
    for c in range(k):
        if c < k - 1:
            piv = c + np.argmax(np.abs(M[c:, c]), axis=0)
            swap = piv != c
            if swap.any():
                g = games[swap]
                rows = M[piv[swap], :, g]  # (S, cols)
                M[piv[swap], :, g] = M[c, :, g]
                M[c, :, g] = rows
                sign[swap] = -sign[swap]
            f = M[c + 1 :, c] / M[c, c]
            M[c + 1 :, c + 1 :] -= f[:, None] * M[c, c + 1 :][None]
        sign *= M[c, c]
    X = np.empty((k, M.shape[1] - k, G))
    for c in range(k - 1, -1, -1):
        rhs = M[c, k:]
        if c < k - 1:
            rhs = rhs - (M[c, c + 1 : k, None] * X[c + 1 :]).sum(axis=0)
        X[c] = rhs / M[c, c]
    return X, sign


class _Frame:
    r"""The homotopy at points of a stack of games (batch-last), and the bordered solves.

    :math:`H(u) = (z_x - \log \sigma(\mu A y),\ z_y - \log \sigma(\mu B^\top x))` with
    :math:`x = e^{z_x}`, :math:`y = e^{z_y}`, :math:`u = (z_x, z_y, \nu)`,
    :math:`\mu = e^\nu - 1`. Its Jacobian is
    :math:`DH = [[I, -P, h_x], [-Q^\top, I, h_y]]` with
    :math:`P_{ij} = \partial \log p_i / \partial z_{y,j}`,
    :math:`Q_{ij} = \partial \log q_j / \partial z_{x,i}` and :math:`h = \partial H / \partial \nu`.
    Bordered by a row :math:`t^\top`, the square system :math:`[DH; t^\top]` is solved by
    eliminating the identity block of :math:`z_x`, which leaves the
    :math:`(n+1) \times (n+1)` matrix

    .. math:: K = \begin{bmatrix} I - Q^\top P & h_y + Q^\top h_x \\
                 t_y^\top + t_x^\top P & t_\nu - t_x^\top h_x \end{bmatrix},
              \qquad \det [DH; t^\top] = \det K,

    solved by Gaussian elimination with partial pivoting; it stays regular at turning
    points of the branch, where :math:`I - Q^\top P` is singular. In the tracer's chart
    :math:`z = \varphi(w)` the Jacobian is :math:`DH \operatorname{diag}(\varphi', 1)`: the
    system is solved in :math:`z` with the border divided by :math:`\varphi'`, and the
    solution divided by :math:`\varphi'` (the determinant changes by the positive factor
    :math:`\prod \varphi'`).
    """

    def __init__(self, An: np.ndarray, Bn: np.ndarray, u: np.ndarray, m: int):
        from negotiation.solvers.qre import chart

        # contractions over the small action dimensions are unrolled: a reduction over a
        # middle axis of length 2-4 is several times slower in numpy
        n = An.shape[1]
        self.z, self.dphi = chart(u[:-1])
        zx, zy, nu = self.z[:m], self.z[m:], u[-1]
        mu = np.expm1(nu)
        # exponents are clipped at -300: probabilities below 1e-130 are as good as 0, and
        # subnormal numbers (below 1e-308) are very slow
        x, y = np.exp(np.maximum(zx, _LOG_TINY)), np.exp(np.maximum(zy, _LOG_TINY))
        Ay = An[:, 0] * y[0]  # (m, G)
        for j in range(1, n):
            Ay += An[:, j] * y[j]
        Bx = Bn[0] * x[0]  # (n, G)
        for i in range(1, m):
            Bx += Bn[i] * x[i]
        v = mu * Ay
        v -= v.max(axis=0)
        ev = np.exp(np.maximum(v, _LOG_TINY))
        sv = ev.sum(axis=0)
        p = ev / sv
        w = mu * Bx
        w -= w.max(axis=0)
        ew = np.exp(np.maximum(w, _LOG_TINY))
        sw = ew.sum(axis=0)
        q = ew / sw
        self.H = np.concatenate([zx - v + np.log(sv), zy - w + np.log(sw)], axis=0)
        pA = p[0] * An[0]  # (n, G)
        for i in range(1, m):
            pA += p[i] * An[i]
        self.P = (mu * y) * (An - pA[None])  # (m, n, G)
        Bq = Bn[:, 0] * q[0]  # (m, G)
        for j in range(1, n):
            Bq += Bn[:, j] * q[j]
        self.Q = (mu * x)[:, None] * (Bn - Bq[:, None])  # (m, n, G)
        dnu = 1.0 + mu  # d mu / d nu
        self.hx = ((p * Ay).sum(axis=0) - Ay) * dnu
        self.hy = ((q * Bx).sum(axis=0) - Bx) * dnu
        self.m = m

    def solve(self, border: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Solve [DH; border^T] d = b for each right-hand side b[:, j] (b: (m+n+1, r, G));
        returns the solutions (m+n+1, r, G) and the determinant of [DH; border^T].

        Through :math:`S^{-1}` (closed form) where :math:`S = I - Q^\\top P` is well
        conditioned, else by Gaussian elimination on the bordered matrix :math:`K`.
        """
        m = self.m
        n = self.P.shape[1]
        P, Q, hx = self.P, self.Q, self.hx
        # in the chart, DH_w = DH_z diag(phi'): solve for d_z with the border divided by phi'
        # (then d_w = d_z / phi'); det [DH_w; t] = det [DH_z; t / phi'] prod phi', same sign
        tz = border[:-1] / self.dphi
        tx, ty, tn = tz[:m], tz[m:], border[-1]
        b1, b2, b3 = b[:m], b[m:-1], b[-1]
        R = b.shape[1]
        # S = I - Q^T P and the right-hand sides [Q^T b1 + b2 | h_y + Q^T h_x], summed over
        # the rows in place (no (m, n, n, G) temporaries)
        S = np.zeros((n, n) + hx.shape[1:])
        rhs = np.empty((n, R + 1) + hx.shape[1:])
        rhs[:, :R] = b2
        rhs[:, R] = self.hy
        for i in range(m):
            S -= Q[i][:, None] * P[i][None]
            rhs[:, :R] += Q[i][:, None] * b1[i][None]
            rhs[:, R] += Q[i] * hx[i]
        S[np.arange(n), np.arange(n)] += 1.0
        r = ty + P[0] * tx[0]  # (n, G)
        for i in range(1, m):
            r += P[i] * tx[i]
        d = tn - (tx * hx).sum(axis=0)
        g = b3 - (tx[:, None] * b1).sum(axis=0)  # (R, G)
        det_s, S_inv = _det_inv_last(S)
        row_squares = S[:, 0] * S[:, 0]  # (n, G)
        for j in range(1, n):
            row_squares += S[:, j] * S[:, j]
        scale = np.sqrt(row_squares).prod(axis=0)
        with np.errstate(all="ignore"):
            ae = S_inv[:, 0, None] * rhs[0][None]  # S^-1 [F | c], (n, R + 1, G)
            for j in range(1, n):
                ae += S_inv[:, j, None] * rhs[j][None]
            a, e = ae[:, :R], ae[:, R]
            F, c = rhs[:, :R], rhs[:, R]
            denom = d - (r * e).sum(axis=0)
            dnu = (g - (r[:, None] * a).sum(axis=0)) / denom
            dy = a - e[:, None] * dnu[None]
        det = det_s * denom
        bad = ~(np.abs(det_s) > 1e-8 * scale) | ~np.isfinite(dnu).all(axis=0) | (denom == 0)
        if bad.any():  # near a turning point: the bordered matrix itself
            M = np.empty((n + 1, n + 1 + b.shape[1], int(bad.sum())))
            M[:n, :n] = S[..., bad]
            M[:n, n] = c[:, bad]
            M[n, :n] = r[:, bad]
            M[n, n] = d[bad]
            M[:n, n + 1 :] = F[..., bad]
            M[n, n + 1 :] = g[:, bad]
            sol, det_bad = _solve_last(M)
            dy[..., bad] = sol[:n]
            dnu[..., bad] = sol[n]
            det[bad] = det_bad
        out = np.empty((m + n + 1,) + dy.shape[1:])
        dx = out[:m]
        np.subtract(b1, hx[:, None] * dnu[None], out=dx)
        for j in range(n):
            dx += P[:, j, None] * dy[j][None]
        out[m:-1] = dy
        out[-1] = dnu
        out[:-1] /= self.dphi[:, None]
        self._bordered = (S, c, r, d, det)
        return out, det

    def det_ratio(self, games: np.ndarray) -> np.ndarray:
        """For the last :meth:`solve`, at columns ``games``: Hadamard's ratio |det K| / (product
        of row norms) of K with its columns scaled to unit norm, in (0, 1]; near 0 the sign of
        the determinant is within rounding of changing (the columns of K differ in scale by
        up to mu, so they are equilibrated first: that does not change the sign)."""
        S, c, r, d, det = (a[..., games] for a in self._bordered)
        with np.errstate(all="ignore"):
            columns = np.sqrt((S * S).sum(axis=0) + r * r)  # (n, G): norms of K's first n columns
            last = np.sqrt((c * c).sum(axis=0) + d * d)
            Sn, cn = S / columns[None], c / last
            rows = np.sqrt((Sn * Sn).sum(axis=1) + cn * cn).prod(axis=0)
            rows *= np.sqrt(((r / columns) ** 2).sum(axis=0) + (d / last) ** 2)
            return np.abs(det) / (columns.prod(axis=0) * last * rows)


# --------------------------------------------------------------------------- the logit QRE limit

#: Relative closeness to a threshold within which a decision of the mirrored tracer counts
#: as not reproducible (rounding differs from the one-game tracer's).
_DECISION_MARGIN = 1e-6


def _near_threshold(value: np.ndarray, threshold: np.ndarray | float) -> np.ndarray:
    return np.abs(value - threshold) <= _DECISION_MARGIN * np.abs(threshold)


@dataclass
class _ExactPool:
    """State of the games traced by the one-game tracer's algorithm (columns)."""

    ids: np.ndarray
    a: np.ndarray  # A / s, (m, n, N)
    b: np.ndarray
    u: np.ndarray  # (m + n + 1, N), chart coordinates (w, nu)
    t: np.ndarray  # unit tangents
    sign: np.ndarray  # of det [DH; t]
    h: np.ndarray
    steps: np.ndarray

    def take(self, keep: np.ndarray) -> _ExactPool:
        cols = np.flatnonzero(keep)
        return _ExactPool(
            self.ids[cols], np.take(self.a, cols, axis=2), np.take(self.b, cols, axis=2),
            np.take(self.u, cols, axis=1), np.take(self.t, cols, axis=1), self.sign[cols],
            self.h[cols], self.steps[cols],
        )

    @staticmethod
    def join(p: _ExactPool, q: _ExactPool) -> _ExactPool:
        return _ExactPool(
            np.concatenate([p.ids, q.ids]), np.concatenate([p.a, q.a], axis=2),
            np.concatenate([p.b, q.b], axis=2), np.concatenate([p.u, q.u], axis=1),
            np.concatenate([p.t, q.t], axis=1), np.concatenate([p.sign, q.sign]),
            np.concatenate([p.h, q.h]), np.concatenate([p.steps, q.steps]),
        )


def _exact_start(An: np.ndarray, Bn: np.ndarray, ids: np.ndarray) -> tuple[_ExactPool, np.ndarray]:
    """Games at the centroid with the one-game tracer's first tangent and step, and whether
    the sign of det [DH; t] there is in doubt."""
    from negotiation.solvers import qre

    m, n, _ = An.shape
    G = len(ids)
    k = m + n + 1
    a, b = np.take(An, ids, axis=2), np.take(Bn, ids, axis=2)
    u = np.concatenate([np.full((m, G), -np.log(m)), np.full((n, G), -np.log(n)), np.zeros((1, G))])
    e_last = np.zeros((k, 1, G))
    e_last[-1] = 1.0
    with np.errstate(all="ignore"):
        frame = _Frame(a, b, u, m)
        t, det = frame.solve(e_last[:, 0], e_last)
        t = t[:, 0]
        t /= np.sqrt((t * t).sum(axis=0))
    pool = _ExactPool(ids, a, b, u, t, np.sign(det), np.full(G, qre.FIRST_STEP), np.zeros(G, dtype=int))
    return pool, ~(frame.det_ratio(np.arange(G)) > _DET_MARGIN)


#: |det| / (product of row norms) below which the sign of det [DH; t] is in doubt.
_DET_MARGIN = 1e-10


def logit_qre_limits(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria, *, pool_size: int = 8192
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`negotiation.solvers.selection.logit_qre_selection` for a stack of games by the
    one-game tracer's own algorithm, batched.

    Every step of :func:`negotiation.solvers.qre.trace_principal_branch` (its chart, first
    step and tangent, growth, nominal distance, contraction and angle, Newton corrector
    with the tangent from its last matrix, tolerances, the retry of a step across which
    det [DH; t] changes sign) is taken for all games together, so that the trace makes the
    same decisions and ends where that tracer ends. Its stopping rule and polishing are
    evaluated on the certified equilibria of ``eq`` (in a non-degenerate game, the only
    profiles with equal supports that pass the one-game polish are the equilibria with
    those supports), and the selection is the equilibrium nearest the polished limit.
    Arithmetic differs from the one-game tracer's in rounding (the bordered systems are
    solved differently), so a decision that comes within a relative ``1e-6`` of its
    threshold, or a determinant whose sign is within rounding of zero, makes the game not
    certain; so does a trace that stops in another way than at a verified equilibrium (the
    step length collapsing, ``lam_max``, 5000 steps) or passes a genuine branch point.

    Returns
    -------
    index : numpy.ndarray of int, shape (G,)
        The selected equilibrium of each game (an index into ``eq``).
    certain : numpy.ndarray of bool, shape (G,)
        Whether ``index`` is the one-game selection's answer beyond rounding.
    """
    from negotiation.solvers import qre

    G, m, n = A.shape
    k = m + n + 1
    X, Y = eq.row, eq.column
    E = X.shape[1]
    row_support, column_support = X > 0, Y > 0
    s = payoff_scales(A, B)
    An = np.ascontiguousarray(np.moveaxis(A / s[:, None, None], 0, -1))
    Bn = np.ascontiguousarray(np.moveaxis(B / s[:, None, None], 0, -1))
    nu_max = np.log1p(qre._NORMALISED_LAM_CAP)
    thresholds = (1e-1, 1e-2, 1e-4, 1e-6, 1e-9, 1e-12)  # as qre._polish reads supports
    index = np.zeros(G, dtype=int)
    certain = np.zeros(G, dtype=bool)
    doubtful = np.zeros(G, dtype=bool)
    queue = 0
    pool, _ = _exact_start(An, Bn, np.arange(0))
    for _ in range(1_000_000):  # a bound, never reached: each game stops within 5000 steps
        if len(pool.ids) < 0.75 * pool_size and queue < G:
            new = np.arange(queue, min(G, queue + pool_size - len(pool.ids)))
            queue = int(new[-1]) + 1
            started, unsure = _exact_start(An, Bn, new)
            doubtful[new[unsure]] = True
            pool = _ExactPool.join(pool, started)
        N = len(pool.ids)
        if N == 0:
            break
        ids, u, t, h = pool.ids, pool.u, pool.t, pool.h
        finished = h < 1e-12  # the step length collapsed
        doubtful[ids[finished]] = True
        with np.errstate(all="ignore"):
            reach = u[-1] + h * t[-1]
            land = (t[-1] > 0) & (reach > nu_max)
            doubtful[ids] |= _near_threshold(reach, nu_max)
            h = np.where(land, (nu_max - u[-1]) / np.where(t[-1] > 0, t[-1], 1.0), h)
            pred = u + h * t
        bad_step = ~np.isfinite(pred).all(axis=0)  # overflow: the one-game tracer fails there too
        finished |= bad_step
        doubtful[ids[bad_step]] = True
        # the corrector (qre._correct): Newton on [H; t^T (v - pred)] = 0, and the tangent
        # from the matrix of its last iterate
        cand = pred.copy()
        ok = np.zeros(N, dtype=bool)
        failed = np.zeros(N, dtype=bool)
        first = np.zeros(N)
        second = np.zeros(N)
        previous = np.full(N, np.nan)
        t_new = np.full((k, N), np.nan)
        sign_new = np.zeros(N)
        going = np.arange(N)
        for it in range(qre.CORRECTOR_ITERATIONS):
            if len(going) == 0:
                break
            full = len(going) == N
            a = pool.a if full else np.take(pool.a, going, axis=2)
            b = pool.b if full else np.take(pool.b, going, axis=2)
            c = cand if full else np.take(cand, going, axis=1)
            tg = t if full else np.take(t, going, axis=1)
            with np.errstate(all="ignore"):
                frame = _Frame(a, b, c, m)
                rhs = np.zeros((k, 2, len(going)))
                rhs[:-1, 0] = -frame.H
                rhs[-1, 0] = -(tg * (c - (pred if full else np.take(pred, going, axis=1)))).sum(axis=0)
                rhs[-1, 1] = 1.0
                sol, det = frame.solve(tg, rhs)
                du, tau = sol[:, 0], sol[:, 1]
                norm = np.sqrt((du * du).sum(axis=0))
                prev = previous[going]
                big = norm > 1e-13
                bad = ~np.isfinite(norm)
                near = np.zeros(len(going), dtype=bool)
                if it > 0:
                    bad |= (norm > 0.5 * prev) & big
                    near |= big & _near_threshold(norm, 0.5 * prev)
                    near |= _near_threshold(norm, 1e-13)
                scale = np.empty_like(c)
                scale[:-1] = np.abs(frame.z)
                scale[-1] = np.abs(c[-1])
                scale += 1.0 + 1e-4 * np.expm1(np.minimum(c[-1], qre.NU_LIMIT))
                ratio = (np.abs(du) / (qre.CORRECTOR_TOLERANCE * scale)).max(axis=0)
                near |= ~bad & _near_threshold(ratio, 1.0)
                converged = ~bad & (ratio < 1.0)
                new = c + du
                diverged = ~bad & ~converged & ((new[-1] > qre.NU_LIMIT) | (new[:-1].max(axis=0) > 1.0))
                near |= ~bad & ~converged & (
                    _near_threshold(new[-1], qre.NU_LIMIT) | _near_threshold(new[:-1].max(axis=0), 1.0)
                )
            doubtful[ids[going[near]]] = True
            if it == 0:
                first[going] = norm
            elif it == 1:
                second[going] = norm
            previous[going] = norm
            cand[:, going[~bad]] = new[:, ~bad]
            done = going[converged]
            if len(done):
                with np.errstate(all="ignore"):
                    tangent = tau[:, converged]
                    t_new[:, done] = tangent / np.sqrt((tangent * tangent).sum(axis=0))
                sign_new[done] = np.sign(det[converged])
                doubtful[ids[done[~(frame.det_ratio(np.flatnonzero(converged)) > _DET_MARGIN)]]] = True
                ok[done] = True
            stop = bad | converged | diverged
            failed[going[bad | diverged]] = True
            going = going[~stop]
        failed[going] = True  # no convergence within the iterations
        with np.errstate(all="ignore"):
            contraction = np.where((first > 0) & (second > 0), second / np.where(first > 0, first, 1.0), 0.0)
            cosine = (t * t_new).sum(axis=0)
            angle = np.arccos(np.clip(cosine, -1.0, 1.0))
            factor = np.maximum(
                np.maximum(np.sqrt(first / qre.NOMINAL_DISTANCE), np.sqrt(contraction / qre.NOMINAL_CONTRACTION)),
                angle / qre.NOMINAL_ANGLE,
            )
        # a step across which det [DH; t] changes sign jumped to another branch: retried
        # shorter, unless already as short as a genuine branch point allows
        flipped = ok & (sign_new != pool.sign)
        jumped = flipped & (h > qre.BRANCH_POINT_STEP)
        doubtful[ids[flipped & ~jumped]] = True  # a genuine branch point: not generic
        doubtful[ids[flipped & _near_threshold(h, qre.BRANCH_POINT_STEP)]] = True
        odd = ok & ~jumped & ~np.isfinite(factor)  # not a number: the one-game tracer's max() is order-dependent
        doubtful[ids[ok & ~jumped & (_near_threshold(factor, 2.0) | odd)]] = True
        finished |= odd
        factor = np.where(np.isfinite(factor), factor, np.inf)
        accept = ok & ~jumped & (factor <= 2.0) & ~finished
        h_new = np.where(
            failed, 0.5 * h, np.where(jumped, 0.25 * h, h / np.clip(factor, 2.0, 4.0))  # rejected: factor > 2
        )
        pool.h = np.where(accept, h * np.minimum(qre.MAX_ACCEL, 1.0 / np.maximum(factor, 1e-12)), h_new)
        finished |= ~np.isfinite(pool.h)
        doubtful[ids[~np.isfinite(pool.h)]] = True
        pool.u = np.where(accept, cand, u)
        pool.t = np.where(accept, t_new, t)
        pool.sign = np.where(accept, sign_new, pool.sign)
        pool.steps = pool.steps + accept
        # stopping (qre._trace): lam_max, too many steps, or a verified equilibrium
        at_cap = accept & (pool.u[-1] >= nu_max * (1 - 1e-12))
        doubtful[ids] |= accept & _near_threshold(pool.u[-1], nu_max * (1 - 1e-12))
        mu = np.expm1(np.minimum(pool.u[-1], qre.NU_LIMIT))
        doubtful[ids] |= accept & _near_threshold(mu, qre._NORMALISED_LAM_CHECK)
        check = np.flatnonzero(accept & (mu >= qre._NORMALISED_LAM_CHECK))
        stopped = at_cap | (pool.steps >= 5000)
        if len(check):
            gid = ids[check]
            z = qre.to_log_probabilities(pool.u[:-1, check])
            x = np.exp(z[:m]).T
            y = np.exp(z[m:]).T
            x /= x.sum(axis=1, keepdims=True)
            y /= y.sum(axis=1, keepdims=True)
            dist = np.abs(X[gid] - x[:, None]).sum(-1) + np.abs(Y[gid] - y[:, None]).sum(-1)  # (C, E)
            matched = np.zeros((len(check), E), dtype=bool)
            xr = x / x.max(axis=1, keepdims=True)
            yr = y / y.max(axis=1, keepdims=True)
            for tau_ in thresholds:
                rows, cols = xr >= tau_, yr >= tau_
                doubtful[gid] |= _near_threshold(xr, tau_).any(axis=1) | _near_threshold(yr, tau_).any(axis=1)
                matched |= (
                    (row_support[gid] == rows[:, None]).all(-1) & (column_support[gid] == cols[:, None]).all(-1)
                )
            matched &= eq.valid[gid]
            doubtful[gid] |= (matched & (_near_threshold(dist, qre._STOP_DISTANCE) | _near_threshold(dist, qre._FINAL_DISTANCE))).any(axis=1)
            verified = (matched & (dist <= qre._STOP_DISTANCE)).any(axis=1)
            candidates = np.where(matched & (dist <= qre._FINAL_DISTANCE), dist, np.inf)
            nearest = np.argmin(candidates, axis=1)
            index[gid[verified]] = nearest[verified]
            certain[gid[verified]] = True
            finished[check[verified]] = True
            stopped[check[verified]] = False
        # the one-game tracer stops there too, and polishes a limit that is not verified
        # in the same way: left to it
        finished |= stopped
        doubtful[ids[stopped]] = True
        if finished.any():
            pool = pool.take(~finished)
    certain &= ~doubtful
    return index, certain
