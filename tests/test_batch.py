"""Batched solving: solve_points must equal the one-point path row by row.

Every comparison is against :func:`negotiation.batch.solve_points_reference`, the loop over
:func:`negotiation.batch.solve_point` (scenario_from_dict, then analysis.solve_tree), on
seeded random points: wide ranges (including invalid values), grids of values that make
payoffs coincide (degenerate stages, ties at leverage decisions), and the toy scenario.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from negotiation.batch import (
    SWEEP_COLUMNS,
    normalise_weights,
    point_config,
    solve_point,
    solve_points,
    solve_points_reference,
    sweep_columns,
    sweepable_key_paths,
    validate_points,
)
from negotiation.config import ConfigError, read_config, scenario_from_dict
from negotiation.solvers import batched_stage
from negotiation.solvers.normal_form import nash_equilibria
from negotiation.solvers.selection import select_equilibrium
from tests.conftest import TOY

RULES = ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"]


def madrid(rule: str | None = None) -> dict:
    from negotiation.config import default_config_path

    config = read_config(default_config_path())
    if rule is not None:
        config["solver"]["selection_rule"] = rule
    return config


def toy(rule: str) -> dict:
    config = copy.deepcopy(TOY)
    config["solver"]["selection_rule"] = rule
    return config


def assert_same_rows(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Equal row by row: strings exactly, floats within 1e-9 (NaN equals NaN)."""
    assert list(fast.columns) == list(reference.columns)
    assert len(fast) == len(reference)
    for column in fast.columns:
        if column == "exact_fallback":
            continue
        a, b = fast[column].to_numpy(), reference[column].to_numpy()
        if fast[column].dtype.kind == "f":
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            with np.errstate(invalid="ignore"):
                close = np.abs(a - b) <= 1e-9
            bad = np.flatnonzero(~(same | close))
        else:
            bad = np.flatnonzero(a != b)
        assert len(bad) == 0, f"{column}: rows {bad[:5].tolist()}: {a[bad[:5]]!r} != {b[bad[:5]]!r}"


def wide_madrid_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Many key paths at once over wide ranges: some points invalid, some degenerate."""
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


def grid_madrid_points(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Values from small grids, so that payoffs coincide exactly: escalation equal to
    deadlock (a side indifferent between holding and escalating: degenerate stages), and
    a probe with no cost, harm or effect (China indifferent at its leverage decision)."""

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


# --------------------------------------------------------------------------- the contract


def test_solve_point_is_the_headline_of_the_madrid_scenario():
    from negotiation.config import load_scenario

    row = solve_point(load_scenario())
    assert list(row) == list(sweep_columns(["us", "china"]))
    # the packaged answer: the US lists the entities, China does not open the probe; the
    # talks end in a truce that breaks down with probability 0.1 + 0.05
    assert row["equilibrium_path"] == "entity_listing"
    assert row["status"] == "ok" and row["error"] == "" and row["exact_fallback"] is False
    np.testing.assert_allclose([row["p_truce"], row["p_deadlock"], row["p_escalation"]], [0.85, 0.15, 0.0], atol=1e-12)


def test_sweep_columns_expand_the_sides():
    assert "payoff_<side>" in SWEEP_COLUMNS
    assert sweep_columns(["a", "b"]) == (
        "equilibrium_path", "p_truce", "p_deadlock", "p_escalation", "payoff_a", "payoff_b",
        "status", "exact_fallback", "error",
    )


def test_columns_types_and_order():
    rng = np.random.default_rng(0)
    overrides = {"sides.a.outcomes.deadlock": rng.uniform(0.0, 0.6, 5), "moves.threat.cost": np.array([0.0, 0.1, -1.0, 0.05, 0.2])}
    frame = solve_points(toy("payoff_dominant"), overrides)
    assert list(frame.columns) == ["sides.a.outcomes.deadlock", "moves.threat.cost", *sweep_columns(["a", "b"])]
    assert frame["exact_fallback"].dtype == bool
    assert frame["p_truce"].dtype.kind == "f"
    assert frame.loc[2, "status"] == "invalid"
    assert frame.loc[2, "error"] == "<config>: moves.threat.cost = -1.0: expected a number greater than or equal to 0"
    assert frame.loc[2, "equilibrium_path"] == "" and np.isnan(frame.loc[2, "payoff_a"])
    np.testing.assert_array_equal(frame["moves.threat.cost"], overrides["moves.threat.cost"])


