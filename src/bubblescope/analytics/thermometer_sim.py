"""The thermometer on simulated paths, and whether it warns in time.

Everything here takes plain arrays shaped ``(paths, quarters)`` — one row per Monte Carlo
path, one column per quarter — so it needs nothing from the engine. The wiring to
Monte Carlo runs comes later: a runner hands :func:`gauge_scores` its per-quarter metric
series and :func:`lead_time_table` the quarter of each path's first neocloud default and
first SPV bond loss (−1 or NaN where none happens).

Lead time and false alarms (see ``docs/thermometer.md``):

* an *alarm* on a path is the first quarter whose score is at or above the threshold;
* on a path with an event in quarter ``e``, the warning is a *hit* when the alarm comes at
  or before ``e``; its *lead time* is ``e − alarm`` quarters;
* on a path without an event, any alarm over the horizon is a *false alarm*;
* ``hit rate = hits / paths with an event``; ``false-alarm rate = false alarms / paths
  without one``; Youden's ``J = hit rate − false-alarm rate``; the best threshold is the
  candidate with the largest J (ties → the lowest threshold).

>>> import numpy as np
>>> g = np.array([[10., 50., 80.], [10., 20., 30.]])
>>> perf = warning_performance(g, np.array([2, -1]), 70.0)
>>> perf["hit_rate"], perf["false_alarm_rate"], perf["median_lead"]
(1.0, 0.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .hurdle import revenue_chain
from .thermometer import AMBER_FROM, INDICATORS, METRICS, RED_FROM, weighted_score

#: Quantiles reported per gauge and quarter.
DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
#: Candidate thresholds for Youden's J.
DEFAULT_CANDIDATES: np.ndarray = np.arange(0.0, 101.0, 5.0)


def _as_2d(name: str, arr: Any) -> np.ndarray:
    a = np.asarray(arr, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"{name}: expected an array (paths, quarters), got shape {a.shape}")
    return a


def productivity_series(ai_revenue: np.ndarray, revenue_required: float | None = None, *,
                        window: int = 4) -> dict[str, np.ndarray]:
    """Log-growth, acceleration and years to the hurdle from quarterly AI revenue paths.

    Parameters
    ----------
    ai_revenue : ndarray (paths, quarters)
        AI (model-maker) revenue run-rate, USD bn a year.
    revenue_required : float, optional
        Hurdle, USD bn a year (default ``revenue_chain()``, ≈ 554).
    window : int
        Quarters over which growth is measured (4 = year on year).

    Returns
    -------
    dict with ``log_growth`` (per year: ``ln(R_t / R_{t−w}) × 4 / w``), ``growth_acceleration``
    (per year per year: ``(g_t − g_{t−w}) × 4 / w``) and ``years_to_hurdle``; NaN where the
    window reaches before the first quarter.

    >>> r = np.array([[1.0, 2.0, 4.0, 8.0]])
    >>> out = productivity_series(r, 16.0, window=1)
    >>> out["log_growth"][0, 1:].round(4).tolist(), float(out["years_to_hurdle"][0, -1].round(4))
    ([2.7726, 2.7726, 2.7726], 0.25)
    """
    r = _as_2d("ai_revenue", ai_revenue)
    req = float(revenue_chain()["revenue_required"] if revenue_required is None
                else revenue_required)
    if window < 1:
        raise ValueError(f"window: expected at least 1, got {window}")
    with np.errstate(divide="ignore", invalid="ignore"):
        logr = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), np.nan)
        g = np.full_like(r, np.nan)
        g[:, window:] = (logr[:, window:] - logr[:, :-window]) * 4.0 / window
        acc = np.full_like(r, np.nan)
        acc[:, window:] = (g[:, window:] - g[:, :-window]) * 4.0 / window
        gap = np.log(req / r)
        years = np.where(r >= req, 0.0,
                         np.where(g > 0, gap / np.where(g > 0, g, 1.0), np.inf))
        years = np.where(np.isnan(g) & (r < req), np.nan, years)
    return {"log_growth": g, "growth_acceleration": acc, "years_to_hurdle": years}


def gauge_scores(series: Mapping[str, Any], *, revenue_required: float | None = None
                 ) -> dict[str, np.ndarray]:
    """Scores (0–100) of each indicator and the composite on every path and quarter.

    Parameters
    ----------
    series : mapping of metric name → ndarray (paths, quarters)
        Raw values of any scored metrics (names as in :data:`.thermometer.METRICS`, e.g.
        ``debt_spread``, ``price_discount``). ``ai_revenue`` (USD bn a year) is turned into
        ``years_to_hurdle`` and ``growth_acceleration`` unless those are given. All arrays
        must share one shape; a metric that is absent or NaN is left out of its
        indicator's weighted mean, as in the static reading.
    revenue_required : float, optional
        Hurdle for ``ai_revenue`` (default ``revenue_chain()``).

    Returns
    -------
    dict with one array (paths, quarters) per indicator key and ``composite``; an
    indicator with no metric at all is NaN throughout.

    >>> s = gauge_scores({"debt_spread": np.array([[0.02, 0.07]])})
    >>> s["neocloud"].tolist(), s["composite"].tolist()
    ([[0.0, 70.0]], [[0.0, 70.0]])
    """
    data = {k: _as_2d(k, v) for k, v in series.items()}
    if "ai_revenue" in data:
        derived = productivity_series(data["ai_revenue"], revenue_required)
        for k in ("years_to_hurdle", "growth_acceleration"):
            data.setdefault(k, derived[k])
    unknown = [k for k in data if k not in METRICS]
    if unknown:
        raise ValueError(f"unknown series: {', '.join(sorted(unknown))}; expected metric "
                         "names of the thermometer")
    shapes = {v.shape for v in data.values()}
    if len(shapes) > 1:
        raise ValueError(f"series: arrays must share one shape, got {sorted(shapes)}")
    if not data:
        raise ValueError("series: no arrays given")
    shape = shapes.pop()
    out: dict[str, np.ndarray] = {}
    for key in INDICATORS:
        scores, weights = {}, {}
        for m in METRICS.values():
            if m.indicator == key and m.scale is not None and m.name in data:
                scores[m.name] = m.scale(data[m.name])
                weights[m.name] = m.weight
        out[key] = (np.broadcast_to(weighted_score(scores, weights), shape).copy()
                    if scores else np.full(shape, np.nan))
    out["composite"] = np.broadcast_to(
        weighted_score({k: out[k] for k in INDICATORS},
                       {k: i.weight for k, i in INDICATORS.items()}), shape).copy()
    return out


def gauge_bands(scores: Mapping[str, np.ndarray],
                quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """Quantile bands per gauge and quarter, with the share of paths amber or red.

    Returns
    -------
    DataFrame with ``gauge``, ``quarter`` (0-based index), one column ``q05``, ``q50``, …
    per quantile, ``share_amber_or_red`` and ``share_red`` (of the paths with a score).

    >>> b = gauge_bands({"x": np.array([[0.0, 50.0], [100.0, 80.0]])}, (0.5,))
    >>> b[["q50", "share_red"]].values.tolist()
    [[50.0, 0.5], [65.0, 0.5]]
    """
    frames = []
    for name, arr in scores.items():
        a = _as_2d(name, arr)
        ok = np.isfinite(a)
        n = ok.sum(axis=0)
        cols: dict[str, Any] = {"gauge": name, "quarter": np.arange(a.shape[1])}
        with np.errstate(invalid="ignore"), _quiet():
            for q in quantiles:
                cols[f"q{round(q * 100):02d}"] = np.nanquantile(a, q, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["share_amber_or_red"] = np.where(
                n > 0, ((a >= AMBER_FROM) & ok).sum(axis=0) / np.maximum(n, 1), np.nan)
            cols["share_red"] = np.where(
                n > 0, ((a >= RED_FROM) & ok).sum(axis=0) / np.maximum(n, 1), np.nan)
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class _quiet:
    """Silence numpy's 'All-NaN slice' warnings inside a block."""

    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)


