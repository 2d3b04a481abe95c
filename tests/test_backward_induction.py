"""Backward induction (negotiation.solvers.backward_induction) on textbook trees with known
subgame-perfect equilibria, built with TreeBuilder.

Oracles: the textbook derivations in the comments, and a brute-force enumeration of every
pure profile of small perfect-information trees.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose

from negotiation.model.tree import TreeBuilder
from negotiation.solvers.backward_induction import backward_induction
from negotiation.solvers.equilibrium_sets import subgame_perfect_result
from negotiation.solvers.records import max_regret

F = Fraction


def solve(tree, **options):
    return subgame_perfect_result(backward_induction(tree, detail="summary", **options))


def entry_deterrence():
    # Selten's chain-store stage (Osborne & Rubinstein 1994, Example 96.1 style):
    # entrant: out -> (0, 2); enter -> incumbent fights (-1, -1) or accommodates (1, 1).
    b = TreeBuilder(("entrant", "incumbent"))
    root = b.add_personal(None, 0, "entrant", ("out", "enter"), "entrant")
    b.add_terminal(root)
    incumbent = b.add_personal(root, 1, "incumbent", ("fight", "accommodate"), "incumbent")
    b.add_terminal(incumbent)
    b.add_terminal(incumbent)
    return b.build(np.array([[0.0, 2.0], [-1.0, -1.0], [1.0, 1.0]]))


def test_entry_deterrence_has_one_spe_enter_accommodate():
    result = solve(entry_deterrence())
    assert [e.path for e in result.equilibria()] == [(("entrant", "enter"), ("incumbent", "accommodate"))]
    assert result.count == 1
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
    result = solve(entry_deterrence())
    plans = [dict(e.decisions) for e in result.equilibria()]
    assert all(plan[(("entrant", "enter"),)] == "accommodate" for plan in plans)
    assert not any(plan[()] == "out" for plan in plans)


def add_battle_of_the_sexes(b: TreeBuilder, parent, key: str) -> None:
    """Row prefers (opera, opera) = (2, 1), column (football, football) = (1, 2);
    miscoordination (0, 0). Terminals in the order (o, o), (o, f), (f, o), (f, f)."""
    row = b.add_personal(parent, 0, ("row", key), ("opera", "football"), f"bos {key}")
    for _ in range(2):
        column = b.add_personal(row, 1, ("column", key), ("opera", "football"))
        b.add_terminal(column)
        b.add_terminal(column)


BOS_PAYOFFS = [[2.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 2.0]]
# truce when they coordinate, deadlock otherwise (truce, deadlock, escalation)
BOS_LOTTERIES = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]]


@pytest.mark.parametrize(
    ("outside", "expected"),
    [
        # Equilibria of the battle: (opera, opera) worth (2, 1), (football, football) worth
        # (1, 2), and the mixed one where row plays opera with 2/3 (column indifferent:
        # 1 * p = 2 * (1 - p)) and column with 1/3, worth 2/3 to each.
        # Outside option 1.5 for row: beats the mixed (2/3) and football (1) equilibria, not opera (2).
        pytest.param(1.5, {("in", (2.0, 1.0)), ("out", (1.5, 0.0))}, id="outside-1.5"),
        # Outside option 0.5: worse than every continuation, so "in" in all three SPE.
        pytest.param(0.5, {("in", (2.0, 1.0)), ("in", (1.0, 2.0)), ("in", (2 / 3, 2 / 3))}, id="outside-0.5"),
    ],
)
def test_outside_option_before_battle_of_the_sexes(outside, expected):
    # Row first takes an outside option (outside, 0) or plays battle of the sexes. One
    # SPE per stage equilibrium; row goes in iff the stage equilibrium gives it more.
    b = TreeBuilder(("row", "column"))
    root = b.add_personal(None, 0, "entry", ("out", "in"), "row")
    b.add_terminal(root)
    add_battle_of_the_sexes(b, root, "battle")
    result = solve(b.build(np.array([[outside, 0.0], *BOS_PAYOFFS])))
    equilibria = result.equilibria()
    assert len(equilibria) == result.count == 3
    found = {(e.path[0][1], tuple(round(v, 9) for v in e.payoffs)) for e in equilibria}
    assert found == {(a, tuple(round(v, 9) for v in p)) for a, p in expected}
    for e in equilibria:
        assert e.max_regret <= 1e-9
        for stage in e.stages:
            assert stage.equilibrium.max_regret <= 1e-9


def test_outcome_probabilities_follow_the_stage_equilibrium():
    b = TreeBuilder(("row", "column"))
    add_battle_of_the_sexes(b, None, "stage")
    tree = b.build(np.array(BOS_PAYOFFS), np.array(BOS_LOTTERIES, dtype=float), ("truce", "deadlock", "escalation"))
    mixed = [e for e in solve(tree).equilibria() if not e.stages[0].equilibrium.is_pure]
    assert len(mixed) == 1
    # Mixed: row (2/3, 1/3), column (1/3, 2/3): coordination with 2/9 + 2/9 = 4/9.
    assert_allclose(mixed[0].resolution_probabilities, [4 / 9, 5 / 9, 0.0], atol=1e-12)


def test_chance_node_averages_payoffs():
    # Nature: 1/4 high (row gets 4 by going), 3/4 low; then row stops (1) or goes (4 high, 0 low).
    b = TreeBuilder(("row", "column"))
    nature = b.add_chance(None, ("high", "low"), [0.25, 0.75], "nature")
    for name in ("row-high", "row-low"):
        node = b.add_personal(nature, 0, name, ("stop", "go"), name)
        b.add_terminal(node)
        b.add_terminal(node)
    result = solve(b.build(np.array([[1.0, 0.0], [4.0, 0.0], [1.0, 0.0], [0.0, 0.0]])))
    # Go when high (4 > 1), stop when low (1 > 0): 0.25 * 4 + 0.75 * 1 = 1.75.
    assert result.count == 1
    assert_allclose(result.headline.payoffs[0], 1.75)


def test_indifference_gives_one_spe_per_optimal_action_and_is_flagged():
    b = TreeBuilder(("row", "column"))
    root = b.add_personal(None, 0, "row", ("left", "right"), "row")
    b.add_terminal(root)
    b.add_terminal(root)
    result = solve(b.build(np.array([[1.0, 0.0], [1.0, 5.0]])))
    assert sorted(e.path[0][1] for e in result.equilibria()) == ["left", "right"]
    assert result.headline.path == (("row", "left"),)
    assert result.status == "degenerate"
    assert any("indifferent" in note for note in result.notes)


def test_cap_on_outcome_classes_marks_the_result_incomplete():
    # Three independent battle-of-the-sexes stages behind a chance node: 3**3 = 27 SPE.
    b = TreeBuilder(("row", "column"))
    nature = b.add_chance(None, ("a", "b", "c"), [F(1, 3)] * 3, "n")
    for key in "abc":
        add_battle_of_the_sexes(b, nature, key)
    tree = b.build(np.array(BOS_PAYOFFS * 3))
    full = solve(tree)
    assert full.count == len(full.equilibria()) == 27 and full.status == "ok"
    capped = solve(tree, max_classes=10)
    assert len(capped.equilibria(10)) == 10
    assert capped.status == "incomplete"


def test_every_profile_of_a_perfect_information_tree_is_checked_by_brute_force():
    # Oracle: enumerate every pure strategy profile of a random 2-level tree and keep those
    # with no profitable deviation in any subgame; backward induction must find exactly them.
    rng = np.random.default_rng(7)
    for _ in range(20):
        payoffs = rng.integers(0, 4, size=(2, 2, 2)).astype(float)  # [row action, column action, player]
        b = TreeBuilder(("row", "column"))
        root = b.add_personal(None, 0, "row", ("L", "R"), "row")
        for a in range(2):
            column = b.add_personal(root, 1, f"col{a}", ("l", "r"), f"col{a}")
            b.add_terminal(column)
            b.add_terminal(column)
        tree = b.build(payoffs.reshape(4, 2))
        expected = set()
        for first, reply0, reply1 in itertools.product(range(2), range(2), range(2)):
            replies = (reply0, reply1)
            column_ok = all(payoffs[a, replies[a], 1] >= payoffs[a, 1 - replies[a], 1] for a in range(2))
            row_ok = payoffs[first, replies[first], 0] >= payoffs[1 - first, replies[1 - first], 0]
            if column_ok and row_ok:
                expected.add((("L", "R")[first], ("l", "r")[reply0], ("l", "r")[reply1]))
        found = set()
        for e in solve(tree, tol=0.0).equilibria():
            plan = dict(e.decisions)
            found.add((plan[()], plan[(("row", "L"),)], plan[(("row", "R"),)]))
        assert found == expected


# --------------------------------------------------------------------------- core defects


def two_stage():
    """tests/data/efg/two_stage.efg built by hand. Stage 1: (Up, Right) (0, 3), (Down, Left)
    (3, 0), (Down, Right) (1, 1); (Up, Left) leads to a coordination game: both X (4, 4),
    both Y (2, 2), a mismatch (0, 0). The file's comment derives the five subgame-perfect
    equilibria: (X, X) after (Up, Left) with stage-1 play (Up, Left), each Up with 1/2, or
    (Down, Right); and (Down, Right) with each of the other two coordination equilibria
    (each X with 1/3, or (Y, Y)), since Down and Right are then dominant (3 > v, 1 > 0)."""
    b = TreeBuilder(("Row", "Column"))
    row = b.add_personal(None, 0, "stage 1", ("Up", "Down"))
    up = b.add_personal(row, 1, "stage 1", ("Left", "Right"))
    coordination = b.add_personal(up, 0, "coordination", ("X", "Y"))
    for _ in range(2):
        column = b.add_personal(coordination, 1, "coordination", ("X", "Y"))
        b.add_terminal(column)
        b.add_terminal(column)
    b.add_terminal(up)
    down = b.add_personal(row, 1, "stage 1", ("Left", "Right"))
    b.add_terminal(down)
    b.add_terminal(down)
    payoffs = [[4, 4], [0, 0], [0, 0], [2, 2], [0, 3], [3, 0], [1, 1]]
    return b.build(np.array([[F(u) for u in pair] for pair in payoffs], dtype=object))


PURE = {"first": (F(1), F(0)), "second": (F(0), F(1))}
HALF, THIRD = (F(1, 2), F(1, 2)), (F(1, 3), F(2, 3))
# [player][information set: stage 1, coordination]
TWO_STAGE_PROFILES = {
    ((PURE["first"], PURE["first"]), (PURE["first"], PURE["first"])),
    ((HALF, PURE["first"]), (HALF, PURE["first"])),
    ((PURE["second"], PURE["first"]), (PURE["second"], PURE["first"])),
    ((PURE["second"], THIRD), (PURE["second"], THIRD)),
    ((PURE["second"], PURE["second"]), (PURE["second"], PURE["second"])),
}


def test_two_stage_game_has_the_five_textbook_equilibria():
    result = solve(two_stage())
    assert result.count == 5 and result.status == "ok"
    assert sorted(e.exact_payoffs for e in result.equilibria()) == sorted(
        [(F(4), F(4)), (F(2), F(2)), (F(1), F(1)), (F(1), F(1)), (F(1), F(1))]
    )


def test_core_behaviour_of_stages_followed_by_play():
    # Each equilibrium's behaviour must be one of the five textbook profiles (a stage's
    # equilibrium is read from its own class's bimatrix game, not the headline's).
    result = solve(two_stage())
    assert {e.exact_behaviour() for e in result.equilibria()} == TWO_STAGE_PROFILES


def test_core_behaviour_with_a_fixed_stage_side():
    # Two-stage game with the column player's coordination behaviour fixed at X: the row
    # player's best response is X (4 > 0), so the completion plays (X, X) there.
    tree = two_stage()
    column_set = tree.player_infosets(1)[1]
    result = subgame_perfect_result(
        backward_induction(tree, fixed={column_set: (F(1), F(0))}, detail="summary")
    )
    behaviours = {e.exact_behaviour() for e in result.classes}
    assert ((PURE["first"], PURE["first"]), (PURE["first"], PURE["first"])) in behaviours
