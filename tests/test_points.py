"""Many points at once: every row of solve_points equals the single run at its point.

The oracle of each row is the one-point pipeline a user runs (``negotiation run --set``):
``analyze(scenario_from_dict(config, overrides={...}))``; its headline path, outcome
probabilities, payoffs and status, or the ConfigError of an invalid point. Points are seeded
random draws over wide ranges (some invalid), grids of values that make payoffs coincide
(degenerate stages, ties at leverage decisions), for the stance scenario, the bargaining
scenario and the toy, under every selection rule. The frozen golden point sets of the
refactor (tests/golden/points_*.json) are compared too.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiation.analysis.pipeline import analyze
from negotiation.io.config import (
    INTEGER_KEYS,
    ConfigError,
    default_config_path,
    read_config,
    scenario_from_dict,
)
from negotiation.model.outcomes import PROBABILITY_COLUMNS
from negotiation.study.points import SWEEP_COLUMNS, solve_points, sweep_columns, sweepable_key_paths
from tests.conftest import TOY

RULES = ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"]
GOLDEN = Path(__file__).resolve().parent / "golden"
ATOL = 1e-9


#: Madrid as it was before its deadlock and escalation were derived (issue 10): a scenario
#: that sets them per side, which the package still supports; its points exercise those keys.
LEGACY_MADRID = GOLDEN / "scenarios" / "madrid_2025.toml"


def scenario_config(name: str, rule: str | None = None) -> dict:
    config = read_config(LEGACY_MADRID if name == "legacy_madrid" else default_config_path(name))
    if rule is not None:
        config.setdefault("solver", {})["selection_rule"] = rule
    return config


def toy(rule: str) -> dict:
    config = copy.deepcopy(TOY)
    config["solver"]["selection_rule"] = rule
    return config


def single_run(config: dict, point: dict[str, float], source: str) -> dict:
    """The row a single run gives at one point (the oracle): ``negotiation run --set KEY=VALUE``
    for each swept value, a whole number written as one (``deadline=3``, not ``3.0``)."""
    sides = list(config["sides"])
    point = {k: int(v) if k in INTEGER_KEYS and float(v).is_integer() else v for k, v in point.items()}
    try:
        scenario = scenario_from_dict(config, source=source, overrides=point)
    except ConfigError as error:
        return {"equilibrium_path": "", **dict.fromkeys(PROBABILITY_COLUMNS, math.nan),
                **{f"payoff_{s}": math.nan for s in sides}, "status": "invalid", "error": str(error)}
    analysis = analyze(scenario)
    probabilities = analysis.headline.resolution_probabilities
    return {
        "equilibrium_path": "+".join(analysis.moves_played()) or "none",
        **dict(zip(PROBABILITY_COLUMNS, (float(p) for p in probabilities), strict=True)),
        **{f"payoff_{s}": float(v) for s, v in zip(sides, analysis.headline.payoffs, strict=True)},
        "status": analysis.actual.status,
        "error": "",
    }


def assert_rows_equal_single_runs(config: dict, overrides: dict[str, np.ndarray], source: str = "<config>") -> pd.DataFrame:
    """Solve the points at once and check every row against its single run."""
    rows = solve_points(config, overrides, source=source)
    n = len(next(iter(overrides.values())))
    assert len(rows) == n
    for i in range(n):
        point = {k: float(v[i]) for k, v in overrides.items()}
        expected = single_run(config, point, source)
        row = rows.iloc[i]
        for column, value in expected.items():
            if isinstance(value, float):
                same = (math.isnan(value) and math.isnan(row[column])) or abs(row[column] - value) <= ATOL
            else:
                same = row[column] == value
            assert same, f"point {i} {point}: {column} = {row[column]!r}, single run {value!r}"
    return rows


# --------------------------------------------------------------------------- points


def wide_madrid_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Many key paths at once over wide ranges: some points invalid."""
    return {
        "sides.us.outcomes.deadlock": rng.uniform(0.3, 0.8, n),
        "sides.china.outcomes.deadlock": rng.uniform(0.3, 0.8, n),
        "sides.us.outcomes.escalation": rng.uniform(0.0, 0.5, n),
        "sides.china.outcomes.escalation": rng.uniform(0.0, 0.5, n),
        "moves.entity_listing.cost": rng.uniform(-0.005, 0.08, n),
        "moves.anti_dumping_probe.harm": rng.uniform(0.0, 0.08, n),
        "moves.entity_listing.effects.deadlock_shift.china": rng.uniform(-0.2, 0.05, n),
        "moves.anti_dumping_probe.effects.breakdown_shift": rng.uniform(-0.2, 0.3, n),
        "talks.breakdown_probability": rng.uniform(-0.05, 0.5, n),
        "sides.us.weights.tariffs": rng.uniform(0.0, 1.05, n),
        "sides.china.utilities.rare_earths[1]": rng.uniform(0.0, 1.0, n),
    }


