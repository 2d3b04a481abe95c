"""Figures: the prepared data is checked exactly; the figures come back labelled; saved
figures are print quality (PNG at >= 200 dpi, PDF without Type 3 fonts)."""

from __future__ import annotations

import copy

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from numpy.testing import assert_allclose
from PIL import Image

from negotiation.analysis.pipeline import analyze
from negotiation.io.config import load_scenario, scenario_from_dict
from negotiation.viz.bargaining_figures import (
    bargaining_sensitivity_data,
    plot_bargaining_sensitivity,
    plot_utility_plane,
    utility_plane_data,
)
from negotiation.viz.figures import (
    game_tree_data,
    outcome_probabilities_data,
    payoffs_by_outcome_data,
    plot_game_tree,
    plot_leverage_by_rule,
    plot_outcome_probabilities,
    plot_payoffs_by_outcome,
    save_report_figures,
)
from negotiation.viz.results import write_results
from negotiation.viz.style import DPI, OUTCOME_COLOURS, save_figure
from tests.conftest import TOY

TYPE3 = b"/Subtype /Type3"

# A divisible pie in tenths: side a gets i/10 of issue "split" at level a{i:02d}, side b
# 1 - i/10, so every package lies on the frontier u_a + u_b = 1; deadlock gives each 0.2.
# a's threat (cost 0.05) lowers b's deadlock payoff to 0. Talks: the symmetric Nash
# solution over the packages.
PIE = {
    "scenario": {"name": "pie", "title": "Pie in tenths"},
    "issues": {"split": {"levels": [f"a{i:02d}" for i in range(11)]}},
    "sides": {
        "a": {"label": "A", "weights": {"split": 1.0}, "utilities": {"split": [i / 10 for i in range(11)]},
              "outcomes": {"deadlock": 0.2, "escalation": 0.0}},
        "b": {"label": "B", "weights": {"split": 1.0}, "utilities": {"split": [1 - i / 10 for i in range(11)]},
              "outcomes": {"deadlock": 0.2, "escalation": 0.0}},
    },
    "moves": {"threat": {"label": "A's threat", "by": "a", "cost": 0.05, "effects": {"deadlock_shift": {"b": -0.2}}}},
    "talks": {
        "protocol": "bargaining",
        "breakdown_probability": 0.0,
        "bargaining": {"solution": "nash", "packages": "all", "discount": {"a": 0.9, "b": 0.9},
                       "first_proposer": "a", "deadline": 1},
    },
}


@pytest.fixture(scope="module")
def toy_analysis():
    return analyze(scenario_from_dict(TOY))


@pytest.fixture(scope="module")
def pie_analysis():
    return analyze(scenario_from_dict(copy.deepcopy(PIE)))


# ---------------------------------------------------------------- prepared data


def test_outcome_probabilities_data(toy_analysis):
    data = outcome_probabilities_data(toy_analysis)
    assert data.labels == ("with pre-talk moves", "no pre-talk moves")
    # Derived in tests/test_analysis.py: truce 0.8 / deadlock 0.2 with the threat, deadlock without.
    assert_allclose(data.probabilities, [[0.8, 0.2, 0.0], [0.0, 1.0, 0.0]], atol=1e-12)


def test_payoffs_by_outcome_data(toy_analysis):
    data = payoffs_by_outcome_data(toy_analysis)
    assert data.outcomes == ("even", "a_favoured", "b_favoured", "deadlock", "escalation")
    assert data.kinds == ("truce", "truce", "truce", "deadlock", "escalation")
    assert data.sides == ("Side A", "Side B")
    assert_allclose(data.payoffs, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.4, 0.3], [0.0, 0.0]])


def test_game_tree_data_marks_the_path(toy_analysis):
    data = game_tree_data(toy_analysis)
    # One decision (the threat, node 0 of the scenario tree) over two talks stages.
    [node] = data.nodes
    assert (node.node, node.x, node.y, node.on_path) == (0, 0.5, 0.0, True)
    assert node.text == "Side A:\nA's threat"
    assert [(e.action, e.on_path, e.x1, e.y1) for e in data.edges] == [("refrain", False, 0.0, -1.0),
                                                                       ("play", True, 1.0, -1.0)]
    refrain, play = data.leaves
    assert (refrain.label, refrain.on_path, play.label, play.on_path) == ("threat=refrain", False, "threat=play", True)
    # Without the threat holding is dominant for both: deadlock, payoffs (0.4, 0.3).
    assert refrain.text == "a hold / b hold"
    assert_allclose(refrain.probabilities, [0.0, 1.0, 0.0], atol=1e-12)
    assert_allclose(refrain.payoffs, (0.4, 0.3), atol=1e-12)
    # With it (tests/test_analysis.py) a holds and b concedes: a truce on a_favoured that
    # breaks down with probability 0.2: a 0.8 * 1.0 + 0.2 * 0.4 - 0.05 (cost) = 0.83,
    # b 0.8 * 0.0 + 0.2 * (0.3 - 0.4) = -0.02.
    assert play.text == "a hold / b concede"
    assert_allclose(play.probabilities, [0.8, 0.2, 0.0], atol=1e-12)
    assert_allclose(play.payoffs, (0.83, -0.02), atol=1e-12)
    assert data.depth == 1


