"""Tests of negotiation.solvers.selection.

Oracles: textbook games (stag hunt, battle of the sexes, chicken, a 3x3 cycle) with the
payoff comparisons and Nash products of deviation losses derived in the comments, and
the closed-form 2x2 risk-dominance criterion on random games with two strict pure
equilibria.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.solvers.qre import trace_principal_branch
from negotiation.solvers.records import make_equilibrium
from negotiation.solvers.selection import (
    SELECTION_RULES,
    Selection,
    logit_qre_selection,
    payoff_dominant,
    risk_dominant,
    select_equilibrium,
    utilitarian,
)
from tests.strategies_games import integer_games

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

E0, E1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])


def pure_equilibria(A, B) -> list[tuple[np.ndarray, np.ndarray]]:
    """All pure Nash equilibria, by brute force, in row-major cell order."""
    A, B = np.asarray(A, float), np.asarray(B, float)
    m, n = A.shape
    found = []
    for i, j in itertools.product(range(m), range(n)):
        if A[i, j] >= A[:, j].max() and B[i, j] >= B[i, :].max():
            found.append((np.eye(m)[i], np.eye(n)[j]))
    return found


# --------------------------------------------------------------------------- textbook games

# Stag hunt (Harsanyi-Selten 1988, Aumann's version); stag = 0, hare = 1; B = A^T.
#   (stag, stag) pays (9, 9), (hare, hare) pays (7, 7): stag payoff-dominates.
#   Nash products of deviation losses:
#     stag: (a11 - a21)(b11 - b12) = (9 - 8)(9 - 8) = 1
#     hare: (a22 - a12)(b22 - b21) = (7 - 0)(7 - 0) = 49   -> hare risk-dominates.
#   Mixed equilibrium: 9 q = 8 q + 7 (1 - q) -> q = 7/8 for both; payoffs (63/8, 63/8).
STAG = np.array([[9.0, 0.0], [8.0, 7.0]])
STAG_MIXED = (np.array([7 / 8, 1 / 8]), np.array([7 / 8, 1 / 8]))
STAG_EQUILIBRIA = [STAG_MIXED, (E1, E1), (E0, E0)]  # mixed, hare, stag

# Battle of the sexes; (0, 0) pays (2, 1), (1, 1) pays (1, 2), mixed x = (2/3, 1/3),
# y = (1/3, 2/3) pays (2/3, 2/3). Neither pure equilibrium payoff-dominates the other;
# both pure ones Pareto-dominate the mixed one and tie on the sum 3. Nash products:
# (2 - 0)(1 - 0) = 2 and (1 - 0)(2 - 0) = 2: a tie, so risk dominance does not decide.
BOS_A = np.array([[2.0, 0.0], [0.0, 1.0]])
BOS_B = np.array([[1.0, 0.0], [0.0, 2.0]])
BOS_EQUILIBRIA = [(E0, E0), (E1, E1), (np.array([2 / 3, 1 / 3]), np.array([1 / 3, 2 / 3]))]


def test_stag_hunt_payoff_dominant_is_stag():
    choice = payoff_dominant(STAG, STAG.T, STAG_EQUILIBRIA)
    assert choice == Selection(
        2,
        "payoff_dominant",
        "payoff-dominates the 2 other equilibria: its payoffs (9, 9) are at least as high "
        "for both sides as in any other equilibrium (at most (7.875, 7.875)) and higher "
        "for one",
        False,
    )


def test_stag_hunt_risk_dominant_is_hare():
    choice = risk_dominant(STAG, STAG.T, STAG_EQUILIBRIA)
    assert choice.index == 1 and not choice.fallback
    assert "49 against 1" in choice.reason
    assert "mixed equilibrium is not compared" in choice.reason


def test_rousseau_stag_hunt_risk_dominant_is_hare():
    # (4, 0; 3, 3): stag (4 - 3)(4 - 3) = 1, hare (3 - 0)(3 - 0) = 9.
    A = np.array([[4.0, 0.0], [3.0, 3.0]])
    choice = risk_dominant(A, A.T, [(E0, E0), (E1, E1)])
    assert choice.index == 1 and "9 against 1" in choice.reason


def test_battle_of_the_sexes_has_no_payoff_dominant_equilibrium():
    choice = payoff_dominant(BOS_A, BOS_B, BOS_EQUILIBRIA)
    assert choice.fallback
    assert choice.index == 0  # tie on the sum 3 between the pure ones -> lowest index
    assert "no equilibrium payoff-dominates all others" in choice.reason
    assert "2 Pareto-undominated" in choice.reason
    assert "tied with equilibria 1" in choice.reason


def test_battle_of_the_sexes_risk_tie_falls_back_to_logit_qre():
    choice = risk_dominant(BOS_A, BOS_B, BOS_EQUILIBRIA)
    assert choice.fallback and choice.rule == "risk_dominant"
    assert "no pure equilibrium risk-dominates all others" in choice.reason
    assert "logit QRE" in choice.reason
    assert "tie at 2 and 2" in choice.reason
    # The game is symmetric (swap the players and the actions), so the principal branch
    # bifurcates; the tracer follows the symmetric branch to the mixed equilibrium.
    assert "bifurcation" in choice.reason
    assert choice.index == 2 == logit_qre_selection(BOS_A, BOS_B, BOS_EQUILIBRIA).index


def test_battle_of_the_sexes_utilitarian_tie_is_flagged():
    choice = utilitarian(BOS_A, BOS_B, BOS_EQUILIBRIA)
    assert (choice.index, choice.fallback) == (0, True)
    assert "tied with equilibrium 1" in choice.reason


def test_chicken_off_diagonal_equilibria():
    # Chicken, 0 = swerve, 1 = straight: pure equilibria (swerve, straight) and
    # (straight, swerve). Deviation losses of e = (0, 1) against f = (1, 0):
    #   e: (a01 - a11)(b01 - b00) = (-1 - -10)(2 - 0) = 18
    #   f: (a10 - a00)(b10 - b11) = (2 - 0)(-1 - -10) = 18  -> tie.
    # With a01 = -1 changed to -3 for the row: e: (-3 + 10)(2 - 0) = 14 < 18 -> f.
    A = np.array([[0.0, -1.0], [2.0, -10.0]])
    B = A.T
    eqs = [(E0, E1), (E1, E0)]
    assert risk_dominant(A, B, eqs).fallback
    A2 = np.array([[0.0, -3.0], [2.0, -10.0]])
    choice = risk_dominant(A2, B, eqs)
    assert (choice.index, choice.fallback) == (1, False)
    assert "18 against 14" in choice.reason


def test_three_by_three_coordination_generalisation():
    # A = B = diag(1, 2, 3): each pair of diagonal equilibria spans a 2x2 coordination
    # game with products i*i vs k*k, so (2, 2) risk-dominates both others (9 > 1, 9 > 4).
    A = np.diag([1.0, 2.0, 3.0])
    eqs = pure_equilibria(A, A)
    assert len(eqs) == 3
    choice = risk_dominant(A, A, eqs)
    assert (choice.index, choice.fallback) == (2, False)
    assert "each of the 2 other pure equilibria" in choice.reason
    assert "9 vs 1, 9 vs 4" in choice.reason
    assert payoff_dominant(A, A, eqs).index == 2


def test_three_by_three_risk_dominance_cycle_falls_back():
    # Symmetric game (B = A^T) with strict diagonal equilibria. For a pair (i, i), (k, k)
    # the products are (10 - a_ki)^2 and (10 - a_ik)^2, so (i, i) wins iff a_ki < a_ik:
    #   0 beats 1 (a10 = 0 < a01 = 5), 1 beats 2 (a21 = 0 < a12 = 5),
    #   2 beats 0 (a02 = 0 < a20 = 5): a cycle, so the fallback decides.
    A = np.array([[10.0, 5.0, 0.0], [0.0, 10.0, 5.0], [5.0, 0.0, 10.0]])
    eqs = pure_equilibria(A, A.T)
    assert len(eqs) == 3
    choice = risk_dominant(A, A.T, eqs)
    assert choice.fallback
    assert choice.reason.startswith("no pure equilibrium risk-dominates all others")


def test_single_pure_equilibrium_among_mixed_ones_is_selected_outright():
    eqs = [STAG_MIXED, (E0, E0)]
    choice = risk_dominant(STAG, STAG.T, eqs)
    assert (choice.index, choice.fallback) == (1, False)
    assert "only pure equilibrium" in choice.reason


def test_mixed_only_equilibria_fall_back():
    # Matching pennies has one (mixed) equilibrium: nothing to compare.
    A = np.array([[1.0, -1.0], [-1.0, 1.0]])
    half = np.array([0.5, 0.5])
    assert risk_dominant(A, -A, [(half, half)]) == Selection(
        0, "risk_dominant", "it is the only equilibrium", False
    )
    # Listing the equilibrium twice leaves no pure equilibrium: the fallback decides.
    choice = risk_dominant(A, -A, [(half, half), (half, half)])
    assert choice.fallback and choice.reason.startswith("there is no pure equilibrium")


def test_utilitarian_picks_the_highest_payoff_sum():
    choice = utilitarian(STAG, STAG.T, STAG_EQUILIBRIA)
    assert (choice.index, choice.fallback) == (2, False)
    assert choice.reason == (
        "highest sum of expected payoffs 2 (1 + 1, each side's payoff on its own scale in this game: "
        "0 at its worst outcome, 1 at its best); the next best sum is 1.75"
    )


def test_logit_qre_selection_stag_hunt():
    choice = logit_qre_selection(STAG, STAG.T, STAG_EQUILIBRIA)
    assert (choice.index, choice.fallback) == (1, False)
    assert "L1 distance 0;" in choice.reason


def test_logit_qre_selection_reuses_a_branch_and_states_the_distance():
    # Asymmetric matching pennies: the only equilibrium is x = (1/2, 1/2), y = (1/10, 9/10).
    A, B = np.array([[9.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]])
    branch = trace_principal_branch(A, B)
    choice = logit_qre_selection(
        A, B, [(np.array([0.5, 0.5]), np.array([0.1, 0.9]))], branch=branch
    )
    assert choice.index == 0
    assert choice.reason.startswith("nearest to the limit of the logit QRE principal branch")
    with pytest.raises(ValueError, match="either a traced branch or options"):
        logit_qre_selection(A, B, [branch.limit], branch=branch, lam_max=10.0)


# --------------------------------------------------------------------------- dispatch, input


def test_rule_registry():
    assert list(SELECTION_RULES) == ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"]
    for name, rule in SELECTION_RULES.items():
        direct = rule(STAG, STAG.T, STAG_EQUILIBRIA)
        assert direct.rule == name
        assert select_equilibrium(STAG, STAG.T, STAG_EQUILIBRIA, name) == direct


def test_unknown_rule_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown selection rule 'coin_flip'") as info:
        select_equilibrium(STAG, STAG.T, STAG_EQUILIBRIA, "coin_flip")
    for name in SELECTION_RULES:
        assert name in str(info.value)


@pytest.mark.parametrize("rule", list(SELECTION_RULES))
def test_empty_equilibria(rule):
    with pytest.raises(ValueError, match="empty"):
        select_equilibrium(STAG, STAG.T, [], rule)
    with pytest.raises(ValueError, match="empty"):
        SELECTION_RULES[rule](STAG, STAG.T, [])


def test_options_reach_the_tracer():
    choice = select_equilibrium(STAG, STAG.T, STAG_EQUILIBRIA, "logit_qre", lam_max=0.01)
    # At lam * s = 0.09 the branch is still near the centroid: not converged.
    assert "did not converge" in choice.reason


def test_records_are_accepted():
    records = [make_equilibrium(STAG, STAG.T, x, y) for x, y in STAG_EQUILIBRIA]
    assert payoff_dominant(STAG, STAG.T, records).index == 2


@dataclass(frozen=True)
class BadInput:
    equilibria: list
    message: str


BAD = {
    "not an equilibrium": BadInput([(E0, E1)], r"equilibria\[0\] is not a Nash equilibrium"),
    "wrong shape": BadInput([(np.array([1.0, 0.0, 0.0]), E0)], "shapes"),
    "not a distribution": BadInput([(np.array([0.7, 0.7]), E0)], "probability vector"),
    "not a pair": BadInput([E0], "expected a pair"),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=k) for k, c in BAD.items()])
def test_bad_equilibria(case):
    with pytest.raises(ValueError, match=case.message):
        payoff_dominant(STAG, STAG.T, case.equilibria)


def test_bad_game():
    with pytest.raises(ValueError, match="same shape"):
        utilitarian(np.eye(2), np.eye(3), [(E0, E0)])


# --------------------------------------------------------------------------- properties


@st.composite
def two_strict_pure_games(draw):
    """2x2 games (seeded floats) with exactly two strict pure equilibria."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    while True:
        A, B = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 2))
        if len(pure_equilibria(A, B)) == 2:
            return A, B


