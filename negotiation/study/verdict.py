r"""The verdict as a set with margins: which values are closest to changing it, and how likely
each verdict is under the declared uncertainty.

A *verdict* is who makes which pre-talk moves and what the talks settle on
(:func:`negotiation.analysis.pipeline.verdict_labels`: ``"entity_listing -> us_leaning"``).
Two measurements make it quotable (../shared/MODELLING.md, rule 4):

Margins
-------
For every number of the scenario, one at a time, the smallest decrease and increase that
changes the verdict (:func:`negotiation.study.one_at_a_time.verdict_flips`: a batched scan,
then batched bisection to ``tolerance``). Changes are compared on a scale that carries no
units: a payoff value of side :math:`i` (its utilities and outcome values, the costs it pays,
the harms it suffers, the shifts of its payoffs) is divided by :math:`r_i`, the range of side
:math:`i`'s payoffs over the scenario's tree at the base; a probability or a weight by 1. The
*margin* is the smallest such relative change, and names its value. Each value is searched
over ``base ± search * scale`` (default a quarter of the scale), clipped to where the scenario
is valid.

Probabilities
-------------
The share of each verdict over a scrambled Sobol' sample of the declared ``[uncertainty]``
(seeded), with Wilson intervals (:func:`negotiation.study.uncertainty.verdict_share`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from negotiation.io.config import SOLVER_KEYS, base_config, scenario_from_dict
from negotiation.io.key_paths import numeric_key_paths
from negotiation.study.one_at_a_time import verdict_flips

__all__ = ["ROBUSTNESS_MOVES", "Margin", "VerdictMargins", "payoff_side", "verdict_margins", "verdict_probabilities",
           "verdict_robustness", "verdicts_by_rule"]

#: Sections whose numbers are not part of the model (how to solve or sweep it).
_NOT_MODEL = ("solver.", "sweep.", "uncertainty.", "talks.bargaining.deadline", "talks.bargaining.first_proposer")


def payoff_side(config: Mapping[str, Any], key_path: str) -> str | None:
    """The side whose payoffs a value is measured in (None: a probability or a weight).

    Examples
    --------
    >>> config = {"moves": {"m": {"by": "us", "target": "china"}}, "sides": {"us": {}, "china": {}}}
    >>> [payoff_side(config, k) for k in ("sides.us.utilities.tariffs[1]", "sides.china.weights.tariffs",
    ...  "moves.m.cost", "moves.m.harm", "moves.m.effects.deadlock_shift.us", "talks.breakdown_probability")]
    ['us', None, 'us', 'china', 'us', None]
    """
    parts = key_path.split(".")
    sides = list(config.get("sides", {}))
    if parts[0] == "sides" and len(parts) > 2 and parts[2] in ("utilities", "outcomes"):
        return parts[1]
    if parts[0] == "moves" and len(parts) > 2:
        move = config.get("moves", {}).get(parts[1], {})
        maker = move.get("by")
        if parts[2] == "cost":
            return maker
        if parts[2] == "harm":
            target = move.get("target")
            return target or next((s for s in sides if s != maker), None)
        if parts[2] == "effects" and len(parts) > 4 and re.sub(r"\[\d+\]$", "", parts[4]) in sides:
            return parts[4]
    return None


@dataclass(frozen=True)
class Margin:
    """The nearest change of one value that changes the verdict.

    Attributes
    ----------
    key_path : str
    base_value, new_value : float
        In the value's own units; ``new_value`` is the first value found beyond the boundary.
    change : float
        ``new_value - base_value``.
    scale : float
        The range of ``side``'s payoffs over the tree (1 for a probability or a weight).
    relative : float
        ``|change| / scale``: comparable across values and units.
    side : str or None
    verdict : str
        The verdict beyond the boundary.
    """

    key_path: str
    base_value: float
    new_value: float
    change: float
    scale: float
    relative: float
    side: str | None
    verdict: str


@dataclass(frozen=True)
class VerdictMargins:
    """Every value's nearest verdict change, nearest first."""

    verdict: str
    margins: tuple[Margin, ...]
    unchanged: tuple[str, ...]
    search: float
    tolerance: float
    evaluations: int

    @property
    def nearest(self) -> Margin | None:
        return self.margins[0] if self.margins else None

    def to_dict(self, limit: int | None = 10) -> dict[str, Any]:
        listed = self.margins if limit is None else self.margins[:limit]
        return {
            "verdict": self.verdict,
            "nearest": asdict(self.nearest) if self.nearest else None,
            "margins": [asdict(m) for m in listed],
            "values_searched": len(self.margins) + len(self.unchanged),
            "values_that_never_change_it": len(self.unchanged),
            "search": f"each value over base ± {self.search:g} × its scale (a side's payoff range over the tree; "
                      "1 for a probability or a weight), one at a time, to a tolerance of "
                      f"{self.tolerance:g} in its own units",
            "evaluations": self.evaluations,
        }


