"""The risk thermometer: five gauges of strain in the AI financing web (DIGEST §6).

Each of the five indicators is built from a few raw metrics. Every metric is mapped to a
0–100 *stress score* by a piecewise-linear :class:`Scale` through four points: the value
scored 0, the green/amber boundary (score 40), the amber/red boundary (score 70) and the
value scored 100; beyond the end points the score stays at 0 or 100. An indicator's score
is the weighted mean of the scores of the metrics that have a value; the composite is the
weighted mean of the indicator scores. Colours come from the score alone:

* green  — score below 40,
* amber  — 40 ≤ score < 70,
* red    — score of 70 or more (a value exactly on a boundary takes the worse colour).

The same gauges are read from three sources: a network (:func:`thermometer`), a table of
dated observations (:func:`observed_thermometer`) and Monte Carlo paths
(:mod:`.thermometer_sim`). See ``docs/thermometer.md`` for the definitions in full.

>>> import bubblescope
>>> r = thermometer(bubblescope.load_network("ai-2025"))  # doctest: +SKIP
>>> r.composite_colour in ("green", "amber", "red")  # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.contracts import (
    AmountType,
    Bond,
    ComputeContract,
    CreditFacility,
    EquityStake,
    Guarantee,
    Lease,
    Loan,
    Status,
)
from ..model.entity import Entity, EntityKind
from ..model.network import Network
from .concentration import hhi
from .flows import calendar_years
from .hurdle import revenue_chain

#: Score at which a gauge turns amber (inclusive).
AMBER_FROM = 40.0
#: Score at which a gauge turns red (inclusive).
RED_FROM = 70.0
#: Alarm thresholds picked by :func:`bubblescope.thermometer_run.calibrate_thresholds` on
#: the bundled presets (ai-2025, 200 paths each, seed 2025, to 2049Q4, 2026-11-21): the
#: score that best separates the paths with the gauge's target event from those without,
#: all presets pooled (Youden's J). SPV bond health: 80 (J = 1.0, every Hyperion bond loss
#: flagged a median 19 quarters ahead, no false alarm — `rate-shock` marks bonds down to a
#: score of 63 with no loss following, so a lower line would cry wolf). The other gauges
#: cannot be calibrated on the presets (every path has a neocloud default), so they alarm
#: at amber.
ALARM_THRESHOLDS: dict[str, float] = {"productivity": AMBER_FROM, "neocloud": AMBER_FROM,
                                      "spv_bond": 80.0, "contracts": AMBER_FROM,
                                      "power": AMBER_FROM, "composite": AMBER_FROM}

#: Default yearly log-growth of AI revenue: S1-03, about 9× in two years → ln(9) / 2.
DEFAULT_LOG_GROWTH = math.log(9.0) / 2.0
#: Default base (risk-free) rate for spreads, decimal a year (assumption: US policy rate
#: at the end of 2025, roughly 4%).
DEFAULT_BASE_RATE = 0.04


def colour(score: float) -> str:
    """``green`` / ``amber`` / ``red`` for a 0–100 score, ``unknown`` for NaN.

    >>> colour(39.9), colour(40.0), colour(70.0), colour(float("nan"))
    ('green', 'amber', 'red', 'unknown')
    """
    if score is None or not math.isfinite(score):
        return "unknown"
    if score >= RED_FROM:
        return "red"
    if score >= AMBER_FROM:
        return "amber"
    return "green"


@dataclass(frozen=True)
class Scale:
    """Piecewise-linear map from a raw metric to a 0–100 stress score.

    Built from the raw value scored 0 (``calm``), the green/amber boundary ``amber``
    (score 40), the amber/red boundary ``red`` (score 70) and the value scored 100
    (``worst``). The four values must be strictly monotone, rising when a larger value is
    worse and falling when a smaller value is worse. NaN maps to NaN.

    >>> s = Scale(0.02, 0.04, 0.07, 0.12)
    >>> float(s(0.04)), float(s(0.07)), float(s(0.0)), float(s(1.0))
    (40.0, 70.0, 0.0, 100.0)
    >>> float(Scale(1.0, 0.8, 0.6, 0.3)(0.9))
    20.0
    """

    calm: float
    amber: float
    red: float
    worst: float

    def __post_init__(self) -> None:
        xs = [self.calm, self.amber, self.red, self.worst]
        d = np.diff(xs)
        if not (np.all(d > 0) or np.all(d < 0)):
            raise ValueError(f"scale points must be strictly monotone, got {xs}")

    @property
    def rising(self) -> bool:
        """True when larger raw values mean more stress."""
        return self.worst > self.calm

    def points(self) -> list[tuple[float, float]]:
        """(raw value, score) pairs, in the order calm → worst."""
        return [(self.calm, 0.0), (self.amber, AMBER_FROM), (self.red, RED_FROM),
                (self.worst, 100.0)]

    def __call__(self, x: Any) -> np.ndarray:
        arr = np.asarray(x, dtype=float)
        xs = np.array([self.calm, self.amber, self.red, self.worst])
        ys = np.array([0.0, AMBER_FROM, RED_FROM, 100.0])
        if not self.rising:
            xs, ys = xs[::-1], ys[::-1]
        # np.interp clamps outside the points; infinities clamp too.
        out = np.interp(np.clip(arr, xs[0], xs[-1]), xs, ys)
        return np.where(np.isnan(arr), np.nan, out)


@dataclass(frozen=True)
class Metric:
    """One raw metric of an indicator and its map to a stress score."""

    name: str
    indicator: str
    title: str
    unit: str
    formula: str
    scale: Scale | None
    weight: float


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    weight: float
    what: str


#: The five indicators, in display order, with their weights in the composite.
INDICATORS: dict[str, Indicator] = {i.key: i for i in (
    Indicator("productivity", "AI productivity speed", 0.25,
              "is AI revenue growing fast enough to reach the revenue hurdle in time?"),
    Indicator("neocloud", "Neocloud stress", 0.25,
              "can the neoclouds pay, refinance and stay inside their covenants?"),
    Indicator("spv_bond", "SPV bond health", 0.20,
              "do SPV bonds trade like their lessee's credit, and who holds them?"),
    Indicator("contracts", "Contract quality", 0.15,
              "how firm, long and diversified is the revenue behind the debt?"),
    Indicator("power", "Power", 0.15,
              "is the power there for the capacity being financed?"),
)}

_M = Metric
#: Every metric, scored (``scale`` set, ``weight`` > 0) or shown for context only.
METRICS: dict[str, Metric] = {m.name: m for m in (
    # 1. productivity
    _M("years_to_hurdle", "productivity", "Years to reach the revenue hurdle", "years",
       "ln(revenue_required / ai_revenue) / log_growth (0 if already above; ∞ if not growing)",
       Scale(3.0, 5.0, 10.0, 20.0), 0.6),
    _M("growth_acceleration", "productivity", "Change in log-growth", "per year per year",
       "d(log_growth)/dt; negative = slowing towards linear growth",
       Scale(0.0, -0.1, -0.3, -0.6), 0.4),
    _M("ai_revenue", "productivity", "AI revenue (model makers)", "USD bn / year",
       "Σ revenue of ai_lab entities", None, 0.0),
    _M("revenue_required", "productivity", "Revenue hurdle", "USD bn / year",
       "analytics.hurdle.revenue_chain()['revenue_required']", None, 0.0),
    _M("hurdle_coverage", "productivity", "AI revenue / hurdle", "decimal",
       "ai_revenue / revenue_required", None, 0.0),
    _M("log_growth", "productivity", "Log-growth of AI revenue", "per year",
       "ln(R_t / R_{t−1}) / Δt years", None, 0.0),
    # 2. neocloud
    _M("debt_spread", "neocloud", "Borrowing spread", "decimal a year",
       "debt-weighted cost of debt − base rate", Scale(0.02, 0.04, 0.07, 0.12), 0.25),
    _M("refinancing_to_cash", "neocloud", "Debt due in 4 quarters / cash", "ratio",
       "principal maturing within a year / cash", Scale(0.5, 1.0, 2.0, 4.0), 0.25),
    _M("equity_cushion", "neocloud", "Equity cushion", "decimal",
       "equity_value / (equity_value + debt)", Scale(0.8, 0.5, 0.3, 0.1), 0.15),
    _M("ltv_headroom", "neocloud", "Covenant headroom (LTV)", "decimal",
       "debt-weighted max_ltv − drawn / collateral value", Scale(0.3, 0.15, 0.05, 0.0), 0.2),
    _M("equity_drawdown", "neocloud", "Equity drawdown from peak", "decimal",
       "1 − price / 52-week high (observed only)", Scale(0.1, 0.3, 0.5, 0.8), 0.15),
    _M("equity_raised_1y", "neocloud", "Equity raised, last 4 quarters", "USD bn",
       "Σ equity stakes into neoclouds starting in the past year", None, 0.0),
    _M("neocloud_debt", "neocloud", "Neocloud debt", "USD bn",
       "Σ loans, bonds, drawn facilities and other debt", None, 0.0),
    _M("neocloud_cash", "neocloud", "Neocloud cash", "USD bn", "Σ cash", None, 0.0),
    # 3. SPV bonds
    _M("price_discount", "spv_bond", "Price below par", "decimal of par",
       "1 − price (face-weighted; par assumed when no price)", Scale(0.0, 0.05, 0.15, 0.4),
       0.4),
    _M("spread_over_lessee", "spv_bond", "Spread over the lessee's credit", "decimal a year",
       "coupon / price − cost of debt of the guarantor, else the lessee",
       Scale(0.005, 0.02, 0.04, 0.08), 0.35),
    _M("holder_hhi", "spv_bond", "Holder concentration (HHI)", "0–1",
       "Σ (face held / face)²", Scale(0.2, 0.4, 0.6, 1.0), 0.25),
    _M("spv_bond_face", "spv_bond", "SPV bonds outstanding", "USD bn", "Σ face", None, 0.0),
    # 4. contracts
    _M("take_or_pay_share", "contracts", "Take-or-pay share", "decimal",
       "value-weighted take_or_pay_share (leases count 1)", Scale(1.0, 0.8, 0.6, 0.3), 0.3),
    _M("remaining_term", "contracts", "Remaining term", "years",
       "value-weighted years from the as-of date to the end", Scale(8.0, 5.0, 3.0, 1.0), 0.2),
    _M("customer_hhi", "contracts", "Customer concentration (HHI)", "0–1",
       "value-weighted HHI of each neocloud's buyers", Scale(0.2, 0.35, 0.5, 0.8), 0.3),
    _M("ceiling_share", "contracts", "Ceilings and announcements / all money", "decimal",
       "(ceiling or announced dollars) / all live dollars", Scale(0.1, 0.25, 0.4, 0.7), 0.2),
    _M("price_adjustment", "contracts", "Price-adjustment clauses", "—",
       "not in the model: unknown", None, 0.0),
    # 5. power
    _M("grid_wait_share", "power", "Grid capacity still waiting", "decimal",
       "grid MW connecting after the as-of date / grid MW", Scale(0.2, 0.4, 0.6, 0.9), 0.3),
    _M("power_gap_share", "power", "Power gap, 8 quarters out", "decimal",
       "MW not available within 8 quarters / planned MW", Scale(0.1, 0.25, 0.5, 0.8), 0.3),
    _M("onsite_share", "power", "On-site share", "decimal", "on-site MW / planned MW",
       Scale(0.1, 0.33, 0.5, 0.8), 0.2),
    _M("onsite_cost_premium", "power", "On-site cost premium", "decimal",
       "MW-weighted cost_premium of on-site power", Scale(0.1, 0.3, 0.5, 1.0), 0.2),
    _M("planned_mw", "power", "Planned capacity", "MW", "Σ power MW", None, 0.0),
)}


def scored_metrics(indicator: str) -> list[Metric]:
    """The metrics that feed an indicator's score."""
    return [m for m in METRICS.values() if m.indicator == indicator and m.scale is not None]


