"""Stage tests of the LTV covenants and the GPU market (``engine/stages/ltv.py`` and
``fleet_impact`` in ``engine/stages/fire_sales.py``), on a hand network: one borrower owing
90 against a pledged pool of H100s worth 100 with ``max_ltv`` 0.8 — the tests, the split of
a cure into cash and sales (the docstring's example and its variants), what selling takes
out of the fleet, and the fire-sale multiplier at a known share of the market depth."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams
from bubblescope.engine.stages.fire_sales import fleet_impact
from bubblescope.engine.stages.ltv import cure_sales, ltv_tests, sell_pledged
from bubblescope.testing.stages import StageBench

COVENANTS = EngineParams(ltv_covenants=True, ltv_cure_sales=True)


def pool_bench(params: EngineParams = COVENANTS, impact: float = 0.05) -> StageBench:
    """The borrower ``b`` (an H100 fleet bought for 100) owes ``bank`` 90 against it, LTV
    at most 0.8, cured in the quarter of a breach; a peer ``p`` holds 1,900 of H100s."""
    fleet = [{"generation": "H100", "quantity": 1, "delivery": "2025-10-01", "cost": 100.0}]
    peer = [{"generation": "H100", "quantity": 19, "delivery": "2025-10-01", "cost": 1900.0}]
    net = make_network(
        [{"id": "b", "kind": "neocloud", "cash": 5.0, "gpu_fleet": fleet},
         {"id": "p", "kind": "neocloud", "cash": 5.0, "gpu_fleet": peer},
         {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "b", "amount": 90.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01",
          "covenants": {"max_ltv": 0.8, "cure_quarters": 1},
          "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 100.0}}])
    params = dataclasses.replace(params, gpu_price_impact=impact)
    return StageBench.of(net, horizon="2026Q4", params=params).open()


def h100(bench: StageBench) -> int:
    """Column of the H100 generation (the compiled generations start with ``default``)."""
    return bench.compiled.generations.index("H100")


def test_ltv_test_by_hand() -> None:
    bench = pool_bench()
    q, st = bench.flows, bench.st
    assert bench.net.ltv_max[1, 0] == pytest.approx(0.8)
    q.room[:] = 90.0
    q.has_impact = False
    ltv_tests(bench.net_s, bench.rules_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    # flat prices: the pool is worth 100, the excess 90 − 0.8 × 100 = 10, due at once
    assert bench.flows.pledged[0] == pytest.approx(100.0, rel=1e-14)
    assert bool(bench.flows.ltv_flag[0])
    assert bench.flows.cure[0] == pytest.approx(10.0, rel=1e-14)
    # half the pool sold in earlier cures: excess 90 − 40 = 50, capped by the room of 45
    st.coll_scale[0] = 0.5
    q.room[:] = 45.0
    ltv_tests(bench.net_s, bench.rules_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    assert bench.flows.cure[0] == pytest.approx(45.0, rel=1e-14)
    # a balance within the limit is no breach
    st.coll_scale[0] = 1.0
    st.balance[0] = 80.0
    ltv_tests(bench.net_s, bench.rules_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    assert not bench.flows.ltv_flag[0] and bench.flows.cure[0] == 0.0


@pytest.mark.parametrize(("spare", "price", "defaulted", "sale", "cure"), [
    # the docstring: no spare cash, excess 10 → sell 10 / 0.2 = 50; 40 ≤ 0.8 × 50 after
    (0.0, 1.0, False, 50.0, 50.0),
    # 4 of spare cash pays 4; the other 6 needs a sale of 6 / 0.2 = 30: 56 = 0.8 × 70
    (4.0, 1.0, False, 30.0, 34.0),
    # GPUs at 0.2: only 20 of the fleet can be sold, curing 20 × 0.2 = 4; 6 stays owed in
    # cash: 0 + 20 + 6
    (0.0, 0.2, False, 20.0, 26.0),
    # a borrower already in default this quarter sells nothing: all 10 owed in cash
    (0.0, 1.0, True, 0.0, 10.0),
])
def test_cure_sales_by_hand(spare: float, price: float, defaulted: bool, sale: float,
                            cure: float) -> None:
    bench = pool_bench()
    q = bench.flows
    q.cure[:], q.spare[:], q.pledged[:], q.room[:] = 10.0, 0.0, 100.0, 90.0
    q.spare[0] = spare
    q.sold_by[:] = False
    q.sold_by[0] = defaulted
    prices = np.ones(len(bench.compiled.generations))
    prices[h100(bench)] = price
    cure_sales(bench.net_s, bench.st_s, bench.q_s, 1, prices)
    assert q.sales[0] == pytest.approx(sale, rel=1e-14, abs=1e-14)
    assert q.cure[0] == pytest.approx(cure, rel=1e-14)


def test_selling_pledged_gpus_takes_them_out_of_the_fleet() -> None:
    # 50 sold at price 1 from a fleet worth 100 (book 80): half the fleet and half its
    # book go; proceeds 50 against book 40 is a gain of 10 (a negative sale loss); the
    # pool keeps half of itself
    bench = pool_bench()
    q, st = bench.flows, bench.st
    g = h100(bench)
    st.gpu_value[0, g], st.gpu_book[0] = 100.0, 80.0
    q.sales[:], q.pledged[:] = 50.0, 100.0
    q.sale_in[:] = 0.0
    q.sale_in[0] = 50.0
    st.coll_scale[:] = 1.0
    sell_pledged(bench.net_s, bench.st_s, bench.q_s, np.ones(len(bench.compiled.generations)))
    assert st.gpu_value[0, g] == pytest.approx(50.0, rel=1e-14)
    assert st.gpu_book[0] == pytest.approx(40.0, rel=1e-14)
    assert q.sale_loss[0] == pytest.approx(-10.0, rel=1e-14)
    assert st.coll_scale[0] == pytest.approx(0.5, rel=1e-14)
    assert st.gpu_value[1, g] == pytest.approx(1900.0, rel=1e-14)     # the peer keeps all


@pytest.mark.parametrize(("impact", "alive_peer", "depth", "multiplier"), [
    # selling the borrower's 100 of a live market of 2,000 (5% of depth) at an impact of
    # 0.2 for 5%: the price falls by 20%
    (0.2, True, 1.0, 0.8),
    # twice the depth: half the share sold, exp(−β · 0.025) = √0.8
    (0.2, True, 2.0, math.sqrt(0.8)),
    # the peer gone: the market is the seller's own fleet, 20 × 5%: 0.8^20
    (0.2, False, 1.0, 0.8**20),
    (0.05, True, 1.0, 0.95),
])
def test_fire_sale_multiplier_by_hand(impact: float, alive_peer: bool, depth: float,
                                      multiplier: float) -> None:
    bench = pool_bench(dataclasses.replace(COVENANTS, gpu_market_depth=depth), impact)
    st, g = bench.st, h100(bench)
    np.testing.assert_allclose(st.gpu_value[:2, g], [100.0, 1900.0], rtol=1e-14)
    st.alive[1] = alive_peer
    out = np.empty(len(bench.compiled.generations))
    fleet_impact(bench.rules_s, bench.st_s, np.array([True, False, False]), out)
    assert out[g] == pytest.approx(multiplier, rel=1e-12)
    assert out[1 - g] == 1.0                        # a generation nobody sells keeps its price
    fleet_impact(bench.rules_s, bench.st_s, np.zeros(3, dtype=np.bool_), out)
    np.testing.assert_array_equal(out, 1.0)         # nothing sold, no dent
