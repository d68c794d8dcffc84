"""Money flows: flow types, directions, the three bases and the annual rule."""

from __future__ import annotations

import pytest
from analytics_nets import ent, net, vendor_loop
from hypothesis import given, settings

from bubblescope.analytics import BASES, basis_amounts, flow_graph, money_flows, term_years
from bubblescope.model import Bond, EquityStake, FundCommitment, Loan
from bubblescope.testing.strategies import networks


def _row(df, cid, flow_type):
    rows = df[(df["contract_id"] == cid) & (df["flow_type"] == flow_type)]
    assert len(rows) == 1, (cid, flow_type, len(rows))
    return rows.iloc[0]


def test_directions_and_types():
    df = money_flows(vendor_loop())
    r = _row(df, "eq_neo", "equity_investment")
    assert (r.source, r.target) == ("nvidia", "neo")
    r = _row(df, "chips_neo", "chip_purchase")
    assert (r.source, r.target) == ("neo", "nvidia")
    r = _row(df, "compute", "compute_purchase")
    assert (r.source, r.target) == ("lab", "cloud")
    r = _row(df, "loan", "lending")
    assert (r.source, r.target) == ("bank", "neo")
    r = _row(df, "loan", "debt_service")
    assert (r.source, r.target) == ("neo", "bank")


def test_three_bases_are_kept_apart():
    df = money_flows(vendor_loop())
    # announced ceiling: only on the ceiling basis
    r = _row(df, "eq_lab", "equity_investment")
    assert (r.ceiling, r.committed, r.funded) == (100.0, 0.0, 0.0)
    # signed, committed, not drawn
    r = _row(df, "chips_cloud", "chip_purchase")
    assert (r.ceiling, r.committed, r.funded) == (20.0, 20.0, 0.0)
    # funded
    r = _row(df, "chips_neo", "chip_purchase")
    assert (r.ceiling, r.committed, r.funded) == (10.0, 10.0, 10.0)
    # signed loan with drawn 5 of 8: funded is the drawn part
    r = _row(df, "loan", "lending")
    assert (r.ceiling, r.committed, r.funded) == (8.0, 8.0, 5.0)
    # interest: 10% of principal a year, over 4 years on the total
    r = _row(df, "loan", "debt_service")
    assert r.annual_ceiling == pytest.approx(0.8)
    assert r.annual_funded == pytest.approx(0.5)
    assert r.ceiling == pytest.approx(3.2)


def test_annual_is_total_over_term_years():
    df = money_flows(vendor_loop())
    r = _row(df, "compute", "compute_purchase")
    assert r.years == pytest.approx(5.0)
    assert r.annual_committed == pytest.approx(6.0)
    r = _row(df, "chips_neo", "chip_purchase")
    assert r.annual_funded == pytest.approx(5.0)
    # undated: paid within one year
    r = _row(df, "chips_cloud", "chip_purchase")
    assert r.annual_committed == pytest.approx(20.0)


def test_ceiling_deal_counts_only_what_is_drawn_as_committed():
    loan = Loan(id="l", lender="a", borrower="b", rate=0.05, amount=10, drawn=3,
                amount_type="ceiling", status="signed")
    assert basis_amounts(loan) == {"ceiling": 10.0, "committed": 3.0, "funded": 3.0}
    fc = FundCommitment(id="f", investor="a", fund="b", amount=10, called=6,
                        status="funded")
    assert basis_amounts(fc) == {"ceiling": 10.0, "committed": 10.0, "funded": 6.0}
    stake = EquityStake(id="s", investor="a", issuer="b", amount=100, amount_type="ceiling",
                        status="signed",
                        tranches=[{"amount": 10, "status": "funded"},
                                  {"amount": 15, "status": "signed"},
                                  {"amount": 75, "status": "announced"}])
    assert basis_amounts(stake) == {"ceiling": 100.0, "committed": 25.0, "funded": 10.0}
    cancelled = Loan(id="c", lender="a", borrower="b", rate=0.05, amount=10,
                     status="cancelled")
    assert basis_amounts(cancelled) == dict.fromkeys(BASES, 0.0)


def test_bond_flows_per_holder_with_coupons():
    n = net([ent("i", "spv"), ent("p", "insurer"), ent("e", "etf")],
            [{"id": "b", "kind": "bond", "issuer": "i", "amount": 10, "rate": 0.06,
              "holders": [{"holder": "p", "amount": 7}], "remainder_holder": "e",
              "status": "funded", "start": "2025-01-01", "end": "2035-01-01"}])
    df = money_flows(n)
    buys = df[df["flow_type"] == "bond_purchase"].set_index("source")
    assert buys.loc["p", "funded"] == pytest.approx(7.0)
    assert buys.loc["e", "funded"] == pytest.approx(3.0)
    coupons = df[df["flow_type"] == "debt_service"].set_index("target")
    assert coupons.loc["p", "annual_funded"] == pytest.approx(0.42)
    assert coupons.loc["e", "source"] == "i"


