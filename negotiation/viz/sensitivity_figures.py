"""Figures of :mod:`negotiation.study.sensitivity`: tornado, Sobol' indices, P(truce) under
uncertainty, and a map of the equilibrium path over two swept parameters.

Each figure has a pure ``*_data`` function (or takes the frozen record that
:mod:`negotiation.study.sensitivity` returns, which is its data) and a ``plot_*`` function returning
a :class:`matplotlib.figure.Figure` drawn with the house style of :mod:`negotiation.viz.style`
(fixed outcome colours, the scenario's title in the figure's title, labelled axes with units).
Save with :func:`negotiation.viz.style.save_figure` (PNG and PDF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from negotiation.model.outcomes import OUTCOMES
from negotiation.study.sensitivity import (
    SobolIndices,
    Tornado,
    TruceProbability,
    verdicts,
)
from negotiation.viz.phase_map import grid_cells
from negotiation.viz.style import OUTCOME_COLOURS, PAGE_WIDTH, STYLE, describe, new_axes, wrap_label

__all__ = [
    "PathMap",
    "SobolBars",
    "TruceHistogram",
    "path_map_data",
    "path_order",
    "plot_path_map",
    "plot_sobol_indices",
    "plot_tornado",
    "plot_truce_probability",
    "sobol_bars_data",
    "truce_histogram_data",
]

#: Colours of equilibrium paths, in the order of :func:`path_order` ("none" first).
PATH_COLOURS = ("#d9d9d9", "#264653", "#8d5a97", "#4a7fb5", "#a3a380", "#7f5539", "#6d597a", "#9c6644")
#: First-order and total Sobol' index bars.
SOBOL_COLOURS = {"first_order": "#4a7fb5", "total_order": "#a9c6e3"}
NO_DATA_COLOUR = "white"
#: Tornado bars whose verdict is not one outcome: the base verdict, another one.
SAME_VERDICT_COLOUR, OTHER_VERDICT_COLOUR = "#c9d6df", "#d62828"


def _verdict_colour(verdict: str, base: str) -> str:
    """An outcome's fixed colour; for a verdict naming a path and a package, whether it is
    the base verdict."""
    if verdict in OUTCOME_COLOURS:
        return OUTCOME_COLOURS[verdict]
    if not verdict or verdict in ("invalid", "none"):
        return NO_DATA_COLOUR
    return SAME_VERDICT_COLOUR if verdict == base else OTHER_VERDICT_COLOUR


def _title(scenario: str, what: str) -> str:
    """``scenario`` on its own line above ``what`` (figure titles are long)."""
    return f"{scenario}\n{what[:1].upper() + what[1:]}" if scenario else what[:1].upper() + what[1:]


# ---------------------------------------------------------------- tornado


def plot_tornado(data: Tornado, *, config: Mapping[str, Any] | None = None, ax: Axes | None = None) -> Figure:
    """Bars from the base output to the output at each parameter's low (hatched) and high
    (solid) value, largest swing on top; each bar coloured by the verdict at that end.

    Each parameter is named in words (:func:`negotiation.viz.style.describe`, with the
    labels of ``config``, the scenario's config, when given)."""
    bars = data.bars
    own = ax is None
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, PAGE_WIDTH, 2.2 + 0.55 * len(bars))
        y = np.arange(len(bars))[::-1]
        for yi, bar in zip(y, bars, strict=True):
            for value, verdict, hatch in ((bar.output_low, bar.verdict_low, "///"),
                                          (bar.output_high, bar.verdict_high, None)):
                if np.isnan(value):
                    continue
                ax.barh(yi, value - data.base_output, left=data.base_output, height=0.6,
                        color=_verdict_colour(verdict, data.base_verdict), edgecolor="0.3", linewidth=0.6,
                        hatch=hatch)
        ax.axvline(data.base_output, color="0.2", lw=1.0)
        labels = [f"{wrap_label(describe(b.key_path, config), 50)}\n[{b.low:.3g} … {b.high:.3g}]" for b in bars]
        ax.set_yticks(y, labels, fontsize=7.5)
        ax.set_xlabel(data.output_label)
        what = describe(data.output, config)
        ax.set_title(_title(data.scenario, f"one-at-a-time sensitivity: {what[:1].lower() + what[1:]}")
                     + f"\n(low and high: {data.ranges};\nthe other values as in the file)", fontsize=10)
        verdicts_seen = {v for b in bars for v in (b.verdict_low, b.verdict_high)}
        present = sorted(verdicts_seen & set(OUTCOMES), key=OUTCOMES.index)
        handles = [Patch(color=OUTCOME_COLOURS[v], label=f"verdict {v}") for v in present]
        # Verdicts that are not a single outcome (a path and a package): base or not.
        others = verdicts_seen - set(OUTCOMES)
        if data.base_verdict in others:
            handles.append(Patch(facecolor=SAME_VERDICT_COLOUR, edgecolor="0.3", label="verdict as at base"))
        if others - {data.base_verdict}:
            handles.append(Patch(facecolor=OTHER_VERDICT_COLOUR, edgecolor="0.3", label="verdict changes"))
        handles += [Patch(facecolor="white", edgecolor="0.3", hatch="///", label="low value"),
                    Patch(facecolor="white", edgecolor="0.3", label="high value")]
        handles.append(Line2D([], [], color="0.2", label=f"base ({data.base_output:.3g}, "
                                               f"{data.base_verdict.replace('->', '→')})"))
        # Below the plot: beside it the legend took the width the parameters' names need.
        if own:
            fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8)
        else:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig


