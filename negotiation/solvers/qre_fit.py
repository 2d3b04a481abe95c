r"""Logit QRE fitted to observed choices by maximum likelihood on the principal branch.

Model
-----
In a bimatrix game :math:`(A, B)` (row player first, payoffs indexed
``[row action, column action]``, in the units of the caller's file) the logit quantal
response equilibria with precision :math:`\lambda \ge 0` are the profiles
:math:`\sigma = (x, y)` with :math:`x = \operatorname{softmax}(\lambda A y)` and
:math:`y = \operatorname{softmax}(\lambda B^\top x)` (McKelvey and Palfrey 1995). The
*principal branch* :math:`\lambda \mapsto \sigma(\lambda)` is the curve of them that starts
at the centroid (:mod:`negotiation.solvers.qre`). Given observed counts :math:`c` of the row
player's strategies and :math:`d` of the column player's (frequencies, any non-negative
numbers), the log-likelihood of :math:`\lambda` is

.. math::

    L(\lambda) = \sum_i c_i \log x_i(\lambda) + \sum_j d_j \log y_j(\lambda),
    \qquad \hat\lambda = \arg\max_{\lambda \ge 0} L(\lambda),

the estimator of McKelvey and Palfrey (1995, sec. 5) restricted to the principal branch, as
in Gambit's ``logit_estimate`` (Bland and Turocy 2023): the profile that explains the data
is the QRE reached by continuation from the centroid, never another QRE at the same
:math:`\lambda`.

Extensive games. :func:`negotiation.solvers.agent_qre_fit.agent_logit_qre_fit` fits the agent logit QRE of a two-player
extensive game (McKelvey and Palfrey 1998; :mod:`negotiation.solvers.agent_qre`) to counts
:math:`c_{iha}` of the actions chosen at each information set, with
:math:`L(\lambda) = \sum_{i, h, a} c_{iha} \log \sigma_\lambda(a \mid h)` along the
branch that starts at the centroid; the steps below are the same (one trace, the best
traced point, Brent on :math:`\nu`, Newton at fixed :math:`\lambda` between traced points,
the same statuses and interval), with the agent tracer's chart and
:math:`\nu = \log(1 + \lambda)` (:math:`s = 1` below; the trace still stops at
:math:`\lambda s = 10^8`, :math:`s` the larger payoff range).

Units. :math:`\lambda` multiplies the payoffs **as written in the file**, exactly as in
Gambit (``logit_solve_lambda``): multiplying both players' payoffs by :math:`c > 0` divides
:math:`\hat\lambda` by :math:`c` and changes neither the fitted strategies nor
:math:`L`. One :math:`\lambda` is shared by both players, so rescaling *one* player's
payoffs changes the fit (MODELLING.md rule 1): the fit is only as meaningful as the common
unit of the two players' payoffs. Inside, the tracer works with the normalised precision
:math:`\mu = \lambda s`, :math:`s` the larger of the two payoff ranges
(:func:`negotiation.solvers.qre.payoff_scale`); that is internal and does not change
:math:`\hat\lambda`.

Algorithm
---------
1. Trace the principal branch of every game of the stack once with the package's one
   tracer (:func:`negotiation.solvers.qre_trace.trace`, predictor-corrector in arc length),
   recording each accepted point, up to :math:`\lambda s = 10^8` (not stopping early at a
   verified limit, so that a maximum at large :math:`\lambda` is not missed).
2. Evaluate :math:`L` at the traced points; the best one, :math:`k`, and its neighbours
   bracket the maximum.
3. On each of the two segments :math:`[k-1, k]` and :math:`[k, k+1]`, maximise
   :math:`L` over :math:`\nu = \log(1 + \lambda s)` with scipy's bounded scalar
   minimiser (Brent). Each evaluation re-solves :math:`\sigma(\lambda)` on the branch by
   continuation from the traced segment: Newton's method at fixed :math:`\lambda` started on
   the chord between the segment's two traced points (the tracer's own corrector at a target
   crossing), never a fresh fixed-point iteration from the centroid that could land on
   another branch. The best of the segment maxima and the traced point itself is
   :math:`\hat\lambda`.
4. If :math:`L` is largest at the end of the trace (it still increases, or is flat to
   rounding, at :math:`\lambda s = 10^8`), the likelihood has no maximum at a finite
   :math:`\lambda`: :math:`\hat\lambda = \infty`. This happens when every observed strategy
   is used in the branch's limiting Nash equilibrium and the data fit it better than any
   QRE on the way, for example counts on a strict equilibrium that is the branch's limit
   (best responses to each other). It is reported as such (``status="unbounded"``), with the
   supremum of :math:`L` and the strategies at the end of the trace.

Profile-likelihood interval. With one parameter the profile likelihood is :math:`L`
itself: the :math:`1 - \alpha` interval is
:math:`\{\lambda : 2 (L(\hat\lambda) - L(\lambda)) \le \chi^2_1(1 - \alpha)\}`
(3.841 at 95%). Its ends are found walking outward from :math:`\hat\lambda` along the traced
points to the first one below the threshold, then by Brent's root finder on that segment;
the upper end is :math:`\infty` when :math:`L` stays above the threshold to the end of the
trace, the lower end 0 when it stays above it down to the centroid. (If :math:`L` dipped
below the threshold between two traced points and rose again, the dip is not seen.)

Turning points. Where the branch folds back, several of its points share one
:math:`\lambda`; the maximum is taken over the branch's points, and Gambit's
``logit_solve_lambda`` returns the *first* crossing of :math:`\hat\lambda`. A fit whose
maximum lies on a later crossing says so in its notes. The interval is then the range of
:math:`\lambda` over the arc of the branch around the maximum on which :math:`L` is above
the threshold (at a fold, up to the resolution of the traced points).

Batching. The tracing, the expensive part, is done for the whole stack at once; the
one-dimensional maximisation is a scalar problem per game (scipy's bounded Brent) and runs
in a loop over the games.

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Bland, J. R. and Turocy, T. L. (2023). Quantal response equilibrium as a structural model
for estimation: the missing manual. SSRN 4425515.
McKelvey, R. D. and Palfrey, T. R. (1998). Quantal response equilibria for extensive form
games. *Experimental Economics* 1, 9--41.
Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal response
equilibrium correspondence. *Games and Economic Behavior* 51, 243--263.

Examples
--------
Counts generated by the QRE at :math:`\lambda = 2` are fitted by :math:`\hat\lambda = 2`:

>>> import numpy as np
>>> from negotiation.solvers.qre import logit_qre
>>> A = np.array([[3., 0., 1.], [1., 2., 0.], [0., 1., 4.]])
>>> B = np.array([[1., 3., 0.], [0., 1., 2.], [2., 0., 1.]])
>>> q = logit_qre(A, B, 2.0)
>>> fit = logit_qre_fit(A, B, 1000 * q.row, 1000 * q.column)
>>> fit.status, round(fit.lam, 6)
('maximum', 2.0)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.qre import _games, logit_qre_profiles
from negotiation.solvers.qre_homotopy import to_log_probabilities
from negotiation.solvers.qre_trace import (
    _NORMALISED_LAM_CAP,
    FIRST_STEP,
    MAX_ACCEL,
    STOPS,
    _fixed_mu,
    profiles,
    trace,
)
from negotiation.solvers.records import payoff_scales

__all__ = [
    "FIT_STATUSES", "QREFit", "QREFits", "log_likelihoods", "logit_qre_fit", "logit_qre_fits",
]

#: How a fit ended: a finite maximum; the likelihood increases without bound along the
#: branch (lambda-hat = infinity); the likelihood is the same all along the branch (lambda
#: is not identified, as in matching pennies, whose branch stays at the centroid); the
#: branch could not be traced far enough to tell.
FIT_STATUSES = ("maximum", "unbounded", "flat", "failed")
#: Tolerance, per observation, within which the likelihood at the end of the trace counts as
#: its maximum (flat to rounding: the supremum is approached as lambda grows). At
#: lambda*s = 1e8 a log-probability carries rounding of about 1e-16 * 1e8 per unit of
#: payoff: the traced points' likelihoods differ by 3e-7 for 40 observations at the same
#: lambda; a likelihood ratio of exp(1e-6 N) is no evidence either way.
_FLAT = 1e-6
#: Absolute tolerance of Brent's method on nu = log(1 + lambda s).
_NU_TOL = 1e-10
#: Largest difference between a fitted profile and the first crossing of its lambda below
#: which the fit is taken to be on the first crossing (as logit_solve_lambda returns).
_SAME_CROSSING = 1e-6


@dataclass(frozen=True, eq=False)
class QREFits:
    """Maximum-likelihood logit QRE fits of a stack of games.

    Attributes
    ----------
    lam : numpy.ndarray, shape (G,)
        :math:`\\hat\\lambda` in 1 / (file payoff units); ``inf`` where the likelihood
        increases without bound, NaN where the fit failed.
    log_likelihood : numpy.ndarray, shape (G,)
        :math:`L(\\hat\\lambda)` (natural log), the supremum where unbounded.
    row, column : numpy.ndarray, shapes (G, m) and (G, n)
        The strategies at :math:`\\hat\\lambda` (at the end of the trace where unbounded).
    status : tuple of str
        One of :data:`FIT_STATUSES` per game.
    interval : numpy.ndarray, shape (G, 2)
        Profile-likelihood interval of :math:`\\lambda` at ``level`` (NaN if not asked).
    level : float or None
    payoff_scale : numpy.ndarray, shape (G,)
    notes : tuple of tuple of str
    """

    lam: np.ndarray
    log_likelihood: np.ndarray
    row: np.ndarray
    column: np.ndarray
    status: tuple[str, ...]
    interval: np.ndarray
    level: float | None
    payoff_scale: np.ndarray
    notes: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class QREFit:
    """A maximum-likelihood logit QRE fit of one game.

    Attributes
    ----------
    lam : float or None
        :math:`\\hat\\lambda` in 1 / (file payoff units); ``None`` when the likelihood
        increases without bound (``status == "unbounded"``): there is no finite estimate.
    log_likelihood : float
        :math:`L(\\hat\\lambda) = \\sum c \\log \\sigma(\\hat\\lambda)`, or its supremum.
    row, column : numpy.ndarray
        The fitted strategies.
    status : str
        ``"maximum"``, ``"unbounded"`` or ``"flat"`` (see :data:`FIT_STATUSES`).
    interval : tuple of float or None
        ``(low, high)`` profile-likelihood interval (``high`` may be ``inf``), if asked.
    level : float or None
    payoff_scale : float
    notes : tuple of str
    """

    lam: float | None
    log_likelihood: float
    row: np.ndarray
    column: np.ndarray
    status: str
    interval: tuple[float, float] | None
    level: float | None
    payoff_scale: float
    notes: tuple[str, ...]


# --------------------------------------------------------------------------- inputs


def _counts(counts: ArrayLike, shape: tuple[int, int], name: str) -> np.ndarray:
    c = np.asarray(counts, dtype=float)
    if c.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise ValueError(f"{name} must be finite numbers >= 0")
    return c


def _level(level: float | None) -> tuple[float | None, float | None]:
    """The level checked, and the drop of L at the ends of its interval (None, None if no
    interval is asked)."""
    if level is None:
        return None, None
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(f"level = {level!r}: expected a number in (0, 1)")
    from scipy.special import chdtri

    return level, 0.5 * float(chdtri(1, 1.0 - level))  # chi2_1(0.95) / 2 = 1.92


# --------------------------------------------------------------------------- likelihood


def log_likelihoods(
    row_counts: ArrayLike, column_counts: ArrayLike, row: ArrayLike, column: ArrayLike
) -> np.ndarray:
    r"""The log-likelihood :math:`\sum_i c_i \log x_i + \sum_j d_j \log y_j` of counts
    under profiles, over the leading axes (broadcast); a zero count contributes 0 whatever
    the probability, a positive count of a strategy played with probability 0 gives
    :math:`-\infty`.

    Examples
    --------
    >>> float(log_likelihoods([2, 0], [1, 1], [0.5, 0.5], [1.0, 0.0]))
    -inf
    >>> round(float(log_likelihoods([2, 0], [0, 3], [0.5, 0.5], [0.5, 0.5])), 6)
    -3.465736
    """
    with np.errstate(divide="ignore"):
        log_x, log_y = np.log(np.asarray(row, dtype=float)), np.log(np.asarray(column, dtype=float))
    return _weighted_logs(row_counts, log_x) + _weighted_logs(column_counts, log_y)


def _weighted_logs(counts: ArrayLike, logs: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * logs, 0.0)
    return terms.sum(axis=-1)


def _point_log_likelihood(u: np.ndarray, c: np.ndarray, d: np.ndarray, m: int) -> np.ndarray:
    """L at chart points u (k, K) from the log-probabilities themselves (exact where a
    probability underflows to 0)."""
    z = to_log_probabilities(u[:-1])
    zx, zy = z[:m], z[m:]
    log_x = zx - _logsumexp(zx)
    log_y = zy - _logsumexp(zy)
    return _weighted_logs(c, log_x.T) + _weighted_logs(d, log_y.T)


def _logsumexp(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=0)
    return top + np.log(np.exp(z - top).sum(axis=0))


class _BranchPoints(ABC):
    """A traced branch (points ``u`` of shape (dim, k) in arc-length order, last row
    :math:`\nu`) and the likelihood of the counts along it; subclasses supply Newton's
    method at fixed :math:`\nu` (``_newton``) and the likelihood of chart points
    (``_log_likelihoods``)."""

    def __init__(self, points: np.ndarray):
        self.u = points
        self.nu = points[-1]
        self.L = self._log_likelihoods(points)
        self.unrefined = False

    @abstractmethod
    def _newton(self, start: np.ndarray, nu: float) -> tuple[np.ndarray, bool]:
        """Newton's method at fixed ``nu`` from ``start``: (point, converged)."""

    @abstractmethod
    def _log_likelihoods(self, u: np.ndarray) -> np.ndarray:
        """The log-likelihood of the counts at chart points ``u`` (dim, k)."""

    def solve(self, j: int, nu: float) -> np.ndarray:
        """The branch point at ``nu`` on the traced segment ``[j, j + 1]``: Newton's method
        at fixed nu from the chord between the two traced points (the tracer's corrector at
        a target crossing); failing that, natural-parameter continuation in nu from the
        nearer traced point, halving the step until Newton converges."""
        u0, u1 = self.u[:, j], self.u[:, j + 1]
        span = u1[-1] - u0[-1]
        frac = (nu - u0[-1]) / span if span != 0 else 0.0
        frac = min(max(frac, 0.0), 1.0)
        sol, ok = self._newton(u0 + frac * (u1 - u0), nu)
        if ok:
            return sol
        here = u1 if frac > 0.5 else u0
        step = nu - here[-1]
        for _ in range(200):  # a bound: each failure halves the step, each success moves on
            if abs(nu - here[-1]) <= _NU_TOL:
                return here
            target = here[-1] + step if abs(step) < abs(nu - here[-1]) else nu
            sol, ok = self._newton(here, target)
            if ok:
                here = sol
            else:
                step *= 0.5
                if abs(step) < _NU_TOL:
                    break
        raise RuntimeError(f"logit QRE fit: Newton's method failed on the branch at nu = {nu:.6g}")

    def log_likelihood(self, j: int, nu: float) -> float:
        return float(self._log_likelihoods(self.solve(j, nu)[:, None])[0])


