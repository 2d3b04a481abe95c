"""The ``solve`` and ``export`` subcommands (negotiation.cli.files), run in-process.

Oracles: pygambit's ``enummixed_solve`` on the same .nfg file (every extreme equilibrium,
exact), the textbook .efg games of tests/data/efg (derivations in their comments), the
scenario's own backward induction, and pygambit reading what ``export`` writes. The frozen
outputs of tests/golden/solve (``negotiation solve FILE --json [--exact]`` before the
single-model refactor) pin the equilibrium sets users saw.
"""

from __future__ import annotations

import argparse
import io
import json
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from negotiation.cli import files as cli_files
from negotiation.io.config import load_scenario
from negotiation.io.efg_tree import scenario_to_efg
from negotiation.io.gambit import read_efg, read_nfg
from negotiation.model.compile import scenario_tree, stage_payoffs
from negotiation.solvers.backward_induction import backward_induction
from negotiation.solvers.equilibrium_sets import subgame_perfect_result

try:  # GPL oracle: a dev extra, never imported by the package
    import pygambit
except ImportError:  # pragma: no cover
    pygambit = None

needs_gambit = pytest.mark.skipif(pygambit is None, reason="pygambit (dev extra) not installed")

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden" / "solve"
EFG = DATA / "efg"
NFG_FILES = [EFG / "coordination_3x3.nfg", *sorted((DATA / "gambit").glob("*.nfg"))]


