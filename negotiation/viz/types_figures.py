"""Private types: how the uninformed side's belief moves with each move it sees, and the results
folder of a types run."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from negotiation.analysis.types import TypesAnalysis
from negotiation.viz.results import write_folder
from negotiation.viz.style import SIDE_COLOURS, STYLE, new_axes, save_figure

__all__ = ["plot_beliefs", "write_types_results"]


def plot_beliefs(analysis: TypesAnalysis) -> Figure:
    """The uninformed side's belief in each type (stacked to 1) at each of its decisions, the
    prior first: what each history of moves tells it."""
    decisions = [d for d in analysis.decisions() if "belief" in d]
    labels = ["prior"] + [d["at"].replace(": ", ":\n").replace(", ", ",\n") for d in decisions]
    rows = [dict(zip(analysis.types, analysis.prior, strict=True))] + [d["belief"] for d in decisions]
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(None, height=1.2 + 0.55 * len(rows))
        y = np.arange(len(rows))[::-1]
        left = np.zeros(len(rows))
        colours = [SIDE_COLOURS[1], "#d9c2e0", "#bbbbbb", "#888888"]
        for k, t in enumerate(analysis.types):
            values = np.array([r[t] for r in rows])
            ax.barh(y, values, left=left, color=colours[k % len(colours)], edgecolor="#333333", lw=0.5, label=t)
            left += values
        ax.set_yticks(y, labels, fontsize=7)
        ax.set_xlim(0, 1)
        sides = analysis.base.sides
        ax.set_xlabel(f"{sides[1 - analysis.side].label}'s belief about {sides[analysis.side].label}'s type (probability)")
        ax.set_title(f"{analysis.base.title}\nbeliefs at each decision of the uninformed side")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / len(rows)), ncol=len(analysis.types),
                  frameon=False, fontsize=8)
    return fig


def write_types_results(analysis: TypesAnalysis, out_dir: str | Path, figures: bool = True) -> dict[str, Path]:
    """``summary.json``, ``summary.txt`` and (optionally) ``figures/beliefs.png/.pdf``, atomically."""

    def write(folder: Path) -> dict[str, Path]:
        summary, text = folder / "summary.json", folder / "summary.txt"
        summary.write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
        text.write_text(analysis.text() + "\n", encoding="utf-8")
        written = {"summary.json": summary, "summary.txt": text}
        if figures:
            for path in save_figure(plot_beliefs(analysis), folder / "figures", "beliefs").values():
                written[f"figures/{Path(path).name}"] = path
        return written

    return write_folder(out_dir, write)
