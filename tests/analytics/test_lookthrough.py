"""Look-through: the rule on hand-built chains, conservation on random networks,
reconstruction flags and the off-balance-sheet ledger."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analytics_nets import ent, hyperion_chain, net
from hypothesis import given, settings

from bubblescope.analytics import exposure_edges, look_through, off_balance_sheet, risk_chain
from bubblescope.model.entity import FINAL_HOLDER_KINDS
from bubblescope.testing.strategies import networks


def test_hand_built_chain():
    lt = look_through(hyperion_chain())
    m = lt.matrix
    # the fund holds 8 of SPV bonds and a 2 loan to the neocloud: 80% / 20%
    assert m.loc["pension", "meta"] == pytest.approx(6 * 0.8)
    assert m.loc["pension", "neo"] == pytest.approx(6 * 0.2)
    # insurer: 4 via the fund plus 10 of bonds directly, all SPV bonds land on Meta
    assert m.loc["insurer", "meta"] == pytest.approx(4 * 0.8 + 10)
    assert m.loc["insurer", "neo"] == pytest.approx(0.8)
    # ETF and its holders both see Meta
    assert m.loc["etf", "meta"] == pytest.approx(2.0)
    assert m.loc["savers", "meta"] == pytest.approx(2.0)
    # the SPV is never an ultimate obligor; the neocloud is
    assert "spv" not in m.columns and "fund" not in m.columns
    assert lt.direct.to_dict() == {"etf": 2.0, "insurer": 14.0, "pension": 6.0,
                                   "savers": 2.0}
    assert not lt.any_reconstructed
    np.testing.assert_allclose(m.sum(axis=1), lt.direct.loc[m.index])


def test_risk_chain_table():
    n = hyperion_chain()
    chain = risk_chain(look_through(n), n)
    row = chain[(chain["final_holder"] == "pension")
                & (chain["ultimate_obligor"] == "meta")].iloc[0]
    assert (row.intermediary, row.financing_entity, row.end_user) == ("fund", "spv", "meta")
    assert row.amount == pytest.approx(4.8)
    assert row.asset == "Hyperion campus"
    neo = chain[(chain["final_holder"] == "pension")
                & (chain["ultimate_obligor"] == "neo")].iloc[0]
    # the neocloud is its own obligor; its customer is shown as the end user
    assert (neo.financing_entity, neo.end_user, neo.end_user_share) == ("neo", "msft", 1.0)
    assert neo.asset == "gpu_pool: H100"
    totals = chain.groupby("final_holder")["amount"].sum()
    assert totals["insurer"] == pytest.approx(14.0)


def test_unlisted_fund_holdings_are_reconstructed_and_flagged():
    n = net([ent("pension", "pension_fund"), ent("fund", "private_credit_fund"),
             ent("x", "neocloud", debt=3.0), ent("y", "ai_lab", debt=1.0),
             ent("z", "hyperscaler")],
            [{"id": "lp", "kind": "fund_commitment", "investor": "pension", "fund": "fund",
              "amount": 10},
             {"id": "known", "kind": "loan", "lender": "fund", "borrower": "z", "amount": 2,
              "rate": 0.05}])
    lt = look_through(n)
    # 8 of the 10 is not listed: spread over x and y in proportion to their unlisted debt
    assert lt.matrix.loc["pension", "z"] == pytest.approx(2.0)
    assert lt.matrix.loc["pension", "x"] == pytest.approx(6.0)
    assert lt.matrix.loc["pension", "y"] == pytest.approx(2.0)
    flagged = lt.table.set_index("obligor")["reconstructed"].to_dict()
    assert flagged == {"x": True, "y": True, "z": False}
    assert lt.reconstructed_links["amount"].sum() == pytest.approx(8.0)
    off = look_through(n, reconstruct=False)
    # without reconstruction the unlisted part stays on the fund
    assert off.matrix.loc["pension", "fund"] == pytest.approx(8.0)


def test_unknown_lps_are_reconstructed_from_holder_capacity():
    n = net([ent("p", "pension_fund", assets_under_management=30.0),
             ent("i", "insurer", assets_under_management=10.0),
             ent("fund", "private_credit_fund"), ent("z", "hyperscaler")],
            [{"id": "known", "kind": "loan", "lender": "fund", "borrower": "z", "amount": 4,
              "rate": 0.05}])
    lt = look_through(n)
    assert lt.matrix.loc["p", "z"] == pytest.approx(3.0)
    assert lt.matrix.loc["i", "z"] == pytest.approx(1.0)
    assert lt.table["reconstructed"].all()


def test_spv_without_lease_uses_buyers_then_parent():
    n = net([ent("b", "bank"), ent("s1", "spv"), ent("s2", "spv", parent="oracle"),
             ent("xai", "ai_lab"), ent("oracle", "cloud_provider")],
            [{"id": "l1", "kind": "loan", "lender": "b", "borrower": "s1", "amount": 1,
              "rate": 0.05},
             {"id": "l2", "kind": "loan", "lender": "b", "borrower": "s2", "amount": 2,
              "rate": 0.05},
             {"id": "c", "kind": "compute_contract", "buyer": "xai", "seller": "s1",
              "amount": 5}])
    m = look_through(n).matrix
    assert m.loc["b", "xai"] == pytest.approx(1.0)
    assert m.loc["b", "oracle"] == pytest.approx(2.0)


def _direct_exposure(n, basis: str) -> pd.Series:
    edges = exposure_edges(n, basis)
    return edges.groupby("source")["amount"].sum()


@settings(max_examples=40, deadline=None)
@given(networks(max_entities=8, max_contracts=14))
def test_lookthrough_conserves_dollars(n):
    holders = [e.id for e in n.entities if e.kind in FINAL_HOLDER_KINDS]
    for basis, reconstruct in (("ceiling", False), ("funded", False), ("committed", True)):
        lt = look_through(n, basis, reconstruct=reconstruct, reconstruct_lps=False)
        direct = _direct_exposure(n, basis)
        # reconstructed holdings of an ETF (a final holder that is also a fund) are its own
        extra = lt.reconstructed_links.groupby("source")["amount"].sum()
        expected = {h: float(direct.get(h, 0.0) + extra.get(h, 0.0)) for h in holders}
        expected = {h: a for h, a in expected.items() if a > 0}
        assert set(lt.direct.index) == set(expected)
        for h, amount in expected.items():
            assert lt.direct[h] == pytest.approx(amount, rel=1e-9, abs=1e-9)
            assert lt.matrix.loc[h].sum() == pytest.approx(amount, rel=1e-7, abs=1e-7)
        assert (lt.matrix.to_numpy() >= -1e-9).all()
        # total in = total out
        assert lt.matrix.to_numpy().sum() == pytest.approx(sum(expected.values()),
                                                           rel=1e-7, abs=1e-7)
        assert lt.table["amount"].sum() == pytest.approx(sum(expected.values()),
                                                         rel=1e-7, abs=1e-7)


def test_off_balance_sheet_ledger():
    n = hyperion_chain()
    obs = off_balance_sheet(n, entities=["meta", "msft"])
    meta = obs.loc["meta"]
    # lease starts after the as-of date: all 40 still to pay, from an SPV
    assert meta["spv_lease_rent"] == pytest.approx(40.0)
    assert meta["residual_value_guarantees"] == pytest.approx(3.0)
    assert meta["on_balance_sheet_debt"] == pytest.approx(0.0)
    assert obs.loc["msft", "compute_commitments"] == pytest.approx(10.0)
    half = net([ent("g", "hyperscaler", debt=5.0), ent("o"), ent("gov", "government")],
               [{"id": "l", "kind": "lease", "lessor": "o", "lessee": "g", "amount": 10,
                 "start": "2020-12-31", "end": "2030-12-31"},
                {"id": "b", "kind": "bond", "issuer": "g", "amount": 7, "rate": 0.05,
                 "remainder_holder": "o"},
                {"id": "gt", "kind": "guarantee", "guarantor": "g", "obligation": "b",
                 "amount": 2}])
    row = off_balance_sheet(half).loc["g"]
    assert row["other_lease_rent"] == pytest.approx(5.0, rel=1e-3)
    assert row["guarantees"] == pytest.approx(2.0)
    assert row["on_balance_sheet_debt"] == pytest.approx(12.0)
    assert row["off_balance_sheet"] == pytest.approx(7.0, rel=1e-3)
