"""Deterministic shapes against their closed forms; dates, releases, power and shocks."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from bubblescope.model.scenario import Scenario
from bubblescope.scenarios import generate, generate_run, quarter_index


def scen(factors: dict, **extra) -> Scenario:
    return Scenario.model_validate({"name": "t", "factors": factors, **extra})


def test_constant_and_defaults():
    f = generate(scen({"base_rate": 0.05}), paths=2, quarters=3)
    assert np.all(f.base_rate == 0.05)
    assert np.all(f.ai_demand == 1.0) and np.all(f.credit_spread["HY"] == 0.04)
    assert f.start == "2025Q4"


@pytest.mark.parametrize("g,decay,term", [(0.6, 0.0, 0.0), (2.0, 0.5, 0.04), (-0.3, 0.2, -0.1)])
def test_exponential_with_growth_decay(g, decay, term):
    spec = {"shape": "exponential", "start": 2.0, "growth": g, "growth_decay": decay,
            "terminal_growth": term}
    f = generate(scen({"ai_demand": spec}), paths=1, quarters=41)
    y = np.arange(41) / 4.0
    r0, rinf = math.log1p(g), math.log1p(term)
    if decay == 0:
        expected = 2.0 * (1 + g) ** y
    else:
        expected = 2.0 * np.exp(rinf * y + (r0 - rinf) * (1 - np.exp(-decay * y)) / decay)
    np.testing.assert_allclose(f.ai_demand[0], expected, rtol=1e-12)


def test_exponential_growth_slows_and_floor_cap():
    spec = {"shape": "exponential", "growth": 1.0, "growth_decay": 0.5, "cap": 3.0}
    d = generate(scen({"ai_demand": spec}), paths=1, quarters=80).ai_demand[0]
    yearly = d[4:40:4] / d[:36:4]
    assert np.all(np.diff(yearly) <= 1e-12)  # growth fades (until the cap binds)
    assert d.max() == pytest.approx(3.0)
    spec = {"shape": "exponential", "growth": -0.5, "floor": 0.25}
    r = generate(scen({"gpu_rental_price": spec}), paths=1, quarters=40).gpu_rental_price[0]
    assert r.min() == pytest.approx(0.25)


def test_logistic_midpoint_is_halfway_and_falls_with_negative_steepness():
    spec = {"shape": "logistic", "floor": 0.2, "ceiling": 1.4, "midpoint": "2027Q4",
            "steepness": 1.5}
    f = generate(scen({"ai_demand": spec}), paths=1, quarters=40, start="2025Q4")
    mid = quarter_index("2027Q4", dt.date(2025, 10, 1))
    assert mid == 8
    assert f.ai_demand[0, mid] == pytest.approx((0.2 + 1.4) / 2)
    t = np.arange(40)
    expected = 0.2 + 1.2 / (1 + np.exp(-1.5 * (t - 8) / 4))
    np.testing.assert_allclose(f.ai_demand[0], expected, rtol=1e-12)
    spec["steepness"] = -1.5
    down = generate(scen({"ai_demand": spec}), paths=1, quarters=40).ai_demand[0]
    assert down[0] > 1.3 and down[-1] < 0.3 and np.all(np.diff(down) < 0)


def test_piecewise_linear_and_step():
    pts = [[0, 1.0], [4, 3.0], ["2027Q4", 2.0]]  # 2027Q4 = quarter 8 from 2025Q4
    lin = generate(scen({"ai_demand": {"shape": "piecewise", "points": pts}}), paths=1,
                   quarters=12).ai_demand[0]
    np.testing.assert_allclose(lin, [1, 1.5, 2, 2.5, 3, 2.75, 2.5, 2.25, 2, 2, 2, 2])
    step = generate(scen({"ai_demand": {"shape": "piecewise", "points": pts,
                                        "interpolation": "step"}}), paths=1,
                    quarters=12).ai_demand[0]
    np.testing.assert_allclose(step, [1, 1, 1, 1, 3, 3, 3, 3, 2, 2, 2, 2])
    late = generate(scen({"ai_demand": {"shape": "piecewise", "points": [[2, 5.0], [4, 7.0]]}}),
                    paths=1, quarters=6).ai_demand[0]
    np.testing.assert_allclose(late, [5, 5, 5, 6, 7, 7])


def test_random_parameters_vary_by_path_only():
    spec = {"shape": "constant", "value": {"dist": "uniform", "low": 0.02, "high": 0.06}}
    f = generate(scen({"base_rate": spec}), paths=500, quarters=3, seed=4)
    per_path = f.base_rate[:, 0]
    assert np.all(f.base_rate == per_path[:, None])
    assert per_path.min() >= 0.02 and per_path.max() < 0.06
    assert per_path.mean() == pytest.approx(0.04, abs=0.002)


def test_releases_step_down_older_generations_and_rent():
    s = scen({"gpu_resale": {"default": 1.0, "VR200": 1.0}},
             releases=[{"name": "VR200", "date": 2, "resale_step": 0.3, "rental_step": 0.1}],
             release_cycle={"first": 8, "every": 4, "resale_step": 0.5})
    run = generate_run(s, paths=2, quarters=14)
    f = run.factors
    np.testing.assert_allclose(f.gpu_resale["default"][0],
                               [1, 1, .7, .7, .7, .7, .7, .7, .35, .35, .35, .35, .175, .175])
    np.testing.assert_allclose(f.gpu_resale["VR200"][0, :9], [1] * 8 + [0.5])
    np.testing.assert_allclose(f.gpu_rental_price[0], [1, 1] + [0.9] * 12)
    assert [(r.name, r.quarter) for r in run.releases] == [("VR200", 2), ("gen1", 8),
                                                           ("gen2", 12)]


def test_power_gap_and_onsite_outages_map_to_availability():
    s = scen({}, power={"gap": {"shape": "piecewise", "points": [[0, 0.4], [4, 0.0]]},
                        "onsite_share": 0.5, "onsite_outage_rate": 0.1,
                        "onsite_cost_premium": 0.4, "grid_delay": 20})
    run = generate_run(s, paths=1, quarters=6)
    np.testing.assert_allclose(run.factors.power_availability[0],
                               np.array([0.6, 0.7, 0.8, 0.9, 1.0, 1.0]) * 0.95)
    assert run.grid_delay == 20 and run.onsite_cost_premium == 0.4


def test_policies_and_shocks_resolved_to_quarters():
    s = scen({}, policies={"strategic_default": True,
                           "guarantee": {"guarantor": "us_government",
                                         "contracts": ["hyperion_bonds"], "spread": 0.004}},
             shocks=[{"kind": "revenue_drop", "entity": "openai", "fraction": 0.4,
                      "start": "2027Q1"},
                     {"kind": "default", "entity": "coreweave", "at": 3}])
    run = generate_run(s, paths=1, quarters=8, start="2025-12-31")
    assert run.policies.strategic_default and not run.policies.fire_sale_feedback
    assert run.policies.guarantee.contracts == ["hyperion_bonds"]
    assert [(x.kind, x.entity, x.quarter, x.fraction) for x in run.shocks] == [
        ("revenue_drop", "openai", 5, 0.4), ("default", "coreweave", 3, None)]


def test_bad_generation_arguments():
    with pytest.raises(ValueError, match="paths, quarters"):
        generate(scen({}), paths=0, quarters=4)
    with pytest.raises(ValueError, match="path_offset"):
        generate(scen({}), paths=1, quarters=4, path_offset=-1)


def test_scaled_series_follows_its_reference_through_noise_and_jumps():
    s = scen({"gpu_resale": {
        "default": {"shape": "exponential", "growth": -0.3,
                    "noise": {"kind": "log_ou", "volatility": 0.2}},
        "H100": {"shape": "scaled", "of": "gpu_resale.default", "by": 0.4}}},
        releases=[{"name": "X1", "date": 3, "resale_step": 0.25}])
    f = generate(s, paths=20, quarters=10, seed=9)
    np.testing.assert_allclose(f.gpu_resale["H100"], 0.4 * f.gpu_resale["default"], rtol=1e-12)
    with pytest.raises(ValueError, match="must be another declared series"):
        scen({"gpu_resale": {"default": 1.0,
                             "H100": {"shape": "scaled", "of": "gpu_resale.B200", "by": 1}}})
