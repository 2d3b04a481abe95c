"""Build a scenario's report: gather what to say, draw the figures, render the templates.

The report adds no analysis of its own: it renders ``Analysis.to_dict()`` with the margins
and verdict odds of :func:`negotiation.study.verdict.verdict_robustness`, the figures of
:mod:`negotiation.viz.figures`, and every numeric value of the scenario named in words by
:func:`negotiation.viz.style.describe`.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from negotiation.model.scenario import Scenario

__all__ = ["GLOSSARY", "STATUS_WORDS", "report_context", "write_report"]

#: What the assumptions table says of a value's source in a scenario without [sources].
JUDGEMENT_SOURCE = "judgement (see the comment in the scenario file)"

#: The report's figures: file stem and caption, in the order shown.
FIGURES: tuple[tuple[str, str], ...] = (
    ("game_tree", "The game tree: the pre-talk moves, then the talks; the equilibrium path in red."),
    ("payoffs_by_outcome", "Each side's payoff by outcome of the talks."),
    ("outcome_probabilities", "Outcome probabilities of the talks, with and without the pre-talk moves."),
)
#: The bargaining figures the results folder also has, for scenarios whose talks are bargaining.
BARGAINING_FIGURES: tuple[tuple[str, str], ...] = (
    ("utility_plane", "The packages in the plane of the two sides' utilities, with the bargaining solution."),
    ("bargaining_sensitivity", "How the bargaining solution moves with the bargaining parameters."),
)

#: Plain-words definitions for a reader who is not a game theorist.
GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Subgame perfect equilibrium",
     "A plan for every side at every point of the game such that no side could do better by "
     "changing its own choice at any point, given the others' plans - including at points "
     "that are never reached. It rules out threats a side would not carry out."),
    ("Logit QRE (quantal response equilibrium)",
     "A model of play in which each side picks better choices more often but not always; "
     "as its precision grows, play settles on one equilibrium. Used here to pick one "
     "equilibrium when the talks have several."),
    ("Risk dominance",
     "Between two equilibria, the one that is safer when each side is unsure what the other "
     "will do: the one whose failure would cost less."),
    ("Degenerate stage",
     "A stage of the game in which some choice ties exactly with another, so that there are "
     "whole ranges of equilibria rather than isolated points; the solver then reports the "
     "corners of those ranges."),
    ("Max regret",
     "The most any side could gain by changing its own choice, given the others'. Zero means "
     "an exact equilibrium; a small number measures how far from one the reported play is."),
    ("Threat point / deadlock",
     "What each side gets if the talks end with no agreement: the value both sides fall back "
     "on, which sets how much each needs from a deal."),
    ("Verdict",
     "The headline result: which pre-talk moves are played (\"none\" if no move) and which "
     "outcome the talks reach, written \"moves -> outcome\"."),
    ("Margin",
     "How far one value of the scenario must move, alone, before the verdict changes: the "
     "smaller the margin, the closer the verdict is to flipping."),
)

#: The solver's status in words.
STATUS_WORDS: dict[str, str] = {
    "ok": "ok: every stage of the game was solved exactly and the list of its equilibria is complete.",
    "degenerate": "degenerate: some stage has ties between choices, so its equilibria come in whole "
                  "ranges; the solver reports the corners of those ranges, and the verdict is one of "
                  "them chosen by the selection rule.",
    "incomplete": "incomplete: the solver could not certify that it found every equilibrium of some "
                  "stage (see the notes); the verdict is the best of those found, not necessarily "
                  "the selection rule's choice among all of them.",
}

#: Selection rules in words, where the name alone reads badly.
_RULE_WORDS = {"logit_qre": "logit QRE", "payoff_dominant": "payoff dominance",
               "risk_dominant": "risk dominance"}

_TEMPLATES = Path(__file__).parent / "templates"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _verdict_words(verdict: str, summary: Mapping[str, Any]) -> str:
    """``"entity_listing -> us_leaning"`` in words, with move labels from the summary."""
    moves, _, outcome = verdict.partition(" -> ")
    labels = {name: move.get("label", name) for name, move in summary.get("moves", {}).items()}
    if moves.strip() in ("", "none"):
        played = "no pre-talk move is played"
    else:
        played = "played: " + "; ".join(labels.get(m.strip(), m.strip()) for m in moves.split("+"))
    return f"{played}; the talks end in \u201c{outcome.replace('_', ' ')}\u201d" if outcome else played


def _figures(analysis: Any, folder: Path) -> list[dict[str, str]]:
    """Draw the figures, save each as PNG in ``folder``; return their captions, files and data URIs."""
    from negotiation.model.scenario import BargainingTalks
    from negotiation.viz import figures as viz
    from negotiation.viz.style import save_figure

    plots = {"game_tree": viz.plot_game_tree, "payoffs_by_outcome": viz.plot_payoffs_by_outcome,
             "outcome_probabilities": viz.plot_outcome_probabilities,
             "utility_plane": viz.plot_utility_plane, "bargaining_sensitivity": viz.plot_bargaining_sensitivity}
    shown = FIGURES + (BARGAINING_FIGURES if isinstance(analysis.scenario.talks, BargainingTalks) else ())
    drawn = []
    for stem, caption in shown:
        fig = plots[stem](analysis)
        paths = save_figure(fig, folder, stem)
        png = next(p for p in paths.values() if Path(p).suffix == ".png")
        # the PDF twin is not part of the report: the Markdown links the PNG only
        for p in paths.values():
            if Path(p).suffix != ".png":
                Path(p).unlink(missing_ok=True)
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        drawn.append({"stem": stem, "caption": caption, "file": f"figures/{Path(png).name}",
                      "data_uri": f"data:image/png;base64,{data}"})
    return drawn


def report_context(scenario: Scenario, summary: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the templates show, as plain values (no figures).

    Parameters
    ----------
    scenario : Scenario
        The loaded scenario (its ``config`` names and labels the values).
    summary : mapping
        ``Analysis.to_dict()`` with ``robustness`` filled in.

    Returns
    -------
    dict
        The templates' variables.
    """
    from negotiation.io.key_paths import numeric_key_paths
    from negotiation.io.sources import source_text
    from negotiation.viz.style import describe

    config = scenario.config
    meta = config.get("scenario", {})
    robustness = summary.get("robustness") or {}
    margins_block = robustness.get("margins") or {}
    margins = [
        {**m, "words": describe(m["key_path"], config), "base": _number(m["base_value"]),
         "new": _number(m["new_value"]), "change_text": f"{m['change']:+.4g}",
         "relative_text": _percent(m.get("relative")),
         "flip_words": _verdict_words(m["verdict"], summary)}
        for m in margins_block.get("margins", [])[:10]
    ]
    nearest = margins[0] if margins else None
    odds_block = robustness.get("verdict_probabilities") or {}
    odds = [
        {"verdict": v, "words": _verdict_words(v, summary), "share": _percent(o["share"]),
         "ci": f"{_percent(o['ci_low'])} – {_percent(o['ci_high'])}", "is_headline": v == summary["verdict"]}
        for v, o in sorted(odds_block.get("verdicts", {}).items(), key=lambda item: -item[1]["share"])
    ]
    declared = [{"key_path": k, "words": describe(k, config)} for k in odds_block.get("declared", [])]
    outcomes = list(summary["outcome_probabilities"])
    counterfactual = summary.get("counterfactual") or {}
    probabilities = [
        {"outcome": o.replace("_", " "), "with_moves": _percent(summary["outcome_probabilities"][o]),
         "without_moves": _percent(counterfactual.get("outcome_probabilities", {}).get(o))}
        for o in outcomes
    ]
    sides = summary["sides"]
    leverage = [
        {"name": name, "label": summary["moves"].get(name, {}).get("label", name),
         "maker": sides.get(item["maker"], item["maker"]), "value": f"{item['value']:+.4f}",
         "cost": _number(item["cost"]), "talks_gain": f"{item['talks_gain']:+.4f}",
         "truce_change": f"{100 * item['truce_probability_change']:+.1f} points"}
        for name, item in summary.get("leverage", {}).items()
    ]
    assumptions = [
        {"key_path": key, "words": describe(key, config), "value": _number(value),
         "source": source_text(config, key) if config.get("sources") else JUDGEMENT_SOURCE}
        for key, value in numeric_key_paths(config)
    ]
    status = summary.get("status", "ok")
    return {
        "name": summary["scenario"],
        "title": meta.get("title") or summary.get("title") or summary["scenario"],
        "description": " ".join(str(meta.get("description", "")).split()),
        "source": str(scenario.source) if scenario.source is not None else summary["scenario"],
        "version": summary.get("negotiation_version", ""),
        "sides": sides,
        "moves": [{"name": n, "label": m.get("label", n), "by": sides.get(m.get("by"), m.get("by")),
                   "date": m.get("date", "")} for n, m in summary["moves"].items()],
        "verdict": summary["verdict"],
        "verdict_words": _verdict_words(summary["verdict"], summary),
        "selection_rule": _RULE_WORDS.get(summary.get("selection_rule", ""),
                                          summary.get("selection_rule", "").replace("_", " ")),
        "payoffs": [{"side": sides.get(s, s), "value": f"{v:.3f}"} for s, v in summary["payoffs"].items()],
        "counterfactual_payoffs": [{"side": sides.get(s, s), "value": f"{v:.3f}"}
                                   for s, v in counterfactual.get("payoffs", {}).items()],
        "equilibria_text": (f"{summary.get('equilibrium_count')} subgame-perfect equilibri"
                            + ("um" if summary.get("equilibrium_count") == 1 else "a")),
        "robustness_skipped": robustness.get("skipped"),
        "rules": [{"verdict": v, "rules": ", ".join(r for r, w in (robustness.get("rules") or {}).items() if w == v)}
                  for v in dict.fromkeys((robustness.get("rules") or {}).values())],
        "nearest": nearest,
        "margins": margins,
        "values_searched": margins_block.get("values_searched"),
        "values_never": margins_block.get("values_that_never_change_it"),
        "margin_search": margins_block.get("search", ""),
        "odds": odds,
        "headline_share": next((o["share"] for o in odds if o["is_headline"]), "0.0%"),
        "odds_samples": odds_block.get("samples"),
        "odds_method": odds_block.get("method", ""),
        "declared": declared,
        "probabilities": probabilities,
        "leverage": leverage,
        "assumptions": assumptions,
        "glossary": [{"term": t, "meaning": m} for t, m in GLOSSARY],
        "status": status,
        "status_words": STATUS_WORDS.get(status, status),
        "max_regret": f"{summary.get('max_regret', 0.0):.2g}",
        "notes": list(summary.get("notes", [])),
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        # escaping on for the HTML only: the Markdown is text, and scenario strings are user input
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def write_report(scenario_or_path: Scenario | str | Path, out_dir: str | Path, *,
                 overrides: Sequence[str] | Mapping[str, Any] | None = None) -> dict[str, Path]:
    """Solve a scenario and write ``report.html``, ``report.md`` and ``figures/*.png`` into ``out_dir``.

    Parameters
    ----------
    scenario_or_path : Scenario, str or Path
        A loaded scenario, or a scenario TOML file or packaged name (``"madrid_2025"``).
    out_dir : str or Path
        The report folder (created with its parents if needed; files in it are overwritten).
    overrides : sequence of "KEY=VALUE" or mapping, optional
        Values to change by key path before solving (as ``--set``); only with a name or path.

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.
    """
    from negotiation.analysis.pipeline import analyze
    from negotiation.io.config import load_scenario, parse_overrides
    from negotiation.study.verdict import verdict_robustness

    if isinstance(scenario_or_path, Scenario):
        if overrides:
            raise ValueError("overrides apply to a scenario name or path, not to a loaded Scenario")
        scenario = scenario_or_path
    else:
        if overrides is not None and not isinstance(overrides, Mapping):
            overrides = parse_overrides(list(overrides))
        scenario = load_scenario(str(scenario_or_path), overrides)
    analysis = analyze(scenario)
    robustness = verdict_robustness(scenario.config, source=scenario.source)
    analysis = dataclasses.replace(analysis, robustness=robustness)
    summary = analysis.to_dict()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    context = report_context(scenario, summary)
    context["figures"] = _figures(analysis, out / "figures")
    env = _environment()
    written: dict[str, Path] = {f["file"]: out / f["file"] for f in context["figures"]}
    for name in ("report.html", "report.md"):
        text = env.get_template(f"{name}.j2").render(**context)
        (out / name).write_text(text, encoding="utf-8")
        written[name] = out / name
    return written

