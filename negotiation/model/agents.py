r"""The two sides of a negotiation and their payoffs.

A side :math:`i` values a package :math:`p = (\ell_1, \dots, \ell_K)` by a weighted
additive utility (Keeney & Raiffa 1976; Raiffa, *The Art and Science of Negotiation*, 1982):

.. math:: u_i(p) = \sum_{k=1}^{K} w_{ik}\, v_{ik}(\ell_k), \qquad
          w_{ik} \ge 0,\ \sum_k w_{ik} = 1,

where :math:`v_{ik}` scores each level of issue :math:`k`. Outcomes without agreement
have payoffs of their own on the same scale: *deadlock* (no agreement, status quo kept)
and *escalation* (retaliation; tariffs snap back).

Every number may be a float or an array of shape (N,): a side of N points of a sweep at
once (the numbers broadcast; a single scenario is a batch of one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.model.issues import OutcomeSpace, Package

#: A number or an array of numbers, one per point of a batch.
Value = Any

WEIGHT_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Side:
    """One side of the talks (an agent).

    Parameters
    ----------
    name : str
        Identifier used in configs and results, e.g. ``"us"``.
    label : str
        Display name, e.g. ``"United States"``.
    weights : Mapping[str, float]
        Issue name -> weight :math:`w_{ik}`; non-negative, summing to 1.
    level_values : Mapping[str, tuple of float]
        Issue name -> score :math:`v_{ik}` of each level, in the issue's level order.
    deadlock : float or None
        Payoff of deadlock (no agreement, status quo kept); None when the scenario derives it
        from a threat-point package (:meth:`negotiation.model.scenario.Scenario.base_terms`).
    escalation : float or None
        Payoff of escalation; None when derived likewise.

    Examples
    --------
    >>> from negotiation.model.issues import Issue, OutcomeSpace
    >>> space = OutcomeSpace((Issue("t", ("lo", "hi")), Issue("r", ("no", "yes"))))
    >>> us = Side("us", "US", {"t": 0.25, "r": 0.75}, {"t": (0.0, 1.0), "r": (0.0, 1.0)},
    ...           deadlock=0.3, escalation=0.0)
    >>> us.utility(space.package("p", {"t": "hi", "r": "no"}), space)
    0.25
    """

    name: str
    label: str
    weights: Mapping[str, Value]
    level_values: Mapping[str, tuple[Value, ...]]
    deadlock: Value = None
    escalation: Value = None

    def __post_init__(self) -> None:
        if set(self.weights) != set(self.level_values):
            raise ValueError(
                f"side {self.name!r}: weights cover {sorted(self.weights)} but level values "
                f"cover {sorted(self.level_values)}"
            )
        if any(np.any(np.asarray(w) < 0) for w in self.weights.values()):
            raise ValueError(f"side {self.name!r}: negative weight in {dict(self.weights)}")
        total = sum(self.weights.values())
        if np.any(np.abs(np.asarray(total) - 1.0) > WEIGHT_SUM_TOLERANCE):
            raise ValueError(f"side {self.name!r}: weights sum to {total}, expected 1")

    def check_against(self, space: OutcomeSpace) -> None:
        """Raise ``ValueError`` unless this side scores every level of every issue of ``space``."""
        if set(self.weights) != set(space.issue_names):
            raise ValueError(
                f"side {self.name!r} weighs issues {sorted(self.weights)}, "
                f"the table has {sorted(space.issue_names)}"
            )
        for issue in space.issues:
            if len(self.level_values[issue.name]) != len(issue.levels):
                raise ValueError(
                    f"side {self.name!r} scores {len(self.level_values[issue.name])} levels of "
                    f"{issue.name!r}, which has {len(issue.levels)}"
                )

    def utility(self, package: Package, space: OutcomeSpace) -> Value:
        r"""Weighted additive utility :math:`u_i(p) = \sum_k w_{ik} v_{ik}(\ell_k)` (a float,
        or an array over the points of a batch)."""
        total = sum(
            self.weights[issue] * self.level_values[issue][space.issue(issue).level_index(level)]
            for issue, level in package.levels
        )
        return float(total) if np.ndim(total) == 0 else np.asarray(total, dtype=float)
