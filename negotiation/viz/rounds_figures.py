"""Rounds of talks: what the equilibrium predicted in each round against what was done, and the
results folder of a rounds run."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from negotiation.analysis.rounds import RoundsAnalysis
from negotiation.viz.results import write_folder
from negotiation.viz.style import OUTCOME_COLOURS, STYLE, new_axes, save_figure

__all__ = ["plot_rounds", "write_rounds_results"]


def plot_rounds(analysis: RoundsAnalysis) -> Figure:
    """One bar per round: the equilibrium's probability of what the sides did, in the state the
    observed earlier rounds left (1: predicted, 0: not); hatched where the round is not scored
    (a mover indifferent, or nothing observed)."""
    rounds = analysis.rounds
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(None, height=3.6)
        x = np.arange(len(rounds))
        for i, r in enumerate(rounds):
            if r.p_observed is None:
                ax.bar(i, 1.0, 0.7, color="white", edgecolor="#999999", hatch="//", lw=0.8)
            else:
                colour = OUTCOME_COLOURS["truce"] if r.p_observed >= 0.5 else OUTCOME_COLOURS["escalation"]
                ax.bar(i, max(r.p_observed, 0.02), 0.7, color=colour, edgecolor="#333333", lw=0.6)
        ax.set_xticks(x, [f"{r.name.replace('_', chr(10))}\n{r.date[5:]}" for r in rounds], fontsize=7.5)
        ax.set_ylim(0, 1.05)
        ax.set_xlim(-0.6, len(rounds) - 0.4)
        ax.set_ylabel("P(what was done), equilibrium play")
        ax.set_title(f"{analysis.game.title}\neach round predicted in the state the earlier rounds left")
        ax.legend(handles=[Patch(color=OUTCOME_COLOURS["truce"], label="predicted (P ≥ 0.5)"),
                           Patch(color=OUTCOME_COLOURS["escalation"], label="not predicted"),
                           Patch(facecolor="white", edgecolor="#999999", hatch="//", label="not scored")],
                  loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False, fontsize=8)
    return fig


def write_rounds_results(analysis: RoundsAnalysis, out_dir: str | Path, figures: bool = True) -> dict[str, Path]:
    """``summary.json``, ``summary.txt`` and (optionally) ``figures/rounds.png/.pdf``, written
    atomically (:func:`negotiation.viz.results.write_folder`)."""

    def write(folder: Path) -> dict[str, Path]:
        written = {}
        summary = folder / "summary.json"
        summary.write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
        text = folder / "summary.txt"
        text.write_text(analysis.text() + "\n", encoding="utf-8")
        written.update({"summary.json": summary, "summary.txt": text})
        if figures:
            for path in save_figure(plot_rounds(analysis), folder / "figures", "rounds").values():
                written[f"figures/{Path(path).name}"] = path
        return written

    return write_folder(out_dir, write)
