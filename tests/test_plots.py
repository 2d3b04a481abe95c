"""Figures: the prepared data is checked exactly; the figures come back labelled; saved
figures are print quality (PNG at >= 200 dpi, PDF without Type 3 fonts)."""

from __future__ import annotations

import copy
from pathlib import Path

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


# ---------------------------------------------------------------- print checks on the Madrid figures
# Every figure the package writes for the packaged scenario madrid_2025 (the report figures,
# a phase map and a path map of a small grid sweep, a tornado, Sobol' indices, and the game
# tree of the scenario with a third move) is checked as a printer would: PNG >= 200 dpi,
# no Type 3 font in the PDF, no two labels on top of one another, no raw key path.

# (the US utility of the status-quo tariffs: a number of the scenario however deadlock is set)
SWEEP_X, SWEEP_Y = "talks.breakdown_probability", "sides.us.utilities.tariffs[1]"

#: A third pre-talk move for the Madrid scenario (issue 10: tree labels overlapped with three).
THIRD_MOVE = {"label": "China pauses rare-earth export licences", "by": "china", "cost": 0.01, "harm": 0.02,
              "effects": {"deadlock_shift": {"us": -0.02}}}


def _madrid_config() -> dict:
    from negotiation.io.config import default_config_path, read_config

    return read_config(default_config_path("madrid_2025"))


def _three_move_config() -> dict:
    config = copy.deepcopy(_madrid_config())
    config["moves"]["rare_earth_pause"] = copy.deepcopy(THIRD_MOVE)
    return config


@pytest.fixture(scope="module")
def madrid_figures(tmp_path_factory):
    """``(figures, files)``: every figure written for madrid_2025 by stem, and every file.

    The writers' own ``save_figure`` is wrapped so that the figures checked are the very
    ones written."""
    import negotiation.viz.figures as figures_module
    import negotiation.viz.phase_map as phase_map_module
    import negotiation.viz.style as style_module
    from negotiation.study.one_at_a_time import tornado_data
    from negotiation.study.points import solve_points
    from negotiation.study.sobol import sobol_sensitivity
    from negotiation.study.verdict import verdict_margins
    from negotiation.viz.phase_map import save_phase_map
    from negotiation.viz.sensitivity_figures import plot_path_map, plot_sobol_indices, plot_tornado
    from negotiation.viz.verdict_figures import plot_verdict_flips

    out = tmp_path_factory.mktemp("madrid")
    drawn: dict[str, Figure] = {}
    files: dict[str, object] = {}

    def recording(fig, out_dir, stem):
        written = style_module.save_figure(fig, out_dir, stem)
        key = f"{Path(out_dir).parent.name}/{stem}"
        drawn[key] = fig
        files.update({f"{key}.{name.rsplit('.', 1)[1]}": path for name, path in written.items()})
        return written

    config = _madrid_config()
    scenario = scenario_from_dict(copy.deepcopy(config))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figures_module, "save_figure", recording)
        patch.setattr(phase_map_module, "save_figure", recording)
        figures_module.save_report_figures(analyze(scenario), out / "two_moves")
        figures_module.save_report_figures(analyze(scenario_from_dict(_three_move_config())), out / "three_moves")
        xs, ys = np.meshgrid(np.linspace(0.0, 0.6, 7), np.linspace(0.5, 0.75, 6))
        table = solve_points(config, {SWEEP_X: xs.ravel(), SWEEP_Y: ys.ravel()})
        save_phase_map(table, SWEEP_X, SWEEP_Y, out / "sweep", scenario=scenario.title, config=config)
        sensitivity = out / "sensitivity" / "figures"
        recording(plot_path_map(table, SWEEP_X, SWEEP_Y, scenario=scenario.title, config=config,
                                moves=[m.name for m in scenario.moves]), sensitivity, "path_map")
        recording(plot_tornado(tornado_data(config), config=config), sensitivity, "tornado")
        sobol = sobol_sensitivity(config, samples=8, n_resamples=19)
        recording(plot_sobol_indices(sobol, config=config), sensitivity, "sobol_p_truce")
        recording(plot_verdict_flips(verdict_margins(config).to_dict(), config=config, scenario=scenario.title),
                  sensitivity, "verdict_flips")
    return drawn, files


