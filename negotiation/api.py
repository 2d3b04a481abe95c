"""The public API: load a scenario, analyse it, sweep it, solve a bimatrix game.

These four functions are what ``import negotiation as ng`` offers; everything else lives in
the subpackages (``negotiation.model``, ``solvers``, ``io``, ``analysis``, ``study``, ``viz``).
Bad input raises the same errors as the command line: a
:class:`~negotiation.io.config.ConfigError` naming the file, the key path, the value and
what was expected.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from negotiation.analysis.pipeline import Analysis
    from negotiation.model.scenario import Scenario
    from negotiation.solvers.records import NashResult

__all__ = ["analyze", "load", "nash_equilibria", "sweep"]


def load(config: str | Path | None = None, *, set: Mapping[str, Any] | None = None) -> Scenario:  # noqa: A002
    """A scenario: a packaged one by name (``"madrid_2025"``) or a TOML file, with values set
    by key path.

    Parameters
    ----------
    config : str or path, optional
        A packaged scenario's name or a file; the Madrid 2025 scenario by default.
    set : mapping of key path -> value, optional
        E.g. ``{"moves.entity_listing.cost": 0.02}``. Setting some of a side's weights
        rescales its other weights so that they still sum to one.

    Raises
    ------
    ConfigError
        Naming the file, the key path, the value and what was expected.

    Examples
    --------
    >>> import negotiation as ng
    >>> scenario = ng.load("madrid_2025", set={"moves.entity_listing.cost": 0.02})
    >>> scenario.move("entity_listing").cost
    0.02
    """
    from negotiation.io.config import load_scenario

    return load_scenario(config, overrides=set)


def analyze(scenario: Scenario, *, all_equilibria: bool = False, verify: bool = False) -> Analysis:
    """The equilibrium analysis of a scenario (frozen; ``.to_dict()`` is ``summary.json``).

    See :func:`negotiation.analysis.pipeline.analyze`.

    Examples
    --------
    >>> import negotiation as ng
    >>> result = ng.analyze(ng.load("madrid_2025"))
    >>> result.moves_played(), result.to_dict()["status"]
    ([], 'ok')
    """
    from negotiation.analysis.pipeline import analyze as _analyze

    return _analyze(scenario, all_equilibria=all_equilibria, verify=verify)


def sweep(scenario: Scenario, values: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """Solve the scenario at every combination of the given values: a row a point.

    Parameters
    ----------
    scenario : Scenario
        Loaded with :func:`load` (its key paths come from its file).
    values : mapping of key path -> sequence of numbers
        The grid: every combination of one value per key path (the first key path varies
        slowest).

    Returns
    -------
    pandas.DataFrame
        One column per key path, then the result columns of
        :func:`negotiation.study.points.solve_points` (the moves played on the headline path,
        the outcome probabilities, each side's payoff, the status). Row ``i`` equals
        :func:`analyze` of the scenario loaded with those values.

    Examples
    --------
    >>> import negotiation as ng
    >>> table = ng.sweep(ng.load(), {"sides.china.utilities.tariffs[1]": [0.45, 0.52, 0.6]})
    >>> table["equilibrium_path"].tolist(), table["talks_outcome"].tolist()
    (['none', 'entity_listing', 'none'], ['us_leaning', 'us_leaning', 'deadlock'])
    """
    from negotiation.io.config import ConfigError, ConfigProblem
    from negotiation.study.points import solve_points

    if scenario.config is None:
        raise ValueError("this scenario was built in code and has no key paths to sweep; load it with ng.load()")
    if not isinstance(values, Mapping) or not values:
        raise ConfigError(scenario.source or "<sweep>", [ConfigProblem("(values)", values, "a mapping of key path -> list of numbers")])
    problems = []
    grids = []
    for key, items in values.items():
        array = np.asarray(items if isinstance(items, Sequence | np.ndarray) else [items])
        if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iuf":
            problems.append(ConfigProblem(key, items, "a non-empty list of numbers"))
        grids.append(array.astype(float) if array.dtype.kind in "iuf" else array)
    if problems:
        raise ConfigError(scenario.source or "<sweep>", problems)
    points = np.array(list(itertools.product(*grids)), dtype=float).reshape(-1, len(grids))
    overrides = {key: points[:, j] for j, key in enumerate(values)}
    return solve_points(scenario.config, overrides, source=scenario.source or "<config>")


def nash_equilibria(A: Any, B: Any, **options: Any) -> NashResult:
    """Every (extreme) Nash equilibrium of the bimatrix game ``(A, B)``, verified; exact on
    degenerate games. See :func:`negotiation.solvers.normal_form.nash_equilibria`.

    Examples
    --------
    >>> import negotiation as ng
    >>> [e.row.tolist() for e in ng.nash_equilibria([[2, 0], [0, 1]], [[1, 0], [0, 2]]).equilibria]
    [[1.0, 0.0], [0.6666666666666666, 0.3333333333333333], [0.0, 1.0]]
    """
    from negotiation.solvers.normal_form import nash_equilibria as _nash_equilibria

    return _nash_equilibria(A, B, **options)
