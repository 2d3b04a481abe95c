"""The second packaged case, EU–China electric vehicles at 20 Aug 2024 (issue 10, part 6).

The scenario ``negotiation/scenarios/eu_china_ev_2024.toml`` must load; every number must
carry a source, no fact may postdate its ``as_of`` (no look-ahead: ../shared/MODELLING.md,
rule 6); the values the file says are derived must follow from the issue levels (rule 2);
its analysis must be complete and verified, its verdict unit-free (rule 1), and a sweep must
give the rows single runs give.
"""

from __future__ import annotations

import copy
import datetime

import numpy as np
import pytest

import negotiation as ng
from negotiation.io.config import ConfigError, default_config_path, read_config, scenario_from_dict
from negotiation.io.sources import model_key_paths, source_of, source_problems, source_text
from negotiation.model.compile import stage_payoffs
from tests.test_units import MAPS, change_units, run, verdict

NAME = "eu_china_ev_2024"
AS_OF = datetime.date(2024, 8, 20)

#: The levels the file says each derived value is the value of (its [sources] entries).
#: Deadlock with no probe: the draft definitive duties, no Chinese measures.
DEADLOCK = {"ev_duties": "definitive_duties", "brandy": "closed", "pork": "closed", "other_farm": "none"}
#: Escalation: definitive duties, Chinese duties on brandy and pork, wider farm measures.
ESCALATION = {"ev_duties": "definitive_duties", "brandy": "duties", "pork": "duties", "other_farm": "measures"}
#: Each probe, played, turns its issue from "closed" to "duties" in the deadlock.
PROBES = {"brandy_probe": "brandy", "pork_probe": "pork"}


@pytest.fixture(scope="module")
def config() -> dict:
    return read_config(default_config_path(NAME))


def value(config: dict, side: str, levels: dict[str, str]) -> float:
    """A side's weighted utility of one level per issue, computed here from the file."""
    mine = config["sides"][side]
    return sum(mine["weights"][issue] * mine["utilities"][issue][config["issues"][issue]["levels"].index(level)]
               for issue, level in levels.items())


# ------------------------------------------------------------------ loading and sources


def test_the_scenario_validates(config):
    scenario = ng.load(NAME)
    assert scenario.name == NAME
    assert [s.name for s in scenario.sides] == ["eu", "china"]  # the EU is the row player
    assert source_problems(config) == []
    assert config["scenario"]["as_of"] == AS_OF


def test_every_number_has_a_source(config):
    paths = model_key_paths(config)
    assert len(paths) > 30
    unsourced = [p for p in paths if source_of(config, p) is None]
    assert unsourced == []
    for path in paths:
        text = source_text(config, path)
        assert text.startswith(("fact (", "judgement: ")) and len(text) > len("judgement: ") + 20, path


def test_no_fact_and_no_move_is_dated_after_as_of(config):
    for key, entry in config["sources"].items():
        if entry.get("fact"):
            assert isinstance(entry["date"], datetime.date) and entry["date"] <= AS_OF, key
    for name, move in config["moves"].items():
        assert move["date"] <= AS_OF, name
    # What happened next (the definitive regulation of 30 Oct 2024, China's dairy probe of
    # 21 Aug 2024, its October brandy measures) may not be the reason for any number.
    for key, entry in config["sources"].items():
        text = " ".join(str(v) for v in entry.values())
        for later in ("2754", "30 Oct", "21 Aug", "October 2024", "2024-10", "17.0%", "35.3%"):
            assert later not in text, (key, later)


def test_a_later_fact_would_be_refused(config):
    # The check above is not vacuous: the validator refuses the definitive duties of
    # 30 Oct 2024 as the source of a number of this scenario.
    later = copy.deepcopy(config)
    later["sources"]["sides.china.utilities.ev_duties"] = {
        "fact": "definitive duties: BYD 17.0%, SAIC 35.3%", "date": datetime.date(2024, 10, 30),
        "ref": "Implementing Regulation (EU) 2024/2754"}
    with pytest.raises(ConfigError, match="look-ahead"):
        scenario_from_dict(later, source=f"{NAME}.toml")
    dairy = copy.deepcopy(config)
    dairy["moves"]["brandy_probe"]["date"] = datetime.date(2024, 8, 21)
    with pytest.raises(ConfigError, match="moves.brandy_probe.date"):
        scenario_from_dict(dairy, source=f"{NAME}.toml")


