"""Assemble the report: one self-contained HTML file and static PNGs from a kept run."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from .sections import Context, Section, all_sections, manifest_rows
from .static_png import write_pngs

#: Plotly's config for every figure of the report (no logo, no link to a server).
PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True,
                                 "plotlyServerURL": ""}


class RunLike(Protocol):
    """What the report reads from a run (``bubblescope.store.KeptRun``)."""

    path: Path
    id: str
    manifest: dict[str, Any]

    @property
    def table_names(self) -> list[str]: ...

    @property
    def scenarios(self) -> list[str]: ...

    def table(self, name: str) -> pd.DataFrame: ...

    def network(self) -> Any: ...

    def scenario(self, name: str) -> Any: ...


def _figure_html(fig: Any, div_id: str) -> str:
    out = fig.to_html(include_plotlyjs=False, full_html=False, div_id=div_id,
                      config=PLOTLY_CONFIG, default_width="100%")
    # plotly names its (unused) cloud server in the config; keep the page free of URLs
    return re.sub(r'"plotlyServerURL":\s*"[^"]*"', '"plotlyServerURL": ""', out)


def _materialise(sections: list[Section]) -> int:
    """Turn figure blocks into HTML divs (ids ``fig-<name>``); return the figure count."""
    n = 0
    for s in sections:
        blocks = []
        for kind, payload in s.blocks:
            if kind == "figure":
                name, fig = payload
                slug = re.sub(r"[^A-Za-z0-9_-]+", "-", str(name))
                blocks.append(("figure", _figure_html(fig, f"fig-{slug}")))
                n += 1
            else:
                blocks.append((kind, payload))
        s.blocks = blocks
        n += _materialise(s.children)
    return n


def context_of(run: RunLike) -> Context:
    """Read everything the sections need from a run."""
    tables: dict[str, pd.DataFrame] = {}
    for name in run.table_names:
        try:
            tables[name] = run.table(name)
        except (KeyError, FileNotFoundError, OSError, ValueError):
            continue
    scen_objs: dict[str, Any] = {}
    for name in run.scenarios:
        try:
            scen_objs[name] = run.scenario(name)
        except (KeyError, FileNotFoundError, OSError, ValueError):
            scen_objs[name] = None
    return Context(tables=tables, network=run.network(), scenarios=list(run.scenarios),
                   scenario_objs=scen_objs, manifest=dict(run.manifest))


def render_html(run: RunLike, ctx: Context | None = None) -> str:
    """The report as one HTML string (plotly.js inlined once); ``ctx`` is
    :func:`context_of` ``(run)`` when already read."""
    import jinja2
    import plotly.offline

    from .._version import __version__

    ctx = ctx if ctx is not None else context_of(run)
    sections = all_sections(ctx)
    _materialise(sections)
    env = jinja2.Environment(loader=jinja2.PackageLoader("bubblescope.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=False, lstrip_blocks=False)
    tpl = env.get_template("report.html.j2")
    m = ctx.manifest
    return tpl.render(
        title=f"bubblescope report — {ctx.network.name}",
        subtitle=(f"run {m.get('id', run.id)} · {len(ctx.scenarios)} scenario(s) · "
                  f"{m.get('paths', '?')} paths · seed {m.get('seed', '?')} · "
                  f"horizon {m.get('horizon', '?')}"),
        sections=sections, plotlyjs=plotly.offline.get_plotlyjs(),
        manifest_rows=manifest_rows(m), version=__version__,
        run_id=str(m.get("id", run.id)))


def build_report(run: RunLike, folder: str | os.PathLike[str]) -> list[Path]:
    """Write ``folder/report.html`` and ``folder/figures/*.png`` for a run.

    Parameters
    ----------
    run : KeptRun
        A kept run (``bubblescope.store.load_results(path)``) or anything with the same
        attributes (tables, network, scenarios, manifest).
    folder : path
        Where to write; created if missing. Each file is written under a temporary name
        and renamed into place.

    Returns
    -------
    list of Path
        ``report.html`` first, then the PNGs.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ctx = context_of(run)
    text = render_html(run, ctx)
    target = folder / "report.html"
    tmp = folder / ".report.html.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    pngs = write_pngs(ctx.tables, ctx.network, ctx.scenarios, folder / "figures")
    return [target, *pngs]

