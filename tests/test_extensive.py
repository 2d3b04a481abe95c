"""Tests of negotiation.solvers.extensive (equilibria of game trees), negotiation.solvers.
strategic_form (reduced strategic form, Kuhn's conversion) and negotiation.io.efg_tree
(.efg games as GameTrees and back).

Oracles: textbook games in tests/data/efg with the derivation of every expected number in
the file's comment; pygambit 17.0.0b2 (GPL, test-time only) for Nash equilibria
(``enummixed_solve``, ``max_regret``), the reduced strategic form (``to_arrays``) and, game
by game, for every subgame that pygambit finds (a profile is subgame perfect when
``max_regret`` is 0 in each); Gambit's payoff-accumulation rule
(:meth:`ExtensiveFormGame.payoff_at`); realization probabilities computed from the
definitions for Kuhn's theorem.
"""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.io.config import load_scenario
from negotiation.io.efg_tree import efg_game_tree, game_tree_efg, scenario_to_efg
from negotiation.io.gambit import EfgNode, ExtensiveFormGame, load_game, read_efg, write_efg
from negotiation.model.compile import scenario_tree
from negotiation.model.tree import CHANCE, PERSONAL, TERMINAL, TreeBuilder
from negotiation.solvers.backward_induction import backward_induction
from negotiation.solvers.equilibrium_sets import subgame_perfect_result
from negotiation.solvers.extensive import UnsupportedGameError, reduced_strategic_form, solve_efg
from negotiation.solvers.strategic_form import kuhn_behaviour, strategy_counts

try:  # GPL oracle: a dev extra, never imported by the package
    import pygambit
    from pygambit import H
except ImportError:  # pragma: no cover
    pygambit = None

needs_gambit = pytest.mark.skipif(pygambit is None, reason="pygambit (dev extra) not installed")

DATA = Path(__file__).parent / "data" / "efg"
GAMBIT_DATA = Path(__file__).parent / "data" / "gambit"
F = Fraction


def load(name: str) -> ExtensiveFormGame:
    path = DATA / name if (DATA / name).exists() else GAMBIT_DATA / name
    game = load_game(path)
    assert isinstance(game, ExtensiveFormGame)
    return game


def solve(game: ExtensiveFormGame, **options):
    """solve_efg on the file's tree, read in the arithmetic asked for (as the CLI does)."""
    return solve_efg(efg_game_tree(game, exact=options.get("exact")), **options)


def flat(profile) -> np.ndarray:
    return np.array([float(p) for player in profile for probs in player for p in probs])


def same_profiles(first, second, atol: float = 1e-9) -> bool:
    """Two lists of behaviour profiles are equal as multisets, up to ``atol``."""
    left = [flat(p) for p in first]
    right = [flat(p) for p in second]
    if len(left) != len(right):
        return False
    for profile in left:
        match = next(
            (k for k, other in enumerate(right) if np.allclose(profile, other, atol=atol)), None
        )
        if match is None:
            return False
        right.pop(match)
    return True


def sorted_payoffs(equilibria) -> np.ndarray:
    """Payoff pairs of a list of equilibria, sorted, as an array (for assert_allclose)."""
    pairs = [tuple(float(v) for v in eq.payoffs) for eq in equilibria]
    return np.array(sorted(pairs, key=lambda pair: tuple(np.round(pair, 9)))).reshape(-1, 2)


# --------------------------------------------------------------------------- pygambit helpers


def action_path(game: ExtensiveFormGame, node: int, root: int = 0) -> tuple[str, ...]:
    steps = [(a, i) for a, i in game.path(node)]
    labels = [game.nodes[a].actions[i] for a, i in steps]
    depth = len(game.path(root))
    return tuple(labels[depth:])


def gambit_profile(G, game: ExtensiveFormGame, strategies, root: int = 0):
    """pygambit's behaviour profile for ``strategies`` restricted to the subtree at ``root``."""
    profile = G.mixed_behavior_profile(rational=True)
    inside = set(subtree(game, root))
    for player, infosets in enumerate(game.infosets()):
        for k, infoset in enumerate(infosets):
            first = infoset.nodes[0]
            if first not in inside:
                continue
            weights = {a: F(p) for a, p in zip(infoset.actions, strategies[player][k], strict=True)}
            profile.set_mixed_action(H.path(*action_path(game, first, root)), weights)
    return profile


def subtree(game: ExtensiveFormGame, root: int) -> list[int]:
    found, stack = [], [root]
    while stack:
        index = stack.pop()
        found.append(index)
        stack.extend(reversed(game.nodes[index].children))
    return found


