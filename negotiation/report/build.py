"""Build a scenario's report: gather what to say, draw the figures, render the templates.

The report adds no analysis of its own: it renders ``Analysis.to_dict()`` with the margins
and verdict odds of :func:`negotiation.study.verdict.verdict_robustness` (the margins also
as the what-flips figure of :mod:`negotiation.viz.verdict_figures`), the figures of
:mod:`negotiation.viz.figures`, the phase map of an existing sweep folder
(:func:`negotiation.viz.phase_map.plot_phase_map`), every value of the model named in words
by :func:`negotiation.viz.style.describe` with its source and declared uncertainty, the
solver's and the sweep's settings apart from them, and what the model cannot say.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from negotiation.model.scenario import Scenario
from negotiation.report.common import (
    DISTRIBUTION_KEY,
    RULE_WORDS,
    assumptions_and_settings,
    embed_figure,
    format_number,
    format_percent,
    render_documents,
)

__all__ = ["GLOSSARY", "MODEL_LIMITS", "STATUS_WORDS", "SweepFolderError", "check_sweep_dir", "report_context",
           "write_report"]

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

#: Captions of the figures drawn from the robustness data and from a sweep.
FLIPS_CAPTION = ("What flips the verdict: each bar is one value of the scenario moved alone, by the smallest "
                 "change found that changes the verdict, as a share of the affected side's payoff range over "
                 "the game tree (of 1 for a probability or a weight); left a decrease, right an increase, "
                 "nearest flip on top. On the right, the verdict it flips to; the colour says how the talks "
                 "end under it.")
PHASE_MAP_CAPTION = ("Phase map of the sweep in {folder}: the outcome of the talks that prevails over "
                     "\u201c{x}\u201d and \u201c{y}\u201d ({design}); every value not swept as in the "
                     "scenario file.")

#: What no scenario of this model can capture (true of the model class, whatever the file says).
MODEL_LIMITS: tuple[str, ...] = (
    "One round: the pre-talk moves, each played at most once and in a fixed order, then one set of "
    "talks. Nothing after the talks is modelled: no later rounds, no reputation or learning carried "
    "to the next meeting.",
    "Complete information: each side knows the other's payoffs and sees every earlier move. No side "
    "can be unsure of what the other values or can bear, so there is no bluffing or signalling.",
    "Two unitary actors: each side is one decision maker with one set of preferences. Domestic "
    "politics, coalitions, lobbies and third countries are not in the model.",
    "Equilibrium play: the verdict assumes each side makes the choices that are best for it given "
    "the other's; where several equilibria exist, a selection rule picks one (section 2 shows which "
    "rule picks which).",
    "Payoffs are utilities on each side's own scale: they rank outcomes for that side and do not "
    "compare one side's welfare with the other's.",
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
    """Draw the figures of section 4, save each as PNG in ``folder``; return their captions,
    files and data URIs."""
    from negotiation.model.scenario import BargainingTalks
    from negotiation.viz import figures as viz

    plots = {"game_tree": viz.plot_game_tree, "payoffs_by_outcome": viz.plot_payoffs_by_outcome,
             "outcome_probabilities": viz.plot_outcome_probabilities,
             "utility_plane": viz.plot_utility_plane, "bargaining_sensitivity": viz.plot_bargaining_sensitivity}
    shown = FIGURES + (BARGAINING_FIGURES if isinstance(analysis.scenario.talks, BargainingTalks) else ())
    return [embed_figure(plots[stem](analysis), folder, stem, caption) for stem, caption in shown]


def _flips_figure(scenario: Scenario, summary: Mapping[str, Any], folder: Path) -> dict[str, str] | None:
    """The what-flips figure of the margins in ``summary["robustness"]`` (None: no margins)."""
    margins = (summary.get("robustness") or {}).get("margins") or {}
    if not margins.get("margins"):
        return None
    from negotiation.viz.verdict_figures import plot_verdict_flips

    title = scenario.config.get("scenario", {}).get("title") or summary["scenario"]
    fig = plot_verdict_flips(margins, config=scenario.config, scenario=title)
    return embed_figure(fig, folder, "verdict_flips", FLIPS_CAPTION)


class SweepFolderError(ValueError):
    """A ``--sweep`` folder without a sweep table; ``str()`` is one line naming the path."""


def check_sweep_dir(path: str | Path) -> Path:
    """The sweep table (``sweep.parquet``) of a sweep folder, or SweepFolderError naming the path."""
    from negotiation.study.sweep import TABLE_PARQUET

    folder = Path(path)
    table = folder / TABLE_PARQUET
    if not folder.is_dir():
        raise SweepFolderError(f"--sweep {folder}: no such folder (expected the --out folder of "
                               "`negotiation sweep`, holding sweep.parquet)")
    if not table.is_file():
        raise SweepFolderError(f"--sweep {folder}: no sweep table {table.name} in this folder (make one with "
                               f"`negotiation sweep SCENARIO --out {folder}`)")
    return table


def _sweep_axes(manifest: Mapping[str, Any] | None, columns: Sequence[str], config: Mapping[str, Any]) -> list[str]:
    """The swept key paths of a sweep folder: from its manifest, else the table's columns
    that are numbers of the scenario."""
    from negotiation.io.key_paths import numeric_key_paths

    dimensions = ((manifest or {}).get("design") or {}).get("dimensions") or []
    swept = [str(d["key_path"]) for d in dimensions if isinstance(d, Mapping) and d.get("key_path") in columns]
    if swept:
        return swept
    numbers = {k for k, _ in numeric_key_paths(config)}
    return [c for c in columns if c in numbers]


def _phase_map(scenario: Scenario, sweep_dir: str | Path, folder: Path) -> dict[str, Any]:
    """The phase map of an existing sweep folder as a report figure, with notes on it."""
    import pyarrow.parquet as pq

    from negotiation.model.outcomes import PROBABILITY_COLUMNS
    from negotiation.study.sweep import config_hash, read_manifest, read_sweep
    from negotiation.viz.phase_map import plot_phase_map
    from negotiation.viz.style import describe

    table_path = check_sweep_dir(sweep_dir)
    config = scenario.config
    try:
        manifest = read_manifest(sweep_dir)
    except Exception:  # an unreadable manifest: the table still holds the points
        manifest = None
    columns = list(pq.ParquetFile(table_path).schema_arrow.names)
    axes = _sweep_axes(manifest, columns, config)
    notes = []
    if manifest is not None and manifest.get("config_sha256") != config_hash(config):
        notes.append(f"The sweep was run on {manifest.get('source') or 'a scenario'} with other values than "
                     "this report's scenario (its config differs): read the map as that scenario's.")
    if len(axes) < 2 or not set(PROBABILITY_COLUMNS) <= set(columns):
        notes.append(f"No phase map: the sweep in {sweep_dir} has {len(axes)} swept value"
                     f"{'s' if len(axes) != 1 else ''} (a map needs two) or lacks the outcome probabilities.")
        return {"figure": None, "notes": notes}
    x, y = axes[:2]
    table = read_sweep(sweep_dir, [x, y, *PROBABILITY_COLUMNS])
    design = (manifest or {}).get("design") or {}
    what = f"{design['design']} design, " if design.get("design") else ""
    what += f"{len(table)} points"
    if len(axes) > 2:
        what += f"; averaged over {', '.join(describe(k, config) for k in axes[2:])}"
    title = config.get("scenario", {}).get("title") or scenario.name
    try:
        fig = plot_phase_map(table, x, y, scenario=title, config=config)
    except ValueError as error:
        notes.append(f"No phase map: {error}")
        return {"figure": None, "notes": notes}
    caption = PHASE_MAP_CAPTION.format(folder=Path(sweep_dir), x=describe(x, config), y=describe(y, config),
                                       design=what)
    return {"figure": embed_figure(fig, folder, "phase_map", caption), "notes": notes}


def _sweep_hint(scenario: Scenario, nearest: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """How to make a sweep for the phase map: with the file's [sweep] table, or over the two
    values nearest to flipping the verdict."""
    ref = scenario.name
    if scenario.source and Path(str(scenario.source)).is_file():
        ref = str(scenario.source)
    if isinstance(scenario.config.get("sweep"), Mapping) and scenario.config["sweep"]:
        command = f"negotiation sweep {ref} --out SWEEP_DIR"
        lead = "The scenario declares a [sweep] table: "
    else:
        keys = list(dict.fromkeys(m["key_path"] for m in nearest))[:2]
        params = " ".join(f"--param {k}=LO:HI:N" for k in keys) or "--param KEY=LO:HI:N --param KEY=LO:HI:N"
        command = f"negotiation sweep {ref} {params} --out SWEEP_DIR"
        lead = ("No sweep was given. Over the two values nearest to flipping the verdict, for instance: "
                if keys else "No sweep was given: ")
    return {"lead": lead, "command": command,
            "then": f"negotiation report {ref} --out REPORT_DIR --sweep SWEEP_DIR"}


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
    from negotiation.viz.style import describe

    config = scenario.config
    meta = config.get("scenario", {})
    robustness = summary.get("robustness") or {}
    margins_block = robustness.get("margins") or {}
    margins = [
        {**m, "words": describe(m["key_path"], config), "base": format_number(m["base_value"]),
         "new": format_number(m["new_value"]), "change_text": f"{m['change']:+.4g}",
         "relative_text": format_percent(m.get("relative")),
         "share_text": ("−" if m["change"] < 0 else "+") + format_percent(m.get("relative")),
         "flip_words": _verdict_words(m["verdict"], summary)}
        for m in margins_block.get("margins", [])[:10]
    ]
    nearest = margins[0] if margins else None
    odds_block = robustness.get("verdict_probabilities") or {}
    odds = [
        {"verdict": v, "words": _verdict_words(v, summary), "share": format_percent(o["share"]),
         "ci": f"{format_percent(o['ci_low'])} – {format_percent(o['ci_high'])}", "is_headline": v == summary["verdict"]}
        for v, o in sorted(odds_block.get("verdicts", {}).items(), key=lambda item: -item[1]["share"])
    ]
    declared = [{"key_path": k, "words": describe(k, config)} for k in odds_block.get("declared", [])]
    outcomes = list(summary["outcome_probabilities"])
    counterfactual = summary.get("counterfactual") or {}
    probabilities = [
        {"outcome": o.replace("_", " "), "with_moves": format_percent(summary["outcome_probabilities"][o]),
         "without_moves": format_percent(counterfactual.get("outcome_probabilities", {}).get(o))}
        for o in outcomes
    ]
    sides = summary["sides"]
    leverage = [
        {"name": name, "label": summary["moves"].get(name, {}).get("label", name),
         "maker": sides.get(item["maker"], item["maker"]), "value": f"{item['value']:+.4f}",
         "cost": format_number(item["cost"]), "talks_gain": f"{item['talks_gain']:+.4f}",
         "truce_change": f"{100 * item['truce_probability_change']:+.1f} points"}
        for name, item in summary.get("leverage", {}).items()
    ]
    assumptions, settings, orphans = assumptions_and_settings(config)
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
        "selection_rule": RULE_WORDS.get(summary.get("selection_rule", ""),
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
        "uncertain_values": sum(1 for a in assumptions if a["uncertainty"]),
        "distribution_key": DISTRIBUTION_KEY,
        "settings": settings,
        "settings_words": ("How the model is solved" + (" and swept" if any(a["key_path"].startswith("sweep.")
                                                                         for a in settings) else "")
                           + ": settings of the method, not assumptions about the world; none of them is "
                             "varied in the margins or the odds above."),
        "orphan_uncertainty": orphans,
        "limits": list(MODEL_LIMITS),
        "sweep_hint": _sweep_hint(scenario, margins),
        "flips_caption": FLIPS_CAPTION,
        "glossary": [{"term": t, "meaning": m} for t, m in GLOSSARY],
        "status": status,
        "status_words": STATUS_WORDS.get(status, status),
        "max_regret": f"{summary.get('max_regret', 0.0):.2g}",
        "notes": list(summary.get("notes", [])),
    }


def write_report(scenario_or_path: Scenario | str | Path, out_dir: str | Path, *,
                 overrides: Sequence[str] | Mapping[str, Any] | None = None,
                 sweep: str | Path | None = None) -> dict[str, Path]:
    """Solve a scenario and write ``report.html``, ``report.md`` and ``figures/*.png`` into ``out_dir``.

    Parameters
    ----------
    scenario_or_path : Scenario, str or Path
        A loaded scenario, or a scenario TOML file or packaged name (``"madrid_2025"``).
    out_dir : str or Path
        The report folder (created with its parents if needed; files in it are overwritten).
    overrides : sequence of "KEY=VALUE" or mapping, optional
        Values to change by key path before solving (as ``--set``); only with a name or path.
    sweep : str or Path, optional
        The folder of a finished ``negotiation sweep`` (its ``sweep.parquet``): the report
        shows its phase map over the first two swept values. Without it the report says how
        to make one.

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.

    Raises
    ------
    SweepFolderError
        ``sweep`` holds no sweep table (checked before anything is solved).
    """
    from negotiation.analysis.pipeline import analyze
    from negotiation.io.config import load_scenario, parse_overrides
    from negotiation.study.verdict import verdict_robustness

    if sweep is not None:
        check_sweep_dir(sweep)
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
    figures_dir = out / "figures"
    context = report_context(scenario, summary)
    context["flips_figure"] = _flips_figure(scenario, summary, figures_dir)
    phase = _phase_map(scenario, sweep, figures_dir) if sweep is not None else {"figure": None, "notes": []}
    context["phase_map"] = phase["figure"]
    context["phase_map_notes"] = phase["notes"]
    context["sweep_given"] = sweep is not None
    context["figures"] = _figures(analysis, figures_dir)
    # numbered in the order the document shows them: section 2, then section 4
    shown = [f for f in (context["flips_figure"], context["phase_map"]) if f] + context["figures"]
    for number, figure in enumerate(shown, start=1):
        figure["number"] = number
    written: dict[str, Path] = {f["file"]: out / f["file"] for f in shown}
    written.update(render_documents(context, out, "report"))
    return written
