"""The thermometer on Monte Carlo runs: lead time and false alarms per preset scenario.

This module wires :func:`bubblescope.simulate` (per-path series kept) to the array
functions of :mod:`bubblescope.analytics.thermometer_sim`, which import nothing from the
engine. For each scenario it

1. simulates ``paths`` paths of the network to ``simulate_to`` (the full horizon by
   default, so that SPV bonds are marked against all the rent still to come), keeping the
   engine's per-path time series;
2. keeps the quarters up to ``horizon`` (the evaluation window);
3. scores the gauges per path and quarter (AI productivity from the AI labs' revenue,
   neocloud stress from their equity cushion, SPV bond health from the SPV bonds' price
   discount, and the composite of these three);
4. takes two events per path: the first neocloud default and the first quarter an SPV bond
   loses money (−1 if none within the window);
5. for each gauge and event, picks the Youden-optimal threshold and reports hit rate,
   false-alarm rate and lead times
   (:func:`~bubblescope.analytics.thermometer_sim.youden_threshold`).

When every path (or no path) has the event, Youden's J is undefined (one of its two rates
has no denominator): the row then gives the figures at the amber threshold (40), with
``rule = "amber"`` and ``youden_j`` NaN.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .analytics.thermometer import AMBER_FROM
from .analytics.thermometer_sim import (
    DEFAULT_CANDIDATES,
    first_event_quarter,
    first_loss_quarter,
    gauge_scores,
    price_discount_series,
    series_from_entity_paths,
    warning_performance,
    youden_threshold,
)
from .model.network import Network
from .montecarlo.run import resolve_network, simulate
from .scenarios import preset_names

#: Events tracked on each path.
EVENTS: tuple[str, ...] = ("first_neocloud_default", "first_spv_bond_loss")
#: Columns of :func:`lead_time_by_scenario`.
COLUMNS: tuple[str, ...] = ("scenario", "event", "gauge", "rule", "threshold", "n_paths",
                            "n_events", "hits", "hit_rate", "false_alarms",
                            "false_alarm_rate", "youden_j", "median_lead", "mean_lead")


def _spv_bond_mask(net: Network, res: Any) -> list[bool]:
    c = res.compiled
    kinds = c.kinds
    bonds = {k.id for k in net.contracts if k.kind == "bond"}
    return [kinds[c.debtor[d]] == "spv" and i in bonds for d, i in enumerate(c.debt_ids)]


def neocloud_service_to_cash(res: Any, n_quarters: int) -> np.ndarray | None:
    """Neoclouds' debt service due in a year at this quarter's pace ÷ their cash,
    (paths, quarters): ``4 × Σ due this quarter / Σ cash`` over live neoclouds (the
    simulated stand-in for the static ``refinancing_to_cash``: it uses nothing a watcher
    would not know at the time). NaN when no neocloud is alive; capped at 100."""
    c = res.compiled
    neo = np.array([str(k) == "neocloud" for k in c.kinds])
    if not neo.any() or res.debt is None or res.entity is None:
        return None
    debtor_neo = neo[np.asarray(c.debtor, dtype=int)]
    due = np.asarray(res.debt["due"])[:, :n_quarters][:, :, debtor_neo].sum(axis=2)
    alive = np.asarray(res.entity["alive"])[:, :n_quarters][:, :, neo] > 0
    cash = np.where(alive, np.asarray(res.entity["cash"])[:, :n_quarters][:, :, neo],
                    0.0).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cash > 0, 4.0 * due / np.where(cash > 0, cash, 1.0), 100.0)
    ratio = np.where(due > 0, np.minimum(ratio, 100.0), 0.0)
    return np.where(alive.any(axis=2), ratio, np.nan)


def scores_and_events(net: Network, res: Any, n_quarters: int | None = None, *,
                      drop_empty: bool = True, extra: dict[str, np.ndarray] | None = None
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Gauge scores (paths, quarters) and event quarters (paths,) from an engine result
    kept per path, cut to the first ``n_quarters`` quarters (all by default). ``extra``
    adds metric series of the same paths (e.g. ``power_gap_share`` from the factor paths).

    Gauges with no metric fed by the engine (all NaN) are left out with ``drop_empty``.
    """
    if res.entity is None or res.debt is None:
        raise ValueError("keep_paths: the lead-time table needs per-path series; simulate "
                         "with keep_paths=True")
    T = res.entity["revenue"].shape[1] if n_quarters is None else int(n_quarters)
    kinds = list(res.compiled.kinds)
    entity = {k: np.asarray(v)[:, :T] for k, v in res.entity.items()}
    series = series_from_entity_paths(entity, kinds)
    refi = neocloud_service_to_cash(res, T)
    if refi is not None:
        series["refinancing_to_cash"] = refi
    for k, v in (extra or {}).items():
        series[k] = np.asarray(v, dtype=float)[:, :T]
    mask = _spv_bond_mask(net, res)
    if any(mask) and res.debt_price is not None:
        series["price_discount"] = price_discount_series(
            res.debt_price[:, :T], res.debt["outstanding"][:, :T], mask)
    scores = {k: v for k, v in gauge_scores(series).items()
              if not drop_empty or np.isfinite(v).any()}
    neo = first_event_quarter(res.default_quarter, kinds, "neocloud")
    neo = np.where(neo < T, neo, -1)
    loss = (first_loss_quarter(res.debt["loss"][:, :T], mask) if any(mask)
            else np.full(res.paths, -1))
    return scores, {"first_neocloud_default": neo, "first_spv_bond_loss": loss}


