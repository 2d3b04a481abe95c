r"""Sensitivity of a scenario's verdict: P(truce) under uncertainty, Sobol' indices, tornado, flips.

Everything here is a pure function of a parsed scenario config (a ``dict`` from
:func:`negotiation.config.read_config`) and/or a sweep table (one row per point, the columns of
:func:`negotiation.batch.solve_points`). Parameters are named by their TOML key paths; the
declared uncertainty is the config's ``[uncertainty]`` table, read through
:func:`negotiation.sweep.sweep_design` (the same frozen distributions a sampled sweep uses).
Every model evaluation goes through :func:`negotiation.batch.solve_points`, one batched call
for all the points an algorithm needs at a time.

The verdict
-----------
A point's *verdict* is the outcome of the talks with the highest probability on its headline
subgame-perfect path,

.. math:: v(x) = \arg\max_{k \in \{T, D, E\}} p_k(x),

with ties (within ``1e-9``) resolved in the order truce, deadlock, escalation (a tie is a
boundary of measure zero in any continuous parameter). The *headline verdict* of a scenario
is the verdict of its config as written. Beside the verdict, every record reports the
*equilibrium path* (the pre-talk moves played, ``"entity_listing+anti_dumping_probe"``).
An invalid point (``status == "invalid"``) has no verdict (``""``).

P(truce) under uncertainty
--------------------------
For points :math:`x_1, \dots, x_n` drawn from the declared distributions, the estimate of
:math:`\mathbb{E}[p_T(X)]` is the mean :math:`\bar p` of the valid points, with

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

Sobol' indices
--------------
For independent inputs :math:`X_i` with the declared distributions and an output
:math:`Y = f(X)`, the first-order and total indices are

.. math::

    S_i = \frac{\operatorname{Var}(\mathbb{E}[Y \mid X_i])}{\operatorname{Var} Y}, \qquad
    S_{T_i} = \frac{\mathbb{E}[\operatorname{Var}(Y \mid X_{\sim i})]}{\operatorname{Var} Y},

estimated by :func:`scipy.stats.sobol_indices` (Saltelli et al. 2010 estimators on
:math:`n` rows of two Sobol' matrices :math:`A`, :math:`B` and the :math:`d` mixed matrices
:math:`A_B^{(i)}`: :math:`n(d + 2)` model evaluations in three batched calls). Confidence
intervals are a percentile bootstrap over the :math:`n` rows, seeded (scipy's own
``SobolResult.bootstrap`` draws from an unseeded generator, so it is not used).

Tornado and verdict flips
-------------------------
One-at-a-time: every other value at its value in the file. The tornado gives the output at
a low and a high value of each parameter (default: the 5% and 95% quantiles of its declared
distribution), sorted by swing :math:`|y_{high} - y_{low}|`. A *verdict flip* is the
smallest decrease and the smallest increase of one parameter that changes the headline
verdict, found by a batched grid scan from the base value outwards to the edge of a search
range, then refinement of the first bracket (bisection, several points a step) to an
absolute tolerance; the same is done for the first change of the equilibrium path, and for
the value beyond a flip where the headline verdict comes back (a *sliver* rather than a new
regime). A change that reverses between two scan points and is not near a path change is
not seen (the scan's resolution is stated in the record).

References
----------
Saltelli, A. et al. (2010), *Comput. Phys. Commun.* 181(2), 259-270.
Sobol', I. M. (2001), *Math. Comput. Simul.* 55, 271-280.
Owen, A. B. (1997), *SIAM J. Numer. Anal.* 34(5), 1884-1910.
Stein, M. (1987), *Technometrics* 29(2), 143-151.
Wilson, E. B. (1927), *J. Am. Stat. Assoc.* 22, 209-212.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from negotiation.batch import solve_points
from negotiation.sweep import Dimension, _atomic_write, base_config, config_hash, sweep_design

__all__ = [
    "OUTCOMES",
    "PROBABILITY_COLUMNS",
    "VERDICT_OUTPUTS",
    "verdicts",
    "headline",
    "Headline",
    "TruceProbability",
    "truce_probability",
    "VerdictShare",
    "verdict_share",
    "declared_uncertainty",
    "SobolIndices",
    "checkpointed_model",
    "sobol_analysis",
    "sobol_sensitivity",
    "TornadoBar",
    "Tornado",
    "tornado_data",
    "key_path_label",
    "VerdictFlip",
    "VerdictFlips",
    "verdict_flips",
]

#: The outcomes of the talks, in tie-breaking order.
OUTCOMES = ("truce", "deadlock", "escalation")
#: The sweep table's probability column of each outcome.
PROBABILITY_COLUMNS = tuple(f"p_{o}" for o in OUTCOMES)
#: Derived outputs: 1.0 where the verdict is that outcome, else 0.0 (for Sobol' indices).
VERDICT_OUTPUTS = {f"verdict_{o}": o for o in OUTCOMES}
#: Probabilities within this of the largest are tied.
TIE_TOLERANCE = 1e-9

#: A model for :func:`sobol_analysis`: ``{key path: values}`` -> table with the output columns.
Model = Callable[[Mapping[str, np.ndarray]], Any]


# ---------------------------------------------------------------- verdicts


def verdicts(table: pd.DataFrame) -> np.ndarray:
    """The verdict of each row: the most probable outcome (ties: truce, deadlock, escalation).

    Rows with a missing probability (invalid points) get ``""``.

    Examples
    --------
    >>> table = pd.DataFrame({"p_truce": [0.85, 0.5, 0.0, np.nan],
    ...                       "p_deadlock": [0.15, 0.5, 0.3, np.nan],
    ...                       "p_escalation": [0.0, 0.0, 0.7, np.nan]})
    >>> verdicts(table).tolist()
    ['truce', 'truce', 'escalation', '']
    """
    p = table[list(PROBABILITY_COLUMNS)].to_numpy(dtype=float)
    if len(p) == 0:
        return np.array([], dtype=object)
    invalid = np.isnan(p).any(axis=1)
    filled = np.where(np.isnan(p), -np.inf, p)
    top = filled.max(axis=1, keepdims=True)
    first = np.argmax(filled >= top - TIE_TOLERANCE, axis=1)
    names = np.array(OUTCOMES, dtype=object)[first]
    return np.where(invalid, "", names).astype(object)


def _valid(table: pd.DataFrame, column: str = "p_truce") -> np.ndarray:
    ok = np.isfinite(table[column].to_numpy(dtype=float))
    if "status" in table:
        ok &= table["status"].to_numpy() != "invalid"
    return ok


@dataclass(frozen=True)
class Headline:
    """The headline answer of a config as written: verdict, path and outcome probabilities."""

    verdict: str
    equilibrium_path: str
    p_truce: float
    p_deadlock: float
    p_escalation: float
    status: str


def headline(config: Mapping[str, Any], *, source: str = "<config>") -> Headline:
    """The verdict and equilibrium path of ``config`` itself (one point, no value changed).

    Examples
    --------
    >>> from negotiation.config import read_config, default_config_path
    >>> h = headline(read_config(default_config_path()))
    >>> h.verdict, h.equilibrium_path, round(h.p_truce, 4)
    ('truce', 'entity_listing', 0.85)
    """
    base = base_config(config)
    key, value = _any_numeric(base)
    row = solve_points(base, {key: np.array([value])}, source=source).iloc[0]
    verdict = verdicts(pd.DataFrame([row]))[0]
    return Headline(verdict, str(row["equilibrium_path"]), float(row["p_truce"]), float(row["p_deadlock"]),
                    float(row["p_escalation"]), str(row["status"]))


# ---------------------------------------------------------------- P(truce) and shares


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
        z = float(stats.norm.ppf(0.5 + confidence / 2))
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
    clip = (lambda v: min(1.0, max(0.0, v))) if column.startswith("p_") else (lambda v: v)
    if math.isnan(low):
        low_c, high_c = math.nan, math.nan
    else:
        low_c, high_c = clip(low), clip(high)
    return TruceProbability(mean, low_c, high_c, std_error, confidence, n, n_invalid,
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
    r"""Share :math:`\hat s = k/n` of valid points with the given verdict, Wilson interval

    .. math:: \frac{\hat s + z^2/2n \pm z \sqrt{\hat s(1-\hat s)/n + z^2/4n^2}}{1 + z^2/n}.

    Examples
    --------
    >>> table = pd.DataFrame({"p_truce": [0.9, 0.2, 0.8, 0.7], "p_deadlock": [0.1, 0.8, 0.2, 0.3],
    ...                       "p_escalation": [0.0, 0.0, 0.0, 0.0]})
    >>> s = verdict_share(table, "truce")
    >>> s.count, s.n, round(s.share, 2), round(s.ci_low, 4), round(s.ci_high, 4)
    (3, 4, 0.75, 0.3006, 0.9544)
    """
    if verdict not in OUTCOMES:
        raise ValueError(f"unknown verdict {verdict!r}: one of {', '.join(OUTCOMES)}")
    v = verdicts(table)
    ok = v != ""
    n, count = int(ok.sum()), int((v == verdict).sum())
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    if n == 0:
        return VerdictShare(verdict, math.nan, math.nan, math.nan, confidence, 0, 0, int((~ok).sum()))
    s = count / n
    centre = (s + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(s * (1 - s) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return VerdictShare(verdict, s, max(0.0, centre - half), min(1.0, centre + half), confidence, count, n,
                        int((~ok).sum()))


# ---------------------------------------------------------------- declared uncertainty


class _Marginal:
    """A declared distribution as scipy's ``sobol_indices`` wants it: an object with ``ppf``.

    The inverse is evaluated on uniforms kept inside the open unit interval (as
    :func:`negotiation.sweep.unit_points` does), so unbounded distributions stay finite.
    """

    def __init__(self, dimension: Dimension) -> None:
        self.dimension = dimension

    def ppf(self, u: np.ndarray) -> np.ndarray:
        tiny = np.finfo(float).eps
        u = np.asarray(u, dtype=float)
        return self.dimension.ppf(np.clip(u, tiny, 1.0 - tiny).ravel()).reshape(u.shape)

    def __repr__(self) -> str:
        return f"_Marginal({self.dimension.key_path!r}, {self.dimension.kind})"


def declared_uncertainty(config: Mapping[str, Any], *, source: str = "<config>") -> dict[str, Any]:
    """The ``[uncertainty]`` of a config: key path -> an object with ``ppf`` (file order).

    Raises :class:`~negotiation.sweep.SweepConfigError` for a bad table and when nothing is
    declared.
    """
    design = sweep_design(config, source=source, overrides={"design": "monte_carlo", "parameters": {}})
    return {d.key_path: _Marginal(d) for d in design.dimensions}


# ---------------------------------------------------------------- Sobol' indices


@dataclass(frozen=True, eq=False)
class SobolIndices:
    """First-order and total Sobol' indices of each output with respect to each key path.

    Attributes
    ----------
    key_paths, outputs : tuple of str
    first_order, total_order : ndarray
        Shape ``(outputs, key_paths)``.
    first_order_ci, total_order_ci : ndarray or None
        Shape ``(2, outputs, key_paths)``: low and high ends of the bootstrap interval.
    variance : ndarray
        Shape ``(outputs,)``: the output's variance over :math:`A` and :math:`B` (0: constant
        output, whose indices are reported as 0).
    samples : int
        :math:`n`, rows of each Sobol' matrix.
    evaluations : int
        Model evaluations used, :math:`n (d + 2)`.
    model_calls : int
        Batched calls of the model.
    """

    key_paths: tuple[str, ...]
    outputs: tuple[str, ...]
    first_order: np.ndarray
    total_order: np.ndarray
    first_order_ci: np.ndarray | None
    total_order_ci: np.ndarray | None
    variance: np.ndarray
    samples: int
    evaluations: int
    model_calls: int
    seed: int
    confidence: float
    n_resamples: int
    method: str
    scenario: str = ""

    def table(self) -> pd.DataFrame:
        """One row per (output, key path), sorted by output then total index (largest first)."""
        rows = []
        for o, output in enumerate(self.outputs):
            for k, key in enumerate(self.key_paths):
                row = {"output": output, "key_path": key, "first_order": self.first_order[o, k],
                       "total_order": self.total_order[o, k]}
                if self.first_order_ci is not None and self.total_order_ci is not None:
                    row.update(first_order_low=self.first_order_ci[0, o, k], first_order_high=self.first_order_ci[1, o, k],
                               total_order_low=self.total_order_ci[0, o, k], total_order_high=self.total_order_ci[1, o, k])
                rows.append(row)
        frame = pd.DataFrame(rows)
        order = {o: i for i, o in enumerate(self.outputs)}
        return (frame.assign(_o=frame["output"].map(order)).sort_values(["_o", "total_order"], ascending=[True, False],
                                                                        kind="stable")
                .drop(columns="_o").reset_index(drop=True))


def _output_values(frame: Any, outputs: Sequence[str]) -> np.ndarray:
    """The outputs of a model's table as an array ``(outputs, points)``."""
    columns = []
    for output in outputs:
        if output in VERDICT_OUTPUTS:
            v = verdicts(frame)
            columns.append(np.where(v == "", np.nan, (v == VERDICT_OUTPUTS[output]).astype(float)))
        else:
            columns.append(np.asarray(frame[output], dtype=float))
    return np.vstack(columns) if columns else np.empty((0, 0))


