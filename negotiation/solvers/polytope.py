r"""Best-response polytopes of a bimatrix game and the search over their vertices.

The machinery behind :mod:`negotiation.solvers.normal_form` and
:mod:`negotiation.solvers.lemke_howson`: input checks and the choice of exact (integer,
fraction-free) or float arithmetic, the simplex tableaux of the polytopes
:math:`P = \{x \ge 0: B^\top x \le 1\}` and :math:`Q = \{y \ge 0: A y \le 1\}` (payoffs
made positive), the lexicographic breadth-first search over their bases that reaches every
vertex also in degenerate games (Avis & Fukuda 1992; Avis et al. 2010), and the small helpers
that turn vertices into verified equilibria. See :mod:`negotiation.solvers.normal_form` for
the model and the references.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections import deque
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.records import (
    MixedEquilibrium,
)

#: Float mode: tolerance for a zero value (a tight constraint, i.e. a label), on payoffs
#: rescaled to [1, 2].
_FLOAT_TOL = 1e-9
#: Float mode: tolerance for a tie in the ratio test; well below ``_FLOAT_TOL`` so that a
#: tie broken the "wrong" way leaves values that still read as zero.
_TIE_TOL = 1e-11
#: Float mode: smallest tableau entry accepted as a pivot.
_PIVOT_EPS = 1e-12
#: Float mode: a non-zero vertex coordinate below this suggests near-degeneracy.
_NEAR_DEGENERATE = 1e-7
#: Size guard: most lexicographic bases visited per polytope before giving up.
_MAX_BASES = 200_000



# --------------------------------------------------------------------------- input


def _validate(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check the payoffs; return (raw A, raw B, float A, float B)."""
    raw = []
    for name, M in (("A", A), ("B", B)):
        try:
            arr = np.asarray(M)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise ValueError(f"payoff matrix {name} is not a rectangular array: {exc}") from exc
        if arr.ndim != 2:
            raise ValueError(
                f"payoff matrix {name} must be 2-dimensional (rows x columns), "
                f"got {arr.ndim} dimension(s) with shape {arr.shape}"
            )
        if arr.size == 0:
            raise ValueError(f"payoff matrix {name} is empty (shape {arr.shape})")
        if np.iscomplexobj(arr):
            raise ValueError(f"payoff matrix {name} must be real, got complex entries")
        raw.append(arr)
    if raw[0].shape != raw[1].shape:
        raise ValueError(
            f"payoff matrices must have the same shape, got A {raw[0].shape} and B {raw[1].shape}"
        )
    floats = []
    for name, arr in zip("AB", raw, strict=True):
        try:
            f = np.asarray(arr, dtype=float)
        except OverflowError as exc:
            raise ValueError(
                f"payoff matrix {name} has an entry too large for floating point: {exc}"
            ) from exc
        except (ValueError, TypeError) as exc:
            raise ValueError(f"payoff matrix {name} must hold real numbers: {exc}") from exc
        if not np.all(np.isfinite(f)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(f))[0])
            raise ValueError(
                f"payoff matrix {name} has a non-finite entry {f[bad]} at {bad}; "
                "payoffs must be finite numbers"
            )
        floats.append(f)
    return raw[0], raw[1], floats[0], floats[1]


def _is_rational_entry(v: object) -> bool:
    if isinstance(v, bool | numbers.Rational | Decimal | np.integer | np.bool_):
        return True
    if isinstance(v, float | np.floating):
        return float(v).is_integer()
    return False


def _is_rational_matrix(raw: np.ndarray) -> bool:
    """Whether every payoff is an integer (also an integral float), Fraction or Decimal."""
    if raw.dtype.kind in "biu":
        return True
    if raw.dtype.kind == "f":
        return bool(np.all(np.floor(raw) == raw))
    if raw.dtype.kind == "O":
        return all(_is_rational_entry(v) for v in raw.flat)
    return False


def _to_fraction(v: object) -> Fraction:
    if isinstance(v, bool | np.bool_):
        return Fraction(int(v))
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral | np.integer):
        return Fraction(int(v))
    if isinstance(v, numbers.Rational):
        return Fraction(v.numerator, v.denominator)
    if isinstance(v, Decimal):
        return Fraction(v)
    # floats: the shortest decimal that round-trips (0.1 -> 1/10), as Gambit reads them
    return Fraction(repr(float(v)))


def _use_exact(raw_a: np.ndarray, raw_b: np.ndarray, exact: bool | None) -> bool:
    if exact is None:
        return _is_rational_matrix(raw_a) and _is_rational_matrix(raw_b)
    if not isinstance(exact, bool | np.bool_):
        raise ValueError(f"exact must be True, False or None, got {exact!r}")
    return bool(exact)


