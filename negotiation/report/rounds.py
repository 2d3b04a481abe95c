"""The report of a rounds scenario: each round's predicted and observed play, and the state path.

It renders :func:`negotiation.analysis.rounds.analyze_rounds` and adds no analysis of its own:
per round its date, movers, the Markov-perfect equilibrium's play (probabilities) in the state
the observed earlier rounds left, what each side did, and whether the round is a hit (what was
done is the equilibrium's most probable play), a miss, or not scorable (nothing observed, or a
mover indifferent between its actions); the path of states; the figure of
:func:`negotiation.viz.rounds_figures.plot_rounds`; every value with its source; and what the
model cannot say. Every number shown is a probability or a value of the scenario: none depends
on one side's payoff units (MODELLING.md, rule 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from negotiation.report.common import (
    DISTRIBUTION_KEY,
    RULE_WORDS,
    assumptions_and_settings,
    embed_figure,
    format_percent,
    read_scenario_source,
    render_documents,
)

__all__ = ["ROUNDS_GLOSSARY", "ROUNDS_LIMITS", "rounds_report_context", "write_rounds_report"]

#: What no rounds scenario can capture (true of the model class).
ROUNDS_LIMITS: tuple[str, ...] = (
    "Complete information: each side knows the other's values and sees every earlier action. A "
    "threat or a consensus that changes no state changes no payoff, so the model cannot tell such "
    "actions apart.",
    "A fixed sequence of decision points: the dates, the movers and the actions open to them are "
    "given by the scenario, not chosen by the sides; what each pair of actions puts in force is "
    "fixed in advance.",
    "Play depends only on the state in force (Markov perfect): no reputation, grudges or learning "
    "beyond what the state records.",
    "Two unitary actors: each side is one decision maker with one set of preferences. Domestic "
    "politics, coalitions, lobbies and third countries are not in the model.",
    "Each round is predicted in the state the observed earlier rounds left: the score says how "
    "well the model reads each situation, not whether it could have foreseen the whole year.",
    "Payoffs are utilities on each side's own scale: they rank states for that side and do not "
    "compare one side's welfare with the other's.",
)

#: Plain-words definitions for a reader who is not a game theorist.
ROUNDS_GLOSSARY: tuple[tuple[str, str], ...] = (
    ("State", "The level in force of every issue (tariffs, export controls, ...) between two "
     "decision points."),
    ("Markov-perfect equilibrium", "A plan for each side at every round and in every state such "
     "that no side could do better by changing its own choice there, given the others' plans and "
     "the states its choice leads to."),
    ("Predicted play", "The equilibrium's probability of each action of each mover in the state "
     "the observed earlier rounds left."),
    ("Hit, miss, not scorable", "A hit: what was done is the equilibrium's most probable play. A "
     "miss: it is not. Not scorable: nothing was observed, or a mover's actions change nothing it "
     "values, so any of them is an equilibrium."),
    ("Discount factor", "How much a side values the period after the next decision point against "
     "the current one."),
    ("Logit QRE", "A model of play in which each side picks better choices more often but not "
     "always; as its precision grows, play settles on one equilibrium. Used here to pick one "
     "equilibrium where a round has several."),
)

#: The solver's status in words.
_STATUS_WORDS = {
    "ok": "ok: every round's stage was solved exactly in every state.",
    "degenerate": "degenerate: in some state some round has ties between actions (whole ranges of "
                  "equilibria); the selection rule picks one, and a round where a mover is indifferent is "
                  "not scored.",
    "incomplete": "incomplete: the solver could not certify that it found every equilibrium of some "
                  "round's stage; the play shown is the selection rule's pick among those found.",
}

ROUNDS_CAPTION = ("Each round, predicted in the state the observed earlier rounds left: the equilibrium's "
                  "probability of what the sides did (green where it is at least one half, red where it is "
                  "less); hatched where the round is not scorable.")


def _outcome(report: Any) -> str:
    """``"hit"``, ``"miss"`` or ``"not scorable"`` (the rule of ``RoundsAnalysis.hits``)."""
    if report.p_observed is None:
        return "not scorable"
    hit = all(report.observed[s] == max(report.predicted[s], key=report.predicted[s].get) for s in report.movers)
    return "hit" if hit else "miss"


def _changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What a round changed: ``["tariffs: april peak -> truce"]``."""
    return [f"{issue.replace('_', ' ')}: {before[issue].replace('_', ' ')} \u2192 {level.replace('_', ' ')}"
            for issue, level in after.items() if before.get(issue) != level]