class _Branch(_BranchPoints):
    """One bimatrix game's traced branch (normalised payoffs) and its counts."""

    def __init__(self, a: np.ndarray, b: np.ndarray, points: np.ndarray, c: np.ndarray, d: np.ndarray):
        self.a, self.b = a[..., None], b[..., None]  # (m, n, 1): batch last, one game
        self.c, self.d = c, d
        self.m = a.shape[0]
        super().__init__(points)

    def _newton(self, start: np.ndarray, nu: float) -> tuple[np.ndarray, bool]:
        sol, ok = _fixed_mu(self.a, self.b, start[:, None], np.array([nu]), self.m)
        return sol[:, 0], bool(ok[0])

    def _log_likelihoods(self, u: np.ndarray) -> np.ndarray:
        return _point_log_likelihood(u, self.c, self.d, self.m)


def _maximise(branch: _BranchPoints, k: int) -> tuple[float, float, np.ndarray, int]:
    """The maximum of L over the segments next to the traced point k: (nu, L, u, the
    segment that holds it)."""
    from scipy.optimize import minimize_scalar

    K = branch.u.shape[1]
    best = (float(branch.nu[k]), float(branch.L[k]), branch.u[:, k], min(k, K - 2))
    for j in (k - 1, k):
        if j < 0 or j + 1 >= K:
            continue
        lo, hi = sorted((float(branch.nu[j]), float(branch.nu[j + 1])))
        if hi - lo <= _NU_TOL:
            continue
        try:
            result = minimize_scalar(
                lambda nu, j=j: -branch.log_likelihood(j, nu), bounds=(lo, hi), method="bounded",
                options={"xatol": _NU_TOL, "maxiter": 500},
            )
        except RuntimeError:  # Newton failed (far out, lam*s >~ 1e7): keep the traced point
            branch.unrefined = True
            continue
        value = -float(result.fun)
        if value > best[1]:
            best = (float(result.x), value, branch.solve(j, float(result.x)), j)
    return best