# ---------------------------------------------------------------- Sobol' indices


@dataclass(frozen=True)
class SobolBars:
    """The indices of one output, sorted by total index (largest first)."""

    output: str
    key_paths: tuple[str, ...]
    first_order: np.ndarray
    total_order: np.ndarray
    first_order_ci: np.ndarray | None  # (2, k)
    total_order_ci: np.ndarray | None


def sobol_bars_data(indices: SobolIndices, output: str | None = None) -> SobolBars:
    """One output's indices (default: the first), sorted by total index, largest first."""
    output = indices.outputs[0] if output is None else output
    o = indices.outputs.index(output)
    order = np.argsort(-indices.total_order[o], kind="stable")
    first_ci = None if indices.first_order_ci is None else indices.first_order_ci[:, o, order]
    total_ci = None if indices.total_order_ci is None else indices.total_order_ci[:, o, order]
    return SobolBars(output, tuple(indices.key_paths[i] for i in order), indices.first_order[o, order],
                     indices.total_order[o, order], first_ci, total_ci)


def plot_sobol_indices(indices: SobolIndices, output: str | None = None, *, config: Mapping[str, Any] | None = None,
                       ax: Axes | None = None) -> Figure:
    """First-order and total Sobol' indices of one output per parameter, with bootstrap
    intervals; parameters named in words (with the labels of ``config`` when given)."""
    data = sobol_bars_data(indices, output)
    k = len(data.key_paths)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, PAGE_WIDTH, 1.5 + 0.55 * k)
        y = np.arange(k)[::-1].astype(float)
        for offset, name, values, ci in ((0.18, "first_order", data.first_order, data.first_order_ci),
                                         (-0.18, "total_order", data.total_order, data.total_order_ci)):
            xerr = None
            if ci is not None:
                xerr = np.vstack([np.maximum(values - ci[0], 0), np.maximum(ci[1] - values, 0)])
            ax.barh(y + offset, values, height=0.34, color=SOBOL_COLOURS[name], xerr=xerr,
                    error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "0.3"},
                    label={"first_order": "first order $S_i$", "total_order": "total $S_{T_i}$"}[name])
        ax.axvline(0, color="0.5", lw=0.6)
        ax.set_yticks(y, [wrap_label(describe(p, config)) for p in data.key_paths], fontsize=7.5)
        what = describe(data.output, config)
        ax.set_xlabel(f"Sobol' index (share of the variance of {what[:1].lower() + what[1:]})")
        ci = f", {indices.confidence:.0%} bootstrap intervals" if indices.first_order_ci is not None else ""
        ax.set_title(_title(indices.scenario, f"global sensitivity: {what[:1].lower() + what[1:]}")
                     + f"\n(n = {indices.samples}, {indices.evaluations:,} model evaluations{ci})", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
    return fig


# ---------------------------------------------------------------- P(truce) under uncertainty


@dataclass(frozen=True)
class TruceHistogram:
    """Histogram of ``p_truce`` over the valid points, and the share of each verdict."""

    edges: np.ndarray
    counts: np.ndarray
    verdict_counts: dict[str, int]
    n: int


def truce_histogram_data(table: pd.DataFrame, *, bins: int = 20) -> TruceHistogram:
    """Counts of ``p_truce`` in ``bins`` equal bins of [0, 1] (valid points only).

    >>> t = pd.DataFrame({"p_truce": [0.0, 0.85, 0.9, np.nan], "p_deadlock": [1.0, 0.15, 0.1, np.nan],
    ...                   "p_escalation": [0.0, 0.0, 0.0, np.nan]})
    >>> d = truce_histogram_data(t, bins=2)
    >>> d.counts.tolist(), d.verdict_counts, d.n
    ([1, 2], {'truce': 2, 'deadlock': 1, 'escalation': 0}, 3)
    """
    values = table["p_truce"].to_numpy(dtype=float)
    valid = np.isfinite(values)
    if "status" in table:
        valid &= table["status"].to_numpy() != "invalid"
    counts, edges = np.histogram(values[valid], bins=bins, range=(0.0, 1.0))
    v = verdicts(table)[valid]
    return TruceHistogram(edges, counts, {o: int((v == o).sum()) for o in OUTCOMES}, int(valid.sum()))


def plot_truce_probability(table: pd.DataFrame, estimate: TruceProbability, *, scenario: str = "",
                           headline: float | None = None, bins: int = 20, ax: Axes | None = None) -> Figure:
    """Histogram of P(truce) over the points, its mean with the confidence interval, and
    (optionally) the headline value of the scenario as written."""
    data = truce_histogram_data(table, bins=bins)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, PAGE_WIDTH, 3.6)
        ax.stairs(data.counts, data.edges, fill=True, color=OUTCOME_COLOURS["truce"], alpha=0.85,
                  label="points")
        ax.axvspan(estimate.ci_low, estimate.ci_high, color="0.3", alpha=0.18,
                   label=f"{estimate.confidence:.0%} CI [{estimate.ci_low:.3f}, {estimate.ci_high:.3f}]")
        ax.axvline(estimate.mean, color="0.1", lw=1.4, label=f"mean {estimate.mean:.3f}")
        if headline is not None:
            ax.axvline(headline, color="0.1", lw=1.0, ls="--", label=f"as in the file {headline:.3f}")
        ax.set_xlim(0, 1)
        ax.set_xlabel("P(truce) on the headline path (probability)")
        ax.set_ylabel("points (count)")
        shares = ", ".join(f"{o} {c / data.n:.0%}" for o, c in data.verdict_counts.items()) if data.n else "none"
        ax.set_title(_title(scenario, "P(truce) under the declared uncertainty")
                     + f"\n(n = {estimate.n} valid points, {estimate.n_invalid} invalid; verdicts: {shares})",
                     fontsize=10)
        ax.legend(loc="upper left", fontsize=8)
    return fig


