r"""Logit quantal response equilibrium (QRE): the principal branch and its limit, batched.

Model
-----
In a bimatrix game :math:`(A, B)` (row player first, payoffs indexed
``[row action, column action]``) a *logit quantal response equilibrium* with precision
:math:`\lambda \ge 0` is a profile :math:`(x, y)` with

.. math::

    x_i = \frac{\exp(\lambda (Ay)_i)}{\sum_k \exp(\lambda (Ay)_k)}, \qquad
    y_j = \frac{\exp(\lambda (x^\top B)_j)}{\sum_l \exp(\lambda (x^\top B)_l)}.

At :math:`\lambda = 0` the unique QRE is the centroid. For generic games the QRE
correspondence contains a unique smooth curve, the *principal branch*, that starts at the
centroid and is unbounded in :math:`\lambda`; as :math:`\lambda \to \infty` it converges to
a Nash equilibrium, the *limiting logit equilibrium* (McKelvey and Palfrey 1995,
Theorem 3; Turocy 2005).

Tracing
-------
The branch is followed by numerical continuation on the homotopy of
:mod:`negotiation.solvers.qre_homotopy` in the normalised precision :math:`\mu = \lambda s`
(:math:`s` the larger of the two players' payoff ranges, 1 if both are constant), in the
chart :math:`(w, \nu)`, :math:`\nu = \log(1 + \mu)`, :math:`z = \varphi(w)`, where the far
end of the branch is nearly straight so that steps grow geometrically. The curve is
parameterised by arc length, so turning points (where :math:`\lambda` decreases for a while)
are passed like any other point. Each step is an Euler predictor along the unit tangent and
a Newton corrector on the hyperplane orthogonal to it, whose last matrix
:math:`[DH; t^\top]` also gives the new tangent (Allgower and Georg 1990, ch. 2 and 6); the
step length adapts to the corrector's first correction, its contraction and the change of
tangent (nominal values ``NOMINAL_DISTANCE``, ``NOMINAL_CONTRACTION``, ``NOMINAL_ANGLE``).

Branch jumping. The sign of :math:`\det [DH; t^\top]` is constant along a branch, turning
points included, and is reversed on a neighbouring branch met going the other way, so a step
across which it changes sign is retried four times shorter; only a sign change that persists
down to steps of ``BRANCH_POINT_STEP`` is taken as a genuine bifurcation (a branch point,
which only occurs in non-generic games) and reported. On Madrid stage games a tracer without
this retry ended on another branch in 0.25% of games; with it, the limits equal Gambit's
``logit_solve`` on 5,000 of 5,000.

Stopping and the limit. A trace stops at the first point with :math:`\mu \ge 10^3` within
L1 distance 0.01 of an isolated equilibrium (equal support sizes, non-singular indifference
equations) whose max regret is at most ``tol * s`` (read off the point by *polishing*: the
supports at relative thresholds :math:`10^{-1}, \dots, 10^{-12}` and the equilibrium with
those supports nearest to the point), or when :math:`\mu` reaches :math:`10^8` (``lam_max``).
The limit is the polished profile when it is verified and close (L1 at most 0.05), else the
last point with ``converged`` false.

One implementation
------------------
Every game of a batch goes through the same arithmetic, elementwise over the batch (a pool
of at most ``pool_size`` games refilled as games finish): a single game is a batch of one,
and a game's trace is the same whatever else is in the batch. :func:`trace_principal_branch`
and :func:`logit_qre` are the one-game views.

Limitations
-----------
- Both players share one :math:`\lambda` (as in McKelvey and Palfrey): rescaling *one*
  player's payoffs changes the branch and can change its limit. Only the common scale
  :math:`s` is normalised away.
- At a genuine bifurcation (non-generic games, for example a symmetric coordination game)
  the tracer continues along the branch that passes straight through and says so; it does
  not perturb the game to choose a side branch as Gambit 17 does.
- In degenerate games the branch approaches a continuum of equilibria only like
  :math:`1/\lambda`; the limit is the equilibrium of the component that the support
  equations single out near the last point (traced to :math:`\lambda s = 10^8`).

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal response
equilibrium correspondence. *Games and Economic Behavior* 51, 243--263.
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer.

Examples
--------
>>> import numpy as np
>>> A = np.array([[9., 0.], [8., 7.]])    # stag hunt: stag = 0, hare = 1
>>> branch = trace_principal_branch(A, A.T)
>>> branch.converged, branch.limit[0].tolist(), branch.limit[1].tolist()
(True, [0.0, 1.0], [0.0, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.linalg import det_inv
from negotiation.solvers.qre_homotopy import Frame, from_log_probabilities, to_log_probabilities
from negotiation.solvers.records import max_regrets, payoff_scales

__all__ = [
    "BranchLimits",
    "QREBranch",
    "QREPoint",
    "logit_qre",
    "logit_qre_profiles",
    "logit_response",
    "payoff_scale",
    "principal_branch_limits",
    "trace_principal_branch",
]

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
#: Default cap on the normalised precision lambda * s.
_NORMALISED_LAM_CAP = 1e8
#: A trace may stop once lambda * s is at least this and the branch is within L1 distance
#: ``_STOP_DISTANCE`` of a verified isolated equilibrium.
_NORMALISED_LAM_CHECK = 1e3
_STOP_DISTANCE = 0.01
#: Largest L1 distance between the last point and its polished equilibrium.
_FINAL_DISTANCE = 0.05
#: Relative thresholds at which supports are read off a point.
_SUPPORT_THRESHOLDS = (1e-1, 1e-2, 1e-4, 1e-6, 1e-9, 1e-12)
#: Smallest step length before a trace gives up.
_MIN_STEP = 1e-12
#: How a trace stopped.
STOPS = ("running", "verified", "lam_max", "max_steps", "step_failure", "target", "target_failure")


@dataclass(frozen=True, eq=False)
class QREPoint:
    """One logit QRE: the precision and the profile.

    Attributes
    ----------
    lam : float
        Precision :math:`\\lambda` in the caller's payoff units (1 / payoff).
    row, column : numpy.ndarray
        The mixed strategies :math:`(x, y)`.
    """

    lam: float
    row: np.ndarray
    column: np.ndarray


@dataclass(frozen=True, eq=False)
class QREBranch:
    """The traced principal branch of one game and its limit.

    Attributes
    ----------
    points : tuple of QREPoint
        The accepted continuation points in arc-length order, from the centroid
        (``lam = 0``); ``lam`` need not increase monotonically (turning points). Each is a
        logit QRE up to the corrector's accuracy (probabilities off by at most 2e-8 on
        3,000 Madrid points checked).
    limit : tuple of numpy.ndarray
        ``(x, y)``: the limiting Nash equilibrium (polished), or the last traced point
        when polishing failed.
    limit_max_regret : float
        Max regret of ``limit`` in payoff units.
    converged : bool
        Whether ``limit_max_regret <= tol * payoff_scale``.
    notes : tuple of str
        How the trace stopped, polishing, bifurcations, failures.
    payoff_scale : float
        :math:`s`.
    """

    points: tuple[QREPoint, ...]
    limit: tuple[np.ndarray, np.ndarray]
    limit_max_regret: float
    converged: bool
    notes: tuple[str, ...]
    payoff_scale: float = 1.0


@dataclass(frozen=True, eq=False)
class BranchLimits:
    """The limits of the principal branches of a stack of games.

    Attributes
    ----------
    row, column : numpy.ndarray, shapes (G, m) and (G, n)
        The limit of each game's branch (see :class:`QREBranch`).
    max_regret : numpy.ndarray, shape (G,)
        Max regret of each limit in payoff units.
    converged : numpy.ndarray of bool, shape (G,)
    polished : numpy.ndarray of bool, shape (G,)
        Whether the limit is the polished equilibrium (else the last traced point).
    distance : numpy.ndarray, shape (G,)
        L1 distance from the last traced point to the polished limit.
    bifurcation : numpy.ndarray of bool, shape (G,)
        Whether the trace passed a genuine branch point.
    stop : numpy.ndarray of int, shape (G,)
        How each trace stopped (an index into :data:`STOPS`).
    payoff_scale : numpy.ndarray, shape (G,)
    """

    row: np.ndarray
    column: np.ndarray
    max_regret: np.ndarray
    converged: np.ndarray
    polished: np.ndarray
    distance: np.ndarray
    bifurcation: np.ndarray
    stop: np.ndarray
    payoff_scale: np.ndarray


# --------------------------------------------------------------------------- inputs


def _game(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(f"payoffs A and B must be 2-D matrices; got shapes {A.shape} and {B.shape}")
    if A.shape != B.shape:
        raise ValueError(f"payoffs A and B must have the same shape; got {A.shape} and {B.shape}")
    if A.size == 0:
        raise ValueError(f"each player needs at least one action; got shape {A.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("payoffs A and B must be finite (no NaN or inf)")
    return A, B


def _games(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.ndim != 3 or A.shape != B.shape or A.shape[1] == 0 or A.shape[2] == 0:
        raise ValueError(f"expected stacks of games of shape (G, m, n); got {A.shape} and {B.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B))):
        raise ValueError("payoffs A and B must be finite (no NaN or inf)")
    return A, B


def _lam(lam: float, name: str = "lam") -> float:
    try:
        value = float(lam)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {lam!r}: expected a number >= 0") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} = {lam!r}: expected a finite number >= 0")
    return value


def _strategy(p: ArrayLike, size: int, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},); got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < -1e-12) or abs(p.sum() - 1.0) > 1e-8:
        raise ValueError(f"{name} must be a probability vector (non-negative, sums to 1); got {p}")
    return p


def payoff_scale(A: ArrayLike, B: ArrayLike) -> float:
    r"""The payoff scale :math:`s` of one game: the larger of the two players' payoff ranges,
    or 1 if both are zero. The tracer works with :math:`\mu = \lambda s`.

    Examples
    --------
    >>> payoff_scale([[9., 0.], [8., 7.]], [[9., 8.], [0., 7.]])
    9.0
    """
    A, B = _game(A, B)
    return float(payoff_scales(A[None], B[None])[0])


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def logit_response(
    A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Both players' logit responses to the profile :math:`(x, y)`.

    .. math::

        \big(\operatorname{softmax}(\lambda A y),\ \operatorname{softmax}(\lambda B^\top x)\big).

    A profile is a logit QRE exactly when it is a fixed point of this map.

    References
    ----------
    McKelvey and Palfrey (1995), eq. (5).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1., -1.], [-1., 1.]])    # matching pennies
    >>> x, y = logit_response(A, -A, [0.5, 0.5], [0.5, 0.5], lam=3.0)
    >>> x.tolist(), y.tolist()
    ([0.5, 0.5], [0.5, 0.5])
    >>> logit_response(A, -A, [1., 0.], [0.5, 0.5], lam=np.log(3) / 2)[1].round(6).tolist()
    [0.25, 0.75]
    """
    A, B = _game(A, B)
    lam = _lam(lam)
    m, n = A.shape
    x = _strategy(x, m, "x")
    y = _strategy(y, n, "y")
    return _softmax(lam * (A @ y)), _softmax(lam * (x @ B))