def lead_time_rows(scenario: str, scores: dict[str, np.ndarray],
                   events: dict[str, np.ndarray],
                   candidates: Sequence[float] | np.ndarray = DEFAULT_CANDIDATES
                   ) -> list[dict[str, Any]]:
    """One row per event × gauge: the Youden-best threshold and its figures (the amber
    threshold when J is undefined because every path, or none, has the event)."""
    rows = []
    for ename, ev in events.items():
        for gname, g in scores.items():
            n_ev = int((np.asarray(ev) >= 0).sum())
            if 0 < n_ev < g.shape[0]:
                perf, rule = youden_threshold(g, ev, candidates), "youden"
            else:
                perf, rule = warning_performance(g, ev, AMBER_FROM), "amber"
                perf["youden_j"] = math.nan
            rows.append({"scenario": scenario, "event": ename, "gauge": gname,
                         "rule": rule, **perf})
    return rows


def lead_time_by_scenario(network: Network | str | os.PathLike[str] = "ai-2025",
                          scenarios: Sequence[str] | None = None, *, paths: int = 200,
                          seed: int = 2025, horizon: str = "2035Q4",
                          simulate_to: str = "2049Q4", runner: str = "serial",
                          candidates: Sequence[float] | np.ndarray = DEFAULT_CANDIDATES,
                          progress: bool = False) -> pd.DataFrame:
    """Lead-time / false-alarm table of the simulated gauges, per scenario.

    Parameters
    ----------
    network : a Network, a bundled network name or a path.
    scenarios : preset names or scenario files (default: every bundled preset).
    paths, seed : Monte Carlo paths and global seed of each run.
    horizon : last quarter of the evaluation window (alarms and events after it are
        ignored).
    simulate_to : last quarter simulated (at least ``horizon``; the full horizon by
        default, see the module docstring).
    runner : ``"serial"`` or ``"processes"`` (see :func:`bubblescope.simulate`).
    candidates : thresholds scanned for Youden's J.

    Returns
    -------
    DataFrame with :data:`COLUMNS`: one row per scenario × event × gauge; rates in [0, 1]
    (NaN when their denominator is 0), lead times in quarters (NaN without hits).
    """
    net = resolve_network(network)
    names = list(scenarios) if scenarios else preset_names()
    rows: list[dict[str, Any]] = []
    for name in names:
        label, _, scores, events = _scenario_scores(net, name, paths, seed, horizon,
                                                    simulate_to, runner, progress)
        rows += lead_time_rows(label, {k: v for k, v in scores.items()
                                       if np.isfinite(v).any()}, events, candidates)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _scenario_scores(net: Network, name: Any, paths: int, seed: int, horizon: str,
                     simulate_to: str, runner: Any, progress: bool
                     ) -> tuple[str, list[str], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Gauge scores and events of one scenario's kept paths, cut to ``horizon``: its label,
    the quarters kept, the scores (paths, quarters) and the event quarters (paths,)."""
    mc = simulate(net, name, paths=paths, seed=seed, runner=runner, horizon=simulate_to,
                  keep_paths=True, progress=progress)
    quarters = list(mc.quarters)
    if horizon not in quarters:
        raise ValueError(f"horizon: {horizon!r} is not a simulated quarter "
                         f"({quarters[0]}–{quarters[-1]})")
    n_q = quarters.index(horizon) + 1
    gap = power_gap_paths(name, mc.paths, quarters, seed)
    scores: dict[str, list[np.ndarray]] = {}
    events: dict[str, list[np.ndarray]] = {}
    first = 0
    for res in mc.data.kept:
        rows = slice(first, first + res.paths)
        first += res.paths
        s, e = scores_and_events(net, res, n_q, drop_empty=False,
                                 extra={"power_gap_share": gap[rows]})
        for k, v in s.items():
            scores.setdefault(k, []).append(v)
        for k, v in e.items():
            events.setdefault(k, []).append(v)
    label = str(mc.meta.get("scenario", getattr(name, "name", name)))
    return (label, quarters[:n_q], {k: np.concatenate(v) for k, v in scores.items()},
            {k: np.concatenate(v) for k, v in events.items()})


def power_gap_paths(scenario: Any, paths: int, quarters: list[str], seed: int) -> np.ndarray:
    """``1 − power_availability`` of the scenario's factor paths (paths, quarters): the
    share of installed capacity without power, the simulated stand-in for the static
    ``power_gap_share`` (regenerated from the seed: the paths the engine ran)."""
    from .montecarlo.run import resolve_scenario
    from .scenarios import generate_run

    run = generate_run(resolve_scenario(scenario), paths=paths, quarters=len(quarters),
                       start=quarters[0], seed=seed)
    return 1.0 - np.asarray(run.factors.power_availability, dtype=float)[:, :len(quarters)]


#: The event each gauge is calibrated against (``first_any``: whichever comes first).
TARGETS = {"neocloud": "first_neocloud_default", "spv_bond": "first_spv_bond_loss",
           "productivity": "first_any", "composite": "first_any"}


def calibrate_thresholds(network: Network | str | os.PathLike[str] = "ai-2025",
                         scenarios: Sequence[str] | None = None, *, paths: int = 200,
                         seed: int = 2025, horizon: str = "2049Q4", runner: str = "serial",
                         candidates: Sequence[float] | np.ndarray = DEFAULT_CANDIDATES
                         ) -> pd.DataFrame:
    """Alarm thresholds that balance hits against false alarms over all scenarios at once.

    The paths of every scenario are pooled (so a threshold must tell the crisis paths of
    one preset from the quiet paths of the others), and for each simulated gauge the
    threshold with the largest Youden's J against its target event (:data:`TARGETS`) is
    picked. Returns one row per gauge: ``gauge``, ``event`` and the figures of
    :func:`~bubblescope.analytics.thermometer_sim.warning_performance` at that threshold.
    The shipped :data:`bubblescope.analytics.thermometer.ALARM_THRESHOLDS` come from this
    function on the bundled presets.
    """
    net = resolve_network(network)
    names = list(scenarios) if scenarios else preset_names()
    pooled_s: dict[str, list[np.ndarray]] = {}
    pooled_e: dict[str, list[np.ndarray]] = {}
    for name in names:
        _, _, scores, events = _scenario_scores(net, name, paths, seed, horizon, horizon,
                                                runner, False)
        both = np.stack([events[e] for e in EVENTS])
        events["first_any"] = np.where((both >= 0).any(axis=0),
                                       np.where(both >= 0, both, np.iinfo(int).max).min(0),
                                       -1)
        for k, v in scores.items():
            pooled_s.setdefault(k, []).append(v)
        for k, v in events.items():
            pooled_e.setdefault(k, []).append(v)
    rows = []
    for gauge, event in TARGETS.items():
        if gauge not in pooled_s:
            continue
        g = np.concatenate(pooled_s[gauge])
        ev = np.concatenate(pooled_e[event])
        if not np.isfinite(g).any() or not 0 < (ev >= 0).sum() < len(ev):
            continue
        rows.append({"gauge": gauge, "event": event, **youden_threshold(g, ev, candidates)})
    return pd.DataFrame(rows)


def thermometer_tables(network: Network, scenario: Any, *, paths: int = 200, seed: int = 0,
                       horizon: str = "2049Q4", runner: Any = "serial"
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The simulated gauges of one scenario for a kept run: quantile bands per gauge and
    quarter (``gauge``, ``quarter`` label, ``p5`` … ``p95``, ``share_amber_or_red``,
    ``share_red``) and the lead-time rows (:data:`COLUMNS`) over the whole horizon.

    Simulates ``paths`` paths with every per-path series kept (about 0.6 MB a path), so
    keep ``paths`` modest; the default 200 gives rates to about ±3.5 points.
    """
    from .analytics.thermometer_sim import gauge_bands

    label, quarters, joined, events = _scenario_scores(network, scenario, paths, seed,
                                                       horizon, horizon, runner, False)
    live = {k: v for k, v in joined.items() if np.isfinite(v).any()}
    bands = gauge_bands(live, (0.05, 0.25, 0.5, 0.75, 0.95))
    bands = bands.rename(columns={"q05": "p5", "q25": "p25", "q50": "p50", "q75": "p75",
                                  "q95": "p95"})
    bands["quarter"] = [quarters[int(i)] for i in bands["quarter"]]
    lead = pd.DataFrame(lead_time_rows(label, live, events), columns=list(COLUMNS))
    return bands, lead


__all__ = ["COLUMNS", "EVENTS", "TARGETS", "calibrate_thresholds", "lead_time_by_scenario",
           "lead_time_rows", "neocloud_service_to_cash", "power_gap_paths",
           "scores_and_events", "thermometer_tables"]
