"""The ``solve`` and ``export`` commands' work (:mod:`negotiation.cli.files` registers them and
imports this module only when one of them runs)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from negotiation.cli.inputs import BadInput as _BadInput
from negotiation.cli.inputs import user_file
from negotiation.io.config import ConfigError, load_scenario, packaged_scenarios
from negotiation.io.efg_tree import efg_game_tree, scenario_to_efg
from negotiation.io.gambit import (
    ExtensiveFormGame,
    GambitFormatError,
    NormalFormGame,
    load_game,
    write_efg,
    write_nfg,
)
from negotiation.model.compile import scenario_tree, stage_payoffs
from negotiation.model.scenario import StanceTalks
from negotiation.model.tree import GameTree
from negotiation.solvers.extensive import (
    BehaviourEquilibrium,
    ExtensiveFormResult,
    UnsupportedGameError,
    method_has_exact_mode,
    solve_efg,
)
from negotiation.solvers.normal_form import NORMAL_FORM_METHODS, nash_equilibria
from negotiation.solvers.records import REGRET_TOLERANCE

EXIT_BAD_INPUT = 2




# --------------------------------------------------------------------------- numbers


def _text(value: Any, exact: bool) -> str:
    if exact:
        return str(Fraction(value))
    value = float(value)
    return "0" if value == 0 else f"{value:.6g}"


def _exact_number(value: Any) -> Fraction:
    """A payoff as a Fraction; a float as the shortest decimal that prints as it."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float | np.floating):
        return Fraction(repr(float(value)))
    return Fraction(value)


# --------------------------------------------------------------------------- solve


def _is_scenario(path: str) -> bool:
    return path.endswith(".toml") or (Path(path).suffix == "" and path in packaged_scenarios())


def cmd_solve(args: argparse.Namespace) -> int:
    """Handler of ``negotiation solve``."""
    try:
        if args.exact and not method_has_exact_mode(args.method):
            raise _BadInput(
                f"--exact: method {args.method!r} computes in floating point only; "
                f"use one of {', '.join(m for m in NORMAL_FORM_METHODS if method_has_exact_mode(m))}"
            )
        if args.strategic_cells < 0:
            raise _BadInput("--strategic-cells must be 0 or more")
        if _is_scenario(args.path):
            report = _solve_scenario(args)
        else:
            game = _load(args.path)
            if isinstance(game, NormalFormGame):
                report = _solve_nfg(game, args)
            else:
                tree = efg_game_tree(game, exact=True if args.exact else None)
                report = _solve_extensive(
                    tree, game.title, args, include_nash=args.strategic_cells > 0
                )
    except (_BadInput, GambitFormatError, UnsupportedGameError, ConfigError) as error:
        return _fail(error, args.path)
    if args.json:
        print(json.dumps(report["json"], indent=2))
    else:
        print(report["text"])
    return 0


def _fail(error: Exception, path: str) -> int:
    message = str(error)
    if isinstance(error, UnsupportedGameError):
        message = f"{path}: cannot solve this game: {message}"
    print(message, file=sys.stderr)
    return EXIT_BAD_INPUT


def _load(path: str) -> NormalFormGame | ExtensiveFormGame:
    return user_file(path, load_game, "a .nfg or .efg file")


#: Strategy profiles (m x n cells) from which ``solve`` warns that enumerating every
#: equilibrium is slow. Measured on random float games (2 shared cores): 12 x 12 0.6 s,
#: 13 x 13 2 s, 8 x 20 2 s, 6 x 30 4 s, 14 x 14 5 s, 5 x 40 6 s, 3 x 100 9 s, 10 x 20 15 s,
#: 9 x 25 26 s, 30 x 30 minutes (Lemke--Howson from every label: 0.3 s at 30 x 30).
LONG_ENUMERATION_CELLS = 196