def subgame(game: ExtensiveFormGame, root: int) -> ExtensiveFormGame:
    """The subtree at ``root`` as a game: payoffs summed onto its terminal nodes."""
    order = subtree(game, root)
    position = {index: k for k, index in enumerate(order)}
    numbers: dict[tuple, int] = {}
    nodes = []
    for k, index in enumerate(order):
        node = game.nodes[index]
        fields = {"kind": node.kind, "children": tuple(position[c] for c in node.children)}
        if node.kind != "terminal":
            key = (node.player, node.infoset)
            owner = [n for (p, _), n in numbers.items() if p == node.player]
            numbers.setdefault(key, len(owner) + 1)
            fields.update(
                player=node.player,
                infoset=numbers[key],
                infoset_name=node.infoset_name,
                actions=node.actions,
                probabilities=node.probabilities,
            )
        else:
            fields.update(outcome=k + 1, payoffs=game.payoff_at(index))
        nodes.append(EfgNode(**fields))
    return ExtensiveFormGame("", game.players, tuple(nodes))


def gambit_is_nash(game: ExtensiveFormGame, strategies) -> bool:
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    return gambit_profile(G, game, strategies).max_regret() == 0


def gambit_is_subgame_perfect(game: ExtensiveFormGame, strategies) -> bool:
    """Nash in every subgame pygambit finds, each checked by pygambit's ``max_regret``."""
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    by_path = {action_path(game, v): v for v in range(len(game.nodes))}
    for history in G.get_subgame_roots():
        root = by_path[tuple(history.actions)]
        part = subgame(game, root)
        Gs = pygambit.read_efg(io.StringIO(write_efg(part)))
        shifted = restrict(game, strategies, root)
        if gambit_profile(Gs, part, shifted).max_regret() != 0:
            return False
    return True


def restrict(game: ExtensiveFormGame, strategies, root: int):
    """The behaviour at the information sets inside the subtree at ``root``, in its order."""
    inside = subtree(game, root)
    restricted = []
    for player, infosets in enumerate(game.infosets()):
        firsts = {infoset.nodes[0]: k for k, infoset in enumerate(infosets)}
        restricted.append(
            tuple(strategies[player][firsts[v]] for v in sorted(inside) if v in firsts)
        )
    return restricted


def gambit_nash_payoffs(game: ExtensiveFormGame) -> set[tuple[Fraction, Fraction]]:
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    result = pygambit.nash.enummixed_solve(G, rational=True)
    players = list(G.players)
    return {
        tuple(F(eq.payoffs[p].numerator, eq.payoffs[p].denominator) for p in players)
        for eq in result.equilibria
    }


# --------------------------------------------------------------------------- textbook oracles


@dataclass(frozen=True)
class Case:
    file: str
    spe: tuple[tuple[Fraction, Fraction], ...]  # payoffs of each subgame-perfect equilibrium
    others: frozenset  # payoffs of the Nash equilibria that are not subgame perfect
    total: int


CASES = [
    # Derivations in each file's comment.
    Case("entry_deterrence.efg", ((F(1), F(1)),), frozenset({(F(0), F(2))}), 3),
    Case(
        "bos_outside_option.efg",
        ((F(3), F(1)), (F(2), F(2)), (F(2), F(2))),
        frozenset({(F(2), F(2))}),
        4,
    ),
    # 1 SPE; the strategic form's extreme points give 6 more behaviour profiles (the
    # union's mixtures over its two information sets project onto several marginals).
    Case(
        "chance_strike.efg", ((F(1), F(-1, 3)),), frozenset({(F(0), F(-4, 3)), (F(1), F(-1, 3))}), 7
    ),
    Case(
        "two_stage.efg",
        ((F(4), F(4)), (F(2), F(2)), (F(1), F(1)), (F(1), F(1)), (F(1), F(1))),
        frozenset(),
        5,
    ),
    # tests/data/gambit: the entrant pays 1 to enter; the price war's only equilibrium is
    # (Low, Low) (Low dominant for the incumbent: 4.5 > 3, 1 > 0; the entrant's best reply
    # Low: 0 > -1), worth (0, 1); staying out is worth (0, 4): the entrant is indifferent,
    # so there are two subgame-perfect equilibria.
    Case("entry_price_war.efg", ((F(0), F(4)), (F(0), F(1))), frozenset(), 2),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.file) for c in CASES])
def test_textbook_games(case: Case):
    result = solve(load(case.file), exact=True)
    perfect = [eq for eq in result.equilibria if eq.subgame_perfect]
    assert Counter(eq.exact[1] for eq in perfect) == Counter(case.spe)
    assert {eq.exact[1] for eq in result.equilibria if not eq.subgame_perfect} == case.others
    assert len(result.equilibria) == case.total
    assert all(eq.source == "backward_induction" for eq in result.equilibria[: len(case.spe)])
    for eq in result.equilibria:
        assert eq.payoffs == tuple(float(v) for v in eq.exact[1])
        for player in range(2):
            for probs, exact in zip(eq.strategies[player], eq.exact[0][player], strict=True):
                assert sum(exact) == 1 and min(exact) >= 0  # behaviour sums to one per infoset
                np.testing.assert_allclose(probs, [float(p) for p in exact], atol=1e-15)
        assert (eq.max_subgame_regret == 0) == eq.subgame_perfect


