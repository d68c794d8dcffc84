"""The revenue hurdle reproduces the seed arithmetic and Sequoia's published figures."""

from __future__ import annotations

import math

import pytest

from bubblescope import load_network
from bubblescope.analytics import (
    capital_recovery_factor,
    commitments_vs_revenue,
    depreciation_hurdle,
    equity_return,
    gpu_hour_breakeven,
    hurdle_summary,
    life_cost_grid,
    required_asset_yield,
    required_return_on_capex,
    return_margin_grid,
    revenue_chain,
    sequoia_gap,
    structure_hurdle,
)


def test_digest_chain():
    h = revenue_chain()
    assert h["ebitda_required"] == pytest.approx(360.0, abs=1e-9)
    assert h["revenue_required"] == pytest.approx(553.846, abs=1e-3)
    assert h["share_of_gdp"] == pytest.approx(0.0191, abs=5e-5)
    assert round(h["share_of_gdp"] * 100, 2) == 1.91
    assert h.formulas["ebitda_required"] == "capex × required_return"
    assert list(h.table()["name"])[:3] == ["capex", "required_return", "margin"]


def test_equity_return_link_both_ways():
    assert equity_return(0.12, 0.7, 0.075)["equity_return"] == pytest.approx(0.225, abs=1e-12)
    low = equity_return(0.12, 0.3, 0.075)["equity_return"]
    assert low == pytest.approx((0.12 - 0.0225) / 0.7, abs=1e-12)
    assert round(low, 4) == 0.1393
    back = required_return_on_capex(0.225, 0.7, 0.075)["required_return"]
    assert back == pytest.approx(0.12, abs=1e-12)


def test_depreciation_six_versus_three_years():
    six = depreciation_hurdle(3000, 0.12, 6)
    three = depreciation_hurdle(3000, 0.12, 3)
    assert six["ebitda_required"] == pytest.approx(3000 * (0.12 + 1 / 6))
    assert three["ebitda_required"] == pytest.approx(1360.0)
    assert three["revenue_required"] == pytest.approx(1360.0 / 0.65)


def test_sequoia_published_figures_exactly():
    assert sequoia_gap(50.0, 0.0)["gap"] == 200.0
    assert sequoia_gap(150.0, 0.0)["gap"] == 600.0
    assert sequoia_gap(150.0, 100.0)["gap"] == 500.0
    assert sequoia_gap(150.0)["datacentre_cost"] == 300.0


def test_crf_and_gpu_hour_by_hand():
    # r = 10%, n = 5: 0.1 × 1.61051 / 0.61051
    assert capital_recovery_factor(0.10, 5) == pytest.approx(0.161051 / 0.61051, rel=1e-12)
    assert capital_recovery_factor(0.0, 4) == 0.25
    h = gpu_hour_breakeven(40_000, 0.10, 5, 8_000, 0.7)
    annual = 40_000 * 0.161051 / 0.61051 + 8_000
    assert h["annual_cost"] == pytest.approx(annual)
    assert h["price_per_gpu_hour"] == pytest.approx(annual / (8760 * 0.7))
    assert h["price_per_gpu_hour"] == pytest.approx(3.0254, abs=1e-4)


def test_required_asset_yield_by_hand():
    h = required_asset_yield(asset_cost=24.0, debt=27.3, coupon=0.06581, equity=2.5,
                             equity_return=0.12, opex=0.4)
    assert h["asset_yield"] == pytest.approx((0.06581 * 27.3 + 0.4 + 0.3) / 24.0)


def test_structures_in_the_bundled_network():
    net = load_network("ai-2025")
    hyp = structure_hurdle(net, "hyperion_spv")
    assert hyp["coupon"] == pytest.approx(0.06581, abs=1e-6)
    assert hyp["asset_yield"] > hyp["coupon"]
    with_opex = structure_hurdle(net, "hyperion_spv", opex=0.5)
    assert with_opex["asset_yield"] == pytest.approx(hyp["asset_yield"] + 0.5 / hyp[
        "asset_cost"])
    oa = commitments_vs_revenue(net, "openai")
    assert oa["ratio"] == pytest.approx(oa["annual_commitments"] / oa["revenue"])
    assert oa["ratio"] > 5  # commitments dwarf revenue (S1-09)


def test_sensitivity_grids():
    g = return_margin_grid()
    assert g.loc[0.12, 0.65] == pytest.approx(360 / 0.65)
    assert g.shape == (5, 4)
    lc = life_cost_grid()
    assert lc.loc[6, 0.12] == pytest.approx(860.0)
    assert lc.loc[3, 0.06] == pytest.approx(3000 * (0.06 + 1 / 3))


@pytest.mark.parametrize(("call", "name"), [
    (lambda: revenue_chain(capex=-1), "capex"),
    (lambda: revenue_chain(margin=0), "margin"),
    (lambda: revenue_chain(margin=1.2), "margin"),
    (lambda: revenue_chain(gdp=0), "gdp"),
    (lambda: depreciation_hurdle(life=0), "life"),
    (lambda: equity_return(debt_share=1.0), "debt_share"),
    (lambda: gpu_hour_breakeven(utilisation=0), "utilisation"),
    (lambda: sequoia_gap(-5), "nvidia_dc_run_rate"),
    (lambda: capital_recovery_factor(0.1, -2), "life"),
    (lambda: revenue_chain(required_return=math.nan), "required_return"),
])
def test_bad_inputs_name_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


def test_summary_has_stable_names():
    s = hurdle_summary()
    for key in ("ebitda_required", "revenue_required", "share_of_gdp", "equity_return",
                "ebitda_required_with_depreciation"):
        assert key in s
