r"""The figures of one scenario's analysis: outcome probabilities, payoffs, the game tree.

Each figure has a pure ``*_data`` function preparing what is drawn (tested exactly) and a
``plot_*`` function returning a :class:`matplotlib.figure.Figure` (never shown), drawn in
the one style of :mod:`negotiation.viz.style`. :func:`save_report_figures` writes the
figures of a results folder; the bargaining figures are in
:mod:`negotiation.viz.bargaining_figures`.

The game tree is the scenario's :class:`~negotiation.model.tree.GameTree`
(:func:`negotiation.model.compile.scenario_tree`) cut at the talks: the leverage decisions
are drawn as nodes, each talks stage (or bargaining node) as a leaf showing the outcome
lottery :math:`(p_T, p_D, p_E)` and the payoffs of the headline subgame-perfect
equilibrium there, and the equilibrium path in bold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from negotiation.analysis.pipeline import Analysis
from negotiation.model.compile import scenario_tree
from negotiation.model.outcomes import OUTCOMES, resolution_dict
from negotiation.model.scenario import BargainingTalks
from negotiation.model.tree import PERSONAL
from negotiation.viz.bargaining_figures import (
    bargaining_sensitivity_data,
    plot_bargaining_sensitivity,
    plot_utility_plane,
    utility_plane_data,
)
from negotiation.viz.style import (
    OUTCOME_COLOURS,
    PAGE_WIDTH,
    PATH_COLOUR,
    SIDE_COLOURS,
    STYLE,
    new_axes,
    save_figure,
)

__all__ = [
    "OUTCOME_COLOURS",
    "STYLE",
    "OutcomeBars",
    "PayoffsByOutcome",
    "TreeDrawing",
    "TreeEdge",
    "TreeLeaf",
    "TreeNode",
    "bargaining_sensitivity_data",
    "game_tree_data",
    "leverage_by_rule_data",
    "outcome_probabilities_data",
    "payoffs_by_outcome_data",
    "plot_bargaining_sensitivity",
    "plot_game_tree",
    "plot_leverage_by_rule",
    "plot_outcome_probabilities",
    "plot_payoffs_by_outcome",
    "plot_utility_plane",
    "save_figure",
    "save_report_figures",
    "utility_plane_data",
]


# ---------------------------------------------------------------- outcome probabilities


@dataclass(frozen=True)
class OutcomeBars:
    """Rows of stacked bars: a label and the probabilities of truce, deadlock, escalation."""

    labels: tuple[str, ...]
    probabilities: np.ndarray  # shape (rows, 3), columns in the order of OUTCOMES


def outcome_probabilities_data(analysis: Analysis) -> OutcomeBars:
    """Outcome probabilities on the headline path with the pre-talk moves and without."""
    rows = [
        ("with pre-talk moves", analysis.actual.headline.resolution_probabilities),
        ("no pre-talk moves", analysis.counterfactual.headline.resolution_probabilities),
    ]
    probabilities = np.array([[resolution_dict(p)[o] for o in OUTCOMES] for _, p in rows])
    return OutcomeBars(tuple(label for label, _ in rows), probabilities)


def plot_outcome_probabilities(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Stacked bars: probability of truce, deadlock and escalation, with and without moves."""
    data = outcome_probabilities_data(analysis)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, height=2.6)
        _stacked_bars(ax, data.labels, data.probabilities)
        ax.set_xlabel("probability of outcome")
        ax.set_title(f"{analysis.scenario.title}: outcome of the talks")
        ax.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    return fig


def _stacked_bars(ax: Axes, labels: Sequence[str], probabilities: np.ndarray) -> None:
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for k, outcome in enumerate(OUTCOMES):
        values = probabilities[:, k]
        bars = ax.barh(y, values, left=left, color=OUTCOME_COLOURS[outcome], label=outcome, height=0.6)
        for bar, value in zip(bars, values, strict=True):
            if value >= 0.06:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                        f"{value:.0%}", ha="center", va="center", fontsize=9)
        left += values
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))


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
    payoffs = [*utilities.values(), *(scenario.threat_point_values(e) for e in endings)]
    kinds = ["truce"] * len(utilities) + endings
    return PayoffsByOutcome(tuple(outcomes), tuple(kinds), tuple(s.label for s in scenario.sides),
                            np.array(payoffs, dtype=float).reshape(len(outcomes), 2))


