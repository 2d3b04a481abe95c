"""Tests of negotiation.solvers.normal_form.

Oracles: textbook games whose equilibrium sets are derived by hand in the comments, and
Gambit's exact ``enummixed`` (pygambit, a GPL test-only dependency) on random games,
including a fixed set of 300 degenerate games (the acceptance criterion).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import linprog

from negotiation.solvers.normal_form import (
    NORMAL_FORM_METHODS,
    cross_check_nashpy,
    is_degenerate,
    lemke_howson_all_labels,
    nash_equilibria,
)
from negotiation.solvers.records import REGRET_TOLERANCE, NashResult, max_regret
from tests.strategies_games import float_games, generic_games, integer_games

gbt = pytest.importorskip("pygambit")

F = Fraction
PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- oracle


def gambit_enummixed(A, B, rational: bool = True) -> tuple[list, list]:
    """Gambit's extreme equilibria and its connected sets of them.

    Returns ``(equilibria, components)``: distinct equilibria as ``(x, y)`` tuples
    (Fractions when ``rational``, floats otherwise); components as sets of indices, by
    merging Gambit's maximal Nash subsets (cliques) that share an equilibrium.
    """
    g = gbt.StrategicGame.from_arrays(A, B)
    res = gbt.nash.enummixed_solve(g, rational=rational, cliques=rational)
    p1, p2 = list(g.players)
    s1, s2 = g.get_strategies(p1), g.get_strategies(p2)

    def conv(v):
        return F(v.numerator, v.denominator) if rational else float(v)

    def profile(eq):
        return (tuple(conv(eq[p1][s]) for s in s1), tuple(conv(eq[p2][s]) for s in s2))

    # Gambit may list an extreme equilibrium more than once in a degenerate game (one
    # entry per basis of a degenerate vertex); the sets are what must agree
    eqs = list(dict.fromkeys(profile(eq) for eq in res.equilibria))
    if not rational:
        return eqs, []
    index = {e: k for k, e in enumerate(eqs)}
    comps: list[set[int]] = []
    for clique in res.cliques:
        members = {index[profile(eq)] for eq in clique}
        overlapping = [c for c in comps if c & members]
        for c in overlapping:
            comps.remove(c)
            members |= c
        comps.append(members)
    return eqs, comps


def exact_set(res: NashResult) -> set:
    return {e.exact for e in res.equilibria}


def same_float_sets(res: NashResult, theirs: list, atol: float = 1e-6) -> bool:
    if len(res.equilibria) != len(theirs):
        return False
    unused = list(theirs)
    for e in res.equilibria:
        for k, (x, y) in enumerate(unused):
            if np.allclose(e.row, x, atol=atol) and np.allclose(e.column, y, atol=atol):
                del unused[k]
                break
        else:
            return False
    return True


def check_invariants(A, B, res: NashResult) -> None:
    """Verified, clean, distinct equilibria; components partition them."""
    A = np.asarray(A, dtype=float)
    m, n = A.shape
    assert isinstance(res.equilibria, tuple)
    for e in res.equilibria:
        assert e.max_regret <= res.tolerance
        assert max_regret(A, B, e.row, e.column) <= res.tolerance
        for p, size in ((e.row, m), (e.column, n)):
            assert p.shape == (size,)
            assert p.min() >= 0.0
            assert_allclose(p.sum(), 1.0, atol=1e-12)
        if e.exact is not None:
            assert all(isinstance(v, Fraction) for v in e.exact[0] + e.exact[1])
            assert sum(e.exact[0]) == 1 and sum(e.exact[1]) == 1
            assert_allclose(e.row, [float(v) for v in e.exact[0]], atol=1e-15)
    for e, f in itertools.combinations(res.equilibria, 2):
        assert not (
            np.allclose(e.row, f.row, atol=1e-9) and np.allclose(e.column, f.column, atol=1e-9)
        )
    flat = sorted(i for c in res.components for i in c)
    assert flat == list(range(len(res.equilibria)))
    assert res.status in ("ok", "degenerate", "incomplete")


# --------------------------------------------------------------------------- textbook games


@dataclass(frozen=True)
class Case:
    A: list
    B: list
    equilibria: set  # {((x...), (y...))} as Fractions
    status: str
    components: int


H, T3 = F(1, 2), F(1, 3)

CASES = [
    # Matching pennies: no pure equilibrium (someone always wants to switch); each player
    # must make the other indifferent: y_H - y_T = -y_H + y_T => y = (1/2, 1/2), same for x.
    pytest.param(
        Case([[1, -1], [-1, 1]], [[-1, 1], [1, -1]], {((H, H), (H, H))}, "ok", 1),
        id="matching-pennies",
    ),
    # Battle of the sexes: (0, 0) and (1, 1) are pure equilibria. Mixed: the row player is
    # indifferent iff 2 y0 = y1 -> y = (1/3, 2/3); the column player iff x0 = 2 x1 ->
    # x = (2/3, 1/3). Three isolated equilibria (an odd number, non-degenerate).
    pytest.param(
        Case(
            [[2, 0], [0, 1]],
            [[1, 0], [0, 2]],
            {((1, 0), (1, 0)), ((0, 1), (0, 1)), ((2 * T3, T3), (T3, 2 * T3))},
            "ok",
            3,
        ),
        id="battle-of-the-sexes",
    ),
    # Prisoner's dilemma (C, D): D strictly dominates C for both (5 > 3, 1 > 0), so
    # (D, D) is the unique equilibrium.
    pytest.param(
        Case([[3, 0], [5, 1]], [[3, 5], [0, 1]], {((0, 1), (0, 1))}, "ok", 1),
        id="prisoners-dilemma",
    ),
    # Rock-paper-scissors (zero-sum): no pure equilibrium, no equilibrium on two
    # strategies (the third beats the one played more); full support needs Ay constant:
    # y_S - y_P = y_R - y_S = y_P - y_R -> y = (1/3, 1/3, 1/3), and likewise x.
    pytest.param(
        Case(
            [[0, -1, 1], [1, 0, -1], [-1, 1, 0]],
            [[0, 1, -1], [-1, 0, 1], [1, -1, 0]],
            {((T3, T3, T3), (T3, T3, T3))},
            "ok",
            1,
        ),
        id="rock-paper-scissors",
    ),
    # 3x3 pure coordination A = B = I: for every non-empty support S both uniform on S is
    # an equilibrium (payoff 1/|S| on S, 0 off it), and these are all: 2^3 - 1 = 7.
    pytest.param(
        Case(
            np.eye(3, dtype=int).tolist(),
            np.eye(3, dtype=int).tolist(),
            {
                (tuple(F(int(i in S), len(S)) for i in range(3)),) * 2
                for k in (1, 2, 3)
                for S in itertools.combinations(range(3), k)
            },
            "ok",
            7,
        ),
        id="coordination-3x3",
    ),
    # Degenerate: row 0 strictly dominates row 1 for the row player; against row 0 the
    # column player gets 1 from either column, so (row 0, y) is an equilibrium for every
    # y: a segment with extreme points y = (1, 0) and (0, 1), one component.
    pytest.param(
        Case(
            [[1, 1], [0, 0]],
            [[1, 1], [0, 1]],
            {((1, 0), (1, 0)), ((1, 0), (0, 1))},
            "degenerate",
            1,
        ),
        id="segment-weakly-dominated",
    ),
    # Entry game in normal form: entrant Out/In (rows), incumbent Fight/Accommodate.
    # Entrant: Out 0; In -1 vs Fight, 1 vs Acc. Incumbent: 2 after Out (either column);
    # after In: -1 Fight, 1 Acc. Equilibria: (In, Acc), isolated; and (Out, y) whenever
    # Out is a best response, 0 >= -y_F + (1 - y_F) <=> y_F >= 1/2: the segment from
    # y = (1/2, 1/2) to (1, 0). Two components, three extreme equilibria.
    pytest.param(
        Case(
            [[0, 0], [-1, 1]],
            [[2, 2], [-1, 1]],
            {((0, 1), (0, 1)), ((1, 0), (1, 0)), ((1, 0), (H, H))},
            "degenerate",
            2,
        ),
        id="entry-game-continuum",
    ),
    # Constant game: every profile is an equilibrium; the extreme ones are the four pure
    # profiles, all in one component (the whole square).
    pytest.param(
        Case(
            [[0, 0], [0, 0]],
            [[0, 0], [0, 0]],
            {((1, 0), (1, 0)), ((1, 0), (0, 1)), ((0, 1), (1, 0)), ((0, 1), (0, 1))},
            "degenerate",
            1,
        ),
        id="constant-game",
    ),
]


def _fr(eqs):
    return {(tuple(F(v) for v in x), tuple(F(v) for v in y)) for x, y in eqs}


@pytest.mark.parametrize("case", CASES)
def test_textbook_exact(case: Case) -> None:
    res = nash_equilibria(case.A, case.B)
    assert res.method == "enumeration"
    assert res.status == case.status
    assert exact_set(res) == _fr(case.equilibria)
    assert len(res.equilibria) == len(case.equilibria)
    assert len(res.components) == case.components
    assert is_degenerate(case.A, case.B) == (case.status == "degenerate")
    check_invariants(case.A, case.B, res)


@pytest.mark.parametrize("case", CASES)
def test_textbook_float_mode(case: Case) -> None:
    # the same games as floats with a common offset and scale (equilibria unchanged)
    A = np.asarray(case.A, dtype=float) * 0.37 + 0.1
    B = np.asarray(case.B, dtype=float) * 1.9 - 0.3
    res = nash_equilibria(A, B)
    assert all(e.exact is None for e in res.equilibria)
    assert res.status == case.status
    expected = [
        (np.array([float(v) for v in x]), np.array([float(v) for v in y]))
        for x, y in _fr(case.equilibria)
    ]
    assert same_float_sets(res, expected, atol=1e-12)
    assert len(res.components) == case.components
    check_invariants(A, B, res)


def test_segment_extreme_points_in_one_component() -> None:
    res = nash_equilibria([[0, 0], [-1, 1]], [[2, 2], [-1, 1]])
    out = [k for k, e in enumerate(res.equilibria) if e.exact[0] == (1, 0)]
    assert len(out) == 2
    assert tuple(out) in res.components
    assert (
        next(k for k, e in enumerate(res.equilibria) if e.exact[0] == (0, 1)),
    ) in res.components
    # the midpoint of the segment is an equilibrium too
    x = res.equilibria[out[0]].row
    y = (res.equilibria[out[0]].column + res.equilibria[out[1]].column) / 2
    assert max_regret([[0, 0], [-1, 1]], [[2, 2], [-1, 1]], x, y) <= 1e-12


def test_payoffs_and_order() -> None:
    res = nash_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    # pure first (ordered by row strategy, descending probabilities)
    assert [e.is_pure for e in res.equilibria] == [True, False, True]
    assert_allclose(res.equilibria[1].payoffs, (2 / 3, 2 / 3), atol=1e-15)
    assert res.components == ((0,), (1,), (2,))
    assert res.notes == ()


def test_one_row_and_one_column_games() -> None:
    res = nash_equilibria([[1, 3, 3]], [[0, 2, 2]])
    assert res.status == "degenerate"  # the single row has two best responses
    assert exact_set(res) == {((1,), (0, 1, 0)), ((1,), (0, 0, 1))}
    res = nash_equilibria([[5], [1]], [[0], [0]])
    assert res.status == "ok" and exact_set(res) == {((1, 0), (1,))}
    res = nash_equilibria([[7]], [[-2]])
    assert res.status == "ok" and exact_set(res) == {((1,), (1,))}


# --------------------------------------------------------------------------- arithmetic


def test_exact_rule_and_inputs() -> None:
    bos = ([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    # integral floats are read exactly
    res = nash_equilibria(np.array(bos[0], dtype=float), np.array(bos[1], dtype=float))
    assert all(e.exact is not None for e in res.equilibria)
    # Fractions and Decimals, and the transformation invariance of the equilibria
    res_f = nash_equilibria(
        [[F(2, 3), 0], [0, F(1, 3)]], [[Decimal("0.1"), 0], [0, Decimal("0.2")]]
    )
    assert exact_set(res_f) == exact_set(res)
    # exact=True reads floats as their shortest decimal (0.1 -> 1/10)
    res_t = nash_equilibria([[0.2, 0.0], [0.0, 0.1]], [[0.1, 0.0], [0.0, 0.2]], exact=True)
    assert exact_set(res_t) == exact_set(res)
    # non-integral floats default to float mode; exact=False forces it
    assert all(
        e.exact is None for e in nash_equilibria([[0.2, 0.0], [0.0, 0.1]], bos[1]).equilibria
    )
    res_ff = nash_equilibria(*bos, exact=False)
    assert all(e.exact is None for e in res_ff.equilibria)
    assert same_float_sets(res_ff, [(e.row, e.column) for e in res.equilibria], atol=1e-12)


def test_large_integer_payoffs_exact() -> None:
    # huge integers stay exact; the mixed equilibrium of BoS scaled by 10**30
    big = 10**30
    res = nash_equilibria([[2 * big, 0], [0, big]], [[big, 0], [0, 2 * big]], tol=1e16)
    assert exact_set(res) == exact_set(nash_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]]))


# --------------------------------------------------------------------------- oracles


@PROPERTY
@given(integer_games(max_side=6))
def test_integer_games_match_gambit_exactly(game) -> None:
    A, B = game
    res = nash_equilibria(A, B)
    theirs, comps = gambit_enummixed(A, B)
    assert exact_set(res) == set(theirs)
    assert len(res.equilibria) == len(theirs)  # no duplicates on our side
    # the same connected components
    ours = {frozenset(res.equilibria[k].exact for k in c) for c in res.components}
    assert ours == {frozenset(theirs[k] for k in c) for c in comps}
    assert res.status in ("ok", "degenerate")
    check_invariants(A, B, res)


@PROPERTY
@given(generic_games(max_side=6))
def test_generic_games_match_gambit(game) -> None:
    A, B = game
    res = nash_equilibria(A, B)
    theirs, _ = gambit_enummixed(A, B, rational=False)
    assert res.status == "ok"
    assert len(res.equilibria) % 2 == 1
    assert same_float_sets(res, theirs, atol=1e-6)
    check_invariants(A, B, res)


@settings(max_examples=40, deadline=None)
@given(integer_games(max_side=4))
def test_float_mode_on_tie_games_matches_exact(game) -> None:
    # dyadic payoffs are exact in binary: float mode must find the same degenerate set
    A, B = game
    exact = nash_equilibria(A, B)
    res = nash_equilibria(A * 0.5 + 0.25, B * 1.5, exact=False)
    assert res.status == exact.status
    assert same_float_sets(res, [(e.row, e.column) for e in exact.equilibria], atol=1e-9)
    assert len(res.components) == len(exact.components)


@settings(max_examples=60, deadline=None)
@given(float_games(max_side=4))
def test_arbitrary_floats_invariants(game) -> None:
    A, B = game
    res = nash_equilibria(A, B)
    check_invariants(A, B, res)
    if res.status != "incomplete":
        assert res.equilibria  # every finite game has an equilibrium


def test_300_degenerate_games_match_gambit() -> None:
    """Acceptance: on 300 seeded games with payoffs in 0..3 (2x2 to 5x5), the set of
    extreme equilibria equals Gambit's exact enummixed on every game."""
    rng = np.random.default_rng(20250914)
    mismatches = []
    degenerate = 0
    for k in range(300):
        m, n = (int(v) for v in rng.integers(2, 6, size=2))
        A = rng.integers(0, 4, size=(m, n))
        B = rng.integers(0, 4, size=(m, n))
        res = nash_equilibria(A, B)
        theirs, _ = gambit_enummixed(A, B)
        degenerate += res.status == "degenerate"
        if exact_set(res) != set(theirs) or len(res.equilibria) != len(theirs):
            mismatches.append((k, A.tolist(), B.tolist()))
    assert mismatches == []
    assert degenerate > 150  # the set is mostly degenerate games


