"""The shape of a scenario file, and the rules its numbers obey (checked for a batch at once).

Validation is in three steps, each reporting every problem it finds, one line each::

    madrid_2025.toml: sides.us.weights.tariffs = 'high': expected a number

1. **types** (pydantic, strict: ``"0.5"`` is not a number, unknown keys are refused, with a
   did-you-mean);
2. **numbers** (:func:`numeric_checks`): every number finite, ranges (costs non-negative,
   probabilities in [0, 1], ...) and each side's weights summing to one. The checks take
   each number as a float or as an array over the points of a sweep, so that one rule serves
   a single run and a million points alike;
3. **structure** (in :mod:`negotiation.io.config`): moves by known sides, an outcome for every
   pair of stances, known effects, ...
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from negotiation.model.agents import WEIGHT_SUM_TOLERANCE

__all__ = [
    "ConfigError",
    "ConfigFile",
    "ConfigProblem",
    "NumericCheck",
    "describe_point",
    "numeric_checks",
    "pydantic_problems",
]


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
        return f"{source}: {self.path} = {show(self.value)}: expected {self.expected}"


class ConfigError(ValueError):
    """A config that cannot become a scenario; ``str()`` gives one line per problem."""

    def __init__(self, source: str, problems: list[ConfigProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(p.describe(source) for p in self.problems))


def show(value: Any) -> str:
    """A value as an error message shows it."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- shape and types (pydantic)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


#: A scenario name is a folder name under ``results/``: letters, digits, ``_ . -``, and not
#: all dots (``.`` or ``..`` would write into the current folder or its parent).
SAFE_NAME = re.compile(r"^(?!\.+$)[A-Za-z0-9_.-]+$")


class ScenarioSection(_Strict):
    name: str = Field(min_length=1)
    title: str
    description: str = ""
    # The date the model's facts are known by (negotiation.io.sources: no look-ahead).
    as_of: datetime.date | None = None

    @field_validator("name")
    @classmethod
    def _safe_file_name(cls, value: str) -> str:
        if not SAFE_NAME.match(value):
            raise PydanticCustomError(
                "safe_file_name",
                "A safe file name: letters, digits, '_', '.' and '-' only (no '/'), and not only dots",
            )
        return value


class IssueSection(_Strict):
    levels: list[str] = Field(min_length=1)
    description: str = ""


class NonAgreementSection(_Strict):
    # Each may be left out when [talks.threat_points] derives it from the issue levels.
    deadlock: float | None = None
    escalation: float | None = None


class SideSection(_Strict):
    label: str
    weights: dict[str, float]
    utilities: dict[str, list[float]]
    outcomes: NonAgreementSection = NonAgreementSection()


class MoveSection(_Strict):
    label: str
    by: str
    target: str | None = None
    date: datetime.date | str = ""
    cost: float = 0.0
    harm: float = 0.0
    description: str = ""
    source: str = ""
    effects: dict[str, float | dict[str, float]] = {}


class BargainingSection(_Strict):
    solution: Literal["alternating_offers", "nash", "kalai_smorodinsky", "egalitarian"] = "alternating_offers"
    packages: Literal["all"] | list[str] = "all"
    discount: dict[str, float]
    first_proposer: str
    deadline: int
    breakdown_per_round: float = 0.0
    power: dict[str, float] | None = None


class TalksSection(_Strict):
    protocol: Literal["stance", "bargaining"] = "stance"
    breakdown_probability: float = 0.0
    # Share of truce breakdowns that end in escalation rather than deadlock (stance talks).
    breakdown_to_escalation: float = 0.0
    # What deadlock and escalation leave in force, as packages (issue -> level): each side's
    # deadlock and escalation payoffs are then derived from its utilities.
    threat_points: dict[str, dict[str, str]] = {}
    # side -> stance -> probability that a truce reached while that side plays the stance
    # ends in escalation instead (the threat is carried out or spirals).
    escalation_risk: dict[str, dict[str, float]] = {}
    actions: dict[str, list[str]] | None = None
    packages: dict[str, dict[str, str]] = {}
    outcomes: dict[str, dict[str, str]] | None = None
    bargaining: BargainingSection | None = None


