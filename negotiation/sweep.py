r"""Parameter sweeps: a design, its points, one solve per point, tidy rows, checkpoints.

A sweep varies :math:`d` numeric values of a scenario, each named by its TOML key path
(``moves.entity_listing.cost``), over :math:`n` points :math:`x_1, \dots, x_n \in
\mathbb{R}^d`, solves the scenario at every point (with the same validation as a single
run: a point that makes the scenario invalid gets ``status = "invalid"``) and returns one
row per point that repeats its parameters.

Designs
-------
``grid``
    The Cartesian product of one value list per parameter (``low``, ``high``, ``points``:
    ``numpy.linspace``; or explicit ``values``); the first parameter varies slowest.
``sobol``, ``latin_hypercube``, ``monte_carlo``
    :math:`n` = ``samples`` points :math:`u_i \in (0, 1)^d` (scrambled Sobol', Latin
    hypercube, or i.i.d. uniforms from ``numpy.random.default_rng(seed)``), mapped to the
    parameters by inverse distribution functions,

    .. math:: x_{ij} = F_j^{-1}(u_{ij}),

    where :math:`F_j` is uniform on ``[low, high]`` for a swept parameter and the declared
    distribution for an uncertain value (``[uncertainty]``: uniform, normal, triangular,
    lognormal, beta, discrete). Everything is a function of ``seed``: no global random
    state is read.

Under ``grid`` the uncertain values are held at their values in the file.

Execution and checkpoints
-------------------------
Points are cut into chunks of ``chunk_size`` consecutive points; a chunk is the unit of
work (serially, in a ``ProcessPoolExecutor``, or on a Dask cluster) and of checkpointing:
each finished chunk is written atomically to ``OUT/chunks/chunk-NNNNNN.parquet`` as soon
as it completes. ``OUT/manifest.json`` records the design, a hash of the scenario config
and a hash of the points, so a resumed sweep refuses a changed config or design. The final
table (``OUT/sweep.parquet``, ``OUT/sweep.csv``) is always assembled from the chunk files,
in point order, so it is the same whether the sweep ran in one go or was interrupted and
resumed, and whatever the number of workers.

References
----------
Sobol', I. M. (1967), *USSR Comput. Math. Math. Phys.* 7(4), 86-112.
McKay, Beckman & Conover (1979), *Technometrics* 21(2), 239-245 (Latin hypercube).
Kucherenko et al. (2015), *Reliab. Eng. Syst. Saf.* 134, 88-99 (QMC vs Monte Carlo).

Examples
--------
>>> config = {"moves": {"m": {"cost": 0.01}}, "sides": {"a": {"outcomes": {"deadlock": 0.5}}}}
>>> design = sweep_design(config, overrides={"parameters": {
...     "moves.m.cost": {"low": 0.0, "high": 0.02, "points": 3},
...     "sides.a.outcomes.deadlock": {"low": 0.4, "high": 0.6, "points": 2}}})
>>> design.n_points, design.key_paths
(6, ('moves.m.cost', 'sides.a.outcomes.deadlock'))
>>> design_points(design)[:3].tolist()
[[0.0, 0.4], [0.0, 0.6], [0.01, 0.4]]
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import difflib
import hashlib
import inspect
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import stats
from scipy.stats import qmc

from negotiation import __version__
from negotiation.batch import solve_points, sweepable_key_paths
from negotiation.config import ConfigError, ConfigProblem

#: The designs, by name.
DESIGNS = ("grid", "sobol", "latin_hypercube", "monte_carlo")
#: Designs that draw ``samples`` points from the unit cube.
SAMPLED_DESIGNS = ("sobol", "latin_hypercube", "monte_carlo")
#: Default number of points of a sampled design (a power of two, as Sobol' prefers).
DEFAULT_SAMPLES = 64
#: Most points a sweep may have (a guard against a grid growing by accident).
MAX_POINTS = 1_000_000
#: Top-level config tables that describe a sweep rather than the scenario.
SWEEP_TABLES = ("sweep", "uncertainty")
#: Version of the checkpoint layout (manifest and chunk files).
CHECKPOINT_FORMAT = 1

MANIFEST = "manifest.json"
CHUNKS = "chunks"
TABLE_CSV = "sweep.csv"
TABLE_PARQUET = "sweep.parquet"

#: A solver of a batch of points: ``solver(base, {key path: values}, source=...)`` returns
#: one row per point (see :func:`negotiation.batch.solve_points`).
PointSolver = Callable[..., pd.DataFrame]


# ---------------------------------------------------------------- errors


class SweepConfigError(ConfigError):
    """Problems in a sweep's declaration, possibly from several sources (a file, ``--param``)."""

    def __init__(self, problems: list[tuple[str, ConfigProblem]]) -> None:
        ValueError.__init__(self, "\n".join(p.describe(source) for source, p in problems))
        self.source = problems[0][0] if problems else ""
        self.sources = tuple(source for source, _ in problems)
        self.problems = tuple(p for _, p in problems)


class SweepError(RuntimeError):
    """A sweep that cannot start or finish; the message says what to do."""


class CheckpointConflict(SweepError):
    """The output folder holds another sweep (or this one, and neither resume nor force)."""


class MissingDependency(SweepError):
    """An optional dependency (Dask's ``distributed``) is not installed."""


class SweepIncomplete(SweepError):
    """Some chunks failed; the finished ones are on disk and ``resume=True`` completes it."""

    def __init__(self, message: str, failed: tuple[int, ...]) -> None:
        super().__init__(message)
        self.failed = failed


