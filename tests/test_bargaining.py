"""Tests for the axiomatic bargaining solutions (negotiation.solvers.bargaining).

Oracles: brute force over the discrete packages, dense sampling of the convex
frontier, hand-derived closed forms (derivation in each comment), and the axioms of
Nash (1950) and Kalai and Smorodinsky (1975) as hypothesis properties.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from negotiation.solvers.bargaining import (
    BargainingSolution,
    convex_frontier,
    egalitarian_solution,
    ideal_point,
    kalai_smorodinsky_solution,
    nash_bargaining_solution,
    pareto_frontier,
    zone_of_agreement,
)

ATOL = 1e-9
SOLVERS = {
    "nash": nash_bargaining_solution,
    "kalai_smorodinsky": kalai_smorodinsky_solution,
    "egalitarian": egalitarian_solution,
}

# --------------------------------------------------------------------------- strategies


def package_sets(min_size=1, max_size=10, low=0, high=20):
    """Integer-valued utilities (exact arithmetic, ties possible), shape (K, 2)."""
    pair = st.tuples(st.integers(low, high), st.integers(low, high))
    return st.lists(pair, min_size=min_size, max_size=max_size).map(
        lambda rows: np.array(rows, dtype=float).reshape(-1, 2)
    )


disagreements = st.tuples(st.integers(0, 10), st.integers(0, 10)).map(
    lambda d: np.array(d, dtype=float)
)
powers = st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0])
FAST = settings(max_examples=150, deadline=None)


# --------------------------------------------------------------------------- brute force


def dominated(u, k):
    return bool(np.any(np.all(u >= u[k], axis=1) & np.any(u > u[k], axis=1)))


def nash_log_product(gains, power):
    gains = np.atleast_2d(np.maximum(gains, 0.0))
    with np.errstate(divide="ignore"):
        out = np.zeros(len(gains))
        if power > 0:
            out += power * np.log(gains[:, 0])
        if power < 1:
            out += (1 - power) * np.log(gains[:, 1])
    return out


def frontier_samples(u, d, n=400):
    """Dense sample of the individually-rational part of the convex frontier."""
    points = u[convex_frontier(u)]
    if len(points) == 1:
        samples = points
    else:
        t = np.linspace(0.0, 1.0, n)[:, None]
        samples = np.vstack(
            [(1 - t) * p + t * q for p, q in zip(points[:-1], points[1:], strict=True)]
        )
    return samples[(samples >= d - 1e-12).all(axis=1)]


def hull_samples(u, d, n=60):
    """Sample the individually-rational part of every segment between two packages.

    The hull's efficient frontier is a union of such segments, so the maximum of any
    objective increasing in both gains over these samples approximates its maximum over
    the individually-rational hull, independently of :func:`convex_frontier`.
    """
    out = []
    for i in range(len(u)):
        for j in range(i, len(u)):
            A, B = u[i] - d, u[j] - u[i]
            lo, hi = 0.0, 1.0
            for side in (0, 1):
                if B[side] > 0:
                    lo = max(lo, -A[side] / B[side])
                elif B[side] < 0:
                    hi = min(hi, A[side] / -B[side])
                elif A[side] < 0:
                    lo, hi = 1.0, 0.0
            if lo <= hi:
                t = np.linspace(lo, hi, n)[:, None]
                out.append(u[i] + t * B)
    return np.vstack(out) if out else np.zeros((0, 2))


def polyline_height(u, x):
    """Side 2's utility on the convex frontier at side 1's utility x."""
    points = u[convex_frontier(u)]
    return float(np.interp(x, points[:, 0], points[:, 1]))


def assert_on_frontier(u, point):
    """No point of conv(u) Pareto-dominates ``point``, and ``point`` is in conv(u)."""
    points = u[convex_frontier(u)]
    assert points[0, 0] - ATOL <= point[0] <= points[-1, 0] + ATOL
    assert_allclose(point[1], polyline_height(u, point[0]), atol=1e-7)


# --------------------------------------------------------------------------- sets


def test_pareto_frontier_ties_documented_example():
    # (4,4) appears twice (rows 1 and 4): neither strictly dominates the other, both kept.
    # (4,3) is dominated by (4,4) (equal u1, lower u2); (3,2) by (4,4).
    u = np.array([[6, 1], [4, 4], [1, 6], [3, 2], [4, 4], [4, 3], [1, 6]], float)
    assert pareto_frontier(u).tolist() == [0, 1, 2, 4, 6]


@FAST
@given(package_sets(max_size=12, high=4))
def test_pareto_frontier_matches_brute_force(u):
    expected = [k for k in range(len(u)) if not dominated(u, k)]
    assert pareto_frontier(u).tolist() == expected


def test_pareto_frontier_empty_set():
    assert pareto_frontier(np.zeros((0, 2))).tolist() == []


@FAST
@given(package_sets(high=6), disagreements.map(lambda d: d % 7))
def test_zone_of_agreement_matches_definition(u, d):
    expected = [
        k
        for k in range(len(u))
        if u[k, 0] >= d[0] and u[k, 1] >= d[1] and (u[k, 0] > d[0] or u[k, 1] > d[1])
    ]
    assert zone_of_agreement(u, d).tolist() == expected


def test_zone_of_agreement_excludes_the_disagreement_point_itself():
    # Row 2 equals d: agreeing on it changes nothing, so it is not in the zone.
    u = np.array([[3, 2], [1, 9], [2, 2], [2, 5]], float)
    assert zone_of_agreement(u, [2, 2]).tolist() == [0, 3]


def test_convex_frontier_hand_example():
    # Pareto points (1,6), (4,4), (6,1). (4,4) lies above the chord from (1,6) to (6,1)
    # (chord height at u1=4: 6 - 3 = 3 < 4), so all three are vertices, by u1 ascending.
    # (3,4) is dominated by (4,4); (3,2) too.
    u = np.array([[6, 1], [4, 4], [1, 6], [3, 2], [3, 4]], float)
    assert convex_frontier(u).tolist() == [2, 1, 0]


def test_convex_frontier_drops_points_below_or_on_a_chord():
    # (2,2) lies on the chord from (0,4) to (4,0); (1,2.5) below the chord (0,4)-(2,3)?
    # chord height at 1: 3.5 > 2.5, so it is no vertex; (2,3) is above (0,4)-(4,0).
    u = np.array([[0, 4], [2, 2], [4, 0], [1, 2.5], [2, 3]], float)
    assert convex_frontier(u).tolist() == [0, 4, 2]
    assert convex_frontier(u[:3]).tolist() == [0, 2]


@FAST
@given(package_sets(max_size=12))
def test_convex_frontier_is_the_efficient_concave_envelope(u):
    vertices = convex_frontier(u)
    points = u[vertices]
    assert len(vertices) >= 1
    assert all(not dominated(u, k) for k in vertices)
    assert np.all(np.diff(points[:, 0]) > 0) and np.all(np.diff(points[:, 1]) < 0)
    for o, a, b in zip(points, points[1:], points[2:], strict=False):  # strictly concave turns
        assert (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]) < 0
    # Ends: the highest u2 (leftmost) and the highest u1 (rightmost).
    assert points[0, 1] == u[:, 1].max() and points[-1, 0] == u[:, 0].max()
    # Every package is on or below the polyline (weakly dominated by a hull point).
    for p in u:
        height = polyline_height(u, p[0]) if p[0] >= points[0, 0] else points[0, 1]
        assert p[1] <= height + ATOL


def test_ideal_point_discrete_and_convex():
    # Discrete: zone w.r.t. d=(1,1) is empty. Hull: the segment (3,0)-(0,3) is >= (1,1)
    # for u1 in [1, 2], so the ideal is (2, 2).
    u = [[3.0, 0.0], [0.0, 3.0]]
    assert ideal_point(u, [1, 1]) is None
    assert_allclose(ideal_point(u, [1, 1], convex=True), (2.0, 2.0), atol=ATOL)
    # Zone of [[6,1],[4,4],[1,6]] w.r.t. (2,0): rows 0 and 1 -> ideal (6, 4).
    assert ideal_point([[6, 1], [4, 4], [1, 6]], [2, 0]) == (6.0, 4.0)


# --------------------------------------------------------------------------- Nash


@dataclass(frozen=True)
class Case:
    name: str
    utilities: list
    disagreement: tuple
    power: float
    convex: bool
    point: tuple
    package: int | None
    lottery: tuple | None = None


NASH_CASES = [
    # Products (d=0): 6, 16, 6, 6 -> package 1.
    Case("discrete", [[6, 1], [4, 4], [1, 6], [3, 2]], (0, 0), 0.5, False, (4, 4), 1),
    # Gains w.r.t. d=(2,0): (4,1), (2,4), (-1,.), (1,2): products 4, 8, -, 2 -> package 1.
    Case("discrete_d", [[6, 1], [4, 4], [1, 6], [3, 2]], (2, 0), 0.5, False, (4, 4), 1),
    # power 0.9: 0.9 log g1 + 0.1 log g2 on (6,1),(4,4),(1,6): 1.61, 1.39, 0.18 -> package 0.
    Case("discrete_power", [[6, 1], [4, 4], [1, 6]], (0, 0), 0.9, False, (6, 1), 0),
    # Pie conv{(1,0),(0,1)}: max x^a (1-x)^(1-a) at x = a. Frontier ordered by u1:
    # (0,1) [row 1] then (1,0) [row 0]; the point (a, 1-a) = (1-a) u_1 + a u_0.
    Case("pie_half", [[1, 0], [0, 1]], (0, 0), 0.5, True, (0.5, 0.5), None, (1, 0, 0.5)),
    Case("pie_a", [[1, 0], [0, 1]], (0, 0), 0.3, True, (0.3, 0.7), None, (1, 0, 0.7)),
    # Pie with d=(0.2,0.1): gains x-0.2, 0.9-x, surplus 0.7 split equally: x = 0.55.
    Case("pie_d", [[1, 0], [0, 1]], (0.2, 0.1), 0.5, True, (0.55, 0.45), None, (1, 0, 0.45)),
    # Hull of (1,6),(4,4),(6,1), d=0: segment (1,6)-(4,4) is u2 = 20/3 - 2u1/3, product
    # max at u1 = 5 > 4 (clipped); segment (4,4)-(6,1) is u2 = 10 - 1.5u1, max at 10/3 < 4
    # (clipped): the vertex (4,4), package 1.
    Case("hull_vertex", [[6, 1], [4, 4], [1, 6]], (0, 0), 0.5, True, (4, 4), 1),
    # No package >= (1,1) but the lottery 1/2-1/2 of (3,0),(0,3) gives (1.5,1.5):
    # on u1 + u2 = 3, gains (x-1)(2-x) max at x = 1.5.
    Case("hull_only", [[3, 0], [0, 3]], (1, 1), 0.5, True, (1.5, 1.5), None, (1, 0, 0.5)),
    # power 1 on the pie with d=(0,0.25): side 1 takes all it can, u2 = d2: (0.75, 0.25).
    Case("power_one", [[1, 0], [0, 1]], (0, 0.25), 1.0, True, (0.75, 0.25), None, (1, 0, 0.25)),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in NASH_CASES])
def test_nash_oracle_cases(case):
    s = nash_bargaining_solution(case.utilities, case.disagreement, case.power, convex=case.convex)
    assert s.feasible and s.method == "nash" and s.power == case.power
    assert_allclose(s.point, case.point, atol=ATOL)
    assert s.package == case.package
    if case.lottery is None:
        assert s.lottery is None
    else:
        assert s.lottery[:2] == case.lottery[:2]
        assert_allclose(s.lottery[2], case.lottery[2], atol=ATOL)
        i, j, p = s.lottery
        u = np.asarray(case.utilities, float)
        assert_allclose(s.point, p * u[i] + (1 - p) * u[j], atol=ATOL)


@FAST
@given(package_sets(), disagreements, powers)
def test_nash_discrete_maximises_the_product(u, d, power):
    s = nash_bargaining_solution(u, d, power)
    zone = zone_of_agreement(u, d)
    assert s.feasible == (len(zone) > 0)
    if not s.feasible:
        return
    best = nash_log_product(u[zone] - d, power).max()
    assert nash_log_product(np.array(s.point) - d, power)[0] >= best - 1e-12
    assert s.package in zone.tolist()


@FAST
@given(package_sets(), disagreements, powers)
def test_nash_convex_maximises_the_product_on_the_hull(u, d, power):
    s = nash_bargaining_solution(u, d, power, convex=True)
    samples = hull_samples(u, d)
    assert s.feasible == bool(((samples - d) > 1e-12).any())
    if not s.feasible:
        return
    assert np.all(np.array(s.point) >= d - 1e-9)
    assert_on_frontier(u, s.point)
    value = nash_log_product(np.array(s.point) - d, power)[0]
    assert value >= nash_log_product(samples - d, power).max() - 1e-9


# Axioms (Nash 1950) as properties.


@FAST
@given(package_sets(), disagreements, powers, st.booleans())
def test_nash_pareto_efficiency(u, d, power, convex):
    s = nash_bargaining_solution(u, d, power, convex=convex)
    assume(s.feasible)
    if convex:
        assert_on_frontier(u, s.point)
    else:
        assert s.package in pareto_frontier(u).tolist()


@FAST
@given(package_sets(max_size=6), st.integers(0, 10))
def test_nash_symmetry(half, c):
    # Close the set under swapping the sides; d on the diagonal.
    u = np.vstack([half, half[:, ::-1]])
    d = np.array([c, c], float)
    hull = nash_bargaining_solution(u, d, convex=True)
    if hull.feasible:
        # The hull is symmetric and the log-product strictly concave on it: the unique
        # maximiser is its own mirror image, so the gains are equal.
        assert_allclose(hull.gains[0], hull.gains[1], atol=1e-9)
    discrete = nash_bargaining_solution(u, d)
    if discrete.feasible:
        # The set of maximisers is symmetric: the mirrored point is a maximiser of the
        # mirrored problem, with the same product.
        mirrored = nash_bargaining_solution(u[:, ::-1], d[::-1])
        assert_allclose(
            nash_log_product(np.array(mirrored.point) - d, 0.5),
            nash_log_product(np.array(discrete.point) - d, 0.5),
            atol=1e-12,
        )


@FAST
@given(
    package_sets(),
    disagreements,
    powers,
    st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)),
    st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
)
def test_nash_invariance_to_positive_affine_rescaling(u, d, power, scale, shift):
    scale, shift = np.array(scale), np.array(shift)
    before = nash_bargaining_solution(u, d, power)
    after = nash_bargaining_solution(u * scale + shift, d * scale + shift, power)
    assert after.feasible == before.feasible
    if before.feasible:
        # Products are multiplied by scale_1^a scale_2^(1-a): same argmax, same ties
        # (within the tie tolerance), hence the same lowest-index package.
        assert after.package == before.package
    hull_before = nash_bargaining_solution(u, d, power, convex=True)
    hull_after = nash_bargaining_solution(u * scale + shift, d * scale + shift, power, convex=True)
    assert hull_after.feasible == hull_before.feasible
    assert_allclose(hull_after.point, np.array(hull_before.point) * scale + shift, atol=1e-7)


@FAST
@given(package_sets(max_size=12), disagreements, powers, st.data())
def test_nash_independence_of_irrelevant_alternatives(u, d, power, data):
    s = nash_bargaining_solution(u, d, power)
    assume(s.feasible)
    others = [k for k in range(len(u)) if k != s.package]
    removed = data.draw(st.sets(st.sampled_from(others)) if others else st.just(set()))
    kept = [k for k in range(len(u)) if k not in removed]
    smaller = nash_bargaining_solution(u[kept], d, power)
    # Removal keeps the order of the remaining packages, so the lowest-index rule among
    # ties still picks the same package.
    assert kept[smaller.package] == s.package


@FAST
@given(package_sets(max_size=12), disagreements, st.data())
def test_nash_iia_on_the_hull(u, d, data):
    s = nash_bargaining_solution(u, d, convex=True)
    assume(s.feasible)
    support = {s.package} if s.lottery is None else set(s.lottery[:2])
    others = [k for k in range(len(u)) if k not in support]
    removed = data.draw(st.sets(st.sampled_from(others)) if others else st.just(set()))
    kept = [k for k in range(len(u)) if k not in removed]
    smaller = nash_bargaining_solution(u[kept], d, convex=True)
    # The point is still feasible in the smaller hull and still the maximiser.
    assert_allclose(smaller.point, s.point, atol=1e-9)


# --------------------------------------------------------------------------- Kalai-Smorodinsky

# Kalai and Smorodinsky (1975), the example that motivates their monotonicity axiom:
# S = conv{0, (1,0), (0,1), (3/4,3/4)}, T = conv{0, (1,0), (0,1), (1,0.7)}, d = 0.
# T contains S and both have the ideal point (1,1).
KS_S = np.array([[0, 0], [1, 0], [0, 1], [0.75, 0.75]])
KS_T = np.array([[0, 0], [1, 0], [0, 1], [1, 0.7]])


def test_nash_violates_monotonicity_in_the_kalai_smorodinsky_example():
    # Nash(S): on (0,1)-(3/4,3/4), u2 = 1 - u1/3, product u1 - u1^2/3 peaks at 3/2 > 3/4;
    # on (3/4,3/4)-(1,0), u2 = 3 - 3u1, product peaks at 1/2 < 3/4: the vertex (3/4,3/4).
    # Nash(T): on (0,1)-(1,0.7), u2 = 1 - 0.3u1, product u1 - 0.3u1^2 peaks at 5/3 > 1:
    # the vertex (1, 0.7). Side 2 loses (0.7 < 0.75) though T is larger, same ideal.
    nash_s = nash_bargaining_solution(KS_S, [0, 0], convex=True)
    nash_t = nash_bargaining_solution(KS_T, [0, 0], convex=True)
    assert_allclose(nash_s.point, (0.75, 0.75), atol=ATOL)
    assert_allclose(nash_t.point, (1.0, 0.7), atol=ATOL)
    assert nash_t.point[1] < nash_s.point[1]


def test_kalai_smorodinsky_satisfies_monotonicity_in_their_example():
    # KS(S): the diagonal meets S's frontier at (3/4,3/4).
    # KS(T): u1 = u2 = 1 - 0.3u1 -> u1 = 1/1.3 = 10/13 > 3/4 for both sides.
    assert ideal_point(KS_S, [0, 0], convex=True) == (1.0, 1.0)
    assert ideal_point(KS_T, [0, 0], convex=True) == (1.0, 1.0)
    ks_s = kalai_smorodinsky_solution(KS_S, [0, 0], convex=True)
    ks_t = kalai_smorodinsky_solution(KS_T, [0, 0], convex=True)
    assert_allclose(ks_s.point, (0.75, 0.75), atol=ATOL)
    assert ks_s.package == 3
    assert_allclose(ks_t.point, (10 / 13, 10 / 13), atol=ATOL)
    # lottery between (0,1) [row 2] and (1,0.7) [row 3]: weight on row 2 is 1 - 10/13.
    assert ks_t.lottery[:2] == (2, 3)
    assert_allclose(ks_t.lottery[2], 3 / 13, atol=ATOL)
    assert ks_t.point[0] >= ks_s.point[0] and ks_t.point[1] >= ks_s.point[1]


@FAST
@given(
    package_sets(min_size=1, max_size=8),
    package_sets(min_size=1, max_size=6),
    disagreements,
)
def test_kalai_smorodinsky_monotonicity_on_the_hull(gains_s, extra, d):
    # S has all packages >= d, so its hull is individually rational and its ideal is the
    # packages' maximum. T adds packages >= d whose u1 does not exceed I1(S): T contains S,
    # I1(T) = I1(S), so the monotonicity axiom requires KS_2(T) >= KS_2(S).
    s_set = gains_s + d
    ideal_1 = s_set[:, 0].max()
    extra = extra + d
    extra[:, 0] = np.minimum(extra[:, 0], ideal_1)
    t_set = np.vstack([s_set, extra])
    ks_s = kalai_smorodinsky_solution(s_set, d, convex=True)
    ks_t = kalai_smorodinsky_solution(t_set, d, convex=True)
    assume(ks_s.feasible)
    assert ks_t.feasible
    assert ks_t.point[1] >= ks_s.point[1] - 1e-9


@FAST
@given(package_sets(), disagreements)
def test_kalai_smorodinsky_on_the_hull_is_on_the_line_to_the_ideal(u, d):
    s = kalai_smorodinsky_solution(u, d, convex=True)
    assume(s.feasible)
    ideal = np.array(ideal_point(u, d, convex=True))
    assert_on_frontier(u, s.point)
    span = ideal - d
    if (span > 0).all():
        ratios = (np.array(s.point) - d) / span
        assert_allclose(ratios[0], ratios[1], atol=1e-9)


@FAST
@given(package_sets(), disagreements)
def test_kalai_smorodinsky_discrete_matches_brute_force(u, d):
    s = kalai_smorodinsky_solution(u, d)
    zone = zone_of_agreement(u, d)
    assert s.feasible == (len(zone) > 0)
    assume(s.feasible)
    span = u[zone].max(axis=0) - d
    safe = np.where(span > 0, span, 1.0)
    ratios = np.where(span > 0, (u[zone] - d) / safe, 1.0)
    best = ratios.min(axis=1).max()
    k = s.package
    mine = np.where(span > 0, (u[k] - d) / safe, 1.0)
    assert mine.min() >= best - 1e-12
    assert k in pareto_frontier(u).tolist()


@FAST
@given(
    package_sets(),
    disagreements,
    st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)),
    st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
)
def test_kalai_smorodinsky_scale_invariance_on_the_hull(u, d, scale, shift):
    scale, shift = np.array(scale), np.array(shift)
    before = kalai_smorodinsky_solution(u, d, convex=True)
    after = kalai_smorodinsky_solution(u * scale + shift, d * scale + shift, convex=True)
    assert after.feasible == before.feasible
    assert_allclose(after.point, np.array(before.point) * scale + shift, atol=1e-7)


# --------------------------------------------------------------------------- egalitarian


def test_egalitarian_examples():
    # Discrete: min gains 1, 4, 1, 3 -> package 1.
    assert egalitarian_solution([[6, 1], [4, 4], [1, 6], [5, 3]], [0, 0]).package == 1
    # Hull of (3,0),(0,1): u2 = 1 - u1/3 = u1 -> u1 = 3/4.
    s = egalitarian_solution([[3, 0], [0, 1]], [0, 0], convex=True)
    assert_allclose(s.point, (0.75, 0.75), atol=ATOL)
    # Discrete tie on the smaller gain (2 each for (2,5) and (6,2)): leximin prefers the
    # larger gain of the better-off side, 6 > 5 -> row 1.
    tie = egalitarian_solution([[2, 5], [6, 2]], [0, 0])
    assert tie.package == 1 and any("tie" in n for n in tie.notes)


@FAST
@given(package_sets(), disagreements)
def test_egalitarian_equal_gains_on_the_hull_when_the_ray_meets_the_frontier(u, d):
    s = egalitarian_solution(u, d, convex=True)
    assume(s.feasible)
    assert_on_frontier(u, s.point)
    samples = frontier_samples(u, d, 1000)
    gap = samples[:, 0] - d[0] - (samples[:, 1] - d[1])
    if gap.min() <= 0 <= gap.max():
        # The frontier crosses the equal-gains ray d + m(1,1): the point is on it.
        assert_allclose(s.gains[0], s.gains[1], atol=1e-9)
    # Always: the worse-off side gets the best guarantee over the hull.
    assert min(s.gains) >= (samples - d).min(axis=1).max() - 1e-9


@FAST
@given(package_sets(), disagreements)
def test_egalitarian_discrete_matches_brute_force(u, d):
    s = egalitarian_solution(u, d)
    zone = zone_of_agreement(u, d)
    assert s.feasible == (len(zone) > 0)
    assume(s.feasible)
    assert min(s.gains) == (u[zone] - d).min(axis=1).max()


# --------------------------------------------------------------------------- infeasible


@pytest.mark.parametrize("method", sorted(SOLVERS))
@pytest.mark.parametrize("convex", [False, True], ids=["discrete", "hull"])
def test_empty_zone_returns_the_disagreement_point(method, convex):
    # Every package (and so every lottery) is below d = (7, 7) for some side.
    u = [[6, 1], [4, 4], [1, 6]]
    s = SOLVERS[method](u, [7, 7], convex=convex)
    assert not s.feasible
    assert s.point == (7.0, 7.0) and s.package is None and s.lottery is None
    assert s.gains == (0.0, 0.0)
    assert "no agreement" in s.notes[0]


@pytest.mark.parametrize("method", sorted(SOLVERS))
def test_only_the_disagreement_point_is_not_an_agreement(method):
    # The only package at least d is d itself: nothing to gain, no agreement. On the hull
    # too: (2,2) is a vertex (above the chord u1 + u2 = 3), left of it u1 < 2 and right
    # of it u2 < 2. (With (5,1) and (1,5) instead, their lottery (3,3) would beat d.)
    u = [[2, 2], [3, 0], [0, 3]]
    assert not SOLVERS[method](u, [2, 2]).feasible
    assert not SOLVERS[method](u, [2, 2], convex=True).feasible


def test_no_packages_is_infeasible():
    assert not nash_bargaining_solution(np.zeros((0, 2)), [0, 0]).feasible
    assert not nash_bargaining_solution(np.zeros((0, 2)), [0, 0], convex=True).feasible


# --------------------------------------------------------------------------- record


def test_solution_is_frozen_and_serialisable():
    s = nash_bargaining_solution([[1, 0], [0, 1]], [0, 0], convex=True)
    assert isinstance(s, BargainingSolution)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.point = (0.0, 0.0)
    data = json.loads(json.dumps(s.to_dict()))
    assert data["method"] == "nash" and data["lottery"] == [1, 0, 0.5]


def test_discrete_tie_goes_to_the_lowest_index_and_is_noted():
    # Products 2*1 = 1*2: rows 0 and 1 tie; the lowest index wins.
    s = nash_bargaining_solution([[2, 1], [1, 2]], [0, 0])
    assert s.package == 0 and "lowest index" in s.notes[0]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "utilities, disagreement, kwargs, match",
    [
        pytest.param([1, 2, 3], [0, 0], {}, r"utilities: .*shape \(K, 2\)", id="1d"),
        pytest.param([[1, 2, 3]], [0, 0], {}, r"utilities: .*shape \(K, 2\)", id="3cols"),
        pytest.param([[1, np.nan]], [0, 0], {}, r"utilities: NaN .* \[0\]", id="nan"),
        pytest.param([[1, np.inf]], [0, 0], {}, "utilities: NaN or infinite", id="inf"),
        pytest.param([["a", 1]], [0, 0], {}, "utilities: expected an array", id="text"),
        pytest.param([[1, 2]], [0, 0, 0], {}, "disagreement: expected two", id="d_shape"),
        pytest.param([[1, 2]], [0, np.nan], {}, "disagreement = .*finite", id="d_nan"),
        pytest.param([[1, 2]], [0, 0], {"power": 1.5}, r"power = 1.5: .*\[0, 1\]", id="power"),
        pytest.param([[1, 2]], [0, 0], {"power": np.nan}, "power = nan", id="power_nan"),
    ],
)
def test_bad_input_raises_clear_errors(utilities, disagreement, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nash_bargaining_solution(utilities, disagreement, **kwargs)


@pytest.mark.parametrize("function", [pareto_frontier, convex_frontier])
def test_set_functions_validate(function):
    with pytest.raises(ValueError, match="utilities"):
        function([[1.0, np.nan]])
