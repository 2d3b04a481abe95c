"""Utilities, payoff construction of talks stages, and the tree a scenario defines."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from negotiation.io.config import load_scenario, scenario_from_dict
from negotiation.model.agents import Side
from negotiation.model.compile import (
    histories,
    move_infosets,
    scenario_tree,
    stage_payoffs,
    talks_payoffs,
)
from negotiation.model.issues import Issue, OutcomeSpace
from negotiation.model.moves import EFFECTS, LeverageMove, TalksTerms, apply_moves
from negotiation.model.tree import PERSONAL, TERMINAL


def test_weighted_additive_utility_by_hand():
    space = OutcomeSpace((Issue("t", ("peak", "sq", "ext")), Issue("r", ("no", "yes"))))
    side = Side("us", "US", {"t": 0.6, "r": 0.4}, {"t": (0.0, 0.5, 0.9), "r": (0.2, 1.0)}, 0.3, 0.1)
    # 0.6 * 0.9 + 0.4 * 0.2 = 0.62
    assert side.utility(space.package("p", {"t": "ext", "r": "no"}), space) == pytest.approx(0.62)
    assert len(space.all_packages()) == 6


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"weights": {"t": 0.5, "r": 0.6}}, id="sum"),
        pytest.param({"weights": {"t": -0.5, "r": 1.5}}, id="negative"),
        pytest.param({"weights": {"t": 1.0}}, id="coverage"),
    ],
)
def test_side_rejects_bad_weights(bad):
    kwargs = {"name": "x", "label": "X", "weights": {"t": 0.5, "r": 0.5}, "level_values": {"t": (0.0,), "r": (0.0,)},
              "deadlock": 0.0, "escalation": 0.0}
    kwargs.update(bad)
    with pytest.raises(ValueError):
        Side(**kwargs)


def test_moves_add_up_and_clip_breakdown():
    terms = TalksTerms(deadlock=(0.5, 0.4), escalation=(0.2, 0.1), breakdown_probability=0.9)
    m1 = LeverageMove("m1", "M1", "us", "cn", cost=0.1, harm=0.2,
                      effects=(("deadlock_shift", {"cn": -0.1}), ("breakdown_shift", 0.2)))
    m2 = LeverageMove("m2", "M2", "cn", "us", cost=0.05, harm=0.01,
                      effects=(("escalation_shift", {"us": -0.05, "cn": 0.02}), ("truce_shift", {"us": 0.03})))
    after = apply_moves(terms, [m1, m2], ("us", "cn"))
    assert_allclose(after.sunk, (-0.1 - 0.01, -0.2 - 0.05))
    assert_allclose(after.deadlock, (0.5, 0.3))
    assert_allclose(after.escalation, (0.15, 0.12))
    assert_allclose(after.truce_shift, (0.03, 0.0))
    assert after.breakdown_probability == 1.0  # 0.9 + 0.2 clipped


def test_unknown_effect_is_refused():
    with pytest.raises(ValueError, match="known effects are"):
        LeverageMove("m", "M", "us", "cn", effects=(("moon_shot", 1.0),))
    assert set(EFFECTS) == {"deadlock_shift", "escalation_shift", "truce_shift", "breakdown_shift"}


def test_stage_payoffs_follow_the_formula(toy_config):
    scenario = scenario_from_dict(toy_config)
    A, B, R = stage_payoffs(scenario, [])
    # No moves, q = 0: the table of the conftest docstring.
    assert_allclose(A[0], [[0.5, 0.0], [1.0, 0.4]])
    assert_allclose(B[0], [[0.5, 1.0], [0.0, 0.3]])
    A, B, R = stage_payoffs(scenario, ["threat"])
    # Threat: q = 0.2, b's deadlock 0.3 - 0.4 = -0.1, a pays 0.05 everywhere.
    # Truce on package p: (1 - q) u(p) + q D.  a: even 0.8*0.5 + 0.2*0.4 = 0.48.
    q = 0.2
    expected_A = np.array([[(1 - q) * 0.5 + q * 0.4, (1 - q) * 0.0 + q * 0.4], [(1 - q) * 1.0 + q * 0.4, 0.4]]) - 0.05
    expected_B = np.array([[(1 - q) * 0.5 - q * 0.1, (1 - q) * 1.0 - q * 0.1], [(1 - q) * 0.0 - q * 0.1, -0.1]])
    assert_allclose(A[0], expected_A)
    assert_allclose(B[0], expected_B)
    assert_allclose(R[0, 0, 0], [0.8, 0.2, 0.0])
    assert_allclose(R[0, 1, 1], [0.0, 1.0, 0.0])


def test_a_batch_of_points_builds_the_stages_of_each_point(toy_config):
    # The same formula on arrays: point i of a batch has the stages of the scenario with
    # point i's values (a single scenario is a batch of one).
    from negotiation.io.config import scenario_points

    costs = np.array([0.0, 0.05, 0.3])
    batch = scenario_points(toy_config, {"moves.threat.cost": costs}).scenario
    assert batch.batch_size == 3
    payoffs, lotteries = talks_payoffs(batch, histories(batch))
    for i, cost in enumerate(costs):
        toy_config["moves"]["threat"]["cost"] = float(cost)
        one = scenario_from_dict(toy_config)
        single, single_lotteries = talks_payoffs(one, histories(one))
        assert_allclose(payoffs[i], single[0], rtol=0, atol=0)
        assert_allclose(lotteries[i], single_lotteries[0], rtol=0, atol=0)


def test_madrid_tree_has_four_talks_stages():
    scenario = load_scenario()
    tree = scenario_tree(scenario)
    size = tree.size_by_kind()
    # 3 leverage decisions, 4 talks stages of 1 + 3 nodes, 4 x 9 terminals
    assert (size.decisions, size.terminals) == (3 + 4 * 4, 36)
    assert tree.labels[0] == "entity_listing" and tree.actions(0) == ("refrain", "play")
    play = int(tree.children(0)[1])
    leaf = int(tree.children(play)[0])
    assert tree.kind[leaf] == PERSONAL and tree.labels[leaf] == "entity_listing=play, anti_dumping_probe=refrain"
    columns = tree.children(leaf)
    assert len({int(tree.infoset[c]) for c in columns}) == 1  # simultaneous: one information set
    assert all(tree.kind[t] == TERMINAL for c in columns for t in tree.children(int(c)))
    # the decisions of a move, for forcing it
    assert len(move_infosets(tree, "anti_dumping_probe")) == 2


def test_naming_an_unknown_move_is_refused():
    with pytest.raises(KeyError, match="embargo"):
        stage_payoffs(load_scenario(), ["embargo"])
