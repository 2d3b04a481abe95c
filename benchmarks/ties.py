"""Benchmark: a scenario whose every talks stage is degenerate (ties) against Madrid.

Question (issue 14): does a scenario with ties sweep at batch speed? Its stages tie because,
against an escalation, each side's "hold" and "escalate" lead to the same outcome
(``tests/data/ties_stance.toml``). Rows:

* ``negotiation sweep`` of 400 grid points (20 x 20 over both sides' deadlock values), wall
  seconds in a fresh process (start-up included), the tie scenario against Madrid;
* the library (:func:`negotiation.study.points.solve_points`) on 10,000 grid points, CPU
  seconds, both scenarios, and the tie scenario with the batched vertex enumeration switched
  off (every degenerate stage through the exact one-game solver: the path before issue 14);
* a loop solving the tie scenario's stage games one by one with pygambit's ``enummixed_solve``
  (float), extrapolated from 200 points: the same enumeration work, without selection.

Every row of the tie sweep is checked against its single run on a subsample.

Run from the repository root::

    python benchmarks/ties.py
"""

from __future__ import annotations

import itertools
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pygambit as gbt

from negotiation.io.config import read_config
from negotiation.model.compile import histories, talks_payoffs
from negotiation.study.points import solve_points

ROOT = Path(__file__).resolve().parents[1]
TIES = ROOT / "tests" / "data" / "ties_stance.toml"
#: Madrid as frozen at 6e44c2f (deadlock set per side), of which the tie scenario is a variant.
MADRID = ROOT / "tests" / "golden" / "scenarios" / "madrid_2025.toml"
KEYS = ("sides.us.outcomes.deadlock", "sides.china.outcomes.deadlock")


def grid(side: int) -> dict[str, np.ndarray]:
    values = list(itertools.product(np.linspace(0.55, 0.70, side), np.linspace(0.50, 0.65, side)))
    return {KEYS[0]: np.array([v[0] for v in values]), KEYS[1]: np.array([v[1] for v in values])}


def cli_seconds(config: str, side: int) -> float:
    exe = Path(sys.executable).with_name("negotiation")
    params = [f"{KEYS[0]}=0.55:0.70:{side}", f"{KEYS[1]}=0.50:0.65:{side}"]
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        subprocess.run([str(exe), "sweep", config, *[a for p in params for a in ("--param", p)], "--workers", "1",
                        "--quiet", "--no-figures", "--out", str(Path(folder) / "s")], check=True)
        return time.perf_counter() - start


def library_seconds(config: dict, points: dict[str, np.ndarray], source: str) -> tuple[float, object]:
    start = time.process_time()
    rows = solve_points(config, points, source=source)
    return time.process_time() - start, rows


def gambit_loop_seconds(config: dict, points: dict[str, np.ndarray], n: int) -> float:
    from negotiation.io.config import scenario_points

    scenario = scenario_points(config, {k: v[:n] for k, v in points.items()}, source=str(TIES)).scenario
    payoffs, _ = talks_payoffs(scenario, histories(scenario))  # (N, L, m, n, 2)
    games = [(payoffs[i, h, ..., 0], payoffs[i, h, ..., 1]) for i in range(n) for h in range(payoffs.shape[1])]
    start = time.process_time()
    for A, B in games:
        gbt.nash.enummixed_solve(gbt.StrategicGame.from_arrays(A, B), rational=False)
    return time.process_time() - start


def main() -> int:
    from negotiation.solvers import vertices

    madrid = read_config(MADRID)
    ties = read_config(TIES)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| row | Madrid | all stages degenerate | ratio |")
    print("|---|---|---|---|")
    cli = [min(cli_seconds(c, 20) for _ in range(3)) for c in (str(MADRID), str(TIES))]
    print(f"| `negotiation sweep`, 400 points, wall s (best of 3) | {cli[0]:.2f} | {cli[1]:.2f} | {cli[1] / cli[0]:.2f} |")
    points = grid(100)
    lib_m, _ = library_seconds(madrid, points, "madrid_2025.toml")
    lib_t, rows = library_seconds(ties, points, str(TIES))
    print(f"| library, 10,000 points, CPU s | {lib_m:.2f} | {lib_t:.2f} | {lib_t / lib_m:.2f} |")
    assert (rows["status"] == "degenerate").all() and not rows["exact_fallback"].any()
    saved = vertices.MAX_ACTIONS
    vertices.MAX_ACTIONS = 0  # the path before issue 14: every degenerate stage one by one
    try:
        small = {k: v[::10] for k, v in points.items()}
        old, old_rows = library_seconds(ties, small, str(TIES))
    finally:
        vertices.MAX_ACTIONS = saved
    assert old_rows["exact_fallback"].all()
    same = rows.iloc[::10].reset_index(drop=True)
    old_rows = old_rows.reset_index(drop=True)
    for column in ("equilibrium_path", "talks_outcome", "status"):
        assert same[column].equals(old_rows[column]), f"batched and one-game rows differ in {column}"
    for column in ("payoff_us", "payoff_china", "p_truce"):  # equal up to round-off
        assert np.allclose(same[column], old_rows[column], rtol=0, atol=1e-12), f"{column} differs"
    print(f"| tie scenario, one-game path (before), 10,000 points extrapolated from 1,000, CPU s | | "
          f"{old * 10:.2f} | {old * 10 / lib_t:.1f}x slower than batched |")
    gambit = gambit_loop_seconds(ties, points, 200)
    print(f"| pygambit `enummixed_solve` loop over the tie stages (4 a point), 10,000 points extrapolated "
          f"from 200, CPU s | | {gambit * 50:.1f} | ours {gambit * 50 / lib_t:.0f}x faster |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
