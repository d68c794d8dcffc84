"""DSCR covenants and cash sweeps (issue 6, mechanism 5, in part), worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference

ON = EngineParams(dscr_covenants=True)


def rent_stops_spv() -> object:
    """An SPV with cash 5 whose tenant pays rent of 1 a quarter in quarters 0-2 only, and
    a 20 loan at 8% with a 1.2 minimum DSCR and two cure quarters."""
    return make_network(
        [{"id": "spv", "kind": "spv", "cash": 5.0, "equity_market_access": 0.0},
         {"id": "tenant", "kind": "other", "cash": 100.0}, {"id": "bank", "kind": "bank"}],
        [{"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "tenant",
          "amount": 3.0, "annual_rent": 4.0, "start": "2025-10-01", "end": "2026-07-01"},
         {"id": "loan", "kind": "loan", "lender": "bank", "borrower": "spv", "amount": 20.0,
          "rate": 0.08, "start": "2025-10-01", "end": "2035-01-01",
          "covenants": {"min_dscr": 1.2, "cure_quarters": 2}}])


def test_a_dscr_breach_accelerates_the_loan_after_the_cure_period() -> None:
    # the SPV earns rent 1 a quarter in quarters 0-2 and pays 0.4 interest (20 at 8%):
    # coverage 2.5. From quarter 3 it earns nothing: coverage 0 < 1.2, a breach; with two
    # cure quarters the whole 20 falls due in quarter 4. Its cash: 5 + 3 × 0.6 − 0.4 = 6.4
    # at the end of quarter 3, so it defaults in quarter 4 and the bank recovers 6.4 of
    # 20.4. Without the covenant it pays 0.4 a quarter through quarter 19 and fails in 20.
    net = rent_stops_spv()
    f = FactorPaths.flat(1, 24, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2031Q3", params=ON)
    ids = res.entity_ids
    spv, bank = ids.index("spv"), ids.index("bank")
    assert res.entity is not None
    assert res.entity["cash"][0, 3, spv] == pytest.approx(6.4, abs=1e-12)
    assert res.default_quarter[0, spv] == 4
    assert res.creditor_losses()[0, bank, spv] == pytest.approx(20.4 - 6.4, abs=1e-12)
    off = simulate_paths(net, f, horizon="2031Q3")
    assert off.default_quarter[0, spv] == 20
    ref = simulate_reference(net, f, horizon="2031Q3", params=ON)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    np.testing.assert_allclose(res.entity["cash"], ref["cash"], atol=1e-12)


def test_a_trailing_dscr_breaches_later_than_a_quarterly_one() -> None:
    # the same SPV tested over trailing four quarters: operating cash flow 1, 1, 1, 0, 0,
    # 0, ... against 0.4 of debt service a quarter. Quarter 3: 3 / 1.6 = 1.875; quarter 4:
    # 2 / 1.6 = 1.25 (still ≥ 1.2); quarter 5: 1 / 1.6 = 0.625, the first breach;
    # quarter 6 the second, so the 20 falls due then. Cash at the end of quarter 5:
    # 5 + 3 × 0.6 − 3 × 0.4 = 5.6, which the bank recovers of 20.4.
    net = rent_stops_spv()
    f = FactorPaths.flat(1, 24, base_rate=0.0, equity_window=0.0)
    prm = EngineParams(dscr_covenants=True, dscr_window_quarters=4)
    res = simulate_paths(net, f, horizon="2031Q3", params=prm)
    ids = res.entity_ids
    spv, bank = ids.index("spv"), ids.index("bank")
    assert res.entity is not None
    assert res.entity["cash"][0, 5, spv] == pytest.approx(5.6, abs=1e-12)
    assert res.default_quarter[0, spv] == 6
    assert res.creditor_losses()[0, bank, spv] == pytest.approx(20.4 - 5.6, abs=1e-12)
    ref = simulate_reference(net, f, horizon="2031Q3", params=prm)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    np.testing.assert_allclose(res.entity["cash"], ref["cash"], atol=1e-12)


def test_a_cash_sweep_prepays_half_the_excess_cash() -> None:
    # cash 10, buffer 2, a 20 loan at 0% sweeping 50% of the cash above the buffer:
    # quarter 0 sweeps 4 (balance 16, cash 6), quarter 1 sweeps 2 (14, 4), quarter 2 1
    net = make_network(
        [{"id": "firm", "kind": "other", "cash": 10.0, "min_cash_buffer": 2.0},
         {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm",
          "amount": 20.0, "rate": 0.0, "start": "2025-10-01", "end": "2035-01-01",
          "covenants": {"cash_sweep": 0.5}}])
    f = FactorPaths.flat(1, 3, base_rate=0.0)
    res = simulate_paths(net, f, horizon="2026Q2", params=ON)
    assert res.debt is not None and res.entity is not None
    np.testing.assert_allclose(res.debt["outstanding"][0, :, 0], [16.0, 14.0, 13.0],
                               atol=1e-12)
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], [4.0, 2.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(res.entity["cash"][0, :, 0], [6.0, 4.0, 3.0], atol=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q2", params=ON)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
    np.testing.assert_allclose(res.entity["cash"], ref["cash"], atol=1e-12)


def test_a_default_among_its_peers_shuts_the_debt_market_to_a_borrower() -> None:
    # two neoclouds; n1 fails in quarter 0. In quarter 1 n2 must roll 10 with 1 of cash.
    # Its HY spread is 4%; the contagion premium 10% × 1/1 peer defaulted lifts it to 14%,
    # above the 8% at which the market shuts, so it cannot refinance and defaults (its
    # leverage 10/21 < 0.5 adds nothing). Without the conditions it rolls the loan over.
    net = make_network(
        [{"id": "n1", "kind": "neocloud", "operating_costs": 4.0},
         {"id": "n2", "kind": "neocloud", "cash": 1.0, "other_assets": 20.0},
         {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "n2", "amount": 10.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2026-03-01"}])
    f = FactorPaths.flat(1, 3, base_rate=0.0)
    prm = EngineParams(refinancing_conditions=True)
    res = simulate_paths(net, f, horizon="2026Q2", params=prm)
    off = simulate_paths(net, f, horizon="2026Q2")
    ids = res.entity_ids
    n2 = ids.index("n2")
    assert res.default_quarter[0, ids.index("n1")] == 0
    assert res.default_quarter[0, n2] == 1
    assert off.default_quarter[0, n2] == -1
    assert off.debt is not None and off.debt["refinanced"][0, 1, 0] > 0
    ref = simulate_reference(net, f, horizon="2026Q2", params=prm)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])


@pytest.mark.parametrize("cure_sales", [False, True])
def test_an_accelerated_loan_owes_no_ltv_cure_on_top(cure_sales: bool) -> None:
    # 9 at 8% against GPUs worth 10, both covenants curing at once: the borrower earns
    # nothing, so DSCR is 0 < 1.2 and the whole 9 falls due in quarter 0; LTV is 90% >
    # 80%, an excess of 1. The acceleration already takes the whole balance: the
    # borrower pays 9 + 0.18 of interest, not a further 1 of cure (which left the
    # balance at −1 before).
    net = make_network(
        [{"id": "b", "kind": "neocloud", "cash": 50.0, "equity_market_access": 0.0,
          "gpu_fleet": [{"generation": "H100", "quantity": 1, "delivery": "2025-10-01",
                         "cost": 10.0}]},
         {"id": "bank", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "b", "amount": 9.0,
          "rate": 0.08, "start": "2025-10-01", "end": "2030-01-01",
          "covenants": {"max_ltv": 0.8, "min_dscr": 1.2, "cure_quarters": 1},
          "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 10.0}}])
    f = FactorPaths.flat(1, 2, base_rate=0.0, equity_window=0.0)
    prm = EngineParams(dscr_covenants=True, ltv_covenants=True, ltv_cure_sales=cure_sales)
    res = simulate_paths(net, f, horizon="2026Q1", params=prm)
    assert res.debt is not None
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], [9.18, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.debt["outstanding"][0, :, 0], [0.0, 0.0], atol=1e-12)
    assert (res.default_quarter < 0).all()
    ref = simulate_reference(net, f, horizon="2026Q1", params=prm)
    np.testing.assert_allclose(ref["debt_paid"][0, :, 0], [9.18, 0.0], atol=1e-12)
