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
from negotiation.games import RESOLUTIONS, Decision, Node, StageGame
from negotiation.scenario import game_tree

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
    """Utilities of the truce packages and the payoffs of deadlock and escalation."""
    scenario = analysis.scenario
    utilities = scenario.package_utilities()
    outcomes = [*utilities, "deadlock", "escalation"]
    payoffs = [*utilities.values(), tuple(s.deadlock for s in scenario.sides), tuple(s.escalation for s in scenario.sides)]
    kinds = ["truce"] * len(utilities) + ["deadlock", "escalation"]
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
        ax.set_xticks(x, [o.replace("_", " ") for o in data.outcomes], rotation=20, ha="right")
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
    on_path); ``leaves``: (x, y, stage label, outcome probabilities (3,), payoffs (2,), on_path).
    """

    nodes: tuple[tuple[float, float, str, bool], ...]
    edges: tuple[tuple[float, float, float, float, str, bool], ...]
    leaves: tuple[tuple[float, float, str, np.ndarray, tuple[float, float], bool], ...]


def game_tree_data(analysis: Analysis) -> TreeDrawing:
    """Lay out the scenario's leverage tree (leaves evenly spaced), marking the headline path."""
    scenario = analysis.scenario
    headline = analysis.actual.headline
    stage_by_path = {s.path: s for s in headline.stages}
    chosen = {path: action for path, action in headline.decisions}
    nodes, edges, leaves = [], [], []
    counter = {"leaf": 0}
    labels = {m.name: m for m in scenario.moves}

    def place(node: Node, path: tuple, depth: int, on_path: bool) -> float:
        if isinstance(node, StageGame):
            x = float(counter["leaf"])
            counter["leaf"] += 1
            play = stage_by_path[path]
            leaves.append((x, -float(depth), node.label, np.asarray(play.resolution_probabilities), play.equilibrium.payoffs, on_path))
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
        fig, ax = _axes(ax, width=max(PAGE_WIDTH, 1.8 * n_leaves), height=1.5 + 1.3 * depth + 1.6)
        for x0, y0, x1, y1, action, on_path in data.edges:
            ax.plot([x0, x1], [y0, y1], color=PATH_COLOUR if on_path else "0.6", lw=2.6 if on_path else 1.0, zorder=1)
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, action, ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}, zorder=2)
        for x, y, text, on_path in data.nodes:
            ax.text(x, y, text, ha="center", va="center", fontsize=8, zorder=3,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "#f1f1f1", "ec": PATH_COLOUR if on_path else "0.5",
                          "lw": 1.8 if on_path else 0.8})
        bar_width = 0.7
        for x, y, _label, probabilities, payoffs, on_path in data.leaves:
            left = x - bar_width / 2
            for k, resolution in enumerate(RESOLUTIONS):
                ax.add_patch(matplotlib.patches.Rectangle((left, y - 0.12), bar_width * probabilities[k], 0.24,
                                                          color=OUTCOME_COLOURS[resolution.value], zorder=3))
                left += bar_width * probabilities[k]
            ax.add_patch(matplotlib.patches.Rectangle((x - bar_width / 2, y - 0.12), bar_width, 0.24, fill=False,
                                                      ec=PATH_COLOUR if on_path else "0.4", lw=2.0 if on_path else 0.6, zorder=4))
            truce = probabilities[0]
            text = (f"truce {truce:.0%}\n" + "\n".join(f"{s.label}: {v:.3f}" for s, v in zip(scenario.sides, payoffs, strict=True)))
            ax.text(x, y - 0.22, text, ha="center", va="top", fontsize=8, fontweight="bold" if on_path else "normal")
        handles = [matplotlib.patches.Patch(color=c, label=k) for k, c in OUTCOME_COLOURS.items()]
        handles.append(matplotlib.lines.Line2D([], [], color=PATH_COLOUR, lw=2.6, label="equilibrium path"))
        ax.legend(handles=handles, ncols=4, loc="lower center", bbox_to_anchor=(0.5, -0.12), fontsize=8)
        ax.set_xlim(-0.7, n_leaves - 0.3)
        ax.set_ylim(-depth - 1.0, 0.5)
        ax.set_axis_off()
        ax.set_title(f"{scenario.title}: game tree (payoffs and talks outcome at each leaf)")
    return fig


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
    for stem, plot in (
        ("game_tree", plot_game_tree),
        ("payoffs_by_outcome", plot_payoffs_by_outcome),
        ("outcome_probabilities", plot_outcome_probabilities),
    ):
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
