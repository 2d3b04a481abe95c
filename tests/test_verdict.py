"""The verdict as a set with margins (negotiation.study.verdict), against thresholds derived by
hand on the toy scenario of conftest.py, and its independence of units."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

from negotiation.io.config import default_config_path, read_config
from negotiation.study.verdict import payoff_side, verdict_margins, verdict_probabilities
from tests.conftest import TOY
from tests.test_units import change_units

TOLERANCE = 1e-4

# Toy, by hand. Side b's payoffs over the tree: without the threat the packages are worth 0,
# 0.5, 1 and deadlock 0.3; with it (q = 0.2, deadlock 0.3 - 0.4 = -0.1) a truce is worth
# 0.8 u - 0.02 and deadlock -0.1: b's range is 1 - (-0.1) = 1.1. Side a's range is 1 - 0 = 1.
# The verdict is "threat -> a_favoured" (b concedes to a's hold iff its deadlock payoff under
# the threat, D_b - 0.4 + ..., is below what conceding gives). One at a time, within a quarter of
# each scale, three values flip it to "none -> deadlock" at a change of 0.1 (0.1 / 1.1 of b's
# range): the threat's deadlock shift for b (-0.4 -> -0.3), b's deadlock value (0.3 -> 0.4),
# b's utility of a_favoured (0 -> -0.1: conceding then pays 0.8 u - 0.02 < -0.1). Nothing else
# flips it within the search: the threat's cost must reach 0.48 (+0.43), the breakdown
# probability 11/12, a's deadlock value 0.9375.
B_RANGE = 1.1
NEAREST = {"moves.threat.effects.deadlock_shift.b": -0.3, "sides.b.outcomes.deadlock": 0.4,
           "sides.b.utilities.split[0]": -0.1}


@pytest.fixture(scope="module")
def toy_margins():
    return verdict_margins(copy.deepcopy(TOY), tolerance=TOLERANCE)


def test_the_nearest_flips_of_the_toy_are_the_hand_thresholds(toy_margins):
    assert toy_margins.verdict == "threat -> a_favoured"
    first = toy_margins.margins[:3]
    assert {m.key_path for m in first} == set(NEAREST)
    for m in first:
        assert m.side == "b" and m.scale == pytest.approx(B_RANGE)
        assert abs(m.new_value - NEAREST[m.key_path]) <= TOLERANCE + 1e-12
        assert m.relative == pytest.approx(0.1 / B_RANGE, abs=TOLERANCE)
        assert m.verdict == "none -> deadlock"
    assert toy_margins.nearest in first
    assert all(m.relative > 0.1 / B_RANGE + TOLERANCE for m in toy_margins.margins[3:])
    assert "moves.threat.cost" in toy_margins.unchanged
    d = toy_margins.to_dict()
    assert d["nearest"]["key_path"] in NEAREST and d["values_searched"] == len(toy_margins.margins) + len(
        toy_margins.unchanged)


def test_margins_do_not_depend_on_units(toy_margins):
    # b's payoffs 0.5 u + 0.2: its range halves, every payoff change halves, the relative
    # margins and the verdicts stay.
    changed = verdict_margins(change_units(copy.deepcopy(TOY), "b", 0.5, 0.2), tolerance=TOLERANCE / 2)
    assert changed.verdict == toy_margins.verdict
    before = {m.key_path: m for m in toy_margins.margins}
    for m in changed.margins[:3]:
        assert m.key_path in NEAREST
        assert m.relative == pytest.approx(before[m.key_path].relative, abs=TOLERANCE)
        assert m.scale == pytest.approx(0.5 * B_RANGE)


def test_payoff_side_names_whose_units_a_value_is_in():
    config = copy.deepcopy(TOY)
    assert payoff_side(config, "moves.threat.cost") == "a"
    assert payoff_side(config, "moves.threat.effects.deadlock_shift.b") == "b"
    assert payoff_side(config, "moves.threat.effects.breakdown_shift") is None
    assert payoff_side(config, "sides.a.weights.split") is None
    assert payoff_side(config, "sides.b.outcomes.escalation") == "b"


def test_verdict_probabilities_sum_to_one_and_are_seeded():
    config = read_config(default_config_path("madrid_2025"))
    first = verdict_probabilities(config, samples=128, seed=7)
    again = verdict_probabilities(config, samples=128, seed=7)
    assert first == again and first["samples"] == 128 and first["seed"] == 7
    shares = [v["share"] for v in first["verdicts"].values()]
    assert sum(shares) == pytest.approx(1 - first["invalid"] / 128)
    assert all(v["ci_low"] <= v["share"] <= v["ci_high"] for v in first["verdicts"].values())
    assert verdict_probabilities(copy.deepcopy(TOY)) is None  # nothing declared


def test_run_prints_the_nearest_flip_and_the_odds(tmp_path):
    import json

    from negotiation.analysis import analyze
    from negotiation.io.config import load_scenario

    done = subprocess.run([sys.executable, "-m", "negotiation.cli", "run", "madrid_2025", "--no-figures",
                           "--out", str(tmp_path / "m")], capture_output=True, text=True, check=True)
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["verdict"] == analyze(load_scenario("madrid_2025")).to_dict()["verdict"]
    assert f"Verdict (logit_qre): {summary['verdict']}" in done.stdout
    assert "Nearest flip:" in done.stdout and "Under the declared uncertainty" in done.stdout
    # the margin is real: at the new value the verdict is the one printed, and short of it by
    # more than the bisection's tolerance (1e-4) the old one holds
    nearest = summary["robustness"]["margins"]["nearest"]
    key, base, new = nearest["key_path"], nearest["base_value"], nearest["new_value"]
    direction = 1.0 if new > base else -1.0
    beyond = analyze(load_scenario("madrid_2025", {key: new})).to_dict()
    short = analyze(load_scenario("madrid_2025", {key: new - 2e-4 * direction})).to_dict()
    assert beyond["verdict"] == nearest["verdict"] != summary["verdict"]
    assert short["verdict"] == summary["verdict"]
    assert f"Nearest flip: {key} from" in done.stdout
    assert nearest["relative"] == pytest.approx(abs(new - base) / nearest["scale"])


def test_each_rules_verdict_is_the_single_run_under_that_rule():
    from negotiation.analysis import analyze
    from negotiation.io.config import load_scenario
    from negotiation.study.verdict import verdicts_by_rule

    config = read_config(default_config_path("madrid_2025"))
    by_rule = verdicts_by_rule(config)
    for rule, verdict in by_rule.items():
        single = analyze(load_scenario("madrid_2025", {"solver.selection_rule": rule})).to_dict()
        assert single["verdict"] == verdict, rule
    assert set(by_rule) == {"payoff_dominant", "risk_dominant", "utilitarian",
                                                                  "logit_qre"}
