"""Beliefs, sequential equilibria and the intuitive criterion (negotiation.solvers.sequential).

Oracles, independent of the code under test:
* Literature: beer-quiche (Cho and Kreps 1987): both pooling components are sequential, with
  the off-path belief the textbook states (the receiver duels after the unused breakfast, so
  it believes the sender weak with probability >= 1/2); only beer-pooling passes the intuitive
  criterion. Entry deterrence (Selten): (out, fight) is Nash, not subgame perfect, so not
  sequential. Kuhn poker (Kuhn 1950): in the equilibrium with alpha = 0 player 2 must be
  indifferent holding Q after a bet, which forces the belief 1/4 on J.
* Hand-derived games (derivations in the comments): an incredible threat at a two-node
  information set (Selten's horse logic with two players), a belief-dependent threat, and a
  game where consistency ties the beliefs at two sets together (only consistency, not any
  per-set condition, rules the profile out: the method must not answer "sequential").
* Independent checks of every "sequential" answer on pygambit's catalog: the returned
  trembles turned into an actual fully mixed profile at a small epsilon, whose Bayes beliefs
  (computed here by path products) must be within 1e-6 of the claimed limit beliefs; and
  sequential rationality by brute force over every pure strategy of the player at every
  information set, exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from negotiation.io.efg_tree import efg_game_tree
from negotiation.io.gambit import load_game
from negotiation.model.tree import CHANCE, PERSONAL, TERMINAL, GameTree, TreeBuilder
from negotiation.solvers.intuitive import intuitive_criterion
from negotiation.solvers.sequence_lemke import sequence_form_equilibrium
from negotiation.solvers.sequential import (
    beliefs_by_bayes,
    sequential_assessment,
)
from negotiation.solvers.subgames import UnsupportedGameError

DATA = Path(__file__).parent / "data"
BEER_QUICHE = [DATA / "efg" / "beer_quiche_cho_kreps.efg", DATA / "gambit" / "beer_quiche.efg"]


def exact_tree(path: Path) -> GameTree:
    return efg_game_tree(load_game(path), exact=True)


def exact(payoffs) -> np.ndarray:
    return np.array([[F(a), F(b)] for a, b in payoffs], dtype=object)


# --------------------------------------------------------------------------- independent oracles


def edge_probability(tree: GameTree, behaviour, v: int) -> F:
    """Probability of the edge into ``v`` (chance or behaviour), written independently."""
    u = int(tree.parent[v])
    if tree.kind[u] == CHANCE:
        return F(tree.probabilities[0, v])
    player = int(tree.player[u])
    k = tree.player_infosets(player).index(int(tree.infoset[u]))
    return F(behaviour[player][k][int(tree.action[v])])


def bayes(tree: GameTree, behaviour) -> list[list[tuple[F, ...] | None]]:
    """Bayes beliefs by path products (None where unreached)."""
    reach = [F(1)] * tree.size
    for v in range(1, tree.size):
        reach[v] = reach[int(tree.parent[v])] * edge_probability(tree, behaviour, v)
    out = []
    for player in (0, 1):
        sets = []
        for s in tree.player_infosets(player):
            r = [reach[x] for x in tree.infosets[s].members]
            sets.append(tuple(x / sum(r) for x in r) if sum(r) else None)
        out.append(sets)
    return out


def value(tree: GameTree, behaviour, v: int, player: int, pure: dict | None) -> F:
    """Player's expected payoff from node ``v``; ``pure`` (set -> action) replaces its behaviour."""
    if tree.kind[v] == TERMINAL:
        return F(tree.payoffs[0, tree.terminal[v]][player])
    kids = [int(w) for w in tree.children(v)]
    if pure is not None and tree.kind[v] == PERSONAL and tree.player[v] == player:
        return value(tree, behaviour, kids[pure[int(tree.infoset[v])]], player, pure)
    return sum(
        (
            edge_probability(tree, behaviour, w) * value(tree, behaviour, w, player, pure)
            for w in kids
        ),
        F(0),
    )


def brute_force_rational(tree: GameTree, behaviour, beliefs) -> bool:
    """Sequential rationality checked against every pure strategy of the player, exactly."""
    return all(
        rational_at(tree, behaviour, beliefs, player, k)
        for player in (0, 1)
        for k in range(len(tree.player_infosets(player)))
    )