def _saltelli(f_A: np.ndarray, f_B: np.ndarray, f_AB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices, shape ``(outputs, d)``, of centred model values.

    Saltelli et al. (2010), Table 2 (b) and (f), on values centred by the mean of :math:`A`
    and :math:`B`: the estimators :func:`scipy.stats.sobol_indices` uses (checked against it
    on every call of :func:`sobol_analysis`); a constant output gets indices 0.
    """
    mean = np.mean([f_A, f_B], axis=(0, -1))[:, None]
    f_A, f_B, f_AB = f_A - mean, f_B - mean, f_AB - mean
    var = np.var([f_A, f_B], axis=(0, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.mean(f_B * (f_AB - f_A), axis=-1) / var  # (d, outputs)
        st = 0.5 * np.mean((f_A - f_AB) ** 2, axis=-1) / var
    s[~np.isfinite(s)] = 0.0
    st[~np.isfinite(st)] = 0.0
    return s.T, st.T


def _generator_keyword(function: Callable) -> str:
    """``rng`` (scipy >= 1.15) or ``random_state`` (older), as the installed scipy names it."""
    return "rng" if "rng" in inspect.signature(function).parameters else "random_state"


def sobol_analysis(
    model: Model,
    dists: Mapping[str, Any],
    *,
    outputs: Sequence[str] = ("p_truce",),
    samples: int = 256,
    seed: int = 0,
    bootstrap: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 999,
    scenario: str = "",
) -> SobolIndices:
    """Sobol' indices of any batched model over independent inputs (the engine of
    :func:`sobol_sensitivity`, where ``model`` solves the scenario).

    Parameters
    ----------
    model : callable
        ``model({key path: values (n,)})`` -> a table (DataFrame or mapping of arrays) with
        one entry per point in each output column (or the probability columns, for the
        derived ``verdict_<outcome>`` outputs). Called once per matrix (A, B, then all the
        :math:`A_B^{(i)}` at once).
    dists : mapping of key path -> distribution
        Each with a ``ppf`` (frozen scipy distributions, or :func:`declared_uncertainty`).
    outputs : sequence of str
        Output columns, or ``verdict_truce`` / ``verdict_deadlock`` / ``verdict_escalation``
        (indicator of that verdict).
    samples : int
        :math:`n`, a power of two; :math:`n (d + 2)` evaluations.
    seed : int
        Seeds the Sobol' matrices (``numpy.random.default_rng(seed)``) and the bootstrap
        (``default_rng(seed + 1)``).
    bootstrap : bool
        Compute percentile-bootstrap intervals (``n_resamples`` resamples of the rows).

    Raises
    ------
    ValueError
        If ``samples`` is not a power of two, or some model values are missing (invalid
        points: the message says how many).

    Examples
    --------
    A linear model :math:`y = x_1 + 2 x_2` with uniform inputs has
    :math:`S_i = S_{T_i} = a_i^2 / \\sum_j a_j^2 = (0.2, 0.8)`:

    >>> dists = {"x1": stats.uniform(), "x2": stats.uniform()}
    >>> r = sobol_analysis(lambda x: {"y": x["x1"] + 2 * x["x2"]}, dists, outputs=["y"],
    ...                    samples=1024, bootstrap=False)
    >>> np.round(r.first_order, 2).tolist(), r.evaluations
    ([[0.2, 0.8]], 4096)
    """
    if samples < 2 or samples & (samples - 1):
        raise ValueError(f"samples must be a power of two (Sobol' balance), got {samples}")
    key_paths = tuple(dists)
    outputs = tuple(outputs)
    if not key_paths or not outputs:
        raise ValueError("need at least one distribution and one output")
    calls: list[np.ndarray] = []
    invalid = [0]

    def func(x: np.ndarray) -> np.ndarray:
        frame = model({key: np.ascontiguousarray(x[j]) for j, key in enumerate(key_paths)})
        y = _output_values(frame, outputs)
        if y.shape != (len(outputs), x.shape[1]):
            raise ValueError(f"the model returned {y.shape[-1]} values for {x.shape[1]} points")
        invalid[0] += int(np.isnan(y).any(axis=0).sum())
        calls.append(y)
        return y

    rng = np.random.default_rng(seed)
    result = stats.sobol_indices(func=func, n=samples, dists=[dists[k] for k in key_paths],
                                 **{_generator_keyword(stats.sobol_indices): rng})
    evaluations = sum(c.shape[1] for c in calls)
    if invalid[0]:
        raise ValueError(
            f"{invalid[0]} of {evaluations} model evaluations have no value (invalid points); Sobol' indices "
            "need every point: narrow the distributions so that every point is a valid scenario"
        )
    d, s = len(key_paths), len(outputs)
    first = np.asarray(result.first_order, dtype=float).reshape(s, d)
    total = np.asarray(result.total_order, dtype=float).reshape(s, d)
    # scipy calls func on A, B, then the stacked A_B pages: rebuild them to bootstrap (seeded)
    f_A, f_B, f_AB_flat = calls
    f_AB = np.moveaxis(f_AB_flat.reshape(s, samples, d), -1, 0)  # (d, s, n), as scipy's funcAB
    check_first, check_total = _saltelli(f_A, f_B, f_AB)
    if not (np.allclose(check_first, first, atol=1e-10) and np.allclose(check_total, total, atol=1e-10)):
        raise RuntimeError("scipy.stats.sobol_indices evaluated the matrices in an unexpected order; "
                           "cannot bootstrap its indices")
    variance = np.var(np.concatenate([f_A, f_B], axis=1), axis=1)
    first_ci = total_ci = None
    if bootstrap:
        boot_rng = np.random.default_rng(seed + 1)
        draws = np.empty((n_resamples, 2, s, d))
        for r in range(n_resamples):
            idx = boot_rng.integers(0, samples, samples)
            draws[r, 0], draws[r, 1] = _saltelli(f_A[:, idx], f_B[:, idx], f_AB[..., idx])
        alpha = 1.0 - confidence
        low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
        first_ci = np.stack([low[0], high[0]])
        total_ci = np.stack([low[1], high[1]])
    method = (f"scipy.stats.sobol_indices (Saltelli 2010 estimators, n = {samples}, seed {seed})"
              + (f"; {confidence:.0%} percentile bootstrap over rows, {n_resamples} resamples, seed {seed + 1}"
                 if bootstrap else ""))
    return SobolIndices(key_paths, outputs, first, total, first_ci, total_ci, variance, samples, evaluations,
                        len(calls), seed, confidence, n_resamples if bootstrap else 0, method, scenario)


def checkpointed_model(model: Model, directory: str | Path, *, chunk_size: int = 4096, tag: str = "") -> Model:
    """``model`` evaluated in chunks of points, each kept on disk as it finishes.

    Every call splits its points into chunks of ``chunk_size``; a chunk is stored as
    ``DIRECTORY/<hash>.parquet``, named by the SHA-256 of ``tag`` (say, the config's hash),
    the key paths and the chunk's values, and written atomically. A chunk whose file exists
    is read instead of evaluated, so an interrupted analysis run again with the same inputs
    (same seed) recomputes only the chunks it had not finished, and gives the same table.
    ``model`` must return a DataFrame.

    Examples
    --------
    >>> import tempfile
    >>> calls = []
    >>> def square(x):
    ...     calls.append(len(x["a"]))
    ...     return pd.DataFrame({"y": x["a"] ** 2})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     model = checkpointed_model(square, folder, chunk_size=2)
    ...     first = model({"a": np.arange(5.0)})["y"].tolist()
    ...     again = model({"a": np.arange(5.0)})["y"].tolist()
    >>> first == again == [0.0, 1.0, 4.0, 9.0, 16.0], calls
    (True, [2, 2, 1])
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size}")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    def evaluate(inputs: Mapping[str, np.ndarray]) -> pd.DataFrame:
        keys = list(inputs)
        values = np.stack([np.asarray(inputs[k], dtype=float) for k in keys]) if keys else np.empty((0, 0))
        parts = []
        for start in range(0, values.shape[1], chunk_size):
            chunk = np.ascontiguousarray(values[:, start : start + chunk_size])
            digest = hashlib.sha256()
            digest.update(tag.encode())
            digest.update("\0".join(keys).encode())
            digest.update(chunk.tobytes())
            path = folder / f"{digest.hexdigest()[:32]}.parquet"
            if path.exists():
                parts.append(pd.read_parquet(path))
                continue
            frame = model({k: chunk[j] for j, k in enumerate(keys)})
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"a checkpointed model must return a DataFrame, got {type(frame).__name__}")
            frame = frame.reset_index(drop=True)
            _atomic_write(path, lambda p, f=frame: f.to_parquet(p, index=False))
            parts.append(frame)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    return evaluate