def negotiation(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``negotiation ARGV`` with the two subcommands; return (exit code, stdout, stderr)."""
    parser = argparse.ArgumentParser(prog="negotiation")
    cli_files.register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args([str(a) for a in argv])
        code = args.func(args)
    except SystemExit as exit_:  # argparse errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def solve_json(capsys, *argv: str) -> dict:
    code, out, err = negotiation(capsys, "solve", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- .nfg


@needs_gambit
@pytest.mark.parametrize("path", NFG_FILES, ids=lambda p: p.name)
def test_solve_nfg_lists_every_equilibrium_gambit_finds(capsys, path):
    data = solve_json(capsys, path, "--exact")
    ours = {
        tuple(tuple(Fraction(p) for p in player) for player in eq["exact"]["strategies"])
        for eq in data["equilibria"]
    }
    G = pygambit.read_nfg(str(path))
    players = list(G.players)
    theirs = {
        tuple(tuple(Fraction(str(eq[p][s])) for s in G.get_strategies(p)) for p in players)
        for eq in pygambit.nash.enummixed_solve(G, rational=True).equilibria
    }
    assert ours == theirs
    code, text, _ = negotiation(capsys, "solve", path)
    assert code == 0
    assert len(re.findall(r"^Equilibrium \d+: payoffs", text, flags=re.M)) == len(theirs)


def test_nfg_json_schema(capsys):
    data = solve_json(capsys, EFG / "coordination_3x3.nfg")
    assert {"status", "method", "equilibria", "notes"} <= set(data)
    assert data["status"] == "ok" and data["method"] == "enumeration"
    assert data["strategy_labels"] == [["a", "b", "c"], ["a", "b", "c"]]
    assert len(data["equilibria"]) == 7  # every nonempty support (see the file's comment)
    for eq in data["equilibria"]:
        assert set(eq) == {"strategies", "payoffs", "max_regret"}
        assert [len(s) for s in eq["strategies"]] == [3, 3]
        assert all(isinstance(p, float) for s in eq["strategies"] for p in s)
        assert sum(eq["strategies"][0]) == pytest.approx(1) and len(eq["payoffs"]) == 2
        # both mix uniformly on a support S and get 1/|S|
        support = sum(p > 0 for p in eq["strategies"][0])
        assert eq["payoffs"] == pytest.approx([1 / support, 1 / support])


def test_exact_mode_prints_fractions(capsys):
    code, text, _ = negotiation(capsys, "solve", EFG / "coordination_3x3.nfg", "--exact")
    assert code == 0
    assert "Row:    a 1/3, b 1/3, c 1/3" in text
    assert "payoffs Row 1/3, Column 1/3" in text
    data = solve_json(capsys, EFG / "coordination_3x3.nfg", "--exact")
    uniform = data["equilibria"][3]
    assert uniform["exact"] == {"strategies": [["1/3"] * 3, ["1/3"] * 3], "payoffs": ["1/3", "1/3"]}
    assert uniform["strategies"][0] == pytest.approx([1 / 3] * 3)
    code, text, _ = negotiation(capsys, "solve", EFG / "coordination_3x3.nfg")
    assert "a 0.333333, b 0.333333, c 0.333333" in text


def test_other_methods(capsys):
    data = solve_json(capsys, EFG / "coordination_3x3.nfg", "--method", "lemke_howson")
    assert data["method"] == "lemke_howson" and data["status"] == "incomplete"
    assert data["notes"]
    code, _, err = negotiation(
        capsys, "solve", EFG / "coordination_3x3.nfg", "--method", "support", "--exact"
    )
    assert code == 2 and "floating point only" in err
    # an integer game is solved exactly by default, but in floats with a nashpy method
    data = solve_json(capsys, EFG / "bos_outside_option.efg", "--method", "support")
    assert data["status"] == "incomplete"
    assert sum(eq["subgame_perfect"] for eq in data["equilibria"]) == 3


# --------------------------------------------------------------------------- .efg


def test_efg_json_marks_the_subgame_perfect_equilibria(capsys):
    data = solve_json(capsys, EFG / "entry_deterrence.efg", "--exact")
    assert data["players"] == ["Entrant", "Incumbent"]
    assert data["infosets"] == [
        [{"number": 1, "name": "Entrant decides", "actions": ["Out", "In"]}],
        [{"number": 1, "name": "Incumbent responds", "actions": ["Fight", "Accommodate"]}],
    ]
    # (In, Accommodate) subgame perfect; (Out, Fight) and (Out, half-half) Nash only
    assert [eq["subgame_perfect"] for eq in data["equilibria"]] == [True, False, False]
    assert [eq["strategies"] for eq in data["equilibria"]] == [
        [[[0.0, 1.0]], [[0.0, 1.0]]],
        [[[1.0, 0.0]], [[1.0, 0.0]]],
        [[[1.0, 0.0]], [[0.5, 0.5]]],
    ]
    assert [eq["payoffs"] for eq in data["equilibria"]] == [[1.0, 1.0], [0.0, 2.0], [0.0, 2.0]]
    assert data["equilibria"][2]["exact"] == {
        "strategies": [[["1", "0"]], [["1/2", "1/2"]]],
        "payoffs": ["0", "2"],
    }


def test_efg_text_output(capsys):
    code, text, _ = negotiation(capsys, "solve", EFG / "bos_outside_option.efg", "--exact")
    assert code == 0
    assert "4 equilibria (3 subgame perfect)" in text
    assert text.count("subgame perfect (backward induction)") == 3
    assert "Nash, not subgame perfect" in text
    assert 'Alice infoset 2 "Alice in the battle": B 3/4, S 1/4' in text
    assert 'Alice infoset 2 "Alice in the battle": B 1  (completed)' in text


def test_efg_strategies_per_information_set_in_file_order(capsys):
    data = solve_json(capsys, EFG / "chance_strike.efg")
    assert [[i["name"] for i in player] for player in data["infosets"]] == [
        ["firm in boom", "firm in bust"],
        ["union in boom", "union in bust"],
    ]
    for eq in data["equilibria"]:
        assert [len(player) for player in eq["strategies"]] == [2, 2]
        for player in eq["strategies"]:
            for probs in player:
                assert len(probs) == 2 and sum(probs) == pytest.approx(1)
    assert sum(eq["subgame_perfect"] for eq in data["equilibria"]) == 1


def test_strategic_cells_option(capsys):
    data = solve_json(capsys, EFG / "entry_deterrence.efg", "--strategic-cells", "0")
    assert len(data["equilibria"]) == 1
    data = solve_json(capsys, EFG / "chance_strike.efg", "--strategic-cells", "10")
    assert len(data["equilibria"]) == 1 and any("16 cells" in note for note in data["notes"])


# --------------------------------------------------------------------------- bad input


def test_malformed_efg_exits_2_naming_the_line(capsys):
    path = EFG / "malformed.efg"
    code, out, err = negotiation(capsys, "solve", path)
    assert code == 2 and out == ""
    assert err.startswith(f"{path}:6: unknown node type 'x'")
    assert "Traceback" not in err


def test_malformed_nfg_exits_2_naming_the_line(capsys, tmp_path):
    path = tmp_path / "short.nfg"
    path.write_text('NFG 1 R "" { "A" "B" } { 2 2 }\n""\n\n1 1 0 0\n0 0\n')
    code, _, err = negotiation(capsys, "solve", path, "--json")
    assert code == 2
    assert err.startswith(f"{path}:5: expected 8 payoffs")


@pytest.mark.parametrize(
    "argv,message",
    [
        pytest.param(["missing.efg"], "missing.efg: no such file", id="missing"),
        pytest.param(["missing.toml"], "missing.toml", id="missing scenario"),
        pytest.param(["game.txt"], "expected a .nfg or .efg file", id="extension"),
        pytest.param(
            [str(DATA / "efg" / "forgetful.efg")],
            "cannot solve this game: information set 2 ('forgot') of player 'Ann' has imperfect recall",
            id="unsupported",
        ),
        pytest.param(
            [str(EFG / "coordination_3x3.nfg"), "--method", "magic"],
            "invalid choice: 'magic'",
            id="method",
        ),
        pytest.param(
            [str(EFG / "coordination_3x3.nfg"), "--strategic-cells", "-1"], "0 or more", id="cells"
        ),
    ],
)
def test_bad_input_exits_2(capsys, argv, message):
    code, out, err = negotiation(capsys, "solve", *argv)
    assert code == 2 and out == ""
    assert message in err
    assert "Traceback" not in err


def test_unknown_method_lists_the_methods(capsys):
    code, _, err = negotiation(capsys, "solve", EFG / "two_stage.efg", "--method", "x")
    assert code == 2
    for name in ("enumeration", "lemke_howson", "support", "vertex"):
        assert name in err


def test_directory_exits_2(capsys, tmp_path):
    folder = tmp_path / "games.efg"
    folder.mkdir()
    code, _, err = negotiation(capsys, "solve", folder)
    assert code == 2 and "is a directory" in err


# --------------------------------------------------------------------------- scenarios


def scenario_equilibria(scenario):
    """The scenario's subgame-perfect equilibria, by backward induction on its own tree."""
    induction = backward_induction(
        scenario_tree(scenario), tol=scenario.solver.tolerance, detail="summary"
    )
    return subgame_perfect_result(induction)


def test_solve_scenario_gives_its_subgame_perfect_equilibria(capsys, madrid_path):
    data = solve_json(capsys, madrid_path)
    scenario = load_scenario(madrid_path)
    expected = scenario_equilibria(scenario)
    assert data["format"] == "efg" and data["status"] == expected.status
    assert all(eq["subgame_perfect"] for eq in data["equilibria"])
    assert len(data["equilibria"]) == expected.count
    assert {tuple(np.round(eq["payoffs"], 9)) for eq in data["equilibria"]} == {
        tuple(np.round(eq.payoffs, 9)) for eq in expected.equilibria()
    }
    assert [len(p) for p in data["infosets"]] == [
        len(p) for p in scenario_to_efg(scenario).infosets()
    ]
    assert "subgame-perfect" in data["notes"][0]
    code, text, _ = negotiation(capsys, "solve", "madrid_2025")  # a packaged scenario's name
    n = expected.count
    assert code == 0 and f"{n} {'equilibrium' if n == 1 else 'equilibria'} ({n} subgame perfect)" in text


def test_solve_a_bargaining_scenario_on_its_own_tree(capsys, tmp_path):
    # bargaining talks have no Gambit file: the scenario's tree is solved directly
    data = solve_json(capsys, "madrid_2025_bargaining")
    expected = scenario_equilibria(load_scenario("madrid_2025_bargaining"))
    assert data["status"] == expected.status and len(data["equilibria"]) == expected.count
    assert {tuple(np.round(eq["payoffs"], 9)) for eq in data["equilibria"]} == {
        tuple(np.round(eq.payoffs, 9)) for eq in expected.equilibria()
    }
    assert "bargaining" in data["notes"][0]
    out = tmp_path / "x.efg"
    code, _, err = negotiation(capsys, "export", "madrid_2025_bargaining", "--out", out)
    assert code == 2 and "bargaining problem" in err and not out.exists()


# --------------------------------------------------------------------------- golden outputs


def golden_argv(path: Path) -> list[str]:
    """The command line of a golden output (file paths relative to the repository)."""
    source = json.loads(path.read_text(encoding="utf-8"))["source"]
    in_repository = Path(__file__).parents[1] / source
    source = str(in_repository) if in_repository.exists() else source
    return [source, "--exact"] if path.name.endswith(".exact.json") else [source]


def flat_strategies(entry: dict) -> np.ndarray:
    return np.array([p for player in entry["strategies"] for probs in player for p in
                     (probs if isinstance(probs, list) else [probs])], dtype=float)


def same_equilibrium(ours: dict, theirs: dict) -> bool:
    first, second = flat_strategies(ours), flat_strategies(theirs)
    return (
        first.shape == second.shape
        and np.allclose(first, second, atol=1e-9)
        and np.allclose(ours["payoffs"], theirs["payoffs"], atol=1e-9)
        and ours.get("subgame_perfect") == theirs.get("subgame_perfect")
        and ours.get("exact") == theirs.get("exact")
    )


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.name)
def test_solve_matches_the_golden_output(capsys, path):
    """Same fields, status and information sets, and the same equilibria as a set (order may
    differ; notes may differ: the nashpy cross-check is opt-in now)."""
    golden = json.loads(path.read_text(encoding="utf-8"))
    data = solve_json(capsys, *golden_argv(path))
    # today's fields are kept; issue 11 adds the agent logit QRE to extensive games
    added = {"logit_qre"} if data.get("format") == "efg" else set()
    assert set(data) == set(golden) | added
    assert data["status"] == golden["status"]
    assert data.get("infosets") == golden.get("infosets")
    assert data.get("strategy_labels") == golden.get("strategy_labels")
    # and each equilibrium gains "sequential" (with "beliefs" where it is)
    assert [set(eq) - {"sequential", "beliefs", "sequential_completion", "intuitive_criterion"}
            for eq in data["equilibria"]] == [
        set(eq) for eq in golden["equilibria"]]
    unmatched = list(golden["equilibria"])
    for eq in data["equilibria"]:
        match = next((k for k, other in enumerate(unmatched) if same_equilibrium(eq, other)), None)
        assert match is not None, eq
        unmatched.pop(match)
    assert not unmatched


