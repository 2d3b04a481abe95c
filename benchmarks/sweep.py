"""Benchmark: sweep throughput on the Madrid scenario, ours (library and CLI) against loops.

Question: how many Madrid points per second do we solve, from Python
(:func:`negotiation.study.points.solve_points`, the one batched pipeline a single run also
uses) and from the command line (``negotiation sweep``, start-up included), against a loop
that solves each point's stage games with nashpy and one with pygambit, and how much memory
does a sweep of 100,000 and of 1,000,000 points take?

Workload: the Madrid scenario as frozen at 6e44c2f (``tests/golden/scenarios/madrid_2025.toml``,
deadlock and escalation set per side; the packaged file now derives them from the issue levels),
kept fixed so that the numbers compare across versions. Points: a grid over
``sides.us.outcomes.deadlock`` in [0.40, 0.80] and
``moves.entity_listing.cost`` in [0, 0.10] (the packaged values are 0.62 and 0.01); ``--points``
is rounded to a square grid. The loops run on the first points of a seeded random sample of
the same box and are extrapolated: their stage games are built by our batched payoff code
before timing (building them is not what is compared), each game is solved by the library
(nashpy ``support_enumeration``; pygambit ``enummixed_solve``, float), a stage with several
equilibria takes the one with the highest payoff sum (``utilitarian``: less work than the
packaged ``logit_qre``, compared with ours under the same rule) or, for the same work as
ours, the one nearest to the limit of Gambit's ``logit_solve`` (nashpy has no QRE), each
player's payoffs first put on its own scale in the stage (0 at its worst cell, 1 at its best,
as the packaged rules do so that no choice depends on units), and
backward induction runs in Python. The pygambit logit-QRE loop's answers (path and payoffs)
are checked against ours point by point: an independent oracle; so is the single run
(:func:`negotiation.analysis.analyze`) on a subsample.

Library and loops: CPU seconds of this process (``time.process_time``; every path here is
single-threaded). CLI: wall seconds of ``negotiation sweep ... --no-figures --quiet`` in a
fresh process (start-up included), and its peak memory (``ru_maxrss`` of the child).

Run from the repository root::

    python benchmarks/sweep.py                  # 100,000 points, plus the 1,000,000-point CLI row
    python benchmarks/sweep.py --quick          # 10,000 points, smaller loops, no 10^6 row
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import nashpy
import numpy as np
import pygambit as gbt
from peak import run_measured

from negotiation.analysis import analyze
from negotiation.io.config import (
    read_config,
    scenario_from_dict,
    scenario_points,
)
from negotiation.io.key_paths import with_overrides
from negotiation.model.compile import histories, talks_payoffs
from negotiation.study.points import solve_points

SEED = 2025
#: The fixed workload (see the module docstring).
MADRID = Path(__file__).resolve().parents[1] / "tests" / "golden" / "scenarios" / "madrid_2025.toml"
KEY_PATHS = ("sides.us.outcomes.deadlock", "moves.entity_listing.cost")
BOX = ((0.40, 0.80), (0.0, 0.10))


def grid(n: int) -> tuple[int, dict[str, np.ndarray]]:
    """A square grid of about ``n`` points over the box (the first key path varies slowest)."""
    side = max(2, int(round(np.sqrt(n))))
    a, b = (np.linspace(lo, hi, side) for lo, hi in BOX)
    mesh = np.array(np.meshgrid(a, b, indexing="ij")).reshape(2, -1)
    return side, {KEY_PATHS[0]: mesh[0], KEY_PATHS[1]: mesh[1]}


def sample(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    return {key: rng.uniform(lo, hi, n) for key, (lo, hi) in zip(KEY_PATHS, BOX, strict=True)}


def with_rule(config: dict, rule: str) -> dict:
    out, problems = with_overrides(config, {"solver.selection_rule": rule})
    assert not problems
    return out


def stage_games(config: dict, overrides: dict[str, np.ndarray]):
    """Every point's stage payoffs (N, L, m, n), built by our batched payoff code."""
    scenario = scenario_points(config, overrides).scenario
    payoffs, _ = talks_payoffs(scenario, histories(scenario))
    return scenario, payoffs[..., 0], payoffs[..., 1]


