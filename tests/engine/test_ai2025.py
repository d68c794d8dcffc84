"""The bundled ai-2025 network under the deterministic baseline (skipped until it loads)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from test_invariants import check_all

from bubblescope.engine import FactorPaths, simulate_paths
from bubblescope.testing.engine_strategies import factor_paths
from bubblescope.testing.reference import simulate_reference


def test_baseline_run_completes_and_invariants_hold(ai2025) -> None:  # type: ignore[no-untyped-def]
    res = simulate_paths(ai2025, FactorPaths.baseline(2, 97))
    assert res.entity is not None
    assert res.entity["cash"].shape == (2, 97, len(ai2025.entities))
    assert res.quarters[0] == "2025Q4" and res.quarters[-1] == "2049Q4"
    check_all(res)
    # the baseline is deterministic: both paths agree
    np.testing.assert_array_equal(res.default_quarter[0], res.default_quarter[1])
    summary = res.summary()
    assert set(summary.index) == {e.id for e in ai2025.entities}
    # the giants survive the baseline
    for big in ("microsoft", "alphabet", "amazon", "meta", "nvidia"):
        assert summary.loc[big, "default_probability"] == 0.0


def test_coreweave_first_quarter_is_of_the_seeded_order(ai2025) -> None:  # type: ignore[no-untyped-def]
    """S1-13: about $5B of revenue against about $20B of spending in 2025.

    Annualised 2025Q4 figures must lie within a factor 2.5 of the seed: revenue in
    [2, 12.5] and spending (operating costs, interest, rent, power, capex and chips) in
    [8, 50] USD bn a year. The contracts spread evenly over their terms put revenue near
    the top of the band.
    """
    res = simulate_paths(ai2025, FactorPaths.baseline(1, 97))
    assert res.entity is not None
    i = res.entity_ids.index("coreweave")
    revenue = 4 * res.entity["revenue"][0, 0, i]
    spending = 4 * (res.entity["costs"][0, 0, i] + res.entity["capex"][0, 0, i])
    assert 2.0 <= revenue <= 12.5, revenue
    assert 8.0 <= spending <= 50.0, spending
    assert spending > revenue


def test_engine_matches_reference_on_ai2025(ai2025) -> None:  # type: ignore[no-untyped-def]
    f = FactorPaths.baseline(2, 21)
    f = FactorPaths(ai_demand=f.ai_demand * np.array([[1.0], [0.3]]),
                    gpu_rental_price=f.gpu_rental_price, gpu_resale=f.gpu_resale,
                    base_rate=f.base_rate, credit_spread=f.credit_spread,
                    equity_window=f.equity_window * np.array([[1.0], [0.0]]),
                    power_availability=f.power_availability, chip_delay=f.chip_delay + 1)
    res = simulate_paths(ai2025, f, horizon="2030Q4")
    ref = simulate_reference(ai2025, f, horizon="2030Q4")
    assert res.entity is not None
    for var in ("cash", "revenue", "costs", "debt", "book_equity"):
        np.testing.assert_allclose(res.entity[var], ref[var], atol=1e-9, rtol=0, err_msg=var)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    np.testing.assert_allclose(res.loss_debt, ref["loss_debt"], atol=1e-9, rtol=0)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(factors=factor_paths(2, 97))
def test_invariants_hold_on_ai2025_under_shocks(ai2025, factors) -> None:  # type: ignore[no-untyped-def]
    check_all(simulate_paths(ai2025, factors))
