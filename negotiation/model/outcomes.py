"""How the talks end: the names of the outcomes, defined once.

Every probability vector over outcomes is in the order of :data:`RESOLUTIONS` (truce,
deadlock, escalation); sweep tables name them ``p_truce``, ``p_deadlock``,
``p_escalation`` (:data:`PROBABILITY_COLUMNS`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np

__all__ = ["OUTCOMES", "PROBABILITY_COLUMNS", "RESOLUTIONS", "Resolution", "resolution_dict"]


class Resolution(StrEnum):
    """How the talks end."""

    TRUCE = "truce"
    DEADLOCK = "deadlock"
    ESCALATION = "escalation"


#: Order of resolutions in every probability vector.
RESOLUTIONS: tuple[Resolution, ...] = (Resolution.TRUCE, Resolution.DEADLOCK, Resolution.ESCALATION)
#: Their names.
OUTCOMES: tuple[str, ...] = tuple(r.value for r in RESOLUTIONS)
#: Columns of the outcome probabilities in result tables.
PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{o}" for o in OUTCOMES)


def resolution_dict(probabilities: Any) -> dict[str, float]:
    """``{"truce": p, "deadlock": q, "escalation": r}`` (clipped of rounding noise).

    >>> resolution_dict([0.85, 0.15000000000000002, -1e-17])
    {'truce': 0.85, 'deadlock': 0.15000000000000002, 'escalation': 0.0}
    """
    if probabilities is None:
        return {}
    values = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    return {name: float(v) for name, v in zip(OUTCOMES, values, strict=True)}