def _drawn_texts(fig: Figure) -> list:
    """The texts a reader sees: visible, not empty, tick labels only of the ticks drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    tick_labels, drawn_ticks = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_labels |= {id(tick.label1), id(tick.label2)}
            if ax.axison and axis.get_visible():  # the ticks inside the view, which are drawn
                drawn_ticks |= {id(label) for tick in axis._update_ticks() for label in (tick.label1, tick.label2)}
    return [t for t in fig.findobj(Text, include_self=False)
            if t.get_visible() and t.get_text().strip() and (id(t) not in tick_labels or id(t) in drawn_ticks)]


def _overlaps(fig: Figure, slack: float = -2.0) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose boxes come closer than ``-slack`` pixels (at 100 dpi) both ways."""
    texts = _drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    boxes = [(s, b) for s, b in boxes if b.width > 0 and b.height > 0]
    pairs = []
    for i, (s, a) in enumerate(boxes):
        for r, b in boxes[i + 1:]:
            if min(a.x1, b.x1) - max(a.x0, b.x0) > slack and min(a.y1, b.y1) - max(a.y0, b.y0) > slack:
                pairs.append((s, r))
    return pairs


def test_madrid_writes_every_figure(madrid_figures):
    drawn, files = madrid_figures
    assert set(drawn) == {
        *(f"{d}/{stem}" for d in ("two_moves", "three_moves")
          for stem in ("game_tree", "payoffs_by_outcome", "outcome_probabilities")),
        "sweep/phase_map", "sensitivity/path_map", "sensitivity/tornado", "sensitivity/sobol_p_truce",
        "sensitivity/verdict_flips",
    }
    assert set(files) == {f"{key}.{ext}" for key in drawn for ext in ("png", "pdf")}


def test_madrid_pngs_are_at_least_200_dpi(madrid_figures):
    _, files = madrid_figures
    for name, path in files.items():
        if name.endswith(".png"):
            with Image.open(path) as image:
                assert min(image.info["dpi"]) >= 200 - 0.5, name


def test_madrid_pdfs_embed_no_type3_font(madrid_figures):
    _, files = madrid_figures
    pdfs = [(name, path) for name, path in files.items() if name.endswith(".pdf")]
    assert pdfs
    for name, path in pdfs:
        data = path.read_bytes()
        assert TYPE3 not in data, name
        assert b"/Subtype /TrueType" in data or b"/Subtype /Type0" in data, name  # the fonts are TrueType


@pytest.mark.parametrize("key", [
    *(f"{d}/{stem}" for d in ("two_moves", "three_moves") for stem in ("game_tree", "payoffs_by_outcome",
                                                                        "outcome_probabilities")),
    "sweep/phase_map", "sensitivity/path_map", "sensitivity/tornado", "sensitivity/sobol_p_truce",
    "sensitivity/verdict_flips",
])
def test_madrid_figure_labels_do_not_overlap(madrid_figures, key):
    assert _overlaps(madrid_figures[0][key]) == []


def test_madrid_figures_name_no_raw_key_path(madrid_figures):
    from negotiation.viz.style import RAW_KEY_PATH

    for key, fig in madrid_figures[0].items():
        for text in _drawn_texts(fig):
            assert not RAW_KEY_PATH.search(text.get_text()), (key, text.get_text())


def test_sweep_figures_name_the_parameters_in_words(madrid_figures):
    drawn, _ = madrid_figures
    for key in ("sweep/phase_map", "sensitivity/path_map"):
        ax = drawn[key].axes[0]
        assert ax.get_xlabel() == "Probability an agreed truce breaks down"
        assert ax.get_ylabel() == "United States: utility of tariffs level 2 (status_quo), 0–1 scale"
    ticks = [t.get_text() for t in drawn["sensitivity/tornado"].axes[0].get_yticklabels()]
    assert any(t.startswith("Probability an agreed truce breaks down\n[") for t in ticks)