def test_entry_deterrence_behaviour():
    # (In, Accommodate) is subgame perfect; (Out, Fight) and (Out, half-half) are Nash only.
    result = solve(load("entry_deterrence.efg"))
    assert [(eq.exact[0], eq.subgame_perfect) for eq in result.equilibria] == [
        ((((0, 1),), ((0, 1),)), True),
        ((((1, 0),), ((1, 0),)), False),
        ((((1, 0),), ((F(1, 2), F(1, 2)),)), False),
    ]
    # after In, fighting costs the incumbent 1 - (-1) = 2; half-half costs 1
    assert [eq.max_subgame_regret for eq in result.equilibria] == [0.0, 2.0, 1.0]
    assert result.status == "degenerate"  # the strategic form has a continuum (Out, f >= 1/2)


def test_battle_of_the_sexes_with_outside_option_behaviour():
    result = solve(load("bos_outside_option.efg"))
    # Alice: (outside option?, in the battle); Bob: (in the battle,)
    assert Counter(eq.exact[0] for eq in result.equilibria[:3]) == Counter(
        [
            (((0, 1), (1, 0)), ((1, 0),)),
            (((1, 0), (F(3, 4), F(1, 4))), ((F(1, 4), F(3, 4)),)),
            (((1, 0), (0, 1)), ((0, 1),)),
        ]
    )
    nash_only = result.equilibria[3]
    assert nash_only.exact[0] == (((1, 0), (1, 0)), ((F(2, 3), F(1, 3)),))
    assert nash_only.completed == ((0, 1),)  # Alice's battle set, excluded by her Out
    assert nash_only.max_subgame_regret == pytest.approx(1 / 3)  # Bob's gain 1 - 2/3


# the file's comment: stage 1 (Up, Left), each Up with 1/2, or (Down, Right) with (X, X)
# after (Up, Left); (Down, Right) with the mixed (X 1/3) or (Y, Y) coordination.
# [player][information set: stage 1, coordination][action]
ONE, TWO, HALF, THIRD = (1, 0), (0, 1), (F(1, 2), F(1, 2)), (F(1, 3), F(2, 3))
TWO_STAGE = Counter(
    [
        ((ONE, ONE), (ONE, ONE)),
        ((HALF, ONE), (HALF, ONE)),
        ((TWO, ONE), (TWO, ONE)),
        ((TWO, THIRD), (TWO, THIRD)),
        ((TWO, TWO), (TWO, TWO)),
    ]
)


@pytest.mark.parametrize("exact", [True, False])
def test_two_stage_behaviour_at_stages_followed_by_play(exact):
    result = solve(load("two_stage.efg"), exact=exact)
    assert result.status == "ok" and result.notes == ()
    if exact:
        assert Counter(eq.exact[0] for eq in result.equilibria) == TWO_STAGE
    assert same_profiles([eq.strategies for eq in result.equilibria], list(TWO_STAGE))


@needs_gambit
@pytest.mark.parametrize("case", [pytest.param(c, id=c.file) for c in CASES])
def test_against_gambit(case: Case):
    """Every profile is Nash, its subgame-perfect flag is Gambit's verdict on every subgame,
    and every extreme Nash payoff Gambit finds is among ours."""
    game = load(case.file)
    result = solve(game, exact=True)
    for eq in result.equilibria:
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}


def test_float_mode_agrees_with_exact_mode():
    for case in CASES:
        game = load(case.file)
        exact, floating = solve(game, exact=True), solve(game, exact=False)
        assert floating.equilibria[0].exact is None
        assert len(exact.equilibria) == len(floating.equilibria)
        assert exact.status == floating.status
        assert same_profiles(
            [eq.strategies for eq in exact.equilibria], [eq.strategies for eq in floating.equilibria]
        )
        for a, b in zip(exact.equilibria, floating.equilibria, strict=True):
            assert a.subgame_perfect == b.subgame_perfect
            np.testing.assert_allclose(a.payoffs, b.payoffs, atol=1e-12)


def test_decimal_payoffs_are_read_as_written_in_exact_mode():
    game = read_efg(
        'EFG 2 R "" { "A" "B" }\n'
        'p "" 1 1 "" { "L" "R" } 0\n'
        't "" 1 "" { 0.1, 0 }\n'
        't "" 2 "" { 0.2, 0 }'
    )
    assert solve(game).equilibria[0].exact is None  # decimals: float mode by default
    (eq,) = solve(game, exact=True).equilibria
    assert eq.exact[1] == (F(1, 5), F(0)) and eq.strategies == (((0.0, 1.0),), ())
    # a float tree solved exactly reads the floats as the shortest decimals, and chance
    # probabilities as the nearest simple fractions (1/3, not 0.333...)
    (eq,) = solve_efg(efg_game_tree(game), exact=True).equilibria
    assert eq.exact[1] == (F(1, 5), F(0))
    floats = efg_game_tree(load("chance_strike.efg"), exact=False)
    assert not floats.exact
    result = solve_efg(floats, exact=True, include_nash=False)
    assert [eq.exact[1] for eq in result.equilibria] == [(F(1), F(-1, 3))]


