"""``negotiation report`` of a rounds scenario: each round's predicted and observed play is the
analysis' own, the HTML is self-contained, and a real browser renders it."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from negotiation.cli import main
from tests.report_checks import assert_browser_renders, assert_markdown_links, assert_self_contained

SCENARIO = "us_china_2025"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


@pytest.fixture(scope="module")
def analysis():
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.rounds import rounds_from_dict

    return analyze_rounds(rounds_from_dict(read_config(resolve_config_path(SCENARIO)), source=f"{SCENARIO}.toml"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "rounds"
    assert main(["report", SCENARIO, "--out", str(out)]) == 0
    return out


def _html(folder: Path) -> str:
    return unescape((folder / "report.html").read_text(encoding="utf-8")).replace("<wbr>", "")


def _md(folder: Path) -> str:
    return (folder / "report.md").read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start) + len(start))]


def _table(text: str) -> list[list[str]]:
    """The rows of the first Markdown table in ``text``, header and rule dropped, cells stripped."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def _result(r) -> str:
    """What a round scores, from the analysis' fields: the rule of ``RoundsAnalysis.hits``."""
    if r.p_observed is None:
        return "not scorable"
    top = all(r.observed[s] == max(r.predicted[s], key=r.predicted[s].get) for s in r.movers)
    return "hit" if top else "miss"


def test_files_are_written(report: Path) -> None:
    assert (report / "report.html").is_file() and (report / "report.md").is_file()
    assert (report / "figures" / "rounds.png").is_file()


def test_html_is_self_contained(report: Path) -> None:
    assert_self_contained(report, images=1)


def test_markdown_links_its_figures(report: Path) -> None:
    assert_markdown_links(report, ["figures/rounds.png"])


def test_each_round_shows_its_predicted_and_observed_play(report: Path, analysis) -> None:
    labels = {side.name: side.label for side in analysis.game.sides}
    rows = _table(_section(_md(report), "| # | Date |", "\n\n"))
    assert len(rows) == len(analysis.rounds)
    for row, r in zip(rows, analysis.rounds, strict=True):
        number, date, name, movers, predicted, observed, p, result, _ = row
        assert (date, name) == (r.date, r.name.replace("_", " "))
        assert movers == ", ".join(labels[s] for s in r.movers)
        assert predicted == "; ".join(
            f"{labels[s]}: " + ", ".join(f"{a} {_percent(q)}" for a, q in r.predicted[s].items() if q >= 0.0005)
            for s in r.movers)
        assert observed == "; ".join(f"{labels[s]}: {r.observed[s] or 'not observed'}" for s in r.movers)
        assert p == ("" if r.p_observed is None else _percent(r.p_observed))
        assert result == _result(r)


def test_the_score_is_the_analysis_score(report: Path, analysis) -> None:
    scored = sum(1 for r in analysis.rounds if r.p_observed is not None)
    headline = _section(_md(report), "## 2.", "## 3.")
    assert f"in {analysis.hits} of {scored} scorable rounds" in headline
    html = _section(_html(report), "3. Round by round", "</table>")
    assert html.count('class="hit"') == analysis.hits
    assert html.count('class="unscored"') == len(analysis.rounds) - scored


def test_the_state_path_is_the_observed_one(report: Path, analysis) -> None:
    game = analysis.game
    issues = [issue.name for issue in game.space.issues]
    rows = _table(_section(_md(report), "| When |", "\n\n"))
    initial = game.describe_state(game.state_of(game.initial))
    states = [initial] + [r.state_after for r in analysis.rounds]
    assert len(rows) == len(states)
    for row, state in zip(rows, states, strict=True):
        assert [c.strip("*") for c in row[1:]] == [state[i].replace("_", " ") for i in issues]
    # a level a round changed is in bold
    first = analysis.rounds[0]
    changed = [i for i in issues if first.state_after[i] != first.state[i]]
    assert changed and all(f"**{first.state_after[i].replace('_', ' ')}**" in "|".join(rows[1]) for i in changed)


def test_the_figure_is_the_analysis_figure(report: Path) -> None:
    assert "Figure 1. Each round, predicted in the state the observed earlier rounds left" in _html(report)


def test_assumptions_are_every_value(report: Path) -> None:
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.sources import model_key_paths

    config = read_config(resolve_config_path(SCENARIO))
    table = _section(_html(report), "5. Assumptions", "<h3>Solver settings</h3>")
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>", table)
    assert rows == model_key_paths(config)
    assert "judgement: Periods between decision points" in table  # dynamics.discount's source


def test_the_limits_section(report: Path) -> None:
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.report.rounds import ROUNDS_LIMITS

    section = _section(_html(report), "What this model cannot say", "Glossary</h2>")
    description = read_config(resolve_config_path(SCENARIO))["scenario"]["description"]
    assert " ".join(description.split()) in section
    for limit in ROUNDS_LIMITS:
        assert limit in section


def test_sweep_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert main(["report", SCENARIO, "--out", str(out), "--sweep", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--sweep" in err and "[[rounds]]" in err
    assert not out.exists()


def test_set_changes_the_reported_value(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", SCENARIO, "--out", str(out), "--set", "dynamics.discount=0.8"]) == 0
    md = _md(out)
    assert re.search(r"\| `dynamics\.discount` \| [^|]+ \| 0\.8 \|", md)
    assert "discounts the next period by 0.8" in md


@pytest.mark.skipif(BROWSER is None, reason="chromium not installed")
def test_a_browser_renders_the_report(report: Path, tmp_path: Path) -> None:
    assert_browser_renders(BROWSER, report, tmp_path / "report.png")