def _hint_if_long(game: NormalFormGame, method: str) -> None:
    """One line on stderr, before a long enumeration starts, naming the faster method."""
    m, n = game.A.shape
    if method == "enumeration" and m * n >= LONG_ENUMERATION_CELLS:
        print(
            f"negotiation solve: enumerating every equilibrium of a {m} x {n} game may take "
            "minutes; for some equilibria in seconds use --method lemke_howson",
            file=sys.stderr,
            flush=True,
        )


def _solve_nfg(game: NormalFormGame, args: argparse.Namespace) -> dict:
    assert game.exact is not None
    _hint_if_long(game, args.method)
    result = nash_equilibria(
        game.exact[0], game.exact[1], method=args.method, exact=True if args.exact else None
    )
    exact_a = np.vectorize(_exact_number, otypes=[object])(game.exact[0])
    exact_b = np.vectorize(_exact_number, otypes=[object])(game.exact[1])
    equilibria = []
    lines = [
        f"{args.path}: {_title(game.title)}, a {game.A.shape[0]} x {game.A.shape[1]} strategic "
        f"game; players {game.players[0]}, {game.players[1]}",
        f"method {result.method}, status {result.status}: {_count(len(result.equilibria))}",
    ]
    for number, eq in enumerate(result.equilibria, start=1):
        entry: dict[str, Any] = {
            "strategies": [[float(p) for p in eq.row], [float(p) for p in eq.column]],
            "payoffs": [float(v) for v in eq.payoffs],
            "max_regret": eq.max_regret,
        }
        strategies: tuple = (eq.row, eq.column)
        payoffs: tuple = eq.payoffs
        if args.exact:
            assert eq.exact is not None
            x, y = eq.exact
            payoffs = (
                sum(x[i] * exact_a[i, j] * y[j] for i in range(len(x)) for j in range(len(y))),
                sum(x[i] * exact_b[i, j] * y[j] for i in range(len(x)) for j in range(len(y))),
            )
            strategies = (x, y)
            entry["exact"] = {
                "strategies": [[str(p) for p in x], [str(p) for p in y]],
                "payoffs": [str(v) for v in payoffs],
            }
        equilibria.append(entry)
        lines.append("")
        lines.append(
            f"Equilibrium {number}: payoffs "
            + ", ".join(
                f"{name} {_text(v, args.exact)}"
                for name, v in zip(game.players, payoffs, strict=True)
            )
        )
        width = max(len(name) for name in game.players)
        for name, labels, probs in zip(game.players, game.strategies, strategies, strict=True):
            support = ", ".join(
                f"{label} {_text(p, args.exact)}"
                for label, p in zip(labels, probs, strict=True)
                if p != 0
            )
            lines.append(f"  {name + ':':<{width + 1}} {support}")
    lines.extend(_notes_text(result.notes))
    data = {
        "format": "nfg",
        "source": args.path,
        "status": result.status,
        "method": result.method,
        "players": list(game.players),
        "strategy_labels": [list(labels) for labels in game.strategies],
        "equilibria": equilibria,
        "components": [list(c) for c in result.components],
        "notes": list(result.notes),
    }
    return {"json": data, "text": "\n".join(lines)}


def _solve_scenario(args: argparse.Namespace) -> dict:
    scenario = load_scenario(args.path)
    if isinstance(scenario.talks, StanceTalks):
        tree = efg_game_tree(scenario_to_efg(scenario), exact=True if args.exact else None)
        how = f"the tree that 'negotiation export {args.path} --format efg' writes"
    else:  # bargaining talks: no Gambit file holds them; the scenario's own tree
        tree = scenario_tree(scenario)
        how = "its game tree (bargaining talks)"
    note = (
        f"scenario {scenario.name!r} solved as {how}: its subgame-perfect equilibria (every "
        "talks equilibrium, every optimal move); 'negotiation run' picks the headline one"
    )
    return _solve_extensive(
        tree,
        scenario.title,
        args,
        include_nash=False,
        tol=scenario.solver.tolerance,
        max_equilibria=scenario.solver.max_equilibria,
        extra_notes=(note,),
    )