def plot_payoffs_by_outcome(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Grouped bars: each side's payoff of each truce package, of deadlock and of escalation."""
    data = payoffs_by_outcome_data(analysis)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, height=3.4)
        x = np.arange(len(data.outcomes))
        width = 0.38
        for i, side in enumerate(data.sides):
            ax.bar(x + (i - 0.5) * width, data.payoffs[:, i], width, color=SIDE_COLOURS[i], label=side)
        for xi, kind in zip(x, data.kinds, strict=True):
            ax.axvspan(xi - 0.5, xi + 0.5, color=OUTCOME_COLOURS[kind], alpha=0.15, lw=0)
        # One word a line, not rotated: rotated labels' boxes overlap their neighbours'.
        ax.set_xticks(x, [o.replace("_", "\n").replace("/", "/\n") for o in data.outcomes], fontsize=8.5)
        ax.set_ylabel("payoff (utility, 0–1 scale)")
        ax.set_xlim(-0.5, len(x) - 0.5)
        ax.set_ylim(top=1.3 * max(float(data.payoffs.max(initial=0.0)), 0.1))  # room for the legend
        ax.set_title(f"{analysis.scenario.title}: payoffs by outcome (before moves)")
        ax.legend(loc="upper right")
    return fig


# ---------------------------------------------------------------- the game tree


@dataclass(frozen=True)
class TreeNode:
    """A leverage decision: its node in the game tree, position, text, and whether the
    equilibrium path passes through it."""

    node: int
    x: float
    y: float
    text: str
    on_path: bool


@dataclass(frozen=True)
class TreeEdge:
    """An action from a decision to a child, ``on_path`` if the equilibrium takes it."""

    x0: float
    y0: float
    x1: float
    y1: float
    action: str
    on_path: bool


@dataclass(frozen=True)
class TreeLeaf:
    """The talks after one history, as the headline equilibrium plays them.

    ``label`` is the history (``"threat=play"``); ``probabilities`` of truce, deadlock,
    escalation; ``payoffs`` of the two sides; ``text`` reads ``"us hold / china concede"``
    for pure stances, ``"mixed stances"`` otherwise, and ``"agree: <package>"`` or ``"no
    agreement"`` for bargaining.
    """

    node: int
    x: float
    y: float
    label: str
    probabilities: np.ndarray
    payoffs: tuple[float, float]
    text: str
    on_path: bool


@dataclass(frozen=True)
class TreeDrawing:
    """Positions and labels of a leverage tree, with the equilibrium path marked."""

    nodes: tuple[TreeNode, ...]
    edges: tuple[TreeEdge, ...]
    leaves: tuple[TreeLeaf, ...]

    @property
    def depth(self) -> int:
        """Levels of decisions above the leaves."""
        return int(round(-min((leaf.y for leaf in self.leaves), default=0.0)))


#: Trees with more talks stages than this are drawn along the equilibrium path only, each
#: branch off it collapsed into one leaf showing what the headline does there.
MAX_DRAWN_STAGES = 16
#: Width of the game tree's figure per leaf, in inches.
LEAF_WIDTH = 1.5


