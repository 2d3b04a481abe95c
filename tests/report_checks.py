"""Checks shared by the report tests: a page that needs no network, Markdown whose figures exist."""

from __future__ import annotations

import re
from pathlib import Path


def assert_self_contained(folder: Path, images: int) -> None:
    """``report.html`` fetches nothing (no remote source or link, no script) and embeds its
    ``images`` figures as PNG data."""
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and 'href="http' not in html
    assert "<link" not in html and "<script" not in html
    found = re.findall(r"<img\b[^>]*>", html)
    assert len(found) == images
    for image in found:
        assert re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', image)


def assert_markdown_links(folder: Path, figures: list[str]) -> None:
    """``report.md`` links exactly ``figures`` (paths relative to the folder), each a file."""
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (folder / "report.md").read_text(encoding="utf-8"))
    assert links == figures and all((folder / link).is_file() for link in links)


def assert_browser_renders(browser: str, folder: Path, shot: Path) -> None:
    """``report.html`` loaded in headless Chromium: its screenshot's top 1,200 pixels hold more
    than two colours and more than 1% of non-white pixels (a page, not a blank)."""
    import subprocess

    from PIL import Image

    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1200,3000", (folder / "report.html").resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    with Image.open(shot) as image:
        top = image.convert("RGB").crop((0, 0, image.width, min(1200, image.height)))
    colours = top.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 2
    pixels = top.width * top.height
    white = sum(count for count, rgb in colours if min(rgb) >= 250)
    assert (pixels - white) / pixels > 0.01