# --------------------------------------------------------------------------- polishing


def _profiles(u: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Normalised profiles (C, m), (C, n) of chart points u (m + n + 1, C)."""
    z = to_log_probabilities(u[:-1])
    x = np.exp(z[:m]).T
    y = np.exp(z[m:]).T
    return x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True)


def _support_solutions(
    A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For games sharing supports (rows, cols): the profile on them that makes each
    player's opponent indifferent on its support, nearest to (x, y) (least squares if
    inconsistent); whether it is a valid profile; and whether it is the unique one (equal
    support sizes, non-singular equations)."""
    C, m = x.shape
    n = y.shape[1]
    k1, k2 = len(rows), len(cols)
    # column strategy on cols: A[rows, cols] y_S - u 1 = 0, sum y_S = 1
    My = np.zeros((C, k1 + 1, k2 + 1))
    My[:, :k1, :k2] = A[:, rows][:, :, cols]
    My[:, :k1, k2] = -1.0
    My[:, k1, :k2] = 1.0
    by = np.zeros((C, k1 + 1))
    by[:, -1] = 1.0
    y0 = np.concatenate([y[:, cols], np.einsum("cij,cj->ci", A[:, rows], y).mean(axis=1)[:, None]], axis=1)
    Mx = np.zeros((C, k2 + 1, k1 + 1))
    Mx[:, :k2, :k1] = np.swapaxes(B[:, rows][:, :, cols], 1, 2)
    Mx[:, :k2, k1] = -1.0
    Mx[:, k2, :k1] = 1.0
    bx = np.zeros((C, k2 + 1))
    bx[:, -1] = 1.0
    x0 = np.concatenate([x[:, rows], np.einsum("ci,cij->cj", x, B[:, :, cols]).mean(axis=1)[:, None]], axis=1)
    sol_y, unique_y = _nearest(My, by, y0)
    sol_x, unique_x = _nearest(Mx, bx, x0)
    sol_y, sol_x = sol_y[:, :k2], sol_x[:, :k1]
    ok = ~((sol_x < -1e-9).any(axis=1) | (sol_y < -1e-9).any(axis=1))
    xs = np.zeros((C, m))
    ys = np.zeros((C, n))
    xs[:, rows] = np.where(sol_x < 1e-14, 0.0, sol_x)  # round-off below zero or near it
    ys[:, cols] = np.where(sol_y < 1e-14, 0.0, sol_y)
    sx, sy = xs.sum(axis=1), ys.sum(axis=1)
    ok &= (sx > 0) & (sy > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs /= np.where(sx > 0, sx, 1.0)[:, None]
        ys /= np.where(sy > 0, sy, 1.0)[:, None]
    return xs, ys, ok, unique_x & unique_y


#: Largest 1-norm condition number of the indifference equations of an isolated equilibrium.
_ISOLATED_CONDITION = 1e10


def _nearest(M: np.ndarray, b: np.ndarray, w0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The solution of each system ``M w = b`` nearest to ``w0`` (least squares if
    inconsistent), and whether it is the unique solution: a square system whose 1-norm
    condition number is below ``_ISOLATED_CONDITION``, solved through its inverse; the others
    through the pseudo-inverse."""
    C, rows, cols = M.shape
    unique = np.zeros(C, dtype=bool)
    out = np.empty((C, cols))
    if rows == cols:
        with np.errstate(all="ignore"):
            _, inv, _ = det_inv(M)
            condition = np.abs(M).sum(axis=1).max(axis=1) * np.abs(inv).sum(axis=1).max(axis=1)
        unique = np.isfinite(condition) & (condition < _ISOLATED_CONDITION)
        out[unique] = np.einsum("cij,cj->ci", inv[unique], b[unique])
    rest = ~unique
    if rest.any():
        eps = np.finfo(float).eps
        residual = b[rest] - np.einsum("cij,cj->ci", M[rest], w0[rest])
        out[rest] = w0[rest] + np.einsum("cij,cj->ci", np.linalg.pinv(M[rest], rcond=eps * max(rows, cols)), residual)
    return out, unique


def _polish(
    A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, tol_abs: np.ndarray,
    max_distance: float, unique_only: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A verified equilibrium within L1 ``max_distance`` of each (x, y), read off the
    supports of (x, y) at several relative thresholds; and its distance.

    ``A, B`` (C, m, n), ``x`` (C, m), ``y`` (C, n), ``tol_abs`` (C,). Equilibria isolated by
    their support equations are preferred to nearer solutions of underdetermined ones (in a
    degenerate game the branch converges to the extreme point of the component at which the
    weakly used actions are best responses); with ``unique_only`` only isolated ones count.
    Returns (found, x*, y*, distance).
    """
    C, m = x.shape
    n = y.shape[1]
    best_x, best_y = x.copy(), y.copy()
    found = np.zeros(C, dtype=bool)
    best_unique = np.zeros(C, dtype=bool)
    best_distance = np.full(C, np.inf)
    seen: list[np.ndarray] = []
    bits_m, bits_n = 1 << np.arange(m), 1 << np.arange(n)
    for threshold in _SUPPORT_THRESHOLDS:
        rows = x >= threshold * x.max(axis=1, keepdims=True)
        cols = y >= threshold * y.max(axis=1, keepdims=True)
        key = (rows @ bits_m) * (1 << n) + cols @ bits_n
        fresh = np.ones(C, dtype=bool)
        for earlier in seen:
            fresh &= key != earlier
        seen.append(key)
        for pattern in np.unique(key[fresh]):
            g = np.flatnonzero(fresh & (key == pattern))
            r = np.flatnonzero(rows[g[0]])
            c = np.flatnonzero(cols[g[0]])
            if unique_only and len(r) != len(c):
                continue  # unequal supports: never an isolated equilibrium
            xs, ys, ok, unique = _support_solutions(A[g], B[g], x[g], y[g], r, c)
            if unique_only:
                ok &= unique
            ok &= max_regrets(A[g], B[g], xs, ys) <= tol_abs[g]
            distance = np.abs(xs - x[g]).sum(axis=1) + np.abs(ys - y[g]).sum(axis=1)
            ok &= distance <= max_distance
            # preferred: unique before not, then nearer
            better = ok & (~found[g] | (unique & ~best_unique[g]) | ((unique == best_unique[g]) & (distance < best_distance[g])))
            w = g[better]
            best_x[w], best_y[w] = xs[better], ys[better]
            best_distance[w], best_unique[w] = distance[better], unique[better]
            found[w] = True
    return found, best_x, best_y, best_distance


# --------------------------------------------------------------------------- the tracer


@dataclass
class _Pool:
    """Games being traced (columns; payoffs batch last)."""

    ids: np.ndarray
    a: np.ndarray  # A / s, (m, n, P)
    b: np.ndarray
    u: np.ndarray  # (m + n + 1, P): chart coordinates (w, nu)
    t: np.ndarray  # unit tangents
    sign: np.ndarray  # of det [DH; t]
    h: np.ndarray  # step length
    steps: np.ndarray

    def take(self, keep: np.ndarray) -> _Pool:
        cols = np.flatnonzero(keep)
        return _Pool(
            self.ids[cols], np.take(self.a, cols, axis=2), np.take(self.b, cols, axis=2),
            np.take(self.u, cols, axis=1), np.take(self.t, cols, axis=1), self.sign[cols],
            self.h[cols], self.steps[cols],
        )

    @staticmethod
    def join(p: _Pool, q: _Pool) -> _Pool:
        return _Pool(
            np.concatenate([p.ids, q.ids]), np.concatenate([p.a, q.a], axis=2),
            np.concatenate([p.b, q.b], axis=2), np.concatenate([p.u, q.u], axis=1),
            np.concatenate([p.t, q.t], axis=1), np.concatenate([p.sign, q.sign]),
            np.concatenate([p.h, q.h]), np.concatenate([p.steps, q.steps]),
        )


def _start(An: np.ndarray, Bn: np.ndarray, ids: np.ndarray, first_step: float) -> _Pool:
    """Games at the centroid with their first tangent (the kernel of DH oriented so that
    mu grows) and the sign of det [DH; t]."""
    m, n, _ = An.shape
    G = len(ids)
    k = m + n + 1
    a, b = np.take(An, ids, axis=2), np.take(Bn, ids, axis=2)
    u = np.concatenate([np.full((m, G), -np.log(m)), np.full((n, G), -np.log(n)), np.zeros((1, G))])
    e_last = np.zeros((k, 1, G))
    e_last[-1] = 1.0
    with np.errstate(all="ignore"):
        t, det = Frame(a, b, u, m).solve(e_last[:, 0], e_last)
        t = t[:, 0]
        t /= np.sqrt((t * t).sum(axis=0))
    return _Pool(ids, a, b, u, t, np.sign(det), np.full(G, float(first_step)), np.zeros(G, dtype=int))


def _fixed_mu(a: np.ndarray, b: np.ndarray, u: np.ndarray, nu: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method on H(w, nu) = 0 at fixed nu (the border e_nu keeps nu fixed), from
    u; returns the solutions and whether each converged."""
    k = u.shape[0]
    u = u.copy()
    u[-1] = nu
    C = u.shape[1]
    border = np.zeros((k, C))
    border[-1] = 1.0
    done = np.zeros(C, dtype=bool)
    failed = np.zeros(C, dtype=bool)
    for _ in range(30):
        going = ~done & ~failed
        if not going.any():
            break
        g = np.flatnonzero(going)
        with np.errstate(all="ignore"):
            frame = Frame(a[..., g], b[..., g], u[:, g], m)
            z = frame.z
            small = np.abs(frame.H).max(axis=0) < 1e-12 * (1.0 + np.abs(z).max(axis=0))
            rhs = np.zeros((k, 1, len(g)))
            rhs[:-1, 0] = -frame.H
            step, _ = frame.solve(border[:, g], rhs)
            new = u[:, g] + step[:, 0]
        done[g[small]] = True
        move = ~small
        bad = move & (~np.isfinite(new).all(axis=0) | (new[:-1].max(axis=0) > 1.0))
        failed[g[bad]] = True
        upd = g[move & ~bad]
        u[:, upd] = new[:, move & ~bad]
    rest = ~done & ~failed
    if rest.any():
        g = np.flatnonzero(rest)
        with np.errstate(all="ignore"):
            frame = Frame(a[..., g], b[..., g], u[:, g], m)
        done[g[np.abs(frame.H).max(axis=0) < 1e-9]] = True
    return u, done


@dataclass
class _Traces:
    """What :func:`_trace` returns for each game (columns)."""

    last: np.ndarray  # (k, G) last accepted point
    stop: np.ndarray  # (G,) index into STOPS
    crossing: np.ndarray  # (k, G) the solution at the target precision (NaN if none)
    bifurcation: np.ndarray  # (G, 2) mu before and after the first branch point (NaN if none)
    failure_mu: np.ndarray  # (G,) mu where the step length collapsed
    points: list[list[np.ndarray]] | None


def _trace(
    A: np.ndarray,
    B: np.ndarray,
    *,
    mu_max: np.ndarray,
    mu_target: np.ndarray | None = None,
    tol: float = 1e-9,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
    record: bool = False,
    pool_size: int = 8192,
) -> _Traces:
    """Predictor-corrector continuation of H = 0 from the centroid for a stack of games.

    ``A, B`` (G, m, n) are normalised by their payoff scales. Each game stops at the first
    crossing of its ``mu_target`` (solving there at fixed mu), at ``mu_max``, after
    ``max_steps`` accepted steps, when the step length collapses, or (without a target) at
    the first accepted point with mu >= 1e3 near a verified isolated equilibrium.
    """
    G, m, n = A.shape
    k = m + n + 1
    An = np.ascontiguousarray(np.moveaxis(A, 0, -1))
    Bn = np.ascontiguousarray(np.moveaxis(B, 0, -1))
    with np.errstate(divide="ignore"):
        nu_max = np.log1p(np.asarray(mu_max, dtype=float) * np.ones(G))
    nu_target = None if mu_target is None else np.log1p(np.asarray(mu_target, dtype=float) * np.ones(G))
    out = _Traces(
        last=np.full((k, G), np.nan), stop=np.zeros(G, dtype=int), crossing=np.full((k, G), np.nan),
        bifurcation=np.full((G, 2), np.nan), failure_mu=np.full(G, np.nan),
        points=[[] for _ in range(G)] if record else None,
    )
    tols = np.full(G, float(tol))
    queue = 0
    pool = _start(An, Bn, np.arange(0), first_step)
    for _ in range(10_000_000):  # a bound, never reached: each game stops within max_steps
        if len(pool.ids) < 0.75 * pool_size and queue < G:
            new = np.arange(queue, min(G, queue + pool_size - len(pool.ids)))
            queue = int(new[-1]) + 1
            started = _start(An, Bn, new, first_step)
            if record:
                for i, g in enumerate(new):
                    out.points[g].append(started.u[:, i].copy())
            pool = _Pool.join(pool, started)
        N = len(pool.ids)
        if N == 0:
            break
        ids, u, t, h = pool.ids, pool.u, pool.t, pool.h
        finished = h < _MIN_STEP
        out.stop[ids[finished]] = STOPS.index("step_failure")
        out.failure_mu[ids[finished]] = np.expm1(u[-1, finished])
        with np.errstate(all="ignore"):
            reach = u[-1] + h * t[-1]
            land = (t[-1] > 0) & (reach > nu_max[ids])
            h = np.where(land, (nu_max[ids] - u[-1]) / np.where(t[-1] > 0, t[-1], 1.0), h)
            pred = u + h * t
        bad_step = ~np.isfinite(pred).all(axis=0) & ~finished
        finished |= bad_step
        out.stop[ids[bad_step]] = STOPS.index("step_failure")
        out.failure_mu[ids[bad_step]] = np.expm1(u[-1, bad_step])
        # the corrector: Newton on [H; t^T (v - pred)] = 0, and the tangent from the matrix
        # of its last iterate
        cand = pred.copy()
        ok = np.zeros(N, dtype=bool)
        failed = np.zeros(N, dtype=bool)
        first = np.zeros(N)
        second = np.zeros(N)
        previous = np.full(N, np.nan)
        t_new = np.full((k, N), np.nan)
        sign_new = np.zeros(N)
        going = np.flatnonzero(~finished)
        for it in range(CORRECTOR_ITERATIONS):
            if len(going) == 0:
                break
            full = len(going) == N
            a = pool.a if full else np.take(pool.a, going, axis=2)
            b = pool.b if full else np.take(pool.b, going, axis=2)
            c = cand if full else np.take(cand, going, axis=1)
            tg = t if full else np.take(t, going, axis=1)
            with np.errstate(all="ignore"):
                frame = Frame(a, b, c, m)
                rhs = np.zeros((k, 2, len(going)))
                rhs[:-1, 0] = -frame.H
                rhs[-1, 0] = -(tg * (c - (pred if full else np.take(pred, going, axis=1)))).sum(axis=0)
                rhs[-1, 1] = 1.0
                sol, det = frame.solve(tg, rhs)
                du, tau = sol[:, 0], sol[:, 1]
                norm = np.sqrt((du * du).sum(axis=0))
                prev = previous[going]
                bad = ~np.isfinite(norm)
                if it > 0:
                    bad |= (norm > 0.5 * prev) & (norm > 1e-13)  # not contracting
                scale = np.empty_like(c)
                scale[:-1] = np.abs(frame.z)
                scale[-1] = np.abs(c[-1])
                scale += 1.0 + 1e-4 * np.expm1(np.minimum(c[-1], NU_LIMIT))
                converged = ~bad & ((np.abs(du) / (CORRECTOR_TOLERANCE * scale)).max(axis=0) < 1.0)
                new = c + du
                diverged = ~bad & ~converged & ((new[-1] > NU_LIMIT) | (new[:-1].max(axis=0) > 1.0))
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
                ok[done] = True
            failed[going[bad | diverged]] = True
            going = going[~(bad | converged | diverged)]
        failed[going] = True  # no convergence within the iterations
        with np.errstate(all="ignore"):
            contraction = np.where((first > 0) & (second > 0), second / np.where(first > 0, first, 1.0), 0.0)
            angle = np.arccos(np.clip((t * t_new).sum(axis=0), -1.0, 1.0))
            factor = np.maximum(
                np.maximum(np.sqrt(first / NOMINAL_DISTANCE), np.sqrt(contraction / NOMINAL_CONTRACTION)),
                angle / NOMINAL_ANGLE,
            )
        # a step across which det [DH; t] changes sign jumped to another branch: retried
        # shorter, unless already as short as a genuine branch point allows
        flipped = ok & (sign_new != pool.sign)
        jumped = flipped & (h > BRANCH_POINT_STEP)
        factor = np.where(np.isfinite(factor), factor, np.inf)
        accept = ok & ~jumped & (factor <= 2.0) & ~finished
        h_new = np.where(failed, 0.5 * h, np.where(jumped, 0.25 * h, h / np.clip(factor, 2.0, 4.0)))
        pool.h = np.where(accept, h * np.minimum(max_accel, 1.0 / np.maximum(factor, 1e-12)), h_new)
        branch_point = accept & flipped
        new_bif = branch_point & np.isnan(out.bifurcation[ids, 0])
        out.bifurcation[ids[new_bif], 0] = np.expm1(u[-1, new_bif])
        out.bifurcation[ids[new_bif], 1] = np.expm1(cand[-1, new_bif])
        mu_old = np.expm1(u[-1])
        pool.u = np.where(accept, cand, u)
        pool.t = np.where(accept, t_new, t)
        pool.sign = np.where(accept, sign_new, pool.sign)
        pool.steps = pool.steps + accept
        mu = np.expm1(np.minimum(pool.u[-1], NU_LIMIT))
        if nu_target is not None:
            target = np.expm1(nu_target[ids])
            cross = np.flatnonzero(accept & ((mu_old - target) * (mu - target) <= 0))
            if len(cross):
                with np.errstate(all="ignore"):
                    span = cand[-1, cross] - u[-1, cross]
                    frac = np.where(span != 0, (nu_target[ids[cross]] - u[-1, cross]) / np.where(span != 0, span, 1.0), 1.0)
                guess = u[:, cross] + frac * (cand[:, cross] - u[:, cross])
                a_c, b_c = np.take(pool.a, cross, axis=2), np.take(pool.b, cross, axis=2)
                sol, good = _fixed_mu(a_c, b_c, guess, nu_target[ids[cross]], m)
                if not good.all():  # from the nearer continuation point
                    retry = np.flatnonzero(~good)
                    nearer = np.where(frac[retry] > 0.5, cand[:, cross[retry]], u[:, cross[retry]])
                    sol2, good2 = _fixed_mu(a_c[..., retry], b_c[..., retry], nearer, nu_target[ids[cross[retry]]], m)
                    sol[:, retry], good[retry] = sol2, good2
                out.crossing[:, ids[cross[good]]] = sol[:, good]
                out.stop[ids[cross]] = np.where(good, STOPS.index("target"), STOPS.index("target_failure"))
                finished[cross] = True
                accept[cross] = False  # the crossing point is not recorded as a step
                pool.u[:, cross] = cand[:, cross]
        if record:
            for i in np.flatnonzero(accept | (finished & (out.stop[ids] == STOPS.index("target")))):
                out.points[ids[i]].append(pool.u[:, i].copy())
        at_cap = accept & (pool.u[-1] >= nu_max[ids] * (1 - 1e-12))
        stopped = at_cap | (accept & (pool.steps >= max_steps))
        check = np.flatnonzero(accept & (mu >= _NORMALISED_LAM_CHECK) & (nu_target is None))
        if len(check):
            x, y = _profiles(pool.u[:, check], m)
            verified, *_ = _polish(
                np.moveaxis(np.take(pool.a, check, axis=2), -1, 0), np.moveaxis(np.take(pool.b, check, axis=2), -1, 0),
                x, y, tols[ids[check]], _STOP_DISTANCE, unique_only=True,
            )
            out.stop[ids[check[verified]]] = STOPS.index("verified")
            finished[check[verified]] = True
            stopped[check[verified]] = False
        out.stop[ids[stopped & at_cap]] = STOPS.index("lam_max")
        out.stop[ids[stopped & ~at_cap]] = STOPS.index("max_steps")
        finished |= stopped
        lost = ~np.isfinite(pool.h) & ~finished
        out.stop[ids[lost]] = STOPS.index("step_failure")
        out.failure_mu[ids[lost]] = mu[lost]
        finished |= lost
        if finished.any():
            out.last[:, ids[finished]] = pool.u[:, finished]
            pool = pool.take(~finished)
    return out


# --------------------------------------------------------------------------- public API


def principal_branch_limits(
    A: ArrayLike,
    B: ArrayLike,
    *,
    lam_max: float | None = None,
    tol: float = 1e-9,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
    pool_size: int = 8192,
) -> BranchLimits:
    r"""The limit of the logit-QRE principal branch of every game of a stack.

    See the module docstring for the continuation, the stopping rule and the polishing;
    :func:`trace_principal_branch` is the one-game view with the traced points and notes.

    Parameters
    ----------
    A, B : array_like, shape (G, m, n)
        Row and column player's payoffs of each game (any units).
    lam_max : float, optional
        Largest precision :math:`\lambda` to trace to, in payoff units (default
        :math:`\lambda s = 10^8` for each game).
    tol : float
        Relative tolerance: a limit is ``converged`` when its max regret is at most
        ``tol * s``.
    first_step, max_accel, max_steps
        Initial arc length, largest step growth, bound on accepted steps.
    pool_size : int
        Games traced together (memory).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[[9., 0.], [8., 7.]], [[1., -1.], [-1., 1.]]])
    >>> B = np.array([A[0].T, -A[1]])
    >>> limits = principal_branch_limits(A, B)
    >>> limits.row.tolist(), limits.converged.tolist()
    ([[0.0, 1.0], [0.5, 0.5]], [True, True])
    """
    A, B = _games(A, B)
    tol = _lam(tol, "tol")
    if max_steps < 1:
        raise ValueError(f"max_steps = {max_steps}: expected a positive integer")
    if not first_step > 0 or not max_accel >= 1:
        raise ValueError(f"first_step = {first_step!r} must be > 0 and max_accel = {max_accel!r} >= 1")
    G, m, n = A.shape
    s = payoff_scales(A, B)
    mu_max = np.full(G, _NORMALISED_LAM_CAP) if lam_max is None else _lam(lam_max, "lam_max") * s
    An, Bn = A / s[:, None, None], B / s[:, None, None]
    traces = _trace(An, Bn, mu_max=mu_max, tol=tol, first_step=first_step, max_accel=max_accel,
                    max_steps=max_steps, pool_size=pool_size)
    return _limits(A, B, An, Bn, s, traces, tol)


def _limits(A, B, An, Bn, s, traces: _Traces, tol: float) -> BranchLimits:
    m = A.shape[1]
    x, y = _profiles(traces.last, m)
    point_regret = max_regrets(A, B, x, y)
    found, px, py, distance = _polish(An, Bn, x, y, np.full(len(s), tol), _FINAL_DISTANCE)
    use = found & (max_regrets(A, B, px, py) <= np.maximum(point_regret, tol * s))
    row = np.where(use[:, None], px, x)
    column = np.where(use[:, None], py, y)
    regret = max_regrets(A, B, row, column)
    return BranchLimits(
        row=row, column=column, max_regret=regret, converged=regret <= tol * s, polished=use,
        distance=np.where(use, distance, np.nan), bifurcation=~np.isnan(traces.bifurcation[:, 0]),
        stop=traces.stop, payoff_scale=s,
    )


def trace_principal_branch(
    A: ArrayLike,
    B: ArrayLike,
    *,
    lam_max: float | None = None,
    tol: float = 1e-9,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
) -> QREBranch:
    r"""Trace the principal branch of the logit QRE of one game from the centroid; its limit.

    The one-game view of :func:`principal_branch_limits`, with every accepted point and
    notes on how the trace went.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs (any units).
    lam_max : float, optional
        Largest precision :math:`\lambda` (1 / payoff units) to trace to. Default
        ``1e8 / s`` (:math:`\lambda s = 10^8`, whatever the units).
    tol : float
        Relative tolerance: the limit is ``converged`` when its max regret is at most
        ``tol * s``.
    first_step, max_accel, max_steps
        Initial arc length, largest step growth, bound on accepted steps.

    Raises
    ------
    ValueError
        For payoffs that are not finite matrices of the same shape, or ``lam_max < 0``.

    References
    ----------
    McKelvey and Palfrey (1995); Turocy (2005), section 4; Allgower and Georg (1990).

    Examples
    --------
    Matching pennies: the branch stays at the centroid, which is the limit.

    >>> import numpy as np
    >>> A = np.array([[1., -1.], [-1., 1.]])
    >>> branch = trace_principal_branch(A, -A)
    >>> branch.limit[0].tolist(), branch.limit[1].tolist(), branch.converged
    ([0.5, 0.5], [0.5, 0.5], True)
    >>> branch.points[0].lam, branch.points[-1].lam >= 1e3 / branch.payoff_scale
    (0.0, True)
    """
    A, B = _game(A, B)
    tol = _lam(tol, "tol")
    if max_steps < 1:
        raise ValueError(f"max_steps = {max_steps}: expected a positive integer")
    if not first_step > 0 or not max_accel >= 1:
        raise ValueError(f"first_step = {first_step!r} must be > 0 and max_accel = {max_accel!r} >= 1")
    m, n = A.shape
    A3, B3 = A[None], B[None]
    s = payoff_scales(A3, B3)
    mu_max = np.full(1, _NORMALISED_LAM_CAP) if lam_max is None else _lam(lam_max, "lam_max") * s
    An, Bn = A3 / s[:, None, None], B3 / s[:, None, None]
    traces = _trace(An, Bn, mu_max=mu_max, tol=tol, first_step=first_step, max_accel=max_accel,
                    max_steps=max_steps, record=True, pool_size=1)
    limits = _limits(A3, B3, An, Bn, s, traces, tol)
    scale = float(s[0])
    us = np.array(traces.points[0]).T
    xs, ys = _profiles(us, m)
    points = tuple(
        QREPoint(float(np.expm1(us[-1, i])) / scale, xs[i], ys[i]) for i in range(us.shape[1])
    )
    notes = _notes(traces, limits, 0, points[-1].lam, scale, max_steps, tol)
    return QREBranch(
        points=points,
        limit=(limits.row[0], limits.column[0]),
        limit_max_regret=float(limits.max_regret[0]),
        converged=bool(limits.converged[0]),
        notes=tuple(notes),
        payoff_scale=scale,
    )


def _notes(traces: _Traces, limits: BranchLimits, g: int, lam: float, s: float, max_steps: int, tol: float) -> list[str]:
    notes = []
    before, after = traces.bifurcation[g]
    if not np.isnan(before):
        notes.append(
            f"bifurcation (branch point) detected between lam*s = {before:.6g} and {after:.6g}; "
            "the game is not generic and the tracer continued along the branch that passes "
            "straight through it"
        )
    stop = STOPS[traces.stop[g]]
    where = f"lam = {lam:.6g} (lam*s = {lam * s:.6g})"
    if stop == "step_failure":
        notes.append(f"step length fell below {_MIN_STEP:g} at lam*s = {traces.failure_mu[g]:.6g}; tracing stopped")
    elif stop == "max_steps":
        notes.append(f"stopped after max_steps = {max_steps} steps at lam*s = {lam * s:.6g}")
    elif stop == "lam_max":
        notes.append(f"reached lam_max at {where}")
    elif stop == "verified":
        notes.append(f"stopped at {where}, where the branch is near a verified equilibrium")
    if limits.polished[g]:
        notes.append(f"limit polished from the supports of the last point (L1 distance {limits.distance[g]:.3g})")
    else:
        notes.append("could not polish the last point to a verified equilibrium; the limit is the last traced QRE")
    if not limits.converged[g]:
        notes.append(f"limit max regret {limits.max_regret[g]:.3g} exceeds tol*s = {tol * s:.3g}")
    return notes


def logit_qre_profiles(
    A: ArrayLike,
    B: ArrayLike,
    lam: ArrayLike,
    *,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The logit QRE on the principal branch of each game of a stack at its precision.

    Each branch is traced from the centroid until it first reaches its ``lam``; there the
    equations are solved at fixed :math:`\lambda` by Newton's method. If a branch has
    turning points it can cross the same :math:`\lambda` more than once; the first crossing
    in arc-length order is returned (as Gambit's ``logit_solve_lambda`` does).

    Parameters
    ----------
    A, B : array_like, shape (G, m, n)
    lam : array_like, shape (G,) or scalar
        Precisions :math:`\lambda \ge 0` in 1 / payoff units.

    Returns
    -------
    row, column : numpy.ndarray, shapes (G, m) and (G, n)
    ok : numpy.ndarray of bool, shape (G,)
        Whether the branch was traced to ``lam`` (NaN profiles where not).
    """
    A, B = _games(A, B)
    G, m, n = A.shape
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (G,))
    if not (np.all(np.isfinite(lam)) and np.all(lam >= 0)):
        raise ValueError(f"lam = {lam!r}: expected finite numbers >= 0")
    s = payoff_scales(A, B)
    An, Bn = A / s[:, None, None], B / s[:, None, None]
    row = np.full((G, m), 1.0 / m)
    column = np.full((G, n), 1.0 / n)
    ok = np.ones(G, dtype=bool)
    trace = np.flatnonzero(lam > 0)
    if len(trace):
        traces = _trace(An[trace], Bn[trace], mu_max=np.inf, mu_target=lam[trace] * s[trace],
                        first_step=first_step, max_accel=max_accel, max_steps=max_steps)
        good = traces.stop == STOPS.index("target")
        x, y = _profiles(np.where(good, traces.crossing, 0.0), m)
        row[trace], column[trace] = np.where(good[:, None], x, np.nan), np.where(good[:, None], y, np.nan)
        ok[trace] = good
    return row, column, ok


def logit_qre(
    A: ArrayLike,
    B: ArrayLike,
    lam: float,
    *,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
) -> QREPoint:
    r"""The logit QRE on the principal branch of one game at precision ``lam``.

    The one-game view of :func:`logit_qre_profiles`.

    Raises
    ------
    ValueError
        Bad payoffs or ``lam`` negative / not finite.
    RuntimeError
        If the tracer fails to reach ``lam`` (never silently returns a wrong point).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1., -1.], [-1., 1.]])    # matching pennies: centroid for every lam
    >>> point = logit_qre(A, -A, 50.0)
    >>> point.row.round(12).tolist(), point.column.round(12).tolist()
    ([0.5, 0.5], [0.5, 0.5])
    """
    A, B = _game(A, B)
    lam = _lam(lam)
    row, column, ok = logit_qre_profiles(A[None], B[None], lam, first_step=first_step,
                                         max_accel=max_accel, max_steps=max_steps)
    if not ok[0]:
        raise RuntimeError(f"logit_qre: the principal branch was not traced to lam = {lam:g}")
    return QREPoint(lam, row[0], column[0])


# kept for the chart's public names
to_log_probabilities = to_log_probabilities
from_log_probabilities = from_log_probabilities