@dataclass(frozen=True)
class SimulatedGauges:
    """Per-path gauge scores and their quantile bands over time."""

    scores: dict[str, np.ndarray]
    bands: pd.DataFrame


def simulated_gauges(series: Mapping[str, Any], *,
                     quantiles: Sequence[float] = DEFAULT_QUANTILES,
                     revenue_required: float | None = None) -> SimulatedGauges:
    """:func:`gauge_scores` then :func:`gauge_bands`: the thermometer on Monte Carlo paths.

    >>> sg = simulated_gauges({"grid_wait_share": np.full((3, 2), 0.4)})
    >>> sg.bands.query("gauge == 'power'")["q50"].tolist()
    [40.0, 40.0]
    """
    scores = gauge_scores(series, revenue_required=revenue_required)
    return SimulatedGauges(scores, gauge_bands(scores, quantiles))


# --------------------------------------------------------------------------- from engine arrays


def series_from_entity_paths(entity: Mapping[str, Any], kinds: Sequence[str], *,
                             quarters_per_year: float = 4.0) -> dict[str, np.ndarray]:
    """Metric series (paths, quarters) from per-entity simulated arrays.

    Parameters
    ----------
    entity : mapping variable → ndarray (paths, quarters, entities)
        Per-quarter entity variables, as the engine records them with ``keep_paths``
        (``revenue`` per quarter, ``market_equity`` and ``debt`` in USD bn).
    kinds : sequence of str
        Entity kind of each column (``"ai_lab"``, ``"neocloud"``, ...).
    quarters_per_year : float
        Turns quarterly revenue into a yearly run-rate.

    Returns
    -------
    dict with ``ai_revenue`` (Σ revenue of ``ai_lab`` entities × 4, USD bn a year) and
    ``equity_cushion`` (neoclouds: Σ market equity / (Σ market equity + Σ debt)), each
    present when the variables and kinds needed are.

    >>> ent = {"revenue": np.ones((1, 2, 2)), "market_equity": np.full((1, 2, 2), 3.0),
    ...        "debt": np.full((1, 2, 2), 1.0)}
    >>> out = series_from_entity_paths(ent, ["ai_lab", "neocloud"])
    >>> out["ai_revenue"].tolist(), out["equity_cushion"].tolist()
    ([[4.0, 4.0]], [[0.75, 0.75]])
    """
    k = np.asarray(list(kinds))
    out: dict[str, np.ndarray] = {}
    labs, neo = k == "ai_lab", k == "neocloud"
    if "revenue" in entity and labs.any():
        rev = np.asarray(entity["revenue"], dtype=float)
        out["ai_revenue"] = rev[:, :, labs].sum(axis=2) * quarters_per_year
    if {"market_equity", "debt"} <= set(entity) and neo.any():
        eq = np.clip(np.asarray(entity["market_equity"], dtype=float)[:, :, neo], 0, None)
        debt = np.asarray(entity["debt"], dtype=float)[:, :, neo]
        e, d = eq.sum(axis=2), debt.sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["equity_cushion"] = np.where(e + d > 0, e / np.where(e + d > 0, e + d, 1.0),
                                             np.nan)
    return out