# ---------------------------------------------------------------- the declaration (pydantic)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ParameterRange(_Strict):
    """``[sweep.parameters."KEY"]``: ``low``/``high`` (and ``points`` for a grid) or ``values``."""

    low: float | None = None
    high: float | None = None
    points: int | None = Field(default=None, ge=2)
    values: list[float] | None = Field(default=None, min_length=1)


class SweepSection(_Strict):
    """The ``[sweep]`` table (each parameter is then read as a :class:`ParameterRange`)."""

    design: str = "grid"
    parameters: dict[str, Any] = {}
    samples: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    seed: int = Field(default=0, ge=0)
    chunk_size: int | None = Field(default=None, ge=1)


class Uniform(_Strict):
    distribution: Literal["uniform"]
    low: float
    high: float

    def frozen(self) -> Any:
        return stats.uniform(loc=self.low, scale=self.high - self.low)


class Normal(_Strict):
    distribution: Literal["normal"]
    mean: float
    sd: float = Field(gt=0.0)

    def frozen(self) -> Any:
        return stats.norm(loc=self.mean, scale=self.sd)


class Triangular(_Strict):
    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float

    def frozen(self) -> Any:
        width = self.high - self.low
        return stats.triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)


class Lognormal(_Strict):
    """The value's logarithm is normal with mean ``mu`` and standard deviation ``sigma``."""

    distribution: Literal["lognormal"]
    mu: float
    sigma: float = Field(gt=0.0)

    def frozen(self) -> Any:
        return stats.lognorm(s=self.sigma, scale=math.exp(self.mu))


class Beta(_Strict):
    """Beta(a, b) stretched to ``[low, high]`` (default ``[0, 1]``)."""

    distribution: Literal["beta"]
    a: float = Field(gt=0.0)
    b: float = Field(gt=0.0)
    low: float = 0.0
    high: float = 1.0

    def frozen(self) -> Any:
        return stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)


class Discrete(_Strict):
    """One of ``values``, with probabilities proportional to ``weights`` (equal by default)."""

    distribution: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    def probabilities(self) -> np.ndarray:
        weights = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return weights / weights.sum()

    def frozen(self) -> Any:
        """A distribution over the *indices* of ``values`` (mapped by :meth:`ppf`)."""
        return stats.rv_discrete(values=(np.arange(len(self.values)), self.probabilities()))


DISTRIBUTIONS: dict[str, type[_Strict]] = {
    "uniform": Uniform,
    "normal": Normal,
    "triangular": Triangular,
    "lognormal": Lognormal,
    "beta": Beta,
    "discrete": Discrete,
}
#: Other names accepted for a distribution.
DISTRIBUTION_ALIASES = {"choice": "discrete", "gaussian": "normal"}
#: Other names accepted for a design.
DESIGN_ALIASES = {"lhs": "latin_hypercube", "mc": "monte_carlo"}

Distribution = Uniform | Normal | Triangular | Lognormal | Beta | Discrete


# ---------------------------------------------------------------- the validated design


@dataclass(frozen=True)
class Dimension:
    """One swept value: its key path and how it varies.

    ``kind`` is ``"grid"`` (``values`` lists the grid), ``"range"`` (uniform on
    ``[low, high]`` under a sampled design) or the name of a distribution (``spec``).
    """

    key_path: str
    kind: str
    values: tuple[float, ...] = ()
    low: float | None = None
    high: float | None = None
    spec: Distribution | None = None

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse distribution function on uniforms ``u`` in (0, 1)."""
        if self.kind == "range":
            assert self.low is not None and self.high is not None
            return np.asarray(stats.uniform(loc=self.low, scale=self.high - self.low).ppf(u), dtype=float)
        if isinstance(self.spec, Discrete):
            index = self.spec.frozen().ppf(u).astype(int)
            return np.asarray(self.spec.values, dtype=float)[index]
        assert self.spec is not None, f"no distribution for {self.kind!r}"
        return np.asarray(self.spec.frozen().ppf(u), dtype=float)

    def as_dict(self) -> dict[str, Any]:
        if self.kind == "grid":
            return {"key_path": self.key_path, "kind": "grid", "values": list(self.values)}
        if self.kind == "range":
            return {"key_path": self.key_path, "kind": "uniform", "low": self.low, "high": self.high}
        assert self.spec is not None
        return {"key_path": self.key_path, "kind": self.kind, **self.spec.model_dump(exclude={"distribution"})}


@dataclass(frozen=True)
class SweepDesign:
    """A validated sweep: what varies, how, and how the work is cut.

    Attributes
    ----------
    design : str
        One of :data:`DESIGNS`.
    dimensions : tuple of Dimension
        In column order: the swept parameters as declared, then (sampled designs) the
        uncertain values not also swept.
    samples, seed : int or None
        Number of points and seed of a sampled design (``None`` for a grid).
    chunk_size : int
        Points per chunk (the unit of work and of checkpointing).
    held_fixed : tuple of str
        Uncertain values kept at their values in the file (under ``grid``).
    """

    design: str
    dimensions: tuple[Dimension, ...]
    samples: int | None
    seed: int | None
    chunk_size: int
    held_fixed: tuple[str, ...] = ()

    @property
    def key_paths(self) -> tuple[str, ...]:
        return tuple(d.key_path for d in self.dimensions)

    @property
    def n_points(self) -> int:
        if self.design == "grid":
            return math.prod(len(d.values) for d in self.dimensions)
        assert self.samples is not None
        return self.samples

    @property
    def n_chunks(self) -> int:
        return -(-self.n_points // self.chunk_size)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (what the manifest records and compares)."""
        return {
            "design": self.design,
            "dimensions": [d.as_dict() for d in self.dimensions],
            "samples": self.samples,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "held_fixed": list(self.held_fixed),
        }

    def describe(self) -> str:
        """One line, e.g. ``grid 4 x 3 over a, b (12 points, 1 chunk)``."""
        if self.design == "grid":
            shape = " x ".join(str(len(d.values)) for d in self.dimensions)
            head = f"grid {shape}"
        else:
            head = f"{self.design} (seed {self.seed})"
        chunks = f"{self.n_chunks} chunk{'s' if self.n_chunks != 1 else ''} of up to {self.chunk_size}"
        return f"{head} over {', '.join(self.key_paths)}: {self.n_points} points, {chunks}"


