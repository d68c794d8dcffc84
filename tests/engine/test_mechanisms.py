"""Part 2 (issue 6): the invariants with the mechanisms switched on, agreement with the
reference loop, independence of the entity order, and part 1 back when switched off."""

from __future__ import annotations

import numpy as np
from engine_nets import assert_matches_reference
from hypothesis import given, settings
from hypothesis import strategies as st
from test_invariants import HORIZON, check_all

from bubblescope.engine import EngineParams, simulate_paths
from bubblescope.model.network import Network
from bubblescope.testing.engine_strategies import (
    engine_networks,
    factor_paths,
    mechanism_params,
)
from bubblescope.testing.reference import simulate_reference


@settings(max_examples=40, deadline=None)
@given(net=engine_networks(), factors=factor_paths(3, 24), params=mechanism_params())
def test_invariants_hold_and_reference_agrees_with_mechanisms_on(
        net, factors, params) -> None:  # type: ignore[no-untyped-def]
    res = simulate_paths(net, factors, horizon=HORIZON, params=params, chunk_size=2)
    check_all(res)
    assert_matches_reference(res, simulate_reference(net, factors, horizon=HORIZON,
                                                     params=params))


@settings(max_examples=25, deadline=None)
@given(net=engine_networks(), factors=factor_paths(2, 24))
def test_exact_clearing_agrees_with_the_converged_loop(net, factors) -> None:  # type: ignore[no-untyped-def]
    loop = simulate_paths(net, factors, horizon=HORIZON)
    exact = simulate_paths(net, factors, horizon=HORIZON,
                     params=EngineParams(clearing="eisenberg_noe"))
    np.testing.assert_array_equal(loop.default_quarter, exact.default_quarter)
    assert loop.debt is not None and exact.debt is not None
    np.testing.assert_allclose(loop.debt["paid"], exact.debt["paid"], atol=1e-7)
    np.testing.assert_allclose(loop.shortfall, exact.shortfall, atol=1e-7)


def test_switched_off_gives_part_one_back(ai2025: Network) -> None:
    from bubblescope.engine import FactorPaths

    f = FactorPaths.baseline(2, 40)
    a = simulate_paths(ai2025, f, horizon="2035Q3")
    b = simulate_paths(ai2025, f, horizon="2035Q3",
                 params=EngineParams(clearing="loop", default_cost_alpha=0.5,
                                     default_cost_beta=0.5))
    assert a.entity is not None and b.entity is not None
    for v in a.entity:
        np.testing.assert_array_equal(a.entity[v], b.entity[v])
    np.testing.assert_array_equal(a.loss_debt, b.loss_debt)


def _permuted(net: Network, seed: int) -> Network:
    d = net.model_dump(mode="json")
    rng = np.random.default_rng(seed)
    d["entities"] = [d["entities"][i] for i in rng.permutation(len(d["entities"]))]
    d["contracts"] = [d["contracts"][i] for i in rng.permutation(len(d["contracts"]))]
    return Network.model_validate(d)


@settings(max_examples=20, deadline=None)
@given(net=engine_networks(), factors=factor_paths(2, 24), params=mechanism_params(),
       seed=st.integers(0, 1000))
def test_entity_order_does_not_change_results(net, factors, params, seed) -> None:  # type: ignore[no-untyped-def]
    a = simulate_paths(net, factors, horizon=HORIZON, params=params)
    b = simulate_paths(_permuted(net, seed), factors, horizon=HORIZON, params=params)
    ca, cb = a.compiled, b.compiled
    ea = [ca.entity_ids.index(x) for x in cb.entity_ids]
    np.testing.assert_array_equal(a.default_quarter[:, ea], b.default_quarter)
    np.testing.assert_allclose(a.shortfall[:, ea], b.shortfall, atol=1e-9)
    assert a.entity is not None and b.entity is not None
    for v in ("cash", "book_equity", "debt"):
        np.testing.assert_allclose(a.entity[v][:, :, ea], b.entity[v], atol=1e-9, err_msg=v)
    da = [ca.debt_ids.index(x) for x in cb.debt_ids]
    np.testing.assert_allclose(a.loss_debt[:, da], b.loss_debt, atol=1e-9)


def test_every_switch_off_gives_part_one_back(ai2025: Network) -> None:
    from dataclasses import replace

    from bubblescope.engine import FactorPaths
    from bubblescope.testing.engine_strategies import all_mechanisms_on

    on = all_mechanisms_on()
    off = replace(on, clearing="loop", strategic_default=False, fund_wind_down=False,
                  fire_sale_feedback=False, ltv_covenants=False, equity_marks=False,
                  guarantees=False, dscr_covenants=False, refinancing_conditions=False,
                  ltv_cure_sales=False, refinance_term_quarters=0, dscr_window_quarters=1)
    f = FactorPaths.baseline(2, 40)
    a = simulate_paths(ai2025, f, horizon="2035Q3")
    b = simulate_paths(ai2025, f, horizon="2035Q3", params=off)
    assert a.entity is not None and b.entity is not None
    for v in a.entity:
        np.testing.assert_array_equal(a.entity[v], b.entity[v])
    np.testing.assert_array_equal(a.loss_debt, b.loss_debt)
    np.testing.assert_array_equal(a.default_quarter, b.default_quarter)
