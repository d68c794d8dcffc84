"""Noise statistics, correlation, and seeding that does not depend on chunking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bubblescope.io.scenario_load import load_scenario
from bubblescope.model.scenario import Scenario
from bubblescope.scenarios import generate, path_rng


def scen(factors: dict, **extra) -> Scenario:
    return Scenario.model_validate({"name": "t", "factors": factors, **extra})


def test_additive_ou_matches_its_stationary_distribution():
    # X_t from 0 has mean 0 and variance σ²(1 − e^{−2κt})/(2κ); at t = 20 years ≈ σ²/(2κ).
    sigma, kappa = 0.02, 1.5
    s = scen({"base_rate": {"shape": "constant", "value": 0.05,
                            "noise": {"kind": "ou", "volatility": sigma,
                                      "mean_reversion": kappa}}})
    x = generate(s, paths=4000, quarters=81, seed=11).base_rate - 0.05
    var = sigma**2 / (2 * kappa)
    last = x[:, -1]
    assert abs(last.mean()) < 4 * math.sqrt(var / 4000)
    assert last.var() == pytest.approx(var, rel=0.08)  # sampling sd of a variance ≈ 2.2%
    # and along the way, the exact transient variance
    t = 8 / 4
    assert x[:, 8].var() == pytest.approx(var * (1 - math.exp(-2 * kappa * t)), rel=0.08)
    # lag-one autocorrelation of a stationary OU over a quarter: e^{−κ/4}
    r = np.corrcoef(x[:, 79], x[:, 80])[0, 1]
    assert r == pytest.approx(math.exp(-kappa / 4), abs=0.03)


def test_log_ou_keeps_the_median_and_has_lognormal_spread():
    sigma, kappa = 0.3, 0.5
    s = scen({"ai_demand": {"shape": "constant", "value": 2.0,
                            "noise": {"kind": "log_ou", "volatility": sigma,
                                      "mean_reversion": kappa}}})
    d = generate(s, paths=4000, quarters=61, seed=5).ai_demand
    logs = np.log(d[:, -1] / 2.0)
    var = sigma**2 * (1 - math.exp(-2 * kappa * 15)) / (2 * kappa)
    assert np.median(d[:, -1]) == pytest.approx(2.0, rel=0.04)
    assert logs.var() == pytest.approx(var, rel=0.08)


def test_random_walk_when_mean_reversion_is_zero():
    s = scen({"chip_delay": {"shape": "constant", "value": 50.0,
                             "noise": {"kind": "ou", "volatility": 2.0, "mean_reversion": 0}}})
    x = generate(s, paths=4000, quarters=17, seed=2).chip_delay - 50.0
    assert x[:, -1].var() == pytest.approx(4.0 * 4.0, rel=0.08)  # σ² t with t = 4 years


def test_correlation_of_innovations_is_reproduced():
    noise = {"kind": "ou", "volatility": 0.01, "mean_reversion": 0.0}
    s = scen({"base_rate": {"shape": "constant", "value": 0.04, "noise": noise},
              "credit_spread": {"HY": {"shape": "constant", "value": 0.05, "noise": noise}},
              "equity_window": {"shape": "constant", "value": 0.5, "noise": noise}},
             correlation={"series": ["base_rate", "credit_spread.HY", "equity_window"],
                          "matrix": [[1, 0.6, -0.3], [0.6, 1, -0.5], [-0.3, -0.5, 1]]})
    f = generate(s, paths=3000, quarters=9, seed=8)
    incs = [np.diff(a, axis=1).ravel() for a in
            (f.base_rate, f.credit_spread["HY"], f.equity_window)]
    c = np.corrcoef(incs)
    np.testing.assert_allclose(c, [[1, 0.6, -0.3], [0.6, 1, -0.5], [-0.3, -0.5, 1]], atol=0.03)


def test_seeding_is_per_global_path_and_chunking_invariant():
    s = load_scenario("gpu-doom-loop")
    whole = generate(s, paths=100, quarters=24, seed=42)
    a = generate(s, paths=50, quarters=24, seed=42)
    b = generate(s, paths=50, quarters=24, seed=42, path_offset=50)
    c = generate(s, paths=1, quarters=24, seed=42, path_offset=73)
    for name in ("ai_demand", "gpu_rental_price", "credit_spread", "gpu_resale",
                 "equity_window"):
        w, x, y, z = (getattr(f, name) for f in (whole, a, b, c))
        if isinstance(w, dict):
            for k in w:
                assert np.array_equal(w[k], np.concatenate([x[k], y[k]]))
                assert np.array_equal(w[k][73:74], z[k])
        else:
            assert np.array_equal(w, np.concatenate([x, y]))
            assert np.array_equal(w[73:74], z)
    other = generate(s, paths=100, quarters=24, seed=43)
    assert not np.array_equal(other.ai_demand, whole.ai_demand)


def test_path_rng_is_the_spawned_child():
    child = np.random.SeedSequence(7).spawn(5)[3]
    assert path_rng(7, 3).random() == np.random.default_rng(child).random()


def test_same_seed_same_numbers():
    s = load_scenario("baseline")
    a = generate(s, paths=20, quarters=12, seed=1)
    b = generate(s, paths=20, quarters=12, seed=1)
    assert np.array_equal(a.ai_demand, b.ai_demand)


@pytest.mark.parametrize("dist,mean,var", [
    ({"dist": "normal", "mean": 0.5, "sd": 0.2}, 0.5, 0.04),
    ({"dist": "lognormal", "median": 2.0, "sigma": 0.3}, 2.0 * math.exp(0.045),
     4.0 * (math.exp(0.09) - 1) * math.exp(0.09)),
    ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0, 4 / 12),
    ({"dist": "triangular", "low": 0.0, "mode": 0.2, "high": 1.0}, 0.4,
     (0 + 0.04 + 1 - 0 - 0 - 0.2) / 18),
    ({"dist": "beta", "a": 2.0, "b": 5.0, "low": 0.0, "high": 2.0}, 2 * 2 / 7,
     4 * 10 / (49 * 8)),
])
def test_distribution_draws_have_the_right_moments(dist, mean, var):
    s = scen({"ai_demand": {"shape": "constant", "value": dist}})
    x = generate(s, paths=20000, quarters=1, seed=21).ai_demand[:, 0]
    assert x.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / 20000))
    assert x.var() == pytest.approx(var, rel=0.05)


def test_true_false_is_not_a_number_anywhere():
    from pydantic import ValidationError

    for bad in ({"shape": "piecewise", "points": [[0, True]]},
                {"shape": "exponential", "growth": True},
                {"shape": "constant", "value": {"dist": "normal", "mean": True, "sd": 1}}):
        with pytest.raises(ValidationError):
            scen({"ai_demand": bad})
