"""Figures: the prepared data is checked exactly; the figures come back labelled."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy.testing import assert_allclose

from negotiation.analysis import analyze
from negotiation.config import load_scenario, scenario_from_dict
from negotiation.plots import (
    OUTCOME_COLOURS,
    game_tree_data,
    outcome_probabilities_data,
    payoffs_by_outcome_data,
    plot_game_tree,
    plot_outcome_probabilities,
    plot_payoffs_by_outcome,
    save_report_figures,
)


@pytest.fixture(scope="module")
def toy_analysis():
    from tests.conftest import TOY

    return analyze(scenario_from_dict(TOY))


def test_outcome_probabilities_data(toy_analysis):
    data = outcome_probabilities_data(toy_analysis)
    assert data.labels == ("with pre-talk moves", "no pre-talk moves")
    # Derived in tests/test_analysis.py: truce 0.8 / deadlock 0.2 with the threat, deadlock without.
    assert_allclose(data.probabilities, [[0.8, 0.2, 0.0], [0.0, 1.0, 0.0]], atol=1e-12)


def test_payoffs_by_outcome_data(toy_analysis):
    data = payoffs_by_outcome_data(toy_analysis)
    assert data.outcomes == ("even", "a_favoured", "b_favoured", "deadlock", "escalation")
    assert data.kinds == ("truce", "truce", "truce", "deadlock", "escalation")
    assert_allclose(data.payoffs, [[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.4, 0.3], [0.0, 0.0]])


def test_game_tree_data_marks_the_path(toy_analysis):
    data = game_tree_data(toy_analysis)
    assert len(data.nodes) == 1 and len(data.leaves) == 2
    on_path = [leaf for leaf in data.leaves if leaf[-1]]
    assert len(on_path) == 1 and on_path[0][2] == "threat=play"
    assert_allclose(on_path[0][3], [0.8, 0.2, 0.0], atol=1e-12)
    assert [e[4] for e in data.edges if e[5]] == ["play"]
    # Derived in tests/test_analysis.py: after the threat a holds and b concedes.
    assert on_path[0][5] == "a hold / b concede"


@pytest.mark.parametrize(
    ("plot", "xlabel", "ylabel"),
    [
        (plot_outcome_probabilities, "probability of outcome", ""),
        (plot_payoffs_by_outcome, "", "payoff (utility, 0–1 scale)"),
        (plot_game_tree, "", ""),
    ],
)
def test_figures_are_labelled(toy_analysis, plot, xlabel, ylabel):
    fig = plot(toy_analysis)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert "Toy talks" in ax.get_title()
    assert ax.get_xlabel() == xlabel and ax.get_ylabel() == ylabel


def test_outcome_colours_are_fixed(toy_analysis):
    fig = plot_outcome_probabilities(toy_analysis)
    colours = {tuple(np.round(p.get_facecolor()[:3], 3)) for p in fig.axes[0].patches}
    from matplotlib.colors import to_rgb

    assert {tuple(np.round(to_rgb(c), 3)) for c in OUTCOME_COLOURS.values()} <= colours


def test_report_figures_are_written_as_png_and_pdf(tmp_path):
    written = save_report_figures(analyze(load_scenario()), tmp_path)
    assert sorted(written) == sorted(
        f"figures/{stem}.{ext}" for stem in ("game_tree", "payoffs_by_outcome", "outcome_probabilities") for ext in ("png", "pdf")
    )
    assert all(path.stat().st_size > 1000 for path in written.values())
