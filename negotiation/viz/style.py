"""The one figure style: colours, fonts, sizes, and saving as PNG and PDF.

Every figure of :mod:`negotiation.viz` is drawn inside ``matplotlib.rc_context(STYLE)``
and saved by :func:`save_figure`, which applies :data:`STYLE` again at save time: PNGs
come out at :data:`DPI` dots per inch and PDFs embed TrueType (Type 42) fonts, never
Type 3 (which many publishers reject). Each outcome of the talks has one fixed colour in
every figure (:data:`OUTCOME_COLOURS`).

Figures are built with the object API (:class:`matplotlib.figure.Figure`), so no GUI
backend or global pyplot state is touched. Axes and ticks name a value of the scenario in
words with its unit (:func:`describe`), never by its raw key path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from negotiation.io.key_paths import parse_key_path
from negotiation.model.outcomes import OUTCOMES

__all__ = [
    "DPI",
    "MIXED_COLOUR",
    "OUTCOME_COLOURS",
    "PAGE_WIDTH",
    "PATH_COLOUR",
    "SIDE_COLOURS",
    "STYLE",
    "describe",
    "new_axes",
    "new_figure",
    "save_figure",
    "wrap_label",
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


# ---------------------------------------------------------------- key paths in words

UTILITY = "utility, 0–1 scale"
#: Effects of a move on a side's payoff: effect kind -> what it shifts.
_SHIFTS = {"deadlock_shift": "value of deadlock", "escalation_shift": "value of escalation",
           "truce_shift": "value of any truce"}
#: Output columns of a sweep table (not key paths) in words.
_OUTPUTS = {"p_truce": "Probability of a truce on the headline path",
            "p_deadlock": "Probability of deadlock on the headline path",
            "p_escalation": "Probability of escalation on the headline path"}


def _words(name: str) -> str:
    """``"entity_listing"`` -> ``"entity listing"``."""
    return name.replace("_", " ").strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _labels_config(labels: Any) -> Mapping[str, Any]:
    """The config mapping of ``labels``: a config dict, a scenario built from one (its
    ``config``), or nothing (an empty mapping)."""
    if isinstance(labels, Mapping):
        return labels
    config = getattr(labels, "config", None)
    return config if isinstance(config, Mapping) else {}


def wrap_label(text: str, width: int = 42) -> str:
    r"""``text`` broken into lines of at most ``width`` characters (for tick labels); a
    short unit in parentheses, ``(utility, 0–1 scale)``, is never split.

    >>> wrap_label("China: value of deadlock (utility, 0–1 scale)", 30)
    'China: value of deadlock\n(utility, 0–1 scale)'
    """
    import textwrap

    # Non-breaking spaces inside short parentheses: textwrap splits only at plain spaces.
    text = re.sub(r"\([^()]{1,24}\)", lambda m: m.group(0).replace(" ", "\u00a0"), text)
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)).replace("\u00a0", " ") or text


def describe(key_path: str, labels: Mapping[str, Any] | Any = None) -> str:
    """A key path of a scenario (or a sweep table's output column) in words, with its unit.

    For axis and tick labels: a reader sees "China: value of deadlock", not
    ``sides.china.outcomes.deadlock``. Side labels, issue levels and move makers come from
    the scenario's config when ``labels`` is given (the config dict, or a
    :class:`~negotiation.model.scenario.Scenario` built from one); otherwise names are
    phrased from the key path itself (short names such as ``us`` in capitals). Any key path
    has a description: one the model does not know is phrased from its parts.

    Parameters
    ----------
    key_path : str
        A key path (``sides.us.utilities.tariffs[3]``) or an output column (``p_truce``).
    labels : mapping or Scenario, optional
        The scenario's config, or a scenario built from a config.

    Examples
    --------
    >>> config = {"sides": {"us": {"label": "United States"}, "china": {"label": "China"}},
    ...           "issues": {"tariffs": {"levels": ["april_peak", "status_quo", "truce_extended",
    ...                                             "fentanyl_rollback"]}},
    ...           "moves": {"entity_listing": {"by": "us"}}}
    >>> describe("sides.us.outcomes.deadlock", config)
    'United States: value of deadlock (utility, 0–1 scale)'
    >>> describe("sides.china.utilities.tariffs[3]", config)
    'China: utility of tariffs level 4 (fentanyl_rollback), 0–1 scale'
    >>> describe("moves.entity_listing.harm", config)
    'Entity listing: harm to China (utility)'
    >>> describe("talks.breakdown_probability")
    'Probability an agreed truce breaks down'
    >>> describe("talks.escalation_risk.us.escalate", config)
    "Risk a truce won by United States' 'escalate' still escalates (probability)"
    >>> describe("sides.us.outcomes.deadlock")
    'US: value of deadlock (utility, 0–1 scale)'
    >>> describe("talks.new_thing[0]")
    'Talks: new thing item 1'
    """
    config = _labels_config(labels)
    if key_path in _OUTPUTS:
        return _OUTPUTS[key_path]
    if key_path.startswith("payoff_"):
        return f"{_side(key_path[7:], config)}: payoff on the headline path ({UTILITY})"
    if key_path.startswith("verdict_"):
        return f"Headline verdict is {_words(key_path[8:])} (1 if so, else 0)"
    parts = parse_key_path(key_path)
    if not parts:
        return _words(key_path)
    text = _known(parts, config)
    return text if text is not None else _fallback(parts, config)


def _side(name: Any, config: Mapping[str, Any]) -> str:
    """A side's label from the config, else its name (in capitals if short: ``US``, ``EU``)."""
    side = config.get("sides", {}).get(name) if isinstance(config.get("sides"), Mapping) else None
    if isinstance(side, Mapping) and isinstance(side.get("label"), str):
        return side["label"]
    name = str(name)
    return name.upper() if len(name) <= 3 else _capital(_words(name))


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _move(name: str) -> str:
    # The move's name, not its label: labels are sentences, too long for an axis.
    return _capital(_words(name))


