"""Open report.html in headless Chromium: every section renders, the network graph has one
node per entity, every chart has data, and the console shows no error.

Needs Debian's chromium (``make browser``, which ``make test`` runs first). A full-page
screenshot is saved to ``tests/artifacts/report.png``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_ids import SECTION_IDS

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.fail("headless Chromium is not installed: run `make browser` (Debian's chromium "
                "package) before the tests", pytrace=False)


def test_report_renders_in_chromium(built_report, small_run) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make test` (installs the dev extras)",
                    pytrace=False)
    exe = chromium_path()
    folder, _ = built_report
    n_entities = len(small_run.network().entities)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(f"console: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.goto((folder / "report.html").resolve().as_uri(), wait_until="load",
                      timeout=45_000)
            page.wait_for_function("() => document.querySelectorAll('.plotly-graph-div')"
                                   ".length > 0 && [...document.querySelectorAll("
                                   "'.plotly-graph-div')].every(d => d._fullLayout)",
                                   timeout=30_000)
            for sid in SECTION_IDS + [f"scenario-{s}" for s in small_run.scenarios]:
                loc = page.locator(f"section#{sid}")
                assert loc.count() == 1, sid
                assert loc.is_visible(), sid
                box = loc.bounding_box()
                assert box is not None and box["height"] > 40, sid
                assert len(loc.inner_text().strip()) > 20, sid
            nodes = page.evaluate(
                "() => document.getElementById('fig-network').data"
                ".filter(t => (t.mode || '').includes('markers'))"
                ".reduce((n, t) => n + t.x.length, 0)")
            assert nodes == n_entities
            names = page.evaluate(
                "() => document.getElementById('fig-network').data"
                ".filter(t => (t.mode || '').includes('markers')).flatMap(t => t.text)")
            assert sorted(names) == sorted(e.id for e in small_run.network().entities)
            charts = page.evaluate(
                "() => [...document.querySelectorAll('.plotly-graph-div')].map(d => "
                "[d.id, (d.data || []).length, (d.data || []).some(t => "
                "['x','y','values','value','node','link'].some(k => t[k] !== undefined "
                "&& (typeof t[k] === 'number' || (t[k].length || 0) > 0 "
                "|| (t[k].bdata || '').length > 0 "
                "|| (k === 'link' && (t.link.value || []).length > 0) "
                "|| (k === 'node' && (t.node.label || []).length > 0))))])")
            assert len(charts) >= 10
            empty = [c for c in charts if c[1] == 0 or not c[2]]
            assert empty == [], empty
            rendered = page.evaluate(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".filter(d => !d.querySelector('.main-svg')).map(d => d.id)")
            assert rendered == []
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
            page.screenshot(path=str(ARTIFACTS / "report-top.png"))
        finally:
            browser.close()
    assert errors == [], errors
