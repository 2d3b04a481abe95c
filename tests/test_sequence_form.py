"""Sequence form and Lemke's algorithm on it (negotiation.solvers.sequence_form, .sequence_lemke).

Oracles, independent of the code under test:
* pygambit 17 (GPL, test-time only): every two-player extensive game with perfect recall in
  its catalog, written to .efg by pygambit and read by our reader. pygambit evaluates our
  behaviour profile (its payoffs and its exact ``max_regret``, through Gambit's own code) and
  solves the game itself (``lcp_solve`` on the tree, ``enummixed_solve`` on the strategic form):
  our equilibrium must be one of those (the same realisation plans) with the same payoffs.
  Random games with private types, written by our writer and read by pygambit, likewise.
* Literature: Kuhn's (1950) poker has value -1/18 for player 1 in every equilibrium;
  beer-quiche (Cho and Kreps 1987) has only pooling equilibria; entry deterrence.
* Hand computations for the sequence form of a small tree and for regrets of non-equilibria.
"""

from __future__ import annotations

import io
import random
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from negotiation.io.efg import read_efg
from negotiation.io.efg_tree import efg_game_tree
from negotiation.io.gambit import load_game
from negotiation.model.tree import GameTree, TreeBuilder
from negotiation.solvers.sequence_form import (
    ImperfectRecallError,
    behaviour_from_plans,
    behaviour_regrets,
    plans_from_behaviour,
    sequence_form,
)
from negotiation.solvers.sequence_lemke import sequence_form_equilibrium
from negotiation.solvers.subgames import UnsupportedGameError

try:
    import pygambit
    from pygambit import H
except ImportError:  # pragma: no cover - the dev extra is not installed
    pygambit = None

DATA = Path(__file__).parent / "data" / "efg"


def catalog_games() -> tuple[list[str], list[str]]:
    """Names of pygambit's two-player extensive catalog games: (perfect recall, imperfect)."""
    if pygambit is None:
        return [], []
    perfect, imperfect = [], []
    for name in pygambit.catalog.games(n_players=2).Game:
        game = pygambit.catalog.load(name)
        if isinstance(game, pygambit.ExtensiveGame):
            (perfect if game.is_perfect_recall else imperfect).append(name)
    return perfect, imperfect


PERFECT, IMPERFECT = catalog_games()


def file_tree(name: str) -> GameTree:
    return efg_game_tree(load_game(DATA / name))


def entry_deterrence() -> GameTree:
    b = TreeBuilder(("entrant", "incumbent"))
    root = b.add_personal(None, 0, "entry", ("out", "in"), "entrant")
    b.add_terminal(root)
    fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"), "incumbent")
    b.add_terminal(fight)
    b.add_terminal(fight)
    return b.build(np.array([[F(0), F(2)], [F(-1), F(-1)], [F(1), F(1)]], dtype=object))


# --------------------------------------------------------------------------- pygambit bridge


def gambit_game(name: str):
    """A catalog game and our tree of the .efg text pygambit writes for it."""
    game = pygambit.catalog.load(name)
    text = game.to_efg()
    return pygambit.read_efg(io.StringIO(text)), efg_game_tree(read_efg(text, source=name))


def random_behaviour(sf, rng: random.Random) -> list:
    """A seeded random exact behaviour profile ``[player][set][action]`` (weights 0..4, one
    action at least 1 per set, so some actions have probability 0)."""
    behaviour = []
    for player in (0, 1):
        sets = []
        for s in sf.infosets[player]:
            w = [rng.randint(0, 4) for _ in sf.tree.infosets[s].actions]
            w[rng.randrange(len(w))] += 1
            sets.append(tuple(F(v, sum(w)) for v in w))
        behaviour.append(tuple(sets))
    return behaviour


def selector(tree: GameTree, s: int):
    """pygambit's selector of information set ``s`` (its first member's action path)."""
    first = tree.infosets[s].members[0]
    return H.path(*(action for _, action in tree.history(first)))


def to_gambit(G, tree: GameTree, sf, behaviour):
    """pygambit's exact behaviour profile for our ``[player][set][action]`` profile."""
    profile = G.mixed_behavior_profile(rational=True)
    for player in (0, 1):
        for k, s in enumerate(sf.infosets[player]):
            actions = tree.infosets[s].actions
            assert len(set(actions)) == len(actions), "repeated action labels: map by position"
            weights = {a: pygambit.Rational(p.numerator, p.denominator)
                       for a, p in zip(actions, behaviour[player][k], strict=True)}
            profile.set_mixed_action(selector(tree, s), weights)
    return profile


