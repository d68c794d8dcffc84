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
    ALARM_THRESHOLDS,
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
    alarms = [f"{INDICATORS[k].title if k in INDICATORS else k} ≥ {v:g}"
              for k, v in ALARM_THRESHOLDS.items() if v != AMBER_FROM]
    lines.append(Text("calibrated alarms (others at amber): " + ", ".join(alarms)
                      + "; bubblescope.thermometer_run.calibrate_thresholds", style="dim"))
    lines.append(Text(f"score 0–100: green < {AMBER_FROM:g} ≤ amber < {RED_FROM:g} ≤ red; "
                      "see docs/thermometer.md", style="dim"))
    return Panel(Group(*lines), title=f"risk thermometer — {network}", title_align="left")


def thermometer(
    network: Annotated[str, typer.Argument(help="Bundled network name or path.")] = "ai-2025",
    observed: Annotated[str | None, typer.Option(
        "--observed", help="CSV of dated observations (date, indicator, series, value); "
                           "'example' for the bundled example.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    lead_time: Annotated[bool, typer.Option(
        "--lead-time", help="Run Monte Carlo paths per scenario and print, per event, how "
                            "well each simulated gauge warns (Youden-best threshold, hit "
                            "rate, false-alarm rate, median lead).")] = False,
    scenarios: Annotated[str | None, typer.Option(
        "--scenarios", help="With --lead-time: comma-separated presets or scenario files "
                            "(default: every preset).")] = None,
    paths: Annotated[int, typer.Option("--paths", help="With --lead-time: paths per "
                                                       "scenario.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="With --lead-time: global seed.")] = 2025,
    horizon: Annotated[str, typer.Option(
        "--horizon", help="With --lead-time: last quarter of the evaluation window.")
    ] = "2035Q4",
    run: Annotated[str | None, typer.Option(
        "--run", help="A kept run (folder, id under runs/, or 'latest'): print its "
                      "simulated gauge bands and lead-time table.")] = None,
) -> None:
    """The risk thermometer: five gauges (AI productivity, neocloud stress, SPV bonds,
    contract quality, power), each scored 0–100 and coloured, and their composite."""
    if run is not None:
        _from_run(run, as_json)
        return
    if lead_time:
        _lead_time(network, scenarios, paths, seed, horizon, as_json)
        return
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


_EVENT_TITLES = {"first_neocloud_default": "first neocloud default",
                 "first_spv_bond_loss": "first SPV bond loss"}


def _rate(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.2f}"


def _lead_time(network: str, scenarios: str | None, paths: int, seed: int, horizon: str,
               as_json: bool) -> None:
    from ..thermometer_run import lead_time_by_scenario

    names = [s.strip() for s in scenarios.split(",") if s.strip()] if scenarios else None
    try:
        df = lead_time_by_scenario(network, names, paths=paths, seed=seed, horizon=horizon,
                                   progress=not as_json)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        out = {"network": network, "paths": paths, "seed": seed, "horizon": horizon,
               "rows": _rows(df)}
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
        return
    _print_lead(df, f"{network}, {paths} paths, seed {seed}, to {horizon}")


def _rows(df: Any) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in r.items()} for r in df.to_dict("records")]


def _from_run(ref: str, as_json: bool) -> None:
    """Bands and lead times kept in a run (``thermometer_bands``, ``lead_times``)."""
    from ..store.load import RunError, resolve_run

    try:
        run = resolve_run(ref)
        bands, lead = run.table("thermometer_bands"), run.table("lead_times")
    except (RunError, KeyError) as exc:
        typer.echo(f"error: --run: {str(exc).strip(chr(39))}", err=True)
        raise typer.Exit(2) from None
    summary = _band_summary(bands)
    if as_json:
        typer.echo(json.dumps({"run": run.id, "bands": _rows(summary), "lead_times": _rows(lead)},
                              indent=2, ensure_ascii=False, allow_nan=False, default=str))
        return
    t = Table(title=f"simulated gauges — run {run.id} (median score; share of paths red)",
              header_style="bold")
    for col in ("scenario", "gauge", "first", "peak", "peak quarter", "last", "red at peak"):
        t.add_column(col, justify="left" if col in ("scenario", "gauge") else "right")
    for r in summary.to_dict("records"):
        t.add_row(str(r["scenario"]), str(r["gauge"]), f"{r['first']:.0f}",
                  f"{r['peak']:.0f}", str(r["peak_quarter"]), f"{r['last']:.0f}",
                  _rate(r["red_at_peak"]))
    console.print(t)
    paths = int(lead["n_paths"].max()) if len(lead) else 0
    _print_lead(lead, f"run {run.id}, {paths} paths per scenario")


def _band_summary(bands: Any) -> Any:
    """Per scenario and gauge: the median score in the first and last quarter, its peak,
    the quarter of the peak and the share of paths red then."""
    import pandas as pd

    rows = []
    for (scen, gauge), sub in bands.groupby(["scenario", "gauge"], sort=False):
        sub = sub[sub["p50"].notna()]
        if sub.empty:
            continue
        peak = sub.loc[sub["p50"].idxmax()]
        rows.append({"scenario": scen, "gauge": gauge, "first": float(sub["p50"].iloc[0]),
                     "peak": float(peak["p50"]), "peak_quarter": str(peak["quarter"]),
                     "last": float(sub["p50"].iloc[-1]),
                     "red_at_peak": float(peak["share_red"])})
    return pd.DataFrame(rows, columns=["scenario", "gauge", "first", "peak", "peak_quarter",
                                       "last", "red_at_peak"])


def _print_lead(df: Any, title: str) -> None:
    for event, sub in df.groupby("event", sort=False):
        t = Table(title=f"{_EVENT_TITLES.get(str(event), event)} — {title}",
                  header_style="bold")
        t.add_column("scenario", no_wrap=True)
        t.add_column("gauge", no_wrap=True)
        t.add_column("rule", no_wrap=True)
        for col in ("thr.", "events", "hit", "FA", "J", "lead"):
            t.add_column(col, justify="right", no_wrap=True)
        for r in sub.to_dict("records"):
            t.add_row(str(r["scenario"]), str(r["gauge"]), str(r["rule"]),
                      f"{r['threshold']:g}", f"{r['n_events']}/{r['n_paths']}",
                      _rate(r["hit_rate"]), _rate(r["false_alarm_rate"]),
                      _rate(r["youden_j"]),
                      "n/a" if not math.isfinite(r["median_lead"])
                      else f"{r['median_lead']:g}")
        console.print(t)
    console.print(Text("thr.: alarm threshold (score 0–100); events: paths with the event; "
                       "hit: hit rate; FA: false-alarm rate on paths without it; "
                       "lead: median lead time of the hits, quarters. Rule youden: the "
                       "threshold with the largest J = hit − FA; rule amber: J is "
                       "undefined (every path, or none, has the event), figures at 40. "
                       "Gauges not fed by the engine (contracts, power) are left out; see "
                       "docs/thermometer.md", style="dim"))