def test_game_tree_without_moves_is_one_leaf():
    config = copy.deepcopy(TOY)
    del config["moves"]
    data = game_tree_data(analyze(scenario_from_dict(config)))
    assert data.nodes == () and data.edges == () and data.depth == 0
    [leaf] = data.leaves
    assert (leaf.label, leaf.text, leaf.on_path) == ("no moves", "a hold / b hold", True)


def test_game_tree_data_of_bargaining_talks(pie_analysis):
    data = game_tree_data(pie_analysis)
    refrain, play = data.leaves
    # Nash (1953) on u_a + u_b = 1: u_a = (1 + d_a - d_b) / 2: 0.5 without the threat,
    # 0.6 with it (d_b = 0); the threat gains 0.1 > its cost 0.05, so it is made.
    assert (refrain.text, play.text, play.on_path) == ("agree: a05", "agree: a06", True)
    assert_allclose(refrain.payoffs, (0.5, 0.5), atol=1e-12)
    assert_allclose(play.payoffs, (0.6 - 0.05, 0.4), atol=1e-12)
    assert_allclose(play.probabilities, [1.0, 0.0, 0.0], atol=1e-12)


def test_utility_plane_data(pie_analysis):
    data = utility_plane_data(pie_analysis)
    assert data.sides == ("A", "B")
    assert_allclose(data.packages, [[i / 10, 1 - i / 10] for i in range(11)], atol=1e-12)
    assert len(data.frontier) == 11  # every split is efficient
    assert data.points["disagreement, no moves"] == (0.2, 0.2)
    assert data.points["disagreement, with moves"] == (0.2, 0.0)
    assert_allclose(data.points["Nash, with moves"], (0.6, 0.4), atol=1e-12)
    assert_allclose(data.points["agreed, no moves"], (0.5, 0.5), atol=1e-12)


def test_bargaining_sensitivity_along_a_key_path(pie_analysis):
    # An agreement on u breaks down with probability q: worth (1 - q) u + q d. The Nash
    # package is unchanged (every gain scales by 1 - q); the threat gains 0.1 (1 - q) for
    # its cost 0.05, so it is made iff q < 0.5.
    # q = 0: threat, a06: payoffs (0.6 - 0.05, 0.4); over d + sunk = (0.15, 0.0) the gains
    #        are (0.4, 0.4), shares (1/2, 1/2).
    # q = 0.75: no threat, a05: 0.25 * 0.5 + 0.75 * 0.2 = 0.275 each; gains (0.075, 0.075).
    # q = 1.5 is not a probability: the point is invalid.
    data = bargaining_sensitivity_data(pie_analysis, "talks.breakdown_probability", [0.0, 0.75, 1.5])
    assert data.key_path == "talks.breakdown_probability"
    assert data.packages == ("a06", "a05", "invalid")
    assert_allclose(data.payoffs, [[0.55, 0.4], [0.275, 0.275], [np.nan, np.nan]], atol=1e-12)
    assert_allclose(data.shares, [[0.5, 0.5], [0.5, 0.5], [np.nan, np.nan]], atol=1e-12)


def test_bargaining_figures_need_the_bargaining_protocol(toy_analysis):
    with pytest.raises(ValueError, match="bargaining protocol"):
        utility_plane_data(toy_analysis)
    with pytest.raises(ValueError, match="bargaining protocol"):
        bargaining_sensitivity_data(toy_analysis, "deadline", [1, 2])


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize(
    ("plot", "xlabel", "ylabel"),
    [
        pytest.param(plot_outcome_probabilities, "probability of outcome", "", id="outcome_probabilities"),
        pytest.param(plot_payoffs_by_outcome, "", "payoff (utility, 0–1 scale)", id="payoffs_by_outcome"),
        pytest.param(plot_game_tree, "", "", id="game_tree"),
    ],
)
def test_figures_are_labelled(toy_analysis, plot, xlabel, ylabel):
    fig = plot(toy_analysis)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "Toy talks" in ax.get_title()
    assert ax.get_xlabel() == xlabel and ax.get_ylabel() == ylabel


