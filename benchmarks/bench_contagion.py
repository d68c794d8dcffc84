"""Benchmarks of the contagion kernels against plain-Python loop references.

Run:  python benchmarks/bench_contagion.py [--quick]

BLAS is pinned to one thread (``OPENBLAS_NUM_THREADS=1`` etc., unless already set in the
environment): the kernels get their speed from batching scenarios, and a multi-threaded
BLAS on many small matrices is slower on a 2-core machine, badly so when it is shared.

Every vectorised figure is the best of three runs after a warm-up. The loop references
(bubblescope.contagion.reference) are timed on a subset of the scenarios and extrapolated
linearly to the full batch; the subset size is printed. Results of the two are compared on
that subset.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402  (after the BLAS thread setting, before numpy)
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from bubblescope.contagion import (  # noqa: E402
    debtrank,
    eba_balance_sheets,
    eisenberg_noe,
    gai_kapadia,
    leverage_fire_sale,
    random_interbank_network,
    rogers_veraart,
)
from bubblescope.contagion.reference import (  # noqa: E402
    clearing_reference,
    debtrank_reference,
    fire_sale_reference,
    gai_kapadia_reference,
)

REPO = Path(__file__).resolve().parents[1]
EBA_CSV = REPO.parent / "shared" / "reference-data" / "firesale_EBA_2018.csv"

ROWS: list[tuple[str, str, float, float, float, str]] = []
#: CPU seconds of the last best_of call (best run); less sensitive to a busy machine
LAST_CPU = [0.0]


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall-clock time of ``repeat`` runs after a warm-up (CPU time in LAST_CPU)."""
    fn()  # warm-up
    best, best_cpu, out = np.inf, np.inf, None
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    LAST_CPU[0] = best_cpu
    return best, out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def report(name: str, goal: str, fast: float, cpu: float, loop_full: float, note: str) -> None:
    ROWS.append((name, goal, fast, cpu, loop_full, note))
    print(
        f"  vectorised {fast:.4f} s (cpu {cpu:.4f} s) | loop (extrapolated) {loop_full:.2f} s | "
        f"speed-up x{loop_full / fast:,.0f} | {note}"
    )


def bench_clearing(scenarios: int, subset: int) -> None:
    print(f"\nEisenberg-Noe / Rogers-Veraart: n = 1000, mean degree 10, {scenarios} scenarios")
    n = 1000
    L = random_interbank_network(n, 10.0, seed=1)
    owed = np.asarray(L.sum(axis=1)).ravel()
    due = np.asarray(L.sum(axis=0)).ravel()
    rng = np.random.default_rng(2)
    base = np.maximum(owed - due, 0) + 0.05 * owed  # solvent with a 5 % cushion
    hit = rng.random((scenarios, n)) < 0.05  # each scenario wipes out 5 % of the banks
    e = np.where(hit, 0.0, base)
    t_en, en = best_of(lambda: eisenberg_noe(L, e))
    c_en = LAST_CPU[0]
    t_rv, rv = best_of(lambda: rogers_veraart(L, e, alpha=0.9, beta=0.95))
    c_rv = LAST_CPU[0]
    dense = L.toarray()
    t_loop, refs = timed(lambda: [clearing_reference(dense, e[k]) for k in range(subset)])
    t_loop_rv, refs_rv = timed(
        lambda: [clearing_reference(dense, e[k], None, 0.9, 0.95) for k in range(subset)]
    )
    err = max(np.abs(en.payments[k] - refs[k][0]).max() for k in range(subset))
    err_rv = max(np.abs(rv.payments[k] - refs_rv[k][0]).max() for k in range(subset))
    d_en, d_rv = en.defaulted.sum(axis=1), rv.defaulted.sum(axis=1)
    print(
        f"  defaults per scenario: EN mean {d_en.mean():.1f} (max {d_en.max()}), "
        f"RV mean {d_rv.mean():.1f} (max {d_rv.max()}); rounds EN max {en.iterations.max()}"
    )
    note = f"loop on {subset} scen.; max |diff| EN {err:.1e}, RV {err_rv:.1e}"
    report("Eisenberg-Noe", "", t_en, c_en, t_loop * scenarios / subset, note)
    report("Rogers-Veraart", "", t_rv, c_rv, t_loop_rv * scenarios / subset, note)
    ROWS.append(
        (
            "EN + RV together",
            "<= 0.5 s",
            t_en + t_rv,
            c_en + c_rv,
            (t_loop + t_loop_rv) * scenarios / subset,
            "sum of the two rows above",
        )
    )


