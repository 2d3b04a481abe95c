r"""One value at a time: tornado charts and the smallest changes that flip the verdict.

Every other value stays at its value in the file; the verdict is that of
:func:`negotiation.study.uncertainty.verdicts`, the headline verdict that of the config as
written.

Tornado
-------
The output at a low and a high value of each parameter (default: the 5% and 95% quantiles
of its declared distribution), sorted by swing :math:`|y_{high} - y_{low}|`
(:func:`tornado_data`).

Verdict flips
-------------
A *verdict flip* is the smallest decrease and the smallest increase of one parameter that
changes the headline verdict (:func:`verdict_flips`), found by a batched grid scan from the
base value outwards to the edge of a search range, then refinement of the first bracket
(bisection, several points a step) to an absolute tolerance; the same is done for the first
change of the equilibrium path, and for the value beyond a flip where the headline verdict
comes back (a *sliver* rather than a new regime). A change that reverses between two scan
points and is not near a path change is not seen (the scan's resolution is stated in the
record).

Each batch of points is one call of a point solver (default
:func:`negotiation.study.points.solve_points`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.io.config import base_config
from negotiation.io.key_paths import value_at
from negotiation.model.outcomes import PROBABILITY_COLUMNS
from negotiation.study.uncertainty import (
    VERDICT_OUTPUTS,
    declared_uncertainty,
    output_values,
    scenario_title,
    verdicts,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Tornado", "TornadoBar", "VerdictFlip", "VerdictFlips", "tornado_data", "verdict_flips"]

#: ``solver(base, {key path: values}, source=...)`` -> one row per point.
PointSolver = Callable[..., "pd.DataFrame"]


def _number_at(config: Mapping[str, Any], key_path: str) -> float:
    """The number at a key path; KeyError (naming it) if there is none or it is not a number."""
    value = value_at(config, key_path)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise KeyError(f"{key_path!r} is not a number in the config")
    return float(value)


def _one_at_a_time(solver: PointSolver, base: Mapping[str, Any], key_paths: Sequence[str],
                   base_values: Sequence[float], changes: Sequence[tuple[int, float]], source: str) -> pd.DataFrame:
    """Solve points that each change one key path (index into ``key_paths``) from the base:
    one batched call; row ``i`` is ``changes[i]``."""
    n = len(changes)
    overrides = {key: np.full(n, value, dtype=float) for key, value in zip(key_paths, base_values, strict=True)}
    for row, (k, value) in enumerate(changes):
        overrides[key_paths[k]][row] = value
    return solver(base, overrides, source=source).reset_index(drop=True)


def _output_label(output: str) -> str:
    if output in PROBABILITY_COLUMNS:
        return f"P({output[2:]}) on the headline path (probability)"
    if output.startswith("payoff_"):
        return f"payoff of {output[7:]} (utility, 0–1 scale)"
    return output


# ---------------------------------------------------------------- tornado


@dataclass(frozen=True)
class TornadoBar:
    """One parameter of a tornado: the output at its low and high value, the others at base."""

    key_path: str
    base: float
    low: float
    high: float
    output_low: float
    output_high: float
    swing: float
    verdict_low: str
    verdict_high: str
    path_low: str
    path_high: str


@dataclass(frozen=True)
class Tornado:
    """A one-at-a-time sensitivity chart's data: bars sorted by swing, largest first."""

    scenario: str
    output: str
    output_label: str
    base_output: float
    base_verdict: str
    base_path: str
    bars: tuple[TornadoBar, ...]
    ranges: str

    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([bar.__dict__ for bar in self.bars])


