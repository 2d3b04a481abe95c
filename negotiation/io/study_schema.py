r"""Types of the ``[sweep]`` and ``[uncertainty]`` tables of a scenario file (pydantic, strict).

Shape and types: unknown keys are refused (with a guess), ``"0.5"`` is not a number, bounds
that hold for one key (``points >= 2``, ``sd > 0``) and relations within one distribution
(``low < high``, ``low <= mode <= high``) are checked here, each problem reported as a
:class:`~negotiation.io.schema.ConfigProblem` with its source and key path. Key paths and
designs are checked by :func:`negotiation.study.design.sweep_design`, which reads the tables
through :func:`read_section`, :func:`read_parameter` and :func:`read_uncertainty`.

``[sweep]``
    ``design`` (``grid``, ``sobol``, ``latin_hypercube``, ``monte_carlo``), ``samples``,
    ``seed``, ``chunk_size``, and ``[sweep.parameters."KEY"]`` tables: ``low``, ``high``
    and ``points`` (a grid of ``numpy.linspace(low, high, points)``), or explicit
    ``values``.
``[uncertainty]``
    ``[uncertainty."KEY"]`` tables, one per uncertain value, each with a ``distribution``:

    ========== =========================== ==========================================
    name       keys                        distribution
    ========== =========================== ==========================================
    uniform    low, high                   :math:`U[\text{low}, \text{high}]`
    normal     mean, sd                    :math:`N(\text{mean}, \text{sd}^2)`
    triangular low, mode, high             triangular on [low, high], peak at mode
    lognormal  mu, sigma                   :math:`\log X \sim N(\mu, \sigma^2)`
    beta       a, b, low = 0, high = 1     Beta(a, b) stretched to [low, high]
    discrete   values, weights (optional)  one of ``values``, probability ∝ weight
    ========== =========================== ==========================================
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from negotiation.io.config import ConfigError, ConfigProblem

__all__ = [
    "DISTRIBUTIONS",
    "DISTRIBUTION_ALIASES",
    "MAX_POINTS",
    "Beta",
    "Discrete",
    "Distribution",
    "Lognormal",
    "Normal",
    "ParameterRange",
    "Problems",
    "SweepConfigError",
    "SweepSection",
    "Triangular",
    "Uniform",
    "flatten_tables",
    "is_range",
    "read_parameter",
    "read_section",
    "read_uncertainty",
]

#: Most points a sweep may have (a guard against a grid growing by accident).
MAX_POINTS = 1_000_000


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


class Normal(_Strict):
    distribution: Literal["normal"]
    mean: float
    sd: float = Field(gt=0.0)


class Triangular(_Strict):
    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float


class Lognormal(_Strict):
    """The value's logarithm is normal with mean ``mu`` and standard deviation ``sigma``."""

    distribution: Literal["lognormal"]
    mu: float
    sigma: float = Field(gt=0.0)


class Beta(_Strict):
    """Beta(a, b) stretched to ``[low, high]`` (default ``[0, 1]``)."""

    distribution: Literal["beta"]
    a: float = Field(gt=0.0)
    b: float = Field(gt=0.0)
    low: float = 0.0
    high: float = 1.0


class Discrete(_Strict):
    """One of ``values``, with probabilities proportional to ``weights`` (equal by default)."""

    distribution: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None


#: The distributions, by name.
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

Distribution = Uniform | Normal | Triangular | Lognormal | Beta | Discrete


# ---------------------------------------------------------------- reading the tables


class SweepConfigError(ConfigError):
    """Problems in a sweep's declaration, possibly from several sources (a file, ``--param``)."""

    def __init__(self, problems: list[tuple[str, ConfigProblem]]) -> None:
        ValueError.__init__(self, "\n".join(p.describe(source) for source, p in problems))
        self.source = problems[0][0] if problems else ""
        self.sources = tuple(source for source, _ in problems)
        self.problems = tuple(p for _, p in problems)


class Problems:
    """Problems found so far, each with its source (a file's name, ``command line``, ``--param``)."""

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


def _expected(kind: str, message: str) -> str:
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    text = message.removeprefix("Input should be ").removeprefix("List should ")
    return f"a number {text}" if kind.startswith(("greater", "less")) else text


def _unknown_key(key: str, allowed: list[str]) -> str:
    guess = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {guess[0]!r}?" if guess else f" (known keys: {', '.join(allowed)})"
    return f"no such key{hint}"


def _pydantic_problems(problems: Problems, source: str, prefix: str, error: ValidationError,
                       allowed: list[str]) -> None:
    """One problem per pydantic error, at ``prefix + key``."""
    for e in error.errors():
        loc = [str(p) for p in e["loc"]]
        path = prefix + ".".join(loc)
        if e["type"] == "extra_forbidden":
            problems.add(source, path, e["input"], _unknown_key(loc[-1], allowed))
        elif e["type"] == "missing":
            problems.add(source, path, None, "this key to be set", missing=True)
        else:
            problems.add(source, path, e["input"], _expected(e["type"], e["msg"]))


def flatten_tables(table: Mapping[str, Any], leaf: Callable[[Mapping[str, Any]], bool], prefix: str = "") -> dict[str, Any]:
    """``{"moves": {"m": {"cost": {...}}}}`` -> ``{"moves.m.cost": {...}}`` (TOML without quotes)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and not leaf(value) and all(isinstance(v, Mapping) for v in value.values()):
            flat.update(flatten_tables(value, leaf, prefix=f"{path}."))
        else:
            flat[path] = value
    return flat


def is_range(table: Mapping[str, Any]) -> bool:
    return bool(set(table) & set(ParameterRange.model_fields))


def _is_distribution(table: Mapping[str, Any]) -> bool:
    return "distribution" in table


def read_section(problems: Problems, table: Any, source: str, command_line: bool) -> SweepSection | None:
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
                problems.add(source, path, e["input"], _unknown_key(key, list(SweepSection.model_fields)))
            else:
                problems.add(source, path, e["input"], _expected(e["type"], e["msg"]))
        return None


def read_parameter(problems: Problems, source: str, path: str, raw: Any, shown: Any,
                   command_line: bool) -> ParameterRange | None:
    """One ``[sweep.parameters."KEY"]`` table (``shown``: how the command line wrote it)."""
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


def read_uncertainty(problems: Problems, source: str, table: Any) -> dict[str, Distribution | None]:
    """Each uncertain value's distribution (``None`` where it has problems)."""
    if table is None:
        return {}
    if not isinstance(table, Mapping):
        problems.add(source, "uncertainty", table, "a table of key path = { distribution = ..., ... }")
        return {}
    result: dict[str, Distribution | None] = {}
    for key, spec in flatten_tables(table, _is_distribution).items():
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
        if not isinstance(name, str) or name not in DISTRIBUTIONS:
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


def _distribution_relations(problems: Problems, source: str, path: str, spec: Distribution) -> None:
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
