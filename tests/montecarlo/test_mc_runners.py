"""Monte Carlo runs: same numbers whatever the runner and chunking; bounded memory."""

from __future__ import annotations

import json

import numpy as np
import pytest

import bubblescope
from bubblescope.engine import compile_network
from bubblescope.montecarlo import (
    MonteCarloResults,
    RunnerError,
    make_runner,
    simulate,
    structures_of,
)
from bubblescope.montecarlo.results import OPTIONAL_SERIES, QUANTILE_COLS

HORIZON = "2027Q4"


def assert_identical(a: MonteCarloResults, b: MonteCarloResults) -> None:
    """Every per-path number and every reported number equal, bit for bit."""
    da, db = a.data, b.data
    for name in ("default_quarter", "credit_loss", "equity_loss", "loss_caused",
                 "structure_failure"):
        assert np.array_equal(getattr(da, name), getattr(db, name)), name
    assert da.prices.keys() == db.prices.keys()
    for k in da.prices:
        assert np.array_equal(da.prices[k], db.prices[k]), k
    for name in OPTIONAL_SERIES:               # engine prices, feedback-off comparison
        x, y = getattr(da, name), getattr(db, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert np.array_equal(x, y, equal_nan=True), name
    strip = ("runner", "chunk_size")
    ja = {k: v for k, v in a.to_dict().items() if k not in strip}
    jb = {k: v for k, v in b.to_dict().items() if k not in strip}
    assert json.dumps(ja, sort_keys=True) == json.dumps(jb, sort_keys=True)


@pytest.fixture(scope="module")
def net() -> bubblescope.Network:
    return bubblescope.load_network("ai-2025")


@pytest.fixture(scope="module")
def serial(net) -> MonteCarloResults:
    return simulate(net, "slow", paths=24, seed=11, horizon=HORIZON, chunk_size=6,
                    progress=False)


def test_chunking_invariance(net) -> None:
    a = simulate(net, "gpu-doom-loop", paths=60, seed=5, horizon=HORIZON, chunk_size=7,
                 progress=False)
    b = simulate(net, "gpu-doom-loop", paths=60, seed=5, horizon=HORIZON, chunk_size=50,
                 progress=False)
    assert a.meta["chunks"] == 9 and b.meta["chunks"] == 2
    assert_identical(a, b)


def test_seed_changes_numbers(net, serial) -> None:
    other = simulate(net, "slow", paths=24, seed=12, horizon=HORIZON, chunk_size=6,
                     progress=False)
    assert not np.array_equal(other.data.prices["gpu_resale_default"],
                              serial.data.prices["gpu_resale_default"])


def test_processes_equal_serial(net, serial) -> None:
    mc = simulate(net, "slow", paths=24, seed=11, runner="processes", horizon=HORIZON,
                  chunk_size=6, workers=2, progress=False)
    assert mc.meta["runner"] == "processes" and mc.meta["chunks"] == 4
    assert_identical(mc, serial)


def test_dask_equal_serial(net, serial) -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        mc = simulate(net, "slow", paths=24, seed=11, runner="dask", scheduler=client,
                      horizon=HORIZON, chunk_size=6, progress=False)
    assert mc.meta["runner"] == "dask"
    assert_identical(mc, serial)


def test_no_per_path_time_series_unless_asked(net, serial) -> None:
    assert serial.data.kept == []
    P, T = serial.paths, len(serial.quarters)
    N = len(serial.entity_ids)
    # only per-path scalars and two small price series: nothing (P, T, N)-shaped
    for name in ("default_quarter", "credit_loss", "equity_loss", "loss_caused",
                 "structure_failure"):
        arr = getattr(serial.data, name)
        assert arr.ndim == 2 and arr.shape[0] == P and arr.shape[1] <= N + 1
    assert all(v.shape == (P, T) for v in serial.data.prices.values())
    kept = simulate(net, "slow", paths=12, seed=11, horizon=HORIZON, chunk_size=6,
                    keep_paths=True, progress=False)
    assert len(kept.data.kept) == 2
    assert kept.data.kept[0].entity["cash"].shape == (6, T, N)


def test_keep_paths_does_not_change_numbers(net, serial) -> None:
    kept = simulate(net, "slow", paths=24, seed=11, horizon=HORIZON, chunk_size=24,
                    keep_paths=True, progress=False)
    assert np.array_equal(kept.data.credit_loss, serial.data.credit_loss)


def test_reports_are_consistent(serial) -> None:
    ent = serial.entities()
    p = ent["default_probability"]
    assert ((p >= 0) & (p <= 1)).all()
    assert np.allclose(ent["default_probability_se"], np.sqrt(p * (1 - p) / serial.paths))
    curve = serial.pd_curve()
    assert np.allclose(curve.iloc[-1].to_numpy(), p.to_numpy())
    assert (np.diff(curve.to_numpy(), axis=0) >= 0).all()       # cumulative
    assert serial.first_to_fail()["share"].sum() == pytest.approx(1.0)
    h = serial.holders()
    assert (h["loss_p99"] >= h["loss_p95"]).all()
    assert np.allclose(h["loss_mean"], h["credit_loss_mean"] + h["equity_loss_mean"])
    # all losses caused by defaulters are borne by some holder
    assert serial.data.loss_caused.sum() == pytest.approx(serial.data.credit_loss.sum())


def test_structures_are_spvs_with_their_lessees(net) -> None:
    c = compile_network(net, HORIZON)
    s = structures_of(c)
    assert "hyperion_spv" in s
    members = [c.entity_ids[i] for i in s["hyperion_spv"]]
    assert members[0] == "hyperion_spv" and "meta" in members


def test_public_api_accepts_names() -> None:
    mc = bubblescope.simulate("ai-2025", "baseline", paths=3, seed=0, horizon="2026Q2",
                              progress=False)
    assert mc.paths == 3 and mc.quarters == ["2025Q4", "2026Q1", "2026Q2"]
    assert mc.meta["scenario"] == "baseline"


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"paths": 0}, "paths"), ({"paths": -3}, "paths"), ({"seed": -1}, "seed"),
    ({"chunk_size": 0}, "chunk_size"), ({"runner": "gpu"}, "runner"),
])
def test_bad_arguments(net, kwargs, match) -> None:
    args = {"paths": 2, "seed": 0, "horizon": "2026Q1", "progress": False, **kwargs}
    with pytest.raises(ValueError, match=match):
        simulate(net, "baseline", **args)


