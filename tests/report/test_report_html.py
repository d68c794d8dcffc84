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
