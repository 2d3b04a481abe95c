r"""The compiled kernel of the logit-QRE tracer: one game's principal branch, step by step.

The one implementation of the predictor-corrector continuation described in
:mod:`negotiation.solvers.qre` (the model, the chart, the stopping rule) and driven by
:func:`negotiation.solvers.qre_trace.trace`. Games are traced one after the other, each
in compiled code (numba), so a game's trace never depends on the others in a stack.

The homotopy
------------
At :math:`u = (w, \nu)` with log-probabilities :math:`z = \varphi(w)` (the chart of
:mod:`negotiation.solvers.qre_homotopy`), :math:`x = e^{z_x}`, :math:`y = e^{z_y}` and
:math:`\mu = e^\nu - 1`,

.. math::

    H(u) = \big(z_x - \log \sigma(\mu A y),\ z_y - \log \sigma(\mu B^\top x)\big),
    \qquad DH_z = \begin{bmatrix} I & -P & h_x \\ -Q^\top & I & h_y \end{bmatrix},

:math:`\sigma` the softmax, :math:`p = \sigma(\mu A y)`, :math:`q = \sigma(\mu B^\top x)`,
:math:`P_{ij} = \mu y_j (A_{ij} - (p^\top A)_j)`, :math:`Q_{ij} = \mu x_i (B_{ij} - (Bq)_i)`
and :math:`h = \partial H / \partial \nu` (:math:`h_x = (1 + \mu)(p^\top Ay - Ay)`).

Bordered solves. A system :math:`[DH_w; t^\top] d = b` (the Jacobian in the chart is
:math:`DH_z \operatorname{diag}(\varphi', 1)`) is solved in :math:`z` with the border
divided by :math:`\varphi'`: eliminating the identity block of :math:`z_x` leaves

.. math:: K = \begin{bmatrix} I - Q^\top P & h_y + Q^\top h_x \\
             t_y^\top + t_x^\top P & t_\nu - t_x^\top h_x \end{bmatrix},
          \qquad \operatorname{sign} \det [DH_w; t^\top] = \operatorname{sign} \det K,

solved by Gaussian elimination with partial pivoting (regular at turning points, where
:math:`I - Q^\top P` is singular); then :math:`d_x = b_x - h_x d_\nu + P d_y` and
:math:`d_w = d_z / \varphi'`.

A step (Allgower and Georg 1990, ch. 2 and 6). Euler predictor :math:`u + h t` (landing on
:math:`\nu_{\max}` when it would pass it); Newton corrector on
:math:`[H; t^\top (v - v_{\rm pred})] = 0` for at most ``CORRECTOR_ITERATIONS``
iterations, failing when a correction does not halve (or is not finite) or when it leaves
the chart; converged when every coordinate's correction is below ``CORRECTOR_TOLERANCE``
times its scale :math:`1 + |z_i| + 10^{-4} \mu`. The new tangent solves
:math:`[DH; t^\top] \tau = e_{\rm last}` at the last iterate. The step is accepted when the
deceleration factor :math:`f = \max(\sqrt{\delta_1 / \delta_0}, \sqrt{\kappa / \kappa_0},
\alpha / \alpha_0) \le 2` (first correction :math:`\delta_1`, contraction :math:`\kappa`,
tangent angle :math:`\alpha`) and :math:`\det [DH; t^\top]` keeps its sign, unless the step
is already shorter than ``BRANCH_POINT_STEP`` (a genuine branch point); then
:math:`h \leftarrow h \min(a_{\max}, 1/f)`. A failed corrector halves :math:`h`, a sign
change quarters it, a large :math:`f` divides it by :math:`\operatorname{clip}(f, 2, 4)`.

References
----------
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer, ch. 2, 6.
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal response
equilibrium correspondence. *Games and Economic Behavior* 51, 243--263.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["fixed_precision", "trace_games"]

#: Nominal corrector distance, contraction and tangent angle (radians) per step; a step
#: is shortened when the observed values exceed them (Allgower and Georg 1990, sec. 6.1).
NOMINAL_DISTANCE = 0.8
NOMINAL_CONTRACTION = 0.4
NOMINAL_ANGLE = 0.5
#: Default first step (arc length) and largest growth of the step after an accepted one.
FIRST_STEP = 0.3
MAX_ACCEL = 4.0
#: Newton iterations of the corrector, and its relative tolerance on a correction.
CORRECTOR_ITERATIONS = 12
CORRECTOR_TOLERANCE = 1e-4
#: A step across which det [DH; t] changes sign is retried shorter down to this length
#: (it jumped to another branch); below it the sign change is a genuine branch point.
BRANCH_POINT_STEP = 1e-7
#: Largest nu = log(1 + mu) a corrector may visit (mu = e^nu - 1 overflows past ~709).
NU_LIMIT = 600.0
#: A trace may stop once lambda * s is at least this and the branch is within L1 distance
#: ``STOP_DISTANCE`` of a verified isolated equilibrium.
NORMALISED_LAM_CHECK = 1e3
STOP_DISTANCE = 0.01
#: Relative thresholds at which supports are read off a point.
SUPPORT_THRESHOLDS = (1e-1, 1e-2, 1e-4, 1e-6, 1e-9, 1e-12)
#: Largest 1-norm condition number of the indifference equations of an isolated equilibrium.
ISOLATED_CONDITION = 1e10
#: Smallest step length before a trace gives up.
MIN_STEP = 1e-12
#: How a trace stopped.
STOPS = ("running", "verified", "lam_max", "max_steps", "step_failure", "target", "target_failure")
_VERIFIED, _LAM_MAX, _MAX_STEPS, _STEP_FAILURE, _TARGET, _TARGET_FAILURE = 1, 2, 3, 4, 5, 6

#: Exponents are clipped here: probabilities below 1e-130 are as good as 0, and
#: subnormal numbers are very slow.
_LOG_TINY = -300.0
#: Log-probabilities below minus this are compressed logarithmically by the chart
#: (:func:`negotiation.solvers.qre_homotopy.to_log_probabilities`): actions played with
#: probability below e^-10. Defined here, not imported: numba's cache is invalidated only by
#: changes to this file, and a constant from another module would be frozen into it.
Z_COMPRESSION = 10.0
_C = Z_COMPRESSION
_THRESHOLDS = np.array(SUPPORT_THRESHOLDS)
#: Compiled once and cached on disk; IEEE arithmetic (a division by zero gives inf or NaN,
#: as in numpy, instead of raising). The helpers of a step are small functions that LLVM
#: inlines into the tracer (numba's ``inline="always"`` ran no faster and took 27 s to
#: compile instead of 17 s).
_jit = njit(cache=True, error_model="numpy")


# --------------------------------------------------------------------------- the homotopy


@_jit
def _nan_max(a: float, b: float) -> float:
    """``max`` that propagates NaN (as ``numpy.maximum``)."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