def first_event_quarter(default_quarter: Any, kinds: Sequence[str], kind: str) -> np.ndarray:
    """Earliest default quarter on each path among entities of one kind; −1 if none.

    ``default_quarter`` is (paths, entities) with −1 for entities that never default.

    >>> dq = np.array([[5, -1, 3], [-1, -1, -1]])
    >>> first_event_quarter(dq, ["neocloud", "spv", "neocloud"], "neocloud").tolist()
    [3, -1]
    """
    dq = np.asarray(default_quarter, dtype=float)
    sel = np.asarray(list(kinds)) == kind
    if not sel.any():
        return np.full(dq.shape[0], -1, dtype=int)
    sub = np.where(dq[:, sel] >= 0, dq[:, sel], np.inf)
    first = sub.min(axis=1)
    return np.where(np.isfinite(first), first, -1).astype(int)


def price_discount_series(price: Any, outstanding: Any, select: Any) -> np.ndarray:
    """``price_discount`` (paths, quarters) of a group of bonds from simulated marks.

    ``1 − Σ price × outstanding / Σ outstanding`` over the selected instruments with a
    finite price and something outstanding; NaN where none has. ``price`` is per unit of
    principal (the engine's ``debt_price``), ``outstanding`` the principal outstanding
    (``debt["outstanding"]``), both (paths, quarters, instruments).

    >>> p = np.array([[[0.9, 1.0], [np.nan, 0.5]]])
    >>> o = np.array([[[3.0, 1.0], [0.0, 2.0]]])
    >>> price_discount_series(p, o, [True, False]).round(3).tolist()
    [[0.1, nan]]
    """
    pr = np.asarray(price, dtype=float)
    out = np.asarray(outstanding, dtype=float)
    if pr.ndim != 3 or pr.shape != out.shape:
        raise ValueError(f"price, outstanding: expected two arrays (paths, quarters, "
                         f"instruments) of one shape, got {pr.shape} and {out.shape}")
    mask = np.asarray(select, dtype=bool).reshape(-1)
    if mask.shape[0] != pr.shape[2]:
        raise ValueError(f"select: expected {pr.shape[2]} entries, got {mask.shape[0]}")
    p, w = pr[:, :, mask], out[:, :, mask]
    ok = np.isfinite(p) & (w > 0)
    num = np.where(ok, p * w, 0.0).sum(axis=2)
    den = np.where(ok, w, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 1.0 - num / np.where(den > 0, den, 1.0), np.nan)


