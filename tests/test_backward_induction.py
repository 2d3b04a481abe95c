"""Backward induction on textbook trees with known subgame-perfect equilibria."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from negotiation.equilibrium import max_regret
from negotiation.games import Chance, Decision, StageGame, Terminal
from negotiation.solvers.backward_induction import subgame_perfect_equilibria


def entry_deterrence() -> Decision:
    # Selten's chain-store stage (Osborne & Rubinstein 1994, Example 96.1 style):
    # entrant: out -> (0, 2); enter -> incumbent fights (-1, -1) or accommodates (1, 1).
    return Decision(
        0,
        ("out", "enter"),
        (
            Terminal((0.0, 2.0)),
            Decision(1, ("fight", "accommodate"), (Terminal((-1.0, -1.0)), Terminal((1.0, 1.0))), label="incumbent"),
        ),
        label="entrant",
    )


def test_entry_deterrence_has_one_spe_enter_accommodate():
    result = subgame_perfect_equilibria(entry_deterrence())
    assert [e.path for e in result.equilibria] == [(("entrant", "enter"), ("incumbent", "accommodate"))]
    assert result.headline.payoffs == (1.0, 1.0)
    assert result.status == "ok"


def test_stay_out_fight_is_nash_but_not_subgame_perfect():
    # Strategic form (rows: entrant out/enter; columns: incumbent fight/accommodate):
    #   out:   (0, 2)  (0, 2)
    #   enter: (-1,-1) (1, 1)
    # (out, fight) is a Nash equilibrium: the entrant loses by entering (-1 < 0) and the
    # incumbent's threat is never tested (2 = 2). It is not subgame perfect: fighting
    # after entry gives -1 < 1.
    A = np.array([[0.0, 0.0], [-1.0, 1.0]])
    B = np.array([[2.0, 2.0], [-1.0, 1.0]])
    assert max_regret(A, B, np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    result = subgame_perfect_equilibria(entry_deterrence())
    decisions = [dict((path[-1][1] if path else "root", c) for path, c in e.decisions) for e in result.equilibria]
    assert all(d["enter"] == "accommodate" for d in decisions)
    assert not any(d["root"] == "out" for d in decisions)


def battle_of_the_sexes() -> StageGame:
    # Row prefers (opera, opera) = (2, 1), column prefers (football, football) = (1, 2);
    # miscoordination (0, 0). Equilibria: both pure ones and the mixed one where row plays
    # opera with 2/3 (column indifferent: 1*p = 2*(1-p)) and column plays opera with 1/3,
    # giving each 2/3.
    A = np.array([[2.0, 0.0], [0.0, 1.0]])
    B = np.array([[1.0, 0.0], [0.0, 2.0]])
    probabilities = np.zeros((2, 2, 3))
    probabilities[0, 0] = probabilities[1, 1] = (1, 0, 0)
    probabilities[0, 1] = probabilities[1, 0] = (0, 1, 0)
    return StageGame(A, B, ("opera", "football"), ("opera", "football"), probabilities, label="bos")


@pytest.mark.parametrize(
    ("outside", "expected_paths"),
    [
        # Outside option 1.5 for row: beats the mixed (2/3) and football (1) equilibria, not opera (2).
        pytest.param(1.5, {("in", (2.0, 1.0)), ("out", (1.5, 0.0)), ("out", (1.5, 0.0))}, id="outside-1.5"),
        # Outside option 0.5: always worse than every continuation, so "in" in all three SPE.
        pytest.param(0.5, {("in", (2.0, 1.0)), ("in", (1.0, 2.0)), ("in", (2 / 3, 2 / 3))}, id="outside-0.5"),
    ],
)
def test_outside_option_before_battle_of_the_sexes(outside, expected_paths):
    # Row first chooses an outside option (outside, 0) or to play battle of the sexes.
    # One SPE per stage equilibrium; row goes in iff the stage equilibrium gives it more.
    tree = Decision(0, ("out", "in"), (Terminal((outside, 0.0)), battle_of_the_sexes()), label="row")
    result = subgame_perfect_equilibria(tree)
    assert len(result.equilibria) == 3
    found = {(e.path[0][1], tuple(round(v, 9) for v in e.payoffs)) for e in result.equilibria}
    assert found == {(a, tuple(round(v, 9) for v in p)) for a, p in expected_paths}
    for e in result.equilibria:
        for stage in e.stages:
            assert stage.equilibrium.max_regret <= 1e-9


def test_outcome_probabilities_follow_the_stage_equilibrium():
    result = subgame_perfect_equilibria(battle_of_the_sexes())
    mixed = [e for e in result.equilibria if not e.stages[0].equilibrium.is_pure]
    assert len(mixed) == 1
    # Mixed: row (2/3, 1/3), column (1/3, 2/3): coordination with 2/9 + 2/9 = 4/9.
    assert_allclose(mixed[0].resolution_probabilities, [4 / 9, 5 / 9, 0.0], atol=1e-12)


def test_chance_node_averages_payoffs():
    # Nature: 1/4 high (row gets 4), 3/4 low; then row decides to stop (1) or go (4 high, 0 low).
    tree = Chance(
        ("high", "low"),
        (0.25, 0.75),
        (
            Decision(0, ("stop", "go"), (Terminal((1.0, 0.0)), Terminal((4.0, 0.0))), label="row-high"),
            Decision(0, ("stop", "go"), (Terminal((1.0, 0.0)), Terminal((0.0, 0.0))), label="row-low"),
        ),
        label="nature",
    )
    result = subgame_perfect_equilibria(tree)
    # Go when high (4 > 1), stop when low (1 > 0): 0.25 * 4 + 0.75 * 1 = 1.75.
    assert len(result.equilibria) == 1
    assert_allclose(result.headline.payoffs[0], 1.75)


def test_indifference_gives_one_spe_per_optimal_action_and_is_flagged():
    tree = Decision(0, ("left", "right"), (Terminal((1.0, 0.0)), Terminal((1.0, 5.0))), label="row")
    result = subgame_perfect_equilibria(tree)
    assert sorted(e.path[0][1] for e in result.equilibria) == ["left", "right"]
    assert result.headline.path == (("row", "left"),)
    assert result.status == "degenerate"
    assert any("indifferent" in note for note in result.notes)


def test_cap_on_equilibria_marks_result_incomplete():
    # Three independent battle-of-the-sexes stages behind a chance node: 3**3 = 27 SPE.
    tree = Chance(("a", "b", "c"), (1 / 3, 1 / 3, 1 / 3), tuple(battle_of_the_sexes() for _ in range(3)), label="n")
    full = subgame_perfect_equilibria(tree)
    assert len(full.equilibria) == 27
    capped = subgame_perfect_equilibria(tree, max_equilibria=10)
    assert len(capped.equilibria) == 10
    assert capped.status == "incomplete"


def test_every_profile_of_a_perfect_information_tree_is_checked_by_brute_force():
    # Oracle: enumerate every pure strategy profile of a random 2-level tree and keep those
    # with no profitable deviation in any subgame; backward induction must find exactly them.
    rng = np.random.default_rng(7)
    for _ in range(20):
        payoffs = rng.integers(0, 4, size=(2, 2, 2)).astype(float)  # [row action, column action, player]
        subtrees = tuple(
            Decision(1, ("l", "r"), (Terminal(tuple(payoffs[a, 0])), Terminal(tuple(payoffs[a, 1]))), label=f"col{a}")
            for a in range(2)
        )
        tree = Decision(0, ("L", "R"), subtrees, label="row")
        expected = set()
        for first, reply0, reply1 in itertools.product(range(2), range(2), range(2)):
            replies = (reply0, reply1)
            column_ok = all(payoffs[a, replies[a], 1] >= payoffs[a, 1 - replies[a], 1] for a in range(2))
            row_ok = payoffs[first, replies[first], 0] >= payoffs[1 - first, replies[1 - first], 0]
            if column_ok and row_ok:
                expected.add((("L", "R")[first], ("l", "r")[reply0], ("l", "r")[reply1]))
        result = subgame_perfect_equilibria(tree, tol=0.0)
        found = set()
        for e in result.equilibria:
            plan = dict(e.decisions)
            found.add((plan[()], plan[(("row", "L"),)], plan[(("row", "R"),)]))
        assert found == expected