def _crossing(branch: _BranchPoints, j: int, lo: float, hi: float, threshold: float) -> float:
    """nu in [lo, hi] on segment j where L crosses ``threshold`` (Brent's root finder)."""
    from scipy.optimize import brentq

    f = lambda nu: branch.log_likelihood(j, nu) - threshold  # noqa: E731
    lo, hi = min(lo, hi), max(lo, hi)
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo
    if f_hi == 0 or np.sign(f_lo) == np.sign(f_hi):
        return hi if abs(f_hi) < abs(f_lo) else lo
    return float(brentq(f, lo, hi, xtol=_NU_TOL, rtol=1e-12))


def _interval(branch: _BranchPoints, j: int, nu_hat: float, L_hat: float, drop: float, reached_end: bool) -> tuple[float, float]:
    """The range of nu over the arc of the branch around nu_hat (which lies on the traced
    segment [j, j + 1], or at the last point j = K - 1) on which L >= L_hat - drop: its ends
    are the first traced points below the threshold walking outward, refined on their
    segments by Brent's root finder. Where nu increases along the arc (no turning point)
    this is the profile-likelihood interval itself."""
    threshold = L_hat - drop
    K = branch.u.shape[1]
    below = branch.L < threshold
    arc = [nu_hat]
    first = 0
    low_end = 0.0
    for i in range(min(j, K - 1), -1, -1):
        if below[i]:
            seg_hi = nu_hat if i == j else float(branch.nu[i + 1])
            low_end = _crossing(branch, i, float(branch.nu[i]), seg_hi, threshold)
            first = i + 1
            break
    last = K - 1
    high_end = np.inf if reached_end else np.nan
    for i in range(j + 1, K):
        if below[i]:
            seg_lo = nu_hat if i - 1 == j else float(branch.nu[i - 1])
            high_end = _crossing(branch, i - 1, seg_lo, float(branch.nu[i]), threshold)
            last = i - 1
            break
    arc.extend(branch.nu[first : last + 1].tolist())
    if np.isnan(high_end):
        return low_end, np.nan
    arc.extend([low_end, high_end])
    return min(arc), max(arc)


