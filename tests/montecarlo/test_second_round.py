"""Channel 2: investors over their loss limit sell the generic portfolio."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bubblescope
from bubblescope.montecarlo import simulate
from bubblescope.montecarlo.second_round import portfolios, second_round, second_round_table


def test_one_seller_below_the_others_limits() -> None:
    # 1,000 loses 30 (> 2% = 20) and sells 1% = 10 of a 1,500 market: price 0.95^(10/75)
    r = second_round(np.array([[30.0, 0.0]]), np.array([1000.0, 500.0]), limit=0.02,
                     sale_share=0.01, impact=0.05)
    m = 0.95 ** (10 / 75)
    assert r.price[0] == pytest.approx(m, rel=1e-12)
    assert r.sellers.tolist() == [[True, False]] and r.rounds.tolist() == [1]
    np.testing.assert_allclose(r.loss[0], [1000 * (1 - m), 500 * (1 - m)], rtol=1e-12)


def test_the_mark_pushes_the_next_holder_over_its_limit() -> None:
    r = second_round(np.array([[30.0, 0.0], [5.0, 0.0]]), np.array([1000.0, 500.0]),
                     limit=0.02, sale_share=0.1, impact=0.05)
    assert r.sellers.tolist() == [[True, True], [False, False]]
    assert r.price.tolist() == pytest.approx([0.95 ** 2, 1.0], rel=1e-12)
    assert r.rounds.tolist() == [2, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=6), st.floats(0.001, 0.2),
       st.floats(0.0, 0.5), st.floats(0.0, 0.3))
def test_invariants(losses: list[float], limit: float, share: float, impact: float) -> None:
    first = np.array([losses])
    a = np.linspace(50.0, 500.0, len(losses))
    r = second_round(first, a, limit=limit, sale_share=share, impact=impact)
    assert 0.0 < r.price[0] <= 1.0
    np.testing.assert_allclose(r.loss[0], a * (1.0 - r.price[0]), rtol=1e-12)
    # whoever was over its limit on the first-round loss alone sells
    assert np.all(r.sellers[0][first[0] > limit * a])
    # more impact never raises the price
    r2 = second_round(first, a, limit=limit, sale_share=share, impact=min(impact + 0.1, 0.9))
    assert r2.price[0] <= r.price[0] + 1e-15


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        second_round(np.zeros((1, 2)), np.ones(3))
    with pytest.raises(ValueError):
        second_round(np.zeros((1, 1)), np.ones(1), impact=1.0)


def test_on_the_bundled_web_private_credit_managers_sell_in_refuted() -> None:
    net = bubblescope.load_network("ai-2025")
    mc = simulate(net, "refuted", paths=40, seed=3, progress=False)
    a = portfolios(net, mc.holder_ids)
    assert a[mc.holder_ids.index("us_public_pensions")] == 6000.0
    assert a[mc.holder_ids.index("microsoft")] == 0.0          # not an investor
    r = second_round(mc.holder_loss, a)
    sold = {mc.holder_ids[j] for j in np.nonzero(r.sellers.any(axis=0))[0]}
    # Blue Owl and Apollo (Hyperion, the Oracle campuses, the GPU vehicles) and Valor lose
    # more than 1% of what they manage; pensions, insurers and banks stay below
    assert {"blue_owl", "valor_equity_partners"} <= sold
    assert not sold & {"us_public_pensions", "us_life_insurers", "us_banks"}
    assert (r.price < 1.0).all() and (r.price > 0.99).all()
    table = second_round_table(mc, net)
    assert table.at["pension_fund", "sell_share"] == 0.0
    assert table.at["pension_fund", "loss_mean"] > 0.0       # marked down all the same
