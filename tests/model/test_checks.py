"""The consistency checks, each on a hand-built network with a known answer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bubblescope.model import Network, balance_sheet
from bubblescope.model._fields import parse_date, quarter_label


def _net(entities=None, contracts=None, **kw):
    ents = entities or [
        {"id": "bank", "name": "Bank", "kind": "bank", "cash": 10.0, "source": ["S1-20"]},
        {"id": "fund", "name": "Fund", "kind": "private_credit_fund", "cash": 1.0,
         "source": ["S1-05"]},
        {"id": "neo", "name": "Neo", "kind": "neocloud", "cash": 2.0, "other_assets": 8.0,
         "source": ["S1-13"]},
    ]
    return Network.model_validate({"as_of": "2025-12-31", "entities": ents,
                                   "contracts": contracts or [], **kw})


def codes(net, strict=False):
    return sorted((p.code, p.severity) for p in net.consistency_check(strict=strict))


def test_quarters_and_dates():
    assert str(parse_date("2029Q1")) == "2029-01-01"
    assert str(parse_date("2029 q4")) == "2029-10-01"
    assert quarter_label(parse_date("2049-05-30")) == "2049Q2"
    with pytest.raises(ValueError, match="2029Q1"):
        parse_date("2029Q5")


def test_clean_network_has_no_problems():
    net = _net(contracts=[{"id": "l", "kind": "loan", "lender": "fund", "borrower": "neo",
                           "amount": 4, "rate": 0.09, "source": ["S2-04"]}])
    assert [p for p in net.consistency_check() if p.code != "provenance"] == []


def test_bond_holders_without_remainder_is_a_warning_then_error_in_strict():
    bond = {"id": "b", "kind": "bond", "issuer": "neo", "amount": 10, "rate": 0.06,
            "holders": [{"holder": "fund", "amount": 4}], "source": ["S2-10"]}
    net = _net(contracts=[bond])
    assert codes(net) == [("holders_incomplete", "warning")]
    assert codes(net, strict=True) == [("holders_incomplete", "error")]
    assert codes(_net(contracts=[{**bond, "remainder_holder": "bank"}])) == []


def test_equity_ownership_above_100_percent():
    stakes = [{"id": f"s{i}", "kind": "equity_stake", "investor": inv, "issuer": "neo",
               "amount": 1, "ownership": own, "source": ["S2-07"]}
              for i, (inv, own) in enumerate([("bank", 0.8), ("fund", 0.3)])]
    problems = _net(contracts=stakes).consistency_check()
    assert [(p.code, p.location) for p in problems] == [
        ("shares_above_100", ("contracts", 1, "ownership"))]
    assert "110.0%" in problems[0].message


def test_announced_after_as_of_is_impossible():
    c = {"id": "c", "kind": "compute_contract", "buyer": "bank", "seller": "neo",
         "amount": 3, "announced": "2026Q2", "source": ["S1-08"]}
    assert codes(_net(contracts=[c])) == [("impossible_date", "error")]


def test_balance_sheet_arithmetic_and_check():
    # neo: cash 2 + other 8 = 10 assets; borrows 4 (funded loan) and issues 3 of bonds.
    contracts = [
        {"id": "l", "kind": "loan", "lender": "fund", "borrower": "neo", "amount": 4,
         "rate": 0.09, "status": "funded", "source": ["S2-04"]},
        {"id": "b", "kind": "bond", "issuer": "neo", "amount": 3, "rate": 0.07,
         "status": "funded", "holders": [{"holder": "bank", "amount": 1}],
         "remainder_holder": "fund", "source": ["S2-09"]},
        {"id": "u", "kind": "loan", "lender": "bank", "borrower": "neo", "amount": 9,
         "rate": 0.09, "status": "signed", "source": ["S2-04"]},  # undrawn: not counted
    ]
    net = _net(contracts=contracts)
    sheet = balance_sheet(net, "neo")
    assert sheet["assets"] == pytest.approx(10.0)
    assert sheet["liabilities"] == pytest.approx(7.0)
    assert sheet["book_equity"] == pytest.approx(3.0)
    fund = balance_sheet(net, "fund")
    assert fund["contract_claims"] == pytest.approx(4.0 + 2.0)
    ents = [dict(e) for e in net.model_dump()["entities"]]
    ents[2]["book_equity"] = 3.0
    assert codes(_net(entities=ents, contracts=contracts)) == []
    ents[2]["book_equity"] = 5.0
    assert codes(_net(entities=ents, contracts=contracts)) == [("unbalanced", "error")]


def test_provenance_requires_a_source_or_an_assumption_per_number():
    bare = [{"id": "x", "name": "X", "kind": "bank", "cash": 1.0, "debt": 2.0,
             "assumptions": {"cash": "round number"}},
            {"id": "y", "name": "Y", "kind": "bank"}]
    problems = _net(entities=bare).consistency_check(facts={"S1-01"})
    assert [(p.code, p.location) for p in problems] == [
        ("provenance", ("entities", 0, "debt"))]
    cited = [{**bare[0], "source": ["S9-99"]}, bare[1]]
    problems = _net(entities=cited).consistency_check(facts={"S1-01"})
    assert [(p.code, p.severity) for p in problems] == [("unknown_fact", "error")]


def test_record_level_rules():
    with pytest.raises(ValidationError, match="earliest_exit"):
        _net(contracts=[{"id": "l", "kind": "lease", "lessor": "neo", "lessee": "bank",
                         "start": "2029Q1", "end": "2054Q1", "earliest_exit": "2060Q1"}])
    with pytest.raises(ValidationError, match="overlap"):
        _net(contracts=[{"id": "s", "kind": "securitisation", "issuer": "neo",
                         "tranches": [{"name": "a", "attachment": 0, "detachment": 0.3},
                                      {"name": "b", "attachment": 0.2, "detachment": 1}]}])
    with pytest.raises(ValidationError, match="spread"):
        _net(contracts=[{"id": "l", "kind": "loan", "lender": "bank", "borrower": "neo",
                         "rate_type": "floating", "amount": 1}])
    with pytest.raises(ValidationError, match="cost premium"):
        _net(entities=[{"id": "x", "name": "X", "kind": "neocloud",
                        "power": [{"source": "grid", "mw": 5, "cost_premium": 0.3}]}])
