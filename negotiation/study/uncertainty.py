r"""The verdict of a point, and what a sweep over the declared uncertainty says about it.

The verdict
-----------
A point's *verdict* is the outcome of the talks with the highest probability on its headline
subgame-perfect path,

.. math:: v(x) = \arg\max_{k \in \{T, D, E\}} p_k(x),

with ties (within ``1e-9``) resolved in the order truce, deadlock, escalation (a tie is a
boundary of measure zero in any continuous parameter). The *headline verdict* of a scenario
is the verdict of its config as written (:func:`headline`). Beside the verdict, every record
reports the *equilibrium path* (the pre-talk moves played,
``"entity_listing+anti_dumping_probe"``). An invalid point (``status == "invalid"``) has no
verdict (``""``).

P(truce) under uncertainty
--------------------------
For points :math:`x_1, \dots, x_n` drawn from the declared distributions (a sampled sweep,
:mod:`negotiation.study.sweep`), the estimate of :math:`\mathbb{E}[p_T(X)]` is the mean
:math:`\bar p` of the valid points, with

* ``method="normal"``: the normal (CLT) interval :math:`\bar p \pm z_{1-\alpha/2}\, s/\sqrt n`
  (:math:`s` the sample standard deviation, ``ddof=1``). Exact in the limit for i.i.d.
  (Monte Carlo) points; for Latin hypercube points the variance of the mean is
  asymptotically no larger than i.i.d. (Stein 1987), so the interval is conservative; for
  scrambled Sobol' points it is also conservative (randomised QMC has a variance of the
  mean at most a constant times, and for smooth integrands far below, the Monte Carlo one;
  Owen 1997), but not a calibrated RQMC interval, which needs independent replicates.
* ``method="bootstrap"``: the percentile interval of ``n_resamples`` means of resamples drawn
  with ``numpy.random.default_rng(seed)`` (the same caveats about the design).

Both are clipped to [0, 1]. The share of points whose verdict equals a given one (a
proportion) gets the Wilson score interval (:func:`verdict_share`).

References
----------
Owen, A. B. (1997), *SIAM J. Numer. Anal.* 34(5), 1884-1910.
Stein, M. (1987), *Technometrics* 29(2), 143-151.
Wilson, E. B. (1927), *J. Am. Stat. Assoc.* 22, 209-212.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.io.config import SOLVER_KEYS, base_config
from negotiation.io.key_paths import numeric_key_paths
from negotiation.model.outcomes import OUTCOMES, PROBABILITY_COLUMNS
from negotiation.study.design import Dimension, sweep_design

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "TIE_TOLERANCE",
    "VERDICT_OUTPUTS",
    "VERDICT_PREFIX",
    "Headline",
    "TruceProbability",
    "VerdictShare",
    "declared_uncertainty",
    "headline",
    "output_values",
    "resolutions",
    "scenario_title",
    "truce_probability",
    "verdict_share",
    "verdicts",
]

#: Probabilities within this of the largest are tied.
TIE_TOLERANCE = 1e-9
#: Derived outputs: 1.0 where the verdict is that outcome, else 0.0 (NaN at an invalid point).
VERDICT_OUTPUTS = {f"verdict_{o}": o for o in OUTCOMES}
#: ``verdict=<label>``: the output 1.0 where the verdict (:func:`verdicts`) is that label.
VERDICT_PREFIX = "verdict="


def resolutions(table: pd.DataFrame) -> np.ndarray:
    """The most probable resolution of each row (ties: truce, deadlock, escalation).

    Rows with a missing probability (invalid points) get ``""``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"p_truce": [0.85, 0.5, 0.0, np.nan],
    ...                       "p_deadlock": [0.15, 0.5, 0.3, np.nan],
    ...                       "p_escalation": [0.0, 0.0, 0.7, np.nan]})
    >>> resolutions(table).tolist()
    ['truce', 'truce', 'escalation', '']
    """
    p = np.column_stack([np.asarray(table[c], dtype=float) for c in PROBABILITY_COLUMNS])
    if len(p) == 0:
        return np.array([], dtype=object)
    invalid = np.isnan(p).any(axis=1)
    filled = np.where(np.isnan(p), -np.inf, p)
    top = filled.max(axis=1, keepdims=True)
    first = np.argmax(filled >= top - TIE_TOLERANCE, axis=1)
    names = np.array(OUTCOMES, dtype=object)[first]
    return np.where(invalid, "", names).astype(object)


def verdicts(table: pd.DataFrame) -> np.ndarray:
    """The verdict of each row: who makes which pre-talk moves and what the talks settle on,
    ``"<equilibrium path> -> <talks outcome>"`` (a resolution alone, "truce", hides who wins:
    ../shared/MODELLING.md rule 4). A table without a ``talks_outcome`` column (written before
    it existed) falls back to the most probable resolution. Invalid rows get ``""``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"equilibrium_path": ["entity_listing", "none", ""],
    ...                       "talks_outcome": ["us_leaning", "deadlock", ""],
    ...                       "p_truce": [0.85, 0.0, np.nan], "p_deadlock": [0.15, 1.0, np.nan],
    ...                       "p_escalation": [0.0, 0.0, np.nan]})
    >>> verdicts(table).tolist()
    ['entity_listing -> us_leaning', 'none -> deadlock', '']
    """
    if "talks_outcome" not in table or "equilibrium_path" not in table:
        return resolutions(table)
    from negotiation.analysis.pipeline import verdict_labels

    invalid = resolutions(table) == ""
    labels = verdict_labels(table["equilibrium_path"].fillna("").astype(str).to_numpy(),
                            table["talks_outcome"].fillna("").astype(str).to_numpy())
    return np.where(invalid, "", labels).astype(object)


def output_values(frame: Any, outputs: Sequence[str]) -> np.ndarray:
    """The outputs of a model's table as an array ``(outputs, points)`` (``verdict_<outcome>``:
    the indicator of that most probable resolution; ``verdict=<label>``: of that verdict; NaN at
    an invalid point)."""
    columns = []
    for output in outputs:
        if output.startswith(VERDICT_PREFIX):
            v = verdicts(frame)
            columns.append(np.where(v == "", np.nan, (v == output[len(VERDICT_PREFIX):]).astype(float)))
        elif output in VERDICT_OUTPUTS:
            v = resolutions(frame)
            columns.append(np.where(v == "", np.nan, (v == VERDICT_OUTPUTS[output]).astype(float)))
        else:
            columns.append(np.asarray(frame[output], dtype=float))
    return np.vstack(columns) if columns else np.empty((0, 0))


def _valid(table: pd.DataFrame, column: str = "p_truce") -> np.ndarray:
    ok = np.isfinite(table[column].to_numpy(dtype=float))
    if "status" in table:
        ok &= table["status"].to_numpy() != "invalid"
    return ok


def scenario_title(config: Mapping[str, Any]) -> str:
    """The scenario's title (or name) of a config, ``""`` if it has none."""
    scenario = config.get("scenario", {})
    if isinstance(scenario, Mapping):
        return str(scenario.get("title") or scenario.get("name") or "")
    return ""


