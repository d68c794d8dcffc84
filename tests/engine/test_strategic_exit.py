"""Strategic lease exits (issue 6, mechanism 2), worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference

ON = EngineParams(strategic_default=True)


def spv_network(earliest_exit: str | None = "2026-07-01") -> object:
    lease = {"id": "lease", "kind": "lease", "lessor": "spv", "lessee": "lessee",
             "amount": 56.0, "annual_rent": 4.0, "start": "2025-10-01",
             "end": "2040-01-01", "termination_payment": 2.0,
             "residual_value_guarantee": 1.0}
    if earliest_exit:
        lease["earliest_exit"] = earliest_exit
    return make_network(
        [{"id": "lessee", "kind": "hyperscaler", "cash": 100.0, "rating": "A+",
          "strategic_exit": {"allowed": True, "demand_threshold": 0.5,
                             "quarters_below": 2}},
         {"id": "spv", "kind": "spv", "cash": 0.5, "other_assets": 10.0, "rating": "A+",
          "equity_market_access": 0.0},
         {"id": "holder", "kind": "pension_fund"}],
        [{"id": "bond", "kind": "bond", "issuer": "spv", "amount": 20.0, "rate": 0.06,
          "start": "2025-10-01", "end": "2040-01-01",
          "holders": [{"holder": "holder", "amount": 20.0}]},
         lease])


def demand_drop(quarters: int, at: int) -> FactorPaths:
    f = FactorPaths.flat(1, quarters, base_rate=0.0)
    f.ai_demand[:, at:] = 0.3
    return f


def test_lessee_exits_and_the_spv_bond_defaults_once_its_reserve_is_spent() -> None:
    # rent 1 a quarter, coupon 0.3. Demand falls to 0.3 from quarter 4; after two
    # quarters below 0.5 the lessee leaves in quarter 5 (earliest exit: quarter 3) and pays
    # the termination payment 2 + residual value guarantee 1 instead of rent.
    # SPV cash: 0.5 + 5 × 0.7 = 4.0 after quarter 4; 4.0 + 3 − 0.3 = 6.7 after quarter 5;
    # then −0.3 a quarter: 0.1 left after quarter 27, so it defaults in quarter 28.
    # Bondholders claim 20 + 0.3 and recover 0.1 cash + 10 × 50% other assets = 5.1.
    f = demand_drop(33, 4)
    net = spv_network()
    res = simulate_paths(net, f, horizon="2033Q4", params=ON)
    ids = res.entity_ids
    spv, holder, lessee = ids.index("spv"), ids.index("holder"), ids.index("lessee")
    assert res.trade is not None and res.entity is not None and res.debt is not None
    np.testing.assert_allclose(res.trade["paid"][0, :5, 0], 1.0, rtol=1e-12)
    assert res.trade["paid"][0, 5, 0] == pytest.approx(3.0, abs=1e-12)
    np.testing.assert_allclose(res.trade["paid"][0, 6:, 0], 0.0, atol=1e-12)
    assert res.exit_quarter is not None and res.exit_quarter[0, 0] == 5
    assert res.entity["cash"][0, 5, spv] == pytest.approx(6.7, abs=1e-12)
    assert res.entity["cash"][0, 27, spv] == pytest.approx(0.1, abs=1e-9)
    assert res.default_quarter[0, spv] == 28
    assert res.default_quarter[0, lessee] == -1
    assert res.creditor_losses()[0, holder, spv] == pytest.approx(20.3 - 5.1, abs=1e-9)
    # bond marks: performing at the A+ yield (base 0 + IG spread 1%) with the 6% coupon
    # over min(57 − t, 40) = 40 quarters; after the exit the SPV's coverage caps the price:
    # (cash 6.7 + other assets 10 × 50%) / 20 = 0.585; at the default the recovery
    # 5.1 / 20.3; afterwards that recovery is kept
    q = 0.01 / 4
    perf = 0.015 * (1 - (1 + q) ** -40) / q + (1 + q) ** -40
    assert res.debt_price is not None
    np.testing.assert_allclose(res.debt_price[0, :5, 0], perf, rtol=1e-12)
    assert res.debt_price[0, 5, 0] == pytest.approx((6.7 + 5.0) / 20.0, abs=1e-12)
    assert res.debt_price[0, 27, 0] == pytest.approx((0.1 + 5.0) / 20.0, abs=1e-9)
    np.testing.assert_allclose(res.debt_price[0, 28:, 0], 5.1 / 20.3, rtol=1e-9)
    ref = simulate_reference(net, f, horizon="2033Q4", params=ON)
    np.testing.assert_allclose(res.trade["paid"], ref["trade_paid"], atol=1e-12)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    # switched off: the lessee keeps paying and nothing defaults
    off = simulate_paths(net, f, horizon="2033Q4")
    assert not off.defaulted.any()
    np.testing.assert_allclose(off.trade["paid"][0, :, 0], 1.0, rtol=1e-12)


def test_the_earliest_exit_date_binds() -> None:
    # demand below the threshold from quarter 0: the run reaches 2 in quarter 1, but the
    # lease cannot be left before 2026-07-01 (quarter 3)
    res = simulate_paths(spv_network(), demand_drop(8, 0), horizon="2027Q3", params=ON)
    assert res.trade is not None
    assert res.exit_quarter is not None and res.exit_quarter[0, 0] == 3
    np.testing.assert_allclose(res.trade["paid"][0, :3, 0], 1.0, rtol=1e-12)
    assert res.trade["paid"][0, 3, 0] == pytest.approx(3.0, abs=1e-12)


def test_walking_away_without_an_exit_date_owes_damages() -> None:
    # no earliest exit: the lessee leaves in quarter 1 and owes the lessor's damages —
    # the greater of a year's rent (4) and 15% of the rent left after the quarter
    # (quarters 2..56: 0.15 × 55 = 8.25), at most three years' rent (12) — plus the
    # residual value guarantee 1: 9.25
    res = simulate_paths(spv_network(None), demand_drop(61, 0), horizon="2040Q4", params=ON)
    assert res.trade is not None
    assert res.trade["paid"][0, 0, 0] == pytest.approx(1.0)
    assert res.trade["paid"][0, 1, 0] == pytest.approx(9.25, abs=1e-9)
    np.testing.assert_allclose(res.trade["paid"][0, 2:, 0], 0.0, atol=1e-12)


def test_reserve_then_guarantee_then_bond_loss() -> None:
    # as above, with a sponsor guaranteeing 50% of the bondholders' loss up to 5: the SPV
    # lives on its reserve until quarter 28, then defaults; the holders lose 15.2, the
    # sponsor pays min(0.5 × 15.2, 5) = 5 that quarter and the holders' net loss is 10.2
    from bubblescope.model.network import Network

    d = spv_network().model_dump(mode="json")
    d["entities"].append({"id": "sponsor", "name": "sponsor", "kind": "hyperscaler",
                          "cash": 50.0, "source": ["S1-13"]})
    d["contracts"].append({"id": "guar", "kind": "guarantee", "guarantor": "sponsor",
                           "obligation": "bond", "amount": 5.0, "coverage": 0.5,
                           "start": "2025-10-01", "source": ["S1-13"]})
    net = Network.model_validate(d)
    f = demand_drop(33, 4)
    prm = EngineParams(strategic_default=True, guarantees=True)
    res = simulate_paths(net, f, horizon="2033Q4", params=prm)
    ids = res.entity_ids
    spv, holder, sponsor = ids.index("spv"), ids.index("holder"), ids.index("sponsor")
    assert res.entity is not None and res.guarantee_paid is not None
    assert res.default_quarter[0, spv] == 28
    assert res.creditor_losses()[0, holder, spv] == pytest.approx(15.2, abs=1e-9)
    assert res.guarantee_paid[0, 0] == pytest.approx(5.0, abs=1e-12)
    assert res.entity["cash"][0, 28, sponsor] == pytest.approx(45.0, abs=1e-9)
    # the holder's cash: 0.3 coupons for 28 quarters, then 5.1 recovered + 5 guaranteed
    assert res.entity["cash"][0, 28, holder] == pytest.approx(28 * 0.3 + 5.1 + 5.0, abs=1e-9)
    ref = simulate_reference(net, f, horizon="2033Q4", params=prm)
    np.testing.assert_allclose(res.entity["cash"], ref["cash"], atol=1e-9)
    np.testing.assert_allclose(res.guarantee_paid, ref["guarantee_paid"], atol=1e-12)
