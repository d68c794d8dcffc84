"""`bubblescope simulate` and `bubblescope sweep` end to end (in-process)."""

from __future__ import annotations

import json

import pytest

FAST = ("--paths", "12", "--seed", "3", "--horizon", "2027Q2", "--no-progress")


def test_simulate_json_shape(cli) -> None:
    r = cli("simulate", "ai-2025", "--scenario", "slow", *FAST, "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["scenario"] == "slow" and d["paths"] == 12 and d["seed"] == 3
    assert {"entities", "holders", "holder_kinds", "first_to_fail", "amplification",
            "time_bought", "price_quantiles"} <= set(d)
    e = d["entities"]["coreweave"]
    assert set(e) == {"kind", "default_probability", "default_probability_se", "pd_by_year",
                      "median_default_quarter", "expected_loss_to_creditors"}
    assert list(e["pd_by_year"]) == ["2025", "2026", "2027"]
    assert e["median_default_quarter"] is None or e["median_default_quarter"][4] == "Q"
    h = d["holders"]["blue_owl"]
    assert {"kind", "loss_mean", "loss_p95", "loss_p99", "es_975"} <= set(h)
    assert h["kind"] == "private_credit_fund"
    assert "private_credit_fund" in d["holder_kinds"] and "external" in d["holder_kinds"]
    assert sum(d["first_to_fail"].values()) == pytest.approx(1.0)


def test_simulate_tables_and_out(cli, tmp_path) -> None:
    out = tmp_path / "run"
    r = cli("simulate", "--scenario", "baseline", *FAST, "--out", str(out))
    assert r.code == 0, r.err
    assert "Default probability" in r.out and "Losses by holder kind" in r.out
    names = {p.name.split(".")[0] for p in out.iterdir()}
    assert {"entities", "holders", "holder_kinds", "pd_curve", "summary"} <= names
    again = cli("simulate", "--scenario", "baseline", *FAST, "--out", str(out))
    assert again.code == 2 and "already exists" in again.err
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.parametrize(("args", "needle"), [
    (("--scenario", "slow", "--paths", "0"), "--paths"),
    (("--scenario", "slow", "--seed", "-1"), "--seed"),
    (("--scenario", "no-such-scenario"), "no-such-scenario"),
    (("--scenario", "slow", "--runner", "gpu"), "--runner"),
    (("--scenario", "slow", "--horizon", "2020Q1"), "--horizon"),
    (("--scenario", "slow", "--scheduler", "tcp://127.0.0.1:1"), "--scheduler"),
])
def test_simulate_bad_input(cli, args, needle) -> None:
    r = cli("simulate", *args)
    assert r.code == 2
    assert needle in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_simulate_unreachable_scheduler(cli, monkeypatch) -> None:
    from bubblescope.montecarlo import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    r = cli("simulate", "--scenario", "slow", "--runner", "dask",
            "--scheduler", "tcp://127.0.0.1:1", *FAST)
    assert r.code == 2 and "Dask scheduler" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_sweep_json(cli) -> None:
    r = cli("sweep", "--scenario", "slow", "--param",
            "factors.credit_spread.HY.base.points.1.1=0.04,0.12", "--entity", "coreweave",
            "--entity", "hyperion_spv", *FAST, "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["params"] == ["factors.credit_spread.HY.base.points.1.1"]
    assert [v["params"] for v in d["variants"]] == [
        {"factors.credit_spread.HY.base.points.1.1": 0.04},
        {"factors.credit_spread.HY.base.points.1.1": 0.12}]
    assert set(d["variants"][0]["default_probability"]) == {"coreweave", "hyperion_spv"}
    assert "private_credit_fund" in d["variants"][0]["holder_kinds"]


def test_sweep_two_params_table(cli) -> None:
    r = cli("sweep", "--scenario", "baseline", "--param",
            "factors.credit_spread.HY.base.value=0.02,0.08",
            "--param", "factors.ai_demand.base.growth=0.5,2", *FAST)
    assert r.code == 0, r.err
    assert "Sweep" in r.out and "value=0.02, growth=0.5" in r.out


@pytest.mark.parametrize(("param", "needle"), [
    ("factors.ai_demand.nope.growth=1", "has no 'nope'"),
    ("factors.credit_spread.HY.base.value=0.05", "not a valid scenario"),  # piecewise
    ("no-equals-sign", "PATH=v1,v2"),
])
def test_sweep_bad_param(cli, param, needle) -> None:
    r = cli("sweep", "--scenario", "slow", "--param", param, *FAST)
    assert r.code == 2 and needle in r.err, r.err


@pytest.mark.parametrize(("shock", "needle"), [
    ("{kind: default, entity: nope, at: 2026Q2}", "shocks: entity 'nope' is not in the network"),
    ("{kind: revenue_drop, entity: ghost, fraction: 0.5, start: 2026Q1}",
     "shocks: entity 'ghost' is not in the network")])
def test_a_scenario_naming_an_unknown_entity_is_bad_input(cli, tmp_path, shock, needle) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\nextends: slow\ndescription: x\nsource: [S1-16]\n"
                    f"shocks:\n  - {shock}\n", encoding="utf-8")
    r = cli("simulate", "--scenario", str(path), *FAST)
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err.strip() == f"error: scenario bad: {needle}"