# ---------------------------------------------------------------- equilibrium-path map


def path_order(paths: Sequence[str] = (), moves: Sequence[str] | None = None) -> tuple[str, ...]:
    """Paths in a fixed order, so that each gets the same colour in every figure.

    With the scenario's ``moves`` (in the order they are played): every possible path,
    ``"none"`` first, then by number of moves, then by the moves' order. Without: ``"none"``
    (always) and the paths given, by number of moves, then by name.

    >>> path_order(["entity_listing+anti_dumping_probe", "anti_dumping_probe"])
    ('none', 'anti_dumping_probe', 'entity_listing+anti_dumping_probe')
    >>> path_order(moves=["entity_listing", "anti_dumping_probe"])
    ('none', 'entity_listing', 'anti_dumping_probe', 'entity_listing+anti_dumping_probe')
    """
    if moves is not None:
        moves = list(moves)
        masks = sorted(range(2 ** len(moves)),
                       key=lambda m: (bin(m).count("1"), [-(m >> (len(moves) - 1 - i) & 1) for i in range(len(moves))]))
        names = ["+".join(mv for i, mv in enumerate(moves) if m >> (len(moves) - 1 - i) & 1) or "none"
                 for m in masks]
        extra = sorted({p for p in paths if p and p not in names})
        return (*names, *extra)
    unique = {p for p in paths if p} | {"none"}
    return tuple(sorted(unique, key=lambda p: (p != "none", 0 if p == "none" else p.count("+") + 1, p)))