def _integer_positive(raw: np.ndarray) -> list[list[int]]:
    """Exact payoffs scaled to integers and shifted so the smallest entry is 1."""
    fr = [[_to_fraction(v) for v in row] for row in raw.tolist()]
    lcm = 1
    for row in fr:
        for v in row:
            lcm = lcm * v.denominator // math.gcd(lcm, v.denominator)
    ints = [[int(v * lcm) for v in row] for row in fr]
    low = min(min(row) for row in ints)
    return [[v - low + 1 for v in row] for row in ints]


def _float_positive(M: np.ndarray) -> np.ndarray:
    """Float payoffs mapped affinely onto [1, 2] (all ones if constant)."""
    low, high = float(M.min()), float(M.max())
    if high - low <= 0.0:
        return np.ones_like(M)
    return 1.0 + (M - low) / (high - low)


# --------------------------------------------------------------------------- tableaux
#
# Both polytopes use one variable per label 0..m+n-1:
#   P: n rows  sum_i B[i, j] x_i + r_j = 1       x_i has label i, r_j label m + j
#   Q: m rows  s_i + sum_j A[i, j] y_j = 1       s_i has label i, y_j label m + j
# The initial basis is the slacks (r for P, s for Q); their columns form the inverse
# basis matrix used by the lexicographic ratio test. Tableaux are stored compactly (the
# columns of the non-basic variables and the right-hand side) as lists of Python ints
# (exact, scaled by the basis determinant ``det``) or floats; for these sizes plain
# Python beats numpy's per-call overhead.