def rational_at(tree: GameTree, behaviour, beliefs, player: int, k: int) -> bool:
    """No pure strategy of the player does better from its k-th set, given the belief there."""
    sets = tree.player_infosets(player)
    members = tree.infosets[sets[k]].members
    mu = beliefs[player][k]

    def payoff(pure: dict | None) -> F:
        return sum(
            (m * value(tree, behaviour, x, player, pure) for m, x in zip(mu, members, strict=True)),
            F(0),
        )

    own = payoff(None)
    choices = itertools.product(*(range(len(tree.infosets[s].actions)) for s in sets))
    return all(payoff(dict(zip(sets, c, strict=True))) <= own for c in choices)


def trembled(tree: GameTree, behaviour, trembles, eps_bits: int = 40):
    """The fully mixed profile c * eps^r on the zero actions (exact; eps = 2^-eps_bits^(1/D))."""
    D = math.lcm(*(F(r).denominator for *_, r, _ in trembles)) if trembles else 1
    out = [[list(map(F, h)) for h in player] for player in behaviour]
    for player, k, a, r, c in trembles:
        out[player][k][a] = F(c) / F(2) ** int(eps_bits * D * F(r))
    for player in (0, 1):
        for k, probs in enumerate(out[player]):
            zero = [a for a, p in enumerate(behaviour[player][k]) if p == 0]
            mass = sum((probs[a] for a in zero), F(0))
            out[player][k] = [p if a in zero else p * (1 - mass) for a, p in enumerate(probs)]
    return out


def assert_certificate(tree: GameTree, result) -> None:
    """A "sequential" answer: beliefs are distributions, Bayes where reached, the limit of an
    actual fully mixed profile, and make the play rational at every set."""
    assert result.sequential is True
    beliefs, behaviour = result.beliefs, result.behaviour
    for player in (0, 1):
        for h in beliefs[player]:
            assert sum(h) == 1 and min(h) >= 0
    reached = bayes(tree, behaviour)
    for player in (0, 1):
        for mine, theirs in zip(beliefs[player], reached[player], strict=True):
            if theirs is not None:
                assert mine == theirs
    perturbed = bayes(tree, trembled(tree, behaviour, result.trembles))
    for player in (0, 1):
        for mine, near in zip(beliefs[player], perturbed[player], strict=True):
            assert near is not None  # fully mixed: every set reached
            np.testing.assert_allclose(
                [float(v) for v in near], [float(v) for v in mine], atol=1e-6
            )
    assert brute_force_rational(tree, behaviour, beliefs)


# --------------------------------------------------------------------------- beer-quiche


@dataclass(frozen=True)
class Pooling:
    name: str
    behaviour: tuple
    on_path: int  # receiver's set (0 beer, 1 quiche) reached in equilibrium
    passes: bool


# Sender sets: strong, weak (order of appearance); actions (beer, quiche). Receiver sets:
# after beer, after quiche; actions (duel, no duel).
# Beer-pooling: no duel after beer (Bayes 9/10 strong: no duel pays 9/10 > 1/10); after quiche
# the receiver duels with probability q >= 1/2 (weak's quiche gives 1 + 2(1 - q) <= 2), which
# is rational iff its belief in weak is >= 1/2 (= 1/2 exactly when it mixes).
# Quiche-pooling: symmetric, with duel after beer q >= 1/2 (strong's beer 1 + 2(1 - q) <= 2).
# Intuitive criterion (Cho and Kreps 1987, section IV): in quiche-pooling, beer is
# equilibrium-dominated for weak (2 at most < 3) but not for strong, and against a strong
# sender the receiver does not duel, giving strong 3 > 2: it fails. In beer-pooling, quiche
# is dominated for strong (2 < 3), and against weak the receiver duels (weak gets 1 < 2): it
# passes.
POOLINGS = [
    Pooling("beer", (((1, 0), (1, 0)), ((0, 1), (1, 0))), 0, True),
    Pooling(
        "beer, duel after quiche 1/2", (((1, 0), (1, 0)), ((0, 1), (F(1, 2), F(1, 2)))), 0, True
    ),
    Pooling("quiche", (((0, 1), (0, 1)), ((1, 0), (0, 1))), 1, False),
    Pooling(
        "quiche, duel after beer 1/2", (((0, 1), (0, 1)), ((F(1, 2), F(1, 2)), (0, 1))), 1, False
    ),
]


