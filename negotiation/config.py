"""TOML scenario files -> validated :class:`~negotiation.scenario.Scenario` values.

Every parameter has one public name, its key path in the TOML file
(``sides.us.weights.tariffs``): errors name it, sweeps vary it. Validation is in two
steps: the file's shape and types (pydantic, strict: ``"0.5"`` is not a number, unknown
keys are refused), then the relations between keys (weights summing to one, moves by
known sides, an outcome for every pair of stances, ...). All problems found are reported
together, one line each::

    madrid_2025.toml: sides.us.weights.tariffs = 'high': expected a number

Order matters and is the file's order: the first side listed under ``[sides]`` is the row
player; moves are played in the order they are listed under ``[moves]``.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from negotiation.agents import WEIGHT_SUM_TOLERANCE, Side
from negotiation.issues import Issue, OutcomeSpace, Package
from negotiation.moves import EFFECTS, LeverageMove
from negotiation.scenario import BargainingTalks, Scenario, SolverSettings, StanceTalks
from negotiation.solvers.selection import SELECTION_RULES

#: Name of the scenario used when none is given.
DEFAULT_SCENARIO = "madrid_2025"


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a config: where, what was found, what was expected."""

    path: str
    value: Any
    expected: str
    missing: bool = False

    def describe(self, source: str) -> str:
        if self.missing:
            return f"{source}: {self.path}: missing; expected {self.expected}"
        return f"{source}: {self.path} = {_show(self.value)}: expected {self.expected}"


