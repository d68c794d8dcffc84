"""Benchmark the simulation engine: ai-2025 (or a synthetic network of similar size),
2025Q4–2049Q4 (97 quarters), 10,000 paths.

Run: ``.venv/bin/python benchmarks/bench_engine.py [--paths 10000] [--reference-paths 2]
[--mechanisms off|on|both]``

``--mechanisms on`` runs with every implemented part-2 mechanism switched on
(``bubblescope.testing.engine_strategies.all_mechanisms_on``); ``both`` runs part 1's
settings and then everything on, and prints the ratio of the two times.

Prints wall time, paths × quarters per second, peak memory (tracemalloc for NumPy
allocations, and the process's peak resident set size) and the speed-up over the plain
reference loop. The reference is timed on a few paths only and extrapolated linearly to
the full path count (it runs one path at a time, so its cost is linear in paths).
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from bubblescope.engine import FactorPaths, compile_network, simulate_paths
from bubblescope.model.network import Network
from bubblescope.testing.reference import simulate_reference

GOAL_SECONDS = 60.0
GOAL_GB = 4.0


def synthetic_network(n_entities: int = 60, n_contracts: int = 100, seed: int = 0) -> Network:
    """A random network about the size of ai-2025 (used if the bundled one is absent)."""
    rng = np.random.default_rng(seed)
    kinds = ["hyperscaler", "ai_lab", "neocloud", "spv", "private_credit_fund", "bank",
             "pension_fund", "chip_vendor"]
    ents = [{"id": f"e{i}", "name": f"E{i}", "kind": kinds[i % len(kinds)],
             "source": ["S1-13"], "cash": float(rng.uniform(0, 50)),
             "other_assets": float(rng.uniform(0, 100)), "debt": float(rng.uniform(0, 20)),
             "revenue": float(rng.uniform(0, 80)), "operating_costs": float(rng.uniform(0, 60))}
            for i in range(n_entities)]
    cons = []
    for k in range(n_contracts):
        a, b = (f"e{i}" for i in rng.choice(n_entities, 2, replace=False))
        amount = float(rng.uniform(1, 30))
        kind = ["loan", "bond", "lease", "compute_contract", "chip_purchase"][k % 5]
        base = {"id": f"c{k}", "kind": kind, "amount": amount, "start": "2025-10-01",
                "end": f"{2027 + k % 15}-01-01", "source": ["S1-08"]}
        if kind == "loan":
            base |= {"lender": a, "borrower": b, "rate": 0.08, "amortisation": "linear"}
        elif kind == "bond":
            base |= {"issuer": a, "rate": 0.06, "holders": [{"holder": b, "amount": amount}]}
        elif kind == "lease":
            base |= {"lessor": a, "lessee": b, "annual_rent": amount / 5}
        elif kind == "compute_contract":
            base |= {"buyer": a, "seller": b, "take_or_pay_share": 0.7}
        else:
            base |= {"buyer": a, "vendor": b}
        cons.append(base)
    return Network.model_validate({"name": "synthetic", "as_of": "2025-12-31",
                                   "entities": ents, "contracts": cons})


def load() -> tuple[str, Network]:
    try:
        from bubblescope.io import load_network

        return "ai-2025", load_network("ai-2025")
    except Exception as exc:  # pragma: no cover - depends on the bundled data
        print(f"ai-2025 not available ({exc}); using a synthetic network")
        return "synthetic", synthetic_network()


def shocked_factors(paths: int, quarters: int, seed: int = 1) -> FactorPaths:
    """Baseline with a random AI-demand level and equity-window closure per path, so that
    the default machinery is exercised."""
    rng = np.random.default_rng(seed)
    f = FactorPaths.baseline(paths, quarters)
    level = rng.uniform(0.2, 1.2, size=(paths, 1))
    shut = rng.random((paths, quarters)) < 0.1
    return FactorPaths(ai_demand=f.ai_demand * level, gpu_rental_price=f.gpu_rental_price,
                       gpu_resale=f.gpu_resale, base_rate=f.base_rate,
                       credit_spread=f.credit_spread,
                       equity_window=np.where(shut, 0.0, f.equity_window),
                       power_availability=f.power_availability, chip_delay=f.chip_delay)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--reference-paths", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=2000)
    ap.add_argument("--mechanisms", choices=("off", "on", "both"), default="off")
    args = ap.parse_args()

    name, net = load()
    modes = {"off": ["off"], "on": ["on"], "both": ["off", "on"]}[args.mechanisms]
    times = {}
    for mode in modes:
        times[mode] = run(name, net, args, mode)
    if len(times) == 2:
        print(f"everything on / part 1: {times['on'] / times['off']:.2f}× the time")


def run(name: str, net: Network, args: argparse.Namespace, mode: str) -> float:
    from bubblescope.engine import EngineParams
    from bubblescope.testing.engine_strategies import all_mechanisms_on

    params = all_mechanisms_on() if mode == "on" else EngineParams()
    compiled = compile_network(net, "2049Q4", params)
    T = compiled.n_quarters
    print(f"[mechanisms {mode}] network {name}: {compiled.n_entities} entities, "
          f"{len(net.contracts)} contracts → {compiled.n_debt} debt instruments, "
          f"{compiled.n_trade} trade obligations; "
          f"{T} quarters ({compiled.quarters[0]}..{compiled.quarters[-1]})")
    factors = shocked_factors(args.paths, T)

    tracemalloc.start()
    t0 = time.perf_counter()
    res = simulate_paths(compiled, factors, keep_paths=False, chunk_size=args.chunk_size)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KiB → GB on Linux
    rate = args.paths * T / elapsed
    print(f"engine: {args.paths} paths in {elapsed:.1f} s = {rate:,.0f} path-quarters/s; "
          f"peak traced {peak / 1e9:.2f} GB, peak RSS {rss_gb:.2f} GB")
    print(f"  default probability > 0 for {int((res.default_probability() > 0).sum())} "
          f"entities")

    if args.reference_paths < 1:
        return elapsed
    small = factors.slice(slice(0, args.reference_paths))
    t0 = time.perf_counter()
    simulate_reference(compiled, small)
    ref = (time.perf_counter() - t0) / args.reference_paths
    t0 = time.perf_counter()
    simulate_paths(compiled, small)
    eng_small = (time.perf_counter() - t0) / args.reference_paths
    print(f"reference loop: {ref:.2f} s per path (timed on {args.reference_paths} paths); "
          f"extrapolated to {args.paths} paths: {ref * args.paths:,.0f} s → the vectorised "
          f"engine is {ref * args.paths / elapsed:,.0f}× faster "
          f"(engine on the same {args.reference_paths} paths: {eng_small:.3f} s per path)")
    ok = elapsed <= GOAL_SECONDS and max(peak / 1e9, rss_gb) <= GOAL_GB
    print(f"goal ≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_GB:.0f} GB: {'met' if ok else 'NOT met'}")
    return elapsed


if __name__ == "__main__":
    main()