def from_gambit(profile, tree: GameTree, sf):
    """Our exact ``[player][set][action]`` profile from a pygambit behaviour profile."""
    behaviour = []
    for player in (0, 1):
        sets = []
        for s in sf.infosets[player]:
            mixed = dict(profile[selector(tree, s)])
            sets.append(tuple(F(mixed[a].numerator, mixed[a].denominator) for a in tree.infosets[s].actions))
        behaviour.append(tuple(sets))
    return tuple(behaviour)


def gambit_payoffs(profile, G) -> tuple[F, F]:
    payoffs = profile.payoffs
    return tuple(F(payoffs[p].numerator, payoffs[p].denominator) for p in G.players)


# --------------------------------------------------------------------------- catalog


@pytest.mark.skipif(pygambit is None, reason="pygambit (dev extra) not installed")
def test_the_catalog_holds_the_games_the_issue_counts():
    # issue 11: 24 two-player extensive games with perfect recall; 3 more with imperfect
    # recall (Shoham-Leyton-Brown Fig. 5.12, von Stengel Fig. 10.7, Wichardt 2008)
    assert len(PERFECT) == 24
    assert len(IMPERFECT) == 3


@pytest.mark.parametrize("name", PERFECT)
def test_lemke_finds_a_verified_equilibrium_of_each_catalog_game(name):
    pytest.importorskip("pygambit")
    G, tree = gambit_game(name)
    eq = sequence_form_equilibrium(tree)
    behaviour, payoffs, regret = eq.exact
    # (a) our own verification: exact zero regret
    assert regret == 0 and eq.max_regret == 0.0
    sf = sequence_form(tree)
    profile = to_gambit(G, tree, sf, behaviour)
    # (b) pygambit evaluates our profile: same payoffs, and zero regret by Gambit's code
    assert gambit_payoffs(profile, G) == payoffs
    assert profile.max_regret() == 0
    # (c) one of pygambit's own equilibria: the same realisation plans (outcome-equivalent
    # behaviour) as its tree LCP's or as an extreme equilibrium of the strategic form. Lemke
    # ends at a vertex, so even in games with continua (fig5_1: 21 extreme equilibria) this
    # holds on all 24 games; 9 are Gambit's own LCP answer (another start, another path).
    lcp = pygambit.nash.lcp_solve(G, rational=True).equilibrium
    theirs = [lcp] + [e.as_behavior() for e in pygambit.nash.enummixed_solve(G, rational=True).equilibria]
    assert eq.plans in [plans_from_behaviour(sf, from_gambit(p, tree, sf)) for p in theirs]
    assert payoffs in {gambit_payoffs(p, G) for p in theirs}


@pytest.mark.parametrize("name", PERFECT)
def test_sequence_form_payoffs_match_gambit_on_random_profiles(name):
    # x^T A y and x^T B y from our matrices against pygambit's expected payoffs of the same
    # behaviour profile, for three seeded random exact profiles
    pytest.importorskip("pygambit")
    G, tree = gambit_game(name)
    sf = sequence_form(tree)
    rng = random.Random(11)
    for _ in range(3):
        behaviour = random_behaviour(sf, rng)
        x, y = plans_from_behaviour(sf, behaviour)
        ours = (x @ sf.A @ np.array(y, dtype=object), x @ sf.B @ np.array(y, dtype=object))
        assert ours == gambit_payoffs(to_gambit(G, tree, sf, behaviour), G)
        assert behaviour_regrets(sf, behaviour)[0] == ours
        assert x @ sf.reach @ np.array(y, dtype=object) == 1


@pytest.mark.parametrize("name", IMPERFECT)
def test_catalog_games_with_imperfect_recall_are_refused_naming_the_set(name):
    pytest.importorskip("pygambit")
    _, tree = gambit_game(name)
    with pytest.raises(ImperfectRecallError, match=r"information set \d+ .*imperfect recall"):
        sequence_form_equilibrium(tree)


# --------------------------------------------------------------------------- literature


