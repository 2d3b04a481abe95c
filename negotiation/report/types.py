"""The report of a scenario with private types: who plays which move, what the other side believes.

It renders :func:`negotiation.analysis.types.analyze_types` and adds no analysis of its own:
the types and prior with their sources; the headline equilibrium in words (each type's play
after each history, the uninformed side's play and belief at each of its decisions, the talks,
the outcome probabilities, whether the path of 2025 has positive probability); the second
answer (Lemke on the sequence form, with its sequential check), compared with the headline by
its play and by which of the two each side prefers, so that a reader sees when the game has
more than one equilibrium; the belief-update figure of :mod:`negotiation.viz.types_figures`;
every value with its source; and what the model cannot say.

Every number shown is a probability or a value of the scenario: no statement depends on one
side's payoff units (MODELLING.md, rule 1). Payoffs enter only as each side's own ranking of the
two equilibria, which no positive affine map of its utilities changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from negotiation.report.common import (
    DISTRIBUTION_KEY,
    JUDGEMENT_SOURCE,
    assumptions_and_settings,
    embed_figure,
    format_number,
    format_percent,
    read_scenario_source,
    render_documents,
)
from negotiation.viz.types_figures import OFF_PATH as ZERO
from negotiation.viz.types_figures import possessive

__all__ = ["TYPES_GLOSSARY", "TYPES_LIMITS", "types_report_context", "write_types_report"]


#: What no scenario with private types can capture (true of the model class).
TYPES_LIMITS: tuple[str, ...] = (
    "One round: the pre-talk moves, each played at most once and in a fixed order, then one set of "
    "talks. Nothing after the talks is modelled: no later rounds, no reputation carried to the next "
    "meeting.",
    "One-sided private information over a short list of types: only the private side's type is "
    "unknown, the other side knows the prior exactly, and a type differs only in the values the "
    "scenario's [types] table lists. Everything else (the other side's values, every move) is "
    "common knowledge.",
    "Two unitary actors: each side is one decision maker with one set of preferences. Domestic "
    "politics, coalitions, lobbies and third countries are not in the model.",
    "Equilibrium play with Bayes' rule: each side best-responds to the other's plan and updates "
    "its belief by Bayes' rule where it can. Beliefs after a move that no type makes (off the "
    "path) are not pinned down by Bayes' rule: the headline takes them from the limit of "
    "boundedly rational play, and another equilibrium may hold other beliefs there.",
    "Payoffs are utilities on each side's own scale: they rank outcomes for that side and do not "
    "compare one side's welfare with the other's.",
)

#: Plain-words definitions for a reader who is not a game theorist.
TYPES_GLOSSARY: tuple[tuple[str, str], ...] = (
    ("Type", "What one side knows about itself and the other does not (here: how resolute it is). "
     "Each type is a version of that side with some values changed."),
    ("Prior", "The other side's belief about the type before it sees any move."),
    ("Belief update (Bayes' rule)",
     "How the other side revises its belief after seeing a move: a move that only one type makes "
     "reveals that type; a move both types make equally often reveals nothing."),
    ("Signalling", "Playing a move (or not) partly to change what the other side believes about "
     "one's type."),
    ("Off the equilibrium path", "A decision that equilibrium play never reaches. What a side would "
     "believe there is not fixed by Bayes' rule; the equilibrium still says what it would do."),
    ("Sequential equilibrium", "An equilibrium with beliefs at every decision, on the path and off "
     "it, such that every choice is best given the belief and every belief is consistent with the "
     "plans. It rules out threats a side would not carry out."),
    ("Agent logit QRE", "A model of play in which each decision picks better choices more often but "
     "not always; as its precision grows, play settles on a sequential equilibrium. Used here, "
     "with each side's payoffs on its own range, to pick the headline equilibrium."),
    ("Lemke's algorithm", "A method that finds one equilibrium of the whole game (the sequence "
     "form). It need not be the headline's, nor sequential: shown to reveal a second equilibrium."),
    ("Max regret", "The most any side could gain by changing its own choice, given the others'. "
     "Zero means an exact equilibrium."),
)

_TEMPLATE = "types_report"

#: The second answer against the headline, in words: (same play, sequential) -> sentence.
_SECOND_WORDS: dict[tuple[bool, bool], str] = {
    (True, True): "It reaches every end of the game with the same probability as the headline and is also a "
                  "sequential equilibrium: no second prediction shows up this way (others may still exist).",
    (True, False): "It reaches every end of the game with the same probability as the headline, but it is not a "
                   "sequential equilibrium: its plans off the path include a choice or belief a side would not "
                   "act on. The prediction of what happens is the same; the headline's plans off the path are "
                   "credible (it is sequential), the second answer's are not.",
    (False, True): "It plays differently from the headline and is also a sequential equilibrium: the game has "
                   "more than one equilibrium, and the headline is the one the QRE limit selects.",
    (False, False): "It plays differently from the headline: the game has more than one Nash equilibrium. This "
                    "one is not sequential (it rests on a choice or belief off its path that a side would not act "
                    "on), so it is a weaker answer than the headline.",
}


def _play_text(play: Mapping[str, float]) -> str:
    """``{"concede": 1.0, "hold": 0.0}`` -> ``"concede 100.0%"`` (actions that would show as 0.0% left out)."""
    shown = [f"{a} {format_percent(p)}" for a, p in play.items() if p >= 0.0005]  # shown as 0.1% or more
    return ", ".join(shown) or "-"


def _type_of_label(label: str, private: str, types: tuple[str, ...]) -> tuple[str, str | None]:
    """``"... (china resolute)"`` -> ``("...", "resolute")`` (the label as is and None if no type)."""
    for t in types:
        suffix = f" ({private} {t})"
        if label.endswith(suffix):
            return label[: -len(suffix)], t
    return label, None


def _terminal_reach(analysis: Any, behaviour: Any) -> tuple[np.ndarray, np.ndarray]:
    """The terminal nodes and the probability each is reached under ``behaviour`` and the prior."""
    from negotiation.model.tree import TERMINAL
    from negotiation.solvers.agent_form import reach_probabilities

    tree = analysis.tree
    terminals = np.flatnonzero(np.asarray(tree.kind) == TERMINAL)
    behaviour = [[np.asarray(p, dtype=float) for p in player] for player in behaviour]
    return terminals, reach_probabilities(tree, behaviour)[0][terminals]


def _second_answer(analysis: Any) -> dict[str, Any]:
    """Lemke's equilibrium against the headline: its sequential check, whether its play differs,
    its outcome probabilities and which of the two each side prefers (a ranking on its own
    scale, which no change of units alters)."""
    tree = analysis.tree
    terminals, headline = _terminal_reach(analysis, analysis.qre.behaviour)
    _, lemke = _terminal_reach(analysis, analysis.lemke.strategies)
    payoffs = np.asarray(tree.payoffs, dtype=float)[0][np.asarray(tree.terminal)[terminals]]  # (T, 2)
    lotteries = np.asarray(tree.outcomes, dtype=float)[0][np.asarray(tree.terminal)[terminals]]
    outcomes = dict(zip(tree.outcome_names, map(float, lemke @ lotteries), strict=True))
    sides = analysis.base.sides
    preference = []
    for i in (0, 1):
        h, q = float(headline @ payoffs[:, i]), float(lemke @ payoffs[:, i])
        span = float(np.ptp(payoffs[:, i])) or 1.0
        if abs(h - q) <= ZERO * span:
            words = "is indifferent between the two"
        else:
            words = "prefers the headline" if h > q else "prefers the second answer"
        preference.append({"side": sides[i].label, "words": words})
    assessment = analysis.lemke_sequential
    same, sequential = bool(np.allclose(headline, lemke, atol=ZERO)), bool(assessment.sequential)
    return {
        "same_play": same,
        "words": _SECOND_WORDS[same, sequential],
        "outcomes": [{"outcome": o.replace("_", " "), "headline": format_percent(analysis.outcome_probabilities[o]),
                      "second": format_percent(p)} for o, p in outcomes.items()],
        "outcome_probabilities": outcomes,
        "preference": preference,
        "sequential": sequential,
        "status": assessment.status,
        "reason": " ".join(str(assessment.reason or "").split()),
        "max_regret": f"{float(analysis.lemke.max_regret):.2g}",
    }


def _decisions(analysis: Any, reach: Mapping[str, float]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The private side's decisions (one row per history, one column per type) and the
    uninformed side's (its play and its belief), in words."""
    from negotiation.viz.types_figures import history_words

    moves = analysis.base.config.get("moves", {})
    private = analysis.base.side_names[analysis.side]
    by_history: dict[str, dict[str, Any]] = {}
    uninformed = []
    for d in analysis.decisions():
        if "belief" in d:
            on_path = reach.get(d["at"], 0.0) > ZERO
            uninformed.append({
                "at": d["at"], "words": history_words(d["at"], moves), "play": _play_text(d["play"]),
                "belief": [{"type": t, "value": format_percent(p)} for t, p in d["belief"].items()],
                "belief_values": dict(d["belief"]), "on_path": on_path})
            continue
        history, t = _type_of_label(d["at"], private, analysis.types)
        row = by_history.setdefault(history, {"at": history, "words": history_words(history, moves), "play": {}})
        row["play"][t] = _play_text(d["play"])
        row.setdefault("reached_by", [])
        if reach.get(d["at"], 0.0) > ZERO:
            row["reached_by"].append(t)
    informed = [{**row, "plays": [row["play"].get(t, "-") for t in analysis.types],
                 "reached": ", ".join(row["reached_by"]) or "off the path"} for row in by_history.values()]
    return informed, uninformed