def _solve_extensive(tree: GameTree, title: str, args: argparse.Namespace, **options: Any) -> dict:
    """The equilibria of an extensive game (:func:`_equilibria_of_tree`) and the limit of its agent
    logit QRE, with beliefs at every information set (``"logit_qre"``)."""
    report = _equilibria_of_tree(tree, title, args, **options)
    report["text"] += "\n" + _mark_sequential(tree, report["json"])
    report["json"]["logit_qre"], line = _logit_qre(tree, report["json"]["infosets"])
    report["text"] += "\n" + line
    return report


#: Equilibria checked for sequentiality (each is a search; the rest are marked null).
MAX_SEQUENTIAL_CHECKS = 200


def _mark_sequential(tree: GameTree, data: dict) -> str:
    """Mark each listed equilibrium ``"sequential": true | false | null`` (Kreps and Wilson 1982;
    null: the search could not decide, or not checked) with ``"beliefs"`` where it is
    ([player][information set][member node], the order of ``"infosets"``), and, in a signalling
    game, ``"intuitive_criterion": true | false`` (Cho and Kreps 1987)."""
    from negotiation.solvers.intuitive import intuitive_criterion
    from negotiation.solvers.sequential import sequential_assessment

    counts = {"sequential": 0, "not sequential": 0, "undecided": 0}
    for k, entry in enumerate(data["equilibria"]):
        entry["sequential"] = None
        if k >= MAX_SEQUENTIAL_CHECKS:
            counts["undecided"] += 1
            continue
        exact = entry.get("exact", {}).get("strategies")
        behaviour = ([[[Fraction(p) for p in probs] for probs in player] for player in exact] if exact
                     else entry["strategies"])
        try:
            assessment = sequential_assessment(tree, behaviour)
        except (UnsupportedGameError, ValueError):  # bargaining nodes; a profile off by round-off
            counts["undecided"] += 1
            continue
        counts[assessment.status] += 1
        entry["sequential"] = assessment.sequential
        with contextlib.suppress(UnsupportedGameError, ValueError):  # only signalling games have one
            entry["intuitive_criterion"] = intuitive_criterion(tree, behaviour).passes
        if assessment.sequential:
            entry["beliefs"] = [[[float(b) for b in belief] for belief in player] for player in assessment.beliefs]
            completed = [[[float(p) for p in probs] for probs in player] for player in (assessment.behaviour or behaviour)]
            if any(abs(a - float(b)) > 1e-12 for mine, given in zip(completed, behaviour, strict=True)
                   for x, y in zip(mine, given, strict=True) for a, b in zip(x, y, strict=True)):
                # sequential once completed by a best reply where its own plan never goes (same
                # payoffs, same plans): that completion is what the beliefs support
                entry["sequential_completion"] = completed
    if counts["undecided"]:
        data["notes"].append(f"{counts['undecided']} equilibri{'um' if counts['undecided'] == 1 else 'a'} not "
                             "decided sequential or not (marked null)")
    return (f"Sequential (Kreps-Wilson, with consistent beliefs): {counts['sequential']} of {len(data['equilibria'])}"
            f"; not sequential {counts['not sequential']}; undecided {counts['undecided']}")


