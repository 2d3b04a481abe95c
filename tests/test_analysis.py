"""The analysis pipeline against a toy whose equilibria are derived by hand, and on Madrid."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from negotiation.analysis import analyze
from negotiation.config import load_scenario, scenario_from_dict
from negotiation.equilibrium import max_regret
from negotiation.games import Decision, StageGame
from negotiation.scenario import game_tree


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
    assert len(analysis.actual.equilibria) == 1


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


def _stages(node, path=()):
    if isinstance(node, StageGame):
        yield path, node
    elif isinstance(node, Decision):
        for action, child in zip(node.actions, node.children, strict=True):
            yield from _stages(child, path + ((node.label, action),))


def test_every_madrid_equilibrium_passes_the_regret_check():
    scenario = load_scenario()
    analysis = analyze(scenario)
    stages = dict(_stages(game_tree(scenario)))
    tol = scenario.solver.tolerance
    assert analysis.actual.equilibria
    for result in (analysis.actual, analysis.counterfactual):
        for spe in (*result.equilibria, result.headline):
            assert sum(spe.resolution_probabilities) == pytest.approx(1.0)
            assert spe.max_regret <= tol
            for play in spe.stages:
                stage = stages.get(play.path) or game_tree(scenario.without_moves())
                e = play.equilibrium
                assert max_regret(stage.A, stage.B, e.row, e.column) <= tol
            # Subgame perfection at the leverage nodes: no mover gains by switching.
            _check_no_profitable_switch(spe, scenario, tol)


def _check_no_profitable_switch(spe, scenario, tol):
    stage_value = {play.path: play.equilibrium.payoffs for play in spe.stages}
    plan = dict(spe.decisions)

    def value(node, path):
        if isinstance(node, StageGame):
            return stage_value[path]
        chosen = plan[path]
        values = {a: value(c, path + ((node.label, a),)) for a, c in zip(node.actions, node.children, strict=True)}
        best = max(v[node.player] for v in values.values())
        assert values[chosen][node.player] >= best - tol
        return values[chosen]

    root = game_tree(scenario) if scenario.moves else None
    if root is not None and spe.decisions:
        assert_allclose(value(root, ()), spe.payoffs, atol=1e-12)