def _update_sentences(analysis: Any, uninformed: list[dict[str, Any]]) -> list[str]:
    """The belief updates in words: where the uninformed side's belief differs from the prior."""
    sides = analysis.base.sides
    believer, private = sides[1 - analysis.side].label, sides[analysis.side].label
    prior = dict(zip(analysis.types, analysis.prior, strict=True))
    out = []
    for row in uninformed:
        moved = {t: p for t, p in row["belief_values"].items() if abs(p - prior[t]) > ZERO}
        belief = ", ".join(f"{t} {format_percent(p)}" for t, p in row["belief_values"].items())
        where = row["words"]
        path = "" if row["on_path"] else " (off the equilibrium path)"
        if moved:
            out.append(f"{where}{path}: {believer} believes {private} is {belief} - updated from the prior.")
        else:
            out.append(f"{where}{path}: {possessive(believer)} belief stays at the prior ({belief}).")
    return out


def _type_rows(config: Mapping[str, Any], analysis: Any, spec: Any) -> list[dict[str, Any]]:
    """Each type: its prior and the values it changes (with the base value), with sources."""
    from negotiation.io.key_paths import value_at
    from negotiation.io.sources import source_text
    from negotiation.viz.style import describe

    side = spec.side
    rows = []
    for t, p, values in zip(spec.types, spec.prior, spec.values, strict=True):
        key = f"types.{side}.{t}"
        source = " ".join(source_text(config, f"{key}.prior").split()) if config.get("sources") else JUDGEMENT_SOURCE
        changes = [{"key_path": k, "words": describe(k, config), "value": format_number(float(v)),
                    "base": format_number(value_at(config, k))} for k, v in values.items()]
        rows.append({"type": t, "prior": format_percent(p), "prior_value": p, "key_path": f"{key}.prior",
                     "changes": changes, "source": source})
    for row, above in zip(rows[1:], rows[:-1], strict=False):
        if row["source"] == above["source"] and row["source"] != JUDGEMENT_SOURCE:
            row["source"] = "as above"
    return rows


