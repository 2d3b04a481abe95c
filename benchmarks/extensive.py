"""Benchmark: general extensive games (issue 11), ours against pygambit in one run.

Rows: the 24 two-player perfect-recall games of pygambit 17's catalog (Lemke on the sequence
form against Gambit's ``lcp_solve``, rational; the agent logit-QRE limit against Gambit's
``logit_solve``), and random games with private types of growing size (each player dealt one of
two types, then alternating public moves; ``tests/test_sequence_form.private_types_game``).
Every answer of ours is verified (max regret exactly 0 for Lemke; at most 1e-8 for the QRE
limit); wall seconds of this process, best of ``REPEATS``.

Run from the repository root::

    python benchmarks/extensive.py
"""

from __future__ import annotations

import io
import platform
import sys
import time
from pathlib import Path

import pygambit as gbt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from negotiation.io.efg import (
    read_efg,  # noqa: E402
    write_efg,  # noqa: E402
)
from negotiation.io.efg_tree import efg_game_tree, game_tree_efg  # noqa: E402
from negotiation.solvers.agent_qre import agent_logit_qre  # noqa: E402
from negotiation.solvers.sequence_lemke import sequence_form_equilibrium  # noqa: E402
from tests.test_sequence_form import PERFECT, private_types_game  # noqa: E402

REPEATS = 3


def best(function, *args) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