@pytest.mark.parametrize(
    "key_path, expected",
    [
        pytest.param("sides.us.outcomes.dedlock", "sides.us.outcomes.dedlock: missing; expected an existing key path; did you mean 'sides.us.outcomes.deadlock'?", id="misspelled"),
        pytest.param("scenario.name", "scenario.name = 'madrid_2025': expected the key path of a number", id="not-numeric"),
        pytest.param("sides.us.utilities.tariffs[9]", "sides.us.utilities.tariffs[9]: missing; expected an existing key path", id="index-out-of-range"),
        pytest.param("sides.us.weights", "sides.us.weights = a table: expected the key path of a number", id="a-table"),
    ],
)
def test_bad_key_path_raises_naming_it(key_path, expected):
    with pytest.raises(ConfigError) as info:
        solve_points(madrid(), {key_path: np.zeros(3)}, source="madrid_2025.toml")
    assert str(info.value).startswith(f"madrid_2025.toml: {expected}")


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        solve_points(madrid(), {"moves.entity_listing.cost": np.zeros(3), "talks.breakdown_probability": np.zeros(4)})


def test_non_numeric_values_are_refused():
    with pytest.raises(ConfigError, match="a 1-D array of numbers"):
        solve_points(madrid(), {"moves.entity_listing.cost": np.array(["a", "b"])})


def test_sweepable_key_paths_cover_list_items():
    paths = sweepable_key_paths(madrid())
    assert "sides.us.utilities.tariffs[3]" in paths
    assert "moves.entity_listing.effects.deadlock_shift.china" in paths
    assert "scenario.name" not in paths


# --------------------------------------------------------------------------- weights


def test_swept_weight_rescales_the_others_proportionally():
    config = madrid()
    point = point_config(config, {"sides.us.weights.tariffs": 0.65})
    weights = point["sides"]["us"]["weights"]
    # the others (0.35, 0.30) share 1 - 0.65 = 0.35 in their ratio 35:30
    np.testing.assert_allclose([weights["export_controls"], weights["rare_earths"]], [0.35 * 35 / 65, 0.35 * 30 / 65], atol=1e-15)
    assert weights["tariffs"] == 0.65
    assert config["sides"]["us"]["weights"]["tariffs"] == 0.35  # not modified
    scenario_from_dict(point)  # valid


@dataclass(frozen=True)
class WeightCase:
    name: str
    point: dict
    expected: dict | None  # the weights after normalisation, None if unchanged


WEIGHT_CASES = [
    # two of three swept: the third takes what is left
    WeightCase("two-swept", {"sides.us.weights.tariffs": 0.5, "sides.us.weights.export_controls": 0.2}, {"tariffs": 0.5, "export_controls": 0.2, "rare_earths": 0.3}),
    # all swept: validated as given
    WeightCase("all-swept", {"sides.us.weights.tariffs": 0.5, "sides.us.weights.export_controls": 0.2, "sides.us.weights.rare_earths": 0.2}, None),
    # swept weights above 1: no negative weights, left as given (and invalid)
    WeightCase("above-one", {"sides.us.weights.tariffs": 1.2}, None),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in WEIGHT_CASES])
def test_normalise_weights_cases(case):
    config = madrid()
    raw = point_config(config, case.point)["sides"]["us"]["weights"]
    if case.expected is None:
        for key, value in case.point.items():
            assert raw[key.split(".")[-1]] == value
    else:
        for issue, value in case.expected.items():
            assert raw[issue] == pytest.approx(value, abs=1e-15)