def types_report_context(config: Mapping[str, Any], analysis: Any, spec: Any, source: str = "") -> dict[str, Any]:
    """Everything the types templates show, as plain values (no figures).

    Parameters
    ----------
    config : mapping
        The scenario file's config (with ``[types]`` and ``[sources]``, overrides applied).
    analysis : TypesAnalysis
        :func:`negotiation.analysis.types.analyze_types` of the scenario.
    spec : TypesSpec
        :func:`negotiation.io.types.types_spec` of ``config``: the values each type changes.
    source : str
        Where the scenario was read from.

    Returns
    -------
    dict
        The templates' variables.
    """
    from negotiation.version import __version__
    from negotiation.viz.types_figures import infoset_reach

    meta = config.get("scenario", {})
    base = analysis.base
    sides = base.sides
    private, believer = sides[analysis.side].label, sides[1 - analysis.side].label
    reach = infoset_reach(analysis)
    informed, uninformed = _decisions(analysis, reach)
    description = " ".join(str(meta.get("description", "")).split())
    model = {k: v for k, v in config.items() if k != "types"}  # a type's values are in the types table
    assumptions, settings, orphans = assumptions_and_settings(model)
    p2025 = analysis.all_moves_probability
    moves = base.config.get("moves", {})
    return {
        "name": base.name,
        "title": meta.get("title") or base.title,
        "description": description,
        "source": source or base.name,
        "version": __version__,
        "private": private,
        "believer": believer,
        "types": _type_rows(config, analysis, spec),
        "type_names": list(analysis.types),
        "moves": [{"name": n, "label": m.get("label", n), "by": sides[base.side_names.index(m.get("by"))].label
                   if m.get("by") in base.side_names else m.get("by"), "date": str(m.get("date", ""))}
                  for n, m in moves.items()],
        "converged": bool(analysis.qre.converged),
        "max_regret": f"{analysis.regret:.2g}",
        "informed": informed,
        "uninformed": uninformed,
        "updates": _update_sentences(analysis, uninformed),
        "probabilities": [{"outcome": o.replace("_", " "), "value": format_percent(p)}
                          for o, p in analysis.outcome_probabilities.items()],
        "path_2025": format_percent(p2025),
        "path_2025_positive": p2025 > ZERO,
        "path_2025_moves": "; ".join(m.get("label", n) for n, m in moves.items()),
        "second": _second_answer(analysis),
        "assumptions": assumptions,
        "uncertain_values": sum(1 for a in assumptions if a["uncertainty"]),
        "distribution_key": DISTRIBUTION_KEY,
        "settings": settings,
        "orphan_uncertainty": orphans,
        "limits": list(TYPES_LIMITS),
        "limit_warnings": [],
        "glossary": [{"term": t, "meaning": m} for t, m in TYPES_GLOSSARY],
        "glossary_number": 8,
    }


