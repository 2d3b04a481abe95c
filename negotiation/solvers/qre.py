r"""Logit quantal response equilibrium (QRE) and its principal branch.

Model
-----
In a bimatrix game :math:`(A, B)` (row player first, payoffs indexed
``[row action, column action]``) a *logit quantal response equilibrium* with
precision :math:`\lambda \ge 0` is a profile :math:`(x, y)` with

.. math::

    x_i = \frac{\exp(\lambda (Ay)_i)}{\sum_k \exp(\lambda (Ay)_k)}, \qquad
    y_j = \frac{\exp(\lambda (x^\top B)_j)}{\sum_l \exp(\lambda (x^\top B)_l)}.

At :math:`\lambda = 0` the unique QRE is the centroid (uniform play). For generic
games the QRE correspondence contains a unique smooth curve, the *principal
branch*, that starts at the centroid and is unbounded in :math:`\lambda`; as
:math:`\lambda \to \infty` it converges to a Nash equilibrium, the *limiting
logit equilibrium* (McKelvey and Palfrey 1995, Theorem 3; Turocy 2005).

Tracing
-------
The branch is followed by numerical continuation on the homotopy, written in
log-probability coordinates :math:`z = (\log x, \log y)` and the normalised
precision :math:`\mu = \lambda s`, where :math:`s` is the payoff scale (the
larger of the two players' payoff ranges, 1 if both are constant):

.. math::

    H(z, \mu) = z - \log \operatorname{logit}_\mu\!\big(e^{z}\big) = 0,
    \qquad H: \mathbb{R}^{m+n} \times \mathbb{R} \to \mathbb{R}^{m+n}.

The solution set is a curve, followed in the chart :math:`(w, \nu)` with
:math:`\nu = \log(1 + \mu)` and :math:`z = \varphi(w)` (:func:`to_log_probabilities`: the
identity for probabilities above :math:`e^{-10}`, logarithmic compression below). Along
the far end of the branch :math:`x - x^* = O(1/\mu)` and the log-probabilities of unused
actions fall like :math:`-\mu`; in this chart both are nearly straight in :math:`\log \mu`,
so steps can grow geometrically. The curve is parameterised by arc length, so turning
points (where :math:`\lambda` decreases for a while) are passed like any other point.
Each step is an Euler predictor along the unit tangent (the kernel of :math:`DH`,
oriented to continue the previous one) and a Newton corrector on the hyperplane
orthogonal to it, whose last matrix :math:`[DH; t^\top]` also gives the new tangent
(Allgower and Georg 1990, ch. 2 and 6). The step length adapts to the corrector's first
correction, its contraction and the change of tangent (nominal values
``NOMINAL_DISTANCE``, ``NOMINAL_CONTRACTION``, ``NOMINAL_ANGLE``).

Branch jumping. Where another branch of the QRE correspondence passes close to the
principal one, a long step can land on it; the trace would then end at that branch's
limit. The sign of :math:`\det [DH; t^\top]` is constant along a branch, turning points
included, and is reversed on a neighbouring branch that is met going the other way, so a
step across which it changes sign is retried four times shorter; only a sign change that
persists down to steps of ``BRANCH_POINT_STEP`` is taken as a genuine bifurcation (a
branch point, which only occurs in non-generic games) and reported in the notes. On
18,252 Madrid stage games with several equilibria, a tracer without this retry ended on
another branch in 5 of 2,000 (0.25%), always where Gambit's ``logit_solve`` follows the
principal branch to a different equilibrium; with it, our limits equal Gambit's on
5,000 of 5,000 (L1 distance below 0.002, Gambit's own stopping accuracy).

Because :math:`\mu` is dimensionless, steps and stopping rules are independent of
the payoff units; the results report :math:`\lambda = \mu / s` in the caller's
units, so :func:`logit_response` and the points of the branch obey the formula
above with the raw payoffs (as in Gambit's ``logit_solve_lambda``).

The limit is obtained by tracing until, at :math:`\mu \ge 10^3`, the current
QRE is within L1 distance 0.01 of an isolated equilibrium verified by
:func:`negotiation.equilibrium.max_regret` (or :math:`\lambda` reaches
``lam_max``), then *polishing*: the supports are read off the last point and the
equilibrium with those supports is solved from the indifference equations. The
polished profile is used only if it is close to the traced point and verified;
otherwise the last QRE is returned with ``converged=False``.

Limitations
-----------
- Both players share one :math:`\lambda` (as in McKelvey and Palfrey): rescaling
  *one* player's payoffs changes the branch and can change its limit. Only the
  common scale :math:`s` is normalised away.
- Non-generic games can have bifurcations on the principal branch (for example a
  symmetric coordination game, where the centroid is a QRE for every
  :math:`\lambda`). The tracer reports them in ``notes`` and continues along the
  branch that passes straight through; it does not perturb the game to choose a
  side branch as Gambit 17 does, so the two limits can differ there.
- In degenerate games (a continuum of equilibria) the branch approaches its limit
  only like :math:`1/\lambda`; the limit is taken as the equilibrium of the
  component that the support equations single out near the last point (traced to
  :math:`\lambda s = 10^8`), agreeing with Gambit on the cases tested.
- Cost: tens of milliseconds for games up to about 10x10 (dense linear algebra of
  size :math:`m + n + 1` per Newton step, pure NumPy).

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal
form games. *Games and Economic Behavior* 10, 6--38.

Turocy, T. L. (2005). A dynamic homotopy interpretation of the logistic quantal
response equilibrium correspondence. *Games and Economic Behavior* 51, 243--263.

Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods: An
Introduction*. Springer.

Examples
--------
>>> import numpy as np
>>> A = np.array([[9., 0.], [8., 7.]])    # stag hunt: stag = 0, hare = 1
>>> branch = trace_principal_branch(A, A.T)
>>> branch.converged, branch.limit[0].tolist(), branch.limit[1].tolist()
(True, [0.0, 1.0], [0.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from negotiation.equilibrium import max_regret

__all__ = [
    "QREPoint",
    "QREBranch",
    "logit_response",
    "logit_qre",
    "trace_principal_branch",
    "payoff_scale",
]

#: Default cap on the normalised precision :math:`\lambda s` of the tracer.
_NORMALISED_LAM_CAP = 1e8
#: The tracer may stop once :math:`\lambda s` is at least this and the branch is within
#: L1 distance ``_STOP_DISTANCE`` of a verified equilibrium.
_NORMALISED_LAM_CHECK = 1e3
_STOP_DISTANCE = 0.01
#: Largest L1 distance between the last point and its polished equilibrium.
_FINAL_DISTANCE = 0.05


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
    """The traced principal branch of the logit QRE correspondence and its limit.

    Attributes
    ----------
    points : tuple of QREPoint
        The accepted continuation points in arc-length order, starting at the
        centroid (``lam = 0``). ``lam`` need not increase monotonically (turning
        points). Each is a logit QRE up to the corrector's accuracy (its last
        correction below ``CORRECTOR_TOLERANCE`` relative, so the point is within about
        its square: probabilities off by at most 2e-8 on 3,000 Madrid points checked).
    limit : tuple of numpy.ndarray
        ``(x, y)``: the limiting Nash equilibrium (polished, see the module
        docstring), or the last traced point when polishing failed.
    limit_max_regret : float
        :func:`~negotiation.equilibrium.max_regret` of ``limit`` in payoff units.
    converged : bool
        Whether ``limit_max_regret <= tol * payoff_scale``.
    notes : tuple of str
        What happened: how the trace stopped, polishing, bifurcations, failures.
    payoff_scale : float
        :math:`s`, the larger of the two players' payoff ranges (1 if both are 0).
    """

    points: tuple[QREPoint, ...]
    limit: tuple[np.ndarray, np.ndarray]
    limit_max_regret: float
    converged: bool
    notes: tuple[str, ...]
    payoff_scale: float = 1.0


# --------------------------------------------------------------------------- validation


def _game(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    if A.ndim != 2 or B.ndim != 2:
        raise ValueError(
            f"payoffs A and B must be 2-D matrices; got shapes {A.shape} and {B.shape}"
        )
    if A.shape != B.shape:
        raise ValueError(f"payoffs A and B must have the same shape; got {A.shape} and {B.shape}")
    if A.size == 0:
        raise ValueError(f"each player needs at least one action; got shape {A.shape}")
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
    r"""The payoff scale :math:`s`: the larger of the two players' payoff ranges, or 1
    if both are zero. The tracer works with :math:`\mu = \lambda s`.

    Examples
    --------
    >>> payoff_scale([[9., 0.], [8., 7.]], [[9., 8.], [0., 7.]])
    9.0
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    s = max(float(np.ptp(A)), float(np.ptp(B)))
    return s if s > 0 else 1.0