@pytest.mark.parametrize("path", BEER_QUICHE, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in POOLINGS])
def test_beer_quiche_pooling_is_sequential(path: Path, case: Pooling) -> None:
    tree = exact_tree(path)
    result = sequential_assessment(tree, case.behaviour)
    assert result.status == "sequential"
    assert_certificate(tree, result)
    receiver = result.beliefs[1]
    assert receiver[case.on_path] == (F(9, 10), F(1, 10))  # members (strong, weak): Bayes = prior
    weak_off_path = receiver[1 - case.on_path][1]
    assert weak_off_path >= F(1, 2)
    if F(1, 2) in case.behaviour[1][1 - case.on_path]:
        assert weak_off_path == F(1, 2)  # mixing needs indifference


@pytest.mark.parametrize("path", BEER_QUICHE, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in POOLINGS])
def test_beer_quiche_intuitive_criterion(path: Path, case: Pooling) -> None:
    result = intuitive_criterion(exact_tree(path), case.behaviour)
    assert result.kind == "pooling"
    assert result.passes is case.passes
    assert result.types == ("strong", "weak")
    (test,) = result.tests  # one unused message
    if case.passes:
        assert result.payoffs == (3, 2)
        assert (test.message, test.dominated, test.breaking) == ("quiche", ("strong",), ())
    else:
        assert result.payoffs == (2, 3)
        assert (test.message, test.dominated, test.breaking) == ("beer", ("weak",), ("strong",))


def test_beer_quiche_lemke_equilibrium() -> None:
    tree = exact_tree(BEER_QUICHE[0])
    eq = sequence_form_equilibrium(tree)
    result = sequential_assessment(tree, eq.exact[0])
    assert_certificate(tree, result)
    assert intuitive_criterion(tree, eq.exact[0]).passes is (eq.exact[0][0][0] == (1, 0))


def test_beer_quiche_non_equilibrium() -> None:
    # beer-pooling with no duel after quiche: weak gains 3 - 2 from quiche
    tree = exact_tree(BEER_QUICHE[0])
    behaviour = (((1, 0), (1, 0)), ((0, 1), (0, 1)))
    result = sequential_assessment(tree, behaviour)
    assert result.sequential is False and "Nash" in result.reason
    with pytest.raises(ValueError, match="not a Nash equilibrium"):
        intuitive_criterion(tree, behaviour)


def test_intuitive_criterion_refuses_other_games() -> None:
    with pytest.raises(UnsupportedGameError, match="not a signalling game.*root is not a chance"):
        intuitive_criterion(entry_game(), (((0, 1),), ((0, 1),)))
    kuhn = exact_tree(DATA / "efg" / "kuhn_poker.efg")
    eq = sequence_form_equilibrium(kuhn)
    with pytest.raises(UnsupportedGameError, match="not a signalling game"):
        intuitive_criterion(kuhn, eq.exact[0])


def signalling_separating(low_cost: int = 3) -> GameTree:
    """Spence-style: a high type (1/2) educates at cost 1, a low type at cost 3; the employer
    pays a high wage (worth 2 to the worker) or a low one (0); it wants high wage for the high
    type (payoff 1) and low for the low type (payoff 1), else 0."""
    b = TreeBuilder(("worker", "employer"))
    root = b.add_chance(None, ("high", "low"), [F(1, 2), F(1, 2)], "type")
    payoffs = []
    for t, cost in (("high", 1), ("low", low_cost)):
        node = b.add_personal(root, 0, t, ("educate", "not"), t)
        for message, c in (("educate", cost), ("not", 0)):
            r = b.add_personal(node, 1, message, ("high wage", "low wage"))
            b.add_terminal(r)
            b.add_terminal(r)
            payoffs += [(2 - c, int(t == "high")), (-c, int(t == "low"))]
    return b.build(exact(payoffs))


def test_intuitive_criterion_separating() -> None:
    # Separating: high educates (2 - 1 = 1 > 0 from not: low wage), low does not (0 > 2 - 3);
    # the employer pays high after education, low otherwise (Bayes: types known). No message
    # is unused: nothing to test, it passes.
    tree = signalling_separating()
    behaviour = (((1, 0), (0, 1)), ((1, 0), (0, 1)))
    result = intuitive_criterion(tree, behaviour)
    assert (result.kind, result.passes, result.tests, result.payoffs) == (
        "separating",
        True,
        (),
        (1, 0),
    )
    assert_certificate(tree, sequential_assessment(tree, behaviour))
    # Pooling on "not" with low wage after education (belief on low >= 1/2): education is
    # dominated for low (at most -1 < 0) but not for high (1 > 0); against high the employer
    # pays high, giving high 1 > 0: fails the criterion, though sequential.
    pooling = (((0, 1), (0, 1)), ((0, 1), (0, 1)))
    result = intuitive_criterion(tree, pooling)
    assert (result.kind, result.passes) == ("pooling", False)
    assert result.tests[0].dominated == ("low",) and result.tests[0].breaking == ("high",)
    assessment = sequential_assessment(tree, pooling)
    assert_certificate(tree, assessment)
    assert assessment.beliefs[1][0][1] >= F(1, 2)  # after education: belief in low


