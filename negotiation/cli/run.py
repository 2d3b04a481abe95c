"""``negotiation run`` and ``negotiation validate``: solve one scenario, or check it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from negotiation.cli import check_out_dir
from negotiation.io.config import load_scenario, parse_overrides, resolve_config_path

__all__ = ["register"]


def _rounds_file(args: argparse.Namespace, typed: bool):
    """``(config, file name)`` of ``args.config`` if it describes rounds (``[[rounds]]``) with
    ``[types]`` (``typed``) or without, else None."""
    from negotiation.io.config import read_config
    from negotiation.io.rounds import is_rounds_config

    path = resolve_config_path(args.config)
    data = read_config(path)
    if not is_rounds_config(data) or ("types" in data) != typed:
        return None
    return data, path.name


def _rounds_game(args: argparse.Namespace):
    """The rounds game of ``args.config`` if it describes rounds without types, else None."""
    from negotiation.io.rounds import rounds_from_dict

    found = _rounds_file(args, typed=False)
    return None if found is None else rounds_from_dict(found[0], source=found[1], overrides=parse_overrides(args.set))


def _typed_rounds_game(args: argparse.Namespace):
    """The typed rounds game of ``args.config`` if it describes rounds with ``[types]``, else None."""
    from negotiation.io.rounds import typed_rounds_from_dict

    found = _rounds_file(args, typed=True)
    return None if found is None else typed_rounds_from_dict(found[0], source=found[1],
                                                             overrides=parse_overrides(args.set))


def _run_typed_rounds(args: argparse.Namespace, game) -> int:
    from negotiation.analysis.rounds_types import analyze_typed_rounds
    from negotiation.viz.results import write_folder

    out = Path(args.out) if args.out else Path("results") / game.base.name
    check_out_dir(out, staged=True)
    analysis = analyze_typed_rounds(game)

    def write(folder: Path) -> dict[str, Path]:
        summary, text = folder / "summary.json", folder / "summary.txt"
        summary.write_text(json.dumps(analysis.to_dict(), indent=2) + "\n", encoding="utf-8")
        text.write_text(analysis.text() + "\n", encoding="utf-8")
        return {"summary.json": summary, "summary.txt": text}

    written = write_folder(out, write)
    if args.json:
        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(analysis.text())
        print()
        print(f"Wrote {len(written)} files to {out}/ (summary.json, summary.txt)")
    return 0


def _run_rounds(args: argparse.Namespace, game) -> int:
    from negotiation.analysis.rounds import analyze_rounds
    from negotiation.viz.rounds_figures import write_rounds_results

    out = Path(args.out) if args.out else Path("results") / game.name
    check_out_dir(out, staged=True)
    analysis = analyze_rounds(game)
    written = write_rounds_results(analysis, out, figures=not args.no_figures)
    if args.json:
        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(analysis.text())
        print()
        print(f"Wrote {len(written)} files to {out}/ (summary.json, summary.txt"
              + (", figures/rounds.png, figures/rounds.pdf)" if not args.no_figures else ")"))
    return 0


def _types_game(args: argparse.Namespace):
    from negotiation.io.config import read_config

    path = resolve_config_path(args.config)
    data = read_config(path)
    from negotiation.io.types import typed_scenarios

    return typed_scenarios(data, path.name, parse_overrides(args.set)) if "types" in data else None


def _run_types(args: argparse.Namespace, typed) -> int:
    from negotiation.analysis.types import analyze_types
    from negotiation.viz.types_figures import write_types_results

    scenarios = typed[0]
    out = Path(args.out) if args.out else Path("results") / scenarios[0].name
    check_out_dir(out, staged=True)
    analysis = analyze_types(*typed)
    written = write_types_results(analysis, out, figures=not args.no_figures)
    if args.json:
        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(analysis.text())
        print()
        print(f"Wrote {len(written)} files to {out}/")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from negotiation.analysis.pipeline import analyze
    from negotiation.analysis.summary import text_summary
    from negotiation.viz.results import write_results

    typed_rounds = _typed_rounds_game(args)
    if typed_rounds is not None:  # rounds with private types: solved in the tree of histories
        return _run_typed_rounds(args, typed_rounds)
    game = _rounds_game(args)
    if game is not None:  # a year of rounds, not one round: its own pipeline
        return _run_rounds(args, game)
    typed = _types_game(args)
    if typed is not None:  # private types: a Bayesian game, its own pipeline
        return _run_types(args, typed)
    scenario = load_scenario(args.config, parse_overrides(args.set))
    out = Path(args.out) if args.out else Path("results") / scenario.name
    # a bad folder is refused before the (possibly long) solve, not after it
    check_out_dir(out, staged=True)
    analysis = analyze(scenario, all_equilibria=args.all_equilibria, verify=args.verify)
    if not args.no_robustness:
        import dataclasses

        from negotiation.study.verdict import verdict_robustness

        robustness = verdict_robustness(scenario.config, source=scenario.source)
        analysis = dataclasses.replace(analysis, robustness=robustness)
    written = write_results(analysis, out, figures=not args.no_figures)
    if args.json:
        print(json.dumps(analysis.to_dict(), indent=2))
    else:
        print(text_summary(analysis))
        print()
        print(f"Wrote {len(written)} files to {out}/ (summary.json, summary.txt"
              + (", figures/*.png, figures/*.pdf)" if not args.no_figures else ")"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from negotiation.model.scenario import StanceTalks

    typed_rounds = _typed_rounds_game(args)
    if typed_rounds is not None:
        base = typed_rounds.base
        print(f"{resolve_config_path(args.config)}: valid rounds scenario {base.name!r} with private types of "
              f"{base.side_names[typed_rounds.side]}: " + ", ".join(
                  f"{t} {p:g}" for t, p in zip(typed_rounds.types, typed_rounds.prior, strict=True))
              + f"; {len(base.rounds)} rounds")
        return 0
    game = _rounds_game(args)
    if game is not None:
        print(f"{resolve_config_path(args.config)}: valid rounds scenario {game.name!r}: {len(game.space.issues)} "
              f"issues ({len(game.states())} states), {len(game.rounds)} rounds")
        return 0
    typed = _types_game(args)
    if typed is not None:
        scenarios, side, types, prior = typed
        print(f"{resolve_config_path(args.config)}: valid scenario {scenarios[0].name!r} with private types of "
              f"{scenarios[0].side_names[side]}: " + ", ".join(f"{t} {p:g}" for t, p in zip(types, prior, strict=True)))
        return 0
    scenario = load_scenario(args.config, parse_overrides(args.set))
    path = resolve_config_path(args.config)
    config = scenario.config or {}
    studies = []
    if config.get("uncertainty"):  # checked as a run would use it (distributions, bounds)
        from negotiation.study.uncertainty import declared_uncertainty

        studies.append(f"{len(declared_uncertainty(config, source=path.name))} declared uncertainties")
    if config.get("sweep"):
        from negotiation.study.design import sweep_design

        studies.append(f"a sweep of {sweep_design(config, source=path.name).n_points} points")
    talks = scenario.talks
    if isinstance(talks, StanceTalks):
        shape = f"a {len(talks.actions[0])}x{len(talks.actions[1])} stance game"
    else:
        shape = f"bargaining ({talks.solution}) over {len(talks.packages)} packages"
    print(
        f"{path}: valid scenario {scenario.name!r}: {len(scenario.space.issues)} issues, "
        f"{len(scenario.moves)} pre-talk moves, talks as {shape}" + "".join(f"; {x}" for x in studies)
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="solve a scenario and write its results and figures")
    run.add_argument("config", nargs="?", help="scenario TOML file or packaged name (default: madrid_2025)")
    run.add_argument("--out", help="output folder (default: results/<scenario name>/)")
    run.add_argument("--json", action="store_true", help="print summary.json instead of the text summary")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a value by key path (repeatable)")
    run.add_argument("--no-figures", action="store_true", help="skip the figures")
    run.add_argument("--no-robustness", action="store_true",
                     help="skip the margins of every value and the verdict's probability under [uncertainty] "
                          "(about a second for Madrid)")
    run.add_argument("--all-equilibria", action="store_true",
                     help="list every subgame-perfect equilibrium in summary.json (up to solver.max_equilibria); "
                          "by default they are summarised by count and distinct outcome")
    run.add_argument("--verify", action="store_true",
                     help="cross-check every talks stage against nashpy's vertex enumeration (slow)")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check a scenario file without solving it")
    validate.add_argument("config", help="scenario TOML file or packaged name")
    validate.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a value by key path")
    validate.set_defaults(func=cmd_validate)