def game_tree_data(analysis: Analysis, max_stages: int = MAX_DRAWN_STAGES) -> TreeDrawing:
    """Lay out the scenario's leverage tree, marking the headline equilibrium's path.

    Leaves are evenly spaced in tree order (x = 0, 1, ...), each decision centred over its
    children, one level per move (y = -depth). A decision or stage is identified by its
    history, as in :attr:`SubgamePerfectEquilibrium.decisions` and
    :attr:`StagePlay.path <negotiation.solvers.equilibrium_sets.StagePlay>`. A tree with
    more than ``max_stages`` talks stages is drawn along the equilibrium path: each branch
    off it is one leaf with the outcome the headline equilibrium reaches there (its
    probabilities and payoffs) and the number of talks stages it stands for.
    """
    scenario = analysis.scenario
    headline = analysis.actual.headline
    tree = scenario_tree(scenario)
    large = len(analysis.actual.induction.stages) + len(analysis.actual.induction.bargains) > max_stages
    chosen = dict(headline.decisions) if not large else {
        tree.history(u): tree.actions(u)[headline.action(u)] for u in _path_nodes(analysis)}
    on_path = headline.stage_on_path()
    bargain = headline.bargain_on_path()
    stages = {on_path.path: on_path} if large and on_path else {play.path: play for play in headline.stages}
    bargains = {bargain.path: bargain} if large and bargain else {play.path: play for play in headline.bargains}
    moves = {m.name: m for m in scenario.moves}
    nodes: list[TreeNode] = []
    edges: list[TreeEdge] = []
    leaves: list[TreeLeaf] = []

    def leaf(v: int, history: tuple, depth: int, on_path: bool) -> float:
        x = float(len(leaves))
        if history in bargains:
            outcome = bargains[history].outcome
            text = f"agree: {outcome.package_name}" if outcome.package is not None else "no agreement"
            probabilities, payoffs = outcome.resolution_probabilities, outcome.payoffs
        else:
            play = stages[history]
            eq = play.equilibrium
            row, column = int(tree.player[v]), 1 - int(tree.player[v])
            column_actions = tree.actions(int(tree.children(v)[0]))
            text = (
                f"{scenario.side_names[row]} {tree.actions(v)[int(np.argmax(eq.row))]} / "
                f"{scenario.side_names[column]} {column_actions[int(np.argmax(eq.column))]}"
                if eq.is_pure else "mixed stances"
            )
            probabilities, payoffs = play.resolution_probabilities, eq.payoffs
        leaves.append(TreeLeaf(v, x, -float(depth), tree.labels[v], np.asarray(probabilities, dtype=float),
                               (float(payoffs[0]), float(payoffs[1])), text, on_path))
        return x

    induction = analysis.actual.induction
    collapse = large

    def collapsed(v: int, depth: int) -> float:
        x = float(len(leaves))
        stages_below = 2 ** (len(scenario.moves) - depth)
        lottery = induction.lotteries[0, v] if induction.lotteries is not None else np.full(3, np.nan)
        value = induction.values[0, v]
        leaves.append(TreeLeaf(v, x, -float(depth), tree.labels[v], np.asarray(lottery, dtype=float),
                               (float(value[0]), float(value[1])), f"{stages_below} talks stage{'' if stages_below == 1 else 's'}, collapsed", False))
        return x

    def place(v: int, depth: int, on_path: bool) -> float:
        history = tree.history(v)
        if collapse and not on_path:
            return collapsed(v, depth)
        if history in stages or history in bargains:
            return leaf(v, history, depth, on_path)
        if tree.kind[v] != PERSONAL or history not in chosen:
            raise ValueError(f"node {v} ({tree.labels[v]!r}) of the game tree is neither a leverage "
                             "decision nor a talks stage")
        xs = [place(int(child), depth + 1, on_path and chosen[history] == action)
              for action, child in zip(tree.actions(v), tree.children(v), strict=True)]
        x = float(np.mean(xs))
        move = moves.get(tree.labels[v])
        what = move.label if move is not None else tree.labels[v]
        nodes.append(TreeNode(v, x, -float(depth), f"{scenario.sides[int(tree.player[v])].label}:\n{_wrap_move(what)}",
                              on_path))
        for action, cx in zip(tree.actions(v), xs, strict=True):
            edges.append(TreeEdge(x, -float(depth), cx, -float(depth + 1), action,
                                  on_path and chosen[history] == action))
        return x

    place(0, 0, True)
    return TreeDrawing(tuple(nodes), tuple(edges), tuple(leaves))


def _path_nodes(analysis: Analysis) -> list[int]:
    """The leverage decisions on the headline path, from the root."""
    from negotiation.solvers.subgames import DECISION

    induction, headline = analysis.actual.induction, analysis.actual.headline
    tree, nodes, u = induction.tree, [], 0
    while induction.units.kind[u] == DECISION:
        nodes.append(u)
        u = int(tree.children(u)[headline.action(u)])
    return nodes


