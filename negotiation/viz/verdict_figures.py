r"""What flips the verdict: the nearest one-at-a-time changes of a scenario's values.

The data are the *margins* of :func:`negotiation.study.verdict.verdict_margins` (as
``verdict_robustness(config)["margins"]``, the record's ``to_dict()``): for each value
:math:`v_k` that can change the verdict within the searched window, the nearest value
:math:`v_k'` at which it does, and the change as a share of its scale,

.. math:: \rho_k = (v_k' - v_k) / r_k,

where :math:`r_k` is the range of the affected side's payoffs over the game tree (1 for a
probability or a weight), so that changes of values in different units compare. The figure
draws one horizontal bar of length :math:`\rho_k` per value, nearest flip on top (a
decrease to the left of zero, an increase to the right), names the value in words
(:func:`negotiation.viz.style.describe`) on the left and the verdict it flips to on the
right, and colours each bar by how the talks end under that verdict (the fixed outcome
colours). No search is done here: the figure only draws the margins it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from negotiation.model.outcomes import OUTCOMES
from negotiation.viz.style import (
    MIXED_COLOUR,
    OUTCOME_COLOURS,
    PAGE_WIDTH,
    STYLE,
    describe,
    new_axes,
    wrap_label,
)

#: The talks' end of a verdict whose talks end in a lottery over several outcomes.
MIXED = "mixed"
#: Bars whose talks' end is not known (an outcome name that is not a package of the config).
UNKNOWN_COLOUR = "white"

__all__ = ["VerdictFlipBars", "plot_verdict_flips", "verdict_flips_data", "verdict_outcome", "verdict_words"]


@dataclass(frozen=True, eq=False)
class VerdictFlipBars:
    """The bars of the what-flips figure, nearest flip first.

    Attributes
    ----------
    verdict : str
        The verdict at the scenario's values (``"entity_listing -> us_leaning"``).
    key_paths : tuple of str
    base_values, new_values : ndarray
        Each value now and where the verdict flips, in its own units.
    shares : ndarray
        Signed change as a share of the value's scale, :math:`\rho_k` (module docstring).
    new_verdicts : tuple of str
        The verdict beyond each flip.
    outcomes : tuple of str
        How the talks end under each new verdict: an outcome of
        :data:`negotiation.model.outcomes.OUTCOMES`, or ``""`` when not known.
    """

    verdict: str
    key_paths: tuple[str, ...]
    base_values: np.ndarray
    new_values: np.ndarray
    shares: np.ndarray
    new_verdicts: tuple[str, ...]
    outcomes: tuple[str, ...]


def verdict_outcome(verdict: str, config: Mapping[str, Any] | None = None) -> str:
    """How the talks end under a verdict: ``"truce"`` for a package of ``config``'s talks,
    ``"deadlock"``, ``"escalation"``, ``"mixed"`` for a lottery over several, else ``""``.

    >>> config = {"talks": {"packages": {"us_leaning": {}}}}
    >>> [verdict_outcome(v, config) for v in ("none -> us_leaning", "m -> deadlock", "m -> mixed: a, b", "m -> ?")]
    ['truce', 'deadlock', 'mixed', '']
    """
    outcome = verdict.partition(" -> ")[2].strip()
    if outcome in OUTCOMES:
        return outcome
    if outcome.startswith(MIXED):
        return MIXED
    talks = (config or {}).get("talks")
    packages = talks.get("packages") if isinstance(talks, Mapping) else None
    if isinstance(packages, Mapping) and outcome in packages:
        return "truce"
    return ""


def verdict_words(verdict: str) -> str:
    """A verdict in short words for a figure: the moves played; how the talks end.

    >>> verdict_words("entity_listing+anti_dumping_probe -> china_maximal")
    'moves: entity listing + anti dumping probe; talks end in “china maximal”'
    >>> verdict_words("none -> deadlock")
    'no move; talks end in “deadlock”'
    """
    moves, _, outcome = verdict.partition(" -> ")
    moves = moves.strip()
    played = ("no move" if moves in ("", "none")
              else "moves: " + " + ".join(m.strip().replace("_", " ") for m in moves.split("+")))
    return f"{played}; talks end in \u201c{outcome.strip().replace('_', ' ')}\u201d" if outcome else played


def verdict_flips_data(margins: Mapping[str, Any], config: Mapping[str, Any] | None = None, *,
                       limit: int | None = None) -> VerdictFlipBars:
    """The bars of :func:`plot_verdict_flips` from a margins block, nearest first.

    Parameters
    ----------
    margins : mapping
        ``verdict_robustness(config)["margins"]`` (``VerdictMargins.to_dict()``): its
        ``verdict`` and its ``margins``, each with ``key_path``, ``base_value``,
        ``new_value``, ``change``, ``relative`` and ``verdict``.
    config : mapping, optional
        The scenario's config (which outcome names are packages, for the colours).
    limit : int, optional
        Keep at most this many bars.

    Examples
    --------
    >>> block = {"verdict": "m -> deadlock", "margins": [
    ...     {"key_path": "a.x", "base_value": 0.5, "new_value": 0.45, "change": -0.05, "relative": 0.1,
    ...      "verdict": "none -> deadlock"},
    ...     {"key_path": "a.y", "base_value": 0.1, "new_value": 0.13, "change": 0.03, "relative": 0.03,
    ...      "verdict": "m -> escalation"}]}
    >>> d = verdict_flips_data(block)
    >>> d.key_paths, d.shares.tolist(), d.outcomes
    (('a.y', 'a.x'), [0.03, -0.1], ('escalation', 'deadlock'))
    """
    rows = sorted(margins.get("margins") or [], key=lambda m: (float(m["relative"]), str(m["key_path"])))
    if limit is not None:
        rows = rows[:limit]
    shares = np.array([np.sign(float(m["change"])) * float(m["relative"]) for m in rows], dtype=float)
    return VerdictFlipBars(
        verdict=str(margins.get("verdict", "")),
        key_paths=tuple(str(m["key_path"]) for m in rows),
        base_values=np.array([float(m["base_value"]) for m in rows], dtype=float),
        new_values=np.array([float(m["new_value"]) for m in rows], dtype=float),
        shares=shares,
        new_verdicts=tuple(str(m["verdict"]) for m in rows),
        outcomes=tuple(verdict_outcome(str(m["verdict"]), config) for m in rows),
    )


def _colour(outcome: str) -> str:
    return OUTCOME_COLOURS.get(outcome, MIXED_COLOUR if outcome == MIXED else UNKNOWN_COLOUR)


def plot_verdict_flips(margins: Mapping[str, Any] | VerdictFlipBars, *, config: Mapping[str, Any] | None = None,
                       scenario: str = "", limit: int | None = None, ax: Axes | None = None) -> Figure:
    """Horizontal bars of the nearest changes that flip the verdict (module docstring).

    Parameters
    ----------
    margins : mapping or VerdictFlipBars
        A margins block (see :func:`verdict_flips_data`) or its prepared bars.
    config : mapping, optional
        The scenario's config: side labels and issue levels for the values' names.
    scenario : str
        The scenario's title, on the figure's first line.
    limit : int, optional
        Draw at most this many bars.
    ax : Axes, optional
        Draw into these axes (the verdicts on the right need the room of a page's width).
    """
    data = margins if isinstance(margins, VerdictFlipBars) else verdict_flips_data(margins, config, limit=limit)
    n = len(data.key_paths)
    left = [wrap_label(describe(k, config), 38) for k in data.key_paths]
    right = ["\n".join(wrap_label(part, 32) for part in verdict_words(v).split("; ")) for v in data.new_verdicts]
    # each row as tall as its longest label (7.5 pt lines), at least half an inch
    lines = max((label.count("\n") + 1 for label in left + right), default=1)
    row = max(0.5, 0.14 * lines + 0.1)
    with matplotlib.rc_context(STYLE):
        fig, ax = new_axes(ax, PAGE_WIDTH, 1.9 + row * max(n, 1))
        y = np.arange(n)[::-1].astype(float)
        ax.barh(y, data.shares, height=min(0.6, 0.3 / row),  # bars 0.3 inch thick
                color=[_colour(o) for o in data.outcomes], edgecolor="0.3", linewidth=0.6)
        ax.axvline(0.0, color="0.2", lw=1.0)
        reach = float(np.max(np.abs(data.shares))) if n else 0.1
        # room beyond the longest bar for its share, inside the axes
        ax.set_xlim(-1.6 * reach, 1.6 * reach)
        for yi, share in zip(y, data.shares, strict=True):
            ax.text(share + np.sign(share) * 0.03 * reach, yi, f"{abs(share):.1%}", va="center",
                    ha="left" if share >= 0 else "right", fontsize=7.5)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_yticks(y, left, fontsize=7.5)
        verdicts = ax.secondary_yaxis("right")
        verdicts.set_yticks(y, right, fontsize=7.5)
        verdicts.tick_params(length=0)
        verdicts.spines["right"].set_visible(False)
        # few ticks: the percentages must not run into one another
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], symmetric=True))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
        ax.set_xlabel("change that flips the verdict (share of the side's payoff range;\n"
                      "of 1 for a probability or a weight): ← decrease | increase →")
        head = "what flips the verdict: the nearest single changes"
        title = f"{scenario}\n{head[:1].upper() + head[1:]}" if scenario else head[:1].upper() + head[1:]
        ax.set_title(f"{title}\n(verdict now: {verdict_words(data.verdict)})", fontsize=10)
        present = [o for o in OUTCOMES if o in data.outcomes]
        handles = [Patch(facecolor=_colour(o), edgecolor="0.3", label=f"talks end in {o}") for o in present]
        if MIXED in data.outcomes:
            handles.append(Patch(facecolor=MIXED_COLOUR, edgecolor="0.3", label="talks end in a mix of outcomes"))
        if "" in data.outcomes:
            handles.append(Patch(facecolor=UNKNOWN_COLOUR, edgecolor="0.3", label="talks' end not known"))
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3), fontsize=8,
                       title="new verdict:", title_fontsize=8)
    return fig

