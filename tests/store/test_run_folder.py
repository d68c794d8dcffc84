"""A run folder holds what its manifest says, and its numbers are the Monte Carlo's."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pandas as pd
import pytest

import bubblescope
from bubblescope.io.scenario_load import load_scenario
from bubblescope.store import TABLES, columns, load_results
from bubblescope.store.manifest import runtime_versions


def of(run, table: str, scenario: str) -> pd.DataFrame:
    df = run.table(table)
    return df[df["scenario"] == scenario]


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_keys_and_id(kept) -> None:
    m = kept.manifest
    assert m["id"] == "20260102-030405-ai-2025" == kept.path.name
    assert m["created"] == "2026-01-02T03:04:05Z"
    assert m["network"] == {"name": "ai-2025", "source": "ai-2025"}
    assert m["scenarios"] == ["slow", "refuted"]
    assert (m["paths"], m["seed"], m["runner"], m["horizon"]) == (30, 4, "serial", "2027Q4")
    assert m["command"] == ["test"]
    for dep in ("bubblescope", "python", "numpy", "scipy", "pandas", "pyarrow", "duckdb",
                "pydantic", "dask", "rich", "typer"):
        assert m["versions"][dep] not in (None, "not installed"), dep
    assert set(m["versions"]) == set(runtime_versions())
    assert list(m["timings"]) == ["slow", "refuted", "thermometer", "analytics", "tables",
                                  "report", "total"]
    assert m["timings"]["total"] >= m["timings"]["slow"] + m["timings"]["refuted"]
    assert set(m["notes"]) >= {"slow", "refuted"}
    assert m["files"] == {}                                   # --no-report
    assert not list(kept.path.parent.glob(".tmp-*"))          # no staging left


def test_every_table_matches_the_manifest(kept) -> None:
    m = kept.manifest
    assert set(m["tables"]) == set(TABLES)
    on_disk = {p.name for p in (kept.path / "tables").iterdir()}
    assert on_disk == {f"{t}.parquet" for t in TABLES}
    for name, info in m["tables"].items():
        path = kept.path / info["file"]
        assert info["file"] == f"tables/{name}.parquet"
        assert sha(path) == info["sha256"], name
        df = pd.read_parquet(path)
        assert len(df) == info["rows"] and len(df) > 0, name
        assert list(df.columns[: len(columns(name))]) == columns(name), name


def test_every_input_is_hashed(kept) -> None:
    files = {p.relative_to(kept.path).as_posix(): sha(p)
             for p in (kept.path / "inputs").rglob("*") if p.is_file()}
    assert files == kept.manifest["inputs"]
    assert set(files) == {"inputs/network/network.yaml", "inputs/scenarios/slow.yaml",
                          "inputs/scenarios/refuted.yaml"}
    assert json.loads((kept.path / "manifest.json").read_text()) == json.loads(
        json.dumps(kept.manifest))


def test_load_results_round_trip(kept) -> None:
    run = load_results(kept.path)
    assert run.id == kept.path.name and run.scenarios == ["slow", "refuted"]
    assert run.table_names == list(kept.manifest["tables"])
    assert run.network() == bubblescope.load_network("ai-2025")
    assert run.scenario("refuted") == load_scenario("refuted")
    first = run.table("entities")
    first.loc[0, "default_probability"] = -1.0                # a copy: the cache is intact
    assert run.table("entities").loc[0, "default_probability"] >= 0
    with pytest.raises(KeyError, match="no such table"):
        run.table("nope")
    with pytest.raises(KeyError, match="no such scenario"):
        run.scenario("baseline")


def test_tables_equal_the_monte_carlo(kept) -> None:
    run = load_results(kept.path)
    for name, mc in kept.results.items():
        ent = of(run, "entities", name).set_index("entity")
        ref = mc.entities()
        np.testing.assert_allclose(ent.loc[ref.index, "default_probability"],
                                   ref["default_probability"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(ent.loc[ref.index, "expected_loss_to_creditors"],
                                   ref["expected_loss_to_creditors"], rtol=1e-12)
        assert ent.loc["coreweave", "name"] == "CoreWeave"
        hk = of(run, "holder_kinds", name).set_index("kind")
        ref_k = mc.holder_kind_losses()
        np.testing.assert_allclose(hk.loc[ref_k.index, "loss_p95"], ref_k["loss_p95"],
                                   rtol=1e-12)
        paths = of(run, "holder_kind_paths", name)
        assert len(paths) == mc.paths * len(ref_k)
        np.testing.assert_allclose(paths.groupby("kind")["loss"].mean().loc[ref_k.index],
                                   ref_k["loss_mean"], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(hk["credit_loss_mean"] + hk["equity_loss_mean"],
                                   hk["loss_mean"], rtol=1e-9, atol=1e-12)
        curve = of(run, "pd_curve", name).query("entity == 'coreweave'")
        assert list(curve["year"]) == [2025, 2026, 2027]
        assert curve["default_probability"].iloc[-1] == pytest.approx(
            ref.loc["coreweave", "default_probability"], abs=1e-12)
        eq = of(run, "entity_quarters", name).query("quarter == '2027Q4'")
        np.testing.assert_allclose(eq.set_index("entity").loc[ref.index, "default_share"],
                                   ref["default_probability"], atol=1e-12)
        con = of(run, "contracts", name)
        assert con["kind"].notna().all() and con["debtor"].notna().all()
        assert con.set_index("contract").loc["hyperion_bonds", "debtor"] == "hyperion_spv"
        np.testing.assert_allclose(con["expected_loss"],
                                   mc.data.contract_loss.mean(axis=0), rtol=1e-12)
        fq = of(run, "factor_quantiles", name).query(
            "factor == 'gpu_resale:default'")
        pq = mc.price_quantiles().query("series == 'gpu_resale_default'")
        np.testing.assert_allclose(fq["p50"].to_numpy(), pq["q50"].to_numpy(), rtol=1e-12)
        ftf = of(run, "first_to_fail", name)
        assert ftf["share"].sum() == pytest.approx(1.0)


def test_scenarios_table_and_feedback(kept) -> None:
    run = load_results(kept.path)
    sc = run.table("scenarios").set_index("scenario")
    assert list(sc.index) == ["slow", "refuted"]
    assert sc.loc["slow", "title"] == "The first of S2's two stress tests."
    assert (sc["paths"] == 30).all() and (sc["horizon"] == "2027Q4").all()
    refuted = kept.results["refuted"]
    amp = refuted.amplification()
    assert sc.loc["refuted", "amplification_loss"] == pytest.approx(amp["ratio"], rel=1e-12)
    assert math.isnan(sc.loc["slow", "amplification_loss"])     # no feedback comparison
    gpu = run.table("gpu_prices")
    assert set(gpu.loc[gpu.scenario == "slow", "feedback"]) == {True}
    assert set(gpu.loc[gpu.scenario == "refuted", "feedback"]) == {True, False}
    bonds = run.table("bond_prices")
    assert set(bonds["bond"]) == {"hyperion_bonds"}
    nets = run.table("network_contracts").set_index("id")
    assert nets.loc["hyperion_bonds", "party1"] == "hyperion_spv"
    assert len(run.table("network_entities")) == len(bubblescope.load_network("ai-2025")
                                                     .entities)


def test_report_files_match_the_manifest(tmp_path) -> None:
    """With the real report: every report file is hashed in the manifest, and nothing
    else of the folder is left unaccounted for."""
    pytest.importorskip("bubblescope.report")
    from runs_helpers import make_run

    job = make_run(tmp_path, report=True, scenarios=["slow"])
    m = job.manifest
    on_disk = {p.relative_to(job.path).as_posix(): sha(p)
               for p in job.path.rglob("*") if p.is_file()}
    assert "report.html" in m["files"] and any(f.startswith("figures/") for f in m["files"])
    assert {k: on_disk[k] for k in m["files"]} == m["files"]
    accounted = {*m["files"], *m["inputs"], *(t["file"] for t in m["tables"].values()),
                 "manifest.json"}
    assert set(on_disk) == accounted
    assert m["timings"]["report"] > 0 and "report" not in m["notes"]


def test_leases_channel_two_and_thermometer_tables(kept) -> None:
    from bubblescope.montecarlo.second_round import second_round_table
    from bubblescope.thermometer_run import COLUMNS

    run = load_results(kept.path)
    net = run.network()
    # lease exits: only refuted has strategic default on; its table is the Monte Carlo's
    ex = run.table("lease_exits")
    assert set(ex["scenario"]) == {"refuted"}
    ref = kept.results["refuted"].lease_exits().set_index("lease")
    got = ex.set_index("contract")
    np.testing.assert_allclose(got.loc[ref.index, "exit_probability"],
                               ref["exit_probability"], rtol=0, atol=0)
    np.testing.assert_allclose(got.loc[ref.index, "se"], ref["exit_probability_se"])
    # channel 2: the run's table is second_round_table on the same results
    sr = of(run, "second_round", "refuted").set_index("kind")
    ref2 = second_round_table(kept.results["refuted"], net)
    np.testing.assert_allclose(sr["loss_mean"], ref2.loc[sr.index, "loss_mean"], rtol=1e-12)
    assert "hyperscaler" not in sr.index                      # not an investor
    # thermometer: bands per scenario over every quarter, lead-time rows for both events
    bands = run.table("thermometer_bands")
    assert set(bands["scenario"]) == {"slow", "refuted"}
    assert set(bands["quarter"]) == set(kept.results["slow"].quarters)
    lead = run.table("lead_times")
    assert list(lead.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert set(lead["event"]) == {"first_neocloud_default", "first_spv_bond_loss"}
    assert (lead["n_paths"] == 30).all()                      # min(200, paths)