@_jit
def _chart(w):
    r""":math:`(\varphi(w), \varphi'(w))` (see :func:`~negotiation.solvers.qre_homotopy.chart`)."""
    if w >= -_C:
        return w, 1.0
    d = math.exp(min(-w / _C - 1.0, 700.0))
    return -_C * d, d


# Rows of a game's workspace W (one array: passing a dozen small arrays to a helper costs
# more in reference counting than the arithmetic of a 3x3 game). Vectors are stored from
# column 0; the matrices P and Q row-major in one row; the bordered matrix K in the last
# n + 1 rows.
_Z, _DPHI, _H, _HX, _HY, _X, _Y, _AY, _BX, _PR, _QR, _P, _Q = range(13)
_U, _T = 13, 14  # the point of _frame, the border of _bordered_solve
_RHS, _SOL = 15, 17  # right-hand sides and solutions of _bordered_solve, one per row
_K = 19


@_jit
def _workspace(m, n):
    """A zeroed workspace for one game of size (m, n)."""
    return np.zeros((_K + n + 1, max(m + n + 1, m * n, n + 3)))


@_jit
def _frame(a, b, W, m, n):
    """H, P, Q, h_x, h_y (and the chart z, phi') at the point W[_U] of the game (a, b)."""
    k = m + n + 1
    for i in range(k - 1):
        W[_Z, i], W[_DPHI, i] = _chart(W[_U, i])
    mu = math.expm1(W[_U, k - 1])
    for i in range(m):
        W[_X, i] = math.exp(max(W[_Z, i], _LOG_TINY))
    for j in range(n):
        W[_Y, j] = math.exp(max(W[_Z, m + j], _LOG_TINY))
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += a[i, j] * W[_Y, j]
        W[_AY, i] = s
    for j in range(n):
        s = 0.0
        for i in range(m):
            s += b[i, j] * W[_X, i]
        W[_BX, j] = s
    # each player's logit response, its log-normaliser and dH/dnu
    for own, first, size, values, h in ((_PR, 0, m, _AY, _HX), (_QR, m, n, _BX, _HY)):
        top = -math.inf
        for i in range(size):
            top = _nan_max(top, mu * W[values, i])
        total = 0.0
        for i in range(size):
            W[own, i] = math.exp(max(mu * W[values, i] - top, _LOG_TINY))
            total += W[own, i]
        log_total = math.log(total)
        mean = 0.0
        for i in range(size):
            W[_H, first + i] = W[_Z, first + i] - (mu * W[values, i] - top) + log_total
            W[own, i] /= total
            mean += W[own, i] * W[values, i]
        for i in range(size):
            W[h, i] = (mean - W[values, i]) * (1.0 + mu)
    for j in range(n):
        pa = 0.0
        for i in range(m):
            pa += W[_PR, i] * a[i, j]
        for i in range(m):
            W[_P, i * n + j] = mu * W[_Y, j] * (a[i, j] - pa)
    for i in range(m):
        bq = 0.0
        for j in range(n):
            bq += b[i, j] * W[_QR, j]
        for j in range(n):
            W[_Q, i * n + j] = mu * W[_X, i] * (b[i, j] - bq)