def default_chunk_size(n_points: int) -> int:
    """About 32 chunks, each of 1 to 64 points: enough to share out and to checkpoint often.

    A function of the number of points only, so the chunks (and the checkpoint files) do
    not depend on how many workers compute them.

    >>> default_chunk_size(16), default_chunk_size(1000), default_chunk_size(100_000)
    (1, 32, 64)
    """
    return int(min(64, max(1, math.ceil(n_points / 32))))


# ---------------------------------------------------------------- validating a declaration


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, ConfigProblem]] = []

    def add(self, source: str, path: str, value: Any, expected: str, missing: bool = False) -> None:
        self.items.append((source, ConfigProblem(path, value, expected, missing)))

    def raise_if_any(self) -> None:
        if self.items:
            raise SweepConfigError(self.items)


_EXPECTED = {
    "float_type": "a number",
    "int_type": "a whole number",
    "string_type": "a string (in quotes)",
    "list_type": "a list [...]",
    "dict_type": "a table",
    "model_type": "a table",
    "finite_number": "a finite number",
}

#: How the command line names the keys of a ``[sweep]`` table.
_FLAGS = {"design": "--design", "samples": "--samples", "seed": "--seed", "chunk_size": "--chunk-size",
          "parameters": "--param"}


def _pydantic_problems(problems: _Problems, source: str, prefix: str, error: ValidationError,
                       allowed: list[str]) -> None:
    """One problem per pydantic error, at ``prefix + key``."""
    for e in error.errors():
        loc = [str(p) for p in e["loc"]]
        kind = e["type"]
        path = prefix + ".".join(loc)
        if kind == "extra_forbidden":
            guess = difflib.get_close_matches(loc[-1], allowed, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f" (known keys: {', '.join(allowed)})"
            problems.add(source, path, e["input"], f"no such key{hint}")
        elif kind == "missing":
            problems.add(source, path, None, "this key to be set", missing=True)
        else:
            problems.add(source, path, e["input"], _expected(kind, e["msg"]))


def _expected(kind: str, message: str) -> str:
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    text = message.removeprefix("Input should be ").removeprefix("List should ")
    return f"a number {text}" if kind.startswith(("greater", "less")) else text


def _flatten(table: Mapping[str, Any], leaf: Callable[[Mapping[str, Any]], bool], prefix: str = "") -> dict[str, Any]:
    """``{"moves": {"m": {"cost": {...}}}}`` -> ``{"moves.m.cost": {...}}`` (TOML without quotes)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not leaf(value) and all(isinstance(v, Mapping) for v in value.values()):
            flat.update(_flatten(value, leaf, prefix=f"{path}."))
        else:
            flat[path] = value
    return flat


def _is_range(table: Mapping[str, Any]) -> bool:
    return bool(set(table) & set(ParameterRange.model_fields))


def _is_distribution(table: Mapping[str, Any]) -> bool:
    return "distribution" in table


def _read_section(problems: _Problems, table: Any, source: str, command_line: bool) -> SweepSection | None:
    """The scalar keys of a ``[sweep]`` table (its parameters stay raw, read one by one)."""
    if table is None:
        return SweepSection()
    if not isinstance(table, Mapping):
        problems.add(source, "sweep", table, "a table")
        return None
    try:
        return SweepSection.model_validate(dict(table))
    except ValidationError as error:
        for e in error.errors():
            key = str(e["loc"][0]) if e["loc"] else ""
            path = _FLAGS.get(key, key) if command_line else "sweep." + ".".join(str(p) for p in e["loc"])
            if e["type"] == "extra_forbidden":
                allowed = list(SweepSection.model_fields)
                guess = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {guess[0]!r}?" if guess else f" (known keys: {', '.join(allowed)})"
                problems.add(source, path, e["input"], f"no such key{hint}")
            else:
                problems.add(source, path, e["input"], _expected(e["type"], e["msg"]))
        return None


def _read_parameter(problems: _Problems, source: str, path: str, raw: Any, shown: Any,
                    command_line: bool) -> ParameterRange | None:
    if not isinstance(raw, Mapping):
        problems.add(source, path, raw, "a table { low = ..., high = ..., points = ... }")
        return None
    try:
        return ParameterRange.model_validate(dict(raw))
    except ValidationError as error:
        if not command_line:
            _pydantic_problems(problems, source, f"{path}.", error, list(ParameterRange.model_fields))
            return None
        for e in error.errors():
            if e["loc"] and e["loc"][0] == "points":
                problems.add(source, path, shown, "N >= 2 (the number of grid points)")
            else:
                problems.add(source, path, shown, f"KEY=LO:HI:N ({e['loc'][0]}: {_expected(e['type'], e['msg'])})")
        return None


def _read_uncertainty(problems: _Problems, source: str, table: Any) -> dict[str, Distribution | None]:
    """Each uncertain value's distribution (``None`` where it has problems)."""
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        problems.add(source, "uncertainty", table, "a table of key path = { distribution = ..., ... }")
        return {}
    result: dict[str, Distribution | None] = {}
    for key, spec in _flatten(table, _is_distribution).items():
        path = f"uncertainty.{key}"
        result[key] = None
        if not isinstance(spec, Mapping):
            problems.add(source, path, spec, "a table { distribution = ..., ... }")
            continue
        spec = dict(spec)
        name = spec.get("distribution")
        if name is None:
            problems.add(source, f"{path}.distribution", None, f"one of {', '.join(DISTRIBUTIONS)}", missing=True)
            continue
        name = DISTRIBUTION_ALIASES.get(name, name) if isinstance(name, str) else name
        if name not in DISTRIBUTIONS:
            guess = difflib.get_close_matches(str(name), list(DISTRIBUTIONS), n=1)
            hint = f"did you mean {guess[0]!r}? " if guess else ""
            problems.add(source, f"{path}.distribution", spec["distribution"],
                         f"a known distribution: {hint}one of {', '.join(DISTRIBUTIONS)}")
            continue
        spec["distribution"] = name
        model = DISTRIBUTIONS[name]
        try:
            parsed = model.model_validate(spec)
        except ValidationError as error:
            _pydantic_problems(problems, source, f"{path}.", error, list(model.model_fields))
            continue
        before = len(problems.items)
        _distribution_relations(problems, source, path, parsed)  # type: ignore[arg-type]
        if len(problems.items) == before:
            result[key] = parsed  # type: ignore[assignment]
    return result


def _distribution_relations(problems: _Problems, source: str, path: str, spec: Distribution) -> None:
    def bad(key: str, value: Any, expected: str) -> None:
        problems.add(source, f"{path}.{key}", value, expected)

    if isinstance(spec, Uniform | Beta) and not spec.low < spec.high:
        bad("high", spec.high, f"a number greater than low ({spec.low:g})")
    if isinstance(spec, Triangular):
        if not spec.low < spec.high:
            bad("high", spec.high, f"a number greater than low ({spec.low:g})")
        elif not spec.low <= spec.mode <= spec.high:
            bad("mode", spec.mode, f"a number in [low, high] = [{spec.low:g}, {spec.high:g}]")
    if isinstance(spec, Discrete):
        if len(set(spec.values)) != len(spec.values):
            bad("values", spec.values, "distinct values")
        if spec.weights is not None:
            if len(spec.weights) != len(spec.values):
                bad("weights", spec.weights, f"{len(spec.values)} numbers, one per value")
            elif any(w < 0 for w in spec.weights) or sum(spec.weights) <= 0:
                bad("weights", spec.weights, "non-negative numbers with a positive sum")


def key_path_problem(config: Mapping[str, Any], key: str) -> str | None:
    """What is wrong with sweeping ``key`` in ``config`` (``None``: it is a numeric value).

    >>> config = {"moves": {"m": {"cost": 0.01, "label": "M"}}}
    >>> key_path_problem(config, "moves.m.cost") is None
    True
    >>> key_path_problem(config, "moves.m.cots")
    "a numeric key path of the scenario; did you mean 'moves.m.cost'?"
    >>> key_path_problem(config, "moves.m.label")
    'a numeric key path (moves.m.label holds a string, which a sweep cannot vary)'
    """
    scenario = base_config(config)
    return _key_path_problem(set(sweepable_key_paths(scenario)), _all_key_paths(scenario), key)


def _key_path_problem(numeric: set[str], everything: dict[str, Any], key: str) -> str | None:
    if key in numeric:
        return None
    if key in everything:
        value = everything[key]
        if isinstance(value, dict | list):
            inside = [k for k in numeric if k.startswith((key + ".", key + "["))]
            hint = f"; did you mean {inside[0]!r}?" if len(inside) == 1 else (
                f"; numbers under it: {', '.join(inside[:6])}" if inside else "")
            what = "a table" if isinstance(value, dict) else "a list: sweep one item, as KEY[i]"
            return f"a numeric key path ({key} is {what}){hint}"
        kind = {str: "a string", list: "a list", bool: "true or false"}.get(type(value), type(value).__name__)
        return f"a numeric key path ({key} holds {kind}, which a sweep cannot vary)"
    guess = difflib.get_close_matches(key, list(numeric), n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return f"a numeric key path of the scenario{hint}"


def _all_key_paths(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        paths[path] = value
        if isinstance(value, dict):
            paths.update(_all_key_paths(value, prefix=f"{path}."))
        elif isinstance(value, list):
            paths.update({f"{path}[{i}]": item for i, item in enumerate(value)})
    return paths


def base_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario part of a config: a deep copy without its ``[sweep]``/``[uncertainty]``."""
    return {k: copy.deepcopy(v) for k, v in config.items() if k not in SWEEP_TABLES}


def _show_range(raw: Any) -> str:
    """``{"low": 0, "high": 1, "points": 5}`` as the command line writes it: ``0:1:5``."""
    if not isinstance(raw, Mapping):
        return str(raw)
    if "values" in raw:
        return ",".join(f"{v:g}" if isinstance(v, int | float) else str(v) for v in raw["values"])
    parts = [raw.get("low"), raw.get("high")] + ([raw["points"]] if raw.get("points") is not None else [])
    return ":".join("" if p is None else f"{p:g}" if isinstance(p, float) else str(p) for p in parts)


def sweep_design(
    config: Mapping[str, Any],
    *,
    source: str = "<config>",
    overrides: Mapping[str, Any] | None = None,
) -> SweepDesign:
    """Validate a config's ``[sweep]`` and ``[uncertainty]`` tables (and overrides) into a design.

    Parameters
    ----------
    config : mapping
        A parsed scenario config, possibly with ``sweep`` and ``uncertainty`` tables.
    source : str
        The config's name in error messages (``madrid_2025.toml``).
    overrides : mapping, optional
        Keys of a ``[sweep]`` table given on the command line: ``design``, ``samples``,
        ``seed``, ``chunk_size`` replace the file's; ``parameters`` (key path ->
        ``{"low", "high", "points"}``) replaces the file's parameters as a whole. ``None``
        values are ignored. Problems with them are reported as the command line's
        (``--param KEY = 'LO:HI:N': ...``).

    Raises
    ------
    SweepConfigError
        (a :class:`~negotiation.config.ConfigError`) listing every problem, each with its
        source and key path.
    """
    problems = _Problems()
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    section = _read_section(problems, config.get("sweep"), source, command_line=False)
    cli = _read_section(problems, given, "command line", command_line=True)
    if section is None or cli is None:
        problems.raise_if_any()
    assert section is not None and cli is not None

    def pick(name: str) -> tuple[Any, bool]:
        """A setting and whether it comes from the command line (which wins)."""
        return (getattr(cli, name), True) if name in given else (getattr(section, name), False)

    design, design_cli = pick("design")
    design = DESIGN_ALIASES.get(design, design)
    parameters, parameters_cli = pick("parameters")
    samples, _ = pick("samples")
    seed, _ = pick("seed")
    chunk_size, _ = pick("chunk_size")
    if design not in DESIGNS:
        guess = difflib.get_close_matches(design, list(DESIGNS), n=1)
        hint = f"did you mean {guess[0]!r}? " if guess else ""
        problems.add("command line" if design_cli else source, "--design" if design_cli else "sweep.design", design,
                     f"a design: {hint}one of {', '.join(DESIGNS)}")
        problems.raise_if_any()

    scenario = base_config(config)
    numeric = set(sweepable_key_paths(scenario))
    everything = _all_key_paths(scenario)
    parameter_source = "--param" if parameters_cli else source
    if not parameters_cli:
        parameters = _flatten(parameters, _is_range)

    dimensions: list[Dimension] = []
    for key, raw in parameters.items():
        path = key if parameters_cli else f"sweep.parameters.{key}"
        shown = _show_range(raw) if parameters_cli else raw
        before = len(problems.items)
        wrong = _key_path_problem(numeric, everything, key)
        if wrong:
            problems.add(parameter_source, path, shown, wrong)
        spec = _read_parameter(problems, parameter_source, path, raw, shown, parameters_cli)
        if spec is not None:
            dimension = _dimension(problems, parameter_source, path, key, spec, design, shown, parameters_cli)
            if dimension is not None and len(problems.items) == before:
                dimensions.append(dimension)

    uncertain = _read_uncertainty(problems, source, config.get("uncertainty"))
    for key in uncertain:
        wrong = _key_path_problem(numeric, everything, key)
        if wrong:
            problems.add(source, f"uncertainty.{key}", {}, wrong)
    no_parameters = ("command line", "--param") if parameters_cli else (source, "sweep.parameters")
    held_fixed: tuple[str, ...] = ()
    if design == "grid":
        held_fixed = tuple(k for k in uncertain if k not in parameters)
        if not parameters:
            problems.add(*no_parameters, None,
                         "at least one parameter to sweep ([sweep.parameters] or --param KEY=LO:HI:N)", missing=True)
    else:
        for key, spec in uncertain.items():
            if key not in parameters and spec is not None:
                dimensions.append(Dimension(key, spec.distribution, spec=spec))
        if not parameters and not uncertain:
            problems.add(*no_parameters, None, f"at least one parameter to sweep or value declared under "
                         f"[uncertainty] to sample with design {design!r}", missing=True)
    problems.raise_if_any()

    if design == "grid":
        n_points = math.prod(len(d.values) for d in dimensions)
        if n_points > MAX_POINTS:
            shape = " x ".join(str(len(d.values)) for d in dimensions)
            problems.add(*no_parameters, shape, f"a grid of at most {MAX_POINTS:,} points (this one has {n_points:,})")
            problems.raise_if_any()
        samples, seed = None, None
    else:
        samples = DEFAULT_SAMPLES if samples is None else samples
        n_points = samples
    return SweepDesign(
        design=design,
        dimensions=tuple(dimensions),
        samples=samples,
        seed=seed,
        chunk_size=chunk_size if chunk_size is not None else default_chunk_size(n_points),
        held_fixed=held_fixed,
    )


def _dimension(problems: _Problems, source: str, path: str, key: str, spec: ParameterRange,
               design: str, shown: Any, command_line: bool) -> Dimension | None:
    def bad(expected: str, part: str, value: Any, missing: bool = False) -> None:
        """On the command line the whole ``KEY=LO:HI:N`` is shown; in a file the key at fault."""
        if command_line:
            problems.add(source, path, shown, expected)
        else:
            problems.add(source, f"{path}.{part}", value, expected, missing)

    if spec.values is not None:
        if design != "grid":
            bad(f"low and high instead (explicit values are for design 'grid'; {design!r} draws from "
                "[low, high])", "values", spec.values)
        elif spec.low is not None or spec.high is not None or spec.points is not None:
            bad("either values or low/high/points, not both", "values", spec.values)
        elif len(set(spec.values)) != len(spec.values):
            bad("distinct values", "values", spec.values)
        else:
            return Dimension(key, "grid", values=tuple(float(v) for v in spec.values))
        return None
    if spec.low is None or spec.high is None:
        missing = "low" if spec.low is None else "high"
        bad("KEY=LO:HI:N" if command_line else "a number (the range to sweep is low to high)", missing, None,
            missing=True)
        return None
    if not spec.low < spec.high:
        bad(f"LO < HI (here {spec.low:g} >= {spec.high:g})" if command_line
            else f"a number greater than low ({spec.low:g})", "high", spec.high)
        return None
    if design == "grid":
        if spec.points is None:
            bad("KEY=LO:HI:N with N >= 2 grid points (N may be left out only with a sampled design)"
                if command_line else "the number of grid points (>= 2)", "points", None, missing=True)
            return None
        grid = np.linspace(spec.low, spec.high, spec.points)
        return Dimension(key, "grid", values=tuple(float(v) for v in grid), low=spec.low, high=spec.high)
    return Dimension(key, "range", low=spec.low, high=spec.high)


# ---------------------------------------------------------------- points


def _sampler(cls: type, d: int, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    # scipy >= 1.15 names the generator ``rng``; older versions ``seed``.
    keyword = "rng" if "rng" in inspect.signature(cls).parameters else "seed"
    return cls(d, scramble=True, **{keyword: rng})


def unit_points(design: str, n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points in the open unit cube ``(0, 1)^d`` for a sampled design (reproducible by seed).

    >>> u = unit_points("sobol", 8, 2, seed=1)
    >>> u.shape, bool(((u > 0) & (u < 1)).all())
    ((8, 2), True)
    >>> bool((unit_points("sobol", 8, 2, seed=1) == u).all())
    True
    """
    if design == "monte_carlo":
        u = np.random.default_rng(seed).random((n, d))
    elif design == "sobol":
        import warnings

        with warnings.catch_warnings():
            # "balance properties ... require n to be a power of 2": documented, not fatal.
            warnings.simplefilter("ignore", UserWarning)
            u = _sampler(qmc.Sobol, d, seed).random(n)
    elif design == "latin_hypercube":
        u = _sampler(qmc.LatinHypercube, d, seed).random(n)
    else:
        raise ValueError(f"not a sampled design: {design!r}")
    # The inverse of an unbounded distribution is infinite at 0 and 1: stay inside.
    tiny = np.finfo(float).eps
    return np.clip(u, tiny, 1.0 - tiny)


def design_points(design: SweepDesign) -> np.ndarray:
    """The points of a design, shape ``(n_points, dimensions)``, in point order."""
    if design.design == "grid":
        axes = [np.asarray(d.values, dtype=float) for d in design.dimensions]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh]).astype(float)
    assert design.samples is not None and design.seed is not None
    u = unit_points(design.design, design.samples, len(design.dimensions), design.seed)
    return np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(design.dimensions)]).astype(float)