def tornado_data(
    config: Mapping[str, Any],
    key_paths: Sequence[str] | None = None,
    *,
    output: str = "p_truce",
    low_high: Mapping[str, tuple[float, float]] | None = None,
    quantiles: tuple[float, float] = (0.05, 0.95),
    source: str = "<config>",
    solver: PointSolver | None = None,
) -> Tornado:
    """The output at a low and a high value of each parameter, the others at base.

    Parameters
    ----------
    config : mapping
        A parsed scenario config.
    key_paths : sequence of str, optional
        Default: the values declared under ``[uncertainty]``.
    output : str
        A column of the sweep table (``p_truce``, ``p_deadlock``, ``payoff_us``, ...) or
        ``verdict_<outcome>``.
    low_high : mapping key path -> (low, high), optional
        Default for each key path: the ``quantiles`` (5% and 95%) of its declared
        distribution. A key path with no declared distribution needs an entry.
    solver : callable, optional
        Default :func:`negotiation.study.points.solve_points`.

    Bars are sorted by swing :math:`|y_{high} - y_{low}|`, largest first (invalid ends: NaN
    swing, last). One batched solve of :math:`1 + 2k` points.
    """
    if solver is None:
        from negotiation.study.points import solve_points as solver
    base = base_config(config)
    explicit = dict(low_high or {})
    declared: dict[str, Any] = {}
    if key_paths is None or any(k not in explicit for k in key_paths):
        try:
            declared = declared_uncertainty(config, source=source)
        except ValueError:
            declared = {}
    keys = list(key_paths) if key_paths is not None else list(declared)
    if not keys:
        raise ValueError("no key paths: pass key_paths or declare an [uncertainty] table")
    ranges: dict[str, tuple[float, float]] = {}
    for key in keys:
        if key in explicit:
            ranges[key] = (float(explicit[key][0]), float(explicit[key][1]))
        elif key in declared:
            lo, hi = declared[key].ppf(np.asarray(quantiles, dtype=float))
            ranges[key] = (float(lo), float(hi))
        else:
            raise KeyError(f"{key}: no declared distribution; give its (low, high) in low_high")
    base_values = [_number_at(base, k) for k in keys]
    changes = [(0, base_values[0])] + [(k, ranges[key][end]) for k, key in enumerate(keys) for end in (0, 1)]
    frame = _one_at_a_time(solver, base, keys, base_values, changes, source)
    if output not in frame and output not in VERDICT_OUTPUTS:
        raise KeyError(f"{output!r} is not an output column ({', '.join(frame.columns)})")
    y = output_values(frame, [output])[0]
    v = verdicts(frame)
    paths = frame["equilibrium_path"].astype(str).to_numpy()
    bars = []
    for k, key in enumerate(keys):
        i, j = 1 + 2 * k, 2 + 2 * k
        bars.append(TornadoBar(key, base_values[k], ranges[key][0], ranges[key][1], float(y[i]), float(y[j]),
                               float(abs(y[j] - y[i])), str(v[i]), str(v[j]), paths[i], paths[j]))
    bars.sort(key=lambda b: (math.isnan(b.swing), -b.swing if not math.isnan(b.swing) else 0.0))
    if key_paths is None or all(k in declared and k not in explicit for k in keys):
        words = f"the {quantiles[0]:.0%} and {quantiles[1]:.0%} quantiles of each declared distribution"
    else:
        words = "given low and high values"
    return Tornado(scenario_title(config), output, _output_label(output), float(y[0]), str(v[0]), str(paths[0]),
                   tuple(bars), words)


# ---------------------------------------------------------------- verdict flips


