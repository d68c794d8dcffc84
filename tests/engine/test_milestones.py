"""Equity tranches paid when their milestone holds; revenue scaled by an entity's own power."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, compile_network, simulate_paths
from bubblescope.testing.reference import simulate_reference

HORIZON = "2028Q3"   # quarters 0..11 (2025Q4 .. 2028Q3)


def milestone_net(tranches: list[dict], amount_type: str = "committed") -> object:
    return make_network(
        [{"id": "vendor", "kind": "chip_vendor", "cash": 100.0},
         {"id": "lab", "kind": "ai_lab", "cash": 1.0}],
        [{"id": "stake", "kind": "equity_stake", "investor": "vendor", "issuer": "lab",
          "amount": sum(t["amount"] for t in tranches), "amount_type": amount_type,
          "status": "signed", "start": "2026-01-01", "tranches": tranches}])


def demand_path(paths: int = 1) -> FactorPaths:
    # AI demand 1.0 in 2025Q4, +0.1 a quarter: 1.2 in quarter 2 (2026Q2), 1.5 in quarter 5
    # (2027Q1), 1.9 in quarter 9 (2028Q1)
    f = FactorPaths.flat(paths, 12, base_rate=0.0)
    f.ai_demand[:] = 1.0 + 0.1 * np.arange(12)[None, :]
    return f


def test_tranches_are_paid_in_the_first_quarter_their_milestone_holds() -> None:
    net = milestone_net([
        # dated 2026Q1 (quarter 1); demand reaches 1.2 in quarter 2 -> paid in quarter 2
        {"amount": 2.0, "date": "2026-01-01", "status": "signed", "min_ai_demand": 1.2},
        # dated 2026Q3 (quarter 3); demand already 1.3 >= 1.15 then -> paid on its date
        {"amount": 3.0, "date": "2026-07-01", "status": "signed", "min_ai_demand": 1.15},
        # demand reaches 1.5 in quarter 5 (2027Q1)
        {"amount": 4.0, "date": "2026-04-01", "status": "signed", "min_ai_demand": 1.5},
        # never reached on this path (max 2.1): never paid
        {"amount": 5.0, "date": "2026-01-01", "status": "signed", "min_ai_demand": 3.0},
        # no milestone: paid on its date (quarter 1), as before
        {"amount": 1.0, "date": "2026-01-01", "status": "signed"}])
    f = demand_path()
    res = simulate_paths(net, f, horizon=HORIZON)
    assert res.trade is not None
    paid = res.trade["paid"][0, :, 0]
    expected = np.zeros(12)
    expected[1], expected[2], expected[3], expected[5] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_allclose(paid, expected, atol=1e-12)
    assert paid.sum() == pytest.approx(10.0, abs=1e-12)   # the 5 waiting for 3.0 never comes
    ref = simulate_reference(net, f, horizon=HORIZON)
    np.testing.assert_allclose(ref["trade_paid"][0], res.trade["paid"][0], atol=1e-12)
    for var in ("cash", "book_equity", "revenue", "contributions"):
        if var in ref:
            np.testing.assert_allclose(res.entity[var], ref[var], atol=1e-9, err_msg=var)


def test_ceiling_milestone_tranche_scales_with_the_equity_window() -> None:
    net = milestone_net([{"amount": 10.0, "date": "2026-01-01", "min_ai_demand": 1.2},
                         {"amount": 10.0, "date": "2026-01-01", "min_ai_demand": 1.4}],
                        amount_type="ceiling")
    f = demand_path()
    f.equity_window[:] = 0.5
    res = simulate_paths(net, f, horizon=HORIZON)
    assert res.trade is not None
    paid = res.trade["paid"][0, :, 0]
    expected = np.zeros(12)
    expected[2], expected[4] = 5.0, 5.0
    np.testing.assert_allclose(paid, expected, atol=1e-12)


def test_milestone_never_reached_pays_nothing() -> None:
    net = milestone_net([{"amount": 2.0, "date": "2026-01-01", "status": "signed",
                          "min_ai_demand": 1.2}])
    f = FactorPaths.flat(1, 12, base_rate=0.0, ai_demand=1.0)
    res = simulate_paths(net, f, horizon=HORIZON)
    assert res.trade is not None
    np.testing.assert_allclose(res.trade["paid"], 0.0, atol=1e-15)
    lab = res.entity_ids.index("lab")
    np.testing.assert_allclose(res.entity["cash"][0, :, lab], 1.0, atol=1e-12)


def test_milestones_differ_by_path_and_match_the_reference() -> None:
    net = milestone_net([{"amount": 2.0, "date": "2026-01-01", "min_ai_demand": 1.2},
                         {"amount": 3.0, "date": "2026-07-01", "min_ai_demand": 0.9}],
                        amount_type="ceiling")
    rng = np.random.default_rng(7)
    f = FactorPaths.flat(6, 12, base_rate=0.0)
    f.ai_demand[:] = rng.uniform(0.6, 1.4, size=(6, 12))
    f.equity_window[:] = rng.uniform(0.0, 1.0, size=(6, 12))
    res = simulate_paths(net, f, horizon=HORIZON, chunk_size=4)
    ref = simulate_reference(net, f, horizon=HORIZON)
    assert res.trade is not None
    np.testing.assert_allclose(res.trade["paid"], ref["trade_paid"], atol=1e-9, rtol=0)
    for p in range(6):
        d = f.ai_demand[p]
        for amount, first, level in ((2.0, 1, 1.2), (3.0, 3, 0.9)):
            hits = [t for t in range(first, 12) if d[t] >= level]
            if not hits:
                continue
            t = hits[0]
            assert res.trade["paid"][p, t, 0] >= amount * f.equity_window[p, t] - 1e-12


def power_net(power: list[dict]) -> object:
    return make_network(
        [{"id": "lab", "kind": "ai_lab", "revenue": 40.0, "ai_revenue_share": 1.0,
          "power": power}], [])


def test_growth_waits_for_powered_capacity() -> None:
    # 100 MW on-site now + 100 MW grid from 2027Q1 (quarter 5): capacity ratio 1 then 2.
    # AI market revenue is 40 / 4 = 10 a quarter at demand 1. At demand 2 it can only
    # double once the grid capacity has power: 10 for five quarters, then 20.
    net = power_net([{"source": "grid", "mw": 100.0, "available_from": "2027-01-01"},
                     {"source": "onsite", "mw": 100.0}])
    c = compile_network(net, horizon=HORIZON)
    assert c.capacity_ratio is not None
    np.testing.assert_allclose(c.capacity_ratio[:, 0], [1.0] * 5 + [2.0] * 7)
    double = FactorPaths.flat(1, 12, base_rate=0.0, ai_demand=2.0)
    res = simulate_paths(net, double, horizon=HORIZON)
    np.testing.assert_allclose(res.entity["revenue"][0, :, 0], [10.0] * 5 + [20.0] * 7,
                               atol=1e-12)
    # capacity still to come does not cut what today's capacity earns
    res1 = simulate_paths(net, FactorPaths.flat(1, 12, base_rate=0.0), horizon=HORIZON)
    np.testing.assert_allclose(res1.entity["revenue"][0, :, 0], [10.0] * 12, atol=1e-12)
    # the scenario's power availability still applies on top: 5 then 10
    half = FactorPaths.flat(1, 12, base_rate=0.0, ai_demand=2.0, power_availability=0.5)
    res2 = simulate_paths(net, half, horizon=HORIZON)
    np.testing.assert_allclose(res2.entity["revenue"][0, :, 0], [5.0] * 5 + [10.0] * 7,
                               atol=1e-12)
    ref = simulate_reference(net, half, horizon=HORIZON)
    np.testing.assert_allclose(ref["revenue"], res2.entity["revenue"], atol=1e-12)


def test_capacity_ratio_rules() -> None:
    double = FactorPaths.flat(1, 12, base_rate=0.0, ai_demand=2.0)
    # no entries: no cap, so demand 2 doubles revenue at once
    res = simulate_paths(power_net([]), double, horizon=HORIZON)
    np.testing.assert_allclose(res.entity["revenue"][0, :, 0], [20.0] * 12, atol=1e-12)
    # only future capacity declared: nothing powered at the as-of date, no cap either
    future = power_net([{"source": "grid", "mw": 50.0, "available_from": "2027-01-01"}])
    assert np.all(np.isinf(compile_network(future, horizon=HORIZON).capacity_ratio))
    # a date before the as-of quarter counts from the start; on-site from its own date
    net = power_net([{"source": "onsite", "mw": 30.0, "available_from": "2026-07-01"},
                     {"source": "grid", "mw": 10.0, "available_from": "2024-01-01"}])
    c = compile_network(net, horizon=HORIZON)
    np.testing.assert_allclose(c.capacity_ratio[:, 0], [1.0] * 3 + [4.0] * 9)
    # only the AI-exposed share grows: share 0.5 of 10 a quarter -> 5 + 5 × min(2, ratio)
    half_ai = make_network(
        [{"id": "lab", "kind": "ai_lab", "revenue": 40.0, "ai_revenue_share": 0.5,
          "power": [{"source": "grid", "mw": 1.0}]}], [])
    res = simulate_paths(half_ai, double, horizon=HORIZON)
    np.testing.assert_allclose(res.entity["revenue"][0, :3, 0], [10.0, 10.0, 10.0],
                               atol=1e-12)
