"""GPU fire sales with price feedback inside the quarter (issue 6, mechanism 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference


def gpu_network() -> object:
    # A (GPUs worth 10, no cash) owes B 12; B (GPUs worth 10, no cash) owes L 9.5; C holds
    # GPUs worth 20 and owes nothing. Everything falls due in quarter 0.
    fleet = [{"generation": "H100", "quantity": 1000, "delivery": "2025-10-01",
              "cost": 10.0}]
    loan = {"kind": "loan", "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01"}
    return make_network(
        [{"id": "a", "kind": "neocloud", "other_assets": 10.0, "gpu_fleet": fleet},
         {"id": "b", "kind": "neocloud", "other_assets": 10.0, "gpu_fleet": fleet},
         {"id": "c", "kind": "neocloud", "other_assets": 20.0,
          "gpu_fleet": [{**fleet[0], "cost": 20.0}]},
         {"id": "lender", "kind": "bank"}],
        [{"id": "ab", "lender": "b", "borrower": "a", "amount": 12.0, **loan},
         {"id": "bl", "lender": "lender", "borrower": "b", "amount": 9.5, **loan}])


def test_one_fire_sale_topples_the_next_borrower() -> None:
    # Without feedback A defaults, its GPUs fetch 10, B is paid 10 and pays 9.5.
    # With it (π = 0.2: β = −ln 0.8 / 0.05; depth = all live fleets = 40):
    #   A's 10 sold: m = exp(−β·10/40) = 0.8^5 = 0.32768, B receives 3.2768 < 9.5: B fails;
    #   A's and B's 20 sold: m = 0.8^10 = 0.107374; A pays B 10·m; B pays L 10·m + 10·m.
    f = FactorPaths.flat(1, 1, base_rate=0.0, equity_window=0.0)
    net = gpu_network()
    # (recovery_claims = 0 keeps loan sales out of the hand numbers; B's loan to A counts
    # for nothing in B's estate anyway, since A's waterfall pays that claim)
    on = EngineParams(fire_sale_feedback=True, gpu_price_impact=0.2, recovery_claims=0.0)
    off = simulate_paths(net, f, horizon="2025Q4",
                   params=EngineParams(gpu_price_impact=0.2, recovery_claims=0.0))
    res = simulate_paths(net, f, horizon="2025Q4", params=on)
    ids = res.entity_ids
    a, b, c = (ids.index(x) for x in "abc")
    m = 0.8 ** 10
    assert math.exp(math.log(0.8) / 0.05 * 20 / 40) == pytest.approx(m, rel=1e-12)
    assert off.default_quarter[0].tolist() == [0, -1, -1, -1]
    assert off.debt["paid"][0, 0].tolist() == pytest.approx([10.0, 9.5], abs=1e-12)
    assert res.default_quarter[0, a] == 0 and res.default_quarter[0, b] == 0
    assert res.default_quarter[0, c] == -1
    assert res.debt["paid"][0, 0].tolist() == pytest.approx([10 * m, 20 * m], abs=1e-12)
    assert res.gpu_price is not None and off.gpu_price is not None
    h100 = res.compiled.generations.index("H100")
    assert res.gpu_price[0, 0, h100] == pytest.approx(m, rel=1e-12)
    assert off.gpu_price[0, 0, h100] == 1.0
    amp = res.amplification(off)
    assert amp["loss_without"][0] == pytest.approx(2.0, abs=1e-12)
    assert amp["loss"][0] == pytest.approx(12 - 10 * m + 9.5 - 20 * m, abs=1e-12)
    assert amp["defaults"][0] == 2 and amp["defaults_without"][0] == 1
    assert amp["min_price_H100"][0] == pytest.approx(m)
    ref = simulate_reference(net, f, horizon="2025Q4", params=on)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
    assert ref["gpu_impact"][0, 0, h100] == pytest.approx(m, rel=1e-12)


def ltv_network() -> object:
    # A (GPUs 10, no cash) owes lender1 5 now; B (GPUs 10, cash 1) owes lender2 6, due in
    # 2030, secured on its H100 pool (value 10) with a maximum LTV of 80%; C holds GPUs
    # worth 20. All H100.
    fleet = [{"generation": "H100", "quantity": 1000, "delivery": "2025-10-01",
              "cost": 10.0}]
    return make_network(
        [{"id": "a", "kind": "neocloud", "other_assets": 10.0, "gpu_fleet": fleet},
         {"id": "b", "kind": "neocloud", "cash": 1.0, "other_assets": 10.0,
          "gpu_fleet": fleet},
         {"id": "c", "kind": "neocloud", "other_assets": 20.0,
          "gpu_fleet": [{**fleet[0], "cost": 20.0}]},
         {"id": "lender1", "kind": "bank"}, {"id": "lender2", "kind": "bank"}],
        [{"id": "a_loan", "kind": "loan", "lender": "lender1", "borrower": "a",
          "amount": 5.0, "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01"},
         {"id": "b_loan", "kind": "loan", "lender": "lender2", "borrower": "b",
          "amount": 6.0, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01",
          "covenants": {"max_ltv": 0.8},
          "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 10.0}}])


def test_one_seizure_breaches_the_other_lenders_ltv() -> None:
    # A defaults and lender1 seizes and sells its GPUs (10 of a market 40 deep):
    #   m = 0.8^5 = 0.32768, B's pool is worth 3.2768, LTV 6 / 3.2768 = 183% > 80%:
    #   B owes the pay-down 6 − 0.8 × 3.2768 = 3.37856 now, has 1: B defaults too;
    #   both fleets sold: m = 0.8^10. lender1 gets 10·m of 5; lender2 gets 1 + 10·m of 6.
    f = FactorPaths.flat(1, 2, base_rate=0.0, equity_window=0.0)
    net = ltv_network()
    both = EngineParams(fire_sale_feedback=True, ltv_covenants=True, gpu_price_impact=0.2,
                        recovery_claims=0.0)
    res = simulate_paths(net, f, horizon="2026Q1", params=both)
    ids = res.entity_ids
    m = 0.8 ** 10
    assert res.default_quarter[0, ids.index("a")] == 0
    assert res.default_quarter[0, ids.index("b")] == 0
    assert res.default_quarter[0, ids.index("c")] == -1
    loss = res.creditor_losses()[0]
    assert loss[ids.index("lender1"), ids.index("a")] == pytest.approx(5 - 10 * m, abs=1e-12)
    assert loss[ids.index("lender2"), ids.index("b")] == pytest.approx(6 - 1 - 10 * m,
                                                                        abs=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q1", params=both)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    np.testing.assert_allclose(res.loss_debt, ref["loss_debt"], atol=1e-12)
    # covenants without fire sales: the price holds, B's LTV stays at 60%, B survives;
    # fire sales without covenants: B has nothing due and survives too
    for prm in (EngineParams(ltv_covenants=True, recovery_claims=0.0),
                EngineParams(fire_sale_feedback=True, gpu_price_impact=0.2,
                             recovery_claims=0.0)):
        r = simulate_paths(net, f, horizon="2026Q1", params=prm)
        assert r.default_quarter[0, ids.index("b")] == -1
    fs_only = simulate_paths(net, f, horizon="2026Q1", params=EngineParams(
        fire_sale_feedback=True, gpu_price_impact=0.2, recovery_claims=0.0))
    amp = res.amplification(fs_only)
    assert amp["defaults"][0] == 2 and amp["defaults_without"][0] == 1


def test_a_breach_within_the_cure_period_owes_nothing_yet() -> None:
    # the resale price halves in quarter 1: B's pool is worth 5, LTV 6/5 = 120% > 80%;
    # with two cure quarters the pay-down 6 − 4 = 2 falls due in quarter 2, not 1
    fleet = [{"generation": "H100", "quantity": 1, "delivery": "2025-10-01", "cost": 10.0}]
    net = make_network(
        [{"id": "b", "kind": "neocloud", "cash": 10.0, "other_assets": 10.0,
          "gpu_fleet": fleet}, {"id": "lender2", "kind": "bank"}],
        [{"id": "b_loan", "kind": "loan", "lender": "lender2", "borrower": "b",
          "amount": 6.0, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01",
          "covenants": {"max_ltv": 0.8, "cure_quarters": 2},
          "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 10.0}}])
    f = FactorPaths.flat(1, 4, base_rate=0.0, equity_window=0.0)
    f.gpu_resale["default"][:, 1:] = 0.5
    prm = EngineParams(ltv_covenants=True)
    res = simulate_paths(net, f, horizon="2026Q3", params=prm)
    assert res.debt is not None
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], [0.0, 0.0, 2.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.debt["outstanding"][0, :, 0], [6.0, 6.0, 4.0, 4.0],
                               atol=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q3", params=prm)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
