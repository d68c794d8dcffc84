"""Scenario shocks and the guarantee policy, applied to the compiled network."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from engine_nets import assert_matches_reference, make_network

from bubblescope.engine import FactorPaths, compile_network, simulate_paths
from bubblescope.engine.shocks import apply_guarantee, apply_scenario, shock_arrays
from bubblescope.scenarios.generate import ResolvedShock
from bubblescope.testing.reference import simulate_reference

HORIZON = "2026Q4"   # quarters 0..4


def shop_net() -> object:
    # a seller with 4 a quarter of market revenue and no costs; a lender owed 10 by a borrower
    # that has 12 of cash and 1 a quarter of revenue
    return make_network(
        [{"id": "seller", "kind": "other", "revenue": 16.0, "cash": 0.0},
         {"id": "borrower", "kind": "neocloud", "revenue": 4.0, "cash": 12.0},
         {"id": "bank", "kind": "bank", "cash": 50.0},
         {"id": "state", "kind": "government", "cash": 1000.0}],
        [{"id": "loan", "kind": "loan", "borrower": "borrower", "lender": "bank",
          "amount": 10.0, "rate": 0.0, "start": "2025-01-01", "end": "2028-01-01"}])


def test_shock_arrays_compound_drops_and_keep_the_earliest_default() -> None:
    shocks = [ResolvedShock("revenue_drop", "a", 1, 0.5),
              ResolvedShock("revenue_drop", "a", 3, 0.5),
              ResolvedShock("revenue_drop", "b", -2, 0.25),
              ResolvedShock("default", "b", 3), ResolvedShock("default", "b", 2),
              ResolvedShock("default", "a", 9)]          # beyond the horizon: never
    scale, forced = shock_arrays(["a", "b"], 5, shocks)
    np.testing.assert_allclose(scale[:, 0], [1.0, 0.5, 0.5, 0.25, 0.25])
    np.testing.assert_allclose(scale[:, 1], 0.75)
    assert forced.tolist() == [-1, 2]
    with pytest.raises(ValueError, match="not in the network"):
        shock_arrays(["a"], 5, [ResolvedShock("default", "zz", 1)])


def test_revenue_drop_cuts_market_revenue_from_its_quarter() -> None:
    net = shop_net()
    c = apply_scenario(compile_network(net, HORIZON),
                       [ResolvedShock("revenue_drop", "seller", 2, 0.75)])
    f = FactorPaths.flat(1, 5, base_rate=0.0)
    res = simulate_paths(c, f)
    i = res.entity_ids.index("seller")
    # 16 a year = 4 a quarter; a quarter of it from quarter 2 on
    np.testing.assert_allclose(res.entity["revenue"][0, :, i], [4, 4, 1, 1, 1], atol=1e-12)
    assert_matches_reference(res, simulate_reference(c, f))


def test_default_shock_puts_a_solvent_entity_into_default() -> None:
    net = shop_net()
    c = apply_scenario(compile_network(net, HORIZON), [ResolvedShock("default", "borrower", 1)])
    f = FactorPaths.flat(1, 5, base_rate=0.0)
    res = simulate_paths(c, f)
    b = res.entity_ids.index("borrower")
    assert res.default_quarter[0, b] == 1
    assert (np.delete(res.default_quarter[0], b) < 0).all()
    # 12 of cash + 1 of revenue in quarter 1 covers the 10 owed: the bank loses nothing
    assert res.loss_debt[0].sum() == pytest.approx(0.0, abs=1e-9)
    assert_matches_reference(res, simulate_reference(c, f))
    # the unshocked network: nobody defaults
    base = simulate_paths(compile_network(net, HORIZON), f)
    assert (base.default_quarter < 0).all()


def test_guarantee_policy_adds_a_full_guarantee_at_the_guarantee_spread() -> None:
    net = make_network(
        [{"id": "borrower", "kind": "neocloud", "cash": 1.0},
         {"id": "bank", "kind": "bank", "cash": 50.0},
         {"id": "state", "kind": "government", "cash": 1000.0}],
        [{"id": "loan", "kind": "loan", "borrower": "borrower", "lender": "bank",
          "amount": 10.0, "rate_type": "floating", "spread": 0.08,
          "start": "2025-01-01", "end": "2026-06-30"}])
    c0 = compile_network(net, HORIZON)
    pol = SimpleNamespace(guarantor="state", contracts=["loan"], spread=0.004)
    c = apply_guarantee(c0, pol)
    d = c.debt_ids.index("loan")
    assert c.rate[d] == pytest.approx(0.004) and c0.rate[d] == pytest.approx(0.08)
    assert c.params.guarantees and c.guar_by.tolist() == [c.entity_ids.index("state")]
    assert c.guar_coverage.tolist() == [1.0] and c.guar_cap.tolist() == [0.0]
    f = FactorPaths.flat(1, 5, base_rate=0.0)
    res = simulate_paths(c, f)
    b, bank, state = (c.entity_ids.index(x) for x in ("borrower", "bank", "state"))
    # interest is 10 × 0.4% / 4 = 0.01 a quarter (0.2 at the loan's own 8% spread)
    np.testing.assert_allclose(res.debt["paid"][0, :2, d], [0.01, 0.01], atol=1e-12)
    # the borrower cannot repay 10 at maturity and defaults; the state pays the bank's
    # whole loss, so the bank ends with its 50 + 10 of principal + interest received
    assert res.default_quarter[0, b] >= 0
    assert res.guarantee_paid[0, 0] == pytest.approx(res.loss_debt[0, d], abs=1e-9)
    assert res.loss_debt[0, d] > 8.0
    interest = res.debt["paid"][0, :, d].sum() + res.loss_debt[0, d] - 10.0
    assert res.entity["cash"][0, -1, bank] == pytest.approx(60.0 + interest, abs=1e-9)
    assert res.entity["cash"][0, -1, state] == pytest.approx(1000.0 - res.loss_debt[0, d],
                                                             abs=1e-9)
    assert_matches_reference(res, simulate_reference(c, f))
    with pytest.raises(ValueError, match="not debt instruments"):
        apply_guarantee(c0, SimpleNamespace(guarantor="state", contracts=["nope"], spread=0.0))


def test_an_owner_that_failed_earlier_recovers_nothing_later() -> None:
    # the owner (10% of the issuer, cost 1) is made to default in quarter 1; the issuer,
    # solvent with 50 of cash, is made to default in quarter 3: its residual goes to
    # its live owners and outside, and the failed owner's stake shows no gain
    net = make_network(
        [{"id": "owner", "kind": "venture_fund", "cash": 1.0},
         {"id": "issuer", "kind": "neocloud", "cash": 50.0}],
        [{"id": "stake", "kind": "equity_stake", "investor": "owner", "issuer": "issuer",
          "amount": 1.0, "ownership": 0.1, "status": "funded", "amount_type": "drawn",
          "start": "2025-01-01"}])
    shocks = [ResolvedShock("default", "owner", 1), ResolvedShock("default", "issuer", 3)]
    c = apply_scenario(compile_network(net, HORIZON), shocks)
    res = simulate_paths(c, FactorPaths.flat(1, 5, base_rate=0.0))
    assert res.default_quarter[0].tolist() == [1, 3]
    assert res.loss_stakes[0, 0] == pytest.approx(0.0, abs=1e-12)
    # had the owner been alive, it would have recovered 10% of the issuer's 50
    alive = apply_scenario(compile_network(net, HORIZON), shocks[1:])
    res = simulate_paths(alive, FactorPaths.flat(1, 5, base_rate=0.0))
    assert res.loss_stakes[0, 0] == pytest.approx(1.0 - 5.0, abs=1e-9)
