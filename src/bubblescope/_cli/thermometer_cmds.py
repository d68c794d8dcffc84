"""thermometer: the five gauges of :mod:`bubblescope.analytics.thermometer` in the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..analytics.thermometer import (
    AMBER_FROM,
    INDICATORS,
    RED_FROM,
    Reading,
    neocloud_table,
    observed_thermometer,
)
from ..analytics.thermometer import (
    thermometer as static_thermometer,
)
from ..data import DATA_DIR
from ..io.load import load_network
from ..io.observations import read_observations
from .render import console

#: ``--observed example`` reads this bundled file.
EXAMPLE_OBSERVATIONS = DATA_DIR / "observations" / "example.csv"
_STYLE = {"green": "green", "amber": "yellow", "red": "bold red", "unknown": "dim"}


def _val(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "—" if x is None or math.isnan(x) else ("∞" if x > 0 else "−∞")
    return f"{x:,.4g}"


def _score(x: float, colour: str | None) -> Text:
    if colour is None:
        return Text("")
    if not math.isfinite(x):
        return Text("n/a", style="dim")
    return Text(f"{x:5.1f} {colour}", style=_STYLE.get(colour, ""))


def _render(readings: list[Reading], network: str, neoclouds: list[dict[str, Any]]
            ) -> Panel:
    t = Table(header_style="bold", expand=False, show_lines=False)
    t.add_column("gauge / metric", overflow="fold")
    t.add_column("unit", style="dim")
    for r in readings:
        t.add_column(f"{r.source} value", justify="right")
        t.add_column(f"{r.source} score", justify="left")
    t.add_column("weight → contribution · notes", overflow="fold")
    for key, ind in INDICATORS.items():
        cells: list[Any] = [Text(ind.title, style="bold"), ""]
        for r in readings:
            ir = r.indicators[key]
            cells += ["", _score(ir.score, ir.colour)]
        contribs = ", ".join(f"{r.source} {_val(r.indicators[key].contribution)}"
                             for r in readings)
        cells.append(f"{ind.weight:.2f} → {contribs}")
        t.add_row(*cells)
        names = [m.name for m in readings[0].indicators[key].metrics]
        for r in readings[1:]:
            names += [m.name for m in r.indicators[key].metrics if m.name not in names]
        for name in names:
            row: list[Any] = []
            note = ""
            unit = ""
            for r in readings:
                m = next((x for x in r.indicators[key].metrics if x.name == name), None)
                if m is None:
                    row += ["—", Text("")]
                    continue
                unit = m.unit
                row += [_val(m.value), _score(m.score, m.colour)]
                note = note or m.note
            t.add_row(f"  {name}", unit, *row, note)
    lines: list[Any] = [t]
    for r in readings:
        lines.append(Text.assemble(
            (f"{r.source} composite: ", "bold"), _score(r.composite, r.composite_colour),
            f"  (as of {r.as_of.isoformat() if r.as_of else '—'})"))
        for n in r.notes:
            lines.append(Text(f"  {r.source}: {n}", style="dim"))
    if neoclouds:
        parts: list[Any] = [("neoclouds one by one (static): ", "bold")]
        for i, row in enumerate(neoclouds):
            parts += [("" if i == 0 else ", ") + f"{row['entity']} ",
                      _score(row["score"], row["colour"])]
        lines.append(Text.assemble(*parts))
    lines.append(Text(f"score 0–100: green < {AMBER_FROM:g} ≤ amber < {RED_FROM:g} ≤ red; "
                      "see docs/thermometer.md", style="dim"))
    return Panel(Group(*lines), title=f"risk thermometer — {network}", title_align="left")


def thermometer(
    network: Annotated[str, typer.Argument(help="Bundled network name or path.")] = "ai-2025",
    observed: Annotated[str | None, typer.Option(
        "--observed", help="CSV of dated observations (date, indicator, series, value); "
                           "'example' for the bundled example.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """The risk thermometer: five gauges (AI productivity, neocloud stress, SPV bonds,
    contract quality, power), each scored 0–100 and coloured, and their composite."""
    net = load_network(network)
    static = static_thermometer(net)
    obs_reading: Reading | None = None
    if observed is not None:
        path = EXAMPLE_OBSERVATIONS if observed == "example" else Path(observed)
        obs_reading = observed_thermometer(read_observations(path, tuple(INDICATORS)))
    table = neocloud_table(net)
    neoclouds = [{"entity": str(r["entity"]),
                  "score": float(r["score"]) if math.isfinite(r["score"]) else None,
                  "colour": str(r["colour"])} for r in table.to_dict("records")]
    if as_json:
        out = {"network": net.name, "static": static.as_dict(),
               "observed": obs_reading.as_dict() if obs_reading else None,
               "neoclouds": [{**n, "score": None if n["score"] is None
                              else round(n["score"], 6)} for n in neoclouds]}
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
        return
    readings = [static] + ([obs_reading] if obs_reading else [])
    console.print(_render(readings, net.name,
                          [n for n in neoclouds if n["score"] is not None]))
