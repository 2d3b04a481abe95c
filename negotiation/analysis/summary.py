"""What the analysis of a scenario says, as plain data (``summary.json``) and as text.

Pure functions of an :class:`~negotiation.analysis.pipeline.Analysis`: no files, no figures.
The equilibrium set is summarised (its exact count, and a representative of each distinct
outcome with the number of equilibria that share it); every equilibrium is listed only when
the analysis was asked for them (``analyze(..., all_equilibria=True)``, ``negotiation run
--all-equilibria``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from negotiation.analysis.pipeline import (
    Analysis,
    headline_paths,
    headline_talks_outcomes,
    verdict_labels,
)
from negotiation.model.outcomes import resolution_dict
from negotiation.model.scenario import BargainingTalks
from negotiation.solvers.equilibrium_sets import (
    BargainPlay,
    StagePlay,
    SubgamePerfectEquilibrium,
    SubgamePerfectResult,
)
from negotiation.version import __version__

__all__ = ["summary_dict", "text_summary"]


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


def _equilibrium_dict(analysis: Analysis, equilibrium: SubgamePerfectEquilibrium, decisions: bool = True) -> dict[str, Any]:
    names = analysis.scenario.side_names
    moves = analysis.scenario.moves
    out: dict[str, Any] = {"equilibrium_path": analysis.moves_played(equilibrium)}
    if decisions:
        out["decisions"] = [
            {"history": [f"{label}={action}" for label, action in path], "move": moves[len(path)].name, "choice": choice}
            for path, choice in equilibrium.decisions
        ]
    return {
        **out,
        "payoffs": dict(zip(names, equilibrium.payoffs, strict=True)),
        "gain_over_no_agreement": dict(zip(names, (float(p - d) for p, d in zip(
            equilibrium.payoffs, _no_agreement(analysis, out["equilibrium_path"]), strict=True)), strict=True)),
        "outcome_probabilities": resolution_dict(equilibrium.resolution_probabilities),
        "talks": _talks_dict(analysis, equilibrium),
        "max_regret": equilibrium.max_regret,
    }


def _no_agreement(analysis: Analysis, played: list[str]) -> tuple[float, float]:
    """Each side's payoff of deadlock after the moves ``played`` (costs and harms included): what
    it would get with no agreement on the same path."""
    import numpy as np

    from negotiation.model.compile import talks_terms

    scenario = analysis.scenario
    row = np.array([[m.name in played for m in scenario.moves]], dtype=bool).reshape(1, len(scenario.moves))
    terms = talks_terms(scenario, row)
    return tuple(float(np.asarray(terms.deadlock[i] + terms.sunk[i]).ravel()[0]) for i in range(2))  # type: ignore[return-value]


#: Trees with at most this many talks stages list every stage's equilibria in the summary;
#: larger ones only count them by status (``--all-equilibria`` lists them all).
LISTED_STAGES = 64
#: Distinct equilibrium outcomes listed in the summary (the headline's first); all of them
#: with ``--all-equilibria``.
LISTED_CLASSES = 200


def _stage_entries(analysis: Analysis, result: SubgamePerfectResult) -> list[dict[str, Any]]:
    names, actions = analysis.scenario.side_names, getattr(analysis.scenario.talks, "actions", ((), ()))
    return [
        {
            "stage": label,
            "status": nash.status,
            "method": nash.method,
            "notes": list(nash.notes),
            "equilibria": [
                {
                    "strategies": {names[0]: _strategy(actions[0], e.row), names[1]: _strategy(actions[1], e.column)},
                    "payoffs": list(map(float, e.payoffs)),
                    "max_regret": e.max_regret,
                }
                for e in nash.equilibria
            ],
        }
        for _, label, nash in result.stage_results
    ]


def _listed_classes(result: SubgamePerfectResult, limit: int | None) -> list[SubgamePerfectEquilibrium]:
    classes = list(result.classes)
    if limit is None or len(classes) <= limit:
        return classes
    table = result.induction.classes.get(0)
    head = int(table.headline[result.point]) if table is not None else 0
    valid = [int(c) for c in np.flatnonzero(table.valid[result.point])] if table is not None else [0]
    first = valid.index(head) if head in valid else 0
    order = [first] + [k for k in range(len(classes)) if k != first]
    return [classes[k] for k in order[:limit]]


def _result_dict(analysis: Analysis, result: SubgamePerfectResult) -> dict[str, Any]:
    headline = _equilibrium_dict(analysis, result.headline)
    stages = len(result.induction.stages)
    if stages <= LISTED_STAGES or analysis.all_equilibria:
        listed = _stage_entries(analysis, result) + [_bargain_dict(analysis, play) for play in result.headline.bargains]
    else:
        statuses = [nash.status for _, _, nash in result.stage_results]
        listed = [{"stages": stages, **{s: statuses.count(s) for s in ("ok", "degenerate", "incomplete")},
                   "note": f"{stages} talks stages: run with --all-equilibria to list each one's equilibria"}]
    out = {
        **{k: headline[k] for k in ("equilibrium_path", "outcome_probabilities", "payoffs", "talks", "max_regret")},
        "status": result.status,
        "equilibrium_count": result.count,
        "equilibrium_classes": [
            {**_equilibrium_dict(analysis, e, decisions=False), "count": e.count}
            for e in _listed_classes(result, None if analysis.all_equilibria else LISTED_CLASSES)
        ],
        "stages": listed,
        "notes": list(result.notes),
    }
    if len(out["equilibrium_classes"]) < len(result.classes):
        out["notes"].append(
            f"{len(result.classes)} distinct equilibrium outcomes: the first {len(out['equilibrium_classes'])} "
            "(the headline's first) are listed; run with --all-equilibria for all of them"
        )
    if analysis.all_equilibria:
        listed = result.equilibria(analysis.scenario.solver.max_equilibria)
        out["equilibria"] = [_equilibrium_dict(analysis, e) for e in listed]
        if len(listed) < result.count:
            out["notes"].append(f"{result.count} subgame-perfect equilibria: the first {len(listed)} are listed")
    return out


def _robustness_lines(robustness: Any, labels: dict[str, str]) -> list[str]:
    if not robustness:
        return []
    if "skipped" in robustness:
        return [f"  Margins not computed: {robustness['skipped']}"]
    lines = []
    rules = robustness.get("rules") or {}
    if rules:
        by_verdict: dict[str, list[str]] = {}
        for rule, verdict in rules.items():
            by_verdict.setdefault(verdict, []).append(rule)
        lines.append("  By selection rule: " + "; ".join(f"{v} ({', '.join(r)})" for v, r in by_verdict.items()))
    margins = robustness.get("margins") or {}
    nearest = margins.get("nearest")
    if nearest:
        unit = f"the range of {labels.get(nearest['side'], nearest['side'])}'s payoffs" if nearest["side"] else "its scale of 1"
        lines.append(
            f"  Nearest flip: {nearest['key_path']} from {nearest['base_value']:.4g} to {nearest['new_value']:.4g} "
            f"({nearest['relative']:.1%} of {unit}) gives {nearest['verdict']}"
        )
        others = margins["margins"][1:4]
        if others:
            lines.append("  Next: " + "; ".join(f"{m['key_path']} {m['change']:+.3g} ({m['relative']:.1%})" for m in others))
    elif margins:
        lines.append(f"  No single value changes the verdict within the range searched ({margins['values_searched']} values)")
    odds = robustness.get("verdict_probabilities")
    if odds:
        listed = list(odds["verdicts"].items())[:4]
        lines.append(f"  Under the declared uncertainty ({odds['samples']} Sobol' points, seed {odds['seed']}): "
                     + "; ".join(f"{v} {d['share']:.0%}" for v, d in listed))
    return lines


def headline_verdict(analysis: Analysis) -> tuple[str, str]:
    """The verdict (``"<moves played> -> <talks outcome>"``) and the talks outcome of the
    headline, labelled as every row of a sweep is."""
    induction, point = analysis.actual.induction, analysis.actual.point
    talks_outcome = headline_talks_outcomes(induction, analysis.scenario)[point:point + 1]
    return str(verdict_labels(headline_paths(induction)[point:point + 1], talks_outcome)[0]), str(talks_outcome[0])


def summary_dict(analysis: Analysis) -> dict[str, Any]:
    """Everything ``summary.json`` holds, as plain data."""
    scenario = analysis.scenario
    actual = _result_dict(analysis, analysis.actual)
    verdict, talks_outcome = headline_verdict(analysis)
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "negotiation_version": __version__,
        "sides": {s.name: s.label for s in scenario.sides},
        "moves": {m.name: {"label": m.label, "by": m.maker, "date": m.date} for m in scenario.moves},
        "selection_rule": analysis.actual.selection_rule,
        "tolerance": scenario.solver.tolerance,
        "verdict": verdict,
        "talks_outcome": talks_outcome,
        **({"robustness": dict(analysis.robustness)} if analysis.robustness is not None else {}),
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
        "equilibrium_count": actual["equilibrium_count"],
        "equilibrium_classes": actual["equilibrium_classes"],
        **({"equilibria": actual["equilibria"]} if "equilibria" in actual else {}),
        "stages": actual["stages"],
        "notes": actual["notes"] + list(analysis.verification),
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
    lines += [f"Verdict ({analysis.actual.selection_rule}): {headline_verdict(analysis)[0]}"
              "  (pre-talk moves played -> what the talks settle on)"]
    lines += _robustness_lines(analysis.robustness, labels) + [""]

    def describe(title: str, result: SubgamePerfectResult) -> None:
        headline = result.headline
        played = analysis.moves_played(headline)
        classes = len(result.classes)
        lines.append(
            f"{title}  (status: {result.status}; {result.count} subgame-perfect equilibri"
            f"{'um' if result.count == 1 else 'a'}, {classes} distinct outcome{'' if classes == 1 else 's'})"
        )
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
        assumed = ("  (a truce's odds of holding are assumed: the breakdown probability, not a finding)"
                   if probabilities.get("truce", 0.0) > 0 else "")
        lines.append("  Outcome: " + ", ".join(f"{k} {_percent(v).strip()}" for k, v in probabilities.items()) + assumed)
        lines.append("  Payoffs: " + ", ".join(f"{labels[n]} {v:.3f}" for n, v in zip(names, headline.payoffs, strict=True)))
        base = _no_agreement(analysis, played if result is analysis.actual else [])
        lines.append("  Gain over no agreement (deadlock after the same moves): " + ", ".join(
            f"{labels[n]} {p - d:+.3f}" for n, p, d in zip(names, headline.payoffs, base, strict=True)))
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