# --------------------------------------------------------------------------- degeneracy


def degenerate_by_lp(A, B) -> bool:
    """Von Stengel's definition checked directly: is there a mixed strategy whose
    support has at most k elements with k + 1 pure best responses? One feasibility LP
    per (support S of size k, set T of k + 1 replies), for each player."""
    A, B = np.asarray(A, float), np.asarray(B, float)
    for M in (B, A.T):  # row player's strategies against B; column player's against A^T
        m, n = M.shape
        for k in range(1, m + 1):
            for S in itertools.combinations(range(m), k):
                for T in itertools.combinations(range(n), k + 1):
                    # variables (x_S, v): sum x = 1, x^T M_t = v (t in T), x^T M_j <= v
                    a_eq = [[1.0] * k + [0.0]] + [list(M[S, t]) + [-1.0] for t in T]
                    b_eq = [1.0] + [0.0] * len(T)
                    a_ub = [list(M[S, j]) + [-1.0] for j in range(n) if j not in T]
                    lp = linprog(
                        np.zeros(k + 1),
                        A_ub=a_ub or None,
                        b_ub=[0.0] * len(a_ub) or None,
                        A_eq=a_eq,
                        b_eq=b_eq,
                        bounds=[(0, None)] * k + [(None, None)],
                        method="highs",
                    )
                    if lp.status == 0:
                        return True
    return False