# --------------------------------------------------------------------------- the model


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


def _log_softmax(v: np.ndarray) -> np.ndarray:
    shifted = v - v.max()
    return shifted - np.log(np.exp(shifted).sum())


def logit_response(
    A: ArrayLike, B: ArrayLike, x: ArrayLike, y: ArrayLike, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Both players' logit responses to the profile :math:`(x, y)`.

    .. math::

        \big(\operatorname{softmax}(\lambda A y),\ \operatorname{softmax}(\lambda B^\top x)\big),
        \quad \operatorname{softmax}(v)_i = e^{v_i} / \textstyle\sum_k e^{v_k}.

    A profile is a logit QRE exactly when it is a fixed point of this map.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    x, y : array_like, shapes (m,) and (n,)
        Mixed strategies.
    lam : float
        Precision :math:`\lambda \ge 0` in 1 / payoff units.

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


# --------------------------------------------------------------------------- homotopy

#: Log-probabilities below minus this are compressed logarithmically by the chart
#: (:func:`to_log_probabilities`): actions played with probability below e^-10.
Z_COMPRESSION = 10.0


def to_log_probabilities(w: np.ndarray) -> np.ndarray:
    r"""The chart of the tracer: log-probabilities :math:`z = \varphi(w)`, elementwise.

    .. math::

        \varphi(w) = w \ (w \ge -c), \qquad \varphi(w) = -c\, e^{-w/c - 1} \ (w < -c),

    with :math:`c` = ``Z_COMPRESSION``: continuously differentiable, increasing, the
    identity for probabilities above :math:`e^{-c}`. Along the principal branch the
    log-probability of an action that is not a best response falls like :math:`-\mu`,
    so its coordinate :math:`w \approx -c \log \mu` is, like :math:`\nu = \log(1 + \mu)`,
    linear in :math:`\log \mu`: the far end of the branch is nearly straight in
    :math:`(w, \nu)` and steps can grow geometrically.

    >>> to_log_probabilities(np.array([-1.0, -10.0, -20.0])).round(3).tolist()
    [-1.0, -10.0, -27.183]
    """
    return chart(w)[0]


def chart_derivative(w: np.ndarray) -> np.ndarray:
    r""":math:`\varphi'(w)` of :func:`to_log_probabilities` (1 above :math:`-c`)."""
    return chart(w)[1]


def chart(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(\varphi(w), \varphi'(w))` of :func:`to_log_probabilities` with one
    exponential: :math:`\varphi' = e^{\max(-w/c - 1,\, 0)}` and :math:`\varphi = -c \varphi'`
    below :math:`-c`."""
    c = Z_COMPRESSION
    derivative = np.exp(np.clip(-w / c - 1.0, 0.0, 700.0))
    return np.where(w >= -c, w, -c * derivative), derivative


def from_log_probabilities(z: np.ndarray) -> np.ndarray:
    r"""The inverse chart :math:`w = \varphi^{-1}(z)` (``z`` finite, any sign)."""
    c = Z_COMPRESSION
    return np.where(z >= -c, z, -c * (1.0 + np.log(np.maximum(-z, c) / c)))


def _mu(u: np.ndarray) -> float:
    """The normalised precision mu = lam * s of a point u = (w_x, w_y, nu), nu = log(1 + mu)."""
    return float(np.expm1(u[-1]))


def _residual(An: np.ndarray, Bn: np.ndarray, u: np.ndarray) -> np.ndarray:
    """H(z, mu) = z - log logit_mu(exp z) for normalised payoffs, at u = (w, log(1 + mu))."""
    m, n = An.shape
    z = to_log_probabilities(u[:-1])
    zx, zy, mu = z[:m], z[m:], _mu(u)
    x, y = np.exp(zx), np.exp(zy)
    return np.concatenate([zx - _log_softmax(mu * (An @ y)), zy - _log_softmax(mu * (x @ Bn))])


def _system(
    An: np.ndarray, Bn: np.ndarray, u: np.ndarray, last_row: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """H(u) and the square matrix [DH(u); last_row].

    DH has shape (m + n, m + n + 1), columns (w_x, w_y, nu): the Jacobian in log-probabilities
    z times the chart's derivative, and dH/dnu with nu = log(1 + mu).
    """
    m, n = An.shape
    k = m + n
    z, derivative = chart(u[:-1])
    zx, zy, mu = z[:m], z[m:], _mu(u)
    x, y = np.exp(zx), np.exp(zy)
    v = mu * (An @ y)
    w = mu * (x @ Bn)
    v_max, w_max = v.max(), w.max()
    ev, ew = np.exp(v - v_max), np.exp(w - w_max)
    sv, sw = ev.sum(), ew.sum()
    p, q = ev / sv, ew / sw
    r = np.empty(k)
    r[:m] = zx - (v - v_max - np.log(sv))
    r[m:] = zy - (w - w_max - np.log(sw))
    M = np.zeros((k + 1, k + 1))
    M[np.arange(k), np.arange(k)] = 1.0
    # d log p_i / d z_yj = mu (A_ij - (p^T A)_j) y_j
    M[:m, m:k] = -mu * (An - p @ An) * y
    # d log q_j / d z_xi = mu (B_ij - (B q)_i) x_i
    M[m:k, :m] = -mu * (Bn - (Bn @ q)[:, None]).T * x
    M[:k, :k] *= derivative
    # dH/dnu = dH/dmu * dmu/dnu with dmu/dnu = 1 + mu, and mu dH/dmu = -(v - p.v)
    if mu > 0:
        scale = (1.0 + mu) / mu
        M[:m, k] = -(v - p @ v) * scale
        M[m:k, k] = -(w - q @ w) * scale
    else:
        M[:m, k] = -(An @ y - p @ (An @ y))
        M[m:k, k] = -(x @ Bn - q @ (x @ Bn))
    M[k] = last_row
    return r, M


def _jacobian(An: np.ndarray, Bn: np.ndarray, u: np.ndarray) -> np.ndarray:
    """DH, shape (m + n, m + n + 1), columns (w_x, w_y, nu)."""
    return _system(An, Bn, u, np.zeros(u.size))[1][:-1]


def _tangent(
    An: np.ndarray, Bn: np.ndarray, u: np.ndarray, previous: np.ndarray
) -> tuple[np.ndarray, float]:
    """Unit kernel vector of DH(u) oriented along ``previous``, and sign of det[DH; t]."""
    _, M = _system(An, Bn, u, previous)
    rhs = np.zeros(u.size)
    rhs[-1] = 1.0
    t = np.linalg.solve(M, rhs)
    t /= np.linalg.norm(t)
    M[-1] = t
    sign, _ = np.linalg.slogdet(M)
    return t, float(sign)


def _profile(u: np.ndarray, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    z = to_log_probabilities(u[:-1])
    x = np.exp(z[:m])
    y = np.exp(z[m:])
    return x / x.sum(), y / y.sum()


def _newton_fixed_mu(An: np.ndarray, Bn: np.ndarray, u: np.ndarray, mu: float) -> np.ndarray | None:
    """Solve H(z, mu) = 0 for z at fixed mu, from u; None if Newton fails."""
    m, n = An.shape
    u = u.copy()
    u[-1] = np.log1p(mu)
    for _ in range(30):
        r = _residual(An, Bn, u)
        if np.max(np.abs(r)) < 1e-12 * (1.0 + np.max(np.abs(to_log_probabilities(u[:-1])))):
            return u
        J = _jacobian(An, Bn, u)[:, : m + n]
        try:
            du = np.linalg.solve(J, -r)
        except np.linalg.LinAlgError:
            return None
        u[:-1] += du
        if not np.all(np.isfinite(u)) or u[:-1].max() > 1.0:
            return None
    r = _residual(An, Bn, u)
    return u if np.max(np.abs(r)) < 1e-9 else None


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


def correction_scale(u: np.ndarray) -> np.ndarray:
    """Per-coordinate scale of the corrector's tolerance at u: 1 + |z| (log-probabilities,
    not chart coordinates) and 1 + nu, plus 1e-4 mu (mu (A y) is evaluated with absolute
    error ~ eps mu)."""
    scale = np.empty(u.shape)
    scale[:-1] = np.abs(to_log_probabilities(u[:-1]))
    scale[-1] = np.abs(u[-1])
    return 1.0 + scale + 1e-4 * np.expm1(np.minimum(u[-1], NU_LIMIT))


@dataclass(frozen=True)
class _Corrected:
    point: np.ndarray
    tangent: np.ndarray  # unit, oriented along the previous tangent
    sign: float  # of det [DH; tangent]
    distance: float  # length of the first correction
    contraction: float  # ratio of the second correction's length to the first's


def _correct(An: np.ndarray, Bn: np.ndarray, pred: np.ndarray, t: np.ndarray) -> _Corrected | None:
    r"""Newton corrector on the hyperplane through ``pred`` orthogonal to ``t``.

    Each iteration solves :math:`[DH(v); t^\top] (\delta, \tau) = ((-H(v), -t^\top (v -
    \mathrm{pred})), e)` for the correction :math:`\delta` and, with the same matrix, the
    tangent :math:`\tau` at :math:`v` (:math:`t^\top \tau = 1`, so
    :math:`\det [DH; \tau]` has the sign of :math:`\det [DH; t]`). It stops when every
    coordinate of :math:`\delta` is below ``CORRECTOR_TOLERANCE`` times
    :func:`correction_scale`, returning :math:`v + \delta` with the tangent at :math:`v`;
    None when Newton does not contract (a correction longer than half the previous) or
    diverges.
    """
    k = pred.size
    cand = pred.copy()
    rhs = np.zeros((k, 2))
    rhs[-1, 1] = 1.0
    norms: list[float] = []
    for _ in range(CORRECTOR_ITERATIONS):
        r, M = _system(An, Bn, cand, t)
        rhs[:-1, 0] = -r
        rhs[-1, 0] = -(t @ (cand - pred))
        try:
            sol = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            return None
        du = sol[:, 0]
        norm = float(np.linalg.norm(du))
        if not np.isfinite(norm) or (norms and norm > 0.5 * norms[-1] and norm > 1e-13):
            return None  # not contracting
        norms.append(norm)
        if np.all(np.abs(du) < CORRECTOR_TOLERANCE * correction_scale(cand)):
            tangent = sol[:, 1] / np.linalg.norm(sol[:, 1])
            sign = float(np.sign(np.linalg.det(M)))
            contraction = norms[1] / norms[0] if len(norms) > 1 and norms[0] > 0 else 0.0
            return _Corrected(cand + du, tangent, sign, norms[0], contraction)
        cand = cand + du
        if cand[-1] > NU_LIMIT or cand[:-1].max() > 1.0:
            return None  # diverging: mu would overflow, or a "probability" above e
    return None


@dataclass
class _Trace:
    us: list[np.ndarray]
    stop: str  # "target", "lam_max", "verified", "max_steps", "step_failure"
    notes: list[str]
    crossing: np.ndarray | None = None


def _trace(
    An: np.ndarray,
    Bn: np.ndarray,
    *,
    mu_max: float,
    mu_target: float | None,
    first_step: float,
    max_accel: float,
    max_steps: int,
    should_stop: Callable[[np.ndarray], bool] | None = None,
) -> _Trace:
    """Predictor-corrector continuation of H = 0 from the centroid (normalised units).

    Stops at the first crossing of ``mu_target`` (solving there at fixed mu), at
    ``mu_max``, or at the first accepted point ``u`` with ``should_stop(u)``.
    """
    m, n = An.shape
    k = m + n + 1
    u = np.concatenate([np.full(m, -np.log(m)), np.full(n, -np.log(n)), [0.0]])
    e_mu = np.zeros(k)
    e_mu[-1] = 1.0
    t, sign = _tangent(An, Bn, u, e_mu)
    nu_max = np.log1p(mu_max)
    us = [u.copy()]
    notes: list[str] = []
    h = first_step
    h_min = 1e-12
    steps = 0
    while steps < max_steps:
        # ---- predictor / corrector with step-length control
        while True:
            if h < h_min:
                notes.append(
                    f"step length fell below {h_min:g} at lam*s = {_mu(u):.6g}; tracing stopped"
                )
                return _Trace(us, "step_failure", notes)
            if t[-1] > 0 and u[-1] + h * t[-1] > nu_max:
                h = (nu_max - u[-1]) / t[-1]  # land on mu_max
            corrected = _correct(An, Bn, u + h * t, t)
            if corrected is None:
                h *= 0.5
                continue
            if corrected.sign != sign and h > BRANCH_POINT_STEP:
                # det [DH; t] keeps its sign along one branch, turning points included: the
                # step jumped onto another branch passing close by
                h *= 0.25
                continue
            cosine = float(np.clip(t @ corrected.tangent, -1.0, 1.0))
            angle = float(np.arccos(cosine))
            # Allgower-Georg step adaptation: ratio of observed to nominal quantities
            factor = max(
                np.sqrt(corrected.distance / NOMINAL_DISTANCE),
                np.sqrt(corrected.contraction / NOMINAL_CONTRACTION),
                angle / NOMINAL_ANGLE,
            )
            if factor > 2.0:  # step too long: retry shorter
                h /= min(factor, 4.0)
                continue
            break
        cand = corrected.point
        h_next = h * min(max_accel, 1.0 / max(factor, 1e-12))
        steps += 1
        if corrected.sign != sign:
            notes.append(
                f"bifurcation (branch point) detected between lam*s = {_mu(u):.6g} and "
                f"{_mu(cand):.6g}; the game is not generic and the tracer continued along the "
                "branch that passes straight through it"
            )
        if mu_target is not None and (_mu(u) - mu_target) * (_mu(cand) - mu_target) <= 0:
            # first crossing of the target precision: interpolate, then fix mu and solve
            nu_target = np.log1p(mu_target)
            frac = (nu_target - u[-1]) / (cand[-1] - u[-1]) if cand[-1] != u[-1] else 1.0
            guess = u + frac * (cand - u)
            sol = _newton_fixed_mu(An, Bn, guess, mu_target)
            if sol is None:  # fall back to the nearer continuation point's z
                sol = _newton_fixed_mu(An, Bn, cand if frac > 0.5 else u, mu_target)
            us.append(cand)
            if sol is not None:
                return _Trace(us, "target", notes, crossing=sol)
            notes.append(f"could not solve for the QRE at lam*s = {mu_target:.6g}")
            return _Trace(us, "step_failure", notes)
        u, t, sign = cand, corrected.tangent, corrected.sign
        us.append(u.copy())
        h = h_next
        if should_stop is not None and should_stop(u):
            return _Trace(us, "verified", notes)
        if u[-1] >= nu_max * (1 - 1e-12):
            return _Trace(us, "lam_max", notes)
    notes.append(f"stopped after max_steps = {max_steps} steps at lam*s = {_mu(u):.6g}")
    return _Trace(us, "max_steps", notes)


# --------------------------------------------------------------------------- polishing


def _nearest_solution(M: np.ndarray, b: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """The solution of M w = b nearest to w0 (least squares if inconsistent)."""
    return w0 + np.linalg.lstsq(M, b - M @ w0, rcond=None)[0]


def _support_equilibrium(
    A: np.ndarray, B: np.ndarray, x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool] | None:
    """The profile with supports within (rows, cols) that makes each player's opponent
    indifferent on its support and is nearest to (x, y), and whether it is the unique
    such profile; None if not a valid profile.

    With equal support sizes and non-singular equations (non-degenerate games) the
    solution is unique; otherwise the nearest solution (or least-squares fit) is taken
    and left to the caller's max-regret check.
    """
    m, n = A.shape
    k1, k2 = len(rows), len(cols)
    # column strategy on cols: A[rows, cols] y_S - u 1 = 0, sum y_S = 1
    My = np.zeros((k1 + 1, k2 + 1))
    My[:k1, :k2] = A[np.ix_(rows, cols)]
    My[:k1, k2] = -1.0
    My[k1, :k2] = 1.0
    by = np.zeros(k1 + 1)
    by[-1] = 1.0
    y0 = np.append(y[cols], (A[rows] @ y).mean())
    # row strategy on rows: B[rows, cols]^T x_S - v 1 = 0, sum x_S = 1
    Mx = np.zeros((k2 + 1, k1 + 1))
    Mx[:k2, :k1] = B[np.ix_(rows, cols)].T
    Mx[:k2, k1] = -1.0
    Mx[k2, :k1] = 1.0
    bx = np.zeros(k2 + 1)
    bx[-1] = 1.0
    x0 = np.append(x[rows], (x @ B[:, cols]).mean())
    sol_y = _nearest_solution(My, by, y0)[:k2]
    sol_x = _nearest_solution(Mx, bx, x0)[:k1]
    if np.any(sol_x < -1e-9) or np.any(sol_y < -1e-9):
        return None
    xs = np.zeros(m)
    ys = np.zeros(n)
    xs[rows] = np.where(sol_x < 1e-14, 0.0, sol_x)  # round-off below zero or near it
    ys[cols] = np.where(sol_y < 1e-14, 0.0, sol_y)
    if xs.sum() <= 0 or ys.sum() <= 0:
        return None
    unique = k1 == k2 and np.linalg.cond(My) < 1e10 and np.linalg.cond(Mx) < 1e10
    return xs / xs.sum(), ys / ys.sum(), bool(unique)


def _polish(
    A: np.ndarray,
    B: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    tol_abs: float,
    max_distance: float,
    unique_only: bool = False,
) -> tuple[tuple[np.ndarray, np.ndarray], float] | None:
    """A verified equilibrium within L1 ``max_distance`` of (x, y), read off the
    supports of (x, y) at several relative thresholds, and its distance; or None.

    Equilibria isolated by their support equations are preferred to nearer solutions
    of underdetermined ones (in a degenerate game the branch converges to the extreme
    point of the component at which the weakly used actions are best responses);
    with ``unique_only`` only isolated ones count.
    """
    best = None
    best_key = (True, np.inf)
    best_distance = np.inf
    seen = set()
    for threshold in (1e-1, 1e-2, 1e-4, 1e-6, 1e-9, 1e-12):
        rows = np.flatnonzero(x >= threshold * x.max())
        cols = np.flatnonzero(y >= threshold * y.max())
        key = (tuple(rows), tuple(cols))
        if key in seen:
            continue
        seen.add(key)
        cand = _support_equilibrium(A, B, x, y, rows, cols)
        if cand is None or (unique_only and not cand[2]):
            continue
        profile = cand[:2]
        if max_regret(A, B, *profile) > tol_abs:
            continue
        distance = float(np.abs(profile[0] - x).sum() + np.abs(profile[1] - y).sum())
        if distance > max_distance:
            continue
        key = (not cand[2], distance)
        if key < best_key:
            best, best_key, best_distance = profile, key, distance
    if best is None:
        return None
    return best, best_distance


# --------------------------------------------------------------------------- public API


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
    r"""Trace the principal branch of the logit QRE from the centroid and return its limit.

    See the module docstring for the homotopy, the continuation and the polishing.
    Tracing stops at the first point with :math:`\lambda s \ge 10^3` within L1
    distance 0.01 of an equilibrium that is isolated (equal support sizes, non-singular
    indifference equations) and has max regret at most ``tol * s``, or when
    :math:`\lambda` reaches ``lam_max``. In degenerate games (a continuum of
    equilibria) the branch is therefore traced to ``lam_max`` and the limit is the
    equilibrium of the component nearest to the last point.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs (any units).
    lam_max : float, optional
        Largest precision :math:`\lambda` (1 / payoff units) to trace to. Default
        ``1e8 / s`` with :math:`s` the larger payoff range (:math:`\lambda s = 10^8`,
        whatever the units); it is only reached when payoff differences are tiny
        relative to :math:`s`.
    tol : float
        Relative tolerance: the limit is ``converged`` when its max regret is at most
        ``tol * s``.
    first_step : float
        Initial arc length (in normalised coordinates).
    max_accel : float
        Largest factor by which the step grows after an accepted step.
    max_steps : int
        Bound on the number of accepted continuation steps.

    Returns
    -------
    QREBranch
        The points, the limit, its max regret, ``converged`` and ``notes``.

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
    s = payoff_scale(A, B)
    mu_max = _NORMALISED_LAM_CAP if lam_max is None else _lam(lam_max, "lam_max") * s
    if max_steps < 1:
        raise ValueError(f"max_steps = {max_steps}: expected a positive integer")
    if not first_step > 0 or not max_accel >= 1:
        raise ValueError(
            f"first_step = {first_step!r} must be > 0 and max_accel = {max_accel!r} >= 1"
        )
    m, n = A.shape
    An, Bn = A / s, B / s

    def verified(u: np.ndarray) -> bool:
        if _mu(u) < _NORMALISED_LAM_CHECK:
            return False
        x, y = _profile(u, m, n)
        return _polish(An, Bn, x, y, tol, _STOP_DISTANCE, unique_only=True) is not None

    trace = _trace(
        An,
        Bn,
        mu_max=mu_max,
        mu_target=None,
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
        should_stop=verified,
    )
    points = tuple(QREPoint(_mu(u) / s, *_profile(u, m, n)) for u in trace.us)
    notes = list(trace.notes)
    last = points[-1]
    where = f"lam = {last.lam:.6g} (lam*s = {last.lam * s:.6g})"
    if trace.stop == "lam_max":
        notes.append(f"reached lam_max at {where}")
    elif trace.stop == "verified":
        notes.append(f"stopped at {where}, where the branch is near a verified equilibrium")
    x, y = last.row, last.column
    point_regret = max_regret(A, B, x, y)
    polished = _polish(An, Bn, x, y, tol, _FINAL_DISTANCE)  # normalised: well scaled
    if polished is not None and max_regret(A, B, *polished[0]) <= max(point_regret, tol * s):
        limit = polished[0]
        notes.append(
            f"limit polished from the supports of the last point (L1 distance {polished[1]:.3g})"
        )
    else:
        limit = (x, y)
        notes.append(
            "could not polish the last point to a verified equilibrium; the limit is the "
            "last traced QRE"
        )
    regret = max_regret(A, B, *limit)
    converged = regret <= tol * s
    if not converged:
        notes.append(f"limit max regret {regret:.3g} exceeds tol*s = {tol * s:.3g}")
    return QREBranch(
        points=points,
        limit=limit,
        limit_max_regret=regret,
        converged=bool(converged),
        notes=tuple(notes),
        payoff_scale=s,
    )


def logit_qre(
    A: ArrayLike,
    B: ArrayLike,
    lam: float,
    *,
    first_step: float = FIRST_STEP,
    max_accel: float = MAX_ACCEL,
    max_steps: int = 5000,
) -> QREPoint:
    r"""The logit QRE on the principal branch at precision ``lam``.

    The branch is traced from the centroid (module docstring) until it first
    reaches ``lam``; there the equations are solved at fixed :math:`\lambda` by
    Newton's method. If the branch has turning points it can cross the same
    :math:`\lambda` more than once; the first crossing in arc-length order is
    returned (as Gambit's ``logit_solve_lambda`` does).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    lam : float
        Precision :math:`\lambda \ge 0` in 1 / payoff units.
    first_step, max_accel, max_steps
        As in :func:`trace_principal_branch`.

    Raises
    ------
    ValueError
        Bad payoffs or ``lam`` negative / not finite.
    RuntimeError
        If the tracer fails to reach ``lam`` (never silently returns a wrong point).

    References
    ----------
    McKelvey and Palfrey (1995); Turocy (2005).

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
    m, n = A.shape
    if lam == 0.0:
        return QREPoint(0.0, np.full(m, 1.0 / m), np.full(n, 1.0 / n))
    s = payoff_scale(A, B)
    mu = lam * s
    trace = _trace(
        A / s,
        B / s,
        mu_max=np.inf,
        mu_target=mu,
        first_step=first_step,
        max_accel=max_accel,
        max_steps=max_steps,
    )
    if trace.crossing is None:
        raise RuntimeError(
            f"logit_qre: the principal branch was not traced to lam = {lam:g}: "
            + "; ".join(trace.notes)
        )
    x, y = _profile(trace.crossing, m, n)
    return QREPoint(lam, x, y)
