"""The operating model (stages/operating.py ``operating_flows``) against the module
docstring's formula: market revenue ``market × ((1 − s) + s × factor × power) × shock``
with the factor capped at powered capacity, plus the base rate on cash (floored at 0) and
the yield of other assets; opex and planned capex; nothing for dead entities."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from engine_nets import make_network
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.engine import FactorPaths
from bubblescope.engine.codes import MARKET_CONST, MARKET_DEMAND, MARKET_RENTAL
from bubblescope.engine.stages.operating import operating_flows
from bubblescope.testing.stages import StageBench


def expected_flows(bench: StageBench, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """mrev, opex and capex of quarter ``t`` from the docstring's formula, in NumPy."""
    net, s, f = bench.net, bench.st, bench.factors
    demand, power = f.ai_demand[0, t], f.power[0, t]
    factor = np.select([net.market_driver == MARKET_DEMAND, net.market_driver == MARKET_RENTAL],
                       [demand, f.rental[0, t] * min(demand, 1.0)], 1.0)
    factor = np.minimum(factor, net.capacity_ratio[t])
    pw = np.where(net.powered, power, 1.0)
    share = net.ai_share
    market = net.market_revenue_q * ((1.0 - share) + share * factor * pw) * net.revenue_scale[t]
    income = (s.cash * max(f.base_rate[0, t], 0.0) + s.other_assets * net.asset_yield) / 4.0
    alive = s.alive
    return (np.where(alive, market + income, 0.0), np.where(alive, net.opex_q, 0.0),
            np.where(alive, net.capex[t], 0.0))


@given(st.integers(0, 2**32 - 1), st.integers(0, 20))
@settings(max_examples=40, deadline=None)
def test_operating_flows_on_the_bundled_network(bundled_bench: Callable[..., StageBench],
                                                seed: int, t: int) -> None:
    bench = bundled_bench(seed, t)
    net, q, f = bench.net, bench.flows, bench.factors
    rng = np.random.default_rng(seed + 3)
    N = net.cash0.size
    assert set(np.unique(net.market_driver)) == {MARKET_CONST, MARKET_DEMAND, MARKET_RENTAL}
    saved = net.capacity_ratio[t].copy(), net.revenue_scale[t].copy()
    try:
        # capacity caps (some binding, some none), revenue shocks, a negative base rate
        net.capacity_ratio[t] = np.where(rng.random(N) < 0.3, np.inf, rng.uniform(0.2, 3.0, N))
        net.revenue_scale[t] = np.where(rng.random(N) < 0.5, 1.0, rng.uniform(0.0, 1.5, N))
        if rng.random() < 0.3:
            f.base_rate[0, t] = -rng.uniform(0.0, 0.02)
        q.mrev[:], q.opex[:], q.capex[:] = np.nan, np.nan, np.nan
        operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, t)
        mrev, opex, capex = expected_flows(bench, t)
        np.testing.assert_allclose(q.mrev, mrev, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(q.opex, opex)
        np.testing.assert_array_equal(q.capex, capex)
    finally:
        net.capacity_ratio[t], net.revenue_scale[t] = saved


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=20, deadline=None)
def test_market_revenue_grows_with_demand_until_capacity(
        bundled_bench: Callable[..., StageBench], seed: int) -> None:
    # monotone in AI demand for every live entity (factors ≥ 0, shares in [0, 1])
    bench = bundled_bench(seed, 2)
    f, q = bench.factors, bench.flows
    operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 2)
    low = q.mrev.copy()
    f.ai_demand[0, 2] *= 1.5
    operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 2)
    assert np.all(q.mrev >= low - 1e-12)
    demand_driven = (bench.net.market_driver == MARKET_DEMAND) & (bench.net.ai_share > 0)
    uncapped = np.isinf(bench.net.capacity_ratio[2]) & bench.st.alive
    grew = demand_driven & uncapped & (bench.net.market_revenue_q > 0)
    assert grew.any() and np.all(q.mrev[grew] > low[grew])


def operating_network() -> object:
    return make_network(
        [{"id": "lab", "kind": "ai_lab", "revenue": 40.0, "ai_revenue_share": 0.5,
          "cash": 10.0, "operating_costs": 8.0, "power": [{"source": "grid", "mw": 100.0}],
          "capex_plan": [{"year": 2026, "amount": 8.0}]},
         {"id": "cloud", "kind": "neocloud", "revenue": 20.0, "ai_revenue_share": 1.0},
         {"id": "bank", "kind": "bank", "cash": 4.0, "other_assets": 50.0,
          "cost_of_debt": 0.05}],
        [])


def test_operating_flows_hand_network() -> None:
    # quarter 1 (2026Q1): AI demand 1.5, rental 0.8, power 0.9, base rate 4%
    # lab: 10 a quarter, half AI; demand 1.5 capped at its powered capacity 1; powered:
    #      10 × (0.5 + 0.5 × 1 × 0.9) = 9.5, + cash 10 × 4% / 4 = 0.1 → 9.6; opex 8/4 = 2;
    #      capex 8 in 2026 → 2 a quarter
    # cloud: 5 a quarter, all AI, rental × min(demand, 1) = 0.8, powered: 5 × 0.8 × 0.9 = 3.6
    # bank: no market revenue; cash 4 × 4% / 4 = 0.04 + other assets 50 × (5% + 1%) / 4 = 0.75
    f = FactorPaths.flat(1, 5, ai_demand=1.5, gpu_rental_price=0.8, power_availability=0.9,
                         base_rate=0.04)
    bench = StageBench.of(operating_network(), f, horizon="2026Q4").open()
    ids = bench.compiled.entity_ids
    lab, cloud, bank = (ids.index(x) for x in ("lab", "cloud", "bank"))
    q = bench.flows
    operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    np.testing.assert_allclose(q.mrev[[lab, cloud, bank]], [9.6, 3.6, 0.79], atol=1e-12)
    np.testing.assert_allclose(q.opex[[lab, cloud, bank]], [2.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(q.capex[[lab, cloud, bank]], [2.0, 0.0, 0.0], atol=1e-12)
    # a negative base rate: cash earns nothing (lab 9.5, bank 0.75)
    bench.factors.base_rate[0, 1] = -0.01
    operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    assert q.mrev[lab] == pytest.approx(9.5, abs=1e-12)
    assert q.mrev[bank] == pytest.approx(0.75, abs=1e-12)
    # a revenue shock of 0.5 on the lab halves its market revenue, not its interest
    bench.factors.base_rate[0, 1] = 0.04
    bench.net.revenue_scale[1, lab] = 0.5
    try:
        operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 1)
        assert q.mrev[lab] == pytest.approx(4.75 + 0.1, abs=1e-12)
    finally:
        bench.net.revenue_scale[1, lab] = 1.0
    # the lab defaulted: nothing at all
    bench.st.alive[lab] = False
    operating_flows(bench.net_s, bench.fp_s, bench.st_s, bench.q_s, 1)
    assert (q.mrev[lab], q.opex[lab], q.capex[lab]) == (0.0, 0.0, 0.0)
