"""Tests of negotiation.solvers.qre (logit QRE and its principal branch).

Oracles: closed forms derived in the comments; an independent root solve
(``scipy.optimize.brentq`` on the reduced 2x2 equations) for the asymmetric matching
pennies game; Gambit's ``logit_solve`` / ``logit_solve_lambda`` (pygambit, a GPL
test-only dependency) for the limit and for QREs on branches with turning points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from numpy.testing import assert_allclose
from scipy.optimize import brentq
from scipy.special import expit

from negotiation.solvers import qre_homotopy as qre_module
from negotiation.solvers.qre import (
    QREBranch,
    QREPoint,
    logit_qre,
    logit_response,
    payoff_scale,
    trace_principal_branch,
)
from negotiation.solvers.records import max_regret
from tests.strategies_games import generic_games

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

MATCHING_PENNIES = np.array([[1.0, -1.0], [-1.0, 1.0]])
# Asymmetric matching pennies (McKelvey and Palfrey 1995; Goeree and Holt 2001): the row
# player wins 9 on (Top, Left) and 1 on (Bottom, Right); the column player wins 1 on a
# mismatch.
AMP_A = np.array([[9.0, 0.0], [0.0, 1.0]])
AMP_B = np.array([[0.0, 1.0], [1.0, 0.0]])
# A 3x3 game whose principal branch has a turning point: lam rises to ~4.742, falls back
# to ~0.204 and rises again (found by search; limit confirmed with Gambit).
TURNING_A = np.array([[-14.0, -4.0, 0.0], [7.0, -17.0, 7.0], [-5.0, 2.0, 7.0]])
TURNING_B = np.array([[-9.0, -8.0, -1.0], [7.0, -6.0, -14.0], [-7.0, 3.0, 11.0]])


def gambit_profile(game, profile) -> tuple[np.ndarray, np.ndarray]:
    p1, p2 = list(game.players)
    x = np.array([float(profile[p1][s]) for s in game.get_strategies(p1)])
    y = np.array([float(profile[p2][s]) for s in game.get_strategies(p2)])
    return x, y


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("lam", [0.0, 0.3, 2.0, 50.0, 5000.0])
def test_matching_pennies_qre_is_the_centroid_for_every_lambda(lam):
    # A y = (2 y1 - 1, 1 - 2 y1) is constant only at y = (1/2, 1/2), and symmetrically
    # for x, so the centroid is a QRE for every lam; it is the unique QRE (the game is
    # zero-sum, McKelvey-Palfrey 1995 sec. 3).
    point = logit_qre(MATCHING_PENNIES, -MATCHING_PENNIES, lam)
    assert point.lam == lam
    assert_allclose(point.row, [0.5, 0.5], atol=1e-12)
    assert_allclose(point.column, [0.5, 0.5], atol=1e-12)


def test_matching_pennies_naive_iteration_cycles_where_continuation_does_not():
    # The logit response map has slope lam at the centroid, so for lam = 10 simple
    # iteration x <- logit(x) moves away from the QRE and cycles; the tracer is exact.
    A, B = MATCHING_PENNIES, -MATCHING_PENNIES
    x, y = np.array([0.6, 0.4]), np.array([0.5, 0.5])
    for _ in range(500):
        x, y = logit_response(A, B, x, y, 10.0)
    assert abs(x[0] - 0.5) > 0.1 or abs(y[0] - 0.5) > 0.1
    branch = trace_principal_branch(A, B)
    assert branch.converged
    assert_allclose(branch.limit[0], [0.5, 0.5], atol=1e-12)


def test_dominant_strategy_equilibrium_is_the_limit():
    # Prisoner's dilemma (0 = cooperate, 1 = defect): defecting is strictly dominant for
    # both, so every QRE puts more weight on defect as lam grows and the limit is
    # (defect, defect).
    A = np.array([[3.0, 0.0], [5.0, 1.0]])
    branch = trace_principal_branch(A, A.T)
    assert branch.converged
    assert branch.limit_max_regret == 0.0
    assert_allclose(branch.limit[0], [0.0, 1.0], atol=0)
    assert_allclose(branch.limit[1], [0.0, 1.0], atol=0)
    defect = [p.row[1] for p in branch.points]
    assert np.all(np.diff(defect) > -1e-12)


def amp_reduced_root(lam: float) -> tuple[float, float]:
    # p = P(row plays Top), q = P(column plays Left).
    # Row: (A y) = (9 q, 1 - q)      -> p = logistic(lam (10 q - 1)).
    # Column: (x^T B) = (1 - p, p)   -> q = logistic(lam (1 - 2 p)).
    # f(p) = p - logistic(lam (10 q(p) - 1)) is increasing (q decreases in p), negative at
    # 0 and positive at 1, so brentq finds its unique root.
    def q_of(p):
        return expit(lam * (1 - 2 * p))

    p = brentq(lambda p: p - expit(lam * (10 * q_of(p) - 1)), 0.0, 1.0, xtol=1e-15, rtol=1e-15)
    return p, q_of(p)


@pytest.mark.parametrize("lam", [0.1, 0.5, 1.0, 2.0, 5.0, 20.0, 200.0])
def test_asymmetric_matching_pennies_against_an_independent_root_solve(lam):
    p, q = amp_reduced_root(lam)
    point = logit_qre(AMP_A, AMP_B, lam)
    assert_allclose(point.row, [p, 1 - p], atol=1e-10)
    assert_allclose(point.column, [q, 1 - q], atol=1e-10)


def test_asymmetric_matching_pennies_limit():
    # The unique Nash equilibrium: the column mixes to make the row indifferent,
    # 9 q = 1 - q -> q = 1/10; the row mixes to make the column indifferent,
    # 1 - p = p -> p = 1/2. The QRE famously over-weights Top at finite lam.
    branch = trace_principal_branch(AMP_A, AMP_B)
    assert branch.converged
    assert_allclose(branch.limit[0], [0.5, 0.5], atol=1e-12)
    assert_allclose(branch.limit[1], [0.1, 0.9], atol=1e-12)
    assert all(p.row[0] > 0.5 for p in branch.points[1:])


def test_stag_hunt_limit_is_the_risk_dominant_equilibrium():
    # Stag hunt, stag = 0, hare = 1: the branch selects (hare, hare), whose Nash product
    # of deviation losses 7 * 7 = 49 exceeds stag's (9 - 8) * (9 - 8) = 1.
    A = np.array([[9.0, 0.0], [8.0, 7.0]])
    branch = trace_principal_branch(A, A.T)
    assert branch.converged
    assert branch.limit[0].tolist() == [0.0, 1.0]
    assert branch.limit[1].tolist() == [0.0, 1.0]


def test_every_traced_point_is_a_fixed_point_of_the_logit_response():
    branch = trace_principal_branch(TURNING_A, TURNING_B)
    first = branch.points[0]
    assert first.lam == 0.0
    assert_allclose(first.row, np.full(3, 1 / 3))
    for point in branch.points[:: max(1, len(branch.points) // 15)]:
        x, y = logit_response(TURNING_A, TURNING_B, point.row, point.column, point.lam)
        assert_allclose(x, point.row, atol=1e-8)
        assert_allclose(y, point.column, atol=1e-8)


# --------------------------------------------------------------------------- turning points


def test_turning_point_is_followed():
    branch = trace_principal_branch(TURNING_A, TURNING_B)
    lams = np.array([p.lam for p in branch.points])
    peak = int(np.argmax(lams[: np.argmax(np.diff(lams) < 0) + 1]))
    # the fold is at lam = 4.7425; the highest traced point is within a step of it
    assert lams[peak] == pytest.approx(4.7425, abs=1e-2)
    assert lams[peak] <= 4.7425 + 1e-4  # the fold is the branch's largest lam: never passed
    assert lams[peak:].min() < 0.25  # lam falls back by more than 4
    assert branch.converged
    # Gambit's logit_solve on this game: x = (0, 1, 0), y = (1, 0, 0).
    assert branch.limit[0].tolist() == [0.0, 1.0, 0.0]
    assert branch.limit[1].tolist() == [1.0, 0.0, 0.0]


def test_logit_qre_returns_the_first_crossing_like_gambit():
    gbt = pytest.importorskip("pygambit")
    game = gbt.StrategicGame.from_arrays(TURNING_A, TURNING_B)
    lams = [0.3, 2.0, 4.0, 6.0]  # 2.0 and 4.0 are crossed three times by the branch
    for lam, qre in zip(lams, gbt.qre.logit_solve_lambda(game, lams), strict=True):
        point = logit_qre(TURNING_A, TURNING_B, lam)
        x, y = gambit_profile(game, qre.profile)
        assert_allclose(point.row, x, atol=1e-8)
        assert_allclose(point.column, y, atol=1e-8)


# --------------------------------------------------------------------------- scale, shapes


def test_payoff_units_do_not_matter():
    # Multiplying payoffs by c > 0 and adding constants rescales lam by 1/c only.
    c = 250.0
    A2, B2 = c * AMP_A + 3.0, c * AMP_B - 7.0
    assert payoff_scale(A2, B2) == pytest.approx(c * payoff_scale(AMP_A, AMP_B))
    small = logit_qre(AMP_A, AMP_B, 2.0)
    big = logit_qre(A2, B2, 2.0 / c)
    assert_allclose(big.row, small.row, atol=1e-10)
    assert_allclose(big.column, small.column, atol=1e-10)
    limit = trace_principal_branch(A2, B2).limit
    assert_allclose(limit[1], [0.1, 0.9], atol=1e-12)


def test_one_row_and_constant_games():
    # A 1 x 3 game: the column simply best-responds to the only row.
    branch = trace_principal_branch([[0.0, 0.0, 0.0]], [[1.0, 3.0, 2.0]])
    assert branch.converged
    assert branch.limit[0].tolist() == [1.0]
    assert branch.limit[1].tolist() == [0.0, 1.0, 0.0]
    # All payoffs equal: every profile is an equilibrium and the QRE is the centroid.
    branch = trace_principal_branch(np.zeros((2, 3)), np.zeros((2, 3)))
    assert branch.converged
    assert_allclose(branch.limit[1], np.full(3, 1 / 3))


def test_degenerate_game_limit_is_the_extreme_point_gambit_finds():
    # Column 4 is the column's strict best reply to rows {0, 1}; the row is indifferent
    # between rows 0 and 1 against column 4 (both 4), so a segment of equilibria exists.
    # Along the branch column 2 keeps weight ~ 1/lam, and the limit is the end of the
    # segment where column 2 is also a best reply: 7 x0 + 3 x1 = 8 x0 - 5 x1 -> x0 = 8/9.
    A = np.array([[9.0, 3, 6, 4, 4], [-2, 7, -7, 1, 4], [7, 0, -2, -4, -1]])
    B = np.array([[0.0, 4, 7, -8, 8], [1, -3, 3, 1, -5], [-3, 4, 2, 0, -3]])
    branch = trace_principal_branch(A, B)
    assert branch.converged
    assert_allclose(branch.limit[0], [8 / 9, 1 / 9, 0.0], atol=1e-12)
    assert_allclose(branch.limit[1], [0, 0, 0, 0, 1.0], atol=1e-12)


def test_symmetric_coordination_bifurcation_is_reported():
    # In the coordination game A = B = I the centroid is a QRE for every lam and two
    # branches split off it at lam = 2 (the slope of the logit map, lam/2, reaches 1):
    # the game is not generic. The tracer goes straight on, to the mixed equilibrium.
    branch = trace_principal_branch(np.eye(2), np.eye(2))
    assert any("bifurcation" in note for note in branch.notes)
    assert_allclose(branch.limit[0], [0.5, 0.5])


def test_deterministic():
    a = trace_principal_branch(TURNING_A, TURNING_B)
    b = trace_principal_branch(TURNING_A, TURNING_B)
    assert len(a.points) == len(b.points)
    assert all(
        p.lam == q.lam and np.array_equal(p.row, q.row)
        for p, q in zip(a.points, b.points, strict=True)
    )


def test_records():
    branch = trace_principal_branch(AMP_A, AMP_B)
    assert isinstance(branch, QREBranch) and isinstance(branch.points[-1], QREPoint)
    assert branch.notes and isinstance(branch.notes[0], str)
    with pytest.raises(AttributeError):
        branch.converged = False  # frozen


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: logit_qre(np.eye(2), np.eye(3), 1.0), "same shape"),
        (lambda: logit_qre(np.ones(3), np.ones(3), 1.0), "2-D"),
        (lambda: logit_qre(np.zeros((0, 2)), np.zeros((0, 2)), 1.0), "at least one action"),
        (lambda: logit_qre([[np.nan, 0.0]], [[0.0, 0.0]], 1.0), "finite"),
        (lambda: logit_qre(np.eye(2), np.eye(2), -1.0), "lam = -1.0"),
        (lambda: logit_qre(np.eye(2), np.eye(2), float("nan")), "lam = nan"),
        (lambda: trace_principal_branch(np.eye(2), np.eye(2), lam_max=-5), "lam_max"),
        (lambda: logit_response(np.eye(2), np.eye(2), [1, 0, 0], [1, 0], 1.0), "x must have"),
        (lambda: logit_response(np.eye(2), np.eye(2), [0.7, 0.7], [1, 0], 1.0), "probability"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(generic_games(min_side=2, max_side=3))
def test_limit_is_a_verified_nash_equilibrium(game):
    A, B = game
    branch = trace_principal_branch(A, B)
    assert branch.converged, branch.notes
    x, y = branch.limit
    assert branch.limit_max_regret == max_regret(A, B, x, y)
    assert branch.limit_max_regret <= 1e-9 * payoff_scale(A, B)
    assert np.all(x >= 0) and np.all(y >= 0)
    assert x.sum() == pytest.approx(1) and y.sum() == pytest.approx(1)


def test_limit_matches_gambit_logit_solve():
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(20240611)
    for _ in range(6):
        A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
        game = gbt.StrategicGame.from_arrays(A, B)
        result = gbt.nash.logit_solve(game)
        gx, gy = gambit_profile(game, result.equilibrium)
        branch = trace_principal_branch(A, B)
        assert branch.converged
        # Gambit stops at max regret 1e-8 of the payoff range, so its profile is within
        # ~1e-6 of the limit; ours is polished to the exact equilibrium.
        assert_allclose(branch.limit[0], gx, atol=1e-5)
        assert_allclose(branch.limit[1], gy, atol=1e-5)


# --------------------------------------------------------------------------- chart, branch jumps


def test_chart_is_a_c1_bijection_that_compresses_tiny_probabilities():
    w = np.linspace(-200.0, 1.0, 2001)
    z = qre_module.to_log_probabilities(w)
    assert np.all(np.diff(z) > 0)  # increasing
    assert_allclose(qre_module.from_log_probabilities(z), w, rtol=1e-12, atol=1e-12)
    inside = w >= -qre_module.Z_COMPRESSION
    assert np.array_equal(z[inside], w[inside])  # the identity for probabilities above e^-c
    step = 1e-6
    numeric = (qre_module.to_log_probabilities(w + step) - qre_module.to_log_probabilities(w - step)) / (2 * step)
    assert_allclose(qre_module.chart_derivative(w), numeric, rtol=1e-6)
    # far out, the chart grows like -c log|z|: log-probability -1e6 sits at w ~ -102
    assert qre_module.from_log_probabilities(np.array([-1e6]))[0] == pytest.approx(-10 * (1 + np.log(1e5)))


# A 2x2 game (seeded draw) where another branch passes close to the principal branch near
# lam*s = 3; the principal branch ends at (row 1, column 1), the other at the mixed equilibrium.
JUMP_A = np.array([[0.4059865896393139, 0.24524301762412026], [0.3019937190309996, 0.8665868740662241]])
JUMP_B = np.array([[0.9001927145562926, 0.25106614280763306], [0.22187097074070927, 0.34184600303986434]])


def test_a_step_that_lands_on_a_nearby_branch_is_retried_shorter():
    # with a long first step and fast growth the predictor lands on the other branch; det
    # [DH; t] changes sign across such a step, and the tracer shortens it instead of
    # continuing there (as a tracer that only reports the sign change would)
    for first_step, max_accel in [(0.3, 3.0), (1.0, 4.0), (0.03, 1.4)]:
        branch = trace_principal_branch(JUMP_A, JUMP_B, first_step=first_step, max_accel=max_accel)
        assert branch.converged
        assert branch.limit[0].tolist() == [0.0, 1.0] and branch.limit[1].tolist() == [0.0, 1.0]
        assert not any("bifurcation" in note for note in branch.notes)


def test_limit_matches_gambit_where_another_branch_passes_close():
    gbt = pytest.importorskip("pygambit")
    game = gbt.StrategicGame.from_arrays(JUMP_A, JUMP_B)
    gx, gy = gambit_profile(game, gbt.nash.logit_solve(game).equilibrium)
    branch = trace_principal_branch(JUMP_A, JUMP_B)
    assert_allclose(branch.limit[0], gx, atol=1e-5)
    assert_allclose(branch.limit[1], gy, atol=1e-5)


LEGACY_MADRID = Path(__file__).parent / "golden" / "scenarios" / "madrid_2025.toml"


def test_limits_match_gambit_on_madrid_stage_games():
    # stage games of the packaged Madrid scenario at seeded random deadlock payoffs and
    # listing costs: the kind of game a sweep traces by the thousand
    gbt = pytest.importorskip("pygambit")
    from itertools import combinations

    from negotiation.io.config import load_scenario
    from negotiation.model.compile import stage_payoffs
    from negotiation.solvers.normal_form import nash_equilibria

    rng = np.random.default_rng(2025)
    compared = 0
    for _ in range(12):
        scenario = load_scenario(
            LEGACY_MADRID,  # deadlock values set per side: many stages with several equilibria
            overrides={
                "sides.us.outcomes.deadlock": float(rng.uniform(0.4, 0.8)),
                "sides.china.outcomes.deadlock": float(rng.uniform(0.4, 0.8)),
                "moves.entity_listing.cost": float(rng.uniform(0.0, 0.1)),
            }
        )
        moves = [m.name for m in scenario.moves]
        for k in range(len(moves) + 1):
            for played in combinations(moves, k):
                A, B, _ = stage_payoffs(scenario, list(played))
                A, B = A[0], B[0]
                if len(nash_equilibria(A, B).equilibria) < 2:
                    continue  # nothing to select
                game = gbt.StrategicGame.from_arrays(A, B)
                gx, gy = gambit_profile(game, gbt.nash.logit_solve(game).equilibrium)
                branch = trace_principal_branch(A, B)
                assert branch.converged, branch.notes
                assert np.abs(branch.limit[0] - gx).sum() + np.abs(branch.limit[1] - gy).sum() < 2e-3
                compared += 1
    assert compared >= 20


# --------------------------------------------------------------------------- one implementation


def test_a_batch_traces_each_game_as_if_alone():
    # One tracer, batch-first: a game's limit does not depend on what else is in the batch,
    # and the one-game view is the same computation (bit for bit).
    from negotiation.solvers.qre import principal_branch_limits

    rng = np.random.default_rng(7)
    A = rng.integers(-5, 6, size=(40, 3, 3)).astype(float) + rng.random((40, 3, 3))
    B = rng.integers(-5, 6, size=(40, 3, 3)).astype(float) + rng.random((40, 3, 3))
    together = principal_branch_limits(A, B)
    shuffled = rng.permutation(40)
    other_order = principal_branch_limits(A[shuffled], B[shuffled], pool_size=7)
    np.testing.assert_array_equal(other_order.row, together.row[shuffled])
    np.testing.assert_array_equal(other_order.column, together.column[shuffled])
    for g in range(0, 40, 5):
        branch = trace_principal_branch(A[g], B[g])
        np.testing.assert_array_equal(branch.limit[0], together.row[g])
        np.testing.assert_array_equal(branch.limit[1], together.column[g])
        assert branch.converged == together.converged[g]
