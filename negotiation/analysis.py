r"""The one pipeline everything calls: a scenario in, its equilibrium analysis out.

For a scenario with leverage moves :math:`m_1, \dots, m_K` the analysis solves

1. the actual game (leverage stages, then the talks) by backward induction: every
   subgame-perfect equilibrium, and the headline one under the scenario's selection rule;
2. the counterfactual without pre-talk moves (the talks alone);
3. for each move :math:`m`, the game with :math:`m` forced played and forced refrained (the
   other moves still chosen in equilibrium). Its *leverage value* is the maker's headline
   payoff with the move minus without it,

   .. math:: \lambda_m = U_{\text{maker}}(m \text{ played}) - U_{\text{maker}}(m \text{ refrained}),

   decomposed into the move's cost and its *talks gain* :math:`\lambda_m + c_m` (what the
   move changes in the talks' outcome for its maker); with it comes the change in the
   probability of truce.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from negotiation.games import RESOLUTIONS
from negotiation.scenario import Scenario, game_tree
from negotiation.solvers.backward_induction import (
    BackwardInductionResult,
    SubgamePerfectEquilibrium,
    subgame_perfect_equilibria,
)
from negotiation.solvers.normal_form import cross_check_nashpy, nash_equilibria
from negotiation.solvers.selection import select_equilibrium


@dataclass(frozen=True)
class LeverageValue:
    """What one pre-talk move buys its maker (see the module docstring).

    Attributes
    ----------
    move, maker : str
    value : float
        Maker's headline equilibrium payoff with the move played minus refrained.
    cost : float
        The move's cost to its maker.
    talks_gain : float
        ``value + cost``: the change the move brings about in the talks for its maker.
    truce_probability_change : float
        Probability of truce with the move minus without it.
    payoffs_played, payoffs_refrained : tuple of float
        Both sides' headline payoffs in the two games.
    resolution_played, resolution_refrained : dict
        Probabilities of truce, deadlock, escalation in the two games.
    """

    move: str
    maker: str
    value: float
    cost: float
    talks_gain: float
    truce_probability_change: float
    payoffs_played: tuple[float, float]
    payoffs_refrained: tuple[float, float]
    resolution_played: dict[str, float]
    resolution_refrained: dict[str, float]


@dataclass(frozen=True, eq=False)
class Analysis:
    """The equilibrium analysis of a scenario: actual game, counterfactual, leverage."""

    scenario: Scenario
    actual: BackwardInductionResult
    counterfactual: BackwardInductionResult
    leverage: tuple[LeverageValue, ...]

    @property
    def headline(self) -> SubgamePerfectEquilibrium:
        return self.actual.headline

    def moves_played(self, equilibrium: SubgamePerfectEquilibrium | None = None) -> list[str]:
        """Names of the leverage moves played on an equilibrium's path (headline by default)."""
        equilibrium = equilibrium or self.headline
        return [label for label, action in equilibrium.path if action == "play"]


def resolution_dict(probabilities: np.ndarray | None) -> dict[str, float]:
    """``{"truce": p, "deadlock": q, "escalation": r}`` (clipped of rounding noise)."""
    if probabilities is None:
        return {}
    values = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    return {r.value: float(v) for r, v in zip(RESOLUTIONS, values, strict=True)}


def solve_tree(
    scenario: Scenario, forced: dict[str, str] | None = None, *, cache: dict | None = None
) -> BackwardInductionResult:
    """Every subgame-perfect equilibrium of the scenario's tree (some moves possibly forced).

    Each talks stage is solved by :func:`~negotiation.solvers.normal_form.nash_equilibria`
    and cross-checked against nashpy's vertex enumeration (the result's notes say whether
    they agree). ``cache`` (a dict) lets several solves of one scenario share the stage
    solutions and selections of identical stages.
    """
    settings = scenario.solver
    cache = {} if cache is None else cache

    def key(kind: str, A: np.ndarray, B: np.ndarray) -> tuple:
        return (kind, A.shape, A.tobytes(), B.tobytes(), settings.tolerance, settings.selection_rule)

    def stage_solver(A: np.ndarray, B: np.ndarray):
        k = key("nash", A, B)
        if k not in cache:
            cache[k] = cross_check_nashpy(A, B, nash_equilibria(A, B, tol=settings.tolerance))
        return cache[k]

    def selector(A: np.ndarray, B: np.ndarray, equilibria: Sequence[tuple[np.ndarray, np.ndarray]]) -> int:
        k = key("select", A, B)
        if k not in cache:
            cache[k] = select_equilibrium(A, B, equilibria, settings.selection_rule).index
        return cache[k]

    return subgame_perfect_equilibria(
        game_tree(scenario, forced),
        stage_solver=stage_solver,
        selector=selector,
        selection_rule=settings.selection_rule,
        tol=settings.tolerance,
        max_equilibria=settings.max_equilibria,
    )


def leverage_value(scenario: Scenario, move_name: str, *, cache: dict | None = None) -> LeverageValue:
    """Leverage value of one move (see the module docstring)."""
    move = scenario.move(move_name)
    maker = scenario.side_names.index(move.maker)
    played = solve_tree(scenario, {move_name: "play"}, cache=cache).headline
    refrained = solve_tree(scenario, {move_name: "refrain"}, cache=cache).headline
    value = played.payoffs[maker] - refrained.payoffs[maker]
    with_move = resolution_dict(played.resolution_probabilities)
    without = resolution_dict(refrained.resolution_probabilities)
    return LeverageValue(
        move=move_name,
        maker=move.maker,
        value=value,
        cost=move.cost,
        talks_gain=value + move.cost,
        truce_probability_change=with_move["truce"] - without["truce"],
        payoffs_played=played.payoffs,
        payoffs_refrained=refrained.payoffs,
        resolution_played=with_move,
        resolution_refrained=without,
    )


def analyze(scenario: Scenario) -> Analysis:
    """Solve a scenario: actual game, counterfactual without moves, leverage of each move."""
    cache: dict = {}
    return Analysis(
        scenario=scenario,
        actual=solve_tree(scenario, cache=cache),
        counterfactual=solve_tree(scenario.without_moves(), cache=cache),
        leverage=tuple(leverage_value(scenario, m.name, cache=cache) for m in scenario.moves),
    )
