"""``negotiation fit GAME --counts COUNTS.json``: a logit QRE fitted to observed choices.

Maximum likelihood on the principal branch of the logit QRE
(:func:`negotiation.solvers.qre_fit.logit_qre_fit` for a ``.nfg``,
:func:`negotiation.solvers.qre_fit.agent_logit_qre_fit`, the agent QRE, for a ``.efg``): the
precision lambda multiplies the payoffs as written in the file, as in Gambit's
``logit_solve_lambda``, so the numbers compare with Gambit's. ``COUNTS.json`` holds, for a
``.nfg``, one list per player of how often each strategy was observed, in the file's strategy
order: ``[[3, 0, 7], [5, 5]]``; for a ``.efg``, one list per player of one list per
information set, in the order of the file's information-set numbers (1, 2, ... of each player,
whatever order they appear in), of how often each action was chosen there, in the file's
action order: ``[[[3, 7], [2, 2]], [[5, 5]]]``. (A file Gambit writes numbers each player's
sets in order of appearance, so there the two orders agree.)

``--json`` prints ``{"lambda": ..., "log_likelihood": ..., "strategies": ..., "status": ...,
"notes": [...]}`` (plus ``"interval"`` and ``"level"`` with ``--interval``), ``strategies``
in the shape and order of the counts; ``lambda`` is ``null`` when the likelihood increases
without bound (``"status": "unbounded"``) or does not depend on lambda (``"status":
"flat"``), and an interval's open upper end is ``null``.

Bad input (a missing or unreadable file, counts that are not JSON, of the wrong shape,
negative or all zero, an extensive game without perfect recall) prints one line naming the
file, the position ``[i][j][k]`` in the counts and what was expected, and exits 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from negotiation.cli import EXIT_BAD_INPUT
from negotiation.cli.inputs import BadInput as _BadInput
from negotiation.cli.inputs import user_file

__all__ = ["cmd_fit", "register"]


def _load_game(path: str):
    from negotiation.io.gambit import GambitFormatError, load_game

    try:
        return user_file(path, load_game, "a .nfg or .efg file")
    except GambitFormatError as error:
        raise _BadInput(" ".join(str(error).split())) from None


def _is_count(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _read_json(path: str) -> Any:
    text = user_file(path, lambda p: Path(p).read_text(encoding="utf-8-sig"), "a JSON file of counts", "--counts")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _BadInput(f"{path}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None


def _got(value: Any) -> str:
    """How a JSON value that should have been a list reads in a message."""
    if isinstance(value, list):
        return f"has {len(value)} {'entry' if len(value) == 1 else 'entries'}"
    return f"= {json.dumps(value)[:40]}"


def _list_of(value: Any, n: int, path: str, where: str, expected: str) -> list:
    """``value`` if it is a list of ``n`` entries, else the exit-2 line."""
    if not isinstance(value, list) or len(value) != n:
        raise _BadInput(f"{path}: {where} {_got(value)}: expected {expected}")
    return value


def _players_lists(data: Any, path: str, shape: str) -> list:
    if not isinstance(data, list) or len(data) != 2:
        kinds = {dict: "an object", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
        got = f"a list of {len(data)}" if isinstance(data, list) else f"{kinds.get(type(data), 'null')}"
        raise _BadInput(f"{path}: expected one list of counts per player, {shape}; got {got}")
    return data


def _count_list(values: list, path: str, where: str, what) -> list[float]:
    """The numbers of ``values``, each checked to be a count (``what(k)`` names entry k)."""
    for k, value in enumerate(values):
        if not _is_count(value):
            raise _BadInput(f"{path}: {where}[{k}] = {json.dumps(value)[:40]}: expected a count >= 0 ({what(k)})")
    return [float(v) for v in values]


def _all_zero(path: str, total: float) -> None:
    if total == 0:
        raise _BadInput(f"{path}: all counts are zero: nothing to fit")


def _read_counts(path: str, game) -> tuple[list[float], list[float]]:
    """The counts of ``path`` checked against a strategic game: one list per player, one
    non-negative number per strategy, not all zero."""
    sizes = [len(labels) for labels in game.strategies]
    data = _players_lists(_read_json(path), path, f"[[{sizes[0]} counts], [{sizes[1]} counts]] in the order of "
                                                  "the game's strategies")
    counts = []
    for player, (values, labels) in enumerate(zip(data, game.strategies, strict=True)):
        name = game.players[player] or f"player {player + 1}"
        values = _list_of(values, len(labels), path, f"[{player}]",
                          f"a list of {len(labels)} counts, one per strategy of {name!r} ({', '.join(labels)})")
        counts.append(_count_list(values, path, f"[{player}]",
                                  lambda k, labels=labels, name=name: f"strategy {labels[k]!r} of {name!r}"))
    _all_zero(path, sum(counts[0]) + sum(counts[1]))
    return counts[0], counts[1]


def _file_order(tree, player: int) -> tuple[int, ...]:
    """A player's information sets (indices into ``tree.infosets``) in the order of the
    file's information-set numbers; in order of appearance if the sets carry no distinct
    numbers (a tree not read from a file)."""
    sets = tree.player_infosets(player)
    numbers = [tree.infosets[s].number for s in sets]
    if min(numbers, default=1) > 0 and len(set(numbers)) == len(numbers):
        return tuple(sorted(sets, key=lambda s: tree.infosets[s].number))
    return sets


def _infoset_name(tree, s: int) -> str:
    info = tree.infosets[s]
    label = f" {info.label!r}" if info.label else ""
    return f"information set {info.number}{label}" if info.number else f"information set{label}"


def _read_efg_counts(path: str, tree) -> tuple[tuple[tuple[int, ...], ...], list[list[list[float]]]]:
    """The counts of ``path`` checked against an extensive game: per player, per information
    set in the file's numbering, one non-negative number per action; not all zero. Returns
    the sets in that order and the counts."""
    order = tuple(_file_order(tree, player) for player in (0, 1))
    names = tuple(tree.players[player] or f"player {player + 1}" for player in (0, 1))
    shape = ", ".join(f"[{len(order[p])} information sets of {names[p]!r}]" for p in (0, 1))
    data = _players_lists(_read_json(path), path, f"[{shape}], each a list of its actions' counts")
    counts: list[list[list[float]]] = []
    for player in (0, 1):
        sets = ", ".join(f"{tree.infosets[s].number} {tree.infosets[s].label!r}".strip() for s in order[player])
        values = _list_of(data[player], len(order[player]), path, f"[{player}]",
                          f"a list of {len(order[player])} information sets of {names[player]!r} in the file's "
                          f"numbering ({sets}), each a list of its actions' counts")
        per_set = []
        for j, (s, entry) in enumerate(zip(order[player], values, strict=True)):
            actions = tree.infosets[s].actions
            where = f"[{player}][{j}]"
            at = f"{names[player]!r} at {_infoset_name(tree, s)}"
            entry = _list_of(entry, len(actions), path, where,
                             f"a list of {len(actions)} counts, one per action of {at} ({', '.join(actions)})")
            per_set.append(_count_list(entry, path, where, lambda k, actions=actions, at=at: f"action {actions[k]!r} of {at}"))
        counts.append(per_set)
    _all_zero(path, sum(sum(c) for sets in counts for c in sets))
    return order, counts


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _rounds_scenario(name: str):
    """The rounds game named by ``name`` (a packaged scenario or a .toml with ``[[rounds]]``),
    else None."""
    from negotiation.io.config import packaged_scenarios, read_config, resolve_config_path
    from negotiation.io.rounds import is_rounds_config, rounds_from_dict

    if not (name.endswith(".toml") or (Path(name).suffix == "" and name in packaged_scenarios())):
        return None
    path = resolve_config_path(name)
    data = read_config(path)
    if not is_rounds_config(data):
        raise _BadInput(f"{path.name}: a one-round scenario: `negotiation fit` takes a .nfg or .efg game with --counts, or a "
                        "rounds scenario (with [[rounds]] and observed choices)")
    return rounds_from_dict(data, source=path.name)


def _fit_rounds(args: argparse.Namespace, game) -> int:
    """Precisions per side fitted to a rounds scenario's observed choices."""
    from negotiation.solvers.rounds import fit_logit_rounds, profile_interval

    fit = fit_logit_rounds(game)
    names = game.side_names
    intervals = ({names[i]: profile_interval(game, fit, i, args.interval) for i in (0, 1)}
                 if args.interval is not None else None)
    n = len(fit.probabilities)
    uniform = sum(math.log(1.0 / len(game.rounds[[r.name for r in game.rounds].index(name)].actions[names.index(side)]))
                  for name, side, _, _ in fit.probabilities)
    if args.json:
        out: dict[str, Any] = {
            "lambda": dict(zip(names, fit.precision, strict=True)),
            "log_likelihood": fit.log_likelihood,
            "log_likelihood_uniform": uniform,
            "observations": n,
            "probabilities": [{"round": r, "side": s, "observed": a, "p": p} for r, s, a, p in fit.probabilities],
            "at_bound": dict(zip(names, fit.at_bound, strict=True)),
        }
        if intervals is not None:
            out["interval"] = {k: list(v) for k, v in intervals.items()}
            out["level"] = args.interval
        print(json.dumps(out, indent=2))
        return 0
    lines = [f"{game.name}: logit play fitted to {n} observed choices (a precision per side, maximum likelihood)"]
    for i, side in enumerate(names):
        bound = " (on a bound of the search: a bound, not an estimate)" if fit.at_bound[i] else ""
        interval = ""
        if intervals is not None:
            a, b = intervals[side]
            interval = f", {args.interval:.0%} profile interval [{a:.3g}, {b:.3g}]"
        lines.append(f"  lambda {game.sides[i].label}: {fit.precision[i]:.4g}{interval}{bound}")
    lines.append(f"  log-likelihood {fit.log_likelihood:.4f} (uniform play: {uniform:.4f})")
    for r, s, a, p in fit.probabilities:
        lines.append(f"    {r:<22} {s:<8} {a:<16} P = {p:.3f}")
    print("\n".join(lines))
    return 0