@dataclass(frozen=True, eq=False)
class _Outcome:
    """The fit on one traced branch, in the tracer's nu = log(1 + lambda s)."""

    status: str
    nu: float  # inf where unbounded, 0 where flat, NaN where failed
    log_likelihood: float
    u: np.ndarray | None  # the fitted chart point
    interval: tuple[float, float]  # in nu; NaN if not asked
    notes: list[str]
    segment: int = 0  # the traced segment [j, j + 1] that holds the fitted point


def _fit_on_branch(branch: _BranchPoints, stop: str, total: float, drop: float | None, scale: float) -> _Outcome:
    """Steps 2--4 of the module docstring and the profile interval on one traced branch
    (``stop`` how its trace ended, ``total`` the number of observations, ``drop`` half the
    chi-square quantile or None, ``scale`` the s of nu = log(1 + lambda s))."""
    reached_end = stop == "lam_max"
    notes: list[str] = []
    if not reached_end:
        notes.append(f"the trace stopped early ({stop}) at lam = {np.expm1(branch.nu[-1]) / scale:.6g}")
    K = branch.u.shape[1]
    L_max = float(branch.L.max())
    flat = _FLAT * (1.0 + total)
    nan2 = (np.nan, np.nan)
    if reached_end and L_max - float(branch.L.min()) <= flat:
        notes.append("the likelihood does not depend on lam along the principal branch (the "
                     "observed players' strategies stay where they are): lam is not identified; "
                     "the strategies are those at lam = 0")
        return _Outcome("flat", 0.0, L_max, branch.u[:, 0], nan2 if drop is None else (0.0, np.inf), notes)
    if branch.L[-1] >= L_max - flat:
        if not reached_end:
            notes.append("the likelihood was still increasing where the trace stopped: no estimate")
            return _Outcome("failed", np.nan, np.nan, None, nan2, notes, 0)
        status, nu_hat, L_hat, u_hat, j = "unbounded", float(branch.nu[-1]), float(branch.L[-1]), branch.u[:, -1], K - 1
        notes.append(
            f"the likelihood increases without bound along the principal branch (to within "
            f"rounding up to lam = {np.expm1(nu_hat) / scale:.3g}): its supremum is approached as lam "
            "grows, no finite estimate; the strategies and the log-likelihood are the end of "
            "the trace (the supremum)"
        )
    else:
        status = "maximum"
        nu_hat, L_hat, u_hat, j = _maximise(branch, int(np.argmax(branch.L)))
        if branch.unrefined:
            notes.append("the maximum could not be refined between traced points (Newton's method "
                         "failed there); lambda-hat is the best point found")
    interval = nan2 if drop is None else _interval(branch, j, nu_hat, L_hat, drop, reached_end)
    return _Outcome(status, np.inf if status == "unbounded" else nu_hat, L_hat, u_hat, interval, notes, j)


