"""``simulate``: a Monte Carlo run of a network under a scenario, chunked over a runner.

>>> import bubblescope
>>> mc = bubblescope.simulate("ai-2025", "slow", paths=8, seed=1, horizon="2026Q4",
...                           progress=False)
>>> mc.paths, len(mc.quarters)
(8, 5)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..engine.compile import Compiled, EngineParams, compile_network
from ..engine.mechanisms import MECHANISMS, montecarlo_overrides
from ..engine.paths import KEEP_PATHS_LIMIT, kept_bytes, state_bytes
from ..engine.shocks import apply_scenario
from ..io.errors import InputError
from ..model.network import Network
from ..model.scenario import Scenario
from ..scenarios import generate_run
from .chunk import (
    ChunkTask,
    contracts_of,
    leases_of,
    run_chunk,
    spv_bonds_of,
    structures_of,
)
from .executors import Runner, make_runner
from .results import MonteCarloResults, PathSummary

#: Paths per chunk when none is given (fewer for networks whose chunk state would take
#: more than ``CHUNK_BYTES``).
DEFAULT_CHUNK = 1000
#: Most memory one chunk's engine state may take when the chunk size is chosen, bytes.
CHUNK_BYTES = 5e8


def default_chunk(compiled: Compiled) -> int:
    """Paths per chunk for ``compiled``: :data:`DEFAULT_CHUNK`, or fewer so that a chunk's
    engine state stays within :data:`CHUNK_BYTES` (a 6,000-entity network: about 120)."""
    return max(1, min(DEFAULT_CHUNK, int(CHUNK_BYTES // max(state_bytes(compiled, 1), 1))))


def resolve_network(network: Network | str | os.PathLike[str]) -> Network:
    """A Network, or one loaded from a bundled name or a path."""
    if isinstance(network, Network):
        return network
    from ..io.load import load_network

    return load_network(network)


def resolve_scenario(scenario: Scenario | str | os.PathLike[str]) -> Scenario:
    """A Scenario, or one loaded from a preset name or a YAML file."""
    if isinstance(scenario, Scenario):
        return scenario
    from ..io.scenario_load import load_scenario

    return load_scenario(scenario)


def check_run_args(paths: int, seed: int, chunk_size: int | None) -> None:
    """Raise ValueError for a non-positive path count or chunk size, or a negative seed."""
    if isinstance(paths, bool) or not isinstance(paths, int) or paths < 1:
        raise ValueError(f"paths: must be a whole number >= 1, got {paths!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: must be a whole number >= 0, got {seed!r}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size: must be a whole number >= 1, got {chunk_size!r}")


def simulate(network: Network | str | os.PathLike[str],
             scenario: Scenario | str | os.PathLike[str],
             paths: int = 1000, seed: int = 0, runner: str | Runner = "serial", *,
             horizon: str | dt.date = "2049Q4", chunk_size: int | None = None,
             keep_paths: bool = False, scheduler: Any = None, workers: int | None = None,
             params: EngineParams | None = None, progress: bool = True) -> MonteCarloResults:
    """Run ``paths`` Monte Carlo paths of ``network`` under ``scenario``.

    Parameters
    ----------
    network : a Network, a bundled network name (``"ai-2025"``) or a path.
    scenario : a Scenario, a preset name (``"slow"``) or a YAML file.
    paths : number of paths (>= 1).
    seed : global seed (>= 0); path ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``, so
        the numbers do not depend on the runner or on ``chunk_size``.
    runner : ``"serial"``, ``"processes"`` (one worker per core), ``"dask"``, or a
        :class:`~bubblescope.montecarlo.executors.Runner` already open (left open).
    horizon : last quarter simulated (``"2049Q4"``: 97 quarters from 2025Q4).
    chunk_size : paths per chunk (default 1,000, fewer for large networks: see
        :func:`default_chunk`); bounds each worker's memory.
    keep_paths : also keep the engine's per-path time series of every chunk
        (``result.data.kept``; large: about 0.6 MB per path over 97 quarters).
    scheduler : with ``runner="dask"``: a ``distributed.Client``, a scheduler address or a
        scheduler file; default a new ``LocalCluster``.
    workers : worker processes for ``processes`` and a new Dask cluster (default: cores).
    params : engine constants (``EngineParams``); default: every part-2 mechanism on
        (:func:`engine_params`).
    progress : show a progress bar on a terminal (never when stderr is not a TTY).

    Returns
    -------
    MonteCarloResults
        per-path scalars (default quarters, losses by holder, structure failures, GPU
        price inputs) and the statistics on them.

    Raises
    ------
    ValueError
        a bad path count, seed or chunk size.
    InputError
        the scenario's shocks or guarantee name an entity or contract the network lacks.
    """
    check_run_args(paths, seed, chunk_size)
    net = resolve_network(network)
    scen = resolve_scenario(scenario)
    with _open_runner(runner, scheduler, workers) as run:
        return run_montecarlo(net, scen, paths=paths, seed=seed, runner=run, horizon=horizon,
                              chunk_size=chunk_size, keep_paths=keep_paths, params=params,
                              progress=progress)


@contextmanager
def _open_runner(runner: str | Runner, scheduler: Any, workers: int | None
                 ) -> Iterator[Runner]:
    if isinstance(runner, Runner):
        yield runner
        return
    with make_runner(runner, scheduler=scheduler, workers=workers) as r:
        yield r


#: Scenario policy switch → EngineParams field that implements it (from the registry of
#: mechanisms, :mod:`bubblescope.engine.mechanisms`).
POLICY_SWITCHES = {m.policy: m.switch for m in MECHANISMS if m.policy and m.switch}

#: Mechanisms a Monte Carlo run turns on unless ``params`` is given: every mechanism the
#: registry marks on for Monte Carlo runs (the policies follow the scenario).
STRESS_MECHANISMS = tuple(k for k, v in montecarlo_overrides().items() if v is True)

#: Conventions a Monte Carlo run uses unless ``params`` is given: rolled-over debt is lent
#: for three years, and DSCR covenants read the trailing twelve months.
STRESS_SETTINGS = {k: v for k, v in montecarlo_overrides().items() if v is not True}


def engine_params(scenario: Scenario, params: EngineParams | None = None
                  ) -> tuple[EngineParams, list[str]]:
    """The engine constants of a run, and notes on them.

    Without ``params``, every mechanism in :data:`STRESS_MECHANISMS` is on, with the
    conventions of :data:`STRESS_SETTINGS`; the scenario's
    policy switches (strategic default, fire-sale feedback) are turned on where it sets
    them, whatever ``params`` says. A guarantee policy is applied to the compiled network
    (:func:`bubblescope.engine.shocks.apply_scenario`), which also turns on ``guarantees``.
    """
    p = params or dataclasses.replace(EngineParams(), **montecarlo_overrides())
    pol = scenario.policies
    on = {field_name: True for switch, field_name in POLICY_SWITCHES.items()
          if pol is not None and getattr(pol, switch, False)}
    notes = [] if params is not None else [
        "engine mechanisms on: " + ", ".join(STRESS_MECHANISMS)
        + " (policies as the scenario sets them); "
        + ", ".join(f"{k} = {v}" for k, v in STRESS_SETTINGS.items())]
    return (dataclasses.replace(p, **on) if on else p), notes


def run_montecarlo(network: Network, scenario: Scenario, *, paths: int, seed: int,
                   runner: Runner, horizon: str | dt.date = "2049Q4",
                   chunk_size: int | None = None, keep_paths: bool = False,
                   params: EngineParams | None = None, progress: bool = True,
                   label: str | None = None) -> MonteCarloResults:
    """The core of :func:`simulate` on a loaded network and scenario and an open runner."""
    check_run_args(paths, seed, chunk_size)
    params, notes = engine_params(scenario, params)
    compiled = compile_network(network, horizon, params)
    shocks = _resolved_shocks(scenario, compiled)
    guarantee = scenario.policies.guarantee if scenario.policies is not None else None
    try:
        compiled = apply_scenario(compiled, shocks, guarantee)
    except ValueError as exc:
        # the scenario names an entity or contract the network does not have
        field, _, message = str(exc).partition(": ")
        raise InputError.single(f"scenario {scenario.name}", message, field=field) from None
    params = compiled.params
    if keep_paths and kept_bytes(compiled, paths) > KEEP_PATHS_LIMIT:
        raise ValueError(f"keep_paths: per-path time series for {paths:,} paths would take "
                         f"about {kept_bytes(compiled, paths) / 1e9:.1f} GB; keep_paths=False "
                         "keeps every statistic (per-path scalars are always kept)")
    network_name = network.name
    size = chunk_size or default_chunk(compiled)
    structures = structures_of(compiled)
    bonds = spv_bonds_of(network, compiled)
    compare = bool(getattr(params, "fire_sale_feedback", False))
    leases, lease_info = leases_of(compiled) if params.strategic_default else ((), None)
    tasks = [ChunkTask(compiled=compiled, scenario=scenario, seed=seed, offset=a,
                       paths=min(size, paths - a), params=params,
                       structures=tuple(structures.values()), keep_paths=keep_paths,
                       spv_bonds=tuple(bonds.values()), compare_feedback=compare,
                       leases=leases)
             for a in range(0, paths, size)]
    with _progress(progress, label or f"{scenario.name}: {paths:,} paths", paths) as tick:
        parts = runner.map(run_chunk, tasks, on_done=lambda i: tick(tasks[i].paths))
    data = PathSummary.concat(parts)
    inside = [s.quarter for s in shocks if 0 <= s.quarter < compiled.n_quarters]
    ref = min(inside) if inside else 0
    notes.append("price_quantiles (gpu_resale_default, gpu_rental_price) are the "
                 "scenario's factor paths; gpu_prices are the engine's"
                 + (", after fire-sale feedback" if compare else
                    " (fire-sale feedback off: the same as the resale path)"))
    meta = {"scenario": scenario.name, "network": network_name, "paths": paths,
            "seed": seed, "horizon": compiled.quarters[-1], "runner": runner.name,
            "chunk_size": size, "chunks": len(tasks),
            "engine_switches": {k: getattr(params, k)
                                for k in (*POLICY_SWITCHES.values(), *STRESS_MECHANISMS,
                                          *STRESS_SETTINGS)},
            "notes": notes}
    return MonteCarloResults(
        data=data, entity_ids=list(compiled.entity_ids), entity_kinds=list(compiled.kinds),
        quarters=list(compiled.quarters),
        structures={k: [compiled.entity_ids[i] for i in v] for k, v in structures.items()},
        reference_quarter=ref, meta=meta, spv_bonds=list(bonds),
        generations=list(compiled.generations), contract_info=contracts_of(network, compiled),
        lease_info=lease_info)


def _resolved_shocks(scenario: Scenario, compiled: Compiled) -> tuple[Any, ...]:
    """The scenario's shocks with their quarter indices (deterministic: no paths drawn)."""
    if not scenario.shocks:
        return ()
    run = generate_run(scenario, paths=1, quarters=compiled.n_quarters,
                       start=compiled.quarters[0], seed=0)
    return run.shocks


@contextmanager
def _progress(enabled: bool, label: str, total: int) -> Iterator[Callable[[int], None]]:
    if not enabled or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def n_chunks(paths: int, chunk_size: int | None) -> int:
    """How many chunks ``paths`` paths make."""
    return math.ceil(paths / (chunk_size or DEFAULT_CHUNK))


__all__ = ["DEFAULT_CHUNK", "POLICY_SWITCHES", "STRESS_MECHANISMS", "STRESS_SETTINGS",
           "check_run_args",
           "engine_params", "n_chunks",
           "resolve_network", "resolve_scenario", "run_montecarlo", "simulate"]
