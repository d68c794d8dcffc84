"""`bubblescope simulate` and `bubblescope sweep`: Monte Carlo runs from the command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ..io.errors import InputError
from .render import console, table


def _check(paths: int, seed: int, chunk_size: int | None, runner: str,
           scheduler: str | None) -> None:
    from ..montecarlo.executors import RUNNERS

    if paths < 1:
        raise InputError.single("--paths", f"expected a whole number >= 1, got {paths}")
    if seed < 0:
        raise InputError.single("--seed", f"expected a whole number >= 0, got {seed}")
    if chunk_size is not None and chunk_size < 1:
        raise InputError.single("--chunk-size", f"expected a whole number >= 1, got "
                                f"{chunk_size}")
    if runner not in RUNNERS:
        raise InputError.single("--runner", f"unknown runner {runner!r}; expected one of "
                                + ", ".join(RUNNERS))
    if scheduler is not None and runner != "dask":
        raise InputError.single("--scheduler", "only used with --runner dask")


def _load(network: str, scenario: str, horizon: str) -> tuple[Any, Any]:
    from ..engine.compile import horizon_quarters
    from ..montecarlo.run import resolve_network, resolve_scenario

    net = resolve_network(network)
    scen = resolve_scenario(scenario)
    try:
        horizon_quarters(net.as_of, horizon)
    except ValueError as exc:
        raise InputError.single("--horizon", str(exc).split(": ", 1)[-1]) from None
    return net, scen


def _runner(runner: str, scheduler: str | None) -> Any:
    from ..montecarlo.executors import RunnerError, make_runner

    try:
        return make_runner(runner, scheduler=scheduler)
    except RunnerError as exc:
        raise InputError.single("--scheduler" if scheduler else "--runner", str(exc)
                                ) from None


NetworkArg = Annotated[str, typer.Argument(help="Bundled network name or path.")]
ScenarioOpt = Annotated[str, typer.Option("--scenario", "-s",
                                          help="Scenario preset name or YAML file.")]
PathsOpt = Annotated[int, typer.Option(help="Monte Carlo paths (>= 1).")]
SeedOpt = Annotated[int, typer.Option(help="Seed (>= 0); same seed, same numbers.")]
HorizonOpt = Annotated[str, typer.Option(help="Last quarter simulated, e.g. 2040Q4.")]
RunnerOpt = Annotated[str, typer.Option(help="serial, processes or dask.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    help="Dask scheduler address or scheduler file (default: a local cluster).")]
ChunkOpt = Annotated[int | None, typer.Option(help="Paths per chunk (default 1,000).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ProgressOpt = Annotated[bool, typer.Option(help="Progress bar on a terminal.")]


def simulate(
    network: NetworkArg = "ai-2025",
    scenario: ScenarioOpt = "baseline",
    paths: PathsOpt = 1000,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = "2049Q4",
    runner: RunnerOpt = "serial",
    scheduler: SchedulerOpt = None,
    chunk_size: ChunkOpt = None,
    as_json: JsonOpt = False,
    out: Annotated[Path | None, typer.Option(
        help="Write the tables to this new folder (CSV, or Parquet with pyarrow).")] = None,
    progress: ProgressOpt = True,
) -> None:
    """Monte Carlo stress test: default probabilities, losses by holder, who fails first.

    Amounts are USD billions.
    """
    from ..montecarlo.run import run_montecarlo

    _check(paths, seed, chunk_size, runner, scheduler)
    if out is not None and out.exists():
        raise InputError.single(out, "already exists; choose another path")
    if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise InputError.single(out.parent, "folder does not exist")
    net, scen = _load(network, scenario, horizon)
    with _runner(runner, scheduler) as run:
        mc = run_montecarlo(net, scen, paths=paths, seed=seed, runner=run, horizon=horizon,
                            chunk_size=chunk_size, progress=progress and not as_json)
    if out is not None:
        try:
            mc.write(out)
        except FileExistsError:
            raise InputError.single(out, "already exists; choose another path") from None
        except OSError as exc:
            raise InputError.single(out, f"could not be written: {exc.strerror or exc}"
                                    ) from None
    if as_json:
        typer.echo(json.dumps(mc.to_dict(), indent=2, allow_nan=False))
        return
    _print_summary(mc)
    if out is not None:
        console.print(f"tables written to {out}{os.sep}")


def _print_summary(mc: Any) -> None:
    m = mc.meta
    console.print(f"[bold]{m['network']}[/] under [bold]{m['scenario']}[/]: {mc.paths:,} paths, "
                  f"seed {m['seed']}, {mc.quarters[0]}..{mc.quarters[-1]} "
                  f"({m['runner']}, {m['chunks']} chunks). Amounts in USD bn.")
    ent = mc.entities()
    ent = ent[ent["default_probability"] > 0].sort_values("default_probability",
                                                          ascending=False)
    console.print(table(
        "Default probability by the horizon (± Monte Carlo s.e.)",
        ["entity", "kind", "PD", "± s.e.", "median default", "loss to creditors"],
        [(e, r["kind"], f"{r['default_probability']:.1%}",
          f"{r['default_probability_se']:.1%}", r["median_default_quarter"],
          float(r["expected_loss_to_creditors"])) for e, r in ent.iterrows()],
        numeric=["PD", "± s.e.", "loss to creditors"]))
    if ent.empty:
        console.print("no entity defaults on any path")
    cols = ["loss_mean", "loss_median", "loss_p95", "loss_p99", "es_975"]
    kinds = mc.holder_kind_losses()
    kinds = kinds[kinds["loss_mean"] > 0].sort_values("loss_mean", ascending=False)
    heads = ["mean", "median", "VaR 95", "VaR 99", "ES 97.5"]
    console.print(table("Losses by holder kind", ["kind", *heads],
                        [(k, *[float(r[c]) for c in cols]) for k, r in kinds.iterrows()],
                        numeric=heads))
    hold = mc.holders()
    hold = hold[hold["loss_mean"] > 0].sort_values("loss_mean", ascending=False).head(12)
    console.print(table("Largest expected losses by holder", ["holder", "kind", *heads],
                        [(h, r["kind"], *[float(r[c]) for c in cols])
                         for h, r in hold.iterrows()], numeric=heads))
    ftf = mc.first_to_fail()
    console.print(table("Who fails first (kind of the first defaulter)",
                        ["kind", "share", "± s.e."],
                        [(k, f"{r['share']:.1%}", f"{r['se']:.1%}")
                         for k, r in ftf.sort_values("share", ascending=False).iterrows()],
                        numeric=["share", "± s.e."]))
    tb = mc.time_bought()
    ref = mc.quarters[mc.reference_quarter]
    console.print(table(f"Time bought: quarters from {ref} to a structure's first default",
                        ["structure", "P(fails)", "median quarters", "mean quarters"],
                        [(s, f"{r['p_fail']:.1%}", _opt(r["median_quarters"]),
                          _opt(r["mean_quarters"]))
                         for s, r in tb.iterrows()],
                        numeric=["P(fails)", "median quarters", "mean quarters"]))
    pq = mc.price_quantiles()
    pq = pq[(pq["series"] == "gpu_resale_default") & pq["quarter"].str.endswith("Q4")]
    console.print(table("GPU resale value (share of cost, scenario input), year-end quantiles",
                        ["quarter", "5%", "25%", "median", "75%", "95%"],
                        [(r["quarter"], *[float(r[c]) for c in pq.columns[2:]])
                         for _, r in pq.iterrows()],
                        numeric=["5%", "25%", "median", "75%", "95%"]))
    _print_engine_prices(mc)
    for note in m.get("notes", []):
        console.print(f"note: {note}", markup=False)


def _year_ends(quarters: list[str], most: int = 6) -> list[str]:
    """Up to ``most`` year-end quarters, evenly spread, the last one always included."""
    ends = [q for q in quarters if q.endswith("Q4")] or quarters[-1:]
    if len(ends) <= most:
        return ends
    step = (len(ends) - 1) / (most - 1)
    return [ends[round(i * step)] for i in range(most)]


def _print_engine_prices(mc: Any) -> None:
    """SPV bond price medians, the engine's GPU price with and without fire-sale feedback,
    and the fire-sale amplification."""
    dates = _year_ends(mc.quarters)
    bq = mc.bond_price_quantiles()
    if not bq.empty:
        bq = bq[bq["quarter"].isin(dates)]
        rows = [(b, *[float(g.loc[g["quarter"] == q, "p50"].iloc[0])
                      if (g["quarter"] == q).any() else None for q in dates])
                for b, g in bq.groupby("bond", sort=False)]
        console.print(table("SPV bond price (per unit of principal), median over paths",
                            ["bond", *dates], rows, numeric=dates))
    gq = mc.gpu_price_quantiles()
    if not gq.empty:
        gen = "default" if "default" in set(gq["generation"]) else str(gq["generation"].iloc[0])
        gq = gq[(gq["generation"] == gen) & gq["quarter"].isin(dates)]
        wq = mc.gpu_price_quantiles(without_feedback=True)
        wq = wq[(wq["generation"] == gen) & wq["quarter"].isin(dates)] if not wq.empty else wq
        without = dict(zip(wq["quarter"], wq["p50"], strict=True)) if not wq.empty else {}
        heads = ["5%", "median", "95%", *(["median, no feedback"] if without else [])]
        console.print(table(
            f"GPU price ({gen} generation, share of cost, engine: with fire-sale impact), "
            "year-end quantiles", ["quarter", *heads],
            [(r["quarter"], float(r["p5"]), float(r["p50"]), float(r["p95"]),
              *([float(without[r["quarter"]])] if without else []))
             for _, r in gq.iterrows()], numeric=heads))
    amp = mc.amplification()
    if amp is not None:
        ratio = "n/a (no losses without feedback)" if amp["ratio"] is None else (
            f"{amp['ratio']:.3f}")
        console.print(f"Fire-sale amplification (creditor losses with / without feedback): "
                      f"{ratio}; mean loss {amp['loss_mean']:.2f} vs "
                      f"{amp['loss_mean_without']:.2f}; mean defaulters "
                      f"{amp['defaults_mean']:.2f} vs {amp['defaults_mean_without']:.2f}")


def sweep(
    network: NetworkArg = "ai-2025",
    scenario: ScenarioOpt = "baseline",
    param: Annotated[list[str], typer.Option(
        help="PATH=v1,v2,... — a dotted path into the scenario's data and its values; "
             "give one or two.")] = [],  # noqa: B006 - typer reads the default
    entity: Annotated[list[str] | None, typer.Option(
        help="Entities whose PD to report (default: hyperscalers, labs, clouds, "
             "neoclouds, SPVs).")] = None,
    paths: PathsOpt = 1000,
    seed: SeedOpt = 0,
    horizon: HorizonOpt = "2049Q4",
    runner: RunnerOpt = "serial",
    scheduler: SchedulerOpt = None,
    chunk_size: ChunkOpt = None,
    as_json: JsonOpt = False,
    progress: ProgressOpt = True,
) -> None:
    """Run the Monte Carlo over a grid of one or two scenario parameters."""
    from ..montecarlo.sweep import parse_grid
    from ..montecarlo.sweep import sweep as run_sweep

    _check(paths, seed, chunk_size, runner, scheduler)
    try:
        grid = parse_grid(list(param))
    except ValueError as exc:
        raise InputError.single("--param", str(exc).split(": ", 1)[-1]) from None
    net, scen = _load(network, scenario, horizon)
    ids = {e.id for e in net.entities}
    for e in entity or []:
        if e not in ids:
            raise InputError.single(network, f"no entity {e!r} in this network",
                                    field="--entity")
    from ..montecarlo.sweep import variants

    try:
        variants(scen, grid)
    except ValueError as exc:
        raise InputError.single("--param", str(exc)) from None
    with _runner(runner, scheduler) as run:
        df = run_sweep(net, scen, grid, paths=paths, seed=seed, runner=run, horizon=horizon,
                       chunk_size=chunk_size, progress=progress and not as_json,
                       entities=list(entity) if entity else None)
    keys = list(grid)
    if as_json:
        rows = []
        for _, r in df.iterrows():
            rows.append({
                "params": {k: _plain(r[k]) for k in keys},
                "default_probability": {c[3:]: float(r[c]) for c in df.columns
                                        if c.startswith("pd:")},
                "default_probability_se": {c[6:]: float(r[c]) for c in df.columns
                                           if c.startswith("pd_se:")},
                "holder_kinds": {c[10:]: {"loss_mean": float(r[c])} for c in df.columns
                                 if c.startswith("loss_mean:")}})
        typer.echo(json.dumps({"scenario": scen.name, "network": net.name, "paths": paths,
                               "seed": seed, "horizon": horizon, "params": keys,
                               "variants": rows}, indent=2, allow_nan=False))
        return
    heads = [", ".join(f"{k.rsplit('.', 1)[-1]}={_plain(r[k])}" for k in keys)
             for _, r in df.iterrows()]
    rows = []
    for c in df.columns:
        if c.startswith("pd:"):
            se = df[f"pd_se:{c[3:]}"]
            if (df[c] > 0).any():
                rows.append([f"PD {c[3:]}", *[f"{p:.1%} ± {s:.1%}"
                                              for p, s in zip(df[c], se, strict=True)]])
        elif c.startswith("loss_mean:") and (df[c] > 0).any():
            rows.append([f"loss {c[10:]}", *[f"{v:,.2f}" for v in df[c]]])
    console.print(f"[bold]{net.name}[/] under [bold]{scen.name}[/]: {paths:,} paths per "
                  f"variant, seed {seed}, to {horizon}. Losses are means in USD bn; PDs "
                  "not shown are zero in every variant.")
    console.print(table("Sweep: " + " × ".join(keys), ["outcome", *heads], rows,
                        numeric=heads))


def _opt(v: Any) -> float | None:
    """None for a missing (None or NaN) number, else the float."""
    return None if v is None or v != v else float(v)


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v
