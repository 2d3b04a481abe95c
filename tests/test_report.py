"""``negotiation report``: the HTML is self-contained, every value is labelled, and a real
browser renders it."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from negotiation.cli import main
from negotiation.io.config import load_scenario
from negotiation.io.key_paths import numeric_key_paths


@pytest.fixture(scope="module")
def madrid_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "madrid"
    assert main(["report", "madrid_2025", "--out", str(out)]) == 0
    return out


def test_report_files_are_written(madrid_report: Path) -> None:
    assert (madrid_report / "report.html").is_file()
    assert (madrid_report / "report.md").is_file()
    for stem in ("game_tree", "payoffs_by_outcome", "outcome_probabilities"):
        assert (madrid_report / "figures" / f"{stem}.png").is_file()


def test_html_is_self_contained(madrid_report: Path) -> None:
    html = (madrid_report / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "href=\"http" not in html
    assert "<link" not in html and "<script" not in html
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) == 3
    for tag in images:
        assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', tag), tag[:80]


def test_markdown_links_its_figures(madrid_report: Path) -> None:
    md = (madrid_report / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links and all((madrid_report / link).is_file() for link in links)


def test_every_value_and_the_verdict_appear(madrid_report: Path) -> None:
    scenario = load_scenario("madrid_2025")
    html = unescape((madrid_report / "report.html").read_text(encoding="utf-8"))
    md = (madrid_report / "report.md").read_text(encoding="utf-8")
    table = html[html.index("Assumptions: every value"):html.index("Glossary</h2>")]
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td>", table)
    keys = [key for key, _ in numeric_key_paths(scenario.config)]
    assert rows == keys
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
    from PIL import Image

    shot = tmp_path / "report.png"
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1200,3000",
         (madrid_report / "report.html").resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    with Image.open(shot) as image:
        top = image.convert("RGB").crop((0, 0, image.width, min(1200, image.height)))
    colours = top.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 2
    pixels = top.width * top.height
    white = sum(count for count, rgb in colours if min(rgb) >= 250)
    assert (pixels - white) / pixels > 0.01


def test_set_changes_the_reported_value(tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert main(["report", "madrid_2025", "--out", str(out), "--set", "talks.breakdown_probability=0.2"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert re.search(r"\| `talks\.breakdown_probability` \| [^|]+ \| 0\.2 \|", md)


def test_write_report_takes_overrides(tmp_path: Path) -> None:
    from negotiation.report import write_report

    written = write_report("madrid_2025", tmp_path, overrides={"moves.entity_listing.cost": 0.02})
    assert {"report.html", "report.md"} <= set(written)
    assert "| `moves.entity_listing.cost` | Entity listing: cost to its maker (utility) | 0.02 |" in (
        tmp_path / "report.md").read_text(encoding="utf-8")


def test_the_report_says_which_rule_picks_which_verdict(madrid_report: Path) -> None:
    from negotiation.io.config import default_config_path, read_config
    from negotiation.study.verdict import verdicts_by_rule

    text = (madrid_report / "report.md").read_text(encoding="utf-8")
    for rule, verdict in verdicts_by_rule(read_config(default_config_path("madrid_2025"))).items():
        line = next(line for line in text.splitlines() if line.startswith(f"- `{verdict}`:"))
        assert rule in line