@_jit
def _eliminate(W, first, k, cols):
    """Gaussian elimination with partial pivoting on the augmented matrix ``[K | R]`` in
    rows ``first`` to ``first + k`` and columns ``:cols`` of W (modified in place); the
    solutions are left in its columns ``k:cols``. Returns det K."""
    det = 1.0
    for c in range(k):
        piv = c
        best = abs(W[first + c, c])
        for r in range(c + 1, k):
            if abs(W[first + r, c]) > best:
                best, piv = abs(W[first + r, c]), r
        if piv != c:
            for j in range(c, cols):
                W[first + c, j], W[first + piv, j] = W[first + piv, j], W[first + c, j]
            det = -det
        pivot = W[first + c, c]
        det *= pivot
        for r in range(c + 1, k):
            f = W[first + r, c] / pivot
            for j in range(c + 1, cols):
                W[first + r, j] -= f * W[first + c, j]
    for c in range(k - 1, -1, -1):
        for j in range(k, cols):
            s = W[first + c, j]
            for c2 in range(c + 1, k):
                s -= W[first + c, c2] * W[first + c2, j]
            W[first + c, j] = s / W[first + c, c]
    return det


@_jit
def _bordered_solve(W, m, n, R):
    """Solve [DH_w; t^T] d = b_r (t = W[_T], b_r = W[_RHS + r], r < R) at the last
    :func:`_frame` (see the module docstring); the solutions go to W[_SOL + r]. Returns
    det K (the sign of det [DH_w; t^T])."""
    k = m + n + 1
    for j in range(n):
        for c2 in range(n):
            s = 1.0 if j == c2 else 0.0
            for i in range(m):
                s -= W[_Q, i * n + j] * W[_P, i * n + c2]
            W[_K + j, c2] = s
        s = W[_HY, j]
        for i in range(m):
            s += W[_Q, i * n + j] * W[_HX, i]
        W[_K + j, n] = s
        for r in range(R):
            s = W[_RHS + r, m + j]
            for i in range(m):
                s += W[_Q, i * n + j] * W[_RHS + r, i]
            W[_K + j, n + 1 + r] = s
    # the border in z: t / phi'
    for c2 in range(n):
        s = W[_T, m + c2] / W[_DPHI, m + c2]
        for i in range(m):
            s += W[_P, i * n + c2] * (W[_T, i] / W[_DPHI, i])
        W[_K + n, c2] = s
    s = W[_T, k - 1]
    for i in range(m):
        s -= W[_T, i] / W[_DPHI, i] * W[_HX, i]
    W[_K + n, n] = s
    for r in range(R):
        s = W[_RHS + r, k - 1]
        for i in range(m):
            s -= W[_T, i] / W[_DPHI, i] * W[_RHS + r, i]
        W[_K + n, n + 1 + r] = s
    det = _eliminate(W, _K, n + 1, n + 1 + R)
    for r in range(R):
        dnu = W[_K + n, n + 1 + r]
        for i in range(m):
            s = W[_RHS + r, i] - W[_HX, i] * dnu
            for j in range(n):
                s += W[_P, i * n + j] * W[_K + j, n + 1 + r]
            W[_SOL + r, i] = s / W[_DPHI, i]
        for j in range(n):
            W[_SOL + r, m + j] = W[_K + j, n + 1 + r] / W[_DPHI, m + j]
        W[_SOL + r, k - 1] = dnu
    return det