@dataclass(frozen=True, eq=False)
class PathMap:
    """The equilibrium path prevailing in each cell over parameters ``x`` and ``y``.

    ``codes`` (ny, nx) index ``paths`` (-1: no valid point); ``shares`` is the fraction of the
    cell's valid points on that path (1 for a grid's own cells).
    """

    x: str
    y: str
    x_values: np.ndarray
    y_values: np.ndarray
    paths: tuple[str, ...]
    codes: np.ndarray
    shares: np.ndarray
    binned: bool


def path_map_data(table: pd.DataFrame, x: str, y: str, *, bins: int | None = None,
                  moves: Sequence[str] | None = None) -> PathMap:
    """The modal equilibrium path in each cell (cells as in
    :func:`negotiation.viz.phase_map.phase_map_data`: a grid's own cells, or equal bins).

    ``moves`` (the scenario's moves, in order) fixes the list of paths and so their colours
    (see :func:`path_order`).

    Examples
    --------
    >>> t = pd.DataFrame({"a": [0.0, 0.0, 1.0, 1.0], "b": [0.0, 1.0, 0.0, 1.0],
    ...                   "equilibrium_path": ["none", "m", "m", ""]})
    >>> d = path_map_data(t, "a", "b")
    >>> d.paths, d.codes.tolist()
    (('none', 'm'), [[0, 1], [1, -1]])
    """
    xs, ys = table[x].to_numpy(dtype=float), table[y].to_numpy(dtype=float)
    labels = table["equilibrium_path"].fillna("").astype(str).to_numpy()
    x_values, y_values, ix, iy, binned = grid_cells(xs, ys, bins)
    paths = path_order(labels, moves)
    counts = np.zeros((len(paths), len(y_values), len(x_values)), dtype=int)
    for k, path in enumerate(paths):
        on = labels == path
        np.add.at(counts[k], (iy[on], ix[on]), 1)
    total = counts.sum(axis=0)
    codes = np.where(total > 0, np.argmax(counts, axis=0), -1) if paths else np.full(total.shape, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, counts.max(axis=0, initial=0) / np.maximum(total, 1), np.nan)
    return PathMap(x, y, np.asarray(x_values, float), np.asarray(y_values, float), paths, codes, shares, binned)


def plot_path_map(table: pd.DataFrame, x: str, y: str, *, scenario: str = "", bins: int | None = None,
                  moves: Sequence[str] | None = None, config: Mapping[str, Any] | None = None,
                  ax: Axes | None = None) -> Figure:
    """Which pre-talk moves are played (the headline equilibrium path) over two parameters;
    pass the scenario's ``moves`` for the same colour per path in every figure, and its
    ``config`` for the side labels in the axes' names."""
    data = path_map_data(table, x, y, bins=bins, moves=moves)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, PAGE_WIDTH, 5.0)
        colours = [PATH_COLOURS[i % len(PATH_COLOURS)] for i in range(max(len(data.paths), 1))]
        cmap = ListedColormap(colours)
        codes = np.ma.masked_less(data.codes, 0)
        ax.pcolormesh(data.x_values, data.y_values, codes, cmap=cmap, vmin=-0.5, vmax=len(colours) - 0.5,
                      shading="nearest")
        handles = [Patch(color=colours[k], label=path.replace("+", " + ").replace("_", " "))
                   for k, path in enumerate(data.paths) if (data.codes == k).any()]
        if (data.codes < 0).any():
            handles.append(Patch(facecolor=NO_DATA_COLOUR, edgecolor="0.6", label="no valid point"))
        ax.set_xlabel(describe(x, config))
        ax.set_ylabel(describe(y, config))
        note = f"\n(points in {len(data.x_values)}×{len(data.y_values)} cells, most frequent path)" if data.binned else ""
        ax.set_title(_title(scenario, "pre-talk moves played on the equilibrium path") + note)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="moves played",
                  title_fontsize=8)
    return fig