def sobol_sensitivity(
    config: Mapping[str, Any],
    *,
    outputs: Sequence[str] = ("p_truce",),
    samples: int = 256,
    seed: int = 0,
    source: str = "<config>",
    key_paths: Sequence[str] | None = None,
    bootstrap: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 999,
    checkpoint_dir: str | Path | None = None,
    chunk_size: int = 4096,
) -> SobolIndices:
    """Sobol' indices of a scenario's outputs over its declared uncertainty.

    The inputs are the ``[uncertainty]`` values of ``config`` with their declared
    distributions (or the subset ``key_paths``; the rest stay at their values in the file);
    each of the three model calls is one :func:`negotiation.batch.solve_points` batch. See
    :func:`sobol_analysis` for the other parameters. Uses :math:`n (d + 2)` evaluations.
    With ``checkpoint_dir``, points are solved in chunks of ``chunk_size`` kept there as they
    finish (:func:`checkpointed_model`): an interrupted analysis run again with the same
    config and seed solves only what it had not finished.

    Examples
    --------
    >>> from negotiation.config import read_config, default_config_path
    >>> r = sobol_sensitivity(read_config(default_config_path()), samples=16, bootstrap=False)
    >>> len(r.key_paths), r.evaluations
    (12, 224)
    """
    dists = declared_uncertainty(config, source=source)
    if key_paths is not None:
        unknown = [k for k in key_paths if k not in dists]
        if unknown:
            raise KeyError(f"not declared under [uncertainty]: {', '.join(unknown)}")
        dists = {k: dists[k] for k in key_paths}
    base = base_config(config)

    def model(overrides: Mapping[str, np.ndarray]) -> pd.DataFrame:
        return solve_points(base, dict(overrides), source=source)

    if checkpoint_dir is not None:
        # the version is part of each chunk's name: a chunk solved by other code is not reused
        tag = f"negotiation {version('negotiation')}: {config_hash(base)}"
        model = checkpointed_model(model, checkpoint_dir, chunk_size=chunk_size, tag=tag)
    return sobol_analysis(model, dists, outputs=outputs, samples=samples, seed=seed, bootstrap=bootstrap,
                          confidence=confidence, n_resamples=n_resamples, scenario=_title(config))