# --------------------------------------------------------------------------- fixed precision


@_jit
def _fixed_mu(a, b, u0, nu, m, n):
    """Newton's method on H(w, nu) = 0 at fixed nu (the border e_nu keeps nu fixed) from
    u0; the solution and whether it converged."""
    k = m + n + 1
    W = _workspace(m, n)
    u = u0.copy()
    u[k - 1] = nu
    W[_T, k - 1] = 1.0
    for _ in range(30):
        W[_U, :k] = u
        _frame(a, b, W, m, n)
        size, zsize = 0.0, 0.0
        for i in range(k - 1):
            size = _nan_max(size, abs(W[_H, i]))
            zsize = _nan_max(zsize, abs(W[_Z, i]))
        if size < 1e-12 * (1.0 + zsize):
            return u, True
        for i in range(k - 1):
            W[_RHS, i] = -W[_H, i]
        W[_RHS, k - 1] = 0.0
        _bordered_solve(W, m, n, 1)
        top = -math.inf
        finite = True
        for i in range(k):
            value = u[i] + W[_SOL, i]
            finite &= math.isfinite(value)
            if i < k - 1:
                top = _nan_max(top, value)
        if not finite or top > 1.0:
            return u, False
        for i in range(k):
            u[i] += W[_SOL, i]
    W[_U, :k] = u
    _frame(a, b, W, m, n)
    size = 0.0
    for i in range(k - 1):
        size = _nan_max(size, abs(W[_H, i]))
    return u, size < 1e-9


@_jit
def fixed_precision(A, B, U, nu):
    """:func:`_fixed_mu` for a stack: games ``A, B`` (G, m, n), starts ``U`` (k, G),
    precisions ``nu`` (G,); returns the solutions (k, G) and whether each converged."""
    G, m, n = A.shape
    out = U.copy()
    good = np.zeros(G, dtype=np.bool_)
    for g in range(G):
        u, ok = _fixed_mu(A[g], B[g], U[:, g].copy(), nu[g], m, n)
        out[:, g] = u
        good[g] = ok
    return out, good


# --------------------------------------------------------------------------- verification


@_jit
def _inverse(M, k):
    """Inverse of the leading (k, k) block of M by Gauss-Jordan elimination with partial
    pivoting; None-like (ok False) when a pivot is zero."""
    W = np.zeros((k, 2 * k))
    for i in range(k):
        for j in range(k):
            W[i, j] = M[i, j]
        W[i, k + i] = 1.0
    for c in range(k):
        piv = c
        for r in range(c + 1, k):
            if abs(W[r, c]) > abs(W[piv, c]):
                piv = r
        if W[piv, c] == 0.0 or not math.isfinite(W[piv, c]):
            return W[:, k:], False
        if piv != c:
            for j in range(2 * k):
                W[c, j], W[piv, j] = W[piv, j], W[c, j]
        pivot = W[c, c]
        for j in range(2 * k):
            W[c, j] /= pivot
        for r in range(k):
            if r != c and W[r, c] != 0.0:
                f = W[r, c]
                for j in range(2 * k):
                    W[r, j] -= f * W[c, j]
    return W[:, k:], True


@_jit
def _norm1(M, k):
    best = 0.0
    for j in range(k):
        s = 0.0
        for i in range(k):
            s += abs(M[i, j])
        best = _nan_max(best, s)
    return best


@_jit
def _isolated_strategy(M, rows, cols, k, transpose):
    """The strategy on ``cols`` that makes the other player indifferent on ``rows`` (both of
    size k), when the indifference equations have a unique, well-conditioned solution."""
    S = np.zeros((k + 1, k + 1))
    for r in range(k):
        for c in range(k):
            S[r, c] = M[cols[c], rows[r]] if transpose else M[rows[r], cols[c]]
        S[r, k] = -1.0
        S[k, r] = 1.0
    inv, ok = _inverse(S, k + 1)
    if not ok:
        return inv[:, k], False
    condition = _norm1(S, k + 1) * _norm1(inv, k + 1)
    return inv[:, k].copy(), math.isfinite(condition) and condition < ISOLATED_CONDITION


