r"""Sensitivity of a scenario's verdict: one place to import the analysis from.

Everything is a pure function of a parsed scenario config (a ``dict`` from
:func:`negotiation.io.config.read_config`) and/or a sweep table (one row per point, the
columns of :func:`negotiation.study.points.solve_points`). Parameters are named by their key
paths; the declared uncertainty is the config's ``[uncertainty]`` table, read by
:func:`negotiation.study.design.sweep_design` (the same distributions a sampled sweep uses).
Every model evaluation is a batch of :func:`negotiation.study.points.solve_points`.

The analysis lives in three modules, re-exported here:

:mod:`negotiation.study.uncertainty`
    The verdict of a point (:func:`verdicts`), the headline of a config (:func:`headline`),
    P(truce) over a sampled sweep with a confidence interval (:func:`truce_probability`),
    the share of a verdict (:func:`verdict_share`), the declared distributions
    (:func:`declared_uncertainty`).
:mod:`negotiation.study.sobol`
    First-order and total Sobol' indices (:func:`sobol_sensitivity`, :func:`sobol_analysis`,
    :func:`checkpointed_model`).
:mod:`negotiation.study.one_at_a_time`
    Tornado data (:func:`tornado_data`) and the smallest changes that flip the verdict
    (:func:`verdict_flips`).
"""

from __future__ import annotations

from negotiation.model.outcomes import OUTCOMES, PROBABILITY_COLUMNS
from negotiation.study.one_at_a_time import (
    Tornado,
    TornadoBar,
    VerdictFlip,
    VerdictFlips,
    tornado_data,
    verdict_flips,
)
from negotiation.study.sobol import (
    SobolIndices,
    checkpointed_model,
    sobol_analysis,
    sobol_sensitivity,
)
from negotiation.study.uncertainty import (
    VERDICT_OUTPUTS,
    Headline,
    TruceProbability,
    VerdictShare,
    declared_uncertainty,
    headline,
    truce_probability,
    verdict_share,
    verdicts,
)

__all__ = [
    "OUTCOMES",
    "PROBABILITY_COLUMNS",
    "VERDICT_OUTPUTS",
    "Headline",
    "SobolIndices",
    "Tornado",
    "TornadoBar",
    "TruceProbability",
    "VerdictFlip",
    "VerdictFlips",
    "VerdictShare",
    "checkpointed_model",
    "declared_uncertainty",
    "headline",
    "sobol_analysis",
    "sobol_sensitivity",
    "tornado_data",
    "truce_probability",
    "verdict_flips",
    "verdict_share",
    "verdicts",
]