# ---------------------------------------------------------------- one at a time


_PART = re.compile(r"^(?P<name>[^\[\]]+)(?P<indices>(\[\d+\])*)$")


def _value_at(config: Mapping[str, Any], key_path: str) -> float:
    """The number at a key path (``a.b[1]`` indexes a list)."""
    node: Any = config
    for part in key_path.split("."):
        match = _PART.match(part)
        if match is None:
            raise KeyError(f"not a key path: {key_path!r}")
        try:
            node = node[match["name"]]
            for index in re.findall(r"\[(\d+)\]", match["indices"]):
                node = node[int(index)]
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"no such key path in the config: {key_path!r}") from None
    if not isinstance(node, int | float) or isinstance(node, bool):
        raise KeyError(f"{key_path!r} is not a number in the config")
    return float(node)


def _any_numeric(config: Mapping[str, Any]) -> tuple[str, float]:
    from negotiation.batch import sweepable_key_paths

    keys = sweepable_key_paths(config)
    if not keys:
        raise ValueError("the config has no numeric value")
    # a side's deadlock payoff: every scenario has one and the fast path covers it
    preferred = [k for k in keys if k.startswith("sides.") and k.endswith(".outcomes.deadlock")]
    key = (preferred or keys)[0]
    return key, _value_at(config, key)


