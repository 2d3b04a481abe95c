"""Scale in the number of pre-talk moves: `negotiation run` on Madrid with K alternating moves.

The Madrid file's (as frozen at 6e44c2f, ``tests/golden/scenarios``) two moves (the US entity listing, China's probe) are repeated K / 2 times
each, alternating (listing_1, probe_1, listing_2, ...), with their numbers unchanged: 2^K talks
stages. Each variant is run as a user would, ``negotiation run FILE --no-figures --no-robustness
--out DIR`` (the solve alone; margins are skipped above six moves anyway),
in a fresh process; the wall time and the peak memory (:mod:`peak`) are
reported, with the size of summary.json.

    python benchmarks/moves.py                 # K = 2, 4, ..., 12
    python benchmarks/moves.py --moves 10 12   # some of them
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import tomli_w
from peak import run_measured

from negotiation.io.config import read_config

#: The Madrid scenario as frozen at 6e44c2f (several equilibria in its talks stages, so that
#: the equilibrium sets grow with K), kept fixed so that the numbers compare across versions.
MADRID = Path(__file__).resolve().parents[1] / "tests" / "golden" / "scenarios" / "madrid_2025.toml"


def variant(k: int) -> dict:
    """The Madrid config with ``k`` alternating copies of its two moves."""
    config = read_config(MADRID)
    listing, probe = config["moves"]["entity_listing"], config["moves"]["anti_dumping_probe"]
    moves = {}
    for j in range(k):
        name, move = ("entity_listing", listing) if j % 2 == 0 else ("anti_dumping_probe", probe)
        moves[f"{name}_{j // 2 + 1}"] = move
    config["moves"] = moves
    config.pop("uncertainty", None)  # it names the original moves
    # each copy of a move keeps the sources of its numbers, under its new key path
    sources = {}
    for key_path, source in config.get("sources", {}).items():
        original = next((name for name in ("entity_listing", "anti_dumping_probe")
                         if key_path.startswith(f"moves.{name}.")), None)
        if original is None:
            sources[key_path] = source
            continue
        for copy in (name for name in moves if name.rsplit("_", 1)[0] == original):
            sources[f"moves.{copy}.{key_path[len(f'moves.{original}.'):]}"] = source
    config["sources"] = sources
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
    seconds, peak, _ = run_measured(command, env={**os.environ, "MPLBACKEND": "Agg"})
    summary = json.loads((out / "summary.json").read_text())
    return {
        "moves": k, "stages": 2**k, "seconds": round(seconds, 2),
        "peak_mb": round(peak),
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
