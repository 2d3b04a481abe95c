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

from negotiation.solvers.qre_homotopy import from_log_probabilities, to_log_probabilities
from negotiation.solvers.qre_trace import (
    _FINAL_DISTANCE,
    _MIN_STEP,
    _NORMALISED_LAM_CAP,
    FIRST_STEP,
    MAX_ACCEL,
    STOPS,
    Traces,
    polish,
    profiles,
    trace,
)
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
    traces = trace(An, Bn, mu_max=mu_max, tol=tol, first_step=first_step, max_accel=max_accel,
                    max_steps=max_steps, pool_size=pool_size)
    return _limits(A, B, An, Bn, s, traces, tol)


def _limits(A, B, An, Bn, s, traces: Traces, tol: float) -> BranchLimits:
    m = A.shape[1]
    x, y = profiles(traces.last, m)
    point_regret = max_regrets(A, B, x, y)
    found, px, py, distance = polish(An, Bn, x, y, np.full(len(s), tol), _FINAL_DISTANCE)
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
    traces = trace(An, Bn, mu_max=mu_max, tol=tol, first_step=first_step, max_accel=max_accel,
                    max_steps=max_steps, record=True, pool_size=1)
    limits = _limits(A3, B3, An, Bn, s, traces, tol)
    scale = float(s[0])
    us = np.array(traces.points[0]).T
    xs, ys = profiles(us, m)
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


def _notes(traces: Traces, limits: BranchLimits, g: int, lam: float, s: float, max_steps: int, tol: float) -> list[str]:
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
    traced = np.flatnonzero(lam > 0)
    if len(traced):
        traces = trace(An[traced], Bn[traced], mu_max=np.inf, mu_target=lam[traced] * s[traced],
                        first_step=first_step, max_accel=max_accel, max_steps=max_steps)
        good = traces.stop == STOPS.index("target")
        x, y = profiles(np.where(good, traces.crossing, 0.0), m)
        row[traced], column[traced] = np.where(good[:, None], x, np.nan), np.where(good[:, None], y, np.nan)
        ok[traced] = good
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
