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
from negotiation.solvers.qre_homotopy import Frame, to_log_probabilities
from negotiation.solvers.records import max_regrets

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
class Traces:
    """What :func:`_trace` returns for each game (columns)."""

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
    pool_size: int = 8192,
) -> Traces:
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
    out = Traces(
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
            x, y = profiles(pool.u[:, check], m)
            verified, *_ = polish(
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
