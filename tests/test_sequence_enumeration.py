"""All extreme equilibria by sequence-form vertex enumeration (negotiation.solvers.sequence_enumeration).

Oracles, independent of the code under test:

* pygambit 17 (GPL, test-time only): for every two-player perfect-recall extensive game of
  its catalog (written to .efg by pygambit, read by our reader, exact), Gambit's
  ``enummixed_solve`` enumerates the extreme equilibria of the *reduced strategic form*
  (pygambit 17 offers no sequence-form enumeration; ``enumpoly`` is not exact). Each of its
  mixed profiles is mapped to realisation plans (through its behaviour profile:
  :math:`x_{\\sigma a} = x_\\sigma \\beta(a)`). The map from mixed strategies to plans is
  linear and onto, and the payoffs depend on the plans only, so the equilibrium set in
  plans is the image of Gambit's; the image of an extreme point need not be extreme (a
  vertex of the strategic-form polytope can project into the inside of an edge), but
  every extreme point of the image is the image of an extreme point. What is compared:
  (1) every one of our extreme equilibria is the image of one of Gambit's, with the same
  exact payoffs; (2) every image of Gambit's that is not one of ours is an exact
  equilibrium lying in the convex hulls of the plans of one of our components (an
  extreme point of the equilibrium set missing from ours, being no convex combination
  of other equilibria, would fail this unless it sat inside the hulls of a component
  it does not belong to, which (3) then catches as a split Gambit set); (3) each of
  Gambit's connected sets (from its maximal cliques) maps into a single one of our
  components, and every one of our components receives one.
* Literature: Kuhn's (1950) poker, the one-parameter family of player 1 with the extreme
  points alpha = 0 and alpha = 1/3; beer-quiche (Cho and Kreps 1987), its two pooling
  components; entry deterrence (Selten's chain-store stage game); a hand-built
  degenerate game with constant payoffs, whose extreme equilibria
  are the pairs of reduced pure strategies (von Stengel 1996: the vertices of the plan
  polytope are the pure plans).
"""

from __future__ import annotations

import io
import time
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from negotiation.io.efg import read_efg
from negotiation.io.efg_tree import efg_game_tree
from negotiation.io.gambit import load_game
from negotiation.model.tree import GameTree, TreeBuilder
from negotiation.solvers.sequence_enumeration import (
    GameTooLargeError,
    sequence_form_equilibria,
)
from negotiation.solvers.sequence_form import (
    ImperfectRecallError,
    behaviour_regrets,
    plans_from_behaviour,
    sequence_form,
)

try:
    import pygambit
    from pygambit import H
except ImportError:  # pragma: no cover - the dev extra is not installed
    pygambit = None

TESTS = Path(__file__).parent


def load_tree(path: Path) -> GameTree:
    return efg_game_tree(load_game(path), exact=True)


def perfect_recall_catalog() -> list[str]:
    if pygambit is None:
        return []
    names = []
    for name in pygambit.catalog.games(n_players=2).Game:
        game = pygambit.catalog.load(name)
        if isinstance(game, pygambit.ExtensiveGame) and game.is_perfect_recall:
            names.append(name)
    return names


CATALOG = perfect_recall_catalog()


# --------------------------------------------------------------------------- Gambit bridge


def gambit_plans(profile, tree: GameTree, sf) -> tuple:
    """Realisation plans of a pygambit mixed strategy profile, through its behaviour."""
    behaviour = profile.as_behavior()
    exact = []
    for player in (0, 1):
        sets = []
        for s in sf.infosets[player]:
            first = tree.infosets[s].members[0]
            mixed = dict(behaviour[H.path(*(a for _, a in tree.history(first)))])
            assert len(mixed) == len(tree.infosets[s].actions), "repeated action labels"
            sets.append(tuple(F(str(mixed[a])) for a in tree.infosets[s].actions))
        exact.append(tuple(sets))
    return plans_from_behaviour(sf, tuple(exact))


def strategy_key(profile_dict) -> tuple:
    """A hashable key of a mixed profile given as {player: {strategy: probability}}."""
    return tuple((p, tuple((s, F(str(v))) for s, v in d.items())) for p, d in profile_dict.items())


