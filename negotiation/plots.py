"""Report-ready figures: one style, one colour per outcome, PNG and PDF side by side.

Each figure has a pure ``*_data`` function preparing what is drawn (tested exactly) and a
``plot_*`` function returning a :class:`matplotlib.figure.Figure` (never shown). Figures are
built with the object API, so no GUI backend or global pyplot state is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negotiation.analysis import Analysis, resolution_dict
from negotiation.games import RESOLUTIONS, BargainingStage, Decision, Node, StageGame
from negotiation.scenario import BargainingTalks, game_tree

#: One fixed colour per outcome, in every figure.
OUTCOME_COLOURS = {"truce": "#2a9d8f", "deadlock": "#e9c46a", "escalation": "#e76f51"}
#: One colour per side position (row side, column side).
SIDE_COLOURS = ("#264653", "#8d5a97")
PATH_COLOUR = "#d62828"

#: The house style (a matplotlibrc in code), applied to every figure.
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "pdf.fonttype": 42,
}

#: A report page's text width, in inches.
PAGE_WIDTH = 7.0


def _figure(width: float = PAGE_WIDTH, height: float = 4.0) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _axes(ax: Axes | None, width: float = PAGE_WIDTH, height: float = 4.0) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = _figure(width, height)
    return fig, fig.add_subplot()


# ---------------------------------------------------------------- outcome probabilities


@dataclass(frozen=True)
class OutcomeBars:
    """Rows of stacked bars: a label and the probabilities of truce, deadlock, escalation."""

    labels: tuple[str, ...]
    probabilities: np.ndarray  # shape (rows, 3)


def outcome_probabilities_data(analysis: Analysis) -> OutcomeBars:
    """Outcome probabilities with the pre-talk moves (headline) and without (counterfactual)."""
    rows = [
        ("with pre-talk moves", analysis.actual.headline.resolution_probabilities),
        ("no pre-talk moves", analysis.counterfactual.headline.resolution_probabilities),
    ]
    probabilities = np.array([[resolution_dict(p)[r.value] for r in RESOLUTIONS] for _, p in rows])
    return OutcomeBars(tuple(label for label, _ in rows), probabilities)


def plot_outcome_probabilities(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Stacked bars: probability of truce, deadlock and escalation, with and without moves."""
    data = outcome_probabilities_data(analysis)
    with matplotlib.rc_context(STYLE):
        fig, ax = _axes(ax, height=2.6)
        _stacked_bars(ax, data.labels, data.probabilities)
        ax.set_xlabel("probability of outcome")
        ax.set_title(f"{analysis.scenario.title}: outcome of the talks")
        ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    return fig


def _stacked_bars(ax: Axes, labels: Sequence[str], probabilities: np.ndarray) -> None:
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for k, resolution in enumerate(RESOLUTIONS):
        values = probabilities[:, k]
        bars = ax.barh(y, values, left=left, color=OUTCOME_COLOURS[resolution.value], label=resolution.value, height=0.6)
        for bar, value in zip(bars, values, strict=True):
            if value >= 0.06:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                        f"{value:.0%}", ha="center", va="center", fontsize=9)
        left += values
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))


# ---------------------------------------------------------------- payoffs by outcome


@dataclass(frozen=True)
class PayoffsByOutcome:
    """Each side's payoff of each possible outcome of the talks (no moves played)."""

    outcomes: tuple[str, ...]
    kinds: tuple[str, ...]  # "truce", "deadlock" or "escalation" for each outcome
    sides: tuple[str, str]
    payoffs: np.ndarray  # shape (outcomes, 2)


def payoffs_by_outcome_data(analysis: Analysis) -> PayoffsByOutcome:
    """Utilities of the truce packages and the payoffs of deadlock and escalation.

    With the bargaining protocol (where every package may be on the table) only the named
    packages and the agreed ones are shown, and escalation (which bargaining cannot reach)
    is left out.
    """
    scenario = analysis.scenario
    utilities = scenario.package_utilities()
    endings = ["deadlock", "escalation"]
    if isinstance(scenario.talks, BargainingTalks):
        agreed = {
            b.outcome.package_name
            for result in (analysis.actual, analysis.counterfactual)
            for b in result.headline.bargains
            if b.outcome.package is not None
        }
        utilities = {k: v for k, v in utilities.items() if "/" not in k or k in agreed}
        endings = ["deadlock"]
    outcomes = [*utilities, *endings]
    payoffs = [*utilities.values(), *(tuple(getattr(s, e) for s in scenario.sides) for e in endings)]
    kinds = ["truce"] * len(utilities) + endings
    return PayoffsByOutcome(tuple(outcomes), tuple(kinds), tuple(s.label for s in scenario.sides), np.array(payoffs, dtype=float))