def test_game_tree_figure_shows_every_leaf(toy_analysis):
    texts = [t.get_text() for t in plot_game_tree(toy_analysis).axes[0].texts]
    assert "Side A:\nA's threat" in texts
    assert {"refrain", "play"} <= set(texts)
    assert any(t.startswith("a hold / b concede\ntruce 80%") for t in texts)


def test_bargaining_figures_are_labelled(pie_analysis):
    fig = plot_utility_plane(pie_analysis)
    ax = fig.axes[0]
    assert "Pie in tenths" in ax.get_title()
    assert ax.get_xlabel() == "A: utility of a lasting agreement"
    assert ax.get_ylabel() == "B: utility of a lasting agreement"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "disagreement (with moves)" in labels and "agreed (no moves)" in labels
    fig = plot_bargaining_sensitivity(pie_analysis, deadlines=np.array([1, 2]), discounts=np.array([0.9, 0.95]))
    left, right = fig.axes
    assert "Pie in tenths" in fig.get_suptitle()
    assert left.get_xlabel() == "deadline (rounds of offers)"
    assert right.get_xlabel() == "A: discount factor per round"
    assert left.get_ylabel() == "share of the gains from agreement"


def test_leverage_by_rule_is_labelled(toy_analysis):
    fig = plot_leverage_by_rule({"payoff_dominant": toy_analysis})
    ax = fig.axes[0]
    assert "Toy talks" in ax.get_title()
    assert ax.get_xlabel() == "equilibrium selection rule at the talks"
    # The threat's leverage (tests/test_analysis.py): 0.83 - 0.4 = 0.43 to side A.
    [bar] = ax.patches
    assert bar.get_height() == pytest.approx(0.43)


def test_outcome_colours_are_fixed(toy_analysis):
    fig = plot_outcome_probabilities(toy_analysis)
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in fig.axes[0].patches}
    assert {tuple(np.round(to_rgb(c), 3)) for c in OUTCOME_COLOURS.values()} <= colours
    assert tuple(OUTCOME_COLOURS) == ("truce", "deadlock", "escalation")


# ---------------------------------------------------------------- saved files


def test_report_figures_are_written_as_png_and_pdf(tmp_path):
    written = save_report_figures(analyze(load_scenario()), tmp_path)
    assert sorted(written) == sorted(
        f"figures/{stem}.{ext}" for stem in ("game_tree", "payoffs_by_outcome", "outcome_probabilities") for ext in ("png", "pdf")
    )
    assert all(path.stat().st_size > 1000 for path in written.values())


def test_write_results_writes_the_summaries_and_figures(tmp_path, toy_analysis):
    import json

    written = write_results(toy_analysis, tmp_path / "out", figures=False)
    assert sorted(written) == ["summary.json", "summary.txt"]
    assert json.loads(written["summary.json"].read_text()) == json.loads(json.dumps(toy_analysis.to_dict()))
    assert written["summary.txt"].read_text().startswith("Toy talks")
    with_figures = write_results(toy_analysis, tmp_path / "all")
    assert "figures/game_tree.png" in with_figures and "figures/game_tree.pdf" in with_figures


def _mathtext_figure() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel(r"first order $S_i$, total $S_{T_i}$")
    ax.set_title("Text – with a dash")
    return fig


def test_saved_png_is_at_least_200_dpi_whatever_the_callers_settings(tmp_path):
    with matplotlib.rc_context({"savefig.dpi": 72, "figure.dpi": 72}):
        written = save_figure(_mathtext_figure(), tmp_path, "f")
    with Image.open(written["f.png"]) as image:
        dpi = image.info["dpi"]
        width, _ = image.size
    assert DPI >= 200
    assert min(dpi) == pytest.approx(DPI, abs=0.5)
    assert width > 2.0 * DPI  # a 3-inch figure, trimmed to its tight bounding box


def test_saved_pdf_has_no_type3_font(tmp_path):
    # The scan can fail: matplotlib's own default (pdf.fonttype 3) does embed Type 3 fonts.
    control = tmp_path / "control.pdf"
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        _mathtext_figure().savefig(control)
    assert TYPE3 in control.read_bytes()
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        written = save_figure(_mathtext_figure(), tmp_path, "f")
    assert TYPE3 not in written["f.pdf"].read_bytes()


def test_report_pdfs_have_no_type3_font_and_pngs_are_200_dpi(tmp_path, pie_analysis):
    written = save_report_figures(pie_analysis, tmp_path)
    assert len(written) == 10  # five figures of a bargaining scenario, PNG and PDF
    for name, path in written.items():
        if name.endswith(".pdf"):
            assert TYPE3 not in path.read_bytes(), name
        else:
            with Image.open(path) as image:
                assert min(image.info["dpi"]) >= DPI - 0.5, name