def _fit_strategic(args: argparse.Namespace, game):
    """The fit of a .nfg: (fit, strategies as the counts, observations, text lines of the
    strategies)."""
    from negotiation.solvers.qre_fit import logit_qre_fit

    row_counts, column_counts = _read_counts(args.counts, game)
    fit = logit_qre_fit(game.A, game.B, row_counts, column_counts, level=args.interval)
    strategies = [fit.row.tolist(), fit.column.tolist()]
    lines = []
    for player, probabilities in enumerate(strategies):
        name = game.players[player] or f"player {player + 1}"
        cells = ", ".join(f"{label} {p:.4f}" for label, p in zip(game.strategies[player], probabilities, strict=True))
        lines.append(f"  {name}: {cells}")
    return fit, strategies, sum(row_counts) + sum(column_counts), lines


def _fit_extensive(args: argparse.Namespace, game):
    """The agent-QRE fit of a .efg, counts and strategies in the file's numbering of the
    information sets (mapped to and from the tree's order of appearance)."""
    from negotiation.io.efg_tree import efg_game_tree
    from negotiation.solvers.agent_qre_fit import agent_logit_qre_fit
    from negotiation.solvers.subgames import UnsupportedGameError

    tree = efg_game_tree(game, exact=False)
    order, counts = _read_efg_counts(args.counts, tree)
    by_set = [dict(zip(order[p], counts[p], strict=True)) for p in (0, 1)]
    tree_counts = [[by_set[p][s] for s in tree.player_infosets(p)] for p in (0, 1)]
    try:
        fit = agent_logit_qre_fit(tree, tree_counts, level=args.interval)
    except UnsupportedGameError as error:
        raise _BadInput(f"{args.game}: {' '.join(str(error).split())}") from None
    fitted = [dict(zip(tree.player_infosets(p), fit.behaviour[p], strict=True)) for p in (0, 1)]
    strategies = [[list(fitted[p][s]) for s in order[p]] for p in (0, 1)]
    lines = []
    for player in (0, 1):
        name = tree.players[player] or f"player {player + 1}"
        for s, probabilities in zip(order[player], strategies[player], strict=True):
            cells = ", ".join(f"{a} {q:.4f}" for a, q in zip(tree.infosets[s].actions, probabilities, strict=True))
            lines.append(f"  {name} at {_infoset_name(tree, s)}: {cells}")
    return fit, strategies, sum(sum(c) for sets in counts for c in sets), lines


