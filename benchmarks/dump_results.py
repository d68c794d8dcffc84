"""Run every preset scenario on ai-2025 and save what a Monte Carlo run reports.

Written to work with any commit of bubblescope that has ``bubblescope.simulate`` and
``MonteCarloResults.tables()``, so that ``compare_results.py`` can run it in two source
trees and compare the outputs.

Usage: ``python benchmarks/dump_results.py OUT_DIR [--paths 2000] [--seed 0]
[--scenarios a,b]``. Writes ``OUT_DIR/<scenario>.npz`` (the per-path arrays) and
``OUT_DIR/<scenario>.<table>.parquet`` (every reported table), and prints the seconds each
scenario took.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import bubblescope
from bubblescope.scenarios import preset_names

#: per-path arrays of a Monte Carlo result that are compared one by one
ARRAYS = ("default_quarter", "credit_loss", "equity_loss", "loss_caused", "structure_failure",
          "bond_price", "gpu_price", "gpu_price_without", "loss_total", "loss_total_without",
          "defaults", "defaults_without", "contract_loss", "lease_exit")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--paths", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scenarios", default="")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    net = bubblescope.load_network("ai-2025")
    names = [s for s in a.scenarios.split(",") if s] or preset_names()
    for name in names:
        t0 = time.perf_counter()
        mc = bubblescope.simulate(net, name, paths=a.paths, seed=a.seed, progress=False)
        took = time.perf_counter() - t0
        arrays = {k: np.asarray(getattr(mc.data, k)) for k in ARRAYS
                  if getattr(mc.data, k, None) is not None}
        for k, v in mc.data.prices.items():
            arrays[f"prices.{k}"] = np.asarray(v)
        for k, v in (mc.data.entity_sum or {}).items():
            arrays[f"entity_sum.{k}"] = np.asarray(v)
        np.savez_compressed(a.out / f"{name}.npz", **arrays)
        for stem, df in mc.tables().items():
            df.to_parquet(a.out / f"{name}.{stem}.parquet", index=False)
        print(f"{name} {took:.2f}", flush=True)


if __name__ == "__main__":
    main()
