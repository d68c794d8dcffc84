"""Properties over random inputs: chunking invariance, piecewise bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bubblescope.model.scenario import Scenario
from bubblescope.scenarios import generate

NOISY = Scenario.model_validate({
    "name": "p",
    "factors": {
        "ai_demand": {"shape": "exponential", "growth": {"dist": "uniform", "low": 0, "high": 1},
                      "noise": {"kind": "log_ou", "volatility": 0.3}},
        "credit_spread": {"HY": {"shape": "constant", "value": 0.05,
                                 "noise": {"kind": "ou", "volatility": 0.02}}},
        "gpu_resale": {"default": {"shape": "exponential", "growth": -0.3}}},
    "correlation": {"series": ["ai_demand", "credit_spread.HY"],
                    "matrix": [[1, -0.7], [-0.7, 1]]},
    "release_cycle": {"first": 1, "every": 3,
                      "resale_step": {"dist": "beta", "a": 2, "b": 3}}})


@given(seed=st.integers(0, 2**32 - 1), total=st.integers(2, 40), data=st.data())
def test_any_split_gives_the_same_paths(seed, total, data):
    cut = data.draw(st.integers(1, total - 1))
    whole = generate(NOISY, paths=total, quarters=10, seed=seed)
    a = generate(NOISY, paths=cut, quarters=10, seed=seed)
    b = generate(NOISY, paths=total - cut, quarters=10, seed=seed, path_offset=cut)
    assert np.array_equal(whole.ai_demand, np.concatenate([a.ai_demand, b.ai_demand]))
    assert np.array_equal(whole.gpu_resale["default"],
                          np.concatenate([a.gpu_resale["default"], b.gpu_resale["default"]]))
    assert np.array_equal(whole.credit_spread["HY"],
                          np.concatenate([a.credit_spread["HY"], b.credit_spread["HY"]]))


@given(points=st.lists(st.tuples(st.integers(-5, 30), st.floats(0, 10)), min_size=1,
                       max_size=6),
       step=st.booleans())
def test_piecewise_stays_within_its_points(points, step):
    s = Scenario.model_validate({"name": "p", "factors": {"ai_demand": {
        "shape": "piecewise", "points": [list(p) for p in points],
        "interpolation": "step" if step else "linear"}}})
    d = generate(s, paths=1, quarters=30).ai_demand[0]
    values = [v for _, v in points]
    assert d.min() >= min(values) - 1e-12 and d.max() <= max(values) + 1e-12
