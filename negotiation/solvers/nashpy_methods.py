"""nashpy's methods behind this package's interface, and nashpy as a cross-check.

nashpy (``support_enumeration``, ``vertex_enumeration``) is wrapped so that its answers are
consumed (its results are generators), cleaned of rounding and verified by max regret; it is
never the source of truth (its support enumeration misses equilibria even in non-degenerate
games: see PITFALLS). :func:`cross_check_nashpy` compares a result with nashpy's vertex
enumeration and notes any disagreement; the analysis runs it only on request
(``analyze(..., verify=True)``) and the tests run it always.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from negotiation.solvers.polytope import (
    _check_tol,
    _clean,
    _components,
    _sort_key,
    _validate,
)
from negotiation.solvers.records import (
    REGRET_TOLERANCE,
    MixedEquilibrium,
    NashResult,
    make_equilibrium,
)

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
    >>> from negotiation.solvers.normal_form import nash_equilibria
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


