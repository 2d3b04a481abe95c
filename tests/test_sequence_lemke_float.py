"""Lemke's algorithm on the sequence form in floating point (negotiation.solvers.sequence_lemke_float)
and the arithmetics of ``sequence_form_equilibrium``.

Oracles, independent of the code under test:
* pygambit 17 (GPL, test-time only): it evaluates our float behaviour profile on the game it
  reads (its own payoffs and regret code), on its catalog games and on random games with
  private types written by our writer.
* The exact path (integer pivoting, exact regret): the float path follows the same LCP from
  the same start with the same lexicographic rule, so it must end at the same plans wherever
  rounding decides no tie differently (all games here).
* Exact rational evaluation of the float answer by ``behaviour_regrets`` on the Fractions of
  the floats, for the larger game where Gambit's Nash regret (through the reduced strategic
  form) is out of reach.
"""

from __future__ import annotations

import dataclasses
import io
import random
from fractions import Fraction as F

import numpy as np
import pytest

from negotiation.io.efg import read_efg, write_efg
from negotiation.io.efg_tree import efg_game_tree, game_tree_efg
from negotiation.model.tree import GameTree, TreeBuilder
from negotiation.solvers import sequence_lemke
from negotiation.solvers.sequence_form import (
    behaviour_regrets,
    behaviour_regrets_float,
    sequence_form,
)
from negotiation.solvers.sequence_lemke import payoff_range, sequence_form_equilibrium
from negotiation.solvers.sequence_lemke_float import float_lemke
from tests.test_sequence_form import (
    PERFECT,
    entry_deterrence,
    gambit_game,
    private_types_game,
    random_behaviour,
)

pygambit = pytest.importorskip("pygambit")

from tests.test_agent_qre import gambit_profile  # noqa: E402


def through_gambit(tree: GameTree):
    """The game pygambit reads from our .efg text, and our tree of the same text."""
    text = write_efg(game_tree_efg(tree, title="random"))
    return pygambit.read_efg(io.StringIO(text)), efg_game_tree(read_efg(text))


def exact_regret_of_floats(tree: GameTree, strategies) -> F:
    """Max regret of the float profile, evaluated exactly (the floats as Fractions)."""
    behaviour = tuple(tuple(tuple(F(p) for p in probs) for probs in player) for player in strategies)
    return max(behaviour_regrets(sequence_form(tree), behaviour)[1])


# --------------------------------------------------------------------------- catalog


@pytest.mark.parametrize("name", PERFECT)
def test_float_answer_on_catalog_games_is_an_equilibrium_by_gambit(name):
    G, tree = gambit_game(name)
    eq = sequence_form_equilibrium(tree, arithmetic="float")
    assert eq.arithmetic == "float" and eq.exact is None
    tol = 1e-9 * payoff_range(tree)
    assert eq.max_regret <= tol
    profile = gambit_profile(G, tree, eq.strategies)
    # Gambit's regret (Nash: every pure strategy of the reduced strategic form) and payoffs
    assert profile.max_regret() <= tol
    np.testing.assert_allclose([profile.payoffs[p] for p in G.players], eq.payoffs, atol=1e-12)
    # the same end point as the exact path (same LCP, start and lexicographic rule)
    exact = sequence_form_equilibrium(tree, arithmetic="exact")
    np.testing.assert_allclose(np.concatenate(eq.plans), np.array(exact.plans[0] + exact.plans[1], dtype=float),
                               atol=1e-12)
    assert eq.pivots == exact.pivots


@pytest.mark.parametrize("name", PERFECT)
def test_auto_gives_the_exact_paths_answer_exactly(name):
    # the default rounds the float end point to fractions and verifies it exactly: same
    # plans, payoffs and zero regret as integer pivoting
    _, tree = gambit_game(name)
    auto = sequence_form_equilibrium(tree)
    exact = sequence_form_equilibrium(tree, arithmetic="exact")
    assert auto.arithmetic == "float_rationalised" and exact.arithmetic == "exact"
    assert auto.plans == exact.plans and auto.exact == exact.exact and auto.exact[2] == 0


# --------------------------------------------------------------------------- random games


