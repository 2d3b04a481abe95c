"""Rounds with private types and short-lived sides, against closed forms and Gambit.

Oracles:

* Kreps and Wilson's (1982) chain store: N markets, each with a new (short-lived) entrant; the
  incumbent is tough (fighting is its best reply) with prior probability p, else weak. Entrant:
  out 0, in and accommodated b, in and fought b - 1 (0 < b < 1); weak incumbent: out a > 1,
  accommodate 0, fight -1; tough: fight 0, accommodate -1. With k markets left and belief p
  (Fudenberg and Tirole 1991, section 9.2.2): the entrant enters if p < b^k, stays out if
  p > b^k and at p = b^k stays out with probability 1 / a; the weak incumbent accommodates in
  the last market and otherwise fights with probability 1 if p >= b^(k-1), else with
  probability p (1 - b^(k-1)) / ((1 - p) b^(k-1)), which brings the belief after a fight to
  b^(k-1); a tough one always fights; after an accommodation the belief is 0. The small prior
  deters entry early: deterrence in early rounds.
* A short-lived side does not invest for later periods, a long-lived one does (closed form),
  solved the same by rounds and states and in the tree.
* A typed rounds game exported to a Gambit file: Gambit's logit_solve reaches our limit.
"""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest

from negotiation.io.rounds import rounds_from_dict, typed_rounds_from_dict
from negotiation.io.schema import ConfigError
from negotiation.model.rounds_tree import MAX_LEAVES, RoundsTreeTooLargeError, rounds_tree
from negotiation.solvers.agent_form import agent_regrets, reach_probabilities
from negotiation.solvers.agent_qre import agent_logit_qre
from negotiation.solvers.rounds import solve_rounds

A, B = 3.0, 0.5  # the weak incumbent's value of no entry; the entrant's of accommodated entry


def chain_store(markets: int = 3, prior: float = 0.1, short_lived: bool = True) -> dict:
    """The Kreps-Wilson chain store as a rounds config (module docstring)."""
    rounds = []
    for j in range(1, markets + 1):
        rounds.append({"name": f"entry{j}", "movers": ["entrant"], "actions": {"entrant": ["out", "in"]},
                       "pays": False, "outcomes": {"out": {"market": "out"}, "in": {"market": "entered"}}})
        rounds.append({"name": f"response{j}", "movers": ["incumbent"], "when": {"market": "entered"},
                       "actions": {"incumbent": ["fight", "accommodate"]},
                       "outcomes": {"fight": {"market": "fought"}, "accommodate": {"market": "accommodated"}}})
    return {
        "scenario": {"name": "chain_store", "title": "Chain store with a tough incumbent"},
        "issues": {"market": {"levels": ["out", "entered", "fought", "accommodated"]}},
        "sides": {
            "incumbent": {"label": "Incumbent", "weights": {"market": 1.0}, "utilities": {"market": [A, 0.0, -1.0, 0.0]}},
            "entrant": {"label": "Entrant", "weights": {"market": 1.0}, "utilities": {"market": [0.0, 0.0, B - 1.0, B]}},
        },
        "state": {"market": "out"},
        "dynamics": {"discount": 1.0, "continuation": "none", "short_lived": ["entrant"] if short_lived else []},
        "rounds": rounds,
        "types": {"incumbent": {
            "tough": {"prior": prior, "sides.incumbent.utilities.market[2]": 0.0, "sides.incumbent.utilities.market[3]": -1.0},
            "weak": {"prior": 1.0 - prior},
        }},
    }


def _play(tree, qre, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Behaviour and beliefs at the information set labelled ``label``."""
    for player in (0, 1):
        for k, s in enumerate(tree.player_infosets(player)):
            if tree.infosets[s].label == label:
                return np.asarray(qre.behaviour[player][k]), np.asarray(qre.beliefs[player][k])
    raise KeyError(label)


def _tough_belief(tree, qre, label: str) -> float:
    """The entrant's probability of a tough incumbent at ``label`` (members in preorder: the
    tough subtree first)."""
    s = next(s for s in range(len(tree.infosets)) if tree.infosets[s].label == label)
    _, beliefs = _play(tree, qre, label)
    tough = [m for m, v in enumerate(tree.infosets[s].members) if tree.history(v)[0][1] == "tough"]
    return float(beliefs[tough].sum())


def _fight(k: int, p: float) -> float:
    """The weak incumbent's fight probability with k markets left and belief p (closed form)."""
    if k == 1:
        return 0.0
    threshold = B ** (k - 1)
    return 1.0 if p >= threshold else p * (1 - threshold) / ((1 - p) * threshold)


@pytest.fixture(scope="module")
def deterred():
    """Three markets, prior 0.2 > b^3: the first entrant stays out."""
    tree = rounds_tree(typed_rounds_from_dict(chain_store(3, 0.2)))
    return tree, agent_logit_qre(tree)


@pytest.fixture(scope="module")
def entered():
    """Three markets, prior 0.1 < b^3: the first entrant enters and the weak incumbent mixes."""
    tree = rounds_tree(typed_rounds_from_dict(chain_store(3, 0.1)))
    return tree, agent_logit_qre(tree)