def _title(config: Mapping[str, Any]) -> str:
    scenario = config.get("scenario", {})
    if isinstance(scenario, Mapping):
        return str(scenario.get("title") or scenario.get("name") or "")
    return ""


def _one_at_a_time(base: Mapping[str, Any], key_paths: Sequence[str], base_values: Sequence[float],
                   changes: Sequence[tuple[int, float]], source: str) -> pd.DataFrame:
    """Solve points that each change one key path (index into ``key_paths``) from the base:
    one batched call; row ``i`` is ``changes[i]``."""
    n = len(changes)
    overrides = {key: np.full(n, value, dtype=float) for key, value in zip(key_paths, base_values, strict=True)}
    for row, (k, value) in enumerate(changes):
        overrides[key_paths[k]][row] = value
    return solve_points(base, overrides, source=source).reset_index(drop=True)


def key_path_label(key_path: str) -> str:
    """A key path with its unit, for an axis label.

    >>> key_path_label("moves.entity_listing.cost")
    'moves.entity_listing.cost (utility, 0–1 scale)'
    >>> key_path_label("talks.breakdown_probability")
    'talks.breakdown_probability (probability)'
    """
    last = key_path.split(".")[-1]
    if "breakdown" in key_path:
        unit = "probability"
    elif ".weights." in key_path:
        unit = "weight, share of 1"
    elif last.startswith("tolerance") or key_path.startswith(("solver.", "talks.bargaining.")):
        return key_path
    else:
        unit = "utility, 0–1 scale"
    return f"{key_path} ({unit})"


