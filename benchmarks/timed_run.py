"""One timed run, printed as a JSON line: the worker that ``compare_engines.py`` starts in
each source tree (it only uses APIs every engine version has).

Usage: ``python benchmarks/timed_run.py KIND [options]`` with KIND one of

* ``montecarlo`` — ``bubblescope.simulate(ai-2025, SCENARIO, paths=P, seed=S)``, the
  whole Monte Carlo run (factor paths, engine, per-path results);
* ``engine`` — the engine alone on ``--network`` (``ai-2025`` or ``synthetic:N``) and
  ``--paths`` shocked baseline paths, ``keep_paths=False``;

``--mechanisms all`` switches every engine mechanism on
(``bubblescope.testing.engine_strategies.all_mechanisms_on``). Prints wall seconds of the
timed call, the first call's seconds (compilation included, for compiled engines), and
peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _params(mechanisms: str):  # type: ignore[no-untyped-def]
    if mechanisms != "all":
        return None
    from bubblescope.testing.engine_strategies import all_mechanisms_on

    return all_mechanisms_on()


def _network(name: str):  # type: ignore[no-untyped-def]
    if name.startswith("synthetic:"):
        from bench_engine import synthetic_network

        n = int(name.split(":")[1])
        return synthetic_network(n, int(n * 5 / 3))
    import bubblescope

    return bubblescope.load_network(name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kind", choices=("montecarlo", "engine"))
    ap.add_argument("--scenario", default="baseline")
    ap.add_argument("--network", default="ai-2025")
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mechanisms", choices=("default", "all"), default="default")
    a = ap.parse_args()
    net = _network(a.network)
    params = _params(a.mechanisms)
    if a.kind == "montecarlo":
        import bubblescope

        def run(paths: int) -> None:
            bubblescope.simulate(net, a.scenario, paths=paths, seed=a.seed, params=params,
                                 progress=False)
    else:
        from bench_engine import shocked_factors

        import bubblescope.engine as engine

        # ``simulate_paths`` since the compiled engine, ``simulate`` before
        run_engine = getattr(engine, "simulate_paths", None) or engine.simulate
        compiled = engine.compile_network(net, "2049Q4", params or engine.EngineParams())
        factors = shocked_factors(a.paths, compiled.n_quarters)

        def run(paths: int) -> None:
            run_engine(compiled, factors.slice(slice(0, paths)), keep_paths=False)
    t0 = time.perf_counter()
    run(2)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(a.paths)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(json.dumps({"seconds": seconds, "first_call": first, "peak_rss_gb": rss}))


if __name__ == "__main__":
    main()