def gambit_components(result) -> list[list[int]]:
    """Gambit's connected sets: maximal cliques joined when they share an equilibrium."""
    game = result.game
    def key(profile):  # pygambit 17's clique members are profiles that print as dicts
        return strategy_key({p: {s: profile[p][s] for s in game.get_strategies(p)} for p in game.players})

    keys = [key(eq) for eq in result.equilibria]
    index = {k: i for i, k in enumerate(keys)}
    parent = list(range(len(keys)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for clique in result.cliques:
        members = [index[key(member)] for member in clique]
        for i in members[1:]:
            parent[find(i)] = find(members[0])
    groups: dict[int, list[int]] = {}
    for i in range(len(keys)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def in_hull(point, vertices) -> bool:
    """Whether ``point`` is a convex combination of ``vertices`` (an LP, float, 1e-9)."""
    from scipy.optimize import linprog

    V = np.array([[float(v) for v in vertex] for vertex in vertices]).T
    A_eq = np.vstack([V, np.ones(V.shape[1])])
    b_eq = np.array([float(v) for v in point] + [1.0])
    res = linprog(np.zeros(V.shape[1]), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return res.status == 0 and np.max(np.abs(A_eq @ res.x - b_eq)) <= 1e-9


def our_component(result, plans) -> int | None:
    """Index of the component holding ``plans``: the one of an equal extreme equilibrium,
    else the first whose plan hulls hold it (a necessary condition only: a component is a
    union of products of hulls, not the product of its hulls), if any."""
    for c, members in enumerate(result.components):
        if any(result.equilibria[k].plans == plans for k in members):
            return c
    for c, members in enumerate(result.components):
        xs = {result.equilibria[k].plans[0] for k in members}
        ys = {result.equilibria[k].plans[1] for k in members}
        if in_hull(plans[0], xs) and in_hull(plans[1], ys):
            return c
    return None


# --------------------------------------------------------------------------- catalog


@pytest.mark.skipif(pygambit is None, reason="pygambit (dev extra) not installed")
def test_the_catalog_has_24_perfect_recall_games_all_small_enough():
    assert len(CATALOG) == 24


@pytest.mark.parametrize("name", CATALOG)
def test_extreme_equilibria_match_gambit_enummixed_on_the_reduced_strategic_form(name):
    pytest.importorskip("pygambit")
    text = pygambit.catalog.load(name).to_efg()
    G = pygambit.read_efg(io.StringIO(text))
    tree = efg_game_tree(read_efg(text, source=name), exact=True)
    sf = sequence_form(tree)
    ours = sequence_form_equilibria(sf)
    theirs = pygambit.nash.enummixed_solve(G, rational=True, cliques=True)
    images = [gambit_plans(eq, tree, sf) for eq in theirs.equilibria]
    payoffs = {
        plans: tuple(F(str(eq.payoffs[p])) for p in G.players)
        for plans, eq in zip(images, theirs.equilibria, strict=True)
    }
    assert ours.status in ("ok", "degenerate")
    assert len({e.plans for e in ours.equilibria}) == len(ours.equilibria) > 0
    # (1) each of ours is one of Gambit's, with the same exact payoffs, and verified
    for eq in ours.equilibria:
        assert eq.plans in payoffs
        assert eq.exact[1] == payoffs[eq.plans]
        assert behaviour_regrets(sf, eq.exact[0])[1] == (0, 0)
    # (2) Gambit's other points are equilibria inside the hulls of one of our components
    where = []
    for plans in images:
        _, regrets = behaviour_regrets(sf, _behaviour(sf, plans))
        assert regrets == (0, 0)
        c = our_component(ours, plans)
        assert c is not None, f"Gambit's equilibrium {plans} is outside every component of ours"
        where.append(c)
    # (3) Gambit's connected sets map into single components of ours, covering all of them
    for group in gambit_components(theirs):
        assert len({where[i] for i in group}) == 1
    assert set(where) == set(range(len(ours.components)))


def _behaviour(sf, plans):
    from negotiation.solvers.sequence_form import behaviour_from_plans

    return behaviour_from_plans(sf, plans)[0]


# --------------------------------------------------------------------------- literature


def test_kuhn_poker_extreme_equilibria_are_alpha_zero_and_one_third():
    # Kuhn (1950): player 1 bets the jack with probability alpha in [0, 1/3], bets the king
    # with 3 alpha, calls with the queen after check-bet with alpha + 1/3; player 2's
    # strategy is unique. One component, a segment: its extreme points are alpha = 0 and
    # alpha = 1/3, both paying player 1 the value -1/18. Sets of player 1 in order: J, J
    # after check-bet, Q, Q after check-bet, K, K after check-bet; actions (check, bet) and
    # (fold, call).
    result = sequence_form_equilibria(load_tree(TESTS / "data" / "efg" / "kuhn_poker.efg"))
    assert result.status == "degenerate"
    assert result.components == ((0, 1),)
    alphas = sorted(eq.exact[0][0][0][1] for eq in result.equilibria)
    assert alphas == [0, F(1, 3)]
    for eq in result.equilibria:
        behaviour, payoffs, regret = eq.exact
        alpha = behaviour[0][0][1]
        assert payoffs == (F(-1, 18), F(1, 18)) and regret == 0
        assert behaviour[0][4][1] == 3 * alpha and behaviour[0][3][1] == alpha + F(1, 3)
    assert result.equilibria[0].plans[1] == result.equilibria[1].plans[1]


def test_beer_quiche_has_two_pooling_components_with_their_off_path_threats():
    # Cho and Kreps (1987), prior strong 9/10. Beer pooling: the receiver defers after beer
    # (0.9 > 0.1) and duels after quiche with d; the weak type keeps beer iff 2 >= 3 - 2d,
    # d >= 1/2 (the strong type always does: 3 > 2(1 - d)); payoffs (0.9*3 + 0.1*2, 0.9).
    # Quiche pooling: duel after beer d, the strong type keeps quiche iff 2 >= 3 - 2d;
    # payoffs (0.9*2 + 0.1*3, 0.9). The off-path d is unconstrained otherwise (the
    # receiver's payoff does not depend on it), so each component is d in [1/2, 1].
    # Sets: sender strong, weak; receiver saw beer, saw quiche; actions (beer, quiche),
    # (duel, defer).
    result = sequence_form_equilibria(load_tree(TESTS / "data" / "gambit" / "beer_quiche.efg"))
    assert result.status == "degenerate"
    found = set()
    for eq in result.equilibria:
        (strong, weak), (after_beer, after_quiche) = eq.exact[0]
        assert strong == weak and max(strong) == 1
        if strong == (1, 0):
            assert eq.exact[1] == (F(29, 10), F(9, 10)) and after_beer == (0, 1)
            found.add(("beer", after_quiche[0]))
        else:
            assert eq.exact[1] == (F(21, 10), F(9, 10)) and after_quiche == (0, 1)
            found.add(("quiche", after_beer[0]))
    assert found == {("beer", F(1, 2)), ("beer", 1), ("quiche", F(1, 2)), ("quiche", 1)}
    assert len(result.equilibria) == 4 and len(result.components) == 2
    for component in result.components:
        assert len({result.equilibria[k].exact[0][0] for k in component}) == 1


def test_entry_deterrence_has_a_segment_and_a_point():
    # Out is a best response iff 0 >= -f + (1 - f), f >= 1/2; the incumbent's fight is then
    # off the path. So {out} x {f in [1/2, 1]} and the point (in, accommodate).
    result = sequence_form_equilibria(load_tree(TESTS / "data" / "efg" / "entry_deterrence.efg"))
    got = {(eq.exact[0][0][0], eq.exact[0][1][0]) for eq in result.equilibria}
    assert got == {((1, 0), (1, 0)), ((1, 0), (F(1, 2), F(1, 2))), ((0, 1), (0, 1))}
    assert result.status == "degenerate" and len(result.components) == 2
    # the incumbent's set follows no own move of its own: never "unreached" by its plan
    assert all(eq.unreached == () for eq in result.equilibria)


def constant_game() -> GameTree:
    # Player 1: a set {a, b}; after a, a second set {c, d}. Player 2, not seeing anything,
    # one set {l, m, r}. All payoffs 0: every profile is an equilibrium. Reduced pure
    # strategies: player 1 {ac, ad, b}, player 2 {l, m, r}: 9 extreme equilibria, one
    # component. Degenerate: every vertex has all labels of the other player.
    b = TreeBuilder(("one", "two"))
    root = b.add_personal(None, 0, "first", ("a", "b"))
    second = b.add_personal(root, 0, "second", ("c", "d"))
    leaves = 0
    for parent in (second, second, root):
        guess = b.add_personal(parent, 1, "guess", ("l", "m", "r"))
        for _ in range(3):
            b.add_terminal(guess)
            leaves += 1
    return b.build(np.zeros((leaves, 2), dtype=int))


def test_constant_payoffs_give_the_pairs_of_reduced_pure_strategies():
    result = sequence_form_equilibria(constant_game())
    assert result.status == "degenerate"
    plans_one = {eq.plans[0] for eq in result.equilibria}
    plans_two = {eq.plans[1] for eq in result.equilibria}
    # sequences of player 1: empty, a, b, ac, ad
    assert plans_one == {(1, 1, 0, 1, 0), (1, 1, 0, 0, 1), (1, 0, 1, 0, 0)}
    assert plans_two == {(1, 1, 0, 0), (1, 0, 1, 0), (1, 0, 0, 1)}
    assert len(result.equilibria) == 9 and result.components == (tuple(range(9)),)
    # after b, player 1's second set is unreached by its own plan: uniform there, reported
    for eq in result.equilibria:
        assert ((0, 1) in eq.unreached) == (eq.plans[0][2] == 1)
        if eq.plans[0][2] == 1:
            assert eq.exact[0][0][1] == (F(1, 2), F(1, 2))


def matching_pennies() -> GameTree:
    b = TreeBuilder(("matcher", "mismatcher"))
    root = b.add_personal(None, 0, "coin", ("heads", "tails"))
    for _ in range(2):
        guess = b.add_personal(root, 1, "guess", ("heads", "tails"))
        b.add_terminal(guess)
        b.add_terminal(guess)
    return b.build([[1, -1], [-1, 1], [-1, 1], [1, -1]])


def test_a_non_degenerate_game_reports_ok_and_its_unique_equilibrium():
    result = sequence_form_equilibria(matching_pennies())
    assert result.status == "ok" and result.components == ((0,),)
    (eq,) = result.equilibria
    assert eq.exact == ((((F(1, 2), F(1, 2)),), ((F(1, 2), F(1, 2)),)), (F(0), F(0)), F(0))
    assert result.to_dict()["equilibria"][0]["exact"]["payoffs"] == ["0", "0"]


def test_a_game_beyond_the_size_cap_is_refused_naming_its_size():
    tree = load_tree(TESTS / "data" / "efg" / "kuhn_poker.efg")
    with pytest.raises(GameTooLargeError, match=r"13 \+ 13 = 26 sequences, more than max_sequences=20"):
        sequence_form_equilibria(tree, max_sequences=20)


def test_a_search_cut_short_is_incomplete():
    result = sequence_form_equilibria(load_tree(TESTS / "data" / "efg" / "kuhn_poker.efg"), max_bases=50)
    assert result.status == "incomplete" and "max_bases=50" in result.notes[0]


def test_imperfect_recall_is_refused_naming_the_set():
    with pytest.raises(ImperfectRecallError, match="information set"):
        sequence_form_equilibria(load_tree(TESTS / "data" / "efg" / "forgetful.efg"))


def test_kuhn_poker_runs_in_well_under_a_second_here(capsys):
    # not a timed assertion: the time is printed for the report
    start = time.perf_counter()
    result = sequence_form_equilibria(load_tree(TESTS / "data" / "efg" / "kuhn_poker.efg"))
    with capsys.disabled():
        print(f"\nkuhn poker: {time.perf_counter() - start:.3f} s, vertices {result.vertices}")
    assert result.vertices[0] > 0
