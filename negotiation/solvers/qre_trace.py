r"""The logit-QRE principal branch traced for a stack of games: continuation and polishing.

The machinery of :mod:`negotiation.solvers.qre` (which states the model, the continuation
and the stopping rule, and offers the public functions): a pool of games traced together
(:func:`trace`), each step an Euler predictor and a Newton corrector on the homotopy of
:mod:`negotiation.solvers.qre_homotopy`, elementwise over the pool so that a game's trace
does not depend on the others; and *polishing* (:func:`polish`), which reads the supports of
a point at several relative thresholds and solves the indifference equations for the
equilibrium with those supports nearest to it.

References
----------
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer, ch. 2, 6.
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from negotiation.solvers.linalg import det_inv
from negotiation.solvers.qre_homotopy import to_log_probabilities
from negotiation.solvers.qre_kernel import (
    BRANCH_POINT_STEP,
    CORRECTOR_ITERATIONS,
    CORRECTOR_TOLERANCE,
    FIRST_STEP,
    ISOLATED_CONDITION,
    MAX_ACCEL,
    MIN_STEP,
    NOMINAL_ANGLE,
    NOMINAL_CONTRACTION,
    NOMINAL_DISTANCE,
    NU_LIMIT,
    STOPS,
    SUPPORT_THRESHOLDS,
    fixed_precision,
    trace_games,
)
from negotiation.solvers.records import max_regrets

__all__ = [
    "BRANCH_POINT_STEP", "CORRECTOR_ITERATIONS", "CORRECTOR_TOLERANCE", "FIRST_STEP", "MAX_ACCEL",
    "NOMINAL_ANGLE", "NOMINAL_CONTRACTION", "NOMINAL_DISTANCE", "NU_LIMIT", "STOPS", "Traces",
    "polish", "profiles", "trace",
]

#: Default cap on the normalised precision lambda * s.
_NORMALISED_LAM_CAP = 1e8
#: Largest L1 distance between the last point and its polished equilibrium.
_FINAL_DISTANCE = 0.05
#: Smallest step length before a trace gives up (the kernel's).
_MIN_STEP = MIN_STEP
#: Relative thresholds at which supports are read off a point (the kernel's).
_SUPPORT_THRESHOLDS = SUPPORT_THRESHOLDS
#: Largest 1-norm condition number of the indifference equations of an isolated equilibrium.
_ISOLATED_CONDITION = ISOLATED_CONDITION

# --------------------------------------------------------------------------- polishing


def profiles(u: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
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


def polish(
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


def _fixed_mu(a: np.ndarray, b: np.ndarray, u: np.ndarray, nu: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method on H(w, nu) = 0 at fixed nu from u, for games ``a, b`` stored batch
    last (m, n, C) and points u (k, C); returns the solutions and whether each converged
    (the kernel's :func:`~negotiation.solvers.qre_kernel.fixed_precision`)."""
    A = np.ascontiguousarray(np.moveaxis(a, -1, 0), dtype=float)
    B = np.ascontiguousarray(np.moveaxis(b, -1, 0), dtype=float)
    nu = np.asarray(nu, dtype=float) * np.ones(A.shape[0])
    return fixed_precision(A, B, np.ascontiguousarray(u, dtype=float), nu)


@dataclass
class Traces:
    """What :func:`trace` returns for each game (columns)."""

    last: np.ndarray  # (k, G) last accepted point
    stop: np.ndarray  # (G,) index into STOPS
    crossing: np.ndarray  # (k, G) the solution at the target precision (NaN if none)
    bifurcation: np.ndarray  # (G, 2) mu before and after the first branch point (NaN if none)
    failure_mu: np.ndarray  # (G,) mu where the step length collapsed
    points: list[list[np.ndarray]] | None


def trace(
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
) -> Traces:
    """Predictor-corrector continuation of H = 0 from the centroid for a stack of games.

    ``A, B`` (G, m, n) are normalised by their payoff scales. Each game stops at the first
    crossing of its ``mu_target`` (solving there at fixed mu), at ``mu_max``, after
    ``max_steps`` accepted steps, when the step length collapses, or (without a target) at
    the first accepted point with mu >= 1e3 near a verified isolated equilibrium. Each game
    is traced alone by the compiled kernel (:func:`~negotiation.solvers.qre_kernel.trace_games`).
    """
    G, m, n = A.shape
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_max = np.log1p(np.asarray(mu_max, dtype=float) * np.ones(G))
        nu_target = np.log1p(np.asarray(0.0 if mu_target is None else mu_target, dtype=float) * np.ones(G))
    last, stop, crossing, bifurcation, failure_mu, recorded, owner = trace_games(
        np.ascontiguousarray(A, dtype=float), np.ascontiguousarray(B, dtype=float), nu_max, nu_target,
        mu_target is not None, float(tol), float(first_step), float(max_accel), int(max_steps), bool(record),
    )
    points = None
    if record:
        points = [[] for _ in range(G)]
        for point, g in zip(recorded, owner, strict=True):
            points[g].append(point)
    return Traces(last, stop, crossing, bifurcation, failure_mu, points)