def bench_debtrank(subset: int) -> None:
    n = 125
    print(f"\nDebtRank (repeated): {n} nodes x {n} single-default scenarios, tol 1e-12")
    rng = np.random.default_rng(3)
    E = rng.lognormal(0, 1, (n, n)) * (rng.random((n, n)) < 0.1)
    np.fill_diagonal(E, 0)
    # capital a bit above the interbank assets: spectral radius of W about 0.84, so stress
    # spreads partially and takes ~125 rounds to settle to 1e-12 (no trivial saturation)
    buf = 1.0 * E.sum(axis=1) + 0.1 * E.sum(axis=0) + 1.0
    rho = np.abs(np.linalg.eigvals(E / buf[:, None])).max()
    shock = np.eye(n)
    t_fast, r = best_of(lambda: debtrank(E, buf, shock, tol=1e-12))
    cpu = LAST_CPU[0]
    t_hit, _ = best_of(lambda: debtrank(E, buf, shock, variant="single_hit"))
    t_loop, refs = timed(lambda: [debtrank_reference(E, buf, shock[k]) for k in range(subset)])
    err = max(np.abs(r.final_stress[k] - refs[k][0]).max() for k in range(subset))
    print(
        f"  spectral radius of W {rho:.2f}; rounds to converge: max {r.iterations.max()}; "
        f"mean additional stress "
        f"{r.additional_stress.mean():.3f}; single-hit variant {t_hit:.4f} s"
    )
    report(
        "DebtRank 125x125",
        "<= 0.2 s",
        t_fast,
        cpu,
        t_loop * n / subset,
        f"loop on {subset} scen.; max |diff| {err:.1e}",
    )


def bench_fire_sale(scenarios: int, subset: int) -> None:
    if EBA_CSV.exists():
        sys.path.insert(0, str(REPO / "examples" / "firesale_eba"))
        from run import build_sheets, load_eba_csv  # type: ignore[import-not-found]

        sheets = build_sheets(load_eba_csv(EBA_CSV))
        source = "EBA 2018 banks"
    else:
        rng = np.random.default_rng(4)
        cet1 = rng.uniform(1e3, 5e4, 48)
        lev = rng.uniform(3.5, 8, 48)
        assets = cet1 / (lev / 100)
        debt = assets * rng.uniform(0.05, 0.3, 48)
        sheets = eba_balance_sheets(cet1, lev, debt, debt * rng.uniform(0.3, 0.9, 48))
        source = "synthetic 48 banks (EBA csv not found)"
    print(f"\nFire sale: {source}, 6 rounds, {scenarios} scenarios")
    rng = np.random.default_rng(5)
    shock = rng.uniform(0, 0.3, (scenarios, 2))
    impact = rng.uniform(0, 0.1, (scenarios, 1))
    t_fast, r = best_of(lambda: leverage_fire_sale(sheets, shock, price_impact=impact))
    cpu = LAST_CPU[0]
    depth = sheets.holdings.sum(axis=0)

    def loop() -> list:
        return [
            fire_sale_reference(
                sheets.cash,
                sheets.holdings,
                sheets.other_assets,
                sheets.loan,
                sheets.other_liabilities,
                shock[k],
                [impact[k, 0]] * 2,
                depth,
            )
            for k in range(subset)
        ]

    t_loop, refs = timed(loop)
    ok = all(r.defaults_per_round[k].tolist() == refs[k][0] for k in range(subset))
    err = max(np.abs(r.price_paths[k] - np.array(refs[k][1])).max() for k in range(subset))
    print(
        f"  mean defaults {r.total_defaults.mean():.1f}; mean fraction sold "
        f"{r.fraction_sold.mean():.3f}"
    )
    report(
        "Fire sale 48x6x10k",
        "<= 2 s",
        t_fast,
        cpu,
        t_loop * scenarios / subset,
        f"loop on {subset} scen.; defaults equal: {ok}; max |price diff| {err:.1e}",
    )


def bench_gai_kapadia(draws: int, subset: int) -> None:
    n, z = 1000, 4.0
    print(f"\nGai-Kapadia: n = {n}, mean degree {z}, {draws} draws (one batched call)")
    t_fast, r = best_of(lambda: gai_kapadia(z, n=n, draws=draws, seed=6), repeat=2)
    cpu = LAST_CPU[0] / draws
    t_loop, shares = timed(lambda: gai_kapadia_reference(z, n, subset, seed=7))
    print(f"  loop reference: contagion in {sum(x >= 0.05 for x in shares)} of {subset} draws")
    per_draw = t_fast / draws
    print(
        f"  probability of contagion {float(r.probability):.3f} "
        f"(se {float(r.probability_se):.3f}); extent {float(r.extent):.3f}"
    )
    report(
        "Gai-Kapadia per draw",
        "<= 2 ms",
        per_draw,
        cpu,
        t_loop / subset,
        f"loop (coin flip per pair + cascade) on {subset} draws",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="contagion kernel benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller loop subsets")
    args = parser.parse_args(argv)
    sub = 2 if args.quick else 5
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_clearing(1000, sub)
    bench_debtrank(sub if args.quick else 10)
    bench_fire_sale(10_000, 50 if args.quick else 200)
    bench_gai_kapadia(1000, 5 if args.quick else 20)
    print(
        f"\nSummary (seconds; loop figures extrapolated from the subsets above; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')})"
    )
    print(f"{'kernel':<22} {'goal':>9} {'vectorised':>13} {'(cpu)':>13} {'loop':>12} {'ratio':>7}")
    for name, goal, fast, cpu, loop, _ in ROWS:
        k = 1e3 if "per draw" in name else 1.0
        unit = " ms" if k > 1 else "  s"
        print(
            f"{name:<22} {goal:>9} {fast * k:>10.4f}{unit} {cpu * k:>10.4f}{unit} "
            f"{loop * k:>9.2f}{unit} {loop / fast:>7,.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
