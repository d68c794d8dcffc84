"""Securitisations carried by the engine: the plan that sells the pool to the issuer and
turns the rated tranches into its notes and the bottom tranche into its equity — worked by
hand."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine.securitisation import (
    lease_rents,
    pass_through,
    plan_securitisations,
    sold_share,
)
from bubblescope.model.contracts import Lease
from bubblescope.model.network import Network


def deal_network(tenant_cash: float, *, status: str = "funded", senior_coupon: float = 0.0,
                 with_deal: bool = True) -> Network:
    """A tenant rents from a landlord 1.0 a quarter in quarters 1–8 (8.0 in all); the
    landlord sponsors a deal of amount 6 on the lease: equity 0–20% (1.2, the landlord),
    mezzanine 20–40% (1.2, a pension fund), senior 40–100% (3.6, an insurer)."""
    contracts: list[dict] = [
        {"id": "lease", "kind": "lease", "lessor": "landlord", "lessee": "tenant",
         "amount": 8.0, "annual_rent": 4.0, "start": "2026-01-01", "end": "2028-01-01"}]
    if with_deal:
        contracts.append(
            {"id": "abs", "kind": "securitisation", "issuer": "trust", "sponsor": "landlord",
             "status": status, "amount": 6.0, "start": "2025-10-01", "pool": ["lease"],
             "tranches": [
                 {"name": "equity", "attachment": 0.0, "detachment": 0.2,
                  "remainder_holder": "landlord"},
                 {"name": "mezz", "attachment": 0.2, "detachment": 0.4, "coupon": 0.0,
                  "holders": [{"holder": "pension", "share": 1.0}]},
                 {"name": "senior", "attachment": 0.4, "detachment": 1.0,
                  "coupon": senior_coupon,
                  "holders": [{"holder": "insurer", "share": 1.0}]}]})
    return make_network(
        [{"id": "tenant", "cash": tenant_cash, "other_assets": 2.0},
         {"id": "landlord", "cash": 1.0}, {"id": "trust", "kind": "spv"},
         {"id": "pension", "kind": "pension_fund"}, {"id": "insurer", "kind": "insurer"}],
        contracts)


def test_lease_rents_are_the_compiled_schedule_over_the_whole_term() -> None:
    lease = deal_network(20.0).contract("lease")
    assert isinstance(lease, Lease)
    q0 = 2025 * 4 + 3
    assert lease_rents(lease, q0) == {t: 1.0 for t in range(1, 9)}


def test_plan_sells_the_share_that_repays_the_notes_and_returns_the_equity() -> None:
    # 0% notes: the issuer needs 3.6 + 1.2 + 1.2 = 6 of the 8 of rent: s = 0.75, so it
    # collects 0.75 a quarter; the senior is repaid 0.75 in quarters 1–4 and 0.6 in 5, the
    # mezzanine 0.15 in 5, 0.75 in 6 and 0.3 in 7; the equity gets 0.45 + 0.75 = 1.2.
    (plan,) = plan_securitisations(deal_network(20.0))
    assert plan.sold_share == pytest.approx(0.75, abs=1e-12)
    assert plan.reserve == 0.0
    assert plan.leases == ("lease",) and plan.debts == ()
    np.testing.assert_allclose(plan.collections, [0.0] + [0.75] * 8, atol=1e-12)
    eq, mezz, senior = plan.tranches
    assert eq.equity and eq.notional == pytest.approx(1.2, abs=1e-12)
    assert eq.holders[1] == 1.0                        # the landlord holds the equity
    assert (senior.rank, mezz.rank) == (1, 2)
    assert senior.principal == pytest.approx(3.6) and mezz.principal == pytest.approx(1.2)
    np.testing.assert_allclose(senior.schedule, [0, .75, .75, .75, .75, .6, 0, 0, 0],
                               atol=1e-12)
    np.testing.assert_allclose(mezz.schedule, [0, 0, 0, 0, 0, .15, .75, .3, 0], atol=1e-12)
    assert senior.maturity == mezz.maturity == 8


def test_a_coupon_due_before_the_first_rent_needs_a_reserve() -> None:
    # senior at 4%: quarter 0 has interest 3.6 × 0.04 / 4 = 0.036 and no rent yet
    (plan,) = plan_securitisations(deal_network(20.0, senior_coupon=0.04))
    assert plan.reserve == pytest.approx(0.036, abs=1e-12)
    sched, cash, bal = pass_through(plan.collections, np.array([3.6, 1.2]),
                                    np.array([0.04, 0.0]))
    assert bal.sum() == pytest.approx(0.0, abs=1e-12)
    assert cash.min() == pytest.approx(-0.036, abs=1e-12)
    assert cash[-1] == pytest.approx(1.2, abs=1e-9)    # the equity's notional comes back
    assert sched[:, 0].sum() == pytest.approx(3.6, abs=1e-12)
    assert plan.sold_share > 0.75


def test_sold_share_caps_at_one_when_the_pool_cannot_carry_the_notes() -> None:
    sold = np.array([1.0, 1.0])
    assert sold_share(sold, np.zeros(2), np.array([3.0]), np.array([0.0]), 0.0) == 1.0
    assert sold_share(sold, np.zeros(2), np.array([1.0]), np.array([0.0]), 0.5) == \
        pytest.approx(0.75, abs=1e-12)
    assert sold_share(sold, np.array([2.0, 0.0]), np.array([1.0]), np.array([0.0]),
                      0.5) == 0.0


def test_the_plan_is_pure_and_a_cancelled_deal_plans_nothing() -> None:
    net = deal_network(4.5, senior_coupon=0.05)
    before = net.model_dump()
    p1, p2 = plan_securitisations(net), plan_securitisations(net)
    assert net.model_dump() == before
    assert p1[0].sold_share == p2[0].sold_share
    for a, b in zip(p1[0].tranches, p2[0].tranches, strict=True):
        np.testing.assert_array_equal(a.schedule, b.schedule)
    assert plan_securitisations(deal_network(4.5, status="cancelled")) == []
