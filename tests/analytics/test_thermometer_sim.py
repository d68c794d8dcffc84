"""The thermometer on simulated paths (synthetic arrays) and the lead-time machinery."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bubblescope.analytics.thermometer import INDICATORS
from bubblescope.analytics.thermometer_sim import (
    first_alarm,
    gauge_bands,
    gauge_scores,
    lead_time_table,
    productivity_series,
    simulated_gauges,
    warning_performance,
    youden_threshold,
)


def test_gauge_scores_shapes_and_composite() -> None:
    paths, quarters = 6, 8
    spread = np.linspace(0.02, 0.12, quarters)[None, :].repeat(paths, axis=0)
    hhi = np.full((paths, quarters), 0.6)
    s = gauge_scores({"debt_spread": spread, "holder_hhi": hhi})
    assert set(s) == {*INDICATORS, "composite"}
    assert all(v.shape == (paths, quarters) for v in s.values())
    assert s["neocloud"][0, 0] == 0.0 and s["neocloud"][0, -1] == 100.0
    assert np.all(s["spv_bond"] == 70.0)
    assert np.all(np.isnan(s["power"]))
    expected = (0.25 * s["neocloud"] + 0.2 * 70.0) / 0.45
    np.testing.assert_allclose(s["composite"], expected)


def test_gauge_scores_nan_metric_is_left_out_per_cell() -> None:
    a = np.array([[0.07, np.nan]])
    b = np.array([[1.0, 4.0]])
    s = gauge_scores({"debt_spread": a, "refinancing_to_cash": b})
    assert s["neocloud"][0, 0] == pytest.approx((0.25 * 70 + 0.25 * 40) / 0.5)
    assert s["neocloud"][0, 1] == pytest.approx(100.0)


def test_gauge_scores_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown series"):
        gauge_scores({"vibes": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="shape"):
        gauge_scores({"debt_spread": np.zeros((2, 2)), "holder_hhi": np.zeros((2, 3))})
    with pytest.raises(ValueError):
        gauge_scores({})


def test_productivity_from_ai_revenue_paths() -> None:
    # Path 0 grows ×2 a year (exponential), path 1 grows linearly (decelerating).
    q = np.arange(12)
    expo = 10.0 * 2.0 ** (q / 4)
    lin = 10.0 + 2.5 * q
    out = productivity_series(np.vstack([expo, lin]), 80.0)
    assert np.all(np.isnan(out["log_growth"][:, :4]))
    np.testing.assert_allclose(out["log_growth"][0, 4:], math.log(2.0))
    np.testing.assert_allclose(out["growth_acceleration"][0, 8:], 0.0, atol=1e-12)
    assert np.all(out["growth_acceleration"][1, 8:] < 0)
    # at quarter 4 revenue is 20 and growth ln 2 → two more doublings to 80
    assert out["years_to_hurdle"][0, 4] == pytest.approx(2.0)
    s = gauge_scores({"ai_revenue": np.vstack([expo, lin])}, revenue_required=80.0)
    assert s["productivity"][0, 8] < s["productivity"][1, 8]


def test_bands_quantiles_and_shares() -> None:
    g = np.array([[0.0, 40.0], [50.0, 70.0], [100.0, np.nan]])
    b = gauge_bands({"x": g}, (0.0, 0.5, 1.0))
    assert b.columns.tolist() == ["gauge", "quarter", "q00", "q50", "q100",
                                  "share_amber_or_red", "share_red"]
    assert b["q50"].tolist() == [50.0, 55.0]
    assert b["share_amber_or_red"].tolist() == pytest.approx([2 / 3, 1.0])
    assert b["share_red"].tolist() == pytest.approx([1 / 3, 0.5])
    sg = simulated_gauges({"onsite_share": np.full((4, 3), 0.5)})
    assert set(sg.bands["gauge"]) == {*INDICATORS, "composite"}
    assert sg.bands.query("gauge == 'power'")["q50"].tolist() == [70.0] * 3


def test_first_alarm_respects_until() -> None:
    g = np.array([[0, 50, 80, 90], [80, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
    assert first_alarm(g, 70).tolist() == [2, 0, -1]
    assert first_alarm(g, 70, until=[1, -1, 3]).tolist() == [-1, 0, -1]
    assert first_alarm(np.array([[np.nan, 70.0]]), 70).tolist() == [1]


def synthetic(n_event: int = 30, n_quiet: int = 70, quarters: int = 20, lead: int = 3,
              seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Event paths climb to 80 exactly ``lead`` quarters before the event; quiet paths
    sit at 50 throughout."""
    rng = np.random.default_rng(seed)
    g = np.full((n_event + n_quiet, quarters), 50.0)
    ev = np.full(n_event + n_quiet, -1.0)
    for i in range(n_event):
        e = int(rng.integers(lead + 1, quarters))
        ev[i] = e
        g[i, :e - lead] = 20.0
        g[i, e - lead:] = 80.0
    ev[n_event:] = np.nan  # NaN also means "no event"
    return g, ev


def test_warning_performance_known_answer() -> None:
    g, ev = synthetic()
    red = warning_performance(g, ev, 70.0)
    assert red["n_events"] == 30 and red["hits"] == 30
    assert red["hit_rate"] == 1.0 and red["false_alarm_rate"] == 0.0
    assert red["median_lead"] == 3.0 and red["mean_lead"] == 3.0
    assert red["youden_j"] == 1.0
    amber = warning_performance(g, ev, 40.0)
    assert amber["false_alarm_rate"] == 1.0 and amber["youden_j"] == 0.0


