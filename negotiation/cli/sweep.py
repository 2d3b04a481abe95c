"""``negotiation sweep``: solve a scenario over many points and map the outcome.

::

    negotiation sweep [CONFIG] [--param KEY=LO:HI:N ...] [--design grid|sobol|latin_hypercube|monte_carlo]
                      [--samples N] [--seed S] [--workers N | --scheduler ADDRESS] [--chunk-size N]
                      [--out DIR] [--resume | --force] [--quiet]

CONFIG is a scenario file (its ``[sweep]`` and ``[uncertainty]`` tables give the defaults),
a packaged scenario's name, or a sweep file: a TOML file with ``config = "<scenario file or
name>"`` and its own ``[sweep]``/``[uncertainty]`` tables. Writes ``OUT/sweep.csv``,
``OUT/sweep.parquet``, ``OUT/figures/phase_map.png`` and ``.pdf`` (default OUT:
``results/<scenario>/sweep/``) and keeps each finished chunk in ``OUT/chunks/``.

Exit codes: 0 done; 2 bad input (one line per problem); 1 the sweep could not finish (the
finished chunks are kept: rerun with ``--resume``); 130 interrupted (likewise).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from negotiation.cli import check_out_dir
from negotiation.io.config import (
    STUDY_SECTIONS,
    ConfigError,
    ConfigProblem,
    parse_overrides,
    read_config,
    resolve_config_path,
    scenario_from_dict,
)

if TYPE_CHECKING:
    from negotiation.model.scenario import Scenario
    from negotiation.study.design import SweepDesign
    from negotiation.study.sweep import SweepResult

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130

PARAM_FORMAT = "KEY=LO:HI:N (or KEY=LO:HI with a sampled design, or KEY=V1,V2,...), e.g. moves.entity_listing.cost=0:0.05:6"
#: Most cells a side of the phase map has: a finer grid is drawn in this many bins a side.
MAP_CELLS = 200
#: Keys a standalone sweep file may have.
SWEEP_FILE_KEYS = ("config", *STUDY_SECTIONS)
#: The designs (as :data:`negotiation.study.design.DESIGNS`; not imported, to keep
#: ``negotiation sweep --help`` light).
DESIGNS = ("grid", "sobol", "latin_hypercube", "monte_carlo")
#: Transports a Dask scheduler address may name (``distributed.comm`` registers these).
SCHEDULER_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


# ---------------------------------------------------------------- arguments


def parse_param(text: str) -> tuple[str, dict[str, Any], list[ConfigProblem]]:
    """``KEY=LO:HI:N`` -> (key, ``{"low", "high", "points"}``, problems).

    >>> parse_param("moves.m.cost=0:0.05:6")[:2]
    ('moves.m.cost', {'low': 0.0, 'high': 0.05, 'points': 6})
    >>> parse_param("a.b=-1:1")[:2]
    ('a.b', {'low': -1.0, 'high': 1.0})
    >>> parse_param("a.b=0,0.5,2")[:2]
    ('a.b', {'values': [0.0, 0.5, 2.0]})
    >>> [p.expected for p in parse_param("a.b=x:1:3")[2]]
    ["numbers LO and HI (got 'x')"]
    """
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    if not sep or not key or not spec:
        return key, {}, [ConfigProblem(key or text, text, PARAM_FORMAT)]
    shown = spec
    problems: list[ConfigProblem] = []

    def number(part: str) -> float | None:
        try:
            value = float(part)
        except ValueError:
            return None
        return value if math.isfinite(value) else None

    if ":" not in spec and "," in spec:
        values = [number(v) for v in spec.split(",")]
        if any(v is None for v in values):
            return key, {}, [ConfigProblem(key, shown, "finite numbers V1,V2,... ")]
        return key, {"values": values}, []
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        return key, {}, [ConfigProblem(key, shown, PARAM_FORMAT)]
    low, high = number(parts[0]), number(parts[1])
    if low is None or high is None:
        bad = parts[0] if low is None else parts[1]
        problems.append(ConfigProblem(key, shown, f"numbers LO and HI (got {bad!r})"))
    table: dict[str, Any] = {"low": low, "high": high}
    if len(parts) == 3 and parts[2].strip():
        try:
            table["points"] = int(parts[2])
        except ValueError:
            problems.append(ConfigProblem(key, shown, f"N, a whole number of grid points >= 2 (got {parts[2]!r})"))
    return key, table, problems


def _parameters(texts: Sequence[str] | None) -> dict[str, dict[str, Any]] | None:
    if not texts:
        return None
    parameters: dict[str, dict[str, Any]] = {}
    problems: list[ConfigProblem] = []
    for text in texts:
        key, table, found = parse_param(text)
        if key in parameters:
            found.append(ConfigProblem(key, text.partition("=")[2], "each key path swept once"))
        problems += found
        if not found:
            parameters[key] = table
    if problems:
        raise ConfigError("--param", problems)
    return parameters


def _positive(name: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number (got {text!r})") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1 (got {value})")
        return value

    return parse


def _axes(text: str) -> tuple[str, str]:
    x, sep, y = text.partition(",")
    if not sep or not x.strip() or not y.strip():
        raise argparse.ArgumentTypeError(f"expected X,Y (two key paths), got {text!r}")
    return x.strip(), y.strip()


# ---------------------------------------------------------------- loading


def load_sweep_config(config: str | None, sets: dict[str, Any]) -> tuple[dict[str, Any], str, str, Scenario]:
    """The config to sweep (scenario plus sweep tables, with ``sets`` applied), the sweep's
    source name, the scenario's, and the baseline scenario (validated as a single run is).

    ``config`` may be a scenario file or a standalone sweep file whose ``config`` key names
    the scenario (a path relative to the sweep file, or a packaged name).
    """
    path = resolve_config_path(config)
    data = read_config(path)
    if "scenario" in data or "config" not in data:
        scenario_data, scenario_source = data, path.name
    else:
        unknown = [k for k in data if k not in SWEEP_FILE_KEYS]
        problems = [ConfigProblem(k, data[k], f"no such key in a sweep file (keys: {', '.join(SWEEP_FILE_KEYS)})")
                    for k in unknown]
        target = data["config"]
        if not isinstance(target, str):
            problems.append(ConfigProblem("config", target, "a scenario file or packaged name (a string)"))
        if problems:
            raise ConfigError(path.name, problems)
        relative = path.parent / target
        scenario_path = relative if relative.exists() else resolve_config_path(target)
        scenario_data = {k: v for k, v in read_config(scenario_path).items() if k not in STUDY_SECTIONS}
        scenario_data.update({k: data[k] for k in STUDY_SECTIONS if k in data})
        scenario_source = scenario_path.name
    # the baseline is validated as `negotiation run --set ...` validates it; the scenario's
    # config is the file's with the values set (a side's other weights rescaled)
    scenario = scenario_from_dict(scenario_data, source=scenario_source, overrides=sets)
    if sets and scenario.config is not None:
        scenario_data = dict(scenario.config)
    return scenario_data, path.name, scenario_source, scenario


# ---------------------------------------------------------------- the command


def cmd_sweep(args: argparse.Namespace) -> int:
    from negotiation.study.sweep import (
        CheckpointConflict,
        MissingDependency,
        OutDirInUse,
        SweepError,
    )

    try:
        return _sweep(args)
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (CheckpointConflict, OutDirInUse, MissingDependency) as error:
        print(f"negotiation sweep: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SweepError as error:
        print(f"negotiation sweep: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        out = getattr(args, "_out", None)
        where = f" in {out}/chunks" if out else ""
        print(f"negotiation sweep: interrupted; the finished chunks are kept{where}: run the same command "
              "with --resume to finish", file=sys.stderr)
        return EXIT_INTERRUPTED


def scheduler_problem(address: str) -> ConfigProblem | None:
    """What is wrong with a Dask scheduler address (``None`` if it looks like one).

    Only the form is checked (``[SCHEME://]HOST[:PORT]``); whether a scheduler answers
    there is for the connection to find out.

    >>> scheduler_problem("tcp://10.0.0.5:8786") is None, scheduler_problem("10.0.0.5:8786") is None
    (True, True)
    >>> scheduler_problem("not a url").expected
    'a Dask scheduler address such as tcp://10.0.0.5:8786 (SCHEME://HOST:PORT, no spaces)'
    """
    expected = "a Dask scheduler address such as tcp://10.0.0.5:8786 (SCHEME://HOST:PORT, no spaces)"
    if not address or any(c.isspace() for c in address):
        return ConfigProblem("--scheduler", address, expected)
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return ConfigProblem("--scheduler", address, f"{expected}; the port must be a number")
    if parts.scheme not in SCHEDULER_SCHEMES:
        return ConfigProblem("--scheduler", address, f"{expected}; SCHEME one of {', '.join(SCHEDULER_SCHEMES)}")
    if not parts.hostname:
        return ConfigProblem("--scheduler", address, expected)
    return None


def _sweep(args: argparse.Namespace) -> int:
    from negotiation.study.design import sweep_design
    from negotiation.study.sweep import run_sweep

    if args.scheduler is not None:
        problem = scheduler_problem(args.scheduler)
        if problem is not None:
            raise ConfigError("command line", [problem])
    parameters = _parameters(args.param)
    data, source, scenario_source, scenario = load_sweep_config(args.config, parse_overrides(args.set))
    design = sweep_design(data, source=source, overrides={
        "design": args.design, "samples": args.samples, "seed": args.seed,
        "chunk_size": args.chunk_size, "parameters": parameters,
    })
    axes = args.phase_map
    if axes is not None:
        missing = [a for a in axes if a not in design.key_paths]
        if missing:
            raise ConfigError("--phase-map", [ConfigProblem(a, a, f"a swept key path: one of {', '.join(design.key_paths)}")
                                              for a in missing])
    out = Path(args.out) if args.out else Path("results") / scenario.name / "sweep"
    # a bad folder is refused before any point is solved, not when the first chunk is saved
    check_out_dir(out)
    args._out = out
    say = (lambda *_: None) if args.quiet else print
    say(f"Sweep of {scenario.name}: {design.describe()}")
    if design.held_fixed:
        say(f"  held at their values in the file (design grid): {', '.join(design.held_fixed)}")
    result = run_sweep(data, design, out, source=scenario_source, workers=args.workers, scheduler=args.scheduler,
                       resume=args.resume, force=args.force, progress=False if args.quiet else None)
    files = dict(result.files)
    notes = []
    if not args.no_figures:
        x, y = axes or (design.key_paths[:2] if len(design.key_paths) >= 2 else (None, None))
        if x is None:
            notes.append("no phase map: it needs two swept parameters")
        else:
            from negotiation.model.outcomes import PROBABILITY_COLUMNS
            from negotiation.viz.phase_map import save_phase_map

            try:
                # only the columns the map needs: a large sweep's table is never read whole
                table = result.read([x, y, *PROBABILITY_COLUMNS])
                fine = max(table[x].nunique(), table[y].nunique()) > MAP_CELLS
                files.update(save_phase_map(table, x, y, out, scenario=scenario.title,
                                            bins=MAP_CELLS if fine else None, config=scenario.config))
            except ValueError as error:
                notes.append(f"no phase map: {error}")
    _report(say, result, design, out, files, notes)
    return 0


#: Distinct verdicts printed after a sweep (the most frequent first); the table has them all.
VERDICTS_SHOWN = 6


def _report(say, result: SweepResult, design: SweepDesign, out: Path, files: dict[str, Path], notes: list[str]) -> None:
    from negotiation.model.outcomes import PROBABILITY_COLUMNS
    from negotiation.study.uncertainty import verdicts

    reused = f", reused {len(result.reused)} from an earlier run" if result.reused else ""
    replaced = f" ({len(result.replaced)} stale chunks recomputed)" if result.replaced else ""
    say(f"  computed {len(result.computed)} of {design.n_chunks} chunks{reused}{replaced}")
    # counted a row group at a time: a large sweep's table is never read whole
    verdict_counts: Counter[str] = Counter()
    status_counts: Counter[str] = Counter()
    one_game = 0
    for group in range(result.row_groups):
        part = result.read(["equilibrium_path", "talks_outcome", *PROBABILITY_COLUMNS, "status", "exact_fallback"],
                           row_group=group)
        verdict_counts.update(verdicts(part).tolist())
        status_counts.update(part["status"].tolist())
        one_game += int(part["exact_fallback"].sum())
    invalid = verdict_counts.pop("", 0)
    ranked = sorted(verdict_counts.items(), key=lambda item: (-item[1], item[0]))
    shown = [f"{verdict} {count}" for verdict, count in ranked[:VERDICTS_SHOWN]]
    more = f", and {len(ranked) - VERDICTS_SHOWN} more" if len(ranked) > VERDICTS_SHOWN else ""
    say(f"  verdicts (moves played -> what the talks settle on) by point: {', '.join(shown) or 'none'}{more}"
        + (f"; invalid {invalid}" if invalid else ""))
    say("  status: " + ", ".join(f"{k} {v}" for k, v in status_counts.items()))
    if status_counts["degenerate"]:
        say(f"  {status_counts['degenerate']} points have a degenerate talks stage (tied payoffs: a set of "
            "equilibria, or a selection among equal payoffs; `negotiation run --set ...` at a point names the "
            "tied cells)")
    say(f"  points that needed the exact one-game solver (exact_fallback): {one_game}")
    for note in notes:
        say(f"  {note}")
    say(f"Wrote {', '.join(sorted(str(Path(k)) for k in files))} to {out}/")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``negotiation sweep`` to the ``negotiation`` command's subparsers."""
    sweep = subparsers.add_parser(
        "sweep",
        help="solve a scenario over a grid or sample of parameter values; write a table and a phase map",
        description="Solve a scenario at many points (a grid, a Sobol or Latin hypercube design, or Monte "
                    "Carlo over [uncertainty]) and write one row per point (CSV and Parquet) and a phase "
                    "map of the outcome. Settings default to the file's [sweep] table.",
    )
    sweep.add_argument("config", nargs="?", help="scenario TOML, packaged name, or sweep file (default: madrid_2025)")
    sweep.add_argument("--param", action="append", metavar="KEY=LO:HI:N",
                       help="a value to sweep by key path, LO to HI in N grid points (N may be left out with a "
                            "sampled design; KEY=V1,V2,... for explicit grid values); repeatable; replaces the "
                            "file's [sweep.parameters]")
    sweep.add_argument("--design", metavar="|".join(DESIGNS), help="how points are chosen (default: grid)")
    sweep.add_argument("--samples", type=_positive("--samples"), metavar="N",
                       help="points of a sampled design (default 64)")
    sweep.add_argument("--seed", type=int, metavar="S", help="seed of a sampled design (default 0)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive("--workers"), default=1, metavar="N",
                       help="local worker processes (default 1)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="address of a Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(needs: pip install 'negotiation[distributed]')")
    sweep.add_argument("--chunk-size", type=_positive("--chunk-size"), metavar="N",
                       help="points per chunk, the unit of work and of checkpointing (default: 16384)")
    sweep.add_argument("--out", metavar="DIR", help="output folder (default: results/<scenario>/sweep/)")
    again = sweep.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="finish the sweep already in OUT, recomputing only missing chunks")
    again.add_argument("--force", action="store_true", help="discard a sweep already in OUT and start over")
    sweep.add_argument("--set", action="append", metavar="KEY=VALUE",
                       help="change the baseline value at a key path before sweeping (repeatable)")
    sweep.add_argument("--phase-map", type=_axes, metavar="X,Y",
                       help="the two key paths of the phase map (default: the first two swept)")
    sweep.add_argument("--no-figures", action="store_true", help="skip the phase map")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    sweep.set_defaults(func=cmd_sweep)
    return sweep