def derived_madrid_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The packaged Madrid (threat points derived from the issue levels, escalation risk, truces
    breaking down into escalation) over wide ranges: some points invalid (probabilities
    outside [0, 1])."""
    return {
        "sides.us.utilities.tariffs[1]": rng.uniform(0.3, 0.9, n),
        "sides.china.utilities.tariffs[1]": rng.uniform(0.3, 0.9, n),
        "sides.us.utilities.export_controls[0]": rng.uniform(0.5, 1.0, n),
        "sides.china.utilities.rare_earths[0]": rng.uniform(0.0, 0.8, n),
        "talks.escalation_risk.us.escalate": rng.uniform(-0.2, 0.6, n),
        "talks.escalation_risk.china.escalate": rng.uniform(0.0, 0.6, n),
        "talks.breakdown_to_escalation": rng.uniform(0.0, 1.2, n),
        "talks.breakdown_probability": rng.uniform(0.0, 0.5, n),
        "moves.entity_listing.effects.escalation_shift.china": rng.uniform(-0.2, 0.05, n),
        "moves.anti_dumping_probe.cost": rng.uniform(0.0, 0.05, n),
    }


def degenerate_madrid_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Values from small grids, so that payoffs coincide exactly: escalation equal to
    deadlock (a side indifferent between holding and escalating: degenerate stages), and a
    probe with no cost, harm or effect (China indifferent at its leverage decision)."""

    def grid(*values: float) -> np.ndarray:
        return rng.choice(np.array(values), n)

    return {
        "sides.us.outcomes.deadlock": grid(0.62, 0.5),
        "sides.us.outcomes.escalation": grid(0.15, 0.62, 0.5),
        "sides.china.outcomes.escalation": grid(0.1, 0.58),
        "moves.anti_dumping_probe.cost": grid(0.005, 0.0),
        "moves.anti_dumping_probe.harm": grid(0.02, 0.0),
        "moves.anti_dumping_probe.effects.deadlock_shift.us": grid(-0.03, 0.0),
        "moves.anti_dumping_probe.effects.breakdown_shift": grid(0.03, 0.0),
        "talks.breakdown_probability": grid(0.1, 0.0, 1.0),
    }


def bargaining_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """The bargaining scenario over wide ranges: invalid costs and probabilities, deadlines of
    one round and more, a patient side (discount 1)."""
    return {
        "moves.entity_listing.cost": rng.uniform(-0.005, 0.06, n),
        "moves.entity_listing.harm": rng.uniform(0.0, 0.08, n),
        "moves.anti_dumping_probe.effects.breakdown_shift": rng.uniform(-0.1, 0.2, n),
        "sides.us.outcomes.deadlock": rng.uniform(0.3, 0.9, n),
        "sides.china.outcomes.deadlock": rng.uniform(0.3, 0.9, n),
        "talks.breakdown_probability": rng.uniform(-0.05, 0.5, n),
        "talks.bargaining.deadline": rng.choice(np.array([1.0, 3.0, 6.0]), n),
        "talks.bargaining.discount.us": rng.choice(np.array([0.96, 0.98, 1.0]), n),
        "talks.bargaining.breakdown_per_round": rng.uniform(0.0, 0.2, n),
    }


