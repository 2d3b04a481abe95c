r"""Where each number of a scenario comes from: a dated fact or a stated judgement.

A scenario may say, for any of its numbers, where it comes from (../shared/MODELLING.md,
rule 6)::

    [scenario]
    as_of = 2025-09-13          # the model may rest only on what was known by then

    [sources."sides.us.outcomes.escalation"]
    judgement = "a snap-back toward April's tariffs: costly, less so than for China"

    [sources."moves.entity_listing.cost"]
    fact = "32 entities added, 23 of them Chinese (chips, biotech)"
    date = 2025-09-12
    ref = "CASE.md, pre-talk moves (article; checked)"

A key is a numeric key path of the scenario, or a prefix of several (``sides.us.utilities``
covers every utility of the US; the longest matching key applies). An entry is either a
``judgement`` (the reasoning) or a ``fact`` with its ``date`` (and a ``ref``). With ``as_of``
set, a fact dated after it is refused: a model of a round may not rest on what happened
later (no look-ahead into what a backtest will score).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from negotiation.io.key_paths import numeric_key_paths

__all__ = ["MODEL_SECTIONS", "model_key_paths", "source_of", "source_problems", "source_text"]

#: The sections whose numbers are the model (not how it is solved, swept or sourced).
MODEL_SECTIONS = ("sides", "moves", "talks", "dynamics", "types")


def model_key_paths(config: Mapping[str, Any]) -> list[str]:
    """Every number of the model by key path, in file order.

    >>> model_key_paths({"sides": {"a": {"w": 1.0}}, "solver": {"tolerance": 1e-9}})
    ['sides.a.w']
    """
    return [k for k, _ in numeric_key_paths({s: config[s] for s in MODEL_SECTIONS if isinstance(config.get(s), Mapping)})]


def _covers(key: str, key_path: str) -> bool:
    return key_path == key or key_path.startswith(key + ".") or key_path.startswith(key + "[")


def source_of(config: Mapping[str, Any], key_path: str) -> tuple[str, Mapping[str, Any]] | None:
    """The source entry that applies to a key path (its own, else the longest prefix's), with
    the key it is declared under; None if the scenario gives none.

    >>> config = {"sources": {"sides.us": {"judgement": "all of the US"},
    ...                       "sides.us.outcomes.deadlock": {"judgement": "the status quo"}}}
    >>> source_of(config, "sides.us.outcomes.deadlock")[1]["judgement"], source_of(config, "sides.us.weights.a")[0]
    ('the status quo', 'sides.us')
    """
    sources = config.get("sources") or {}
    matches = [k for k in sources if _covers(k, key_path)]
    if not matches:
        return None
    key = max(matches, key=len)
    return key, sources[key]


def source_text(config: Mapping[str, Any], key_path: str) -> str:
    """One line for a report's assumptions table: the fact with its date and reference, or
    the judgement, or "unsourced".

    >>> source_text({"sources": {"a": {"fact": "30% since Geneva", "date": "2025-05-12", "ref": "CASE.md"}}}, "a")
    'fact (2025-05-12): 30% since Geneva [CASE.md]'
    >>> source_text({}, "a")
    'unsourced'
    """
    found = source_of(config, key_path)
    if found is None:
        return "unsourced"
    entry = found[1]
    if entry.get("fact"):
        ref = f" [{entry['ref']}]" if entry.get("ref") else ""
        return f"fact ({entry.get('date')}): {entry['fact']}{ref}"
    return f"judgement: {entry.get('judgement')}"


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def source_problems(config: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    """What is wrong with a scenario's ``[sources]`` and ``as_of``: ``(key path, value,
    expected)`` triples (the caller makes them config problems).

    Examples
    --------
    >>> config = {"scenario": {"as_of": datetime.date(2025, 9, 13)}, "sides": {"us": {"d": 0.6}},
    ...           "sources": {"sides.us.d": {"fact": "Busan", "date": datetime.date(2025, 10, 30)},
    ...                       "sides.us.x": {"judgement": "?"}}}
    >>> [(p, e) for p, _, e in source_problems(config)]  # doctest: +NORMALIZE_WHITESPACE
    [('sources."sides.us.d".date', 'a date on or before scenario.as_of = 2025-09-13 (no look-ahead: a fact
      from after the round cannot shape its model)'),
     ('sources."sides.us.x"', 'a key path of a number of the scenario, or a prefix of some')]
    """
    problems: list[tuple[str, Any, str]] = []
    sources = config.get("sources") or {}
    scenario = config.get("scenario") or {}
    as_of = _date(scenario.get("as_of")) if isinstance(scenario, Mapping) else None
    numbers = model_key_paths(config)
    for key, entry in sources.items():
        where = f'sources."{key}"'
        if not any(_covers(key, k) for k in numbers):
            problems.append((where, entry, "a key path of a number of the scenario, or a prefix of some"))
            continue
        if not isinstance(entry, Mapping):
            problems.append((where, entry, 'a table: { judgement = "..." } or { fact = "...", date = YYYY-MM-DD }'))
            continue
        unknown = sorted(set(entry) - {"fact", "date", "ref", "judgement"})
        if unknown:
            problems.append((f"{where}.{unknown[0]}", entry[unknown[0]], "one of the keys fact, date, ref, judgement"))
        has_fact, has_judgement = bool(entry.get("fact")), bool(entry.get("judgement"))
        if has_fact == has_judgement:
            problems.append((where, dict(entry), 'either judgement = "..." or fact = "..." with its date, not both'))
            continue
        if has_fact:
            date = _date(entry.get("date"))
            if date is None:
                problems.append((f"{where}.date", entry.get("date"), "the date of the fact (YYYY-MM-DD, no quotes)"))
            elif as_of is not None and date > as_of:
                problems.append((f"{where}.date", date, f"a date on or before scenario.as_of = {as_of} (no "
                                 "look-ahead: a fact from after the round cannot shape its model)"))
    for name, move in (config.get("moves") or {}).items():
        date = _date(move.get("date")) if isinstance(move, Mapping) else None
        if as_of is not None and date is not None and date > as_of:
            problems.append((f"moves.{name}.date", date, f"a date on or before scenario.as_of = {as_of}"))
    return problems
