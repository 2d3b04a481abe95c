"""The public API: ng.load, ng.analyze, ng.sweep, ng.nash_equilibria.

Oracles: the battle of the sexes (three equilibria, derived in the comment), and the single
run at each point of a sweep (a row equals ng.analyze at those values).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import negotiation as ng
from negotiation.io.config import ConfigError


def test_the_public_names_are_exactly_these():
    assert {"load", "analyze", "sweep", "nash_equilibria"} <= set(ng.__all__)
    assert callable(ng.load) and callable(ng.analyze) and callable(ng.sweep) and callable(ng.nash_equilibria)


def test_importing_negotiation_is_cheap():
    # the CLI and notebooks start fast: nothing heavy is imported with the package
    code = "import sys, negotiation; print(sorted(m for m in ('scipy', 'pandas', 'matplotlib', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_load_sets_values_by_key_path():
    scenario = ng.load("madrid_2025", set={"moves.entity_listing.cost": 0.02})
    assert scenario.move("entity_listing").cost == 0.02
    assert ng.load().name == "madrid_2025"


def test_bad_input_raises_the_cli_errors():
    with pytest.raises(ConfigError, match=r"moves.entity_listing.cots = 0.02: expected an existing key path; did you mean"):
        ng.load("madrid_2025", set={"moves.entity_listing.cots": 0.02})
    with pytest.raises(ConfigError, match=r"moves.entity_listing.cost = -1: expected a number greater than or equal to 0"):
        ng.load("madrid_2025", set={"moves.entity_listing.cost": -1})
    with pytest.raises(ConfigError, match="did you mean 'madrid_2025'"):
        ng.load("madrid_2052")
    with pytest.raises(ConfigError, match=r"moves.entity_listing.cost = 'x': expected a non-empty list of numbers"):
        ng.sweep(ng.load(), {"moves.entity_listing.cost": "x"})
    with pytest.raises(ConfigError, match="a numeric key path"):
        ng.sweep(ng.load(), {"moves.entity_listing.label": [1.0]})


def test_analyze_returns_a_frozen_record_with_the_summary():
    result = ng.analyze(ng.load())
    summary = result.to_dict()
    assert summary["equilibrium_path"] == result.moves_played()
    assert summary["equilibrium_count"] == result.actual.count
    with pytest.raises(AttributeError):
        result.scenario = None  # frozen


@pytest.mark.parametrize("rule", ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"])
def test_a_sweep_row_equals_the_single_run(rule):
    scenario = ng.load("madrid_2025", set={"solver.selection_rule": rule})
    costs = [0.0, 0.01, 0.2]
    deadlocks = [0.45, 0.62]
    table = ng.sweep(scenario, {"moves.entity_listing.cost": costs, "sides.us.utilities.tariffs[1]": deadlocks})
    assert len(table) == len(costs) * len(deadlocks)
    for _, row in table.iterrows():
        values = {"moves.entity_listing.cost": row["moves.entity_listing.cost"],
                  "sides.us.utilities.tariffs[1]": row["sides.us.utilities.tariffs[1]"],
                  "solver.selection_rule": rule}
        single = ng.analyze(ng.load("madrid_2025", set=values))
        assert row["equilibrium_path"] == ("+".join(single.moves_played()) or "none")
        np.testing.assert_allclose([row["payoff_us"], row["payoff_china"]], single.headline.payoffs, rtol=0, atol=1e-12)
        np.testing.assert_allclose([row["p_truce"], row["p_deadlock"], row["p_escalation"]],
                                   single.headline.resolution_probabilities, rtol=0, atol=1e-12)
        assert row["status"] == single.actual.status


def test_nash_equilibria_of_the_battle_of_the_sexes():
    # (T, L) and (B, R) are pure equilibria; in the mixed one each player makes the other
    # indifferent: row plays T with 2/3 (column's 1 x = 2 (1 - x)), column L with 1/3.
    result = ng.nash_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert [e.row.tolist() for e in result.equilibria] == [[1.0, 0.0], [2 / 3, 1 / 3], [0.0, 1.0]]
    assert [e.column.tolist() for e in result.equilibria] == [[1.0, 0.0], [1 / 3, 2 / 3], [0.0, 1.0]]
    assert result.status == "ok"