@dataclass(frozen=True)
class Headline:
    """The headline answer of a config as written: verdict, path and outcome probabilities."""

    verdict: str
    equilibrium_path: str
    p_truce: float
    p_deadlock: float
    p_escalation: float
    status: str


def headline(config: Mapping[str, Any], *, source: str = "<config>",
             solver: Callable[..., pd.DataFrame] | None = None) -> Headline:
    """The verdict and equilibrium path of ``config`` itself (one point, no value changed).

    Solved as a one-point sweep (``solver``, default
    :func:`negotiation.study.points.solve_points`) that sets some number to its own value, so
    that it is the same computation as every point of a sweep.

    Examples
    --------
    >>> from negotiation.io.config import read_config, default_config_path
    >>> h = headline(read_config(default_config_path()))
    >>> h.verdict, h.equilibrium_path, round(h.p_truce, 4)
    ('none -> us_leaning', 'none', 0.9)
    """
    if solver is None:
        from negotiation.study.points import solve_points as solver
    base = base_config(config)
    numbers = [(k, v) for k, v in numeric_key_paths(base) if k not in SOLVER_KEYS]
    if not numbers:
        raise ValueError("the config has no numeric value")
    key, value = numbers[0]
    frame = solver(base, {key: np.array([float(value)])}, source=source)
    row = frame.iloc[0]
    return Headline(str(verdicts(frame)[0]), str(row["equilibrium_path"]), float(row["p_truce"]),
                    float(row["p_deadlock"]), float(row["p_escalation"]), str(row["status"]))