# --------------------------------------------------------------------------- threats


def entry_game() -> GameTree:
    # Selten's entry game (tests/data/efg/entry_deterrence.efg): out (0, 2); in, then
    # fight (-1, -1) or accommodate (1, 1).
    b = TreeBuilder(("entrant", "incumbent"))
    root = b.add_personal(None, 0, "entry", ("out", "in"))
    b.add_terminal(root)
    fight = b.add_personal(root, 1, "fight?", ("fight", "accommodate"))
    b.add_terminal(fight)
    b.add_terminal(fight)
    return b.build(exact([(0, 2), (-1, -1), (1, 1)]))


@pytest.mark.parametrize(
    "fight",
    [pytest.param(F(1), id="fight"), pytest.param(F(1, 2), id="fight half")],
)
def test_entry_incredible_threat_not_sequential(fight: F) -> None:
    # (out, fight with probability f >= 1/2) is Nash (entering pays 1 - 2f <= 0), but after
    # entry the only belief is the single node and accommodating gains 2f.
    for tree in (entry_game(), exact_tree(DATA / "efg" / "entry_deterrence.efg")):
        behaviour = (((1, 0),), ((fight, 1 - fight),))
        result = sequential_assessment(tree, behaviour)
        assert result.status == "not sequential"
        assert result.sequential is False and result.beliefs is None
        assert f"gain of {2 * fight}" in result.reason


def test_entry_subgame_perfect_is_sequential() -> None:
    tree = entry_game()
    result = sequential_assessment(tree, (((0, 1),), ((0, 1),)))
    assert result.beliefs == (((F(1),),), ((F(1),),))
    assert_certificate(tree, result)
    assert result.to_dict()["sequential"] is True


def horse(payoffs: list[tuple[int, int]]) -> GameTree:
    """Player 1: out (2, 2), left or right; player 2 does not see which, and plays u or d.
    Terminals: out, (left, u), (left, d), (right, u), (right, d)."""
    b = TreeBuilder(("one", "two"))
    root = b.add_personal(None, 0, "root", ("out", "left", "right"))
    b.add_terminal(root)
    for _ in range(2):
        node = b.add_personal(root, 1, "two", ("u", "d"))
        b.add_terminal(node)
        b.add_terminal(node)
    return b.build(exact([(2, 2), *payoffs]))


def test_threat_at_an_information_set_not_sequential() -> None:
    # Player 2 gets 1 from u and 0 from d at both nodes: d is strictly worse for every belief.
    # Player 1 gets 3 from (left, u) and 0 after d: (out, d) is Nash (0 < 2), not sequential;
    # the proof needs the belief polytope of a two-node set (no single forced belief).
    tree = horse([(3, 1), (0, 0), (0, 1), (0, 0)])
    result = sequential_assessment(tree, (((1, 0, 0),), ((0, 1),)))
    assert result.status == "not sequential"
    assert "no belief" in result.reason
    good = sequential_assessment(tree, (((0, 1, 0),), ((1, 0),)))
    assert_certificate(tree, good)
    assert good.beliefs[1][0] == (1, 0)  # Bayes after left


def test_belief_dependent_threat_is_sequential() -> None:
    # Player 2: (left, u) 1, (left, d) 0, (right, u) 0, (right, d) 2: d is rational iff
    # 2 mu(right) >= mu(left), i.e. mu(right) >= 1/3; any belief is consistent (left and
    # right are separate trembles). Player 1: (left, d) 0 and (right, d) 1 < 2: (out, d) Nash.
    tree = horse([(3, 1), (0, 0), (0, 0), (1, 2)])
    result = sequential_assessment(tree, (((1, 0, 0),), ((0, 1),)))
    assert_certificate(tree, result)
    assert result.beliefs[1][0][1] >= F(1, 3)


