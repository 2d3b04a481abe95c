r"""Small dense linear algebra over stacks of matrices, unrolled for speed and determinism.

Batched solvers call these on stacks of tiny systems (2 to 7 unknowns): closed-form
determinants and inverses up to 4x4 and Gaussian elimination with partial pivoting above,
written elementwise over the stack so that each system's arithmetic does not depend on the
others in the batch (a single system is a batch of one).
"""

from __future__ import annotations

import numpy as np

__all__ = ["det_inv"]


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