def test_exact_mode_needs_a_method_with_one():
    with pytest.raises(ValueError, match="floating point only"):
        solve(load("entry_deterrence.efg"), method="support", exact=True)
    result = solve(load("entry_deterrence.efg"), method="support")  # exact file, float method
    assert result.equilibria[0].exact is None and result.equilibria[0].subgame_perfect


def test_without_nash_only_backward_induction():
    result = solve(load("entry_deterrence.efg"), include_nash=False)
    assert len(result.equilibria) == 1 and result.strategic_form is None
    assert result.status == "ok"


def test_large_strategic_forms_are_skipped_with_a_note():
    result = solve(load("chance_strike.efg"), max_strategic_cells=15)  # the form is 4 x 4
    assert len(result.equilibria) == 1
    assert any("4 x 4 = 16 cells, more than 15" in note for note in result.notes)


def test_result_lists_the_information_sets_in_file_order():
    game = load("chance_strike.efg")
    result = solve(game)
    assert [[(i.number, i.label, i.actions) for i in infosets] for infosets in result.infosets] == [
        [(i.number, i.name, i.actions) for i in infosets] for infosets in game.infosets()
    ]
    data = result.to_dict()
    assert data["infosets"][1][1] == {"number": 2, "name": "union in bust", "actions": ["Accept", "Strike"]}


def test_truncated_lists_say_so():
    # two_stage has five subgame-perfect equilibria
    result = solve(load("two_stage.efg"), include_nash=False, max_equilibria=3)
    assert len(result.equilibria) == 3 and result.status == "incomplete"
    assert any("the list is truncated" in note for note in result.notes)


# --------------------------------------------------------------------------- strategic form


def test_reduced_strategic_form_of_a_chance_game():
    # Firm: (boom, bust) actions, Union likewise; chance weights 1/3, 2/3.
    form = reduced_strategic_form(efg_game_tree(load("chance_strike.efg")))
    assert form.labels[0] == (
        "Offer/Offer",
        "Offer/Lock out",
        "Lock out/Offer",
        "Lock out/Lock out",
    )
    # (Offer/Lock out) vs (Accept/Strike): 1/3 * 5 + 2/3 * (-1) = 1
    assert form.A[1, 1] == 1 and form.B[1, 1] == F(-1, 3)


def test_reduced_strategies_merge_excluded_information_sets():
    # Alice's Out excludes her battle set: three reduced strategies, not four.
    tree = efg_game_tree(load("bos_outside_option.efg"))
    form = reduced_strategic_form(tree)
    assert form.labels == (("Out/*", "In/B", "In/S"), ("B", "S"))
    assert strategy_counts(tree) == (3, 2)


@needs_gambit
@pytest.mark.parametrize("case", [pytest.param(c, id=c.file) for c in CASES])
def test_reduced_strategic_form_matches_gambit(case: Case):
    game = load(case.file)
    form = reduced_strategic_form(efg_game_tree(game, exact=True))
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    A, B = G.to_arrays()
    assert form.A.shape == A.shape
    ours = Counter(zip(form.A.flat, form.B.flat, strict=True))
    theirs = Counter((F(str(a)), F(str(b))) for a, b in zip(A.flat, B.flat, strict=True))
    assert ours == theirs


def test_kuhn_behaviour_of_a_mixed_strategy():
    # Alice mixes Out 1/2, In/B 1/3, In/S 1/6: at her battle set she plays B with
    # (1/3) / (1/3 + 1/6) = 2/3; Bob's pure S is itself.
    tree = efg_game_tree(load("bos_outside_option.efg"))
    form = reduced_strategic_form(tree)
    behaviour = kuhn_behaviour(tree, form, [[F(1, 2), F(1, 3), F(1, 6)], [F(0), F(1)]])
    assert behaviour == {0: (F(1, 2), F(1, 2)), 1: (F(2, 3), F(1, 3)), 2: (F(0), F(1))}
    # Out for sure excludes the battle set: it is left open
    assert set(kuhn_behaviour(tree, form, [[F(1), F(0), F(0)], [F(1), F(0)]])) == {0, 2}


# --------------------------------------------------------------------------- unsupported games

