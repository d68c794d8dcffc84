"""The report file: sections, self-containment (no external URL, plotly.js once), PNGs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import plotly.offline
from report_ids import SECTION_IDS

from bubblescope.report.sections import Context, all_sections


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []       # (tag, attribute, value)
        self.ids: list[str] = []
        self.scripts_with_src = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("src", "href") and v is not None:
                self.refs.append((tag, k, v))
            if k == "id" and v:
                self.ids.append(v)
        if tag == "script" and any(k == "src" for k, _ in attrs):
            self.scripts_with_src += 1


def parsed(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


def test_report_is_self_contained(built_report) -> None:
    folder, paths = built_report
    html = (folder / "report.html").read_text(encoding="utf-8")
    tags = parsed(html)
    assert tags.scripts_with_src == 0
    external = [r for r in tags.refs if re.match(r"\s*(https?:)?//", r[2], re.I)
                or "http" in r[2].lower()]
    assert external == [], external
    assert all(v.startswith("#") for _, _, v in tags.refs), tags.refs[:5]
    js = plotly.offline.get_plotlyjs()
    assert html.count(js[:300]) == 1                       # plotly.js inlined exactly once
    assert html.count(js[-300:]) == 1
    assert "cdn.plot.ly/plotly" not in html.replace(js, "")
    assert "plot.ly\"" not in html.replace(js, "")         # no server URL in the configs


def test_report_has_every_section_and_figure_files(built_report, small_run) -> None:
    folder, paths = built_report
    html = (folder / "report.html").read_text(encoding="utf-8")
    ids = parsed(html).ids
    for sid in SECTION_IDS:
        assert sid in ids, sid
    for s in small_run.scenarios:
        assert f"scenario-{s}" in ids
    assert paths[0] == folder / "report.html"
    names = {p.name for p in paths[1:]}
    assert {"network.png", "holder_kind_losses.png"} <= names
    for s in small_run.scenarios:
        assert {f"pd_curves_{s}.png", f"gpu_prices_{s}.png"} <= names
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000
    assert not [p for p in folder.rglob("*") if ".tmp" in p.name]   # no leftovers
    assert (folder / "report.html").stat().st_size < 15e6
    # the footer carries the manifest
    assert small_run.manifest["id"] in html and "sha256" in html


def test_sections_read_the_run(small_run) -> None:
    from bubblescope.report.build import context_of

    ctx: Context = context_of(small_run)
    sections = all_sections(ctx)
    assert [s.id for s in sections] == SECTION_IDS
    summary = " ".join(str(p) for k, p in sections[0].blocks if k == "p")
    for s in small_run.scenarios:
        assert f"Under {s} (30 paths)" in summary
    assert "revenue hurdle" in summary
    scen = next(s for s in sections if s.id == "scenarios")
    assert [c.id for c in scen.children] == [f"scenario-{s}" for s in small_run.scenarios]
    figs = [p for c in scen.children for k, p in c.blocks if k == "figure"]
    assert len(figs) >= 5 * len(small_run.scenarios)


def test_thermometer_bands_and_lead_times_when_the_run_has_them(small_run) -> None:
    import pandas as pd

    from bubblescope.report.build import context_of
    from bubblescope.report.sections import thermometer_section

    ctx = context_of(small_run)
    # a real run keeps both tables: bands per scenario and the lead-time table
    real = thermometer_section(ctx)
    assert not any("were not computed" in str(p) for k, p in real.blocks)
    assert len([p for k, p in real.blocks if k == "figure"]) == 1 + len(small_run.scenarios)
    html = "".join(str(p) for k, p in real.blocks if k == "html")
    assert "first_neocloud_default" in html and "first_spv_bond_loss" in html
    # a run without them says so and still shows today's gauges
    ctx.tables.pop("thermometer_bands", None)
    ctx.tables.pop("lead_times", None)
    plain = thermometer_section(ctx)
    assert any("were not computed for this run" in str(p) for k, p in plain.blocks)
    assert any(k == "figure" for k, _ in plain.blocks)            # today's gauges
    quarters = ["2026Q1", "2026Q2", "2026Q3"]
    ctx.tables["thermometer_bands"] = pd.DataFrame(
        [{"scenario": s, "gauge": g, "quarter": q, "q05": 10.0, "q25": 20.0, "q50": 30.0,
          "q75": 40.0, "q95": 50.0} for s in small_run.scenarios
         for g in ("composite", "neocloud") for q in quarters])
    ctx.tables["lead_times"] = pd.DataFrame(
        {"scenario": small_run.scenarios, "event": "neocloud_default", "gauge": "composite",
         "rule": "amber", "threshold": 40, "hit_rate": [0.5, 0.25],
         "false_alarm_rate": [0.1, None], "youden_j": [0.4, None], "median_lead": [2, 3]})
    full = thermometer_section(ctx)
    assert not any("were not computed" in str(p) for k, p in full.blocks)
    figs = [p for k, p in full.blocks if k == "figure"]
    assert len(figs) == 1 + len(small_run.scenarios)
    html = "".join(str(p) for k, p in full.blocks if k == "html")
    assert "neocloud_default" in html and "n/a" in html
