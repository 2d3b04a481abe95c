"""Private types: how the uninformed side's belief moves with each move it sees, and the results
folder of a types run."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from negotiation.analysis.types import TypesAnalysis
from negotiation.viz.results import write_folder
from negotiation.viz.style import SIDE_COLOURS, STYLE, new_axes, new_figure, save_figure, wrap_label

__all__ = ["BeliefUpdates", "belief_updates_data", "history_words", "plot_belief_updates", "plot_beliefs",
           "possessive", "write_types_results"]

#: A probability at or below this is zero in the limit of the QRE branch (its residues are about
#: 1e-6): a decision reached with no more is off the equilibrium path.
OFF_PATH = 1e-4

_AT_MOVE = re.compile(r"^(?P<move>\w+) after (?P<history>.*)$")
_AT_TALKS = re.compile(r"^(?P<side>\w+) at talks: (?P<history>.*)$")


def possessive(name: str) -> str:
    """``"China"`` -> ``"China's"``, ``"United States"`` -> ``"United States'"``."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _move_label(name: str, moves: Mapping[str, Any]) -> str:
    """A move's label without its parenthesis: ``"US Entity List additions"``."""
    label = str((moves.get(name) or {}).get("label", name.replace("_", " ")))
    return label.split(" (")[0]


def history_words(label: str, moves: Mapping[str, Any]) -> str:
    """An information set's label in words: where the decision is and what was played before.

    >>> moves = {"listing": {"label": "Entity listing (23 firms)"}, "probe": {"label": "Probe"}}
    >>> history_words("us at talks: listing=refrain, probe=play", moves)
    'At the talks, after: Entity listing not played, Probe played'
    >>> history_words("listing after no moves", moves)
    'Whether to play Entity listing (no move before)'
    >>> history_words("probe after listing=play (china resolute)", moves)
    'Whether to play Probe, after: Entity listing played'
    """
    label = re.sub(r" \([^()]*\)$", "", label)  # the private side's type, said elsewhere

    def played(history: str) -> str:
        if history.strip() == "no moves":
            return ""
        parts = []
        for item in history.split(", "):
            name, _, action = item.partition("=")
            parts.append(f"{_move_label(name, moves)} {'played' if action == 'play' else 'not played'}")
        return ", ".join(parts)

    if (m := _AT_TALKS.match(label)) is not None:
        before = played(m["history"])
        return "At the talks" + (f", after: {before}" if before else "")
    if (m := _AT_MOVE.match(label)) is not None:
        before = played(m["history"])
        what = f"Whether to play {_move_label(m['move'], moves)}"
        return what + (f", after: {before}" if before else " (no move before)")
    return label.replace("_", " ")


@dataclass(frozen=True)
class BeliefUpdates:
    """The uninformed side's belief about the private side's type at each of its decisions.

    Attributes
    ----------
    types, prior : tuple
        The type names and their prior probabilities.
    labels : tuple of str
        Each decision (information set) in words, in the order of ``analysis.decisions()``.
    beliefs : ndarray, shape (decisions, types)
        The belief in each type there (rows sum to 1).
    reach : ndarray, shape (decisions,)
        The probability the headline equilibrium reaches the decision.
    believer, private : str
        The two sides' labels.
    """

    types: tuple[str, ...]
    prior: tuple[float, ...]
    labels: tuple[str, ...]
    beliefs: np.ndarray
    reach: np.ndarray
    believer: str
    private: str

    @property
    def on_path(self) -> np.ndarray:
        return self.reach > OFF_PATH


def infoset_reach(analysis: TypesAnalysis, behaviour: Any = None) -> dict[str, float]:
    """The probability of reaching each information set (by label) under ``behaviour``
    (default: the headline) and the prior."""
    from negotiation.solvers.agent_form import reach_probabilities

    tree = analysis.tree
    reach, _ = reach_probabilities(tree, analysis.qre.behaviour if behaviour is None else behaviour)
    out: dict[str, float] = {}
    for infoset in tree.infosets:
        out[infoset.label] = out.get(infoset.label, 0.0) + float(sum(reach[int(v)] for v in infoset.members))
    return out


