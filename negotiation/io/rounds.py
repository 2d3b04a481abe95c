r"""Rounds scenarios: TOML files that describe a year of talks as decision points over a state.

A rounds scenario has ``[scenario]``, ``[issues]`` and ``[sides]`` as a one-round scenario
(weights and utilities; no ``outcomes``: deadlock and escalation are states here), and::

    [state]                     # the levels in force before the first round
    tariffs = "april_peak"

    [dynamics]
    discount = 0.9              # per round that pays
    continuation = "perpetuity" # the final state kept forever ("none": not counted beyond)

    [[rounds]]
    name = "geneva"
    date = 2025-05-12
    movers = ["us", "china"]    # one side (in turn) or both (at once)
    actions = { us = ["truce", "hold"], china = ["truce", "hold"] }
    observed = { us = "truce", china = "truce" }
    [rounds.outcomes.truce.truce]     # what a pair of actions puts in force
    tariffs = "truce"

A one-mover round's outcomes are keyed by its actions alone (``[rounds.outcomes.list]``). A
level may be conditional: ``market = { level = "fought", if = { market = "entered" } }``.
Pairs of actions not listed change nothing. ``pays = false`` marks a move inside a period;
``when = { market = "entered" }`` makes a round take place only where those levels are in force.
Every problem is reported with its key path (``rounds[3].observed.us``), the value and what was
expected; a round dated after ``as_of`` may be scheduled but not observed (no look-ahead).
``conciliatory = { us = "truce" }`` names each mover's de-escalating action (for baselines).
``[dynamics] short_lived = ["entrant"]`` makes a side's every decision a new player's, paid its
period only. ``[types.SIDE.TYPE]`` tables (``prior`` and the type's own values by key path, as in
:mod:`negotiation.io.types`) give a side private types: :func:`typed_rounds_from_dict`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError

from negotiation.io.key_paths import (
    normalise_weights,
    numeric_key_paths,
    set_key_path,
    with_overrides,
)
from negotiation.io.schema import (
    ConfigError,
    ConfigProblem,
    IssueSection,
    ScenarioSection,
    SideSection,
    SolverSection,
    _Strict,
    pydantic_problems,
)
from negotiation.io.sources import source_problems
from negotiation.model.agents import Side
from negotiation.model.issues import Issue, OutcomeSpace
from negotiation.model.rounds import NO_MOVE, Round, RoundsGame, TypedRounds
from negotiation.model.scenario import SolverSettings

__all__ = ["is_rounds_config", "rounds_from_dict", "typed_rounds_from_dict"]


class RoundSection(_Strict):
    name: str = Field(min_length=1)
    date: datetime.date | str = ""
    description: str = ""
    movers: list[str] = Field(min_length=1, max_length=2)
    actions: dict[str, list[str]]
    outcomes: dict[str, Any] = {}
    pays: bool = True
    observed: dict[str, str] = {}
    # each mover's de-escalating action (for the persistence baseline of a backtest)
    conciliatory: dict[str, str] = {}
    # levels that must be in force for the round to take place (else it is skipped)
    when: dict[str, str] = {}


class DynamicsSection(_Strict):
    discount: float = 0.9
    continuation: Literal["perpetuity", "none"] = "perpetuity"
    # sides whose every decision is a new player's, paid its period only (the chain store's entrants)
    short_lived: list[str] = []


class RoundsFile(_Strict):
    scenario: ScenarioSection
    issues: dict[str, IssueSection] = Field(min_length=1)
    sides: dict[str, SideSection]
    state: dict[str, str]
    dynamics: DynamicsSection = DynamicsSection()
    rounds: list[RoundSection] = Field(min_length=1)
    solver: SolverSection = SolverSection()
    sources: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None


def is_rounds_config(data: Mapping[str, Any]) -> bool:
    """Whether a parsed config describes rounds (it has ``[[rounds]]``)."""
    return isinstance(data, Mapping) and "rounds" in data


def _levels_problems(cfg: RoundsFile, path: str, table: Any) -> tuple[list[ConfigProblem], list]:
    """The levels a table puts in force: ``issue = level`` or ``issue = { level, if }``."""
    problems: list[ConfigProblem] = []
    sets = []
    if not isinstance(table, Mapping):
        return [ConfigProblem(path, table, "a table of issue = level")], []
    for issue, entry in table.items():
        where = f"{path}.{issue}"
        if issue not in cfg.issues:
            problems.append(ConfigProblem(where, entry, f"an issue: {', '.join(cfg.issues)}"))
            continue
        condition: dict[str, Any] = {}
        if isinstance(entry, Mapping):
            unknown = sorted(set(entry) - {"level", "if"})
            if unknown or "level" not in entry:
                problems.append(ConfigProblem(where, dict(entry), 'a level, or { level = "...", if = { issue = "level" } }'))
                continue
            level, condition = entry["level"], entry.get("if", {})
            if not isinstance(condition, Mapping):
                problems.append(ConfigProblem(f"{where}.if", condition, "a table of issue = level"))
                continue
        else:
            level = entry
        for name, required in [(issue, level), *condition.items()]:
            at = where if name == issue and required is level else f"{where}.if.{name}"
            if name not in cfg.issues:
                problems.append(ConfigProblem(at, required, f"an issue: {', '.join(cfg.issues)}"))
            elif required not in cfg.issues[name].levels:
                problems.append(ConfigProblem(at, required, f"a level of {name}: {', '.join(cfg.issues[name].levels)}"))
        sets.append((issue, level, tuple(condition.items())))
    return problems, sets


def _round_problems(cfg: RoundsFile, k: int, rnd: RoundSection, sides: list[str]) -> tuple[list[ConfigProblem], Round | None]:
    base = f"rounds[{k}]"
    problems: list[ConfigProblem] = []
    for mover in rnd.movers:
        if mover not in sides:
            problems.append(ConfigProblem(f"{base}.movers", mover, f"a side: {', '.join(sides)}"))
    if len(set(rnd.movers)) != len(rnd.movers):
        problems.append(ConfigProblem(f"{base}.movers", rnd.movers, "distinct sides"))
    for side in rnd.actions:
        if side not in rnd.movers:
            problems.append(ConfigProblem(f"{base}.actions.{side}", rnd.actions[side], f"actions of a mover: {', '.join(rnd.movers)}"))
    for mover in rnd.movers:
        acts = rnd.actions.get(mover)
        if not acts or len(set(acts)) != len(acts) or NO_MOVE in acts:
            problems.append(ConfigProblem(f"{base}.actions.{mover}", acts, f"a non-empty list of distinct actions (not {NO_MOVE!r})",
                                          missing=acts is None))
    for side, action in rnd.conciliatory.items():
        if side not in rnd.movers or action not in rnd.actions.get(side, []):
            problems.append(ConfigProblem(f"{base}.conciliatory.{side}", action, f"an action of a mover: {', '.join(rnd.movers)}"))
    for side, action in rnd.observed.items():
        if side not in rnd.movers:
            problems.append(ConfigProblem(f"{base}.observed.{side}", action, f"a mover: {', '.join(rnd.movers)}"))
        elif action not in rnd.actions.get(side, []):
            problems.append(ConfigProblem(f"{base}.observed.{side}", action, f"an action of {side}: {', '.join(rnd.actions.get(side, []))}"))
    for issue, level in rnd.when.items():
        if issue not in cfg.issues:
            problems.append(ConfigProblem(f"{base}.when.{issue}", level, f"an issue: {', '.join(cfg.issues)}"))
        elif level not in cfg.issues[issue].levels:
            problems.append(ConfigProblem(f"{base}.when.{issue}", level, f"a level of {issue}: {', '.join(cfg.issues[issue].levels)}"))
    if problems:
        return problems, None
    actions = tuple(tuple(rnd.actions[s]) if s in rnd.movers else (NO_MOVE,) for s in sides)
    sets: dict[tuple[int, int], tuple] = {}
    first, second = (rnd.movers + [None])[:2]
    for a_name, entry in rnd.outcomes.items():
        if a_name not in rnd.actions[first]:
            problems.append(ConfigProblem(f"{base}.outcomes.{a_name}", entry, f"an action of {first}: {', '.join(rnd.actions[first])}"))
            continue
        pairs = {a_name: entry} if second is None else entry
        if second is not None and not isinstance(entry, Mapping):
            problems.append(ConfigProblem(f"{base}.outcomes.{a_name}", entry, f"a table keyed by the actions of {second}"))
            continue
        for b_name, table in ([(None, entry)] if second is None else pairs.items()):
            path = f"{base}.outcomes.{a_name}" + ("" if b_name is None else f".{b_name}")
            if b_name is not None and b_name not in rnd.actions[second]:
                problems.append(ConfigProblem(path, table, f"an action of {second}: {', '.join(rnd.actions[second])}"))
                continue
            found, levels = _levels_problems(cfg, path, table)
            problems += found
            index = {first: rnd.actions[first].index(a_name)}
            if second is not None:
                index[second] = rnd.actions[second].index(b_name)
            sets[(index.get(sides[0], 0), index.get(sides[1], 0))] = tuple(levels)
    observed = tuple(rnd.observed.get(s) for s in sides)
    return problems, Round(rnd.name, str(rnd.date), actions, sets, rnd.pays, observed, rnd.description,  # type: ignore[arg-type]
                           tuple(rnd.when.items()))


def rounds_from_dict(data: Mapping[str, Any], source: str = "<config>",
                     overrides: Mapping[str, Any] | None = None) -> RoundsGame:
    """Validate a parsed rounds scenario (values set by key path first) and build its game.

    Raises
    ------
    ConfigError
        Every problem found, each with its key path, value and what was expected.
    """
    if overrides:
        data, missing = with_overrides(data, overrides)
        if missing:
            raise ConfigError(source, [ConfigProblem(p.key_path, None, p.expected, missing=True) for p in missing])
        # setting some of a side's weights rescales the others, as for a one-round scenario
        numbers = dict(numeric_key_paths(data))
        rescaled = normalise_weights(numbers, data, list(overrides))
        for key, value in rescaled.items():
            if value is not numbers.get(key) and key in numbers:
                set_key_path(data, key, value)
    try:
        cfg = RoundsFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, pydantic_problems(error)) from None
    problems: list[ConfigProblem] = []
    sides = list(cfg.sides)
    if len(sides) != 2:
        problems.append(ConfigProblem("sides", sides, "exactly two sides"))
    issues = list(cfg.issues)
    for name, side in cfg.sides.items():
        for key in ("weights", "utilities"):
            table = getattr(side, key)
            for issue in issues:
                if issue not in table:
                    problems.append(ConfigProblem(f"sides.{name}.{key}.{issue}", None, f"a value for issue {issue!r}", missing=True))
            for issue in table:
                if issue not in issues:
                    problems.append(ConfigProblem(f"sides.{name}.{key}.{issue}", table[issue], f"an issue: {', '.join(issues)}"))
        for issue, values in side.utilities.items():
            if issue in cfg.issues and len(values) != len(cfg.issues[issue].levels):
                problems.append(ConfigProblem(f"sides.{name}.utilities.{issue}", values,
                                              f"{len(cfg.issues[issue].levels)} numbers, one per level"))
        if side.outcomes.deadlock is not None or side.outcomes.escalation is not None:
            problems.append(ConfigProblem(f"sides.{name}.outcomes", side.outcomes.model_dump(),
                                          "no outcomes in a rounds scenario (deadlock and escalation are states)"))
        total = sum(side.weights.values())
        if abs(total - 1.0) > 1e-9:
            problems.append(ConfigProblem(f"sides.{name}.weights", dict(side.weights), f"weights summing to 1 (they sum to {total:g})"))
    for issue in issues:
        level = cfg.state.get(issue)
        if level is None:
            problems.append(ConfigProblem(f"state.{issue}", None, f"the level of {issue} in force before the first round", missing=True))
        elif level not in cfg.issues[issue].levels:
            problems.append(ConfigProblem(f"state.{issue}", level, f"a level of {issue}: {', '.join(cfg.issues[issue].levels)}"))
    for issue in cfg.state:
        if issue not in cfg.issues:
            problems.append(ConfigProblem(f"state.{issue}", cfg.state[issue], f"an issue: {', '.join(issues)}"))
    for k, name in enumerate(cfg.dynamics.short_lived):
        if name not in sides:
            problems.append(ConfigProblem(f"dynamics.short_lived[{k}]", name, f"a side: {', '.join(sides)}"))
    discount = cfg.dynamics.discount
    if not 0.0 <= discount < 1.0 if cfg.dynamics.continuation == "perpetuity" else not 0.0 <= discount <= 1.0:
        problems.append(ConfigProblem("dynamics.discount", discount, "a number in [0, 1) (in [0, 1] with continuation = 'none')"))
    as_of = cfg.scenario.as_of
    rounds: list[Round] = []
    for k, rnd in enumerate(cfg.rounds):
        # a decision point after as_of may be scheduled (its actions known), never observed
        if as_of is not None and isinstance(rnd.date, datetime.date) and rnd.date > as_of and rnd.observed:
            problems.append(ConfigProblem(f"rounds[{k}].observed", dict(rnd.observed),
                                          f"no observed choice in a round dated {rnd.date}, after scenario.as_of = "
                                          f"{as_of} (no look-ahead: a scheduled round may be modelled, not its outcome)"))
        found, built = _round_problems(cfg, k, rnd, sides)
        problems += found
        if built is not None:
            rounds.append(built)
    for k, name in enumerate(cfg.dynamics.short_lived):
        # its agents' regrets are exact only if each decides once on a path (solvers.agent_form)
        period, seen = 0, {}
        for rnd in cfg.rounds:
            if name in rnd.movers:
                seen.setdefault(period, []).append(rnd.name)
            period += int(rnd.pays)
        twice = next((names for names in seen.values() if len(names) > 1), None)
        if twice:
            problems.append(ConfigProblem(f"dynamics.short_lived[{k}]", name,
                                          f"a side that moves at most once a period (it moves in {', '.join(twice)}, "
                                          "one period: mark a round between them pays = true)"))
    problems += [ConfigProblem(path, value, expected) for path, value, expected in source_problems(dict(data))]
    if problems:
        raise ConfigError(source, problems)
    space = OutcomeSpace(tuple(Issue(name, tuple(i.levels), i.description) for name, i in cfg.issues.items()))
    built_sides = tuple(Side(name, s.label, dict(s.weights), {k: tuple(v) for k, v in s.utilities.items()})
                        for name, s in cfg.sides.items())
    return RoundsGame(
        name=cfg.scenario.name, title=cfg.scenario.title, space=space, sides=(built_sides[0], built_sides[1]),
        initial=space.package("initial", cfg.state), rounds=tuple(rounds), discount=discount,
        continuation=cfg.dynamics.continuation,
        solver=SolverSettings(cfg.solver.selection_rule, cfg.solver.tolerance, cfg.solver.max_equilibria),
        description=cfg.scenario.description, as_of=str(as_of or ""), config=dict(data), source=source,
        short_lived=(sides[0] in cfg.dynamics.short_lived, sides[1] in cfg.dynamics.short_lived),
    )


def typed_rounds_from_dict(data: Mapping[str, Any], source: str = "<config>",
                           overrides: Mapping[str, Any] | None = None) -> TypedRounds | None:
    """The rounds game of each private type of a rounds config with ``[types]`` (None without):
    ``[types.SIDE.TYPE]`` tables with a prior and the type's own values by key path, validated
    as for a one-round scenario (:mod:`negotiation.io.types`).

    Raises
    ------
    ConfigError
        Every problem found, each with its key path, value and what was expected.
    """
    from negotiation.io.types import types_spec

    spec = types_spec(data, source)
    if spec is None:
        return None
    base = {k: v for k, v in data.items() if k != "types"}
    # a source of the types (sources."types.SIDE") covers the [types] table, which base lacks
    base["sources"] = {k: v for k, v in (data.get("sources") or {}).items() if not k.startswith("types")}
    if not base["sources"]:
        base.pop("sources")
    games = tuple(rounds_from_dict(base, source, {**(overrides or {}), **values}) for values in spec.values)
    return TypedRounds(games, list(data["sides"]).index(spec.side), spec.types, spec.prior)