def test_kuhn_poker_pays_player_one_minus_one_eighteenth():
    # Kuhn (1950): the game's value for player 1 is -1/18, so every equilibrium pays it.
    # Player 1 never calls a bet holding the jack, always calls holding the king; player 2
    # always bets and calls holding the king (information sets in order of appearance:
    # player 1: J, J after check-bet, Q, Q after check-bet, K, K after check-bet).
    eq = sequence_form_equilibrium(file_tree("kuhn_poker.efg"))
    behaviour, payoffs, regret = eq.exact
    assert payoffs == (F(-1, 18), F(1, 18)) and regret == 0
    assert behaviour[0][1] == (1, 0) and behaviour[0][5] == (0, 1)
    # Kuhn's family: with bluffing frequency alpha = P(bet | J), player 1 bets the king with
    # probability 3 alpha and calls with the queen with probability alpha + 1/3
    alpha = behaviour[0][0][1]
    assert behaviour[0][4][1] == 3 * alpha and behaviour[0][3][1] == alpha + F(1, 3)


def test_beer_quiche_equilibrium_is_pooling():
    # Cho and Kreps (1987): no separating equilibrium; the two pooling components pay
    # (0.9 * 3 + 0.1 * 2, 0.9) = (29/10, 9/10) for beer and (0.9 * 2 + 0.1 * 3, 9/10) for quiche.
    eq = sequence_form_equilibrium(file_tree("beer_quiche_cho_kreps.efg"))
    (strong, weak), (after_beer, after_quiche) = eq.exact[0]
    assert eq.exact[2] == 0
    assert strong == weak and max(strong) == 1  # both types pool on one breakfast
    pooled = 0 if strong == (1, 0) else 1
    on_path, off_path = (after_beer, after_quiche) if pooled == 0 else (after_quiche, after_beer)
    assert on_path == (0, 1)  # no duel on the path
    assert off_path[0] >= F(1, 2)  # a duel off the path deters the deviation
    assert eq.exact[1] == ((F(29, 10), F(9, 10)) if pooled == 0 else (F(21, 10), F(9, 10)))


def test_entry_deterrence_ends_at_the_subgame_perfect_equilibrium():
    # From the centroid prior the tracing path ends at In, Accommodate, payoffs (1, 1), the
    # perfect equilibrium (the other component, Out with Fight >= 1/2, is not perfect: the
    # prior plays In with probability 1/2, against which Fight is strictly worse)
    eq = sequence_form_equilibrium(entry_deterrence())
    assert eq.exact == ((((F(0), F(1)),), ((F(0), F(1)),)), (F(1), F(1)), F(0))
    assert eq.to_dict()["exact"]["payoffs"] == ["1", "1"]


# --------------------------------------------------------------------------- sequence form


def test_sequence_form_of_beer_quiche_by_hand():
    # sequences: sender 0 = empty, 1 strong-beer, 2 strong-quiche, 3 weak-beer, 4 weak-quiche;
    # receiver 0 = empty, 1 beer-duel, 2 beer-no, 3 quiche-duel, 4 quiche-no.
    sf = sequence_form(file_tree("beer_quiche_cho_kreps.efg"))
    assert sf.sequences == (5, 5)
    assert sf.E.tolist() == [[1, 0, 0, 0, 0], [-1, 1, 1, 0, 0], [-1, 0, 0, 1, 1]]
    assert sf.F.tolist() == sf.E.tolist()
    # A[strong-beer, beer-no duel] = 9/10 * 3; A[weak-quiche, quiche-duel] = 1/10 * 1
    assert sf.A[1, 2] == F(27, 10) and sf.A[4, 3] == F(1, 10) and sf.A[0].tolist() == [0] * 5
    assert sf.B[3, 1] == F(1, 10) and sf.reach.sum() == 4  # 4 terminals per type: 4 * 9/10 + 4 * 1/10
    assert sf.sequence_label(0, 3) == "weak sender:beer"


def test_regret_of_a_non_equilibrium_is_positive():
    # Entry deterrence with (In, Fight): the entrant gets -1 and 0 by staying out (regret 1);
    # the incumbent gets -1 and 1 by accommodating (regret 2).
    sf = sequence_form(entry_deterrence())
    payoffs, regrets = behaviour_regrets(sf, (((F(0), F(1)),), ((F(1), F(0)),)))
    assert payoffs == (-1, -1) and regrets == (1, 2)
    # (Out, Fight) is a Nash equilibrium (not subgame perfect): zero regret
    assert behaviour_regrets(sf, (((F(1), F(0)),), ((F(1), F(0)),)))[1] == (0, 0)


