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

import warnings
from collections.abc import Callable
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.lemke_howson import _lemke_howson_method, lemke_howson_all_labels
from negotiation.solvers.nashpy_methods import _nashpy_method, cross_check_nashpy
from negotiation.solvers.polytope import (
    _MAX_BASES,
    _NEAR_DEGENERATE,
    _canonical_ids,
    _check_tol,
    _clean,
    _components,
    _enumerate_vertices,
    _exact_is_equilibrium,
    _initial_tableaux,
    _point_values,
    _polish,
    _popcount,
    _sort_key,
    _use_exact,
    _validate,
)
from negotiation.solvers.records import (
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



# --------------------------------------------------------------------------- public entry

#: Solution methods by name. Each is called as ``f(A, B, *, exact, tol, max_labels)`` and
#: returns a :class:`~negotiation.solvers.records.NashResult`.
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