def chunk_bounds(n_points: int, chunk_size: int) -> tuple[tuple[int, int], ...]:
    """``(start, stop)`` of each chunk of consecutive points.

    >>> chunk_bounds(5, 2)
    ((0, 2), (2, 4), (4, 5))
    """
    return tuple((start, min(start + chunk_size, n_points)) for start in range(0, n_points, chunk_size))


# ---------------------------------------------------------------- manifest


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config_hash(config: Mapping[str, Any]) -> str:
    """SHA-256 of a config's scenario part (parsed values, so comments do not count)."""
    text = json.dumps(base_config(config), sort_keys=True, default=str, separators=(",", ":"))
    return _sha256(text.encode())


def points_hash(points: np.ndarray) -> str:
    array = np.ascontiguousarray(points, dtype="<f8")
    return _sha256(repr(array.shape).encode() + array.tobytes())


def sweep_manifest(config: Mapping[str, Any], design: SweepDesign, *, source: str = "<config>") -> dict[str, Any]:
    """What ``OUT/manifest.json`` records: enough to refuse resuming a different sweep."""
    points = design_points(design)
    scenario = config.get("scenario", {})
    return {
        "format": CHECKPOINT_FORMAT,
        "negotiation": __version__,
        "source": source,
        "scenario": scenario.get("name") if isinstance(scenario, Mapping) else None,
        "title": scenario.get("title") if isinstance(scenario, Mapping) else None,
        "config_sha256": config_hash(config),
        "design": design.as_dict(),
        "points": int(points.shape[0]),
        "points_sha256": points_hash(points),
        "chunks": design.n_chunks,
    }


