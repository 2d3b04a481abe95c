"""``negotiation report`` of a scenario with private types: every type, prior, play and belief
shown is the analysis' own number, the HTML is self-contained, and a real browser renders it."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from negotiation.cli import main
from tests.report_checks import assert_browser_renders, assert_markdown_links, assert_self_contained

SCENARIO = "madrid_2025_resolve"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


@pytest.fixture(scope="module")
def analysis():
    from negotiation.analysis.types import analyze_types
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.types import typed_scenarios

    config = read_config(resolve_config_path(SCENARIO))
    return analyze_types(*typed_scenarios(config, f"{SCENARIO}.toml"))


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """``(report folder, {stem: figure})``: the report, written by the command, and the
    figures it drew (``save_figure`` wrapped, as in tests/test_report.py)."""
    import negotiation.viz.style as style_module

    out = tmp_path_factory.mktemp("report") / "types"
    figures: dict = {}
    save = style_module.save_figure

    def recording(fig, out_dir, stem):
        figures[stem] = fig
        return save(fig, out_dir, stem)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(style_module, "save_figure", recording)
        assert main(["report", SCENARIO, "--out", str(out)]) == 0
    return out, figures


@pytest.fixture(scope="module")
def report(drawn: tuple[Path, dict]) -> Path:
    return drawn[0]


def _html(folder: Path) -> str:
    return unescape((folder / "report.html").read_text(encoding="utf-8")).replace("<wbr>", "")


def _md(folder: Path) -> str:
    return (folder / "report.md").read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def _table(text: str) -> list[list[str]]:
    """The rows of the first Markdown table in ``text``, header and rule dropped, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def test_files_are_written(report: Path) -> None:
    assert (report / "report.html").is_file() and (report / "report.md").is_file()
    assert (report / "figures" / "belief_updates.png").is_file()


def test_html_is_self_contained(report: Path) -> None:
    assert_self_contained(report, images=1)


def test_markdown_links_its_figures(report: Path) -> None:
    assert_markdown_links(report, ["figures/belief_updates.png"])


def test_types_and_prior_are_the_analysis_values(report: Path, analysis) -> None:
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.types import types_spec

    spec = types_spec(read_config(resolve_config_path(SCENARIO)), SCENARIO)
    rows = _table(_section(_md(report), "## 2. The types", "## 3."))
    assert [r[0] for r in rows] == list(analysis.types)
    for row, prior, values in zip(rows, analysis.prior, spec.values, strict=True):
        assert row[1] == _percent(prior)
        for key, value in values.items():
            assert f": {value:.4g} (otherwise" in row[2] and f"`{key}`" in row[2]
    assert "judgement: No dated fact says how resolute China was" in rows[0][3]


def test_every_belief_and_play_is_the_analysis_number(report: Path, analysis) -> None:
    decisions = [d for d in analysis.decisions() if "belief" in d]
    rows = _table(_section(_md(report), "### What United States does and believes", "\n- "))
    assert len(rows) == len(decisions)
    for row, d in zip(rows, decisions, strict=True):
        assert row[2:2 + len(analysis.types)] == [_percent(d["belief"][t]) for t in analysis.types]
        assert row[1] == ", ".join(f"{a} {_percent(p)}" for a, p in d["play"].items() if p >= 0.0005)
    html = _section(_html(report), "the belief updates</h3>", "</table>")
    for d in decisions:
        for t in analysis.types:
            assert f'<td class="num">{_percent(d["belief"][t])}</td>' in html


def test_each_types_play_is_the_analysis_number(report: Path, analysis) -> None:
    from negotiation.viz.types_figures import history_words

    moves = analysis.base.config["moves"]
    private = analysis.base.side_names[analysis.side]
    rows = {r[0]: r[1:1 + len(analysis.types)] for r in _table(_section(_md(report), "### What each type", "### What United States"))}
    checked = 0
    for d in analysis.decisions():
        if "belief" in d:
            continue
        [t] = [t for t in analysis.types if d["at"].endswith(f"({private} {t})")]
        play = ", ".join(f"{a} {_percent(p)}" for a, p in d["play"].items() if p >= 0.0005)
        assert rows[history_words(d["at"], moves)][analysis.types.index(t)] == play
        checked += 1
    assert checked == len(rows) * len(analysis.types)


def test_outcomes_and_the_path_of_2025(report: Path, analysis) -> None:
    from negotiation.viz.types_figures import OFF_PATH

    md = _md(report)
    headline = _section(md, "## 3.", "### What each type")
    for outcome, p in analysis.outcome_probabilities.items():
        assert f"{outcome} {_percent(p)}" in headline
    zero = analysis.all_moves_probability <= OFF_PATH
    assert ("has probability zero" in headline) == zero
    assert _percent(analysis.all_moves_probability) in headline


def test_the_second_answer_is_lemke_with_its_sequential_check(report: Path, analysis) -> None:
    section = _section(_md(report), "## 4. A second answer", "## 5.")
    assert ("not a sequential equilibrium" in section or "not sequential" in section) == (
        not analysis.lemke_sequential.sequential)
    rows = _table(section)
    assert [r[0] for r in rows] == [o.replace("_", " ") for o in analysis.outcome_probabilities]
    assert [r[1] for r in rows] == [_percent(p) for p in analysis.outcome_probabilities.values()]
    # each side's ranking of the two equilibria only: no payoff number in the section
    assert not re.search(r"\b0\.\d{3}\b", section.split("The sequential check")[0])


