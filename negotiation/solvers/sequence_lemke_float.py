r"""Lemke's algorithm on the sequence form in floating point: the fast path.

The same LCP, covering vector, prior and starting basis as the exact path
(:func:`negotiation.solvers.sequence_lemke.lemke_system`, whose module docstring states the
model); only the arithmetic differs. The tableau :math:`B^{-1} S` (rows of the free duals
dropped, as there) is a dense numpy array updated by rank-one BLAS updates (``dger``) and
recomputed from the original sparse system with a sparse LU factorisation of the current
basis (SuperLU, :func:`scipy.sparse.linalg.splu`) every ``refactor`` pivots, so rounding
errors do not accumulate along long paths. The end point is solved afresh from its basis.

Anti-cycling: the lexicographic minimum-ratio test relative to the starting basis, as the
exact path uses (Dantzig, Orden and Wolfe 1955; Murty 1988, sec. 2.3), with tolerances:
a pivot entry must exceed ``PIVOT_TOL`` times the column's largest entry; two ratios tie when
they differ by at most ``TIE_TOL`` (relative), and ties are broken on the rows of
:math:`B^{-1} B_0` divided by the pivot column. Where no rounding misjudges a tie, the float
path visits the same bases as the exact one. A cap on the pivots bounds the work.

Nothing here is trusted: the caller verifies the end point by its regret in the tree
(:func:`negotiation.solvers.sequence_form.behaviour_regrets_float`) and falls back to
exact pivoting when the check fails.

References
----------
Lemke, C. E. (1965). Bimatrix equilibrium points and mathematical programming.
*Management Science* 11, 681--689.
Dantzig, G. B., Orden, A. and Wolfe, P. (1955). The generalized simplex method for
minimizing a linear form under linear inequality restraints. *Pacific Journal of
Mathematics* 5, 183--195.
Murty, K. G. (1988). *Linear Complementarity, Linear and Nonlinear Programming*.
Heldermann, Berlin.
Demmel, J. W. et al. (1999). A supernodal approach to sparse partial pivoting. *SIAM J.
Matrix Analysis and Applications* 20, 720--755 (SuperLU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

if TYPE_CHECKING:
    from negotiation.solvers.sequence_lemke import LemkeSystem

__all__ = ["FloatLemkeEnd", "float_lemke"]

#: A pivot entry must exceed this times the largest entry of the entering column.
PIVOT_TOL = 1e-9
#: Relative tolerance for a tie in the ratio test and its lexicographic tie-break.
TIE_TOL = 1e-9


@dataclass(frozen=True)
class FloatLemkeEnd:
    """End of the floating-point path.

    Attributes
    ----------
    status : str
        ``"ok"`` (:math:`z_0` left the basis), ``"ray"`` (no leaving variable),
        ``"max_pivots"`` (the cap was hit), ``"cycle"`` (a basis came back: rounding
        misjudged a tie) or ``"singular"`` (a basis could not be factorised).
    values : numpy.ndarray or None
        The value of every variable at the end basis (solved afresh), when ``"ok"``.
    basis : tuple of int
        The end basis (free duals included).
    pivots : int
        Complementary pivots taken.
    """

    status: str
    values: np.ndarray | None
    basis: tuple[int, ...]
    pivots: int


def _system_matrix(system: LemkeSystem) -> sp.csc_matrix:
    """The integer system as a sparse float matrix with every row divided by its largest
    entry: row scaling leaves :math:`B^{-1} S` unchanged and balances the LU."""
    rows, width = system.shape
    keys = np.array(list(system.entries), dtype=np.int64).reshape(-1, 2)
    values = np.array([float(v) for v in system.entries.values()])
    M = sp.csr_matrix((values, (keys[:, 0], keys[:, 1])), shape=(rows, width))
    scale = abs(M).max(axis=1).toarray().ravel()
    scale[scale == 0] = 1.0
    return sp.csc_matrix(sp.diags(1.0 / scale) @ M)


def float_lemke(
    system: LemkeSystem, *, max_pivots: int = 100_000, refactor: tuple[int, int] = (50, 200)
) -> FloatLemkeEnd:
    r"""Complementary pivoting in floats from the starting basis of ``system`` until
    :math:`z_0` leaves.

    The tableau has a column for every variable but the free duals (basic ones are unit
    columns) and the right-hand side last, and a row for every basic variable but the
    free duals (no other row depends on theirs). A pivot updates only the rows where the
    entering column is non-zero. The tableau is recomputed from the original system every
    ``rows / 4`` pivots, within the bounds ``refactor`` (a heuristic: a recomputation
    costs more in a larger system). Measured on a 126-set game whose path takes 52,895 pivots: recomputing
    every 50 to 200 pivots the float path visits the same bases; every 1,000 it strays and
    comes back to a basis (the cycle check below catches it). A check of the drift of a
    sample of columns was not enough: ties are decided on every column.

    Parameters
    ----------
    system : LemkeSystem
        The LCP and its starting basis (:func:`~negotiation.solvers.sequence_lemke.lemke_system`).
    max_pivots : int
        Cap on the pivots.
    refactor : (int, int)
        Fewest and most pivots between two recomputations of the tableau.

    Returns
    -------
    FloatLemkeEnd
    """
    M = _system_matrix(system)
    Z0 = system.z0
    n = system.n1 + system.n2
    free = [v for v in system.basic if system.is_free(v)]
    start = [v for v in system.basic if not system.is_free(v)]  # also the lexicographic order
    basis = list(start)
    # column j of the tableau: variable j for the slacks and plans, then z0, then the rhs
    variables = np.array([*range(2 * n), Z0, Z0 + 1])
    position = {int(v): j for j, v in enumerate(variables)}
    lexcols = np.array([position[v] for v in start])

    dense = M[:, variables].toarray()  # the columns the tableau is made of

    def factor():  # the sparse LU of the current basis, or None if singular
        try:
            return splu(sp.csc_matrix(M[:, free + basis]))
        except RuntimeError:  # "Factor is exactly singular"
            return None

    def solved(lu) -> np.ndarray | None:
        """The tableau: B^{-1} times the columns of dense, rows of the non-free basic
        variables; a basic variable's column is a unit vector and is not solved for."""
        T = np.zeros((len(basis), len(variables)))
        T[np.arange(len(basis)), [position[v] for v in basis]] = 1.0
        other = np.setdiff1d(np.arange(len(variables)), [position[v] for v in basis])
        out = lu.solve(dense[:, other])[len(free) :]
        if not np.all(np.isfinite(out)):
            return None
        T[:, other] = out
        return T

    lu = factor()
    T = None if lu is None else solved(lu)
    if T is None:
        return FloatLemkeEnd("singular", None, tuple(free + basis), 0)
    # a heuristic: recompute more rarely in larger systems, where it costs more; a pivot
    # count, not a clock, so that a game always follows the same path
    interval = min(max(len(basis) // 4, refactor[0]), refactor[1])
    entering = system.entering
    key = sum(1 << v for v in basis)
    seen = {key}  # the exact path never revisits a basis: a revisit is a rounding error
    for pivots in range(1, max_pivots + 1):
        c = position[entering]
        col = T[:, c].copy()
        r = _leaving_row(T, col, lexcols)
        if r is None:
            return FloatLemkeEnd("ray", None, tuple(free + basis), pivots)
        leaving = basis[r]
        basis[r] = entering
        key ^= (1 << leaving) ^ (1 << entering)
        if key in seen:
            return FloatLemkeEnd("cycle", None, tuple(free + basis), pivots)
        seen.add(key)
        # T <- T - col (T_r / p) on the rows where col is non-zero, T_r <- T_r / p
        prow = T[r] / col[r]
        rows = np.flatnonzero(col)
        T[rows] -= col[rows, None] * prow
        T[r] = prow
        T[:, c] = 0.0
        T[r, c] = 1.0
        if leaving == Z0:
            lu = factor()
            solution = None if lu is None else lu.solve(dense[:, -1])
            if solution is None or not np.all(np.isfinite(solution)):
                return FloatLemkeEnd("singular", None, tuple(free + basis), pivots)
            values = np.zeros(Z0 + 1)
            values[free + basis] = solution
            return FloatLemkeEnd("ok", values, tuple(free + basis), pivots)
        if pivots % interval == 0:  # rounding errors must not pile up along the path
            lu = factor()
            T = None if lu is None else solved(lu)
            if T is None:
                return FloatLemkeEnd("singular", None, tuple(free + basis), pivots)
        entering = leaving + n if leaving < n else leaving - n
    return FloatLemkeEnd("max_pivots", None, tuple(free + basis), max_pivots)


def _leaving_row(T: np.ndarray, col: np.ndarray, lexcols: np.ndarray) -> int | None:
    r"""The lexicographic minimum-ratio test with tolerances.

    Candidates are the rows with a pivot entry above ``PIVOT_TOL`` times the column's
    largest; among the minimum ratios :math:`b_i / a_i` (``b`` clipped at 0: a basic
    value of :math:`-10^{-16}` is a rounded zero) within ``TIE_TOL``, the row whose vector
    :math:`(B^{-1} B_0)_{i\cdot} / a_i` (the tableau's columns ``lexcols`` of the starting
    basic variables) is lexicographically smallest, each entry compared within
    ``TIE_TOL``.
    """
    big = np.max(np.abs(col))
    if not big > 0:
        return None
    rows = np.flatnonzero(col > PIVOT_TOL * big)
    if len(rows) == 0:
        return None
    ratios = np.maximum(T[rows, -1], 0.0) / col[rows]
    low = ratios.min()
    rows = rows[ratios <= low + TIE_TOL * max(1.0, abs(low))]
    if len(rows) == 1:
        return int(rows[0])
    L = T[np.ix_(rows, lexcols)] / col[rows, None]
    while len(rows) > 1:
        spread = L.max(axis=0) - L.min(axis=0)
        differs = np.flatnonzero(spread > TIE_TOL * np.maximum(1.0, np.abs(L).max(axis=0)))
        if len(differs) == 0:  # pragma: no cover - rows of a non-singular matrix differ
            break
        j = differs[0]
        keep = L[:, j] <= L[:, j].min() + TIE_TOL * max(1.0, np.abs(L[:, j]).max())
        rows, L = rows[keep], L[keep, j + 1 :]
    return int(rows[0])