@settings(max_examples=40, deadline=None)
@given(integer_games(max_side=3))
def test_is_degenerate_matches_definition(game) -> None:
    A, B = game
    assert is_degenerate(A, B) == degenerate_by_lp(A, B)
    assert (nash_equilibria(A, B).status == "degenerate") == is_degenerate(A, B)


def test_is_degenerate_generic_and_float() -> None:
    rng = np.random.default_rng(3)
    assert not is_degenerate(rng.random((4, 5)), rng.random((4, 5)))
    assert is_degenerate([[1.5, 1.5], [0.2, 0.3]], [[0.7, 0.7], [0.1, 0.9]])


# --------------------------------------------------------------------------- Lemke-Howson


@settings(max_examples=40, deadline=None)
@given(generic_games(max_side=6))
def test_lemke_howson_subset_of_enumeration(game) -> None:
    A, B = game
    lh = lemke_howson_all_labels(A, B)
    full = nash_equilibria(A, B)
    assert lh.status == "incomplete"
    assert lh.equilibria  # in a non-degenerate game every label succeeds
    assert not any("failed labels" in n for n in lh.notes)
    assert any("subset" in n for n in lh.notes)
    assert all(
        any(
            np.allclose(e.row, f.row, atol=1e-7) and np.allclose(e.column, f.column, atol=1e-7)
            for f in full.equilibria
        )
        for e in lh.equilibria
    )
    check_invariants(A, B, lh)


