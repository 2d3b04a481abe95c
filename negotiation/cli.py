"""The ``negotiation`` command.

Exit codes: 0 success, 2 bad input (a config or an argument; one line per problem on
stderr, no traceback), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from negotiation import cli_files, cli_sweep
from negotiation.config import ConfigError, load_scenario, parse_overrides, resolve_config_path
from negotiation.scenario import StanceTalks

EXIT_BAD_INPUT = 2


def cmd_run(args: argparse.Namespace) -> int:
    from negotiation.analysis import analyze
    from negotiation.report import summary_dict, text_summary, write_results

    scenario = load_scenario(args.config, parse_overrides(args.set))
    analysis = analyze(scenario)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    written = write_results(analysis, out, figures=not args.no_figures)
    if args.json:
        print(json.dumps(summary_dict(analysis), indent=2))
    else:
        print(text_summary(analysis))
        print()
        print(f"Wrote {len(written)} files to {out}/ (summary.json, summary.txt"
              + (", figures/*.png, figures/*.pdf)" if not args.no_figures else ")"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.config, parse_overrides(args.set))
    path = resolve_config_path(args.config)
    talks = scenario.talks
    if isinstance(talks, StanceTalks):
        shape = f"a {len(talks.actions[0])}x{len(talks.actions[1])} stance game"
    else:
        shape = f"bargaining ({talks.solution}) over {len(talks.packages)} packages"
    print(
        f"{path}: valid scenario {scenario.name!r}: {len(scenario.space.issues)} issues, "
        f"{len(scenario.moves)} pre-talk moves, talks as {shape}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negotiation",
        description="Equilibrium analysis of two-sided trade negotiations with pre-talk leverage moves.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="solve a scenario and write its results and figures")
    run.add_argument("config", nargs="?", help="scenario TOML file or packaged name (default: madrid_2025)")
    run.add_argument("--out", help="output folder (default: results/<scenario name>/)")
    run.add_argument("--json", action="store_true", help="print summary.json instead of the text summary")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a value by key path (repeatable)")
    run.add_argument("--no-figures", action="store_true", help="skip the figures")
    run.set_defaults(func=cmd_run)

    validate = sub.add_parser("validate", help="check a scenario file without solving it")
    validate.add_argument("config", help="scenario TOML file or packaged name")
    validate.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a value by key path")
    validate.set_defaults(func=cmd_validate)
    cli_files.register(sub)
    cli_sweep.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