def test_normalise_weights_leaves_zero_rest_alone():
    config = {"sides": {"a": {"weights": {"x": 1.0, "y": 0.0}}}}
    config["sides"]["a"]["weights"]["x"] = 0.7
    assert normalise_weights(config, ["sides.a.weights.x"])["sides"]["a"]["weights"] == {"x": 0.7, "y": 0.0}


# --------------------------------------------------------------------------- validation


def test_vectorised_validation_agrees_with_scenario_from_dict():
    """Random points, valid and invalid (each range crossed, weights not summing to one):
    same verdict and same error text as validating each point on its own."""
    rng = np.random.default_rng(11)
    n = 400
    overrides = {
        "moves.entity_listing.cost": rng.uniform(-0.05, 0.1, n),
        "moves.anti_dumping_probe.harm": rng.uniform(-0.05, 0.1, n),
        "talks.breakdown_probability": rng.uniform(-0.3, 1.3, n),
        "moves.entity_listing.effects.breakdown_shift": rng.uniform(-1.3, 1.3, n),
        "sides.us.weights.tariffs": rng.uniform(-0.2, 1.2, n),
        "sides.china.weights.tariffs": rng.uniform(0.0, 0.7, n),
        "sides.china.weights.rare_earths": rng.uniform(0.0, 0.7, n),
        "sides.us.outcomes.escalation": rng.uniform(-1.0, 1.0, n),
    }
    config = madrid()
    valid, errors = validate_points(config, overrides, source="madrid_2025.toml")
    expected_valid, expected_errors = [], []
    for i in range(n):
        point = {k: float(v[i]) for k, v in overrides.items()}
        try:
            scenario_from_dict(point_config(config, point, "madrid_2025.toml"), source="madrid_2025.toml")
            expected_valid.append(True)
            expected_errors.append("")
        except ConfigError as error:
            expected_valid.append(False)
            expected_errors.append(str(error))
    assert 0.1 < np.mean(expected_valid) < 0.9  # both kinds are exercised
    np.testing.assert_array_equal(valid, expected_valid)
    assert errors == expected_errors


def test_non_finite_values_are_left_to_the_one_point_path():
    overrides = {"moves.entity_listing.cost": np.array([np.nan, 0.01]), "sides.us.outcomes.deadlock": np.array([0.6, np.inf])}
    assert_same_rows(solve_points(madrid("payoff_dominant"), overrides), solve_points_reference(madrid("payoff_dominant"), overrides))


# --------------------------------------------------------------------------- solve_points == solve_point


@pytest.mark.parametrize("rule", RULES)
def test_madrid_wide_points_equal_the_reference(rule):
    rng = np.random.default_rng(1)
    n = 14 if rule == "logit_qre" else 40
    overrides = wide_madrid_points(rng, n)
    fast = solve_points(madrid(rule), overrides)
    assert_same_rows(fast, solve_points_reference(madrid(rule), overrides))
    statuses = set(fast["status"])
    assert {"ok", "invalid"} <= statuses


@pytest.mark.parametrize("rule", ["payoff_dominant", "logit_qre"])
def test_madrid_grid_points_with_ties_equal_the_reference(rule):
    rng = np.random.default_rng(2)
    # the one-point path traces the QRE of a degenerate stage to lam*s = 1e8: slow
    overrides = grid_madrid_points(rng, 24 if rule == "payoff_dominant" else 6)
    fast = solve_points(madrid(rule), overrides)
    assert_same_rows(fast, solve_points_reference(madrid(rule), overrides))
    degenerate = fast["status"] == "degenerate"
    assert degenerate.sum() >= 2
    # degenerate stages are solved by the one-point path and flagged
    assert fast.loc[degenerate, "exact_fallback"].any()


