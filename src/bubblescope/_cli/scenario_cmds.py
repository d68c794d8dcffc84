"""`bubblescope scenario show | validate`."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..io.errors import InputError, InputIssue
from ..io.load import load_network
from ..io.scenario_load import load_scenario, read_scenario
from ..model._fields import parse_date
from ..scenarios import band_rows, event_rows, factor_rows, generate, plot_bands
from .render import console, table

scenario_app = typer.Typer(no_args_is_help=True, help="Scenario presets and files.")

#: Last quarter shown by default (the bundled network's longest bond matures in 2049).
_HORIZON_END = dt.date(2049, 10, 1)


def _default_quarters(start: str) -> int:
    d0 = parse_date(start)
    return (_HORIZON_END.year - d0.year) * 4 + (_HORIZON_END.month - d0.month) // 3 + 1


def _write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write via a temporary sibling and a rename; never replace an existing file."""
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise InputError.single(parent, "folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            raise InputError.single(target, "already exists; choose another path")
        os.link(tmp, target)  # fails rather than overwrite if the target appeared meanwhile
    except FileExistsError:
        raise InputError.single(target, "already exists; choose another path") from None
    except OSError as exc:
        raise InputError.single(target, f"could not be written: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


@scenario_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Bundled preset name or scenario file.")],
    paths: Annotated[int, typer.Option(min=1, max=100_000, help="Paths to sample.")] = 500,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    quarters: Annotated[int | None, typer.Option(
        min=1, max=400, help="Quarters to generate (default: to 2049Q4).")] = None,
    start: Annotated[str, typer.Option(help="First quarter (quarter 0).")] = "2025Q4",
    out: Annotated[Path | None, typer.Option(
        help="Write a PNG of median and 5–95% bands (never overwrites).")] = None,
) -> None:
    """Describe a scenario in words and tables; optionally plot its factor paths."""
    try:
        parse_date(start)
    except ValueError as exc:
        raise InputError.single("--start", str(exc)) from None
    if out is not None:
        if out.exists():
            raise InputError.single(out, "already exists; choose another path")
        if not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise InputError.single(out.parent, "folder does not exist")
    scenario = load_scenario(name)
    horizon = quarters or scenario.quarters or _default_quarters(start)
    console.print(f"[bold]{scenario.name}[/bold]"
                  + (f" (extends {scenario.extends})" if scenario.extends else ""))
    if scenario.description:
        console.print(scenario.description)
    console.print("sources: " + (", ".join(scenario.source) or "—"))
    console.print(table("Factors", ["series", "unit", "path"], factor_rows(scenario)))
    console.print(table("Events, power, correlation and policies", ["what", "details"],
                        event_rows(scenario)))
    if scenario.assumptions:
        console.print(table("Assumptions", ["key", "reason"],
                            list(scenario.assumptions.items())))
    factors = generate(scenario, paths=paths, quarters=horizon, start=start, seed=seed)
    at = sorted({q for q in (0, 4, 8, 20, 40, horizon - 1) if q < horizon})
    cells: dict[str, dict[int, str]] = {}
    for n, q, p5, p50, p95 in band_rows(factors, at):
        cells.setdefault(n, {})[q] = f"{p50:.3g} ({p5:.3g}–{p95:.3g})"
    console.print(table(f"Generated paths: median (5–95%), {paths} paths, seed {seed}, "
                        f"quarter 0 = {factors.start}",
                        ["series", *(f"q{q}" for q in at)],
                        [(n, *(row[q] for q in at)) for n, row in cells.items()]))
    if out is not None:
        _write_bytes_atomic(out, plot_bands(factors, title=scenario.name))
        console.print(f"wrote {out}")


@scenario_app.command("validate")
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or preset names.")],
    network: Annotated[str | None, typer.Option(
        help="Also check the entity and contract ids named against this network.")] = None,
) -> None:
    """Check scenarios and report every problem at once (exit status 2 if any)."""
    errors: list[InputIssue] = []
    net = load_network(network) if network is not None else None
    for file in files:
        try:
            loaded = read_scenario(file)
        except InputError as exc:
            errors += exc.issues
            continue
        s = loaded.scenario
        if net is not None:
            problems = loaded.reference_issues(net)
            if problems:
                errors += problems
                continue
        kind = "stochastic" if s.is_stochastic else "deterministic"
        console.print(f"{file}: valid — scenario {s.name!r}, {len(s.series_specs())} factor "
                      f"paths, {kind}")
    if errors:
        raise InputError(errors)
