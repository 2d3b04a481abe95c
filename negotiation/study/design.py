r"""Sweep designs: what varies, how, and the points it gives.

A sweep varies :math:`d` numeric values of a scenario, each named by its key path
(``moves.entity_listing.cost``), over :math:`n` points :math:`x_1, \dots, x_n \in
\mathbb{R}^d`. :func:`sweep_design` validates a config's ``[sweep]`` and ``[uncertainty]``
tables (and the command line's settings, which win) into a :class:`SweepDesign`;
:func:`design_points` gives its points.

Designs
-------
``grid``
    The Cartesian product of one value list per parameter (``low``, ``high``, ``points``:
    ``numpy.linspace``; or explicit ``values``); the first parameter varies slowest. The
    uncertain values are held at their values in the file.
``sobol``, ``latin_hypercube``, ``monte_carlo``
    :math:`n` = ``samples`` points :math:`u_i \in (0, 1)^d` (scrambled Sobol', Latin
    hypercube, or i.i.d. uniforms from ``numpy.random.default_rng(seed)``), mapped to the
    parameters by inverse distribution functions,

    .. math:: x_{ij} = F_j^{-1}(u_{ij}),

    where :math:`F_j` is uniform on ``[low, high]`` for a swept parameter and the declared
    distribution for an uncertain value (:mod:`negotiation.io.study_schema`). Everything is a
    function of ``seed``: no global random state is read.

SciPy (``scipy.stats``, slow to import) is imported only by a sampled design that needs it:
Sobol' and Latin hypercube points, or a declared distribution.

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

import difflib
import inspect
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from negotiation.io.config import base_config
from negotiation.io.key_paths import sweepable_key_path_problem
from negotiation.io.study_schema import (
    MAX_POINTS,
    Beta,
    Discrete,
    Distribution,
    Lognormal,
    Normal,
    ParameterRange,
    Problems,
    SweepConfigError,
    Triangular,
    Uniform,
    flatten_tables,
    is_range,
    read_parameter,
    read_section,
    read_uncertainty,
)

__all__ = [
    "DEFAULT_SAMPLES",
    "DESIGNS",
    "SAMPLED_DESIGNS",
    "Dimension",
    "SweepConfigError",
    "SweepDesign",
    "default_chunk_size",
    "design_points",
    "frozen_distribution",
    "sweep_design",
    "unit_points",
]

#: The designs, by name.
DESIGNS = ("grid", "sobol", "latin_hypercube", "monte_carlo")
#: Designs that draw ``samples`` points from the unit cube.
SAMPLED_DESIGNS = ("sobol", "latin_hypercube", "monte_carlo")
#: Other names accepted for a design.
DESIGN_ALIASES = {"lhs": "latin_hypercube", "mc": "monte_carlo"}
#: Default number of points of a sampled design (a power of two, as Sobol' prefers).
DEFAULT_SAMPLES = 64
#: Points in a chunk of a sweep (see :func:`default_chunk_size`): a batched solve of
#: thousands of points costs little more than one of a few hundred, and a chunk is held in
#: memory whole.
CHUNK = 16384


# ---------------------------------------------------------------- distributions


def frozen_distribution(spec: Distribution) -> Any:
    """The frozen ``scipy.stats`` distribution of a declared one (a discrete one over the
    *indices* of its values; :meth:`Dimension.ppf` maps them)."""
    from scipy import stats

    if isinstance(spec, Uniform):
        return stats.uniform(loc=spec.low, scale=spec.high - spec.low)
    if isinstance(spec, Normal):
        return stats.norm(loc=spec.mean, scale=spec.sd)
    if isinstance(spec, Triangular):
        width = spec.high - spec.low
        return stats.triang(c=(spec.mode - spec.low) / width, loc=spec.low, scale=width)
    if isinstance(spec, Lognormal):
        return stats.lognorm(s=spec.sigma, scale=math.exp(spec.mu))
    if isinstance(spec, Beta):
        return stats.beta(spec.a, spec.b, loc=spec.low, scale=spec.high - spec.low)
    if isinstance(spec, Discrete):
        weights = np.ones(len(spec.values)) if spec.weights is None else np.asarray(spec.weights, dtype=float)
        return stats.rv_discrete(values=(np.arange(len(spec.values)), weights / weights.sum()))
    raise TypeError(f"not a distribution: {spec!r}")


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

    def ppf(self, u: Any) -> np.ndarray:
        """Inverse distribution function on uniforms ``u`` (any shape), kept inside the open
        unit interval so that unbounded distributions stay finite.

        >>> Dimension("a", "range", low=1.0, high=3.0).ppf([0.25, 0.5]).tolist()
        [1.5, 2.0]
        """
        tiny = np.finfo(float).eps
        u = np.clip(np.asarray(u, dtype=float), tiny, 1.0 - tiny)
        if self.kind == "range":
            assert self.low is not None and self.high is not None
            return u * (self.high - self.low) + self.low
        assert self.spec is not None, f"no distribution for {self.kind!r}"
        x = frozen_distribution(self.spec).ppf(u)
        if isinstance(self.spec, Discrete):
            return np.asarray(self.spec.values, dtype=float)[np.asarray(x).astype(int)]
        return np.asarray(x, dtype=float)

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
        """A JSON-ready description (what a sweep's manifest records and compares)."""
        return {
            "design": self.design,
            "dimensions": [d.as_dict() for d in self.dimensions],
            "samples": self.samples,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "held_fixed": list(self.held_fixed),
        }

    def describe(self) -> str:
        """One line, e.g. ``grid 4 x 3 over a, b: 12 points, 1 chunk of up to 256``."""
        if self.design == "grid":
            head = "grid " + " x ".join(str(len(d.values)) for d in self.dimensions)
        else:
            head = f"{self.design} (seed {self.seed})"
        chunks = f"{self.n_chunks} chunk{'s' if self.n_chunks != 1 else ''} of up to {self.chunk_size}"
        return f"{head} over {', '.join(self.key_paths)}: {self.n_points} points, {chunks}"


def default_chunk_size(n_points: int) -> int:
    """Chunks of 16,384 points (one chunk for up to that many).

    A function of the number of points only, so the chunks (and the checkpoint files) do
    not depend on how many workers compute them; large enough that the batched solve of a
    chunk is not dominated by its fixed cost (building the tree, the logit-QRE tracer's
    iterations, which cost about the same for a hundred distinct stage games as for
    thousands: 10,000 Madrid points took 0.97 s from the command line in chunks of 4,096
    and 0.86 s in one chunk, 1.31 and 1.17 times the library in a fresh process), small
    enough to share out, checkpoint often and hold in memory (32,768 gave the same time at
    1,000,000 points with 416 MB of peak memory instead of 265 MB).

    >>> default_chunk_size(16), default_chunk_size(10_000), default_chunk_size(1_000_000)
    (16384, 16384, 16384)
    """
    return CHUNK


# ---------------------------------------------------------------- validating a declaration


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
        (a :class:`~negotiation.io.config.ConfigError`) listing every problem, each with its
        source and key path.
    """
    problems = Problems()
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    section = read_section(problems, config.get("sweep"), source, command_line=False)
    cli = read_section(problems, given, "command line", command_line=True)
    if section is None or cli is None:
        problems.raise_if_any()
    assert section is not None and cli is not None

    def pick(name: str) -> tuple[Any, bool]:
        """A setting and whether it comes from the command line (which wins)."""
        return (getattr(cli, name), True) if name in given else (getattr(section, name), False)

    design, design_cli = pick("design")
    design = DESIGN_ALIASES.get(design, design) if isinstance(design, str) else design
    parameters, parameters_cli = pick("parameters")
    samples, _ = pick("samples")
    seed, _ = pick("seed")
    chunk_size, _ = pick("chunk_size")
    if not isinstance(design, str) or design not in DESIGNS:
        guess = difflib.get_close_matches(str(design), list(DESIGNS), n=1)
        hint = f"did you mean {guess[0]!r}? " if guess else ""
        problems.add("command line" if design_cli else source, "--design" if design_cli else "sweep.design", design,
                     f"a design: {hint}one of {', '.join(DESIGNS)}")
        problems.raise_if_any()

    scenario = base_config(config)
    parameter_source = "--param" if parameters_cli else source
    if not parameters_cli:
        parameters = flatten_tables(parameters, is_range)

    dimensions: list[Dimension] = []
    specs: list[tuple[str, str, Any, ParameterRange, bool]] = []
    for key, raw in parameters.items():
        path = key if parameters_cli else f"sweep.parameters.{key}"
        shown = _show_range(raw) if parameters_cli else raw
        before = len(problems.items)
        wrong = sweepable_key_path_problem(scenario, key)
        if wrong is not None:
            problems.add(parameter_source, path, shown, wrong.expected)
        spec = read_parameter(problems, parameter_source, path, raw, shown, parameters_cli)
        if spec is not None:
            specs.append((path, key, shown, spec, len(problems.items) == before))
    if design == "grid":
        # the grid's size from the axes' lengths, before any axis is built: a grid of 10^9
        # points is refused at once, not after allocating it
        lengths = [len(s.values) if s.values is not None else s.points for *_, s, _ in specs
                   if s.values is not None or s.points is not None]
        n_points = math.prod(lengths)
        if n_points > MAX_POINTS:
            where = ("command line", "--param") if parameters_cli else (source, "sweep.parameters")
            problems.add(*where, " x ".join(str(n) for n in lengths),
                         f"a grid of at most {MAX_POINTS:,} points (this one has {n_points:,})")
            problems.raise_if_any()
    for path, key, shown, spec, clean in specs:
        before = len(problems.items)
        dimension = _dimension(problems, parameter_source, path, key, spec, design, shown, parameters_cli)
        if dimension is not None and clean and len(problems.items) == before:
            dimensions.append(dimension)

    uncertain = read_uncertainty(problems, source, config.get("uncertainty"))
    for key in uncertain:
        wrong = sweepable_key_path_problem(scenario, key)
        if wrong is not None:
            problems.add(source, f"uncertainty.{key}", {}, wrong.expected)
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


def _dimension(problems: Problems, source: str, path: str, key: str, spec: ParameterRange,
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


def _sampler(name: str, d: int, seed: int) -> Any:
    from scipy.stats import qmc

    cls = qmc.Sobol if name == "sobol" else qmc.LatinHypercube
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
        with warnings.catch_warnings():
            # "balance properties ... require n to be a power of 2": documented, not fatal.
            warnings.simplefilter("ignore", UserWarning)
            u = _sampler(design, d, seed).random(n)
    elif design == "latin_hypercube":
        u = _sampler(design, d, seed).random(n)
    else:
        raise ValueError(f"not a sampled design: {design!r}")
    # The inverse of an unbounded distribution is infinite at 0 and 1: stay inside.
    tiny = np.finfo(float).eps
    return np.clip(u, tiny, 1.0 - tiny, out=u)


def design_points(design: SweepDesign) -> np.ndarray:
    """The points of a design, shape ``(n_points, dimensions)``, in point order."""
    if design.design == "grid":
        axes = [np.asarray(d.values, dtype=float) for d in design.dimensions]
        mesh = np.meshgrid(*axes, indexing="ij")
        return np.column_stack([m.ravel() for m in mesh]).astype(float)
    assert design.samples is not None and design.seed is not None
    u = unit_points(design.design, design.samples, len(design.dimensions), design.seed)
    for j, dimension in enumerate(design.dimensions):  # in place: a 10^6-point design is large
        u[:, j] = dimension.ppf(u[:, j])
    return u
