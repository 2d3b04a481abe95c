"""Tests of negotiation.extensive: .efg games as trees, their equilibria, scenario export.

Oracles: textbook games in tests/data/efg with the derivation of every expected number in
the file's comment; pygambit 17.0.0b2 (GPL, test-time only) for Nash equilibria
(``enummixed_solve``, ``max_regret``) and, game by game, for every subgame that pygambit
finds (a profile is subgame perfect when ``max_regret`` is 0 in each); the package's own
backward induction (:func:`subgame_perfect_equilibria`) on trees built independently.
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

from negotiation.analysis import solve_tree
from negotiation.config import load_scenario
from negotiation.extensive import (
    UnsupportedGameError,
    efg_to_tree,
    reduced_strategic_form,
    scenario_to_efg,
    solve_efg,
    tree_to_efg,
)
from negotiation.formats.gambit import EfgNode, ExtensiveFormGame, load_game, read_efg, write_efg
from negotiation.games import Chance, Decision, StageGame, Terminal
from negotiation.scenario import game_tree
from negotiation.solvers.backward_induction import subgame_perfect_equilibria

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
    result = solve_efg(load(case.file), exact=True)
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
    result = solve_efg(load("entry_deterrence.efg"))
    assert [(eq.exact[0], eq.subgame_perfect) for eq in result.equilibria] == [
        ((((0, 1),), ((0, 1),)), True),
        ((((1, 0),), ((1, 0),)), False),
        ((((1, 0),), ((F(1, 2), F(1, 2)),)), False),
    ]
    # after In, fighting costs the incumbent 1 - (-1) = 2; half-half costs 1
    assert [eq.max_subgame_regret for eq in result.equilibria] == [0.0, 2.0, 1.0]
    assert result.status == "degenerate"  # the strategic form has a continuum (Out, f >= 1/2)


def test_battle_of_the_sexes_with_outside_option_behaviour():
    result = solve_efg(load("bos_outside_option.efg"))
    strategies = [eq.exact[0] for eq in result.equilibria]
    # Alice: (outside option?, in the battle); Bob: (in the battle,)
    assert strategies[:3] == [
        (((0, 1), (1, 0)), ((1, 0),)),
        (((1, 0), (F(3, 4), F(1, 4))), ((F(1, 4), F(3, 4)),)),
        (((1, 0), (0, 1)), ((0, 1),)),
    ]
    nash_only = result.equilibria[3]
    assert nash_only.exact[0] == (((1, 0), (1, 0)), ((F(2, 3), F(1, 3)),))
    assert nash_only.completed == ((0, 1),)  # Alice's battle set, excluded by her Out
    assert nash_only.max_subgame_regret == pytest.approx(1 / 3)  # Bob's gain 1 - 2/3


@needs_gambit
@pytest.mark.parametrize("case", [pytest.param(c, id=c.file) for c in CASES])
def test_against_gambit(case: Case):
    """Every profile is Nash, its subgame-perfect flag is Gambit's verdict on every subgame,
    and every extreme Nash payoff Gambit finds is among ours."""
    game = load(case.file)
    result = solve_efg(game, exact=True)
    for eq in result.equilibria:
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}


def test_float_mode_agrees_with_exact_mode():
    for case in CASES:
        game = load(case.file)
        exact, floating = solve_efg(game, exact=True), solve_efg(game, exact=False)
        assert floating.equilibria[0].exact is None
        assert len(exact.equilibria) == len(floating.equilibria)
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
    assert solve_efg(game).equilibria[0].exact is None  # decimals: float mode by default
    (eq,) = solve_efg(game, exact=True).equilibria
    assert eq.exact[1] == (F(1, 5), F(0)) and eq.strategies == (((0.0, 1.0),), ())


def test_without_nash_only_backward_induction():
    result = solve_efg(load("entry_deterrence.efg"), include_nash=False)
    assert len(result.equilibria) == 1 and result.strategic_form is None
    assert result.status == "ok"


def test_large_strategic_forms_are_skipped_with_a_note():
    result = solve_efg(load("chance_strike.efg"), max_strategic_cells=15)  # the form is 4 x 4
    assert len(result.equilibria) == 1
    assert any("4 x 4 = 16 cells, more than 15" in note for note in result.notes)


def test_reduced_strategic_form_of_a_chance_game():
    # Firm: (boom, bust) actions, Union likewise; chance weights 1/3, 2/3.
    form = reduced_strategic_form(load("chance_strike.efg"))
    assert form.labels[0] == (
        "Offer/Offer",
        "Offer/Lock out",
        "Lock out/Offer",
        "Lock out/Lock out",
    )
    # (Offer/Lock out) vs (Accept/Strike): 1/3 * 5 + 2/3 * (-1) = 1
    assert form.A[1, 1] == 1 and form.B[1, 1] == F(-1, 3)


@needs_gambit
@pytest.mark.parametrize("case", [pytest.param(c, id=c.file) for c in CASES])
def test_reduced_strategic_form_matches_gambit(case: Case):
    game = load(case.file)
    form = reduced_strategic_form(game)
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    A, B = G.to_arrays()
    assert form.A.shape == A.shape
    ours = Counter(zip(form.A.flat, form.B.flat, strict=True))
    theirs = Counter((F(str(a)), F(str(b))) for a, b in zip(A.flat, B.flat, strict=True))
    assert ours == theirs


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
        solve_efg(game)
    assert message in str(error.value)
    with pytest.raises(UnsupportedGameError):
        efg_to_tree(game)


def test_beer_quiche_is_unsupported():
    with pytest.raises(UnsupportedGameError, match="'saw beer'"):
        solve_efg(load("beer_quiche.efg"))


# --------------------------------------------------------------------------- tree conversion


@pytest.mark.parametrize(
    "name",
    ["entry_deterrence.efg", "bos_outside_option.efg", "chance_strike.efg", "entry_price_war.efg"],
)
def test_efg_to_tree_gives_the_same_equilibria_to_backward_induction(name):
    game = load(name)
    tree, index = efg_to_tree(game)
    assert index.notes == () and not index.folded
    ours = solve_efg(game, include_nash=False)
    theirs = subgame_perfect_equilibria(tree).equilibria
    np.testing.assert_allclose(sorted_payoffs(ours.equilibria), sorted_payoffs(theirs), atol=1e-12)
    assert same_profiles(
        [eq.strategies for eq in ours.equilibria], [index.behaviour(eq) for eq in theirs]
    )


def test_stage_is_transposed_when_player_2_moves_first():
    # Battle of the sexes written with Bob (player 2) at the stage's first node.
    game = read_efg(
        'EFG 2 R "" { "Alice" "Bob" }\n'
        'p "" 2 1 "Bob" { "b" "s" } 0\n'
        'p "" 1 1 "Alice" { "B" "S" } 0\n t "" 1 "" { 3, 1 }\n t "" 2 "" { 0, 0 }\n'
        'p "" 1 1 0\n t "" 2 "" { 0, 0 }\n t "" 3 "" { 1, 3 }'
    )
    tree, index = efg_to_tree(game)
    assert isinstance(tree, StageGame)
    assert tree.row_actions == ("B", "S") and tree.column_actions == ("b", "s")
    np.testing.assert_array_equal(tree.A, [[3, 0], [0, 1]])  # Alice's payoffs, rows hers
    result = solve_efg(game)
    assert sorted(eq.payoffs for eq in result.equilibria) == [(0.75, 0.75), (1.0, 3.0), (3.0, 1.0)]
    mixed = next(eq for eq in result.equilibria if eq.payoffs == (0.75, 0.75))
    assert mixed.exact[0] == (((F(3, 4), F(1, 4)),), ((F(1, 4), F(3, 4)),))
    bi = subgame_perfect_equilibria(tree).equilibria
    assert same_profiles(
        [index.behaviour(eq) for eq in bi], [eq.strategies for eq in result.equilibria]
    )


def test_efg_to_tree_folds_the_first_continuation_equilibrium():
    tree, index = efg_to_tree(load("two_stage.efg"))
    assert isinstance(tree, StageGame)
    np.testing.assert_array_equal(tree.A, [[4, 0], [3, 1]])  # (X, X) worth 4 folded in
    assert set(index.folded) == {(0, 1), (1, 1)}
    assert "3 subgame-perfect equilibria with different payoffs" in index.notes[0]


def test_tree_to_efg_round_trip_of_a_chance_tree():
    tree = Chance(
        ("rain", "sun"),
        (0.25, 0.75),
        (
            Decision(0, ("stay", "go"), (Terminal((1.0, 0.0)), Terminal((0.0, 2.5))), label="plan"),
            Terminal((2.0, 2.0)),
        ),
        label="weather",
    )
    game = tree_to_efg(tree, ("P", "Q"))
    assert game.nodes[0].probabilities == (F(1, 4), F(3, 4))
    assert game.nodes[1].name == "plan after weather=rain"
    assert game.nodes[3].payoffs == (F(0), 2.5)  # integral payoffs exact, others floats
    again, _ = efg_to_tree(read_efg(write_efg(game)))
    assert [e.payoffs for e in subgame_perfect_equilibria(again).equilibria] == [
        e.payoffs for e in subgame_perfect_equilibria(tree).equilibria
    ]


# --------------------------------------------------------------------------- the Madrid scenario


@pytest.fixture(scope="module")
def madrid():
    scenario = load_scenario("madrid_2025")
    return scenario, scenario_to_efg(scenario)


def leaves(node, path=()):
    """(action labels from the root, payoffs) of every terminal cell of our tree."""
    if isinstance(node, StageGame):
        for a, row in enumerate(node.row_actions):
            for b, column in enumerate(node.column_actions):
                yield path + (row, column), (node.A[a, b], node.B[a, b])
    elif isinstance(node, Terminal):
        yield path, node.payoffs
    else:
        for action, child in zip(node.actions, node.children, strict=True):
            yield from leaves(child, path + (action,))


@needs_gambit
def test_gambit_reads_the_madrid_tree_with_the_same_payoffs(madrid):
    scenario, game = madrid
    G = pygambit.read_efg(io.StringIO(write_efg(game)))
    assert list(G.players) == list(scenario.side_names)
    cells = list(leaves(game_tree(scenario)))
    stances = len(scenario.talks.actions[0]) * len(scenario.talks.actions[1])
    assert len(cells) == 2 ** len(scenario.moves) * stances
    for path, payoffs in cells:
        outcome = G.get_outcome(H.path(*path))
        vector = G.get_outcome_payoffs(outcome)
        assert tuple(float(vector[p]) for p in scenario.side_names) == payoffs
    # one information set per decision node and per side of each stage
    assert [len(G.get_infosets(p)) for p in scenario.side_names] == [
        len(infosets) for infosets in game.infosets()
    ]


def test_madrid_tree_round_trips_through_the_file(madrid):
    _, game = madrid
    assert read_efg(write_efg(game)) == game


def test_exported_madrid_tree_has_the_scenarios_subgame_perfect_equilibria(madrid):
    scenario, game = madrid
    ours = solve_efg(game, include_nash=False, tol=scenario.solver.tolerance)
    theirs = solve_tree(scenario)
    assert len(ours.equilibria) == len(theirs.equilibria)
    np.testing.assert_allclose(
        sorted_payoffs(ours.equilibria), sorted_payoffs(theirs.equilibria), atol=1e-12
    )
    assert {tuple(np.round(eq.payoffs, 9)) for eq in ours.equilibria} == {
        tuple(np.round(eq.payoffs, 9)) for eq in theirs.equilibria
    }
    assert ours.status == theirs.status
    # by default the 18 x 36 strategic form is too large to enumerate: the notes say so
    assert any("cells, more than 100" in note for note in solve_efg(game).notes)


def test_madrid_tree_names(madrid):
    _, game = madrid
    assert game.nodes[0].name == "entity_listing"
    assert game.nodes[0].actions == ("refrain", "play")
    names = [infoset.name for infoset in game.infosets()[1]]
    assert names[0] == "anti_dumping_probe after entity_listing=refrain"
    assert "china at talks after entity_listing=refrain, anti_dumping_probe=refrain" in names


# --------------------------------------------------------------------------- random trees


@st.composite
def trees(draw, depth: int = 3):
    """Small trees of decisions, chance nodes, 2x2 / 2x3 stages and terminals; integer payoffs."""
    payoff = st.integers(-3, 3).map(float)

    def build(level: int):
        kind = draw(
            st.sampled_from(
                ["terminal", "stage"]
                if level == 0
                else ["decision", "decision", "chance", "stage", "terminal"]
            )
        )
        if kind == "terminal":
            return Terminal((draw(payoff), draw(payoff)))
        if kind == "stage":
            m, n = draw(st.sampled_from([(2, 2), (2, 3), (1, 2)]))
            A = np.array([[draw(payoff) for _ in range(n)] for _ in range(m)])
            B = np.array([[draw(payoff) for _ in range(n)] for _ in range(m)])
            return StageGame(
                A,
                B,
                tuple(f"r{i}" for i in range(m)),
                tuple(f"c{j}" for j in range(n)),
                np.zeros((m, n, 3)),
            )
        children = tuple(build(level - 1) for _ in range(2))
        if kind == "chance":
            return Chance(("h", "t"), (0.25, 0.75), children, label=f"coin{level}")
        return Decision(draw(st.integers(0, 1)), ("a", "b"), children, label=f"d{level}")

    return build(depth)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_random_trees_agree_with_backward_induction(tree):
    game = tree_to_efg(tree, ("P1", "P2"))
    ours = solve_efg(game, include_nash=False)
    theirs = subgame_perfect_equilibria(tree)
    np.testing.assert_allclose(
        sorted_payoffs(ours.equilibria), sorted_payoffs(theirs.equilibria), atol=1e-9
    )
    assert ours.status == theirs.status
    converted, index = efg_to_tree(game)
    again = subgame_perfect_equilibria(converted).equilibria
    assert same_profiles(
        [index.behaviour(eq) for eq in again], [eq.strategies for eq in ours.equilibria]
    )


@needs_gambit
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(depth=2))
def test_random_trees_nash_and_subgame_perfection_against_gambit(tree):
    game = tree_to_efg(tree, ("P1", "P2"))
    result = solve_efg(game, exact=True, max_strategic_cells=64)
    for eq in result.equilibria:
        assert sum(map(sum, [map(sum, player) for player in eq.exact[0]])) == sum(
            len(infosets) for infosets in game.infosets()
        )
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    if result.strategic_form is not None:
        assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}


def test_scenario_without_moves_is_a_single_stage(madrid):
    scenario, _ = madrid
    game = scenario_to_efg(dataclasses.replace(scenario, moves=()))
    assert [node.kind for node in game.nodes[:2]] == ["personal", "personal"]
    assert game.nodes[0].name == "talks"
    assert len(game.infosets()[1][0].nodes) == 3


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
    result = solve_efg(game, exact=True, max_strategic_cells=64)
    assert any(eq.subgame_perfect for eq in result.equilibria)
    form = reduced_strategic_form(game)  # the size is counted before the form is built
    with pytest.raises(ValueError, match=f"{form.A.size} cells"):
        reduced_strategic_form(game, max_cells=form.A.size - 1)
    for eq in result.equilibria:
        for player in eq.exact[0]:
            assert all(sum(probs) == 1 for probs in player)
        assert gambit_is_nash(game, eq.exact[0])
        assert gambit_is_subgame_perfect(game, eq.exact[0]) == eq.subgame_perfect
    if result.strategic_form is not None:
        assert gambit_nash_payoffs(game) <= {eq.exact[1] for eq in result.equilibria}
    tree, index = efg_to_tree(game)
    if not index.folded:  # every stage ends the game: backward induction on the tree agrees
        spe = subgame_perfect_equilibria(tree).equilibria
        ours = [eq.strategies for eq in result.equilibria if eq.source == "backward_induction"]
        assert same_profiles([index.behaviour(e) for e in spe], ours)