def _logit_qre(tree: GameTree, infosets: list) -> tuple[dict | None, str]:
    """The limit of the agent logit QRE principal branch (McKelvey and Palfrey 1998), a
    sequential equilibrium where it converges: behaviour and beliefs as the JSON lists them."""
    from negotiation.solvers.agent_qre import agent_logit_qre

    try:
        qre = agent_logit_qre(tree)
    except UnsupportedGameError as error:  # e.g. bargaining nodes: no terminal payoffs to trace
        return None, f"Logit QRE: not computed ({error})"
    order = [[tree.infosets[s].label for s in tree.player_infosets(p)] for p in (0, 1)]
    if order != [[entry["name"] for entry in player] for player in infosets]:  # pragma: no cover - a bug guard
        raise AssertionError("information sets of the QRE and of the equilibria in different orders")
    data = {
        "strategies": [[list(map(float, probs)) for probs in player] for player in qre.behaviour],
        "beliefs": [[list(map(float, b)) for b in player] for player in qre.beliefs],
        "lambda": float(qre.lam),
        "max_regret": float(qre.max_regret),
        "converged": bool(qre.converged),
    }
    line = (f"Logit QRE (agent, principal branch): {'converged' if qre.converged else 'not converged'} at "
            f"lambda {qre.lam:.3g}, max regret {qre.max_regret:.2g} (--json: \"logit_qre\", with beliefs)")
    return data, line


def _equilibria_of_tree(
    tree: GameTree,
    title: str,
    args: argparse.Namespace,
    *,
    include_nash: bool,
    tol: float = REGRET_TOLERANCE,
    max_equilibria: int = 10_000,
    extra_notes: tuple[str, ...] = (),
) -> dict:
    try:
        result = solve_efg(
            tree,
            method=args.method,
            exact=True if args.exact else None,
            tol=tol,
            include_nash=include_nash,
            max_equilibria=max_equilibria,
            max_strategic_cells=max(args.strategic_cells, 1),
        )
    except UnsupportedGameError as error:
        # information sets beyond simultaneous moves: one equilibrium through the sequence form
        return _solve_sequence_form(tree, title, args, str(error))
    notes = list(extra_notes) + list(result.notes)
    if not include_nash and not extra_notes:
        notes.append("Nash equilibria of the strategic form not enumerated (--strategic-cells 0)")
    data = result.to_dict()
    data = {"format": "efg", "source": args.path, **data, "notes": notes}
    for entry, eq in zip(data["equilibria"], result.equilibria, strict=True):
        if args.exact:
            assert eq.exact is not None
            entry["exact"] = {
                "strategies": [
                    [[str(p) for p in probs] for probs in player] for player in eq.exact[0]
                ],
                "payoffs": [str(v) for v in eq.exact[1]],
            }
    return {"json": data, "text": _extensive_text(title, result, args, notes)}


def _solve_sequence_form(tree: GameTree, title: str, args: argparse.Namespace, why: str) -> dict:
    """Every extreme Nash equilibrium through the sequence form (exact, each verified) for a game
    backward induction cannot take; for a game too large to enumerate, one by Lemke's algorithm.
    Imperfect recall is refused (exit code 2)."""
    from negotiation.solvers.sequence_enumeration import GameTooLargeError, sequence_form_equilibria
    from negotiation.solvers.sequence_lemke import sequence_form_equilibrium

    reason = f"backward induction does not apply ({why.split(':')[0]})"
    try:
        found = sequence_form_equilibria(tree)
        equilibria, status, method = list(found.equilibria), found.status, "sequence_form_enumeration"
        notes = [f"{reason}: every extreme Nash equilibrium of the sequence form (Koller, Megiddo and von Stengel "
                 "1996; vertex enumeration in exact arithmetic), each verified (max regret 0); equilibria sharing "
                 "a realisation plan form a component: "
                 + "; ".join("(" + ", ".join(str(e + 1) for e in c) + ")" for c in found.components)]
        notes += list(found.notes)
    except GameTooLargeError as error:
        equilibria = [sequence_form_equilibrium(tree)]
        status, method = "incomplete", "sequence_form_lemke"
        notes = [f"{reason}; {error}: one Nash equilibrium by Lemke's algorithm on the sequence form, in exact "
                 "arithmetic and verified (max regret 0); the list is not every equilibrium"]
    infosets = tuple(tuple(tree.infosets[s] for s in tree.player_infosets(p)) for p in (0, 1))
    if any(any(eq.unreached) for eq in equilibria):
        notes.append("at information sets a player's own plan never reaches, the behaviour shown is uniform "
                     "(any behaviour there gives the same equilibrium)")
    entries = []
    for eq in equilibria:
        entry = {k: v for k, v in eq.to_dict().items() if k != "exact" or args.exact}
        entry["subgame_perfect"] = None
        entry["source"] = "sequence_form"
        entries.append(entry)
    data = {
        "format": "efg", "source": args.path, "status": status, "method": method,
        "players": list(tree.players),
        "infosets": [[{"number": s.number or k + 1, "name": s.label, "actions": list(s.actions)}
                      for k, s in enumerate(sets)] for sets in infosets],
        "equilibria": entries,
        "notes": notes,
    }
    lines = [f"{args.path}: {_title(title)}, an extensive game; players {tree.players[0]}, {tree.players[1]}; "
             f"{len(infosets[0])} + {len(infosets[1])} information sets",
             f"method {method}, status {status}: {_count(len(equilibria))} (Nash"
             + ("; not every equilibrium)" if status == "incomplete" else "; every extreme one)")]
    for number, eq in enumerate(equilibria, start=1):
        lines += ["", f"Equilibrium {number}: Nash (sequence form, exact); payoffs "
                  + ", ".join(f"{p} {v:.6g}" for p, v in zip(tree.players, eq.payoffs, strict=True))]
        for player, sets in enumerate(infosets):
            for k, infoset in enumerate(sets):
                support = ", ".join(f"{a} {p:.6g}" for a, p in zip(infoset.actions, eq.strategies[player][k],
                                                                     strict=True) if p > 0)
                lines.append(f"  {tree.players[player]:<8} infoset {infoset.number or k + 1} \"{infoset.label}\": "
                             f"{support}")
    lines += ["", *(f"Note: {n}" for n in notes)]
    return {"json": data, "text": "\n".join(lines)}


