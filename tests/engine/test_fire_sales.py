"""GPU fire sales with price feedback inside the quarter (issue 6, mechanism 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import EngineParams, FactorPaths, simulate, simulate_reference


def gpu_network() -> object:
    # A (GPUs worth 10, no cash) owes B 12; B (GPUs worth 10, no cash) owes L 9.5; C holds
    # GPUs worth 20 and owes nothing. Everything falls due in quarter 0.
    fleet = [{"generation": "H100", "quantity": 1000, "delivery": "2025-10-01",
              "cost": 10.0}]
    loan = {"kind": "loan", "rate": 0.0, "start": "2025-10-01", "end": "2025-12-01"}
    return make_network(
        [{"id": "a", "kind": "neocloud", "other_assets": 10.0, "gpu_fleet": fleet},
         {"id": "b", "kind": "neocloud", "other_assets": 10.0, "gpu_fleet": fleet},
         {"id": "c", "kind": "neocloud", "other_assets": 20.0,
          "gpu_fleet": [{**fleet[0], "cost": 20.0}]},
         {"id": "lender", "kind": "bank"}],
        [{"id": "ab", "lender": "b", "borrower": "a", "amount": 12.0, **loan},
         {"id": "bl", "lender": "lender", "borrower": "b", "amount": 9.5, **loan}])


def test_one_fire_sale_topples_the_next_borrower() -> None:
    # Without feedback A defaults, its GPUs fetch 10, B is paid 10 and pays 9.5.
    # With it (π = 0.2: β = −ln 0.8 / 0.05; depth = all live fleets = 40):
    #   A's 10 sold: m = exp(−β·10/40) = 0.8^5 = 0.32768, B receives 3.2768 < 9.5: B fails;
    #   A's and B's 20 sold: m = 0.8^10 = 0.107374; A pays B 10·m; B pays L 10·m + 10·m.
    f = FactorPaths.flat(1, 1, base_rate=0.0, equity_window=0.0)
    net = gpu_network()
    # (recovery_claims = 0: B's loan to A is not also sold on top of what A pays)
    on = EngineParams(fire_sale_feedback=True, gpu_price_impact=0.2, recovery_claims=0.0)
    off = simulate(net, f, horizon="2025Q4",
                   params=EngineParams(gpu_price_impact=0.2, recovery_claims=0.0))
    res = simulate(net, f, horizon="2025Q4", params=on)
    ids = res.entity_ids
    a, b, c = (ids.index(x) for x in "abc")
    m = 0.8 ** 10
    assert math.exp(math.log(0.8) / 0.05 * 20 / 40) == pytest.approx(m, rel=1e-12)
    assert off.default_quarter[0].tolist() == [0, -1, -1, -1]
    assert off.debt["paid"][0, 0].tolist() == pytest.approx([10.0, 9.5], abs=1e-12)
    assert res.default_quarter[0, a] == 0 and res.default_quarter[0, b] == 0
    assert res.default_quarter[0, c] == -1
    assert res.debt["paid"][0, 0].tolist() == pytest.approx([10 * m, 20 * m], abs=1e-12)
    assert res.gpu_price is not None and off.gpu_price is not None
    h100 = res.compiled.generations.index("H100")
    assert res.gpu_price[0, 0, h100] == pytest.approx(m, rel=1e-12)
    assert off.gpu_price[0, 0, h100] == 1.0
    amp = res.amplification(off)
    assert amp["loss_without"][0] == pytest.approx(2.0, abs=1e-12)
    assert amp["loss"][0] == pytest.approx(12 - 10 * m + 9.5 - 20 * m, abs=1e-12)
    assert amp["defaults"][0] == 2 and amp["defaults_without"][0] == 1
    assert amp["min_price_H100"][0] == pytest.approx(m)
    ref = simulate_reference(net, f, horizon="2025Q4", params=on)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
    assert ref["gpu_impact"][0, 0, h100] == pytest.approx(m, rel=1e-12)