def first_loss_quarter(loss: Any, select: Any, *, tol: float = 1e-9) -> np.ndarray:
    """First quarter on each path in which any selected instrument loses money; −1 if none.

    ``loss`` is (paths, quarters, instruments), USD bn lost in each quarter (the engine's
    ``debt["loss"]``); ``select`` a boolean mask over instruments (e.g. bonds issued by
    SPVs).

    >>> loss = np.zeros((2, 4, 2)); loss[0, 2, 1] = 0.5; loss[1, 1, 0] = 1.0
    >>> first_loss_quarter(loss, [False, True]).tolist()
    [2, -1]
    """
    arr = np.asarray(loss, dtype=float)
    if arr.ndim != 3:
        raise ValueError(f"loss: expected (paths, quarters, instruments), got {arr.shape}")
    mask = np.asarray(select, dtype=bool).reshape(-1)
    if mask.shape[0] != arr.shape[2]:
        raise ValueError(f"select: expected {arr.shape[2]} entries, got {mask.shape[0]}")
    hit = (arr[:, :, mask] > tol).any(axis=2)
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1)


# --------------------------------------------------------------------------- lead time


def _events(events: Any, n_paths: int) -> np.ndarray:
    e = np.asarray(events, dtype=float).reshape(-1)
    if e.shape[0] != n_paths:
        raise ValueError(f"events: expected one entry per path ({n_paths}), got {e.shape[0]}")
    return np.where(np.isfinite(e) & (e >= 0), e, -1).astype(int)


def first_alarm(gauge: Any, threshold: float, until: Any = None) -> np.ndarray:
    """First quarter (0-based) on each path whose score is ≥ ``threshold``; −1 if none.

    ``until`` (one quarter index per path, −1 for no limit) ignores later quarters.

    >>> first_alarm(np.array([[10., 40., 70.], [0., 0., 0.]]), 40.0).tolist()
    [1, -1]
    """
    g = _as_2d("gauge", gauge)
    above = np.nan_to_num(g, nan=-np.inf) >= threshold
    if until is not None:
        u = np.asarray(until, dtype=int).reshape(-1)
        q = np.arange(g.shape[1])[None, :]
        above &= (u[:, None] < 0) | (q <= u[:, None])
    return np.where(above.any(axis=1), above.argmax(axis=1), -1)


def warning_performance(gauge: Any, events: Any, threshold: float) -> dict[str, float]:
    """Hit rate, false-alarm rate, Youden's J and lead times of one gauge at one threshold.

    Parameters
    ----------
    gauge : ndarray (paths, quarters)
        Scores 0–100.
    events : ndarray (paths,)
        Quarter index of the event on each path; −1 or NaN for none.
    threshold : float
        Alarm when the score is at or above it.

    Returns
    -------
    dict with ``threshold``, ``n_paths``, ``n_events``, ``hits``, ``hit_rate``,
    ``false_alarms``, ``false_alarm_rate``, ``youden_j``, ``median_lead`` and ``mean_lead``
    (quarters, over the hits; NaN without hits). Rates are NaN when their denominator is 0.
    """
    g = _as_2d("gauge", gauge)
    ev = _events(events, g.shape[0])
    has = ev >= 0
    alarm_ev = first_alarm(g, threshold, until=np.where(has, ev, -1))
    hit = has & (alarm_ev >= 0)
    leads = (ev - alarm_ev)[hit]
    false = ~has & (first_alarm(g, threshold) >= 0)
    n_ev, n_no = int(has.sum()), int((~has).sum())
    hit_rate = hit.sum() / n_ev if n_ev else math.nan
    fa_rate = false.sum() / n_no if n_no else math.nan
    j = (hit_rate if n_ev else 0.0) - (fa_rate if n_no else 0.0)
    return {"threshold": float(threshold), "n_paths": int(g.shape[0]), "n_events": n_ev,
            "hits": int(hit.sum()), "hit_rate": float(hit_rate),
            "false_alarms": int(false.sum()), "false_alarm_rate": float(fa_rate),
            "youden_j": float(j),
            "median_lead": float(np.median(leads)) if leads.size else math.nan,
            "mean_lead": float(np.mean(leads)) if leads.size else math.nan}


