"""Wall time and peak memory of a command run in a fresh process (shared by the benchmarks).

The command runs under a fresh Python that reports the largest resident set size among its
own children (the command and any workers it waits for): the benchmark's own
``RUSAGE_CHILDREN`` would also hold the peak of every command it ran before.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

_SCRIPT = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
if done.returncode:
    sys.exit(done.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_measured(command: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``command``; return (wall seconds, peak resident MB, stderr). Exits on failure,
    with the command's stderr."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *command], capture_output=True, text=True,
                          env=None if env is None else dict(env))
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command[:2])} failed:\n{done.stderr}")
    return seconds, float(done.stdout.strip().splitlines()[-1]) / 1024, done.stderr
