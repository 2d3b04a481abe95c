r"""Lemke--Howson: one Nash equilibrium per dropped label, by complementary pivoting.

Complementary pivoting on the two tableaux of :mod:`negotiation.solvers.polytope` with the
lexicographic rule, run from every dropped label with a bound on the number of pivots
(Lemke & Howson 1964; von Stengel 2002, sec. 2.3, 2.5). Each equilibrium found is verified;
the result is a subset of the extreme equilibria, never certified complete.

References
----------
Lemke, C. E., Howson, J. T. (1964). Equilibrium points of bimatrix games. *Journal of the
SIAM* 12(2), 413--423.
von Stengel, B. (2002). Computing equilibria for two-person games. *Handbook of Game
Theory* vol. 3, ch. 45.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.polytope import (
    _check_tol,
    _clean,
    _components,
    _exact_is_equilibrium,
    _initial_tableaux,
    _point_values,
    _polish,
    _sort_key,
    _use_exact,
    _validate,
)
from negotiation.solvers.records import (
    REGRET_TOLERANCE,
    MixedEquilibrium,
    NashResult,
    make_equilibrium,
)

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
    :func:`~negotiation.solvers.records.max_regret` :math:`\le` ``tol``. Lemke--Howson finds
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


