"""Tests for strategic bargaining (negotiation.solvers.alternating_offers).

Oracles: Rubinstein's (1982) closed form, the finite-horizon pie recursion, hand backward
induction on small package sets (each step in a comment), and Binmore, Rubinstein and
Wolinsky's (1986) convergence to the Nash bargaining solution.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from negotiation.solvers.bargaining import (
    AlternatingOffersResult,
    alternating_offers,
    alternating_offers_pie,
    breakdown_risk_shares,
    nash_bargaining_solution,
    rubinstein_shares,
)

ATOL = 1e-12
FAST = settings(max_examples=150, deadline=None)

# --------------------------------------------------------------------------- Rubinstein


@pytest.mark.parametrize(
    "delta_1, delta_2, share_1",
    [
        pytest.param(0.5, 0.5, 0.5 / 0.75, id="equal"),  # (1 - .5)/(1 - .25) = 2/3
        pytest.param(0.9, 0.9, 0.1 / 0.19, id="patient"),  # 10/19: first-mover edge shrinks
        pytest.param(0.9, 0.5, 0.5 / 0.55, id="side1_patient"),  # 10/11
        pytest.param(0.5, 0.9, 0.1 / 0.55, id="side2_patient"),  # 2/11
        pytest.param(0.0, 0.0, 1.0, id="myopic"),  # responder values tomorrow at 0
        pytest.param(0.0, 0.7, 0.3, id="impatient_proposer"),  # (1 - .7)/1
        pytest.param(0.99, 0.95, 0.05 / (1 - 0.99 * 0.95), id="near_one"),
    ],
)
def test_rubinstein_shares(delta_1, delta_2, share_1):
    x1, x2 = rubinstein_shares(delta_1, delta_2)
    assert_allclose(x1, share_1, atol=ATOL)
    assert_allclose(x1 + x2, 1.0, atol=ATOL)
    # Stationarity (Rubinstein 1982): side 2 is indifferent between x2 now and its own
    # proposal y2 = (1 - d1)/(1 - d1 d2) next round: x2 = d2 * y2.
    y2 = rubinstein_shares(delta_2, delta_1)[0]
    assert_allclose(x2, delta_2 * y2, atol=ATOL)


@pytest.mark.parametrize("delta", [(0.5, 0.5), (0.9, 0.6), (0.3, 0.95)])
def test_finite_pie_converges_to_rubinstein(delta):
    # x_t = 1 - delta_j x_{t+1}; two steps: x_t = (1 - delta_j) + delta_1 delta_2 x_{t+2},
    # so the error contracts by delta_1 delta_2 every two rounds from at most 1 in the
    # last round: |x_0 - x*| <= (delta_1 delta_2)^floor((T-1)/2).
    limit = rubinstein_shares(*delta)[0]
    for T in (1, 2, 3, 10, 11, 50, 101):
        share = alternating_offers_pie(delta, deadline=T)[0]
        assert abs(share - limit) <= (delta[0] * delta[1]) ** ((T - 1) // 2) + ATOL
    assert_allclose(alternating_offers_pie(delta, deadline=400)[0], limit, atol=1e-12)
    assert alternating_offers_pie(delta) == pytest.approx(rubinstein_shares(*delta), abs=ATOL)


def test_finite_pie_small_horizons():
    d1, d2 = 0.9, 0.6
    # T=1 ultimatum: the proposer takes all.
    assert alternating_offers_pie((d1, d2), deadline=1) == (1.0, 0.0)
    # T=2: side 2 would take all in round 1, worth d2 today: side 1 offers d2.
    assert_allclose(alternating_offers_pie((d1, d2), deadline=2), (1 - d2, d2), atol=ATOL)
    # T=3: side 2 in round 1 must offer side 1 d1 (keeps 1 - d1); side 1 offers d2 (1 - d1).
    assert_allclose(
        alternating_offers_pie((d1, d2), deadline=3), (1 - d2 * (1 - d1), d2 * (1 - d1)), atol=ATOL
    )
    # Side 2 first, T=2: side 1 would take all in round 1, so side 2 offers d1.
    assert_allclose(
        alternating_offers_pie((d1, d2), deadline=2, first_proposer=1), (d1, 1 - d1), atol=ATOL
    )


def test_breakdown_risk_closed_forms():
    # Effective factors q_i = (1 - p) delta_i: p = 0.5, delta = 1 gives q = 0.5, 2/3.
    assert_allclose(breakdown_risk_shares(1.0, 1.0, 0.5), (2 / 3, 1 / 3), atol=ATOL)
    # q = (0.9*0.9, 0.9*0.8) = (0.81, 0.72): (1 - 0.72)/(1 - 0.81*0.72).
    expected = 0.28 / (1 - 0.81 * 0.72)
    assert_allclose(breakdown_risk_shares(0.9, 0.8, 0.1)[0], expected, atol=ATOL)
    assert_allclose(
        alternating_offers_pie((0.9, 0.8), breakdown_probability=0.1)[0], expected, atol=ATOL
    )
    # Outside options b = (0.2, 0.1): side 1 gets b1 + (1 - b1 - b2) * 2/3 at q = 0.5.
    assert_allclose(
        breakdown_risk_shares(1.0, 1.0, 0.5, [0.2, 0.1])[0], 0.2 + 0.7 * 2 / 3, atol=ATOL
    )


def test_pure_breakdown_risk_tends_to_the_symmetric_nash_solution():
    # delta = 1, q = 1 - p: x1 = b1 + S (1 - q)/(1 - q^2) = b1 + S/(2 - p) -> b1 + S/2,
    # the symmetric Nash solution of the pie with disagreement point b (BRW 1986, sec. 4).
    b = (0.2, 0.1)
    surplus = 0.7
    nash = nash_bargaining_solution([[1, 0], [0, 1]], b, convex=True).point[0]
    assert_allclose(nash, b[0] + surplus / 2, atol=ATOL)
    for p in (0.5, 0.1, 1e-3, 1e-6):
        share = breakdown_risk_shares(1.0, 1.0, p, b)[0]
        assert_allclose(share, b[0] + surplus / (2 - p), atol=ATOL)
        assert abs(share - nash) <= surplus * p / 2 + ATOL  # S/(2-p) - S/2 <= S p / 2


# --------------------------------------------------------------------------- discrete game

# Five packages on the line u1 + u2 = 8 (in steps of 2 and 3), d = (0, 0).
LINE = [[8, 0], [6, 3], [4, 5], [2, 7], [0, 8]]


@dataclass(frozen=True)
class Case:
    name: str
    utilities: list
    disagreement: tuple
    discount: tuple
    deadline: int
    first_proposer: int
    package: int | None
    continuation: list  # continuation values by round, derived by hand
    breakdown: float = 0.0


CASES = [
    # T=1 (ultimatum): side 2 accepts anything >= 0, side 1 takes (8,0), accepted when
    # indifferent.
    Case("T1", LINE, (0, 0), (0.5, 0.5), 1, 0, 0, [[0, 0]]),
    # T=2: round 1, side 2 takes (0,8). Round 0: c = 0.5*(0,8) = (0,4); side 1's best
    # with u2 >= 4 is (4,5).
    Case("T2", LINE, (0, 0), (0.5, 0.5), 2, 0, 2, [[0, 4], [0, 0]]),
    # T=3: round 2, side 1 takes (8,0). Round 1: c = (4,0); side 2's best with u1 >= 4 is
    # (4,5). Round 0: c = 0.5*(4,5) = (2,2.5); side 1's best with u2 >= 2.5 is (6,3).
    Case("T3", LINE, (0, 0), (0.5, 0.5), 3, 0, 1, [[2, 2.5], [4, 0], [0, 0]]),
    # T=4: round 3 (0,8); round 2 c=(0,4) -> (4,5); round 1 c=(2,2.5): side 2's best with
    # u1 >= 2 is (2,7); round 0 c=(1,3.5): side 1's best with u2 >= 3.5 is (4,5).
    Case("T4", LINE, (0, 0), (0.5, 0.5), 4, 0, 2, [[1, 3.5], [2, 2.5], [0, 4], [0, 0]]),
    # Side 2 first. T=1: side 2 takes (0,8).
    Case("T1_side2", LINE, (0, 0), (0.5, 0.5), 1, 1, 4, [[0, 0]]),
    # T=3, side 2 first: round 2 side 2 takes (0,8); round 1 c=(0,4): side 1 -> (4,5);
    # round 0 c=(2,2.5): side 2's best with u1 >= 2 is (2,7).
    Case("T3_side2", LINE, (0, 0), (0.5, 0.5), 3, 1, 3, [[2, 2.5], [0, 4], [0, 0]]),
    # Impatient side 2, T=2: round 1 (0,8); c = (0.9*0, 0.2*8) = (0,1.6): side 1's best
    # with u2 >= 1.6 is (6,3).
    Case("impatient", LINE, (0, 0), (0.9, 0.2), 2, 0, 1, [[0, 1.6], [0, 0]]),
    # Breakdown p=0.5 without discounting: q = 0.5, the same as case T3.
    Case("breakdown", LINE, (0, 0), (1.0, 1.0), 3, 0, 1, [[2, 2.5], [4, 0], [0, 0]], 0.5),
    # d = (3,1): gains (5,-1), (3,2), (1,4), (-1,6), (-3,7). T=2: round 1, side 2's best
    # with u1 >= 3 is (4,5). Round 0: c = d + 0.5*((4,5) - d) = (3.5, 3): side 1's best
    # with u2 >= 3 is (6,3), and 6 >= 3.5.
    Case("status_quo", LINE, (3, 1), (0.5, 0.5), 2, 0, 1, [[3.5, 3], [3, 1]]),
    # Ties: side 1 is indifferent among all three; it picks the one better for side 2,
    # (5,3), and of the two copies the lower index.
    Case("ties", [[5, 1], [5, 3], [5, 3]], (0, 0), (0.5, 0.5), 1, 0, 1, [[0, 0]]),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_alternating_offers_by_hand(case):
    r = alternating_offers(
        case.utilities,
        case.disagreement,
        discount=case.discount,
        deadline=case.deadline,
        first_proposer=case.first_proposer,
        breakdown_probability=case.breakdown,
    )
    assert r.package == case.package
    assert r.agreement_round == 0 and r.agreement_probability == 1.0
    assert r.resolution == "agreement"
    assert_allclose(r.payoffs, case.utilities[case.package], atol=ATOL)
    assert_allclose(r.continuation_values, case.continuation, atol=ATOL)
    assert r.proposers == tuple((case.first_proposer + t) % 2 for t in range(case.deadline))
    assert_allclose(r.values[-1], case.disagreement, atol=ATOL)
    assert r.offers[0] == case.package


def test_deadlock_when_no_package_beats_the_status_quo():
    r = alternating_offers(LINE, (9, 9), discount=(0.5, 0.5), deadline=3)
    assert r.package is None and r.agreement_round is None and r.resolution == "deadlock"
    assert r.payoffs == (9.0, 9.0) and r.agreement_probability == 0.0
    assert r.offers == (None, None, None)
    assert_allclose(r.values, np.full((4, 2), 9.0), atol=ATOL)
    assert "deadlock" in r.notes[-1]


def test_agreement_on_the_status_quo_package_is_flagged():
    # Only (2,2) is >= d = (2,2); both are indifferent, and the tie rules make it an
    # agreement, payoff-equivalent to deadlock.
    r = alternating_offers([[2, 2], [5, 1]], (2, 2), discount=(0.5, 0.5), deadline=2)
    assert r.package == 0 and r.payoffs == (2.0, 2.0)
    assert "payoff-equivalent to deadlock" in r.notes[-1]


def test_discrete_pie_on_a_dyadic_grid_equals_the_closed_form():
    # Packages (k/1024, 1 - k/1024). With delta = (1/2, 3/4) every threshold of a game of
    # at most 4 rounds is a multiple of 1/2^6, on the grid, so the discrete SPE is the
    # pie's: e.g. T=3, x = 1 - 3/4 * (1 - 1/2) = 5/8.
    x = np.arange(1025) / 1024
    u = np.column_stack([x, 1 - x])
    for T in (1, 2, 3, 4):
        for first in (0, 1):
            r = alternating_offers(
                u, (0, 0), discount=(0.5, 0.75), deadline=T, first_proposer=first
            )
            pie = alternating_offers_pie((0.5, 0.75), deadline=T, first_proposer=first)
            assert_allclose(r.payoffs, pie, atol=ATOL)
    assert_allclose(alternating_offers_pie((0.5, 0.75), deadline=3), (5 / 8, 3 / 8), atol=ATOL)


# Properties.


def package_sets(max_size=8):
    pair = st.tuples(st.integers(0, 12), st.integers(0, 12))
    return st.lists(pair, min_size=1, max_size=max_size).map(
        lambda rows: np.array(rows, dtype=float)
    )


games = st.fixed_dictionaries(
    {
        "disagreement": st.tuples(st.integers(0, 8), st.integers(0, 8)),
        "discount": st.tuples(
            st.sampled_from([0, 0.25, 0.5, 0.9, 1]), st.sampled_from([0, 0.3, 0.5, 0.8, 1])
        ),
        "deadline": st.integers(1, 7),
        "first_proposer": st.sampled_from([0, 1]),
        "breakdown_probability": st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    }
)


@FAST
@given(package_sets(), games)
def test_agreement_is_immediate_or_never(u, game):
    r = alternating_offers(u, **game)
    d = np.array(game["disagreement"], float)
    weakly_rational = (u >= d).all(axis=1)
    # If round t+1 agrees on k, k is acceptable and good enough for round t's proposer,
    # so agreement comes in round 0 iff some package is >= d for both sides.
    assert (r.agreement_round == 0) == bool(weakly_rational.any())
    assert r.agreement_round in (0, None)
    if r.package is not None:
        assert weakly_rational[r.package]
        assert_allclose(r.payoffs, u[r.package], atol=ATOL)
    assert np.all(np.array(r.payoffs) >= d - ATOL)
    assert_allclose(r.values[0], r.payoffs, atol=ATOL)


@FAST
@given(package_sets(), games)
def test_ultimatum_gives_the_proposer_its_best_acceptable_package(u, game):
    game = {**game, "deadline": 1}
    r = alternating_offers(u, **game)
    i = game["first_proposer"]
    d = np.array(game["disagreement"], float)
    acceptable = (u >= d).all(axis=1)
    if acceptable.any():
        assert u[r.package, i] == u[acceptable, i].max()


@FAST
@given(package_sets(), games)
def test_breakdown_risk_acts_as_discounting(u, game):
    # With d as both the flow and the breakdown payoff, (delta, p) and ((1-p) delta, 0)
    # give every responder the same continuation value (BRW 1986).
    p = game["breakdown_probability"]
    r = alternating_offers(u, **game)
    q = tuple((1 - p) * x for x in game["discount"])
    s = alternating_offers(u, **{**game, "discount": q, "breakdown_probability": 0.0})
    assert r.package == s.package
    assert_allclose(r.values, s.values, atol=1e-12)


# --------------------------------------------------------------------------- BRW limit


def test_rubinstein_split_tends_to_the_asymmetric_nash_solution():
    # delta_i = exp(-r_i D): x1 = (1 - e^{-r2 D})/(1 - e^{-(r1+r2) D}). Expanding to first
    # order, x1 = a (1 + r1 D / 2 + O(D^2)) with a = r2/(r1+r2), the Nash solution of the
    # pie with side 1's power a (max x^a (1-x)^(1-a) at x = a). So |x1 - a| <= a r1 D.
    r1, r2 = 1.0, 2.0
    a = r2 / (r1 + r2)
    assert_allclose(
        nash_bargaining_solution([[1, 0], [0, 1]], (0, 0), a, convex=True).point[0], a, atol=ATOL
    )
    errors = []
    for step in (0.5, 0.1, 0.01, 0.001):
        x1 = rubinstein_shares(math.exp(-r1 * step), math.exp(-r2 * step))[0]
        errors.append(abs(x1 - a))
        assert errors[-1] <= a * r1 * step
    assert errors == sorted(errors, reverse=True)


def test_alternating_offers_on_a_concave_grid_tends_to_the_nash_solution():
    # Frontier u2 = 1 - u1^2 on a grid of N+1 points, d = 0, r = (1, 2), side 1 first.
    # Nash with power a = r2/(r1+r2) = 2/3: a/x = (1-a) 2x/(1-x^2) gives
    # x*^2 = a/(2-a) = 1/2, x* = 1/sqrt(2).
    # Continuous stationary SPE: side 1 offers x, side 2 offers y, with y = delta1 x and
    # 1 - x^2 = delta2 (1 - y^2), so x^2 = (1 - delta2)/(1 - delta1^2 delta2). Then
    # x^r2 (1-x^2)^r1 = y^r2 (1-y^2)^r1 (the delta's cancel, BRW 1986): x and y have
    # equal Nash products, so they bracket x*, and |x - x*| <= x - y = (1 - delta1) x.
    # The grid rounds each round's offer by at most one step h in u1 (2h in u2); the
    # errors are discounted by delta1 delta2 every two rounds: at most 4h/(1 - delta1
    # delta2) in all. A horizon of T with (r1+r2) D T / 2 = 30 leaves e^-30 of the
    # deadline's influence.
    r1, r2 = 1.0, 2.0
    a = r2 / (r1 + r2)
    x_star = 1 / math.sqrt(2)
    N = 50_000
    h = 1 / N
    grid = np.arange(N + 1) / N
    u = np.column_stack([grid, 1 - grid**2])
    nash = nash_bargaining_solution(u, (0, 0), a)
    assert abs(nash.point[0] - x_star) <= h
    errors = []
    for step in (0.1, 0.03, 0.01):
        delta1, delta2 = math.exp(-r1 * step), math.exp(-r2 * step)
        T = math.ceil(60 / ((r1 + r2) * step))
        r = alternating_offers(u, (0, 0), discount=(delta1, delta2), deadline=T)
        x_cont = math.sqrt((1 - delta2) / (1 - delta1**2 * delta2))
        grid_error = 4 * h / (1 - delta1 * delta2)
        assert abs(r.payoffs[0] - x_cont) <= grid_error
        assert abs(x_cont - x_star) <= (1 - delta1) * x_cont
        errors.append(abs(r.payoffs[0] - x_star))
        assert errors[-1] <= (1 - delta1) * x_cont + grid_error
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 0.005


# --------------------------------------------------------------------------- record, errors


def test_result_is_frozen_and_serialisable():
    r = alternating_offers(LINE, (0, 0), discount=(0.5, 0.5), deadline=3)
    assert isinstance(r, AlternatingOffersResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.package = 0
    data = json.loads(json.dumps(r.to_dict()))
    assert data["package"] == 1 and data["offers"] == [1, 2, 0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        pytest.param(
            {"discount": (1.2, 0.9)}, r"delta_1 = 1.2 is not in \[0, 1\]", id="delta_high"
        ),
        pytest.param({"discount": (0.5, -0.1)}, r"delta_2 = -0.1", id="delta_low"),
        pytest.param({"discount": (0.5, np.nan)}, r"delta_2 = nan", id="delta_nan"),
        pytest.param({"discount": (0.5,)}, "expected two factors", id="delta_one"),
        pytest.param({"deadline": 0}, r"deadline = 0: .*>= 1", id="T0"),
        pytest.param({"deadline": 2.5}, r"deadline = 2.5", id="T_float"),
        pytest.param({"deadline": True}, r"deadline = True", id="T_bool"),
        pytest.param({"breakdown_probability": 1.5}, r"breakdown_probability = 1.5", id="p"),
        pytest.param({"breakdown_probability": -0.1}, r"breakdown_probability", id="p_neg"),
        pytest.param({"first_proposer": 2}, "first_proposer = 2: expected side 0 or", id="who"),
        pytest.param({"utilities": [[1, np.nan]]}, "utilities: NaN", id="nan"),
        pytest.param({"utilities": [1, 2]}, r"utilities: .*shape \(K, 2\)", id="shape"),
        pytest.param({"disagreement": [0]}, "disagreement: expected two", id="d"),
    ],
)
def test_alternating_offers_rejects_bad_input(kwargs, match):
    args = {"utilities": LINE, "disagreement": (0, 0), "discount": (0.5, 0.5), "deadline": 3}
    args.update(kwargs)
    utilities, disagreement = args.pop("utilities"), args.pop("disagreement")
    with pytest.raises(ValueError, match=match):
        alternating_offers(utilities, disagreement, **args)


def test_closed_forms_reject_bad_input():
    with pytest.raises(ValueError, match=r"delta_1 = 1.0 is not in \[0, 1\)"):
        rubinstein_shares(1.0, 1.0)
    with pytest.raises(ValueError, match=r"delta_2 = 1.0 is not in \[0, 1\)"):
        rubinstein_shares(0.5, 1.0)
    with pytest.raises(ValueError, match="both 1"):
        breakdown_risk_shares(1.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="both 1"):
        alternating_offers_pie((1.0, 1.0))
    with pytest.raises(ValueError, match="exceeds the pie"):
        breakdown_risk_shares(0.5, 0.5, 0.1, [0.6, 0.6])
    with pytest.raises(ValueError, match="deadline = 0"):
        alternating_offers_pie((0.5, 0.5), deadline=0)
