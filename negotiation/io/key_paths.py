r"""Key paths: the one public name of every value of a scenario file.

A key path is dotted (``moves.entity_listing.cost``); ``name[i]`` is item ``i`` of a list
(``sides.us.utilities.tariffs[3]``). Errors name values by it, ``--set`` and sweeps change
them by it, result tables use it as the column. Everything about key paths is here:
parsing, lookup, what is wrong with one (with a guess), overriding values, and the
numbers of a config.

Weights stay normalised
-----------------------
Each side's issue weights must sum to one. When some of a side's weights are set (the
*set* weights, sum :math:`S`), the side's other weights (sum :math:`R`) are rescaled
proportionally, :math:`w_r \leftarrow w_r (1 - S) / R`, so the sum stays one and their
ratios are kept (:func:`normalise_weights`). Nothing is rescaled when the weights already
sum to one (within ``1e-12``) or when rescaling cannot give valid weights: when every
weight of the side is set, when :math:`R = 0`, or when :math:`S > 1`; the values are then
validated as given. The same rule holds for ``--set``, ``ng.load(set=...)`` and sweeps, so a
sweep row equals a single run at the same values.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "KeyPathProblem",
    "all_key_paths",
    "key_path_problem",
    "lookup_key_path",
    "normalise_weights",
    "numeric_key_paths",
    "parse_key_path",
    "set_key_path",
    "sweepable_key_path_problem",
    "value_at",
    "weight_key",
]

_KEY_PART = re.compile(r"^(?P<name>[^\[\]]+)(?P<indices>(\[\d+\])*)$")
#: Weights summing to one within this are left as they are by :func:`normalise_weights`.
ALREADY_NORMALISED = 1e-12


@dataclass(frozen=True)
class KeyPathProblem:
    """Why a key path cannot be used: what was expected (with a guess)."""

    key_path: str
    expected: str


def is_number(value: Any) -> bool:
    """Whether ``value`` is a number a key path may hold (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_key_path(key_path: str) -> list[str | int] | None:
    """``"sides.us.utilities.tariffs[3]"`` -> ``["sides", "us", "utilities", "tariffs", 3]``;
    None if malformed.

    Examples
    --------
    >>> parse_key_path("a.b[1].c")
    ['a', 'b', 1, 'c']
    >>> parse_key_path("a..b") is None
    True
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


def value_at(data: Mapping[str, Any], key_path: str) -> Any:
    """The value at a key path; ``KeyError`` (naming it) if there is none.

    >>> value_at({"a": {"b": [1, 2.5]}}, "a.b[1]")
    2.5
    """
    parts = parse_key_path(key_path)
    found, value, _ = lookup_key_path(data, parts) if parts is not None else (False, None, 0)
    if not found:
        raise KeyError(f"no such key path in the config: {key_path!r}")
    return value


def key_path_problem(data: Mapping[str, Any], key_path: str) -> KeyPathProblem | None:
    """Why ``key_path`` does not name an existing value of ``data`` (with a guess), or None.

    >>> key_path_problem({"moves": {"m": {"cost": 0.1}}}, "moves.m.cots").expected
    "an existing key path; did you mean 'moves.m.cost'?"
    """
    parts = parse_key_path(key_path)
    if parts is None:
        return KeyPathProblem(key_path, "a key path like a.b.c or a.b[0]")
    found, _, depth = lookup_key_path(data, parts)
    if found:
        return None
    _, parent, _ = lookup_key_path(data, parts[:depth])
    known = list(parent) if isinstance(parent, Mapping) else []
    guess = difflib.get_close_matches(str(parts[depth]), known, n=1)
    hint = f"; did you mean {'.'.join(map(str, parts[:depth] + [guess[0]]))!r}?" if guess else ""
    return KeyPathProblem(key_path, f"an existing key path{hint}")


def sweepable_key_path_problem(data: Mapping[str, Any], key_path: str) -> KeyPathProblem | None:
    """Why ``key_path`` cannot be varied (swept): not a key path of a number; None if it can.

    >>> config = {"moves": {"m": {"cost": 0.01, "label": "M"}}}
    >>> sweepable_key_path_problem(config, "moves.m.cost") is None
    True
    >>> sweepable_key_path_problem(config, "moves.m.cots").expected
    "a numeric key path of the scenario; did you mean 'moves.m.cost'?"
    >>> sweepable_key_path_problem(config, "moves.m.label").expected
    'a numeric key path (moves.m.label holds a string, which a sweep cannot vary)'
    """
    numeric = [k for k, _ in numeric_key_paths(data)]
    if key_path in numeric:
        return None
    everything = all_key_paths(data)
    if key_path in everything:
        value = everything[key_path]
        if isinstance(value, dict | list):
            inside = [k for k in numeric if k.startswith((key_path + ".", key_path + "["))]
            hint = f"; did you mean {inside[0]!r}?" if len(inside) == 1 else (
                f"; numbers under it: {', '.join(inside[:6])}" if inside else "")
            what = "a table" if isinstance(value, dict) else "a list: sweep one item, as KEY[i]"
            return KeyPathProblem(key_path, f"a numeric key path ({key_path} is {what}){hint}")
        kind = {str: "a string", bool: "true or false"}.get(type(value), type(value).__name__)
        return KeyPathProblem(key_path, f"a numeric key path ({key_path} holds {kind}, which a sweep cannot vary)")
    guess = difflib.get_close_matches(key_path, numeric, n=1, cutoff=0.6)
    hint = f"; did you mean {guess[0]!r}?" if guess else ""
    return KeyPathProblem(key_path, f"a numeric key path of the scenario{hint}")


def all_key_paths(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Every key path of a config (tables, lists and their items included) and its value."""
    paths: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        paths[path] = value
        if isinstance(value, dict):
            paths.update(all_key_paths(value, prefix=f"{path}."))
        elif isinstance(value, list):
            paths.update({f"{path}[{i}]": item for i, item in enumerate(value)})
    return paths


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
            yield from ((f"{path}[{i}]", v) for i, v in enumerate(value) if is_number(v))
        elif is_number(value):
            yield path, value


def set_key_path(data: dict[str, Any], key_path: str, value: Any) -> None:
    """Replace the value at an existing key path of ``data`` (in place).

    A key may itself hold dots, as the keys of ``[uncertainty]`` do; the key path joins it
    with dots, as :func:`numeric_key_paths` writes it.

    >>> data = {"uncertainty": {"sides.us.x": {"high": 0.2}}, "a": [1, [2, 3]]}
    >>> set_key_path(data, "uncertainty.sides.us.x.high", 0.3)
    >>> set_key_path(data, "a[1][0]", 4)
    >>> data
    {'uncertainty': {'sides.us.x': {'high': 0.3}}, 'a': [1, [4, 3]]}
    """
    found = _locate(data, key_path)
    if found is None:
        raise KeyError(f"no such key path in the config: {key_path!r}")
    parent, last = found
    parent[last] = value


def _locate(node: Any, rest: str) -> tuple[Any, str | int] | None:
    """``(container, key or index)`` holding the value at key path ``rest`` under ``node``."""
    if isinstance(node, list):
        match = re.match(r"\[(\d+)\]", rest)
        if match is None or int(match[1]) >= len(node):
            return None
        index, tail = int(match[1]), rest[match.end():]
        if not tail:
            return node, index
        return _locate(node[index], tail[1:] if tail.startswith(".") else tail)
    if not isinstance(node, Mapping):
        return None
    # longest key first: "a.b" before "a" when both could start the path
    for key in sorted((k for k in node if isinstance(k, str)), key=len, reverse=True):
        if rest == key:
            return node, key
        if rest.startswith((key + ".", key + "[")):
            tail = rest[len(key):]
            found = _locate(node[key], tail[1:] if tail.startswith(".") else tail)
            if found is not None:
                return found
    return None


def with_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> tuple[dict[str, Any], list[KeyPathProblem]]:
    """A deep copy of ``data`` with values replaced at key paths, and the key paths that do
    not exist (left out)."""
    result = copy.deepcopy(dict(data))
    problems = []
    for key_path, value in overrides.items():
        problem = key_path_problem(result, key_path)
        if problem is not None:
            problems.append(problem)
            continue
        set_key_path(result, key_path, value)
    return result, problems


def weight_key(key_path: str) -> tuple[str, str] | None:
    """``("us", "tariffs")`` for ``sides.us.weights.tariffs``; None for other key paths."""
    parts = key_path.split(".")
    if len(parts) == 4 and parts[0] == "sides" and parts[2] == "weights" and "[" not in key_path:
        return parts[1], parts[3]
    return None


def normalise_weights(numbers: Mapping[str, Any], data: Mapping[str, Any], changed: Sequence[str]) -> dict[str, Any]:
    r"""Rescale each side's other weights so that its weights sum to one again (module
    docstring), for the weights among ``changed``; numbers may be arrays (a batch).

    ``numbers`` maps key paths to values (floats or arrays of one length); ``data`` is the
    config they come from (for the order of each side's weights). Returns a new mapping.

    Examples
    --------
    >>> data = {"sides": {"us": {"weights": {"a": 0.8, "b": 0.1, "c": 0.1}}}}
    >>> numbers = {"sides.us.weights.a": 0.6, "sides.us.weights.b": 0.1, "sides.us.weights.c": 0.1}
    >>> new = normalise_weights(numbers, data, ["sides.us.weights.a"])
    >>> {k.split(".")[-1]: round(float(v), 12) for k, v in new.items()}
    {'a': 0.6, 'b': 0.2, 'c': 0.2}
    """
    swept: dict[str, set[str]] = {}
    for key_path in changed:
        key = weight_key(key_path)
        if key is not None:
            swept.setdefault(key[0], set()).add(key[1])
    if not swept:
        return dict(numbers)
    out = dict(numbers)
    for side, issues in swept.items():
        table = data.get("sides", {}).get(side, {}).get("weights")
        if not isinstance(table, Mapping):
            continue
        keys = [f"sides.{side}.weights.{issue}" for issue in table]
        if not all(k in numbers for k in keys):
            continue
        values = list(np.broadcast_arrays(*[np.asarray(numbers[k], dtype=float) for k in keys]))
        finite = np.all([np.isfinite(v) for v in values], axis=0)
        total_swept = sum((v for issue, v in zip(table, values, strict=True) if issue in issues), np.zeros(()))
        total_rest = sum((v for issue, v in zip(table, values, strict=True) if issue not in issues), np.zeros(()))
        rescale = (
            finite
            & (len(issues & set(table)) < len(table))
            & (total_rest > 0.0)
            & ~(total_swept > 1.0)
            & ~(np.abs(total_swept + total_rest - 1.0) <= ALREADY_NORMALISED)
        )
        if not np.any(rescale):
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = (1.0 - total_swept) / total_rest
        for issue, key, value in zip(table, keys, values, strict=True):
            if issue not in issues:
                new = np.where(rescale, value * factor, value)
                out[key] = float(new) if np.ndim(new) == 0 else new
    return out