def test_a_tie_at_a_leverage_decision_is_degenerate_without_falling_back():
    """A probe with no cost, harm or effect: China is exactly indifferent at its decision;
    the stages themselves are regular, so the batched path answers (status degenerate,
    the headline takes refrain)."""
    n = 6
    overrides = {
        "moves.anti_dumping_probe.cost": np.zeros(n),
        "moves.anti_dumping_probe.harm": np.zeros(n),
        "moves.anti_dumping_probe.effects.deadlock_shift.us": np.zeros(n),
        "moves.anti_dumping_probe.effects.breakdown_shift": np.zeros(n),
        "sides.us.outcomes.deadlock": np.linspace(0.55, 0.7, n),
    }
    fast = solve_points(madrid("payoff_dominant"), overrides)
    assert_same_rows(fast, solve_points_reference(madrid("payoff_dominant"), overrides))
    assert (fast["status"] == "degenerate").all()
    assert not fast["exact_fallback"].any()
    assert not fast["equilibrium_path"].str.contains("anti_dumping_probe").any()


@pytest.mark.parametrize("rule", RULES)
def test_toy_points_equal_the_reference(rule):
    rng = np.random.default_rng(3)
    n = 120
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
    fast = solve_points(toy(rule), overrides)
    assert_same_rows(fast, solve_points_reference(toy(rule), overrides))
    assert {"ok", "invalid"} <= set(fast["status"])


def test_inert_key_paths_do_not_change_the_answer():
    config = toy("payoff_dominant")
    config["sweep"] = {"samples": 10}
    overrides = {"sweep.samples": np.array([1.0, 2.0]), "moves.threat.cost": np.array([0.05, 0.3])}
    assert_same_rows(solve_points(config, overrides), solve_points_reference(config, overrides))


def test_solver_key_paths_go_through_the_one_point_path():
    config = toy("payoff_dominant")
    config["solver"]["tolerance"] = 1e-9
    overrides = {"solver.tolerance": np.array([1e-9, 1e-6, 0.1]), "moves.threat.cost": np.array([0.05, 0.3, 0.0])}
    fast = solve_points(config, overrides)
    assert_same_rows(fast, solve_points_reference(config, overrides))
    assert list(fast["status"]) == ["ok", "ok", "invalid"]


# --------------------------------------------------------------------------- the array solvers


def test_support_equilibria_equal_the_exact_solver_on_random_games():
    rng = np.random.default_rng(5)
    for m, n in ((2, 2), (3, 3), (2, 4), (4, 3)):
        A, B = rng.random((60, m, n)), rng.random((60, m, n))
        eq = batched_stage.support_equilibria(A, B)
        assert eq.certain.all()
        for g in range(60):
            exact = nash_equilibria(A[g], B[g]).equilibria
            assert eq.count[g] == len(exact)
            for k, e in enumerate(exact):
                np.testing.assert_allclose(eq.row[g, k], e.row, atol=1e-9)
                np.testing.assert_allclose(eq.column[g, k], e.column, atol=1e-9)