@_jit
def _max_regret(a, b, x, y):
    m, n = a.shape
    row_best, row_mean = -math.inf, 0.0
    for i in range(m):
        s = 0.0
        for j in range(n):
            s += a[i, j] * y[j]
        row_best = max(row_best, s)
        row_mean += x[i] * s
    column_best, column_mean = -math.inf, 0.0
    for j in range(n):
        s = 0.0
        for i in range(m):
            s += x[i] * b[i, j]
        column_best = max(column_best, s)
        column_mean += y[j] * s
    return _nan_max(_nan_max(row_best - row_mean, column_best - column_mean), 0.0)


@_jit
def _near_isolated_equilibrium(a, b, u, m, n, tol, max_distance):
    r"""Whether an isolated equilibrium with max regret at most ``tol`` lies within L1
    ``max_distance`` of the point u: the supports read off u at each relative threshold of
    ``SUPPORT_THRESHOLDS``, of equal sizes, with unique indifference solutions (condition
    number below ``ISOLATED_CONDITION``) that are probability vectors."""
    x, y = np.empty(m), np.empty(n)
    for i in range(m + n):
        zi = _chart(u[i])[0]
        if i < m:
            x[i] = math.exp(zi)
        else:
            y[i - m] = math.exp(zi)
    x /= x.sum()
    y /= y.sum()
    x_top, y_top = x.max(), y.max()
    seen = np.full(len(_THRESHOLDS), -1)
    rows, cols = np.empty(m, dtype=np.int64), np.empty(n, dtype=np.int64)
    xs, ys = np.empty(m), np.empty(n)
    for level in range(len(_THRESHOLDS)):
        threshold = _THRESHOLDS[level]
        k1, k2, key = 0, 0, 0
        for i in range(m):
            if x[i] >= threshold * x_top:
                rows[k1] = i
                k1 += 1
                key += 1 << i
        for j in range(n):
            if y[j] >= threshold * y_top:
                cols[k2] = j
                k2 += 1
                key += 1 << (m + j)
        fresh = True
        for earlier in range(level):
            fresh &= seen[earlier] != key
        seen[level] = key
        if not fresh or k1 != k2:
            continue
        sol_y, unique_y = _isolated_strategy(a, rows, cols, k1, False)
        sol_x, unique_x = _isolated_strategy(b, cols, rows, k1, True)
        if not (unique_x and unique_y):
            continue
        ok = True
        xs[:] = 0.0
        ys[:] = 0.0
        for r in range(k1):
            ok &= not (sol_x[r] < -1e-9) and not (sol_y[r] < -1e-9)
            xs[rows[r]] = 0.0 if sol_x[r] < 1e-14 else sol_x[r]
            ys[cols[r]] = 0.0 if sol_y[r] < 1e-14 else sol_y[r]
        sx, sy = xs.sum(), ys.sum()
        if not (ok and sx > 0 and sy > 0):
            continue
        xs /= sx
        ys /= sy
        if not _max_regret(a, b, xs, ys) <= tol:
            continue
        if np.abs(xs - x).sum() + np.abs(ys - y).sum() <= max_distance:
            return True
    return False


# --------------------------------------------------------------------------- the tracer