class SolverSection(_Strict):
    selection_rule: str = "payoff_dominant"
    tolerance: float = 1e-9
    max_equilibria: int = 10_000


class ConfigFile(_Strict):
    scenario: ScenarioSection
    issues: dict[str, IssueSection] = Field(min_length=1)
    sides: dict[str, SideSection]
    moves: dict[str, MoveSection] = {}
    talks: TalksSection
    solver: SolverSection = SolverSection()
    # Validated by negotiation.study.design (key paths of the scenario, distributions, designs).
    sweep: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None
    # Validated by negotiation.io.sources (key paths, fact or judgement, dates against as_of).
    sources: dict[str, Any] | None = None


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


def pydantic_problems(error: ValidationError) -> list[ConfigProblem]:
    """pydantic's errors as config problems (a misspelled key reported once, with a guess)."""
    problems: list[ConfigProblem] = []
    raw = error.errors()
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
            problems.append(ConfigProblem(".".join(loc), e["input"], f"no such key{hint}{known}"))
        elif kind == "missing":
            continue
        else:
            # unions (effect amounts) report one error per branch: keep the first
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
        problems.append(ConfigProblem(".".join(str(p) for p in loc), None, "this key to be set", missing=True))
    return problems


def _expected_from_message(kind: str, message: str) -> str:
    text = message.removeprefix("Input should be ").removeprefix("String should ")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return f"a number {text}"
    return text[0].lower() + text[1:] if text else kind


def _allowed_keys(parent: tuple[str, ...]) -> list[str]:
    """Keys allowed under a table, for error hints (fixed sections only)."""
    sections = {"sides": SideSection, "moves": MoveSection, "issues": IssueSection}
    if not parent:
        return list(ConfigFile.model_fields)
    if parent[0] in sections and len(parent) == 2:
        return list(sections[parent[0]].model_fields)
    model: type[BaseModel] | None = ConfigFile
    for part in parent:
        field = model.model_fields.get(part) if model else None
        if field is None or not isinstance(field.annotation, type) or not issubclass(field.annotation, BaseModel):
            return []
        model = field.annotation
    return list(model.model_fields) if model else []


# ---------------------------------------------------------------- numbers (batched)


@dataclass(frozen=True, eq=False)
class NumericCheck:
    """One rule on one number (or a side's weights), for every point of a batch.

    Attributes
    ----------
    path : str
        Key path the message names.
    bad : numpy.ndarray of bool, shape (N,)
    value : numpy.ndarray or None
        The value shown per point (None: the value is a table).
    expected : str or callable
        What was expected; a callable of the point index for texts that depend on it.
    """

    path: str
    bad: np.ndarray
    value: np.ndarray | None
    expected: str | Callable[[int], str]

    def problem(self, i: int) -> ConfigProblem:
        if self.value is None:
            value: Any = {}
        elif np.ndim(self.value) == 0:
            value = self.value  # as written in the file (an int stays an int)
        else:
            value = self.value[i].item()
        expected = self.expected(i) if callable(self.expected) else self.expected
        return ConfigProblem(self.path, value, expected)


#: Largest magnitude a number may have: the model's numbers are costs, weights and
#: probabilities of order one, and larger ones only overflow its products (1e308 gave
#: 309-digit leverages and overflow warnings).
MAX_MAGNITUDE = 1e6


def _as_array(value: Any, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,))


