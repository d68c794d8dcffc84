"""Equity marks (issue 6, mechanism 5, in part)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference


def test_a_stake_is_marked_down_to_zero_when_its_issuer_loses_its_equity() -> None:
    # the lab (cash 5, a 4 loan to a start-up, outside debt 5 at 0%) has book equity 4.
    # The start-up (no cash, opex 1 a quarter) fails in quarter 0 and repays nothing: the
    # lab's equity is 0, and the vendor's stake (cost 2) is marked to 2 × 0 / 4 = 0.
    net = make_network(
        [{"id": "vendor", "kind": "chip_vendor", "cash": 10.0},
         {"id": "lab", "kind": "ai_lab", "cash": 5.0, "debt": 5.0, "cost_of_debt": 0.0},
         {"id": "startup", "kind": "other", "operating_costs": 4.0}],
        [{"id": "stake", "kind": "equity_stake", "investor": "vendor", "issuer": "lab",
          "amount": 2.0, "status": "funded", "start": "2025-01-01"},
         {"id": "loan", "kind": "loan", "lender": "lab", "borrower": "startup",
          "amount": 4.0, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01"}])
    f = FactorPaths.flat(1, 2, base_rate=0.0, equity_window=0.0)
    on = EngineParams(equity_marks=True)
    res = simulate_paths(net, f, horizon="2026Q1", params=on)
    off = simulate_paths(net, f, horizon="2026Q1")
    ids = res.entity_ids
    vendor, lab = ids.index("vendor"), ids.index("lab")
    assert res.entity is not None and off.entity is not None
    assert res.default_quarter[0, ids.index("startup")] == 0
    assert res.default_quarter[0, lab] == -1
    assert res.entity["book_equity"][0, 0, lab] == pytest.approx(0.0, abs=1e-12)
    assert off.entity["book_equity"][0, 0, vendor] == pytest.approx(12.0, abs=1e-12)
    assert res.entity["book_equity"][0, 0, vendor] == pytest.approx(10.0, abs=1e-12)
    ref = simulate_reference(net, f, horizon="2026Q1", params=on)
    np.testing.assert_allclose(res.entity["book_equity"], ref["book_equity"], atol=1e-12)


def test_vendor_revenue_stops_when_its_customer_fails() -> None:
    # a lab buys chips for 1 a quarter from the vendor and burns cash: when it fails its
    # chip payments (and the vendor's revenue from them) stop
    net = make_network(
        [{"id": "vendor", "kind": "chip_vendor", "cash": 10.0},
         {"id": "lab", "kind": "ai_lab", "cash": 2.5}],
        [{"id": "chips", "kind": "chip_purchase", "buyer": "lab", "vendor": "vendor",
          "amount": 8.0, "start": "2025-10-01", "end": "2027-10-01"}])
    f = FactorPaths.flat(1, 8, base_rate=0.0, equity_window=0.0)
    res = simulate_paths(net, f, horizon="2027Q3", params=EngineParams(equity_marks=True))
    ids = res.entity_ids
    assert res.trade is not None and res.entity is not None
    assert res.default_quarter[0, ids.index("lab")] == 2
    np.testing.assert_allclose(res.trade["paid"][0, :2, 0], 1.0, rtol=1e-12)
    np.testing.assert_allclose(res.trade["paid"][0, 3:, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(res.entity["revenue"][0, 3:, ids.index("vendor")], 0.0,
                               atol=1e-12)
