"""Scale in the number of pre-talk moves: `negotiation run` on Madrid with K alternating moves.

The Madrid file's two moves (the US entity listing, China's probe) are repeated K / 2 times
each, alternating (listing_1, probe_1, listing_2, ...), with their numbers unchanged: 2^K talks
stages. Each variant is run as a user would, ``negotiation run FILE --no-figures --no-robustness
--out DIR`` (the solve alone; margins are skipped above six moves anyway),
in a fresh process; the wall time and the peak memory (``ru_maxrss`` of the child) are
reported, with the size of summary.json.

    python benchmarks/moves.py                 # K = 2, 4, ..., 12
    python benchmarks/moves.py --moves 10 12   # some of them
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

from negotiation.io.config import default_config_path, read_config


def variant(k: int) -> dict:
    """The Madrid config with ``k`` alternating copies of its two moves."""
    config = read_config(default_config_path())
    listing, probe = config["moves"]["entity_listing"], config["moves"]["anti_dumping_probe"]
    moves = {}
    for j in range(k):
        name, move = ("entity_listing", listing) if j % 2 == 0 else ("anti_dumping_probe", probe)
        moves[f"{name}_{j // 2 + 1}"] = move
    config["moves"] = moves
    config.pop("uncertainty", None)  # it names the original moves
    config["scenario"]["name"] = f"madrid_2025_{k}_moves"
    return config


def _magnitude(n: int) -> str:
    return str(n) if n < 10**6 else f"~10^{len(str(n)) - 1}"


def run(k: int, folder: Path) -> dict:
    path = folder / f"madrid_{k}_moves.toml"
    path.write_text(tomli_w.dumps(variant(k)), encoding="utf-8")
    out = folder / f"out_{k}"
    command = [str(Path(sys.executable).with_name("negotiation")), "run", str(path), "--no-figures",
               "--no-robustness", "--out", str(out)]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode:
        raise SystemExit(f"K={k}: negotiation run failed:\n{done.stderr}")
    summary = json.loads((out / "summary.json").read_text())
    return {
        "moves": k, "stages": 2**k, "seconds": round(seconds, 2),
        "peak_mb": round(max(peak, before) / 1024, 0) if peak > before else None,
        "summary_mb": round((out / "summary.json").stat().st_size / 1e6, 2),
        "equilibria": _magnitude(summary["equilibrium_count"]), "classes": len(summary["equilibrium_classes"]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, nargs="*", default=[2, 4, 6, 8, 10, 12])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        print("| moves | talks stages | wall time (s) | peak memory (MB) | summary.json (MB) | SPE | outcomes listed |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for k in args.moves:
            row = run(k, Path(tmp))
            print(f"| {row['moves']} | {row['stages']} | {row['seconds']} | {row['peak_mb']} | {row['summary_mb']} "
                  f"| {row['equilibria']} | {row['classes']} |", flush=True)


if __name__ == "__main__":
    main()
