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

Logit QRE limit (:func:`logit_qre_limits`, :func:`logit_qre_limits_exact`)
--------------------------------------------------------------------------
The principal branch of the logit QRE (McKelvey and Palfrey 1995) is the curve
:math:`H(u) = 0`, :math:`u = (\log x, \log y, \nu)`, :math:`\nu = \log(1 + \mu)`,
:math:`\mu = \lambda s`, of :mod:`negotiation.solvers.qre`, from the centroid at
:math:`\mu = 0`. On Madrid-like 3x3 stages it often has turning points (:math:`\mu` goes
back for a while), so it is followed by pseudo-arclength continuation, all games
together, each with its own step length, a pool of at most ``pool_size`` games being
refilled as games finish. Each step is a predictor along the unit tangent (exact for
log-probabilities affine in :math:`\mu`, as those of unused actions become) and Newton's
method on :math:`[H; t^\top(u - \hat u)] = 0`; the bordered Jacobian
:math:`[DH; t^\top]` is solved by eliminating the identity block of :math:`\log x`, which
leaves an :math:`(n+1) \times (n+1)` system (:class:`_Frame`). The step length follows the
first correction, the contraction and the turn of the tangent (Allgower and Georg 1990,
§6.1), in coordinates where actions too rare to move the other player's logits count
little.

The one-game tracer continues "straight through" where the sign of
:math:`\det [DH; t^\top]` changes (a bifurcation, or two branches so close that a step
crosses from one to the other), so its answer there depends on its own step lengths.
:func:`logit_qre_limits` therefore gives up on a game as soon as any corrected point of
its trace has the other sign, as well as on a collapsed step length; and it answers
*certain* only once, at :math:`\mu \ge 10^3`, the branch is within L1 distance ``0.008``
of an equilibrium :math:`k`, getting closer, and has stayed at least ``0.03`` from every
other equilibrium since :math:`\mu = 10^3`: the one-game tracer stops at the first point
beyond :math:`\mu = 10^3` within ``0.01`` of an isolated equilibrium, and then picks it.
The games it gives up on go to :func:`logit_qre_limits_exact`, the one-game tracer's own
algorithm (first step, growth, nominal values, Newton corrector, stopping rule and
polishing) run for all of them together, which makes the same decisions, a decision
within a relative ``1e-6`` of its threshold excepted (then not certain).

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
    "logit_qre_limits_exact",
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