@_jit
def _trace_one(a, b, nu_max, nu_target, has_target, tol, first_step, max_accel, max_steps, record):
    """Trace one game (payoffs normalised by its scale) from the centroid; see the module
    docstring. Returns (last point, stop, crossing, bifurcation (mu before, after),
    failure mu, recorded points (count, k))."""
    m, n = a.shape
    k = m + n + 1
    W = _workspace(m, n)
    crossing = np.full(k, np.nan)
    bifurcation = np.full(2, np.nan)
    failure_mu = math.nan
    points = np.empty((max_steps + 2 if record else 0, k))
    count = 0
    # the centroid, and the kernel of DH oriented so that mu grows
    u = np.empty(k)
    u[:m] = -math.log(m)
    u[m : k - 1] = -math.log(n)
    u[k - 1] = 0.0
    W[_U, :k] = u
    _frame(a, b, W, m, n)
    W[_T, k - 1] = 1.0
    W[_RHS, k - 1] = 1.0
    sign = np.sign(_bordered_solve(W, m, n, 1))
    t = W[_SOL, :k] / math.sqrt((W[_SOL, :k] * W[_SOL, :k]).sum())
    if record:
        points[0] = u
        count = 1
    h = first_step
    steps = 0
    pred, cand, new, t_new, u_old = np.empty(k), np.empty(k), np.empty(k), np.empty(k), np.empty(k)
    target = math.expm1(nu_target)
    while True:
        if h < MIN_STEP:
            return u, _STEP_FAILURE, crossing, bifurcation, math.expm1(u[k - 1]), points[:count]
        if t[k - 1] > 0 and u[k - 1] + h * t[k - 1] > nu_max:  # land on nu_max
            h = (nu_max - u[k - 1]) / t[k - 1]
        finite = True
        for i in range(k):
            pred[i] = u[i] + h * t[i]
            finite &= math.isfinite(pred[i])
        if not finite:
            return u, _STEP_FAILURE, crossing, bifurcation, math.expm1(u[k - 1]), points[:count]
        # the corrector: Newton on [H; t^T (v - pred)] = 0, and the tangent from the matrix
        # of its last iterate
        for i in range(k):
            cand[i] = pred[i]
            t_new[i] = math.nan
        ok, failed = False, False
        first, second, previous = 0.0, 0.0, math.nan
        sign_new = 0.0
        for it in range(CORRECTOR_ITERATIONS):
            for i in range(k):
                W[_U, i] = cand[i]
            _frame(a, b, W, m, n)
            offset = 0.0
            for i in range(k):
                offset += t[i] * (cand[i] - pred[i])
                W[_T, i] = t[i]
            for i in range(k - 1):
                W[_RHS, i] = -W[_H, i]
                W[_RHS + 1, i] = 0.0
            W[_RHS, k - 1] = -offset
            W[_RHS + 1, k - 1] = 1.0
            det = _bordered_solve(W, m, n, 2)
            norm = 0.0
            for i in range(k):
                norm += W[_SOL, i] * W[_SOL, i]
            norm = math.sqrt(norm)
            bad = not math.isfinite(norm)
            if it > 0:
                bad |= norm > 0.5 * previous and norm > 1e-13  # not contracting
            bump = 1.0 + 1e-4 * math.expm1(min(cand[k - 1], NU_LIMIT))
            worst = 0.0
            for i in range(k):
                scale = (abs(W[_Z, i]) if i < k - 1 else abs(cand[k - 1])) + bump
                worst = _nan_max(worst, abs(W[_SOL, i]) / (CORRECTOR_TOLERANCE * scale))
            converged = not bad and worst < 1.0
            top = -math.inf
            for i in range(k):
                new[i] = cand[i] + W[_SOL, i]
                if i < k - 1:
                    top = _nan_max(top, new[i])
            diverged = not bad and not converged and (new[k - 1] > NU_LIMIT or top > 1.0)
            if it == 0:
                first = norm
            elif it == 1:
                second = norm
            previous = norm
            if not bad:
                for i in range(k):
                    cand[i] = new[i]
            if converged:
                size = 0.0
                for i in range(k):
                    size += W[_SOL + 1, i] * W[_SOL + 1, i]
                size = math.sqrt(size)
                for i in range(k):
                    t_new[i] = W[_SOL + 1, i] / size
                sign_new = np.sign(det)
                ok = True
                break
            if bad or diverged:
                failed = True
                break
        if not ok:
            failed = True  # no convergence within the iterations
        contraction = second / first if first > 0 and second > 0 else 0.0
        angle = math.nan
        if ok:
            cosine = 0.0
            for i in range(k):
                cosine += t[i] * t_new[i]
            angle = math.acos(min(max(cosine, -1.0), 1.0))
        factor = _nan_max(_nan_max(math.sqrt(first / NOMINAL_DISTANCE), math.sqrt(contraction / NOMINAL_CONTRACTION)),
                          angle / NOMINAL_ANGLE)
        # a step across which det [DH; t] changes sign jumped to another branch: retried
        # shorter, unless already as short as a genuine branch point allows
        flipped = ok and sign_new != sign
        jumped = flipped and h > BRANCH_POINT_STEP
        if not math.isfinite(factor):
            factor = math.inf
        accept = ok and not jumped and factor <= 2.0
        if accept:
            h_next = h * min(max_accel, 1.0 / max(factor, 1e-12))
        elif failed:
            h_next = 0.5 * h
        elif jumped:
            h_next = 0.25 * h
        else:
            h_next = h / min(max(factor, 2.0), 4.0)
        if accept and flipped and bifurcation[0] != bifurcation[0]:
            bifurcation[0], bifurcation[1] = math.expm1(u[k - 1]), math.expm1(cand[k - 1])
        h = h_next
        if not accept:
            if not math.isfinite(h):
                return u, _STEP_FAILURE, crossing, bifurcation, math.expm1(min(u[k - 1], NU_LIMIT)), points[:count]
            continue
        mu_old = math.expm1(u[k - 1])
        for i in range(k):  # loops, not slices: see _frame
            u_old[i], u[i], t[i] = u[i], cand[i], t_new[i]
        sign = sign_new
        steps += 1
        mu = math.expm1(min(u[k - 1], NU_LIMIT))
        if has_target and (mu_old - target) * (mu - target) <= 0:
            span = u[k - 1] - u_old[k - 1]
            frac = (nu_target - u_old[k - 1]) / span if span != 0 else 1.0
            solution, good = _fixed_mu(a, b, u_old + frac * (u - u_old), nu_target, m, n)
            if not good:  # from the nearer continuation point
                solution, good = _fixed_mu(a, b, u if frac > 0.5 else u_old, nu_target, m, n)
            if good:
                crossing[:] = solution
                if record:
                    points[count] = u
                    count += 1
            return u, _TARGET if good else _TARGET_FAILURE, crossing, bifurcation, failure_mu, points[:count]
        if record:
            points[count] = u
            count += 1
        if not has_target and mu >= NORMALISED_LAM_CHECK and _near_isolated_equilibrium(
            a, b, u, m, n, tol, STOP_DISTANCE
        ):
            return u, _VERIFIED, crossing, bifurcation, failure_mu, points[:count]
        if u[k - 1] >= nu_max * (1 - 1e-12):
            return u, _LAM_MAX, crossing, bifurcation, failure_mu, points[:count]
        if steps >= max_steps:
            return u, _MAX_STEPS, crossing, bifurcation, failure_mu, points[:count]
        if not math.isfinite(h):
            return u, _STEP_FAILURE, crossing, bifurcation, mu, points[:count]