@pytest.mark.parametrize("seed", range(8))
def test_float_answer_on_random_games_is_an_equilibrium_by_gambit(seed):
    G, tree = through_gambit(private_types_game(seed, depth=3 + seed % 2, types=2 + seed % 3 // 2))
    eq = sequence_form_equilibrium(tree, arithmetic="float")
    tol = 1e-9 * payoff_range(tree)
    assert eq.arithmetic == "float" and eq.max_regret <= tol
    profile = gambit_profile(G, tree, eq.strategies)
    assert profile.max_regret() <= tol
    assert exact_regret_of_floats(tree, eq.strategies) <= F(tol)
    exact = sequence_form_equilibrium(tree, arithmetic="exact")
    np.testing.assert_allclose(eq.payoffs, exact.payoffs, atol=1e-12)


def test_a_larger_random_game_in_float():
    # 189 information sets (three types each, six alternating moves); a seed whose Lemke path
    # is short enough for a unit test (most such games take thousands of pivots)
    tree = private_types_game(SEED_189, types=3, depth=6)
    assert sum(len(tree.player_infosets(p)) for p in (0, 1)) == 189
    eq = sequence_form_equilibrium(tree, arithmetic="float")
    tol = 1e-9 * payoff_range(tree)
    assert eq.arithmetic == "float" and eq.max_regret <= tol and eq.pivots > 100
    # exact evaluation of the float profile, and Gambit's payoffs and agent regret of it
    # (its Nash regret goes through the reduced strategic form: out of reach at this size)
    assert exact_regret_of_floats(tree, eq.strategies) <= F(tol)
    G, ours = through_gambit(tree)
    profile = gambit_profile(G, ours, eq.strategies)
    np.testing.assert_allclose([profile.payoffs[p] for p in G.players], eq.payoffs, atol=1e-9)
    assert profile.agent_max_regret() <= tol


#: A seed of private_types_game(types=3, depth=6) with a short path (see the test above).
SEED_189 = 20


# --------------------------------------------------------------------------- degenerate games and fallbacks


def constant_game() -> GameTree:
    # every payoff 1: every profile is an equilibrium, every ratio test ties
    tree = private_types_game(3, depth=3)
    payoffs = np.array([[F(1), F(1)] for _ in range(tree.payoffs.shape[1])], dtype=object)
    return dataclasses.replace(tree, payoffs=payoffs[None])


def few_payoffs_game(seed: int) -> GameTree:
    # payoffs in {0, 1} only: many ties in the ratio and lexicographic tests
    tree = private_types_game(seed, depth=4)
    rng = random.Random(seed)
    payoffs = np.array([[F(rng.randint(0, 1)), F(rng.randint(0, 1))] for _ in range(tree.payoffs.shape[1])],
                       dtype=object)
    return dataclasses.replace(tree, payoffs=payoffs[None])


@pytest.mark.parametrize("build", [constant_game, entry_deterrence] + [
    (lambda s=s: few_payoffs_game(s)) for s in range(4)], ids=["constant", "entry"] + [f"ties-{s}" for s in range(4)])
def test_degenerate_games_float_is_right(build):
    tree = build()
    eq = sequence_form_equilibrium(tree, arithmetic="float")
    exact = sequence_form_equilibrium(tree, arithmetic="exact")
    assert eq.arithmetic == "float"
    assert exact_regret_of_floats(tree, eq.strategies) <= F(1e-9 * max(payoff_range(tree), 1))
    np.testing.assert_allclose(np.concatenate(eq.plans), np.array(exact.plans[0] + exact.plans[1], dtype=float),
                               atol=1e-12)


def test_float_falls_back_to_exact_when_the_check_fails(monkeypatch):
    # a negative float tolerance no float answer can meet: the exact path answers, and says so
    tree = private_types_game(1, depth=4)
    monkeypatch.setattr(sequence_lemke, "FLOAT_TOL", -1.0)
    eq = sequence_form_equilibrium(tree, arithmetic="float")
    assert eq.arithmetic == "exact" and eq.exact is not None and eq.exact[2] == 0


def matching_pennies() -> GameTree:
    b = TreeBuilder(("matcher", "mismatcher"))
    root = b.add_personal(None, 0, "coin", ("heads", "tails"))
    for _ in range(2):
        guess = b.add_personal(root, 1, "guess", ("heads", "tails"))
        b.add_terminal(guess)
        b.add_terminal(guess)
    return b.build(np.array([[F(1), F(-1)], [F(-1), F(1)], [F(-1), F(1)], [F(1), F(-1)]], dtype=object))


def test_auto_falls_back_to_exact_when_rounding_to_fractions_fails(monkeypatch):
    # with denominators capped at 1 the mixed end point (1/2, 1/2) cannot be rounded to an
    # equilibrium: integer pivoting answers, with the same plans
    before = sequence_form_equilibrium(matching_pennies())
    monkeypatch.setattr(sequence_lemke, "RATIONAL_DENOMINATOR", 1)
    after = sequence_form_equilibrium(matching_pennies())
    assert before.arithmetic == "float_rationalised" and after.arithmetic == "exact"
    assert after.plans == before.plans and after.exact == before.exact
    assert after.exact[0] == (((F(1, 2), F(1, 2)),), ((F(1, 2), F(1, 2)),))


def test_float_path_statuses():
    sf = sequence_form(private_types_game(5, depth=4))
    system = sequence_lemke.lemke_system(sf)
    assert float_lemke(system).status == "ok"
    capped = float_lemke(system, max_pivots=2)
    assert capped.status == "max_pivots" and capped.values is None and capped.pivots == 2


def test_bad_arithmetic_is_refused():
    with pytest.raises(ValueError, match="arithmetic must be one of"):
        sequence_form_equilibrium(entry_deterrence(), arithmetic="double")


def test_float_record_to_dict_has_no_exact_part():
    data = sequence_form_equilibrium(entry_deterrence(), arithmetic="float").to_dict()
    assert data["arithmetic"] == "float" and "exact" not in data
    np.testing.assert_allclose(data["payoffs"], [1.0, 1.0], atol=1e-12)


# --------------------------------------------------------------------------- float regrets


@pytest.mark.parametrize("name", PERFECT)
def test_float_regrets_match_the_exact_ones(name):
    _, tree = gambit_game(name)
    sf = sequence_form(tree)
    rng = random.Random(5)
    for _ in range(3):
        behaviour = random_behaviour(sf, rng)
        payoffs, regrets = behaviour_regrets(sf, behaviour)
        floats = [[[float(p) for p in probs] for probs in player] for player in behaviour]
        payoffs_f, regrets_f = behaviour_regrets_float(sf, floats)
        np.testing.assert_allclose(payoffs_f, [float(v) for v in payoffs], atol=1e-12)
        np.testing.assert_allclose(regrets_f, [float(v) for v in regrets], atol=1e-12)