def _output_label(output: str) -> str:
    if output in PROBABILITY_COLUMNS:
        return f"P({output[2:]}) on the headline path (probability)"
    if output.startswith("payoff_"):
        return f"payoff of {output[7:]} (utility, 0–1 scale)"
    return output


@dataclass(frozen=True)
class TornadoBar:
    """One parameter of a tornado: the output at its low and high value, the others at base."""

    key_path: str
    base: float
    low: float
    high: float
    output_low: float
    output_high: float
    swing: float
    verdict_low: str
    verdict_high: str
    path_low: str
    path_high: str


@dataclass(frozen=True)
class Tornado:
    """A one-at-a-time sensitivity chart's data: bars sorted by swing, largest first."""

    scenario: str
    output: str
    output_label: str
    base_output: float
    base_verdict: str
    base_path: str
    bars: tuple[TornadoBar, ...]
    ranges: str

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([bar.__dict__ for bar in self.bars])


def tornado_data(
    config: Mapping[str, Any],
    key_paths: Sequence[str] | None = None,
    *,
    output: str = "p_truce",
    low_high: Mapping[str, tuple[float, float]] | None = None,
    quantiles: tuple[float, float] = (0.05, 0.95),
    source: str = "<config>",
) -> Tornado:
    """The output at a low and a high value of each parameter, the others at base.

    Parameters
    ----------
    config : mapping
        A parsed scenario config.
    key_paths : sequence of str, optional
        Default: the values declared under ``[uncertainty]``.
    output : str
        A column of the sweep table (``p_truce``, ``p_deadlock``, ``payoff_us``, ...).
    low_high : mapping key path -> (low, high), optional
        Default for each key path: the ``quantiles`` (5% and 95%) of its declared
        distribution. A key path with no declared distribution needs an entry.

    Bars are sorted by swing :math:`|y_{high} - y_{low}|`, largest first (invalid ends: NaN
    swing, last). One batched solve of :math:`1 + 2k` points.
    """
    base = base_config(config)
    explicit = dict(low_high or {})
    declared: dict[str, Any] = {}
    if key_paths is None or any(k not in explicit for k in key_paths):
        try:
            declared = declared_uncertainty(config, source=source)
        except ValueError:
            declared = {}
    keys = list(key_paths) if key_paths is not None else list(declared)
    if not keys:
        raise ValueError("no key paths: pass key_paths or declare an [uncertainty] table")
    ranges: dict[str, tuple[float, float]] = {}
    for key in keys:
        if key in explicit:
            ranges[key] = (float(explicit[key][0]), float(explicit[key][1]))
        elif key in declared:
            lo, hi = declared[key].ppf(np.asarray(quantiles, dtype=float))
            ranges[key] = (float(lo), float(hi))
        else:
            raise KeyError(f"{key}: no declared distribution; give its (low, high) in low_high")
    base_values = [_value_at(base, k) for k in keys]
    changes = [(0, base_values[0])] + [(k, ranges[key][end]) for k, key in enumerate(keys) for end in (0, 1)]
    frame = _one_at_a_time(base, keys, base_values, changes, source)
    if output not in frame and output not in VERDICT_OUTPUTS:
        raise KeyError(f"{output!r} is not an output column ({', '.join(frame.columns)})")
    y = _output_values(frame, [output])[0]
    v = verdicts(frame)
    paths = frame["equilibrium_path"].astype(str).to_numpy()
    bars = []
    for k, key in enumerate(keys):
        i, j = 1 + 2 * k, 2 + 2 * k
        bars.append(TornadoBar(key, base_values[k], ranges[key][0], ranges[key][1], float(y[i]), float(y[j]),
                               float(abs(y[j] - y[i])), str(v[i]), str(v[j]), paths[i], paths[j]))
    bars.sort(key=lambda b: (math.isnan(b.swing), -b.swing if not math.isnan(b.swing) else 0.0))
    if key_paths is None or all(k in declared and k not in explicit for k in keys):
        words = f"the {quantiles[0]:.0%} and {quantiles[1]:.0%} quantiles of each declared distribution"
    else:
        words = "given low and high values"
    return Tornado(_title(config), output, _output_label(output), float(y[0]), str(v[0]), str(paths[0]),
                   tuple(bars), words)


# ---------------------------------------------------------------- verdict flips