#: Manifest entries that must match for a checkpoint to be resumed.
_COMPARED = ("format", "config_sha256", "design", "points", "points_sha256", "chunks")


def manifest_differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Readable differences between two manifests in what matters for resuming."""
    differences = []
    for key in _COMPARED:
        if old.get(key) == new.get(key):
            continue
        if key == "design":
            a, b = old.get("design") or {}, new.get("design") or {}
            for part in sorted(set(a) | set(b)):
                if a.get(part) != b.get(part):
                    differences.append(f"design.{part}: {_brief(a.get(part))} -> {_brief(b.get(part))}")
        elif key == "config_sha256":
            differences.append("the scenario config (its values changed)")
        elif key == "points_sha256" and old.get("design") == new.get("design"):
            differences.append("the generated points (same design: another numpy/scipy version?)")
        elif key != "points_sha256":
            differences.append(f"{key}: {_brief(old.get(key))} -> {_brief(new.get(key))}")
    return differences


def _brief(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[" + ", ".join(str(v.get("key_path", "?")) for v in value) + "]"
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- files


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    _atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8"))


def chunk_path(out_dir: str | Path, index: int) -> Path:
    return Path(out_dir) / CHUNKS / f"chunk-{index:06d}.parquet"


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder, or ``None`` if there is none."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckpointConflict(f"{path}: unreadable sweep manifest ({error}); use --force to start over") from None


def _owned_files(out: Path) -> list[Path]:
    files = [out / MANIFEST, out / TABLE_CSV, out / TABLE_PARQUET]
    files += sorted((out / CHUNKS).glob("*")) if (out / CHUNKS).is_dir() else []
    files += [out / "figures" / f"phase_map.{ext}" for ext in ("png", "pdf")]
    return [f for f in files if f.is_file()]


def _prepare_out_dir(out: Path, manifest: dict[str, Any], resume: bool, force: bool) -> None:
    existing = read_manifest(out)
    chunks = out / CHUNKS
    if force:
        for f in _owned_files(out):
            f.unlink()
        existing = None
    elif existing is None and chunks.is_dir() and any(chunks.iterdir()):
        raise CheckpointConflict(f"{out}: has {CHUNKS}/ but no {MANIFEST}: not a sweep folder this version "
                                 "can resume; use --force to start over or choose another --out")
    elif existing is not None:
        differences = manifest_differences(existing, manifest)
        done = sum(1 for i in range(int(existing.get("chunks") or 0)) if chunk_path(out, i).exists())
        if differences:
            raise CheckpointConflict(
                f"{out}: holds a different sweep ({done} of {existing.get('chunks')} chunks done); it differs in: "
                + "; ".join(differences) + ". Use --force to replace it, or choose another --out"
            )
        if not resume:
            state = "complete" if done == existing.get("chunks") else f"{done} of {existing.get('chunks')} chunks done"
            raise CheckpointConflict(f"{out}: already holds this sweep ({state}); use --resume to reuse it, "
                                     "or --force to recompute it")
    chunks.mkdir(parents=True, exist_ok=True)
    for stale in chunks.glob(".*.tmp-*"):  # a write cut short by a kill
        stale.unlink()
    if existing is None:
        _write_json(out / MANIFEST, {**manifest, "created_at": pd.Timestamp.now(tz="UTC").isoformat()})


# ---------------------------------------------------------------- running


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep: its table (one row per point, in point order) and where it is.

    ``computed``, ``reused`` and ``replaced`` list chunk indices: solved in this call, found
    finished on disk, found on disk but not matching the design (recomputed).
    """

    table: pd.DataFrame
    out_dir: Path
    design: SweepDesign
    computed: tuple[int, ...]
    reused: tuple[int, ...]
    replaced: tuple[int, ...] = ()
    files: dict[str, Path] = field(default_factory=dict)


