"""Securitisations carried by the engine: the pool sold to the issuer, the rated tranches as
its notes, the bottom tranche as its equity — worked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from engine_nets import assert_matches_reference, make_network
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_invariants import check_all

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.engine.calendar import lease_rents
from bubblescope.engine.compile import compile_network
from bubblescope.engine.securitisation import (
    pass_through,
    plan_securitisations,
    sold_share,
)
from bubblescope.model.contracts import Lease
from bubblescope.model.network import Network
from bubblescope.testing.engine_strategies import (
    engine_networks,
    factor_paths,
    mechanism_params,
)
from bubblescope.testing.reference import simulate_reference

HORIZON = "2028Q1"          # quarters 0 (2025Q4) .. 9 (2028Q1)


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


def flat(paths: int = 1) -> FactorPaths:
    return FactorPaths.flat(paths, 10, base_rate=0.0, equity_window=0.0)


def test_the_sponsor_funds_the_reserve_at_the_as_of_date() -> None:
    # the 0.036 of quarter 0's senior coupon moves from the landlord's cash 1.0 to the trust
    c = compile_network(deal_network(20.0, senior_coupon=0.04), HORIZON)
    ids = c.entity_ids
    assert c.cash0[ids.index("trust")] == pytest.approx(0.036, abs=1e-12)
    assert c.cash0[ids.index("landlord")] == pytest.approx(1.0 - 0.036, abs=1e-12)


def test_full_performance_repays_the_notes_on_schedule_and_leaves_the_equity_its_residual(
        ) -> None:
    res = simulate_paths(deal_network(20.0), flat(), horizon=HORIZON, keep_paths=True)
    c = res.compiled
    ids, debt = c.entity_ids, c.debt_ids
    assert not res.defaulted.any()
    # the lease is split: 0.25 a quarter stays with the landlord, 0.75 goes to the trust
    k_kept, k_sold = c.trade_ids.index("lease"), c.trade_ids.index("abs/lease")
    np.testing.assert_allclose(c.fixed[1:9, k_kept], 0.25, atol=1e-15)
    np.testing.assert_allclose(c.fixed[1:9, k_sold], 0.75, atol=1e-15)
    assert c.payee[k_sold] == ids.index("trust") and c.payer[k_sold] == ids.index("tenant")
    assert res.debt is not None and res.entity is not None
    paid = res.debt["paid"][0]
    np.testing.assert_allclose(paid[:, debt.index("abs/senior")],
                               [0, .75, .75, .75, .75, .6, 0, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(paid[:, debt.index("abs/mezz")],
                               [0, 0, 0, 0, 0, .15, .75, .3, 0, 0], atol=1e-12)
    cash = res.entity["cash"][0, -1]
    assert cash[ids.index("insurer")] == pytest.approx(3.6, abs=1e-12)
    assert cash[ids.index("pension")] == pytest.approx(1.2, abs=1e-12)
    assert cash[ids.index("trust")] == pytest.approx(1.2, abs=1e-12)     # the equity's
    assert cash[ids.index("landlord")] == pytest.approx(1.0 + 8 * 0.25, abs=1e-12)
    assert cash[ids.index("tenant")] == pytest.approx(20.0 - 8.0, abs=1e-12)
    # money conserved: the 8 of rent ends with the landlord, the trust and the holders
    assert cash.sum() == pytest.approx(20.0 + 1.0, abs=1e-12)
    # the trust's book equity: its cash less the notes, which start at 4.8 outstanding
    eq = res.entity["book_equity"][0, :, ids.index("trust")]
    assert eq[0] == pytest.approx(-4.8, abs=1e-12) and eq[-1] == pytest.approx(1.2, abs=1e-12)
    assert (res.tranche_losses().to_numpy() == 0).all()
    check_all(res)


def test_a_lessee_default_passes_the_loss_to_the_tranches_bottom_up() -> None:
    # The tenant (cash 4.5, other assets 2 worth 1 in default) pays quarters 1–4 and
    # defaults in quarter 5 with 0.5 of the rent due. Its creditors claim the rent due (1)
    # and the lessor's damages, one year of rent or all that is left if less: 3 (quarters
    # 6–8), in all 4, of which the trust's part is 0.75 × 4 = 3. Estate 0.5 + 1 = 1.5, so
    # 37.5% recovered: the trust gets 1.125, the landlord 0.375.
    # The trust in quarter 5 pays the senior its last 0.6 and the mezzanine 0.15 (0.375
    # left); in quarter 6 it owes the mezzanine 0.75, defaults, and its 0.375 goes to the
    # mezzanine (1.05 outstanding): the senior loses 0, the mezzanine 0.675, the equity
    # (the landlord's stake at its cost 1.2) all of it. The pool's loss to the trust,
    # 6 − (3 + 1.125) = 1.875, is 0 + 0.675 + 1.2.
    res = simulate_paths(deal_network(4.5), flat(), horizon=HORIZON, keep_paths=True)
    c = res.compiled
    ids, debt = c.entity_ids, c.debt_ids
    assert res.default_quarter[0, ids.index("tenant")] == 5
    assert res.default_quarter[0, ids.index("trust")] == 6
    assert res.trade is not None
    k_kept, k_sold = c.trade_ids.index("lease"), c.trade_ids.index("abs/lease")
    assert res.trade["paid"][0, 5, k_sold] == pytest.approx(1.125, abs=1e-9)
    assert res.trade["paid"][0, 5, k_kept] == pytest.approx(0.375, abs=1e-9)
    assert res.loss_debt[0, debt.index("abs/senior")] == pytest.approx(0.0, abs=1e-9)
    assert res.loss_debt[0, debt.index("abs/mezz")] == pytest.approx(0.675, abs=1e-9)
    tl = res.tranche_losses()
    assert list(tl.columns) == [("abs", "equity"), ("abs", "mezz"), ("abs", "senior")]
    np.testing.assert_allclose(tl.to_numpy()[0], [1.2, 0.675, 0.0], atol=1e-9)
    assert tl.to_numpy()[0].sum() == pytest.approx(6.0 - 3.0 - 1.125, abs=1e-9)
    by_holder = res.tranche_holder_losses()[0]
    assert by_holder[ids.index("landlord")] == pytest.approx(1.2, abs=1e-9)
    assert by_holder[ids.index("pension")] == pytest.approx(0.675, abs=1e-9)
    assert by_holder[ids.index("insurer")] == pytest.approx(0.0, abs=1e-9)
    check_all(res)


def test_an_earlier_default_reaches_the_senior_notes() -> None:
    # The tenant (cash 1.5) pays quarter 1 and defaults in quarter 2 with 0.5: claims 1 due
    # + one year's rent 4 = 5, the trust's 3.75; estate 1.5, 30%: the trust gets 1.125.
    # It pays the senior its 0.75 of quarter 2 (0.375 left), owes 0.75 in quarter 3 and
    # defaults: the senior (3.6 − 1.5 = 2.1 outstanding) gets the 0.375 and loses 1.725,
    # the mezzanine loses its 1.2, the equity its 1.2.
    res = simulate_paths(deal_network(1.5), flat(), horizon=HORIZON, keep_paths=True)
    ids = res.entity_ids
    assert res.default_quarter[0, ids.index("tenant")] == 2
    assert res.default_quarter[0, ids.index("trust")] == 3
    np.testing.assert_allclose(res.tranche_losses().to_numpy()[0], [1.2, 1.2, 1.725],
                               atol=1e-9)
    check_all(res)


@pytest.mark.parametrize("clearing", ["loop", "eisenberg_noe", "rogers_veraart"])
@pytest.mark.parametrize("tenant_cash", [20.0, 4.5, 1.5])
def test_reference_matches_the_engine_on_a_securitisation(tenant_cash: float,
                                                          clearing: str) -> None:
    net = deal_network(tenant_cash, senior_coupon=0.05)
    f = FactorPaths.flat(2, 10, base_rate=0.02, equity_window=0.5)
    params = EngineParams(clearing=clearing, equity_marks=True, strategic_default=True)
    res = simulate_paths(net, f, horizon=HORIZON, params=params, keep_paths=True)
    assert_matches_reference(res, simulate_reference(net, f, horizon=HORIZON, params=params))
    check_all(res)


def _assert_same(a: object, b: object) -> None:
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        if f.name in ("tranches", "params"):
            continue
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


def test_the_rewrite_is_applied_once_and_does_not_depend_on_the_horizon() -> None:
    net = deal_network(4.5, senior_coupon=0.05)
    (plan,) = plan_securitisations(net)
    _assert_same(compile_network(net, HORIZON), compile_network(net, HORIZON))
    short, long = compile_network(net, "2026Q2"), compile_network(net, "2040Q4")
    assert short.tranches[0].sold_share == long.tranches[0].sold_share
    k = long.trade_ids.index("abs/lease")
    np.testing.assert_array_equal(short.fixed[:, k], long.fixed[:3, k])
    # the full-term recompile (contracted_after) sees the same split columns
    assert short.contracted_after is not None
    assert short.contracted_after[0, k] == pytest.approx(plan.sold_share * 8, abs=1e-12)


def test_a_cancelled_deal_changes_nothing() -> None:
    cancelled = compile_network(deal_network(4.5, status="cancelled"), HORIZON)
    without = compile_network(deal_network(4.5, with_deal=False), HORIZON)
    _assert_same(cancelled, without)
    assert cancelled.tranches == []


def test_the_bundled_data_centre_deal_is_carried(ai2025: Network) -> None:
    c = compile_network(ai2025, "2030Q4")
    (plan,) = plan_securitisations(ai2025)
    assert 0.0 < plan.sold_share < 1.0
    k = c.trade_ids.index("coreweave_dc_lease_a")
    j = c.trade_ids.index("dc_abs_2025/coreweave_dc_lease_a")
    np.testing.assert_allclose(c.fixed[:, j] * (1 - plan.sold_share),
                               c.fixed[:, k] * plan.sold_share, atol=1e-12)
    assert [tr.name for tr in c.tranches] == ["equity", "mezzanine", "senior"]
    senior = c.debt_ids.index("dc_abs_2025/senior")
    assert c.principal0[senior] == pytest.approx(4.0) and c.rank[senior] == 1
    assert c.rank[c.debt_ids.index("dc_abs_2025/mezzanine")] == 2
    assert "dc_abs_2025/equity/datacentre_landlords" in c.stake_ids


def _has_live_deal(net: Network) -> bool:
    return any(p.leases or p.debts for p in plan_securitisations(net))


@st.composite
def tranched_networks(draw: st.DrawFn) -> Network:
    """Random engine networks whose securitisations get a mezzanine and a senior tranche
    held by entities other than the issuer, with drawn coupons."""
    d = draw(engine_networks()).model_dump(mode="json", exclude_none=True)
    ids = [e["id"] for e in d["entities"]]
    for c in d["contracts"]:
        if c["kind"] != "securitisation":
            continue
        others = [i for i in ids if i != c["issuer"]]
        cut = draw(st.sampled_from([0.05, 0.1, 0.3]))
        c["tranches"] = [
            {"name": "equity", "attachment": 0.0, "detachment": cut,
             "remainder_holder": draw(st.sampled_from(others))},
            {"name": "mezz", "attachment": cut, "detachment": cut + 0.2,
             "coupon": draw(st.sampled_from([0.0, 0.08])),
             "holders": [{"holder": draw(st.sampled_from(others)), "share": 0.5}]},
            {"name": "senior", "attachment": cut + 0.2, "detachment": 1.0,
             "coupon": draw(st.sampled_from([0.0, 0.05])),
             "remainder_holder": draw(st.sampled_from(others))}]
    return Network.model_validate(d)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                 HealthCheck.too_slow])
@given(net=tranched_networks(), factors=factor_paths(2, 24), params=mechanism_params())
def test_random_securitisations_keep_the_invariants_and_the_reference(
        net: Network, factors: FactorPaths, params: EngineParams) -> None:
    assume(_has_live_deal(net))
    res = simulate_paths(net, factors, horizon="2031Q3", params=params, chunk_size=2)
    check_all(res)
    assert_matches_reference(res, simulate_reference(net, factors, horizon="2031Q3",
                                                     params=params))
    # what the rated tranches lost is what their notes lost
    frame = res.tranche_losses()
    for tr in res.compiled.tranches:
        if tr.debt >= 0:
            np.testing.assert_array_equal(frame[(tr.deal, tr.name)], res.loss_debt[:, tr.debt])