@dataclass(frozen=True)
class VerdictFlip:
    """The smallest one-at-a-time changes of one parameter that change the headline verdict
    (``down_*``, ``up_*``) and the equilibrium path (``path_down_*``, ``path_up_*``).

    ``*_value`` is the first value found beyond the change (within ``tolerance`` of the
    boundary), ``None`` when nothing changes within the searched range; ``*_verdict`` and
    ``*_path`` are the new verdict and the path there. ``down_until``/``up_until``: the first
    value further out where the headline verdict is back (within ``tolerance``), ``None`` if
    it does not come back within the range: a flip with a nearby ``*_until`` is a sliver, not
    a new regime. ``search_low``/``search_high`` is the
    range asked for, ``searched_low``/``searched_high`` the part of it that was valid (a
    search stops at the first invalid point).
    """

    key_path: str
    base_value: float
    search_low: float
    search_high: float
    searched_low: float
    searched_high: float
    down_value: float | None
    down_verdict: str | None
    down_path: str | None
    up_value: float | None
    up_verdict: str | None
    up_path: str | None
    down_until: float | None
    up_until: float | None
    path_down_value: float | None
    path_down_to: str | None
    path_up_value: float | None
    path_up_to: str | None

    @property
    def down_width(self) -> float | None:
        """Width of the flipped region below the base (to the range's end if it does not close)."""
        if self.down_value is None:
            return None
        return self.down_value - (self.searched_low if self.down_until is None else self.down_until)

    @property
    def up_width(self) -> float | None:
        """Width of the flipped region above the base (to the range's end if it does not close)."""
        if self.up_value is None:
            return None
        return (self.searched_high if self.up_until is None else self.up_until) - self.up_value

    @property
    def smallest_change(self) -> float | None:
        """The smaller of the two distances to a verdict flip (``None``: no flip)."""
        distances = [abs(v - self.base_value) for v in (self.down_value, self.up_value) if v is not None]
        return min(distances) if distances else None


@dataclass(frozen=True)
class VerdictFlips:
    """What flips the verdict: one :class:`VerdictFlip` per key path, plus how it was searched."""

    scenario: str
    base_verdict: str
    base_path: str
    flips: tuple[VerdictFlip, ...]
    search: str
    grid_points: int
    tolerance: float
    evaluations: int

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([f.__dict__ for f in self.flips])


def _search_ranges(config: Mapping[str, Any], keys: Sequence[str], base_values: Sequence[float],
                   search: str | float | Mapping[str, tuple[float, float]], span: tuple[float, float],
                   source: str) -> tuple[dict[str, tuple[float, float]], str]:
    if isinstance(search, Mapping):
        missing = [k for k in keys if k not in search]
        if missing:
            raise KeyError(f"no search range for {', '.join(missing)}")
        return {k: (float(search[k][0]), float(search[k][1])) for k in keys}, "given ranges"
    declared: dict[str, Any] = {}
    if search == "distribution":
        try:
            declared = declared_uncertainty(config, source=source)
        except ValueError:
            declared = {}
        relative = 1.0
        words = (f"the {span[0]:.1%}–{span[1]:.1%} quantile span of each declared distribution "
                 "(others: base ± max(|base|, 0.1))")
    elif isinstance(search, int | float) and not isinstance(search, bool) and search > 0:
        relative = float(search)
        words = f"base ± {relative:g} × max(|base|, 0.1)"
    else:
        raise ValueError(f"search must be 'distribution', a positive number or a mapping, got {search!r}")
    ranges = {}
    for key, value in zip(keys, base_values, strict=True):
        if key in declared:
            lo, hi = declared[key].ppf(np.asarray(span, dtype=float))
            ranges[key] = (float(min(lo, value)), float(max(hi, value)))
        else:
            half = relative * max(abs(value), 0.1)
            ranges[key] = (value - half, value + half)
    return ranges, words