@pytest.mark.parametrize("side", ["eu", "china"])
def test_deadlock_escalation_and_probe_shifts_are_derived_from_the_levels(config, side):
    # deadlock and escalation are derived by the tool from the threat points; here an
    # independent sum over the file's weights and levels
    assert "outcomes" not in config["sides"][side]
    assert config["talks"]["threat_points"] == {"deadlock": DEADLOCK, "escalation": ESCALATION}
    scenario = ng.load(NAME)
    i = list(config["sides"]).index(side)
    outcomes = {r: scenario.threat_point_values(r)[i] for r in ("deadlock", "escalation")}
    assert outcomes["deadlock"] == pytest.approx(value(config, side, DEADLOCK), abs=1e-12)
    assert outcomes["escalation"] == pytest.approx(value(config, side, ESCALATION), abs=1e-12)
    for move, issue in PROBES.items():
        shift = config["moves"][move]["effects"]["deadlock_shift"][side]
        expected = value(config, side, {issue: "duties"}) - value(config, side, {issue: "closed"})
        assert shift == pytest.approx(expected, abs=1e-12), move
    # Without probes, China conceding to an EU that holds is the deadlock itself.
    package = config["talks"]["packages"]["duties_accepted"]
    assert value(config, side, package) == pytest.approx(outcomes["deadlock"], abs=1e-12)


# ------------------------------------------------------------------ the analysis


def test_the_analysis_is_complete_and_verified():
    scenario = ng.load(NAME)
    summary = ng.analyze(scenario, verify=True).to_dict()
    assert summary["status"] in {"ok", "degenerate"}  # never "incomplete"
    tolerance = summary["tolerance"]
    assert summary["max_regret"] <= tolerance
    for stage in summary["stages"]:
        assert stage["equilibria"], stage["stage"]
        assert all(e["max_regret"] <= tolerance for e in stage["equilibria"]), stage["stage"]
    # The regret of the reported talks play, recomputed here from the stage's payoffs.
    A, B, _ = stage_payoffs(scenario, summary["equilibrium_path"])
    A, B = np.asarray(A, dtype=float).reshape(A.shape[-2:]), np.asarray(B, dtype=float).reshape(B.shape[-2:])
    strategies = summary["talks"]["strategies"]
    x = np.array(list(strategies["eu"].values()))
    y = np.array(list(strategies["china"].values()))
    regret = max((A @ y).max() - x @ A @ y, (x @ B).max() - x @ B @ y)
    assert regret <= tolerance
    np.testing.assert_allclose([x @ A @ y, x @ B @ y], list(summary["talks"]["payoffs"].values()), atol=1e-9)


@pytest.mark.parametrize(("a", "b"), MAPS)
def test_the_verdict_survives_a_change_of_one_sides_units(config, a, b):
    base = run(config)
    for side in config["sides"]:
        changed = run(change_units(config, side, a, b))
        assert changed["verdict"] == base["verdict"], f"{side} -> {a}u + {b}"
        assert changed["talks_outcome"] == base["talks_outcome"], f"{side} -> {a}u + {b}"
        assert verdict(changed) == verdict(base), f"{side} -> {a}u + {b}"
        for s, payoff in base["payoffs"].items():
            expected = a * payoff + b if s == side else payoff
            assert changed["payoffs"][s] == pytest.approx(expected, abs=1e-9)


def test_a_sweep_gives_the_rows_of_single_runs():
    values = {"sides.eu.utilities.ev_duties[2]": [0.4, 0.6], "talks.breakdown_probability": [0.0, 0.1]}
    table = ng.sweep(ng.load(NAME), values)
    assert len(table) == 4
    # The grid crosses a change of verdict (a deadlock and a mixed play of the talks).
    assert table["talks_outcome"].nunique() >= 2
    for _, row in table.iterrows():
        point = {key: float(row[key]) for key in values}
        single = ng.analyze(ng.load(NAME, set=point)).to_dict()
        assert row["equilibrium_path"] == ("+".join(single["equilibrium_path"]) or "none"), point
        assert row["talks_outcome"] == single["talks_outcome"], point
        assert row["payoff_eu"] == pytest.approx(single["payoffs"]["eu"], abs=1e-9), point
        assert row["payoff_china"] == pytest.approx(single["payoffs"]["china"], abs=1e-9), point
        assert row["status"] == single["status"], point