@settings(max_examples=40, deadline=None)
@given(integer_games(max_side=5))
def test_lemke_howson_degenerate_exact(game) -> None:
    # the lexicographic rule makes every path end at an extreme equilibrium
    A, B = game
    lh = lemke_howson_all_labels(A, B)
    assert exact_set(lh) <= exact_set(nash_equilibria(A, B))
    assert lh.equilibria and not any("failed labels" in n for n in lh.notes)
    check_invariants(A, B, lh)


def test_lemke_howson_failed_labels_reported_not_hung() -> None:
    # 3x3 coordination: from any label LH needs more than one pivot
    A = np.eye(3) * [3.0, 2.0, 1.0]
    start = time.perf_counter()
    res = lemke_howson_all_labels(A, A.T, max_pivots=1)
    assert time.perf_counter() - start < 5
    assert res.status == "incomplete"
    assert res.equilibria == ()
    note = next(n for n in res.notes if n.startswith("failed labels"))
    for k in range(6):
        assert f"label {k}: no equilibrium within max_pivots=1" in note


def test_lemke_howson_hard_game_terminates() -> None:
    # games where nashpy's lemke_howson is known to loop: bounded here, every label
    rng = np.random.default_rng(8)
    start = time.perf_counter()
    for _ in range(5):
        A, B = rng.random((8, 8)), rng.random((8, 8))
        res = lemke_howson_all_labels(A, B)
        assert not any("failed" in n for n in res.notes)
        full = nash_equilibria(A, B)
        for e in res.equilibria:
            assert any(
                np.allclose(e.row, f.row, atol=1e-7) and np.allclose(e.column, f.column, atol=1e-7)
                for f in full.equilibria
            )
    assert time.perf_counter() - start < 20


