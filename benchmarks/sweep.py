"""Benchmark: sweep throughput on the Madrid scenario, ours against loops over one point.

Question: how many Madrid points per second does the batched path
(:func:`negotiation.batch.solve_points`) solve, against the one-point reference path
(:func:`negotiation.batch.solve_points_reference`: validate, build the tree, all equilibria
of every stage, the scenario's selection rule ``logit_qre``, backward induction), a loop
that solves each point's stage games with nashpy, and a loop with Gambit's ``enummixed``?

The points sweep two parameters, seeded: ``sides.us.outcomes.deadlock`` uniform in
[0.40, 0.80] and ``moves.entity_listing.cost`` uniform in [0, 0.10] (the packaged values
are 0.62 and 0.01). The loops run on a subsample and are extrapolated; their stage games
are built by our batched payoff code before timing (building them is not what is
compared), each game is solved by the library (nashpy ``support_enumeration``, pygambit
``enummixed_solve``, float), a stage with several equilibria takes the one with the
highest payoff sum (the ``utilitarian`` rule: less work than the packaged ``logit_qre``,
compared with ours under the same rule) or, for the same work as ours, the one nearest to
the limit of the logit QRE principal branch by Gambit's ``logit_solve`` (nashpy has no
QRE), and backward induction runs in Python. The logit-QRE loops' answers (path and
payoffs) are checked against ours point by point: an independent oracle. Times are CPU seconds of this process
(``time.process_time``: robust to other jobs on a shared machine; every path here is
single-threaded). The rows of ours and of the reference are also compared on the
reference's subsample. The last line runs ours on ``--workers`` processes (wall-clock
seconds, the machine's other jobs included), as a sweep engine would.

Run from the repository root::

    python benchmarks/sweep.py                  # 100,000 points for ours (a few minutes)
    python benchmarks/sweep.py --quick          # 5,000 points, smaller loops (~1 minute)
    python benchmarks/sweep.py --points 20000
"""

from __future__ import annotations

import argparse
import copy
import platform
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import nashpy
import numpy as np
import pygambit as gbt

from negotiation import batch
from negotiation.config import default_config_path, read_config

SEED = 2025
KEY_PATHS = ("sides.us.outcomes.deadlock", "moves.entity_listing.cost")


def points(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        KEY_PATHS[0]: rng.uniform(0.40, 0.80, n),
        KEY_PATHS[1]: rng.uniform(0.0, 0.10, n),
    }


def stage_games(config: dict, overrides: dict[str, np.ndarray]):
    """Every point's stage payoffs (N, L, m, n), built by our batched payoff code."""
    keys, arrays, n = batch._check_overrides(config, overrides, "<config>")
    fast = batch._FastPath.compile(config, keys, "<config>")
    weights, _ = fast._normalised_weights(arrays, n)
    A, B, _ = fast._stage_payoffs(arrays, weights, n)
    return fast.scenario, A, B


def nashpy_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(np.asarray(x), np.asarray(y)) for x, y in nashpy.Game(A, B).support_enumeration()]


