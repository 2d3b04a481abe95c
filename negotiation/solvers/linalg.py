r"""Small dense linear algebra over stacks of matrices, unrolled for speed and determinism.

Batched solvers call these on stacks of tiny systems (2 to 7 unknowns): closed-form
determinants and inverses up to 4x4 and Gaussian elimination with partial pivoting above,
written elementwise over the stack so that each system's arithmetic does not depend on the
others in the batch (a single system is a batch of one).
"""

from __future__ import annotations

import numpy as np

__all__ = ["det_inv", "det_inv_last", "solve_last"]


def det_inv(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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




def det_inv_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
        det, inv, _ = det_inv(np.moveaxis(M, -1, 0))
        return det, np.moveaxis(inv, 0, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return det, adj / det


def solve_last(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