def test_plans_and_behaviour_round_trip_with_the_uniform_convention():
    sf = sequence_form(file_tree("kuhn_poker.efg"))
    x = plans_from_behaviour(sf, (((F(1), F(0)),) * 6, ((F(1, 3), F(2, 3)),) * 6))
    assert (sf.E @ np.array(x[0], dtype=object)).tolist() == sf.e.tolist()
    behaviour, unreached = behaviour_from_plans(sf, x)
    # player 1 always checks, so it reaches every set after check-bet; nothing is unreached
    assert unreached == () and behaviour[1][0] == (F(1, 3), F(2, 3))
    y = plans_from_behaviour(sf, (((F(0), F(1)),) * 6, ((F(1), F(0)),) * 6))
    behaviour, unreached = behaviour_from_plans(sf, y)
    # player 1 always bets: its sets after check-bet (positions 1, 3, 5) are unreached
    assert unreached == ((0, 1), (0, 3), (0, 5)) and behaviour[0][1] == (F(1, 2), F(1, 2))


def test_imperfect_recall_is_refused_naming_the_set_and_both_histories():
    with pytest.raises(ImperfectRecallError) as error:
        sequence_form(file_tree("forgetful.efg"))
    assert str(error.value) == (
        "information set 2 ('forgot') of player 'Ann' has imperfect recall: node 2 follows the "
        "player's own moves ['Left'] but node 7 follows ['Right']"
    )
    assert isinstance(error.value, UnsupportedGameError)  # the CLI's exit 2


def test_float_trees_are_solved_exactly():
    # the same game with float payoffs (as a scenario builds it): same exact answer
    tree = efg_game_tree(load_game(DATA / "beer_quiche_cho_kreps.efg"), exact=False)
    assert not tree.exact
    eq = sequence_form_equilibrium(tree)
    assert eq.exact[2] == 0 and eq.exact[1] in {(F(29, 10), F(9, 10)), (F(21, 10), F(9, 10))}


def test_batches_are_refused():
    b = TreeBuilder(("a", "b"))
    root = b.add_personal(None, 0, "x", ("l", "r"))
    b.add_terminal(root)
    b.add_terminal(root)
    batch = b.build(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="batch of one"):
        sequence_form(batch)


# --------------------------------------------------------------------------- random games


def private_types_game(seed: int, types: int = 2, depth: int = 3, arity: int = 2) -> GameTree:
    """A random game with private types: chance deals each player a type (random rational
    prior), then the players move alternately ``depth`` times with ``arity`` public actions;
    a player knows its own type and every move (perfect recall), not the other's type.
    Payoffs are integers in [-3, 3], so ties (degenerate games) are common."""
    rng = random.Random(seed)
    b = TreeBuilder(("first", "second"))
    payoffs: list[list[F]] = []

    def prior() -> list[F]:
        w = [rng.randint(1, 5) for _ in range(types)]
        return [F(v, sum(w)) for v in w]

    def play(parent: int, t: tuple[int, int], history: tuple[int, ...]) -> None:
        if len(history) == depth:
            b.add_terminal(parent)
            payoffs.append([F(rng.randint(-3, 3)), F(rng.randint(-3, 3))])
            return
        mover = len(history) % 2
        v = b.add_personal(parent, mover, (t[mover], history), [f"a{i}" for i in range(arity)],
                           infoset_label=f"type {t[mover]} after {history}")
        for a in range(arity):
            play(v, t, (*history, a))

    root = b.add_chance(None, [f"t{i}" for i in range(types)], prior(), "first's type")
    second = prior()
    for t0 in range(types):
        v = b.add_chance(root, [f"u{i}" for i in range(types)], second, "second's type")
        for t1 in range(types):
            play(v, (t0, t1), ())
    return b.build(np.array(payoffs, dtype=object))


@pytest.mark.parametrize("seed", range(12))
def test_random_private_type_games_against_gambit(seed):
    # Our equilibrium of a random perfect-recall game with private types: zero regret by our
    # check and by pygambit's (exact, through the game pygambit reads from our .efg text)
    pytest.importorskip("pygambit")
    from negotiation.io.efg import write_efg
    from negotiation.io.efg_tree import game_tree_efg

    tree = private_types_game(seed, depth=3 + seed % 2)
    eq = sequence_form_equilibrium(tree)
    assert eq.exact[2] == 0
    text = write_efg(game_tree_efg(tree))
    G = pygambit.read_efg(io.StringIO(text))
    ours = efg_game_tree(read_efg(text))
    sf = sequence_form(ours)
    profile = to_gambit(G, ours, sf, eq.exact[0])
    assert profile.max_regret() == 0
    assert gambit_payoffs(profile, G) == eq.exact[1]


