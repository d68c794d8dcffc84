"""Lead-time / false-alarm table of the simulated gauges on a Monte Carlo run."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import bubblescope
from bubblescope.analytics.thermometer_sim import DEFAULT_CANDIDATES
from bubblescope.thermometer_run import COLUMNS, lead_time_by_scenario

PATHS, SEED, HORIZON, SIMULATE_TO = 40, 2025, "2049Q4", "2049Q4"


@pytest.fixture(scope="module")
def table():
    return lead_time_by_scenario("ai-2025", ["refuted"], paths=PATHS, seed=SEED,
                                 horizon=HORIZON, simulate_to=SIMULATE_TO)


@pytest.fixture(scope="module")
def data():
    from bubblescope.thermometer_run import _scenario_scores

    net = bubblescope.load_network("ai-2025")
    _, _, scores, events = _scenario_scores(net, "refuted", PATHS, SEED, HORIZON,
                                            SIMULATE_TO, "serial", False)
    return {k: v for k, v in scores.items() if np.isfinite(v).any()}, events


def test_structure(table) -> None:
    assert list(table.columns) == list(COLUMNS)
    assert set(table["scenario"]) == {"refuted"}
    assert set(table["event"]) == {"first_neocloud_default", "first_spv_bond_loss"}
    for _, sub in table.groupby("event"):
        assert "composite" in set(sub["gauge"])
        assert sub["gauge"].is_unique
    assert (table["n_paths"] == PATHS).all()
    assert set(table["rule"]) <= {"youden", "amber"}


def test_rates_in_unit_interval_or_undefined(table) -> None:
    for r in table.to_dict("records"):
        n_no = r["n_paths"] - r["n_events"]
        for rate, denom in (("hit_rate", r["n_events"]), ("false_alarm_rate", n_no)):
            if denom == 0:
                assert math.isnan(r[rate])
            else:
                assert 0.0 <= r[rate] <= 1.0
        if r["rule"] == "youden":
            assert 0 < r["n_events"] < r["n_paths"]
        else:
            assert math.isnan(r["youden_j"]) and r["threshold"] == 40.0
        assert math.isnan(r["median_lead"]) == (r["hits"] == 0)
        if r["hits"]:
            assert r["median_lead"] >= 0


def _alarm(g: np.ndarray, t: float, until: np.ndarray | None = None) -> np.ndarray:
    """First quarter at or above t per path (−1 if none), written out path by path."""
    out = np.full(g.shape[0], -1)
    for p in range(g.shape[0]):
        last = g.shape[1] - 1 if until is None or until[p] < 0 else until[p]
        for q in range(last + 1):
            if np.isfinite(g[p, q]) and g[p, q] >= t:
                out[p] = q
                break
    return out


def test_youden_threshold_maximises_j(table, data) -> None:
    scores, events = data
    ev = events["first_spv_bond_loss"]
    has = ev >= 0
    assert 0 < has.sum() < PATHS, "the test needs paths with and without an SPV bond loss"
    rows = table[(table["event"] == "first_spv_bond_loss") & (table["rule"] == "youden")]
    assert set(rows["gauge"]) == set(scores)
    for r in rows.to_dict("records"):
        g = scores[r["gauge"]]
        js = {}
        for t in DEFAULT_CANDIDATES:
            hit = (_alarm(g, t, np.where(has, ev, -1)) >= 0) & has
            false = (_alarm(g, t) >= 0) & ~has
            js[float(t)] = hit.sum() / has.sum() - false.sum() / (~has).sum()
        best = max(js.values())
        assert r["youden_j"] == pytest.approx(best)
        assert r["threshold"] == min(t for t, j in js.items() if j >= best - 1e-12)
        t = r["threshold"]
        alarm = _alarm(g, t, np.where(has, ev, -1))
        hit = (alarm >= 0) & has
        assert r["hit_rate"] == pytest.approx(hit.sum() / has.sum())
        assert r["false_alarm_rate"] == pytest.approx(((_alarm(g, t) >= 0) & ~has).sum()
                                                      / (~has).sum())
        if hit.any():
            assert r["median_lead"] == pytest.approx(np.median((ev - alarm)[hit]))


def test_horizon_outside_the_run_is_an_error() -> None:
    with pytest.raises(ValueError, match="horizon"):
        lead_time_by_scenario("ai-2025", ["baseline"], paths=2, horizon="2060Q1")


def test_cli_lead_time_json() -> None:
    from typer.testing import CliRunner

    from bubblescope._cli.app import app

    res = CliRunner().invoke(app, ["thermometer", "--lead-time", "--scenarios", "baseline",
                                   "--paths", "4", "--seed", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["paths"] == 4 and out["horizon"] == "2035Q4"
    assert {r["scenario"] for r in out["rows"]} == {"baseline"}
    assert set(out["rows"][0]) == set(COLUMNS)


def test_cli_lead_time_table() -> None:
    from typer.testing import CliRunner

    from bubblescope._cli.app import app

    res = CliRunner().invoke(app, ["thermometer", "--lead-time", "--scenarios", "baseline",
                                   "--paths", "4"])
    assert res.exit_code == 0, res.output
    assert "first neocloud default" in res.output and "first SPV bond loss" in res.output


def test_neocloud_service_to_cash_by_hand() -> None:
    from types import SimpleNamespace

    from bubblescope.thermometer_run import neocloud_service_to_cash

    # two neoclouds (0, 1) and a bank (2); debt 0 owed by neocloud 0, debt 1 by the bank.
    # quarter 0: due 1 (neo) with neo cash 2 + 2 → 4 × 1 / 4 = 1; quarter 1: due 3, neo 1
    # dead, cash 6 → 2; quarter 2: no cash left → capped at 100; quarter 3: both dead → NaN
    c = SimpleNamespace(kinds=["neocloud", "neocloud", "bank"], debtor=[0, 2])
    due = np.array([[[1.0, 9.0], [3.0, 9.0], [1.0, 9.0], [1.0, 9.0]]])
    cash = np.array([[[2.0, 2.0, 50.0], [6.0, 5.0, 50.0], [0.0, 0.0, 50.0], [0, 0, 50.0]]])
    alive = np.array([[[1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]]], dtype=float)
    res = SimpleNamespace(compiled=c, debt={"due": due}, entity={"cash": cash, "alive": alive})
    out = neocloud_service_to_cash(res, 4)
    np.testing.assert_allclose(out[0, :3], [1.0, 2.0, 100.0])
    assert math.isnan(out[0, 3])


def test_calibrated_thresholds_pool_the_scenarios() -> None:
    from bubblescope.analytics.thermometer_sim import youden_threshold
    from bubblescope.thermometer_run import calibrate_thresholds

    t = calibrate_thresholds("ai-2025", ["refuted", "rate-shock"], paths=20, seed=2025)
    row = t.set_index("gauge").loc["spv_bond"]
    assert row["event"] == "first_spv_bond_loss" and row["n_paths"] == 40
    # pooled: rate-shock's bond mark-downs without a loss are the false alarms to avoid
    assert row["false_alarm_rate"] == 0.0 and row["hit_rate"] == 1.0
    assert row["threshold"] > 40.0
    # neocloud: every path has the event, so no threshold can be calibrated
    assert "neocloud" not in set(t["gauge"])
    # a lower line would flag a rate-shock path without a loss
    net = bubblescope.load_network("ai-2025")
    from bubblescope.thermometer_run import _scenario_scores

    _, _, s, e = _scenario_scores(net, "rate-shock", 20, 2025, "2049Q4", "2049Q4",
                                  "serial", False)
    assert (e["first_spv_bond_loss"] < 0).all()
    assert youden_threshold(s["spv_bond"], e["first_spv_bond_loss"] * 0 - 1, [40.0])[
        "false_alarm_rate"] > 0


def test_shipped_alarm_thresholds_are_the_calibrated_ones() -> None:
    from bubblescope.analytics.thermometer import ALARM_THRESHOLDS
    from bubblescope.thermometer_run import calibrate_thresholds

    t = calibrate_thresholds("ai-2025", paths=200, seed=2025).set_index("gauge")
    for gauge, row in t.iterrows():
        assert ALARM_THRESHOLDS[gauge] == row["threshold"], gauge


def test_power_gauge_reads_the_power_paths_the_engine_ran() -> None:
    from bubblescope.io.scenario_load import load_scenario
    from bubblescope.scenarios import generate_run
    from bubblescope.thermometer_run import power_gap_paths, thermometer_tables

    quarters = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    gap = power_gap_paths("power-crunch", 5, quarters, 11)
    run = generate_run(load_scenario("power-crunch"), paths=5, quarters=4, start="2025Q4",
                       seed=11)
    np.testing.assert_array_equal(gap, 1.0 - run.factors.power_availability[:, :4])
    net = bubblescope.load_network("ai-2025")
    bands, _ = thermometer_tables(net, "power-crunch", paths=10, seed=11, horizon="2028Q4")
    power = bands[bands["gauge"] == "power"]
    assert len(power) == 13 and power["p50"].max() > 40.0      # the crunch turns it amber
