r"""The logit-QRE homotopy at points of a stack of games: the map, its Jacobian, bordered solves.

The principal branch of the logit quantal response equilibrium (McKelvey and Palfrey 1995)
is the curve :math:`H(u) = 0`, :math:`u = (w, \nu)`, with log-probabilities
:math:`z = (\log x, \log y) = \varphi(w)` (the chart :func:`to_log_probabilities`) and
:math:`\nu = \log(1 + \mu)`, :math:`\mu = \lambda s`:

.. math::

    H(u) = \big(z_x - \log \sigma(\mu A y),\ z_y - \log \sigma(\mu B^\top x)\big),

:math:`\sigma` the softmax. Everything here works on a stack of games stored *batch last*
(``A`` of shape ``(m, n, G)``, points ``u`` of shape ``(m + n + 1, G)``) with the small
action dimensions unrolled, so that each game's arithmetic is the same whatever else is in
the batch: a single game is a batch of one. :class:`Frame` evaluates :math:`H` and
:math:`DH` and solves the bordered systems :math:`[DH; t^\top] d = b` of the
predictor-corrector continuation in :mod:`negotiation.solvers.qre`.

References
----------
McKelvey, R. D. and Palfrey, T. R. (1995). Quantal response equilibria for normal form
games. *Games and Economic Behavior* 10, 6--38.
Allgower, E. L. and Georg, K. (1990). *Numerical Continuation Methods*. Springer, ch. 2, 6.
"""

from __future__ import annotations

import numpy as np

from negotiation.solvers.linalg import det_inv_last, solve_last

__all__ = ["Frame", "chart", "from_log_probabilities", "to_log_probabilities"]


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



#: Exponents are clipped here: probabilities below 1e-130 are as good as 0, and
#: subnormal numbers are very slow.
_LOG_TINY = -300.0


class Frame:
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
        det_s, S_inv = det_inv_last(S)
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
            sol, det_bad = solve_last(M)
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