@dataclass(frozen=True)
class VerdictFlip:
    """The smallest one-at-a-time changes of one parameter that change the headline verdict
    (``down_*``, ``up_*``) and the equilibrium path (``path_down_*``, ``path_up_*``).

    ``*_value`` is the first value found beyond the change (within ``tolerance`` of the
    boundary), ``None`` when nothing changes within the searched range; ``*_verdict`` and
    ``*_path`` are the new verdict and the path there. ``down_until``/``up_until``: the first
    value further out where the headline verdict is back (within ``tolerance``), ``None`` if
    it does not come back within the range: a flip with a nearby ``*_until`` is a sliver, not
    a new regime. ``search_low``/``search_high`` is the range asked for,
    ``searched_low``/``searched_high`` the part of it that was valid (a search stops at the
    first invalid point).
    """

    key_path: str
    base_value: float
    search_low: float
    search_high: float
    searched_low: float
    searched_high: float
    down_value: float | None
    down_verdict: str | None
    down_path: str | None
    up_value: float | None
    up_verdict: str | None
    up_path: str | None
    down_until: float | None
    up_until: float | None
    path_down_value: float | None
    path_down_to: str | None
    path_up_value: float | None
    path_up_to: str | None

    @property
    def down_width(self) -> float | None:
        """Width of the flipped region below the base (to the range's end if it does not close)."""
        if self.down_value is None:
            return None
        return self.down_value - (self.searched_low if self.down_until is None else self.down_until)

    @property
    def up_width(self) -> float | None:
        """Width of the flipped region above the base (to the range's end if it does not close)."""
        if self.up_value is None:
            return None
        return (self.searched_high if self.up_until is None else self.up_until) - self.up_value

    @property
    def smallest_change(self) -> float | None:
        """The smaller of the two distances to a verdict flip (``None``: no flip)."""
        distances = [abs(v - self.base_value) for v in (self.down_value, self.up_value) if v is not None]
        return min(distances) if distances else None


@dataclass(frozen=True)
class VerdictFlips:
    """What flips the verdict: one :class:`VerdictFlip` per key path, plus how it was searched."""

    scenario: str
    base_verdict: str
    base_path: str
    flips: tuple[VerdictFlip, ...]
    search: str
    grid_points: int
    tolerance: float
    evaluations: int

    def table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([f.__dict__ for f in self.flips])


def _search_ranges(config: Mapping[str, Any], keys: Sequence[str], base_values: Sequence[float],
                   search: str | float | Mapping[str, tuple[float, float]], span: tuple[float, float],
                   source: str) -> tuple[dict[str, tuple[float, float]], str]:
    if isinstance(search, Mapping):
        missing = [k for k in keys if k not in search]
        if missing:
            raise KeyError(f"no search range for {', '.join(missing)}")
        return {k: (float(search[k][0]), float(search[k][1])) for k in keys}, "given ranges"
    declared: dict[str, Any] = {}
    if search == "distribution":
        try:
            declared = declared_uncertainty(config, source=source)
        except ValueError:
            declared = {}
        relative = 1.0
        words = (f"the {span[0]:.1%}–{span[1]:.1%} quantile span of each declared distribution "
                 "(others: base ± max(|base|, 0.1))")
    elif isinstance(search, int | float) and not isinstance(search, bool) and search > 0:
        relative = float(search)
        words = f"base ± {relative:g} × max(|base|, 0.1)"
    else:
        raise ValueError(f"search must be 'distribution', a positive number or a mapping, got {search!r}")
    ranges = {}
    for key, value in zip(keys, base_values, strict=True):
        if key in declared:
            lo, hi = declared[key].ppf(np.asarray(span, dtype=float))
            ranges[key] = (float(min(lo, value)), float(max(hi, value)))
        else:
            half = relative * max(abs(value), 0.1)
            ranges[key] = (value - half, value + half)
    return ranges, words


