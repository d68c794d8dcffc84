"""SPV bond marks must not depend on how far the run goes (stages.marks).

The asset-coverage cap counts the take-or-pay rent and compute still due over each
contract's own remaining term (``compile.remaining_contracted``), not only the flows
compiled up to the simulation horizon."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, simulate_paths
from bubblescope.engine.compile import compile_network, remaining_contracted
from bubblescope.engine.quarter import quarter
from bubblescope.engine.stages.marks import asset_coverage, bullet_price
from bubblescope.testing.stages import StageBench


def spv_network() -> object:
    return make_network(
        [{"id": "lessee", "kind": "hyperscaler", "cash": 100.0, "rating": "A+"},
         {"id": "spv", "kind": "spv", "cash": 0.5, "other_assets": 10.0, "rating": "A+",
          "equity_market_access": 0.0},
         {"id": "holder", "kind": "pension_fund"}],
        [{"id": "bond", "kind": "bond", "issuer": "spv", "amount": 20.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2040-01-01",
          "holders": [{"holder": "holder", "amount": 20.0}]},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "lessee",
          "amount": 60.0, "annual_rent": 4.0, "escalation": 0.02, "start": "2025-10-01",
          "end": "2040-01-01"}])


def prices(net, horizon: str, debt_id: str, factors) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The engine's price of ``debt_id`` per path and quarter."""
    c = compile_network(net, horizon)
    res = simulate_paths(c, factors(c.n_quarters), keep_paths=False,
                         price_of=[c.debt_ids.index(debt_id)])
    assert res.debt_price is not None
    return res.debt_price[:, :, 0]


def flat(quarters: int) -> FactorPaths:
    return FactorPaths.flat(1, quarters, base_rate=0.0)


def test_contracted_rent_covers_the_whole_term_at_any_horizon() -> None:
    net = spv_network()
    short = compile_network(net, "2026Q4")
    long = compile_network(net, "2044Q4")
    k = short.trade_ids.index("lease")
    # rent 1 a quarter escalating 2% a year, quarters 0 (2025Q4) .. 56 (2039Q4): what is
    # left after quarter t is the same whichever horizon the network was compiled to
    rent = np.array([1.02 ** (t // 4) for t in range(57)])
    left = np.array([rent[t + 1:].sum() for t in range(5)])
    np.testing.assert_allclose(remaining_contracted(short)[:, k], left, rtol=1e-12)
    np.testing.assert_array_equal(remaining_contracted(short)[:, k],
                                  remaining_contracted(long)[:5, k])


def test_spv_bond_marks_do_not_depend_on_the_horizon() -> None:
    net = spv_network()
    short = prices(net, "2026Q4", "bond", flat)
    long = prices(net, "2044Q4", "bond", flat)
    assert short.shape[1] == 5
    np.testing.assert_allclose(short, long[:, :5], rtol=0, atol=1e-12)


def test_coverage_by_hand() -> None:
    # quarter 0: SPV cash 0.5 + rent 1 − coupon 20 × 6% / 4 = 1.2; other assets
    # 10 × 50% = 5; rent still due in quarters 1..56, 1.02^(s // 4); liabilities: the bond
    bench = StageBench.of(spv_network(), flat(5), horizon="2026Q4").open()
    assert quarter(bench.net_s, bench.rules_s, bench.fp_s, bench.st_s, bench.q_s, 0) == 0
    asset_coverage(bench.net_s, bench.rules_s, bench.st_s, bench.q_s, 0)
    spv = bench.compiled.entity_ids.index("spv")
    rent = sum(1.02 ** (s // 4) for s in range(1, 57))
    assert bench.flows.work3[spv] == pytest.approx((1.2 + 5.0 + rent) / 20.0, rel=1e-12)
    # performing: 6% coupon over min(57 − 0, 40) quarters at 1% (base 0, IG spread), below
    # the coverage, so the price is the performing one
    q = 0.01 / 4
    perf = 0.015 * (1 - (1 + q) ** -40) / q + (1 + q) ** -40
    assert bullet_price(0.06, 0.01, 40) == pytest.approx(perf, rel=1e-12)
    assert prices(spv_network(), "2026Q4", "bond", flat)[0, 0] == pytest.approx(perf, rel=1e-12)


def test_hyperion_bond_marks_do_not_depend_on_the_horizon(ai2025) -> None:  # type: ignore[no-untyped-def]
    def base(quarters: int) -> FactorPaths:
        return FactorPaths.baseline(1, quarters)

    short = prices(ai2025, "2030Q4", "hyperion_bonds", base)
    long = prices(ai2025, "2049Q4", "hyperion_bonds", base)
    assert short.shape[1] == 21
    np.testing.assert_allclose(short, long[:, :21], rtol=0, atol=1e-12)
    # performing (about 1.12 and up) all along, not capped down to ~0.35 by 2030Q4
    assert short.min() > 1.0


def test_keep_prices_gives_the_prices_of_a_full_run() -> None:
    net = spv_network()
    f = FactorPaths.flat(3, 5, base_rate=0.01)
    full = simulate_paths(net, f, horizon="2026Q4")
    lean = simulate_paths(net, f, horizon="2026Q4", keep_paths=False, keep_prices=True)
    assert lean.entity is None and lean.debt is None
    np.testing.assert_array_equal(lean.debt_price, full.debt_price)
    np.testing.assert_array_equal(lean.gpu_price, full.gpu_price)
    assert simulate_paths(net, f, horizon="2026Q4", keep_paths=False).debt_price is None