def rounds_report_context(config: Mapping[str, Any], analysis: Any, source: str = "") -> dict[str, Any]:
    """Everything the rounds templates show, as plain values (no figures).

    Parameters
    ----------
    config : mapping
        The scenario file's config (overrides applied).
    analysis : RoundsAnalysis
        :func:`negotiation.analysis.rounds.analyze_rounds` of the scenario.
    source : str
        Where the scenario was read from.

    Returns
    -------
    dict
        The templates' variables.
    """
    from negotiation.version import __version__

    game = analysis.game
    meta = config.get("scenario", {})
    labels = {side.name: side.label for side in game.sides}
    issues = [issue.name for issue in game.space.issues]
    initial = game.describe_state(game.state_of(game.initial))
    rows = []
    for number, (r, rnd) in enumerate(zip(analysis.rounds, game.rounds, strict=True), start=1):
        result = _outcome(r)
        rows.append({
            "number": number, "name": r.name, "words": r.name.replace("_", " "), "date": r.date,
            "description": " ".join(str(rnd.description or "").split()),
            "movers": ", ".join(labels[s] for s in r.movers),
            "predicted": [{"side": labels[s], "text": ", ".join(f"{a} {format_percent(p)}" for a, p in r.predicted[s].items()
                                                             if p >= 0.0005)} for s in r.movers],
            "predicted_values": r.predicted,
            "observed": [{"side": labels[s], "action": r.observed[s] or "not observed"} for s in r.movers],
            "p_observed": "" if r.p_observed is None else format_percent(r.p_observed),
            "result": result,
            "equilibria": f"{r.equilibria}" + ("" if r.status == "ok" else f" ({r.status})"),
            "changes": _changes(r.state, r.state_after),
            "note": r.note,
        })
    state_path = [{"label": "Before the first round", "levels": [initial[i].replace("_", " ") for i in issues],
                   "changed": [False] * len(issues)}]
    for r in analysis.rounds:
        state_path.append({"label": f"After {r.name.replace('_', ' ')} ({r.date})",
                           "levels": [r.state_after[i].replace("_", " ") for i in issues],
                           "changed": [r.state_after[i] != r.state[i] for i in issues]})
    scored = sum(1 for row in rows if row["result"] != "not scorable")
    hits = sum(1 for row in rows if row["result"] == "hit")
    model_path = [{"round": name.replace("_", " "),
                   "play": ", ".join(f"{labels[s]} {a}" for s, a in play.items())} for name, play in analysis.model_path]
    issue_table = config.get("issues", {})
    assumptions, settings, orphans = assumptions_and_settings(config)
    solution = analysis.solution
    continuation = {"perpetuity": "the final state is kept forever after the last round",
                    "none": "nothing counts after the last round's period"}.get(game.continuation, game.continuation)
    return {
        "name": game.name,
        "title": meta.get("title") or game.title,
        "description": " ".join(str(meta.get("description", game.description or "")).split()),
        "source": source or game.name,
        "version": __version__,
        "as_of": game.as_of or "not stated",
        "sides": [side.label for side in game.sides],
        "issues": [{"name": i.replace("_", " "), "description": (issue_table.get(i) or {}).get("description", ""),
                    "initial": initial[i].replace("_", " ")} for i in issues],
        "issue_names": [i.replace("_", " ") for i in issues],
        "rule": RULE_WORDS.get(solution.rule, solution.rule.replace("_", " ")),
        "status_words": _STATUS_WORDS.get(solution.status, solution.status),
        "max_regret": f"{solution.max_regret:.2g}",
        "discount": f"{game.discount:g}",
        "continuation": continuation,
        "rounds": rows,
        "hits": hits,
        "scored": scored,
        "not_scored": len(rows) - scored,
        "hit_share": format_percent(hits / scored) if scored else "",
        "state_path": state_path,
        "model_path": model_path,
        "assumptions": assumptions,
        "uncertain_values": sum(1 for a in assumptions if a["uncertainty"]),
        "distribution_key": DISTRIBUTION_KEY,
        "settings": settings,
        "orphan_uncertainty": orphans,
        "limits": list(ROUNDS_LIMITS),
        "limit_warnings": [],
        "glossary": [{"term": t, "meaning": m} for t, m in ROUNDS_GLOSSARY],
        "glossary_number": 7,
    }


def write_rounds_report(config_or_path: Mapping[str, Any] | str | Path, out_dir: str | Path, *,
                        overrides: Mapping[str, Any] | None = None, game: Any = None) -> dict[str, Path]:
    """Solve a rounds scenario; write ``report.html``, ``report.md`` and ``figures/rounds.png``.

    Parameters
    ----------
    config_or_path : mapping, str or Path
        The scenario's config (as read from its file), or a TOML file or packaged name.
    out_dir : str or Path
        The report folder (created if needed; files in it are overwritten).
    overrides : mapping, optional
        Values to change by key path before solving (as ``--set``).
    game : RoundsGame, optional
        :func:`negotiation.io.rounds.rounds_from_dict` of the config with these overrides, if
        the caller has it already.

    Returns
    -------
    dict
        Name (relative to ``out_dir``) -> path of every file written.
    """
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.io.key_paths import with_overrides
    from negotiation.io.rounds import is_rounds_config, rounds_from_dict
    from negotiation.viz.rounds_figures import plot_rounds

    config_or_path, source, name = read_scenario_source(config_or_path)
    if not is_rounds_config(config_or_path):
        raise ValueError(f"{name}: no [[rounds]]: use negotiation.report.write_report")
    if game is None:
        game = rounds_from_dict(config_or_path, source=name, overrides=dict(overrides or {}))
    config, _ = with_overrides(config_or_path, dict(overrides or {}))
    analysis = analyze_rounds(game)
    context = rounds_report_context(config, analysis, source)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figure = embed_figure(plot_rounds(analysis), out / "figures", "rounds", ROUNDS_CAPTION)
    figure["number"] = 1
    context["figures"] = [figure]
    written: dict[str, Path] = {figure["file"]: out / figure["file"]}
    written.update(render_documents(context, out, "rounds_report"))
    return written
