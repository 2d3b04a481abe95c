r"""How far each value of a private-information scenario is from changing its headline.

The headline of a scenario with ``[types]`` (:func:`negotiation.analysis.types.analyze_types`)
is summarised by its *pattern*: at every decision its play reaches (probability above
:data:`REACHED`, the talks included), the action it plays with the highest probability. (The
most probable resolution is left out: it can change with a prior while no one plays
differently.) For each value that defines the private information (each type's prior and
each type's own values, ``types.SIDE.TYPE.KEY``), the smallest decrease and increase that change
the pattern are found one value at a time, the others as written: a scan of ``grid`` points from
the value to each end of its search range, then bisection of the first bracket ``refine`` times
(MODELLING.md, rule 4: margins, not a single point). A change that reverses between two scan
points is not seen; the scan's resolution is part of the record.

Search ranges: a prior in [0.001, 0.999] (the other types' priors rescaled to keep the sum 1); a value
whose base lies in [0, 1] (utilities on the 0–1 scale, probabilities, small costs) over
[0, 1]; any other over base :math:`\pm \max(|base|, 0.1)`.

Each point solves the scenario's Bayesian game to the agent logit-QRE limit on each side's own
scale (:func:`negotiation.analysis.types.analyze_types` without its second answer).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["REACHED", "TypeFlip", "TypeFlips", "headline_pattern", "type_flips"]

#: A decision counts in the pattern when the headline reaches it with at least this probability.
REACHED = 1e-6


@dataclass(frozen=True)
class TypeFlip:
    """The nearest changes of one value that change the headline pattern.

    Attributes
    ----------
    key_path : str
        ``types.SIDE.TYPE.prior`` or ``types.SIDE.TYPE."KEY"``.
    base : float
    search : (float, float)
    down, up : float or None
        The first value found below / above the base with another pattern (None: none in the
        search range).
    down_pattern, up_pattern : str
        The pattern there, in words ("" if none).
    """

    key_path: str
    base: float
    search: tuple[float, float]
    down: float | None
    up: float | None
    down_pattern: str
    up_pattern: str

    @property
    def margin(self) -> float | None:
        """The smaller distance from the base to a change (None: none found)."""
        found = [abs(v - self.base) for v in (self.down, self.up) if v is not None]
        return min(found) if found else None


@dataclass(frozen=True)
class TypeFlips:
    pattern: str
    flips: tuple[TypeFlip, ...]
    grid: int
    refine: int
    evaluations: int


def headline_pattern(analysis: Any) -> str:
    """The headline's pattern (module docstring), in words."""
    from negotiation.solvers.agent_form import reach_probabilities

    tree, qre = analysis.tree, analysis.qre
    reach, _ = reach_probabilities(tree, qre.behaviour)
    parts = []
    for player in (0, 1):
        for k, s in enumerate(tree.player_infosets(player)):
            info = tree.infosets[s]
            if reach[list(info.members)].sum() < REACHED:
                continue
            play = qre.behaviour[player][k]
            parts.append(f"{info.label}: {info.actions[max(range(len(play)), key=play.__getitem__)]}")
    return "; ".join(parts)


#: A prior is searched inside (0, 1) by this much: at 0 a type's decisions are no longer reached,
#: which would read as a change of the pattern though no one plays differently.
PRIOR_MARGIN = 1e-3


def _search_range(base: float, is_prior: bool) -> tuple[float, float]:
    if is_prior:
        return (PRIOR_MARGIN, 1.0 - PRIOR_MARGIN)
    if 0.0 <= base <= 1.0:
        return (0.0, 1.0)
    width = max(abs(base), 0.1)
    return (base - width, base + width)


def _with_value(config: Mapping[str, Any], side: str, type_name: str, key: str, value: float) -> dict[str, Any]:
    out = copy.deepcopy(dict(config))
    table = out["types"][side]
    if key == "prior":
        rest = [t for t in table if t != type_name]
        others = sum(float(table[t]["prior"]) for t in rest)
        for t in rest:  # the other types keep their proportions
            table[t]["prior"] = (1.0 - value) * (float(table[t]["prior"]) / others if others > 0 else 1.0 / len(rest))
        table[type_name]["prior"] = value
    else:
        table[type_name][key] = value
    return out


def type_flips(config: Mapping[str, Any], source: str = "<config>", *, key_paths: Sequence[tuple[str, str]] | None = None,
               grid: int = 6, refine: int = 5) -> TypeFlips:
    """The nearest change of each private-information value that changes the headline pattern.

    Parameters
    ----------
    config : mapping
        A parsed scenario config with ``[types]``.
    key_paths : sequence of (type, key), optional
        Default: every type's prior (all but the last type: with two types one prior is the
        other's complement) and every value a type sets.
    grid, refine : int
        Scan points on each side of the base, and bisection steps of the first bracket.
    """
    from negotiation.analysis.types import analyze_types
    from negotiation.io.schema import ConfigError
    from negotiation.io.types import typed_scenarios, types_spec

    spec = types_spec(config, source)
    if spec is None:
        raise ValueError("the config has no [types]")
    if key_paths is None:
        key_paths = [(t, "prior") for t in spec.types[:-1]]
        key_paths += [(t, key) for t, values in zip(spec.types, spec.values, strict=True) for key in values]
    count = [0]

    def pattern_at(type_name: str, key: str, value: float) -> str:
        count[0] += 1
        edited = _with_value(config, spec.side, type_name, key, value)
        return headline_pattern(analyze_types(*typed_scenarios(edited, source), second=False))

    base_pattern = headline_pattern(analyze_types(*typed_scenarios(config, source), second=False))
    flips = []
    for type_name, key in key_paths:
        base = float(config["types"][spec.side][type_name][key])
        low, high = _search_range(base, key == "prior")
        found: list[tuple[float | None, str]] = []
        for end in (low, high):
            inside, outside, seen = base, None, ""
            for j in range(1, grid + 1):
                value = end if j == grid else min(max(base + (end - base) * j / grid, low), high)
                if value == base:
                    continue
                try:
                    label = pattern_at(type_name, key, value)
                except ConfigError:  # beyond what the value may be (a bound of its schema)
                    break
                if label != base_pattern:
                    outside, seen = value, label
                    break
                inside = value
            if outside is not None:
                for _ in range(refine):
                    middle = 0.5 * (inside + outside)
                    label = pattern_at(type_name, key, middle)  # valid: between two valid values
                    if label != base_pattern:
                        outside, seen = middle, label
                    else:
                        inside = middle
            found.append((outside, seen))
        quoted = key if key == "prior" else f'"{key}"'
        flips.append(TypeFlip(f"types.{spec.side}.{type_name}.{quoted}", base, (low, high),
                              found[0][0], found[1][0], found[0][1], found[1][1]))
    return TypeFlips(base_pattern, tuple(flips), grid, refine, count[0] + 1)