def belief_updates_data(analysis: TypesAnalysis) -> BeliefUpdates:
    """The data of :func:`plot_belief_updates`: each decision of the uninformed side with its
    belief (from ``analysis.decisions()``) and whether the headline reaches it."""
    decisions = [d for d in analysis.decisions() if "belief" in d]
    reach = infoset_reach(analysis)
    moves = analysis.base.config.get("moves", {})
    sides = analysis.base.sides
    return BeliefUpdates(
        types=tuple(analysis.types), prior=tuple(analysis.prior),
        labels=tuple(history_words(d["at"], moves) for d in decisions),
        beliefs=np.array([[d["belief"][t] for t in analysis.types] for d in decisions]),
        reach=np.array([reach.get(d["at"], 0.0) for d in decisions]),
        believer=sides[1 - analysis.side].label, private=sides[analysis.side].label)


def plot_belief_updates(analysis: TypesAnalysis | BeliefUpdates, title: str | None = None) -> Figure:
    """The uninformed side's belief in each type at each of its decisions, the prior as a
    dashed line: how each history of moves updates it. One panel per type (one for two types:
    the other is its complement); decisions off the equilibrium path hatched."""
    data = analysis if isinstance(analysis, BeliefUpdates) else belief_updates_data(analysis)
    if title is None and not isinstance(analysis, BeliefUpdates):
        title = analysis.base.title
    shown = data.types[:1] if len(data.types) == 2 else data.types
    rows = len(data.labels)
    labels = [wrap_label(label, 44) for label in data.labels]
    with matplotlib.rc_context(STYLE):
        fig = new_figure(height=1.6 + 0.62 * rows * (1 if len(shown) == 1 else 0.8))
        axes = fig.subplots(1, len(shown), sharey=True, squeeze=False)[0]
        y = np.arange(rows)[::-1]
        for k, (ax, t) in enumerate(zip(axes, shown, strict=True)):
            j = data.types.index(t)
            values = data.beliefs[:, j]
            for yi, value, on in zip(y, values, data.on_path, strict=True):
                ax.barh(yi, value, 0.6, color=SIDE_COLOURS[1] if on else "white", edgecolor=SIDE_COLOURS[1],
                        hatch=None if on else "//", lw=0.8)
                ax.text(min(value, 1.0) + 0.02, yi, f"{100 * value:.0f}%", va="center", fontsize=8)
            ax.axvline(data.prior[j], color="#333333", ls="--", lw=1.0)
            ax.text(data.prior[j] + 0.015, rows - 0.45, f"prior {100 * data.prior[j]:.0f}%", ha="left",
                    va="bottom", fontsize=8)
            ax.set_xlim(0, 1.15)
            ax.set_ylim(-0.6, rows)
            if len(shown) == 1:
                ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
                ax.set_xlabel(f"{possessive(data.believer)} belief that\n{data.private} is {t}")
            else:  # narrow panels: fewer ticks, shorter labels (the title names the believer)
                ax.set_xticks([0, 0.5, 1.0], ["0", "50%", "100%"])
                ax.set_xlabel(f"belief: {data.private} is {t}")
            if k == 0:
                ax.set_yticks(y, labels, fontsize=8)
        from matplotlib.patches import Patch


        fig.legend(handles=[Patch(color=SIDE_COLOURS[1], label="reached in equilibrium"),
                            Patch(facecolor="white", edgecolor=SIDE_COLOURS[1], hatch="//",
                                  label="off the equilibrium path")],
                   loc="outside lower center", ncol=2, frameon=False, fontsize=8)
        what = f"{possessive(data.believer)} belief at each of its decisions"
        fig.suptitle(f"{title}\n{what}" if title else what, fontsize=11)
    return fig


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