def _extensive_text(
    title: str, result: ExtensiveFormResult, args: argparse.Namespace, notes: list[str]
) -> str:
    players = result.players
    perfect = len(result.subgame_perfect)
    lines = [
        f"{args.path}: {_title(title)}, an extensive game; players {players[0]}, "
        f"{players[1]}; {len(result.infosets[0])} + {len(result.infosets[1])} "
        "information sets",
        f"method {result.method}, status {result.status}: {_count(len(result.equilibria))} "
        f"({perfect} subgame perfect)",
    ]
    for number, eq in enumerate(result.equilibria, start=1):
        lines.append("")
        lines.append(
            f"Equilibrium {number}: {_kind(eq)}; payoffs " + _payoff_text(players, eq, args.exact)
        )
        strategies = eq.exact[0] if args.exact and eq.exact is not None else eq.strategies
        width = max(len(name) for name in players)
        for player, infosets in enumerate(result.infosets):
            for k, infoset in enumerate(infosets):
                probs = strategies[player][k]
                support = ", ".join(
                    f"{action} {_text(p, args.exact)}"
                    for action, p in zip(infoset.actions, probs, strict=True)
                    if p != 0
                )
                name = f' "{infoset.label}"' if infoset.label else ""
                flag = "  (completed)" if (player, k) in eq.completed else ""
                lines.append(
                    f"  {players[player]:<{width}} infoset {infoset.number or k + 1}{name}: "
                    f"{support}{flag}"
                )
    if any(eq.completed for eq in result.equilibria):
        lines.append("")
        lines.append(
            "(completed): the mixed strategy leaves this information set open (its own earlier "
            "moves exclude it); the behaviour shown is the backward-induction completion"
        )
    lines.extend(_notes_text(notes))
    return "\n".join(lines)


def _kind(eq: BehaviourEquilibrium) -> str:
    if eq.subgame_perfect:
        how = "backward induction" if eq.source == "backward_induction" else "strategic form"
        return f"subgame perfect ({how})"
    return (
        "Nash, not subgame perfect (a one-shot deviation in a subgame gains "
        f"{eq.max_subgame_regret:.3g})"
    )


