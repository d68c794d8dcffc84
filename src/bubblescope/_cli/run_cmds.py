"""`bubblescope run`, `report`, `runs list|show|compare` and `query`: kept runs."""

from __future__ import annotations

import json
import math
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from ..io.errors import InputError
from .render import console, err_console, table

OutOpt = Annotated[Path, typer.Option("--out", help="Folder holding the run folders.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C while a run is being written (so it cleans up)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:                       # not the main thread
        yield
        return
    try:
        yield
    except KeyboardInterrupt:
        # typer turns the interrupt into exit status 130 without a word: say what happened
        from .render import err_console

        err_console.print("interrupted: no run folder was written; earlier runs are untouched",
                          markup=False)
        raise
    finally:
        signal.signal(signal.SIGTERM, old)


def run(
    network: Annotated[str, typer.Option(help="Bundled network name or path.")] = "ai-2025",
    scenarios: Annotated[str, typer.Option(
        help="Comma-separated preset names or YAML files, or 'all' (every preset).")] = "all",
    paths: Annotated[int, typer.Option(
        help="Monte Carlo paths per scenario. The default 2,500 keeps every probability's "
             "standard error at or below sqrt(0.25/2500) = 1 percentage point.")] = 2500,
    seed: Annotated[int, typer.Option(help="Global seed (>= 0).")] = 0,
    runner: Annotated[str, typer.Option(help="serial, processes or dask.")] = "processes",
    horizon: Annotated[str, typer.Option(help="Last quarter simulated.")] = "2049Q4",
    out: OutOpt = Path("runs"),
    report: Annotated[bool, typer.Option("--report/--no-report",
                                         help="Build report.html and figures/.")] = True,
    thermometer_paths: Annotated[int, typer.Option(
        help="Paths per scenario kept in full for the thermometer's bands and lead times "
             "(0: skip).")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """The main job: every scenario preset on the network, kept in runs/<time>-<network>/.

    Writes manifest.json, inputs/, tables/*.parquet and (unless --no-report) report.html
    and figures/ into a hidden staging folder and renames it into place when complete.
    """
    from ..store.job import RunSpec, run_job
    from ..store.load import KeptRun

    names = None if scenarios.strip() in ("", "all") else [
        s.strip() for s in scenarios.split(",") if s.strip()]
    spec = RunSpec(network=network, scenarios=names, paths=paths, seed=seed, runner=runner,
                   horizon=horizon, out=out, report=report, command=list(sys.argv),
                   progress=not as_json, thermometer_paths=thermometer_paths)
    _check_horizon(network, horizon)

    def done(scen: Any, mc: Any, secs: float) -> None:
        err_console.print(f"{scen.name}: {mc.paths:,} paths in {secs:.1f} s", markup=False)

    with _terminate_as_interrupt():
        result = run_job(spec, on_scenario=done)
    if as_json:
        typer.echo(json.dumps({"path": str(result.path), "manifest": result.manifest},
                              indent=2, default=str))
        return
    run_ = KeptRun(result.path)
    print_summary(run_)
    t = result.manifest["timings"]
    console.print(f"run {run_.id}: {len(run_.scenarios)} scenarios × {run_.manifest['paths']:,}"
                  f" paths in {t['total']:.0f} s (probabilities ± at most "
                  f"{50 / math.sqrt(run_.manifest['paths']):.1f} pp standard error)")
    html = result.path / "report.html"
    why = "--no-report" if not report else "; ".join(
        result.manifest.get("notes", {}).get("report", ["not built"]))
    console.print(f"report: {html}" if html.is_file() else
                  f"run folder: {result.path} (no report: {why})", markup=False,
                  soft_wrap=True)


def _check_horizon(network: str, horizon: str) -> None:
    from ..engine.compile import horizon_quarters
    from ..io.load import load_network

    net = load_network(network)
    try:
        horizon_quarters(net.as_of, horizon)
    except ValueError as exc:
        raise InputError.single("--horizon", str(exc).split(": ", 1)[-1]) from None


def _summary_console() -> Any:
    """The terminal's console; when the output is not a terminal (a pipe, a log file,
    ``make run`` in CI), a wide one so that a table per scenario column does not wrap."""
    from rich.console import Console

    return console if console.is_terminal else Console(width=max(console.width, 140))


def print_summary(run: Any) -> None:
    """Per scenario: who fails first; key entities' default probabilities; losses by
    holder kind; the revenue hurdle."""
    from ..store import summary as sm

    console = _summary_console()

    ov = sm.scenario_overview(run)
    rows = []
    for r in ov.itertuples():
        first = sm.first_defaults(run, r.scenario, 2)
        who = ", ".join(f"{x.entity} ({x.median_default_quarter})" for x in first.itertuples())
        rows.append((r.scenario, f"{r.first_to_fail_kind} ({r.first_to_fail_share:.0%})",
                     who or "—", None if _nan(r.amplification_loss) else
                     f"×{r.amplification_loss:.2f}"))
    console.print(table("Who fails first (kind of the first defaulter; earliest median "
                        "defaults)", ["scenario", "first kind", "first to fail",
                                      "fire-sale amplification"], rows))
    pdt = sm.key_default_probabilities(run)
    console.print(table("Default probability by the horizon (key entities)",
                        ["entity", *pdt.columns[1:]],
                        [(e, *[_pct(v) for v in vals]) for e, (_n, *vals) in
                         zip(pdt.index, pdt.itertuples(index=False), strict=True)],
                        numeric=list(pdt.columns[1:])))
    hk = sm.holder_kind_means(run)
    hk = hk[hk.max(axis=1) > 0.05]
    console.print(table("Mean loss by holder kind (USD bn)", ["holder kind", *hk.columns],
                        [(k, *[f"{float(v):,.1f}" for v in vals])
                         for k, *vals in hk.itertuples()],
                        numeric=list(hk.columns)))
    for line in sm.hurdle_lines(run):
        console.print(f"Revenue hurdle: {line}", markup=False)


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _pct(v: Any) -> str:
    if _nan(v):
        return "—"
    p = float(v)
    return "0" if p == 0 else "<1%" if p < 0.005 else ">99%" if 0.995 < p < 1 else f"{p:.0%}"


def report(run_dir: Annotated[str, typer.Argument(help="A run folder (or a run id).")],
           out: OutOpt = Path("runs")) -> None:
    """Rebuild report.html and figures/ of a kept run from its tables (atomically)."""
    from ..store.rebuild import rebuild_report

    run_ = _resolve(run_dir, out)
    path = rebuild_report(run_)
    console.print(f"report: {path}", markup=False, soft_wrap=True)


def _resolve(ref: str, out: Path) -> Any:
    from ..store.load import RunError, resolve_run

    try:
        return resolve_run(ref, out)
    except RunError as exc:
        raise InputError.single(ref, str(exc).split(": ", 1)[-1]) from None


runs_app = typer.Typer(no_args_is_help=True, help="List, show and compare kept runs.")


@runs_app.command("list")
def runs_list(out: OutOpt = Path("runs"), as_json: JsonOpt = False) -> None:
    """Every kept run under --out, oldest first."""
    from ..store.load import list_runs

    df = list_runs(out)
    if as_json:
        typer.echo(json.dumps(df.to_dict("records"), indent=2, default=str))
        return
    if df.empty:
        console.print(f"no runs under {out}", markup=False)
        return
    console.print(table(f"Runs under {out}", list(df.columns),
                        [tuple(r) for r in df.itertuples(index=False)],
                        numeric=["paths", "seed", "seconds"]))


@runs_app.command("show")
def runs_show(run_id: Annotated[str, typer.Argument(help="Run id, 'latest' or a folder.")],
              out: OutOpt = Path("runs"), as_json: JsonOpt = False) -> None:
    """A run's manifest and its summary tables."""
    run_ = _resolve(run_id, out)
    m = run_.manifest
    if as_json:
        typer.echo(json.dumps({"path": str(run_.path), "manifest": m,
                               "scenarios": run_.table("scenarios").to_dict("records")},
                              indent=2, default=str))
        return
    rows = [("id", m.get("id")), ("created", m.get("created")),
            ("network", f"{m['network']['name']} ({m['network']['source']})"),
            ("scenarios", ", ".join(m.get("scenarios", []))), ("paths", m.get("paths")),
            ("seed", m.get("seed")), ("runner", m.get("runner")),
            ("horizon", m.get("horizon")), ("command", " ".join(m.get("command", []))),
            ("bubblescope", m.get("versions", {}).get("bubblescope")),
            ("total seconds", (m.get("timings") or {}).get("total")),
            ("tables", ", ".join(f"{k} ({v['rows']})" for k, v in m.get("tables", {}).items())),
            ("report", ", ".join(m.get("files", {})) or "—")]
    console.print(table(f"Run {run_.id}", ["", ""], rows))
    print_summary(run_)


@runs_app.command("compare")
def runs_compare(
    first: Annotated[str, typer.Argument(help="The earlier run (id or folder).")],
    second: Annotated[str, typer.Argument(help="The later run (id or folder).")],
    out: OutOpt = Path("runs"),
    as_json: JsonOpt = False,
    only_significant: Annotated[bool, typer.Option(
        help="Only differences larger than two combined standard errors.")] = False,
) -> None:
    """What changed between two runs: inputs (files by hash, settings, versions) and
    outcomes (key default probabilities and holder-kind mean losses, flagged when the
    difference exceeds two combined standard errors)."""
    from ..store.compare import compare_runs

    c = compare_runs(_resolve(first, out), _resolve(second, out))
    if as_json:
        typer.echo(json.dumps(c, indent=2, default=str))
        return
    a, b = c["runs"]
    console = _summary_console()
    rows = [(f"file {what}", f) for what in ("added", "removed", "changed")
            for f in c["inputs"][what]]
    rows += [(k, f"{v[0]} → {v[1]}") for k, v in c["settings"].items()]
    if c["network"]:
        rows.append(("network", f"{c['network'][0]} → {c['network'][1]}"))
    rows += [(f"version {k}", f"{v[0]} → {v[1]}") for k, v in c["versions"].items()]
    console.print(table(f"Inputs: {a} → {b}", ["what", "change"], rows or [("—", "same")]))
    for key, label, unit in (("default_probability", "Default probability", "entity"),
                             ("holder_kind_loss", "Mean loss by holder kind (USD bn)", "kind")):
        body = [r for r in c["outcomes"][key] if r["significant"] or not only_significant]
        console.print(table(f"{label}: {a} → {b} (* = beyond 2 standard errors)",
                            ["scenario", unit, "a", "b", "diff", "2 s.e.", ""],
                            [(r["scenario"], r[unit], *(f"{r[k]:,.4f}" for k in ("a", "b")),
                              f"{r['diff']:+,.4f}", f"{2 * r['se']:,.4f}",
                              "*" if r["significant"] else "")
                             for r in body], numeric=["a", "b", "diff", "2 s.e."]))


def query(
    run_ref: Annotated[str, typer.Argument(metavar="RUN", help="Run id, 'latest' or folder.")],
    sql: Annotated[str, typer.Argument(help="SQL; every table is a view of its name.")],
    out: OutOpt = Path("runs"),
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """SQL (DuckDB) over a run's Parquet tables: `bubblescope query latest "SELECT ..."`."""
    from ..store.query import QueryError
    from ..store.query import query as run_query

    run_ = _resolve(run_ref, out)
    try:
        df = run_query(run_, sql)
    except QueryError as exc:
        raise InputError.single("query", str(exc).split(": ", 1)[-1]) from None
    if as_json:
        clean = df.astype(object).where(df.notna(), None)
        typer.echo(json.dumps(clean.to_dict("records"), indent=2, default=str))
    elif as_csv:
        typer.echo(df.to_csv(index=False), nl=False)
    else:
        console.print(table(None, [str(c) for c in df.columns],
                            [tuple(r) for r in df.itertuples(index=False)]))


__all__ = ["print_summary", "query", "report", "run", "runs_app"]
