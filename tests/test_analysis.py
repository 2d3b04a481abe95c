"""The analysis pipeline against a toy whose equilibria are derived by hand, and on Madrid."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from negotiation.analysis import analyze
from negotiation.io.config import load_scenario, scenario_from_dict
from negotiation.model.compile import stage_payoffs
from negotiation.solvers.records import max_regret


def test_toy_threat_buys_leverage(toy_config):
    analysis = analyze(scenario_from_dict(toy_config))
    # Without the threat both hold: deadlock, payoffs (0.4, 0.3).
    cf = analysis.counterfactual.headline
    assert_allclose(cf.payoffs, (0.4, 0.3))
    assert_allclose(cf.resolution_probabilities, (0.0, 1.0, 0.0))
    # With it (q = 0.2, b's deadlock -0.1): a still holds (0.83 > 0.43 vs concede; 0.35 > -0.05
    # vs hold); b concedes to a holder (-0.02 > -0.1). Truce on a_favoured:
    # a: 0.8 * 1.0 + 0.2 * 0.4 - 0.05 = 0.83, b: 0.8 * 0 + 0.2 * (-0.1) = -0.02.
    # 0.83 > 0.4, so a threatens.
    assert analysis.moves_played() == ["threat"]
    assert_allclose(analysis.headline.payoffs, (0.83, -0.02))
    assert_allclose(analysis.headline.resolution_probabilities, (0.8, 0.2, 0.0))
    [lv] = analysis.leverage
    assert lv.value == pytest.approx(0.83 - 0.4)
    assert lv.talks_gain == pytest.approx(0.83 - 0.4 + 0.05)
    assert lv.truce_probability_change == pytest.approx(0.8)
    assert analysis.actual.status == "ok"
    assert analysis.actual.count == 1 and len(analysis.actual.classes) == 1


def test_too_costly_threat_is_not_made(toy_config):
    toy_config["moves"]["threat"]["cost"] = 0.5
    analysis = analyze(scenario_from_dict(toy_config))
    # 0.88 - 0.5 = 0.38 < 0.4: refrain; the leverage value is negative.
    assert analysis.moves_played() == []
    assert analysis.leverage[0].value == pytest.approx(0.38 - 0.4)


def test_move_cost_shifts_leverage_one_for_one():
    # The cost is paid in every outcome of the forced-play game, so no later choice changes:
    # the leverage value falls by exactly the increase in cost.
    base = analyze(load_scenario())
    dearer = analyze(load_scenario(overrides={"moves.entity_listing.cost": 0.03}))
    before = {lv.move: lv for lv in base.leverage}["entity_listing"]
    after = {lv.move: lv for lv in dearer.leverage}["entity_listing"]
    assert after.value == pytest.approx(before.value - 0.02, abs=1e-9)
    assert after.talks_gain == pytest.approx(before.talks_gain, abs=1e-9)


def test_every_madrid_equilibrium_passes_the_regret_check():
    # Oracles: max_regret on the stage payoffs built from the formula (stage_payoffs), and a
    # direct check that no mover gains by switching at any leverage decision.
    scenario = load_scenario()
    analysis = analyze(scenario, all_equilibria=True)
    tol = scenario.solver.tolerance
    names = [m.name for m in scenario.moves]
    for result, moves in ((analysis.actual, names), (analysis.counterfactual, [])):
        listed = result.equilibria()
        assert len(listed) == result.count  # the count is the number of equilibria listed
        assert sum(c.count for c in result.classes) == result.count
        for spe in (*listed, result.headline):
            assert sum(spe.resolution_probabilities) == pytest.approx(1.0)
            assert spe.max_regret <= tol
            stage_value = {}
            for play in spe.stages:
                played = [label for label, action in play.path if action == "play"]
                A, B, _ = stage_payoffs(scenario if moves else scenario.without_moves(), played)
                e = play.equilibrium
                assert max_regret(A[0], B[0], e.row, e.column) <= tol
                stage_value[play.path] = (e.row @ A[0] @ e.column, e.row @ B[0] @ e.column)
            if moves:
                _check_no_profitable_switch(spe, scenario, stage_value, tol)


def _check_no_profitable_switch(spe, scenario, stage_value, tol):
    plan = dict(spe.decisions)
    sides = scenario.side_names

    def value(depth, path):
        if depth == len(scenario.moves):
            return stage_value[path]
        move = scenario.moves[depth]
        player = sides.index(move.maker)
        values = {a: value(depth + 1, path + ((move.name, a),)) for a in ("refrain", "play")}
        best = max(v[player] for v in values.values())
        chosen = plan[path]
        assert values[chosen][player] >= best - tol
        return values[chosen]

    assert_allclose(value(0, ()), spe.payoffs, atol=1e-12)


def test_outcome_classes_summarise_the_madrid_equilibria():
    # The 27 subgame-perfect equilibria of Madrid fall into distinct on-path outcomes; every
    # listed equilibrium belongs to exactly one class with the same path and payoffs.
    analysis = analyze(load_scenario(), all_equilibria=True)
    result = analysis.actual
    keys = {}
    for spe in result.equilibria():
        key = (spe.path, tuple(round(v, 12) for v in spe.payoffs))
        keys[key] = keys.get(key, 0) + 1
    classes = {(c.path, tuple(round(v, 12) for v in c.payoffs)): c.count for c in result.classes}
    assert classes == keys


def test_each_outcome_reports_each_sides_gain_over_no_agreement():
    """The gain is the payoff minus deadlock after the same moves. For Madrid's headline (no
    moves) deadlock is the status-quo package, its utility computed here from the file's
    weights and levels (an independent sum, not the package's code)."""
    from negotiation.io.config import default_config_path, read_config, scenario_from_dict

    config = read_config(default_config_path("madrid_2025"))
    summary = analyze(scenario_from_dict(config)).to_dict()
    assert summary["equilibrium_path"] == []  # the headline plays no move
    status_quo = config["talks"]["threat_points"]["deadlock"]
    for side, entry in config["sides"].items():
        levels = {issue: config["issues"][issue]["levels"].index(level) for issue, level in status_quo.items()}
        deadlock = sum(w * entry["utilities"][issue][levels[issue]] for issue, w in entry["weights"].items())
        headline = summary["equilibrium_classes"][0]
        assert headline["gain_over_no_agreement"][side] == pytest.approx(headline["payoffs"][side] - deadlock, abs=1e-12)
