"""Ties: degenerate stage games solved on the batched path, checked against independent oracles.

The oracles are the exact (integer-pivoting) one-game enumeration and Gambit's exact
``enummixed`` (pygambit, a test-time dependency). Scenarios with ties (every talks stage
degenerate) sweep on the batched path, row by row equal to single runs, and every
degeneracy note names the tied cells.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

import negotiation as ng
from negotiation.solvers.normal_form import nash_equilibria
from negotiation.solvers.stage import BATCHED_METHODS, solve_stages
from negotiation.solvers.ties import degeneracy_note, tied_best_replies
from negotiation.solvers.vertices import vertex_equilibria
from tests.test_normal_form import gambit_enummixed
from tests.test_points import assert_rows_equal_single_runs

TIES = Path(__file__).parent / "data" / "ties_stance.toml"


def tie_games(rng: np.random.Generator, G: int, m: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Games with many exact ties: payoffs from three levels, then an affine map per game (so
    that the float path sees non-integer payoffs, as a scenario's)."""
    A = rng.integers(0, 3, (G, m, n)).astype(float) * 0.13 + 0.2
    B = rng.integers(0, 3, (G, m, n)).astype(float) * 0.37 - 0.1
    return A, B


# --------------------------------------------------------------------------- the batched enumeration


@pytest.mark.parametrize(("m", "n"), [(2, 2), (2, 3), (3, 3), (3, 4), (4, 4)])
def test_vertex_enumeration_equals_the_exact_solver_on_games_with_ties(m, n):
    A, B = tie_games(np.random.default_rng(m * 10 + n), 150, m, n)
    eq = vertex_equilibria(A, B)
    assert eq.certain.all()  # exact ties are certified
    assert eq.degenerate.sum() >= 50
    for g in range(len(A)):
        exact = nash_equilibria(A[g], B[g], exact=True)
        k = int(eq.count[g])
        assert k == len(exact.equilibria)
        np.testing.assert_allclose(eq.row[g, :k], [e.row for e in exact.equilibria], atol=1e-12)
        np.testing.assert_allclose(eq.column[g, :k], [e.column for e in exact.equilibria], atol=1e-12)
        assert eq.components(g) == tuple(exact.components)
        assert bool(eq.degenerate[g]) == (exact.status == "degenerate")


def test_vertex_enumeration_equals_gambit_on_games_with_ties():
    A, B = tie_games(np.random.default_rng(7), 60, 3, 3)
    # integers for Gambit's rational arithmetic: the same games before the affine map
    Ai, Bi = np.rint((A - 0.2) / 0.13).astype(int), np.rint((B + 0.1) / 0.37).astype(int)
    eq = vertex_equilibria(A, B)
    for g in range(len(A)):
        theirs, components = gambit_enummixed(Ai[g].tolist(), Bi[g].tolist())
        k = int(eq.count[g])
        ours = {(tuple(np.round(eq.row[g, e], 12)), tuple(np.round(eq.column[g, e], 12))) for e in range(k)}
        assert ours == {(tuple(np.round(np.array(x, dtype=float), 12)), tuple(np.round(np.array(y, dtype=float), 12)))
                        for x, y in theirs}
        index = {(tuple(np.round(np.array(x, dtype=float), 12)), tuple(np.round(np.array(y, dtype=float), 12))): j
                 for j, (x, y) in enumerate(theirs)}
        mine = [(tuple(np.round(eq.row[g, e], 12)), tuple(np.round(eq.column[g, e], 12))) for e in range(k)]
        ours_components = {frozenset(index[mine[e]] for e in c) for c in eq.components(g)}
        assert ours_components == {frozenset(c) for c in components}


def test_nearly_degenerate_games_are_not_certified_by_the_batch():
    """Ties broken by 1e-9 of the range cannot be told from exact ties by float labels: the
    batch leaves them to the one-game solver rather than guess."""
    rng = np.random.default_rng(11)
    A, B = tie_games(rng, 300, 3, 3)
    A = A + 1e-9 * rng.standard_normal(A.shape)
    B = B + 1e-9 * rng.standard_normal(B.shape)
    eq = vertex_equilibria(A, B)
    assert (~eq.certain).sum() >= 200
    s = solve_stages(A, B)
    for g in np.flatnonzero(~eq.certain)[:40]:
        assert s.method[g] not in BATCHED_METHODS
        one = nash_equilibria(A[g], B[g])
        np.testing.assert_allclose(s.row[g, : s.count[g]], [e.row for e in one.equilibria])


