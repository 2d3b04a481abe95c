"""Results folders: ``summary.json``, a terminal summary, and the report figures.

This is an edge module: it reads an :class:`~negotiation.analysis.Analysis` and writes
files; it computes no equilibrium itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from negotiation import __version__
from negotiation.analysis import Analysis, resolution_dict
from negotiation.scenario import BargainingTalks
from negotiation.solvers.backward_induction import (
    BackwardInductionResult,
    BargainPlay,
    StagePlay,
    SubgamePerfectEquilibrium,
)


def _strategy(actions: tuple[str, ...], probabilities: np.ndarray) -> dict[str, float]:
    return {a: round(float(max(p, 0.0)), 12) for a, p in zip(actions, probabilities, strict=True)}


def _stage_dict(analysis: Analysis, play: StagePlay | None) -> dict[str, Any] | None:
    if play is None:
        return None
    talks = analysis.scenario.talks
    names = analysis.scenario.side_names
    return {
        "stage": play.label,
        "strategies": {
            names[0]: _strategy(talks.actions[0], play.equilibrium.row),
            names[1]: _strategy(talks.actions[1], play.equilibrium.column),
        },
        "payoffs": dict(zip(names, map(float, play.equilibrium.payoffs), strict=True)),
        "outcome_probabilities": resolution_dict(play.resolution_probabilities),
        "max_regret": play.equilibrium.max_regret,
    }


def _bargain_dict(analysis: Analysis, play: BargainPlay | None) -> dict[str, Any] | None:
    if play is None:
        return None
    scenario = analysis.scenario
    talks = scenario.talks
    outcome = play.outcome

    def levels(index: int | None) -> dict[str, str] | None:
        return None if index is None else talks.packages[index].as_dict()

    def name(index: int | None) -> str | None:
        return None if index is None else talks.packages[index].name

    return {
        "stage": play.label,
        "protocol": outcome.method,
        "agreement": outcome.package is not None,
        "package": outcome.package_name,
        "package_levels": levels(outcome.package),
        "agreement_round": outcome.agreement_round,
        "payoffs": dict(zip(scenario.side_names, outcome.payoffs, strict=True)),
        "outcome_probabilities": resolution_dict(outcome.resolution_probabilities),
        "nash_solution": name(outcome.nash_package),
        "kalai_smorodinsky_solution": name(outcome.kalai_smorodinsky_package),
        "notes": list(outcome.notes),
    }


def _talks_dict(analysis: Analysis, equilibrium: SubgamePerfectEquilibrium) -> dict[str, Any] | None:
    if isinstance(analysis.scenario.talks, BargainingTalks):
        return _bargain_dict(analysis, equilibrium.bargain_on_path())
    return _stage_dict(analysis, equilibrium.stage_on_path())


def _equilibrium_dict(analysis: Analysis, equilibrium: SubgamePerfectEquilibrium) -> dict[str, Any]:
    names = analysis.scenario.side_names
    moves = analysis.scenario.moves
    return {
        "equilibrium_path": analysis.moves_played(equilibrium),
        "decisions": [
            {"history": [f"{label}={action}" for label, action in path], "move": moves[len(path)].name, "choice": choice}
            for path, choice in equilibrium.decisions
        ],
        "payoffs": dict(zip(names, equilibrium.payoffs, strict=True)),
        "outcome_probabilities": resolution_dict(equilibrium.resolution_probabilities),
        "talks": _talks_dict(analysis, equilibrium),
        "max_regret": equilibrium.max_regret,
    }


def _result_dict(analysis: Analysis, result: BackwardInductionResult) -> dict[str, Any]:
    headline = _equilibrium_dict(analysis, result.headline)
    return {
        **{k: headline[k] for k in ("equilibrium_path", "outcome_probabilities", "payoffs", "talks", "max_regret")},
        "status": result.status,
        "equilibria": [_equilibrium_dict(analysis, e) for e in result.equilibria],
        "stages": [
            {
                "stage": label,
                "status": nash.status,
                "method": nash.method,
                "notes": list(nash.notes),
                "equilibria": [
                    {
                        "strategies": {
                            analysis.scenario.side_names[0]: _strategy(analysis.scenario.talks.actions[0], e.row),
                            analysis.scenario.side_names[1]: _strategy(analysis.scenario.talks.actions[1], e.column),
                        },
                        "payoffs": list(map(float, e.payoffs)),
                        "max_regret": e.max_regret,
                    }
                    for e in nash.equilibria
                ],
            }
            for _, label, nash in result.stage_results
        ]
        + [_bargain_dict(analysis, play) for play in result.headline.bargains],
        "notes": list(result.notes),
    }


def summary_dict(analysis: Analysis) -> dict[str, Any]:
    """Everything ``summary.json`` holds, as plain data."""
    scenario = analysis.scenario
    actual = _result_dict(analysis, analysis.actual)
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "negotiation_version": __version__,
        "sides": {s.name: s.label for s in scenario.sides},
        "moves": {m.name: {"label": m.label, "by": m.maker, "date": m.date} for m in scenario.moves},
        "selection_rule": analysis.actual.selection_rule,
        "tolerance": scenario.solver.tolerance,
        **{k: actual[k] for k in ("equilibrium_path", "outcome_probabilities", "payoffs", "talks", "max_regret", "status")},
        "leverage": {
            lv.move: {
                "maker": lv.maker,
                "value": lv.value,
                "cost": lv.cost,
                "talks_gain": lv.talks_gain,
                "truce_probability_change": lv.truce_probability_change,
                "payoffs_played": dict(zip(scenario.side_names, lv.payoffs_played, strict=True)),
                "payoffs_refrained": dict(zip(scenario.side_names, lv.payoffs_refrained, strict=True)),
                "outcome_probabilities_played": lv.resolution_played,
                "outcome_probabilities_refrained": lv.resolution_refrained,
            }
            for lv in analysis.leverage
        },
        "counterfactual": _result_dict(analysis, analysis.counterfactual),
        "equilibria": actual["equilibria"],
        "stages": actual["stages"],
        "notes": actual["notes"],
    }


def _percent(p: float) -> str:
    return f"{100 * p:5.1f}%"


def _bargain_lines(analysis: Analysis, play: BargainPlay) -> list[str]:
    talks = analysis.scenario.talks
    outcome = play.outcome
    protocol = outcome.method.replace("_", " ")
    if isinstance(talks, BargainingTalks) and outcome.method == "alternating_offers":
        protocol += f", {talks.deadline} rounds before the deadline"
    if outcome.package is None:
        lines = [f"  Talks ({protocol}): no agreement (deadlock)"]
    else:
        levels = ", ".join(f"{k}={v}" for k, v in talks.packages[outcome.package].levels)
        lines = [f"  Talks ({protocol}): agreement on {outcome.package_name} [{levels}] in round {outcome.agreement_round}"]
    names = {i: talks.packages[i].name for i in (outcome.nash_package, outcome.kalai_smorodinsky_package) if i is not None}
    lines.append(
        f"  Same disagreement point: Nash solution {names.get(outcome.nash_package, 'none (no gain possible)')}, "
        f"Kalai–Smorodinsky {names.get(outcome.kalai_smorodinsky_package, 'none (no gain possible)')}"
    )
    return lines


def text_summary(analysis: Analysis) -> str:
    """A readable terminal summary of an analysis."""
    scenario = analysis.scenario
    names = scenario.side_names
    labels = {s.name: s.label for s in scenario.sides}
    lines = [f"{scenario.title}  [{scenario.name}]", ""]

    def describe(title: str, result: BackwardInductionResult) -> None:
        headline = result.headline
        played = analysis.moves_played(headline)
        lines.append(f"{title}  (status: {result.status}; {len(result.equilibria)} subgame-perfect equilibria)")
        if scenario.moves and result is analysis.actual:
            what = "Equilibrium threats (moves played)" if isinstance(scenario.talks, BargainingTalks) else "Pre-talk moves on the equilibrium path"
            lines.append(f"  {what}: " + (", ".join(played) if played else "none"))
        stage = headline.stage_on_path()
        bargain = headline.bargain_on_path()
        if bargain is not None:
            lines.extend(_bargain_lines(analysis, bargain))
        if stage is not None:
            for i, actions in enumerate(scenario.talks.actions):
                strategy = stage.equilibrium.row if i == 0 else stage.equilibrium.column
                mix = ", ".join(f"{a} {_percent(p).strip()}" for a, p in zip(actions, strategy, strict=True) if p > 1e-9)
                lines.append(f"  Talks stance of {labels[names[i]]}: {mix}")
        probabilities = resolution_dict(headline.resolution_probabilities)
        lines.append("  Outcome: " + ", ".join(f"{k} {_percent(v).strip()}" for k, v in probabilities.items()))
        lines.append("  Payoffs: " + ", ".join(f"{labels[n]} {v:.3f}" for n, v in zip(names, headline.payoffs, strict=True)))
        lines.append("")

    describe("Equilibrium with the pre-talk moves", analysis.actual)
    if scenario.moves:
        describe("Counterfactual: no pre-talk moves", analysis.counterfactual)
        lines.append("Leverage value of each move (maker's payoff played minus refrained):")
        for lv in analysis.leverage:
            lines.append(
                f"  {lv.move:<24} by {lv.maker:<8} value {lv.value:+.3f} "
                f"(talks gain {lv.talks_gain:+.3f}, cost {lv.cost:.3f}); "
                f"truce probability {lv.truce_probability_change:+.1%}"
            )
        lines.append("")
    if isinstance(scenario.talks, BargainingTalks):
        lines.append(f"Talks protocol: bargaining ({scenario.talks.solution}); tolerance {scenario.solver.tolerance:g}")
    else:
        lines.append(f"Selection rule: {analysis.actual.selection_rule}; tolerance {scenario.solver.tolerance:g}")
    for note in analysis.actual.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def write_results(analysis: Analysis, out_dir: str | Path, *, figures: bool = True) -> dict[str, Path]:
    """Write ``summary.json``, ``summary.txt`` and (optionally) the figures into ``out_dir``.

    Returns
    -------
    dict
        Name -> path of every file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(summary_dict(analysis), indent=2) + "\n", encoding="utf-8")
    written["summary.json"] = summary_path
    text_path = out / "summary.txt"
    text_path.write_text(text_summary(analysis) + "\n", encoding="utf-8")
    written["summary.txt"] = text_path
    if figures:
        from negotiation.plots import save_report_figures

        written.update(save_report_figures(analysis, out))
    return written
