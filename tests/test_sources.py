"""Sources of a scenario's numbers (negotiation.io.sources): dated facts or stated judgements,
no fact dated after the scenario's as_of, and the report's assumptions table reads them."""

from __future__ import annotations

import copy
import datetime

import pytest

from negotiation.io.config import ConfigError, scenario_from_dict
from negotiation.io.sources import model_key_paths, source_of, source_text
from tests.conftest import TOY

AS_OF = datetime.date(2025, 9, 13)


def sourced(sources: dict) -> dict:
    config = copy.deepcopy(TOY)
    config["scenario"]["as_of"] = AS_OF
    config["sources"] = sources
    return config


def problems(config: dict) -> list[str]:
    try:
        scenario_from_dict(config, source="toy.toml")
    except ConfigError as error:
        return [str(p) for p in error.problems]
    return []


def test_a_fact_dated_after_as_of_is_refused_naming_its_key_path():
    config = sourced({"sides.b.outcomes.deadlock": {"fact": "Busan: fentanyl tariff halved",
                                                    "date": datetime.date(2025, 10, 30)}})
    (problem,) = problems(config)
    assert 'sources."sides.b.outcomes.deadlock".date' in problem and "2025-09-13" in problem
    assert "look-ahead" in problem


def test_facts_before_as_of_and_judgements_are_accepted():
    config = sourced({"sides.b.outcomes.deadlock": {"fact": "Geneva status quo", "date": datetime.date(2025, 5, 12),
                                                    "ref": "CASE.md"},
                      "sides.a": {"judgement": "a's values, by hand"}})
    assert problems(config) == []


@pytest.mark.parametrize(("entry", "expected"), [
    ({"fact": "x"}, "the date of the fact"),
    ({"fact": "x", "judgement": "y", "date": AS_OF}, "either judgement"),
    ({}, "either judgement"),
    ({"judgement": "y", "weight": 1}, "one of the keys"),
])
def test_malformed_entries_say_what_is_expected(entry, expected):
    (problem,) = problems(sourced({"moves.threat.cost": entry}))
    assert 'sources."moves.threat.cost"' in problem and expected in problem


def test_a_source_for_no_number_is_refused():
    (problem,) = problems(sourced({"sides.c.outcomes.deadlock": {"judgement": "?"}}))
    assert "a key path of a number of the scenario" in problem


def test_a_move_dated_after_as_of_is_refused():
    config = sourced({})
    config["moves"]["threat"]["date"] = datetime.date(2025, 9, 20)
    (problem,) = problems(config)
    assert "moves.threat.date" in problem


def test_the_longest_prefix_applies_and_unsourced_is_said():
    config = sourced({"sides.a": {"judgement": "all of a"},
                      "sides.a.outcomes.deadlock": {"fact": "f", "date": AS_OF, "ref": "r"}})
    assert source_of(config, "sides.a.utilities.split[1]")[0] == "sides.a"
    assert source_text(config, "sides.a.outcomes.deadlock") == "fact (2025-09-13): f [r]"
    assert source_text(config, "sides.b.outcomes.deadlock") == "unsourced"
    assert "solver.tolerance" not in model_key_paths(config)


def test_the_report_lists_each_values_source(tmp_path):
    from negotiation.report.build import write_report

    config = sourced({"sides.a.outcomes.deadlock": {"fact": "Geneva status quo", "date": datetime.date(2025, 5, 12),
                                                    "ref": "CASE.md"}, "sides.b": {"judgement": "b, by hand"}})
    scenario = scenario_from_dict(config, source="toy.toml")
    written = write_report(scenario, tmp_path)
    text = written["report.md"].read_text()
    assert "fact (2025-05-12): Geneva status quo [CASE.md]" in text
    assert "judgement: b, by hand" in text and "unsourced" in text  # a's utilities have none