def test_degenerate_games_are_not_certain():
    # column 1 weakly dominated (a segment of equilibria); a tie in one row; all equal
    games = [
        ([[1, 1], [0, 0]], [[1, 1], [0, 1]]),
        # against column 0 rows 0 and 1 tie for best
        ([[2, 0, 1], [2, 1, 0], [0, 2, 2]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
        ([[1, 1], [1, 1]], [[1, 1], [1, 1]]),
    ]
    for A, B in games:
        A, B = np.array([A], dtype=float), np.array([B], dtype=float)
        assert nash_equilibria(A[0], B[0]).status == "degenerate"
        assert not batched_stage.support_equilibria(A, B).certain[0]


@pytest.mark.parametrize("rule", ["payoff_dominant", "utilitarian", "risk_dominant"])
def test_batched_selection_rules_equal_selection_py(rule):
    rng = np.random.default_rng(7)
    A, B = rng.random((1500, 3, 3)), rng.random((1500, 3, 3))
    # a coordination game and its mirror: payoff ties between equilibria
    A[:40] = B[:40] = np.array([[2.0, 0, 0], [0, 2, 0], [0, 0, 1]])
    eq = batched_stage.support_equilibria(A, B)
    games = np.flatnonzero(eq.certain & (eq.count > 1))[:160]
    sub = batched_stage.StageEquilibria(eq.row[games], eq.column[games], eq.valid[games], eq.count[games], eq.certain[games])
    if rule == "payoff_dominant":
        index, certain = batched_stage.select_payoff_dominant(A[games], B[games], sub)
        qre = np.zeros(len(games), dtype=bool)
    elif rule == "utilitarian":
        index, certain = batched_stage.select_utilitarian(A[games], B[games], sub)
        qre = np.zeros(len(games), dtype=bool)
    else:
        index, certain, qre = batched_stage.select_risk_dominant(A[games], B[games], sub)
    checked = 0
    for j, g in enumerate(games):
        if not certain[j] or qre[j]:
            continue
        profiles = [(e.row, e.column) for e in nash_equilibria(A[g], B[g]).equilibria]
        assert select_equilibrium(A[g], B[g], profiles, rule).index == index[j]
        checked += 1
    assert checked > 100


def test_batched_qre_limits_equal_the_one_game_tracer():
    rng = np.random.default_rng(9)
    A, B = rng.random((160, 3, 3)), rng.random((160, 3, 3))
    A[:3] = B[:3] = np.array([[4.0, 0, 0], [3, 3, 0], [0, 0, 1]])  # a symmetric game
    eq = batched_stage.support_equilibria(A, B)
    games = np.flatnonzero(eq.count > 1)[:24]
    sub = batched_stage.StageEquilibria(eq.row[games], eq.column[games], eq.valid[games], eq.count[games], eq.certain[games])
    index, certain = batched_stage.logit_qre_limits(A[games], B[games], sub)
    assert certain.mean() > 0.9
    for j, g in enumerate(games):
        if certain[j]:
            profiles = [(e.row, e.column) for e in nash_equilibria(A[g], B[g]).equilibria]
            assert select_equilibrium(A[g], B[g], profiles, "logit_qre").index == index[j]


# A random 2x2 game (seeded draw) where another branch of the QRE correspondence passes
# close to the principal branch near lam*s = 3: a long step from lam*s = 2.8 to 5.6 lands
# on it (det [DH; t] changes sign there) and ends at the mixed equilibrium; the principal
# branch itself ends at (row 1, column 1), as Gambit's logit_solve finds.
JUMP_A = [[0.4059865896393139, 0.24524301762412026], [0.3019937190309996, 0.8665868740662241]]
JUMP_B = [[0.9001927145562926, 0.25106614280763306], [0.22187097074070927, 0.34184600303986434]]


def test_batched_tracer_stays_on_the_principal_branch_where_another_passes_close():
    rng = np.random.default_rng(13)
    games = [(np.array(JUMP_A), np.array(JUMP_B))]
    games += [(a, b) for a, b in zip(rng.random((30, 2, 2)), rng.random((30, 2, 2)), strict=True)]
    A, B = np.array([g[0] for g in games]), np.array([g[1] for g in games])
    eq = batched_stage.support_equilibria(A, B)
    several = np.flatnonzero(eq.count > 1)
    assert several[0] == 0 and len(several) >= 5
    sub = batched_stage.StageEquilibria(eq.row[several], eq.column[several], eq.valid[several], eq.count[several], eq.certain[several])
    index, certain = batched_stage.logit_qre_limits(A[several], B[several], sub)
    assert certain.all()
    for j, g in enumerate(several):
        profiles = [(e.row, e.column) for e in nash_equilibria(A[g], B[g]).equilibria]
        assert select_equilibrium(A[g], B[g], profiles, "logit_qre").index == index[j]
    assert eq.row[0, index[0]].tolist() == [0.0, 1.0] and eq.column[0, index[0]].tolist() == [0.0, 1.0]


def test_an_invalid_base_is_solved_point_by_point():
    config = toy("payoff_dominant")
    config["moves"]["threat"]["cost"] = -1.0  # invalid until the sweep sets it
    overrides = {"moves.threat.cost": np.array([-1.0, 0.05, 0.2])}
    fast = solve_points(config, overrides)
    assert_same_rows(fast, solve_points_reference(config, overrides))
    assert list(fast["status"]) == ["invalid", "ok", "ok"]