class _Search:
    """Every point evaluated for each (key path, side), and the brackets read off them.

    ``seen[(k, side)]`` maps a value of key path ``k`` below (side 0) or above (side 1) its
    base to its ``(verdict, path)``. A bracket is read outwards from the base, up to the first
    invalid point (verdict ``""``).
    """

    def __init__(self, n_keys: int, base_values: Sequence[float]) -> None:
        self.base_values = list(base_values)
        self.seen: dict[tuple[int, int], dict[float, tuple[str, str]]] = {
            (k, side): {} for k in range(n_keys) for side in (0, 1)}
        self.references: dict[str, tuple[int, str]] = {}

    def outwards(self, k: int, side: int) -> list[float]:
        return sorted(self.seen[(k, side)], key=lambda v: abs(v - self.base_values[k]))

    def first_change(self, k: int, side: int, criterion: str) -> tuple[float, float, tuple[str, str]] | None:
        """(last value like the base, first value unlike it, its labels) among the valid
        points evaluated, outwards from the base (up to the first invalid one)."""
        position, reference = self.references[criterion]
        same = self.base_values[k]
        for value in self.outwards(k, side):
            labels = self.seen[(k, side)][value]
            if labels[0] == "":
                return None
            if labels[position] != reference:
                return same, value, labels
            same = value
        return None

    def verdict_return(self, k: int, side: int) -> tuple[float, float] | None:
        """(last value with the flipped verdict, first value beyond it with the headline
        verdict again) among the valid points seen, outwards from the verdict flip."""
        flip = self.first_change(k, side, "verdict")
        if flip is None:
            return None
        base_verdict = self.references["verdict"][1]
        other = flip[1]
        for value in self.outwards(k, side):
            if abs(value - self.base_values[k]) <= abs(flip[1] - self.base_values[k]):
                continue
            verdict = self.seen[(k, side)][value][0]
            if verdict == "":
                return None
            if verdict == base_verdict:
                return other, value
            other = value
        return None

    def searched(self, k: int, side: int) -> float:
        """The farthest value reached before the first invalid point."""
        last = self.base_values[k]
        for value in self.outwards(k, side):
            if self.seen[(k, side)][value][0] == "":
                break
            last = value
        return last


