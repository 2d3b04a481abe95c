"""The talks as bargaining: variable threats (Nash 1953), alternating offers in a scenario, config."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from negotiation.analysis import analyze
from negotiation.io.config import ConfigError, load_scenario, scenario_from_dict
from negotiation.viz.figures import bargaining_sensitivity_data, utility_plane_data

GRID = [round(i / 20, 10) for i in range(21)]

# A divisible pie: one issue "split" with 21 levels; side a gets i/20, side b gets 1 - i/20,
# so the packages lie on the frontier u_a + u_b = 1. Deadlock gives each 0.2.
SPLIT = {
    "scenario": {"name": "split", "title": "Splitting a surplus"},
    "issues": {"split": {"levels": [f"a{i:02d}" for i in range(21)]}},
    "sides": {
        "a": {"label": "A", "weights": {"split": 1.0}, "utilities": {"split": GRID},
              "outcomes": {"deadlock": 0.2, "escalation": 0.0}},
        "b": {"label": "B", "weights": {"split": 1.0}, "utilities": {"split": GRID[::-1]},
              "outcomes": {"deadlock": 0.2, "escalation": 0.0}},
    },
    "moves": {
        # a's threat lowers b's disagreement payoff by 0.2 (to 0) at a cost c to a.
        "threat": {"label": "A's threat", "by": "a", "cost": 0.05, "effects": {"deadlock_shift": {"b": -0.2}}},
    },
    "talks": {
        "protocol": "bargaining",
        "breakdown_probability": 0.0,
        "bargaining": {"solution": "nash", "packages": "all", "discount": {"a": 0.9, "b": 0.9},
                       "first_proposer": "a", "deadline": 1},
    },
}


@pytest.fixture
def split() -> dict:
    return copy.deepcopy(SPLIT)


def test_variable_threat_in_the_nash_solution(split):
    # Nash (1953): on the frontier u_a + u_b = 1 the symmetric Nash solution gives
    # u_a = (1 + d_a - d_b) / 2. Without the threat d = (0.2, 0.2): u_a = 0.5. With it
    # d = (0.2, 0.0): u_a = 0.6, so the threat gains a half of the damage it does to b's
    # disagreement payoff (0.1) and pays iff that exceeds its cost: 0.1 - 0.05 = 0.05 > 0.
    analysis = analyze(scenario_from_dict(split))
    assert analysis.moves_played() == ["threat"]
    assert_allclose(analysis.headline.payoffs, (0.6 - 0.05, 0.4))
    assert_allclose(analysis.counterfactual.headline.payoffs, (0.5, 0.5))
    [lv] = analysis.leverage
    assert lv.value == pytest.approx(0.05)
    assert lv.talks_gain == pytest.approx(0.1)
    outcome = analysis.headline.bargain_on_path().outcome
    assert outcome.package_name == "a12" and outcome.nash_package == 12


def test_a_threat_dearer_than_half_its_damage_is_not_made(split):
    split["moves"]["threat"]["cost"] = 0.15  # 0.1 - 0.15 < 0
    analysis = analyze(scenario_from_dict(split))
    assert analysis.moves_played() == []
    assert analysis.leverage[0].value == pytest.approx(-0.05)


def test_ultimatum_with_and_without_the_threat(split):
    # Alternating offers with a deadline of one round is an ultimatum: a offers b exactly
    # its disagreement payoff (accepting when indifferent): u_a = 1 - d_b: 0.8 without the
    # threat, 1.0 with it; leverage 0.2 - 0.05.
    split["talks"]["bargaining"]["solution"] = "alternating_offers"
    analysis = analyze(scenario_from_dict(split))
    assert analysis.moves_played() == ["threat"]
    assert_allclose(analysis.counterfactual.headline.payoffs, (0.8, 0.2))
    assert analysis.leverage[0].value == pytest.approx(0.15)
    assert_allclose(analysis.headline.resolution_probabilities, (1.0, 0.0, 0.0))


def test_breakdown_risk_of_a_truce_enters_the_agreement_value(split):
    # With q = 0.5 an agreement on u is worth 0.5 u + 0.5 d; the Nash package is unchanged
    # (gains scale by 1 - q) but payoffs shrink toward d: 0.5 * 0.5 + 0.5 * 0.2 = 0.35.
    split["talks"]["breakdown_probability"] = 0.5
    del split["moves"]
    analysis = analyze(scenario_from_dict(split))
    assert_allclose(analysis.headline.payoffs, (0.35, 0.35))
    assert_allclose(analysis.headline.resolution_probabilities, (0.5, 0.5, 0.0))


def test_deadline_parity_in_the_sensitivity_data(split):
    # T = 1: ultimatum by a: (0.8, 0.2) with the threat -> (1.0 - 0.05, 0.0).
    # T = 2: b proposes last: at round 1 b offers a its d_a = 0.2 and keeps 0.8 (threat
    # played: d_b = 0; b's value then 0.8). At round 0 b needs d_b + 0.9 (0.8 - d_b) = 0.72,
    # the smallest grid point >= 0.72 is 0.75, so a gets 0.25.
    # The threat still pays at T = 2? Without it b needs 0.2 + 0.9 * 0.6 = 0.74 -> 0.75 too:
    # the threat gains nothing and costs 0.05, so it is not made: payoffs (0.25, 0.75).
    split["talks"]["bargaining"]["solution"] = "alternating_offers"
    analysis = analyze(scenario_from_dict(split))
    data = bargaining_sensitivity_data(analysis, "deadline", np.array([1, 2]))
    assert data.packages == ("a20", "a05")
    assert_allclose(data.payoffs, [[0.95, 0.0], [0.25, 0.75]])
    # Shares of the gains over disagreement: T=1 (with threat, d + sunk = (0.15, 0)):
    # gains (0.8, 0) -> (1, 0); T=2 (no threat, d = (0.2, 0.2)): gains (0.05, 0.55).
    assert_allclose(data.shares, [[1.0, 0.0], [0.05 / 0.6, 0.55 / 0.6]])


def test_utility_plane_data(split):
    analysis = analyze(scenario_from_dict(split))
    data = utility_plane_data(analysis)
    assert data.packages.shape == (21, 2)
    assert len(data.frontier) == 21  # every split is efficient
    assert data.points["disagreement, no moves"] == (0.2, 0.2)
    assert data.points["disagreement, with moves"] == (0.2, 0.0)
    assert data.points["Nash, with moves"] == (0.6, 0.4)
    assert data.points["agreed, no moves"] == (0.5, 0.5)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(lambda c: c["talks"].pop("bargaining"),
                     "split.toml: talks.bargaining: missing; expected a [talks.bargaining] table", id="missing-table"),
        pytest.param(lambda c: c["talks"]["bargaining"].update(first_proposer="c"),
                     "split.toml: talks.bargaining.first_proposer = 'c': expected one of the sides: a, b", id="proposer"),
        pytest.param(lambda c: c["talks"]["bargaining"]["discount"].update(a=1.5),
                     "split.toml: talks.bargaining.discount.a = 1.5: expected a discount factor in [0, 1]", id="discount"),
        pytest.param(lambda c: c["talks"].update(actions={"a": ["x"], "b": ["y"]}),
                     "split.toml: talks.actions = ", id="stances-with-bargaining"),
        pytest.param(lambda c: c["talks"]["bargaining"].update(solution="coin"),
                     "split.toml: talks.bargaining.solution = 'coin': expected ", id="solution"),
        pytest.param(lambda c: c["talks"]["bargaining"].update(packages=["nope"]),
                     "split.toml: talks.bargaining.packages = 'nope': expected a package of talks.packages", id="package"),
    ],
)
def test_bargaining_config_errors(split, change, expected):
    change(split)
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(split, source="split.toml")
    assert str(info.value).splitlines()[0].startswith(expected)


def test_madrid_bargaining_runs_end_to_end(tmp_path):
    scenario = load_scenario("madrid_2025_bargaining")
    assert len(scenario.talks.packages) == 36
    proc = subprocess.run(
        [sys.executable, "-m", "negotiation.cli", "run", "madrid_2025_bargaining", "--out", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    talks = summary["talks"]
    assert talks["protocol"] == "alternating_offers"
    assert (talks["package"] is None) == (not talks["agreement"])
    assert sum(summary["outcome_probabilities"].values()) == pytest.approx(1.0)
    assert set(summary["leverage"]) == {"entity_listing", "anti_dumping_probe"}
    assert summary["verdict"] == f"{'+'.join(summary['equilibrium_path']) or 'none'} -> {summary['talks_outcome']}"
    assert summary["robustness"]["margins"]["nearest"]["relative"] > 0
    for stem in ("utility_plane", "bargaining_sensitivity", "game_tree"):
        assert (tmp_path / "figures" / f"{stem}.png").exists()