def _target(move: str, config: Mapping[str, Any]) -> str:
    """The side a move is aimed at (its ``target``, else the side other than its maker)."""
    entry = config.get("moves", {}).get(move, {}) if isinstance(config.get("moves"), Mapping) else {}
    sides = list(config.get("sides", {})) if isinstance(config.get("sides"), Mapping) else []
    target = entry.get("target") if isinstance(entry, Mapping) else None
    maker = entry.get("by") if isinstance(entry, Mapping) else None
    if target is None and maker in sides and len(sides) == 2:
        target = sides[1 - sides.index(maker)]
    return _side(target, config) if target is not None else "the other side"


def _level(issue: str, index: int, config: Mapping[str, Any]) -> str:
    """``"level 4 (fentanyl_rollback)"``, or ``"level 4"`` when the levels are not known."""
    entry = config.get("issues", {}).get(issue, {}) if isinstance(config.get("issues"), Mapping) else {}
    levels = entry.get("levels", []) if isinstance(entry, Mapping) else []
    name = f" ({levels[index]})" if 0 <= index < len(levels) else ""
    return f"level {index + 1}{name}"


def _known(parts: list, config: Mapping[str, Any]) -> str | None:
    """The words for the key paths the model reads (see :mod:`negotiation.io.config`), or None."""
    match parts:
        case ["sides", side, "outcomes", str(outcome)]:
            return f"{_side(side, config)}: value of {_words(outcome)} ({UTILITY})"
        case ["sides", side, "weights", str(issue)]:
            return f"{_side(side, config)}: weight of {_words(issue)} (share of 1)"
        case ["sides", side, "utilities", str(issue), int(k)]:
            return f"{_side(side, config)}: utility of {_words(issue)} {_level(issue, k, config)}, 0–1 scale"
        case ["moves", str(move), "cost"]:
            return f"{_move(move)}: cost to its maker (utility)"
        case ["moves", str(move), "harm"]:
            return f"{_move(move)}: harm to {_target(move, config)} (utility)"
        case ["moves", str(move), "effects", "breakdown_shift"]:
            return f"{_move(move)}: added probability that a truce breaks down"
        case ["moves", str(move), "effects", str(kind), side] if kind in _SHIFTS:
            return f"{_move(move)}: shift of {_possessive(_side(side, config))} {_SHIFTS[kind]} (utility)"
        case ["talks", "breakdown_probability"]:
            return "Probability an agreed truce breaks down"
        case ["talks", "breakdown_to_escalation"]:
            return "Share of truce breakdowns that escalate (probability)"
        case ["talks", "escalation_risk", side, str(stance)]:
            return f"Risk a truce won by {_possessive(_side(side, config))} '{_words(stance)}' still escalates (probability)"
        case ["talks", "bargaining", "deadline"]:
            return "Bargaining deadline (rounds of offers)"
        case ["talks", "bargaining", "discount", side]:
            return f"{_side(side, config)}: discount factor per round of bargaining"
        case ["talks", "bargaining", "power", side]:
            return f"{_side(side, config)}: bargaining power (share of 1)"
        case ["talks", "bargaining", "breakdown_per_round"]:
            return "Probability bargaining breaks down in a round"
        case ["solver", "tolerance"]:
            return "Solver tolerance (utility)"
        case ["solver", "max_equilibria"]:
            return "Most equilibria the solver enumerates (count)"
    return None


def _fallback(parts: list, config: Mapping[str, Any]) -> str:
    """Words from the parts: the section, a side's or move's name, the rest, list items."""
    head, rest = str(parts[0]), list(parts[1:])
    if not rest:  # a bare name (a made-up parameter, a column): kept as its owner wrote it
        return _words(head)
    if head == "uncertainty" and len(rest) >= 2:  # a declared distribution's parameter
        inner = _known(rest[:-1], config) or _fallback(rest[:-1], config)
        return f"{inner}: {_words(str(rest[-1]))} of its declared distribution"
    subject = _capital(_words(head))
    if head == "sides" and rest and not isinstance(rest[0], int):
        subject, rest = _side(rest.pop(0), config), rest
    elif head in ("moves", "issues") and rest and not isinstance(rest[0], int):
        subject, rest = _capital(_words(str(rest.pop(0)))), rest
    words = [f"item {p + 1}" if isinstance(p, int) else _words(str(p)) for p in rest]
    return f"{subject}: {' '.join(words)}" if words else subject


#: A raw key path inside a text (what :func:`describe` replaces): a section, a dot, a name.
RAW_KEY_PATH = re.compile(r"\b(sides|moves|talks|issues|solver)\.[A-Za-z_]")
