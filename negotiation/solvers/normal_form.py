r"""All Nash equilibria of two-player normal-form (bimatrix) games.

Model
-----
A bimatrix game is a pair of payoff matrices :math:`(A, B)` of shape :math:`m \times n`
indexed ``[row action, column action]``. Because Nash equilibria are unchanged by a
positive affine transformation of either player's payoffs, both matrices are first
shifted (and, in floating point, rescaled) so that every entry is positive. Then the
*best-response polytopes* (von Stengel 2002, §2.4)

.. math::

    P = \{x \in \mathbb{R}^m : x \ge 0,\ B^\top x \le \mathbf 1\}, \qquad
    Q = \{y \in \mathbb{R}^n : A y \le \mathbf 1,\ y \ge 0\}

are bounded. Their :math:`m + n` inequalities carry *labels*: label :math:`i < m` is
:math:`x_i = 0` in :math:`P` and :math:`(Ay)_i = 1` in :math:`Q` (row :math:`i` is a
best response to :math:`y`); label :math:`m + j` is :math:`(B^\top x)_j = 1` in
:math:`P` (column :math:`j` is a best response to :math:`x`) and :math:`y_j = 0` in
:math:`Q`. A pair :math:`(x, y) \in P \times Q - \{(0, 0)\}` is *completely labelled* if
every label :math:`0, \dots, m+n-1` appears at :math:`x` or at :math:`y`; then
:math:`(x / \mathbf 1^\top x,\ y / \mathbf 1^\top y)` is a Nash equilibrium, and every
Nash equilibrium arises this way. The *extreme* equilibria are the completely labelled
pairs of **vertices**; the equilibrium set is the finite union of the products
:math:`\mathrm{conv}(X) \times \mathrm{conv}(Y)` over the maximal sets of pairwise
compatible extreme equilibria (*maximal Nash subsets*), and its connected components are
the connected components of the bipartite graph "x-vertex -- y-vertex" whose edges are
the extreme equilibria (Avis, Rosenberg, Savani and von Stengel 2010; Gambit's
``enummixed``).

The game is *non-degenerate* if no mixed strategy with support size :math:`k` has more
than :math:`k` pure best responses (von Stengel 2002, §2.1, §2.6). Equivalently, no point
of :math:`P` has more than :math:`m` labels and no point of :math:`Q` more than
:math:`n`; since the set of points of a polytope where a given set of inequalities is
tight is a face, which has a vertex, it suffices to look at vertices.

Algorithm (``method="enumeration"``)
------------------------------------
1. The vertices of :math:`P` and :math:`Q` are enumerated by a breadth-first search over
   the *lexicographically feasible* bases of their simplex tableaux, starting at the
   origin (the slack basis) and pivoting every non-basic variable in with the
   lexicographic minimum-ratio rule. Lexicographic feasibility is the symbolic
   perturbation :math:`\mathbf 1 + (\varepsilon, \varepsilon^2, \dots)` of the right-hand
   side: the perturbed polytope is simple, its graph is connected, and every vertex of
   the unperturbed polytope carries at least one lexicographically feasible basis, so
   the search reaches every vertex, also in degenerate games, without cycling
   (the lexicographic rule of lrs: Avis & Fukuda 1992; Avis et al. 2010).
2. A vertex's labels are the non-basic variables plus the basic variables at value zero;
   the set of labels identifies the vertex. A vertex with more than :math:`m` (resp.
   :math:`n`) labels makes the game degenerate.
3. Label sets are stored as bitmasks; the completely labelled pairs are the pairs whose
   masks OR to all :math:`m+n` labels, found with one vectorised comparison.

Arithmetic. With ``exact=True`` (the default when every payoff is an integer, including
integral floats such as ``3.0``, a :class:`fractions.Fraction` or a
:class:`decimal.Decimal`) each matrix is scaled to integers and the tableaux are pivoted
in exact integer arithmetic (fraction-free "integer pivoting", von Stengel 2002, §2.5):
every entry stays an integer sub-determinant, so ties, degeneracy and labels are decided
exactly and the reported equilibria carry :class:`~fractions.Fraction` values. With
``exact=True`` a float payoff is read as the shortest decimal that prints as it
(``0.1`` is :math:`1/10`), as Gambit does. Otherwise the tableaux hold floats, with the
payoffs rescaled onto :math:`[1, 2]`, a tolerance of ``1e-9`` for a zero value (a label)
and ``1e-11`` for a tie in the ratio test; a vertex that fails verification is re-solved
from its label set by least squares, and the result is marked ``"incomplete"`` if a
check still fails (a pair failing :math:`\rho \le` ``tol``, or a non-degenerate game with
an even number of equilibria, which the Lemke--Howson theorem excludes). Payoffs that
differ by less than about ``1e-9`` of their range are ties in float mode; use exact
mode for such games (a note says when a game looks nearly degenerate).

Limits. The search visits at most 200,000 bases per polytope (``"incomplete"`` beyond);
random :math:`10 \times 10` games need about a thousand. The number of vertices grows
exponentially with the size of the game: in this pure-Python implementation a random
:math:`10 \times 10` game takes about 0.2 s, :math:`12 \times 12` about 1 s and
:math:`14 \times 14` about 7 s.

Lemke--Howson (``method="lemke_howson"``) is complementary pivoting on the same two
tableaux (Lemke & Howson 1964; von Stengel 2002, §2.3, §2.5) with the lexicographic
rule, run from every dropped label with a bound on the number of pivots.

References
----------
Avis, D., Rosenberg, G. D., Savani, R., von Stengel, B. (2010). Enumeration of Nash
equilibria for two-player games. *Economic Theory* 42, 9--37.
von Stengel, B. (2002). Computing equilibria for two-person games. In Aumann & Hart
(eds.), *Handbook of Game Theory* vol. 3, ch. 45, 1723--1759. North-Holland.
Lemke, C. E., Howson, J. T. (1964). Equilibrium points of bimatrix games. *Journal of the
SIAM* 12(2), 413--423.
Avis, D., Fukuda, K. (1992). A pivoting algorithm for convex hulls and vertex
enumeration of arrangements and polyhedra. *Discrete & Computational Geometry* 8, 295--313.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from negotiation.equilibrium import (
    REGRET_TOLERANCE,
    MixedEquilibrium,
    NashResult,
    Status,
    make_equilibrium,
)

__all__ = [
    "NORMAL_FORM_METHODS",
    "cross_check_nashpy",
    "is_degenerate",
    "lemke_howson_all_labels",
    "nash_equilibria",
]

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


# --------------------------------------------------------------------------- enumeration


def _enumeration(
    A: ArrayLike,
    B: ArrayLike,
    *,
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
    max_labels: int | None = None,
) -> NashResult:
    """All extreme equilibria by vertex enumeration and label matching (see module doc)."""
    raw_a, raw_b, Af, Bf = _validate(A, B)
    tol = _check_tol(tol)
    use_exact = _use_exact(raw_a, raw_b, exact)
    m, n = Af.shape
    N = m + n
    full = (1 << N) - 1
    ptab, qtab, Apos, Bpos = _initial_tableaux(Af, Bf, use_exact, raw_a, raw_b)
    pv = _enumerate_vertices(ptab, N)
    qv = _enumerate_vertices(qtab, N)
    notes: list[str] = []
    complete = pv.complete and qv.complete
    if not complete:
        notes.append(
            f"vertex enumeration stopped early (bases visited: P {pv.bases}, Q {qv.bases}; "
            f"limit {_MAX_BASES}, failed pivots {pv.failures + qv.failures}): the list may "
            "miss equilibria"
        )
    degenerate = any(_popcount(mk) > m for mk in pv.masks) or any(
        _popcount(mk) > n for mk in qv.masks
    )
    # completely labelled pairs, the origin (labels 0..m-1 in P) excluded
    origin_p = (1 << m) - 1
    p_idx = [k for k, mk in enumerate(pv.masks) if mk != origin_p]
    q_idx = [k for k, mk in enumerate(qv.masks) if mk != full ^ origin_p]
    pairs: list[tuple[int, int]] = []
    if p_idx and q_idx:
        if N <= 62:
            pm = np.array([pv.masks[k] for k in p_idx], dtype=np.int64)
            qm = np.array([qv.masks[k] for k in q_idx], dtype=np.int64)
            chunk = max(1, 4_000_000 // len(qm))
            for s in range(0, len(pm), chunk):
                hit = np.argwhere((pm[s : s + chunk, None] | qm[None, :]) == full)
                pairs.extend((p_idx[s + a], q_idx[b]) for a, b in hit)
        else:
            pairs = [(a, b) for a in p_idx for b in q_idx if pv.masks[a] | qv.masks[b] == full]

    if not use_exact:
        Apos, Bpos = np.array(Apos), np.array(Bpos)
        if min(pv.min_nonzero, qv.min_nonzero) < _NEAR_DEGENERATE:
            notes.append(
                "the game is nearly degenerate (a vertex coordinate below "
                f"{_NEAR_DEGENERATE:g}); float labels may be unreliable, consider exact=True"
            )

    cache: dict[tuple[int, str, bool], tuple[np.ndarray | None, tuple | None]] = {}

    def strategy(k: int, side: str, polished: bool) -> tuple[np.ndarray | None, tuple | None]:
        """Normalised strategy of vertex ``k`` as (floats, (numerators, Fractions) or None)."""
        if (k, side, polished) not in cache:
            verts = pv if side == "x" else qv
            vals = _point_values(verts.points[k], N, use_exact)
            vals = vals[:m] if side == "x" else vals[m:]
            if use_exact:
                s = sum(vals)
                q = tuple(Fraction(v, s) for v in vals)
                out = (np.array([float(v) for v in q]), (vals, q))
            elif polished:  # re-solved from the label set: undoes pivoting round-off
                M = Bpos if side == "x" else Apos
                out = (_clean(_polish(M, verts.masks[k], side)), None)
            else:
                out = (_clean(np.array(vals)), None)
            cache[k, side, polished] = out
        return cache[k, side, polished]

    equilibria: list[MixedEquilibrium] = []
    kept_pairs: list[tuple[int, int]] = []
    dropped = 0
    loose: list[float] = []
    for a, b in pairs:
        eq = None
        for polished in (False,) if use_exact else (False, True):
            x, xq = strategy(a, "x", polished)
            y, yq = strategy(b, "y", polished)
            if x is None or y is None:
                continue
            exact_pair = None
            if use_exact:
                if not _exact_is_equilibrium(Apos, Bpos, xq[0], yq[0]):  # pragma: no cover
                    break  # a bug guard: complete labels imply an equilibrium
                exact_pair = (xq[1], yq[1])
            cand = make_equilibrium(Af, Bf, x, y, exact=exact_pair)
            if cand.max_regret <= tol or use_exact:
                eq = cand
                break
        if eq is None:
            dropped += 1
            continue
        if eq.max_regret > tol:
            loose.append(eq.max_regret)
        equilibria.append(eq)
        kept_pairs.append((a, b))
    if loose:
        notes.append(
            f"{len(loose)} exact equilibri{'um has' if len(loose) == 1 else 'a have'} a float "
            f"max regret up to {max(loose):.3g} > tol {tol:g} from rounding the Fractions to "
            "floats (payoffs of large magnitude); kept, as the exact regret is 0"
        )
    if dropped:
        complete = False
        notes.append(
            f"{dropped} completely labelled vertex pair(s) failed verification "
            f"(max regret > tol {tol:g}) and were dropped; for payoffs of large magnitude "
            "raise tol, or use exact=True"
        )
    if not use_exact:
        # distinct float vertices may normalise to the same strategy in a nearly
        # degenerate game: identify strategies within 1e-9 and keep one pair of each
        kept_pairs = list(
            zip(
                _canonical_ids([e.row for e in equilibria]),
                _canonical_ids([e.column for e in equilibria]),
                strict=True,
            )
        )
        unique = list({pair: k for k, pair in reversed(list(enumerate(kept_pairs)))}.values())
        if len(unique) < len(equilibria):
            notes.append(
                f"{len(equilibria) - len(unique)} completely labelled vertex pair(s) coincide "
                "with another after normalisation (a nearly degenerate game) and were merged"
            )
            unique.sort()
            equilibria = [equilibria[k] for k in unique]
            kept_pairs = [kept_pairs[k] for k in unique]
    order = sorted(range(len(equilibria)), key=lambda k: _sort_key(equilibria[k]))
    equilibria = [equilibria[k] for k in order]
    kept_pairs = [kept_pairs[k] for k in order]
    if not degenerate and len(equilibria) % 2 == 0:
        complete = False
        notes.append(
            f"found {len(equilibria)} equilibria in a game judged non-degenerate, but such a "
            "game has an odd number (Lemke-Howson theorem): float round-off likely; "
            "consider exact=True"
        )
    status: Status = "incomplete" if not complete else ("degenerate" if degenerate else "ok")
    return NashResult(
        equilibria=tuple(equilibria),
        status=status,
        method="enumeration",
        tolerance=tol,
        components=_components(kept_pairs),
        notes=tuple(notes),
    )


def _check_tol(tol: float) -> float:
    try:
        t = float(tol)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}") from exc
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"tol must be a non-negative finite number, got {tol!r}")
    return t


def is_degenerate(A: ArrayLike, B: ArrayLike) -> bool:
    r"""Whether the bimatrix game :math:`(A, B)` is degenerate.

    A game is *non-degenerate* if no mixed strategy with support size :math:`k` has more
    than :math:`k` pure best responses (von Stengel 2002, §2.1, §2.6). Equivalently, no
    vertex of the best-response polytope :math:`P` has more than :math:`m` labels and
    no vertex of :math:`Q` more than :math:`n` (see the module docstring); this function
    enumerates the vertices and counts their labels, exactly when every payoff is an
    integer, Fraction or Decimal, and with a relative tolerance of ``1e-9`` otherwise.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.

    Returns
    -------
    bool

    References
    ----------
    von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
    Theory* vol. 3, ch. 45, §2.6.

    Examples
    --------
    Against the pure strategy row 0 (support size 1) the column player has two best
    responses, so the first game is degenerate:

    >>> is_degenerate([[1, 1], [0, 0]], [[1, 1], [0, 1]])
    True
    >>> is_degenerate([[1, 0], [0, 1]], [[1, 0], [0, 1]])
    False
    """
    raw_a, raw_b, Af, Bf = _validate(A, B)
    use_exact = _use_exact(raw_a, raw_b, None)
    m, n = Af.shape
    ptab, qtab, _, _ = _initial_tableaux(Af, Bf, use_exact, raw_a, raw_b)
    pv = _enumerate_vertices(ptab, m + n)
    if any(_popcount(mk) > m for mk in pv.masks):
        return True
    qv = _enumerate_vertices(qtab, m + n)
    if any(_popcount(mk) > n for mk in qv.masks):
        return True
    if not (pv.complete and qv.complete):
        warnings.warn(
            "is_degenerate: vertex enumeration stopped at the size limit; "
            "no degenerate vertex among those visited",
            RuntimeWarning,
            stacklevel=2,
        )
    return False


# --------------------------------------------------------------------------- Lemke-Howson


def _lemke_howson(
    A: ArrayLike,
    B: ArrayLike,
    *,
    labels: Sequence[int] | None,
    max_pivots: int,
    tol: float,
    exact: bool | None,
) -> NashResult:
    """Lemke--Howson from each label in ``labels`` (see :func:`lemke_howson_all_labels`)."""
    raw_a, raw_b, Af, Bf = _validate(A, B)
    tol = _check_tol(tol)
    if not isinstance(max_pivots, numbers.Integral) or max_pivots < 1:
        raise ValueError(f"max_pivots must be a positive integer, got {max_pivots!r}")
    use_exact = _use_exact(raw_a, raw_b, exact)
    m, n = Af.shape
    N = m + n
    if labels is None:
        labels = range(N)
    p0, q0, Apos, Bpos = _initial_tableaux(Af, Bf, use_exact, raw_a, raw_b)
    found: list[MixedEquilibrium] = []
    found_keys: list[tuple[object, object]] = []
    failed: list[str] = []
    for k in labels:
        tabs = [p0, q0]
        side = 0 if k < m else 1  # the variable with label k is non-basic in P iff k < m
        entering = k
        seen_states: set[tuple[int, int]] = set()
        reason = None
        for _ in range(max_pivots):
            tab = tabs[side]
            c = tab.column_of(entering)
            r = tab.leaving_row(c)
            if r is None:
                reason = "no pivot row (numerical failure)"
                break
            leaving = tab.basis[r]
            tabs[side] = tab.pivot(r, c)
            if leaving == k:
                break
            entering = leaving
            side = 1 - side
            state = (tabs[0].key, tabs[1].key)
            if state in seen_states:
                reason = "cycled"
                break
            seen_states.add(state)
        else:
            reason = f"no equilibrium within max_pivots={max_pivots} pivots"
        if reason is None:
            xv = _point_values(tabs[0].point(), N, use_exact)[:m]
            yv = _point_values(tabs[1].point(), N, use_exact)[m:]
            if use_exact:
                xq = tuple(Fraction(v, sum(xv)) for v in xv)
                yq = tuple(Fraction(v, sum(yv)) for v in yv)
                if not _exact_is_equilibrium(Apos, Bpos, xv, yv):  # pragma: no cover - bug guard
                    reason = "end point is not an equilibrium"
                else:
                    eq = make_equilibrium(
                        Af, Bf, [float(v) for v in xq], [float(v) for v in yq], exact=(xq, yq)
                    )
                    key: tuple[object, object] = (xq, yq)
            else:
                x, y = _clean(np.array(xv)), _clean(np.array(yv))
                if x is None or y is None:
                    reason = "end point is not a pair of mixed strategies"
                else:
                    eq = make_equilibrium(Af, Bf, x, y)
                    if eq.max_regret > tol:  # re-solve both vertices from their labels
                        full = (1 << N) - 1
                        xp = _clean(
                            _polish(np.array(Bpos), full ^ tabs[0].nonzero_basic_mask(), "x")
                        )
                        yp = _clean(
                            _polish(np.array(Apos), full ^ tabs[1].nonzero_basic_mask(), "y")
                        )
                        if xp is not None and yp is not None:
                            polished = make_equilibrium(Af, Bf, xp, yp)
                            if polished.max_regret < eq.max_regret:
                                x, y, eq = xp, yp, polished
                    if eq.max_regret > tol:
                        reason = f"end point has max regret {eq.max_regret:.3g} > tol"
                    key = (tuple(np.round(x, 9)), tuple(np.round(y, 9)))
        if reason is not None:
            failed.append(f"label {k}: {reason}")
            continue
        if key not in found_keys:
            found_keys.append(key)
            found.append(eq)
    order = sorted(range(len(found)), key=lambda i: _sort_key(found[i]))
    found = [found[i] for i in order]
    found_keys = [found_keys[i] for i in order]
    notes = [
        "Lemke-Howson finds a subset of equilibria (those reachable from the artificial "
        "equilibrium); the list need not be complete"
    ]
    if failed:
        notes.append("failed labels: " + "; ".join(failed))
    return NashResult(
        equilibria=tuple(found),
        status="incomplete",
        method="lemke_howson",
        tolerance=tol,
        components=_components(found_keys),
        notes=tuple(notes),
    )


def lemke_howson_all_labels(
    A: ArrayLike, B: ArrayLike, *, max_pivots: int = 10_000, tol: float = REGRET_TOLERANCE
) -> NashResult:
    r"""Equilibria found by Lemke--Howson from every starting label.

    Complementary pivoting (Lemke & Howson 1964) on the tableaux of the best-response
    polytopes :math:`P` and :math:`Q` (see the module docstring): start at the artificial
    equilibrium :math:`(0, 0)`, let the variable with the dropped label :math:`k` enter,
    and alternately let the variable whose label just left one tableau enter the other,
    until label :math:`k` leaves. The end point is a completely labelled vertex pair,
    i.e. an equilibrium. Ties in the ratio test are broken by the lexicographic rule, so
    the path is well defined in degenerate games too (von Stengel 2002, §2.6). Payoffs
    that are all integers, Fractions or Decimals are pivoted in exact integer arithmetic
    (the equilibria then carry Fractions); others in floating point.

    Every label :math:`k = 0, \dots, m+n-1` is tried, each with at most ``max_pivots``
    pivots, so the call never hangs; a label that hits the bound, cycles (possible only
    through float round-off) or ends at a point that fails verification is listed in
    ``notes``. The distinct equilibria found are returned, each verified with
    :func:`~negotiation.equilibrium.max_regret` :math:`\le` ``tol``. Lemke--Howson finds
    only the equilibria reachable from the artificial one, so ``status`` is always
    ``"incomplete"``; use :func:`nash_equilibria` for all of them.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs.
    max_pivots : int
        Bound on the pivots of one path.
    tol : float
        Max-regret tolerance of a reported equilibrium.

    Returns
    -------
    NashResult
        ``method="lemke_howson"``, ``status="incomplete"``.

    References
    ----------
    Lemke, C. E., Howson, J. T. (1964). Equilibrium points of bimatrix games. *J. SIAM*
    12(2), 413--423. von Stengel (2002), *Handbook of Game Theory* vol. 3, §2.3--2.6.

    Examples
    --------
    Battle of the sexes: every label leads to a pure equilibrium, none to the mixed one
    (which Lemke--Howson reaches only from another equilibrium).

    >>> res = lemke_howson_all_labels([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> [(e.row.tolist(), e.column.tolist()) for e in res.equilibria]
    [([1.0, 0.0], [1.0, 0.0]), ([0.0, 1.0], [0.0, 1.0])]
    >>> res.status
    'incomplete'
    """
    return _lemke_howson(A, B, labels=None, max_pivots=max_pivots, tol=tol, exact=None)


def _lemke_howson_method(
    A: ArrayLike,
    B: ArrayLike,
    *,
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
    max_labels: int | None = None,
) -> NashResult:
    """Lemke--Howson from the first ``max_labels`` labels (all if None)."""
    labels = None
    if max_labels is not None:
        if not isinstance(max_labels, numbers.Integral) or max_labels < 1:
            raise ValueError(f"max_labels must be a positive integer or None, got {max_labels!r}")
        _, _, Af, _ = _validate(A, B)
        labels = range(min(int(max_labels), sum(Af.shape)))
    return _lemke_howson(A, B, labels=labels, max_pivots=10_000, tol=tol, exact=exact)


# --------------------------------------------------------------------------- nashpy


def _nashpy_method(name: str) -> Callable[..., NashResult]:
    def solve(
        A: ArrayLike,
        B: ArrayLike,
        *,
        exact: bool | None = None,
        tol: float = REGRET_TOLERANCE,
        max_labels: int | None = None,
    ) -> NashResult:
        import nashpy

        _, _, Af, Bf = _validate(A, B)
        tol = _check_tol(tol)
        game = nashpy.Game(Af, Bf)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if name == "support":
                raw = list(game.support_enumeration())
            else:
                raw = list(game.vertex_enumeration())
        found, keys, rejected = _verified_points(Af, Bf, raw, tol)
        notes = [
            f"nashpy {name}_enumeration is not certified complete: it can miss equilibria "
            "through round-off even in non-degenerate games, and in degenerate games it does "
            "not enumerate the extreme points of each component; use method='enumeration'"
        ]
        if rejected:
            notes.append(f"{rejected} nashpy point(s) failed verification and were dropped")
        messages = sorted({str(w.message) for w in caught})
        notes.extend(f"nashpy warned: {msg}" for msg in messages)
        return NashResult(
            equilibria=tuple(found),
            status="incomplete",
            method=name,
            tolerance=tol,
            components=_components(keys),
            notes=tuple(notes),
        )

    solve.__name__ = f"_nashpy_{name}"
    solve.__doc__ = f"nashpy ``{name}_enumeration``, consumed, cleaned and verified."
    return solve


def _verified_points(
    A: np.ndarray, B: np.ndarray, raw: Sequence[tuple[ArrayLike, ArrayLike]], tol: float
) -> tuple[list[MixedEquilibrium], list[tuple[object, object]], int]:
    """Clean, verify and deduplicate (x, y) pairs from an external solver."""
    found: list[MixedEquilibrium] = []
    keys: list[tuple[object, object]] = []
    rejected = 0
    for xr, yr in raw:
        x, y = _clean(np.asarray(xr)), _clean(np.asarray(yr))
        if x is None or y is None or x.shape != (A.shape[0],) or y.shape != (A.shape[1],):
            rejected += 1
            continue
        eq = make_equilibrium(A, B, x, y)
        if eq.max_regret > tol:
            rejected += 1
            continue
        if any(
            np.allclose(x, f.row, atol=1e-9) and np.allclose(y, f.column, atol=1e-9) for f in found
        ):
            continue
        found.append(eq)
    found.sort(key=_sort_key)
    for eq in found:
        keys.append((tuple(np.round(eq.row, 8)), tuple(np.round(eq.column, 8))))
    return found, keys, rejected


def cross_check_nashpy(
    A: ArrayLike, B: ArrayLike, result: NashResult, *, max_size: int = 25, atol: float = 1e-6
) -> NashResult:
    """Compare ``result`` with nashpy's ``vertex_enumeration`` and note disagreements.

    nashpy is a cross-check only, never the source of truth: the returned record is
    ``result`` with notes appended when nashpy misses one of its equilibria or returns a
    verified point that is not among them (in a degenerate game nashpy may return a
    non-extreme point of a component). Games with more than ``max_size`` cells are
    skipped (nashpy's vertex enumeration grows fast), with a note.

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        The game ``result`` was computed for.
    result : NashResult
        Typically ``nash_equilibria(A, B, exact=False)``.
    max_size : int
        Largest ``m * n`` to check.
    atol : float
        Absolute tolerance for two equilibria to be the same point.

    Examples
    --------
    >>> res = cross_check_nashpy([[1, 0], [0, 1]], [[1, 0], [0, 1]],
    ...                          nash_equilibria([[1, 0], [0, 1]], [[1, 0], [0, 1]]))
    >>> res.notes
    ('cross-check: nashpy vertex_enumeration agrees (3 equilibria)',)
    """
    _, _, Af, Bf = _validate(A, B)
    if Af.size > max_size:
        note = f"cross-check with nashpy skipped: {Af.size} cells > max_size={max_size}"
        return dataclasses.replace(result, notes=result.notes + (note,))
    import nashpy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            raw = list(nashpy.Game(Af, Bf).vertex_enumeration())
        except Exception as error:  # nashpy's polytope code can fail (e.g. an infeasible LP)
            note = f"cross-check: nashpy vertex_enumeration failed ({type(error).__name__}: {error})"
            return dataclasses.replace(result, notes=result.notes + (note,))
    theirs, _, rejected = _verified_points(Af, Bf, raw, max(result.tolerance, 1e-9))

    def same(e: MixedEquilibrium, f: MixedEquilibrium) -> bool:
        return bool(
            np.allclose(e.row, f.row, atol=atol) and np.allclose(e.column, f.column, atol=atol)
        )

    missed = [e for e in result.equilibria if not any(same(e, f) for f in theirs)]
    added = [f for f in theirs if not any(same(e, f) for e in result.equilibria)]
    notes = []
    if missed:
        notes.append(
            f"cross-check: nashpy vertex_enumeration missed {len(missed)} of "
            f"{len(result.equilibria)} equilibria"
        )
    if added:
        notes.append(
            f"cross-check: nashpy vertex_enumeration returned {len(added)} verified point(s) "
            "not in this list (non-extreme points of a component, or a missed equilibrium)"
        )
    if rejected:
        notes.append(f"cross-check: {rejected} nashpy point(s) failed verification")
    if not notes:
        notes.append(
            f"cross-check: nashpy vertex_enumeration agrees ({len(result.equilibria)} equilibria)"
        )
    return dataclasses.replace(result, notes=result.notes + tuple(notes))


# --------------------------------------------------------------------------- public entry

#: Solution methods by name. Each is called as ``f(A, B, *, exact, tol, max_labels)`` and
#: returns a :class:`~negotiation.equilibrium.NashResult`.
NORMAL_FORM_METHODS: dict[str, Callable[..., NashResult]] = {
    "enumeration": _enumeration,
    "lemke_howson": _lemke_howson_method,
    "support": _nashpy_method("support"),
    "vertex": _nashpy_method("vertex"),
}


def nash_equilibria(
    A: ArrayLike,
    B: ArrayLike,
    *,
    method: str = "enumeration",
    exact: bool | None = None,
    tol: float = REGRET_TOLERANCE,
    max_labels: int | None = None,
) -> NashResult:
    r"""Nash equilibria of the bimatrix game :math:`(A, B)`.

    With the default ``method="enumeration"``, all *extreme* equilibria: the completely
    labelled vertex pairs of the best-response polytopes

    .. math::

        P = \{x \ge 0 : B^\top x \le \mathbf 1\}, \qquad Q = \{y \ge 0 : A y \le \mathbf 1\}

    (payoffs shifted positive), normalised to probabilities (Avis et al. 2010; von
    Stengel 2002). For a non-degenerate game these are all the equilibria, finitely many
    and an odd number; for a degenerate game the equilibrium set is a finite union of
    polytopes (maximal Nash subsets) and ``components`` groups the extreme equilibria
    into its connected components. The set equals Gambit's ``enummixed`` (which may
    list a degenerate equilibrium more than once; this list has no repeats). The
    equilibria are sorted by the row strategy, then the column strategy, with
    probabilities compared in decreasing lexicographic order (pure row 0 first).

    Parameters
    ----------
    A, B : array_like, shape (m, n)
        Row and column player's payoffs, indexed ``[row action, column action]``.
    method : str
        A key of :data:`NORMAL_FORM_METHODS`: ``"enumeration"`` (this module's exact or
        float vertex enumeration), ``"lemke_howson"`` (this module's Lemke--Howson from
        every label; a subset), ``"support"`` and ``"vertex"`` (nashpy's support and
        vertex enumeration, verified; not certified complete).
    exact : bool or None
        Exact rational arithmetic. ``None`` (default): exact if every payoff is an
        integer (also an integral float such as ``3.0``), a Fraction or a Decimal, float
        otherwise. With ``True`` float payoffs are read as their shortest decimal
        (``0.1`` is ``1/10``). Ignored by the nashpy methods.
    tol : float
        Max-regret tolerance (payoff units) every returned equilibrium satisfies.
    max_labels : int or None
        ``"lemke_howson"`` only: try the first ``max_labels`` starting labels (all
        :math:`m + n` if None), each with at most 10,000 pivots.

    Returns
    -------
    NashResult
        ``status`` is ``"ok"`` (non-degenerate, complete), ``"degenerate"`` (complete
        list of extreme equilibria of a degenerate game) or ``"incomplete"`` (see
        ``notes``). In exact mode each equilibrium's ``exact`` holds Fractions.

    Raises
    ------
    ValueError
        Payoffs that are not two finite real matrices of one non-empty shape; an unknown
        method.

    See Also
    --------
    cross_check_nashpy : compare a result with nashpy's vertex enumeration.

    References
    ----------
    Avis, Rosenberg, Savani, von Stengel (2010). Enumeration of Nash equilibria for
    two-player games. *Economic Theory* 42, 9--37.
    von Stengel (2002). Computing equilibria for two-person games. *Handbook of Game
    Theory* vol. 3, ch. 45.

    Examples
    --------
    Battle of the sexes: two pure equilibria and a mixed one, where each player makes
    the other indifferent (row plays 2/3 on its favourite, column 1/3).

    >>> res = nash_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    >>> res.status, len(res.equilibria)
    ('ok', 3)
    >>> [tuple(map(str, e.exact[0] + e.exact[1])) for e in res.equilibria]
    [('1', '0', '1', '0'), ('2/3', '1/3', '1/3', '2/3'), ('0', '1', '0', '1')]

    A degenerate game: row 0 dominates for the row player, and against it the column
    player gets 1 from either column, so every column mixture is an equilibrium (a
    segment with two extreme points, one component).

    >>> res = nash_equilibria([[1, 1], [0, 0]], [[1, 1], [0, 1]])
    >>> res.status, [e.column.tolist() for e in res.equilibria], res.components
    ('degenerate', [[1.0, 0.0], [0.0, 1.0]], ((0, 1),))

    Non-integral floats are solved in floating point (``exact`` stays None):

    >>> res = nash_equilibria([[0.5, -0.5], [-0.5, 0.5]], [[-0.5, 0.5], [0.5, -0.5]])
    >>> res.equilibria[0].row, res.equilibria[0].exact
    (array([0.5, 0.5]), None)
    """
    if method not in NORMAL_FORM_METHODS:
        valid = ", ".join(repr(k) for k in NORMAL_FORM_METHODS)
        raise ValueError(f"unknown method {method!r}; valid methods: {valid}")
    return NORMAL_FORM_METHODS[method](A, B, exact=exact, tol=tol, max_labels=max_labels)
