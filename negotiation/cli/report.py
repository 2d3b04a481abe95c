"""``negotiation report``: solve a scenario and write a document a reader can hand on."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from negotiation.cli import EXIT_BAD_INPUT, check_out_dir
from negotiation.io.config import load_scenario, parse_overrides

__all__ = ["cmd_report", "register"]


def cmd_report(args: argparse.Namespace) -> int:
    """Write ``report.html``, ``report.md`` and ``figures/*.png`` for one scenario."""
    from negotiation.report.build import SweepFolderError, check_sweep_dir, write_report

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
