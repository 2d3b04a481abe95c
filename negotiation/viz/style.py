"""The one figure style: colours, fonts, sizes, and saving as PNG and PDF.

Every figure of :mod:`negotiation.viz` is drawn inside ``matplotlib.rc_context(STYLE)``
and saved by :func:`save_figure`, which applies :data:`STYLE` again at save time: PNGs
come out at :data:`DPI` dots per inch and PDFs embed TrueType (Type 42) fonts, never
Type 3 (which many publishers reject). Each outcome of the talks has one fixed colour in
every figure (:data:`OUTCOME_COLOURS`).

Figures are built with the object API (:class:`matplotlib.figure.Figure`), so no GUI
backend or global pyplot state is touched.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negotiation.model.outcomes import OUTCOMES

__all__ = [
    "DPI",
    "MIXED_COLOUR",
    "OUTCOME_COLOURS",
    "PAGE_WIDTH",
    "PATH_COLOUR",
    "SIDE_COLOURS",
    "STYLE",
    "new_axes",
    "new_figure",
    "save_figure",
]

#: Resolution of saved raster figures (dots per inch).
DPI = 200

#: One fixed colour per outcome of the talks, in every figure.
OUTCOME_COLOURS: dict[str, str] = dict(zip(OUTCOMES, ("#2a9d8f", "#e9c46a", "#e76f51"), strict=True))
#: Cells or points with no single prevailing outcome.
MIXED_COLOUR = "#b5b5b5"
#: One colour per side position (row side, column side).
SIDE_COLOURS = ("#264653", "#8d5a97")
#: The equilibrium path.
PATH_COLOUR = "#d62828"

#: The house style (a matplotlibrc in code), applied to every figure and every save.
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
}

#: A report page's text width, in inches.
PAGE_WIDTH = 7.0


def new_figure(width: float = PAGE_WIDTH, height: float = 4.0) -> Figure:
    """An empty figure of ``width`` x ``height`` inches with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def new_axes(ax: Axes | None, width: float = PAGE_WIDTH, height: float = 4.0) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes when ``ax`` is None."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = new_figure(width, height)
    return fig, fig.add_subplot()


def save_figure(fig: Figure, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` in ``out_dir`` (created if needed).

    The house style is applied while saving, whatever the caller's rcParams: the PNG at
    :data:`DPI` dots per inch, the PDF with TrueType fonts.

    Returns
    -------
    dict
        File name -> path of each file written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    with matplotlib.rc_context(STYLE):
        for ext in ("png", "pdf"):
            path = out / f"{stem}.{ext}"
            fig.savefig(path, dpi=DPI)
            paths[path.name] = path
    return paths