def _print_fit(args: argparse.Namespace, kind: str, fit, strategies: list, n: float, strategy_lines: list[str]) -> int:
    """Print a fit (a QREFit or an AgentQREFit) as JSON or text."""
    if args.json:
        out: dict[str, Any] = {
            "lambda": fit.lam,
            "log_likelihood": fit.log_likelihood,
            "strategies": strategies,
            "status": fit.status,
        }
        if fit.interval is not None:
            out["interval"] = [_number(fit.interval[0]), _number(fit.interval[1])]
            out["level"] = fit.level
        out["notes"] = list(fit.notes)
        print(json.dumps(out, indent=2, allow_nan=False))
        return 0
    lines = [f"{args.game}: {kind} fitted by maximum likelihood on the principal branch"]
    if fit.status == "flat":
        lines.append("  lambda: not identified (the likelihood is the same all along the branch)")
        lines.append(f"  log-likelihood = {fit.log_likelihood:.6g} ({n:g} observations)")
    elif fit.lam is None:
        lines.append("  lambda = infinity: the likelihood increases without bound along the branch")
        lines.append(f"  log-likelihood -> {fit.log_likelihood:.6g} (its supremum; {n:g} observations)")
    else:
        lines.append(f"  lambda = {fit.lam:.6g} (multiplies the file's payoffs, as in Gambit)")
        lines.append(f"  log-likelihood = {fit.log_likelihood:.6g} ({n:g} observations)")
    if fit.interval is not None:
        low, high = fit.interval
        high_text = f"{high:.6g}]" if math.isfinite(high) else "infinity)"
        lines.append(f"  {100 * fit.level:g}% profile-likelihood interval for lambda: [{low:.6g}, {high_text}")
    lines.extend(strategy_lines)
    lines.extend(f"  note: {note}" for note in fit.notes)
    print("\n".join(lines))
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    """Handler of ``negotiation fit``."""
    from negotiation.io.gambit import ExtensiveFormGame

    try:
        if args.interval is not None and not 0 < args.interval < 1:
            raise _BadInput(f"--interval {args.interval:g}: expected a confidence level in (0, 1), such as 0.95")
        rounds = _rounds_scenario(args.game)
        if rounds is not None:
            return _fit_rounds(args, rounds)
        if args.counts is None:
            raise _BadInput(f"{args.game}: --counts COUNTS.json is needed to fit a .nfg or .efg game")
        game = _load_game(args.game)
        fitter = _fit_extensive if isinstance(game, ExtensiveFormGame) else _fit_strategic
        fit, strategies, n, lines = fitter(args, game)
    except _BadInput as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    kind = "an agent logit QRE" if fitter is _fit_extensive else "a logit QRE"
    return _print_fit(args, kind, fit, strategies, n, lines)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fit`` command to the ``negotiation`` parser."""
    fit = sub.add_parser(
        "fit",
        help="fit a logit QRE to observed choices: a Gambit .nfg or .efg game, or a rounds scenario (maximum likelihood)",
        description=(
            "Estimate the precision lambda of a logit quantal response equilibrium by maximum "
            "likelihood on the principal branch (McKelvey and Palfrey 1995), from how often each "
            "strategy (or action at each information set, for the agent QRE of a .efg) was observed. "
            "Lambda multiplies the file's payoffs, as in Gambit."
        ),
    )
    fit.add_argument("game", metavar="GAME",
                     help="a Gambit .nfg or .efg file (two players), or a rounds scenario (us_china_2025) whose observed "
                          "choices are fitted with a precision per side")
    fit.add_argument("--counts", metavar="COUNTS.json",
                     help="for a .nfg: JSON [[row player's counts], [column player's counts]] in the file's strategy "
                          "order; for a .efg: JSON [player][information set, in the file's numbering][action]")
    fit.add_argument("--interval", nargs="?", type=float, const=0.95, default=None, metavar="LEVEL",
                     help="also a profile-likelihood interval for lambda (default level 0.95)")
    fit.add_argument("--json", action="store_true", help="print JSON instead of text")
    fit.set_defaults(func=cmd_fit)
