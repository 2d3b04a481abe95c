"""Rounds of talks over a state: Markov-perfect equilibria against closed forms.

Oracles: Selten's (1978) chain store under complete information (the entrant enters and the
incumbent accommodates in every market, whatever the number of markets), the finitely
repeated prisoner's dilemma (defect in every round), a two-round game whose first-round choice
only pays through the state it leaves (the value of a state computed by hand), and the
one-shot deviation check of every stage, recomputed here from the payoffs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from negotiation.model.agents import Side
from negotiation.model.issues import Issue, OutcomeSpace
from negotiation.model.rounds import NO_MOVE, Round, RoundsGame
from negotiation.model.scenario import SolverSettings
from negotiation.solvers.rounds import solve_rounds

RULES = ["payoff_dominant", "risk_dominant", "utilitarian", "logit_qre"]


def chain_store(markets: int, delta: float, rule: str = "logit_qre") -> RoundsGame:
    """Per market: the entrant chooses out (1 to it, 5 to the incumbent) or enter; after entry
    the incumbent fights (0, 0) or accommodates (2, 2). Only the state after the incumbent's
    move pays (the market's outcome)."""
    levels = ("out", "entered", "fought", "accommodated")
    space = OutcomeSpace((Issue("market", levels),))
    entrant = Side("entrant", "Entrant", {"market": 1.0}, {"market": (1.0, 0.0, 0.0, 2.0)})
    incumbent = Side("incumbent", "Incumbent", {"market": 1.0}, {"market": (5.0, 0.0, 0.0, 2.0)})
    rounds = []
    for j in range(markets):
        rounds.append(Round(f"entry {j + 1}", "", (("out", "enter"), (NO_MOVE,)),
                            sets={(0, 0): (("market", "out", ()),), (1, 0): (("market", "entered", ()),)},
                            pays=False))
        after_entry = (("market", "entered"),)
        rounds.append(Round(f"response {j + 1}", "", ((NO_MOVE,), ("fight", "accommodate")),
                            sets={(0, 0): (("market", "fought", after_entry),),
                                  (0, 1): (("market", "accommodated", after_entry),)}))
    return RoundsGame("chain_store", "Chain store", space, (entrant, incumbent), space.package("start", {"market": "out"}),
                      tuple(rounds), discount=delta, continuation="none",
                      solver=SolverSettings(selection_rule=rule))


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize(("markets", "delta"), [(1, 0.9), (3, 0.9), (5, 0.5)])
def test_the_chain_store_enters_and_accommodates_in_every_market(markets, delta, rule):
    game = chain_store(markets, delta, rule)
    solution = solve_rounds(game)
    start = game.state_of(game.initial)
    entered = game.state_of(game.space.package("e", {"market": "entered"}))
    for j in range(markets):
        entry, response = solution.rounds[2 * j], solution.rounds[2 * j + 1]
        # whatever the state: enter, and after entry accommodate
        np.testing.assert_allclose(entry.row[:, 1], 1.0)
        np.testing.assert_allclose(response.column[entered], [0.0, 1.0])
    # closed form: 2 a market to each side, discounted per market
    value = 2.0 * sum(delta**j for j in range(markets))
    np.testing.assert_allclose(solution.rounds[0].value[start], [value, value], atol=1e-12)
    assert solution.max_regret <= 1e-9


def prisoners_dilemma(rounds: int, delta: float, rule: str) -> RoundsGame:
    """The donation game each round (cooperating costs 1 and gives 3): the state is the
    pair of last actions, each side's utility additive in them."""
    space = OutcomeSpace((Issue("row_gives", ("no", "yes")), Issue("column_gives", ("no", "yes"))))
    row = Side("row", "Row", {"row_gives": 0.25, "column_gives": 0.75}, {"row_gives": (0.0, -4.0), "column_gives": (0.0, 4.0)})
    column = Side("column", "Column", {"row_gives": 0.75, "column_gives": 0.25},
                  {"row_gives": (0.0, 4.0), "column_gives": (0.0, -4.0)})
    sets = {(a, b): (("row_gives", ("no", "yes")[a], ()), ("column_gives", ("no", "yes")[b], ()))
            for a in range(2) for b in range(2)}
    return RoundsGame("pd", "Repeated PD", space, (row, column), space.package("s", {"row_gives": "yes", "column_gives": "yes"}),
                      tuple(Round(f"r{k}", "", (("defect", "cooperate"), ("defect", "cooperate")), sets=sets)
                            for k in range(rounds)),
                      discount=delta, continuation="perpetuity", solver=SolverSettings(selection_rule=rule))


@pytest.mark.parametrize("rule", RULES)
def test_the_finitely_repeated_prisoners_dilemma_defects_in_every_round_and_state(rule):
    game = prisoners_dilemma(4, 0.8, rule)
    solution = solve_rounds(game)
    for play in solution.rounds:
        np.testing.assert_allclose(play.row[:, 0], 1.0)
        np.testing.assert_allclose(play.column[:, 0], 1.0)
    # mutual defection forever: 0 to each side in every state
    np.testing.assert_allclose(solution.rounds[0].value, 0.0, atol=1e-12)


def test_a_state_pays_through_the_rounds_after_it():
    """Round 1: the row side may invest (utility -1 while the project runs); round 2: the
    column side may then complete it (+3 to both, worth keeping forever). With delta = 0.5 the
    investment pays: row gets -1 + 0.5 * 3 / (1 - 0.5) = 2 against 0 for waiting."""
    space = OutcomeSpace((Issue("project", ("none", "started", "done")),))
    row = Side("row", "Row", {"project": 1.0}, {"project": (0.0, -1.0, 3.0)})
    column = Side("column", "Column", {"project": 1.0}, {"project": (0.0, 0.0, 3.0)})
    game = RoundsGame(
        "project", "Project", space, (row, column), space.package("s", {"project": "none"}),
        (Round("invest", "", (("wait", "invest"), (NO_MOVE,)), sets={(1, 0): (("project", "started", ()),)}),
         Round("complete", "", ((NO_MOVE,), ("leave", "complete")),
               sets={(0, 1): (("project", "done", (("project", "started"),)),)})),
        discount=0.5, continuation="perpetuity", solver=SolverSettings(selection_rule="payoff_dominant"))
    solution = solve_rounds(game)
    s0 = game.state_of(game.initial)
    np.testing.assert_allclose(solution.rounds[0].row[s0], [0.0, 1.0])
    np.testing.assert_allclose(solution.rounds[0].value[s0], [-1 + 0.5 * 3 / 0.5, 0.5 * 3 / 0.5], atol=1e-12)
    # without the condition the column side could "complete" a project never started: here not
    none = game.state_of(game.initial)
    assert game.transitions(1)[none, 0, 1] == none


def test_every_stage_choice_is_a_best_reply_to_its_continuation():
    # one-shot deviations, recomputed from the stage payoffs: no side gains by deviating in any
    # round and state
    game = prisoners_dilemma(3, 0.9, "logit_qre")
    solution = solve_rounds(game)
    for play in solution.rounds:
        M = play.payoffs
        ua = np.einsum("sabi,sb->sai", M, play.column)[..., 0]
        ub = np.einsum("sa,sabi->sbi", play.row, M)[..., 1]
        got_a = np.einsum("sa,sa->s", play.row, ua)
        got_b = np.einsum("sb,sb->s", play.column, ub)
        assert (ua.max(axis=1) - got_a <= 1e-9).all() and (ub.max(axis=1) - got_b <= 1e-9).all()


# --------------------------------------------------------------------------- the packaged year of talks


def _us_china():
    from negotiation.io.config import default_config_path, read_config

    return read_config(default_config_path("us_china_2025"))


def _apply(config: dict, state: dict, round_: dict) -> dict:
    """The state after a round's observed actions, read from the file by this test's own code."""
    movers = round_["movers"]
    entry = round_.get("outcomes", {})
    for mover in movers:
        entry = entry.get(round_["observed"][mover], {}) if isinstance(entry, dict) else {}
    new = dict(state)
    for issue, level in entry.items():
        if isinstance(level, dict):
            if all(state[k] == v for k, v in level.get("if", {}).items()):
                new[issue] = level["level"]
        else:
            new[issue] = level
    return new


def test_each_round_is_predicted_in_the_state_the_observed_rounds_left():
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.io.rounds import rounds_from_dict

    config = _us_china()
    summary = analyze_rounds(rounds_from_dict(config, "us_china_2025.toml")).to_dict()
    state = dict(config["state"])
    assert len(summary["rounds"]) == len(config["rounds"]) == 11
    for entry, round_ in zip(summary["rounds"], config["rounds"], strict=True):
        assert entry["name"] == round_["name"] and entry["state"] == state
        state = _apply(config, state, round_)
        assert entry["state_after"] == state
        # a pure equilibrium predicts with certainty: P(observed) is 0 or 1 where scored
        assert entry["p_observed"] is None or entry["p_observed"] in (0.0, 1.0)
    # Busan leaves the fentanyl cut, the listings (affiliates rule suspended) and licensing
    assert state == {"tariffs": "fentanyl_cut", "export_controls": "listed", "rare_earths": "licensing",
                     "chips_probe": "open"}
    assert summary["status"] in ("ok", "degenerate") and summary["max_regret"] <= 1e-9


def test_rounds_that_change_nothing_are_not_scored():
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.io.rounds import rounds_from_dict

    summary = analyze_rounds(rounds_from_dict(_us_china(), "us_china_2025.toml")).to_dict()
    by_name = {r["name"]: r for r in summary["rounds"]}
    for name in ("tariff_threat", "kuala_lumpur"):  # a threat not imposed, a preliminary consensus
        assert by_name[name]["p_observed"] is None and "not scored" in by_name[name]["note"]
    assert summary["scored_rounds"] == 9
    hits = sum(1 for r in summary["rounds"] if r["p_observed"] == 1.0)
    assert summary["most_probable_is_observed"] == hits


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda c: c["rounds"][0]["observed"].update(us="truse"), "rounds[0].observed.us = 'truse': expected an action of us"),
    (lambda c: c["rounds"][3].update(movers=["eu"]), "rounds[3].movers = 'eu': expected a side: us, china"),
    (lambda c: c["state"].update(tariffs="peak"), "state.tariffs = 'peak': expected a level of tariffs"),
    (lambda c: c["rounds"][1]["outcomes"]["framework"]["framework"].update(rare_earths="open"),
     "rounds[1].outcomes.framework.framework.rare_earths = 'open': expected a level of rare_earths"),
    (lambda c: c["rounds"][10].update(date=__import__("datetime").date(2025, 11, 1)),
     "rounds[10].observed = a table: expected no observed choice in a round dated 2025-11-01"),
    (lambda c: c["dynamics"].update(discount=1.0), "dynamics.discount = 1.0: expected a number in [0, 1)"),
])
def test_bad_rounds_files_name_the_key_path(edit, expected):
    import copy

    from negotiation.io.rounds import rounds_from_dict
    from negotiation.io.schema import ConfigError

    config = copy.deepcopy(_us_china())
    edit(config)
    with pytest.raises(ConfigError) as error:
        rounds_from_dict(config, "us_china_2025.toml")
    assert expected in str(error.value)