def nashpy_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(np.asarray(x), np.asarray(y)) for x, y in nashpy.Game(A, B).support_enumeration()]


def _profile(game, eq) -> tuple[np.ndarray, np.ndarray]:
    p1, p2 = list(game.players)
    return (np.array([float(eq[p1][s]) for s in game.get_strategies(p1)]),
            np.array([float(eq[p2][s]) for s in game.get_strategies(p2)]))


def gambit_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    game = gbt.StrategicGame.from_arrays(A, B)
    return [_profile(game, eq) for eq in gbt.nash.enummixed_solve(game, rational=False).equilibria]


def own_range(M: np.ndarray) -> np.ndarray:
    """A player's payoffs from 0 at its worst cell to 1 at its best (the packaged rules compare
    the two players on these scales, so that no choice depends on units)."""
    span = M.max() - M.min()
    return (M - M.min()) / span if span > 0 else np.zeros_like(M, dtype=float)


def utilitarian(a, b, equilibria):
    return max(equilibria, key=lambda e: e[0] @ (own_range(a) + own_range(b)) @ e[1])


def nearest_to_gambit_logit_limit(a, b, equilibria):
    if len(equilibria) == 1:
        return equilibria[0]
    game = gbt.StrategicGame.from_arrays(own_range(a), own_range(b))
    lx, ly = _profile(game, gbt.nash.logit_solve(game).equilibrium)
    return min(equilibria, key=lambda e: np.abs(e[0] - lx).sum() + np.abs(e[1] - ly).sum())


def loop_solve(scenario, A, B, solver, select=utilitarian) -> list[tuple[str, tuple[float, float]]]:
    """Each point: every stage's equilibria by ``solver``, one selected by ``select`` at a
    stage with several, backward induction over the leverage tree (first optimal action)."""
    tol = scenario.solver.tolerance
    movers = [scenario.side_names.index(m.maker) for m in scenario.moves]
    names = [m.name for m in scenario.moves]
    answers = []
    for p in range(A.shape[0]):
        values = []
        for leaf in range(A.shape[1]):
            a, b = A[p, leaf], B[p, leaf]
            x, y = select(a, b, solver(a, b))
            values.append(((x @ a @ y, x @ b @ y), ()))
        for d in range(len(names) - 1, -1, -1):
            i = movers[d]
            values = [
                (r[0], (0,) + r[1]) if r[0][i] >= max(r[0][i], q[0][i]) - tol else (q[0], (1,) + q[1])
                for r, q in zip(values[0::2], values[1::2], strict=True)
            ]
        ((payoffs, path),) = values
        answers.append(("+".join(n for n, bit in zip(names, path, strict=True) if bit) or "none", payoffs))
    return answers


def timed(function, *args):
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


def cli_sweep(side: int, workers: int, folder: Path, *, sobol: int = 0, rule: str | None = None) -> tuple[float, float]:
    """Wall seconds and peak MB of ``negotiation sweep`` on a side x side grid (or a Sobol'
    design of ``sobol`` points over the box)."""
    (a0, a1), (b0, b1) = BOX
    out = folder / f"sweep_{side}_{workers}_{sobol}_{rule}"
    if sobol:
        design = ["--param", f"{KEY_PATHS[0]}={a0}:{a1}", "--param", f"{KEY_PATHS[1]}={b0}:{b1}",
                  "--design", "sobol", "--samples", str(sobol), "--seed", str(SEED)]
    else:
        design = ["--param", f"{KEY_PATHS[0]}={a0}:{a1}:{side}", "--param", f"{KEY_PATHS[1]}={b0}:{b1}:{side}"]
    command = [
        str(Path(sys.executable).with_name("negotiation")), "sweep", str(MADRID), *design,
        *(["--set", f"solver.selection_rule={rule}"] if rule else []),
        "--workers", str(workers), "--out", str(out), "--force", "--no-figures", "--quiet",
    ]
    seconds, peak, _ = run_measured(command, env={**os.environ, "MPLBACKEND": "Agg"})
    return seconds, peak