def test_the_limit_is_an_equilibrium_of_every_short_lived_agent(deterred, entered):
    for tree, qre in (deterred, entered):
        assert qre.converged
        assert agent_regrets(tree, qre.behaviour).max() <= 1e-6
        assert qre.max_regret <= 1e-6


def test_a_small_prior_of_toughness_deters_the_first_entrant(deterred):
    tree, qre = deterred
    p = 0.2
    assert p > B**3
    np.testing.assert_allclose(_play(tree, qre, "entrant at entry1")[0], [1.0, 0.0], atol=1e-3)
    # the next entrant, with two markets left, is not deterred (p < b^2) ...
    assert p < B**2
    np.testing.assert_allclose(_play(tree, qre, "entrant at entry2 after entry1 out")[0], [0.0, 1.0], atol=1e-3)
    # ... and the weak incumbent fights it with the probability that brings the belief to b
    weak = _play(tree, qre, "incumbent at response2 (weak) after entry1 out; entry2 in")[0]
    np.testing.assert_allclose(weak[0], _fight(2, p), atol=1e-3)
    after_fight = "entrant at entry3 after entry1 out; entry2 in; response2 fight"
    np.testing.assert_allclose(_tough_belief(tree, qre, after_fight), B, atol=1e-3)
    # at the threshold the last entrant stays out with probability 1 / a
    np.testing.assert_allclose(_play(tree, qre, after_fight)[0][0], 1 / A, atol=1e-3)


def test_below_the_threshold_the_weak_incumbent_mixes_to_build_its_reputation(entered):
    tree, qre = entered
    p = 0.1
    assert p < B**3
    np.testing.assert_allclose(_play(tree, qre, "entrant at entry1")[0], [0.0, 1.0], atol=1e-3)
    np.testing.assert_allclose(_play(tree, qre, "incumbent at response1 (tough) after entry1 in")[0], [1.0, 0.0], atol=1e-3)
    weak = _play(tree, qre, "incumbent at response1 (weak) after entry1 in")[0]
    np.testing.assert_allclose(weak[0], _fight(3, p), atol=1e-3)
    np.testing.assert_allclose(weak[0], 1 / 3, atol=1e-3)  # 0.1 * 0.75 / (0.9 * 0.25)
    # Bayes' rule: a fight raises the belief to b^2, an accommodation reveals weakness
    fought = "entrant at entry2 after entry1 in; response1 fight"
    np.testing.assert_allclose(_tough_belief(tree, qre, fought), B**2, atol=1e-3)
    np.testing.assert_allclose(_tough_belief(tree, qre, "entrant at entry2 after entry1 in; response1 accommodate"),
                               0.0, atol=1e-6)
    np.testing.assert_allclose(_play(tree, qre, fought)[0][0], 1 / A, atol=1e-3)
    np.testing.assert_allclose(_play(tree, qre, "entrant at entry2 after entry1 in; response1 accommodate")[0],
                               [0.0, 1.0], atol=1e-3)
    # in the last market the weak incumbent accommodates whatever happened
    last = [tree.infosets[s].label for s in tree.player_infosets(0)
            if tree.infosets[s].label.startswith("incumbent at response3 (weak)")]
    assert last
    for label in last:
        np.testing.assert_allclose(_play(tree, qre, label)[0], [0.0, 1.0], atol=1e-3)


def investment(short_lived: bool) -> dict:
    """Two periods: the investor pays 1 now (state 'building') for 3 in the next period
    ('built'); a long-lived investor (discount 0.9) invests (-1 + 0.9 * 3 > 0), a short-lived
    one, paid its period only, does not. The other side only waits."""
    return {
        "scenario": {"name": "investment", "title": "Investment"},
        "issues": {"plant": {"levels": ["none", "building", "built"]}},
        "sides": {
            "investor": {"label": "Investor", "weights": {"plant": 1.0}, "utilities": {"plant": [0.0, -1.0, 3.0]}},
            "other": {"label": "Other", "weights": {"plant": 1.0}, "utilities": {"plant": [0.0, 0.0, 0.0]}},
        },
        "state": {"plant": "none"},
        "dynamics": {"discount": 0.9, "continuation": "none", "short_lived": ["investor"] if short_lived else []},
        "rounds": [
            {"name": "decide", "movers": ["investor"], "actions": {"investor": ["invest", "wait"]},
             "outcomes": {"invest": {"plant": "building"}}},
            {"name": "finish", "movers": ["other"], "actions": {"other": ["wait"]},
             "outcomes": {"wait": {"plant": {"level": "built", "if": {"plant": "building"}}}}},
        ],
    }


@pytest.mark.parametrize(("short_lived", "invests"), [(False, 1.0), (True, 0.0)])
def test_a_short_lived_side_does_not_invest_for_a_later_period(short_lived, invests):
    game = rounds_from_dict(investment(short_lived))
    markov = solve_rounds(game)
    start = game.state_of(game.initial)
    np.testing.assert_allclose(markov.rounds[0].row[start][0], invests)
    tree = rounds_tree(game)
    qre = agent_logit_qre(tree)
    np.testing.assert_allclose(qre.behaviour[0][0][0], invests, atol=1e-6)


