"""TOML scenario files -> validated :class:`~negotiation.model.scenario.Scenario` values.

Every parameter has one public name, its key path in the TOML file
(``sides.us.weights.tariffs``, :mod:`negotiation.io.key_paths`): errors name it, ``--set``
and sweeps change it. A config becomes a scenario by one pipeline, for one point or for
many (:func:`scenario_points`): the values set by key path (scalars, or arrays over the
points of a sweep), each side's weights kept summing to one, then types, numbers and
structure checked (:mod:`negotiation.io.schema`), every problem reported together, one line
each::

    madrid_2025.toml: sides.us.weights.tariffs = 'high': expected a number

A single scenario is a batch of one: a sweep row and ``negotiation run --set ...`` at the same
values build the same numbers by the same code.

Order matters and is the file's order: the first side listed under ``[sides]`` is the row
player; moves are played in the order they are listed under ``[moves]``.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from negotiation.io.key_paths import (
    is_number,
    normalise_weights,
    numeric_key_paths,
    sweepable_key_path_problem,
    with_overrides,
)
from negotiation.io.schema import (
    ConfigError,
    ConfigFile,
    ConfigProblem,
    TalksSection,
    describe_point,
    numeric_checks,
    pydantic_problems,
)
from negotiation.model.agents import Side
from negotiation.model.issues import Issue, OutcomeSpace, Package
from negotiation.model.moves import EFFECTS, LeverageMove
from negotiation.model.scenario import BargainingTalks, Scenario, SolverSettings, StanceTalks

__all__ = [
    "DEFAULT_SCENARIO",
    "ConfigError",
    "ConfigProblem",
    "PointSet",
    "default_config_path",
    "load_scenario",
    "packaged_scenarios",
    "parse_overrides",
    "read_config",
    "resolve_config_path",
    "scenario_from_dict",
    "scenario_points",
]

#: Name of the scenario used when none is given.
DEFAULT_SCENARIO = "madrid_2025"
#: Sections of a file that are not part of the scenario (validated by the study layer).
STUDY_SECTIONS = ("sweep", "uncertainty")


# ---------------------------------------------------------------- structure


def _structure_problems(cfg: ConfigFile, config: Mapping[str, Any] | None = None) -> list[ConfigProblem]:
    from negotiation.solvers.selection import SELECTION_RULES

    problems: list[ConfigProblem] = []
    if config is not None:
        from negotiation.io.sources import source_problems

        problems += [ConfigProblem(path, value, expected) for path, value, expected in source_problems(config)]
    issue_names = list(cfg.issues)
    for name, issue in cfg.issues.items():
        if len(set(issue.levels)) != len(issue.levels):
            problems.append(ConfigProblem(f"issues.{name}.levels", issue.levels, "distinct level names"))
    side_names = list(cfg.sides)
    if len(side_names) != 2:
        problems.append(ConfigProblem("sides", side_names, "exactly two sides"))
    for side_name, side in cfg.sides.items():
        base = f"sides.{side_name}"
        problems += _named_keys(f"{base}.weights", side.weights, issue_names)
        problems += _named_keys(f"{base}.utilities", side.utilities, issue_names)
        for issue, values in side.utilities.items():
            if issue in cfg.issues and len(values) != len(cfg.issues[issue].levels):
                levels = cfg.issues[issue].levels
                problems.append(ConfigProblem(
                    f"{base}.utilities.{issue}", values,
                    f"{len(levels)} numbers, one per level of {issue} ({', '.join(levels)})",
                ))
    for move_name, move in cfg.moves.items():
        base = f"moves.{move_name}"
        if move.by not in side_names:
            problems.append(ConfigProblem(f"{base}.by", move.by, f"one of the sides: {', '.join(side_names)}"))
        if move.target is not None and (move.target not in side_names or move.target == move.by):
            problems.append(ConfigProblem(f"{base}.target", move.target, "the other side (the one the move is aimed at)"))
        for kind, amount in move.effects.items():
            path = f"{base}.effects.{kind}"
            if kind not in EFFECTS:
                guess = difflib.get_close_matches(kind, list(EFFECTS), n=1)
                hint = f"did you mean {guess[0]!r}? " if guess else ""
                problems.append(ConfigProblem(path, amount, f"a known effect: {hint}one of {', '.join(EFFECTS)}"))
            elif EFFECTS[kind].per_side and not isinstance(amount, dict):
                problems.append(ConfigProblem(path, amount, "a table of side = number, e.g. { us = -0.05 }"))
            elif EFFECTS[kind].per_side:
                for side in amount:
                    if side not in side_names:
                        problems.append(ConfigProblem(f"{path}.{side}", amount[side], f"a side: {', '.join(side_names)}"))
            elif isinstance(amount, dict):
                problems.append(ConfigProblem(path, amount, "a single number"))
    talks = cfg.talks
    for package_name, levels in talks.packages.items():
        base = f"talks.packages.{package_name}"
        if package_name in {"deadlock", "escalation"}:
            problems.append(ConfigProblem(base, levels, "a package name other than 'deadlock' or 'escalation'"))
        problems += _named_keys(base, levels, issue_names)
        for issue, level in levels.items():
            if issue in cfg.issues and level not in cfg.issues[issue].levels:
                problems.append(ConfigProblem(f"{base}.{issue}", level, f"a level of {issue}: {', '.join(cfg.issues[issue].levels)}"))
    problems += _threat_point_problems(cfg, side_names, issue_names)
    problems += _stance_problems(talks, side_names) if talks.protocol == "stance" else _bargaining_problems(talks, side_names)
    if cfg.solver.selection_rule not in SELECTION_RULES:
        problems.append(ConfigProblem("solver.selection_rule", cfg.solver.selection_rule, f"one of {', '.join(SELECTION_RULES)}"))
    return problems


#: The resolutions a threat point can stand for.
RESOLUTION_NAMES = ("deadlock", "escalation")


def _threat_point_problems(cfg: ConfigFile, side_names: list[str], issue_names: list[str]) -> list[ConfigProblem]:
    """Deadlock and escalation: derived from a threat-point package, or set per side, never both
    (a value set beside the levels it stands for could disagree with them)."""
    problems: list[ConfigProblem] = []
    points = cfg.talks.threat_points
    for name, levels in points.items():
        base = f"talks.threat_points.{name}"
        if name not in RESOLUTION_NAMES:
            problems.append(ConfigProblem(base, levels, "a threat point named 'deadlock' or 'escalation'"))
            continue
        problems += _named_keys(base, levels, issue_names)
        for issue, level in levels.items():
            if issue in cfg.issues and level not in cfg.issues[issue].levels:
                problems.append(ConfigProblem(f"{base}.{issue}", level, f"a level of {issue}: {', '.join(cfg.issues[issue].levels)}"))
    for side_name, side in cfg.sides.items():
        for name in RESOLUTION_NAMES:
            path = f"sides.{side_name}.outcomes.{name}"
            value = getattr(side.outcomes, name)
            if name in points and value is not None:
                problems.append(ConfigProblem(path, value, f"no value: {name} is derived from talks.threat_points.{name} "
                                              "(remove this key, or the threat point)"))
            elif name not in points and value is None:
                problems.append(ConfigProblem(path, None, f"{side_name}'s payoff of {name}, or a [talks.threat_points."
                                              f"{name}] package to derive it from", missing=True))
    return problems


def _stance_problems(talks: TalksSection, side_names: list[str]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    if talks.bargaining is not None:
        problems.append(ConfigProblem("talks.bargaining", talks.bargaining.model_dump(),
                                      "no [talks.bargaining] table with protocol = 'stance' (or set protocol = 'bargaining')"))
    for key in ("actions", "outcomes"):
        if getattr(talks, key) is None:
            problems.append(ConfigProblem(f"talks.{key}", None, "this key to be set for protocol = 'stance'", missing=True))
    if talks.actions is None or talks.outcomes is None:
        return problems
    if not talks.packages:
        problems.append(ConfigProblem("talks.packages", None, "at least one package for a truce", missing=True))
    problems += _named_keys("talks.actions", talks.actions, side_names, what="side")
    for side, actions in talks.actions.items():
        if not actions or len(set(actions)) != len(actions):
            problems.append(ConfigProblem(f"talks.actions.{side}", actions, "a non-empty list of distinct stances"))
    for side, risks in talks.escalation_risk.items():
        if side not in side_names:
            problems.append(ConfigProblem(f"talks.escalation_risk.{side}", risks, f"a side: {', '.join(side_names)}"))
            continue
        for stance, risk in risks.items():
            if stance not in talks.actions.get(side, []):
                problems.append(ConfigProblem(f"talks.escalation_risk.{side}.{stance}", risk,
                                              f"a stance of {side}: {', '.join(talks.actions.get(side, []))}"))
    if len(side_names) == 2 and all(s in talks.actions for s in side_names):
        rows, columns = (talks.actions[s] for s in side_names)
        allowed = ["deadlock", "escalation", *talks.packages]
        problems += _named_keys("talks.outcomes", talks.outcomes, rows, what=f"stance of {side_names[0]}")
        for a in rows:
            for b in columns:
                path = f"talks.outcomes.{a}.{b}"
                value = talks.outcomes.get(a, {}).get(b)
                if value is None and a in talks.outcomes:
                    problems.append(ConfigProblem(path, None, f"the outcome when {side_names[0]} plays {a!r} and "
                                                  f"{side_names[1]} plays {b!r}: one of {', '.join(allowed)}", missing=True))
                elif value is not None and value not in allowed:
                    problems.append(ConfigProblem(path, value, f"one of {', '.join(allowed)}"))
            for b in talks.outcomes.get(a, {}):
                if b not in columns:
                    problems.append(ConfigProblem(f"talks.outcomes.{a}.{b}", talks.outcomes[a][b],
                                                  f"a stance of {side_names[1]}: {', '.join(columns)}"))
    return problems


def _bargaining_problems(talks: TalksSection, side_names: list[str]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for key in ("actions", "outcomes"):
        if getattr(talks, key) is not None:
            problems.append(ConfigProblem(f"talks.{key}", getattr(talks, key),
                                          "no stances with protocol = 'bargaining' (remove the key, or set protocol = 'stance')"))
    for key in ("escalation_risk", "breakdown_to_escalation"):
        if key in talks.model_fields_set:
            problems.append(ConfigProblem(f"talks.{key}", getattr(talks, key),
                                          "no such key with protocol = 'bargaining' (bargaining talks end in agreement "
                                          "or deadlock)"))
    bargaining = talks.bargaining
    if bargaining is None:
        problems.append(ConfigProblem("talks.bargaining", None, "a [talks.bargaining] table for protocol = 'bargaining'", missing=True))
        return problems
    base = "talks.bargaining"
    if isinstance(bargaining.packages, list):
        if not bargaining.packages:
            problems.append(ConfigProblem(f"{base}.packages", [], '"all" or a non-empty list of package names'))
        for name in bargaining.packages:
            if name not in talks.packages:
                problems.append(ConfigProblem(f"{base}.packages", name,
                                              f"a package of talks.packages: {', '.join(talks.packages) or '(none defined)'}"))
    problems += _named_keys(f"{base}.discount", bargaining.discount, side_names, what="side")
    if bargaining.first_proposer not in side_names:
        problems.append(ConfigProblem(f"{base}.first_proposer", bargaining.first_proposer, f"one of the sides: {', '.join(side_names)}"))
    if bargaining.power is not None:
        problems += _named_keys(f"{base}.power", bargaining.power, side_names, what="side")
    return problems


def _named_keys(path: str, table: Mapping[str, Any], names: list[str], what: str = "issue") -> list[ConfigProblem]:
    problems = []
    for key in table:
        if key not in names:
            guess = difflib.get_close_matches(key, names, n=1)
            hint = f"did you mean {guess[0]!r}? " if guess else ""
            problems.append(ConfigProblem(f"{path}.{key}", table[key], f"a known {what}: {hint}one of {', '.join(names)}"))
    for name in names:
        if name not in table:
            problems.append(ConfigProblem(f"{path}.{name}", None, f"a value for {what} {name!r}", missing=True))
    return problems


# ---------------------------------------------------------------- building


def _build(cfg: ConfigFile, numbers: Mapping[str, Any], config: Mapping[str, Any] | None = None,
           source: str = "") -> Scenario:
    """The scenario of a valid typed config, each number read by its key path from
    ``numbers`` (floats, or arrays over the points of a batch)."""

    def num(path: str, default: Any) -> Any:
        value = numbers.get(path, default)
        return float(value) if np.ndim(value) == 0 else value

    space = OutcomeSpace(tuple(Issue(name, tuple(i.levels), i.description) for name, i in cfg.issues.items()))
    sides = tuple(
        Side(
            name=name,
            label=s.label,
            weights={k: num(f"sides.{name}.weights.{k}", w) for k, w in s.weights.items()},
            level_values={k: tuple(num(f"sides.{name}.utilities.{k}[{j}]", x) for j, x in enumerate(v))
                          for k, v in s.utilities.items()},
            deadlock=None if s.outcomes.deadlock is None else num(f"sides.{name}.outcomes.deadlock", s.outcomes.deadlock),
            escalation=None if s.outcomes.escalation is None
            else num(f"sides.{name}.outcomes.escalation", s.outcomes.escalation),
        )
        for name, s in cfg.sides.items()
    )
    side_names = [s.name for s in sides]

    def effect(move: str, kind: str, amount: Any) -> Any:
        path = f"moves.{move}.effects.{kind}"
        if isinstance(amount, dict):
            return {side: num(f"{path}.{side}", x) for side, x in amount.items()}
        return num(path, amount)

    moves = tuple(
        LeverageMove(
            name=name,
            label=m.label,
            maker=m.by,
            target=m.target or next(s for s in side_names if s != m.by),
            cost=num(f"moves.{name}.cost", m.cost),
            harm=num(f"moves.{name}.harm", m.harm),
            effects=tuple((k, effect(name, k, v)) for k, v in m.effects.items()),
            date=str(m.date),
            description=m.description,
        )
        for name, m in cfg.moves.items()
    )
    named = {name: space.package(name, levels) for name, levels in cfg.talks.packages.items()}
    threat_points = tuple((name, space.package(name, levels)) for name, levels in cfg.talks.threat_points.items())
    breakdown = num("talks.breakdown_probability", cfg.talks.breakdown_probability)
    if cfg.talks.protocol == "stance":
        talks: StanceTalks | BargainingTalks = StanceTalks(
            actions=(tuple(cfg.talks.actions[side_names[0]]), tuple(cfg.talks.actions[side_names[1]])),
            packages=tuple(named.values()),
            outcome_map=tuple(
                tuple(cfg.talks.outcomes[a][b] for b in cfg.talks.actions[side_names[1]])
                for a in cfg.talks.actions[side_names[0]]
            ),
            breakdown_probability=breakdown,
            threat_points=threat_points,
            breakdown_to_escalation=num("talks.breakdown_to_escalation", cfg.talks.breakdown_to_escalation),
            escalation_risk=None if not cfg.talks.escalation_risk else tuple(
                tuple(num(f"talks.escalation_risk.{side}.{stance}", cfg.talks.escalation_risk.get(side, {}).get(stance, 0.0))
                      for stance in cfg.talks.actions[side])
                for side in side_names),
        )
    else:
        b = cfg.talks.bargaining
        base = "talks.bargaining"
        if b.packages == "all":
            by_levels = {p.levels: p.name for p in named.values()}
            packages = tuple(Package(by_levels.get(p.levels, p.name), p.levels) for p in space.all_packages())
        else:
            packages = tuple(named[name] for name in b.packages)
        if b.power is None:
            power: Any = 0.5
        else:
            power = num(f"{base}.power.{side_names[0]}", b.power[side_names[0]])
        deadline = num(f"{base}.deadline", b.deadline)
        talks = BargainingTalks(
            packages=packages,
            solution=b.solution,
            discount=(num(f"{base}.discount.{side_names[0]}", b.discount[side_names[0]]),
                      num(f"{base}.discount.{side_names[1]}", b.discount[side_names[1]])),
            first_proposer=side_names.index(b.first_proposer),
            deadline=int(deadline) if np.ndim(deadline) == 0 else np.asarray(deadline).astype(int),
            breakdown_per_round=num(f"{base}.breakdown_per_round", b.breakdown_per_round),
            power=power,
            breakdown_probability=breakdown,
            threat_points=threat_points,
        )
    solver = SolverSettings(
        selection_rule=cfg.solver.selection_rule,
        tolerance=float(numbers.get("solver.tolerance", cfg.solver.tolerance)),
        max_equilibria=int(numbers.get("solver.max_equilibria", cfg.solver.max_equilibria)),
    )
    return Scenario(
        name=cfg.scenario.name, title=cfg.scenario.title, description=cfg.scenario.description, space=space,
        sides=(sides[0], sides[1]), moves=moves, talks=talks, solver=solver, config=config, source=source,
    )


# ---------------------------------------------------------------- the pipeline


#: Key paths whose value must be the same for every point solved together (settings of the
#: solver, not numbers of the game).
SOLVER_KEYS = ("solver.tolerance", "solver.max_equilibria")
#: Key paths typed as whole numbers.
INTEGER_KEYS = ("talks.bargaining.deadline", "solver.max_equilibria")


@dataclass(frozen=True, eq=False)
class PointSet:
    """Many points of one scenario, validated: the valid ones as one batched scenario.

    Attributes
    ----------
    scenario : Scenario or None
        The valid points as one scenario whose swept numbers are arrays (None if none is
        valid).
    valid : numpy.ndarray of bool, shape (N,)
    errors : tuple of str
        The :class:`ConfigError` text of each invalid point (``""`` for a valid one).
    """

    scenario: Scenario | None
    valid: np.ndarray
    errors: tuple[str, ...]
    checks: tuple = ()

    def problems(self, i: int) -> list[ConfigProblem]:
        """The problems of point ``i`` (empty for a valid point)."""
        return describe_point(list(self.checks), i)


def _typed(data: Mapping[str, Any], source: str) -> ConfigFile:
    if not isinstance(data, Mapping):
        raise ConfigError(source, [ConfigProblem("(config)", data, "a table (a parsed config)")])
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, pydantic_problems(error)) from None


def scenario_points(
    base: Mapping[str, Any], overrides: Mapping[str, Any] | None = None, *, source: str = "<config>"
) -> PointSet:
    """Validate and build many points of one scenario at once.

    Parameters
    ----------
    base : mapping
        A parsed config (:func:`read_config`).
    overrides : mapping of key path -> value or 1-D array of N numbers, optional
        Values set by key path. Arrays (the swept values, all of one length N) must set
        numbers; scalars may set any value. Setting some of a side's weights rescales its
        other weights (:func:`negotiation.io.key_paths.normalise_weights`).
    source : str
        Name used in error messages (the config file's name).

    Raises
    ------
    ConfigError
        A key path that does not exist (or, swept, is not a number); problems of types or
        structure, which no point can fix.

    Examples
    --------
    >>> base = read_config(default_config_path())
    >>> points = scenario_points(base, {"moves.entity_listing.cost": np.array([0.01, -1.0, 0.2])})
    >>> points.valid.tolist(), points.scenario.batch_size, points.errors[1]
    ([True, False, True], 2, '<config>: moves.entity_listing.cost = -1.0: expected a number greater than or equal to 0')
    """
    overrides = dict(overrides or {})
    arrays = {k: v for k, v in overrides.items() if np.ndim(v) > 0}
    scalars = {k: v for k, v in overrides.items() if np.ndim(v) == 0}
    # a number set where the file has a number is checked with the numbers (as a swept
    # value is), so that a single run and a sweep say the same about it
    numeric = {
        k: v for k, v in scalars.items()
        if is_number(v) and isinstance(base, Mapping) and sweepable_key_path_problem(base, k) is None
    }
    scalars = {k: v for k, v in scalars.items() if k not in numeric}
    problems = []
    for key_path, values in arrays.items():
        problem = sweepable_key_path_problem(base, key_path) if isinstance(base, Mapping) else None
        if problem is not None:
            problems.append(ConfigProblem(key_path, None, problem.expected, missing=True))
            continue
        values = np.asarray(values)
        if values.ndim != 1 or values.dtype.kind not in "iuf":
            problems.append(ConfigProblem(key_path, f"array of dtype {values.dtype} and shape {values.shape}",
                                          "a 1-D array of numbers"))
    if isinstance(base, Mapping):
        data, missing = with_overrides(base, scalars)
    else:
        data, missing = base, []
    problems += [ConfigProblem(p.key_path, scalars.get(p.key_path), p.expected) for p in missing]
    if problems:
        raise ConfigError(source, problems)
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) > 1:
        raise ValueError(f"every override array must have the same length, got lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    cfg = _typed({k: v for k, v in data.items()}, source)
    structure = _structure_problems(cfg, data)
    numbers = dict(numeric_key_paths({k: v for k, v in data.items() if k not in STUDY_SECTIONS}))
    integers = {k: True for k in INTEGER_KEYS}
    numbers.update(numeric)
    numbers.update({k: np.asarray(v, dtype=float) for k, v in arrays.items()})
    numbers = normalise_weights(numbers, data, list(overrides))
    checks = numeric_checks(cfg, numbers, n, integers)
    bad = np.zeros(n, dtype=bool)
    for check in checks:
        bad |= check.bad
    if structure:
        # no point can fix the structure: report it with the first point's numbers
        first = int(np.argmax(bad)) if bad.any() else 0
        raise ConfigError(source, describe_point(checks, first) + structure)
    errors = tuple(
        ConfigError(source, describe_point(checks, i)).args[0] if bad[i] else "" for i in range(n)
    )
    valid = ~bad
    scenario = None
    if valid.any():
        keep = np.flatnonzero(valid)
        chosen = {k: (v[keep] if np.ndim(v) else v) for k, v in numbers.items()}
        for key in SOLVER_KEYS:
            if np.ndim(chosen.get(key, 0)) and len(np.unique(chosen[key])) > 1:
                raise ValueError(f"{key} must be the same for every point solved together (group the points by it)")
            if np.ndim(chosen.get(key, 0)):
                chosen[key] = chosen[key][0]
        if not arrays:
            chosen = {k: v for k, v in chosen.items()}
        try:
            scenario = _build(cfg, chosen, _with_numbers(data, numbers) if not arrays else None, source)
        except ValueError as error:  # a relation the checks above missed: still name the file
            raise ConfigError(source, [ConfigProblem("(scenario)", None, str(error), missing=True)]) from None
    return PointSet(scenario, valid, errors, tuple(checks))


def _with_numbers(data: Mapping[str, Any], numbers: Mapping[str, Any]) -> dict[str, Any]:
    """The config with its numbers as validated (rescaled weights included)."""
    from negotiation.io.key_paths import set_key_path

    out = copy.deepcopy(dict(data))
    for key_path, value in numbers.items():
        if np.ndim(value) == 0:
            if key_path in INTEGER_KEYS and float(value).is_integer():
                value = int(value)
            set_key_path(out, key_path, value)
    return out


def scenario_from_dict(data: Mapping[str, Any], source: str = "<config>",
                       overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate a parsed config (with values set by key path) and build its scenario.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its key path, value and what was expected.
    """
    if isinstance(data, Mapping) and "types" in data:
        raise ConfigError(source, [ConfigProblem(
            "types", "private types", "a scenario without private types here: a scenario with [types] is solved by "
            "`negotiation run`, reported by `negotiation report` and exported by `negotiation export`; sweep and solve "
            "take complete information")])
    if isinstance(data, Mapping) and "rounds" in data:
        raise ConfigError(source, [ConfigProblem(
            "rounds", f"{len(data['rounds'])} rounds" if isinstance(data["rounds"], list) else data["rounds"],
            "a one-round scenario: a rounds scenario (a year of talks) is solved by `negotiation run`, checked by "
            "`negotiation validate` and reported by `negotiation report` (without [types]); sweep, export and solve "
            "take one round")])
    # a list where the file has a number would make a batch of points (scenario_points),
    # which is not one scenario
    batches = [ConfigProblem(k, v, "a number (to try several values, sweep it: --param KEY=LO:HI:N)")
               for k, v in (overrides or {}).items()
               if np.ndim(v) > 0 and sweepable_key_path_problem(data, k) is None]
    if batches:
        raise ConfigError(source, batches)
    points = scenario_points(data, overrides, source=source)
    if points.scenario is None:
        raise ConfigError(source, points.problems(0))
    return points.scenario


def read_config(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; errors name the file (and the line for syntax errors)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        names = packaged_scenarios()
        guess = difflib.get_close_matches(path.stem, names, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        expected = f"an existing TOML file or a packaged scenario ({', '.join(names)}){hint}"
        raise ConfigError(str(path), [ConfigProblem("(file)", str(path), expected, missing=True)]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [ConfigProblem("(file)", None, f"a readable UTF-8 file ({error})", missing=True)]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path.name, [ConfigProblem("(syntax)", None, f"valid TOML: {error}", missing=True)]) from None


def default_config_path(name: str = DEFAULT_SCENARIO) -> Path:
    """Path of a scenario packaged with negotiation (``negotiation/scenarios/NAME.toml``)."""
    return Path(str(resources.files("negotiation") / "scenarios" / f"{name}.toml"))


def packaged_scenarios() -> list[str]:
    """Names of the scenarios packaged with negotiation."""
    folder = resources.files("negotiation") / "scenarios"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def resolve_config_path(config: str | Path | None) -> Path:
    """A file path, a packaged scenario's name (``madrid_2025``), or the default scenario."""
    if config is None:
        return default_config_path()
    path = Path(config)
    if not path.exists() and path.suffix == "" and str(config) in packaged_scenarios():
        return default_config_path(str(config))
    if not path.exists() and path.name in {f"{n}.toml" for n in packaged_scenarios()} and path.parent == Path("."):
        return default_config_path(path.stem)
    return path


def load_scenario(config: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, override (by key path) and validate a scenario file.

    Parameters
    ----------
    config : path or scenario name, optional
        Defaults to the packaged Madrid 2025 scenario.
    overrides : mapping of key path -> value, optional
        E.g. ``{"moves.entity_listing.cost": 0.02}``; each key path must exist.
    """
    path = resolve_config_path(config)
    return scenario_from_dict(read_config(path), source=path.name, overrides=overrides)


def parse_overrides(pairs: Iterable[str] | None) -> dict[str, Any]:
    """``["KEY=VALUE", ...]`` (as given to ``--set``) -> ``{key path: value}``, each VALUE read
    as a TOML value (``0.02``, ``"text"``, ``[1, 2]``; anything else as a plain string).

    Examples
    --------
    >>> parse_overrides(["moves.m.cost=0.02", "scenario.title=Talks"])
    {'moves.m.cost': 0.02, 'scenario.title': 'Talks'}
    """
    result: dict[str, Any] = {}
    for text in pairs or ():
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--set", [ConfigProblem(text, text, "KEY=VALUE, e.g. moves.entity_listing.cost=0.02")])
        try:
            value = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw.strip()
        result[key.strip()] = value
    return result


def base_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario part of a config: without its ``[sweep]``/``[uncertainty]`` tables."""
    return {k: v for k, v in config.items() if k not in STUDY_SECTIONS}


__all__ += ["SOLVER_KEYS", "STUDY_SECTIONS", "base_config", "is_number"]