# ---------------------------------------------------------------- P(truce) and shares


def _z(confidence: float) -> float:
    """:math:`z_{1-\\alpha/2}`, the standard normal quantile of a two-sided interval."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class TruceProbability:
    """Mean probability of truce over the valid points of a sweep, with a confidence interval.

    Attributes
    ----------
    mean, ci_low, ci_high : float
        The estimate and its interval (clipped to [0, 1]; NaN with fewer than 2 points).
    std_error : float
        :math:`s / \\sqrt n` (``ddof=1``).
    confidence : float
    n, n_invalid : int
        Valid points used, invalid points left out.
    method : str
        How the interval was computed, in words (see the module docstring).
    """

    mean: float
    ci_low: float
    ci_high: float
    std_error: float
    confidence: float
    n: int
    n_invalid: int
    method: str


_DESIGN_NOTES = {
    None: "",
    "monte_carlo": "; i.i.d. points: the interval is asymptotically exact",
    "latin_hypercube": "; Latin hypercube points: conservative (LHS variance of the mean <= i.i.d., Stein 1987)",
    "sobol": "; scrambled Sobol' points: conservative (RQMC variance of the mean <= i.i.d. for these "
             "integrands; Owen 1997), not a calibrated RQMC interval",
    "grid": "; grid points are not a sample: the interval has no probability meaning",
}


def truce_probability(
    table: pd.DataFrame,
    *,
    confidence: float = 0.95,
    method: str = "normal",
    design: str | None = None,
    seed: int = 0,
    n_resamples: int = 9999,
    column: str = "p_truce",
) -> TruceProbability:
    r"""Mean of ``p_truce`` over the valid points of a sweep table, with a confidence interval.

    Parameters
    ----------
    table : DataFrame
        A sweep table (``p_truce`` and, if present, ``status``: rows with status
        ``"invalid"`` or a missing ``p_truce`` are left out and counted).
    confidence : float
        Confidence level of the interval.
    method : {"normal", "bootstrap"}
        ``"normal"``: :math:`\bar p \pm z_{1-\alpha/2} s / \sqrt n`; ``"bootstrap"``: the
        percentile interval of ``n_resamples`` resampled means, generator
        ``numpy.random.default_rng(seed)``.
    design : str, optional
        The sweep's design (``"sobol"``, ``"latin_hypercube"``, ``"monte_carlo"``), named in
        ``method`` with what it means for the interval.
    column : str
        Another probability column (``"p_deadlock"``) may be summarised the same way.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"p_truce": [0.8, 0.9, 1.0, np.nan],
    ...                       "status": ["ok", "ok", "ok", "invalid"]})
    >>> r = truce_probability(table)
    >>> round(r.mean, 6), r.n, r.n_invalid, round(r.std_error, 6)
    (0.9, 3, 1, 0.057735)
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if design not in _DESIGN_NOTES:
        raise ValueError(f"unknown design {design!r}: one of {', '.join(str(k) for k in _DESIGN_NOTES)}")
    ok = _valid(table, column)
    values = table[column].to_numpy(dtype=float)[ok]
    n, n_invalid = int(ok.sum()), int((~ok).sum())
    mean = float(values.mean()) if n else math.nan
    std_error = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    if method == "normal":
        z = _z(confidence)
        low, high = mean - z * std_error, mean + z * std_error
        words = f"normal approximation (CLT): mean ± z·s/√n, z = {z:.4f}"
    elif method == "bootstrap":
        if n > 1:
            rng = np.random.default_rng(seed)
            means = values[rng.integers(0, n, size=(n_resamples, n))].mean(axis=1)
            alpha = 1.0 - confidence
            low, high = (float(q) for q in np.quantile(means, [alpha / 2, 1 - alpha / 2]))
        else:
            low = high = math.nan
        words = f"percentile bootstrap, {n_resamples} resamples, seed {seed}"
    else:
        raise ValueError(f"unknown method {method!r}: 'normal' or 'bootstrap'")
    if math.isnan(low):
        low, high = math.nan, math.nan
    elif column.startswith("p_"):
        low, high = min(1.0, max(0.0, low)), min(1.0, max(0.0, high))
    return TruceProbability(mean, low, high, std_error, confidence, n, n_invalid,
                            words + _DESIGN_NOTES[design] + f"; {confidence:.0%} interval clipped to [0, 1]")


