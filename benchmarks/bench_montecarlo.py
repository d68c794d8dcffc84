"""Monte Carlo benchmarks: all presets, Dask vs serial, and a 100,000-path run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_montecarlo.py presets [--paths 2000] [--runner processes]
    .venv/bin/python benchmarks/bench_montecarlo.py dask [--paths 2000] [--chunk-size 250]
    .venv/bin/python benchmarks/bench_montecarlo.py big [--paths 100000] [--scenario slow]
    .venv/bin/python benchmarks/bench_montecarlo.py all

Goals on the 2-core reference machine: every preset × 2,000 paths × 97 quarters within
3 minutes; Dask (2 workers) and serial bit-identical; 100,000 paths under 4 GB peak.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

import bubblescope
from bubblescope.montecarlo import make_runner, simulate
from bubblescope.scenarios import preset_names


def _same(a, b) -> bool:
    da, db = a.data, b.data
    arrays = ("default_quarter", "credit_loss", "equity_loss", "loss_caused",
              "structure_failure")
    return (all(np.array_equal(getattr(da, n), getattr(db, n)) for n in arrays)
            and all(np.array_equal(da.prices[k], db.prices[k]) for k in da.prices))


def bench_presets(paths: int, runner: str, chunk: int | None, horizon: str) -> float:
    net = bubblescope.load_network("ai-2025")
    total = 0.0
    print(f"presets: {paths:,} paths each, to {horizon}, runner {runner}, "
          f"{os.cpu_count()} cores")
    t0 = time.perf_counter()
    with make_runner(runner) as pool:            # one pool serves every preset
        for name in preset_names():
            t = time.perf_counter()
            mc = simulate(net, name, paths=paths, seed=1, runner=pool, horizon=horizon,
                          chunk_size=chunk, progress=False)
            dt = time.perf_counter() - t
            total += dt
            pd_ = mc.default_probability()["default_probability"]
            print(f"  {name:18s} {dt:7.1f} s   {mc.meta['chunks']} chunks   "
                  f"mean PD {pd_.mean():.3f}")
    wall = time.perf_counter() - t0
    print(f"  total              {total:7.1f} s  ({wall:.1f} s with starting the workers; "
          "goal <= 180 s)")
    return total


def bench_dask(paths: int, chunk: int, scenario: str, horizon: str) -> None:
    from distributed import Client, LocalCluster

    net = bubblescope.load_network("ai-2025")
    n = -(-paths // chunk)
    print(f"dask vs serial: {scenario}, {paths:,} paths in {n} chunks of {chunk}, to {horizon}")
    t = time.perf_counter()
    ser = simulate(net, scenario, paths=paths, seed=7, horizon=horizon, chunk_size=chunk,
                   progress=False)
    t_ser = time.perf_counter() - t
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("bubblescope.montecarlo"))     # warm the workers
        t = time.perf_counter()
        dsk = simulate(net, scenario, paths=paths, seed=7, runner="dask", scheduler=client,
                       horizon=horizon, chunk_size=chunk, progress=False)
        t_dask = time.perf_counter() - t
    print(f"  serial {t_ser:.1f} s, dask (2 workers) {t_dask:.1f} s, "
          f"speed-up {t_ser / t_dask:.2f}x, identical: {_same(ser, dsk)}")


def bench_big(paths: int, scenario: str, runner: str, chunk: int | None, horizon: str,
              trace: bool) -> None:
    net = bubblescope.load_network("ai-2025")
    print(f"big: {scenario}, {paths:,} paths, to {horizon}, runner {runner}")
    if trace:
        tracemalloc.start()
    t = time.perf_counter()
    mc = simulate(net, scenario, paths=paths, seed=3, runner=runner, horizon=horizon,
                  chunk_size=chunk, progress=False)
    dt = time.perf_counter() - t
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    tables = mc.to_dict()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6      # kB -> GB
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    held = sum(a.nbytes for a in (mc.data.default_quarter, mc.data.credit_loss,
                                  mc.data.equity_loss, mc.data.loss_caused,
                                  mc.data.structure_failure, *mc.data.prices.values()))
    print(f"  {dt:.1f} s ({paths * len(mc.quarters) / dt:,.0f} path-quarters/s), "
          f"{len(tables['entities'])} entities reported")
    print(f"  per-path data held {held / 1e9:.2f} GB; peak RSS this process {own:.2f} GB, "
          f"largest worker {kids:.2f} GB"
          + (f"; peak traced {traced / 1e9:.2f} GB" if traced is not None else "")
          + " (goal < 4 GB)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("part", nargs="?", default="all", choices=["presets", "dask", "big", "all"])
    ap.add_argument("--paths", type=int, default=None)
    ap.add_argument("--runner", default="processes")
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--scenario", default="slow")
    ap.add_argument("--horizon", default="2049Q4")
    ap.add_argument("--trace", action="store_true", help="tracemalloc in the big run")
    a = ap.parse_args(argv)
    if a.part in ("presets", "all"):
        bench_presets(a.paths or 2000, a.runner, a.chunk_size, a.horizon)
    if a.part in ("dask", "all"):
        bench_dask(a.paths or 2000, a.chunk_size or 250, a.scenario, a.horizon)
    if a.part in ("big", "all"):
        bench_big(a.paths or 100_000, a.scenario, a.runner, a.chunk_size, a.horizon,
                  a.trace)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
