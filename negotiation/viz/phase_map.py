r"""Phase maps of a sweep: which outcome of the talks prevails over two parameters.

A sweep table has one row per point with the probabilities of truce, deadlock and
escalation (``p_truce``, ``p_deadlock``, ``p_escalation``). Over two of its parameters
:math:`(x, y)` the points are put in cells: the cells of the grid itself when the table
holds every combination of the distinct :math:`x` and :math:`y` values (a grid design),
otherwise ``bins`` x ``bins`` equal cells spanning the points (sampled designs). Each cell
gets the mean outcome probabilities :math:`\bar p = (\bar p_T, \bar p_D, \bar p_E)` of its
valid points (averaging over any other swept parameter), and its **headline outcome**

.. math::

    o = \begin{cases}
        \arg\max_k \bar p_k & \text{if } \max_k \bar p_k \ge \tau
                              \text{ and it is the only maximum},\\
        \text{mixed} & \text{otherwise,}
    \end{cases}

with threshold :math:`\tau` = ``threshold`` (default 0.5: a strict-majority outcome;
:math:`\tau = 0` gives the plain argmax, ties still being "mixed"). Cells with no valid
point (every point invalid, or none there) have no outcome.

The figure colours each cell by its outcome (the fixed outcome colours of
:mod:`negotiation.viz.style`, grey for mixed), draws the boundaries between outcome regions as
contour lines (the 0.5 level of each outcome's indicator, i.e. midway between cells of
different outcomes), and optionally dashed contours of the truce probability.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from negotiation.model.outcomes import OUTCOMES, PROBABILITY_COLUMNS
from negotiation.viz.style import (
    MIXED_COLOUR,
    OUTCOME_COLOURS,
    STYLE,
    describe,
    new_axes,
    save_figure,
)

__all__ = [
    "MIXED_CODE",
    "NO_DATA_CODE",
    "OUTCOMES",
    "PROBABILITY_COLUMNS",
    "PhaseMap",
    "grid_cells",
    "headline_codes",
    "phase_map_data",
    "plot_phase_map",
    "save_phase_map",
]

#: Names of the codes beyond the outcomes (an index into OUTCOMES): code 3 is "mixed",
#: -1 no valid point.
MIXED = "mixed"
NO_DATA = "none"
MIXED_CODE, NO_DATA_CODE = 3, -1
BOUNDARY_COLOUR = "0.15"
#: Levels of the dashed truce-probability contours.
TRUCE_LEVELS = (0.25, 0.5, 0.75)
#: Tolerance for comparing probabilities (ties and the threshold).
ATOL = 1e-9


def grid_cells(
    xs: np.ndarray, ys: np.ndarray, bins: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    r"""Cells of a 2-D map of points ``(xs, ys)``: cell centres and each point's cell.

    When the points form a full grid (every pair of the distinct x and y values) and
    ``bins`` is None, the cells are the grid's own points; otherwise ``bins`` (default
    about :math:`\sqrt{n/4}`, clipped to 2..50) equal bins per axis, a point on a bin edge
    going to the upper bin.

    Returns
    -------
    x_values, y_values, ix, iy, binned

    Examples
    --------
    >>> xv, yv, ix, iy, binned = grid_cells(np.array([0., 0., 1., 1.]), np.array([0., 1., 0., 1.]))
    >>> xv.tolist(), ix.tolist(), iy.tolist(), binned
    ([0.0, 1.0], [0, 0, 1, 1], [0, 1, 0, 1], False)
    """
    x_unique, y_unique = np.unique(xs), np.unique(ys)
    pairs = len(set(zip(xs.tolist(), ys.tolist(), strict=True)))
    binned = bins is not None or pairs != len(x_unique) * len(y_unique)
    if not binned:
        return x_unique, y_unique, np.searchsorted(x_unique, xs), np.searchsorted(y_unique, ys), False
    n = bins if bins is not None else int(np.clip(round(np.sqrt(len(xs) / 4)), 2, 50))
    x_edges = np.linspace(x_unique[0], x_unique[-1], n + 1)
    y_edges = np.linspace(y_unique[0], y_unique[-1], n + 1)
    ix = np.clip(np.searchsorted(x_edges, xs, side="right") - 1, 0, n - 1)
    iy = np.clip(np.searchsorted(y_edges, ys, side="right") - 1, 0, n - 1)
    return (x_edges[:-1] + x_edges[1:]) / 2, (y_edges[:-1] + y_edges[1:]) / 2, ix, iy, True


@dataclass(frozen=True, eq=False)
class PhaseMap:
    """The cells of a phase map over parameters ``x`` and ``y`` (key paths).

    Attributes
    ----------
    x, y : str
        Key paths of the two parameters.
    x_values, y_values : ndarray
        Cell centres, shapes ``(nx,)`` and ``(ny,)``.
    probabilities : ndarray
        Shape ``(3, ny, nx)``: mean probability of truce, deadlock, escalation in each cell
        (NaN where the cell has no valid point).
    codes : ndarray of int
        Shape ``(ny, nx)``: headline outcome, an index into :data:`OUTCOMES`, 3 for mixed,
        -1 for no valid point.
    counts : ndarray of int
        Shape ``(ny, nx)``: valid points in each cell.
    threshold : float
    binned : bool
        Whether the points were put in equal bins (``False``: the grid's own cells).
    """

    x: str
    y: str
    x_values: np.ndarray
    y_values: np.ndarray
    probabilities: np.ndarray
    codes: np.ndarray
    counts: np.ndarray
    threshold: float
    binned: bool

    @property
    def outcomes(self) -> np.ndarray:
        """The codes as names: ``"truce"``, ..., ``"mixed"``, ``"none"``."""
        names = np.array([*OUTCOMES, MIXED, NO_DATA], dtype=object)
        return names[self.codes]  # code -1 picks the last name, "none"


def headline_codes(probabilities: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Headline outcome codes of probability triples along the first axis (see the module docstring).

    Columns are points: a truce majority, a tie, no majority.

    >>> headline_codes(np.array([[0.6, 0.5, 0.4], [0.3, 0.5, 0.35], [0.1, 0.0, 0.25]])).tolist()
    [0, 3, 3]
    >>> headline_codes(np.array([[0.45], [0.35], [0.2]]), threshold=0.0).tolist()
    [0]
    """
    p = np.asarray(probabilities, dtype=float)
    best = np.argmax(np.where(np.isnan(p), -np.inf, p), axis=0)
    top = np.take_along_axis(p, best[None], axis=0)[0]
    ties = (np.abs(p - top[None]) <= ATOL).sum(axis=0) > 1
    codes = np.where((top >= threshold - ATOL) & ~ties, best, MIXED_CODE)
    return np.where(np.isnan(p).any(axis=0), NO_DATA_CODE, codes).astype(int)


def phase_map_data(table: pd.DataFrame, x: str, y: str, *, threshold: float = 0.5,
                   bins: int | None = None) -> PhaseMap:
    """Cells, mean outcome probabilities and headline outcome over parameters ``x`` and ``y``.

    Parameters
    ----------
    table : DataFrame
        A sweep table: columns ``x``, ``y`` and ``p_truce``, ``p_deadlock``, ``p_escalation``
        (NaN for an invalid point, which is left out).
    x, y : str
        Key paths of the two parameters (columns of ``table``).
    threshold : float
        Least probability of a headline outcome (else "mixed").
    bins : int, optional
        Put the points in ``bins`` x ``bins`` equal cells. By default the grid's own cells
        are used when every combination of the distinct ``x`` and ``y`` values is present,
        otherwise ``bins = clip(round(sqrt(n / 4)), 2, 50)`` (about four points a cell).

    Examples
    --------
    >>> table = pd.DataFrame({"a": [0.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 0.0, 1.0],
    ...     "p_truce": [0.9, 0.2, 0.5, np.nan], "p_deadlock": [0.1, 0.8, 0.5, np.nan],
    ...     "p_escalation": [0.0, 0.0, 0.0, np.nan]})
    >>> phase_map_data(table, "a", "b").outcomes.tolist()
    [['truce', 'mixed'], ['deadlock', 'none']]
    """
    missing = [c for c in (x, y, *PROBABILITY_COLUMNS) if c not in table.columns]
    if missing:
        raise KeyError(f"not columns of the sweep table: {', '.join(missing)}")
    if x == y:
        raise ValueError(f"a phase map needs two different parameters (got {x!r} twice)")
    xs_all = table[x].to_numpy(dtype=float)
    ys_all = table[y].to_numpy(dtype=float)
    p_all = table[list(PROBABILITY_COLUMNS)].to_numpy(dtype=float)
    x_unique, y_unique = np.unique(xs_all), np.unique(ys_all)
    if len(x_unique) < 2 or len(y_unique) < 2:
        raise ValueError(f"a phase map needs at least two values of each parameter ({x}: {len(x_unique)}, "
                         f"{y}: {len(y_unique)})")
    x_values, y_values, ix, iy, binned = grid_cells(xs_all, ys_all, bins)
    valid = ~np.isnan(p_all).any(axis=1)
    shape = (len(y_values), len(x_values))
    counts = np.zeros(shape, dtype=int)
    sums = np.zeros((3, *shape))
    np.add.at(counts, (iy[valid], ix[valid]), 1)
    for k in range(3):
        np.add.at(sums[k], (iy[valid], ix[valid]), p_all[valid, k])
    with np.errstate(invalid="ignore", divide="ignore"):
        probabilities = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return PhaseMap(x, y, np.asarray(x_values, float), np.asarray(y_values, float), probabilities,
                    headline_codes(probabilities, threshold), counts, threshold, binned)


def plot_phase_map(table: pd.DataFrame, x: str, y: str, *, scenario: str = "", threshold: float = 0.5,
                   bins: int | None = None, truce_contours: bool = True, config: Mapping[str, Any] | None = None,
                   ax: Axes | None = None) -> Figure:
    """The outcome prevailing over two parameters, with the boundaries between outcome regions.

    ``scenario`` (its title or name) heads the figure's title; the axes name the two
    parameters in words (:func:`negotiation.viz.style.describe`, with the side labels and
    issue levels of ``config``, the scenario's config, when given); see
    :func:`phase_map_data` for the other arguments.
    """
    data = phase_map_data(table, x, y, threshold=threshold, bins=bins)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, height=5.0)
        colours = [OUTCOME_COLOURS[o] for o in OUTCOMES] + [MIXED_COLOUR]
        cmap = ListedColormap(colours).with_extremes(bad="white")
        codes = np.ma.masked_less(data.codes, 0)
        ax.pcolormesh(data.x_values, data.y_values, codes, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest")
        handles: list = [Patch(color=OUTCOME_COLOURS[o], label=o) for o in OUTCOMES if (data.codes == OUTCOMES.index(o)).any()]
        if (data.codes == MIXED_CODE).any():
            handles.append(Patch(color=MIXED_COLOUR, label=f"mixed (no outcome ≥ {threshold:g})"))
        if (data.codes == NO_DATA_CODE).any():
            handles.append(Patch(facecolor="white", edgecolor="0.6", label="no valid point"))
        present = [k for k in (*range(len(OUTCOMES)), MIXED_CODE) if (data.codes == k).any()]
        if len(present) > 1:
            fine_x, fine_y, fine_codes = _cell_samples(data)
            for k in present:
                indicator = np.ma.masked_where(fine_codes == NO_DATA_CODE, (fine_codes == k).astype(float))
                ax.contour(fine_x, fine_y, indicator, levels=[0.5], colors=BOUNDARY_COLOUR, linewidths=1.3)
            handles.append(Line2D([], [], color=BOUNDARY_COLOUR, lw=1.3, label="boundary"))
        truce = np.ma.masked_invalid(data.probabilities[0])
        if truce_contours and truce.count() and np.ptp(truce.compressed()) > ATOL:
            lines = ax.contour(data.x_values, data.y_values, truce, levels=list(TRUCE_LEVELS), colors="0.25",
                               linewidths=0.8, linestyles="dashed")
            if lines.allsegs and any(len(s) for s in lines.allsegs):
                _label_contours(ax, lines)
                handles.append(Line2D([], [], color="0.25", lw=0.8, ls="dashed", label="P(truce)"))
        ax.set_xlabel(describe(x, config))
        ax.set_ylabel(describe(y, config))
        if data.binned:
            note = f"points in {len(data.x_values)}×{len(data.y_values)} cells, mean probabilities per cell"
        elif data.counts.max(initial=0) > 1:
            note = "mean probabilities over the other swept values"
        else:
            note = ""
        head = f"{scenario}: outcome of the talks" if scenario else "Outcome of the talks"
        ax.set_title(head + (f"\n({note})" if note else ""))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig


def _label_contours(ax: Axes, lines) -> None:
    """Label each level's longest contour line at a different fraction of its length (the
    k-th of m levels at (k + 1) / (m + 1)), so that labels of close parallel lines, where the
    truce probability jumps, do not sit on top of one another."""
    m = len(lines.levels)
    for k, (level, segments) in enumerate(zip(lines.levels, lines.allsegs, strict=True)):
        segments = [seg for seg in segments if len(seg) > 1]
        if not segments:
            continue
        lengths = [np.hypot(*np.diff(seg, axis=0).T).sum() for seg in segments]
        seg = segments[int(np.argmax(lengths))]
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(seg, axis=0).T))])
        i = min(int(np.searchsorted(along, along[-1] * (k + 1) / (m + 1))), len(seg) - 1)
        ax.clabel(lines, levels=[level], manual=[tuple(seg[i])], fmt=lambda v: f"{v:.0%}", fontsize=7)