# --------------------------------------------------------------------------- rows equal single runs


@pytest.mark.parametrize("rule", RULES)
def test_madrid_points_equal_single_runs(rule):
    rows = assert_rows_equal_single_runs(scenario_config("legacy_madrid", rule), wide_madrid_points(
        np.random.default_rng(1), 24), source="madrid_2025.toml")
    assert {"ok", "invalid"} <= set(rows["status"])


@pytest.mark.parametrize("rule", RULES)
def test_derived_madrid_points_equal_single_runs(rule):
    rows = assert_rows_equal_single_runs(scenario_config("madrid_2025", rule), derived_madrid_points(
        np.random.default_rng(6), 24), source="madrid_2025.toml")
    assert {"ok", "invalid"} <= set(rows["status"])
    valid = rows[rows["status"] != "invalid"]
    assert valid["talks_outcome"].nunique() >= 3  # the ranges cross several verdicts
    assert (valid["p_escalation"] > 0).any()  # a truce can end in escalation


@pytest.mark.parametrize("rule", RULES)
def test_madrid_points_with_ties_equal_single_runs(rule):
    rows = assert_rows_equal_single_runs(scenario_config("legacy_madrid", rule), degenerate_madrid_points(
        np.random.default_rng(2), 16), source="madrid_2025.toml")
    assert (rows["status"] == "degenerate").sum() >= 2


@pytest.mark.parametrize("rule", RULES)
def test_bargaining_points_equal_single_runs(rule):
    rows = assert_rows_equal_single_runs(scenario_config("madrid_2025_bargaining", rule), bargaining_points(
        np.random.default_rng(3), 24), source="madrid_2025_bargaining.toml")
    assert {"ok", "invalid"} <= set(rows["status"])
    assert rows.loc[rows["status"] != "invalid", "equilibrium_path"].nunique() >= 2


@pytest.mark.parametrize("rule", RULES)
def test_toy_points_equal_single_runs(rule):
    rng = np.random.default_rng(4)
    n = 40
    overrides = {
        "sides.a.outcomes.deadlock": rng.choice([0.4, 0.5, 0.0, 1.0], n) + rng.choice([0.0, 0.1], n) * rng.uniform(0, 1, n),
        "sides.b.outcomes.deadlock": rng.uniform(-0.2, 0.6, n),
        "sides.a.outcomes.escalation": rng.uniform(-0.5, 0.5, n),
        "moves.threat.cost": rng.choice([0.05, 0.0, -0.01], n),
        "moves.threat.effects.deadlock_shift.b": rng.uniform(-0.8, 0.2, n),
        "moves.threat.effects.breakdown_shift": rng.uniform(-0.3, 1.2, n),
        "sides.a.utilities.split[1]": rng.choice([0.5, 0.4, 0.3], n),
        "talks.breakdown_probability": rng.uniform(0.0, 0.6, n),
    }
    rows = assert_rows_equal_single_runs(toy(rule), overrides)
    assert {"ok", "invalid"} <= set(rows["status"])


def test_a_tie_at_a_leverage_decision_is_degenerate():
    """A probe with no cost, harm or effect: China is exactly indifferent at its decision;
    the headline takes refrain (the first optimal action) and the point is degenerate."""
    n = 6
    overrides = {
        "moves.anti_dumping_probe.cost": np.zeros(n),
        "moves.anti_dumping_probe.harm": np.zeros(n),
        "moves.anti_dumping_probe.effects.deadlock_shift.us": np.zeros(n),
        "moves.anti_dumping_probe.effects.breakdown_shift": np.zeros(n),
        "sides.us.utilities.tariffs[1]": np.linspace(0.55, 0.7, n),
    }
    rows = assert_rows_equal_single_runs(scenario_config("madrid_2025", "payoff_dominant"), overrides)
    assert (rows["status"] == "degenerate").all()
    assert not rows["equilibrium_path"].str.contains("anti_dumping_probe").any()


