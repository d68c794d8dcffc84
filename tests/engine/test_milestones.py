"""Equity tranches paid when their milestone holds; revenue scaled by an entity's own power."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, compile_network, simulate, simulate_reference

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
    res = simulate(net, f, horizon=HORIZON)
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
    res = simulate(net, f, horizon=HORIZON)
    assert res.trade is not None
    paid = res.trade["paid"][0, :, 0]
    expected = np.zeros(12)
    expected[2], expected[4] = 5.0, 5.0
    np.testing.assert_allclose(paid, expected, atol=1e-12)


def test_milestone_never_reached_pays_nothing() -> None:
    net = milestone_net([{"amount": 2.0, "date": "2026-01-01", "status": "signed",
                          "min_ai_demand": 1.2}])
    f = FactorPaths.flat(1, 12, base_rate=0.0, ai_demand=1.0)
    res = simulate(net, f, horizon=HORIZON)
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
    res = simulate(net, f, horizon=HORIZON, chunk_size=4)
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
        [{"id": "cloud", "kind": "neocloud", "revenue": 40.0, "ai_revenue_share": 1.0,
          "power": power}], [])


def test_revenue_counts_only_the_capacity_with_power() -> None:
    # 100 MW grid from 2027Q1 (quarter 5) + 100 MW on-site now: half the AI market revenue
    # (40 / 4 = 10 a quarter at factors 1) before 2027Q1, all of it after
    net = power_net([{"source": "grid", "mw": 100.0, "available_from": "2027-01-01"},
                     {"source": "onsite", "mw": 100.0}])
    c = compile_network(net, horizon=HORIZON)
    assert c.power_share is not None
    np.testing.assert_allclose(c.power_share[:, 0], [0.5] * 5 + [1.0] * 7)
    f = FactorPaths.flat(1, 12, base_rate=0.0)
    res = simulate(net, f, horizon=HORIZON)
    rev = res.entity["revenue"][0, :, 0]
    np.testing.assert_allclose(rev, [5.0] * 5 + [10.0] * 7, atol=1e-12)
    # alongside the scenario's power availability factor
    half = FactorPaths.flat(1, 12, base_rate=0.0, power_availability=0.5)
    res2 = simulate(net, half, horizon=HORIZON)
    np.testing.assert_allclose(res2.entity["revenue"][0, :, 0], [2.5] * 5 + [5.0] * 7,
                               atol=1e-12)
    ref = simulate_reference(net, half, horizon=HORIZON)
    np.testing.assert_allclose(ref["revenue"], res2.entity["revenue"], atol=1e-12)


def test_power_share_rules() -> None:
    # no entries -> 1; on-site with a future date counts from it; a date before the
    # as-of quarter counts from the start; only the AI-exposed share is scaled
    assert np.all(compile_network(power_net([]), horizon=HORIZON).power_share == 1.0)
    net = power_net([{"source": "onsite", "mw": 30.0, "available_from": "2026-07-01"},
                     {"source": "grid", "mw": 10.0, "available_from": "2024-01-01"}])
    c = compile_network(net, horizon=HORIZON)
    np.testing.assert_allclose(c.power_share[:, 0], [0.25] * 3 + [1.0] * 9)
    net = make_network(
        [{"id": "cloud", "kind": "neocloud", "revenue": 40.0, "ai_revenue_share": 0.5,
          "power": [{"source": "grid", "mw": 1.0, "available_from": "2026-04-01"}]}], [])
    res = simulate(net, FactorPaths.flat(1, 12, base_rate=0.0), horizon=HORIZON)
    np.testing.assert_allclose(res.entity["revenue"][0, :3, 0], [5.0, 5.0, 10.0],
                               atol=1e-12)