def test_alarm_after_the_event_is_a_miss() -> None:
    g = np.array([[0.0, 0.0, 0.0, 90.0], [0.0, 90.0, 90.0, 90.0]])
    perf = warning_performance(g, np.array([2, 3]), 70.0)
    assert perf["hits"] == 1 and perf["hit_rate"] == 0.5 and perf["median_lead"] == 2.0
    perf = warning_performance(g, np.array([-1, -1]), 70.0)
    assert math.isnan(perf["hit_rate"]) and perf["false_alarm_rate"] == 1.0
    with pytest.raises(ValueError, match="one entry per path"):
        warning_performance(g, np.array([1]), 70.0)


def test_youden_picks_the_lowest_separating_threshold() -> None:
    g, ev = synthetic()
    best = youden_threshold(g, ev)
    assert best["threshold"] == 55.0 and best["youden_j"] == 1.0
    # overlapping gauges: one event path peaks at 60 only
    g2 = np.array([[0., 60.], [0., 90.], [0., 65.], [0., 30.]])
    best = youden_threshold(g2, [1, 1, -1, -1], [50, 60, 70])
    assert best["threshold"] == 50.0  # J = 1 − 0.5 ties with 60 (1 − 0.5); lowest wins
    assert best["youden_j"] == pytest.approx(0.5)
    with pytest.raises(ValueError):
        youden_threshold(g2, [1, 1, -1, -1], [])


def test_lead_time_table_rows() -> None:
    g, ev = synthetic()
    s = {"composite": g, "neocloud": np.clip(g - 20, 0, 100)}
    t = lead_time_table(s, {"first_neocloud_default": ev, "first_spv_bond_loss": -ev})
    assert len(t) == 2 * 2 * 3
    assert set(t["rule"]) == {"amber", "red", "youden"}
    row = t.set_index(["gauge", "event", "rule"]).loc[
        ("composite", "first_neocloud_default", "red")]
    assert row["hit_rate"] == 1.0 and row["median_lead"] == 3.0


@pytest.mark.parametrize("name", ["thermometer", "thermometer_sim"])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    module = importlib.import_module(f"bubblescope.analytics.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_observations_doctest() -> None:
    import doctest

    from bubblescope.io import observations

    result = doctest.testmod(observations)
    assert result.attempted > 0 and result.failed == 0


def test_engine_arrays_feed_the_gauges_end_to_end() -> None:
    """The hook: an engine run's per-path arrays → gauges → lead-time table."""
    import bubblescope
    from bubblescope.analytics.thermometer_sim import (
        first_event_quarter,
        first_loss_quarter,
        series_from_entity_paths,
    )
    from bubblescope.engine import simulate_paths
    from bubblescope.engine.factors import FactorPaths

    net = bubblescope.load_network("ai-2025")
    res = simulate_paths(net, FactorPaths.baseline(3, 24), horizon="2030Q4")
    kinds = res.compiled.kinds
    series = series_from_entity_paths(res.entity, kinds)
    assert set(series) == {"ai_revenue", "equity_cushion"}
    scores = gauge_scores(series)
    assert scores["composite"].shape == (3, len(res.quarters))
    events = {"first_neocloud_default": first_event_quarter(res.default_quarter, kinds,
                                                            "neocloud"),
              "first_spv_default": first_event_quarter(res.default_quarter, kinds, "spv")}
    c = res.compiled
    bonds = {k.id for k in net.contracts if k.kind == "bond"}
    spv_bonds = [kinds[c.debtor[d]] == "spv" and i in bonds for d, i in enumerate(c.debt_ids)]
    assert any(spv_bonds)
    events["first_spv_bond_loss"] = first_loss_quarter(res.debt["loss"], spv_bonds)
    if res.debt_price is not None:
        from bubblescope.analytics.thermometer_sim import price_discount_series

        series["price_discount"] = price_discount_series(res.debt_price,
                                                         res.debt["outstanding"], spv_bonds)
        assert series["price_discount"].shape == (3, len(res.quarters))
        scores = gauge_scores(series)
        assert np.isfinite(scores["spv_bond"]).any()
    assert events["first_spv_bond_loss"].shape == (3,)
    table = lead_time_table({k: scores[k] for k in ("composite", "neocloud")}, events)
    assert len(table) == 2 * 3 * 3
    finite = scores["neocloud"][np.isfinite(scores["neocloud"])]
    assert finite.size and np.all((finite >= 0) & (finite <= 100))


def test_first_loss_quarter_validates_shapes() -> None:
    from bubblescope.analytics.thermometer_sim import first_loss_quarter

    with pytest.raises(ValueError, match="instruments"):
        first_loss_quarter(np.zeros((2, 3)), [True])
    with pytest.raises(ValueError, match="select"):
        first_loss_quarter(np.zeros((2, 3, 2)), [True])


def test_price_discount_series_validates() -> None:
    from bubblescope.analytics.thermometer_sim import price_discount_series

    with pytest.raises(ValueError, match="one shape"):
        price_discount_series(np.zeros((1, 2, 2)), np.zeros((1, 2, 3)), [True, True])
    with pytest.raises(ValueError, match="select"):
        price_discount_series(np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), [True])