def _payoff_text(players: tuple[str, str], eq: BehaviourEquilibrium, exact: bool) -> str:
    values = eq.exact[1] if exact and eq.exact is not None else eq.payoffs
    return ", ".join(f"{name} {_text(v, exact)}" for name, v in zip(players, values, strict=True))


def _title(title: str) -> str:
    return title or "(untitled)"


def _count(n: int) -> str:
    return f"{n} equilibrium" if n == 1 else f"{n} equilibria"


def _notes_text(notes: Any) -> list[str]:
    if not notes:
        return []
    return ["", "Notes:"] + [f"  - {note}" for note in notes]


# --------------------------------------------------------------------------- export


def cmd_export(args: argparse.Namespace) -> int:
    """Handler of ``negotiation export``."""
    try:
        typed = _typed(args.config)
        if typed is not None:  # private types: the Bayesian game's tree, chance first
            if args.format != "efg":
                raise _BadInput(f"{args.config}: a scenario with private types is a tree; use --format efg")
            from negotiation.io.efg_tree import game_tree_efg
            from negotiation.model.compile import typed_tree

            scenarios, side, types, prior = typed
            tree = typed_tree(scenarios, side, types, prior)
            game = game_tree_efg(tree, title=scenarios[0].title,
                                 comment=f"Scenario {scenarios[0].name!r}: {scenarios[0].side_names[side]}'s type "
                                         "is private (a chance move first); expected payoffs at the leaves.")
            text = _written(write_efg, game, args.config)
            name = scenarios[0].name
        else:
            scenario = load_scenario(args.config)
            name = scenario.name
    except (_BadInput, ConfigError) as error:
        return _fail(error, str(args.config))
    try:
        if typed is None:
            text = _export_text(args, scenario)
    except (_BadInput, ConfigError) as error:
        return _fail(error, str(args.config))
    out = Path(args.out) if args.out else Path("results") / name / f"{name}.{args.format}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        return _fail(_BadInput(f"{out}: cannot write the file ({error.strerror})"), str(out))
    print(out)
    return 0


def _typed(config: str):
    """The private types of a scenario file with ``[types]`` (see :func:`negotiation.io.types.typed_scenarios`)."""
    from negotiation.io.config import read_config, resolve_config_path
    from negotiation.io.types import typed_scenarios

    path = resolve_config_path(config)
    if path.suffix != ".toml":
        return None
    data = read_config(path)
    return typed_scenarios(data, path.name) if "types" in data else None


def _export_text(args: argparse.Namespace, scenario) -> str:
    """A one-round scenario as a Gambit file."""
    if args.format == "efg":
        if not isinstance(scenario.talks, StanceTalks):
            raise _BadInput(
                f"{args.config}: the talks are a bargaining problem, which a Gambit file "
                "cannot hold; only scenarios with stance talks can be exported"
            )
        text = _written(write_efg, scenario_to_efg(scenario), args.config)
    else:
        if scenario.moves:
            raise _BadInput(
                f"{args.config}: a scenario with pre-talk moves is a tree; use --format efg"
            )
        if not isinstance(scenario.talks, StanceTalks):
            raise _BadInput(
                f"{args.config}: the talks are a bargaining problem, not a strategic game"
            )
        A, B, _ = stage_payoffs(scenario, [])
        game = NormalFormGame(
            scenario.title,
            scenario.side_names,
            (tuple(scenario.talks.actions[0]), tuple(scenario.talks.actions[1])),
            A[0],
            B[0],
            f"Talks of scenario {scenario.name!r}: expected payoffs of each pair of stances.",
        )
        text = _written(write_nfg, game, args.config)
    return text


def _written(writer: Any, game: Any, config: str) -> str:
    """The file's text; a label Gambit would refuse is the scenario's problem (exit 2)."""
    try:
        return writer(game)
    except ValueError as error:
        raise _BadInput(f"{config}: cannot write the game for Gambit: {error}") from None


# --------------------------------------------------------------------------- parser