def _cell_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around centres: midpoints, the outer ones half a gap out (as ``shading="nearest"``)."""
    mid = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def _cell_samples(data: PhaseMap, per_cell: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The codes sampled ``per_cell`` times across each cell, so that contours at 0.5 of an
    outcome's indicator run along the cell edges (up to a corner cut of 1/per_cell of a cell)."""
    offsets = (np.arange(per_cell) + 0.5) / per_cell

    def fine(centres: np.ndarray) -> np.ndarray:
        edges = _cell_edges(centres)
        samples = (edges[:-1, None] + np.diff(edges)[:, None] * offsets[None, :]).ravel()
        samples[0], samples[-1] = edges[0], edges[-1]  # so boundaries reach the frame
        return samples

    codes = np.repeat(np.repeat(data.codes, per_cell, axis=0), per_cell, axis=1)
    return fine(data.x_values), fine(data.y_values), codes


def save_phase_map(table: pd.DataFrame, x: str, y: str, out_dir: str | Path, *, scenario: str = "",
                   stem: str = "phase_map", **options) -> dict[str, Path]:
    """Draw the phase map and save it as ``figures/phase_map.png`` and ``.pdf`` under ``out_dir``.

    ``options`` are those of :func:`plot_phase_map` (pass ``config=`` for the side labels).
    """
    fig = plot_phase_map(table, x, y, scenario=scenario, **options)
    return {f"figures/{k}": v for k, v in save_figure(fig, Path(out_dir) / "figures", stem).items()}