UNSUPPORTED = {
    "non-siblings": (
        'EFG 2 R "" { "A" "B" }\n'
        'p "" 1 1 "" { "L" "R" } 0\n'
        'p "" 1 2 "" { "l" "r" } 0\n'
        'p "" 2 1 "lost" { "x" "y" } 0\n t "" 0\n t "" 0\n'
        't "" 0\n'
        'p "" 2 1 0\n t "" 0\n t "" 0',
        "information set 1 ('lost') of player 'B' holds nodes 2, 6, which are not children of "
        "one node",
    ),
    "chance": (
        'EFG 2 R "" { "A" "B" }\n'
        'c "coin" 1 "" { "H" 1/2 "T" 1/2 } 0\n'
        'p "" 1 1 "blind" { "x" "y" } 0\n t "" 0\n t "" 0\n'
        'p "" 1 1 0\n t "" 0\n t "" 0',
        "spans the outcomes of the chance move at node 0 ('coin')",
    ),
    "imperfect recall": (
        'EFG 2 R "" { "A" "B" }\n'
        'p "" 1 1 "" { "L" "R" } 0\n'
        'p "" 1 2 "forgot" { "x" "y" } 0\n t "" 0\n t "" 0\n'
        'p "" 1 2 0\n t "" 0\n t "" 0',
        "the player forgets its own move (imperfect recall)",
    ),
    "partial observation": (
        'EFG 2 R "" { "A" "B" }\n'
        'p "" 1 1 "" { "a" "b" "c" "d" } 0\n'
        'p "" 2 1 "ab" { "x" } 0\n t "" 0\n'
        'p "" 2 1 0\n t "" 0\n'
        'p "" 2 2 "cd" { "x" } 0\n t "" 0\n'
        'p "" 2 2 0\n t "" 0',
        "the player partly observes the move there",
    ),
}


@pytest.mark.parametrize("text,message", [pytest.param(*v, id=k) for k, v in UNSUPPORTED.items()])
def test_unsupported_games_name_the_information_set(text, message):
    game = read_efg(text)
    with pytest.raises(UnsupportedGameError, match="information set") as error:
        solve(game)
    assert message in str(error.value)


def test_imperfect_recall_has_no_reduced_strategic_form():
    tree = efg_game_tree(read_efg(UNSUPPORTED["imperfect recall"][0]))
    with pytest.raises(UnsupportedGameError, match="imperfect recall"):
        reduced_strategic_form(tree)


def test_beer_quiche_is_unsupported():
    with pytest.raises(UnsupportedGameError, match="'saw beer'"):
        solve(load("beer_quiche.efg"))


# --------------------------------------------------------------------------- tree conversion


def test_efg_game_tree_keeps_the_file():
    game = load("entry_price_war.efg")
    tree = efg_game_tree(game)
    assert not tree.exact  # a decimal payoff (4.5): floats by default
    assert tree.size == len(game.nodes) and tree.players == game.players
    assert tree.labels == tuple(node.name for node in game.nodes)
    assert [[(tree.infosets[s].number, tree.infosets[s].label, tree.infosets[s].members)
             for s in tree.player_infosets(p)] for p in (0, 1)] == [
        [(i.number, i.name, i.nodes) for i in infosets] for infosets in game.infosets()
    ]
    for v in np.flatnonzero(tree.kind == TERMINAL):  # Gambit's rule: outcomes add up on the path
        expected = [float(x) for x in game.payoff_at(int(v))]
        assert tree.payoffs[0, tree.terminal[v]].tolist() == expected
    # (Low, High) after the entry fee: (4.5 - 1, 0); giving up after it: the monopoly
    # outcome (0, 4) reused, minus the fee
    assert tree.payoffs[0, tree.terminal[7]].tolist() == [3.5, 0.0]
    assert tree.payoffs[0, tree.terminal[9]].tolist() == [-1.0, 4.0]
    exact = efg_game_tree(game, exact=True)
    assert exact.exact and exact.payoffs[0, exact.terminal[7], 0] == F(7, 2)


def test_efg_game_tree_with_chance():
    game = load("chance_strike.efg")
    tree = efg_game_tree(game)
    assert tree.exact and tree.kind[0] == CHANCE
    assert list(tree.probabilities[0, tree.children(0)]) == [F(1, 3), F(2, 3)]
    # the recession outcome (-1, 0) at the firm's bust node is added below it: deal (1, -1)
    bust_deal = next(v for v, node in enumerate(game.nodes) if node.outcome_name == "bust deal")
    assert tuple(tree.payoffs[0, tree.terminal[bust_deal]]) == (F(1), F(-1))