@PROPERTY
@given(two_strict_pure_games())
def test_two_by_two_risk_dominance_closed_form(game):
    A, B = game
    eqs = pure_equilibria(A, B)
    (a11, a12), (a21, a22) = A
    (b11, b12), (b21, b22) = B
    if eqs[0][0][0] == 1 and eqs[0][1][0] == 1:  # (1, 1) and (2, 2)
        first, second = (a11 - a21) * (b11 - b12), (a22 - a12) * (b22 - b21)
    else:  # (1, 2) and (2, 1)
        first, second = (a12 - a22) * (b12 - b11), (a21 - a11) * (b21 - b22)
    choice = risk_dominant(A, B, eqs)
    assert not choice.fallback
    assert choice.index == (0 if first > second else 1)


@PROPERTY
@given(integer_games(min_side=1, max_side=4, low=0, high=5))
def test_rule_invariants_on_pure_equilibria(game):
    A, B = game
    eqs = pure_equilibria(A, B)
    if not eqs:
        return
    u = np.array([(x @ A @ y, x @ B @ y) for x, y in eqs])
    for name, rule in SELECTION_RULES.items():
        if name == "logit_qre" and A.size > 9:
            continue  # keep the run short; the tracer has its own tests
        choice = rule(A, B, eqs)
        assert 0 <= choice.index < len(eqs)
        assert choice.rule == name and choice.reason
        assert choice == rule(A, B, eqs)  # deterministic
    best = payoff_dominant(A, B, eqs)
    if not best.fallback:
        others = np.delete(u, best.index, axis=0)
        assert np.all(u[best.index] >= others)
    # relative utilitarianism: each side's payoffs from 0 at its worst cell to 1 at its best
    def relative(M):
        span = M.max() - M.min()
        return (M - M.min()) / span if span > 0 else np.zeros_like(M, dtype=float)

    shares = np.array([(x @ relative(A) @ y, x @ relative(B) @ y) for x, y in eqs])
    assert utilitarian(A, B, eqs).index == int(np.argmax(shares.sum(axis=1)))


def test_selection_on_solver_output():
    # The analysis pipeline passes the normal-form solver's equilibria as (row, column).
    nash_equilibria = pytest.importorskip("negotiation.solvers.normal_form").nash_equilibria
    result = nash_equilibria(STAG, STAG.T)
    eqs = [(e.row, e.column) for e in result.equilibria]
    assert len(eqs) == 3
    stag = next(k for k, (x, y) in enumerate(eqs) if x[0] == 1 and y[0] == 1)
    hare = next(k for k, (x, y) in enumerate(eqs) if x[1] == 1 and y[1] == 1)
    assert select_equilibrium(STAG, STAG.T, eqs, "payoff_dominant").index == stag
    assert select_equilibrium(STAG, STAG.T, eqs, "risk_dominant").index == hare
    assert select_equilibrium(STAG, STAG.T, eqs, "logit_qre").index == hare