def _model_key_paths(base: Mapping[str, Any]) -> list[str]:
    return [k for k, _ in numeric_key_paths(base) if k not in SOLVER_KEYS and not k.startswith(_NOT_MODEL)]


def _payoff_ranges(config: Mapping[str, Any], source: str) -> dict[str, float]:
    from negotiation.model.compile import scenario_tree

    scenario = scenario_from_dict(config, source=source)
    tree = scenario_tree(scenario)
    payoffs = np.asarray(tree.payoffs[0], dtype=float)  # (T, 2)
    if payoffs.size == 0:  # bargaining talks: the packages and threat points span the range
        values = [scenario.package_utilities()[p] for p in scenario.package_utilities()]
        payoffs = np.array([[float(np.ravel(v[0])[0]), float(np.ravel(v[1])[0])] for v in values])
    spans = np.ptp(payoffs, axis=0)
    return {name: float(s) if s > 0 else 1.0 for name, s in zip(scenario.side_names, spans, strict=True)}


def verdict_margins(config: Mapping[str, Any], *, source: str = "<config>", search: float = 0.25,
                    grid_points: int = 32, tolerance: float = 1e-4) -> VerdictMargins:
    """The nearest change of each number of a scenario that changes its verdict (module docstring).

    Examples
    --------
    >>> from negotiation.io.config import read_config, default_config_path
    >>> m = verdict_margins(read_config(default_config_path("madrid_2025")))
    >>> m.verdict, f"{m.nearest.relative:.1%}", m.nearest.verdict
    ('none -> us_leaning', '0.8%', 'entity_listing -> us_leaning')
    """
    base = base_config(config)
    keys = _model_key_paths(base)
    ranges = _payoff_ranges(base, source)
    scales = {k: ranges.get(payoff_side(base, k) or "", 1.0) for k in keys}
    values = dict(numeric_key_paths(base))
    windows = {k: (float(values[k]) - search * scales[k], float(values[k]) + search * scales[k]) for k in keys}
    flips = verdict_flips(base, keys, search=windows, grid_points=grid_points, tolerance=tolerance, source=source)
    margins, unchanged = [], []
    for flip in flips.flips:
        options = [(v, verdict) for v, verdict in ((flip.down_value, flip.down_verdict), (flip.up_value, flip.up_verdict))
                   if v is not None]
        if not options:
            unchanged.append(flip.key_path)
            continue
        value, verdict = min(options, key=lambda o: abs(o[0] - flip.base_value))
        scale = scales[flip.key_path]
        change = value - flip.base_value
        margins.append(Margin(flip.key_path, flip.base_value, value, change, scale, abs(change) / scale,
                              payoff_side(base, flip.key_path), str(verdict)))
    margins.sort(key=lambda m: (m.relative, m.key_path))
    return VerdictMargins(flips.base_verdict, tuple(margins), tuple(unchanged), search, tolerance, flips.evaluations)