def coupled() -> GameTree:
    """Player 1: out (1, 0), left or right (then 0 whatever happens). Player 2, not seeing
    left/right, plays y (left 2, right -10) or x; after x it moves again, still not seeing
    left/right: p (left 1, right 0) or q (left 0, right 1)."""
    b = TreeBuilder(("one", "two"))
    root = b.add_personal(None, 0, "root", ("out", "left", "right"))
    b.add_terminal(root)
    payoffs = [(1, 0)]
    for side in ("left", "right"):
        first = b.add_personal(root, 1, "I1", ("y", "x"))
        b.add_terminal(first)
        then = b.add_personal(first, 1, "I2", ("p", "q"))
        b.add_terminal(then)
        b.add_terminal(then)
        payoffs += [
            (0, 2 if side == "left" else -10),
            (0, int(side == "left")),
            (0, int(side == "right")),
        ]
    return b.build(exact(payoffs))


def test_consistency_ties_beliefs_across_sets() -> None:
    # Both sets of player 2 are reached from left/right through the same action x, so every
    # tremble sequence gives them the same belief mu(left). y at I1 is optimal iff
    # 2 mu - 10 (1 - mu) >= max(mu, 1 - mu), i.e. mu >= 10/11; q at I2 iff mu <= 1/2, p iff
    # mu >= 1/2. So (out; y, q) is Nash but not sequential (each set alone is fine: only
    # consistency rules it out), and (out; y, p) is sequential with mu(left) >= 10/11 at both.
    # I2 is a set player 2's own strategy does not reach (it plays y), so by default q is
    # replaced by a best reply there (p), and that profile is sequential.
    tree = coupled()
    given = (((1, 0, 0),), ((1, 0), (0, 1)))
    bad = sequential_assessment(tree, given, repair=False)
    assert bad.status == "undecided" and bad.sequential is None  # never a wrong "sequential"
    repaired = sequential_assessment(tree, given)
    assert repaired.behaviour[1] == ((1, 0), (1, 0))
    assert "replaced by best replies" in repaired.reason
    assert_certificate(tree, repaired)
    good = sequential_assessment(tree, (((1, 0, 0),), ((1, 0), (1, 0))))
    assert_certificate(tree, good)
    first, second = good.beliefs[1]
    assert first == second and first[0] >= F(10, 11)


# --------------------------------------------------------------------------- Kuhn poker


def test_kuhn_poker_equilibrium_is_sequential() -> None:
    tree = exact_tree(DATA / "efg" / "kuhn_poker.efg")
    eq = sequence_form_equilibrium(tree)
    result = sequential_assessment(tree, eq.exact[0])
    assert_certificate(tree, result)
    labels = [tree.infosets[s].label for s in tree.player_infosets(1)]
    by_bayes = beliefs_by_bayes(tree, eq.exact[0])
    unreached = {labels[k] for k, h in enumerate(by_bayes[1]) if h is None}
    first = [tree.infosets[s].label for s in tree.player_infosets(0)]
    bets = {card: eq.exact[0][0][first.index(f"1 holds {card}")][1] for card in "JK"}
    if bets == {"J": 0, "K": 0}:  # alpha = 0: player 1 never bets first
        assert unreached == {"2 holds J after bet", "2 holds Q after bet", "2 holds K after bet"}
    # Holding Q after a bet (members: 1 holds J, 1 holds K), player 2 calls with probability
    # 1/3, so must be indifferent: call 2 mu - 2 (1 - mu) = fold -1 gives mu(J) = 1/4 (Bayes
    # too where reached: J bets with alpha, K with 3 alpha).
    assert result.beliefs[1][labels.index("2 holds Q after bet")] == (F(1, 4), F(3, 4))
    assert all(by_bayes[0])  # player 1's sets are all reached
    for player in (0, 1):
        for mine, bayes_h in zip(result.beliefs[player], by_bayes[player], strict=True):
            if bayes_h is not None:
                assert mine == bayes_h
    # after a check, player 2 holding Q faces J or K with equal probability (both check)
    assert by_bayes[1][labels.index("2 holds Q after check")] == (F(1, 2), F(1, 2))


def test_beliefs_by_bayes_matches_path_products() -> None:
    tree = exact_tree(DATA / "efg" / "kuhn_poker.efg")
    behaviour = sequence_form_equilibrium(tree).exact[0]
    expected = bayes(tree, behaviour)
    assert [list(p) for p in beliefs_by_bayes(tree, behaviour)] == expected