def test_lemke_howson_via_nash_equilibria_max_labels() -> None:
    bos = ([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    res = nash_equilibria(*bos, method="lemke_howson", max_labels=1)
    assert res.method == "lemke_howson" and len(res.equilibria) == 1
    assert exact_set(res) == {((1, 0), (1, 0))}  # dropping label 0 leads to (row 0, col 0)


# --------------------------------------------------------------------------- nashpy methods


@pytest.mark.parametrize("method", ["support", "vertex"])
def test_nashpy_methods_verified(method: str) -> None:
    A, B = [[2, 0], [0, 1]], [[1, 0], [0, 2]]
    res = nash_equilibria(A, B, method=method)
    assert res.method == method and res.status == "incomplete"
    assert len(res.equilibria) == 3
    check_invariants(A, B, res)


def test_nashpy_methods_on_degenerate_game() -> None:
    A, B = [[0, 0], [-1, 1]], [[2, 2], [-1, 1]]
    for method in ("support", "vertex"):
        res = nash_equilibria(A, B, method=method)
        check_invariants(A, B, res)
        assert res.status == "incomplete"


def test_cross_check_nashpy_notes() -> None:
    rng = np.random.default_rng(1)
    A, B = rng.random((3, 3)), rng.random((3, 3))
    res = cross_check_nashpy(A, B, nash_equilibria(A, B))
    assert res.notes[-1].startswith("cross-check: nashpy vertex_enumeration agrees")
    # nashpy's vertex enumeration on a degenerate game is compared, never trusted
    A, B = [[0, 0], [-1, 1]], [[2, 2], [-1, 1]]
    res = cross_check_nashpy(A, B, nash_equilibria(A, B, exact=False))
    assert res.status == "degenerate" and len(res.equilibria) == 3
    assert all(n.startswith("cross-check") for n in res.notes)
    big = cross_check_nashpy(np.eye(6), np.eye(6), nash_equilibria(np.eye(6), np.eye(6)))
    assert "skipped" in big.notes[-1]


def test_methods_registry() -> None:
    assert set(NORMAL_FORM_METHODS) == {"enumeration", "lemke_howson", "support", "vertex"}
    for name, fn in NORMAL_FORM_METHODS.items():
        res = fn(
            [[1, 0], [0, 1]], [[1, 0], [0, 1]], exact=None, tol=REGRET_TOLERANCE, max_labels=None
        )
        assert isinstance(res, NashResult) and res.equilibria, name


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("A", "B", "match"),
    [
        pytest.param([1, 2], [1, 2], "2-dimensional", id="1d"),
        pytest.param(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), "2-dimensional", id="3d"),
        pytest.param([[1, 2]], [[1], [2]], "same shape", id="shape-mismatch"),
        pytest.param(np.zeros((0, 3)), np.zeros((0, 3)), "empty", id="empty"),
        pytest.param([[1, np.nan]], [[1, 2]], "non-finite", id="nan"),
        pytest.param([[1, 2]], [[np.inf, 2]], "non-finite", id="inf"),
        pytest.param([["a", "b"]], [[1, 2]], "real numbers", id="strings"),
        pytest.param([[1j, 2]], [[1, 2]], "complex", id="complex"),
        pytest.param([[1, 2], [3]], [[1, 2], [3, 4]], "rectangular|2-dimensional", id="ragged"),
    ],
)
def test_bad_payoffs(A, B, match) -> None:
    with pytest.raises(ValueError, match=match):
        nash_equilibria(A, B)
    with pytest.raises(ValueError, match=match):
        is_degenerate(A, B)
    with pytest.raises(ValueError, match=match):
        lemke_howson_all_labels(A, B)


