r"""Many points of one scenario solved at once: one tidy row per point.

A *point* is a scenario config with some numeric values replaced, each named by its key
path (``sides.us.outcomes.deadlock``; a list item as ``sides.us.utilities.tariffs[1]``).
:func:`solve_points` validates and builds every point by the one config pipeline
(:func:`negotiation.io.config.scenario_points`: the same checks and messages as a single
run, each side's weights kept summing to one) and solves the valid ones as one batch by the
one analysis pipeline (:func:`negotiation.analysis.solve_scenario`): a single run is a batch
of one, so row ``i`` is what ``negotiation run --set ...`` says at point ``i``.

Output columns
--------------
One column per swept key path (the values as given), then :data:`SWEEP_COLUMNS`:

``equilibrium_path``
    Moves played on the headline subgame-perfect path, joined by ``"+"``; ``"none"`` if
    none; ``""`` for an invalid point.
``p_truce``, ``p_deadlock``, ``p_escalation``
    Probabilities of each resolution on the headline path (NaN if invalid).
``payoff_<side>``
    Each side's headline payoff, sides in scenario order (NaN if invalid).
``status``
    ``"ok"``, ``"degenerate"``, ``"incomplete"`` (as a single run reports it) or
    ``"invalid"``.
``exact_fallback``
    Whether some talks stage of the point could be certified by neither batched enumeration
    (support enumeration for non-degenerate stages, vertex enumeration for stages with exact
    ties) and was solved by the exact one-game enumeration (a nearly degenerate stage: payoffs
    closer than about 1e-7 of their range without being equal). It records how a row was
    obtained, not the answer.
``error``
    The validation error of an invalid point (one line per problem), else ``""``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from negotiation.analysis.pipeline import headline_paths, headline_talks_outcomes, solve_scenario
from negotiation.io.config import (
    SOLVER_KEYS,
    ConfigError,
    ConfigProblem,
    base_config,
    scenario_points,
)
from negotiation.io.key_paths import numeric_key_paths, sweepable_key_path_problem
from negotiation.model.outcomes import PROBABILITY_COLUMNS

__all__ = ["SWEEP_COLUMNS", "points_frame", "solve_points", "sweep_columns", "sweepable_key_paths"]

#: Output columns after the parameter columns; ``payoff_<side>`` stands for one column per
#: side, in scenario order (see :func:`sweep_columns`).
SWEEP_COLUMNS: tuple[str, ...] = (
    "equilibrium_path",
    "talks_outcome",
    *PROBABILITY_COLUMNS,
    "payoff_<side>",
    "status",
    "exact_fallback",
    "error",
)
#: Points solved together (bounds the memory of one batch).
POINTS_PER_BATCH = 32768


def sweep_columns(side_names: Sequence[str]) -> tuple[str, ...]:
    """:data:`SWEEP_COLUMNS` with ``payoff_<side>`` expanded for the given sides.

    Examples
    --------
    >>> sweep_columns(["us", "china"])[4:8]
    ('p_escalation', 'payoff_us', 'payoff_china', 'status')
    """
    columns: list[str] = []
    for column in SWEEP_COLUMNS:
        if column == "payoff_<side>":
            columns.extend(f"payoff_{side}" for side in side_names)
        else:
            columns.append(column)
    return tuple(columns)


def sweepable_key_paths(config: Mapping[str, Any]) -> list[str]:
    """Every numeric value of a config by key path, list items included (``...tariffs[1]``).

    Examples
    --------
    >>> sweepable_key_paths({"a": {"b": 1.0, "c": [0.5, 2], "d": "x"}})
    ['a.b', 'a.c[0]', 'a.c[1]']
    """
    return [key_path for key_path, _ in numeric_key_paths(config)]


def _side_names(base: Mapping[str, Any]) -> list[str]:
    sides = base.get("sides")
    return list(sides)[:2] if isinstance(sides, Mapping) else []


def _check(base: Mapping[str, Any], overrides: Mapping[str, Any], source: str) -> tuple[list[str], dict[str, np.ndarray], int]:
    """Key paths, their values as float arrays and N; ConfigError for bad key paths."""
    if not isinstance(base, Mapping):
        raise ConfigError(source, [ConfigProblem("(config)", base, "a table (a parsed config)")])
    key_paths = list(overrides)
    problems = []
    arrays: dict[str, np.ndarray] = {}
    for key_path in key_paths:
        problem = sweepable_key_path_problem(base, key_path)
        if problem is not None:
            problems.append(ConfigProblem(key_path, None, problem.expected, missing=True))
            continue
        values = np.asarray(overrides[key_path])
        if values.ndim != 1 or values.dtype.kind not in "biuf" or values.dtype.kind == "b":
            problems.append(ConfigProblem(key_path, f"array of dtype {values.dtype} and shape {values.shape}",
                                          "a 1-D array of numbers"))
            continue
        arrays[key_path] = values.astype(float)
    if problems:
        raise ConfigError(source, problems)
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"every override array must have the same length, got lengths {sorted(lengths)}")
    return key_paths, arrays, lengths.pop() if lengths else 0


def solve_points(base: Mapping[str, Any], overrides: Mapping[str, Any], *, source: str = "<config>") -> pd.DataFrame:
    """Solve N points of one scenario; one row per point, in input order.

    Parameters
    ----------
    base : mapping
        A parsed config (:func:`negotiation.io.config.read_config`).
    overrides : mapping of key path -> 1-D array of N numbers
        The swept values; every array has the same length. A weight swept keeps its side's
        weights summing to one.
    source : str
        Name used in error messages (the config file's name).

    Returns
    -------
    pandas.DataFrame
        One column per key path (the values as given), then :func:`sweep_columns` of the
        scenario's sides (see the module docstring).

    Raises
    ------
    ConfigError
        A key path that is malformed, not in ``base`` or not a number (naming it).
    ValueError
        Arrays of different lengths.

    Examples
    --------
    >>> from negotiation.io.config import default_config_path, read_config
    >>> base = read_config(default_config_path())
    >>> rows = solve_points(base, {"talks.escalation_risk.us.escalate": np.array([0.05, 0.1, 0.2, -1.0])})
    >>> print(rows[["talks.escalation_risk.us.escalate", "equilibrium_path", "talks_outcome", "status"]].to_string(index=False))
     talks.escalation_risk.us.escalate equilibrium_path talks_outcome  status
                                  0.05             none    us_maximal      ok
                                  0.10   entity_listing    us_maximal      ok
                                  0.20             none    us_leaning      ok
                                 -1.00                                invalid
    >>> rows["error"][3]
    '<config>: talks.escalation_risk.us.escalate = -1.0: expected a number greater than or equal to 0'
    """
    base = base_config(base) if isinstance(base, Mapping) else base
    key_paths, arrays, n = _check(base, overrides, source)
    side_names = _side_names(base)
    columns = _empty_columns(n, side_names)
    solver_keys = [k for k in key_paths if k in SOLVER_KEYS]
    groups = [np.arange(n)]
    if solver_keys:
        settings = np.stack([arrays[k] for k in solver_keys], axis=1)
        _, inverse = np.unique(settings, axis=0, return_inverse=True)
        groups = [np.flatnonzero(inverse.reshape(-1) == g) for g in range(int(inverse.max(initial=-1)) + 1)]
    for group in groups:
        for start in range(0, len(group), POINTS_PER_BATCH):
            rows = group[start : start + POINTS_PER_BATCH]
            _solve_batch(base, {k: v[rows] for k, v in arrays.items()}, source, rows, columns)
    return points_frame(key_paths, arrays, columns, side_names)


def _empty_columns(n: int, side_names: Sequence[str]) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {"equilibrium_path": np.full(n, "", dtype=object),
                                      "talks_outcome": np.full(n, "", dtype=object)}
    for column in PROBABILITY_COLUMNS:
        columns[column] = np.full(n, math.nan)
    for side in side_names:
        columns[f"payoff_{side}"] = np.full(n, math.nan)
    columns["status"] = np.full(n, "invalid", dtype=object)
    columns["exact_fallback"] = np.zeros(n, dtype=bool)
    columns["error"] = np.full(n, "", dtype=object)
    return columns


def _solve_batch(base, arrays, source, rows, columns) -> None:
    """Validate, build and solve some points; write their rows into ``columns``."""
    if not len(rows) and arrays:
        return
    points = scenario_points(base, arrays, source=source)
    columns["error"][rows] = np.array(points.errors, dtype=object)[: len(rows)] if len(rows) else ()
    if points.scenario is None:
        return
    solved = solve_scenario(points.scenario, detail="values", counterfactual=False, leverage=False)
    actual = solved.actual
    valid = rows[points.valid] if len(rows) else np.zeros(0, dtype=int)
    if not len(rows):  # no swept values: one point
        return
    columns["equilibrium_path"][valid] = headline_paths(actual)
    columns["talks_outcome"][valid] = headline_talks_outcomes(actual, points.scenario)
    lottery = np.clip(np.asarray(actual.lotteries[:, 0], dtype=float), 0.0, 1.0)
    for j, column in enumerate(PROBABILITY_COLUMNS):
        columns[column][valid] = lottery[:, j]
    for j, side in enumerate(points.scenario.side_names):
        columns[f"payoff_{side}"][valid] = np.asarray(actual.values[:, 0, j], dtype=float)
    columns["status"][valid] = actual.status()
    columns["exact_fallback"][valid] = actual.one_game_stages()


def points_frame(key_paths: Sequence[str], arrays: Mapping[str, np.ndarray], columns: Mapping[str, np.ndarray],
                 side_names: Sequence[str]) -> pd.DataFrame:
    """The table of a sweep: the swept values, then the result columns."""
    data: dict[str, Any] = {k: np.asarray(arrays[k], dtype=float) for k in key_paths}
    for column in sweep_columns(side_names):
        values = columns[column]
        data[column] = pd.array(values, dtype=object) if values.dtype == object else values
    return pd.DataFrame(data, columns=[*key_paths, *sweep_columns(side_names)])