def youden_threshold(gauge: Any, events: Any,
                     candidates: Sequence[float] | np.ndarray = DEFAULT_CANDIDATES
                     ) -> dict[str, float]:
    """The candidate threshold with the largest Youden's J (ties → the lowest threshold).

    Returns :func:`warning_performance` at that threshold.

    >>> g = np.array([[0., 60.], [0., 55.], [0., 30.], [0., 45.]])
    >>> youden_threshold(g, [1, 1, -1, -1], [40, 50, 60])["threshold"]
    50.0
    """
    best: dict[str, float] | None = None
    for t in sorted(float(c) for c in candidates):
        perf = warning_performance(gauge, events, t)
        if best is None or perf["youden_j"] > best["youden_j"] + 1e-12:
            best = perf
    if best is None:
        raise ValueError("candidates: expected at least one threshold")
    return best


def lead_time_table(scores: Mapping[str, Any], events: Mapping[str, Any], *,
                    candidates: Sequence[float] | np.ndarray = DEFAULT_CANDIDATES
                    ) -> pd.DataFrame:
    """Does each gauge warn in time? One row per gauge × event × rule.

    Rules: ``amber`` (threshold 40), ``red`` (70) and ``youden`` (best threshold among
    ``candidates``).

    Parameters
    ----------
    scores : mapping gauge → ndarray (paths, quarters)
        Usually :func:`gauge_scores` of a Monte Carlo run.
    events : mapping event name → ndarray (paths,)
        E.g. ``first_neocloud_default`` and ``first_spv_bond_loss``: the quarter index of
        the first such event on each path, −1 or NaN for none.

    Notes
    -----
    Hook for the Monte Carlo runs: with an engine result kept per path (``res``), the
    table for one scenario is::

        series = series_from_entity_paths(res.entity, res.compiled.kinds)
        kinds, c = res.compiled.kinds, res.compiled
        bonds = {k.id for k in net.contracts if k.kind == "bond"}
        spv_bonds = [kinds[c.debtor[d]] == "spv" and i in bonds
                     for d, i in enumerate(c.debt_ids)]
        series["price_discount"] = price_discount_series(
            res.debt_price, res.debt["outstanding"], spv_bonds)
        events = {"first_neocloud_default":
                      first_event_quarter(res.default_quarter, kinds, "neocloud"),
                  "first_spv_bond_loss": first_loss_quarter(res.debt["loss"], spv_bonds)}
        lead_time_table(gauge_scores(series), events)

    Only the metrics the engine's arrays feed (AI revenue, the neocloud equity cushion,
    SPV bond prices) are scored that way for now; the table per preset scenario is left
    to the Monte Carlo wiring.

    >>> g = {"composite": np.array([[50., 80.], [10., 20.]])}
    >>> t = lead_time_table(g, {"default": np.array([1, -1])})
    >>> t.set_index("rule").loc["red", ["hit_rate", "false_alarm_rate", "median_lead"]].tolist()
    [1.0, 0.0, 0.0]
    """
    rows = []
    for gname, g in scores.items():
        for ename, ev in events.items():
            for rule, perf in (("amber", warning_performance(g, ev, AMBER_FROM)),
                               ("red", warning_performance(g, ev, RED_FROM)),
                               ("youden", youden_threshold(g, ev, candidates))):
                rows.append({"gauge": gname, "event": ename, "rule": rule, **perf})
    return pd.DataFrame(rows)