def plot_payoffs_by_outcome(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Grouped bars: each side's payoff of each truce package, of deadlock and of escalation."""
    data = payoffs_by_outcome_data(analysis)
    with matplotlib.rc_context(STYLE):
        fig, ax = _axes(ax, height=3.4)
        x = np.arange(len(data.outcomes))
        width = 0.38
        for i, side in enumerate(data.sides):
            ax.bar(x + (i - 0.5) * width, data.payoffs[:, i], width, color=SIDE_COLOURS[i], label=side)
        for xi, kind in zip(x, data.kinds, strict=True):
            ax.axvspan(xi - 0.5, xi + 0.5, color=OUTCOME_COLOURS[kind], alpha=0.15, lw=0)
        ax.set_xticks(x, [o.replace("_", " ").replace("/", "/\n") for o in data.outcomes], rotation=20, ha="right")
        ax.set_ylabel("payoff (utility, 0–1 scale)")
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_title(f"{analysis.scenario.title}: payoffs by outcome (before moves)")
        ax.legend(loc="upper right")
    return fig


# ---------------------------------------------------------------- the game tree


@dataclass(frozen=True)
class TreeDrawing:
    """Positions and labels of a leverage tree, with the equilibrium path marked.

    ``nodes``: (x, y, text, on_path) per decision node; ``edges``: (x0, y0, x1, y1, action,
    on_path); ``leaves``: (x, y, stage label, outcome probabilities (3,), payoffs (2,),
    stances, on_path), where ``stances`` reads ``"us hold / china concede"`` for a pure stage
    equilibrium and ``"mixed stances"`` otherwise.
    """

    nodes: tuple[tuple[float, float, str, bool], ...]
    edges: tuple[tuple[float, float, float, float, str, bool], ...]
    leaves: tuple[tuple[float, float, str, np.ndarray, tuple[float, float], str, bool], ...]


def game_tree_data(analysis: Analysis) -> TreeDrawing:
    """Lay out the scenario's leverage tree (leaves evenly spaced), marking the headline path."""
    scenario = analysis.scenario
    headline = analysis.actual.headline
    stage_by_path = {s.path: s for s in headline.stages}
    bargain_by_path = {b.path: b for b in headline.bargains}
    chosen = {path: action for path, action in headline.decisions}
    nodes, edges, leaves = [], [], []
    counter = {"leaf": 0}
    labels = {m.name: m for m in scenario.moves}

    def place(node: Node, path: tuple, depth: int, on_path: bool) -> float:
        if isinstance(node, BargainingStage):
            x = float(counter["leaf"])
            counter["leaf"] += 1
            outcome = bargain_by_path[path].outcome
            text = f"agree: {outcome.package_name}" if outcome.package is not None else "no agreement"
            leaves.append((x, -float(depth), node.label, np.asarray(outcome.resolution_probabilities), outcome.payoffs, text, on_path))
            return x
        if isinstance(node, StageGame):
            x = float(counter["leaf"])
            counter["leaf"] += 1
            play = stage_by_path[path]
            eq = play.equilibrium
            stances = (
                f"{scenario.side_names[0]} {node.row_actions[int(np.argmax(eq.row))]} / "
                f"{scenario.side_names[1]} {node.column_actions[int(np.argmax(eq.column))]}"
                if eq.is_pure
                else "mixed stances"
            )
            leaves.append((x, -float(depth), node.label, np.asarray(play.resolution_probabilities), eq.payoffs, stances, on_path))
            return x
        assert isinstance(node, Decision)
        xs = []
        for action, child in zip(node.actions, node.children, strict=True):
            child_path = path + ((node.label, action),)
            xs.append((action, place(child, child_path, depth + 1, on_path and chosen.get(path) == action)))
        x = float(np.mean([cx for _, cx in xs]))
        move = labels[node.label]
        nodes.append((x, -float(depth), f"{scenario.sides[node.player].label}:\n{move.label}", on_path))
        for action, cx in xs:
            edges.append((x, -float(depth), cx, -float(depth + 1), action, on_path and chosen.get(path) == action))
        return x

    place(game_tree(scenario), (), 0, True)
    return TreeDrawing(tuple(nodes), tuple(edges), tuple(leaves))


def plot_game_tree(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """The leverage tree with the equilibrium path in bold and the talks' outcome at each leaf."""
    data = game_tree_data(analysis)
    scenario = analysis.scenario
    n_leaves = max(1, len(data.leaves))
    depth = len(scenario.moves)
    with matplotlib.rc_context(STYLE):
        fig, ax = _axes(ax, width=max(PAGE_WIDTH, 1.8 * n_leaves), height=1.2 + 1.3 * depth + 1.2)
        for x0, y0, x1, y1, action, on_path in data.edges:
            ax.plot([x0, x1], [y0, y1], color=PATH_COLOUR if on_path else "0.6", lw=2.6 if on_path else 1.0, zorder=1)
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, action, ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}, zorder=2)
        for x, y, text, on_path in data.nodes:
            ax.text(x, y, text, ha="center", va="center", fontsize=8, zorder=3,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "#f1f1f1", "ec": PATH_COLOUR if on_path else "0.5",
                          "lw": 1.8 if on_path else 0.8})
        bar_width = 0.7
        for x, y, _label, probabilities, payoffs, stances, on_path in data.leaves:
            left = x - bar_width / 2
            for k, resolution in enumerate(RESOLUTIONS):
                ax.add_patch(matplotlib.patches.Rectangle((left, y - 0.12), bar_width * probabilities[k], 0.24,
                                                          color=OUTCOME_COLOURS[resolution.value], zorder=3))
                left += bar_width * probabilities[k]
            ax.add_patch(matplotlib.patches.Rectangle((x - bar_width / 2, y - 0.12), bar_width, 0.24, fill=False,
                                                      ec=PATH_COLOUR if on_path else "0.4", lw=2.0 if on_path else 0.6, zorder=4))
            truce = probabilities[0]
            text = (f"{stances}\ntruce {truce:.0%}\n" + "\n".join(f"{s.label}: {v:.3f}" for s, v in zip(scenario.sides, payoffs, strict=True)))
            ax.text(x, y - 0.22, text, ha="center", va="top", fontsize=8, fontweight="bold" if on_path else "normal")
        handles = [matplotlib.patches.Patch(color=c, label=k) for k, c in OUTCOME_COLOURS.items()]
        handles.append(matplotlib.lines.Line2D([], [], color=PATH_COLOUR, lw=2.6, label="equilibrium path"))
        ax.legend(handles=handles, ncols=4, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=8)
        ax.set_xlim(-0.7, n_leaves - 0.3)
        ax.set_ylim(-depth - 0.85, 0.4)
        ax.set_axis_off()
        ax.set_title(f"{scenario.title}\ngame tree: talks stances, truce probability and payoffs at each leaf")
    return fig