# --------------------------------------------------------------------------- catalog


def catalog():
    pygambit = pytest.importorskip("pygambit")
    from negotiation.io.efg import read_efg

    for name in pygambit.catalog.games(n_players=2).Game:
        game = pygambit.catalog.load(name)
        if isinstance(game, pygambit.ExtensiveGame) and game.is_perfect_recall:
            yield name, efg_game_tree(read_efg(game.to_efg(), source=name))


def test_catalog_answers_are_certified() -> None:
    """Every decided answer on the catalog's Lemke equilibria is checked independently."""
    statuses = {}
    for name, tree in catalog():
        eq = sequence_form_equilibrium(tree)
        result = sequential_assessment(tree, eq.exact[0])
        statuses[name] = result.status
        if result.status == "sequential":
            assert_certificate(tree, result)
        elif result.status == "not sequential":
            # the failing set: where its belief is forced (a single node, or a reached set:
            # Bayes), brute force must find a profitable deviation with that belief
            player, k = result.failing
            s = tree.player_infosets(player)[k]
            forced = bayes(tree, result.behaviour)[player][k]
            if forced is None and len(tree.infosets[s].members) == 1:
                forced = (F(1),)
            assert forced is not None, name
            beliefs = [[()] * len(tree.player_infosets(p)) for p in (0, 1)]
            beliefs[player][k] = forced
            assert not rational_at(tree, result.behaviour, beliefs, player, k), name
    assert len(statuses) == 24
    assert sum(s == "sequential" for s in statuses.values()) >= 18


def nested_trembles() -> GameTree:
    """Player 1: out (1, 0) or in; player 2: a or b; then player 1, not seeing a/b, plays L or
    R. Terminals: out, (a, L), (a, R), (b, L), (b, R)."""
    b = TreeBuilder(("one", "two"))
    root = b.add_personal(None, 0, "root", ("out", "in"))
    b.add_terminal(root)
    two = b.add_personal(root, 1, "two", ("a", "b"))
    for _ in range(2):
        last = b.add_personal(two, 0, "last", ("L", "R"))
        b.add_terminal(last)
        b.add_terminal(last)
    return b.build(exact([(1, 0), (F(1, 2), 1), (0, 1), (0, 0), (5, 0)]))


def test_consistency_puts_no_weight_on_a_second_tremble() -> None:
    # (out; R; a) is Nash: in gives player 1 at most 1/2 < 1 after a, and player 2 gets 1 from
    # a, 0 from b. R at player 1's last set is optimal iff 5 mu(b) >= mu(a) / 2, i.e.
    # mu(b) >= 1/11; but reaching (in, b) needs two trembles (in and b) and (in, a) one, so
    # every consistent belief is mu(b) = 0: not sequential (though the belief mu(b) = 1 would
    # make R optimal: only consistency rules it out).
    tree = nested_trembles()
    given = (((1, 0), (0, 1)), ((1, 0),))
    result = sequential_assessment(tree, given, repair=False)
    assert result.status == "not sequential" and result.failing == (0, 1)
    assert "only consistent belief ['1', '0']" in result.reason
    assert rational_at(tree, given, [[(), (F(0), F(1))], [()]], 0, 1)
    assert not rational_at(tree, given, [[(), (F(1), F(0))], [()]], 0, 1)
    # the set is one player 1's own strategy does not reach: L there keeps the play, and is
    # sequential with the belief (1, 0)
    repaired = sequential_assessment(tree, given)
    assert repaired.behaviour[0][1] == (1, 0)
    assert repaired.beliefs[0][1] == (1, 0)
    assert_certificate(tree, repaired)


@pytest.mark.parametrize("path", BEER_QUICHE, ids=lambda p: p.parent.name)
def test_float_tree_same_answer(path: Path) -> None:
    floats = efg_game_tree(load_game(path), exact=False)
    for case in POOLINGS:
        a = sequential_assessment(floats, case.behaviour)
        b = sequential_assessment(exact_tree(path), case.behaviour)
        assert (a.status, a.beliefs) == (b.status, b.beliefs)
        assert intuitive_criterion(floats, case.behaviour).passes is case.passes


