"""The risk thermometer: scales, the five indicators on hand-built networks, the composite,
the static reading of ai-2025 and the observed reading."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

import bubblescope
from bubblescope.analytics.thermometer import (
    AMBER_FROM,
    INDICATORS,
    METRICS,
    RED_FROM,
    Scale,
    build_reading,
    colour,
    contract_metrics,
    metric_score,
    neocloud_metrics,
    observed_thermometer,
    power_metrics,
    revenue_growth,
    spv_bond_metrics,
    thermometer,
    years_to_hurdle,
)
from bubblescope.model import Network

AS_OF = "2025-12-31"


def net_of(entities: list[dict], contracts: list[dict] | None = None) -> Network:
    return Network.model_validate({"as_of": AS_OF, "entities": entities,
                                   "contracts": contracts or []})


# ----------------------------------------------------------------- scales and colours


def test_colour_boundaries_take_the_worse_colour() -> None:
    assert colour(AMBER_FROM - 1e-9) == "green"
    assert colour(AMBER_FROM) == "amber"
    assert colour(RED_FROM - 1e-9) == "amber"
    assert colour(RED_FROM) == "red"
    assert colour(math.nan) == "unknown"


@pytest.mark.parametrize("name", [m.name for m in METRICS.values() if m.scale is not None])
def test_every_scale_hits_its_boundaries_exactly(name: str) -> None:
    s = METRICS[name].scale
    assert s is not None
    assert float(s(s.calm)) == 0.0
    assert float(s(s.amber)) == pytest.approx(AMBER_FROM)
    assert float(s(s.red)) == pytest.approx(RED_FROM)
    assert float(s(s.worst)) == 100.0
    beyond = s.worst + (s.worst - s.calm)
    before = s.calm - (s.worst - s.calm)
    assert float(s(beyond)) == 100.0 and float(s(before)) == 0.0
    assert colour(float(s(s.amber))) == "amber" and colour(float(s(s.red))) == "red"


def test_scale_interpolates_and_handles_nan_and_inf() -> None:
    s = Scale(0.02, 0.04, 0.07, 0.12)
    assert float(s(0.03)) == pytest.approx(20.0)
    assert float(s(0.095)) == pytest.approx(85.0)
    assert math.isnan(float(s(math.nan)))
    assert float(s(math.inf)) == 100.0
    down = Scale(8.0, 5.0, 3.0, 1.0)
    assert float(down(4.0)) == pytest.approx(55.0)
    assert float(down(math.inf)) == 0.0


def test_scale_rejects_non_monotone_points() -> None:
    with pytest.raises(ValueError, match="monotone"):
        Scale(0.0, 0.5, 0.4, 1.0)


def test_metric_weights_per_indicator_sum_to_one() -> None:
    for key in INDICATORS:
        total = sum(m.weight for m in METRICS.values() if m.indicator == key and m.scale)
        assert total == pytest.approx(1.0)
    assert sum(i.weight for i in INDICATORS.values()) == pytest.approx(1.0)


# ----------------------------------------------------------------- 1. productivity


def test_years_to_hurdle() -> None:
    assert years_to_hurdle(10, 100, math.log(10) / 5) == pytest.approx(5.0)
    assert years_to_hurdle(200, 100, 0.1) == 0.0
    assert years_to_hurdle(10, 100, 0.0) == math.inf
    assert years_to_hurdle(0, 100, 1.0) == math.inf


def test_productivity_on_a_hand_built_network_at_the_boundaries() -> None:
    net = net_of([{"id": "lab", "name": "Lab", "kind": "ai_lab", "revenue": 10}])
    r = thermometer(net, log_growth=math.log(10) / 5, growth_acceleration=-0.3,
                    revenue_required=100.0)
    p = r.indicators["productivity"]
    m = {x.name: x for x in p.metrics}
    assert m["years_to_hurdle"].value == pytest.approx(5.0)
    assert m["years_to_hurdle"].score == pytest.approx(40.0)  # green/amber edge
    assert m["years_to_hurdle"].colour == "amber"
    assert m["growth_acceleration"].score == pytest.approx(70.0)  # amber/red edge
    assert m["growth_acceleration"].colour == "red"
    assert p.score == pytest.approx(0.6 * 40 + 0.4 * 70)
    assert m["ai_revenue"].value == 10 and m["ai_revenue"].colour is None


def test_revenue_growth_from_dated_series() -> None:
    d = [dt.date(2023, 12, 31), dt.date(2024, 12, 31), dt.date(2025, 12, 31)]
    g, acc = revenue_growth(d, [1.0, 2.0, 2.0])
    assert g == pytest.approx(0.0) and acc == pytest.approx(-math.log(2.0))
    g, acc = revenue_growth(d[:2], [1.0, 2.0])
    assert g == pytest.approx(math.log(2.0)) and math.isnan(acc)
    assert all(math.isnan(x) for x in revenue_growth(d[:1], [1.0]))


# ----------------------------------------------------------------- 2. neocloud

NEO = [{"id": "neo", "name": "Neo", "kind": "neocloud", "cash": 2.0, "equity_value": 6.0},
       {"id": "bank", "name": "Bank", "kind": "bank"}]
NEO_LOAN = {"id": "l", "kind": "loan", "lender": "bank", "borrower": "neo", "amount": 4.0,
            "rate": 0.09, "start": "2024-01-01", "end": "2026-06-30",
            "collateral": {"kind": "gpu_pool", "value": 5.0},
            "covenants": {"max_ltv": 0.8}}


def test_neocloud_metrics_on_a_hand_built_network() -> None:
    net = net_of(NEO, [NEO_LOAN])
    m = neocloud_metrics(net, base_rate=0.04)
    assert m["debt_spread"] == pytest.approx(0.05)
    assert m["refinancing_to_cash"] == pytest.approx(2.0)
    assert m["equity_cushion"] == pytest.approx(0.6)
    assert m["ltv_headroom"] == pytest.approx(0.0)
    r = thermometer(net, base_rate=0.04).indicators["neocloud"]
    s = {x.name: x.score for x in r.metrics}
    assert s["debt_spread"] == pytest.approx(50.0)
    assert s["refinancing_to_cash"] == pytest.approx(70.0)  # amber/red edge → red
    assert s["equity_cushion"] == pytest.approx(40 * 0.2 / 0.3)
    assert s["ltv_headroom"] == pytest.approx(100.0)
    expected = (0.25 * 50 + 0.25 * 70 + 0.15 * 40 * 0.2 / 0.3 + 0.2 * 100) / 0.85
    assert r.score == pytest.approx(expected)  # drawdown unknown: weights renormalised


def test_neocloud_debt_later_than_a_year_is_not_refinancing() -> None:
    loan = dict(NEO_LOAN, end="2027-06-30")
    assert neocloud_metrics(net_of(NEO, [loan]))["refinancing_to_cash"] == 0.0


def test_no_neocloud_means_unknown() -> None:
    m = neocloud_metrics(net_of([{"id": "x", "name": "X", "kind": "bank"}]))
    assert math.isnan(m["debt_spread"]) and math.isnan(m["refinancing_to_cash"])


# ----------------------------------------------------------------- 3. SPV bonds

SPV_ENTS = [{"id": "spv", "name": "SPV", "kind": "spv"},
            {"id": "giant", "name": "Giant", "kind": "hyperscaler", "cost_of_debt": 0.05},
            {"id": "a", "name": "A", "kind": "asset_manager"},
            {"id": "b", "name": "B", "kind": "insurer"}]
SPV_BOND = {"id": "bd", "kind": "bond", "issuer": "spv", "amount": 10.0, "rate": 0.07,
            "price": 0.95, "holders": [{"holder": "a", "amount": 6.0}],
            "remainder_holder": "b", "start": "2025-01-01", "end": "2049-01-01"}
SPV_LEASE = {"id": "ls", "kind": "lease", "lessor": "spv", "lessee": "giant", "amount": 20,
             "annual_rent": 1.0, "start": "2029-01-01", "end": "2049-01-01"}


def test_spv_bond_metrics_on_a_hand_built_network() -> None:
    m, notes = spv_bond_metrics(net_of(SPV_ENTS, [SPV_BOND, SPV_LEASE]))
    assert m["price_discount"] == pytest.approx(0.05)
    assert m["holder_hhi"] == pytest.approx(0.6**2 + 0.4**2)
    assert m["spread_over_lessee"] == pytest.approx(0.07 / 0.95 - 0.05)
    assert "price_discount" not in notes
    r = thermometer(net_of(SPV_ENTS, [SPV_BOND, SPV_LEASE])).indicators["spv_bond"]
    s = {x.name: x for x in r.metrics}
    assert s["price_discount"].score == pytest.approx(40.0)  # green/amber edge
    assert s["price_discount"].colour == "amber"
    assert s["holder_hhi"].score == pytest.approx(40 + 30 * 0.12 / 0.2)


def test_spv_bond_guarantor_beats_lessee_and_missing_price_is_par() -> None:
    ents = [*SPV_ENTS, {"id": "gov", "name": "Gov", "kind": "government",
                        "cost_of_debt": 0.04}]
    bond = {k: v for k, v in SPV_BOND.items() if k != "price"}
    g = {"id": "g", "kind": "guarantee", "guarantor": "gov", "obligation": "bd",
         "amount": 10}
    m, notes = spv_bond_metrics(net_of(ents, [bond, SPV_LEASE, g]))
    assert m["spread_over_lessee"] == pytest.approx(0.03)
    assert m["price_discount"] == 0.0 and "par" in notes["price_discount"]


def test_no_spv_bond_means_unknown_indicator() -> None:
    r = thermometer(net_of(SPV_ENTS[:2]))
    assert math.isnan(r.indicators["spv_bond"].score)
    assert r.indicators["spv_bond"].colour == "unknown"


# ----------------------------------------------------------------- 4. contracts


def test_contract_metrics_on_a_hand_built_network() -> None:
    ents = [{"id": "neo", "name": "Neo", "kind": "neocloud"},
            {"id": "x", "name": "X", "kind": "hyperscaler"},
            {"id": "y", "name": "Y", "kind": "ai_lab"},
            {"id": "v", "name": "V", "kind": "chip_vendor"}]
    cs = [{"id": "c1", "kind": "compute_contract", "buyer": "x", "seller": "neo",
           "amount": 30, "take_or_pay_share": 1.0, "start": "2025-01-01",
           "end": "2030-12-31"},
          {"id": "c2", "kind": "compute_contract", "buyer": "y", "seller": "neo",
           "amount": 10, "take_or_pay_share": 0.6, "start": "2025-01-01",
           "end": "2030-12-31"},
          {"id": "e", "kind": "equity_stake", "investor": "v", "issuer": "neo",
           "amount": 10, "amount_type": "ceiling"},
          {"id": "gone", "kind": "compute_contract", "buyer": "y", "seller": "neo",
           "amount": 100, "status": "cancelled"}]
    m = contract_metrics(net_of(ents, cs))
    assert m["take_or_pay_share"] == pytest.approx(0.9)
    assert m["remaining_term"] == pytest.approx(5.0)
    assert m["customer_hhi"] == pytest.approx(0.75**2 + 0.25**2)
    assert m["ceiling_share"] == pytest.approx(0.2)
    r = thermometer(net_of(ents, cs)).indicators["contracts"]
    s = {x.name: x for x in r.metrics}
    assert s["remaining_term"].score == pytest.approx(40.0)  # green/amber edge
    assert s["take_or_pay_share"].score == pytest.approx(20.0)
    assert "unknown" in s["price_adjustment"].note
    assert s["price_adjustment"].colour is None


# ----------------------------------------------------------------- 5. power


def test_power_metrics_at_boundaries() -> None:
    net = net_of([{"id": "n", "name": "N", "kind": "neocloud", "power": [
        {"source": "grid", "mw": 400, "available_from": "2026Q2"},
        {"source": "grid", "mw": 600},
        {"source": "onsite", "mw": 1000, "cost_premium": 0.5, "available_from": "2028Q2"}]}])
    m = power_metrics(net)
    assert m["grid_wait_share"] == pytest.approx(0.4)
    assert m["onsite_share"] == pytest.approx(0.5)
    assert m["onsite_cost_premium"] == pytest.approx(0.5)
    assert m["power_gap_share"] == pytest.approx(0.5)
    assert m["planned_mw"] == 2000
    p = thermometer(net).indicators["power"]
    s = {x.name: x.colour for x in p.metrics}
    assert s["grid_wait_share"] == "amber"
    assert s["onsite_share"] == s["onsite_cost_premium"] == s["power_gap_share"] == "red"
    assert p.score == pytest.approx(0.3 * 40 + 0.3 * 70 + 0.2 * 70 + 0.2 * 70)


# ----------------------------------------------------------------- composite


def test_composite_weights_and_contributions() -> None:
    values = {"years_to_hurdle": 20.0,      # productivity 100
              "debt_spread": 0.02,           # neocloud 0
              "price_discount": 0.15,        # spv 70
              "customer_hhi": 0.35,          # contracts 40
              "onsite_share": 0.8}           # power 100
    r = build_reading(values, source="test")
    expected = 0.25 * 100 + 0.25 * 0 + 0.2 * 70 + 0.15 * 40 + 0.15 * 100
    assert r.composite == pytest.approx(expected)
    assert sum(i.contribution for i in r.indicators.values()) == pytest.approx(r.composite)
    assert r.indicators["spv_bond"].contribution == pytest.approx(14.0)


def test_composite_renormalises_over_known_indicators() -> None:
    r = build_reading({"years_to_hurdle": 20.0, "debt_spread": 0.07}, source="test")
    assert r.composite == pytest.approx((0.25 * 100 + 0.25 * 70) / 0.5)
    assert math.isnan(r.indicators["power"].contribution)
    with pytest.raises(ValueError, match="unknown metric"):
        build_reading({"nope": 1.0}, source="test")


def test_metric_score_rejects_context_metrics() -> None:
    assert float(metric_score("holder_hhi", 0.6)) == pytest.approx(70.0)
    with pytest.raises(ValueError):
        metric_score("ai_revenue", 1.0)


# ----------------------------------------------------------------- ai-2025


def test_static_reading_of_ai_2025_is_plausible() -> None:
    r = thermometer(bubblescope.load_network("ai-2025"))
    assert r.source == "static" and r.as_of == dt.date(2025, 12, 31)
    assert list(r.indicators) == list(INDICATORS)
    for ind in r.indicators.values():
        assert 0.0 <= ind.score <= 100.0, ind.key
        assert ind.colour in ("green", "amber", "red")
    assert 0.0 <= r.composite <= 100.0
    assert sum(i.contribution for i in r.indicators.values()) == pytest.approx(r.composite)
    m = {x.name: x.value for i in r.indicators.values() for x in i.metrics}
    assert 0 < m["ai_revenue"] < m["revenue_required"]
    assert 0.0 < m["holder_hhi"] <= 1.0 and m["spv_bond_face"] > 20
    assert 0.0 <= m["take_or_pay_share"] <= 1.0 and 0.0 <= m["ceiling_share"] <= 1.0
    assert 0.0 < m["grid_wait_share"] <= 1.0 and m["planned_mw"] > 1000
    d = r.as_dict()
    assert set(d) == {"source", "as_of", "thresholds", "composite", "indicators", "notes"}
    assert set(d["indicators"]["power"]) == {"title", "weight", "score", "colour",
                                             "contribution", "metrics"}
    assert set(r.table().columns) >= {"indicator", "metric", "value", "score", "colour"}


# ----------------------------------------------------------------- observed


def obs(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"date": dt.date.fromisoformat(d), "indicator": i, "series": s,
                          "value": v} for d, i, s, v in rows])


def test_observed_reading_takes_latest_and_derives() -> None:
    r = observed_thermometer(obs([
        ("2024-12-31", "neocloud", "debt_spread", 0.01),
        ("2025-12-31", "neocloud", "debt_spread", 0.07),
        ("2025-12-31", "spv_bond", "bond_yield", 0.09),
        ("2025-12-31", "spv_bond", "lessee_yield", 0.05),
        ("2023-12-31", "productivity", "ai_revenue", 10.0),
        ("2024-12-31", "productivity", "ai_revenue", 100.0),
        ("2025-12-31", "power", "h100_rental_index", 2.1),
    ]), revenue_required=1000.0)
    assert r.indicators["neocloud"].score == pytest.approx(70.0)
    spv = {m.name: m for m in r.indicators["spv_bond"].metrics}
    assert spv["spread_over_lessee"].value == pytest.approx(0.04)
    prod = {m.name: m for m in r.indicators["productivity"].metrics}
    assert prod["log_growth"].value == pytest.approx(math.log(10))
    assert prod["years_to_hurdle"].value == pytest.approx(1.0)
    assert math.isnan(prod["growth_acceleration"].value)
    assert r.as_of == dt.date(2025, 12, 31)
    assert any("h100_rental_index" in n for n in r.notes)
    assert math.isnan(r.indicators["contracts"].score)


def test_observed_neocloud_yield_minus_base_rate() -> None:
    r = observed_thermometer(obs([("2025-12-31", "neocloud", "bond_yield", 0.11),
                                  ("2025-12-31", "neocloud", "base_rate", 0.04)]))
    assert r.indicators["neocloud"].score == pytest.approx(70.0)
    r = observed_thermometer(obs([("2025-12-31", "neocloud", "bond_yield", 0.11)]))
    m = {x.name: x for x in r.indicators["neocloud"].metrics}
    assert m["debt_spread"].value == pytest.approx(0.07) and "assumed" in m["debt_spread"].note


def test_observed_rejects_unknown_indicator() -> None:
    with pytest.raises(ValueError, match="indicator"):
        observed_thermometer(obs([("2025-12-31", "vibes", "x", 1.0)]))


def test_docs_cover_every_metric_and_threshold() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "thermometer.md").read_text(
        encoding="utf-8")
    for name in METRICS:
        assert f"`{name}`" in doc, name
    for key, ind in INDICATORS.items():
        assert f"`{key}`" in doc and f"{ind.weight:.2f}" in doc


def test_observed_metric_under_the_wrong_indicator_is_context_with_a_hint() -> None:
    r = observed_thermometer(obs([("2025-12-31", "power", "debt_spread", 0.09)]))
    assert math.isnan(r.indicators["neocloud"].score)
    assert any("debt_spread is a metric of neocloud" in n for n in r.notes)


def test_neocloud_table_one_row_per_neocloud() -> None:
    from bubblescope.analytics.thermometer import neocloud_table

    ents = [*NEO, {"id": "neo2", "name": "Neo2", "kind": "neocloud", "cash": 1.0},
            {"id": "veh", "name": "Vehicle", "kind": "spv", "parent": "neo2"}]
    loan2 = dict(NEO_LOAN, id="l2", borrower="veh", rate=0.05, end="2030-01-01")
    net = net_of(ents, [NEO_LOAN, loan2])
    t = neocloud_table(net, base_rate=0.04).set_index("entity")
    assert t.loc["neo", "debt_spread"] == pytest.approx(0.05)
    assert t.loc["neo2", "debt_spread"] == pytest.approx(0.01)  # its vehicle's loan
    assert t.loc["neo2", "refinancing_to_cash"] == 0.0
    assert t.loc["neo", "colour"] in ("amber", "red")
    with pytest.raises(ValueError, match="not a neocloud"):
        neocloud_metrics(net, only="bank")


def test_no_revenue_growth_is_infinite_years_and_red() -> None:
    import json

    net = net_of([{"id": "lab", "name": "Lab", "kind": "ai_lab", "revenue": 10}])
    r = thermometer(net, log_growth=0.0)
    p = r.indicators["productivity"]
    assert p.score == 100.0 and p.colour == "red"
    d = r.as_dict()
    assert d["indicators"]["productivity"]["metrics"]["years_to_hurdle"]["value"] is None
    json.dumps(d, allow_nan=False)


def test_scores_are_bounded_and_monotone() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    names = [m.name for m in METRICS.values() if m.scale is not None]

    @given(st.sampled_from(names), st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
    def check(name: str, a: float, b: float) -> None:
        s = METRICS[name].scale
        assert s is not None
        sa, sb = float(s(a)), float(s(b))
        assert 0.0 <= sa <= 100.0
        lo, hi = (a, b) if a <= b else (b, a)
        slo, shi = float(s(lo)), float(s(hi))
        assert (slo <= shi + 1e-9) if s.rising else (slo + 1e-9 >= shi)
        assert sb == pytest.approx(float(s(b)))

    check()


def test_debt_not_yet_started_is_not_counted() -> None:
    later = dict(NEO_LOAN, id="later", start="2026-06-30", end="2031-01-01", rate=0.2)
    m = neocloud_metrics(net_of(NEO, [NEO_LOAN, later]), base_rate=0.04)
    assert m["neocloud_debt"] == pytest.approx(4.0)
    assert m["debt_spread"] == pytest.approx(0.05)


def test_observed_entities_are_pooled_with_the_worst_named() -> None:
    rows = [("2025-12-31", "neocloud", "bond_yield", 0.09, "coreweave"),
            ("2025-12-31", "neocloud", "bond_yield", 0.07, "nebius"),
            ("2025-12-31", "neocloud", "base_rate", 0.04, ""),
            ("2025-12-31", "neocloud", "base_rate", 0.05, "nebius"),
            ("2024-12-31", "productivity", "ai_revenue", 4.0, "openai"),
            ("2024-12-31", "productivity", "ai_revenue", 1.0, "anthropic"),
            ("2025-12-31", "productivity", "ai_revenue", 10.0, "openai"),
            ("2025-12-31", "productivity", "ai_revenue", 5.0, "anthropic"),
            ("2025-12-31", "spv_bond", "bond_price", 0.9, "hyperion"),
            ("2025-12-31", "spv_bond", "bond_price", 1.0, "other_spv"),
            ("2025-12-31", "contracts", "customer_hhi", 0.5, "coreweave")]
    df = pd.DataFrame([{"date": dt.date.fromisoformat(d), "indicator": i, "series": s,
                        "value": v, "entity": e} for d, i, s, v, e in rows])
    r = observed_thermometer(df)
    neo = {m.name: m for m in r.indicators["neocloud"].metrics}
    # coreweave 0.09 − 0.04 (shared base), nebius 0.07 − 0.05 (its own)
    assert neo["debt_spread"].value == pytest.approx((0.05 + 0.02) / 2)
    assert "worst coreweave" in neo["debt_spread"].note
    prod = {m.name: m for m in r.indicators["productivity"].metrics}
    assert prod["ai_revenue"].value == pytest.approx(15.0)
    assert prod["log_growth"].value == pytest.approx(math.log(3.0), rel=1e-3)
    spv = {m.name: m for m in r.indicators["spv_bond"].metrics}
    assert spv["price_discount"].value == pytest.approx(0.05)
    assert "worst hyperion" in spv["price_discount"].note
    con = {m.name: m for m in r.indicators["contracts"].metrics}
    assert con["customer_hhi"].value == 0.5 and "coreweave" in con["customer_hhi"].note
