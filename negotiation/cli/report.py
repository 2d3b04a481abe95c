"""``negotiation report``: solve a scenario and write a document a reader can hand on."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from negotiation.cli import EXIT_BAD_INPUT, check_out_dir
from negotiation.io.config import load_scenario, parse_overrides, resolve_config_path

__all__ = ["cmd_report", "register"]


def cmd_report(args: argparse.Namespace) -> int:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` for one scenario."""
    from negotiation.cli.run import _rounds_game, _types_game
    from negotiation.io.config import read_config
    from negotiation.io.rounds import is_rounds_config
    from negotiation.report.build import SweepFolderError, check_sweep_dir, write_report

    game = _rounds_game(args)
    if game is None and is_rounds_config(read_config(resolve_config_path(args.config))):
        print(f"negotiation: {resolve_config_path(args.config).name}: a rounds scenario with [types]: "
              "`negotiation report` does not take it yet (solve it with `negotiation run`)", file=sys.stderr)
        return EXIT_BAD_INPUT
    typed = _types_game(args) if game is None else None
    if game is not None or typed is not None:
        kind = "rounds ([[rounds]])" if game is not None else "private types ([types])"
        if args.sweep is not None:
            print(f"negotiation: --sweep {args.sweep}: {resolve_config_path(args.config).name} is a scenario with "
                  f"{kind}: its report has no phase map (--sweep takes a one-round scenario)", file=sys.stderr)
            return EXIT_BAD_INPUT
        return _report_other_kind(args, game, typed)
    if args.sweep is not None:
        # a folder without a sweep table is refused before the solve, naming the path
        try:
            check_sweep_dir(args.sweep)
        except SweepFolderError as error:
            print(f"negotiation: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    scenario = load_scenario(args.config, parse_overrides(args.set))
    # beside the run's folder, not inside it: `negotiation run` replaces its folder whole
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}_report"
    # a bad folder is refused before the solve and the margin search, not after them
    check_out_dir(out)
    written = write_report(scenario, out, sweep=args.sweep)
    print(f"Wrote {out / 'report.html'} (self-contained) and {out / 'report.md'} "
          f"with {len(written) - 2} figures in {out / 'figures'}/")
    return 0


def _report_other_kind(args: argparse.Namespace, game, typed) -> int:
    """The report of a rounds scenario (``game``) or of one with private types (``typed``)."""
    overrides = parse_overrides(args.set)
    name = game.name if game is not None else typed[0][0].name
    out = Path(args.out) if args.out else Path("results") / f"{name}_report"
    check_out_dir(out)
    if game is not None:
        from negotiation.report.rounds import write_rounds_report

        written = write_rounds_report(args.config, out, overrides=overrides, game=game)
    else:
        from negotiation.report.types import write_types_report

        written = write_types_report(args.config, out, overrides=overrides, typed=typed)
    figures = len(written) - 2
    print(f"Wrote {out / 'report.html'} (self-contained) and {out / 'report.md'} "
          f"with {figures} figure{'s' if figures != 1 else ''} in {out / 'figures'}/")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` command to the ``negotiation`` parser."""
    report = sub.add_parser("report", help="write a self-contained HTML and a Markdown report of a scenario")
    report.add_argument("config", nargs="?", help="scenario TOML file or packaged name (default: madrid_2025)")
    report.add_argument("--out", help="output folder (default: results/<scenario name>_report/)")
    report.add_argument("--set", action="append", metavar="KEY=VALUE",
                        help="override a value by key path (repeatable)")
    report.add_argument("--sweep", metavar="SWEEP_DIR",
                        help="the --out folder of a finished `negotiation sweep` (its sweep.parquet): "
                             "the report shows its phase map over the first two swept values")
    report.set_defaults(func=cmd_report)
