"""``negotiation fit GAME.nfg --counts COUNTS.json``: a logit QRE fitted to observed choices.

Maximum likelihood on the principal branch of the logit QRE
(:func:`negotiation.solvers.qre_fit.logit_qre_fit`): the precision lambda multiplies the
payoffs as written in the file, as in Gambit's ``logit_solve_lambda``, so the numbers compare
with Gambit's. ``COUNTS.json`` holds one list per player of how often each strategy was
observed, in the file's strategy order: ``[[3, 0, 7], [5, 5]]``.

``--json`` prints ``{"lambda": ..., "log_likelihood": ..., "strategies": [[...], [...]],
"status": ..., "notes": [...]}`` (plus ``"interval"`` and ``"level"`` with ``--interval``);
``lambda`` is ``null`` when the likelihood increases without bound (``"status":
"unbounded"``) or does not depend on lambda (``"status": "flat"``), and an interval's open
upper end is ``null``.

Bad input (a missing or unreadable file, counts that are not JSON, of the wrong shape, negative
or all zero, an ``.efg`` game) prints one line naming the file and what was expected, and exits
2. Extensive games (agent QRE, counts per information set) are not supported yet: the package
traces the logit QRE of bimatrix games only.
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
    from negotiation.io.gambit import ExtensiveFormGame, GambitFormatError, load_game

    try:
        game = user_file(path, load_game, "a .nfg file")
    except GambitFormatError as error:
        raise _BadInput(" ".join(str(error).split())) from None
    if isinstance(game, ExtensiveFormGame):
        raise _BadInput(
            f"{path}: fitting an agent QRE to an extensive game (.efg) is not supported yet: "
            "the package traces the logit QRE of bimatrix games only; fit the game's strategic "
            "form as a .nfg file"
        )
    return game


def _is_count(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _read_counts(path: str, game) -> tuple[list[float], list[float]]:
    """The counts of ``path`` checked against the game: one list per player, one
    non-negative number per strategy, not all zero."""
    text = user_file(path, lambda p: Path(p).read_text(encoding="utf-8-sig"), "a JSON file of counts", "--counts")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _BadInput(f"{path}: not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    sizes = [len(labels) for labels in game.strategies]
    shape = f"[[{sizes[0]} counts], [{sizes[1]} counts]]"
    if not isinstance(data, list) or len(data) != 2:
        kinds = {dict: "an object", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
        got = f"a list of {len(data)}" if isinstance(data, list) else f"{kinds.get(type(data), 'null')}"
        raise _BadInput(f"{path}: expected one list of counts per player, {shape} in the order of "
                        f"the game's strategies; got {got}")
    counts = []
    for player, (values, labels) in enumerate(zip(data, game.strategies, strict=True)):
        name = game.players[player] or f"player {player + 1}"
        if not isinstance(values, list) or len(values) != len(labels):
            got = (f"has {len(values)} {'entry' if len(values) == 1 else 'entries'}" if isinstance(values, list)
                   else f"= {json.dumps(values)[:40]}")
            raise _BadInput(
                f"{path}: [{player}] {got}: expected a list of {len(labels)} counts, one per strategy of "
                f"{name!r} ({', '.join(labels)})"
            )
        for k, value in enumerate(values):
            if not _is_count(value):
                raise _BadInput(
                    f"{path}: [{player}][{k}] = {json.dumps(value)[:40]}: expected a count >= 0 "
                    f"(strategy {labels[k]!r} of {name!r})"
                )
        counts.append([float(v) for v in values])
    if sum(counts[0]) + sum(counts[1]) == 0:
        raise _BadInput(f"{path}: all counts are zero: nothing to fit")
    return counts[0], counts[1]


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
        raise _BadInput(f"{path.name}: a one-round scenario: `negotiation fit` takes a .nfg game with --counts, or a "
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


def cmd_fit(args: argparse.Namespace) -> int:
    """Handler of ``negotiation fit``."""
    try:
        if args.interval is not None and not 0 < args.interval < 1:
            raise _BadInput(f"--interval {args.interval:g}: expected a confidence level in (0, 1), such as 0.95")
        rounds = _rounds_scenario(args.game)
        if rounds is not None:
            return _fit_rounds(args, rounds)
        if args.counts is None:
            raise _BadInput(f"{args.game}: --counts COUNTS.json is needed to fit a .nfg game")
        game = _load_game(args.game)
        row_counts, column_counts = _read_counts(args.counts, game)
    except _BadInput as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    from negotiation.solvers.qre_fit import logit_qre_fit

    fit = logit_qre_fit(game.A, game.B, row_counts, column_counts, level=args.interval)
    strategies = [fit.row.tolist(), fit.column.tolist()]
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
    n = sum(row_counts) + sum(column_counts)
    lines = [f"{args.game}: logit QRE fitted by maximum likelihood on the principal branch"]
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
    for player, probabilities in enumerate(strategies):
        name = game.players[player] or f"player {player + 1}"
        cells = ", ".join(f"{label} {p:.4f}" for label, p in zip(game.strategies[player], probabilities, strict=True))
        lines.append(f"  {name}: {cells}")
    lines.extend(f"  note: {note}" for note in fit.notes)
    print("\n".join(lines))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fit`` command to the ``negotiation`` parser."""
    fit = sub.add_parser(
        "fit",
        help="fit a logit QRE to observed choices: a Gambit .nfg game, or a rounds scenario (maximum likelihood)",
        description=(
            "Estimate the precision lambda of a logit quantal response equilibrium by maximum "
            "likelihood on the principal branch (McKelvey and Palfrey 1995), from how often each "
            "strategy was observed. Lambda multiplies the file's payoffs, as in Gambit."
        ),
    )
    fit.add_argument("game", metavar="GAME",
                     help="a Gambit .nfg file (two players), or a rounds scenario (us_china_2025) whose observed "
                          "choices are fitted with a precision per side")
    fit.add_argument("--counts", metavar="COUNTS.json",
                     help="for a .nfg: JSON [[row player's counts], [column player's counts]] in the file's strategy "
                          "order")
    fit.add_argument("--interval", nargs="?", type=float, const=0.95, default=None, metavar="LEVEL",
                     help="also a profile-likelihood interval for lambda (default level 0.95)")
    fit.add_argument("--json", action="store_true", help="print JSON instead of text")
    fit.set_defaults(func=cmd_fit)
