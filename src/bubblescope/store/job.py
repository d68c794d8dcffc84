"""``run_job``: every scenario through the Monte Carlo, into one atomic run folder.

The folder ``<out>/<YYYYmmdd-HHMMSS>-<network>/`` holds ``manifest.json``, ``inputs/``
(the network and each scenario as run), ``tables/*.parquet`` and, when the report package
is installed, ``report.html`` and ``figures/*.png``. It is built in a hidden staging
folder and renamed into place only when complete (see :mod:`bubblescope.store.folder`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..io.errors import InputError
from ..model.network import Network
from ..model.scenario import Scenario
from ..montecarlo.results import MonteCarloResults
from . import manifest as mf
from .folder import os_error, run_id, staged_run
from .load import MANIFEST, KeptRun
from .tables import combine, hurdle_table, network_tables, scenario_tables

#: Default paths: every probability's Monte Carlo standard error sqrt(p(1-p)/n) is at most
#: sqrt(0.25 / 2500) = 0.01, one percentage point.
DEFAULT_PATHS = 2500
DEFAULT_RUNNER = "processes"
DEFAULT_HORIZON = "2049Q4"
#: The bundled presets in the order a run reports them (others follow alphabetically).
PRESET_ORDER = ("baseline", "slow", "refuted", "gpu-doom-loop", "power-crunch",
                "rate-shock", "guarantee", "supply-bottleneck")


@dataclass
class RunSpec:
    """What ``bubblescope run`` was asked to do."""

    network: str = "ai-2025"
    scenarios: list[str] | None = None          # None: every bundled preset
    paths: int = DEFAULT_PATHS
    seed: int = 0
    runner: str = DEFAULT_RUNNER
    horizon: str = DEFAULT_HORIZON
    out: Path = Path("runs")
    report: bool = True
    command: list[str] = field(default_factory=lambda: list(sys.argv))
    workers: int | None = None
    chunk_size: int | None = None
    progress: bool = True
    #: paths of the extra run per scenario that keeps every series for the thermometer's
    #: bands and lead times (0: skip them)
    thermometer_paths: int = 200


@dataclass
class JobResult:
    """A finished run: its folder, manifest and the Monte Carlo results by scenario."""

    path: Path
    manifest: dict[str, Any]
    results: dict[str, MonteCarloResults]

    def load(self) -> KeptRun:
        """The run as read back from its folder."""
        return KeptRun(self.path)


def balanced_chunk(paths: int, workers: int, limit: int = 1000) -> int:
    """Paths per chunk so that the chunks split evenly over ``workers`` (a multiple of
    ``workers`` chunks of at most ``limit`` paths): 2,500 paths on 2 workers → 4 chunks of
    625, not 1,000 + 1,000 + 500 (whose last chunk runs alone). The numbers do not depend
    on the chunking.

    >>> balanced_chunk(2500, 2), balanced_chunk(30, 2), balanced_chunk(10_000, 4)
    (625, 15, 834)
    """
    workers = max(1, workers)
    rounds = max(1, math.ceil(paths / (workers * limit)))
    return max(1, math.ceil(paths / (workers * rounds)))


def preset_names() -> list[str]:
    """Every bundled scenario preset, in :data:`PRESET_ORDER` then alphabetically."""
    from ..data import bundled_scenarios

    names = list(bundled_scenarios())
    return [n for n in PRESET_ORDER if n in names] + sorted(set(names) - set(PRESET_ORDER))


def check_spec(spec: RunSpec) -> None:
    """Raise InputError (one line each) for a bad path count, seed or runner."""
    issues = []
    if isinstance(spec.paths, bool) or not isinstance(spec.paths, int) or spec.paths < 1:
        issues.append(("--paths", f"must be a whole number >= 1, got {spec.paths!r}"))
    if isinstance(spec.seed, bool) or not isinstance(spec.seed, int) or spec.seed < 0:
        issues.append(("--seed", f"must be a whole number >= 0, got {spec.seed!r}"))
    tp = spec.thermometer_paths
    if isinstance(tp, bool) or not isinstance(tp, int) or tp < 0:
        issues.append(("--thermometer-paths", f"must be a whole number >= 0, got {tp!r}"))
    if spec.runner not in ("serial", "processes", "dask"):
        issues.append(("--runner", f"unknown runner {spec.runner!r}; expected serial, "
                                   "processes or dask"))
    if issues:
        from ..io.errors import InputIssue

        raise InputError([InputIssue(name, None, None, msg) for name, msg in issues])


def load_inputs(spec: RunSpec) -> tuple[Network, str, list[Scenario]]:
    """The network, its source (a bundled name or a path) and the scenarios, validated
    (InputError naming every problem)."""
    from ..io.load import load_network
    from ..io.scenario_load import load_scenario

    net = load_network(spec.network)
    names = spec.scenarios if spec.scenarios else preset_names()
    scenarios, seen = [], set()
    for name in names:
        s = load_scenario(name)
        if s.name in seen:
            raise InputError.single(name, f"scenario {s.name!r} is given twice")
        seen.add(s.name)
        scenarios.append(s)
    source = spec.network if not os.path.exists(spec.network) else str(
        Path(spec.network).resolve())
    return net, source, scenarios


def run_job(spec: RunSpec, *, now: dt.datetime | None = None,
            on_scenario: Callable[[Scenario, MonteCarloResults, float], None] | None = None
            ) -> JobResult:
    """Run every scenario of ``spec`` and keep the run in a new folder under ``spec.out``.

    Parameters
    ----------
    spec : the run's parameters.
    now : the run's time (its id); default the current UTC time.
    on_scenario : called after each scenario with its results and seconds.

    Returns
    -------
    JobResult
        the run folder, its manifest and every scenario's MonteCarloResults.

    Raises
    ------
    InputError
        bad arguments or inputs, an unwritable output folder, a run folder that already
        exists, a full disk; nothing is left behind.
    """
    from ..montecarlo.executors import make_runner
    from ..montecarlo.run import run_montecarlo

    t_start = time.perf_counter()
    check_spec(spec)
    net, source, scenarios = load_inputs(spec)
    when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    rid = run_id(net.name, when)
    out = Path(spec.out)
    timings: dict[str, float] = {}
    results: dict[str, MonteCarloResults] = {}
    parts: list[dict[str, pd.DataFrame]] = []
    notes: dict[str, list[str]] = {}
    with staged_run(out, rid) as tmp:
        _write_inputs(tmp, net, scenarios)
        with make_runner(spec.runner, workers=spec.workers) as runner:
            chunk = spec.chunk_size or balanced_chunk(
                spec.paths, int(getattr(runner, "workers", None) or 1)
                if spec.runner != "serial" else 1)
            for scen in scenarios:
                t0 = time.perf_counter()
                try:
                    mc = run_montecarlo(net, scen, paths=spec.paths, seed=spec.seed,
                                        runner=runner, horizon=spec.horizon,
                                        chunk_size=chunk, params=None,
                                        progress=spec.progress,
                                        label=f"{scen.name}: {spec.paths:,} paths")
                except ValueError as exc:
                    raise InputError.single(f"scenario {scen.name}", str(exc)) from None
                secs = time.perf_counter() - t0
                timings[scen.name] = secs
                results[scen.name] = mc
                notes[scen.name] = list(mc.meta.get("notes", []))
                t1 = time.perf_counter()
                parts.append(scenario_tables(mc, scen, net, seconds=secs))
                timings["tables"] = timings.get("tables", 0.0) + time.perf_counter() - t1
                if spec.thermometer_paths > 0:
                    t1 = time.perf_counter()
                    parts[-1].update(thermometer_parts(net, scen, spec, runner))
                    timings["thermometer"] = (timings.get("thermometer", 0.0)
                                              + time.perf_counter() - t1)
                if on_scenario is not None:
                    on_scenario(scen, mc, secs)
        t1 = time.perf_counter()
        extra = {"hurdle": hurdle_table(), **network_tables(net)}
        timings["analytics"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        tables = {**combine(parts), **extra}
        table_info = write_tables(tmp, tables)
        timings["tables"] = timings.get("tables", 0.0) + time.perf_counter() - t1
        horizon = next(iter(results.values())).quarters[-1] if results else spec.horizon
        manifest: dict[str, Any] = {
            "id": rid, "created": when.isoformat().replace("+00:00", "Z"),
            "network": {"name": net.name, "source": source},
            "scenarios": [s.name for s in scenarios], "paths": spec.paths,
            "seed": spec.seed, "runner": spec.runner, "horizon": horizon,
            "command": list(spec.command), "versions": mf.runtime_versions(),
            "inputs": mf.hash_tree(tmp, "inputs"),
            "timings": timings, "tables": table_info, "notes": notes, "files": {},
            "standard_error_bound": 0.5 / math.sqrt(spec.paths),
        }
        write_manifest(tmp, manifest)
        t1 = time.perf_counter()
        if spec.report:
            report_into(tmp, manifest)
        timings["report"] = time.perf_counter() - t1
        timings["total"] = time.perf_counter() - t_start
        manifest["timings"] = {k: timings[k] for k in
                               [*(s.name for s in scenarios), "thermometer", "analytics",
                                "tables", "report", "total"] if k in timings}
        write_manifest(tmp, manifest)
    return JobResult(path=out / rid, manifest=manifest, results=results)


def thermometer_parts(net: Network, scen: Scenario, spec: RunSpec, runner: Any
                      ) -> dict[str, pd.DataFrame]:
    """The thermometer's simulated bands and lead-time rows of one scenario, as run tables
    (``min(spec.thermometer_paths, spec.paths)`` paths, the run's seed and horizon)."""
    from ..thermometer_run import thermometer_tables
    from .tables import frame

    bands, lead = thermometer_tables(net, scen, paths=min(spec.thermometer_paths, spec.paths),
                                     seed=spec.seed, horizon=spec.horizon, runner=runner)
    return {"thermometer_bands": frame("thermometer_bands", bands, str(scen.name)),
            "lead_times": frame("lead_times", lead.drop(columns=["scenario"]),
                                str(scen.name))}


def _write_inputs(tmp: Path, net: Network, scenarios: list[Scenario]) -> None:
    """``inputs/network/network.yaml`` and ``inputs/scenarios/<name>.yaml``."""
    from ..io.save import save_network
    from ..io.yaml_source import dump_yaml
    from ..montecarlo.sweep import scenario_data

    (tmp / "inputs" / "network").mkdir(parents=True)
    (tmp / "inputs" / "scenarios").mkdir()
    save_network(net, tmp / "inputs" / "network" / "network.yaml")
    for s in scenarios:
        _write(tmp / "inputs" / "scenarios" / f"{s.name}.yaml", dump_yaml(scenario_data(s)))


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise os_error(path.parent, exc) from None


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Write each table to ``folder/tables/<name>.parquet``; return the manifest's
    ``tables`` entry (file, rows, sha256) per table."""
    (folder / "tables").mkdir(exist_ok=True)
    info = {}
    for name, df in tables.items():
        rel = f"tables/{name}.parquet"
        try:
            df.to_parquet(folder / rel, index=False)
        except OSError as exc:
            raise os_error(folder, exc) from None
        info[name] = {"file": rel, "rows": len(df), "sha256": mf.sha256_file(folder / rel)}
    return info


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write ``manifest.json`` into ``folder`` (replacing any)."""
    _write(folder / MANIFEST, mf.dump(manifest))


def report_into(folder: Path, manifest: dict[str, Any]) -> list[Path]:
    """Build ``report.html`` and ``figures/*.png`` in ``folder`` with
    ``bubblescope.report.build_report`` and record their hashes in ``manifest["files"]``;
    when the report package is not installed or the report fails (anything but an
    OSError, e.g. a full disk, which aborts the run), add a note instead and keep the
    run without a report."""
    try:
        from ..report import build_report  # type: ignore[attr-defined]
    except ImportError as exc:
        if "report" not in str(getattr(exc, "name", "") or exc):
            raise
        manifest.setdefault("notes", {})["report"] = [
            "report skipped: bubblescope.report is not available"]
        manifest["files"] = {}
        return []
    try:
        paths = list(build_report(KeptRun(folder), folder))
    except OSError:
        raise
    except Exception as exc:            # a report bug must not cost the run's results
        import shutil

        (folder / "report.html").unlink(missing_ok=True)
        shutil.rmtree(folder / "figures", ignore_errors=True)
        msg = f"{type(exc).__name__}: {exc}".splitlines()[0]
        manifest.setdefault("notes", {})["report"] = [
            f"report failed ({msg}); rebuild it with `bubblescope report RUN`"]
        manifest["files"] = {}
        return []
    manifest["files"] = report_files(folder)
    manifest.get("notes", {}).pop("report", None)
    return paths


def report_files(folder: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of report.html and figures/*.png in ``folder``."""
    files = {}
    if (folder / "report.html").is_file():
        files["report.html"] = mf.sha256_file(folder / "report.html")
    files.update(mf.hash_tree(folder, "figures"))
    return files


__all__ = ["DEFAULT_HORIZON", "DEFAULT_PATHS", "DEFAULT_RUNNER", "PRESET_ORDER", "JobResult",
           "RunSpec", "balanced_chunk", "check_spec", "load_inputs", "preset_names", "report_files",
           "report_into", "run_job", "write_manifest", "write_tables"]
