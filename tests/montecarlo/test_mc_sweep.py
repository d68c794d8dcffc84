"""Sweep helpers: grids, dotted paths, variants."""

from __future__ import annotations

import pytest

from bubblescope.io.scenario_load import load_scenario
from bubblescope.montecarlo.sweep import parse_grid, scenario_data, set_path, variants


def test_parse_grid() -> None:
    g = parse_grid(["a.b=1,2.5,true,x", "c=0"])
    assert g == {"a.b": [1, 2.5, True, "x"], "c": [0]}
    for bad in (["a"], ["a="], ["a=1", "a=2"], ["a=1", "b=1", "c=1"], []):
        with pytest.raises(ValueError):
            parse_grid(bad)


def test_set_path_copies() -> None:
    data = {"a": {"b": [1, {"c": 2}]}}
    out = set_path(data, "a.b.1.c", 9)
    assert out == {"a": {"b": [1, {"c": 9}]}} and data["a"]["b"][1]["c"] == 2
    with pytest.raises(ValueError, match="has no 'x'"):
        set_path(data, "a.x.y", 1)
    with pytest.raises(ValueError, match="not an index"):
        set_path(data, "a.b.5", 1)
    with pytest.raises(ValueError, match="is a value"):
        set_path(data, "a.b.0.z", 1)


def test_variants_edit_and_revalidate() -> None:
    s = load_scenario("guarantee")          # extends slow: data must be the merged scenario
    assert "extends" not in scenario_data(s)
    vs = variants(s, {"factors.equity_window.base.points.1.1": [0.2, 0.6],
                      "policies.strategic_default": [False, True]})
    assert len(vs) == 4
    point, v = vs[3]
    assert point == {"factors.equity_window.base.points.1.1": 0.6,
                     "policies.strategic_default": True}
    assert v.policies.strategic_default is True
    assert v.policies.guarantee is not None
    assert scenario_data(v)["factors"]["equity_window"]["base"]["points"][1][1] == 0.6


def test_policy_switches_reach_the_engine() -> None:
    import dataclasses

    from bubblescope.engine import EngineParams
    from bubblescope.montecarlo.run import STRESS_MECHANISMS, engine_params

    s = load_scenario("refuted")            # strategic default and fire-sale feedback on
    p, _ = engine_params(s)
    assert p.strategic_default is True and p.fire_sale_feedback is True
    # without params every part-2 mechanism is on; the policies follow the scenario
    base, notes = engine_params(load_scenario("baseline"))
    assert all(getattr(base, m) is True for m in STRESS_MECHANISMS)
    assert base.refinance_term_quarters == 12 and base.dscr_window_quarters == 4
    assert "ltv_cure_sales" in STRESS_MECHANISMS
    assert base.strategic_default is False and base.fire_sale_feedback is False
    assert len(notes) == 1 and "fund_wind_down" in notes[0]
    # given params are kept as they are, apart from the scenario's policies
    plain, notes = engine_params(load_scenario("baseline"), EngineParams())
    assert plain == EngineParams() and notes == []
    on, _ = engine_params(s, EngineParams())
    assert on == dataclasses.replace(EngineParams(), strategic_default=True,
                                     fire_sale_feedback=True)
