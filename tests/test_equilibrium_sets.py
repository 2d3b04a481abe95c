"""The summarised equilibrium set (counts, outcome classes, ties) against brute force, and a
batch of trees against each tree solved alone.

Oracle: a plain recursive enumeration of every subgame-perfect equilibrium (every combination
of the children's equilibria; at a decision every action within tol of the best; at a stage
every equilibrium the normal-form solver lists), written here independently of the class
machinery of negotiation.solvers.backward_induction.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.model.tree import CHANCE, TERMINAL, TreeBuilder
from negotiation.solvers.backward_induction import backward_induction
from negotiation.solvers.equilibrium_sets import subgame_perfect_result
from negotiation.solvers.normal_form import nash_equilibria
from negotiation.solvers.subgames import DECISION, STAGE, subgames

TOL = 1e-9
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------- random trees


@st.composite
def trees(draw, batch: int = 1):
    """Random two-player trees: decisions of either player (2-3 actions), chance nodes,
    simultaneous 2x2 or 2x3 stages, terminals; small integer payoffs (ties and degenerate
    stages are common)."""
    b = TreeBuilder(("p0", "p1"))
    counter = [0]

    def grow(parent, depth):
        kind = draw(st.sampled_from(["terminal", "decision", "stage", "chance"] if depth < 3 else ["terminal", "stage"]))
        counter[0] += 1
        key = counter[0]
        if kind == "terminal":
            b.add_terminal(parent)
        elif kind == "decision":
            k = draw(st.integers(2, 3))
            v = b.add_personal(parent, draw(st.integers(0, 1)), key, [f"a{j}" for j in range(k)], f"d{key}")
            for _ in range(k):
                grow(v, depth + 1)
        elif kind == "chance":
            v = b.add_chance(parent, ["x", "y"], [0.25, 0.75], f"c{key}")
            grow(v, depth + 1)
            grow(v, depth + 1)
        else:
            m, n = 2, draw(st.integers(2, 3))
            row = draw(st.integers(0, 1))
            r = b.add_personal(parent, row, ("r", key), [f"r{j}" for j in range(m)], f"s{key}")
            for _ in range(m):
                c = b.add_personal(r, 1 - row, ("c", key), [f"c{j}" for j in range(n)])
                for _ in range(n):
                    b.add_terminal(c)

    grow(None, 0)
    payoffs = draw(st.lists(st.integers(0, 3), min_size=batch * b.terminals * 2, max_size=batch * b.terminals * 2))
    return b.build(np.array(payoffs, dtype=float).reshape(batch, b.terminals, 2))


# --------------------------------------------------------------------------- brute force


def brute_force(tree, point=0):
    """Every SPE of the tree: list of (value, {unit: choice}, tie?) with choice = action at a
    decision, equilibrium strategies at a stage."""
    units = subgames(tree)
    tie = [False]

    def solve(u):
        kind = units.kind[u]
        if kind == TERMINAL:
            return [(tree.payoffs[point, tree.terminal[u]].copy(), {})]
        kids = [int(c) for c in tree.children(u)]
        if kind == CHANCE:
            p = tree.probabilities[point, kids]
            out = []
            for combo in itertools.product(*(solve(c) for c in kids)):
                value = sum(w * v for w, (v, _) in zip(p, combo, strict=True))
                plan = {}
                for _, part in combo:
                    plan.update(part)
                out.append((value, plan))
            return out
        if kind == DECISION:
            player = int(tree.player[u])
            out = []
            for combo in itertools.product(*(solve(c) for c in kids)):
                own = [v[player] for v, _ in combo]
                best = max(own)
                optimal = [a for a, x in enumerate(own) if x >= best - TOL]
                tie[0] |= len(optimal) > 1
                for a in optimal:
                    plan = {u: a}
                    for _, part in combo:
                        plan.update(part)
                    out.append((combo[a][0], plan))
            return out
        stage = units.stages[u]
        payoff = tree.payoffs[point, tree.terminal[stage.cells]]
        A, B = payoff[..., stage.row_player], payoff[..., stage.column_player]
        out = []
        for e in nash_equilibria(A, B, exact=False).equilibria:
            value = np.zeros(2)
            value[stage.row_player] = e.row @ A @ e.column
            value[stage.column_player] = e.row @ B @ e.column
            out.append((value, {u: (tuple(np.round(e.row, 9)), tuple(np.round(e.column, 9)))}))
        return out

    return solve(0), tie[0]


def _plan(spe, result):
    """An equilibrium of the induction as {unit: choice}, comparable with the brute force."""
    induction = result.induction
    plan = {}
    for u in result.reached(spe._assignment):
        kind = induction.units.kind[u]
        if kind == DECISION:
            plan[u] = spe.action(u)
        elif kind == STAGE:
            record = induction.stages[u]
            g = record.game(result.point, u)
            e = spe.action(u)
            plan[u] = (tuple(np.round(record.solutions.row[g, e].astype(float), 9)),
                       tuple(np.round(record.solutions.column[g, e].astype(float), 9)))
    return plan


# --------------------------------------------------------------------------- tests


@PROPERTY
@given(trees())
def test_counts_classes_and_ties_equal_brute_force(tree):
    expected, tie = brute_force(tree)
    induction = backward_induction(tree, detail="summary")
    result = subgame_perfect_result(induction)
    assert result.count == len(expected)
    assert bool(induction.tie[0]) == tie
    # every equilibrium, listed from the classes, is one the brute force finds, once
    listed = result.equilibria(10_000)
    assert len(listed) == len(expected)
    brute = sorted(repr(sorted(plan.items())) for _, plan in expected)
    ours = sorted(repr(sorted(_plan(spe, result).items())) for spe in listed)
    assert ours == brute
    # the classes partition them, each with its count
    assert sum(c.count for c in result.classes) == len(expected)
    values = {tuple(np.round(v, 9)) for v, _ in expected}
    assert {tuple(np.round(c.payoffs, 9)) for c in result.classes} == values
    # the headline is one of them, and verified
    assert tuple(np.round(result.headline.payoffs, 9)) in values
    assert result.headline.max_regret <= TOL


@PROPERTY
@given(trees(batch=5))
def test_a_batch_equals_each_tree_alone(tree):
    together = backward_induction(tree, detail="values", selection_rule="utilitarian")
    for i in range(tree.batch_size):
        alone = backward_induction(tree.point(i), detail="values", selection_rule="utilitarian")
        np.testing.assert_array_equal(together.values[i], alone.values[0])
        np.testing.assert_array_equal(together.choice[i], alone.choice[0])
        assert together.status()[i] == alone.status()[0]
        assert together.tie[i] == alone.tie[0]


def test_restricting_an_action_is_forcing_the_other():
    # Entry deterrence: entrant out (0, 2) or in; incumbent fight (-1, -1) or accommodate
    # (1, 1). Forcing "out" leaves the incumbent's choice as it was.
    b = TreeBuilder(("entrant", "incumbent"))
    root = b.add_personal(None, 0, "e", ("out", "in"), "entrant")
    b.add_terminal(root)
    inc = b.add_personal(root, 1, "i", ("fight", "accommodate"), "incumbent")
    b.add_terminal(inc)
    b.add_terminal(inc)
    tree = b.build(np.array([[0.0, 2.0], [-1.0, -1.0], [1.0, 1.0]]))
    free = backward_induction(tree)
    forced = backward_induction(tree, restrict={0: (0,)}, detail="headline")
    assert free.values[0, 0].tolist() == [1.0, 1.0]
    assert forced.values[0, 0].tolist() == [0.0, 2.0]
    assert forced.choice[0, 2] == 1  # still accommodates off the path


def test_twelve_moves_are_summarised_not_listed():
    # 2^12 talks stages with three equilibria each: more subgame-perfect equilibria than
    # atoms in the universe. The count is exact and the outcomes are summarised.
    from negotiation.io.config import default_config_path, read_config
    from negotiation.model.compile import scenario_tree

    # Madrid as frozen before issue 10: three equilibria in each talks stage
    config = read_config(default_config_path().parents[2] / "tests" / "golden" / "scenarios" / "madrid_2025.toml")
    moves = config["moves"]
    config["moves"] = {
        f"{name}_{k}": {**moves[name], "cost": moves[name]["cost"] / 4}
        for k in range(6) for name in ("entity_listing", "anti_dumping_probe")
    }
    from negotiation.io.config import scenario_from_dict

    scenario = scenario_from_dict(config)
    tree = scenario_tree(scenario)
    assert tree.size_by_kind().terminals == 4096 * 9
    result = subgame_perfect_result(backward_induction(tree, selection_rule="payoff_dominant", detail="summary"))
    assert result.count > 10**100
    assert 1 <= len(result.classes) <= 4096 * 3
    assert result.headline.max_regret <= TOL


@pytest.mark.parametrize("rule", ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"])
def test_reused_stages_give_the_same_headline(rule):
    from negotiation.io.config import load_scenario
    from negotiation.model.compile import scenario_tree

    tree = scenario_tree(load_scenario())
    first = backward_induction(tree, selection_rule=rule, detail="values")
    again = backward_induction(tree, selection_rule=rule, detail="headline", reuse=first)
    np.testing.assert_array_equal(first.values, again.values)
    np.testing.assert_array_equal(first.choice, again.choice)


def test_games_equal_up_to_a_constant_are_solved_once():
    # Adding a constant to one player's payoffs changes no equilibrium and no selection
    # (the cost of a move paid in every outcome, say): such stages share one solution, and
    # each keeps its own payoffs.
    from negotiation.solvers.stage import solve_stages

    rng = np.random.default_rng(3)
    A = rng.random((1, 3, 3))
    B = rng.random((1, 3, 3))
    shifts = np.array([0.0, 0.1, -0.37, 0.005])
    stack_A = A + shifts[:, None, None]
    stack_B = np.repeat(B, 4, axis=0) - 2 * shifts[:, None, None]
    solutions = solve_stages(stack_A, stack_B)
    assert len(solutions.representative) == 1 and solutions.inverse.tolist() == [0, 0, 0, 0]
    alone = solve_stages(stack_A[2:3], stack_B[2:3])
    np.testing.assert_allclose(solutions.row[2, : alone.count[0]], alone.row[0, : alone.count[0]], atol=1e-12)
    payoffs = solutions.payoffs(stack_A, stack_B)
    np.testing.assert_allclose(payoffs[1, :, 0] - payoffs[0, :, 0], 0.1 * solutions.valid[0], atol=1e-12)
