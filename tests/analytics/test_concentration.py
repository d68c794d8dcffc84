"""Concentration shares and HHI against hand-computed values; the hub table."""

from __future__ import annotations

import pytest
from analytics_nets import ent, net

from bubblescope.analytics import (
    funding_by_lender,
    hhi,
    hubs,
    purchases_by_supplier,
    revenue_by_counterparty,
    revenue_concentration,
)


def _cloud():
    # "neo" sells compute to a (6/yr over 2025), b (3/yr), c (1/yr); rent from d (half-year)
    return net(
        [ent("neo", "neocloud", revenue=0.0), ent("a"), ent("b"), ent("c"), ent("d"),
         ent("nv", "chip_vendor"), ent("amd", "chip_vendor"), ent("l1", "bank"),
         ent("l2", "private_credit_fund")],
        [{"id": "ca", "kind": "compute_contract", "buyer": "a", "seller": "neo",
          "amount": 12, "start": "2025-01-01", "end": "2027-01-01"},
         {"id": "cb", "kind": "compute_contract", "buyer": "b", "seller": "neo",
          "amount": 15, "start": "2024-01-01", "end": "2029-01-01"},
         {"id": "cc", "kind": "compute_contract", "buyer": "c", "seller": "neo",
          "amount": 1, "start": "2025-01-01", "end": "2026-01-01"},
         {"id": "rd", "kind": "lease", "lessee": "d", "lessor": "neo", "amount": 2,
          "start": "2025-07-01", "end": "2026-07-01"},
         {"id": "old", "kind": "compute_contract", "buyer": "d", "seller": "neo",
          "amount": 50, "start": "2020-01-01", "end": "2024-01-01"},
         {"id": "p1", "kind": "chip_purchase", "buyer": "neo", "vendor": "nv", "amount": 9},
         {"id": "p2", "kind": "chip_purchase", "buyer": "neo", "vendor": "amd", "amount": 1},
         {"id": "f1", "kind": "loan", "lender": "l1", "borrower": "neo", "amount": 3,
          "rate": 0.05},
         {"id": "f2", "kind": "loan", "lender": "l2", "borrower": "neo", "amount": 1,
          "rate": 0.05}])


def test_hhi_by_hand():
    assert hhi([1.0]) == 1.0
    assert hhi([0.5, 0.5]) == 0.5
    assert hhi([0.6, 0.3, 0.1]) == pytest.approx(0.46)


def test_revenue_in_the_as_of_year():
    pairs = revenue_by_counterparty(_cloud(), "committed").set_index("counterparty")
    amounts = pairs["amount"].to_dict()
    # a: 12 / 2 years; b: 15 / 5; c: 1 / 1; d: rent 2 over a year, half of it in 2025
    assert amounts["a"] == pytest.approx(6.0)
    assert amounts["b"] == pytest.approx(3.0)
    assert amounts["c"] == pytest.approx(1.0)
    assert amounts["d"] == pytest.approx(2.0 * 184 / 365, rel=1e-9)


def test_revenue_concentration_by_hand():
    row = revenue_concentration(_cloud(), year=2026).set_index("entity").loc["neo"]
    # 2026: a 6, b 3, d 2 × 181/365 (to 1 July), c 0
    d = 2.0 * 181 / 365
    total = 6 + 3 + d
    assert row["total"] == pytest.approx(total)
    assert row["top_counterparty"] == "a"
    assert row["top_share"] == pytest.approx(6 / total)
    assert row["hhi"] == pytest.approx((6 / total) ** 2 + (3 / total) ** 2 + (d / total) ** 2)
    assert row["n_counterparties"] == 3


def test_declared_revenue_is_the_denominator_when_larger():
    base = _cloud()
    data = base.model_dump()
    data["entities"][0]["revenue"] = 20.0
    from bubblescope.model import Network

    n = Network.model_validate(data)
    row = revenue_concentration(n, year=2026).set_index("entity").loc["neo"]
    assert row["total"] == pytest.approx(20.0)
    assert row["top_share"] == pytest.approx(0.3)
    assert row["hhi"] == pytest.approx(0.3**2 + 0.15**2 + (2 * 181 / 365 / 20) ** 2)
    off = revenue_concentration(n, year=2026, use_declared_revenue=False)
    assert off.set_index("entity").loc["neo", "top_share"] == pytest.approx(
        6 / (9 + 2 * 181 / 365))


def test_funding_and_purchases():
    fund = funding_by_lender(_cloud()).set_index("entity").loc["neo"]
    assert fund["top_counterparty"] == "l1"
    assert fund["top_share"] == pytest.approx(0.75)
    assert fund["hhi"] == pytest.approx(0.75**2 + 0.25**2)
    buys = purchases_by_supplier(_cloud(), supplier="nv").set_index("entity").loc["neo"]
    assert buys["supplier_share"] == pytest.approx(0.9)
    assert buys["hhi"] == pytest.approx(0.82)


def test_hub_table():
    # star: everyone pays the hub, the hub pays one supplier
    n = net([ent("hub"), ent("s"), *[ent(f"c{i}") for i in range(4)]],
            [*[{"id": f"k{i}", "kind": "compute_contract", "buyer": f"c{i}", "seller": "hub",
                "amount": float(i + 1)} for i in range(4)],
             {"id": "up", "kind": "chip_purchase", "buyer": "hub", "vendor": "s",
              "amount": 5.0}])
    table = hubs(n)
    assert list(table.columns) == ["in_strength", "out_strength", "pagerank", "betweenness"]
    assert table.loc["hub", "in_strength"] == pytest.approx(10.0)
    assert table.loc["hub", "out_strength"] == pytest.approx(5.0)
    assert table["pagerank"].sum() == pytest.approx(1.0)
    assert table["betweenness"].idxmax() == "hub"
    # 4 of the 30 ordered pairs route through the hub to s: normalised 4 / (5 × 4)
    assert table.loc["hub", "betweenness"] == pytest.approx(4 / 20)
    sampled = hubs(n, betweenness_k=3, seed=1)
    assert set(sampled.index) == set(table.index)