# --------------------------------------------------------------------------- public API


def logit_qre_fits(
    A: ArrayLike,
    B: ArrayLike,
    row_counts: ArrayLike,
    column_counts: ArrayLike,
    *,
    level: float | None = None,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
    pool_size: int = 8192,
) -> QREFits:
    r"""Maximum-likelihood logit QRE of each game of a stack, on its principal branch.

    See the module docstring for the estimator, the algorithm and the units of
    :math:`\lambda` (the payoffs as given, as in Gambit).

    Parameters
    ----------
    A, B : array_like, shape (G, m, n)
        Row and column player's payoffs of each game.
    row_counts, column_counts : array_like, shapes (G, m) and (G, n)
        Observed frequencies of each player's strategies (non-negative; not all zero in a
        game).
    level : float, optional
        Confidence level of a profile-likelihood interval for :math:`\lambda` (for
        example 0.95); none by default.
    first_step, max_accel, max_steps, pool_size
        Options of the tracer (:func:`negotiation.solvers.qre.principal_branch_limits`).

    Returns
    -------
    QREFits

    Raises
    ------
    ValueError
        Bad payoffs, counts of the wrong shape, negative or not finite, all counts of a game
        zero, or ``level`` outside (0, 1).
    """
    A, B = _games(A, B)
    G, m, n = A.shape
    c = _counts(row_counts, (G, m), "row_counts")
    d = _counts(column_counts, (G, n), "column_counts")
    empty = (c.sum(axis=1) + d.sum(axis=1)) == 0
    if empty.any():
        raise ValueError(f"game {int(np.argmax(empty))}: all counts are zero; nothing to fit")
    level, drop = _level(level)
    s = payoff_scales(A, B)
    An, Bn = A / s[:, None, None], B / s[:, None, None]
    # traced to the cap: a target that is never crossed (inf) turns off the early stop at a
    # verified limit, so that a maximum at large lambda is not missed
    traces = trace(An, Bn, mu_max=np.full(G, _NORMALISED_LAM_CAP), mu_target=np.full(G, np.inf),
                   first_step=first_step, max_accel=max_accel, max_steps=max_steps, record=True,
                   pool_size=pool_size)
    lam = np.full(G, np.nan)
    loglik = np.full(G, np.nan)
    row = np.full((G, m), np.nan)
    column = np.full((G, n), np.nan)
    interval = np.full((G, 2), np.nan)
    status: list[str] = []
    notes: list[list[str]] = []
    for g in range(G):
        branch = _Branch(An[g], Bn[g], np.array(traces.points[g]).T, c[g], d[g])
        note: list[str] = []
        if not np.isnan(traces.bifurcation[g, 0]):
            note.append(f"the branch passes a branch point near lam*s = {traces.bifurcation[g, 0]:.6g} "
                        "(a non-generic game); the tracer continued straight through it")
        outcome = _fit_on_branch(branch, STOPS[traces.stop[g]], c[g].sum() + d[g].sum(), drop, s[g])
        status.append(outcome.status)
        notes.append(note + outcome.notes)
        if outcome.status == "failed":
            continue
        lam[g] = np.nan if outcome.status == "flat" else np.expm1(outcome.nu) / s[g]
        loglik[g] = outcome.log_likelihood
        x, y = profiles(outcome.u[:, None], m)
        row[g], column[g] = x[0], y[0]
        interval[g] = np.expm1(outcome.interval) / s[g]
    # a maximum on a later crossing of its lambda (past a turning point) is not what
    # Gambit's logit_solve_lambda returns at that lambda: say so
    finite = np.flatnonzero(np.isfinite(lam) & (lam > 0))
    if len(finite):
        first_row, first_column, ok = logit_qre_profiles(A[finite], B[finite], lam[finite], first_step=first_step,
                                                         max_accel=max_accel, max_steps=max_steps)
        gap = np.abs(first_row - row[finite]).max(axis=1) + np.abs(first_column - column[finite]).max(axis=1)
        for i, g in enumerate(finite):
            if not ok[i] or not gap[i] <= _SAME_CROSSING:
                notes[g].append("the maximum lies past a turning point of the branch: the first "
                                "crossing of this lambda (Gambit's logit_solve_lambda) is another QRE")
    return QREFits(
        lam=lam, log_likelihood=loglik, row=row, column=column, status=tuple(status), interval=interval,
        level=level, payoff_scale=s, notes=tuple(tuple(n) for n in notes),
    )