class ConfigError(ValueError):
    """A config file that cannot become a scenario; ``str()`` gives one line per problem."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe(source) for p in self.problems))


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- shape and types (pydantic)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Probability = Field(ge=0.0, le=1.0)


class ScenarioSection(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str
    description: str = ""


class IssueSection(_Strict):
    levels: list[str] = Field(min_length=1)
    description: str = ""


class NonAgreementSection(_Strict):
    deadlock: float
    escalation: float


class SideSection(_Strict):
    label: str
    weights: dict[str, float]
    utilities: dict[str, list[float]]
    outcomes: NonAgreementSection


class MoveSection(_Strict):
    label: str
    by: str
    target: str | None = None
    date: datetime.date | str = ""
    cost: float = Field(default=0.0, ge=0.0)
    harm: float = Field(default=0.0, ge=0.0)
    description: str = ""
    source: str = ""
    effects: dict[str, float | dict[str, float]] = {}


class BargainingSection(_Strict):
    solution: Literal["alternating_offers", "nash", "kalai_smorodinsky", "egalitarian"] = "alternating_offers"
    packages: Literal["all"] | list[str] = "all"
    discount: dict[str, float]
    first_proposer: str
    deadline: int = Field(ge=1, le=10_000)
    breakdown_per_round: float = Field(default=0.0, ge=0.0, le=1.0)
    power: dict[str, float] | None = None


class TalksSection(_Strict):
    protocol: Literal["stance", "bargaining"] = "stance"
    breakdown_probability: float = Field(default=0.0, ge=0.0, le=1.0)
    actions: dict[str, list[str]] | None = None
    packages: dict[str, dict[str, str]] = {}
    outcomes: dict[str, dict[str, str]] | None = None
    bargaining: BargainingSection | None = None


class SolverSection(_Strict):
    selection_rule: str = "payoff_dominant"
    tolerance: float = Field(default=1e-9, gt=0.0, le=1e-3)
    max_equilibria: int = Field(default=10_000, ge=1)


class ConfigFile(_Strict):
    scenario: ScenarioSection
    issues: dict[str, IssueSection] = Field(min_length=1)
    sides: dict[str, SideSection]
    moves: dict[str, MoveSection] = {}
    talks: TalksSection
    solver: SolverSection = SolverSection()
    # Validated by negotiation.sweep (key paths of the scenario, distributions, designs).
    sweep: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None


_EXPECTED_BY_TYPE = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "string_type": "a string (in quotes)",
    "list_type": "a list [...]",
    "dict_type": "a table",
    "model_type": "a table",
    "bool_type": "true or false",
    "date_type": "a date (YYYY-MM-DD)",
    "finite_number": "a finite number",
    "union_tag_invalid": "one of the allowed kinds",
}


def _pydantic_problems(error: ValidationError) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    raw = error.errors()
    # A misspelled key shows up as an unknown key next to a missing one: report it once.
    missing = {tuple(e["loc"]) for e in raw if e["type"] == "missing"}
    paired_missing: set[tuple] = set()
    seen_union: set[tuple] = set()
    for e in raw:
        loc = tuple(str(part) for part in e["loc"])
        kind = e["type"]
        if kind == "extra_forbidden":
            parent = loc[:-1]
            siblings = [m[-1] for m in missing if m[:-1] == e["loc"][:-1]]
            allowed = _allowed_keys(parent)
            guess = difflib.get_close_matches(loc[-1], siblings or allowed, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            if guess and guess[0] in siblings:
                paired_missing.add(tuple(e["loc"][:-1]) + (guess[0],))
            known = f" (known keys: {', '.join(allowed)})" if allowed and not guess else ""
            problems.append(
                ConfigProblem(".".join(loc), e["input"], f"no such key{hint}{known}")
            )
        elif kind == "missing":
            continue
        else:
            # Unions (e.g. effect amounts) report one error per branch: keep the first.
            if len(loc) > 1 and loc[-1] in {"float", "dict[str,float]"}:
                loc = loc[:-1]
                if loc in seen_union:
                    continue
                seen_union.add(loc)
                expected = "a number or a table of side = number"
            else:
                expected = _EXPECTED_BY_TYPE.get(kind) or _expected_from_message(kind, e["msg"])
            problems.append(ConfigProblem(".".join(loc), e["input"], expected))
    for loc in sorted(missing - paired_missing):
        problems.append(
            ConfigProblem(".".join(str(p) for p in loc), None, "this key to be set", missing=True)
        )
    return problems


def _expected_from_message(kind: str, message: str) -> str:
    # pydantic says "Input should be less than or equal to 1": keep what follows "be".
    text = message.removeprefix("Input should be ").removeprefix("String should ")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"a number {text}"
    return text[0].lower() + text[1:] if text else kind


def _allowed_keys(parent: tuple[str, ...]) -> list[str]:
    """Keys allowed under a table, for error hints (fixed sections only)."""
    model: type[BaseModel] | None = ConfigFile
    sections = {
        "sides": SideSection,
        "moves": MoveSection,
        "issues": IssueSection,
    }
    if not parent:
        return list(ConfigFile.model_fields)
    if parent[0] in sections and len(parent) == 2:
        return list(sections[parent[0]].model_fields)
    for part in parent:
        field = model.model_fields.get(part) if model else None
        if field is None or not isinstance(field.annotation, type) or not issubclass(
            field.annotation, BaseModel
        ):
            return []
        model = field.annotation
    return list(model.model_fields) if model else []


# ---------------------------------------------------------------- relations between keys


def _relation_problems(cfg: ConfigFile) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    issue_names = list(cfg.issues)
    for name, issue in cfg.issues.items():
        if len(set(issue.levels)) != len(issue.levels):
            problems.append(ConfigProblem(f"issues.{name}.levels", issue.levels, "distinct level names"))
    side_names = list(cfg.sides)
    if len(side_names) != 2:
        problems.append(ConfigProblem("sides", side_names, "exactly two sides"))
    for side_name, side in cfg.sides.items():
        base = f"sides.{side_name}"
        problems += _issue_keys(f"{base}.weights", side.weights, issue_names)
        problems += _issue_keys(f"{base}.utilities", side.utilities, issue_names)
        for issue, weight in side.weights.items():
            if not 0.0 <= weight <= 1.0:
                problems.append(ConfigProblem(f"{base}.weights.{issue}", weight, "a number in [0, 1]"))
        total = sum(side.weights.values())
        if side.weights and abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            problems.append(
                ConfigProblem(f"{base}.weights", dict(side.weights), f"weights summing to 1 (they sum to {total:g})")
            )
        for issue, values in side.utilities.items():
            if issue in cfg.issues and len(values) != len(cfg.issues[issue].levels):
                problems.append(
                    ConfigProblem(
                        f"{base}.utilities.{issue}",
                        values,
                        f"{len(cfg.issues[issue].levels)} numbers, one per level of {issue} "
                        f"({', '.join(cfg.issues[issue].levels)})",
                    )
                )
    for move_name, move in cfg.moves.items():
        base = f"moves.{move_name}"
        if move.by not in side_names:
            problems.append(ConfigProblem(f"{base}.by", move.by, f"one of the sides: {', '.join(side_names)}"))
        if move.target is not None and (move.target not in side_names or move.target == move.by):
            problems.append(
                ConfigProblem(f"{base}.target", move.target, "the other side (the one the move is aimed at)")
            )
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
            elif not -1.0 <= amount <= 1.0:
                problems.append(ConfigProblem(path, amount, "a change of probability in [-1, 1]"))
    talks = cfg.talks
    for package_name, levels in talks.packages.items():
        base = f"talks.packages.{package_name}"
        if package_name in {"deadlock", "escalation"}:
            problems.append(ConfigProblem(base, levels, "a package name other than 'deadlock' or 'escalation'"))
        problems += _issue_keys(base, levels, issue_names)
        for issue, level in levels.items():
            if issue in cfg.issues and level not in cfg.issues[issue].levels:
                problems.append(
                    ConfigProblem(f"{base}.{issue}", level, f"a level of {issue}: {', '.join(cfg.issues[issue].levels)}")
                )
    if talks.protocol == "stance":
        problems += _stance_problems(talks, side_names)
    else:
        problems += _bargaining_problems(talks, side_names)
    if cfg.solver.selection_rule not in SELECTION_RULES:
        problems.append(
            ConfigProblem("solver.selection_rule", cfg.solver.selection_rule, f"one of {', '.join(SELECTION_RULES)}")
        )
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
    problems += _issue_keys("talks.actions", talks.actions, side_names, what="side")
    for side, actions in talks.actions.items():
        if not actions or len(set(actions)) != len(actions):
            problems.append(ConfigProblem(f"talks.actions.{side}", actions, "a non-empty list of distinct stances"))
    if len(side_names) == 2 and all(s in talks.actions for s in side_names):
        rows, columns = (talks.actions[s] for s in side_names)
        allowed = ["deadlock", "escalation", *talks.packages]
        problems += _issue_keys("talks.outcomes", talks.outcomes, rows, what=f"stance of {side_names[0]}")
        for a in rows:
            for b in columns:
                path = f"talks.outcomes.{a}.{b}"
                value = talks.outcomes.get(a, {}).get(b)
                if value is None and a in talks.outcomes:
                    problems.append(
                        ConfigProblem(path, None, f"the outcome when {side_names[0]} plays {a!r} and "
                                      f"{side_names[1]} plays {b!r}: one of {', '.join(allowed)}", missing=True)
                    )
                elif value is not None and value not in allowed:
                    problems.append(ConfigProblem(path, value, f"one of {', '.join(allowed)}"))
            for b in talks.outcomes.get(a, {}):
                if b not in columns:
                    problems.append(
                        ConfigProblem(f"talks.outcomes.{a}.{b}", talks.outcomes[a][b], f"a stance of {side_names[1]}: {', '.join(columns)}")
                    )
    return problems


def _bargaining_problems(talks: TalksSection, side_names: list[str]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for key in ("actions", "outcomes"):
        if getattr(talks, key) is not None:
            problems.append(ConfigProblem(f"talks.{key}", getattr(talks, key),
                                          "no stances with protocol = 'bargaining' (remove the key, or set protocol = 'stance')"))
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
                problems.append(ConfigProblem(f"{base}.packages", name, f"a package of talks.packages: {', '.join(talks.packages) or '(none defined)'}"))
    problems += _issue_keys(f"{base}.discount", bargaining.discount, side_names, what="side")
    for side, delta in bargaining.discount.items():
        if not 0.0 <= delta <= 1.0:
            problems.append(ConfigProblem(f"{base}.discount.{side}", delta, "a discount factor in [0, 1]"))
    if bargaining.first_proposer not in side_names:
        problems.append(ConfigProblem(f"{base}.first_proposer", bargaining.first_proposer, f"one of the sides: {', '.join(side_names)}"))
    if bargaining.power is not None:
        problems += _issue_keys(f"{base}.power", bargaining.power, side_names, what="side")
        if any(not 0.0 <= p <= 1.0 for p in bargaining.power.values()) or abs(sum(bargaining.power.values()) - 1.0) > WEIGHT_SUM_TOLERANCE:
            problems.append(ConfigProblem(f"{base}.power", dict(bargaining.power), "bargaining powers in [0, 1] summing to 1"))
    return problems


def _issue_keys(path: str, table: Mapping[str, Any], names: list[str], what: str = "issue") -> list[ConfigProblem]:
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


# ---------------------------------------------------------------- building the scenario


def _build(cfg: ConfigFile) -> Scenario:
    space = OutcomeSpace(
        tuple(Issue(name, tuple(i.levels), i.description) for name, i in cfg.issues.items())
    )
    sides = tuple(
        Side(
            name=name,
            label=s.label,
            weights=dict(s.weights),
            level_values={k: tuple(v) for k, v in s.utilities.items()},
            deadlock=s.outcomes.deadlock,
            escalation=s.outcomes.escalation,
        )
        for name, s in cfg.sides.items()
    )
    side_names = [s.name for s in sides]
    moves = tuple(
        LeverageMove(
            name=name,
            label=m.label,
            maker=m.by,
            target=m.target or next(s for s in side_names if s != m.by),
            cost=m.cost,
            harm=m.harm,
            effects=tuple((k, dict(v) if isinstance(v, dict) else v) for k, v in m.effects.items()),
            date=str(m.date),
            description=m.description,
        )
        for name, m in cfg.moves.items()
    )
    named = {name: space.package(name, levels) for name, levels in cfg.talks.packages.items()}
    if cfg.talks.protocol == "stance":
        talks: StanceTalks | BargainingTalks = StanceTalks(
            actions=(tuple(cfg.talks.actions[side_names[0]]), tuple(cfg.talks.actions[side_names[1]])),
            packages=tuple(named.values()),
            outcome_map=tuple(
                tuple(cfg.talks.outcomes[a][b] for b in cfg.talks.actions[side_names[1]])
                for a in cfg.talks.actions[side_names[0]]
            ),
            breakdown_probability=cfg.talks.breakdown_probability,
        )
    else:
        b = cfg.talks.bargaining
        if b.packages == "all":
            by_levels = {p.levels: p.name for p in named.values()}
            packages = tuple(
                Package(by_levels.get(p.levels, p.name), p.levels) for p in space.all_packages()
            )
        else:
            packages = tuple(named[name] for name in b.packages)
        power = b.power or {side_names[0]: 0.5, side_names[1]: 0.5}
        talks = BargainingTalks(
            packages=packages,
            solution=b.solution,
            discount=(b.discount[side_names[0]], b.discount[side_names[1]]),
            first_proposer=side_names.index(b.first_proposer),
            deadline=b.deadline,
            breakdown_per_round=b.breakdown_per_round,
            power=power[side_names[0]],
            breakdown_probability=cfg.talks.breakdown_probability,
        )
    return Scenario(
        name=cfg.scenario.name,
        title=cfg.scenario.title,
        description=cfg.scenario.description,
        space=space,
        sides=(sides[0], sides[1]),
        moves=moves,
        talks=talks,
        solver=SolverSettings(**cfg.solver.model_dump()),
    )


def scenario_from_dict(data: Mapping[str, Any], source: str = "<config>") -> Scenario:
    """Validate a parsed config and build its scenario.

    Raises
    ------
    ConfigError
        Listing every problem found, each with its key path, value and what was expected.
    """
    try:
        cfg = ConfigFile.model_validate(data)
    except ValidationError as error:
        raise ConfigError(source, _pydantic_problems(error)) from None
    problems = _relation_problems(cfg)
    if problems:
        raise ConfigError(source, problems)
    try:
        return _build(cfg)
    except ValueError as error:  # a relation the checks above missed: still name the file
        raise ConfigError(source, [ConfigProblem("(scenario)", None, str(error), missing=True)]) from None


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
    data = read_config(path)
    if overrides:
        data = with_overrides(data, overrides, source=path.name)
    return scenario_from_dict(data, source=path.name)


_KEY_PART = re.compile(r"^(?P<name>[^\[\]]+)(?P<indices>(\[\d+\])*)$")


def parse_key_path(key_path: str) -> list[str | int] | None:
    """``"sides.us.utilities.tariffs[3]"`` -> ``["sides", "us", "utilities", "tariffs", 3]``;
    None if malformed.

    Examples
    --------
    >>> parse_key_path("a.b[1].c")
    ['a', 'b', 1, 'c']
    """
    parts: list[str | int] = []
    for part in key_path.split("."):
        match = _KEY_PART.match(part)
        if match is None:
            return None
        parts.append(match["name"])
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match["indices"]))
    return parts


def lookup_key_path(data: Mapping[str, Any], parts: list[str | int]) -> tuple[bool, Any, int]:
    """``(found, value, depth reached)`` for a parsed key path in a config."""
    node: Any = data
    for depth, part in enumerate(parts):
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return False, None, depth
        elif not isinstance(node, Mapping) or part not in node:
            return False, None, depth
        node = node[part]
    return True, node, len(parts)


def key_path_problem(data: Mapping[str, Any], key_path: str, value: Any = None) -> ConfigProblem | None:
    """Why ``key_path`` does not name an existing value of ``data`` (with a guess), or None."""
    parts = parse_key_path(key_path)
    if parts is None:
        return ConfigProblem(key_path, value, "a key path like a.b.c or a.b[0]")
    found, _, depth = lookup_key_path(data, parts)
    if found:
        return None
    _, parent, _ = lookup_key_path(data, parts[:depth])
    known = list(parent) if isinstance(parent, Mapping) else []
    guess = difflib.get_close_matches(str(parts[depth]), known, n=1)
    hint = f"; did you mean {'.'.join(map(str, parts[:depth] + [guess[0]]))!r}?" if guess else ""
    return ConfigProblem(key_path, value, f"an existing key path{hint}")


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


def with_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any], source: str = "<config>") -> dict[str, Any]:
    """A deep copy of ``data`` with values replaced at key paths (which must exist).

    Key paths are dotted (``moves.entity_listing.cost``); ``name[i]`` is item ``i`` of a
    list (``sides.us.utilities.tariffs[3]``).
    """
    result = copy.deepcopy(dict(data))
    problems = []
    for key_path, value in overrides.items():
        problem = key_path_problem(result, key_path, value)
        if problem is not None:
            problems.append(problem)
            continue
        parts = parse_key_path(key_path)
        _, parent, _ = lookup_key_path(result, parts[:-1])
        parent[parts[-1]] = value
    if problems:
        raise ConfigError(source, problems)
    return result


def numeric_key_paths(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every numeric value of a config with its key path, list items included (``a.c[1]``):
    what a sweep may vary.

    Examples
    --------
    >>> [k for k, _ in numeric_key_paths({"a": {"b": 1.0, "c": [0.5, 2], "d": "x"}})]
    ['a.b', 'a.c[0]', 'a.c[1]']
    """
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from numeric_key_paths(value, prefix=f"{path}.")
        elif isinstance(value, list):
            yield from ((f"{path}[{i}]", float(v)) for i, v in enumerate(value) if _is_number(v))
        elif _is_number(value):
            yield path, float(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