def solve_chunk(solver: PointSolver, base: Mapping[str, Any], key_paths: tuple[str, ...],
                values: np.ndarray, source: str) -> pd.DataFrame:
    """Solve one chunk (this is what runs on a worker)."""
    overrides = {key: np.ascontiguousarray(values[:, j]) for j, key in enumerate(key_paths)}
    return solver(base, overrides, source=source)


def _chunk_frame(frame: pd.DataFrame, design: SweepDesign, start: int, values: np.ndarray) -> pd.DataFrame:
    """The solver's rows made into checkpoint rows: ``point`` (and ``seed``), parameters, results."""
    if len(frame) != len(values):
        raise SweepError(f"the solver returned {len(frame)} rows for {len(values)} points")
    frame = frame.reset_index(drop=True)
    out = {"point": np.arange(start, start + len(values), dtype=np.int64)}
    if design.seed is not None:
        out["seed"] = np.full(len(values), design.seed, dtype=np.int64)
    for j, key in enumerate(design.key_paths):
        out[key] = values[:, j]
    rest = {c: frame[c] for c in frame.columns if c not in out}
    return pd.DataFrame({**out, **rest})


def _chunk_matches(path: Path, design: SweepDesign, start: int, values: np.ndarray) -> bool:
    """A chunk on disk belongs to this design: its points and parameter values are the expected ones."""
    try:
        frame = pd.read_parquet(path)
    except Exception:  # noqa: BLE001 - any unreadable file is recomputed
        return False
    if len(frame) != len(values) or "point" not in frame or not set(design.key_paths) <= set(frame.columns):
        return False
    if not np.array_equal(frame["point"].to_numpy(), np.arange(start, start + len(values))):
        return False
    return all(np.array_equal(frame[k].to_numpy(dtype=float), values[:, j]) for j, k in enumerate(design.key_paths))


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[cf.Executor | None]:
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependency(
                "--scheduler needs Dask's distributed package: pip install 'negotiation[distributed]'"
            ) from None
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
        try:
            yield client.get_executor(pure=False, retries=2)
        finally:
            client.close()
    elif workers > 1:
        with cf.ProcessPoolExecutor(workers) as pool:
            yield pool
    else:
        yield None