# --------------------------------------------------------------------------- export


@needs_gambit
def test_export_efg_to_the_default_path(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = negotiation(capsys, "export", "madrid_2025")
    assert code == 0
    path = Path("results/madrid_2025/madrid_2025.efg")
    assert out.strip() == str(path) and path.exists()
    text = path.read_text(encoding="utf-8")
    assert read_efg(text) == scenario_to_efg(load_scenario("madrid_2025"))
    G = pygambit.read_efg(str(path))
    assert list(G.players) == ["us", "china"]
    scenario = load_scenario("madrid_2025")
    stances = len(scenario.talks.actions[0]) * len(scenario.talks.actions[1])
    assert len(G.get_outcomes()) == 2 ** len(scenario.moves) * stances  # a talks stage per history


def test_export_to_a_chosen_file(capsys, tmp_path):
    out = tmp_path / "deep" / "madrid.efg"
    code, printed, _ = negotiation(capsys, "export", "madrid_2025", "--format", "efg", "--out", out)
    assert code == 0 and printed.strip() == str(out) and out.exists()


def toml_text(data: dict, prefix: tuple[str, ...] = ()) -> str:
    """A nested dict of strings, numbers and lists as TOML (enough for the toy scenario)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    lines = [f"[{'.'.join(json.dumps(k) for k in prefix)}]"] if prefix else []
    lines += [f"{json.dumps(k)} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    tables = [toml_text(v, prefix + (k,)) for k, v in data.items() if isinstance(v, dict)]
    return "\n".join(lines + tables) + "\n"


def test_export_nfg_needs_a_scenario_without_moves(capsys, tmp_path, toy_config):
    with_moves = tmp_path / "toy.toml"
    with_moves.write_text(toml_text(toy_config), encoding="utf-8")
    code, _, err = negotiation(
        capsys, "export", with_moves, "--format", "nfg", "--out", tmp_path / "x.nfg"
    )
    assert code == 2
    assert "a scenario with pre-talk moves is a tree; use --format efg" in err
    assert not (tmp_path / "x.nfg").exists()
    # the same scenario without its moves: the talks alone
    del toy_config["moves"]
    talks_only = tmp_path / "talks_only.toml"
    talks_only.write_text(toml_text(toy_config), encoding="utf-8")
    out = tmp_path / "talks.nfg"
    code, _, err = negotiation(capsys, "export", talks_only, "--format", "nfg", "--out", out)
    assert code == 0, err
    game = read_nfg(out.read_text(encoding="utf-8"))
    # conftest's derivation: (concede, concede) 0.5 each, (concede, hold) (0, 1),
    # (hold, concede) (1, 0), (hold, hold) deadlock (0.4, 0.3)
    np.testing.assert_array_equal(game.A, [[0.5, 0.0], [1.0, 0.4]])
    np.testing.assert_array_equal(game.B, [[0.5, 1.0], [0.0, 0.3]])
    A, B, _ = stage_payoffs(load_scenario(talks_only), [])
    np.testing.assert_array_equal(game.A, A[0])
    assert game.strategies == (("concede", "hold"), ("concede", "hold"))
    assert game.players == ("a", "b")
    if pygambit is not None:
        _, gambit_b = pygambit.read_nfg(io.StringIO(out.read_text(encoding="utf-8"))).to_arrays()
        assert [[float(v) for v in row] for row in gambit_b] == B[0].tolist()


def test_export_refuses_names_gambit_cannot_read(capsys, tmp_path, toy_config):
    # a move name with two spaces in a row: Gambit 17 refuses such node names
    toy_config["moves"] = {"big  threat": toy_config["moves"]["threat"]}
    bad = tmp_path / "spaced.toml"
    bad.write_text(toml_text(toy_config), encoding="utf-8")
    code, _, err = negotiation(capsys, "export", bad, "--out", tmp_path / "x.efg")
    assert code == 2, err
    assert "cannot write the game for Gambit" in err and "two white-space" in err


def test_export_missing_config_exits_2(capsys, tmp_path):
    code, _, err = negotiation(capsys, "export", tmp_path / "nope.toml")
    assert code == 2 and "nope.toml" in err


def test_the_method_names_the_command_offers_are_the_solvers():
    # registering the command imports no solver, so the names are written there: keep them equal
    from negotiation.cli.files import METHODS
    from negotiation.solvers.normal_form import NORMAL_FORM_METHODS

    assert METHODS == tuple(NORMAL_FORM_METHODS)


# --------------------------------------------------------------------------- general information sets (issue 11)

EFG_DATA = Path(__file__).parent / "data" / "efg"


def test_solve_a_game_with_hidden_information_by_the_sequence_form(capsys):
    # Kuhn poker: chance deals, bets are seen, cards are not; the value to player 1 is -1/18
    # (Kuhn 1950), whichever equilibrium is found
    data = solve_json(capsys, str(EFG_DATA / "kuhn_poker.efg"), "--exact")
    assert data["method"] == "sequence_form_enumeration" and data["status"] in ("ok", "degenerate")
    # Kuhn's family: player 1 bets the king with 3 alpha, alpha in [0, 1/3]: two extreme points
    assert len(data["equilibria"]) == 2
    for eq in data["equilibria"]:
        assert eq["exact"]["payoffs"] == ["-1/18", "1/18"] and eq["exact"]["max_regret"] == "0"
        assert [len(p) for p in eq["strategies"]] == [len(p) for p in data["infosets"]] == [6, 6]
        for player, sets in zip(eq["strategies"], data["infosets"], strict=True):
            for probs, infoset in zip(player, sets, strict=True):
                assert len(probs) == len(infoset["actions"]) and abs(sum(probs) - 1) < 1e-12
        assert eq["sequential"] is True  # Kuhn's equilibria are sequential
    assert "sequence form" in data["notes"][0] and "every extreme" in data["notes"][0]


def test_imperfect_recall_is_refused_naming_the_information_set(capsys):
    code, _, err = negotiation(capsys, "solve", str(EFG_DATA / "forgetful.efg"))
    assert code == 2 and "Traceback" not in err
    assert "information set 2 ('forgot') of player 'Ann' has imperfect recall" in err


def test_the_logit_qre_limit_comes_with_beliefs(capsys):
    # beer-quiche: at the limit of the agent QRE, beliefs sum to one at every information set
    # and are Bayes' rule wherever the set is reached; its regret is below the target
    data = solve_json(capsys, str(DATA / "gambit" / "beer_quiche.efg"))
    qre = data["logit_qre"]
    assert qre["converged"] and qre["max_regret"] <= 1e-8
    assert [len(p) for p in qre["strategies"]] == [len(p) for p in data["infosets"]]
    for player, sets in zip(qre["beliefs"], data["infosets"], strict=True):
        assert len(player) == len(sets)
        for belief in player:
            assert abs(sum(belief) - 1) < 1e-9 and all(b >= 0 for b in belief)


def test_each_equilibrium_says_whether_it_is_sequential(capsys):
    # the entry game: the subgame-perfect (In, Accommodate) is sequential; the Nash equilibria
    # sustained by a threat to fight are not (Kreps and Wilson 1982; Selten 1975)
    data = solve_json(capsys, str(DATA / "gambit" / "entry_deterrence.efg"))
    marks = [(eq["subgame_perfect"], eq["sequential"]) for eq in data["equilibria"]]
    assert sorted(marks) == sorted([(True, True)] + [(False, False)] * (len(marks) - 1)) and len(marks) >= 2
    for eq in data["equilibria"]:
        if eq["sequential"]:
            assert [len(p) for p in eq["beliefs"]] == [len(p) for p in data["infosets"]]
        else:
            assert "beliefs" not in eq


def test_signalling_equilibria_say_whether_they_pass_the_intuitive_criterion(capsys):
    # beer-quiche (Cho and Kreps 1987): pooling on beer passes, pooling on quiche fails
    data = solve_json(capsys, str(DATA / "gambit" / "beer_quiche.efg"))
    by_payoff = {}
    for eq in data["equilibria"]:
        by_payoff.setdefault(round(eq["payoffs"][0], 9), set()).add(eq["intuitive_criterion"])
    assert by_payoff == {2.9: {True}, 2.1: {False}}  # the strong type's beer pays 2.9 to the sender
    # a game that is not a signalling game carries no such field
    data = solve_json(capsys, str(DATA / "gambit" / "entry_deterrence.efg"))
    assert all("intuitive_criterion" not in eq for eq in data["equilibria"])
