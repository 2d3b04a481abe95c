r"""Figures of the bargaining protocol: the utility plane and the sensitivity of the agreement.

With the talks as bargaining over packages (:class:`negotiation.model.scenario.BargainingTalks`)
each side's utility of a lasting agreement on package :math:`k` is :math:`u_k`; failing to
agree gives the disagreement point :math:`d` (the deadlock payoffs after the pre-talk
moves), and the moves' costs and harms :math:`s` are sunk. A side's *share of the gains*
from an agreement worth :math:`v` is

.. math:: \sigma_i = \frac{g_i}{g_1 + g_2}, \qquad g_i = \max(v_i - d_i - s_i, 0),

undefined (NaN) when neither side gains. The disagreement point and sunk costs at a
history are those of the bargaining node's problem
(:class:`negotiation.model.bargaining.BargainingProblem`) in the scenario's game tree.

References
----------
Nash, J. F. (1953). Two-person cooperative games. *Econometrica* 21(1), 128--140.
Rubinstein, A. (1982). Perfect equilibrium in a bargaining model. *Econometrica* 50(1),
97--109.
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negotiation.analysis.pipeline import Analysis, solve_scenario
from negotiation.io.config import scenario_points
from negotiation.model.bargaining import BargainingProblem
from negotiation.model.compile import scenario_tree
from negotiation.model.scenario import BargainingTalks, Scenario
from negotiation.model.tree import GameTree
from negotiation.solvers.bargaining import pareto_frontier
from negotiation.solvers.equilibrium_sets import BargainPlay, subgame_perfect_result
from negotiation.viz.style import (
    OUTCOME_COLOURS,
    PAGE_WIDTH,
    PATH_COLOUR,
    SIDE_COLOURS,
    STYLE,
    new_axes,
    new_figure,
)

__all__ = [
    "BargainingSweep",
    "UtilityPlane",
    "bargaining_key_path",
    "bargaining_sensitivity_data",
    "plot_bargaining_sensitivity",
    "plot_utility_plane",
    "utility_plane_data",
]


def _bargaining_talks(scenario: Scenario) -> BargainingTalks:
    if not isinstance(scenario.talks, BargainingTalks):
        raise ValueError(f"scenario {scenario.name!r} does not use the bargaining protocol")
    return scenario.talks


def _problem_at(tree: GameTree, play: BargainPlay) -> BargainingProblem:
    """The bargaining problem (batched) of the node a bargain was played at."""
    if tree.history(play.node) != play.path or tree.bargain[play.node] < 0:
        raise ValueError(f"no bargaining node at history {play.label!r} of the game tree")
    return tree.bargains[int(tree.bargain[play.node])]


# ---------------------------------------------------------------- the utility plane


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
    """Packages, Pareto frontier, disagreement points and solutions with and without moves.

    The disagreement point of each game is that of the bargaining node its headline
    equilibrium reaches.
    """
    scenario = analysis.scenario
    talks = _bargaining_talks(scenario)
    utilities = scenario.package_utilities()
    packages = np.array([[float(np.ravel(u)[0]) for u in utilities[p.name]] for p in talks.packages])
    frontier = packages[pareto_frontier(packages)]
    frontier = frontier[np.argsort(frontier[:, 0], kind="stable")]

    def point(index: int | None) -> tuple[float, float] | None:
        return None if index is None else (float(packages[index, 0]), float(packages[index, 1]))

    points: dict[str, tuple[float, float] | None] = {}
    for tag, game, result in (
        ("with moves", scenario, analysis.actual),
        ("no moves", scenario.without_moves(), analysis.counterfactual),
    ):
        play = result.headline.bargain_on_path()
        if play is None:
            raise ValueError(f"scenario {scenario.name!r}: the headline path reaches no bargaining node")
        d = _problem_at(scenario_tree(game), play).disagreement[0]
        outcome = play.outcome
        points[f"disagreement, {tag}"] = (float(d[0]), float(d[1]))
        points[f"Nash, {tag}"] = point(outcome.nash_package)
        points[f"Kalai–Smorodinsky, {tag}"] = point(outcome.kalai_smorodinsky_package)
        points[f"agreed, {tag}"] = point(outcome.package)
    return UtilityPlane((scenario.sides[0].label, scenario.sides[1].label), packages, frontier, points)


def plot_utility_plane(analysis: Analysis, ax: Axes | None = None) -> Figure:
    """Each side's utility of every package, the Pareto frontier, the disagreement points with
    and without the pre-talk moves, the Nash and Kalai–Smorodinsky packages and the agreement."""
    data = utility_plane_data(analysis)
    markers = {"disagreement": ("X", 90), "Nash": ("D", 70), "Kalai–Smorodinsky": ("s", 70), "agreed": ("*", 220)}
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, width=PAGE_WIDTH * 0.8, height=5.0)
        ax.scatter(data.packages[:, 0], data.packages[:, 1], s=14, color="0.65", label="packages", zorder=1)
        ax.plot(data.frontier[:, 0], data.frontier[:, 1], color=OUTCOME_COLOURS["truce"], lw=1.6,
                label="Pareto frontier", zorder=2)
        for tag, colour, fill in (("no moves", SIDE_COLOURS[0], "none"), ("with moves", PATH_COLOUR, None)):
            for kind, (marker, size) in markers.items():
                point = data.points.get(f"{kind}, {tag}")
                if point is None:
                    continue
                ax.scatter(*point, marker=marker, s=size, edgecolors=colour, linewidths=1.4, zorder=3,
                           facecolors=colour if fill is None else "none", label=f"{kind} ({tag})")
        ax.set_xlabel(f"{data.sides[0]}: utility of a lasting agreement")
        ax.set_ylabel(f"{data.sides[1]}: utility of a lasting agreement")
        ax.set_title(f"{analysis.scenario.title}\npackages, Pareto frontier and bargaining solutions", fontsize=10)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return fig


# ---------------------------------------------------------------- sensitivity to a parameter


@dataclass(frozen=True)
class BargainingSweep:
    """Agreement and shares along one parameter (headline equilibrium at each value).

    ``packages`` holds the agreed package at each value (``"deadlock"`` if none,
    ``"invalid"`` for a value the config rejects, whose numbers are NaN).
    """

    key_path: str
    values: np.ndarray
    packages: tuple[str, ...]
    payoffs: np.ndarray  # (len(values), 2)
    shares: np.ndarray  # (len(values), 2): each side's share of the gains over disagreement


def bargaining_key_path(parameter: str) -> str:
    """The key path of a bargaining parameter; ``"deadline"`` and ``"discount.<side>"`` are
    short for ``talks.bargaining.deadline`` and ``talks.bargaining.discount.<side>``.

    >>> bargaining_key_path("discount.us"), bargaining_key_path("talks.bargaining.power.us")
    ('talks.bargaining.discount.us', 'talks.bargaining.power.us')
    """
    if parameter == "deadline" or parameter.startswith("discount."):
        return f"talks.bargaining.{parameter}"
    return parameter


def bargaining_sensitivity_data(analysis: Analysis, parameter: str, values: np.ndarray) -> BargainingSweep:
    """Re-solve the whole game (moves, then bargaining) at each value of one parameter.

    Parameters
    ----------
    analysis : Analysis
        The analysis of a scenario with the bargaining protocol, built from a config
        (``scenario.config``).
    parameter : str
        A key path of the config (``talks.bargaining.deadline``, ...), or ``"deadline"`` /
        ``"discount.<side>"`` (:func:`bargaining_key_path`).
    values : array_like
        The values, solved as one batch by the analysis pipeline
        (:func:`negotiation.io.config.scenario_points`, then
        :func:`negotiation.analysis.pipeline.solve_scenario`).
    """
    scenario = analysis.scenario
    _bargaining_talks(scenario)
    if scenario.config is None:
        raise ValueError(f"scenario {scenario.name!r} was built in code: re-solving needs its config")
    key_path = bargaining_key_path(parameter)
    values = np.asarray(values, dtype=float).reshape(-1)
    points = scenario_points(scenario.config, {key_path: values}, source=scenario.source or scenario.name)
    n = len(values)
    packages = ["invalid"] * n
    payoffs = np.full((n, 2), np.nan)
    shares = np.full((n, 2), np.nan)
    if points.scenario is not None:
        induction = solve_scenario(points.scenario, detail="values", counterfactual=False, leverage=False).actual
        for i, row in enumerate(np.flatnonzero(points.valid)):
            play = subgame_perfect_result(induction, i).headline.bargain_on_path()
            problem = _problem_at(induction.tree, play)
            outcome = play.outcome
            packages[row] = outcome.package_name or "deadlock"
            payoffs[row] = outcome.payoffs
            gains = np.maximum(payoffs[row] - problem.disagreement[i] - problem.sunk[i], 0.0)
            if gains.sum() > 0:
                shares[row] = gains / gains.sum()
    return BargainingSweep(key_path, values, tuple(packages), payoffs, shares)


def plot_bargaining_sensitivity(
    analysis: Analysis,
    deadlines: np.ndarray | None = None,
    discounts: np.ndarray | None = None,
) -> Figure:
    """Two panels: each side's share of the gains from agreement (and the agreed package) as
    the deadline varies, and as the first side's discount factor varies.

    Defaults: deadlines 1..12 rounds; the first side's discount factor at 12 values from
    0.80 to 0.99.
    """
    scenario = analysis.scenario
    _bargaining_talks(scenario)
    deadlines = np.arange(1, 13) if deadlines is None else deadlines
    discounts = np.round(np.linspace(0.80, 0.99, 12), 3) if discounts is None else discounts
    first = scenario.sides[0]
    panels = [
        (bargaining_sensitivity_data(analysis, "deadline", deadlines), "deadline (rounds of offers)"),
        (bargaining_sensitivity_data(analysis, f"discount.{first.name}", discounts),
         f"{first.label}: discount factor per round"),
    ]
    with matplotlib.rc_context(STYLE):
        fig = new_figure(height=4.2)
        axes = fig.subplots(1, 2, sharey=True)
        for ax, (data, xlabel) in zip(axes, panels, strict=True):
            for i, side in enumerate(scenario.sides):
                ax.plot(data.values, data.shares[:, i], marker="o", ms=3, color=SIDE_COLOURS[i], label=side.label)
            previous = None
            for x, package in zip(data.values, data.packages, strict=True):
                if package != previous:
                    ax.annotate(package.replace("/", "/\n"), (x, 1.02), fontsize=6.5, rotation=90, ha="center",
                                va="bottom", xycoords=("data", "axes fraction"))
                    ax.axvline(x, color="0.85", lw=0.8, zorder=0)
                    previous = package
            ax.set_xlabel(xlabel)
            ax.set_ylim(0, 1)
        axes[0].set_ylabel("share of the gains from agreement")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=8)
        fig.suptitle(f"{scenario.title}\nagreed package (labelled where it changes) and shares of the gains",
                     fontsize=10)
    return fig