def test_solver_settings_and_non_finite_values_equal_single_runs():
    config = toy("payoff_dominant")
    config["solver"]["tolerance"] = 1e-9
    overrides = {"solver.tolerance": np.array([1e-9, 1e-6, 0.1, 1e-9]),
                 "moves.threat.cost": np.array([0.05, 0.3, 0.0, np.nan])}
    rows = assert_rows_equal_single_runs(config, overrides)
    assert list(rows["status"]) == ["ok", "ok", "invalid", "invalid"]
    assert "moves.threat.cost = nan: expected a finite number" in rows["error"][3]


def test_a_deadline_that_is_not_a_whole_number_is_invalid_as_in_a_single_run():
    # A single run stops at the type error (``--set talks.bargaining.deadline=2.5``); a sweep
    # checks every number of the point, so it may list more problems after that one.
    config = scenario_config("madrid_2025_bargaining")
    overrides = {"talks.bargaining.deadline": np.array([2.5, 2.5, 4.0]),
                 "moves.entity_listing.cost": np.array([0.01, -0.01, 0.01])}
    rows = solve_points(config, overrides, source="madrid_2025_bargaining.toml")
    assert list(rows["status"][:2]) == ["invalid", "invalid"]
    for i in range(3):
        expected = single_run(config, {k: float(v[i]) for k, v in overrides.items()}, "madrid_2025_bargaining.toml")
        assert rows["status"][i] == expected["status"]
        assert rows["error"][i].startswith(expected["error"])
    assert "moves.entity_listing.cost = -0.01" in rows["error"][1]


def test_an_invalid_base_is_fixed_by_the_swept_value():
    config = toy("payoff_dominant")
    config["moves"]["threat"]["cost"] = -1.0  # invalid until the sweep sets it
    rows = assert_rows_equal_single_runs(config, {"moves.threat.cost": np.array([-1.0, 0.05, 0.2])})
    assert list(rows["status"]) == ["invalid", "ok", "ok"]


def test_a_swept_weight_rescales_the_others_as_a_single_run_does():
    # the others (0.35, 0.30) share 1 - 0.65 = 0.35 in their ratio 35:30
    config = scenario_config("madrid_2025")
    scenario = scenario_from_dict(config, overrides={"sides.us.weights.tariffs": 0.65})
    weights = scenario.sides[0].weights
    np.testing.assert_allclose([weights["tariffs"], weights["export_controls"], weights["rare_earths"]],
                               [0.65, 0.35 * 35 / 65, 0.35 * 30 / 65], atol=1e-15)
    assert_rows_equal_single_runs(config, {"sides.us.weights.tariffs": np.array([0.65, 0.2, 1.2])})


# --------------------------------------------------------------------------- golden point sets


def golden_cases() -> list:
    # Rules comparing the sides' payoffs compare them on each side's own scale since issue 10
    # (tests/test_golden.py, UNIT_FREE): their frozen rows no longer apply.
    return [pytest.param("madrid_2025", "risk_dominant", id="risk_dominant"),
            pytest.param("madrid_2025_bargaining", None, id="bargaining")]


@pytest.mark.parametrize(("scenario", "rule"), golden_cases())
def test_points_equal_the_frozen_golden_rows(scenario, rule):
    """The rows users saw before the refactor (tests/golden/README.md): every column but
    exact_fallback (how a row was obtained, not the answer); floats within 1e-9 (the frozen
    rows carry 10 decimals)."""
    name = f"points_{scenario}_{rule}.json" if rule else f"points_{scenario}.json"
    golden = json.loads((GOLDEN / name).read_text())
    overrides = {k: np.asarray(v, dtype=float) for k, v in golden["overrides"].items()}
    config = read_config(GOLDEN / "scenarios" / f"{scenario}.toml")  # as it was at 6e44c2f
    if rule is not None:
        config.setdefault("solver", {})["selection_rule"] = rule
    rows = solve_points(config, overrides, source=f"{scenario}.toml")
    assert len(rows) == len(golden["rows"])
    for i, expected in enumerate(golden["rows"]):
        for column, value in expected.items():
            if column == "exact_fallback":
                continue
            found = rows[column].iloc[i]
            if value is None or isinstance(value, float):
                value = math.nan if value is None else value
                same = (math.isnan(value) and math.isnan(found)) or abs(found - value) <= ATOL
            else:
                same = found == value
            assert same, f"row {i}: {column} = {found!r}, golden {value!r}"