#: Step control of the tracer: arc length in weighted (z, nu) coordinates.
_FIRST_STEP = 0.1
_MAX_GROWTH = 2.0
_MIN_STEP = 1e-7
_NOMINAL_DISTANCE = 0.05
_NOMINAL_CONTRACTION = 0.25
_NOMINAL_ANGLE = 0.1
_MAX_NEWTON = 3
_NEWTON_TOL = 1e-6
_RELEVANT = 1e3
_LOG_TINY = -300.0
_NU_LIMIT = 600.0
#: Decision rule for the limit (see the module docstring).
_MU_CHECK = 1e3
_NEAR = 0.008
_AWAY = 0.03
_MU_CAP = 1e7
_MAX_STEPS = 400


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
    points of the branch, where :math:`I - Q^\top P` is singular.
    """

    def __init__(self, An: np.ndarray, Bn: np.ndarray, u: np.ndarray, m: int):
        zx, zy, nu = u[:m], u[m:-1], u[-1]
        mu = np.expm1(nu)
        # exponents are clipped at -300: probabilities below 1e-130 are as good as 0, and
        # subnormal numbers (below 1e-308) are very slow
        x, y = np.exp(np.maximum(zx, _LOG_TINY)), np.exp(np.maximum(zy, _LOG_TINY))
        Ay = (An * y[None]).sum(axis=1)  # (m, G)
        Bx = (Bn * x[:, None]).sum(axis=0)  # (n, G)
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
        pA = (p[:, None] * An).sum(axis=0)  # (n, G)
        self.P = (mu * y) * (An - pA[None])  # (m, n, G)
        Bq = (Bn * q[None]).sum(axis=1)  # (m, G)
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
        tx, ty, tn = border[:m], border[m:-1], border[-1]
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
        r = ty + (P * tx[:, None]).sum(axis=0)  # (n, G)
        d = tn - (tx * hx).sum(axis=0)
        g = b3 - (tx[:, None] * b1).sum(axis=0)  # (R, G)
        det_s, S_inv = _det_inv_last(S)
        scale = np.sqrt((S * S).sum(axis=1)).prod(axis=0)
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
        return out, det


def _weights(u: np.ndarray) -> np.ndarray:
    """Step-control weight of each coordinate of u = (z, nu) (rows; games are columns): an
    action played with probability p moves the other player's logits by about mu p per
    unit of its own log-probability, so errors in actions with (1 + mu) p below 1e-3 are
    discounted in proportion; nu has weight 1."""
    w = np.ones_like(u)
    w[:-1] = np.minimum(1.0, _RELEVANT * np.exp(np.clip(u[:-1] + u[-1], _LOG_TINY, 0.0)))
    return w


def _predict(u: np.ndarray, t: np.ndarray, h: np.ndarray) -> np.ndarray:
    r"""Predictor along the tangent ``t`` for arc length ``h``, exact where the
    log-probabilities are affine in :math:`\mu` (far out on the branch, unused actions):
    :math:`\nu + h t_\nu` and :math:`z + h t_z (e^{h t_\nu} - 1) / (h t_\nu)`."""
    a = h * t[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        stretch = np.where(np.abs(a) > 1e-8, np.expm1(a) / np.where(a == 0, 1.0, a), 1.0 + 0.5 * a)
    pred = u + h * t
    pred[:-1] = u[:-1] + (h * stretch) * t[:-1]
    return pred


def _wnorm(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.sqrt(((w * v) ** 2).sum(axis=0))


@dataclass
class _Pool:
    """State of the games being traced (columns; payoffs batch-last)."""

    ids: np.ndarray  # game numbers
    a: np.ndarray  # normalised payoffs, (m, n, N)
    b: np.ndarray
    u: np.ndarray  # points (z_x, z_y, nu), (m + n + 1, N)
    t: np.ndarray  # unit tangents (weighted norm)
    h: np.ndarray  # next step length
    sign: np.ndarray  # sign of det [DH; t^T]
    min_away: np.ndarray  # closest approach to each equilibrium since mu = 1e3, (N, E)
    last_dist: np.ndarray  # distance to each equilibrium at the last check, (N, E)

    def take(self, keep: np.ndarray) -> _Pool:
        cols = np.flatnonzero(keep)
        return _Pool(
            self.ids[cols], np.take(self.a, cols, axis=2), np.take(self.b, cols, axis=2),
            np.take(self.u, cols, axis=1), np.take(self.t, cols, axis=1), self.h[cols],
            self.sign[cols], self.min_away[cols], self.last_dist[cols],
        )

    @staticmethod
    def join(p: _Pool, q: _Pool) -> _Pool:
        return _Pool(
            np.concatenate([p.ids, q.ids]), np.concatenate([p.a, q.a], axis=2),
            np.concatenate([p.b, q.b], axis=2), np.concatenate([p.u, q.u], axis=1),
            np.concatenate([p.t, q.t], axis=1), np.concatenate([p.h, q.h]),
            np.concatenate([p.sign, q.sign]), np.concatenate([p.min_away, q.min_away]),
            np.concatenate([p.last_dist, q.last_dist]),
        )


def _start(An: np.ndarray, Bn: np.ndarray, ids: np.ndarray, E: int) -> _Pool:
    """New games at the centroid, mu = 0, where DH = [I | h] and the tangent is (-h, 1)."""
    m, n, _ = An.shape
    G = len(ids)
    a, b = np.take(An, ids, axis=2), np.take(Bn, ids, axis=2)
    Ay = a.mean(axis=1)  # A y at y uniform
    Bx = b.mean(axis=0)
    t = np.concatenate([Ay - Ay.mean(axis=0), Bx - Bx.mean(axis=0), np.ones((1, G))], axis=0)
    t /= np.sqrt((t * t).sum(axis=0))
    u = np.concatenate([np.full((m, G), -np.log(m)), np.full((n, G), -np.log(n)), np.zeros((1, G))])
    inf = np.full((G, E), np.inf)
    return _Pool(ids, a, b, u, t, np.full(G, _FIRST_STEP), np.ones(G), inf, inf.copy())


def _correct(pool: _Pool, pred: np.ndarray, w: np.ndarray):
    """Newton's method on H = 0, t^T (u - pred) = 0 from ``pred`` for every game of the
    pool (each stops when converged or failing). Returns the points, whether each
    converged, the first correction and the contraction (weighted norms), the new
    tangents (unnormalised) and the sign of det [DH; t^T] at the last iterate."""
    k, N = pred.shape
    m = pool.a.shape[0]
    cand = pred.copy()
    converged = np.zeros(N, dtype=bool)
    d1 = np.zeros(N)
    d2 = np.zeros(N)
    previous = np.full(N, np.inf)
    t_new = np.zeros((k, N))
    det = np.zeros(N)
    act = np.arange(N)  # games still iterating
    for it in range(_MAX_NEWTON):
        if len(act) == 0:
            break
        full = len(act) == N
        a, b = (pool.a, pool.b) if full else (np.take(pool.a, act, axis=2), np.take(pool.b, act, axis=2))
        c = cand if full else np.take(cand, act, axis=1)
        t = pool.t if full else np.take(pool.t, act, axis=1)
        wa = w if full else np.take(w, act, axis=1)
        with np.errstate(all="ignore"):
            frame = _Frame(a, b, c, m)
            rhs = np.zeros((k, 2, len(act)))
            rhs[:-1, 0] = -frame.H
            rhs[-1, 0] = -(t * (c - (pred if full else np.take(pred, act, axis=1)))).sum(axis=0)
            rhs[-1, 1] = 1.0  # the tangent: [DH; t^T] t' = e_nu
            sol, dets = frame.solve(t, rhs)
            du = sol[:, 0]
            norm = _wnorm(du, wa)
            prev = previous[act]
            moved = c + du
            bad = ~np.isfinite(norm) | ((norm > 0.5 * prev) & (norm > 1e-13))
            bad |= (moved[-1] > _NU_LIMIT) | (moved[:-1].max(axis=0) > 1.0)
            tol = _NEWTON_TOL * (1.0 + np.abs(moved))
            wdu = wa * np.abs(du)
            small = (wdu < tol).all(axis=0)
            if it > 0:  # quadratic convergence: the next correction is below the tolerance
                ratio = norm / prev
                small |= (ratio < 0.1) & (ratio * wdu < tol).all(axis=0)
        ok = ~bad
        cand[:, act[ok]] = moved[:, ok]
        t_new[:, act] = sol[:, 1]
        det[act] = dets
        if it == 0:
            d1[act] = norm
        elif it == 1:
            d2[act] = norm
        previous[act] = norm
        converged[act[ok & small]] = True
        act = act[ok & ~small]
    with np.errstate(all="ignore"):
        contraction = np.where(d1 > 0, d2 / d1, 0.0)
    return cand, converged, d1, contraction, t_new, det


def logit_qre_limits(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria, *, pool_size: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the equilibrium nearest to the limit of the logit QRE principal branch
    (:func:`negotiation.solvers.selection.logit_qre_selection`) and whether it is certain,
    for each game of a stack. See the module docstring.

    Games are traced ``pool_size`` at a time; finished games are replaced by the next
    ones, so that the arrays stay full and small enough for the cache.
    """
    G, m, n = A.shape
    X, Y = eq.row, eq.column
    if n > m:  # keep the bordered Schur complement small: transpose the games
        A, B = np.swapaxes(B, 1, 2), np.swapaxes(A, 1, 2)
        X, Y = Y, X
        m, n = n, m
    s = payoff_scales(A, B)[:, None, None]
    An = np.ascontiguousarray(np.moveaxis((A - A.min(axis=(1, 2), keepdims=True)) / s, 0, -1))
    Bn = np.ascontiguousarray(np.moveaxis((B - B.min(axis=(1, 2), keepdims=True)) / s, 0, -1))
    E = X.shape[1]
    index = np.zeros(G, dtype=int)
    certain = np.zeros(G, dtype=bool)
    steps = np.zeros(G, dtype=int)
    queue = 0
    pool = _start(An, Bn, np.arange(0), E)
    while True:
        if len(pool.ids) < 0.75 * pool_size and queue < G:
            new = np.arange(queue, min(G, queue + pool_size - len(pool.ids)))
            queue = int(new[-1]) + 1
            pool = _Pool.join(pool, _start(An, Bn, new, E))
        if len(pool.ids) == 0:
            break
        u, t, h = pool.u, pool.t, pool.h
        pred = _predict(u, t, h)
        w = _weights(pred)
        cand, converged, d1, contraction, t_new, det = _correct(pool, pred, w)
        with np.errstate(all="ignore"):
            # tangent at the new point (from the last Newton frame), unit in weighted norm
            w_new = _weights(cand)
            t_new = t_new / _wnorm(t_new, w_new)
            cosine = ((w_new * t) * (w_new * t_new)).sum(axis=0) / _wnorm(t, w_new)
            angle = np.arccos(np.clip(np.where(np.isfinite(cosine), cosine, -1.0), -1.0, 1.0))
            factor = np.maximum(
                np.maximum(np.sqrt(d1 / _NOMINAL_DISTANCE), np.sqrt(contraction / _NOMINAL_CONTRACTION)),
                angle / _NOMINAL_ANGLE,
            )
        factor = np.where(np.isfinite(factor), factor, np.inf)
        accept = converged & (factor <= 2.0) & np.isfinite(t_new).all(axis=0)
        # a branch of the other orientation within one step (a bifurcation, or two branches
        # so close that a tracer may jump across): not certain
        turned = converged & (np.sign(det) != pool.sign)
        pool.h = np.where(
            accept,
            h * np.minimum(_MAX_GROWTH, 1.0 / np.maximum(factor, 1e-12)),
            np.where(converged, h / np.clip(factor, 2.0, 4.0), 0.5 * h),
        )
        steps[pool.ids] += 1
        mu_new = np.expm1(np.minimum(cand[-1], _NU_LIMIT))
        finished = turned | (~accept & (pool.h < _MIN_STEP)) | (accept & (mu_new > _MU_CAP))
        finished |= steps[pool.ids] >= _MAX_STEPS
        pool.u = np.where(accept, cand, u)
        pool.t = np.where(accept, t_new, t)
        # where the branch is: distances to each equilibrium (in the games' orientation)
        check = np.flatnonzero(accept & ~turned & (mu_new >= _MU_CHECK))
        if len(check):
            gid = pool.ids[check]
            xq = np.exp(pool.u[:m, check]).T
            yq = np.exp(pool.u[m:-1, check]).T
            xq /= xq.sum(axis=1, keepdims=True)
            yq /= yq.sum(axis=1, keepdims=True)
            dist = np.abs(X[gid] - xq[:, None, :]).sum(-1) + np.abs(Y[gid] - yq[:, None, :]).sum(-1)
            dist = np.where(eq.valid[gid], dist, np.inf)
            away = np.minimum(pool.min_away[check], dist)
            pool.min_away[check] = away
            near = np.argmin(dist, axis=1)
            rows = np.arange(len(check))
            d_k = dist[rows, near]
            closer = (d_k < pool.last_dist[check, near]) | (d_k <= 1e-9)
            pool.last_dist[check] = dist
            away[rows, near] = np.inf
            others = away.min(axis=1)
            decided = (d_k <= _NEAR) & closer & (others >= _AWAY)
            index[gid[decided]] = near[decided]
            certain[gid[decided]] = True
            # once another equilibrium has been approached, the exact tracer may stop there
            finished[check[decided | (others < _AWAY)]] = True
        if finished.any():
            pool = pool.take(~finished)
    return index, certain