def test_chance_information_sets_stay_shared():
    game = read_efg(
        'EFG 2 R "" { "A" "B" }\n'
        'p "" 1 1 "" { "L" "R" } 0\n'
        'c "" 1 "coin" { "H" 1/2 "T" 1/2 } 0\n t "" 1 "" { 1, 0 }\n t "" 2 "" { 0, 1 }\n'
        'c "" 1 0\n t "" 3 "" { 2, 0 }\n t "" 4 "" { 0, 2 }'
    )
    tree = efg_game_tree(game)
    chance = [s for s in tree.infosets if s.player == -1]
    assert len(chance) == 1 and chance[0].members == (1, 4)
    (eq,) = solve_efg(tree).equilibria  # R is worth 1 > 1/2
    assert eq.exact == ((((0, 1),), ()), (F(1), F(1)))


def test_stage_with_player_2_first():
    # Battle of the sexes written with Bob (player 2) at the stage's first node.
    game = read_efg(
        'EFG 2 R "" { "Alice" "Bob" }\n'
        'p "" 2 1 "Bob" { "b" "s" } 0\n'
        'p "" 1 1 "Alice" { "B" "S" } 0\n t "" 1 "" { 3, 1 }\n t "" 2 "" { 0, 0 }\n'
        'p "" 1 1 0\n t "" 2 "" { 0, 0 }\n t "" 3 "" { 1, 3 }'
    )
    result = solve(game)
    assert sorted(eq.payoffs for eq in result.equilibria) == [(0.75, 0.75), (1.0, 3.0), (3.0, 1.0)]
    mixed = next(eq for eq in result.equilibria if eq.payoffs == (0.75, 0.75))
    # Alice plays B with 3/4 (Bob indifferent: 1 * 3/4 = 3 * 1/4), Bob b with 1/4
    assert mixed.exact[0] == (((F(3, 4), F(1, 4)),), ((F(1, 4), F(3, 4)),))


def test_game_tree_efg_round_trip_of_a_chance_tree():
    b = TreeBuilder(("P", "Q"))
    weather = b.add_chance(None, ("rain", "sun"), [0.25, 0.75], "weather")
    plan = b.add_personal(weather, 0, "plan", ("stay", "go"), "plan")
    b.add_terminal(plan)
    b.add_terminal(plan)
    b.add_terminal(weather, "sunny")
    tree = b.build(np.array([[1.0, 0.0], [0.0, 2.5], [2.0, 2.0]]))
    game = game_tree_efg(tree)
    assert game.nodes[0].probabilities == (F(1, 4), F(3, 4))
    assert game.nodes[1].name == "plan after weather=rain"
    assert game.nodes[3].payoffs == (F(0), 2.5)  # integral payoffs exact, others floats
    assert game.nodes[2].outcome_name == "end after weather=rain, plan=stay"
    assert game.nodes[4].outcome_name == "sunny"
    again = efg_game_tree(read_efg(write_efg(game)))
    np.testing.assert_array_equal(again.payoffs, tree.payoffs)
    np.testing.assert_array_equal(np.asarray(again.probabilities, dtype=float), tree.probabilities)
    (eq,) = solve_efg(again).equilibria  # P stays (1 > 0): 1/4 * (1, 0) + 3/4 * (2, 2)
    assert eq.payoffs == (1.75, 1.5)


def test_bargaining_nodes_cannot_be_written():
    b = TreeBuilder(("P", "Q"))
    b.add_bargain(None, object(), "talks")
    with pytest.raises(ValueError, match="bargaining node"):
        game_tree_efg(b.build(np.zeros((0, 2))))


# --------------------------------------------------------------------------- the Madrid scenario


@pytest.fixture(scope="module")
def madrid():
    # Madrid as frozen before issue 10 (deadlock set per side): three equilibria in each talks
    # stage, 27 subgame-perfect equilibria, which is what these tests need
    scenario = load_scenario(Path(__file__).parent / "golden" / "scenarios" / "madrid_2025.toml")
    return scenario, scenario_to_efg(scenario)


@needs_gambit
def test_gambit_reads_the_madrid_tree_with_the_same_payoffs(madrid):
    scenario, game = madrid
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    assert list(G.players) == list(scenario.side_names)
    tree = scenario_tree(scenario)
    leaves = np.flatnonzero(tree.kind == TERMINAL)
    stances = len(scenario.talks.actions[0]) * len(scenario.talks.actions[1])
    assert len(leaves) == 2 ** len(scenario.moves) * stances
    for v in leaves:
        path = [action for _, action in tree.history(int(v))]
        vector = G.get_outcome_payoffs(G.get_outcome(H.path(*path)))
        assert tuple(float(vector[p]) for p in scenario.side_names) == tuple(tree.payoffs[0, tree.terminal[v]])
    # one information set per decision node and per side of each stage
    assert [len(G.get_infosets(p)) for p in scenario.side_names] == [
        len(infosets) for infosets in game.infosets()
    ]


def test_madrid_tree_round_trips_through_the_file(madrid):
    _, game = madrid
    assert read_efg(write_efg(game)) == game