def numeric_checks(cfg: ConfigFile, numbers: Mapping[str, Any], n: int, integers: Mapping[str, bool]) -> list[NumericCheck]:
    """Every rule on the numbers of a typed config, in reporting order.

    Parameters
    ----------
    cfg : ConfigFile
        The typed config (its structure: sides, moves, effects).
    numbers : mapping of key path -> float or array (N,)
        The config's numbers, overridden values included.
    n : int
        Number of points N.
    integers : mapping of key path -> bool
        Key paths whose values must be whole numbers (typed ``int`` in the file).
    """
    checks: list[NumericCheck] = []

    def arr(path: str) -> np.ndarray:
        return _as_array(numbers[path], n)

    finite: dict[str, np.ndarray] = {}
    for path, value in numbers.items():
        values = _as_array(value, n)
        ok = np.isfinite(values)
        checks.append(NumericCheck(path, ~ok, value, "a finite number"))
        huge = ok & (np.abs(values) > MAX_MAGNITUDE)
        checks.append(NumericCheck(path, huge, value, f"a number of magnitude at most {MAX_MAGNITUDE:g}"))
        # the other rules judge only usable numbers: one problem per bad value
        ok = ok & ~huge
        finite[path] = ok
        if integers.get(path):
            checks.append(NumericCheck(path, ok & (np.floor(values) != values), value, "a whole number"))

    def bound(path: str, low: float | None, high: float | None, open_low: bool = False,
              open_high: bool = False, expected_low: str | None = None, expected_high: str | None = None) -> None:
        if path not in numbers:
            return
        v = arr(path)
        ok = finite[path]
        if low is not None:
            below = (v <= low) if open_low else (v < low)
            text = expected_low or f"a number greater than {'' if open_low else 'or equal to '}{low:g}"
            checks.append(NumericCheck(path, ok & below, numbers[path], text))
        if high is not None:
            above = (v >= high) if open_high else (v > high)
            text = expected_high or f"a number less than {'' if open_high else 'or equal to '}{high:g}"
            checks.append(NumericCheck(path, ok & above, numbers[path], text))

    def interval(path: str, low: float, high: float, text: str) -> None:
        if path not in numbers:
            return
        v = arr(path)
        checks.append(NumericCheck(path, finite[path] & ((v < low) | (v > high)), numbers[path], text))

    # ranges of single values, in the file's order of sections
    for name in cfg.moves:
        bound(f"moves.{name}.cost", 0.0, None)
        bound(f"moves.{name}.harm", 0.0, None)
    bound("talks.breakdown_probability", 0.0, 1.0)
    bound("talks.breakdown_to_escalation", 0.0, 1.0)
    for side, risks in cfg.talks.escalation_risk.items():
        for stance in risks:
            bound(f"talks.escalation_risk.{side}.{stance}", 0.0, 1.0)
    if cfg.talks.bargaining is not None:
        bound("talks.bargaining.deadline", 1, 10_000)
        bound("talks.bargaining.breakdown_per_round", 0.0, 1.0)
    bound("solver.tolerance", 0.0, 1e-3, open_low=True)
    bound("solver.max_equilibria", 1, None)
    # relations between values
    for side_name, side in cfg.sides.items():
        base = f"sides.{side_name}.weights"
        keys = [f"{base}.{issue}" for issue in side.weights]
        for key in keys:
            interval(key, 0.0, 1.0, "a number in [0, 1]")
        if keys and all(k in numbers for k in keys):
            total = sum((arr(k) for k in keys), np.zeros(n))
            bad = np.abs(total - 1.0) > WEIGHT_SUM_TOLERANCE
            checks.append(NumericCheck(base, bad, None, lambda i, t=total: f"weights summing to 1 (they sum to {t[i]:g})"))
    for name, move in cfg.moves.items():
        for kind, amount in move.effects.items():
            if not isinstance(amount, dict):
                interval(f"moves.{name}.effects.{kind}", -1.0, 1.0, "a change of probability in [-1, 1]")
    bargaining = cfg.talks.bargaining
    if bargaining is not None:
        for side in bargaining.discount:
            interval(f"talks.bargaining.discount.{side}", 0.0, 1.0, "a discount factor in [0, 1]")
        if bargaining.power is not None:
            keys = [f"talks.bargaining.power.{side}" for side in bargaining.power]
            values = [arr(k) for k in keys if k in numbers]
            if len(values) == len(keys):
                outside = np.any([(v < 0) | (v > 1) for v in values], axis=0)
                total = sum(values, np.zeros(n))
                bad = outside | (np.abs(total - 1.0) > WEIGHT_SUM_TOLERANCE)
                checks.append(NumericCheck("talks.bargaining.power", bad, None, "bargaining powers in [0, 1] summing to 1"))
    return checks


def describe_point(checks: list[NumericCheck], i: int) -> list[ConfigProblem]:
    """The problems of point ``i``, in reporting order."""
    return [check.problem(i) for check in checks if check.bad[i]]
