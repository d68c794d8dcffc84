from __future__ import annotations

import numpy as np
import pytest

from bubblescope.engine import FactorPaths


def test_flat_and_baseline_shapes() -> None:
    f = FactorPaths.flat(4, 10)
    assert f.paths == 4 and f.quarters == 10
    b = FactorPaths.baseline(2, 97)
    assert b.ai_demand.shape == (2, 97)
    assert b.ai_demand[0, 0] == 1.0 and b.ai_demand[0, -1] > 5.0
    growth = np.diff(np.log(b.ai_demand[0]))
    assert np.all(np.diff(growth) <= 1e-12)  # growth slows
    assert b.resale("H100")[0, -1] < b.resale("H100")[0, 0]
    assert b.base_rate[0, 0] == pytest.approx(0.04) and b.base_rate[0, -1] == pytest.approx(0.03)


def test_slice_and_truncate() -> None:
    f = FactorPaths.baseline(5, 20)
    s = f.slice(slice(1, 3))
    assert s.paths == 2 and s.quarters == 20
    assert f.truncate(8).quarters == 8
    with pytest.raises(ValueError, match="factors"):
        f.truncate(30)


def _kwargs(f: FactorPaths) -> dict:
    return {k: getattr(f, k) for k in ("ai_demand", "gpu_rental_price", "gpu_resale",
                                       "base_rate", "credit_spread", "equity_window",
                                       "power_availability", "chip_delay")}


@pytest.mark.parametrize("name", ["gpu_rental_price", "base_rate", "equity_window",
                                  "power_availability", "chip_delay"])
def test_wrong_shape_names_the_factor(name: str) -> None:
    kw = _kwargs(FactorPaths.flat(3, 5))
    kw[name] = np.ones((3, 4))
    with pytest.raises(ValueError, match=name):
        FactorPaths(**kw)


def test_nan_names_the_factor_and_position() -> None:
    kw = _kwargs(FactorPaths.flat(3, 5))
    demand = np.ones((3, 5))
    demand[2, 4] = np.nan
    kw["ai_demand"] = demand
    with pytest.raises(ValueError, match=r"ai_demand: non-finite.*path 2, quarter 4"):
        FactorPaths(**kw)


def test_impossible_values_rejected() -> None:
    kw = _kwargs(FactorPaths.flat(2, 3))
    kw["equity_window"] = np.full((2, 3), 1.5)
    with pytest.raises(ValueError, match="equity_window"):
        FactorPaths(**kw)
    kw = _kwargs(FactorPaths.flat(2, 3))
    kw["ai_demand"] = -np.ones((2, 3))
    with pytest.raises(ValueError, match="ai_demand"):
        FactorPaths(**kw)
    kw = _kwargs(FactorPaths.flat(2, 3))
    kw["gpu_resale"] = {"default": np.zeros((2, 3))}
    with pytest.raises(ValueError, match="gpu_resale"):
        FactorPaths(**kw)
    kw = _kwargs(FactorPaths.flat(2, 3))
    kw["credit_spread"] = {"IG": np.zeros((2, 3))}
    with pytest.raises(ValueError, match="credit_spread"):
        FactorPaths(**kw)
