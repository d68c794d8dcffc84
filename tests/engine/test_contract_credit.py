"""Contracts as credit: a vehicle's receivables back its GPU loan; leases count as leverage."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.engine.stages.balance_sheet import contract_leverage
from bubblescope.testing.reference import simulate_reference
from bubblescope.testing.stages import StageBench

FLEET = [{"generation": "H100", "quantity": 1, "delivery": "2025-10-01", "cost": 10.0}]


def vehicle_net(kind: str) -> object:
    # a borrower with GPUs worth 10 owes 6 (max LTV 80%) and rents its GPUs to a lessee for
    # 2 a year from 2025Q4 to 2029Q4 (17 quarters of 0.5)
    return make_network(
        [{"id": "b", "kind": kind, "cash": 10.0, "other_assets": 10.0, "gpu_fleet": FLEET},
         {"id": "lessee", "kind": "hyperscaler", "cash": 100.0},
         {"id": "lender", "kind": "bank"}],
        [{"id": "b_loan", "kind": "loan", "lender": "lender", "borrower": "b",
          "amount": 6.0, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01",
          "covenants": {"max_ltv": 0.8, "cure_quarters": 1},
          "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 10.0}},
         {"id": "rent", "kind": "lease", "lessor": "b", "lessee": "lessee", "amount": 8.0,
          "annual_rent": 2.0, "start": "2025-10-01", "end": "2030-01-01"}])


@pytest.mark.parametrize("kind", ["spv", "neocloud"])
def test_a_vehicles_receivables_count_as_collateral(kind: str) -> None:
    # the resale price halves in quarter 1: the GPUs are worth 5, LTV 6/5 = 120% > 80%.
    # A borrowing vehicle (spv) also pledges the 7.5 of rent still due after quarter 1
    # (15 quarters × 0.5, counted to the lease's end, not the 2026Q3 horizon):
    # collateral 12.5, LTV 48%, no breach. An operating company with
    # the same books owes the pay-down 6 − 0.8 × 5 = 2 at once.
    net = vehicle_net(kind)
    f = FactorPaths.flat(1, 4, base_rate=0.0, equity_window=0.0)
    f.gpu_resale["default"][:, 1:] = 0.5
    prm = EngineParams(ltv_covenants=True)
    res = simulate_paths(net, f, horizon="2026Q3", params=prm)
    paid = res.debt["paid"][0, :, 0]
    expected = [0.0, 0.0, 0.0, 0.0] if kind == "spv" else [0.0, 2.0, 0.0, 0.0]
    np.testing.assert_allclose(paid, expected, atol=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q3", params=prm)
    np.testing.assert_allclose(ref["debt_paid"][0, :, 0], expected, atol=1e-12)


def test_contract_leverage_adds_leases_to_both_sides() -> None:
    bench = StageBench.of(vehicle_net("spv"), horizon="2026Q3").open()
    bench.flows.assets[:] = [20.0, 100.0, 0.0]
    bench.flows.liabilities[:] = [6.0, 0.0, 0.0]
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0)
    # after quarter 0, 16 quarters × 0.5 = 8 of rent remain, though the horizon (2026Q3)
    # holds only 3 of them
    rem = float(bench.net.remaining[0].sum())
    assert rem == pytest.approx(8.0)
    assert bench.st.leverage[0] == pytest.approx(6.0 / (20.0 + rem))
    assert bench.st.leverage[1] == pytest.approx(rem / 100.0)
    # a dead lessee owes nothing more: the lessor's receivable is gone
    bench.st.alive[1] = False
    contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0)
    assert bench.st.leverage[0] == pytest.approx(6.0 / 20.0)


def test_interest_only_until_amortisation_starts() -> None:
    # 12 at 0% rate, annuity to end-2028 (quarters 0..12), principal from 2027Q4 (quarter
    # 8): nothing repaid in quarters 0..7, then 12 / 5 a quarter over the last five
    net = make_network(
        [{"id": "b", "kind": "spv", "cash": 20.0}, {"id": "lender", "kind": "bank"}],
        [{"id": "loan", "kind": "loan", "lender": "lender", "borrower": "b", "amount": 12.0,
          "rate": 0.0, "start": "2025-10-01", "end": "2028-12-31", "amortisation": "annuity",
          "amortisation_start": "2027Q4"}])
    f = FactorPaths.flat(1, 13, base_rate=0.0)
    res = simulate_paths(net, f, horizon="2028Q4")
    expected = np.r_[np.zeros(8), np.full(5, 12.0 / 5)]
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], expected, atol=1e-12)
    ref = simulate_reference(net, f, horizon="2028Q4")
    np.testing.assert_allclose(ref["debt_paid"][0, :, 0], expected, atol=1e-12)


def test_amortisation_start_after_the_end_is_rejected() -> None:
    with pytest.raises(ValueError, match="amortisation_start"):
        make_network(
            [{"id": "b", "kind": "spv"}, {"id": "lender", "kind": "bank"}],
            [{"id": "loan", "kind": "loan", "lender": "lender", "borrower": "b",
              "amount": 1.0, "rate": 0.0, "end": "2027-01-01",
              "amortisation_start": "2028-01-01"}])


def test_rolled_over_debt_is_repriced_at_the_market() -> None:
    # 10 at a 5% fixed coupon, due in 2026Q1 (quarter 1); the borrower has 1 of cash and
    # 30 of other assets (leverage 1/3: no premium): it repays what its cash allows and
    # rolls the rest over at base 4% + HY spread 4% = 8%, i.e. 2% a quarter on what is
    # left, against 1.25% a quarter before
    net = make_network(
        [{"id": "b", "kind": "neocloud", "cash": 1.0, "other_assets": 30.0},
         {"id": "bank", "kind": "bank", "cash": 50.0}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "b", "amount": 10.0,
          "rate": 0.05, "start": "2025-10-01", "end": "2026-03-31"}])
    f = FactorPaths.flat(1, 4, base_rate=0.04, spread_hy=0.04, equity_window=1.0)
    on = EngineParams(refinancing_conditions=True)
    res = simulate_paths(net, f, horizon="2026Q3", params=on)
    assert (res.default_quarter < 0).all()
    due, out = res.debt["due"][0, :, 0], res.debt["outstanding"][0, :, 0]
    principal = np.r_[0.0, out[:-1]] - out          # what each quarter's payment retired
    principal[0] = 10.0 - out[0]
    interest = due - res.debt["refinanced"][0, :, 0] - principal
    np.testing.assert_allclose(interest[:2], [0.125, 0.125], atol=1e-12)
    assert res.debt["refinanced"][0, 1] > 9.0                 # most of it rolled over
    np.testing.assert_allclose(interest[2:], out[1:3] * 0.02, atol=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q3", params=on)
    np.testing.assert_allclose(ref["debt_paid"][0, :, 0], res.debt["paid"][0, :, 0],
                               atol=1e-12)
    # without the refinancing conditions the loan rolls over at its old coupon
    off = simulate_paths(net, f, horizon="2026Q3")
    o_due, o_out = off.debt["due"][0, :, 0], off.debt["outstanding"][0, :, 0]
    o_int = o_due - off.debt["refinanced"][0, :, 0] - (np.r_[10.0, o_out[:-1]] - o_out)
    np.testing.assert_allclose(o_int[2:], np.r_[10.0, o_out[:-1]][2:] * 0.0125, atol=1e-12)
