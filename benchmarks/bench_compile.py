"""How long the engine takes to compile, and to load once compiled.

Runs ``simulate_paths`` on ai-2025 (4 paths, 97 quarters) three times in fresh processes
sharing one new, empty ``NUMBA_CACHE_DIR``: the first process compiles every stage and
writes the cache, the next two load it. Each process also times a second call (everything
already in memory). Prints seconds.

Usage: ``python benchmarks/bench_compile.py``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CHILD = """
import json, time
from bubblescope.io import load_network
from bubblescope.engine import FactorPaths, simulate_paths
net = load_network("ai-2025")
f = FactorPaths.baseline(4, 97)
t0 = time.perf_counter(); simulate_paths(net, f, horizon="2049Q4")
t1 = time.perf_counter(); simulate_paths(net, f, horizon="2049Q4")
t2 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "second": t2 - t1}))
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bubblescope-numba-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold (compiles)", "cached", "cached"):
            out = subprocess.run([sys.executable, "-c", CHILD], env=env, check=True,
                                 capture_output=True, text=True).stdout
            t = json.loads(out.strip().splitlines()[-1])
            print(f"{label:16s} first call {t['first']:7.2f} s   second call "
                  f"{t['second']:6.3f} s")


if __name__ == "__main__":
    main()