def test_three_move_tree_draws_every_decision(madrid_figures):
    texts = [t.get_text() for t in madrid_figures[0]["three_moves/game_tree"].axes[0].texts]
    words = [" ".join(t.split()) for t in texts]
    assert words.count("China: China pauses rare-earth export licences") == 4
    assert sum(t.startswith("truce ") or "\ntruce " in t for t in texts) == 8


# The checks themselves can fail: each is shown a figure that breaks it.


def test_overlap_check_sees_overlapping_labels():
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "a long label here")
    ax.text(0.52, 0.51, "another long label")
    ax.text(0.1, 0.1, "far away")
    ax.set_axis_off()
    assert _overlaps(fig) == [("a long label here", "another long label")]


def test_overlap_check_ignores_ticks_outside_the_view():
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x")
    assert _overlaps(fig) == []


def test_raw_key_path_check_sees_a_key_path():
    from negotiation.viz.style import RAW_KEY_PATH

    assert RAW_KEY_PATH.search("moves.entity_listing.cost (utility)")
    assert RAW_KEY_PATH.search("deadlock of sides.us")
    assert not RAW_KEY_PATH.search("Entity listing: cost to its maker (utility)")
    assert not RAW_KEY_PATH.search("the US moves. Then China talks.")


def test_dpi_check_sees_a_low_resolution_png(tmp_path):
    fig = _mathtext_figure()
    fig.savefig(tmp_path / "low.png", dpi=100)
    with Image.open(tmp_path / "low.png") as image:
        assert min(image.info["dpi"]) < 200


# ---------------------------------------------------------------- key paths in words


@pytest.mark.parametrize(("key_path", "words"), [
    ("sides.us.outcomes.deadlock", "United States: value of deadlock (utility, 0–1 scale)"),
    ("sides.china.outcomes.escalation", "China: value of escalation (utility, 0–1 scale)"),
    ("sides.china.utilities.tariffs[3]", "China: utility of tariffs level 4 (fentanyl_rollback), 0–1 scale"),
    ("sides.us.weights.export_controls", "United States: weight of export controls (share of 1)"),
    ("moves.entity_listing.cost", "Entity listing: cost to its maker (utility)"),
    ("moves.entity_listing.harm", "Entity listing: harm to China (utility)"),
    ("moves.anti_dumping_probe.harm", "Anti dumping probe: harm to United States (utility)"),
    ("moves.entity_listing.effects.deadlock_shift.china",
     "Entity listing: shift of China's value of deadlock (utility)"),
    ("moves.anti_dumping_probe.effects.deadlock_shift.us",
     "Anti dumping probe: shift of United States' value of deadlock (utility)"),
    ("moves.entity_listing.effects.breakdown_shift", "Entity listing: added probability that a truce breaks down"),
    ("talks.breakdown_probability", "Probability an agreed truce breaks down"),
    ("talks.bargaining.deadline", "Bargaining deadline (rounds of offers)"),
    ("talks.bargaining.discount.us", "United States: discount factor per round of bargaining"),
    ("p_truce", "Probability of a truce on the headline path"),
    ("payoff_china", "China: payoff on the headline path (utility, 0–1 scale)"),
    # any other key path: phrased from its parts
    ("sides.us.outcomes.new_ending", "United States: value of new ending (utility, 0–1 scale)"),
    ("moves.entity_listing.date", "Entity listing: date"),
    ("scenario.as_of", "Scenario: as of"),
    ("talks.something_new[1]", "Talks: something new item 2"),
])
def test_describe_names_key_paths_in_words(key_path, words):
    from negotiation.viz.style import RAW_KEY_PATH, describe

    config = _madrid_config()
    assert describe(key_path, config) == words
    assert describe(key_path, scenario_from_dict(copy.deepcopy(config))) == words  # a scenario built from it
    assert not RAW_KEY_PATH.search(words)


def test_describe_without_a_config_phrases_the_names():
    from negotiation.viz.style import describe

    assert describe("sides.us.outcomes.deadlock") == "US: value of deadlock (utility, 0–1 scale)"
    assert describe("sides.china.utilities.tariffs[3]") == "China: utility of tariffs level 4, 0–1 scale"
    assert describe("moves.entity_listing.harm") == "Entity listing: harm to the other side (utility)"