def verdict_flips(
    config: Mapping[str, Any],
    key_paths: Sequence[str] | None = None,
    *,
    search: str | float | Mapping[str, tuple[float, float]] = "distribution",
    span: tuple[float, float] = (0.001, 0.999),
    grid_points: int = 64,
    tolerance: float = 1e-4,
    refine: int = 7,
    source: str = "<config>",
    solver: PointSolver | None = None,
) -> VerdictFlips:
    """The smallest decrease and increase of each parameter that changes the headline verdict.

    Parameters
    ----------
    config : mapping
        A parsed scenario config.
    key_paths : sequence of str, optional
        Default: the values declared under ``[uncertainty]``.
    search : "distribution", float or mapping
        The range searched on each side of the base value. ``"distribution"`` (default):
        from the ``span`` quantiles (0.1% and 99.9%) of the declared distribution, and
        ``base ± max(|base|, 0.1)`` for a key path without one; a number ``r``: ``base ± r
        max(|base|, 0.1)``; a mapping: ``key path -> (low, high)``.
    grid_points : int
        Points of the scan on each side (evenly spaced from the base to the range's end).
    tolerance : float
        Refinement stops when the bracket is this narrow (absolute, in the parameter's units).
    refine : int
        Interior points per bracket and refinement step (1: plain bisection; 7: each step
        narrows the bracket eightfold, in fewer batched calls).
    solver : callable, optional
        Default :func:`negotiation.study.points.solve_points`.

    Notes
    -----
    One batched solve for every key path's two scans, then one per refinement step for all
    open brackets at once. A bracket is read off every point evaluated so far on that side,
    outwards from the base: the last value with the base's label and the first with another
    (for the verdict, for the path, and from a flip to where the headline verdict is back);
    a step puts ``refine`` points inside each bracket wider than ``tolerance``. Because all
    points seen count, a verdict change inside a sliver narrower than the scan step is still
    found when the refinement of a path change lands in it; slivers away from any path
    change and narrower than the scan step can be missed. A flip is reported at the first
    value beyond the boundary, so the distance to the base overstates the smallest change by
    at most ``tolerance``.
    """
    if grid_points < 1 or tolerance <= 0 or refine < 1:
        raise ValueError("grid_points and refine must be >= 1 and tolerance > 0")
    if solver is None:
        from negotiation.study.points import solve_points as solver
    base = base_config(config)
    keys = list(declared_uncertainty(config, source=source)) if key_paths is None else list(key_paths)
    if not keys:
        raise ValueError("no key paths to search")
    base_values = [_number_at(base, k) for k in keys]
    ranges, words = _search_ranges(config, keys, base_values, search, span, source)
    state = _Search(len(keys), base_values)

    def evaluate(points: list[tuple[int, int, float]]) -> pd.DataFrame:
        frame = _one_at_a_time(solver, base, keys, base_values, [(k, value) for k, _, value in points], source)
        labels = zip(verdicts(frame), frame["equilibrium_path"].astype(str), strict=True)
        for (k, side, value), (verdict, path) in zip(points, labels, strict=True):
            if side >= 0:  # side -1: the base point
                state.seen[(k, side)][value] = (str(verdict), path)
        return frame

    # the scan: the base, then for each key path and side the grid outwards from the base
    fractions = np.arange(1, grid_points + 1) / grid_points
    scan = [(0, -1, base_values[0])]
    for k, key in enumerate(keys):
        for side, end in ((0, ranges[key][0]), (1, ranges[key][1])):
            if end != base_values[k]:
                scan.extend((k, side, float(v)) for v in base_values[k] + fractions * (end - base_values[k]))
    frame = evaluate(scan)
    evaluations = len(frame)
    base_verdict, base_path = str(verdicts(frame)[0]), str(frame["equilibrium_path"].iloc[0])
    if base_verdict == "":
        raise ValueError(f"the config itself is invalid: {frame['error'].iloc[0]}")
    state.references = {"verdict": (0, base_verdict), "path": (1, base_path)}

    # refinement (bisection with ``refine`` points a step) of every bracket at once; a bracket
    # is recomputed from all the points seen, so a point found by one criterion's refinement
    # can bring the other criterion's change nearer to the base
    inner = np.arange(1, refine + 1) / (refine + 1)
    while True:
        points = []
        for k in range(len(keys)):
            for side in (0, 1):
                brackets = [state.first_change(k, side, criterion) for criterion in state.references]
                brackets.append(state.verdict_return(k, side))
                for found in brackets:
                    if found is not None and abs(found[1] - found[0]) > tolerance:
                        a, b = found[0], found[1]
                        points.extend((k, side, float(a + f * (b - a))) for f in inner)
        points = list(dict.fromkeys(points))  # the two criteria may share a bracket
        if not points:
            break
        evaluations += len(evaluate(points))

    flips = [_flip(state, k, key, ranges[key]) for k, key in enumerate(keys)]
    return VerdictFlips(scenario_title(config), base_verdict, base_path, tuple(flips), words, grid_points, tolerance,
                        evaluations)


def _flip(state: _Search, k: int, key: str, search_range: tuple[float, float]) -> VerdictFlip:
    """The record of key path ``k`` once the search is done."""
    down_v, up_v = state.first_change(k, 0, "verdict"), state.first_change(k, 1, "verdict")
    down_p, up_p = state.first_change(k, 0, "path"), state.first_change(k, 1, "path")
    down_r, up_r = state.verdict_return(k, 0), state.verdict_return(k, 1)
    return VerdictFlip(
        key_path=key, base_value=state.base_values[k],
        search_low=search_range[0], search_high=search_range[1],
        searched_low=state.searched(k, 0), searched_high=state.searched(k, 1),
        down_value=None if down_v is None else down_v[1],
        down_verdict=None if down_v is None else down_v[2][0],
        down_path=None if down_v is None else down_v[2][1],
        up_value=None if up_v is None else up_v[1],
        up_verdict=None if up_v is None else up_v[2][0],
        up_path=None if up_v is None else up_v[2][1],
        down_until=None if down_r is None else down_r[1],
        up_until=None if up_r is None else up_r[1],
        path_down_value=None if down_p is None else down_p[1],
        path_down_to=None if down_p is None else down_p[2][1],
        path_up_value=None if up_p is None else up_p[1],
        path_up_to=None if up_p is None else up_p[2][1],
    )