#: The report's figure: file stem and caption.
def _pattern_change(before: str, after: str) -> str:
    """What differs between two headline patterns (``"decision: action; ..."``), in words: the
    decisions reached in both whose play changes, then how many the new play leaves or reaches."""
    old = dict(part.rsplit(": ", 1) for part in before.split("; ") if part)
    new = dict(part.rsplit(": ", 1) for part in after.split("; ") if part)
    changes = [f"{where}: {old[where]} → {new[where]}" for where in old if where in new and old[where] != new[where]]
    left, reached = sum(1 for w in old if w not in new), sum(1 for w in new if w not in old)
    if left or reached:
        changes.append(f"play then takes another path ({left} decisions no longer reached, {reached} newly reached)")
    return "; ".join(changes)


def margins_context(flips: Any, analysis: Any) -> dict[str, Any]:
    """The rows of the "what would change the headline" section from
    :func:`negotiation.study.type_margins.type_flips`: each value's nearest changes and, in
    words, what changes there."""
    rows = []
    for f in flips.flips:
        change = []
        for side, value, pattern in (("below", f.down, f.down_pattern), ("above", f.up, f.up_pattern)):
            if value is not None:
                change.append(f"At {format_number(value)} ({side} {format_number(f.base)}): "
                              + _pattern_change(flips.pattern, pattern) + ".")
        rows.append({"key_path": f.key_path, "base": format_number(f.base),
                     "search": f"{format_number(f.search[0])} to {format_number(f.search[1])}",
                     "down": "–" if f.down is None else format_number(f.down),
                     "up": "–" if f.up is None else format_number(f.up),
                     "change": " ".join(change) if change else ""})
    return {"rows": rows, "grid": flips.grid, "refine": flips.refine, "evaluations": flips.evaluations}


BELIEF_CAPTION = ("{believer} belief that {private} is {type} at each of its decisions, after each history of "
                  "moves; the dashed line is the prior. Hatched: a decision the headline equilibrium never reaches "
                  "(its belief there is the limit of boundedly rational play, not Bayes' rule on equilibrium play).")


def write_types_report(config_or_path: Mapping[str, Any] | str | Path, out_dir: str | Path, *,
                       overrides: Mapping[str, Any] | None = None, typed: Any = None) -> dict[str, Path]:
    """Solve a scenario with private types; write ``report.html``, ``report.md`` and ``figures/*.png``.

    Parameters
    ----------
    config_or_path : mapping, str or Path
        The scenario's config (as read from its file), or a TOML file or packaged name.
    out_dir : str or Path
        The report folder (created if needed; files in it are overwritten).
    overrides : mapping, optional
        Values to change by key path before solving (as ``--set``).
    typed : tuple, optional
        :func:`negotiation.io.types.typed_scenarios` of the config with these overrides, if the
        caller has it already.

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.
    """
    from negotiation.analysis.types import analyze_types
    from negotiation.io.key_paths import with_overrides
    from negotiation.io.types import typed_scenarios, types_spec
    from negotiation.study.type_margins import type_flips
    from negotiation.viz.types_figures import plot_belief_updates

    config_or_path, source, name = read_scenario_source(config_or_path)
    config, _ = with_overrides(config_or_path, dict(overrides or {}))
    if typed is None:
        typed = typed_scenarios(config_or_path, name, overrides)
    if typed is None:
        raise ValueError(f"{name}: no [types] table: use negotiation.report.write_report")
    spec = types_spec(config, name)
    analysis = analyze_types(*typed)
    context = types_report_context(config, analysis, spec, source)
    context["margins"] = margins_context(type_flips(config, name), analysis)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    shown = analysis.types[:1] if len(analysis.types) == 2 else analysis.types
    caption = BELIEF_CAPTION.format(believer=possessive(context["believer"]), private=context["private"],
                                    type=" / ".join(shown))
    figure = embed_figure(plot_belief_updates(analysis), out / "figures", "belief_updates", caption)
    figure["number"] = 1
    context["figures"] = [figure]
    written: dict[str, Path] = {figure["file"]: out / figure["file"]}
    written.update(render_documents(context, out, _TEMPLATE))
    return written
