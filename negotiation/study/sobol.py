r"""Sobol' indices: which declared uncertainties the answer depends on, alone and together.

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

The outputs are columns of a sweep table (``p_truce``, ``payoff_us``, ...) or the indicator
of a verdict, ``verdict_<outcome>`` (1 where the verdict of
:func:`negotiation.study.uncertainty.verdicts` is that outcome, else 0). Each model
evaluation of :func:`sobol_sensitivity` is a point solved by
:func:`negotiation.study.points.solve_points`.

References
----------
Saltelli, A. et al. (2010), *Comput. Phys. Commun.* 181(2), 259-270.
Sobol', I. M. (2001), *Math. Comput. Simul.* 55, 271-280.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from negotiation.io.config import base_config
from negotiation.study.sweep import atomic_write, config_hash
from negotiation.study.uncertainty import declared_uncertainty, output_values, scenario_title
from negotiation.version import __version__

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SobolIndices", "checkpointed_model", "sobol_analysis", "sobol_sensitivity"]

#: A model for :func:`sobol_analysis`: ``{key path: values}`` -> table with the output columns.
Model = Callable[[Mapping[str, np.ndarray]], Any]


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
        import pandas as pd

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
        Each with a ``ppf`` (frozen scipy distributions, or the dimensions of
        :func:`negotiation.study.uncertainty.declared_uncertainty`).
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

    >>> from scipy import stats
    >>> dists = {"x1": stats.uniform(), "x2": stats.uniform()}
    >>> r = sobol_analysis(lambda x: {"y": x["x1"] + 2 * x["x2"]}, dists, outputs=["y"],
    ...                    samples=1024, bootstrap=False)
    >>> np.round(r.first_order, 2).tolist(), r.evaluations
    ([[0.2, 0.8]], 4096)
    """
    from scipy import stats

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
        y = output_values(frame, outputs)
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
    >>> import pandas as pd
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
        import pandas as pd

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
            atomic_write(path, lambda p, f=frame: f.to_parquet(p, index=False))
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
    solver: Callable[..., pd.DataFrame] | None = None,
) -> SobolIndices:
    """Sobol' indices of a scenario's outputs over its declared uncertainty.

    The inputs are the ``[uncertainty]`` values of ``config`` with their declared
    distributions (or the subset ``key_paths``; the rest stay at their values in the file);
    each of the three model calls is one batch of ``solver`` (default
    :func:`negotiation.study.points.solve_points`). See :func:`sobol_analysis` for the other
    parameters. Uses :math:`n (d + 2)` evaluations. With ``checkpoint_dir``, points are
    solved in chunks of ``chunk_size`` kept there as they finish (:func:`checkpointed_model`):
    an interrupted analysis run again with the same config and seed solves only what it had
    not finished.

    Examples
    --------
    >>> from negotiation.io.config import read_config, default_config_path
    >>> r = sobol_sensitivity(read_config(default_config_path()), samples=16, bootstrap=False)
    >>> len(r.key_paths), r.evaluations
    (15, 272)
    """
    if solver is None:
        from negotiation.study.points import solve_points as solver
    dists = declared_uncertainty(config, source=source)
    if key_paths is not None:
        unknown = [k for k in key_paths if k not in dists]
        if unknown:
            raise KeyError(f"not declared under [uncertainty]: {', '.join(unknown)}")
        dists = {k: dists[k] for k in key_paths}
    base = base_config(config)

    def model(overrides: Mapping[str, np.ndarray]) -> pd.DataFrame:
        return solver(base, dict(overrides), source=source)

    if checkpoint_dir is not None:
        # the version is part of each chunk's name: a chunk solved by other code is not reused
        tag = f"negotiation {__version__}: {config_hash(base)}"
        model = checkpointed_model(model, checkpoint_dir, chunk_size=chunk_size, tag=tag)
    return sobol_analysis(model, dists, outputs=outputs, samples=samples, seed=seed, bootstrap=bootstrap,
                          confidence=confidence, n_resamples=n_resamples, scenario=scenario_title(config))
