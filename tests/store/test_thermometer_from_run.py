"""`bubblescope thermometer --run`: the simulated bands and lead times a run kept."""

from __future__ import annotations

import json

from bubblescope.store import load_results


def test_thermometer_reads_a_kept_run(cli, kept) -> None:
    r = cli("thermometer", "--run", str(kept.path), "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["run"] == kept.path.name
    lead = load_results(kept.path).table("lead_times")
    assert len(out["lead_times"]) == len(lead)
    bands = load_results(kept.path).table("thermometer_bands")
    row = next(b for b in out["bands"] if b["scenario"] == "refuted"
               and b["gauge"] == "composite")
    sub = bands[(bands["scenario"] == "refuted") & (bands["gauge"] == "composite")]
    sub = sub[sub["p50"].notna()]
    assert row["peak"] == float(sub["p50"].max())
    assert row["first"] == float(sub["p50"].iloc[0])
    text = cli("thermometer", "--run", str(kept.path))
    assert text.code == 0 and "simulated gauges" in text.out and "first SPV bond loss" in text.out


def test_thermometer_run_that_does_not_exist(cli, tmp_path) -> None:
    r = cli("thermometer", "--run", str(tmp_path / "nope"))
    assert r.code == 2 and r.err.startswith("error: --run:") and "Traceback" not in r.err