@dataclass(frozen=True)
class VerdictShare:
    """Share of the valid points whose verdict is ``verdict``, with a Wilson score interval."""

    verdict: str
    share: float
    ci_low: float
    ci_high: float
    confidence: float
    count: int
    n: int
    n_invalid: int
    method: str = "Wilson score interval"


def verdict_share(table: pd.DataFrame, verdict: str, *, confidence: float = 0.95) -> VerdictShare:
    r"""Share :math:`\hat s = k/n` of valid points with the given verdict (:func:`verdicts`; or,
    given a resolution name such as ``"truce"``, the most probable resolution), Wilson interval

    .. math:: \frac{\hat s + z^2/2n \pm z \sqrt{\hat s(1-\hat s)/n + z^2/4n^2}}{1 + z^2/n}.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"p_truce": [0.9, 0.2, 0.8, 0.7], "p_deadlock": [0.1, 0.8, 0.2, 0.3],
    ...                       "p_escalation": [0.0, 0.0, 0.0, 0.0]})
    >>> s = verdict_share(table, "truce")
    >>> s.count, s.n, round(s.share, 2), round(s.ci_low, 4), round(s.ci_high, 4)
    (3, 4, 0.75, 0.3006, 0.9544)
    """
    if not verdict:
        raise ValueError("verdict is empty: expected a verdict (\"<path> -> <talks outcome>\") or a "
                         f"resolution ({', '.join(OUTCOMES)})")
    v = resolutions(table) if verdict in OUTCOMES else verdicts(table)
    ok = v != ""
    n, count = int(ok.sum()), int((v == verdict).sum())
    if n == 0:
        return VerdictShare(verdict, math.nan, math.nan, math.nan, confidence, 0, 0, int((~ok).sum()))
    z = _z(confidence)
    s = count / n
    centre = (s + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(s * (1 - s) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return VerdictShare(verdict, s, max(0.0, centre - half), min(1.0, centre + half), confidence, count, n,
                        int((~ok).sum()))


# ---------------------------------------------------------------- declared uncertainty


def declared_uncertainty(config: Mapping[str, Any], *, source: str = "<config>") -> dict[str, Dimension]:
    """The ``[uncertainty]`` of a config: key path -> its :class:`~negotiation.study.design.Dimension`
    (whose ``ppf`` is the declared inverse distribution function), in file order.

    Raises :class:`~negotiation.study.design.SweepConfigError` for a bad table and when nothing
    is declared.

    Examples
    --------
    >>> config = {"moves": {"m": {"cost": 0.01}},
    ...           "uncertainty": {"moves.m.cost": {"distribution": "uniform", "low": 0.0, "high": 0.02}}}
    >>> declared_uncertainty(config)["moves.m.cost"].ppf([0.5]).tolist()
    [0.01]
    """
    design = sweep_design(config, source=source, overrides={"design": "monte_carlo", "parameters": {}})
    return {d.key_path: d for d in design.dimensions}
