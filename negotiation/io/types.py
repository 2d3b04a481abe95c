r"""Private types in a scenario: ``[types.SIDE.TYPE]`` tables with a prior and the type's values.

::

    [types.china.resolute]
    prior = 0.4
    "sides.china.utilities.tariffs[0]" = 0.3       # the type's own values, by key path

    [types.china.pliable]
    prior = 0.6

One side may hold private types (it knows its own; the other side knows only the prior and
sees every move). Each type changes only numbers of that side: its weights and utilities
(``sides.SIDE.*``), the costs and harms of its moves, its escalation risks
(``talks.escalation_risk.SIDE.*``) and the per-side effects on it (``moves.*.effects.*.SIDE``).
Priors are in [0, 1] and sum to 1. Every problem names the key path, the value and what was
expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from negotiation.io.key_paths import key_path_problem, value_at
from negotiation.io.schema import ConfigError, ConfigProblem

__all__ = ["TypesSpec", "typed_scenarios", "types_spec"]

#: Tolerance on the sum of a prior.
PRIOR_TOLERANCE = 1e-9


class TypesSpec:
    """The validated ``[types]`` of a config: the private side, its types, their prior and the
    key-path values of each type."""

    def __init__(self, side: str, types: tuple[str, ...], prior: tuple[float, ...],
                 values: tuple[dict[str, Any], ...]) -> None:
        self.side, self.types, self.prior, self.values = side, types, prior, values


def _owned(config: Mapping[str, Any], side: str, key_path: str) -> bool:
    """Whether a key path is one of ``side``'s own numbers."""
    if key_path.startswith(f"sides.{side}.") or key_path.startswith(f"talks.escalation_risk.{side}."):
        return True
    parts = key_path.split(".")
    if len(parts) >= 3 and parts[0] == "moves":
        move = (config.get("moves") or {}).get(parts[1], {})
        if parts[2] in ("cost", "harm") and len(parts) == 3:
            maker = move.get("by")
            target = move.get("target") or next((s for s in config.get("sides", {}) if s != maker), None)
            return (parts[2] == "cost" and maker == side) or (parts[2] == "harm" and target == side)
        return len(parts) == 5 and parts[2] == "effects" and parts[4] == side
    return False


def types_spec(config: Mapping[str, Any], source: str = "<config>") -> TypesSpec | None:
    """The ``[types]`` of a config, validated (None if it has none).

    Raises
    ------
    ConfigError
        Naming every bad key path, value and what was expected.
    """
    table = config.get("types")
    if table is None:
        return None
    problems: list[ConfigProblem] = []
    sides = list(config.get("sides") or {})
    if not isinstance(table, Mapping) or len(table) != 1:
        raise ConfigError(source, [ConfigProblem("types", table, "one table [types.SIDE] for the one side with private "
                                                 f"types (a side of {', '.join(sides)})")])
    (side, entries), = table.items()
    if side not in sides:
        raise ConfigError(source, [ConfigProblem(f"types.{side}", entries, f"a side: {', '.join(sides)}")])
    if not isinstance(entries, Mapping) or len(entries) < 2:
        raise ConfigError(source, [ConfigProblem(f"types.{side}", entries, "at least two types, each a table with a prior")])
    names, prior, values = [], [], []
    base = {k: v for k, v in config.items() if k != "types"}
    for name, entry in entries.items():
        path = f"types.{side}.{name}"
        if not isinstance(entry, Mapping):
            problems.append(ConfigProblem(path, entry, "a table with prior = ... and the type's values by key path"))
            continue
        p = entry.get("prior")
        if p is None:
            problems.append(ConfigProblem(f"{path}.prior", None, "the type's prior probability", missing=True))
        elif isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            problems.append(ConfigProblem(f"{path}.prior", p, "a probability in [0, 1]"))
        own: dict[str, Any] = {}
        for key, value in entry.items():
            if key == "prior":
                continue
            where = f'{path}."{key}"'
            problem = key_path_problem(base, key)
            if problem is not None:
                problems.append(ConfigProblem(where, value, problem.expected))
            elif not _owned(base, side, key):
                problems.append(ConfigProblem(where, value, f"a number of {side}'s own (its utilities, weights, move "
                                              f"costs, escalation risks, effects on it): a type of {side} changes no "
                                              "other side's values"))
            elif isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(
                    value_at(base, key), int | float):
                problems.append(ConfigProblem(where, value, "a number"))
            else:
                own[key] = float(value)
        names.append(str(name))
        prior.append(float(p) if isinstance(p, int | float) and not isinstance(p, bool) else 0.0)
        values.append(own)
    if not problems and abs(sum(prior) - 1.0) > PRIOR_TOLERANCE:
        problems.append(ConfigProblem(f"types.{side}", ", ".join(f"{n} {p:g}" for n, p in zip(names, prior, strict=True)),
                                      f"priors summing to 1 (they sum to {sum(prior):g})"))
    if problems:
        raise ConfigError(source, problems)
    return TypesSpec(side, tuple(names), tuple(prior), tuple(values))


def typed_scenarios(config: Mapping[str, Any], source: str, overrides: Mapping[str, Any] | None = None):
    """The scenario of each private type of a config with ``[types]`` (None without), the
    private side's position, the type names and the prior; every source checked."""
    from negotiation.io.config import scenario_from_dict
    from negotiation.io.sources import source_problems

    spec = types_spec(config, source)
    if spec is None:
        return None
    problems = [ConfigProblem(p, v, e) for p, v, e in source_problems(config)]
    if problems:
        raise ConfigError(source, problems)
    base = {k: v for k, v in config.items() if k not in ("types", "uncertainty", "sweep")}
    base["sources"] = {k: v for k, v in (config.get("sources") or {}).items() if not k.startswith("types")}
    scenarios = tuple(scenario_from_dict(base, source=source, overrides={**(overrides or {}), **values})
                      for values in spec.values)
    return scenarios, list(config["sides"]).index(spec.side), spec.types, spec.prior