def test_solve_stages_batches_degenerate_games():
    A, B = tie_games(np.random.default_rng(5), 200, 3, 3)
    s = solve_stages(A, B)
    degenerate = np.array([st == "degenerate" for st in s.status])
    assert degenerate.sum() >= 60
    assert not s.one_game.any()
    assert {s.method[g] for g in np.flatnonzero(degenerate)} == {"batched_vertex_enumeration"}
    for g in np.flatnonzero(degenerate)[:50]:
        exact = nash_equilibria(A[g], B[g], exact=True)
        assert s.result(g, A, B).components == exact.components
        assert (s.max_regret[g, : s.count[g]] <= 1e-9).all()


# --------------------------------------------------------------------------- what the notes say


def test_tied_best_replies_finds_ties_among_best_replies_only():
    B = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    assert tied_best_replies(B, axis=1) == [(2, (1, 2))]  # row 0's two zeros tie but are not best
    assert tied_best_replies(B, axis=0) == [(1, (1, 2))]


def test_a_degenerate_game_without_tied_cells_is_explained_by_the_mixed_strategy():
    # against the row player's (1/2, 1/2) the column player's three actions all pay 1/2
    A = np.array([[1.0, 0.0, 0.3], [0.0, 1.0, 0.6]])
    B = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]])
    result = nash_equilibria(A, B, exact=True)
    assert result.status == "degenerate"
    note = degeneracy_note(A, B, result, ("eu", "china"), ("a", "b"), ("x", "y", "z"))
    assert note.startswith("no two cells tie, but against eu playing a 0.5, b 0.5, china's x, y and z are all best")


def test_a_component_is_described_as_a_set_with_its_payoff_ranges():
    # the column player's hold and escalate tie against escalate: a segment of equilibria
    A = np.array([[3.0, 1.0], [2.0, 0.0]])
    B = np.array([[1.0, 1.0], [0.0, 2.0]])
    note = degeneracy_note(A, B, nash_equilibria(A, B, exact=True), ("us", "china"), ("hold", "escalate"),
                           ("hold", "escalate"))
    assert "tied cells: for china, hold and escalate pay the same (1) against us's hold" in note
    assert "1 component, a set in which every mixture of its extreme points is an equilibrium" in note
    assert "payoffs us 1 to 3, china 1" in note


# --------------------------------------------------------------------------- scenarios with ties


def test_every_stage_of_the_tie_scenario_is_degenerate_and_its_notes_name_the_tied_cells():
    scenario = ng.load(TIES)
    analysis = ng.analyze(scenario)
    summary = analysis.to_dict()
    stages = summary["stages"]
    assert len(stages) == 4 and {s["status"] for s in stages} == {"degenerate"}
    assert {s["method"] for s in stages} == {"batched_vertex_enumeration"}
    notes = [n for n in summary["notes"] if " is degenerate: " in n]
    assert len(notes) == 4
    for stage, note in zip(stages, notes, strict=True):
        assert note.startswith(f"stage '{stage['stage']}' is degenerate: tied cells: ")
        # escalate-against-escalate and hold-against-escalate are both escalation: the tie
        assert re.search(r"for china, hold and escalate pay the same \([0-9.]+\) against us's escalate", note)
        assert re.search(r"for us, hold and escalate pay the same \([0-9.]+\) against china's escalate", note)
        # an independent check of the equilibria: the exact solver on the stage's payoffs
        assert len(stage["equilibria"]) >= 1


def test_each_tie_scenario_stage_equals_the_exact_solver():
    scenario = ng.load(TIES)
    analysis = ng.analyze(scenario)
    actual = analysis.actual
    induction = actual.induction
    for u, (_, _, result) in zip(sorted(induction.stages), actual.stage_results, strict=True):
        record = induction.stages[u]
        g = record.game(0, u)
        exact = nash_equilibria(np.asarray(record.A[g]), np.asarray(record.B[g]), exact=True)
        assert len(result.equilibria) == len(exact.equilibria)
        for ours, theirs in zip(result.equilibria, exact.equilibria, strict=True):
            np.testing.assert_allclose(ours.row, theirs.row, atol=1e-12)
            np.testing.assert_allclose(ours.column, theirs.column, atol=1e-12)
        assert result.components == exact.components


@pytest.mark.parametrize("rule", ["logit_qre", "risk_dominant", "payoff_dominant", "utilitarian"])
def test_a_tie_scenario_sweeps_on_the_batched_path_with_rows_equal_to_single_runs(rule):
    from negotiation.io.config import read_config

    config = read_config(TIES)
    config["solver"]["selection_rule"] = rule
    values = list(itertools.product(np.linspace(0.55, 0.7, 4), np.linspace(0.5, 0.65, 4)))
    overrides = {"sides.us.outcomes.deadlock": np.array([v[0] for v in values]),
                 "sides.china.outcomes.deadlock": np.array([v[1] for v in values])}
    rows = assert_rows_equal_single_runs(config, overrides, source=str(TIES))
    assert (rows["status"] == "degenerate").all()
    assert not rows["exact_fallback"].any()