@_jit
def trace_games(A, B, nu_max, nu_target, has_target, tol, first_step, max_accel, max_steps, record):
    """Trace each game of the stack ``A, B`` (G, m, n), normalised by its payoff scale, with
    :func:`_trace_one`; ``nu_max``, ``nu_target`` (G,) in the chart's :math:`\\nu`.

    Returns last (k, G), stop (G,), crossing (k, G), bifurcation (G, 2), failure mu (G,), and
    with ``record`` the accepted points of every game in order (R, k) with their game (R,).
    """
    G, m, n = A.shape
    k = m + n + 1
    last = np.full((k, G), np.nan)
    crossing = np.full((k, G), np.nan)
    stop = np.zeros(G, dtype=np.int64)
    bifurcation = np.full((G, 2), np.nan)
    failure_mu = np.full(G, np.nan)
    recorded = np.empty((64 if record else 0, k))
    owner = np.empty(len(recorded), dtype=np.int64)
    count = 0
    for g in range(G):
        u, stop[g], c, bifurcation[g], failure_mu[g], points = _trace_one(
            A[g], B[g], nu_max[g], nu_target[g], has_target, tol, first_step, max_accel, max_steps, record
        )
        last[:, g] = u
        crossing[:, g] = c
        if count + len(points) > len(recorded):  # grow geometrically
            size = max(2 * len(recorded), count + len(points))
            grown, grown_owner = np.empty((size, k)), np.empty(size, dtype=np.int64)
            grown[:count], grown_owner[:count] = recorded[:count], owner[:count]
            recorded, owner = grown, grown_owner
        recorded[count : count + len(points)] = points
        owner[count : count + len(points)] = g
        count += len(points)
    return last, stop, crossing, bifurcation, failure_mu, recorded[:count], owner[:count]