def logit_qre_fit(
    A: ArrayLike,
    B: ArrayLike,
    row_counts: ArrayLike,
    column_counts: ArrayLike,
    *,
    level: float | None = None,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
) -> QREFit:
    r"""Maximum-likelihood logit QRE of one game on its principal branch.

    The one-game view of :func:`logit_qre_fits`:
    :math:`\hat\lambda = \arg\max_\lambda \sum_i c_i \log x_i(\lambda) + \sum_j d_j \log y_j(\lambda)`
    along the principal branch, :math:`\lambda` multiplying the payoffs as given (as in
    Gambit).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
    row_counts, column_counts : array_like, shapes (m,) and (n,)
        Observed frequencies (non-negative, not all zero).
    level : float, optional
        Confidence level of a profile-likelihood interval (for example 0.95).

    Returns
    -------
    QREFit
        ``lam is None`` and ``status == "unbounded"`` when the likelihood increases without
        bound along the branch, ``status == "flat"`` when it does not depend on
        :math:`\lambda` at all.

    Raises
    ------
    ValueError
        Bad payoffs or counts.
    RuntimeError
        The branch could not be traced far enough to locate the maximum.

    References
    ----------
    McKelvey and Palfrey (1995), sec. 5; Bland and Turocy (2023).

    Examples
    --------
    Counts on the prisoner's dilemma's equilibrium, (defect, defect), are best responses to
    each other, and the branch tends to them: the likelihood increases without bound.

    >>> import numpy as np
    >>> A = np.array([[3., 0.], [5., 1.]])
    >>> fit = logit_qre_fit(A, A.T, [0, 10], [0, 10])
    >>> fit.status, fit.lam, fit.log_likelihood
    ('unbounded', None, 0.0)
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.ndim != 2 or A.shape != B.shape:
        raise ValueError(f"payoffs A and B must be 2-D matrices of the same shape; got {A.shape} and {B.shape}")
    m, n = A.shape
    fits = logit_qre_fits(A[None], B[None], _counts(row_counts, (m,), "row_counts")[None],
                          _counts(column_counts, (n,), "column_counts")[None], level=level,
                          first_step=first_step, max_accel=max_accel, max_steps=max_steps, pool_size=1)
    status = fits.status[0]
    if status == "failed":
        raise RuntimeError("logit_qre_fit: " + "; ".join(fits.notes[0]))
    return QREFit(
        lam=None if status in ("unbounded", "flat") else float(fits.lam[0]),
        log_likelihood=float(fits.log_likelihood[0]),
        row=fits.row[0],
        column=fits.column[0],
        status=status,
        interval=None if level is None else (float(fits.interval[0, 0]), float(fits.interval[0, 1])),
        level=fits.level,
        payoff_scale=float(fits.payoff_scale[0]),
        notes=fits.notes[0],
    )
