"""Announced or ceiling purchases are options: taken up from cash above the buffer only."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import assert_matches_reference, make_network

from bubblescope.engine import FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference

HORIZON = "2026Q3"   # quarters 0..3


def chip_net(status: str, amount_type: str) -> object:
    # the lab has 10 of cash and a buffer of 2; a 20 chip purchase falls due in 2026Q1
    return make_network(
        [{"id": "vendor", "kind": "chip_vendor", "cash": 50.0},
         {"id": "lab", "kind": "ai_lab", "cash": 10.0, "min_cash_buffer": 2.0}],
        [{"id": "chips", "kind": "chip_purchase", "buyer": "lab", "vendor": "vendor",
          "amount": 20.0, "status": status, "amount_type": amount_type,
          "start": "2026-01-01", "end": "2026-03-31"}])


@pytest.mark.parametrize(("status", "amount_type"),
                         [("announced", "committed"), ("signed", "ceiling")])
def test_an_option_is_taken_up_only_from_cash_above_the_buffer(status: str,
                                                                amount_type: str) -> None:
    net = chip_net(status, amount_type)
    f = FactorPaths.flat(1, 4, base_rate=0.0)
    res = simulate_paths(net, f, horizon=HORIZON)
    assert res.trade is not None and res.entity is not None
    lab, vendor = res.entity_ids.index("lab"), res.entity_ids.index("vendor")
    # hand-worked: 10 cash - 2 buffer = 8 paid in quarter 1, the other 12 lapses
    np.testing.assert_allclose(res.trade["paid"][0, :, 0], [0.0, 8.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.trade["loss"][0, :, 0], 0.0, atol=1e-12)
    assert (res.default_quarter[0] < 0).all()
    assert res.entity["cash"][0, 1, lab] == pytest.approx(2.0, abs=1e-12)
    assert res.entity["cash"][0, 1, vendor] == pytest.approx(58.0, abs=1e-12)
    assert_matches_reference(res, simulate_reference(net, f, horizon=HORIZON))


def test_a_signed_committed_purchase_is_owed_in_full() -> None:
    net = chip_net("signed", "committed")
    f = FactorPaths.flat(1, 4, base_rate=0.0)
    res = simulate_paths(net, f, horizon=HORIZON)
    lab = res.entity_ids.index("lab")
    # 20 owed with 10 of cash and no other source of money: the lab defaults in quarter 1
    assert res.default_quarter[0, lab] == 1
    assert_matches_reference(res, simulate_reference(net, f, horizon=HORIZON))