def one_mover_tree() -> GameTree:
    # only the second player moves: it takes 2 over 1
    b = TreeBuilder(("a", "b"))
    root = b.add_personal(None, 1, "x", ("l", "r"))
    b.add_terminal(root)
    b.add_terminal(root)
    return b.build([[0, 1], [5, 2]])


def chance_only_tree() -> GameTree:
    b = TreeBuilder(("a", "b"))
    root = b.add_chance(None, ("h", "t"), [0.5, 0.5])
    b.add_terminal(root)
    b.add_terminal(root)
    return b.build([[0, 1], [5, 2]])


def terminal_only_tree() -> GameTree:
    b = TreeBuilder(("a", "b"))
    b.add_terminal(None)
    return b.build([[3, 4]])


def null_branch_tree() -> GameTree:
    # chance never takes its second branch; the first player's set there is unreached by
    # chance (any behaviour is optimal), at the reached one it takes 2 over 1
    b = TreeBuilder(("a", "b"))
    root = b.add_chance(None, ("h", "t"), np.array([F(1), F(0)], dtype=object))
    for k in range(2):
        v = b.add_personal(root, 0, k, ("u", "d"))
        b.add_terminal(v)
        b.add_terminal(v)
    return b.build(np.array([[F(1), F(0)], [F(2), F(0)], [F(3), F(0)], [F(0), F(0)]], dtype=object))


@pytest.mark.parametrize(
    ("build", "payoffs"),
    [
        pytest.param(one_mover_tree, (F(5), F(2)), id="one-mover"),
        pytest.param(chance_only_tree, (F(5, 2), F(3, 2)), id="chance-only"),
        pytest.param(terminal_only_tree, (F(3), F(4)), id="terminal-only"),
        pytest.param(null_branch_tree, (F(2), F(0)), id="zero-probability-branch"),
    ],
)
def test_degenerate_shapes(build, payoffs):
    eq = sequence_form_equilibrium(build())
    assert eq.exact[1] == payoffs and eq.exact[2] == 0


@pytest.mark.parametrize(
    ("name", "perfect_recall"),
    [("kuhn_poker.efg", True), ("beer_quiche_cho_kreps.efg", True), ("forgetful.efg", False)],
)
def test_gambit_agrees_on_perfect_recall_of_the_new_files(name, perfect_recall):
    pytest.importorskip("pygambit")
    assert pygambit.read_efg(str(DATA / name)).is_perfect_recall == perfect_recall
    if perfect_recall:  # and our sequence form accepts the file
        sequence_form(file_tree(name))


@pytest.mark.parametrize(("seed", "types", "depth"), [(25, 2, 4), (21, 3, 4)])
def test_a_path_that_ends_on_a_ray_from_the_centroid_is_retried_from_a_generic_prior(seed, types, depth):
    # In these degenerate games the best response to the centroid has ties: the path from the
    # centroid comes back to z0 = 1 at another basis, where y_empty leaves and its complement
    # grows without bound (a ray). The equilibrium then comes from a generic prior, checked here
    # by our exact regret and by Gambit's.
    pytest.importorskip("pygambit")
    from negotiation.io.efg import write_efg
    from negotiation.io.efg_tree import game_tree_efg
    from negotiation.solvers.sequence_lemke import SequenceLemkeError, sequence_lemke

    tree = private_types_game(seed, types=types, depth=depth)
    with pytest.raises(SequenceLemkeError, match="ray"):
        sequence_lemke(sequence_form(tree))
    for arithmetic in ("exact", "auto"):
        eq = sequence_form_equilibrium(tree, arithmetic=arithmetic)
        assert eq.exact[2] == 0
    G = pygambit.read_efg(io.StringIO(write_efg(game_tree_efg(tree))))
    profile = G.mixed_behavior_profile(rational=True)
    for player in (0, 1):
        for k, s in enumerate(sequence_form(tree).infosets[player]):
            actions = tree.infosets[s].actions
            profile.set_mixed_action(selector(tree, s), dict(zip(actions, eq.exact[0][player][k], strict=True)))
    assert profile.max_regret() == 0