LIBRARY_SCRIPT = """
import sys, numpy as np, negotiation as ng
side = int(sys.argv[1])
(a0, a1), (b0, b1) = {box}
ng.sweep(ng.load(r"{madrid}"), {{"{k0}": np.linspace(a0, a1, side), "{k1}": np.linspace(b0, b1, side)}})
"""


def library_fresh(side: int) -> float:
    """Wall seconds of ``ng.sweep`` on the grid in a fresh process (start-up included), run
    the way the CLI rows are (:func:`peak.run_measured`), so that the two compare."""
    script = LIBRARY_SCRIPT.format(box=BOX, k0=KEY_PATHS[0], k1=KEY_PATHS[1], madrid=MADRID)
    seconds, _, _ = run_measured([sys.executable, "-c", script, str(side)])
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=None, help="grid points for ours (default 100,000; 10,000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smaller runs, no 1,000,000-point row")
    args = parser.parse_args(argv)
    n_target = args.points or (10_000 if args.quick else 100_000)
    n_single, n_nashpy, n_gambit = (10, 25, 100) if args.quick else (40, 80, 400)
    config = read_config(MADRID)
    side, overrides = grid(n_target)
    n = side * side

    rows: dict[str, tuple[float, int]] = {}
    # start-up (imports, loading the compiled tracer) is not throughput: the CLI rows and the
    # fresh-process rows below include it
    for rule in ("logit_qre", "utilitarian"):
        solve_points(with_rule(config, rule), {k: v[:100] for k, v in overrides.items()})
    _, t = timed(solve_points, config, overrides)
    # the first large call also pays the allocator's first touch of its memory (glibc raises
    # its mmap threshold only once large blocks have been freed): about 0.2-0.5 s per 100,000
    # points here; every later row runs warm, and so does this one
    rows["ours, library (packaged rule logit_qre), first call"] = (n / t, n)
    frame, t = timed(solve_points, config, overrides)
    rows["ours, library (packaged rule logit_qre)"] = (n / t, n)
    _, t = timed(solve_points, with_rule(config, "utilitarian"), overrides)
    rows["ours, library, utilitarian rule (the loops' selection)"] = (n / t, n)

    spread = sample(n)  # a random sample: no two points share a stage game
    _, t = timed(solve_points, config, spread)
    rows["ours, library, random sample (packaged rule logit_qre)"] = (n / t, n)
    _, t = timed(solve_points, with_rule(config, "utilitarian"), spread)
    rows["ours, library, random sample, utilitarian rule"] = (n / t, n)

    random = sample(max(n_nashpy, n_gambit, n_single))
    ours_random = solve_points(config, random)
    scenario, A, B = stage_games(config, random)
    _, t = timed(loop_solve, scenario, A[:n_nashpy], B[:n_nashpy], nashpy_equilibria)
    rows["nashpy loop (support enumeration), utilitarian"] = (n_nashpy / t, n_nashpy)
    _, t = timed(loop_solve, scenario, A[:n_gambit], B[:n_gambit], gambit_equilibria)
    rows["pygambit loop (enummixed, float), utilitarian"] = (n_gambit / t, n_gambit)
    logit = nearest_to_gambit_logit_limit
    _, t = timed(loop_solve, scenario, A[:n_nashpy], B[:n_nashpy], nashpy_equilibria, logit)
    rows["nashpy loop, logit-QRE selection (Gambit logit_solve)"] = (n_nashpy / t, n_nashpy)
    gambit_answers, t = timed(loop_solve, scenario, A[:n_gambit], B[:n_gambit], gambit_equilibria, logit)
    rows["pygambit loop, logit-QRE selection (logit_solve)"] = (n_gambit / t, n_gambit)
    sides = scenario.side_names
    oracle = sum(
        ours_random["equilibrium_path"].iloc[p] == path
        and np.allclose([ours_random[f"payoff_{s}"].iloc[p] for s in sides], payoffs, atol=1e-6)
        for p, (path, payoffs) in enumerate(gambit_answers)
    )
    single = 0
    for p in range(n_single):
        values = {k: float(v[p]) for k, v in random.items()}
        result = analyze(scenario_from_dict(config, overrides=values))
        single += (ours_random["equilibrium_path"].iloc[p] == ("+".join(result.moves_played()) or "none")
                   and np.allclose([ours_random[f"payoff_{s}"].iloc[p] for s in sides], result.headline.payoffs,
                                   rtol=0, atol=1e-12))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fresh = {s_: (library_fresh(s_), cli_sweep(s_, 1, folder)[0]) for s_ in (100, side)}
        wall, peak = cli_sweep(side, 1, folder)
        cli = {f"ours, CLI, grid, {n:,} points, 1 process": (n / wall, wall, peak)}
        wall, peak = cli_sweep(side, 2, folder)
        cli[f"ours, CLI, grid, {n:,} points, 2 processes"] = (n / wall, wall, peak)
        wall, peak = cli_sweep(0, 2, folder, sobol=n)
        cli[f"ours, CLI, Sobol', {n:,} points, 2 processes"] = (n / wall, wall, peak)
        if not args.quick:
            wall, peak = cli_sweep(1000, 2, folder)
            cli["ours, CLI, grid, 1,000,000 points, 2 processes"] = (1e6 / wall, wall, peak)
            wall, peak = cli_sweep(0, 2, folder, sobol=1_000_000, rule="utilitarian")
            cli["ours, CLI, Sobol', 1,000,000 points, 2 processes, utilitarian"] = (1e6 / wall, wall, peak)
            wall, peak = cli_sweep(0, 2, folder, sobol=1_000_000)
            cli["ours, CLI, Sobol', 1,000,000 points, 2 processes"] = (1e6 / wall, wall, peak)

    library = rows["ours, library (packaged rule logit_qre)"][0]
    nashpy_rate = rows["nashpy loop (support enumeration), utilitarian"][0]
    gambit_rate = rows["pygambit loop (enummixed, float), utilitarian"][0]
    print(f"# Sweep throughput, Madrid scenario ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, numpy {np.__version__})\n")
    print(f"Grid {side} x {side} over {KEY_PATHS[0]} in {BOX[0]} and {KEY_PATHS[1]} in {BOX[1]}; loops on the "
          f"first points of a seeded sample (seed {SEED}) of the same box, extrapolated.\n")
    print("| path | points timed | points / s | x nashpy loop | x pygambit loop |")
    print("|---|---:|---:|---:|---:|")
    for name, (rate, counted) in rows.items():
        print(f"| {name} (CPU) | {counted:,} | {rate:,.1f} | {rate / nashpy_rate:,.1f} | {rate / gambit_rate:,.2f} |")
    for name, (rate, _, _) in cli.items():
        print(f"| {name} (wall, start-up included) | | {rate:,.1f} | {rate / nashpy_rate:,.1f} | {rate / gambit_rate:,.2f} |")
    print("\n| CLI run | wall time | points / s | peak memory |")
    print("|---|---:|---:|---:|")
    for name, (rate, wall, peak) in cli.items():
        print(f"| {name} | {wall:.1f} s | {rate:,.0f} | {peak:,.0f} MB |")
    print("\n| grid points | library, fresh process (ng.sweep) | CLI, 1 process | CLI time / library time |")
    print("|---:|---:|---:|---:|")
    for s_, (lib, cli_time) in fresh.items():
        print(f"| {s_ * s_:,} | {lib:.2f} s | {cli_time:.2f} s | {cli_time / lib:.2f} |")
    like = rows["nashpy loop, logit-QRE selection (Gambit logit_solve)"][0]
    print("\nSame work as ours "
          f"(logit-QRE selection): the library is {library / like:,.0f}x the nashpy loop and "
          f"{library / rows['pygambit loop, logit-QRE selection (logit_solve)'][0]:,.1f}x the pygambit loop.")
    print(f"Ours equals the pygambit logit-QRE loop (path and payoffs) on {oracle} of {n_gambit} points, and the "
          f"single run (analyze) on {single} of {n_single}. Statuses of the grid: "
          + ", ".join(f"{k} {v}" for k, v in frame["status"].value_counts().items())
          + f"; stages needing the one-game enumeration: {int(frame['exact_fallback'].sum())} points.")
    return 0 if oracle == n_gambit and single == n_single else 1


if __name__ == "__main__":
    raise SystemExit(main())
