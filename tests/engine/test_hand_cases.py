"""Small networks worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, compile_network, simulate_paths
from bubblescope.engine.stages.schedules import annuity_level


def test_annuity_loan_matches_the_textbook() -> None:
    # 100 at 8%/yr, quarterly annuity over 8 quarters (2025Q4 .. 2027Q3)
    net = make_network(
        [{"id": "bank", "kind": "bank"}, {"id": "firm", "cash": 1000.0}],
        [{"id": "l", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 100.0,
          "rate": 0.08, "amortisation": "annuity", "start": "2025-10-01",
          "end": "2027-07-01"}])
    payment = 100 * 0.02 / (1 - 1.02 ** -8)
    assert payment == pytest.approx(13.650980, abs=1e-6)
    assert annuity_level(100.0, 0.02, 8) == pytest.approx(payment, rel=1e-12)
    res = simulate_paths(net, FactorPaths.flat(1, 12, base_rate=0.0), horizon="2028Q3")
    paid = res.debt["paid"][0, :, 0]
    np.testing.assert_allclose(paid[:8], payment, rtol=1e-12)
    np.testing.assert_allclose(paid[8:], 0.0, atol=1e-12)
    # balance after each payment follows B_{t+1} = B_t (1 + r) - A
    b, expected = 100.0, []
    for _ in range(8):
        b = b * 1.02 - payment
        expected.append(b)
    np.testing.assert_allclose(res.debt["outstanding"][0, :8, 0], expected, atol=1e-9)
    assert res.debt["outstanding"][0, 7, 0] == pytest.approx(0.0, abs=1e-9)
    # the bank receives exactly what the firm pays: interest + principal
    assert res.entity["cash"][0, 7, 0] == pytest.approx(8 * payment, rel=1e-12)


def spv_network(lessee_cash: float) -> object:
    return make_network(
        [{"id": "lessee", "kind": "hyperscaler", "cash": lessee_cash,
          "equity_market_access": 0.0},
         {"id": "spv", "kind": "spv", "other_assets": 10.0},
         {"id": "holder", "kind": "pension_fund"}],
        [{"id": "bond", "kind": "bond", "issuer": "spv", "amount": 10.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2040-01-01",
          "holders": [{"holder": "holder", "amount": 10.0}]},
         {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "lessee",
          "amount": 9.0, "annual_rent": 0.6, "start": "2025-10-01", "end": "2040-01-01"}])


def test_spv_bond_defaults_when_its_only_lessee_stops_paying() -> None:
    f = FactorPaths.flat(1, 20, base_rate=0.0)
    res = simulate_paths(spv_network(0.35), f, horizon="2030Q3")
    ids = res.entity_ids
    lessee, spv, holder = (ids.index(x) for x in ("lessee", "spv", "holder"))
    # the lessee pays 0.15 in 2025Q4 and 2026Q1, then has 0.05 left: it defaults in 2026Q2
    assert res.default_quarter[0, lessee] == 2
    # the SPV's only income fails the same quarter; it cannot pay its 0.15 coupon
    assert res.default_quarter[0, spv] == 2
    np.testing.assert_allclose(res.debt["paid"][0, :2, 0], 0.15, rtol=1e-12)
    # bondholders: claim 10 + 0.15; estate = 0.05 received + 10 × 0.5 recovery = 5.05
    loss = res.creditor_losses()[0]
    assert loss[holder, spv] == pytest.approx(10.15 - 5.05, abs=1e-12)
    assert res.shortfall[0, spv] == pytest.approx(5.10, abs=1e-12)
    # with a solvent lessee nothing defaults and the bond pays every coupon
    ok = simulate_paths(spv_network(100.0), f, horizon="2030Q3")
    assert not ok.defaulted.any()
    np.testing.assert_allclose(ok.debt["paid"][0, :, 0], 0.15, rtol=1e-12)


def test_equity_is_wiped_before_the_senior_lender_loses() -> None:
    net = make_network(
        [{"id": "bank", "kind": "bank", "cash": 1.0},
         {"id": "investor", "kind": "venture_fund", "cash": 1.0},
         {"id": "firm", "kind": "other", "cash": 6.0, "other_assets": 6.0,
          "operating_costs": 4.0}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 10.0,
          "rate": 0.08, "start": "2025-10-01", "end": "2035-01-01",
          "seniority": "senior_secured"},
         {"id": "stake", "kind": "equity_stake", "investor": "investor", "issuer": "firm",
          "amount": 3.0, "status": "funded", "amount_type": "drawn"}])
    res = simulate_paths(net, FactorPaths.flat(1, 12, base_rate=0.0), horizon="2028Q3")
    firm = res.entity_ids.index("firm")
    bank = res.entity_ids.index("bank")
    dq = res.default_quarter[0, firm]
    assert dq > 0
    equity = res.entity["book_equity"][0, :, firm]
    wiped = int(np.argmax(equity <= 0))
    assert equity[wiped] <= 0 and wiped < dq
    # the lender is paid in full while the equity cushion goes, and loses only at default
    np.testing.assert_allclose(res.debt["paid"][0, :dq, 0], 0.2, rtol=1e-12)
    assert res.creditor_losses()[0, bank, firm] > 0
    # the shareholder's stake is written off in full
    assert res.loss_stakes[0, 0] == pytest.approx(3.0)


def test_take_or_pay_pays_its_minimum_when_demand_collapses() -> None:
    net = make_network(
        [{"id": "buyer", "kind": "ai_lab", "cash": 100.0},
         {"id": "cloud", "kind": "neocloud"}],
        [{"id": "cc", "kind": "compute_contract", "buyer": "buyer", "seller": "cloud",
          "amount": 40.0, "take_or_pay_share": 0.6, "start": "2026-01-01",
          "end": "2036-01-01"}])
    normal = simulate_paths(net, FactorPaths.flat(1, 8), horizon="2027Q3")
    crash = simulate_paths(net, FactorPaths.flat(1, 8, ai_demand=0.05), horizon="2027Q3")
    np.testing.assert_allclose(normal.trade["paid"][0, 1:, 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(crash.trade["paid"][0, 1:, 0], 0.6 + 0.4 * 0.05, rtol=1e-12)
    assert crash.trade["paid"][0, 0, 0] == 0.0  # starts 2026Q1


def test_compile_counts_and_rules() -> None:
    net = make_network(
        [{"id": "a", "debt": 5.0, "cost_of_debt": 0.05}, {"id": "b"}, {"id": "h"}],
        [{"id": "bond", "kind": "bond", "issuer": "a", "amount": 10.0, "rate": 0.05,
          "end": "2030-01-01", "holders": [{"holder": "h", "amount": 4.0}]},
         {"id": "gone", "kind": "loan", "lender": "b", "borrower": "a", "amount": 3.0,
          "rate": 0.05, "status": "cancelled"},
         {"id": "fac", "kind": "credit_facility", "lender": "b", "borrower": "a",
          "amount": 5.0, "drawn": 1.0, "rate": 0.05, "end": "2030-01-01"},
         {"id": "pw", "kind": "power_supply", "supplier": "b", "buyer": "a", "mw": 100.0,
          "price": 50.0, "start": "2026-01-01", "end": "2027-01-01"},
         {"id": "ls", "kind": "lease", "lessor": "b", "lessee": "a", "amount": 40.0,
          "annual_rent": 4.0, "start": "2025-10-01", "end": "2035-10-01",
          "residual_value_guarantee": 2.0}])
    c = compile_network(net)
    assert c.n_quarters == 97 and c.quarters[0] == "2025Q4" and c.quarters[-1] == "2049Q4"
    assert c.debt_ids == ["a.outside_debt", "bond", "fac"]
    np.testing.assert_allclose(c.creditor_share[1], [0, 0, 0.4, 0.6])  # rest is external
    assert c.principal0.tolist() == [5.0, 10.0, 1.0] and c.undrawn0.tolist() == [0, 0, 4.0]
    assert c.drawable.tolist() == [False, False, True]
    k = c.trade_ids.index("pw")
    # 100 MW × $50/MWh × 2190 h = $10.95M a quarter, 2026Q1..2026Q4
    np.testing.assert_allclose(c.fixed[1:5, k], 100 * 50 * 2190 / 1e9)
    assert c.fixed[0, k] == 0 and c.fixed[5, k] == 0
    # lessor's claim if the lessee defaults in 2025Q4: max(one year = 4, 15% of the 39
    # quarters left = 5.85), capped at three years (12), plus the RVG of 2
    k = c.trade_ids.index("ls")
    np.testing.assert_allclose(c.fixed[:40, k], 1.0)
    assert c.lease_claim[0, k] == pytest.approx(5.85 + 2.0)
    assert c.lease_claim[39, k] == pytest.approx(2.0)  # last quarter: only the RVG
    assert c.lease_claim[40, k] == 0.0


def test_bad_horizon_and_factor_length() -> None:
    net = make_network([{"id": "a"}, {"id": "b"}], [])
    with pytest.raises(ValueError, match="horizon: 2025Q3 comes before"):
        simulate_paths(net, FactorPaths.flat(1, 10), horizon="2025Q3")
    with pytest.raises(ValueError, match="horizon"):
        simulate_paths(net, FactorPaths.flat(1, 10), horizon="soon")
    with pytest.raises(ValueError, match="factors: 10 quarters given"):
        simulate_paths(net, FactorPaths.flat(1, 10))
    with pytest.raises(ValueError, match="factors"):
        simulate_paths(net, np.ones((2, 97)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="factors: paths start in 2026Q1"):
        simulate_paths(net, FactorPaths.baseline(1, 97, start="2026Q1"))


def test_residual_goes_to_the_listed_owners() -> None:
    # illiquid but solvent: no cash, 100 of other assets, 1 of opex due, no market access
    net = make_network(
        [{"id": "owner", "kind": "private_credit_fund"},
         {"id": "firm", "kind": "spv", "other_assets": 100.0, "operating_costs": 4.0,
          "equity_market_access": 0.0}],
        [{"id": "stake", "kind": "equity_stake", "investor": "owner", "issuer": "firm",
          "amount": 10.0, "ownership": 0.8, "status": "funded", "amount_type": "drawn"}])
    res = simulate_paths(net, FactorPaths.flat(1, 4, base_rate=0.0), horizon="2026Q3")
    assert res.default_quarter[0, 1] == 0
    assert res.entity is not None and res.external_out is not None
    # estate 100 × 50% = 50; opex 1 paid in full; 49 left: 80% to the owner
    assert res.entity["cash"][0, 0, 0] == pytest.approx(0.8 * 49.0)
    assert res.loss_stakes[0, 0] == pytest.approx(10.0 - 0.8 * 49.0)
    assert res.shortfall[0, 1] == pytest.approx(0.0)


def test_engine_params_are_checked() -> None:
    from bubblescope.engine import EngineParams

    with pytest.raises(ValueError, match="recovery_other_assets"):
        EngineParams(recovery_other_assets=1.5)
    with pytest.raises(ValueError, match="accounting_life_years"):
        EngineParams(accounting_life_years=0.0)
    with pytest.raises(ValueError, match="max_iterations"):
        EngineParams(max_iterations=0)


def test_a_defaulters_loans_are_not_counted_twice() -> None:
    # A (other assets 8, worth 4 in default) owes B 10 now and defaults; C (cash 6) owes B
    # 10 at 0%, 6 of it now; B owes L 12 now and has nothing else. B receives 4 + 6 = 10 <
    # 12 and defaults too. Its estate: the 10 received, plus its loans at what is left of
    # them — nothing of A's (A's waterfall already paid that claim), 4 of C's (10 less the
    # 6 repaid) — so 14 ≥ 12: L is paid in full and B's owners get 2. Counting the loans
    # at their opening 20 would have found 30.
    from bubblescope.testing.reference import simulate_reference

    loan = {"kind": "loan", "rate": 0.0, "start": "2025-10-01"}
    net = make_network(
        [{"id": "a", "kind": "other", "other_assets": 8.0},
         {"id": "b", "kind": "other"}, {"id": "c", "kind": "other", "cash": 6.0},
         {"id": "l", "kind": "bank"}],
        [{"id": "ab", "lender": "b", "borrower": "a", "amount": 10.0, "end": "2025-12-01",
          **loan},
         {"id": "cb", "lender": "b", "borrower": "c", "amount": 10.0, "end": "2026-06-01",
          "amortisation": "custom", "schedule": [{"date": "2025-12-01", "amount": 6.0},
                                                 {"date": "2026-06-01", "amount": 4.0}],
          **loan},
         {"id": "bl", "lender": "l", "borrower": "b", "amount": 12.0, "end": "2025-12-01",
          **loan}])
    f = FactorPaths.flat(1, 3, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2026Q2")
    ids, debt = res.entity_ids, res.compiled.debt_ids
    assert res.default_quarter[0, ids.index("a")] == 0
    assert res.default_quarter[0, ids.index("b")] == 0
    assert res.loss_debt[0, debt.index("ab")] == pytest.approx(6.0, abs=1e-12)
    assert res.loss_debt[0, debt.index("bl")] == pytest.approx(0.0, abs=1e-12)
    assert res.debt is not None
    assert res.debt["paid"][0, 0, debt.index("cb")] == pytest.approx(6.0, abs=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q2")
    np.testing.assert_allclose(res.loss_debt, ref["loss_debt"], atol=1e-12)
    np.testing.assert_allclose(res.shortfall, ref["shortfall"], atol=1e-12)