def test_gambit_reaches_our_limit_on_a_typed_rounds_game():
    gbt = pytest.importorskip("pygambit")
    from negotiation.io.efg import write_efg
    from negotiation.io.efg_tree import game_tree_efg
    from tests.test_agent_qre import our_layout

    tree = rounds_tree(typed_rounds_from_dict(chain_store(2, 0.3, short_lived=False)))
    ours = agent_logit_qre(tree)
    G = gbt.read_efg(io.StringIO(write_efg(game_tree_efg(tree, title="chain store"))))
    result = gbt.nash.logit_solve(G, maxregret=1e-8)
    assert result.success
    theirs = our_layout(result.equilibrium, tree)
    reach, _ = reach_probabilities(tree, ours.behaviour)
    compared = 0
    for player in (0, 1):
        for k, s in enumerate(tree.player_infosets(player)):
            # where play is reached, not where a regret target leaves the play loose (reach ~ 1e-60)
            if reach[list(tree.infosets[s].members)].sum() > 1e-6:
                np.testing.assert_allclose(theirs[player][k], ours.behaviour[player][k], atol=1e-3)
                compared += 1
    assert compared >= 3


def test_a_short_lived_tree_is_refused_by_two_player_solvers():
    from negotiation.solvers.sequence_lemke import sequence_form_equilibrium
    from negotiation.solvers.subgames import UnsupportedGameError

    tree = rounds_tree(typed_rounds_from_dict(chain_store(2, 0.3)))
    assert tree.short_lived
    with pytest.raises(UnsupportedGameError, match="short-lived"):
        sequence_form_equilibrium(tree)


@pytest.mark.parametrize(("edit", "where", "expected"), [
    (lambda c: c["types"]["incumbent"]["tough"].update(prior=0.5), "types.incumbent", "summing to 1"),
    (lambda c: c["types"]["incumbent"]["tough"].update({"sides.entrant.utilities.market[0]": 1.0}),
     'types.incumbent.tough."sides.entrant.utilities.market[0]"', "own"),
    (lambda c: c["dynamics"].update(short_lived=["buyer"]), "dynamics.short_lived[0]", "a side"),
    (lambda c: c["rounds"][1].update(when={"market": "gone"}), "rounds[1].when.market", "a level of market"),
])
def test_bad_typed_rounds_name_the_key_path(edit, where, expected):
    config = copy.deepcopy(chain_store(2, 0.3))
    edit(config)
    with pytest.raises(ConfigError) as error:
        typed_rounds_from_dict(config, "chain.toml")
    text = str(error.value)
    assert "chain.toml" in text and where in text and expected in text


def test_a_tree_of_too_many_histories_is_refused_with_its_size():
    config = chain_store(3, 0.1)
    config["rounds"] = config["rounds"] * 12
    for k, rnd in enumerate(config["rounds"]):
        rnd["name"] = f"{rnd['name']}_{k}"
    with pytest.raises(RoundsTreeTooLargeError, match=f"at most {MAX_LEAVES:,}"):
        rounds_tree(typed_rounds_from_dict(config))


def test_a_short_lived_side_that_moves_twice_in_a_period_is_refused():
    config = investment(True)
    config["rounds"][0]["pays"] = False
    config["rounds"].insert(1, {"name": "again", "movers": ["investor"], "actions": {"investor": ["invest", "wait"]},
                                "pays": False})
    with pytest.raises(ConfigError) as error:
        rounds_from_dict(config, "investment.toml")
    assert "dynamics.short_lived[0]" in str(error.value) and "decide, again" in str(error.value)


def test_run_and_validate_typed_rounds_from_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    tomli_w = pytest.importorskip("tomli_w")
    config = chain_store(2, 0.3)
    config["rounds"][0]["observed"] = {"entrant": "in"}
    config["rounds"][1]["observed"] = {"incumbent": "fight"}
    path = tmp_path / "chain.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    valid = subprocess.run([sys.executable, "-m", "negotiation.cli", "validate", str(path)], capture_output=True, text=True)
    assert valid.returncode == 0 and "private types of incumbent" in valid.stdout, valid.stderr
    done = subprocess.run([sys.executable, "-m", "negotiation.cli", "run", str(path), "--out", str(tmp_path / "r"),
                           "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["types"] == {"tough": 0.3, "weak": 0.7} and summary["short_lived"] == ["entrant"]
    # two markets, p = 0.3 > b^2 = 0.25: the first entrant stays out, so entering has probability 0
    first = summary["observed"][0]
    assert first["round"] == "entry1" and first["predicted"]["in"] == pytest.approx(0.0, abs=1e-3)
    assert summary["max_regret"] <= 1e-6
    bad = dict(config, types={"incumbent": {"tough": {"prior": 0.3}, "weak": {"prior": 0.3}}})
    path.write_text(tomli_w.dumps(bad), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "negotiation.cli", "run", str(path)], capture_output=True, text=True)
    assert refused.returncode == 2 and "types.incumbent" in refused.stderr and "Traceback" not in refused.stderr
