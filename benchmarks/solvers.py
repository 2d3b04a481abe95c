"""Benchmark: all Nash equilibria of bimatrix games, ours against nashpy and Gambit.

Question: how fast is ``negotiation.solvers.normal_form.nash_equilibria`` (vertex
enumeration with lexicographic pivoting) against nashpy's support and vertex
enumeration and Gambit's ``enummixed`` (float and rational), and does each return the
same set of (extreme) equilibria as Gambit's exact ``enummixed``?

Run from the repository root::

    python benchmarks/solvers.py            # the full table (several minutes)
    python benchmarks/solvers.py --quick    # a smaller run (about a minute)

Games are seeded (``numpy.random.default_rng``): square games of uniform random floats
in [0, 1) for each size (non-degenerate with probability one), and a degenerate set of
integer payoffs in 0..3. Times are the median over games of the wall time per game
(``time.perf_counter``; the CPU clock of a freshly forked child proved unreliable on
the benchmark machine); the solvers run interleaved, game by game, and the fast ones
(ours, Gambit float) keep the best of three runs per game. Slow solvers (nashpy, Gambit rational) run each game in a
child process under a CPU-time limit; a solver that exceeds it on a game is skipped for
that size and all larger ones, and the table says so. The reference set is Gambit's
rational ``enummixed`` where it ran, else Gambit's float ``enummixed``; "same set"
compares the distinct points with ``atol=1e-6``. Our time includes input checks and
the verification and records of every equilibrium; Gambit's includes building its
game from the arrays.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import platform
import resource
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import nashpy
import numpy as np
import pygambit as gbt

from negotiation.solvers.normal_form import nash_equilibria

Profile = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- solvers


def ours(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    return [(e.row, e.column) for e in nash_equilibria(A, B).equilibria]


def nashpy_support(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(np.asarray(x), np.asarray(y)) for x, y in nashpy.Game(A, B).support_enumeration()]


def nashpy_vertex(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(np.asarray(x), np.asarray(y)) for x, y in nashpy.Game(A, B).vertex_enumeration()]


def _gambit(A: np.ndarray, B: np.ndarray, rational: bool) -> list[Profile]:
    g = gbt.StrategicGame.from_arrays(A, B)
    res = gbt.nash.enummixed_solve(g, rational=rational)
    p1, p2 = list(g.players)
    s1, s2 = g.get_strategies(p1), g.get_strategies(p2)
    return [
        (
            np.array([float(eq[p1][s]) for s in s1]),
            np.array([float(eq[p2][s]) for s in s2]),
        )
        for eq in res.equilibria
    ]


def gambit_float(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    return _gambit(A, B, rational=False)


def gambit_rational(A: np.ndarray, B: np.ndarray) -> list[Profile]:
    return _gambit(A, B, rational=True)


SOLVERS: dict[str, Callable[[np.ndarray, np.ndarray], list[Profile]]] = {
    "ours": ours,
    "nashpy support": nashpy_support,
    "nashpy vertex": nashpy_vertex,
    "gambit float": gambit_float,
    "gambit rational": gambit_rational,
}
#: Solvers run in a child process with a time limit (the others are fast enough).
GUARDED = {"nashpy support", "nashpy vertex", "gambit rational"}


# --------------------------------------------------------------------------- timing


def _timed(name: str, A: np.ndarray, B: np.ndarray) -> tuple[float, list[Profile]]:
    start = time.perf_counter()
    eqs = SOLVERS[name](A, B)
    return time.perf_counter() - start, eqs


def _child(conn, name: str, A: np.ndarray, B: np.ndarray, limit: float) -> None:
    # a CPU-time limit: the kernel stops this child with SIGXCPU once it is used up
    seconds = math.ceil(limit)
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    conn.send(_timed(name, A, B))
    conn.close()


def timed_with_limit(name: str, A: np.ndarray, B: np.ndarray, limit: float):
    """(seconds, equilibria), or None if the solver exceeded ``limit`` CPU seconds.

    Guarded solvers run in a forked child (with the libraries already imported, so the
    time is the solver's alone) under a CPU-time limit, so the decision to skip does
    not depend on other jobs on the machine; a wall-clock backstop of four times the
    limit ends a child that gets no CPU at all.
    """
    if name not in GUARDED:
        return _timed(name, A, B)
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, name, A, B, limit))
    proc.start()
    child.close()
    out = None
    try:
        if parent.poll(4 * limit):
            out = parent.recv()
    except EOFError:  # the child was stopped at its CPU limit
        out = None
    if proc.is_alive():
        proc.terminate()  # only this child, which we started
    proc.join()
    return out


# --------------------------------------------------------------------------- comparison


def distinct(eqs: list[Profile], atol: float = 1e-6) -> list[Profile]:
    out: list[Profile] = []
    for x, y in eqs:
        if not any(np.allclose(x, a, atol=atol) and np.allclose(y, b, atol=atol) for a, b in out):
            out.append((x, y))
    return out


def same_set(a: list[Profile], b: list[Profile], atol: float = 1e-6) -> bool:
    a, b = distinct(a, atol), distinct(b, atol)
    return len(a) == len(b) and all(
        any(np.allclose(x, u, atol=atol) and np.allclose(y, v, atol=atol) for u, v in b)
        for x, y in a
    )


# --------------------------------------------------------------------------- the run


@dataclass
class Cell:
    times: list[float] = field(default_factory=list)
    results: list[list[Profile]] = field(default_factory=list)
    agree: int = 0
    compared: int = 0
    skipped: bool = False

    def median_ms(self) -> float | None:
        return 1000 * statistics.median(self.times) if self.times else None


@dataclass
class Row:
    label: str
    games: list[tuple[np.ndarray, np.ndarray]]
    cells: dict[str, Cell] = field(default_factory=dict)
    reference: str = ""


def game_sets(quick: bool) -> list[tuple[str, list[tuple[np.ndarray, np.ndarray]]]]:
    counts = (
        {2: 20, 3: 20, 4: 10, 6: 5, 8: 3, 10: 2}
        if quick
        else {2: 100, 3: 100, 4: 50, 6: 20, 8: 10, 10: 5}
    )
    sets = []
    for size, count in counts.items():
        rng = np.random.default_rng(1000 + size)
        sets.append(
            (
                f"{size}x{size} random",
                [(rng.random((size, size)), rng.random((size, size))) for _ in range(count)],
            )
        )
    for size, count in ((4, 10 if quick else 50), (6, 5 if quick else 20)):
        rng = np.random.default_rng(2000 + size)
        games = [
            (rng.integers(0, 4, (size, size)), rng.integers(0, 4, (size, size)))
            for _ in range(count)
        ]
        sets.append((f"{size}x{size} ties 0..3", games))
    return sets


def run(quick: bool, limit: float, repeats: int = 3, log=print) -> list[Row]:
    """Time every solver on every game, interleaved game by game.

    Interleaving spreads any load from other jobs evenly over the solvers; the fast
    (unguarded) solvers are timed ``repeats`` times per game and keep the minimum.
    """
    rows = []
    given_up: set[str] = set()  # random-float solvers skipped from some size on
    for label, games in game_sets(quick):
        row = Row(label, games)
        degenerate_set = "ties" in label
        row.cells = {name: Cell() for name in SOLVERS}
        for name, cell in row.cells.items():
            cell.skipped = name in given_up and not degenerate_set
        for A, B in games:
            for name, cell in row.cells.items():
                if cell.skipped:
                    continue
                out = timed_with_limit(name, A, B, limit)
                if out is None:
                    cell.skipped = True
                    cell.times.clear()
                    if not degenerate_set:
                        given_up.add(name)
                    continue
                seconds = out[0]
                if name not in GUARDED:
                    for _ in range(repeats - 1):
                        seconds = min(seconds, timed_with_limit(name, A, B, limit)[0])
                cell.times.append(seconds)
                cell.results.append(out[1])
        for name, cell in row.cells.items():
            shown = f"{cell.median_ms():.2f} ms" if cell.times else "-"
            skipped = f" (skipped: > {limit:g} s on a game)" if cell.skipped else ""
            log(f"  {label:18s} {name:16s} {shown}{skipped}")
        # agreement with the reference set
        ref_name = "gambit rational" if not row.cells["gambit rational"].skipped else "gambit float"
        row.reference = ref_name
        reference = row.cells[ref_name].results
        for name, cell in row.cells.items():
            if cell.skipped or name == ref_name:
                continue
            for theirs, ref in zip(cell.results, reference, strict=False):
                cell.compared += 1
                cell.agree += same_set(theirs, ref)
        rows.append(row)
    return rows


def table(rows: list[Row], limit: float) -> str:
    others = ["nashpy support", "nashpy vertex", "gambit float", "gambit rational"]
    head = (
        "| games | n | ours ms | "
        + " | ".join(f"{o} ms (×ours)" for o in others)
        + " | same set as reference: ours / nashpy support / nashpy vertex / gambit float |"
    )
    lines = [head, "|" + "---|" * (3 + len(others) + 1)]
    for row in rows:
        ours_ms = row.cells["ours"].median_ms()
        cols = [row.label, str(len(row.games)), f"{ours_ms:.2f}"]
        for o in others:
            cell = row.cells[o]
            if cell.skipped:
                cols.append(f"skipped (> {limit:g} s/game)")
            else:
                ms = cell.median_ms()
                ratio = ms / ours_ms
                cols.append(
                    f"{ms:.2f} (×{ratio:.2f})" if ratio < 10 else f"{ms:.0f} (×{ratio:.0f})"
                )
        agree = []
        for name in ["ours", "nashpy support", "nashpy vertex", "gambit float"]:
            cell = row.cells[name]
            if name == row.reference:
                agree.append("ref")
            elif cell.skipped:
                agree.append("–")
            else:
                agree.append(f"{cell.agree}/{cell.compared}")
        ref = "Gambit rational" if row.reference == "gambit rational" else "Gambit float"
        cols.append(" / ".join(agree) + f" (ref: {ref})")
        lines.append("| " + " | ".join(cols) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer games, lower time limit")
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds per game for slow solvers"
    )
    args = parser.parse_args(argv)
    limit = args.limit if args.limit is not None else (5.0 if args.quick else 20.0)
    start = time.perf_counter()
    rows = run(args.quick, limit, log=lambda s: print(s, file=sys.stderr, flush=True))
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, nashpy {nashpy.__version__}, "
        f"pygambit {gbt.__version__}; {platform.machine()}, {mp.cpu_count()} cores; "
        f"{'quick' if args.quick else 'full'} run, limit {limit:g} s/game, "
        f"{time.perf_counter() - start:.0f} s in all.\n"
    )
    print(table(rows, limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