def test_to_dict_shapes() -> None:
    tree = exact_tree(BEER_QUICHE[0])
    data = sequential_assessment(tree, POOLINGS[0].behaviour).to_dict()
    assert data["sequential"] is True and data["status"] == "sequential"
    assert [len(h) for h in data["beliefs"][1]] == [2, 2]
    assert data["exact_beliefs"][1][0] == ["9/10", "1/10"]
    bad = sequential_assessment(entry_game(), (((1, 0),), ((1, 0),))).to_dict()
    assert bad["sequential"] is False and bad["beliefs"] is None and bad["failing"] == [1, 0]


# --------------------------------------------------------------------------- random signalling games


def random_signalling(seed: int, types: int, messages: int, responses: int) -> GameTree:
    """Chance draws one of ``types`` types (random rational prior); the sender sends one of
    ``messages``; the receiver, seeing the message only, plays one of ``responses``. Integer
    payoffs in [-2, 2], so ties are common."""
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 5, size=types)
    b = TreeBuilder(("sender", "receiver"))
    root = b.add_chance(None, [f"t{i}" for i in range(types)], [F(int(v), int(w.sum())) for v in w])
    for t in range(types):
        node = b.add_personal(root, 0, ("type", t), [f"m{j}" for j in range(messages)])
        for m in range(messages):
            r = b.add_personal(node, 1, ("message", m), [f"r{k}" for k in range(responses)])
            for _ in range(responses):
                b.add_terminal(r)
    payoffs = rng.integers(-2, 3, size=(b.terminals, 2))
    return b.build(exact([(int(a), int(c)) for a, c in payoffs]))


def some_belief_supports(tree: GameTree, s: int, probs) -> bool:
    """Float LP, independent of the exact method: is there a belief on the receiver's set
    under which every action it plays is a best response?"""
    from scipy.optimize import linprog

    members = tree.infosets[s].members
    u = np.array(
        [[float(tree.payoffs[0, tree.terminal[w]][1]) for w in tree.children(x)] for x in members]
    )
    rows = [u[:, q] - u[:, r] for r, p in enumerate(probs) if p > 0 for q in range(u.shape[1])]
    res = linprog(
        np.zeros(len(members)),
        A_ub=np.array(rows),
        b_ub=np.zeros(len(rows)),
        A_eq=np.ones((1, len(members))),
        b_eq=[1.0],
        bounds=[(0, 1)] * len(members),
        method="highs",
    )
    return res.status == 0


@pytest.mark.parametrize("seed", range(30))
def test_random_signalling_games(seed: int) -> None:
    types, messages, responses = 2 + seed % 2, 2 + (seed // 2) % 2, 2 + (seed // 4) % 2
    tree = random_signalling(seed, types, messages, responses)
    eq = sequence_form_equilibrium(tree)
    result = sequential_assessment(tree, eq.exact[0])
    assert result.status != "undecided"  # receiver beliefs at different sets are independent
    if result.status == "sequential":
        assert_certificate(tree, result)
    else:
        # sender sets are singletons; so the receiver fails at a set: on path Bayes forces the
        # belief, off path no belief at all supports its play
        player, k = result.failing
        assert player == 1
        forced = bayes(tree, result.behaviour)[1][k]
        if forced is not None:
            beliefs = [[()] * types, [()] * messages]
            beliefs[1][k] = forced
            assert not rational_at(tree, result.behaviour, beliefs, 1, k)
        else:
            s = tree.player_infosets(1)[k]
            assert not some_belief_supports(tree, s, result.behaviour[1][k])
    ic = intuitive_criterion(tree, result.behaviour)
    sent = [any(eq.exact[0][0][t][m] > 0 for t in range(types)) for m in range(messages)]
    assert [t.message for t in ic.tests] == [f"m{m}" for m in range(messages) if not sent[m]]


def test_intuitive_criterion_ties_are_not_dominance() -> None:
    # With education costing the low type 2, pooling on "not" (low wage after education; the
    # employer is indifferent after "not" at the prior 1/2) pays both types 0, and education
    # can give the low type at most 2 - 2 = 0: not strictly below its equilibrium payoff, so
    # low is not in J (Cho and Kreps's strict inequality); the employer may then pay low
    # after education, giving high -1 < 0: no type breaks it, it passes.
    tree = signalling_separating(low_cost=2)
    result = intuitive_criterion(tree, (((0, 1), (0, 1)), ((0, 1), (0, 1))))
    assert result.payoffs == (0, 0)
    assert result.passes and result.tests[0].dominated == () and result.tests[0].breaking == ()