def verdict_flips(
    config: Mapping[str, Any],
    key_paths: Sequence[str] | None = None,
    *,
    search: str | float | Mapping[str, tuple[float, float]] = "distribution",
    span: tuple[float, float] = (0.001, 0.999),
    grid_points: int = 64,
    tolerance: float = 1e-4,
    refine: int = 7,
    source: str = "<config>",
) -> VerdictFlips:
    """The smallest decrease and increase of each parameter that changes the headline verdict.

    Parameters
    ----------
    config : mapping
        A parsed scenario config.
    key_paths : sequence of str, optional
        Default: the values declared under ``[uncertainty]``.
    search : "distribution", float or mapping
        The range searched on each side of the base value. ``"distribution"`` (default):
        from the ``span`` quantiles (0.1% and 99.9%) of the declared distribution, and
        ``base ± max(|base|, 0.1)`` for a key path without one; a number ``r``: ``base ± r
        max(|base|, 0.1)``; a mapping: ``key path -> (low, high)``.
    grid_points : int
        Points of the scan on each side (evenly spaced from the base to the range's end).
    tolerance : float
        Refinement stops when the bracket is this narrow (absolute, in the parameter's units).
    refine : int
        Interior points per bracket and refinement step (1: plain bisection; 7: each step
        narrows the bracket eightfold, in fewer batched calls).

    Notes
    -----
    One batched solve for every key path's two scans, then one per refinement step for all
    open brackets at once. A bracket is read off every point evaluated so far on that side,
    outwards from the base: the last value with the base's label and the first with another
    (for the verdict, for the path, and from a flip to where the headline verdict is back);
    a step puts ``refine`` points inside each bracket wider than ``tolerance``. Because all
    points seen count, a verdict change inside a sliver narrower than the scan step is still
    found when the refinement of a path change lands in it (as happens on the Madrid
    scenario, where both moves are played and the talks deadlock in slivers about 1e-4
    wide at the boundary between two paths); slivers away from any path change and narrower
    than the scan step can be missed. The headline verdict is that of the config as written
    (see the module docstring); a flip is reported at the first value beyond the boundary,
    so the distance to the base overstates the smallest change by at most ``tolerance``.
    """
    if grid_points < 1 or tolerance <= 0 or refine < 1:
        raise ValueError("grid_points and refine must be >= 1 and tolerance > 0")
    base = base_config(config)
    if key_paths is None:
        keys = list(declared_uncertainty(config, source=source))
    else:
        keys = list(key_paths)
    if not keys:
        raise ValueError("no key paths to search")
    base_values = [_value_at(base, k) for k in keys]
    ranges, words = _search_ranges(config, keys, base_values, search, span, source)

    # every evaluated point of each (key path, side): value -> (verdict, path)
    seen: dict[tuple[int, int], dict[float, tuple[str, str]]] = {
        (k, side): {} for k in range(len(keys)) for side in (0, 1)}

    def evaluate(points: list[tuple[int, int, float]]) -> pd.DataFrame:
        frame = _one_at_a_time(base, keys, base_values, [(k, value) for k, _, value in points], source)
        labels = zip(verdicts(frame), frame["equilibrium_path"].astype(str), strict=True)
        for (k, side, value), (verdict, path) in zip(points, labels, strict=True):
            if side >= 0:  # side -1: the base point
                seen[(k, side)][value] = (str(verdict), path)
        return frame

    # the scan: the base, then for each key path and side the grid outwards from the base
    fractions = np.arange(1, grid_points + 1) / grid_points
    scan = [(0, -1, base_values[0])]
    for k, key in enumerate(keys):
        for side, end in ((0, ranges[key][0]), (1, ranges[key][1])):
            if end != base_values[k]:
                scan.extend((k, side, float(v)) for v in base_values[k] + fractions * (end - base_values[k]))
    frame = evaluate(scan)
    evaluations = len(frame)
    base_verdict, base_path = str(verdicts(frame)[0]), str(frame["equilibrium_path"].iloc[0])
    if base_verdict == "":
        raise ValueError(f"the config itself is invalid: {frame['error'].iloc[0]}")
    references = {"verdict": (0, base_verdict), "path": (1, base_path)}

    def first_change(k: int, side: int, criterion: str) -> tuple[float, float, tuple[str, str]] | None:
        """(last value like the base, first value unlike it, its labels) among the valid
        points evaluated, outwards from the base (up to the first invalid one)."""
        position, reference = references[criterion]
        same = base_values[k]
        for value in sorted(seen[(k, side)], key=lambda v: abs(v - base_values[k])):
            labels = seen[(k, side)][value]
            if labels[0] == "":
                return None
            if labels[position] != reference:
                return same, value, labels
            same = value
        return None

    def verdict_return(k: int, side: int) -> tuple[float, float] | None:
        """(last value with the flipped verdict, first value beyond it with the headline
        verdict again) among the valid points seen, outwards from the verdict flip."""
        flip = first_change(k, side, "verdict")
        if flip is None:
            return None
        other = flip[1]
        for value in sorted(seen[(k, side)], key=lambda v: abs(v - base_values[k])):
            if abs(value - base_values[k]) <= abs(flip[1] - base_values[k]):
                continue
            verdict = seen[(k, side)][value][0]
            if verdict == "":
                return None
            if verdict == base_verdict:
                return other, value
            other = value
        return None

    # refinement (bisection with ``refine`` points a step) of every bracket at once; a bracket
    # is recomputed from all the points seen, so a point found by one criterion's refinement
    # can bring the other criterion's change nearer to the base
    inner = np.arange(1, refine + 1) / (refine + 1)
    while True:
        points = []
        for k in range(len(keys)):
            for side in (0, 1):
                brackets = [first_change(k, side, criterion) for criterion in references]
                brackets.append(verdict_return(k, side))
                for found in brackets:
                    if found is not None and abs(found[1] - found[0]) > tolerance:
                        a, b = found[0], found[1]
                        points.extend((k, side, float(a + f * (b - a))) for f in inner)
        points = list(dict.fromkeys(points))  # the two criteria may share a bracket
        if not points:
            break
        evaluations += len(evaluate(points))

    def searched(k: int, side: int) -> float:
        last = base_values[k]
        for value in sorted(seen[(k, side)], key=lambda v: abs(v - base_values[k])):
            if seen[(k, side)][value][0] == "":
                break
            last = value
        return last

    flips = []
    for k, key in enumerate(keys):
        down_v, up_v = first_change(k, 0, "verdict"), first_change(k, 1, "verdict")
        down_p, up_p = first_change(k, 0, "path"), first_change(k, 1, "path")
        down_r, up_r = verdict_return(k, 0), verdict_return(k, 1)
        flips.append(VerdictFlip(
            key_path=key, base_value=base_values[k],
            search_low=ranges[key][0], search_high=ranges[key][1],
            searched_low=searched(k, 0), searched_high=searched(k, 1),
            down_value=None if down_v is None else down_v[1],
            down_verdict=None if down_v is None else down_v[2][0],
            down_path=None if down_v is None else down_v[2][1],
            up_value=None if up_v is None else up_v[1],
            up_verdict=None if up_v is None else up_v[2][0],
            up_path=None if up_v is None else up_v[2][1],
            down_until=None if down_r is None else down_r[1],
            up_until=None if up_r is None else up_r[1],
            path_down_value=None if down_p is None else down_p[1],
            path_down_to=None if down_p is None else down_p[2][1],
            path_up_value=None if up_p is None else up_p[1],
            path_up_to=None if up_p is None else up_p[2][1],
        ))
    return VerdictFlips(_title(config), base_verdict, base_path, tuple(flips), words, grid_points, tolerance,
                        evaluations)