class _Tableau:
    """A compact simplex tableau with the lexicographic ratio test.

    ``rows[i][c]`` is the coefficient of non-basic variable ``nonbasic[c]`` in the row of
    basic variable ``basis[i]``, times ``det`` in exact mode (all entries are then
    integer sub-determinants); ``rows[i][-1]`` is that basic variable's value times
    ``det``.
    """

    __slots__ = ("rows", "basis", "nonbasic", "det", "exact", "lexvars", "key")

    def __init__(self, rows, basis, nonbasic, det, exact, lexvars, key):
        self.rows = rows
        self.basis = basis
        self.nonbasic = nonbasic
        self.det = det
        self.exact = exact
        self.lexvars = lexvars
        self.key = key

    def _lex_value(self, i: int, v: int):
        """Entry of (full-tableau) column of variable ``v`` in row ``i``."""
        try:
            return self.rows[i][self.nonbasic.index(v)]
        except ValueError:  # v is basic: its column is det * unit vector
            return self.det if self.basis[i] == v else 0

    def leaving_row(self, c: int) -> int | None:
        """Row picked by the lexicographic minimum-ratio test for entering column ``c``."""
        best = -1
        brow: list = []
        ba = 0
        if self.exact:
            for i, row in enumerate(self.rows):
                a = row[c]
                if a <= 0:
                    continue
                if best < 0:
                    best, brow, ba = i, row, a
                    continue
                diff = row[-1] * ba - brow[-1] * a
                if diff == 0:
                    for v in self.lexvars:
                        diff = self._lex_value(i, v) * ba - self._lex_value(best, v) * a
                        if diff:
                            break
                if diff < 0:
                    best, brow, ba = i, row, a
            return None if best < 0 else best
        bratio = 0.0
        for i, row in enumerate(self.rows):
            a = row[c]
            if a <= _PIVOT_EPS:
                continue
            ratio = row[-1] / a
            if best < 0 or ratio < bratio - _TIE_TOL:
                best, bratio, ba = i, ratio, a
                continue
            if ratio <= bratio + _TIE_TOL:  # a tie: compare lexicographically
                for v in self.lexvars:
                    diff = self._lex_value(i, v) / a - self._lex_value(best, v) / ba
                    if diff < -_TIE_TOL:
                        best, bratio, ba = i, ratio, a
                        break
                    if diff > _TIE_TOL:
                        break
        return None if best < 0 else best

    def column_of(self, v: int) -> int:
        return self.nonbasic.index(v)

    def pivot(self, r: int, c: int) -> _Tableau:
        """Tableau after non-basic column ``c`` enters the basis in row ``r``."""
        e, leaving = self.nonbasic[c], self.basis[r]
        basis = self.basis[:r] + (e,) + self.basis[r + 1 :]
        nonbasic = self.nonbasic[:c] + (leaving,) + self.nonbasic[c + 1 :]
        key = self.key ^ (1 << leaving) ^ (1 << e)
        prow = self.rows[r]
        p = prow[c]
        new = []
        if self.exact:
            # integer pivoting: T'_i = (p T_i - T_ic T_r) / det (exact), T'_r = T_r,
            # and the leaving variable's column is (-T_ic, ..., det at row r, ...)
            d = self.det
            for i, row in enumerate(self.rows):
                if i == r:
                    nr = list(prow)
                    nr[c] = d
                else:
                    f = row[c]
                    if f == 0:
                        nr = [p * a // d for a in row]
                    else:
                        nr = [(p * a - f * b) // d for a, b in zip(row, prow, strict=True)]
                        nr[c] = -f
                new.append(nr)
            return _Tableau(new, basis, nonbasic, p, True, self.lexvars, key)
        inv = 1.0 / p
        prow_n = [a * inv for a in prow]
        prow_n[c] = inv
        for i, row in enumerate(self.rows):
            if i == r:
                new.append(prow_n)
                continue
            f = row[c]
            if f == 0.0:
                new.append(row)  # rows are never mutated, so sharing is safe
            else:
                nr = [a - f * b for a, b in zip(row, prow_n, strict=True)]
                nr[c] = -f * inv
                new.append(nr)
        return _Tableau(new, basis, nonbasic, 1.0, False, self.lexvars, key)

    def nonzero_basic_mask(self) -> int:
        """Bitmask of the basic variables with a non-zero value."""
        mask = 0
        if self.exact:
            for v, row in zip(self.basis, self.rows, strict=True):
                if row[-1] != 0:
                    mask |= 1 << v
        else:
            for v, row in zip(self.basis, self.rows, strict=True):
                if row[-1] > _FLOAT_TOL:
                    mask |= 1 << v
        return mask

    def point(self) -> tuple[tuple[int, ...], tuple, object]:
        """(basis, right-hand side, det): enough to recover the vertex later."""
        return self.basis, tuple(row[-1] for row in self.rows), self.det


def _point_values(point, nvars: int, exact: bool) -> list:
    """Values of all variables of a stored vertex.

    In exact mode the integer numerators over the common denominator ``det`` (enough to
    normalise a strategy: the denominators cancel).
    """
    basis, rhs, _ = point
    if exact:
        nums: list = [0] * nvars
        for v, b in zip(basis, rhs, strict=True):
            nums[v] = b
        return nums
    vals = [0.0] * nvars
    for v, b in zip(basis, rhs, strict=True):
        vals[v] = float(b)
    return vals


def _initial_tableaux(
    Af: np.ndarray, Bf: np.ndarray, exact: bool, raw_a=None, raw_b=None
) -> tuple[_Tableau, _Tableau, list, list]:
    """Slack-basis tableaux of P (from B) and Q (from A), and the positive payoffs used.

    Exact: integer matrices with smallest entry 1; float: matrices rescaled onto [1, 2].
    """
    if exact:
        Ap: list = _integer_positive(raw_a)
        Bp: list = _integer_positive(raw_b)
        one = 1
    else:
        Ap = _float_positive(Af).tolist()
        Bp = _float_positive(Bf).tolist()
        one = 1.0
    m, n = len(Ap), len(Ap[0])
    N = m + n
    prows = [[Bp[i][j] for i in range(m)] + [one] for j in range(n)]
    qrows = [list(Ap[i]) + [one] for i in range(m)]
    pbasis, qbasis = tuple(range(m, N)), tuple(range(m))
    return (
        _Tableau(prows, pbasis, qbasis, one, exact, pbasis, sum(1 << v for v in pbasis)),
        _Tableau(qrows, qbasis, pbasis, one, exact, qbasis, sum(1 << v for v in qbasis)),
        Ap,
        Bp,
    )


@dataclasses.dataclass
class _Vertices:
    """Vertices of one polytope: label bitmasks and the stored points (same order)."""

    masks: list[int]
    points: list[tuple]
    complete: bool
    bases: int
    failures: int
    min_nonzero: float


def _enumerate_vertices(start: _Tableau, nvars: int, max_bases: int | None = None) -> _Vertices:
    """Breadth-first search over the lexicographically feasible bases from ``start``.

    Stops (``complete=False``) after ``max_bases`` bases (default ``_MAX_BASES``).
    """
    if max_bases is None:
        max_bases = _MAX_BASES
    full = (1 << nvars) - 1
    seen = {start.key}
    queue = deque([start])
    found: dict[int, tuple] = {}
    complete = True
    failures = 0
    min_nonzero = math.inf
    exact = start.exact
    while queue:
        tab = queue.popleft()
        labels = full ^ tab.nonzero_basic_mask()
        if labels not in found:
            found[labels] = tab.point()
            if not exact:
                nz = [row[-1] for row in tab.rows if row[-1] > _FLOAT_TOL]
                if nz:
                    min_nonzero = min(min_nonzero, min(nz))
        key = tab.key
        basis = tab.basis
        for c, e in enumerate(tab.nonbasic):
            r = tab.leaving_row(c)
            if r is None:  # impossible for a bounded polytope in exact arithmetic
                failures += 1
                complete = False
                continue
            nkey = key ^ (1 << basis[r]) ^ (1 << e)
            if nkey in seen:
                continue
            if len(seen) >= max_bases:
                complete = False
                queue.clear()
                break
            seen.add(nkey)
            queue.append(tab.pivot(r, c))
    return _Vertices(list(found), list(found.values()), complete, len(seen), failures, min_nonzero)


def _popcount(v: int) -> int:
    return bin(v).count("1")


# --------------------------------------------------------------------------- helpers


def _components(pairs: Sequence[tuple[object, object]]) -> tuple[tuple[int, ...], ...]:
    """Connected components of the bipartite graph whose edges are the given pairs.

    ``pairs[k] = (row key, column key)`` for equilibrium ``k``; two equilibria are in
    one component when a chain of shared row or column strategies joins them.
    """
    parent: dict[object, object] = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for xk, yk in pairs:
        ra, rb = find(("x", xk)), find(("y", yk))
        if ra != rb:
            parent[ra] = rb
    groups: dict[object, list[int]] = {}
    for k, (xk, _) in enumerate(pairs):
        groups.setdefault(find(("x", xk)), []).append(k)
    return tuple(sorted(tuple(g) for g in groups.values()))


def _canonical_ids(vectors: Sequence[np.ndarray], atol: float = 1e-9) -> list[int]:
    """Index of the first vector within ``atol`` (max norm) of each vector."""
    ids: list[int] = []
    for k, v in enumerate(vectors):
        ids.append(
            next((j for j in range(k) if ids[j] == j and np.max(np.abs(vectors[j] - v)) <= atol), k)
        )
    return ids


def _clean(p: np.ndarray) -> np.ndarray | None:
    """Clip rounding noise (tiny negatives) and renormalise; None if not a distribution."""
    p = np.asarray(p, dtype=float).copy()
    if not np.all(np.isfinite(p)) or p.min() < -1e-7:
        return None
    p[p < 1e-13] = 0.0
    s = p.sum()
    if s <= 0:
        return None
    return p / s


def _exact_is_equilibrium(A: list[list[int]], B: list[list[int]], X: list, Y: list) -> bool:
    r"""Exact Nash test in integers for unnormalised non-negative ``X``, ``Y``.

    With :math:`x = X / \sum X`, :math:`y = Y / \sum Y`, the regret is zero iff
    :math:`\max_i (AY)_i \sum X = X^\top A Y` and :math:`\max_j (X^\top B)_j \sum Y
    = X^\top B Y`.
    """
    m, n = len(A), len(A[0])
    AY = [sum(A[i][j] * Y[j] for j in range(n)) for i in range(m)]
    XB = [sum(X[i] * B[i][j] for i in range(m)) for j in range(n)]
    return max(AY) * sum(X) == sum(X[i] * AY[i] for i in range(m)) and max(XB) * sum(Y) == sum(
        XB[j] * Y[j] for j in range(n)
    )


def _sort_key(eq: MixedEquilibrium) -> tuple:
    if eq.exact is not None:
        return tuple(-p for p in eq.exact[0]) + tuple(-p for p in eq.exact[1])
    return tuple(-eq.row) + tuple(-eq.column)


def _polish(M: np.ndarray, labels: int, side: str) -> np.ndarray:
    """Re-solve a float vertex from its labels (tight constraints) by least squares.

    ``side="x"``: the vertex of P for the positive matrix ``M`` = B; ``"y"``: of Q, M = A.
    """
    m, n = M.shape
    rows, rhs = [], []
    if side == "x":
        for i in range(m):
            if labels >> i & 1:
                e = np.zeros(m)
                e[i] = 1.0
                rows.append(e)
                rhs.append(0.0)
        for j in range(n):
            if labels >> (m + j) & 1:
                rows.append(M[:, j])
                rhs.append(1.0)
    else:
        for i in range(m):
            if labels >> i & 1:
                rows.append(M[i, :])
                rhs.append(1.0)
        for j in range(n):
            if labels >> (m + j) & 1:
                e = np.zeros(n)
                e[j] = 1.0
                rows.append(e)
                rhs.append(0.0)
    sol, *_ = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)
    return sol




def _check_tol(tol: float) -> float:
    try:
        t = float(tol)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}") from exc
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"tol must be a non-negative finite number, got {tol!r}")
    return t