# --------------------------------------------------------------------------- the exact tracer, batched

#: Relative closeness to a threshold within which a decision of the mirrored tracer counts
#: as not reproducible (rounding differs from the one-game tracer's).
_DECISION_MARGIN = 1e-6


def _near_threshold(value: np.ndarray, threshold: np.ndarray | float) -> np.ndarray:
    return np.abs(value - threshold) <= _DECISION_MARGIN * np.abs(threshold)


def logit_qre_limits_exact(
    A: np.ndarray, B: np.ndarray, eq: StageEquilibria
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`negotiation.solvers.selection.logit_qre_selection` for a stack of games by the
    one-game tracer's own algorithm, batched (for the few games :func:`logit_qre_limits` is
    not certain about).

    Every step of :func:`negotiation.solvers.qre.trace_principal_branch` (its first step,
    growth, nominal distance, contraction and angle, its Newton corrector and tolerances,
    its weights, its stopping rule and polishing, which are called as they are) is taken
    for all games together, so that the trace makes the same decisions, and ends where
    that tracer ends, including where it passes a bifurcation "straight through" onto
    another branch. Arithmetic differs in rounding (the bordered systems are solved
    differently), so a decision that comes within a relative ``1e-6`` of its threshold makes
    the game not certain; so do traces that stop in another way than at a verified
    equilibrium.
    """
    from negotiation.equilibrium import max_regret
    from negotiation.solvers import qre

    G, m, n = A.shape
    X, Y = eq.row, eq.column
    s = payoff_scales(A, B)
    An = np.ascontiguousarray(np.moveaxis(A / s[:, None, None], 0, -1))
    Bn = np.ascontiguousarray(np.moveaxis(B / s[:, None, None], 0, -1))
    k = m + n + 1
    tol = 1e-9
    nu_max = np.log1p(qre._NORMALISED_LAM_CAP)
    index = np.zeros(G, dtype=int)
    certain = np.zeros(G, dtype=bool)
    active = np.ones(G, dtype=bool)
    doubtful = np.zeros(G, dtype=bool)

    def ref_weights(u: np.ndarray) -> np.ndarray:  # qre._weights, batch-last
        w = np.ones_like(u)
        w[:-1] = 1.0 / np.maximum(1.0, np.abs(u[:-1]) / qre._Z_RELEVANT)
        return w

    u = np.concatenate([np.full((m, G), -np.log(m)), np.full((n, G), -np.log(n)), np.zeros((1, G))])
    e_last = np.zeros((k, 1, G))
    e_last[-1] = 1.0
    with np.errstate(all="ignore"):
        frame = _Frame(An, Bn, u, m)
        border = np.zeros((k, G))
        border[-1] = 1.0
        t = frame.solve(border, e_last)[0][:, 0]
        t /= np.sqrt((t * t).sum(axis=0))
        sign = np.sign(_Frame(An, Bn, u, m).solve(t, e_last)[1])
    h = np.full(G, 0.03)
    steps = np.zeros(G, dtype=int)
    for _ in range(20_000):
        ids = np.flatnonzero(active)
        if len(ids) == 0:
            break
        a_n, b_n = np.take(An, ids, axis=2), np.take(Bn, ids, axis=2)
        uu, tt, hh = u[:, ids], t[:, ids], h[ids]
        give_up = hh < 1e-12
        land = (tt[-1] > 0) & (uu[-1] + hh * tt[-1] > nu_max)
        doubtful[ids] |= _near_threshold(uu[-1] + hh * tt[-1], nu_max)
        hh = np.where(land, (nu_max - uu[-1]) / np.where(tt[-1] > 0, tt[-1], 1.0), hh)
        pred = uu + hh * tt
        w = ref_weights(pred)
        # the corrector (qre._correct): Newton on [H; t^T (u - pred)] = 0
        cand = pred.copy()
        ok = np.zeros(len(ids), dtype=bool)
        failed = np.zeros(len(ids), dtype=bool)
        first = np.zeros(len(ids))
        second = np.zeros(len(ids))
        previous = np.full(len(ids), np.nan)
        going = np.arange(len(ids))
        for it in range(12):
            if len(going) == 0:
                break
            with np.errstate(all="ignore"):
                fr = _Frame(np.take(a_n, going, axis=2), np.take(b_n, going, axis=2), cand[:, going], m)
                rhs = np.concatenate([-fr.H, -(tt[:, going] * (cand[:, going] - pred[:, going])).sum(axis=0)[None]])
                du = fr.solve(tt[:, going], rhs[:, None])[0][:, 0]
                norm = np.sqrt(((w[:, going] * du) ** 2).sum(axis=0))
            prev = previous[going]
            big = norm > 1e-13
            bad = ~np.isfinite(norm)
            if it > 0:
                bad |= (norm > 0.5 * prev) & big
                doubtful[ids[going]] |= big & _near_threshold(norm, 0.5 * prev)
            doubtful[ids[going]] |= _near_threshold(norm, 1e-13) & (it > 0)
            if it == 0:
                first[going] = norm
            elif it == 1:
                second[going] = norm
            previous[going] = norm
            new = cand[:, going] + du
            bad |= (new[-1] > qre._NU_LIMIT) | (new[:-1].max(axis=0) > 1.0)
            doubtful[ids[going]] |= _near_threshold(new[-1], qre._NU_LIMIT) | _near_threshold(new[:-1].max(axis=0), 1.0)
            cand[:, going] = np.where(bad, cand[:, going], new)
            mu_new = np.expm1(np.minimum(new[-1], qre._NU_LIMIT))
            scale = 1.0 + np.abs(new) + 1e-4 * mu_new
            ratio = (np.abs(du) / (1e-10 * scale)).max(axis=0)
            doubtful[ids[going]] |= _near_threshold(ratio, 1.0)
            small = ~bad & (ratio < 1.0)
            failed[going[bad]] = True
            ok[going[small]] = True
            going = going[~bad & ~small]
        failed[going] = True  # 12 iterations without converging
        # the residual check and the tangent at the candidate (qre._correct, qre._tangent)
        done = np.flatnonzero(ok)
        t_new = np.full((k, len(ids)), np.nan)
        sign_new = np.zeros(len(ids))
        if len(done):
            with np.errstate(all="ignore"):
                fr = _Frame(np.take(a_n, done, axis=2), np.take(b_n, done, axis=2), cand[:, done], m)
                mu_c = np.expm1(np.minimum(cand[-1, done], qre._NU_LIMIT))
                scale = 1.0 + np.abs(cand[:, done]) + 1e-4 * mu_c
                res_ratio = (np.abs(fr.H) / (1e-9 * scale[:-1])).max(axis=0)
                doubtful[ids[done]] |= _near_threshold(res_ratio, 1.0)
                tangent, det = fr.solve(tt[:, done], np.broadcast_to(e_last[:, :, : len(done)], (k, 1, len(done))).copy())
                tangent = tangent[:, 0]
                tangent /= np.sqrt((tangent * tangent).sum(axis=0))
            residual_ok = res_ratio < 1.0
            failed[done[~residual_ok]] = True
            ok[done[~residual_ok]] = False
            t_new[:, done] = tangent
            sign_new[done] = np.sign(det)
        with np.errstate(all="ignore"):
            contraction = np.where((first > 0) & (second > 0), second / np.where(first > 0, first, 1.0), 0.0)
            wc = ref_weights(cand)
            wt, wt_new = wc * tt, wc * t_new
            cosine = (wt * wt_new).sum(axis=0) / (np.sqrt((wt * wt).sum(axis=0)) * np.sqrt((wt_new * wt_new).sum(axis=0)))
            angle = np.arccos(np.clip(cosine, -1.0, 1.0))
            factor = np.maximum(
                np.maximum(np.sqrt(first / qre._NOMINAL_DISTANCE), np.sqrt(contraction / qre._NOMINAL_CONTRACTION)),
                angle / qre._NOMINAL_ANGLE,
            )
        doubtful[ids[ok]] |= _near_threshold(factor[ok], 2.0)
        accept = ok & (factor <= 2.0) & ~give_up
        # rejected: a shorter step (halved after a failed corrector)
        h_new = np.where(failed, 0.5 * hh, hh / np.minimum(np.where(ok, factor, 4.0), 4.0))
        h_new = np.where(accept, hh * np.minimum(1.4, 1.0 / np.maximum(factor, 1e-12)), h_new)
        u[:, ids[accept]] = cand[:, accept]
        t[:, ids[accept]] = t_new[:, accept]
        sign[ids[accept]] = sign_new[accept]
        h[ids] = h_new
        steps[ids[accept]] += 1
        # stopping: give up, lam_max, or a verified equilibrium at mu >= 1e3
        stop_fail = (give_up | (steps[ids] >= 5000)) & ~accept
        active[ids[stop_fail]] = False
        doubtful[ids[stop_fail]] = True
        for j in np.flatnonzero(accept):
            g = ids[j]
            ug = u[:, g]
            doubtful[g] |= bool(_near_threshold(ug[-1], nu_max * (1 - 1e-12)))
            if ug[-1] >= nu_max * (1 - 1e-12):
                active[g] = False
                doubtful[g] = True  # the limit of a trace to lam_max: left to the exact path
                continue
            mu_g = float(np.expm1(ug[-1]))
            doubtful[g] |= bool(_near_threshold(mu_g, qre._NORMALISED_LAM_CHECK))
            if mu_g < qre._NORMALISED_LAM_CHECK:
                continue
            x, y = qre._profile(ug, m, n)
            if qre._polish(An[..., g], Bn[..., g], x, y, tol, qre._STOP_DISTANCE, unique_only=True) is None:
                continue
            active[g] = False
            # the limit (trace_principal_branch) and the nearest equilibrium (logit_qre_selection)
            point_regret = max_regret(A[g], B[g], x, y)
            polished = qre._polish(An[..., g], Bn[..., g], x, y, tol, qre._FINAL_DISTANCE)
            limit = (x, y)
            if polished is not None and max_regret(A[g], B[g], *polished[0]) <= max(point_regret, tol * s[g]):
                limit = polished[0]
            c = int(eq.count[g])
            distances = np.abs(X[g, :c] - limit[0]).sum(axis=1) + np.abs(Y[g, :c] - limit[1]).sum(axis=1)
            nearest = distances.min()
            tied = np.flatnonzero(distances <= nearest + 1e-9)
            doubtful[g] |= bool((np.abs(distances - (nearest + 1e-9)) <= 1e-12).any())
            index[g] = tied[0]
            certain[g] = True
    certain &= ~doubtful
    return index, certain
