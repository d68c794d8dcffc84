"""`bubblescope run`, `runs list|show|compare`, `query` and `report` end to end (in-process)."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import types

import pandas as pd
import pytest
from runs_helpers import FAST_ARGS, make_run, tree_digest

from bubblescope.store import load_results
from bubblescope.store.compare import compare_runs


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [ln for ln in err.splitlines() if ln.startswith("error:")]


def test_run_prints_summary_and_folder(cli, tmp_path) -> None:
    r = cli("run", *FAST_ARGS, "--out", tmp_path / "runs")
    assert r.code == 0, r.err
    for text in ("Who fails first", "Default probability by the horizon", "coreweave",
                 "Mean loss by holder kind", "Revenue hurdle", "$554bn"):
        assert text in r.out, text
    (folder,) = (tmp_path / "runs").iterdir()
    assert r.out.strip().splitlines()[-1].startswith(f"run folder: {folder}")
    m = json.loads((folder / "manifest.json").read_text())
    assert m["command"][1:] == ["run", *FAST_ARGS, "--out", str(tmp_path / "runs")]
    assert m["paths"] == 30 and m["seed"] == 0 and m["runner"] == "serial"


def test_run_json(cli, tmp_path) -> None:
    r = cli("run", *FAST_ARGS, "--scenarios", "baseline", "--out", tmp_path, "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["manifest"]["scenarios"] == ["baseline"]
    assert load_results(d["path"]).table("scenarios")["scenario"].tolist() == ["baseline"]


def test_runs_list_and_show(cli, tmp_path) -> None:
    a = make_run(tmp_path)
    b = make_run(tmp_path, dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.UTC), seed=5)
    (tmp_path / ".tmp-20260102-030407-ai-2025-99999999").mkdir()   # a killed run's staging
    r = cli("runs", "list", "--out", tmp_path, "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert [x["id"] for x in rows] == [a.path.name, b.path.name]
    assert rows[1]["seed"] == 5 and rows[1]["paths"] == 30
    assert rows[0]["scenarios"] == "slow, refuted" and rows[0]["seconds"] > 0
    r = cli("runs", "list", "--out", tmp_path)
    assert a.path.name in r.out and ".tmp" not in r.out
    r = cli("runs", "show", "latest", "--out", tmp_path)
    assert r.code == 0, r.err
    assert b.path.name in r.out and "Default probability" in r.out
    r = cli("runs", "show", "nope", "--out", tmp_path)
    assert r.code == 2 and len(error_lines(r.err)) == 1


def test_compare_seeds_and_changed_scenario(cli, tmp_path) -> None:
    scen = tmp_path / "mine.yaml"
    scen.write_text("name: mine\nextends: slow\n")
    runs = tmp_path / "runs"
    a = make_run(runs, scenarios=["slow", str(scen)])
    scen.write_text("name: mine\nextends: refuted\n")
    b = make_run(runs, dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.UTC),
                 scenarios=["slow", str(scen)], seed=9)
    c = compare_runs(load_results(a.path), load_results(b.path))
    assert c["inputs"] == {"added": [], "removed": [],
                           "changed": ["inputs/scenarios/mine.yaml"]}
    assert c["settings"] == {"seed": [4, 9]}
    rows = {(r["scenario"], r["entity"]): r for r in c["outcomes"]["default_probability"]}
    ea = a.results["mine"].entities()
    eb = b.results["mine"].entities()
    r = rows[("mine", "hyperion_spv")]
    assert r["a"] == ea.loc["hyperion_spv", "default_probability"]
    assert r["diff"] == pytest.approx(eb.loc["hyperion_spv", "default_probability"]
                                      - ea.loc["hyperion_spv", "default_probability"])
    assert r["significant"] == (abs(r["diff"]) > 2 * r["se"])
    losses = {(r["scenario"], r["kind"]): r for r in c["outcomes"]["holder_kind_loss"]}
    pc = losses[("mine", "private_credit_fund")]
    assert pc["b"] == pytest.approx(b.results["mine"].holder_kind_losses()
                                    .loc["private_credit_fund", "loss_mean"], rel=1e-12)
    assert pc["se"] > 0
    assert any(r["significant"] for r in c["outcomes"]["holder_kind_loss"])
    out = cli("runs", "compare", a.path.name, b.path.name, "--out", runs)
    assert out.code == 0, out.err
    assert "inputs/scenarios/mine.yaml" in out.out and "4 → 9" in out.out
    js = json.loads(cli("runs", "compare", str(a.path), str(b.path), "--json").out)
    assert js["inputs"]["changed"] == ["inputs/scenarios/mine.yaml"]


def test_compare_same_run_flags_nothing(kept) -> None:
    run = load_results(kept.path)
    c = compare_runs(run, run)
    assert c["inputs"] == {"added": [], "removed": [], "changed": []}
    assert c["settings"] == {} and c["versions"] == {}
    assert not any(r["significant"] or r["diff"] for rows in c["outcomes"].values()
                   for r in rows)


def test_query_joins_two_tables(cli, kept) -> None:
    sql = ("SELECT e.scenario, e.entity, n.name, e.default_probability, "
           "n.cash AS cash FROM entities e JOIN network_entities n ON e.entity = n.id "
           "WHERE n.kind = 'neocloud' ORDER BY e.scenario, e.entity")
    r = cli("query", str(kept.path), sql, "--json")
    assert r.code == 0, r.err
    got = pd.DataFrame(json.loads(r.out))
    run = load_results(kept.path)
    ent = run.table("entities")
    net = run.table("network_entities").set_index("id")
    want = ent[ent.kind == "neocloud"].sort_values(["scenario", "entity"])
    assert list(got.entity) == list(want.entity) and len(got) == 8
    assert got.default_probability.tolist() == pytest.approx(
        want.default_probability.tolist(), abs=1e-12)
    assert got.cash.tolist() == pytest.approx(net.loc[want.entity, "cash"].tolist())
    r = cli("query", str(kept.path), "SELECT scenario, sum(loss_mean) AS total FROM "
            "holder_kinds GROUP BY scenario ORDER BY scenario", "--csv")
    assert r.code == 0, r.err
    csv = pd.read_csv(io.StringIO(r.out)).set_index("scenario")
    hk = run.table("holder_kinds").groupby("scenario")["loss_mean"].sum()
    assert csv.loc["refuted", "total"] == pytest.approx(hk["refuted"], rel=1e-12)
    r = cli("query", str(kept.path), "SELECT count(*) AS n FROM contracts")
    assert r.code == 0 and str(kept.manifest["tables"]["contracts"]["rows"]) in r.out


def test_query_bad_sql_is_one_line(cli, kept) -> None:
    r = cli("query", str(kept.path), "SELEC nonsense FROM nowhere")
    assert r.code == 2
    assert len(error_lines(r.err)) == 1 and len(r.err.strip().splitlines()) == 1
    r = cli("query", str(kept.path), "SELECT missing_column FROM entities")
    assert r.code == 2 and "missing_column" in r.err


def test_report_hook_and_rebuild(cli, tmp_path, monkeypatch) -> None:
    calls = []

    def build_report(run, folder):
        calls.append((run.id, folder))
        n = len(run.table("entities"))
        (folder / "figures").mkdir(exist_ok=True)
        (folder / "figures" / "pd.png").write_bytes(b"png %d" % len(calls))
        (folder / "report.html").write_text(f"<html>{n} rows, build {len(calls)}</html>")
        return [folder / "report.html", folder / "figures" / "pd.png"]

    monkeypatch.setitem(sys.modules, "bubblescope.report",
                        types.SimpleNamespace(build_report=build_report))
    r = cli("run", *FAST_ARGS[:-1], "--out", tmp_path)
    assert r.code == 0, r.err
    (folder,) = tmp_path.iterdir()
    assert r.out.strip().splitlines()[-1] == f"report: {folder / 'report.html'}"
    assert calls[0][1].name.startswith(".tmp-")             # built in the staging folder
    m = load_results(folder).manifest
    assert set(m["files"]) == {"report.html", "figures/pd.png"}
    assert "report" not in m["notes"]
    tables_before = tree_digest(folder / "tables")
    r = cli("report", str(folder))
    assert r.code == 0, r.err
    assert (folder / "report.html").read_text().endswith("build 2</html>")
    m2 = load_results(folder).manifest
    assert m2["files"]["report.html"] != m["files"]["report.html"]
    assert tree_digest(folder / "tables") == tables_before
    assert sorted(p.name for p in folder.iterdir()) == ["figures", "inputs", "manifest.json",
                                                        "report.html", "tables"]


def test_a_failing_report_keeps_the_run(cli, tmp_path, monkeypatch) -> None:
    def build_report(run, folder):
        (folder / "report.html").write_text("half")
        raise RuntimeError("a bug in the report")

    monkeypatch.setitem(sys.modules, "bubblescope.report",
                        types.SimpleNamespace(build_report=build_report))
    r = cli("run", *FAST_ARGS[:-1], "--out", tmp_path)
    assert r.code == 0, r.err
    (folder,) = tmp_path.iterdir()
    m = load_results(folder).manifest
    assert m["files"] == {} and "a bug in the report" in m["notes"]["report"][0]
    assert not (folder / "report.html").exists()
