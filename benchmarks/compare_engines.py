"""Compare two versions of the engine in one run: this tree against another commit.

Usage (from the repository root)::

    .venv/bin/python benchmarks/compare_engines.py --base REV [--repeats 2] [--quick]
        [--only NAME,NAME]

``REV`` is checked out into a temporary git worktree; every configuration then runs in a
fresh process per version, alternating (A B A B …, A = this tree, B = ``REV``), with
``benchmarks/timed_run.py``. For each configuration it prints both versions' median
wall time with min–max over the repeats, the ratio B / A (median, min–max of the paired
ratios), the first call of each version (compilation included) and peak memory.

Configurations (``--quick`` cuts paths by 10):

* ``mc-baseline-all``, ``mc-refuted-all``: ``bubblescope.simulate`` of ai-2025, 10,000
  paths, 97 quarters, every mechanism on (``all_mechanisms_on``);
* ``mc-baseline``: the same with the Monte Carlo defaults;
* ``engine-60``, ``engine-600``, ``engine-6000``: the engine alone on synthetic networks
  of 60, 600 and 6,000 entities (10,000, 1,000 and 100 shocked paths).

The growth exponent of run time in network size (per path) is printed for both versions
from the three synthetic runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "timed_run.py"

CONFIGS = {
    "mc-baseline-all": ["montecarlo", "--scenario", "baseline", "--paths", "10000",
                        "--mechanisms", "all"],
    "mc-refuted-all": ["montecarlo", "--scenario", "refuted", "--paths", "10000",
                       "--mechanisms", "all"],
    "mc-baseline": ["montecarlo", "--scenario", "baseline", "--paths", "10000"],
    "engine-60": ["engine", "--network", "synthetic:60", "--paths", "10000"],
    "engine-600": ["engine", "--network", "synthetic:600", "--paths", "1000"],
    "engine-6000": ["engine", "--network", "synthetic:6000", "--paths", "100"],
}


def _quick(args: list[str]) -> list[str]:
    out = list(args)
    i = out.index("--paths")
    out[i + 1] = str(max(int(out[i + 1]) // 10, 10))
    return out


def run(src: Path, args: list[str]) -> dict:
    """One timed run of the worker with ``src`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, str(WORKER), *args], env=env, check=True,
                         capture_output=True, text=True, cwd=src.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):8.2f} ({min(xs):.2f}–{max(xs):.2f})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="commit of the engine to compare with")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    names = [n for n in a.only.split(",") if n] or list(CONFIGS)
    with tempfile.TemporaryDirectory(prefix="bubblescope-base-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        a.base], check=True, capture_output=True)
        try:
            results = compare(names, a, ROOT / "src", base / "src")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(base)], check=False, capture_output=True)
    exponents(results)


def compare(names: list[str], a: argparse.Namespace, src_a: Path, src_b: Path) -> dict:
    print(f"A = this tree, B = {a.base}; {a.repeats} repeats, alternating A B; seconds "
          "median (min–max)")
    results = {}
    for name in names:
        args = _quick(CONFIGS[name]) if a.quick else CONFIGS[name]
        runs: dict[str, list[dict]] = {"A": [], "B": []}
        for _ in range(a.repeats):
            runs["A"].append(run(src_a, args))
            runs["B"].append(run(src_b, args))
        ta = [r["seconds"] for r in runs["A"]]
        tb = [r["seconds"] for r in runs["B"]]
        ratios = [b / x for b, x in zip(tb, ta, strict=True)]
        results[name] = (ta, tb)
        print(f"{name:16s} A {spread(ta)}  B {spread(tb)}  B/A {statistics.median(ratios):6.2f}"
              f" ({min(ratios):.2f}–{max(ratios):.2f})  first call A "
              f"{statistics.median(r['first_call'] for r in runs['A']):.1f} s, B "
              f"{statistics.median(r['first_call'] for r in runs['B']):.1f} s  peak RSS A "
              f"{max(r['peak_rss_gb'] for r in runs['A']):.2f} GB, B "
              f"{max(r['peak_rss_gb'] for r in runs['B']):.2f} GB", flush=True)
    return results


def exponents(results: dict) -> None:
    """Slope of log(seconds per path) against log(entities) over the synthetic runs."""
    sizes = {"engine-60": (60, 10000), "engine-600": (600, 1000), "engine-6000": (6000, 100)}
    have = [n for n in sizes if n in results]
    if len(have) < 2:
        return
    for side, k in (("A", 0), ("B", 1)):
        xs = [math.log(sizes[n][0]) for n in have]
        ys = [math.log(statistics.median(results[n][k]) / sizes[n][1]) for n in have]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
                 / sum((x - mx) ** 2 for x in xs))
        print(f"growth exponent of time per path in network size, {side}: {slope:.2f}")


if __name__ == "__main__":
    main()
