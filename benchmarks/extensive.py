"""Benchmark: general extensive games (issue 11), ours against pygambit in one run.

Rows: the 24 two-player perfect-recall games of pygambit 17's catalog (Lemke on the sequence
form against Gambit's ``lcp_solve``, rational; the agent logit-QRE limit against Gambit's
``logit_solve``), and random games with private types of growing size (each player dealt one of
two types, then alternating public moves; ``tests/test_sequence_form.private_types_game``).
Every answer of ours is verified (max regret exactly 0 for Lemke; at most 1e-8 for the QRE
limit); wall seconds of this process, best of ``REPEATS``. Then random games of growing size
(``GROWING``): our float Lemke path (``arithmetic="float"``) against Gambit's ``lcp_solve`` in
floats and in rationals, every answer checked (ours by its regret in the tree, in floats and
exactly; Gambit's by its agent regret), best of ``REPEATS`` below 100 information sets, one run
above.

Run from the repository root::

    python benchmarks/extensive.py            # everything
    python benchmarks/extensive.py growing    # only the games of growing size
    python benchmarks/extensive.py growing 4  # only row 4 of GROWING
"""

from __future__ import annotations

import io
import multiprocessing
import platform
import sys
import time
from fractions import Fraction
from pathlib import Path

import pygambit as gbt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from negotiation.io.efg import (
    read_efg,  # noqa: E402
    write_efg,  # noqa: E402
)
from negotiation.io.efg_tree import efg_game_tree, game_tree_efg  # noqa: E402
from negotiation.solvers.agent_qre import agent_logit_qre  # noqa: E402
from negotiation.solvers.sequence_form import behaviour_regrets, sequence_form  # noqa: E402
from negotiation.solvers.sequence_lemke import payoff_range, sequence_form_equilibrium  # noqa: E402
from tests.test_sequence_form import PERFECT, private_types_game  # noqa: E402

REPEATS = 3


def best(function, *args) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


#: Random games of growing size: (seed, types, depth) of ``private_types_game``. The seed of
#: the 189-set game is one whose Lemke path is short (most games with depth 6 or 7 take tens
#: of thousands of pivots; see benchmarks/README.md); the 300-set game is shallow and wide
#: (100 types each, two moves).
GROWING = ((7, 2, 3), (7, 2, 4), (7, 3, 5), (20, 3, 6), (0, 100, 2))
#: Seconds after which a Gambit run is stopped (reported as "> limit").
GAMBIT_LIMIT = 300.0


def _gambit_lcp(text: str, rational: bool, queue) -> None:  # in a child process
    G = gbt.read_efg(io.StringIO(text))
    start = time.perf_counter()
    eq = gbt.nash.lcp_solve(G, rational=rational).equilibrium
    seconds = time.perf_counter() - start
    queue.put((seconds, float(eq.agent_max_regret())))


def gambit_seconds(text: str, rational: bool, repeats: int) -> str:
    """Best of ``repeats`` runs of Gambit's lcp_solve, each in a child process stopped after
    GAMBIT_LIMIT seconds; its answer checked by Gambit's agent regret."""
    context = multiprocessing.get_context("fork")
    times = []
    for _ in range(repeats):
        queue = context.Queue()
        process = context.Process(target=_gambit_lcp, args=(text, rational, queue))
        process.start()
        process.join(GAMBIT_LIMIT)
        if process.is_alive():
            process.terminate()
            process.join()
            return f"> {GAMBIT_LIMIT:.0f}"
        seconds, regret = queue.get()
        assert regret <= 1e-6, regret
        times.append(seconds)
    return f"{min(times):.3f}"


def growing(rows: tuple[int, ...] | None = None) -> None:
    """Ours in floats (verified: float regret <= 1e-9 x payoff range in the tree, and the same
    profile's regret in exact arithmetic) against Gambit's lcp_solve, rational and float."""
    print()
    print("| random game (seed, types, depth) | information sets | pivots | ours: float Lemke, verified | "
          "Gambit lcp_solve (float) | Gambit lcp_solve (rational) |")
    print("|---|---|---|---|---|---|")
    for seed, types, depth in (GROWING if rows is None else [GROWING[i] for i in rows]):
        tree = private_types_game(seed=seed, types=types, depth=depth)
        sets = sum(len(tree.player_infosets(p)) for p in (0, 1))
        repeats = REPEATS if sets < 100 else 1
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            eq = sequence_form_equilibrium(tree, arithmetic="float")
            times.append(time.perf_counter() - start)
        tol = 1e-9 * payoff_range(tree)
        assert eq.arithmetic == "float" and eq.max_regret <= tol
        behaviour = tuple(tuple(tuple(Fraction(p) for p in probs) for probs in player) for player in eq.strategies)
        assert max(behaviour_regrets(sequence_form(tree), behaviour)[1]) <= Fraction(tol)
        text = write_efg(game_tree_efg(tree, title="random"))
        print(f"| ({seed}, {types}, {depth}) | {sets} | {eq.pivots} | {min(times):.3f} | "
              f"{gambit_seconds(text, False, repeats)} | {gambit_seconds(text, True, repeats)} |", flush=True)


def main() -> int:
    if sys.argv[1:2] == ["growing"]:  # optionally followed by row numbers of GROWING
        print(f"# {platform.machine()}, Python {platform.python_version()}, pygambit {gbt.__version__}")
        growing(tuple(int(a) for a in sys.argv[2:]) or None)
        return 0
    print(f"# {platform.machine()}, Python {platform.python_version()}, pygambit {gbt.__version__}")
    print("| games | ours: Lemke (sequence form, exact) | Gambit lcp_solve (rational) | ours: agent QRE limit | Gambit logit_solve |")
    print("|---|---|---|---|---|")
    ours_l = theirs_l = ours_q = theirs_q = 0.0
    for name in PERFECT:
        game = gbt.catalog.load(name)
        text = game.to_efg()
        G = gbt.read_efg(io.StringIO(text))
        tree = efg_game_tree(read_efg(text, source=name))
        eq = sequence_form_equilibrium(tree)
        assert eq.max_regret == 0
        assert agent_logit_qre(tree).max_regret <= 1e-8
        ours_l += best(sequence_form_equilibrium, tree)
        theirs_l += best(gbt.nash.lcp_solve, G, True)
        ours_q += best(agent_logit_qre, tree)
        theirs_q += best(gbt.nash.logit_solve, G)
    print(f"| the {len(PERFECT)} catalog games, total s | {ours_l:.3f} | {theirs_l:.3f} | {ours_q:.3f} | {theirs_q:.3f} |")
    for depth in (2, 3, 4):
        tree = private_types_game(seed=7, depth=depth)
        sets = sum(len(tree.player_infosets(p)) for p in (0, 1))
        G = gbt.read_efg(io.StringIO(write_efg(game_tree_efg(tree, title="random"))))
        assert sequence_form_equilibrium(tree).max_regret == 0
        row = [best(sequence_form_equilibrium, tree), best(gbt.nash.lcp_solve, G, True),
               best(agent_logit_qre, tree), best(gbt.nash.logit_solve, G)]
        print(f"| random, two types each, depth {depth} ({sets} information sets), s | "
              + " | ".join(f"{t:.3f}" for t in row) + " |")
    growing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
