"""Scenario summaries in words and figures: factor specs as rows, bands of generated paths."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from ..engine.factors import FactorPaths
from ..model.scenario import DEFAULTS, Scenario, param_text, when_text

#: Unit of each factor, for tables and axis labels.
UNITS = {"ai_demand": "index", "gpu_rental_price": "index", "gpu_resale": "per $ of cost",
         "base_rate": "decimal / yr", "credit_spread": "decimal / yr",
         "equity_window": "0..1", "power_availability": "share", "power": "share",
         "chip_delay": "quarters"}


def factor_rows(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(series, unit, spec in words) for every factor, defaults included.

    >>> rows = factor_rows(Scenario.model_validate({"name": "x"}))
    >>> rows[0]
    ('ai_demand', 'index', 'default: constant 1')
    """
    specs = scenario.series_specs()
    rows = []
    seen = set()
    for name in [*DEFAULTS, *specs]:
        key = "gpu_resale.default" if name == "gpu_resale" else name
        if key in seen:
            continue
        seen.add(key)
        unit = UNITS[key.split(".")[0]]
        if key in specs:
            rows.append((key, unit, specs[key].describe()))
        elif key == "power_availability" and "power.gap" in specs:
            continue
        else:
            rows.append((key, unit, f"default: constant {DEFAULTS[name]:g}"))
    p = scenario.power
    if p is not None and (p.onsite_share or p.onsite_outage_rate):
        rows.append(("power (on-site)", "share",
                     f"{p.onsite_share:g} of capacity on site, down {p.onsite_outage_rate:g} "
                     f"of the time → availability × {1 - p.onsite_share * p.onsite_outage_rate:g}"))
    return rows


def event_rows(scenario: Scenario) -> list[tuple[str, str]]:
    """(what, details) for releases, power terms, correlation, policies and shocks."""
    rows: list[tuple[str, str]] = []
    for r in scenario.releases:
        rows.append((f"release {r.name}", f"{when_text(r.date)}: resale −"
                     f"{param_text(r.resale_step)}, rental −{param_text(r.rental_step)}"))
    c = scenario.release_cycle
    if c is not None:
        rows.append(("release cycle", f"from {when_text(c.first)} every {c.every} quarters: "
                     f"resale −{param_text(c.resale_step)}, rental −{param_text(c.rental_step)}"))
    p = scenario.power
    if p is not None:
        rows.append(("power", f"grid delay {p.grid_delay} quarters, on-site premium "
                     f"{p.onsite_cost_premium:g}"))
    if scenario.correlation is not None:
        m = np.asarray(scenario.correlation.matrix)
        pairs = [f"{a}~{b} {m[i, j]:+.2f}" for i, a in enumerate(scenario.correlation.series)
                 for j, b in enumerate(scenario.correlation.series) if j > i]
        rows.append(("correlation", "; ".join(pairs) or "—"))
    pol = scenario.policies
    rows.append(("strategic default", "allowed" if pol.strategic_default else "off"))
    rows.append(("fire-sale feedback", "on" if pol.fire_sale_feedback else "off"))
    if pol.guarantee is not None:
        g = pol.guarantee
        rows.append(("guarantee", f"{g.guarantor} guarantees {', '.join(g.contracts)} "
                                  f"(spread {g.spread:g})"))
    for s in scenario.shocks:
        if s.kind == "revenue_drop":
            rows.append(("shock", f"{s.entity} revenue −{s.fraction:g} from "
                                  f"{when_text(s.start)}"))
        else:
            rows.append(("shock", f"{s.entity} defaults in {when_text(s.at)}"))
    return rows


def factor_series(factors: FactorPaths) -> dict[str, np.ndarray]:
    """Every factor array by name, keyed factors flattened (``credit_spread.HY``)."""
    out: dict[str, np.ndarray] = {"ai_demand": factors.ai_demand,
                                  "gpu_rental_price": factors.gpu_rental_price}
    out.update({f"gpu_resale.{g}": a for g, a in factors.gpu_resale.items()})
    out["base_rate"] = factors.base_rate
    out.update({f"credit_spread.{b}": a for b, a in factors.credit_spread.items()})
    out.update(equity_window=factors.equity_window,
               power_availability=factors.power_availability, chip_delay=factors.chip_delay)
    return out


def band_rows(factors: FactorPaths, at: list[int]) -> list[tuple[Any, ...]]:
    """(series, quarter, p5, median, p95) at the given quarter indices."""
    rows = []
    for name, arr in factor_series(factors).items():
        for q in at:
            if q < arr.shape[1]:
                p5, p50, p95 = np.percentile(arr[:, q], [5, 50, 95])
                rows.append((name, q, float(p5), float(p50), float(p95)))
    return rows


def plot_bands(factors: FactorPaths, title: str = "") -> bytes:
    """PNG bytes: one panel per factor with the median and the 5–95% band over time."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    series = factor_series(factors)
    n = len(series)
    cols = 3
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(4.2 * cols, 2.6 * rows), layout="constrained")
    x = np.arange(factors.quarters) / 4.0
    for i, (name, arr) in enumerate(series.items()):
        ax = fig.add_subplot(rows, cols, i + 1)
        p5, p50, p95 = np.percentile(arr, [5, 50, 95], axis=0)
        ax.fill_between(x, p5, p95, alpha=0.3, label="5–95%")
        ax.plot(x, p50, lw=1.5, label="median")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(UNITS[name.split(".")[0]], fontsize=8)
        ax.tick_params(labelsize=7)
        if i == 0:
            ax.legend(fontsize=7)
    fig.supxlabel(f"years from {factors.start or 'quarter 0'}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()