# --------------------------------------------------------------------------- the table


def test_sweep_columns_expand_the_sides():
    assert "payoff_<side>" in SWEEP_COLUMNS
    assert sweep_columns(["a", "b"]) == (
        "equilibrium_path", "talks_outcome", "p_truce", "p_deadlock", "p_escalation", "payoff_a", "payoff_b",
        "status", "exact_fallback", "error",
    )


def test_columns_types_and_order():
    rng = np.random.default_rng(0)
    overrides = {"sides.a.outcomes.deadlock": rng.uniform(0.0, 0.6, 5),
                 "moves.threat.cost": np.array([0.0, 0.1, -1.0, 0.05, 0.2])}
    frame = solve_points(toy("payoff_dominant"), overrides)
    assert list(frame.columns) == ["sides.a.outcomes.deadlock", "moves.threat.cost", *sweep_columns(["a", "b"])]
    assert frame["exact_fallback"].dtype == bool
    assert frame["p_truce"].dtype.kind == "f"
    assert frame.loc[2, "status"] == "invalid"
    assert frame.loc[2, "error"] == "<config>: moves.threat.cost = -1.0: expected a number greater than or equal to 0"
    assert frame.loc[2, "equilibrium_path"] == "" and np.isnan(frame.loc[2, "payoff_a"])
    np.testing.assert_array_equal(frame["moves.threat.cost"], overrides["moves.threat.cost"])


@pytest.mark.parametrize(
    ("key_path", "expected"),
    [
        pytest.param("sides.us.utilities.tarifs[1]", "sides.us.utilities.tarifs[1]: missing; expected a numeric key "
                     "path of the scenario; did you mean 'sides.us.utilities.tariffs[1]'?", id="misspelled"),
        pytest.param("scenario.name", "scenario.name: missing; expected a numeric key path (scenario.name holds a "
                     "string, which a sweep cannot vary)", id="not-numeric"),
        pytest.param("sides.us.utilities.tariffs[9]", "sides.us.utilities.tariffs[9]: missing; expected a numeric key "
                     "path of the scenario", id="index-out-of-range"),
        pytest.param("sides.us.weights", "sides.us.weights: missing; expected a numeric key path (sides.us.weights is "
                     "a table); numbers under it", id="a-table"),
        pytest.param("sweep.samples", "sweep.samples: missing; expected a numeric key path of the scenario",
                     id="not-in-the-scenario"),
    ],
)
def test_bad_key_path_raises_naming_it(key_path, expected):
    with pytest.raises(ConfigError) as info:
        solve_points(scenario_config("madrid_2025"), {key_path: np.zeros(3)}, source="madrid_2025.toml")
    assert str(info.value).startswith(f"madrid_2025.toml: {expected}")


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        solve_points(scenario_config("madrid_2025"), {"moves.entity_listing.cost": np.zeros(3),
                                                      "talks.breakdown_probability": np.zeros(4)})


def test_non_numeric_values_are_refused():
    with pytest.raises(ConfigError, match="a 1-D array of numbers"):
        solve_points(scenario_config("madrid_2025"), {"moves.entity_listing.cost": np.array(["a", "b"])})


def test_sweepable_key_paths_cover_list_items():
    paths = sweepable_key_paths(scenario_config("madrid_2025"))
    assert "sides.us.utilities.tariffs[3]" in paths
    assert "moves.entity_listing.effects.deadlock_shift.china" in paths
    assert "scenario.name" not in paths
