r"""Batched solving: many points of one scenario at once, with the one-point path as reference.

A *point* is a scenario config with some numeric values replaced, each named by its key
path (``sides.us.outcomes.deadlock``; a list item as ``sides.us.utilities.tariffs[1]``).
:func:`solve_points` solves N points and returns one tidy row per point: the swept values
(one column per key path), then :data:`SWEEP_COLUMNS`. Row ``i`` equals
:func:`solve_point` on the validated scenario of point ``i`` (floats within ``1e-9``),
the reference that :func:`solve_points_reference` loops over.

Weights stay normalised
-----------------------
Each side's issue weights must sum to one. When a point sets some of a side's weights
(the *swept* weights, sum :math:`S`), the side's other weights (sum :math:`R`) are rescaled
proportionally, :math:`w_r \leftarrow w_r (1 - S) / R`, so the sum stays one and their
ratios are kept (:func:`normalise_weights`). Nothing is rescaled when the weights already
sum to one (within ``1e-12``) or when rescaling cannot give valid weights: when every
weight of the side is swept, when :math:`R = 0`, or when :math:`S > 1`; the point is then
validated as given (and invalid unless its weights sum to one). This is the only relation between numeric keys that the config
validation checks; every other numeric key has a range of its own (``cost >= 0``,
``0 <= talks.breakdown_probability <= 1``, ``-1 <= effects.breakdown_shift <= 1``), checked
per point.

The fast path
-------------
:func:`solve_points` validates the base config once and the swept values as arrays
(:func:`validate_points`), compiles the scenario into arrays (package utilities,
disagreement payoffs, breakdown probability, sunk costs, per leaf of the leverage tree),
builds every talks stage of every point at once, solves them with the batched solvers of
:mod:`negotiation.solvers.batched_stage` (support enumeration certified non-degenerate,
the selection rules, the logit-QRE tracers) and runs backward induction over the leverage
tree as array operations, with every subgame-perfect equilibrium's payoffs carried along
to find ties as the one-point path does. Every discrete decision of the fast path (a
label, a tie, a selection, the QRE limit) carries a margin. A stage whose equilibria are
certain but whose selection is not is selected by the one-point path's own functions on
its own stage game; a point with a degenerate or nearly degenerate stage, a comparison
inside a margin, or more subgame-perfect equilibria than ``solver.max_equilibria``, is
solved by the one-point path and flagged ``exact_fallback=True``. Key paths outside the
scenario's numbers (``solver.*``), or a base config that is itself invalid, send the whole
sweep through the one-point path.

Output columns
--------------
``equilibrium_path``
    Moves played on the headline subgame-perfect path, joined by ``"+"``; ``"none"`` if
    none; ``""`` for an invalid point.
``p_truce``, ``p_deadlock``, ``p_escalation``
    Probabilities of each resolution on the headline path (NaN if invalid).
``payoff_<side>``
    Each side's headline payoff, sides in scenario order (NaN if invalid).
``status``
    ``"ok"``, ``"degenerate"``, ``"incomplete"`` (as
    :class:`~negotiation.solvers.backward_induction.BackwardInductionResult`) or
    ``"invalid"``.
``exact_fallback``
    Whether :func:`solve_points` solved the point with the one-point path (always False
    from :func:`solve_point` itself; it records how a row was obtained, not the answer).
``error``
    The validation error (one line per problem, as :class:`~negotiation.config.ConfigError`)
    of an invalid point, else ``""``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from negotiation.analysis import resolution_dict, solve_tree
from negotiation.config import (
    ConfigError,
    ConfigProblem,
    key_path_problem,
    lookup_key_path,
    numeric_key_paths,
    parse_key_path,
    scenario_from_dict,
    with_overrides,
)
from negotiation.games import Resolution
from negotiation.scenario import Scenario, stage_game
from negotiation.solvers import batched_stage
from negotiation.solvers.normal_form import nash_equilibria
from negotiation.solvers.selection import select_equilibrium

__all__ = [
    "SWEEP_COLUMNS",
    "sweep_columns",
    "solve_point",
    "normalise_weights",
    "point_config",
    "sweepable_key_paths",
    "solve_points",
    "solve_points_reference",
    "validate_points",
]

#: Output columns after the parameter columns; ``payoff_<side>`` stands for one column per
#: side, in scenario order (see :func:`sweep_columns`).
SWEEP_COLUMNS: tuple[str, ...] = (
    "equilibrium_path",
    "p_truce",
    "p_deadlock",
    "p_escalation",
    "payoff_<side>",
    "status",
    "exact_fallback",
    "error",
)

_RESOLUTION_COLUMNS = ("p_truce", "p_deadlock", "p_escalation")


def sweep_columns(side_names: Sequence[str]) -> tuple[str, ...]:
    """:data:`SWEEP_COLUMNS` with ``payoff_<side>`` expanded for the given sides.

    Examples
    --------
    >>> sweep_columns(["us", "china"])[3:7]
    ('p_escalation', 'payoff_us', 'payoff_china', 'status')
    """
    columns: list[str] = []
    for column in SWEEP_COLUMNS:
        if column == "payoff_<side>":
            columns.extend(f"payoff_{side}" for side in side_names)
        else:
            columns.append(column)
    return tuple(columns)


# --------------------------------------------------------------------------- one point


def solve_point(scenario: Scenario) -> dict[str, object]:
    """The headline answer of one scenario as a row of :data:`SWEEP_COLUMNS`.

    The headline subgame-perfect equilibrium of
    :func:`negotiation.analysis.solve_tree` (the actual game, no moves forced): the moves
    played on its path, its resolution probabilities, each side's payoff, and the status.

    Examples
    --------
    >>> from negotiation.config import load_scenario
    >>> row = solve_point(load_scenario())
    >>> row["equilibrium_path"], row["status"], round(row["p_truce"], 4)
    ('entity_listing', 'ok', 0.85)
    """
    result = solve_tree(scenario)
    headline = result.headline
    played = [label for label, action in headline.path if action == "play"]
    probabilities = resolution_dict(headline.resolution_probabilities)
    row: dict[str, object] = {"equilibrium_path": "+".join(played) or "none"}
    for column, resolution in zip(_RESOLUTION_COLUMNS, ("truce", "deadlock", "escalation"), strict=True):
        row[column] = float(probabilities.get(resolution, math.nan))
    for side, payoff in zip(scenario.side_names, headline.payoffs, strict=True):
        row[f"payoff_{side}"] = float(payoff)
    row["status"] = result.status
    row["exact_fallback"] = False
    row["error"] = ""
    return row


def _invalid_row(side_names: Sequence[str], error: str) -> dict[str, object]:
    row: dict[str, object] = {"equilibrium_path": ""}
    for column in _RESOLUTION_COLUMNS:
        row[column] = math.nan
    for side in side_names:
        row[f"payoff_{side}"] = math.nan
    row.update(status="invalid", exact_fallback=False, error=error)
    return row


# --------------------------------------------------------------------------- key paths

def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def sweepable_key_paths(config: Mapping[str, Any]) -> list[str]:
    """Every numeric value of a config by key path, list items included (``...tariffs[1]``).

    Examples
    --------
    >>> sweepable_key_paths({"a": {"b": 1.0, "c": [0.5, 2], "d": "x"}})
    ['a.b', 'a.c[0]', 'a.c[1]']
    """
    return [key_path for key_path, _ in numeric_key_paths(config)]


def _key_path_problems(config: Mapping[str, Any], key_paths: Sequence[str]) -> list[ConfigProblem]:
    """Problems with swept key paths: malformed, not in the config, or not numeric."""
    problems = []
    for key_path in key_paths:
        problem = key_path_problem(config, key_path)
        if problem is not None:
            problems.append(replace(problem, missing=True))
            continue
        _, value, _ = lookup_key_path(config, parse_key_path(key_path))
        if not _is_number(value):
            problems.append(
                ConfigProblem(key_path, value, "the key path of a number (only numbers can be swept)")
            )
    return problems


def point_config(
    base: Mapping[str, Any], point: Mapping[str, Any], source: str = "<config>"
) -> dict[str, Any]:
    """The config of one point: ``base`` with ``point``'s values at their key paths, then
    :func:`normalise_weights` for the swept weights.

    Key paths are those of :func:`negotiation.config.with_overrides` (``name[i]`` is item
    ``i`` of a list).

    Raises
    ------
    ConfigError
        If a key path does not exist in ``base``.
    """
    problems = _key_path_problems(base, list(point))
    if problems:
        raise ConfigError(source, problems)
    result = with_overrides(base, point, source=source)
    return normalise_weights(result, list(point))


#: Weights summing to one within this are left as they are by :func:`normalise_weights`.
_ALREADY_NORMALISED = 1e-12


def _weight_key(key_path: str) -> tuple[str, str] | None:
    parts = key_path.split(".")
    if len(parts) == 4 and parts[0] == "sides" and parts[2] == "weights" and "[" not in key_path:
        return parts[1], parts[3]
    return None


def normalise_weights(config: Mapping[str, Any], key_paths: Sequence[str]) -> dict[str, Any]:
    r"""Rescale each side's unswept weights so that its weights sum to one again.

    For every side with a weight among ``key_paths`` (``sides.<side>.weights.<issue>``):
    with :math:`S` the sum of its swept weights and :math:`R` that of its other weights
    (each in the order of the side's weights table), every other weight becomes
    :math:`w (1 - S) / R`. Left unchanged when they already sum to one (within ``1e-12``),
    when no weight is left to rescale, when :math:`R = 0`, when :math:`S > 1` or when a
    weight is not a finite number (the point is then validated as it is). Returns a new config; ``config`` is not modified.

    Examples
    --------
    >>> cfg = {"sides": {"us": {"weights": {"a": 0.8, "b": 0.1, "c": 0.1}}}}
    >>> normalise_weights(cfg, ["sides.us.weights.a"])["sides"]["us"]["weights"]
    {'a': 0.8, 'b': 0.1, 'c': 0.1}
    >>> cfg["sides"]["us"]["weights"]["a"] = 0.6
    >>> new = normalise_weights(cfg, ["sides.us.weights.a"])["sides"]["us"]["weights"]
    >>> {k: round(v, 12) for k, v in new.items()}
    {'a': 0.6, 'b': 0.2, 'c': 0.2}
    """
    swept: dict[str, set[str]] = {}
    for key_path in key_paths:
        key = _weight_key(key_path)
        if key is not None:
            swept.setdefault(key[0], set()).add(key[1])
    if not swept:
        return dict(config)
    result = copy.deepcopy(dict(config))
    for side, issues in swept.items():
        weights = result.get("sides", {}).get(side, {}).get("weights")
        if not isinstance(weights, dict):
            continue
        values = list(weights.values())
        if not all(_is_number(v) and math.isfinite(v) for v in values):
            continue
        total_swept = 0.0
        total_rest = 0.0
        for issue, weight in weights.items():
            if issue in issues:
                total_swept += weight
            else:
                total_rest += weight
        if (
            len(issues & set(weights)) == len(weights)
            or total_rest <= 0.0
            or total_swept > 1.0
            or abs(total_swept + total_rest - 1.0) <= _ALREADY_NORMALISED
        ):
            continue
        factor = (1.0 - total_swept) / total_rest
        for issue in weights:
            if issue not in issues:
                weights[issue] = weights[issue] * factor
    return result


# --------------------------------------------------------------------------- sweeps


def _check_overrides(
    base: Mapping[str, Any], overrides: Mapping[str, Any], source: str
) -> tuple[list[str], dict[str, np.ndarray], int]:
    """Key paths, their values as float arrays and N; ConfigError for bad key paths."""
    if not isinstance(base, Mapping):
        raise ConfigError(source, [ConfigProblem("(config)", base, "a table (a parsed config)")])
    key_paths = list(overrides)
    problems = _key_path_problems(base, key_paths)
    arrays: dict[str, np.ndarray] = {}
    for key_path in key_paths:
        values = np.asarray(overrides[key_path])
        if values.ndim != 1 or values.dtype.kind not in "biuf" or values.dtype.kind == "b":
            problems.append(
                ConfigProblem(key_path, f"array of dtype {values.dtype} and shape {values.shape}",
                              "a 1-D array of numbers")
            )
            continue
        arrays[key_path] = values.astype(float)
    if problems:
        raise ConfigError(source, problems)
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"every override array must have the same length, got lengths {sorted(lengths)}")
    return key_paths, arrays, lengths.pop() if lengths else 0


def _side_names(base: Mapping[str, Any]) -> list[str]:
    sides = base.get("sides")
    return list(sides)[:2] if isinstance(sides, Mapping) else []


def _point_values(base: Mapping[str, Any], arrays: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
    """Point ``i`` as Python numbers (an int where the base has an int and the value is whole)."""
    point = {}
    for key_path, values in arrays.items():
        value = float(values[i])
        _, old, _ = lookup_key_path(base, parse_key_path(key_path) or [])
        if isinstance(old, int) and not isinstance(old, bool) and value.is_integer():
            point[key_path] = int(value)
        else:
            point[key_path] = value
    return point


def _reference_row(
    base: Mapping[str, Any], point: Mapping[str, Any], source: str, side_names: Sequence[str]
) -> dict[str, object]:
    """Row of one point by the one-point path; an invalid point gets its error message."""
    try:
        scenario = scenario_from_dict(point_config(base, point, source), source=source)
        return solve_point(scenario)
    except ValueError as error:  # ConfigError, or payoffs the solvers refuse (NaN, inf)
        return _invalid_row(side_names, str(error))


def _frame(
    key_paths: Sequence[str], arrays: Mapping[str, np.ndarray], rows: Sequence[Mapping[str, object]],
    side_names: Sequence[str],
) -> pd.DataFrame:
    columns = sweep_columns(side_names)
    data: dict[str, Any] = {k: np.asarray(arrays[k], dtype=float) for k in key_paths}
    for column in columns:
        values = [row[column] for row in rows]
        if column == "exact_fallback":
            data[column] = np.array(values, dtype=bool)
        elif column in ("equilibrium_path", "status", "error"):
            data[column] = pd.array(values, dtype=object) if values else pd.array([], dtype=object)
        else:
            data[column] = np.array(values, dtype=float)
    return pd.DataFrame(data, columns=[*key_paths, *columns])


def solve_points_reference(
    base: Mapping[str, Any], overrides: Mapping[str, Any], *, source: str = "<config>"
) -> pd.DataFrame:
    """:func:`solve_points` by looping over the one-point path (the reference; slow)."""
    key_paths, arrays, n = _check_overrides(base, overrides, source)
    side_names = _side_names(base)
    rows = [_reference_row(base, _point_values(base, arrays, i), source, side_names) for i in range(n)]
    return _frame(key_paths, arrays, rows, side_names)


def solve_points(
    base: Mapping[str, Any], overrides: Mapping[str, Any], *, source: str = "<config>"
) -> pd.DataFrame:
    """Solve N points of one scenario; one row per point, in input order.

    Parameters
    ----------
    base : mapping
        A parsed config (:func:`negotiation.config.read_config`).
    overrides : mapping of key path -> 1-D array of N numbers
        The swept values; every array has the same length. A weight swept keeps its
        side's weights summing to one (:func:`normalise_weights`).
    source : str
        Name used in error messages (the config file's name).

    Returns
    -------
    pandas.DataFrame
        One column per key path (the values as given), then
        :func:`sweep_columns` of the scenario's sides. Row ``i`` equals
        :func:`solve_point` of point ``i`` (floats within 1e-9; ``exact_fallback`` says
        whether the point was solved by the one-point path). A point that fails validation
        has status ``"invalid"`` and its :class:`~negotiation.config.ConfigError` text.

    Raises
    ------
    ConfigError
        A key path that is malformed, not in ``base`` or not a number (naming it).
    ValueError
        Arrays of different lengths.

    Examples
    --------
    >>> from negotiation.config import default_config_path, read_config
    >>> base = read_config(default_config_path())
    >>> rows = solve_points(base, {"moves.entity_listing.cost": np.array([0.01, 0.5, -1.0])})
    >>> print(rows[["moves.entity_listing.cost", "equilibrium_path", "p_truce", "status"]].to_string(index=False))
     moves.entity_listing.cost   equilibrium_path  p_truce  status
                          0.01     entity_listing     0.85      ok
                          0.50 anti_dumping_probe     0.87      ok
                         -1.00                         NaN invalid
    >>> rows["error"][2]
    '<config>: moves.entity_listing.cost = -1.0: expected a number greater than or equal to 0'
    """
    key_paths, arrays, n = _check_overrides(base, overrides, source)
    side_names = _side_names(base)
    rows: list[dict[str, object] | None] = [None] * n
    fast = _FastPath.compile(base, key_paths, source)
    if fast is None:  # a scenario or key path the compiled model does not cover
        return solve_points_reference(base, overrides, source=source)
    result = _FastResult.empty(n, fast.side_names)
    for start in range(0, n, _POINTS_PER_CHUNK):
        chunk = slice(start, min(n, start + _POINTS_PER_CHUNK))
        fast.solve_chunk({k: v[chunk] for k, v in arrays.items()}, result, chunk)
    for i in np.flatnonzero(result.fallback | result.invalid_slow):
        rows[i] = _reference_row(base, _point_values(base, arrays, i), source, side_names)
        rows[i]["exact_fallback"] = bool(result.fallback[i])
    for i in np.flatnonzero(result.invalid & ~result.invalid_slow):
        rows[i] = _invalid_row(side_names, result.error[i])
    return _frame_from_result(key_paths, arrays, result, rows, side_names)


def validate_points(
    base: Mapping[str, Any], overrides: Mapping[str, Any], *, source: str = "<config>"
) -> tuple[np.ndarray, list[str]]:
    """Validate N points at once: whether each passes config validation, and its error.

    The same verdict and text as :func:`negotiation.config.scenario_from_dict` on
    :func:`point_config` of each point, from the base validated once and the swept values
    checked as arrays (their ranges and each swept side's weight sum); see
    :func:`solve_points` for the arguments.

    Returns
    -------
    valid : numpy.ndarray of bool, shape (N,)
    errors : list of str
        The :class:`~negotiation.config.ConfigError` text of each invalid point, ``""``
        for a valid one.
    """
    key_paths, arrays, n = _check_overrides(base, overrides, source)
    fast = _FastPath.compile(base, key_paths, source)
    valid = np.ones(n, dtype=bool)
    errors = [""] * n
    slow = np.ones(n, dtype=bool)
    if fast is not None:
        result = _FastResult.empty(n, fast.side_names)
        weights, weight_ok = fast._normalised_weights(arrays, n)
        violated = fast._violations(arrays, weights, weight_ok)
        finite = np.ones(n, dtype=bool)
        for values in arrays.values():
            finite &= np.isfinite(values)
        invalid = finite & violated.any(axis=1)
        if invalid.any():
            fast._invalid_messages(arrays, violated, invalid, result, 0)
        valid = ~invalid
        errors = [str(e) for e in result.error]
        slow = ~finite | result.invalid_slow
    for i in np.flatnonzero(slow):
        try:
            scenario_from_dict(point_config(base, _point_values(base, arrays, i), source), source=source)
            valid[i], errors[i] = True, ""
        except ConfigError as error:
            valid[i], errors[i] = False, str(error)
    return valid, errors


# --------------------------------------------------------------------------- the fast path

#: Points solved together (bounds the memory of the payoff tensors and equilibrium lists).
_POINTS_PER_CHUNK = 8192
#: Stages per point re-selected one at a time before a chunk falls back point by point.
_MAX_STAGE_REDOS = 0.05
#: Longest list of subgame-perfect payoffs kept per subtree; larger points fall back.
_MAX_SPE_LIST = 1024
#: Effect kinds of the compiled model: the TalksTerms field each one shifts.
_COMPILED_EFFECTS = {
    "deadlock_shift": "deadlock",
    "escalation_shift": "escalation",
    "truce_shift": "truce_shift",
    "breakdown_shift": "breakdown_probability",
}
#: Sections of a config with no effect on the solution (validated as any table).
_INERT_SECTIONS = ("sweep", "uncertainty")
#: Order of the sections in pydantic's validation (ConfigFile's fields).
_SECTION_ORDER = {"scenario": 0, "issues": 1, "sides": 2, "moves": 3, "talks": 4, "solver": 5}


@dataclass
class _FastResult:
    """Columns of the rows solved by the fast path, and which rows it left to others."""

    path: np.ndarray  # object array of str
    probabilities: np.ndarray  # (N, 3)
    payoffs: np.ndarray  # (N, 2)
    status: np.ndarray  # object array of str
    invalid: np.ndarray  # bool
    invalid_slow: np.ndarray  # invalid, message to be obtained from the one-point path
    error: np.ndarray  # object array of str
    fallback: np.ndarray  # bool: solved by the one-point path

    @classmethod
    def empty(cls, n: int, side_names: Sequence[str]) -> _FastResult:
        return cls(
            path=np.full(n, "", dtype=object),
            probabilities=np.full((n, 3), np.nan),
            payoffs=np.full((n, len(side_names)), np.nan),
            status=np.full(n, "ok", dtype=object),
            invalid=np.zeros(n, dtype=bool),
            invalid_slow=np.zeros(n, dtype=bool),
            error=np.full(n, "", dtype=object),
            fallback=np.zeros(n, dtype=bool),
        )


def _frame_from_result(
    key_paths: Sequence[str],
    arrays: Mapping[str, np.ndarray],
    result: _FastResult,
    rows: Sequence[Mapping[str, object] | None],
    side_names: Sequence[str],
) -> pd.DataFrame:
    data: dict[str, Any] = {k: np.asarray(arrays[k], dtype=float) for k in key_paths}
    path = result.path.copy()
    probabilities = result.probabilities.copy()
    payoffs = result.payoffs.copy()
    status = result.status.copy()
    error = result.error.copy()
    for i, row in enumerate(rows):
        if row is None:
            continue
        path[i] = row["equilibrium_path"]
        probabilities[i] = [row[c] for c in _RESOLUTION_COLUMNS]
        payoffs[i] = [row[f"payoff_{side}"] for side in side_names]
        status[i] = row["status"]
        error[i] = row["error"]
    data["equilibrium_path"] = path
    for j, column in enumerate(_RESOLUTION_COLUMNS):
        data[column] = probabilities[:, j]
    for j, side in enumerate(side_names):
        data[f"payoff_{side}"] = payoffs[:, j]
    data["status"] = status
    data["exact_fallback"] = result.fallback.copy()
    data["error"] = error
    return pd.DataFrame(data, columns=[*key_paths, *sweep_columns(side_names)])


@dataclass(frozen=True)
class _Check:
    """A vectorised validation check on one key path: its place in the error listing."""

    key_path: str
    phase: int  # 0: shape and types (pydantic), 1: relations between keys
    order: tuple
    low: float
    high: float


class _FastPath:
    """A scenario compiled into arrays, for points that differ in some numeric values."""

    def __init__(self, base: Mapping[str, Any], scenario: Scenario, key_paths: Sequence[str], source: str):
        self.base = base
        self.scenario = scenario
        self.key_paths = list(key_paths)
        self.source = source
        self.side_names = list(scenario.side_names)
        self.checks = self._checks()
        self.swept_weights = self._swept_weights()

    # ---------------------------------------------------------------- compiling

    @classmethod
    def compile(cls, base: Mapping[str, Any], key_paths: Sequence[str], source: str) -> _FastPath | None:
        """The compiled model, or None when the fast path does not cover the sweep (the
        base config is invalid, a move has an effect kind it does not know, or a key path
        outside the scenario's numbers, such as ``solver.tolerance``, is swept)."""
        try:
            scenario = scenario_from_dict(base, source=source)
        except ConfigError:
            return None
        if any(kind not in _COMPILED_EFFECTS for move in scenario.moves for kind, _ in move.effects):
            return None
        if len(scenario.moves) > 12:
            return None
        for key_path in key_paths:
            if _classify(key_path, scenario) is None:
                return None
        return cls(base, scenario, key_paths, source)

    def _checks(self) -> list[_Check]:
        """Range checks of the swept key paths, in the order config validation lists them."""
        checks = []
        moves = [m.name for m in self.scenario.moves]
        for key_path in self.key_paths:
            kind, where = _classify(key_path, self.scenario)
            if kind in ("cost", "harm"):
                field = 4 if kind == "cost" else 5  # MoveSection: label, by, target, date, cost, harm
                checks.append(_Check(key_path, 0, (_SECTION_ORDER["moves"], moves.index(where[0]), field), 0.0, np.inf))
            elif kind == "breakdown_probability":
                checks.append(_Check(key_path, 0, (_SECTION_ORDER["talks"], 0, 0), 0.0, 1.0))
            elif kind == "weight":
                side, issue = where
                weights = list(self.base["sides"][side]["weights"])
                order = (0, self.side_names.index(side), weights.index(issue))
                checks.append(_Check(key_path, 1, order, 0.0, 1.0))
            elif kind == "effect" and where[2] is None:
                move, effect, _ = where
                effects = list(self.base["moves"][move]["effects"])
                order = (1, moves.index(move), effects.index(effect))
                checks.append(_Check(key_path, 1, order, -1.0, 1.0))
        return checks

    def _swept_weights(self) -> dict[str, list[str]]:
        swept: dict[str, list[str]] = {}
        for key_path in self.key_paths:
            key = _weight_key(key_path)
            if key is not None:
                swept.setdefault(key[0], []).append(key[1])
        return swept

    # ---------------------------------------------------------------- one chunk

    def solve_chunk(self, arrays: Mapping[str, np.ndarray], result: _FastResult, where: slice) -> None:
        n = len(next(iter(arrays.values()))) if arrays else where.stop - where.start
        finite = np.ones(n, dtype=bool)
        for values in arrays.values():
            finite &= np.isfinite(values)
        weights, weight_ok = self._normalised_weights(arrays, n)
        violated = self._violations(arrays, weights, weight_ok)
        invalid = finite & violated.any(axis=1)
        offset = where.start
        result.fallback[where] |= ~finite  # NaN and inf: whatever the one-point path says
        if invalid.any():
            self._invalid_messages(arrays, violated, invalid, result, offset)
        good = np.flatnonzero(finite & ~invalid)
        if len(good):
            sub = {k: v[good] for k, v in arrays.items()}
            sub_weights = {side: w[good] for side, w in weights.items()}
            self._solve_valid(sub, sub_weights, result, offset + good)

    def _normalised_weights(self, arrays: Mapping[str, np.ndarray], n: int):
        """Each swept side's final weights (normalise_weights, vectorised in the same order
        of operations) and whether they sum to one within WEIGHT_SUM_TOLERANCE."""
        from negotiation.agents import WEIGHT_SUM_TOLERANCE

        weights: dict[str, np.ndarray] = {}
        ok: dict[str, np.ndarray] = {}
        for side, swept in self.swept_weights.items():
            table = self.base["sides"][side]["weights"]
            issues = list(table)
            columns = []
            total_swept = np.zeros(n)
            total_rest = 0.0
            for issue in issues:
                if issue in swept:
                    total_swept = total_swept + arrays[f"sides.{side}.weights.{issue}"]
                else:
                    total_rest += table[issue]
            rescale = (
                (len(set(swept)) < len(issues))
                & (total_rest > 0.0)
                & ~(total_swept > 1.0)
                & ~(np.abs(total_swept + total_rest - 1.0) <= _ALREADY_NORMALISED)
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = (1.0 - total_swept) / total_rest if total_rest > 0 else np.ones(n)
            total = np.zeros(n)
            for issue in issues:
                if issue in swept:
                    w = arrays[f"sides.{side}.weights.{issue}"]
                else:
                    w = np.where(rescale, table[issue] * factor, float(table[issue]))
                columns.append(w)
                total = total + w
            weights[side] = np.stack(columns, axis=1)
            ok[side] = ~(np.abs(total - 1.0) > WEIGHT_SUM_TOLERANCE)
        return weights, ok

    def _violations(self, arrays, weights, weight_ok) -> np.ndarray:
        """(N, checks + swept sides): which range checks and weight sums each point fails."""
        n = len(next(iter(arrays.values()))) if arrays else 0
        columns = []
        for check in self.checks:  # below and above are told apart: different messages
            v = arrays[check.key_path]
            columns.append(v < check.low)
            columns.append(v > check.high)
        for side in self.swept_weights:
            columns.append(~weight_ok[side])
        return np.stack(columns, axis=1) if columns else np.zeros((n, 0), dtype=bool)

    def _invalid_messages(self, arrays, violated, invalid, result: _FastResult, offset: int) -> None:
        """The ConfigError text of each invalid point: for each pattern of failed checks,
        one point is validated by scenario_from_dict and its problems are re-used with each
        point's own values (problems whose text depends on more than the value, such as a
        weight sum, are left to the one-point path)."""
        idx = np.flatnonzero(invalid)
        patterns, inverse = np.unique(violated[idx], axis=0, return_inverse=True)
        inverse = np.asarray(inverse).reshape(-1)
        swept_paths = set(self.key_paths)
        for p in range(len(patterns)):
            members = idx[inverse == p]
            first = int(members[0])
            point = _point_values(self.base, arrays, first)
            try:
                scenario_from_dict(point_config(self.base, point, self.source), source=self.source)
                problems = None
            except ConfigError as error:
                problems = error.problems
            if problems is None or not all(q.path in swept_paths for q in problems):
                result.invalid[offset + members] = True
                result.invalid_slow[offset + members] = True
                continue
            for i in members:
                values = _point_values(self.base, arrays, int(i))
                text = "\n".join(
                    ConfigProblem(q.path, values[q.path], q.expected, q.missing).describe(self.source)
                    for q in problems
                )
                result.invalid[offset + i] = True
                result.error[offset + i] = text
                result.status[offset + i] = "invalid"

    # ---------------------------------------------------------------- valid points

    def _terms(self, arrays, weights, n):
        """Package utilities (P, 2, N) and base terms as arrays over the points."""
        sc = self.scenario

        def value(key_path: str, default: float) -> np.ndarray | float:
            return arrays[key_path] if key_path in arrays else default

        utilities = []
        for package in sc.talks.packages:
            per_side = []
            for side in sc.sides:
                total: np.ndarray | float = 0
                for issue, level in package.levels:
                    j = sc.space.issue(issue).level_index(level)
                    if side.name in weights:
                        w = weights[side.name][:, list(self.base["sides"][side.name]["weights"]).index(issue)]
                    else:
                        w = side.weights[issue]
                    v = value(f"sides.{side.name}.utilities.{issue}[{j}]", side.level_values[issue][j])
                    total = total + w * v
                per_side.append(np.broadcast_to(np.asarray(total, dtype=float), (n,)))
            utilities.append(per_side)
        return utilities

    def _stage_payoffs(self, arrays, weights, n):
        """A, B (N, L, m, n) and resolution probabilities (N, L, m, n, 3) of every leaf."""
        sc = self.scenario
        utilities = self._terms(arrays, weights, n)
        package_index = {p.name: k for k, p in enumerate(sc.talks.packages)}
        side_index = {name: i for i, name in enumerate(self.side_names)}

        def value(key_path: str, default: float):
            return arrays[key_path] if key_path in arrays else default

        deadlock0 = [value(f"sides.{s.name}.outcomes.deadlock", s.deadlock) for s in sc.sides]
        escalation0 = [value(f"sides.{s.name}.outcomes.escalation", s.escalation) for s in sc.sides]
        q0 = value("talks.breakdown_probability", sc.talks.breakdown_probability)
        K = len(sc.moves)
        L = 2**K
        m, nn = len(sc.talks.actions[0]), len(sc.talks.actions[1])
        A = np.empty((n, L, m, nn))
        B = np.empty((n, L, m, nn))
        R = np.zeros((n, L, m, nn, 3))
        for leaf in range(L):
            played = [mv for d, mv in enumerate(sc.moves) if leaf >> (K - 1 - d) & 1]
            deadlock = list(deadlock0)
            escalation = list(escalation0)
            truce = [0.0, 0.0]
            q = q0
            sunk = [0.0, 0.0]
            for mv in played:
                base_key = f"moves.{mv.name}"
                i, j = side_index[mv.maker], side_index[mv.target]
                sunk[i] = sunk[i] + -value(f"{base_key}.cost", mv.cost)
                sunk[j] = sunk[j] + -value(f"{base_key}.harm", mv.harm)
                for kind, amount in mv.effects:
                    field = _COMPILED_EFFECTS[kind]
                    if isinstance(amount, Mapping):
                        pair = {"deadlock": deadlock, "escalation": escalation, "truce_shift": truce}[field]
                        for side, delta in amount.items():
                            pair[side_index[side]] = pair[side_index[side]] + value(
                                f"{base_key}.effects.{kind}.{side}", float(delta)
                            )
                    else:
                        q = q + value(f"{base_key}.effects.{kind}", float(amount))
            q = np.minimum(1.0, np.maximum(0.0, q))
            for a in range(m):
                for b in range(nn):
                    outcome = sc.talks.outcome_map[a][b]
                    for i, M in enumerate((A, B)):
                        if outcome == Resolution.DEADLOCK.value:
                            v = deadlock[i]
                        elif outcome == Resolution.ESCALATION.value:
                            v = escalation[i]
                        else:
                            u = utilities[package_index[outcome]][i]
                            v = (1 - q) * (u + truce[i]) + q * deadlock[i]
                        M[:, leaf, a, b] = v + sunk[i]
                    if outcome == Resolution.DEADLOCK.value:
                        R[:, leaf, a, b, 1] = 1.0
                    elif outcome == Resolution.ESCALATION.value:
                        R[:, leaf, a, b, 2] = 1.0
                    else:
                        R[:, leaf, a, b, 0] = 1 - q
                        R[:, leaf, a, b, 1] = q
        return A, B, R

    def _solve_valid(self, arrays, weights, result: _FastResult, rows: np.ndarray) -> None:
        sc = self.scenario
        n = len(rows)
        A, B, R = self._stage_payoffs(arrays, weights, n)
        _, L, m, nn = A.shape
        Ag, Bg, Rg = A.reshape(n * L, m, nn), B.reshape(n * L, m, nn), R.reshape(n * L, m, nn, 3)
        eq = batched_stage.support_equilibria(Ag, Bg)
        index, certain = _select(sc.solver.selection_rule, Ag, Bg, eq)
        # a stage whose equilibria are certain but whose selection is not (a QRE trace
        # near a bifurcation, say): select exactly, on the one-point path's own stage game
        redo = np.flatnonzero(eq.certain & ~certain)
        if 0 < len(redo) <= _MAX_STAGE_REDOS * n:
            for game in redo:
                exact = self._exact_selection(arrays, int(game // L), int(game % L), eq, int(game))
                if exact is not None:
                    index[game], certain[game] = exact, True
        certain &= eq.certain
        payoffs = eq.payoffs(Ag, Bg)  # (G, E, 2)
        E = payoffs.shape[1]
        g = np.arange(n * L)
        x, y = eq.row[g, index], eq.column[g, index]
        head_payoffs = payoffs[g, index]
        head_probabilities = np.einsum("ga,gb,gabk->gk", x, y, Rg)
        tree = _tree_headline(
            sc,
            head_payoffs.reshape(n, L, 2),
            head_probabilities.reshape(n, L, 3),
            payoffs.reshape(n, L, E, 2),
            eq.valid.reshape(n, L, E),
        )
        ok = certain.reshape(n, L).all(axis=1) & tree.certain
        result.fallback[rows[~ok]] = True
        keep = rows[ok]
        result.path[keep] = tree.path[ok]
        result.probabilities[keep] = np.clip(tree.probabilities[ok], 0.0, 1.0)
        result.payoffs[keep] = tree.payoffs[ok]
        result.status[keep] = np.where(tree.tie[ok], "degenerate", "ok")


    def _exact_selection(
        self, arrays, point: int, leaf: int, eq: batched_stage.StageEquilibria, game: int
    ) -> int | None:
        """The one-point path's selection at one stage of one point (its own stage game,
        equilibria and rule), as an index into the batched equilibria; None if the two
        lists differ."""
        scenario = scenario_from_dict(
            point_config(self.base, _point_values(self.base, arrays, point), self.source), source=self.source
        )
        K = len(scenario.moves)
        played = [mv for d, mv in enumerate(scenario.moves) if leaf >> (K - 1 - d) & 1]
        stage = stage_game(scenario, played)
        result = nash_equilibria(stage.A, stage.B, tol=scenario.solver.tolerance)
        profiles = [(e.row, e.column) for e in result.equilibria]
        if result.status != "ok" or len(profiles) != eq.count[game]:
            return None
        for k, (x, y) in enumerate(profiles):
            if np.abs(x - eq.row[game, k]).max() > 1e-7 or np.abs(y - eq.column[game, k]).max() > 1e-7:
                return None
        return select_equilibrium(stage.A, stage.B, profiles, scenario.solver.selection_rule).index


def _classify(key_path: str, scenario: Scenario) -> tuple[str, tuple] | None:
    """What a swept key path is in the compiled model; None if not covered."""
    parts = key_path.split(".")
    sides = set(scenario.side_names)
    moves = {m.name: m for m in scenario.moves}
    if parts[0] in _INERT_SECTIONS:
        return "inert", ()
    if len(parts) == 4 and parts[0] == "sides" and parts[1] in sides:
        if parts[2] == "weights" and "[" not in parts[3]:
            return "weight", (parts[1], parts[3])
        if parts[2] == "utilities" and "[" in parts[3]:
            return "utility", (parts[1], parts[3])
        if parts[2] == "outcomes" and parts[3] in ("deadlock", "escalation"):
            return "outcome", (parts[1], parts[3])
    if len(parts) == 3 and parts[0] == "moves" and parts[1] in moves and parts[2] in ("cost", "harm"):
        return parts[2], (parts[1],)
    if len(parts) in (4, 5) and parts[0] == "moves" and parts[1] in moves and parts[2] == "effects":
        effects = dict(moves[parts[1]].effects)
        if parts[3] in effects and parts[3] in _COMPILED_EFFECTS:
            if len(parts) == 4 and not isinstance(effects[parts[3]], Mapping):
                return "effect", (parts[1], parts[3], None)
            if len(parts) == 5 and isinstance(effects[parts[3]], Mapping) and parts[4] in sides:
                return "effect", (parts[1], parts[3], parts[4])
    if key_path == "talks.breakdown_probability":
        return "breakdown_probability", ()
    return None


def _select(rule: str, A: np.ndarray, B: np.ndarray, eq: batched_stage.StageEquilibria):
    """Headline equilibrium index of each stage and whether it is certain."""
    G = A.shape[0]
    index = np.zeros(G, dtype=int)
    certain = np.ones(G, dtype=bool)
    several = np.flatnonzero((eq.count > 1) & eq.certain)
    if len(several) == 0:
        return index, certain
    sub = batched_stage.StageEquilibria(
        eq.row[several], eq.column[several], eq.valid[several], eq.count[several], eq.certain[several]
    )
    a, b = A[several], B[several]
    if rule == "payoff_dominant":
        i, c = batched_stage.select_payoff_dominant(a, b, sub)
    elif rule == "utilitarian":
        i, c = batched_stage.select_utilitarian(a, b, sub)
    elif rule == "risk_dominant":
        i, c, qre = batched_stage.select_risk_dominant(a, b, sub)
        if qre.any():
            q = np.flatnonzero(qre)
            i[q], c[q] = _logit_qre(a[q], b[q], _subset(sub, q))
    elif rule == "logit_qre":
        i, c = _logit_qre(a, b, sub)
    else:  # pragma: no cover - validated by the config
        raise ValueError(f"unknown selection rule {rule!r}")
    index[several] = i
    certain[several] = c
    return index, certain


def _subset(eq: batched_stage.StageEquilibria, games: np.ndarray) -> batched_stage.StageEquilibria:
    return batched_stage.StageEquilibria(
        eq.row[games], eq.column[games], eq.valid[games], eq.count[games], eq.certain[games]
    )


def _logit_qre(a: np.ndarray, b: np.ndarray, eq: batched_stage.StageEquilibria):
    """The logit-QRE selection (the one-game tracer's algorithm, batched)."""
    return batched_stage.logit_qre_limits(a, b, eq)


@dataclass
class _Tree:
    path: np.ndarray
    payoffs: np.ndarray
    probabilities: np.ndarray
    tie: np.ndarray
    certain: np.ndarray


def _tree_headline(
    scenario: Scenario,
    payoffs: np.ndarray,
    probabilities: np.ndarray,
    stage_payoffs: np.ndarray,
    stage_valid: np.ndarray,
) -> _Tree:
    """Backward induction over the leverage tree for N points at once.

    ``payoffs`` (N, L, 2) and ``probabilities`` (N, L, 3) are each leaf's headline stage
    equilibrium; ``stage_payoffs`` (N, L, E, 2) with ``stage_valid`` every equilibrium of
    each leaf. As :func:`negotiation.solvers.backward_induction.subgame_perfect_equilibria`:
    a mover's optimal actions are those within ``tol`` of the best, the headline takes the
    first (``refrain``); a tie in any combination of stage equilibria makes the status
    degenerate; more subgame-perfect equilibria than ``max_equilibria`` (incomplete) or a
    comparison within a margin of ``tol`` leave the point to the one-point path.
    """
    tol = scenario.solver.tolerance
    cap = scenario.solver.max_equilibria
    band = 0.25 * tol
    N, L, _ = payoffs.shape
    K = len(scenario.moves)
    V, P = payoffs, probabilities
    lists, masks = stage_payoffs, stage_valid
    tie = np.zeros(N, dtype=bool)
    certain = np.ones(N, dtype=bool)
    choices = []
    for d in range(K - 1, -1, -1):
        mover = scenario.side_names.index(scenario.moves[d].maker)
        vr, vp = V[:, 0::2, mover], V[:, 1::2, mover]
        refrain = vp - vr <= tol
        certain &= ~(np.abs(np.abs(vr - vp) - tol) < band).any(axis=1)
        choices.append(~refrain)
        V = np.where(refrain[..., None], V[:, 0::2], V[:, 1::2])
        P = np.where(refrain[..., None], P[:, 0::2], P[:, 1::2])
        # every subgame-perfect equilibrium: each combination of the children's lists
        lr, lp = lists[:, 0::2], lists[:, 1::2]
        mr, mp = masks[:, 0::2], masks[:, 1::2]
        ar = lr[:, :, :, None, mover]
        ap = lp[:, :, None, :, mover]
        valid = mr[:, :, :, None] & mp[:, :, None, :]
        r_opt = valid & (ap - ar <= tol)
        p_opt = valid & (ar - ap <= tol)
        tie |= (r_opt & p_opt).any(axis=(1, 2, 3))
        certain &= ~(valid & (np.abs(np.abs(ar - ap) - tol) < band)).any(axis=(1, 2, 3))
        combos = mr.sum(-1) * mp.sum(-1)
        count = r_opt.sum(axis=(2, 3)) + p_opt.sum(axis=(2, 3))
        certain &= ~((combos > cap) | (count > cap)).any(axis=1)
        if d == 0:
            break
        S = lr.shape[2] * lp.shape[2]
        nodes = lr.shape[1]
        from_r = np.broadcast_to(lr[:, :, :, None, :], r_opt.shape + (2,)).reshape(N, nodes, S, 2)
        from_p = np.broadcast_to(lp[:, :, None, :, :], p_opt.shape + (2,)).reshape(N, nodes, S, 2)
        new_list = np.concatenate([from_r, from_p], axis=2)
        new_mask = np.concatenate([r_opt.reshape(N, nodes, S), p_opt.reshape(N, nodes, S)], axis=2)
        order = np.argsort(~new_mask, axis=2, kind="stable")
        size = max(int(new_mask.sum(axis=2).max(initial=1)), 1)
        if size > _MAX_SPE_LIST:
            certain &= ~(new_mask.sum(axis=2) > _MAX_SPE_LIST).any(axis=1)
            size = _MAX_SPE_LIST
        order = order[:, :, :size]
        lists = np.take_along_axis(new_list, order[..., None], axis=2)
        masks = np.take_along_axis(new_mask, order, axis=2)
    # the headline path, from the root
    choices = choices[::-1]  # choices[d]: (N, 2**d), True = play
    node = np.zeros(N, dtype=int)
    bits = np.zeros(N, dtype=int)
    for d in range(K):
        play = choices[d][np.arange(N), node]
        bits = bits * 2 + play
        node = node * 2 + play
    names = [m.name for m in scenario.moves]
    labels = np.array(
        ["+".join(names[d] for d in range(K) if b >> (K - 1 - d) & 1) or "none" for b in range(2**K)],
        dtype=object,
    )
    return _Tree(
        path=labels[bits],
        payoffs=V[:, 0],
        probabilities=P[:, 0],
        tie=tie,
        certain=certain,
    )