def test_run_and_validate_a_rounds_scenario_from_the_command_line(tmp_path):
    import json
    import subprocess
    import sys

    from PIL import Image

    done = subprocess.run([sys.executable, "-m", "negotiation.cli", "run", "us_china_2025", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "busan" in done.stdout and "P(observed)" in done.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["kind"] == "rounds" and len(summary["rounds"]) == 11
    with Image.open(tmp_path / "r" / "figures" / "rounds.png") as image:
        assert min(image.info["dpi"]) >= 199.5
    assert b"/Type3" not in (tmp_path / "r" / "figures" / "rounds.pdf").read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text((Path(sys.modules["negotiation"].__file__).parent / "scenarios" / "us_china_2025.toml")
                   .read_text(encoding="utf-8").replace('observed = { us = "list" }', 'observed = { us = "lst" }'),
                   encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "negotiation.cli", "validate", str(bad)], capture_output=True, text=True)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "rounds[3].observed.us = 'lst': expected an action of us: list, refrain" in refused.stderr


def test_the_rounds_figure_has_no_overlapping_labels():
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.io.rounds import rounds_from_dict
    from negotiation.viz.rounds_figures import plot_rounds
    from tests.test_plots import _overlaps

    fig = plot_rounds(analyze_rounds(rounds_from_dict(_us_china(), "us_china_2025.toml")))
    fig.canvas.draw()
    assert _overlaps(fig) == []


def test_setting_a_weight_rescales_the_others_as_for_one_round():
    from negotiation.io.rounds import rounds_from_dict

    game = rounds_from_dict(_us_china(), "us_china_2025.toml", overrides={"sides.us.weights.tariffs": 0.5})
    weights = game.sides[0].weights
    # the others (0.30, 0.30, 0.10) share 1 - 0.5 in their ratio 3:3:1
    np.testing.assert_allclose([weights["tariffs"], weights["export_controls"], weights["rare_earths"],
                                weights["chips_probe"]], [0.5, 0.5 * 3 / 7, 0.5 * 3 / 7, 0.5 / 7], atol=1e-12)


# --------------------------------------------------------------------------- fitting logit play


def choice_game(good_row: int, good_column: int, rounds: int = 8, scale: float = 1.0) -> RoundsGame:
    """Independent binary choices (delta = 0, nothing carried over): in each round one side picks
    a level worth 0 or ``scale`` to it; ``good_*`` of the rounds observed the better one. Logit
    play chooses it with probability 1 / (1 + exp(-lambda * scale)), so the maximum-likelihood
    precision is log(k / (n - k)) / scale in closed form."""
    space = OutcomeSpace((Issue("row_item", ("bad", "good")), Issue("column_item", ("bad", "good"))))
    row = Side("row", "Row", {"row_item": 1.0, "column_item": 0.0}, {"row_item": (0.0, scale), "column_item": (0.0, 0.0)})
    column = Side("column", "Column", {"row_item": 0.0, "column_item": 1.0}, {"row_item": (0.0, 0.0), "column_item": (0.0, 1.0)})
    made = []
    for k in range(rounds):
        made.append(Round(f"row {k}", "", (("bad", "good"), (NO_MOVE,)),
                          sets={(0, 0): (("row_item", "bad", ()),), (1, 0): (("row_item", "good", ()),)},
                          observed=("good" if k < good_row else "bad", None)))
        made.append(Round(f"column {k}", "", ((NO_MOVE,), ("bad", "good")),
                          sets={(0, 0): (("column_item", "bad", ()),), (0, 1): (("column_item", "good", ()),)},
                          observed=(None, "good" if k < good_column else "bad")))
    return RoundsGame("choices", "Choices", space, (row, column), space.package("s", {"row_item": "bad", "column_item": "bad"}),
                      tuple(made), discount=0.0, continuation="none")


def test_fitted_precisions_equal_the_closed_form():
    from negotiation.solvers.rounds import fit_logit_rounds

    fit = fit_logit_rounds(choice_game(6, 7))
    np.testing.assert_allclose(fit.precision, [np.log(6 / 2), np.log(7 / 1)], rtol=1e-3)
    expected = 6 * np.log(0.75) + 2 * np.log(0.25) + 7 * np.log(7 / 8) + np.log(1 / 8)
    assert fit.log_likelihood == pytest.approx(expected, abs=1e-6)
    assert fit.at_bound == (False, False)


def test_a_sides_precision_absorbs_its_units():
    from negotiation.solvers.rounds import fit_logit_rounds

    plain, doubled = fit_logit_rounds(choice_game(6, 7)), fit_logit_rounds(choice_game(6, 7, scale=2.0))
    assert doubled.precision[0] == pytest.approx(plain.precision[0] / 2, rel=1e-3)
    assert doubled.precision[1] == pytest.approx(plain.precision[1], rel=1e-3)
    assert doubled.log_likelihood == pytest.approx(plain.log_likelihood, abs=1e-6)


def test_choices_that_are_all_best_replies_put_the_precision_on_its_upper_bound():
    from negotiation.solvers.rounds import PRECISION_RANGE, fit_logit_rounds

    fit = fit_logit_rounds(choice_game(8, 4))
    assert fit.at_bound == (True, True)  # 8 of 8: rising to the upper bound; 4 of 8: lambda 0 (the lower)
    assert fit.precision == pytest.approx((10 ** PRECISION_RANGE[1], 10 ** PRECISION_RANGE[0]))


def test_fit_the_packaged_rounds_from_the_command_line():
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "negotiation.cli", "fit", "us_china_2025", "--json"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out["lambda"]) == {"us", "china"} and out["observations"] == len(out["probabilities"]) == 17
    # the log-likelihood is the sum of the logs of the reported probabilities
    assert out["log_likelihood"] == pytest.approx(sum(np.log(p["p"]) for p in out["probabilities"]), abs=1e-9)
    assert out["log_likelihood"] >= out["log_likelihood_uniform"]  # uniform play is within the model (lambda 0)
    refused = subprocess.run([sys.executable, "-m", "negotiation.cli", "fit", "madrid_2025"], capture_output=True, text=True)
    assert refused.returncode == 2 and "a one-round scenario" in refused.stderr
