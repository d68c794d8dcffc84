"""The liquidity ladder, floating rates and chip delays, on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
from engine_nets import make_network

from bubblescope.engine import FactorPaths, simulate_paths


def bullet_borrower(**firm: float) -> object:
    return make_network(
        [{"id": "bank", "kind": "bank", "cash": 100.0},
         {"id": "firm", "kind": "other", "cash": 1.0, "revenue": 4.0, "operating_costs": 2.0,
          "equity_market_access": 0.0, **firm}],
        [{"id": "loan", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 10.0,
          "rate": 0.04, "start": "2025-10-01", "end": "2026-07-01"}])  # matures 2026Q3


def test_maturing_principal_is_refinanced_while_the_market_is_open() -> None:
    f = FactorPaths.flat(2, 8, base_rate=0.0)
    f = FactorPaths(**{**_fields(f),
                       "credit_spread": {"IG": f.credit_spread["IG"],
                                         "HY": np.array([[0.04] * 8, [0.12] * 8])}})
    res = simulate_paths(bullet_borrower(), f, horizon="2027Q3")
    firm = res.entity_ids.index("firm")
    assert res.debt is not None
    # open market: the 10 due in 2026Q3 rolls over (and is refinanced again each quarter)
    assert res.default_quarter[0, firm] == -1
    assert res.debt["refinanced"][0, 3, 0] > 0
    assert res.debt["outstanding"][0, -1, 0] > 0
    # spreads above the 8% threshold: nobody lends, the firm defaults at maturity
    assert res.default_quarter[1, firm] == 3
    assert res.debt["refinanced"][1].sum() == 0


def test_facility_draw_covers_a_shortfall_before_anything_else() -> None:
    net = make_network(
        [{"id": "bank", "kind": "bank", "cash": 100.0},
         {"id": "firm", "kind": "other", "cash": 0.0, "operating_costs": 4.0,
          "min_cash_buffer": 0.5}],
        [{"id": "rcf", "kind": "credit_facility", "lender": "bank", "borrower": "firm",
          "amount": 3.0, "drawn": 0.0, "rate": 0.0, "end": "2030-01-01"}])
    res = simulate_paths(net, FactorPaths.flat(1, 8, base_rate=0.0), horizon="2027Q3")
    firm = res.entity_ids.index("firm")
    assert res.debt is not None and res.entity is not None
    # quarter 0 needs 1 of opex + 0.5 buffer: it draws 1.5, keeps 0.5
    assert res.debt["outstanding"][0, 0, 0] == pytest.approx(1.5)
    assert res.entity["cash"][0, 0, firm] == pytest.approx(0.5)
    # then 1 a quarter; in quarter 2 the last 0.5 and the buffer pay the opex; the
    # facility is exhausted and the firm defaults in quarter 3
    assert res.debt["outstanding"][0, 1, 0] == pytest.approx(2.5)
    assert res.debt["outstanding"][0, 2, 0] == pytest.approx(3.0)
    assert res.entity["cash"][0, 2, firm] == pytest.approx(0.0, abs=1e-12)
    assert res.default_quarter[0, firm] == 3
    # the bank, a secured lender, loses the 3 drawn (the firm has no assets)
    bank = res.entity_ids.index("bank")
    assert res.creditor_losses()[0, bank, firm] == pytest.approx(3.0)


def test_equity_raise_depends_on_the_window() -> None:
    net = make_network(
        [{"id": "lab", "kind": "other", "cash": 1.0, "other_assets": 50.0,
          "operating_costs": 8.0, "equity_market_access": 1.0}], [])
    shut = simulate_paths(net, FactorPaths.flat(1, 4, base_rate=0.0, equity_window=0.0),
                    horizon="2026Q3")
    open_ = simulate_paths(net, FactorPaths.flat(1, 4, base_rate=0.0), horizon="2026Q3")
    assert shut.default_quarter[0, 0] == 0
    assert open_.default_quarter[0, 0] == -1
    assert open_.entity is not None
    # the raise is capped at 10% of market equity (book 51 × 1) = 5.1 ≥ the 1 needed
    assert open_.entity["contributions"][0, 0, 0] == pytest.approx(1.0)


def test_floating_rate_follows_the_base_rate() -> None:
    net = make_network(
        [{"id": "bank", "kind": "bank"}, {"id": "firm", "cash": 100.0}],
        [{"id": "frn", "kind": "loan", "lender": "bank", "borrower": "firm", "amount": 40.0,
          "rate_type": "floating", "spread": 0.02, "start": "2025-10-01",
          "end": "2030-01-01"}])
    f = FactorPaths.flat(1, 4)
    base = np.array([[0.01, 0.03, 0.05, 0.0]])
    f = FactorPaths(**{**_fields(f), "base_rate": base})
    res = simulate_paths(net, f, horizon="2026Q3")
    assert res.debt is not None
    np.testing.assert_allclose(res.debt["paid"][0, :, 0], 40.0 * (base[0] + 0.02) / 4)


def test_chip_payments_move_with_the_delivery_delay() -> None:
    net = make_network(
        [{"id": "cloud", "kind": "neocloud", "cash": 100.0}, {"id": "nv", "kind": "chip_vendor"}],
        [{"id": "chips", "kind": "chip_purchase", "buyer": "cloud", "vendor": "nv",
          "amount": 6.0, "start": "2026-01-01", "end": "2026-12-31",
          "deliveries": [{"date": "2026-01-01", "amount": 2.0, "generation": "GB200"},
                         {"date": "2026-07-01", "amount": 4.0, "generation": "GB300"}]}])
    f = FactorPaths.flat(2, 8)
    f = FactorPaths(**{**_fields(f), "chip_delay": np.array([[0.0] * 8, [2.0] * 8])})
    res = simulate_paths(net, f, horizon="2027Q3")
    assert res.trade is not None and res.entity is not None
    paid = res.trade["paid"][:, :, :].sum(axis=2)
    np.testing.assert_allclose(paid[0, [1, 3]], [2.0, 4.0])
    np.testing.assert_allclose(paid[1, [3, 5]], [2.0, 4.0])
    assert paid[0].sum() == pytest.approx(6.0) and paid[1].sum() == pytest.approx(6.0)
    # the chips enter the buyer's fleet at cost
    cloud = res.entity_ids.index("cloud")
    assert res.entity["fleet_market"][0, 3, cloud] == pytest.approx(6.0)


def _fields(f: FactorPaths) -> dict:
    return {k: getattr(f, k) for k in ("ai_demand", "gpu_rental_price", "gpu_resale",
                                       "base_rate", "credit_spread", "equity_window",
                                       "power_availability", "chip_delay")}


def test_debt_rolled_over_at_maturity_gets_a_new_term() -> None:
    # The firm earns 1 a quarter, spends 0.5, pays 4% on 10 (0.1 a quarter) and holds 1:
    # at maturity (2026Q3, quarter 3) it has 1 + 3·0.4 + 0.4 = 2.6, pays that and rolls
    # over 7.4. With a four-quarter term the 7.4 is next due in quarter 7, with interest
    # only (0.074) in between; without one it falls due again every quarter.
    from bubblescope.engine import EngineParams
    from bubblescope.testing.reference import simulate_reference

    f = FactorPaths.flat(1, 12, base_rate=0.0)
    net = bullet_borrower()
    termed = EngineParams(refinance_term_quarters=4)
    res = simulate_paths(net, f, horizon="2028Q3", params=termed)
    assert res.debt is not None and res.entity is not None
    refi = res.debt["refinanced"][0, :, 0]
    np.testing.assert_allclose(refi[:7], [0, 0, 0, 7.4, 0, 0, 0], atol=1e-12)
    assert refi[7] > 0 and refi[8:11].sum() == 0 and refi[11] > 0
    np.testing.assert_allclose(res.debt["outstanding"][0, 3:7, 0], 7.4, atol=1e-12)
    firm = res.entity_ids.index("firm")
    np.testing.assert_allclose(res.entity["cash"][0, 4:7, firm], [0.426, 0.852, 1.278],
                               atol=1e-12)
    rolling = simulate_paths(net, f, horizon="2028Q3")
    assert rolling.debt is not None
    assert (rolling.debt["refinanced"][0, 3:8, 0] > 0).all()
    ref = simulate_reference(net, f, horizon="2028Q3", params=termed)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-12)