def test_lease_power_fund_guarantee_and_securitisation():
    n = net([ent("a"), ent("b"), ent("c"), ent("g", "government"), ent("s", "spv")],
            [{"id": "l", "kind": "lease", "lessor": "a", "lessee": "b", "amount": 20,
              "start": "2029-01-01", "end": "2049-01-01"},
             {"id": "p", "kind": "power_supply", "supplier": "c", "buyer": "b", "amount": 2},
             {"id": "f", "kind": "fund_commitment", "investor": "c", "fund": "a", "amount": 3},
             {"id": "g1", "kind": "guarantee", "guarantor": "g", "obligation": "l",
              "amount": 5},
             {"id": "abs", "kind": "securitisation", "issuer": "s", "pool": ["l"],
              "amount": 10, "tranches": [
                  {"name": "eq", "attachment": 0, "detachment": 0.2,
                   "holders": [{"holder": "c", "share": 1.0}]},
                  {"name": "sr", "attachment": 0.2, "detachment": 1.0, "coupon": 0.05,
                   "remainder_holder": "a"}]}])
    df = money_flows(n)
    r = _row(df, "l", "rent")
    assert (r.source, r.target, r.annual_committed) == ("b", "a", pytest.approx(1.0))
    r = _row(df, "p", "power_purchase")
    assert (r.source, r.target) == ("b", "c")
    r = _row(df, "f", "fund_commitment")
    assert (r.source, r.target) == ("c", "a")
    r = _row(df, "g1", "guarantee")
    assert (r.source, r.target, bool(r.contingent)) == ("g", "a", True)
    tr = df[df["flow_type"] == "tranche_purchase"].set_index("source")
    assert tr.loc["c", "committed"] == pytest.approx(2.0)
    assert tr.loc["a", "committed"] == pytest.approx(8.0)
    coupon = _row(df, "abs", "debt_service")
    assert (coupon.source, coupon.target, coupon.annual_committed) == (
        "s", "a", pytest.approx(0.4))


def test_filters_by_status_date_and_type():
    n = vendor_loop()
    assert set(money_flows(n, statuses=["funded"])["contract_id"]) == {"eq_neo", "chips_neo"}
    active = money_flows(n, as_of="2030-06-30")
    assert set(active["contract_id"]) == {"eq_neo", "eq_neo2", "eq_lab", "compute",
                                          "chips_cloud"}
    only = money_flows(n, flow_types=["lending"])
    assert list(only["contract_id"]) == ["loan"]
    with pytest.raises(ValueError, match="statuses"):
        money_flows(n, statuses=["maybe"])
    with pytest.raises(ValueError, match="flow_types"):
        money_flows(n, flow_types=["gift"])


def test_flow_graph_collapses_per_basis():
    n = vendor_loop()
    g = flow_graph(n, "ceiling")
    assert g.edges["nvidia", "neo"]["weight"] == pytest.approx(5.0)
    assert g.edges["nvidia", "neo"]["by_type"] == {"equity_investment": 5.0}
    g = flow_graph(n, "funded")
    assert g.edges["nvidia", "neo"]["weight"] == pytest.approx(4.0)
    assert not g.has_edge("nvidia", "lab")
    mg = flow_graph(n, "ceiling", multigraph=True)
    assert mg.number_of_edges("nvidia", "neo") == 2
    with pytest.raises(ValueError, match="basis"):
        flow_graph(n, "drawn")


def test_term_years_in_calendar_months():
    b = Bond(id="b", issuer="i", rate=0.05, amount=1, start="2024-01-01", end="2029-01-01")
    assert term_years(b) == 5.0
    assert term_years(Bond(id="c", issuer="i", rate=0.05, amount=1)) is None


@settings(max_examples=30, deadline=None)
@given(networks(max_entities=6, max_contracts=10))
def test_bases_are_nested_on_random_networks(n):
    df = money_flows(n)
    assert (df["ceiling"] >= df["committed"] - 1e-12).all()
    assert (df["committed"] >= df["funded"] - 1e-12).all()
    assert (df[["ceiling", "committed", "funded"]] >= 0).all().all()
    assert (df["source"] != df["target"]).all()
    principal = df[df["flow_type"] != "debt_service"]
    assert (principal["annual_ceiling"] <= principal["ceiling"] + 1e-12).all()


def test_headline_total_is_kept_for_cancelled_deals():
    n = net([ent("a"), ent("b")],
            [{"id": "gone", "kind": "compute_contract", "buyer": "a", "seller": "b",
              "amount": 12, "status": "cancelled", "start": "2025-01-01",
              "end": "2028-01-01"}])
    r = _row(money_flows(n), "gone", "compute_purchase")
    assert (r.total, r.annual) == (12.0, 4.0)
    assert (r.ceiling, r.committed, r.funded) == (0.0, 0.0, 0.0)