def test_exported_madrid_tree_has_the_scenarios_subgame_perfect_equilibria(madrid):
    scenario, game = madrid
    ours = solve(game, include_nash=False, tol=scenario.solver.tolerance)
    theirs = subgame_perfect_result(
        backward_induction(scenario_tree(scenario), tol=scenario.solver.tolerance, detail="summary")
    )
    assert len(ours.equilibria) == theirs.count == 27
    np.testing.assert_allclose(
        sorted_payoffs(ours.equilibria), sorted_payoffs(theirs.equilibria()), atol=1e-12
    )
    assert ours.status == theirs.status
    assert all(eq.subgame_perfect for eq in ours.equilibria)
    # by default the 18 x 36 strategic form is too large to enumerate: the notes say so
    assert any("18 x 36 = 648 cells, more than 100" in note for note in solve(game).notes)


def test_madrid_tree_names(madrid):
    _, game = madrid
    assert game.nodes[0].name == "entity_listing"
    assert game.nodes[0].actions == ("refrain", "play")
    names = [infoset.name for infoset in game.infosets()[1]]
    assert names[0] == "anti_dumping_probe after entity_listing=refrain"
    assert "china at talks after entity_listing=refrain, anti_dumping_probe=refrain" in names
    outcomes = {node.outcome_name.split(" -> ")[-1] for node in game.nodes if node.kind == "terminal"}
    assert {"deadlock", "escalation"} <= outcomes and any(o.startswith("truce: ") for o in outcomes)


def test_scenario_without_moves_is_a_single_stage(madrid):
    scenario, _ = madrid
    game = scenario_to_efg(dataclasses.replace(scenario, moves=()))
    assert [node.kind for node in game.nodes[:2]] == ["personal", "personal"]
    assert game.nodes[0].name == "talks"
    assert len(game.infosets()[1][0].nodes) == 3


# --------------------------------------------------------------------------- random trees


@st.composite
def trees(draw, depth: int = 3):
    """Small GameTrees of decisions, chance nodes, 2x2 / 2x3 / 1x2 stages and terminals;
    integer payoffs."""
    b = TreeBuilder(("P1", "P2"))
    payoffs: list[tuple[float, float]] = []
    payoff = st.integers(-3, 3).map(float)

    def terminal(parent):
        b.add_terminal(parent)
        payoffs.append((draw(payoff), draw(payoff)))

    def build(parent, level: int) -> None:
        kinds = ["terminal", "stage"] if level == 0 else ["decision", "decision", "chance", "stage", "terminal"]
        kind = draw(st.sampled_from(kinds))
        v = len(b._kind)
        if kind == "terminal":
            terminal(parent)
        elif kind == "stage":
            m, n = draw(st.sampled_from([(2, 2), (2, 3), (1, 2)]))
            row = b.add_personal(parent, 0, ("row", v), tuple(f"r{i}" for i in range(m)), f"stage{v}")
            for _ in range(m):
                column = b.add_personal(row, 1, ("column", v), tuple(f"c{j}" for j in range(n)))
                for _ in range(n):
                    terminal(column)
        else:
            if kind == "chance":
                node = b.add_chance(parent, ("h", "t"), [0.25, 0.75], f"coin{v}")
            else:
                node = b.add_personal(parent, draw(st.integers(0, 1)), ("d", v), ("a", "b"), f"d{v}")
            for _ in range(2):
                build(node, level - 1)

    build(None, depth)
    return b.build(np.array(payoffs).reshape(-1, 2))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_random_trees_survive_export_and_conversion(tree):
    game = game_tree_efg(tree)
    back = efg_game_tree(read_efg(write_efg(game)), exact=False)
    for name in ("kind", "player", "parent", "action", "terminal"):
        np.testing.assert_array_equal(getattr(back, name), getattr(tree, name))
    assert [(s.player, s.actions, s.members) for s in back.infosets] == [
        (s.player, s.actions, s.members) for s in tree.infosets
    ]
    np.testing.assert_array_equal(back.payoffs, tree.payoffs)
    np.testing.assert_array_equal(back.probabilities, tree.probabilities)
    ours = solve_efg(back, include_nash=False)
    theirs = subgame_perfect_result(backward_induction(tree, detail="summary"))
    assert len(ours.equilibria) == theirs.count
    np.testing.assert_allclose(
        sorted_payoffs(ours.equilibria), sorted_payoffs(theirs.equilibria()), atol=1e-9
    )
    assert ours.status == theirs.status


@needs_gambit
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(depth=2))
def test_random_trees_nash_and_subgame_perfection_against_gambit(tree):
    game = game_tree_efg(tree)
    result = solve(game, exact=True, max_strategic_cells=64)
    for eq in result.equilibria:
        assert sum(map(sum, [map(sum, player) for player in eq.exact[0]])) == sum(
            len(infosets) for infosets in game.infosets()
        )
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    if result.strategic_form is not None:
        assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}


