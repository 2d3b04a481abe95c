"""``negotiation report``: the HTML is self-contained, every value is labelled, and a real
browser renders it."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from negotiation.cli import main
from negotiation.io.config import load_scenario
from tests.report_checks import assert_browser_renders

#: A small grid sweep for the phase map (25 points, under a second).
SWEEP_PARAMS = ("talks.breakdown_probability=0:0.3:5", "moves.entity_listing.cost=0:0.04:5")


@pytest.fixture(scope="module")
def madrid_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "madrid"
    args = ["sweep", "madrid_2025", *(a for p in SWEEP_PARAMS for a in ("--param", p)), "--no-figures", "--quiet",
            "--out", str(out)]
    assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def madrid_drawn(tmp_path_factory: pytest.TempPathFactory, madrid_sweep: Path) -> tuple[Path, dict]:
    """``(report folder, {stem: (figure, png, pdf bytes)})``: the report of madrid_2025 with the
    phase map of a small sweep, and every figure it drew, as drawn and saved.

    ``save_figure`` is wrapped (the report imports it when it draws), so that the figures
    checked are the very ones embedded; the PDF twin, which the report deletes, is kept."""
    import negotiation.viz.style as style_module

    out = tmp_path_factory.mktemp("report") / "madrid"
    drawn: dict = {}
    save = style_module.save_figure

    def recording(fig, out_dir, stem):
        written = save(fig, out_dir, stem)
        pdf = next(p for p in written.values() if p.suffix == ".pdf").read_bytes()
        drawn[stem] = (fig, next(p for p in written.values() if p.suffix == ".png"), pdf)
        return written

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(style_module, "save_figure", recording)
        assert main(["report", "madrid_2025", "--out", str(out), "--sweep", str(madrid_sweep)]) == 0
    return out, drawn


@pytest.fixture(scope="module")
def madrid_report(madrid_drawn: tuple[Path, dict]) -> Path:
    return madrid_drawn[0]


def _html(folder: Path) -> str:
    """The report's HTML as text: entities decoded, the key paths' line-break hints (<wbr>) dropped."""
    return unescape((folder / "report.html").read_text(encoding="utf-8")).replace("<wbr>", "")


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_report_files_are_written(madrid_report: Path) -> None:
    assert (madrid_report / "report.html").is_file()
    assert (madrid_report / "report.md").is_file()
    for stem in ("verdict_flips", "phase_map", "game_tree", "payoffs_by_outcome", "outcome_probabilities"):
        assert (madrid_report / "figures" / f"{stem}.png").is_file()


def test_html_is_self_contained(madrid_report: Path) -> None:
    html = (madrid_report / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "href=\"http" not in html
    assert "<link" not in html and "<script" not in html
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) == 5  # what flips, the phase map, the tree, payoffs, outcome probabilities
    for tag in images:
        assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', tag), tag[:80]


def test_markdown_links_its_figures(madrid_report: Path) -> None:
    md = (madrid_report / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links and all((madrid_report / link).is_file() for link in links)


def test_every_value_and_the_verdict_appear(madrid_report: Path) -> None:
    from negotiation.io.sources import model_key_paths

    scenario = load_scenario("madrid_2025")
    html = _html(madrid_report)
    md = (madrid_report / "report.md").read_text(encoding="utf-8")
    table = _section(html, "Assumptions: every value", "<h3>Solver settings</h3>")
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>", table)
    keys = model_key_paths(scenario.config)
    assert keys and rows == keys
    for key in keys:
        assert f"| `{key}` |" in md
    verdict = "entity_listing -> us_leaning"
    assert f"<code>{verdict}</code>" in html and f"`{verdict}`" in md
    for term in ("Subgame perfect equilibrium", "Logit QRE", "Risk dominance", "Degenerate stage",
                 "Max regret", "Threat point", "Margin"):
        assert term in html and term in md


def test_report_rejects_a_file_as_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["report", "madrid_2025", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err


def test_a_browser_renders_the_report(madrid_report: Path, tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium not installed")
    assert_browser_renders(browser, madrid_report, tmp_path / "report.png")


def test_set_changes_the_reported_value(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", "madrid_2025", "--out", str(out), "--set", "talks.breakdown_probability=0.2"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"\| `talks\.breakdown_probability` \| [^|]+ \| 0\.2 \|", md)
    # no --sweep: the report says how to make one, over the values nearest to flipping the verdict
    section = _section(md, "### Where the outcome changes", "## 3.")
    assert "negotiation sweep madrid_2025 --param " in section and "--sweep SWEEP_DIR" in section
    assert not (out / "figures" / "phase_map.png").exists()


def test_write_report_takes_overrides(tmp_path: Path) -> None:
    from negotiation.report import write_report

    written = write_report("madrid_2025", tmp_path, overrides={"moves.entity_listing.cost": 0.02})
    assert {"report.html", "report.md"} <= set(written)
    assert "| `moves.entity_listing.cost` | Entity listing: cost to its maker (utility) | 0.02 |" in (
        tmp_path / "report.md").read_text(encoding="utf-8")


def test_the_report_says_which_rule_picks_which_verdict(madrid_report: Path) -> None:
    from negotiation.study.verdict import verdicts_by_rule

    text = (madrid_report / "report.md").read_text(encoding="utf-8")
    for rule, verdict in verdicts_by_rule(load_scenario("madrid_2025").config).items():
        line = next(line for line in text.splitlines() if line.startswith(f"- `{verdict}`:"))
        assert rule in line


# ---------------------------------------------------------------- what flips the verdict


def _embedded_png(html: str, figure_id: str) -> bytes:
    import base64

    match = re.search(rf'<figure id="{figure_id}">\s*<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert match, f"no embedded image in <figure id={figure_id!r}>"
    return base64.b64decode(match.group(1))


def test_the_flips_figure_is_embedded_and_fit_for_print(madrid_drawn: tuple[Path, dict]) -> None:
    from PIL import Image

    from negotiation.viz.style import RAW_KEY_PATH
    from tests.test_plots import TYPE3, _drawn_texts, _overlaps

    out, drawn = madrid_drawn
    fig, png, pdf = drawn["verdict_flips"]
    embedded = _embedded_png(_html(out), "verdict-flips")
    assert embedded == png.read_bytes() == (out / "figures" / "verdict_flips.png").read_bytes()
    with Image.open(png) as image:
        assert min(image.info["dpi"]) >= 200 - 0.5
    assert TYPE3 not in pdf and (b"/Subtype /TrueType" in pdf or b"/Subtype /Type0" in pdf)
    assert _overlaps(fig) == []
    texts = [t.get_text() for t in _drawn_texts(fig)]
    assert not [t for t in texts if RAW_KEY_PATH.search(t)]
    assert "Figure 1. What flips the verdict" in _html(out)  # with its caption


def test_the_flips_table_and_figure_give_the_nearest_flip(madrid_drawn: tuple[Path, dict]) -> None:
    from negotiation.study.verdict import verdict_robustness
    from negotiation.viz.style import describe

    out, drawn = madrid_drawn
    config = load_scenario("madrid_2025").config
    # computed here, not read from the report: the margins do not depend on the sample size
    nearest = verdict_robustness(config, samples=64)["margins"]["nearest"]
    assert nearest is not None
    table = _section(_html(out), '<table class="flips">', "</table>")
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>(.*?)<br><code>([^<]+)</code></td>\s*"
                      r"<td class=\"num\">([^<]+)</td><td class=\"num\">([^<]+)</td>\s*"
                      r"<td class=\"num\">([^<]+)</td><td><code>([^<]+)</code></td></tr>", table)
    assert rows, "no row in the what-flips table"
    number, words, key, base, new, share, verdict = rows[0]
    assert (number, key, verdict) == ("1", nearest["key_path"], nearest["verdict"])
    assert words == describe(nearest["key_path"], config)
    assert float(base) == pytest.approx(nearest["base_value"], rel=1e-3)
    assert float(new) == pytest.approx(nearest["new_value"], rel=1e-3)
    sign = "\u2212" if nearest["change"] < 0 else "+"
    assert share == f"{sign}{100 * nearest['relative']:.1f}%"
    # the figure: its top bar is the nearest flip, named in words, with the verdict it flips to
    fig = drawn["verdict_flips"][0]
    ax = fig.axes[0]
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert " ".join(ticks[-1][1].split()) == describe(nearest["key_path"], config)
    [verdicts] = ax.child_axes  # the verdicts, on a second y axis on the right
    right = sorted(zip(verdicts.get_yticks(), (t.get_text() for t in verdicts.get_yticklabels()), strict=True))
    moves, _, outcome = nearest["verdict"].partition(" -> ")
    assert outcome.replace("_", " ") in right[-1][1] and moves.split("+")[0].replace("_", " ") in right[-1][1]


def test_flips_figure_data_follow_the_margins() -> None:
    from negotiation.viz.verdict_figures import plot_verdict_flips, verdict_flips_data

    block = {"verdict": "m -> deal", "margins": [
        {"key_path": "talks.breakdown_probability", "base_value": 0.1, "new_value": 0.16, "change": 0.06,
         "relative": 0.06, "verdict": "none -> deadlock"},
        {"key_path": "sides.us.outcomes.deadlock", "base_value": 0.62, "new_value": 0.6, "change": -0.02,
         "relative": 0.04, "verdict": "m -> escalation"}]}
    data = verdict_flips_data(block, {"talks": {"packages": {"deal": {}}}})
    assert data.key_paths == ("sides.us.outcomes.deadlock", "talks.breakdown_probability")  # nearest first
    assert data.shares.tolist() == [-0.04, 0.06]  # signed: a decrease, an increase
    assert data.outcomes == ("escalation", "deadlock")
    [bar_low, bar_high] = sorted(plot_verdict_flips(data).axes[0].patches, key=lambda p: p.get_y())
    assert bar_high.get_width() == pytest.approx(-0.04) and bar_low.get_width() == pytest.approx(0.06)


# ---------------------------------------------------------------- phase map of a sweep


def test_sweep_embeds_its_phase_map(madrid_drawn: tuple[Path, dict], madrid_sweep: Path) -> None:
    from PIL import Image

    from tests.test_plots import _overlaps

    out, drawn = madrid_drawn
    html = _html(out)
    embedded = _embedded_png(html, "phase-map")
    assert embedded == (out / "figures" / "phase_map.png").read_bytes()
    with Image.open(out / "figures" / "phase_map.png") as image:
        assert min(image.info["dpi"]) >= 200 - 0.5
    ax = drawn["phase_map"][0].axes[0]
    assert ax.get_xlabel() == "Probability an agreed truce breaks down"
    assert ax.get_ylabel() == "Entity listing: cost to its maker (utility)"
    assert _overlaps(drawn["phase_map"][0]) == []
    caption = _section(html, '<figure id="phase-map">', "</figure>")
    assert str(madrid_sweep) in caption and "25 points" in caption
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "(figures/phase_map.png)" in md


@pytest.mark.parametrize("make", [pytest.param(lambda p: None, id="missing"),
                                  pytest.param(lambda p: p.mkdir(), id="empty")])
def test_sweep_without_a_table_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], make) -> None:
    folder = tmp_path / "no_sweep"
    make(folder)
    out = tmp_path / "report"
    assert main(["report", "madrid_2025", "--out", str(out), "--sweep", str(folder)]) == 2
    err = capsys.readouterr().err
    assert f"--sweep {folder}" in err and "sweep.parquet" in err
    assert not out.exists()  # refused before anything was solved or written


def test_a_declared_sweep_table_is_how_to_make_one() -> None:
    import copy

    from negotiation.analysis.pipeline import analyze
    from negotiation.io.config import scenario_from_dict
    from negotiation.report.build import report_context

    config = copy.deepcopy(dict(load_scenario("madrid_2025").config))
    config["sweep"] = {"design": "grid", "parameters": {"talks.breakdown_probability": {"low": 0.0, "high": 0.3,
                                                                                        "points": 4}}}
    scenario = scenario_from_dict(config, source="madrid_2025.toml")
    hint = report_context(scenario, analyze(scenario).to_dict())["sweep_hint"]
    assert "[sweep] table" in hint["lead"]
    assert hint["command"] == "negotiation sweep madrid_2025 --out SWEEP_DIR"
    assert hint["then"] == "negotiation report madrid_2025 --out REPORT_DIR --sweep SWEEP_DIR"


# ---------------------------------------------------------------- assumptions and settings


def test_solver_settings_are_not_assumptions(madrid_report: Path) -> None:
    html = _html(madrid_report)
    table = _section(html, "Assumptions: every value", "<h3>Solver settings</h3>")
    keys = re.findall(r"<tr><td><code>([^<]+)</code></td>", table)
    assert not [k for k in keys if k.startswith(("solver.", "uncertainty.", "sweep."))]
    settings = _section(html, "<h3>Solver settings</h3>", "</table>")
    assert re.findall(r"<tr><td><code>([^<]+)</code></td>", settings)[0] == "solver.tolerance"
    md = (madrid_report / "report.md").read_text(encoding="utf-8")
    assert "`uncertainty." not in md.split("## 5.")[1].split("## 6.")[0]


def test_declared_uncertainty_is_beside_its_value(madrid_report: Path) -> None:
    config = load_scenario("madrid_2025").config
    declared = config["uncertainty"]
    assert declared
    table = _section(_html(madrid_report), "Assumptions: every value", "<h3>Solver settings</h3>")
    cells = dict(re.findall(r"<tr><td><code>([^<]+)</code></td><td>.*?</td><td class=\"num\">[^<]*</td>"
                            r"<td>([^<]*)</td>", table))
    order = {"normal": ("mean", "sd"), "uniform": ("low", "high"), "triangular": ("low", "mode", "high")}
    checked = 0
    for key, spec in declared.items():
        name = spec["distribution"]
        assert cells[key].startswith(f"{name}("), key
        if name in order:
            assert cells[key] == f"{name}({', '.join(f'{spec[p]:.4g}' for p in order[name])})", key
            checked += 1
    assert checked
    assert sum(bool(v) for v in cells.values()) == len(declared)


# ---------------------------------------------------------------- what the model cannot say


def test_the_limits_section_has_the_scenarios_description(madrid_report: Path) -> None:
    from negotiation.report.build import MODEL_LIMITS

    html = _html(madrid_report)
    section = _section(html, "What this model cannot say", "Glossary</h2>")
    description = load_scenario("madrid_2025").config["scenario"]["description"]
    assert " ".join(description.split()) in section
    for limit in MODEL_LIMITS:
        assert limit in section
    assert all(words in section for words in ("One round", "Complete information", "unitary actors"))


def test_the_eu_limits_are_in_its_report_context() -> None:
    # the EU case states its limits in its description ("What the model cannot capture: ...")
    from negotiation.analysis.pipeline import analyze
    from negotiation.report.build import report_context

    scenario = load_scenario("eu_china_ev_2024")
    context = report_context(scenario, analyze(scenario).to_dict())
    assert "What the model cannot capture" in context["description"]
    assert "unitary actors" in context["description"]