# ---------------------------------------------------------------- cells of a 2-D map


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


# ---------------------------------------------------------------- saving


def save_figure(fig: Figure, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for ext in ("png", "pdf"):
        path = out / f"{stem}.{ext}"
        fig.savefig(path)
        paths[path.name] = path
    return paths


def save_report_figures(analysis: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """All figures of a scenario's report, PNG and PDF, in ``out_dir/figures``."""
    folder = Path(out_dir) / "figures"
    written = {}
    figures = [
        ("game_tree", plot_game_tree),
        ("payoffs_by_outcome", plot_payoffs_by_outcome),
        ("outcome_probabilities", plot_outcome_probabilities),
    ]
    if isinstance(analysis.scenario.talks, BargainingTalks):
        figures += [("utility_plane", plot_utility_plane), ("bargaining_sensitivity", plot_bargaining_sensitivity)]
    for stem, plot in figures:
        written.update({f"figures/{k}": v for k, v in save_figure(plot(analysis), folder, stem).items()})
    return written


# ---------------------------------------------------------------- robustness to the selection rule


def leverage_by_rule_data(analyses: dict[str, Analysis]) -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """Rules, moves, and the leverage value of each move under each rule (shape rules x moves)."""
    rules = tuple(analyses)
    moves = tuple(lv.move for lv in next(iter(analyses.values())).leverage)
    values = np.array([[lv.value for lv in analyses[r].leverage] for r in rules], dtype=float).reshape(len(rules), len(moves))
    return rules, moves, values


def plot_leverage_by_rule(analyses: dict[str, Analysis], ax: Axes | None = None) -> Figure:
    """Grouped bars: each move's leverage value under each equilibrium selection rule."""
    rules, moves, values = leverage_by_rule_data(analyses)
    scenario = next(iter(analyses.values())).scenario
    with matplotlib.rc_context(STYLE):
        fig, ax = _axes(ax, height=3.2)
        x = np.arange(len(rules))
        width = 0.8 / max(1, len(moves))
        for j, move in enumerate(moves):
            maker = scenario.sides[scenario.side_names.index(scenario.move(move).maker)]
            colour = SIDE_COLOURS[scenario.side_names.index(maker.name)]
            ax.bar(x + (j - (len(moves) - 1) / 2) * width, values[:, j], width, color=colour,
                   alpha=1.0 - 0.35 * j, label=f"{scenario.move(move).label} ({maker.label})")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(x, [r.replace("_", " ") for r in rules])
        ax.set_ylabel("leverage value to the maker (utility)")
        ax.set_xlabel("equilibrium selection rule at the talks")
        ax.set_title(f"{scenario.title}: leverage by selection rule")
        ax.legend(loc="best", fontsize=8)
    return fig


# ---------------------------------------------------------------- bargaining: the utility plane


@dataclass(frozen=True)
class UtilityPlane:
    """What the utility-plane figure draws (bargaining protocol).

    Utilities are those of a lasting agreement (before breakdown risk and sunk costs);
    ``points`` maps a label to a point, e.g. ``"disagreement, with moves"``, ``"Nash"``,
    ``"agreed"``; None where there is no such point (no agreement possible).
    """

    sides: tuple[str, str]
    packages: np.ndarray  # (K, 2)
    frontier: np.ndarray  # (F, 2), sorted by the first side's utility
    points: dict[str, tuple[float, float] | None]


def utility_plane_data(analysis: Analysis) -> UtilityPlane:
    """Packages, Pareto frontier, disagreement points and solutions with and without moves."""
    from negotiation.solvers.bargaining import pareto_frontier

    scenario = analysis.scenario
    if not isinstance(scenario.talks, BargainingTalks):
        raise ValueError(f"scenario {scenario.name!r} does not use the bargaining protocol")
    utilities = scenario.package_utilities()
    packages = np.array([utilities[p.name] for p in scenario.talks.packages], dtype=float)
    frontier = packages[pareto_frontier(packages)]
    frontier = frontier[np.argsort(frontier[:, 0], kind="stable")]
    points: dict[str, tuple[float, float] | None] = {}
    for tag, game, result in (
        ("with moves", scenario, analysis.actual),
        ("no moves", scenario.without_moves(), analysis.counterfactual),
    ):
        play = result.headline.bargain_on_path()
        stage = _bargaining_stage_at(game, play.path)
        outcome = play.outcome

        def point(index: int | None) -> tuple[float, float] | None:
            return None if index is None else (float(packages[index, 0]), float(packages[index, 1]))

        points[f"disagreement, {tag}"] = (float(stage.disagreement[0]), float(stage.disagreement[1]))
        points[f"Nash, {tag}"] = point(outcome.nash_package)
        points[f"Kalai–Smorodinsky, {tag}"] = point(outcome.kalai_smorodinsky_package)
        points[f"agreed, {tag}"] = point(outcome.package)
    return UtilityPlane(tuple(s.label for s in scenario.sides), packages, frontier, points)


def _bargaining_stage_at(scenario, path) -> BargainingStage:
    node = game_tree(scenario)
    for label, action in path:
        assert isinstance(node, Decision) and node.label == label
        node = node.children[node.actions.index(action)]
    assert isinstance(node, BargainingStage)
    return node


def plot_utility_plane(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Each side's utility of every package, the Pareto frontier, the disagreement points with
    and without the pre-talk moves, the Nash and Kalai–Smorodinsky packages and the agreement."""
    data = utility_plane_data(analysis)
    markers = {"disagreement": ("X", 90), "Nash": ("D", 70), "Kalai–Smorodinsky": ("s", 70), "agreed": ("*", 220)}
    with matplotlib.rc_context(STYLE):
        fig, ax = _axes(ax, width=PAGE_WIDTH * 0.8, height=5.0)
        ax.scatter(data.packages[:, 0], data.packages[:, 1], s=14, color="0.65", label="packages", zorder=1)
        ax.plot(data.frontier[:, 0], data.frontier[:, 1], color=OUTCOME_COLOURS["truce"], lw=1.6, label="Pareto frontier", zorder=2)
        for tag, colour, fill in (("no moves", SIDE_COLOURS[0], "none"), ("with moves", PATH_COLOUR, None)):
            for kind, (marker, size) in markers.items():
                point = data.points.get(f"{kind}, {tag}")
                if point is None:
                    continue
                ax.scatter(*point, marker=marker, s=size, edgecolors=colour, linewidths=1.4, zorder=3,
                           facecolors=colour if fill is None else "none", label=f"{kind} ({tag})")
        ax.set_xlabel(f"{data.sides[0]}: utility of a lasting agreement")
        ax.set_ylabel(f"{data.sides[1]}: utility of a lasting agreement")
        fig.suptitle(f"{analysis.scenario.title}\npackages, Pareto frontier and bargaining solutions", fontsize=10)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return fig


# ---------------------------------------------------------------- bargaining: sensitivity


@dataclass(frozen=True)
class BargainingSweep:
    """Agreement and shares along one bargaining parameter (headline equilibrium)."""

    parameter: str
    values: np.ndarray
    packages: tuple[str, ...]  # agreed package ("deadlock" if none) at each value
    payoffs: np.ndarray  # (len(values), 2)
    shares: np.ndarray  # (len(values), 2): each side's share of the gains over disagreement


def bargaining_sensitivity_data(analysis: Analysis, parameter: str, values: np.ndarray) -> BargainingSweep:
    """Re-solve the whole game (moves, then bargaining) along ``parameter``.

    ``parameter`` is ``"deadline"`` or ``"discount.<side>"`` (that side's discount factor).
    A side's *share* is its gain over its disagreement payoff divided by both gains.
    """
    from dataclasses import replace

    from negotiation.analysis import solve_tree

    scenario = analysis.scenario
    talks = scenario.talks
    if not isinstance(talks, BargainingTalks):
        raise ValueError(f"scenario {scenario.name!r} does not use the bargaining protocol")
    packages, payoffs, shares = [], [], []
    for value in values:
        if parameter == "deadline":
            new_talks = replace(talks, deadline=int(value))
        elif parameter.startswith("discount."):
            side = scenario.side_names.index(parameter.split(".", 1)[1])
            discount = list(talks.discount)
            discount[side] = float(value)
            new_talks = replace(talks, discount=(discount[0], discount[1]))
        else:
            raise ValueError(f"unknown bargaining parameter {parameter!r}; use 'deadline' or 'discount.<side>'")
        variant = replace(scenario, talks=new_talks)
        play = solve_tree(variant).headline.bargain_on_path()
        stage = _bargaining_stage_at(variant, play.path)
        outcome = play.outcome
        packages.append(outcome.package_name or "deadlock")
        payoffs.append(outcome.payoffs)
        fallback = np.asarray(stage.disagreement) + np.asarray(stage.sunk)
        gains = np.maximum(np.asarray(outcome.payoffs) - fallback, 0.0)
        shares.append(gains / gains.sum() if gains.sum() > 0 else np.array([np.nan, np.nan]))
    return BargainingSweep(parameter, np.asarray(values, dtype=float), tuple(packages), np.array(payoffs), np.array(shares))


def plot_bargaining_sensitivity(
    analysis: Analysis,
    deadlines: np.ndarray | None = None,
    discounts: np.ndarray | None = None,
) -> Figure:
    """Two panels: each side's share of the gains from agreement (and the agreed package) as
    the deadline varies, and as the first side's discount factor varies."""
    scenario = analysis.scenario
    talks = scenario.talks
    if not isinstance(talks, BargainingTalks):
        raise ValueError(f"scenario {scenario.name!r} does not use the bargaining protocol")
    deadlines = np.arange(1, 13) if deadlines is None else deadlines
    discounts = np.round(np.linspace(0.80, 0.99, 12), 3) if discounts is None else discounts
    panels = [
        bargaining_sensitivity_data(analysis, "deadline", deadlines),
        bargaining_sensitivity_data(analysis, f"discount.{scenario.side_names[0]}", discounts),
    ]
    with matplotlib.rc_context(STYLE):
        fig = _figure(height=3.6)
        axes = fig.subplots(1, 2, sharey=True)
        for ax, data, xlabel in zip(
            axes, panels,
            ("deadline (rounds of offers)", f"{scenario.sides[0].label}: discount factor per round"),
            strict=True,
        ):
            for i, side in enumerate(scenario.sides):
                ax.plot(data.values, data.shares[:, i], marker="o", ms=3, color=SIDE_COLOURS[i], label=side.label)
            previous = None
            for x, package in zip(data.values, data.packages, strict=True):
                if package != previous:
                    ax.annotate(package.replace("/", "/\n"), (x, 1.02), fontsize=6.5, rotation=90, ha="center", va="bottom",
                                xycoords=("data", "axes fraction"))
                    ax.axvline(x, color="0.85", lw=0.8, zorder=0)
                    previous = package
            ax.set_xlabel(xlabel)
            ax.set_ylim(0, 1)
        axes[0].set_ylabel("share of the gains from agreement")
        axes[0].legend(loc="lower left", fontsize=8)
        fig.suptitle(f"{scenario.title}\nagreed package (labelled where it changes) and shares of the gains", fontsize=10)
    return fig