def plot_game_tree(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """The leverage tree with the equilibrium path in bold and the talks' outcome at each leaf."""
    data = game_tree_data(analysis)
    scenario = analysis.scenario
    n_leaves = max(1, len(data.leaves))
    depth = data.depth
    own = ax is None
    with matplotlib.rc_context(STYLE):
        # 1.5 in a leaf (its text is about 1.2 in wide at 8 pt, bold): three moves (8 leaves) print
        # at 12 in, not 14.4 in as before (a page-wide print keeps 4.7-pt text, not 3.9).
        fig, ax = new_axes(ax, width=max(PAGE_WIDTH, LEAF_WIDTH * n_leaves), height=2.4 + 1.3 * depth)
        for e in data.edges:
            ax.plot([e.x0, e.x1], [e.y0, e.y1], color=PATH_COLOUR if e.on_path else "0.6",
                    lw=2.6 if e.on_path else 1.0, zorder=1)
            ax.text((e.x0 + e.x1) / 2, (e.y0 + e.y1) / 2, e.action, ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}, zorder=2)
        for n in data.nodes:
            ax.text(n.x, n.y, n.text, ha="center", va="center", fontsize=8, zorder=3,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "#f1f1f1", "ec": PATH_COLOUR if n.on_path else "0.5",
                          "lw": 1.8 if n.on_path else 0.8})
        bar_width = 0.7
        for leaf in data.leaves:
            left = leaf.x - bar_width / 2
            for k, outcome in enumerate(OUTCOMES):
                ax.add_patch(Rectangle((left, leaf.y - 0.12), bar_width * leaf.probabilities[k], 0.24,
                                       color=OUTCOME_COLOURS[outcome], zorder=3))
                left += bar_width * leaf.probabilities[k]
            ax.add_patch(Rectangle((leaf.x - bar_width / 2, leaf.y - 0.12), bar_width, 0.24, fill=False,
                                   ec=PATH_COLOUR if leaf.on_path else "0.4", lw=2.0 if leaf.on_path else 0.6,
                                   zorder=4))
            text = (f"{_wrap(leaf.text)}\ntruce {leaf.probabilities[0]:.0%}\n"
                    + "\n".join(f"{s.label}: {v:.3f}" for s, v in zip(scenario.sides, leaf.payoffs, strict=True)))
            ax.text(leaf.x, leaf.y - 0.22, text, ha="center", va="top", fontsize=8,
                    fontweight="bold" if leaf.on_path else "normal")
        handles: list = [Patch(color=c, label=k) for k, c in OUTCOME_COLOURS.items()]
        handles.append(Line2D([], [], color=PATH_COLOUR, lw=2.6, label="equilibrium path"))
        if own:  # below the leaves' texts, which the constrained layout makes room for
            fig.legend(handles=handles, ncols=4, loc="outside lower center", fontsize=8)
        else:
            ax.legend(handles=handles, ncols=4, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=8)
        ax.set_xlim(-0.7, n_leaves - 0.3)
        ax.set_ylim(-depth - 0.85, 0.4)
        ax.set_axis_off()
        ax.set_title(f"{scenario.title}\ngame tree: talks stances, truce probability and payoffs at each leaf")
    return fig


def _wrap_move(text: str, width: int = 30) -> str:
    """A move's label on lines of at most ``width`` characters, so that the decisions of a
    level (two leaves apart at the last level) do not run into each other."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _wrap(text: str) -> str:
    """Break a long leaf text (a package name ``a/b/c``) after its slashes."""
    return text.replace("/", "/\n") if len(text) > 22 else text


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
        fig, ax = new_axes(ax, height=3.2)
        x = np.arange(len(rules))
        width = 0.8 / max(1, len(moves))
        for j, move in enumerate(moves):
            side = scenario.side_names.index(scenario.move(move).maker)
            ax.bar(x + (j - (len(moves) - 1) / 2) * width, values[:, j], width, color=SIDE_COLOURS[side],
                   alpha=1.0 - 0.35 * j, label=f"{scenario.move(move).label} ({scenario.sides[side].label})")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(x, [r.replace("_", " ") for r in rules])
        ax.set_ylabel("leverage value to the maker (utility)")
        ax.set_xlabel("equilibrium selection rule at the talks")
        ax.set_title(f"{scenario.title}: leverage by selection rule")
        ax.legend(loc="best", fontsize=8)
    return fig


# ---------------------------------------------------------------- a results folder's figures


def save_report_figures(analysis: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """All figures of a scenario's results folder, PNG and PDF, in ``out_dir/figures``.

    Returns
    -------
    dict
        ``"figures/<stem>.<ext>"`` -> path of each file written.
    """
    folder = Path(out_dir) / "figures"
    figures = [
        ("game_tree", plot_game_tree),
        ("payoffs_by_outcome", plot_payoffs_by_outcome),
        ("outcome_probabilities", plot_outcome_probabilities),
    ]
    if isinstance(analysis.scenario.talks, BargainingTalks):
        figures += [("utility_plane", plot_utility_plane), ("bargaining_sensitivity", plot_bargaining_sensitivity)]
    written = {}
    for stem, plot in figures:
        written.update({f"figures/{k}": v for k, v in save_figure(plot(analysis), folder, stem).items()})
    return written
