"""Curing an LTV breach by selling pledged GPUs, with the sales' own price impact."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_nets import make_network
from scipy.optimize import brentq

from bubblescope.engine import EngineParams, FactorPaths, simulate_paths
from bubblescope.testing.reference import simulate_reference

FLEET = {"generation": "H100", "quantity": 1000, "delivery": "2025-10-01"}


def borrower_network(balance: float, cash: float, other_fleet: float = 0.0) -> object:
    # B holds H100s bought for 20 and owes `balance` (zero rate, due 2030) against a pool
    # of its H100s worth 10, maximum LTV 80%. C (optional) holds H100s and owes nothing.
    ents = [{"id": "b", "kind": "neocloud", "cash": cash, "other_assets": 20.0,
             "gpu_fleet": [{**FLEET, "cost": 20.0}]},
            {"id": "lender", "kind": "bank"}]
    if other_fleet:
        ents.append({"id": "c", "kind": "neocloud", "other_assets": other_fleet,
                     "gpu_fleet": [{**FLEET, "cost": other_fleet}]})
    return make_network(ents, [
        {"id": "b_loan", "kind": "loan", "lender": "lender", "borrower": "b",
         "amount": balance, "rate": 0.0, "start": "2025-10-01", "end": "2030-01-01",
         "covenants": {"max_ltv": 0.8},
         "collateral": {"kind": "gpu_pool", "generation": "H100", "value": 10.0}}])


def halved() -> FactorPaths:
    f = FactorPaths.flat(1, 4, base_rate=0.0, equity_window=0.0)
    f.gpu_resale["default"][:, 1:] = 0.5
    return f


SALES = EngineParams(ltv_covenants=True, ltv_cure_sales=True)


def test_a_breach_is_cured_by_selling_pledged_gpus() -> None:
    # Quarter 1: the pool is worth 5, the loan 4.5, the excess 4.5 − 0.8·5 = 0.5. With no
    # spare cash B sells v = 0.5 / (1 − 0.8) = 2.5 of the pool and prepays it: the loan is
    # 2.0 against a pool of 2.5 (80%). Its fleet (worth 10 at half price) keeps 7.5, and
    # a quarter of its book goes with the sale. Quarter 2: nothing is due.
    f = halved()
    net = borrower_network(4.5, 0.0)
    res = simulate_paths(net, f, horizon="2026Q3", params=SALES)
    assert res.debt is not None and res.entity is not None
    b = res.entity_ids.index("b")
    assert res.default_quarter[0, b] == -1
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], [0.0, 2.5, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.debt["outstanding"][0, :, 0], [4.5, 2.0, 2.0, 2.0],
                               atol=1e-12)
    np.testing.assert_allclose(res.entity["cash"][0, :, b], 0.0, atol=1e-12)
    # without sales the 0.5 is owed in cash, which B does not have
    cash_only = simulate_paths(net, f, horizon="2026Q3",
                         params=EngineParams(ltv_covenants=True))
    assert cash_only.default_quarter[0, b] == 1
    ref = simulate_reference(net, f, horizon="2026Q3", params=SALES)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
    np.testing.assert_allclose(res.entity["costs"], ref["costs"], atol=1e-12)
    np.testing.assert_allclose(res.entity["book_equity"], ref["book_equity"], atol=1e-12)


def test_spare_cash_pays_first_and_sales_do_the_rest() -> None:
    # cash 0.2 above a zero buffer pays 0.2 of the 0.5 excess; the remaining 0.3 needs a
    # sale of 0.3 / 0.2 = 1.5: prepayment 1.7, loan 2.8 against a pool of 3.5 (80%)
    net = borrower_network(4.5, 0.2)
    res = simulate_paths(net, halved(), horizon="2026Q3", params=SALES)
    assert res.debt is not None and res.entity is not None
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], [0.0, 1.7, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(res.debt["outstanding"][0, 1:, 0], 2.8, atol=1e-12)
    np.testing.assert_allclose(res.entity["cash"][0, 1, res.entity_ids.index("b")], 0.0,
                               atol=1e-12)


def test_a_pool_too_small_to_cure_ends_in_default() -> None:
    # loan 6 against a pool of 5: excess 2 needs a sale of 10, but the pool is 5; selling
    # it all cures 5·0.2 = 1 and leaves 1 owed in cash that B does not have: B defaults,
    # and its whole fleet goes in the default instead
    net = borrower_network(6.0, 0.0)
    res = simulate_paths(net, halved(), horizon="2026Q3", params=SALES)
    b = res.entity_ids.index("b")
    assert res.default_quarter[0, b] == 1
    ref = simulate_reference(net, halved(), horizon="2026Q3", params=SALES)
    np.testing.assert_allclose(res.loss_debt, ref["loss_debt"], atol=1e-12)
    # the lender recovers B's whole fleet (10 at half price) less nothing: loss 0 here,
    # since the fleet is worth more than the loan
    assert res.loss_debt[0, 0] == pytest.approx(0.0, abs=1e-12)


def test_the_sale_moves_the_price_it_is_made_at() -> None:
    # Loan 4.2. With feedback (π = 0.05, depth = live H100 fleets = 10 (B) + 30 (C) at
    # half price): the sale v at multiplier m solves v = (4.2 − 0.8·5·m) / 0.2 and
    # m = exp(−β·(v/m)/40), β = −ln 0.95 / 0.05 (m ≈ 0.944, v ≈ 2.1; at the resale
    # price alone the sale would be 1.0).
    f = halved()
    net = borrower_network(4.2, 0.0, other_fleet=60.0)
    prm = EngineParams(ltv_covenants=True, ltv_cure_sales=True, fire_sale_feedback=True,
                       gpu_price_impact=0.05, gpu_price_persistence=0.0)
    beta = -math.log(0.95) / 0.05

    def sale(m: float) -> float:
        return (4.2 - 0.8 * 5.0 * m) / 0.2

    m = brentq(lambda x: x - math.exp(-beta * sale(x) / x / 40.0), 0.9, 1.0, xtol=1e-15)
    v = sale(m)
    res = simulate_paths(net, f, horizon="2026Q3", params=prm)
    assert res.debt is not None and res.gpu_price is not None
    h100 = res.compiled.generations.index("H100")
    # the recorded price is the resale level (0.5) × the fire-sale multiplier
    assert res.gpu_price[0, 1, h100] == pytest.approx(0.5 * m, abs=1e-9)
    assert res.debt["paid"][0, 1, 0] == pytest.approx(v, abs=1e-8)
    # after the sale the loan sits exactly at 80% of what is left of the pool
    assert 4.2 - v == pytest.approx(0.8 * (5.0 * m - v), abs=1e-8)
    assert 2.0 < v < 2.3                        # twice the sale without the impact
    ref = simulate_reference(net, f, horizon="2026Q3", params=prm)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-9)
    np.testing.assert_allclose(ref["gpu_impact"][0, 1, h100], m, atol=1e-9)


def test_one_cure_sale_breaches_the_next_borrower() -> None:
    # Two borrowers with H100 loans at a 50% maximum LTV against pools worth 10 (5 at half
    # price). B owes 3.0, so the halving breaches its covenant (excess 0.5, sale 1.0 at the
    # resale price). C owes 2.45, inside its limit of 2.5 at the resale price; B's sale
    # (with feedback) marks C's pool down enough to breach it, so C sells too: a doom
    # loop made of cures alone, with nobody defaulting. (With an 80% limit the same
    # spiral's gain, 1/(1 − 0.8) per unit sold, exceeds one and both fail.)
    fleet = {**FLEET, "cost": 20.0}
    big = {**FLEET, "cost": 60.0}
    cov = {"kind": "gpu_pool", "generation": "H100", "value": 10.0}
    loan = {"kind": "loan", "lender": "lender", "rate": 0.0, "start": "2025-10-01",
            "end": "2030-01-01", "covenants": {"max_ltv": 0.5}, "collateral": cov}
    net = make_network(
        [{"id": "b", "kind": "neocloud", "other_assets": 20.0, "gpu_fleet": [fleet]},
         {"id": "c", "kind": "neocloud", "other_assets": 60.0, "gpu_fleet": [big]},
         {"id": "lender", "kind": "bank"}],
        [{"id": "b_loan", "borrower": "b", "amount": 3.0, **loan},
         {"id": "c_loan", "borrower": "c", "amount": 2.45, **loan}])
    f = halved()
    loud_params = EngineParams(ltv_covenants=True, ltv_cure_sales=True,
                               fire_sale_feedback=True)
    quiet = simulate_paths(net, f, horizon="2026Q3", params=SALES)
    loud = simulate_paths(net, f, horizon="2026Q3", params=loud_params)
    assert quiet.debt is not None and loud.debt is not None and loud.entity is not None
    b_loan, c_loan = (loud.compiled.debt_ids.index(x) for x in ("b_loan", "c_loan"))
    assert quiet.debt["paid"][0, 1, b_loan] == pytest.approx(1.0, abs=1e-12)
    assert quiet.debt["paid"][0, 1, c_loan] == 0.0
    assert loud.debt["paid"][0, 1, b_loan] > 1.0
    assert loud.debt["paid"][0, 1, c_loan] > 0.0
    assert not loud.defaulted.any()
    # each loan ends the quarter exactly at its limit on what is left of its pool
    assert loud.gpu_price is not None
    m = loud.gpu_price[0, 1, loud.compiled.generations.index("H100")] / 0.5
    for d, owed in ((b_loan, 3.0), (c_loan, 2.45)):
        v = loud.debt["paid"][0, 1, d]
        assert owed - v == pytest.approx(0.5 * (5.0 * m - v), abs=1e-8)
    ref = simulate_reference(net, f, horizon="2026Q3", params=loud_params)
    np.testing.assert_allclose(loud.debt["paid"], ref["debt_paid"], atol=1e-9)
    np.testing.assert_allclose(loud.entity["book_equity"], ref["book_equity"], atol=1e-9)