def gambit_equilibria(A: np.ndarray, B: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    game = gbt.StrategicGame.from_arrays(A, B)
    result = gbt.nash.enummixed_solve(game, rational=False)
    p1, p2 = list(game.players)
    s1, s2 = game.get_strategies(p1), game.get_strategies(p2)
    return [
        (np.array([float(eq[p1][s]) for s in s1]), np.array([float(eq[p2][s]) for s in s2]))
        for eq in result.equilibria
    ]


def gambit_logit_limit(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The limit of the logit QRE principal branch by Gambit's ``logit_solve``."""
    game = gbt.StrategicGame.from_arrays(A, B)
    eq = gbt.nash.logit_solve(game).equilibrium
    p1, p2 = list(game.players)
    return (
        np.array([float(eq[p1][s]) for s in game.get_strategies(p1)]),
        np.array([float(eq[p2][s]) for s in game.get_strategies(p2)]),
    )


def utilitarian(a, b, equilibria):
    return max(equilibria, key=lambda e: e[0] @ (a + b) @ e[1])


def nearest_to_gambit_logit_limit(a, b, equilibria):
    if len(equilibria) == 1:
        return equilibria[0]
    lx, ly = gambit_logit_limit(a, b)
    return min(equilibria, key=lambda e: np.abs(e[0] - lx).sum() + np.abs(e[1] - ly).sum())


def loop_solve(scenario, A: np.ndarray, B: np.ndarray, solver, select=utilitarian) -> list[tuple[str, tuple[float, float]]]:
    """Each point: every stage's equilibria by ``solver``, one selected by ``select`` at a
    stage with several, backward induction over the leverage tree (first optimal action)."""
    tol = scenario.solver.tolerance
    movers = [scenario.side_names.index(m.maker) for m in scenario.moves]
    names = [m.name for m in scenario.moves]
    K = len(names)
    answers = []
    for p in range(A.shape[0]):
        values = []
        for leaf in range(A.shape[1]):
            a, b = A[p, leaf], B[p, leaf]
            x, y = select(a, b, solver(a, b))
            values.append(((x @ a @ y, x @ b @ y), ()))
        for d in range(K - 1, -1, -1):
            i = movers[d]
            values = [
                (r[0], (0,) + r[1]) if r[0][i] >= max(r[0][i], q[0][i]) - tol else (q[0], (1,) + q[1])
                for r, q in zip(values[0::2], values[1::2], strict=True)
            ]
        (payoffs, path), = values
        answers.append(("+".join(n for n, bit in zip(names, path, strict=True) if bit) or "none", payoffs))
    return answers


def timed(function, *args):
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


def _solve_part(part: tuple[dict, dict[str, np.ndarray]]):
    config, overrides = part
    return batch.solve_points(config, overrides)


def parallel(config: dict, overrides: dict[str, np.ndarray], workers: int) -> float:
    """Wall seconds for solve_points over ``workers`` processes (chunks of the points)."""
    n = len(next(iter(overrides.values())))
    bounds = np.linspace(0, n, 4 * workers + 1).astype(int)
    parts = [(config, {k: v[a:b] for k, v in overrides.items()}) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_solve_part, parts[:workers]))  # warm the workers (imports)
        start = time.perf_counter()
        list(pool.map(_solve_part, parts))
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=None, help="points for ours (default 100000; 5000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smaller runs (about a minute)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the parallel row (0: none)")
    args = parser.parse_args(argv)
    n = args.points or (5_000 if args.quick else 100_000)
    n_reference, n_nashpy, n_gambit = (10, 25, 100) if args.quick else (40, 80, 400)
    config = read_config(default_config_path())
    overrides = points(n)

    frame, t_ours = timed(batch.solve_points, config, overrides)
    like = copy.deepcopy(config)
    like["solver"]["selection_rule"] = "utilitarian"  # the loops' selection
    _, t_like = timed(batch.solve_points, like, overrides)
    t_parallel = parallel(config, overrides, args.workers) if args.workers > 1 else None
    sub = {k: v[:n_reference] for k, v in overrides.items()}
    reference, t_reference = timed(batch.solve_points_reference, config, sub)
    same = frame.iloc[:n_reference].drop(columns="exact_fallback").reset_index(drop=True)
    ref = reference.drop(columns="exact_fallback")
    strings = ["equilibrium_path", "status", "error"]
    floats = [c for c in ref.columns if c not in strings]
    agree = bool(
        (same[strings] == ref[strings]).all().all()
        and np.allclose(same[floats].to_numpy(float), ref[floats].to_numpy(float), atol=1e-9, equal_nan=True)
    )

    scenario, A, B = stage_games(config, {k: v[: max(n_nashpy, n_gambit)] for k, v in overrides.items()})
    _, t_nashpy = timed(loop_solve, scenario, A[:n_nashpy], B[:n_nashpy], nashpy_equilibria)
    _, t_gambit = timed(loop_solve, scenario, A[:n_gambit], B[:n_gambit], gambit_equilibria)
    logit = nearest_to_gambit_logit_limit
    _, t_nashpy_qre = timed(loop_solve, scenario, A[:n_nashpy], B[:n_nashpy], nashpy_equilibria, logit)
    gambit_answers, t_gambit_qre = timed(loop_solve, scenario, A[:n_gambit], B[:n_gambit], gambit_equilibria, logit)
    sides = scenario.side_names
    oracle_agrees = sum(
        frame["equilibrium_path"].iloc[p] == path
        and np.allclose([frame[f"payoff_{s}"].iloc[p] for s in sides], payoffs, atol=1e-6)
        for p, (path, payoffs) in enumerate(gambit_answers)
    )

    rate = {
        "ours (solve_points)": n / t_ours,
        "ours, utilitarian rule (the loops' selection)": n / t_like,
        "one-point reference path": n_reference / t_reference,
        "nashpy loop (support enumeration)": n_nashpy / t_nashpy,
        "pygambit loop (enummixed, float)": n_gambit / t_gambit,
        "nashpy loop, logit-QRE selection (Gambit logit_solve)": n_nashpy / t_nashpy_qre,
        "pygambit loop, logit-QRE selection (logit_solve)": n_gambit / t_gambit_qre,
    }
    counted = {
        "ours (solve_points)": n,
        "ours, utilitarian rule (the loops' selection)": n,
        "one-point reference path": n_reference,
        "nashpy loop (support enumeration)": n_nashpy,
        "pygambit loop (enummixed, float)": n_gambit,
        "nashpy loop, logit-QRE selection (Gambit logit_solve)": n_nashpy,
        "pygambit loop, logit-QRE selection (logit_solve)": n_gambit,
    }
    ours = rate["ours (solve_points)"]
    reference_rate = rate["one-point reference path"]
    nashpy_rate = rate["nashpy loop (support enumeration)"]
    gambit_rate = rate["pygambit loop (enummixed, float)"]
    print(f"# Sweep throughput, Madrid scenario ({platform.processor() or platform.machine()}, "
          f"Python {sys.version.split()[0]}, numpy {np.__version__})\n")
    print(f"Points: {KEY_PATHS[0]} ~ U[0.40, 0.80], {KEY_PATHS[1]} ~ U[0, 0.10], seed {SEED}; "
          "CPU seconds; loops on the first points of the same sample, extrapolated.\n")
    print("| path | points timed | points / s | x reference | x nashpy loop | x pygambit loop | 100,000 points |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in rate.items():
        print(f"| {name} | {counted[name]:,} | {r:,.1f} | {r / reference_rate:,.1f} | {r / nashpy_rate:,.1f} "
              f"| {r / gambit_rate:,.2f} | {100_000 / r:,.0f} s |")
    fallback = int(frame["exact_fallback"].sum())
    statuses = ", ".join(f"{k} {v}" for k, v in frame["status"].value_counts().items())
    print(f"\nOurs: {n:,} points in {t_ours:.1f} s CPU; {fallback} solved by the one-point path "
          f"(exact_fallback); statuses: {statuses}.")
    print(f"Ours equals the reference on its {n_reference} points: {'yes' if agree else 'NO'}; "
          f"ours equals the pygambit logit-QRE loop (path and payoffs) on {oracle_agrees} of {n_gambit} points.")
    if n != 100_000:
        print(f"100,000 points with ours: {100_000 / ours:.0f} s CPU (extrapolated from {n:,}).")
    like_nashpy = ours / rate["nashpy loop, logit-QRE selection (Gambit logit_solve)"]
    like_gambit = ours / rate["pygambit loop, logit-QRE selection (logit_solve)"]
    ours_like = rate["ours, utilitarian rule (the loops' selection)"]
    print(f"Same work (logit-QRE selection in every loop): ours is {like_nashpy:,.0f}x the nashpy loop and "
          f"{like_gambit:,.1f}x the pygambit loop; with the utilitarian rule in all three, "
          f"{ours_like / nashpy_rate:,.0f}x and {ours_like / gambit_rate:,.1f}x.")
    if t_parallel is not None:
        print(f"Ours on {args.workers} processes: {n / t_parallel:,.0f} points / s wall; 100,000 points in "
              f"{100_000 / n * t_parallel:.0f} s{'' if n == 100_000 else ' (extrapolated)'}.")
    return 0 if agree and oracle_agrees == n_gambit else 1


if __name__ == "__main__":
    raise SystemExit(main())