@st.composite
def efg_games(draw, depth: int = 2):
    """Random supported .efg games built node by node in preorder: decisions (some with an
    outcome on the way), chance nodes, and simultaneous stages whose cells lead to further
    play, sometimes with an outside option (a row action the column player does not face)."""
    rows: list[dict] = []
    kids: list[list[int]] = []
    numbers = {0: 0, 1: 0, "chance": 0, "outcome": 0}
    payoff = st.integers(-2, 2)

    def number(owner) -> int:
        numbers[owner] += 1
        return numbers[owner]

    def emit(**fields) -> int:
        rows.append(fields)
        kids.append([])
        return len(rows) - 1

    def outcome() -> dict:
        return {"outcome": number("outcome"), "payoffs": (draw(payoff), draw(payoff))}

    def build(level: int) -> int:
        kinds = ["terminal"] if level == 0 else ["terminal", "decision", "chance", "stage", "stage"]
        kind = draw(st.sampled_from(kinds))
        if kind == "terminal":
            return emit(kind="terminal", **outcome())
        if kind == "chance":
            node = emit(
                kind="chance",
                infoset=number("chance"),
                actions=("h", "t"),
                probabilities=(F(1, 3), F(2, 3)),
            )
            kids[node] = [build(level - 1) for _ in range(2)]
            return node
        player = draw(st.integers(0, 1))
        extra = outcome() if draw(st.booleans()) else {}
        if kind == "decision":
            node = emit(
                kind="personal", player=player, infoset=number(player), actions=("a", "b"), **extra
            )
            kids[node] = [build(level - 1) for _ in range(2)]
            return node
        m, outside = draw(st.sampled_from([(2, False), (3, True), (2, True)]))
        node = emit(
            kind="personal",
            player=player,
            infoset=number(player),
            actions=tuple(f"r{i}" for i in range(m)),
            **extra,
        )
        column = number(1 - player)
        for i in range(m):
            if outside and i == m - 1:
                kids[node].append(build(level - 1))
                continue
            member = emit(kind="personal", player=1 - player, infoset=column, actions=("x", "y"))
            kids[node].append(member)
            kids[member] = [build(level - 1) for _ in range(2)]
        return node

    build(depth)
    nodes = tuple(
        EfgNode(children=tuple(k), **fields) for fields, k in zip(rows, kids, strict=True)
    )
    return ExtensiveFormGame("", ("P1", "P2"), nodes)


@needs_gambit
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(efg_games())
def test_random_games_with_play_after_stages_against_gambit(game):
    result = solve(game, exact=True, max_strategic_cells=64)
    assert any(eq.subgame_perfect for eq in result.equilibria)
    tree = efg_game_tree(game)
    form = reduced_strategic_form(tree)  # the size is counted before the form is built
    assert strategy_counts(tree) == form.A.shape
    with pytest.raises(ValueError, match=f"{form.A.size} cells"):
        reduced_strategic_form(tree, max_cells=form.A.size - 1)
    for eq in result.equilibria:
        for player in eq.exact[0]:
            assert all(sum(probs) == 1 for probs in player)
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    if result.strategic_form is not None:
        assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(efg_games(), st.randoms(use_true_random=False))
def test_kuhn_behaviour_is_realization_equivalent(game, rng):
    """Kuhn (1953): the behaviour reaches every terminal with the probability the mixed
    profile does. Mixed: sum over reduced strategy pairs consistent with the terminal's
    own moves (from the definition); behaviour: product along the path."""
    tree = efg_game_tree(game)
    form = reduced_strategic_form(tree)
    mixed = []
    for player in (0, 1):
        weights = [F(rng.randint(0, 3)) for _ in form.strategies[player]]
        if not any(weights):
            weights[0] = F(1)
        mixed.append([w / sum(weights) for w in weights])
    behaviour = kuhn_behaviour(tree, form, mixed)
    keys = {s: (p, k) for p in (0, 1) for k, s in enumerate(tree.player_infosets(p))}
    for v in np.flatnonzero(tree.kind == TERMINAL):
        chance, own = F(1), ([], [])
        along = F(1)
        for ancestor, action in tree.path(int(v)):
            s = int(tree.infoset[ancestor])
            if tree.kind[ancestor] == CHANCE:
                chance *= tree.probabilities[0, tree.children(ancestor)[action]]
                continue
            assert tree.kind[ancestor] == PERSONAL
            player = int(tree.player[ancestor])
            own[player].append((keys[s], action))
            k = len(tree.infosets[s].actions)
            along *= behaviour.get(s, (F(1, k),) * k)[action]
        reach = chance
        for player in (0, 1):
            reach *= sum(
                (sigma for sigma, strategy in zip(mixed[player], form.strategies[player], strict=True)
                 if set(own[player]) <= set(strategy)),
                F(0),
            )
        assert chance * along == reach