def test_unreachable_scheduler(monkeypatch) -> None:
    from bubblescope.montecarlo import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", 1)
    with pytest.raises(RunnerError, match="Dask scheduler"):
        make_runner("dask", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(RunnerError, match="only used with runner 'dask'"):
        make_runner("serial", scheduler="tcp://127.0.0.1:1")


def test_keep_paths_refused_when_too_large(net) -> None:
    with pytest.raises(ValueError, match="keep_paths"):
        simulate(net, "baseline", paths=200_000, seed=0, keep_paths=True, progress=False)


def test_cli_subprocess_with_processes_runner() -> None:
    """End to end: `python -m bubblescope` spawning worker processes."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "bubblescope", "simulate", "--scenario", "slow", "--paths", "9",
         "--seed", "4", "--horizon", "2026Q4", "--runner", "processes", "--chunk-size", "3",
         "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["runner"] == "processes" and d["paths"] == 9
    same = simulate("ai-2025", "slow", paths=9, seed=4, horizon="2026Q4", progress=False)
    assert d["entities"] == same.to_dict()["entities"]


def test_dask_by_address_and_scheduler_file(net, serial, tmp_path) -> None:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        by_address = simulate(net, "slow", paths=24, seed=11, runner="dask",
                              scheduler=cluster.scheduler_address, horizon=HORIZON,
                              chunk_size=6, progress=False)
        with Client(cluster) as client:
            client.write_scheduler_file(str(tmp_path / "scheduler.json"))
        by_file = simulate(net, "slow", paths=24, seed=11, runner="dask",
                           scheduler=str(tmp_path / "scheduler.json"), horizon=HORIZON,
                           chunk_size=6, progress=False)
    assert_identical(by_address, serial)
    assert_identical(by_file, serial)


# ---------------------------------------------------------------- engine prices
# SPV bond prices (EngineResults.debt_price), engine GPU prices (EngineResults.gpu_price) and the
# fire-sale amplification (each chunk run again with fire_sale_feedback off).

DOOM_HORIZON = "2028Q4"


@pytest.fixture(scope="module")
def doom(net):
    """gpu-doom-loop turns fire_sale_feedback on."""
    return simulate(net, "gpu-doom-loop", paths=40, seed=3, horizon=DOOM_HORIZON, chunk_size=7,
                    progress=False)


def test_new_outputs_identical_across_chunk_sizes(net, doom) -> None:
    other = simulate(net, "gpu-doom-loop", paths=40, seed=3, horizon=DOOM_HORIZON,
                     chunk_size=50, progress=False)
    assert_identical(doom, other)            # includes bond/GPU prices and amplification
    assert doom.to_dict()["amplification"] == other.to_dict()["amplification"]


def test_new_outputs_identical_serial_and_processes(net, doom) -> None:
    mc = simulate(net, "gpu-doom-loop", paths=40, seed=3, horizon=DOOM_HORIZON, chunk_size=7,
                  runner="processes", workers=2, progress=False)
    assert mc.meta["runner"] == "processes"
    assert_identical(mc, doom)


def test_bond_price_quantiles_ordered_and_bounded(doom) -> None:
    assert doom.spv_bonds == ["hyperion_bonds"]
    bq = doom.bond_price_quantiles()
    assert len(bq) == len(doom.spv_bonds) * len(doom.quarters)
    q = bq[list(QUANTILE_COLS)].dropna().to_numpy()
    assert len(q) > 0
    assert (np.diff(q, axis=1) >= 0).all()                  # p5 <= p25 <= ... <= p95
    assert ((q >= 0) & (q <= 2)).all()
    spv = doom.data.bond_price
    assert spv.shape == (doom.paths, len(doom.quarters), 1)


def test_gpu_prices_with_feedback_never_above_without(doom) -> None:
    """The fire-sale multiplier is at most 1, and without the feedback the engine's price
    is the scenario's resale path: so with <= without on every path and quarter."""
    d = doom.data
    assert d.gpu_price is not None and d.gpu_price_without is not None
    assert (d.gpu_price <= d.gpu_price_without).all()
    g = doom.generations.index("default")
    assert np.allclose(d.gpu_price_without[:, :, g], d.prices["gpu_resale_default"],
                       rtol=1e-6)


def test_amplification_at_least_one_on_doom_loop(doom) -> None:
    """Same factor paths, feedback on vs off: lower GPU prices can only cut what
    defaulters' estates recover and push more borrowers under, so total creditor losses
    with the feedback are at least those without (aggregate over paths; here strictly
    more: gpu-doom-loop's defaulters sell GPUs into a thin market)."""
    amp = doom.amplification()
    assert amp is not None
    assert amp["loss_mean_without"] > 0
    assert amp["ratio"] >= 1.0
    assert amp["ratio"] == pytest.approx(amp["loss_mean"] / amp["loss_mean_without"])
    assert amp["defaults_mean"] >= amp["defaults_mean_without"]
    assert set(amp["gpu_price_end_median"]) == set(doom.generations)
    for g, v in amp["gpu_price_end_median"].items():
        assert v <= amp["gpu_price_end_median_without"][g]


def test_json_and_write(doom, tmp_path) -> None:
    d = json.loads(json.dumps(doom.to_dict(), allow_nan=False))
    bond = d["spv_bond_prices"]["hyperion_bonds"]
    assert list(bond) == doom.quarters and set(bond[DOOM_HORIZON]) == set(QUANTILE_COLS)
    assert set(d["gpu_prices"]) == set(doom.generations)
    assert set(d["gpu_prices_without_feedback"]) == set(doom.generations)
    assert d["amplification"]["ratio"] >= 1.0
    files = {p.stem for p in doom.write(tmp_path / "run", fmt="csv")}
    assert {"spv_bond_prices", "gpu_prices", "gpu_prices_without_feedback"} <= files


def test_feedback_off_reports_no_amplification(net) -> None:
    mc = simulate(net, "slow", paths=5, seed=1, horizon="2026Q4", progress=False)
    assert mc.meta["engine_switches"].get("fire_sale_feedback") is False
    d = mc.to_dict()
    assert d["amplification"] is None and d["gpu_prices_without_feedback"] is None
    assert d["spv_bond_prices"]["hyperion_bonds"] and d["gpu_prices"]["default"]
    # feedback off: the engine's GPU price is the scenario's resale path
    g = mc.generations.index("default")
    assert np.allclose(mc.data.gpu_price[:, :, g], mc.data.prices["gpu_resale_default"],
                       rtol=1e-6)


def test_entity_sums_and_contract_losses_across_chunkings(net) -> None:
    """Per-contract losses are per-path arrays (bit for bit, via OPTIONAL_SERIES); the
    entity × quarter sums are added chunk by chunk, so they agree to float rounding."""
    a = simulate(net, "slow", paths=30, seed=3, horizon=HORIZON, chunk_size=4,
                 progress=False)
    b = simulate(net, "slow", paths=30, seed=3, horizon=HORIZON, chunk_size=30,
                 progress=False)
    assert np.array_equal(a.data.contract_loss, b.data.contract_loss)
    assert a.data.entity_sum is not None and b.data.entity_sum is not None
    for v, arr in a.data.entity_sum.items():
        np.testing.assert_allclose(arr, b.data.entity_sum[v], rtol=1e-12, atol=1e-9)
    eq = a.entity_quarters()
    assert len(eq) == len(a.quarters) * len(a.entity_ids)
    last = eq[eq.quarter == a.quarters[-1]].set_index("entity")["default_share"]
    np.testing.assert_allclose(last.to_numpy(), a.default_probability()
                               ["default_probability"].to_numpy(), rtol=0, atol=1e-15)


def test_contract_losses_add_up_to_creditor_losses(net) -> None:
    """Σ over contracts of the creditors' loss = Σ of the debt and trade losses the engine
    spreads over creditors (per path)."""
    from bubblescope.montecarlo.chunk import contracts_of

    mc = simulate(net, "refuted", paths=12, seed=2, horizon=HORIZON, progress=False)
    c = compile_network(net, HORIZON)
    mc.contract_info = contracts_of(net, c)
    assert mc.data.contract_loss.shape == (12, c.n_debt + c.n_trade)
    df = mc.contracts()
    assert list(df.contract) == [*c.debt_ids, *c.trade_ids]
    assert df.expected_loss.sum() > 0
    j = int(np.argmax(mc.data.contract_loss.mean(axis=0)))
    assert df.expected_loss.iloc[j] == pytest.approx(mc.data.contract_loss[:, j].mean(),
                                                     rel=1e-12)
    assert ((df.loss_probability >= 0) & (df.loss_probability <= 1)).all()
    assert (df.loss_p95 <= mc.data.contract_loss.max(axis=0) + 1e-12).all()