def test_bad_options() -> None:
    g = ([[1, 0], [0, 1]], [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="unknown method 'simplex'.*'enumeration'.*'lemke_howson'"):
        nash_equilibria(*g, method="simplex")
    with pytest.raises(ValueError, match="tol"):
        nash_equilibria(*g, tol=-1)
    with pytest.raises(ValueError, match="max_labels"):
        nash_equilibria(*g, method="lemke_howson", max_labels=0)
    with pytest.raises(ValueError, match="max_pivots"):
        lemke_howson_all_labels(*g, max_pivots=0)
    with pytest.raises(ValueError, match="exact"):
        nash_equilibria(*g, exact="yes")


def test_size_limit_reports_incomplete(monkeypatch) -> None:
    import negotiation.solvers.normal_form as nf
    import negotiation.solvers.polytope as polytope

    monkeypatch.setattr(polytope, "_MAX_BASES", 3)
    monkeypatch.setattr(nf, "_MAX_BASES", 3)
    A = np.eye(3) * [3, 2, 1]
    res = nash_equilibria(A, A.T)
    assert res.status == "incomplete"
    assert "stopped early" in res.notes[0] and "limit 3" in res.notes[0]
    check_invariants(A, A.T, res)  # what it does return is still verified
    with pytest.warns(RuntimeWarning, match="size limit"):
        assert is_degenerate(A, A.T) is False


def test_huge_payoffs_rejected_readably() -> None:
    with pytest.raises(ValueError, match="too large for floating point"):
        nash_equilibria([[10**400, 0], [0, 1]], [[1, 0], [0, 1]])


def test_result_is_plain_data() -> None:
    res = nash_equilibria([[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    d = res.to_dict()
    assert d["status"] == "ok" and d["equilibria"][0]["row"] == [0.5, 0.5]


@pytest.mark.parametrize("seed", range(3))
def test_speed_10x10(seed: int) -> None:
    rng = np.random.default_rng(seed)
    A, B = rng.random((10, 10)), rng.random((10, 10))
    start = time.perf_counter()
    res = nash_equilibria(A, B)
    assert time.perf_counter() - start < 10  # nashpy's support enumeration: minutes
    assert res.status == "ok" and len(res.equilibria) % 2 == 1


@pytest.mark.parametrize("tol", [0.0, 1e-12, 1e-6])
def test_tolerance_respected(tol: float) -> None:
    rng = np.random.default_rng(4)
    A, B = rng.random((5, 5)) * 1000, rng.random((5, 5)) * 1000
    res = nash_equilibria(A, B, tol=tol)
    assert res.tolerance == tol
    for e in res.equilibria:
        assert e.max_regret <= tol
    if tol >= 1e-6:
        assert res.status == "ok"
    else:  # with tol = 0 float round-off may make verification fail: then it says so
        assert res.status == "ok" or any("failed verification" in n for n in res.notes)


@given(st.integers(0, 10_000))
@settings(max_examples=20, deadline=None)
def test_zero_sum_values_agree(seed: int) -> None:
    # in a zero-sum game all equilibria give the row player the same payoff (the value)
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, size=(3, 4))
    res = nash_equilibria(A, -A)
    values = {e.payoffs[0] for e in res.equilibria}
    assert max(values) - min(values) <= 1e-12