def metric_score(name: str, value: Any) -> np.ndarray:
    """Stress score (0–100) of a scored metric for a value or an array of values.

    >>> float(metric_score("debt_spread", 0.05))
    50.0
    """
    scale = METRICS[name].scale
    if scale is None:
        raise ValueError(f"{name}: not a scored metric")
    return scale(value)


def weighted_score(scores: Mapping[str, Any], weights: Mapping[str, float]) -> np.ndarray:
    """NaN-aware weighted mean: ``Σ w_k s_k / Σ w_k`` over the ``k`` whose score is finite.

    Works elementwise on arrays of one shape; NaN where no score is finite.

    >>> float(weighted_score({"a": 80.0, "b": float("nan")}, {"a": 1.0, "b": 3.0}))
    80.0
    """
    num = den = None
    for key, s in scores.items():
        arr = np.asarray(s, dtype=float)
        ok = np.isfinite(arr)
        w = float(weights[key])
        n = np.where(ok, w * arr, 0.0)
        d = np.where(ok, w, 0.0)
        num = n if num is None else num + n
        den = d if den is None else den + d
    if num is None or den is None:
        return np.asarray(np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


# --------------------------------------------------------------------------- readings


@dataclass(frozen=True)
class MetricReading:
    name: str
    title: str
    unit: str
    value: float
    score: float
    note: str = ""
    scored: bool = True

    @property
    def colour(self) -> str | None:
        """Colour of a scored metric; None for a context-only metric."""
        return colour(self.score) if self.scored else None


@dataclass(frozen=True)
class IndicatorReading:
    key: str
    title: str
    weight: float
    score: float
    contribution: float
    metrics: tuple[MetricReading, ...]

    @property
    def colour(self) -> str:
        return colour(self.score)


@dataclass(frozen=True)
class Reading:
    """One reading of the thermometer: five indicators and the composite.

    ``contribution`` of an indicator is ``weight × score / Σ weight`` over the indicators
    with a score, so the contributions add up to the composite.
    """

    source: str
    as_of: dt.date | None
    indicators: dict[str, IndicatorReading]
    composite: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def composite_colour(self) -> str:
        return colour(self.composite)

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready structure with stable keys (NaN → None)."""

        def num(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else round(float(x), 6)

        return {
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "thresholds": {"amber_from": AMBER_FROM, "red_from": RED_FROM},
            "composite": {"score": num(self.composite), "colour": self.composite_colour},
            "indicators": {
                k: {"title": r.title, "weight": r.weight, "score": num(r.score),
                    "colour": r.colour, "contribution": num(r.contribution),
                    "metrics": {m.name: {"value": num(m.value), "unit": m.unit,
                                         "score": num(m.score), "colour": m.colour,
                                         "note": m.note} for m in r.metrics}}
                for k, r in self.indicators.items()},
            "notes": list(self.notes),
        }

    def table(self) -> pd.DataFrame:
        """One row per metric: indicator, metric, value, unit, score, colour, note."""
        rows = [{"indicator": k, "metric": m.name, "value": m.value, "unit": m.unit,
                 "score": m.score, "colour": m.colour, "note": m.note}
                for k, r in self.indicators.items() for m in r.metrics]
        return pd.DataFrame(rows)


def build_reading(values: Mapping[str, float], *, source: str, as_of: dt.date | None = None,
                  notes: Mapping[str, str] | None = None,
                  extra_notes: Sequence[str] = ()) -> Reading:
    """Score raw metric values (name → value; missing or NaN = unknown) into a reading.

    >>> r = build_reading({"debt_spread": 0.07, "years_to_hurdle": 3.0}, source="test")
    >>> r.indicators["neocloud"].score, r.indicators["neocloud"].colour
    (70.0, 'red')
    >>> round(r.composite, 6)  # (0.25 × 0 + 0.25 × 70) / 0.5
    35.0
    """
    unknown = set(values) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metric(s): {', '.join(sorted(unknown))}")
    notes = dict(notes or {})
    inds: dict[str, IndicatorReading] = {}
    ind_scores: dict[str, float] = {}
    for key, ind in INDICATORS.items():
        rows = []
        scores: dict[str, float] = {}
        weights: dict[str, float] = {}
        for m in METRICS.values():
            if m.indicator != key:
                continue
            v = float(values.get(m.name, float("nan")))
            s = float(m.scale(v)) if m.scale is not None else float("nan")
            if m.scale is not None:
                scores[m.name], weights[m.name] = s, m.weight
            note = notes.get(m.name, "")
            if m.name == "price_adjustment" and not note:
                note = "unknown: the model has no field for price-adjustment clauses"
            if m.name in values or m.scale is not None or note:
                rows.append(MetricReading(m.name, m.title, m.unit, v, s, note,
                                         scored=m.scale is not None))
        score = float(weighted_score(scores, weights))
        ind_scores[key] = score
        inds[key] = IndicatorReading(key, ind.title, ind.weight, score, float("nan"),
                                     tuple(rows))
    w = {k: i.weight for k, i in INDICATORS.items()}
    composite = float(weighted_score(ind_scores, w))
    total_w = sum(w[k] for k, s in ind_scores.items() if math.isfinite(s))
    for k, r in inds.items():
        contrib = r.weight * r.score / total_w if math.isfinite(r.score) else float("nan")
        inds[k] = IndicatorReading(r.key, r.title, r.weight, r.score, contrib, r.metrics)
    return Reading(source, as_of, inds, composite, tuple(extra_notes))


# --------------------------------------------------------------------------- static


def _live(c: Any) -> bool:
    return c.status != Status.cancelled


def years_to_hurdle(ai_revenue: float, revenue_required: float, log_growth: float) -> float:
    """Years of growth at ``log_growth`` (per year) until ``ai_revenue`` reaches the hurdle.

    0 when already there; ∞ when revenue is not growing (or is zero).

    >>> round(years_to_hurdle(10.0, 100.0, math.log(10.0) / 2), 6)
    2.0
    """
    if ai_revenue >= revenue_required:
        return 0.0
    if ai_revenue <= 0 or not log_growth > 0:
        return math.inf
    return math.log(revenue_required / ai_revenue) / log_growth


def _neocloud_ids(net: Network) -> tuple[set[str], set[str]]:
    """(neocloud ids, ids of neoclouds and their borrowing vehicles)."""
    neo = {e.id for e in net.entities if e.kind == EntityKind.neocloud}
    group = neo | {e.id for e in net.entities if e.kind == EntityKind.spv and e.parent in neo}
    return neo, group


def _debt_items(net: Network, borrowers: set[str]) -> list[tuple[Any, float]]:
    """(contract, outstanding principal) for loans, bonds and facilities of ``borrowers``
    that are live and have started by the as-of date."""
    out = []
    for c in net.contracts:
        if not _live(c) or (c.start is not None and c.start > net.as_of):
            continue
        if isinstance(c, Loan | CreditFacility) and c.borrower in borrowers:
            out.append((c, float(c.drawn if c.drawn is not None else c.amount)))
        elif isinstance(c, Bond) and c.issuer in borrowers:
            out.append((c, float(c.amount)))
    return out


def neocloud_metrics(net: Network, *, base_rate: float = DEFAULT_BASE_RATE,
                     only: str | None = None) -> dict[str, float]:
    """Raw neocloud metrics of a network, for all neoclouds (and their vehicles) together.

    Debt = drawn loans, drawn facilities and bonds of the neoclouds and of SPVs whose parent
    is a neocloud, plus the entities' own ``debt``. The spread uses each contract's rate
    (``rate``, else ``base_rate + spread``), and the entity's ``cost_of_debt`` for its own
    ``debt``. Headroom is debt-weighted over the loans with a ``max_ltv`` and a collateral
    value. ``only`` restricts the measure to one neocloud (and its vehicles).
    """
    neo, group = _neocloud_ids(net)
    if only is not None:
        if only not in neo:
            raise ValueError(f"only: {only!r} is not a neocloud of the network")
        neo = {only}
        group = {only} | {i for i in group if i != only and net.entity(i).parent == only}
    ents = [net.entity(i) for i in sorted(group)]
    items = _debt_items(net, group)
    horizon = net.as_of + dt.timedelta(days=365)
    debt = sum(a for _, a in items) + sum(e.debt for e in ents)
    cash = sum(e.cash for e in ents)
    cost = sum(a * (c.rate if c.rate is not None else base_rate + (c.spread or 0.0))
               for c, a in items)
    cost += sum(e.debt * (e.cost_of_debt if e.cost_of_debt is not None else base_rate)
                for e in ents)
    due = sum(a for c, a in items if c.end is not None and net.as_of < c.end <= horizon)
    hw = hsum = 0.0
    for c, a in items:
        if (isinstance(c, Loan) and c.covenants.max_ltv is not None
                and c.collateral.value and a > 0):
            hsum += a * (c.covenants.max_ltv - a / c.collateral.value)
            hw += a
    eq_value = sum(e.equity_value or 0.0 for e in ents)
    raised = 0.0
    for c in net.contracts:
        if isinstance(c, EquityStake) and c.issuer in neo and _live(c):
            day = c.start or c.announced
            if day is not None and net.as_of - dt.timedelta(days=365) < day <= net.as_of:
                raised += c.amount
    nan = float("nan")
    return {
        "debt_spread": cost / debt - base_rate if debt > 0 else nan,
        "refinancing_to_cash": (due / cash if cash > 0 else (math.inf if due > 0 else 0.0))
        if neo else nan,
        "equity_cushion": eq_value / (eq_value + debt) if eq_value + debt > 0 else nan,
        "ltv_headroom": hsum / hw if hw > 0 else nan,
        "equity_raised_1y": raised if neo else nan,
        "neocloud_debt": debt if neo else nan,
        "neocloud_cash": cash if neo else nan,
    }


def neocloud_table(net: Network, *, base_rate: float = DEFAULT_BASE_RATE) -> pd.DataFrame:
    """One row per neocloud: its raw metrics, their scores and its neocloud-stress score.

    The same definitions as the sector-wide gauge, applied to each neocloud alone, to see
    which one drives it.

    >>> import bubblescope
    >>> t = neocloud_table(bubblescope.load_network("ai-2025"))
    >>> "coreweave" in set(t["entity"])
    True
    """
    rows = []
    for e in net.entities:
        if e.kind != EntityKind.neocloud:
            continue
        m = neocloud_metrics(net, base_rate=base_rate, only=e.id)
        row: dict[str, Any] = {"entity": e.id}
        scores, weights = {}, {}
        for metric in scored_metrics("neocloud"):
            v = m.get(metric.name, float("nan"))
            s = float(metric.scale(v)) if metric.scale is not None else float("nan")
            row[metric.name], row[f"{metric.name}_score"] = v, s
            scores[metric.name], weights[metric.name] = s, metric.weight
        row["score"] = float(weighted_score(scores, weights))
        row["colour"] = colour(row["score"])
        rows.append(row)
    return pd.DataFrame(rows)


def _credit_of(net: Network, entity_id: str) -> float | None:
    e = net.entity(entity_id)
    return e.cost_of_debt


def spv_bond_metrics(net: Network) -> tuple[dict[str, float], dict[str, str]]:
    """Raw SPV-bond metrics (face-weighted over bonds issued by ``spv`` entities) and notes.

    The reference credit of a bond is its guarantor's ``cost_of_debt`` (a guarantee whose
    ``obligation`` is the bond), else that of the lessee of a lease the SPV is lessor of.
    """
    spvs = {e.id for e in net.entities if e.kind == EntityKind.spv}
    bonds = [c for c in net.contracts
             if isinstance(c, Bond) and c.issuer in spvs and _live(c) and c.amount > 0]
    nan = float("nan")
    if not bonds:
        return ({"price_discount": nan, "spread_over_lessee": nan, "holder_hhi": nan,
                 "spv_bond_face": 0.0}, {"spv_bond_face": "no SPV bonds in the network"})
    notes: dict[str, str] = {}
    face = sum(b.amount for b in bonds)
    disc = sprd = sprd_w = hh = 0.0
    no_price = [b.id for b in bonds if b.price is None]
    for b in bonds:
        price = b.price if b.price is not None else 1.0
        disc += b.amount * (1.0 - price)
        shares = [h.amount / b.amount for h in b.holders]
        rest = b.unlisted_amount() / b.amount
        if rest > 0:
            shares.append(rest)
        hh += b.amount * hhi(shares)
        ref: float | None = None
        for g in net.contracts:
            if isinstance(g, Guarantee) and g.obligation == b.id and _live(g):
                ref = _credit_of(net, g.guarantor)
        if ref is None:
            for le in net.contracts:
                if isinstance(le, Lease) and le.lessor == b.issuer and _live(le):
                    ref = _credit_of(net, le.lessee)
                    if ref is not None:
                        break
        coupon = b.rate if b.rate is not None else DEFAULT_BASE_RATE + (b.spread or 0.0)
        if ref is not None and price > 0:
            sprd += b.amount * (coupon / price - ref)
            sprd_w += b.amount
    if no_price:
        notes["price_discount"] = "assumed at par (no price in the network): " + ", ".join(
            no_price)
    notes["spread_over_lessee"] = "coupon / price (current yield) − reference credit"
    return ({"price_discount": disc / face,
             "spread_over_lessee": sprd / sprd_w if sprd_w > 0 else nan,
             "holder_hhi": hh / face, "spv_bond_face": face}, notes)


def contract_metrics(net: Network) -> dict[str, float]:
    """Raw contract-quality metrics.

    Take-or-pay share and remaining term: value-weighted over live compute contracts sold
    and leases let by neoclouds and SPVs. Customer HHI: each neocloud's buyers by contract
    value, weighted by that value (an SPV has one client by construction, so it is left
    out). Ceiling share: over every live contract of the network, dollars that are a
    ceiling or only announced, over all dollars.
    """
    neo, _ = _neocloud_ids(net)
    sellers = neo | {e.id for e in net.entities if e.kind == EntityKind.spv}
    top = tw = term = termw = 0.0
    by_seller: dict[str, dict[str, float]] = {}
    for c in net.contracts:
        if not _live(c):
            continue
        if isinstance(c, ComputeContract) and c.seller in sellers:
            seller, buyer, tp = c.seller, c.buyer, c.take_or_pay_share
        elif isinstance(c, Lease) and c.lessor in sellers:
            seller, buyer, tp = c.lessor, c.lessee, 1.0
        else:
            continue
        top += c.amount * tp
        tw += c.amount
        if c.end is not None:
            term += c.amount * (calendar_years(net.as_of, c.end) if c.end > net.as_of else 0.0)
            termw += c.amount
        if seller in neo:
            by_seller.setdefault(seller, {})
            by_seller[seller][buyer] = by_seller[seller].get(buyer, 0.0) + c.amount
    ch = chw = 0.0
    for buyers in by_seller.values():
        total = sum(buyers.values())
        if total > 0:
            ch += total * hhi([v / total for v in buyers.values()])
            chw += total
    loose = alld = 0.0
    for c in net.contracts:
        if not _live(c) or c.amount <= 0:
            continue
        alld += c.amount
        if c.amount_type == AmountType.ceiling or c.status == Status.announced:
            loose += c.amount
    nan = float("nan")
    return {"take_or_pay_share": top / tw if tw > 0 else nan,
            "remaining_term": term / termw if termw > 0 else nan,
            "customer_hhi": ch / chw if chw > 0 else nan,
            "ceiling_share": loose / alld if alld > 0 else nan}


def power_metrics(net: Network | Sequence[Entity], as_of: dt.date | None = None
                  ) -> dict[str, float]:
    """Raw power metrics over every entity's declared ``power`` capacity.

    A line with no ``available_from`` counts as available now.

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "n", "name": "N", "kind": "neocloud", "power": [
    ...     {"source": "grid", "mw": 600, "available_from": "2029Q1"},
    ...     {"source": "grid", "mw": 200},
    ...     {"source": "onsite", "mw": 200, "cost_premium": 0.4}]}]})
    >>> m = power_metrics(net)
    >>> m["grid_wait_share"], m["onsite_share"], m["power_gap_share"]
    (0.75, 0.2, 0.6)
    """
    if isinstance(net, Network):
        ents: Sequence[Entity] = net.entities
        as_of = net.as_of if as_of is None else as_of
    else:
        ents = net
    if as_of is None:
        raise ValueError("as_of: needed when passing entities")
    gap_day = as_of + dt.timedelta(days=730)
    total = grid = wait = gap = onsite = prem = 0.0
    for e in ents:
        for p in e.power:
            total += p.mw
            day = p.available_from
            if p.source == "grid":
                grid += p.mw
                if day is not None and day > as_of:
                    wait += p.mw
            else:
                onsite += p.mw
                prem += p.mw * p.cost_premium
            if day is not None and day > gap_day:
                gap += p.mw
    nan = float("nan")
    return {"grid_wait_share": wait / grid if grid > 0 else nan,
            "power_gap_share": gap / total if total > 0 else nan,
            "onsite_share": onsite / total if total > 0 else nan,
            "onsite_cost_premium": prem / onsite if onsite > 0 else nan,
            "planned_mw": total}


def thermometer(net: Network, *, log_growth: float = DEFAULT_LOG_GROWTH,
                growth_acceleration: float | None = None,
                base_rate: float = DEFAULT_BASE_RATE,
                revenue_required: float | None = None) -> Reading:
    """Static reading of the thermometer from a network alone.

    Parameters
    ----------
    net : Network
        The network; its ``as_of`` date anchors maturities and power dates.
    log_growth : float
        Yearly log-growth of AI revenue (assumption; default ``ln 9 / 2`` ≈ 1.10 from
        S1-03, revenue ×9 in two years). A network has no revenue history.
    growth_acceleration : float, optional
        Yearly change of ``log_growth``; unknown (not scored) unless given.
    base_rate : float
        Base rate for spreads, decimal a year (default 4%, an assumption).
    revenue_required : float, optional
        Revenue hurdle, USD bn a year; default ``revenue_chain()`` (≈ $554B, DIGEST §4).

    Returns
    -------
    Reading
        Scores 0–100 per metric and indicator, colours, the composite and contributions.

    Examples
    --------
    >>> import bubblescope
    >>> r = thermometer(bubblescope.load_network("ai-2025"))
    >>> sorted(r.indicators) == sorted(INDICATORS)
    True
    """
    req = float(revenue_chain()["revenue_required"] if revenue_required is None
                else revenue_required)
    ai_rev = sum(e.revenue for e in net.entities if e.kind == EntityKind.ai_lab)
    values: dict[str, float] = {
        "ai_revenue": ai_rev, "revenue_required": req,
        "hurdle_coverage": ai_rev / req if req > 0 else float("nan"),
        "log_growth": log_growth,
        "years_to_hurdle": years_to_hurdle(ai_rev, req, log_growth),
        "growth_acceleration": (float("nan") if growth_acceleration is None
                                else growth_acceleration),
    }
    notes = {"log_growth": "assumed (S1-03: ×9 in two years)" if log_growth ==
             DEFAULT_LOG_GROWTH else "given",
             "growth_acceleration": "unknown statically (needs a revenue history)"
             if growth_acceleration is None else "given",
             "debt_spread": f"base rate {base_rate:.2%} (assumption)"}
    values.update(neocloud_metrics(net, base_rate=base_rate))
    notes["equity_drawdown"] = "unknown statically (needs a price history)"
    spv, spv_notes = spv_bond_metrics(net)
    values.update(spv)
    notes.update(spv_notes)
    values.update(contract_metrics(net))
    values.update(power_metrics(net))
    return build_reading(values, source="static", as_of=net.as_of, notes=notes)


# --------------------------------------------------------------------------- observed

#: Observed series that are converted into metrics (indicator, series) → metric.
DERIVED_SERIES: dict[tuple[str, str], str] = {
    ("productivity", "ai_revenue"): "years_to_hurdle, growth_acceleration, log_growth",
    ("neocloud", "bond_yield"): "debt_spread (with base_rate)",
    ("neocloud", "base_rate"): "debt_spread (with bond_yield)",
    ("spv_bond", "bond_price"): "price_discount = 1 − bond_price",
    ("spv_bond", "bond_yield"): "spread_over_lessee (with lessee_yield)",
    ("spv_bond", "lessee_yield"): "spread_over_lessee (with bond_yield)",
}


def revenue_growth(dates: Sequence[dt.date], revenue: Sequence[float]
                   ) -> tuple[float, float]:
    """(latest log-growth per year, its change per year) from a dated revenue series.

    Log-growth between consecutive observations is ``ln(R_i / R_{i−1}) / Δt`` (years);
    the acceleration is the change of the last two growth rates over the time between the
    midpoints of their intervals. NaN where there are too few points (2 for growth, 3 for
    acceleration) or a revenue is not positive.

    >>> d = [dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1)]
    >>> g, a = revenue_growth(d, [1.0, 3.0, 9.0])
    >>> round(g, 4), round(a, 4)
    (1.0986, 0.0)
    """
    order = np.argsort(np.array([d.toordinal() for d in dates]))
    ds = [dates[i] for i in order]
    rs = np.asarray(revenue, dtype=float)[order]
    nan = float("nan")
    if len(ds) < 2 or np.any(rs <= 0):
        return nan, nan
    t = np.array([calendar_years(ds[0], d) for d in ds])
    g = np.diff(np.log(rs)) / np.diff(t)
    mid = (t[1:] + t[:-1]) / 2
    acc = (g[-1] - g[-2]) / (mid[-1] - mid[-2]) if len(g) >= 2 else nan
    return float(g[-1]), float(acc)


def observed_thermometer(obs: pd.DataFrame, *, revenue_required: float | None = None
                         ) -> Reading:
    """Reading of the thermometer from dated observations.

    Parameters
    ----------
    obs : DataFrame
        Columns ``date`` (datetime.date), ``indicator``, ``series``, ``value`` and, if
        several issuers are observed, ``entity``. A series named like a metric of its
        indicator is taken at its latest date; the series in :data:`DERIVED_SERIES` are
        converted (``ai_revenue`` history → growth, acceleration and years to the hurdle;
        yields → spreads; a bond price → discount). With an ``entity`` column each
        entity's latest value is converted on its own and the metric is their plain mean
        (the note names the worst); ``ai_revenue`` is summed over entities on each date,
        and a ``base_rate`` or ``lessee_yield`` without an entity applies to all. Any other
        series is kept as context, unscored.
    revenue_required : float, optional
        Hurdle for ``years_to_hurdle`` (default ``revenue_chain()``).

    Examples
    --------
    >>> obs = pd.DataFrame({"date": [dt.date(2025, 12, 31)], "indicator": ["spv_bond"],
    ...                     "series": ["bond_price"], "value": [0.95]})
    >>> r = observed_thermometer(obs)
    >>> round(r.indicators["spv_bond"].score, 6), r.indicators["spv_bond"].colour
    (40.0, 'amber')
    """
    unknown = set(obs["indicator"]) - set(INDICATORS)
    if unknown:
        raise ValueError(f"indicator: unknown {', '.join(sorted(map(str, unknown)))}")
    req = float(revenue_required if revenue_required is not None
                else revenue_chain()["revenue_required"])
    df = obs.sort_values("date", kind="stable").copy()
    df["entity"] = (df["entity"].fillna("").astype(str).str.strip() if "entity" in df
                    else "")
    # (indicator, series) → entity → (date, value) at the latest date
    latest: dict[tuple[str, str], dict[str, tuple[dt.date, float]]] = {}
    for d, ind, ser, ent, v in zip(df["date"], df["indicator"], df["series"], df["entity"],
                                   df["value"], strict=True):
        latest.setdefault((ind, ser), {})[ent] = (d, float(v))
    values: dict[str, float] = {}
    notes: dict[str, str] = {}
    context: list[str] = []

    def put(name: str, value: float, day: dt.date, how: str = "") -> None:
        values[name] = value
        notes[name] = f"as of {day.isoformat()}" + (f"; {how}" if how else "")

    def pool(name: str, per: Mapping[str, tuple[dt.date, float]], how: str = "") -> None:
        """One value per entity → the metric (their mean), worst entity in the note."""
        if name in values or not per:
            return
        day = max(d for d, _ in per.values())
        if len(per) == 1:
            ent, (_, v) = next(iter(per.items()))
            put(name, v, day, ", ".join(x for x in (how, ent) if x))
            return
        scale = METRICS[name].scale
        pick = max if scale is None or scale.rising else min
        worst = pick(per, key=lambda e: per[e][1])
        mean = float(np.mean([v for _, v in per.values()]))
        put(name, mean, day, ", ".join(x for x in (
            how, f"mean of {len(per)} entities; worst {worst or '(none)'} "
                 f"{per[worst][1]:.4g}") if x))

    def shared(per: Mapping[str, tuple[dt.date, float]], ent: str
               ) -> tuple[dt.date, float] | None:
        return per.get(ent) or per.get("")

    for (ind, ser), per in latest.items():
        m = METRICS.get(ser)
        if m is not None and m.indicator == ind and m.scale is not None:
            pool(ser, per)
        elif (ind, ser) not in DERIVED_SERIES:
            hint = (f"; {ser} is a metric of {m.indicator}" if m is not None
                    and m.indicator != ind else "")
            for ent, (day, v) in per.items():
                who = f" [{ent}]" if ent else ""
                context.append(f"{ind}.{ser}{who} = {v:g} (as of {day.isoformat()}; "
                               f"not scored{hint})")
    rev = df[(df["indicator"] == "productivity") & (df["series"] == "ai_revenue")]
    if len(rev):
        total = rev.groupby("date", sort=True)["value"].sum()
        dates, revs = list(total.index), [float(x) for x in total.to_numpy()]
        g, acc = revenue_growth(dates, revs)
        day, r_last = dates[-1], revs[-1]
        put("ai_revenue", r_last, day,
            "summed over entities" if rev["entity"].ne("").any() else "")
        put("revenue_required", req, day, "analytics.hurdle.revenue_chain")
        put("hurdle_coverage", r_last / req, day)
        if math.isfinite(g):
            put("log_growth", g, day, f"from {len(dates)} dates")
            values.setdefault("years_to_hurdle", years_to_hurdle(r_last, req, g))
        if math.isfinite(acc) and "growth_acceleration" not in values:
            put("growth_acceleration", acc, day, "from the last three dates")
    yields = latest.get(("neocloud", "bond_yield"), {})
    bases = latest.get(("neocloud", "base_rate"), {})
    spreads: dict[str, tuple[dt.date, float]] = {}
    for ent, (d1, y) in yields.items():
        d2, base = shared(bases, ent) or (d1, DEFAULT_BASE_RATE)
        spreads[ent] = (max(d1, d2), y - base)
    pool("debt_spread", spreads,
         "bond_yield − base_rate" + ("" if bases else " (base rate assumed 4%)"))
    prices = latest.get(("spv_bond", "bond_price"), {})
    pool("price_discount", {e: (d, 1.0 - p) for e, (d, p) in prices.items()},
         "1 − bond_price")
    lessee = latest.get(("spv_bond", "lessee_yield"), {})
    over: dict[str, tuple[dt.date, float]] = {}
    for ent, (d1, y) in latest.get(("spv_bond", "bond_yield"), {}).items():
        ref = shared(lessee, ent)
        if ref is not None:
            over[ent] = (max(d1, ref[0]), y - ref[1])
    pool("spread_over_lessee", over, "bond_yield − lessee_yield")
    as_of = max(df["date"]) if len(df) else None
    return build_reading(values, source="observed", as_of=as_of, notes=notes,
                         extra_notes=context)
