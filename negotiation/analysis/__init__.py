"""The analysis of a scenario: the actual game, the counterfactual, leverage, and its summary."""

from negotiation.analysis.pipeline import (
    Analysis,
    LeverageValue,
    ScenarioSolution,
    analyze,
    leverage_values,
    resolution_dict,
    solve_scenario,
)

__all__ = ["Analysis", "LeverageValue", "ScenarioSolution", "analyze", "leverage_values", "resolution_dict", "solve_scenario"]