def run_sweep(
    config: Mapping[str, Any],
    design: SweepDesign,
    out_dir: str | Path,
    *,
    source: str = "<config>",
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool | None = False,
    solver: PointSolver | None = None,
) -> SweepResult:
    """Solve every point of a design, checkpointing each chunk, and write the table.

    Parameters
    ----------
    config : mapping
        The parsed scenario config (its ``sweep``/``uncertainty`` tables are ignored here).
    design : SweepDesign
        From :func:`sweep_design`.
    out_dir : path
        Gets ``manifest.json``, ``chunks/``, ``sweep.parquet`` and ``sweep.csv``.
    workers : int
        Local worker processes (1: in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); overrides ``workers``.
    resume : bool
        Continue the sweep already in ``out_dir`` (refused if its config or design differ),
        recomputing only missing chunks.
    force : bool
        Discard a sweep already in ``out_dir``.
    progress : bool or None
        Show a progress bar (``None``: when stderr is a terminal).
    solver : callable, optional
        ``solver(base, overrides, source=...)``; default
        :func:`negotiation.batch.solve_points`. Must be picklable for ``workers > 1``.

    Raises
    ------
    CheckpointConflict
        ``out_dir`` holds another sweep, or this one without ``resume``/``force``.
    SweepIncomplete
        Some chunks failed (e.g. a worker died); the finished ones are saved.
    KeyboardInterrupt
        Passed on after cancelling pending work; finished chunks are saved.
    """
    solver = solver or solve_points
    out = Path(out_dir)
    points = design_points(design)
    manifest = sweep_manifest(config, design, source=source)
    _prepare_out_dir(out, manifest, resume=resume, force=force)
    base = base_config(config)
    bounds = chunk_bounds(len(points), design.chunk_size)

    reused, replaced, todo = [], [], []
    for index, (start, stop) in enumerate(bounds):
        path = chunk_path(out, index)
        if path.exists() and _chunk_matches(path, design, start, points[start:stop]):
            reused.append(index)
        else:
            if path.exists():
                replaced.append(index)
            todo.append(index)

    from tqdm import tqdm

    done_points = sum(stop - start for start, stop in (bounds[i] for i in reused))
    bar = tqdm(total=len(points), initial=done_points, unit="point", desc="sweep", file=sys.stderr,
               disable=None if progress is None else not progress, dynamic_ncols=True)

    def finish(index: int, frame: pd.DataFrame) -> None:
        start, stop = bounds[index]
        rows = _chunk_frame(frame, design, start, points[start:stop])
        _atomic_write(chunk_path(out, index), lambda p: rows.to_parquet(p, index=False))
        bar.update(stop - start)

    failures: dict[int, BaseException] = {}
    try:
        with _executor(workers, scheduler) as executor:
            if executor is None:
                for index in todo:
                    start, stop = bounds[index]
                    try:
                        frame = solve_chunk(solver, base, design.key_paths, points[start:stop], source)
                    except Exception as error:  # noqa: BLE001 - reported below, the rest go on
                        failures[index] = error
                        continue
                    finish(index, frame)
            else:
                futures = {
                    executor.submit(solve_chunk, solver, base, design.key_paths, points[start:stop], source): index
                    for index, (start, stop) in ((i, bounds[i]) for i in todo)
                }
                try:
                    for future in cf.as_completed(futures):
                        index = futures[future]
                        try:
                            frame = future.result()
                        except Exception as error:  # noqa: BLE001 - reported below
                            failures[index] = error
                            continue
                        finish(index, frame)
                except BaseException:
                    for future in futures:
                        future.cancel()
                    try:
                        executor.shutdown(wait=False, cancel_futures=True)
                    except TypeError:  # Dask's executor has no cancel_futures (cancelled above)
                        executor.shutdown(wait=False)
                    raise
    finally:
        bar.close()

    if failures:
        first = min(failures)
        error = failures[first]
        raise SweepIncomplete(
            f"{len(failures)} of {len(bounds)} chunks failed (chunk {first}: {type(error).__name__}: {error}); "
            f"the {len(bounds) - len(failures)} finished chunks are saved in {out / CHUNKS}; "
            "run again with --resume to compute the rest",
            tuple(sorted(failures)),
        )

    table = assemble_table(out, len(bounds))
    files = write_table(table, out)
    return SweepResult(table, out, design, tuple(todo), tuple(reused), tuple(replaced), files)


def assemble_table(out_dir: str | Path, n_chunks: int) -> pd.DataFrame:
    """The sweep table read back from its chunk files, in point order."""
    frames = [pd.read_parquet(chunk_path(out_dir, i)) for i in range(n_chunks)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_table(table: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write ``sweep.parquet`` and ``sweep.csv`` (atomically) and return their paths."""
    out = Path(out_dir)
    parquet, csv = out / TABLE_PARQUET, out / TABLE_CSV
    _atomic_write(parquet, lambda p: table.to_parquet(p, index=False))
    _atomic_write(csv, lambda p: table.to_csv(p, index=False))
    return {TABLE_PARQUET: parquet, TABLE_CSV: csv}


def read_sweep(out_dir: str | Path) -> pd.DataFrame:
    """A finished sweep's table (``OUT/sweep.parquet``)."""
    return pd.read_parquet(Path(out_dir) / TABLE_PARQUET)