def verdict_probabilities(config: Mapping[str, Any], *, samples: int = 1024, seed: int | None = None,
                          source: str = "<config>") -> dict[str, Any] | None:
    """The share of each verdict over a Sobol' sample of the declared ``[uncertainty]``
    (None when nothing is declared), with 95% Wilson intervals.

    ``seed`` defaults to the config's ``sweep.seed``, else 0.
    """
    from negotiation.study.design import design_points, sweep_design
    from negotiation.study.points import solve_points
    from negotiation.study.uncertainty import verdict_share, verdicts

    if not config.get("uncertainty"):
        return None
    if seed is None:
        seed = int(config.get("sweep", {}).get("seed", 0)) if isinstance(config.get("sweep"), Mapping) else 0
    design = sweep_design(config, source=source, overrides={"design": "sobol", "samples": samples, "seed": seed,
                                                            "parameters": {}})
    points = design_points(design)
    overrides = {k: points[:, j] for j, k in enumerate(design.key_paths)}
    table = solve_points(base_config(config), overrides, source=source)
    labels = verdicts(table)
    shares = {}
    for label in sorted({str(v) for v in labels if v}, key=lambda v: (-(labels == v).sum(), v)):
        share = verdict_share(table, label)
        shares[label] = {"share": share.share, "ci_low": share.ci_low, "ci_high": share.ci_high}
    invalid = int((labels == "").sum())
    return {"samples": len(table), "seed": seed, "design": "sobol", "invalid": invalid, "verdicts": shares,
            "declared": list(design.key_paths),
            "method": "share of a scrambled Sobol' sample of the declared [uncertainty] with each verdict; "
                      "95% Wilson intervals"}


def verdicts_by_rule(config: Mapping[str, Any], *, source: str = "<config>") -> dict[str, str]:
    """The verdict each selection rule picks, rule by rule (the equilibrium set is the same;
    the rules differ only at stages with several equilibria).

    Examples
    --------
    >>> from negotiation.io.config import read_config, default_config_path
    >>> verdicts_by_rule(read_config(default_config_path("madrid_2025")))["logit_qre"]
    'none -> us_leaning'
    """
    import copy

    from negotiation.solvers.selection import SELECTION_RULES
    from negotiation.study.uncertainty import headline

    out = {}
    for rule in SELECTION_RULES:
        ruled = copy.deepcopy(dict(config))
        ruled["solver"] = {**(ruled.get("solver") or {}), "selection_rule": rule}
        out[rule] = headline(ruled, source=source).verdict
    return out


#: Scenarios with more pre-talk moves than this skip the margins unless asked.
ROBUSTNESS_MOVES = 6


def verdict_robustness(config: Mapping[str, Any], *, source: str = "<config>", samples: int = 1024,
                       seed: int | None = None, max_moves: int | None = ROBUSTNESS_MOVES) -> dict[str, Any]:
    """What ``negotiation run`` and the report give beside the verdict: the margins of every
    value (:func:`verdict_margins`, the nearest ten listed) and the probability of each verdict
    under the declared uncertainty (:func:`verdict_probabilities`; None when nothing is
    declared). With more than ``max_moves`` pre-talk moves (None: no limit) it returns
    ``{"skipped": reason}``: every value one at a time over 2^K talks stages takes minutes."""
    moves = len(config.get("moves", {}) or {})
    if max_moves is not None and moves > max_moves:
        return {"skipped": f"{moves} pre-talk moves: margins are computed for at most {max_moves} by default "
                           "(negotiation.study.verdict.verdict_robustness(config, max_moves=None))"}
    return {
        "rules": verdicts_by_rule(config, source=source),
        "margins": verdict_margins(config, source=source).to_dict(),
        "verdict_probabilities": verdict_probabilities(config, samples=samples, seed=seed, source=source),
    }