def test_the_belief_figure_shows_the_analysis_beliefs(drawn: tuple[Path, dict], analysis) -> None:
    import numpy as np

    from negotiation.viz.types_figures import belief_updates_data
    from tests.test_plots import _overlaps

    data = belief_updates_data(analysis)
    decisions = [d for d in analysis.decisions() if "belief" in d]
    np.testing.assert_allclose(data.beliefs, [[d["belief"][t] for t in analysis.types] for d in decisions], atol=0)
    assert data.on_path.tolist()[:2] == [True, True]  # the first decision and the talks after no move
    fig = drawn[1]["belief_updates"]
    [ax] = fig.axes
    widths = sorted((p.get_y(), p.get_width()) for p in ax.patches)
    np.testing.assert_allclose([w for _, w in widths][::-1], data.beliefs[:, 0], atol=1e-12)
    prior = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert prior and prior[0].get_xdata()[0] == pytest.approx(analysis.prior[0])
    assert "China is resolute" in ax.get_xlabel()
    assert _overlaps(fig) == []


def test_assumptions_are_every_value_but_the_types(report: Path) -> None:
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.sources import model_key_paths

    config = read_config(resolve_config_path(SCENARIO))
    table = _section(_html(report), "6. Assumptions", "<h3>Solver settings</h3>")
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>", table)
    assert rows == model_key_paths({k: v for k, v in config.items() if k != "types"})


def test_the_limits_say_what_the_model_cannot(report: Path) -> None:
    from negotiation.report.types import TYPES_LIMITS

    section = _section(_html(report), "What this model cannot say", "Glossary</h2>")
    for limit in TYPES_LIMITS:
        assert limit in section
    # the scenario's own limits, private information among them, are quoted
    assert "only China's resolve is private" in _html(report)


def test_sweep_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert main(["report", SCENARIO, "--out", str(out), "--sweep", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--sweep" in err and "[types]" in err
    assert not out.exists()


def test_set_changes_a_reported_value(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", SCENARIO, "--out", str(out), "--set", "talks.breakdown_probability=0.2"]) == 0
    assert re.search(r"\| `talks\.breakdown_probability` \| [^|]+ \| 0\.2 \|", _md(out))


@pytest.mark.skipif(BROWSER is None, reason="chromium not installed")
def test_a_browser_renders_the_report(report: Path, tmp_path: Path) -> None:
    assert_browser_renders(BROWSER, report, tmp_path / "report.png")


def test_no_statement_depends_on_one_sides_units(tmp_path: Path, report: Path) -> None:
    """China's utilities mapped by u -> 0.5 u + 0.25 (its costs and shifts by 0.5): the same
    game for China (MODELLING.md, rule 1), so sections 2 to 4 of the report say the same, the
    values of the types and the max regret (a diagnostic on the scenario's payoffs) aside."""
    import copy

    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.report.types import write_types_report

    def level(u: float) -> float:
        return 0.5 * u + 0.25

    config = copy.deepcopy(dict(read_config(resolve_config_path(SCENARIO))))
    china = config["sides"]["china"]["utilities"]
    for issue, values in china.items():
        china[issue] = [level(u) for u in values]
    moves = config["moves"]
    moves["anti_dumping_probe"]["cost"] *= 0.5
    moves["entity_listing"]["harm"] *= 0.5
    for effect in ("deadlock_shift", "escalation_shift"):
        moves["entity_listing"]["effects"][effect]["china"] *= 0.5
    for values in config["types"]["china"].values():
        for key in values:
            if key.startswith("sides.china.utilities."):
                values[key] = level(values[key])
            elif key == "moves.anti_dumping_probe.cost":
                values[key] *= 0.5
    out = tmp_path / "scaled"
    write_types_report(config, out)

    def statements(folder: Path) -> str:
        text = _section(_md(folder), "## 3. The headline", "## 5.")
        return re.sub(r"(\(max regret\)|of the second answer): [0-9.e+-]+", "", text)

    assert statements(out) == statements(report)


def test_more_than_two_types_get_one_panel_each() -> None:
    import numpy as np

    from negotiation.viz.types_figures import BeliefUpdates, plot_belief_updates
    from tests.test_plots import _overlaps

    data = BeliefUpdates(types=("a", "b", "c"), prior=(0.2, 0.3, 0.5), labels=("At the talks", "At the talks, after: X"),
                         beliefs=np.array([[0.2, 0.3, 0.5], [0.6, 0.4, 0.0]]), reach=np.array([1.0, 0.0]),
                         believer="United States", private="China")
    fig = plot_belief_updates(data, title="Three types")
    assert [ax.get_xlabel() for ax in fig.axes] == [f"belief: China is {t}" for t in "abc"]
    for ax, column in zip(fig.axes, data.beliefs.T, strict=True):
        widths = [p.get_width() for p in sorted(ax.patches, key=lambda p: -p.get_y())]
        np.testing.assert_allclose(widths, column, atol=0)
    assert _overlaps(fig) == []


def test_the_margins_list_every_value_of_the_private_information(report: Path) -> None:
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.types import types_spec

    path = resolve_config_path(SCENARIO)
    spec = types_spec(read_config(path), path.name)
    expected = [f"types.{spec.side}.{t}.prior" for t in spec.types[:-1]]
    expected += [f'types.{spec.side}.{t}."{k}"' for t, values in zip(spec.types, spec.values, strict=True) for k in values]
    rows = _table(_section(_md(report), "## 5. What would change the headline", "## 6."))
    assert [r[0].strip("`") for r in rows] == expected
    for row in rows:  # every change found lies inside the range searched
        low, high = (float(x) for x in row[2].split(" to "))
        for cell in row[3:5]:
            assert cell == "–" or low <= float(cell) <= high
