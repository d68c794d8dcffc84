"""Plotly figures specific to the report (per-scenario charts, the comparison, the
thermometer gauges). The static network, Sankey and hurdle figures come from
:mod:`bubblescope.analytics.plots`.

Every function takes the run's tables (already filtered to one scenario where it says so)
and returns a ``plotly.graph_objects.Figure``, or None when there is nothing to draw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analytics.plots import KIND_COLOURS
from ._format import plural

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939"]
LAYOUT: dict[str, Any] = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 50,
                                                                  "b": 40},
                          "font": {"size": 12}, "hovermode": "closest"}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _sorted_quarters(qs: Sequence[str]) -> list[str]:
    return sorted(set(qs), key=lambda q: (int(q[:4]), int(q[5])) if len(q) == 6 else (0, 0))


def quarter_start(q: str) -> str:
    """``"2027Q3"`` → ``"2027-07-01"`` (for a time axis)."""
    return f"{q[:4]}-{3 * (int(q[5]) - 1) + 1:02d}-01"


def band_traces(df: pd.DataFrame, name: str, colour: str, *, showlegend: bool = True,
                legendgroup: str | None = None, dash: str | None = None) -> list[go.Scatter]:
    """Median line with 5–95% and 25–75% bands of a quantile table (``quarter, p5..p95``)."""
    df = df.set_index("quarter").reindex(_sorted_quarters(df["quarter"])).reset_index()
    x = df["quarter"].tolist()
    group = legendgroup or name
    out: list[go.Scatter] = []
    for lo, hi, a in (("p5", "p95", 0.12), ("p25", "p75", 0.25)):
        out.append(go.Scatter(x=x + x[::-1], y=[*df[hi], *df[lo][::-1]], fill="toself",
                              mode="lines",
                              fillcolor=_rgba(colour, a), line={"width": 0},
                              hoverinfo="skip", showlegend=False, legendgroup=group,
                              name=f"{name} {lo}–{hi}"))
    out.append(go.Scatter(x=x, y=df["p50"], mode="lines", name=name, legendgroup=group,
                          showlegend=showlegend,
                          line={"color": colour, "width": 2, "dash": dash},
                          customdata=np.stack([df["p5"], df["p95"]], axis=1),
                          hovertemplate=f"{name} %{{x}}: median %{{y:.3g}} "
                                        "(5–95%: %{customdata[0]:.3g}–%{customdata[1]:.3g})"
                                        "<extra></extra>"))
    return out


def factor_figure(fq: pd.DataFrame, scenario: str, *, columns: int = 3) -> go.Figure | None:
    """Small multiples of the scenario's factor paths: median and quantile bands."""
    if fq is None or fq.empty:
        return None
    factors = list(dict.fromkeys(fq["factor"]))
    rows = -(-len(factors) // columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=factors,
                        vertical_spacing=min(0.08, 0.9 / max(rows, 1)),
                        horizontal_spacing=0.06)
    for i, f in enumerate(factors):
        for tr in band_traces(fq[fq["factor"] == f], f, PALETTE[i % len(PALETTE)],
                              showlegend=False):
            fig.add_trace(tr, row=i // columns + 1, col=i % columns + 1)
    fig.update_layout(**LAYOUT, height=210 * rows + 60, showlegend=False,
                      title=f"{scenario}: factor paths (median, 25–75% and 5–95% of paths)")
    fig.update_annotations(font_size=11)
    fig.update_xaxes(nticks=6, tickfont={"size": 9})
    fig.update_yaxes(tickfont={"size": 9})
    return fig


def pd_curve_figure(curve: pd.DataFrame, entities: Sequence[str], scenario: str,
                    names: Mapping[str, str] | None = None) -> go.Figure | None:
    """Cumulative default probability by year for the given entities."""
    if curve is None or curve.empty or not entities:
        return None
    names = names or {}
    fig = go.Figure()
    for i, e in enumerate(entities):
        sub = curve[curve["entity"] == e].sort_values("year")
        if sub.empty:
            continue
        fig.add_trace(go.Scatter(x=sub["year"], y=sub["default_probability"],
                                 mode="lines+markers", name=names.get(e, e),
                                 line={"color": PALETTE[i % len(PALETTE)]},
                                 hovertemplate=f"{names.get(e, e)} %{{x}}: %{{y:.2f}}"
                                               "<extra></extra>"))
    fig.update_layout(**LAYOUT, height=380, yaxis={"range": [0, 1.02],
                                                   "title": "cumulative PD"},
                      xaxis={"title": "year", "dtick": 2},
                      title=f"{scenario}: probability of default by year")
    return fig


def holder_loss_figure(paths: pd.DataFrame | None, kinds_table: pd.DataFrame | None,
                       scenario: str, *, max_paths: int = 400, top: int = 8
                       ) -> go.Figure | None:
    """Loss distribution per holder kind across paths: box plots (USD bn), downsampled to
    ``max_paths`` paths; the kinds with the largest mean loss."""
    if paths is None or paths.empty:
        return None
    means = paths.groupby("kind")["loss"].mean().sort_values(ascending=False)
    kinds = [k for k in means.index if means[k] > 0][:top]
    if not kinds:
        return None
    ids = np.sort(paths["path"].unique())
    if len(ids) > max_paths:
        ids = ids[np.linspace(0, len(ids) - 1, max_paths).astype(int)]
    sub = paths[paths["path"].isin(ids)]
    fig = go.Figure()
    for k in kinds:
        v = np.round(sub.loc[sub["kind"] == k, "loss"].to_numpy(dtype=float), 3)
        fig.add_trace(go.Box(y=v, name=plural(k), boxpoints=False,
                             marker_color=KIND_COLOURS.get(k, "#888"), boxmean=True))
    fig.update_layout(**LAYOUT, height=400, showlegend=False, yaxis={"title": "USD bn"},
                      title=f"{scenario}: loss per path by holder kind "
                            f"({len(ids):,} paths shown; dashed line = mean)")
    return fig


def loss_waterfall_figure(hk: pd.DataFrame, scenario: str, *, top: int = 8
                          ) -> go.Figure | None:
    """Who takes the loss: mean loss by holder kind, stacked into the total, split into
    credit losses and equity written off."""
    if hk is None or hk.empty or hk["loss_mean"].sum() <= 0:
        return None
    df = hk[hk["loss_mean"] > 0].sort_values("loss_mean", ascending=False)
    if len(df) > top:
        rest = df.iloc[top:]
        df = pd.concat([df.iloc[:top], pd.DataFrame([{
            "kind": "others", "loss_mean": rest["loss_mean"].sum(),
            **({"credit_loss_mean": rest["credit_loss_mean"].sum(),
                "equity_loss_mean": rest["equity_loss_mean"].sum()}
               if "credit_loss_mean" in rest.columns else {})}])])
    x = [plural(k) if k != "others" else "others" for k in df["kind"]]
    has_split = {"credit_loss_mean", "equity_loss_mean"} <= set(df.columns)
    hover = ([f"credit {c:,.2f} · equity {e:,.2f}" for c, e in
              zip(df["credit_loss_mean"], df["equity_loss_mean"], strict=True)]
             if has_split else None)
    total = float(df["loss_mean"].sum())
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45],
                        subplot_titles=("mean loss, adding up to the total",
                                        "lent money vs equity written off"))
    fig.add_trace(go.Waterfall(x=[*x, "total"], y=[*df["loss_mean"], total],
                               measure=["relative"] * len(x) + ["total"],
                               text=[f"{v:,.1f}" for v in [*df["loss_mean"], total]],
                               hovertext=[*(hover or x), "total"], showlegend=False,
                               connector={"line": {"color": "#bbb"}}), row=1, col=1)
    if has_split:
        fig.add_trace(go.Bar(y=x, x=df["credit_loss_mean"], orientation="h", name="credit",
                             marker_color="#d62728"), row=1, col=2)
        fig.add_trace(go.Bar(y=x, x=df["equity_loss_mean"], orientation="h", name="equity",
                             marker_color="#1f77b4"), row=1, col=2)
        fig.update_layout(barmode="stack")
        fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_layout(**LAYOUT, height=400, title=f"{scenario}: who takes the loss (USD bn, "
                                                  "mean per path)")
    return fig


def first_to_fail_figure(ent: pd.DataFrame, ftf: pd.DataFrame | None, scenario: str,
                         names: Mapping[str, str] | None = None, *, top: int = 15
                         ) -> go.Figure | None:
    """Timeline of median default quarters (marker size = default probability), with the
    distribution of the first defaulter's kind beside it."""
    if ent is None or ent.empty:
        return None
    names = names or {}
    d = ent[(ent["default_probability"] > 0) & ent["median_default_quarter"].notna()].copy()
    if d.empty:
        return None
    d["_k"] = [(int(q[:4]), int(q[5])) for q in d["median_default_quarter"]]
    d = d.sort_values(["_k", "default_probability"], ascending=[True, False]).head(top)
    fig = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], horizontal_spacing=0.18,
                        subplot_titles=("median default quarter (size: PD)",
                                        "kind of the first defaulter"))
    for kind, g in d.groupby("kind", sort=False):
        se = g["default_probability_se"] if "default_probability_se" in g.columns else 0 * g[
            "default_probability"]
        fig.add_trace(go.Scatter(
            x=[quarter_start(q) for q in g["median_default_quarter"]],
            y=[names.get(e, e) for e in g["entity"]], text=g["median_default_quarter"],
            mode="markers", name=plural(str(kind)),
            marker={"size": 8 + 22 * g["default_probability"],
                    "color": KIND_COLOURS.get(str(kind), "#888"),
                    "line": {"width": 0.5, "color": "black"}},
            customdata=np.stack([g["default_probability"], se], axis=1),
            hovertemplate="%{y}: median %{text}, PD %{customdata[0]:.2f} ± "
                          "%{customdata[1]:.2f}<extra></extra>"), row=1, col=1)
    fig.update_xaxes(type="date", row=1, col=1)
    fig.update_yaxes(categoryorder="array",
                     categoryarray=[names.get(e, e) for e in d["entity"]][::-1], row=1, col=1)
    if ftf is not None and not ftf.empty:
        f = ftf.sort_values("share", ascending=True)
        fig.add_trace(go.Bar(y=[plural(k) for k in f["kind"]], x=f["share"], orientation="h",
                             marker_color=[KIND_COLOURS.get(k, "#bbb") for k in f["kind"]],
                             error_x={"type": "data", "array": f.get("se", 0 * f["share"])},
                             showlegend=False,
                             hovertemplate="%{y}: %{x:.2f}<extra></extra>"), row=1, col=2)
        fig.update_xaxes(range=[0, 1.05], row=1, col=2)
        fig.update_yaxes(ticksuffix="  ", row=1, col=2)
    fig.update_layout(**LAYOUT, height=max(340, 26 * len(d) + 150),
                      title=f"{scenario}: who fails first, and when",
                      legend={"orientation": "h", "y": -0.12, "x": 0})
    return fig


def gpu_price_figure(gp: pd.DataFrame, scenario: str, generation: str | None = None
                     ) -> go.Figure | None:
    """GPU price (share of original cost) of one generation with and without fire-sale
    feedback: medians and 5–95% bands."""
    if gp is None or gp.empty:
        return None
    gens = list(dict.fromkeys(gp["generation"]))
    gen = generation if generation in gens else ("H100" if "H100" in gens else gens[0])
    fig = go.Figure()
    sub = gp[gp["generation"] == gen]
    fb = sub["feedback"].astype(bool)
    has_off = (~fb).any()
    for flag, colour, label, dash in ((True, "#d62728", "with fire-sale feedback"
                                       if has_off else "engine price", None),
                                      (False, "#1f77b4", "without feedback", "dash")):
        part = sub[fb == flag]
        if part.empty:
            continue
        for tr in band_traces(part, label, colour, dash=dash):
            fig.add_trace(tr)
    note = "" if has_off else " — the scenario has no fire-sale feedback"
    fig.update_xaxes(nticks=12, tickangle=0)
    fig.update_layout(**LAYOUT, height=360, yaxis={"title": "share of original cost"},
                      title=f"{scenario}: {gen} GPU price{note}")
    return fig


def bond_price_figure(bp: pd.DataFrame, scenario: str) -> go.Figure | None:
    """SPV bond prices per unit of principal: median and bands per bond."""
    if bp is None or bp.empty or bp["p50"].notna().sum() == 0:
        return None
    fig = go.Figure()
    for i, b in enumerate(dict.fromkeys(bp["bond"])):
        part = bp[(bp["bond"] == b) & bp["p50"].notna()]
        if part.empty:
            continue
        for tr in band_traces(part, str(b), PALETTE[i % len(PALETTE)]):
            fig.add_trace(tr)
    fig.add_hline(y=1.0, line={"color": "#888", "dash": "dot"})
    fig.update_xaxes(nticks=12, tickangle=0)
    fig.update_layout(**LAYOUT, height=360, yaxis={"title": "price per unit of principal"},
                      title=f"{scenario}: SPV bond prices (par = 1)")
    return fig


def grouped_bars(df: pd.DataFrame, *, x: str, y: str, group: str, title: str,
                 error: str | None = None, yaxis: str = "",
                 labels: Mapping[str, str] | None = None) -> go.Figure | None:
    """Grouped bars of ``y`` per ``x`` and ``group`` (e.g. PD per entity and scenario)."""
    if df is None or df.empty:
        return None
    labels = labels or {}
    fig = go.Figure()
    for i, (g, part) in enumerate(df.groupby(group, sort=False)):
        fig.add_trace(go.Bar(x=[labels.get(v, v) for v in part[x]], y=part[y], name=str(g),
                             marker_color=PALETTE[i % len(PALETTE)],
                             error_y=({"type": "data", "array": part[error]}
                                      if error and error in part.columns else None)))
    fig.update_layout(**LAYOUT, barmode="group", height=400, title=title,
                      yaxis={"title": yaxis}, legend={"orientation": "h", "y": -0.25})
    return fig


def gauges_figure(reading: Any) -> go.Figure:
    """The thermometer's five indicators and the composite as gauges (0–100, green below
    40, amber below 70, red above)."""
    items = [("composite", "Composite", reading.composite)]
    items += [(k, r.title, r.score) for k, r in reading.indicators.items()]
    cols = 3
    rows = -(-len(items) // cols)
    fig = go.Figure()
    for i, (_, title, score) in enumerate(items):
        r, c = divmod(i, cols)
        val = float(score) if np.isfinite(score) else 0.0
        fig.add_trace(go.Indicator(
            mode="gauge+number", value=round(val, 1),
            title={"text": title + ("" if np.isfinite(score) else " (unknown)"),
                   "font": {"size": 13}},
            domain={"row": r, "column": c},
            gauge={"axis": {"range": [0, 100]}, "bar": {"color": "#333", "thickness": 0.3},
                   "steps": [{"range": [0, 40], "color": "#b7e4b0"},
                             {"range": [40, 70], "color": "#fde6a0"},
                             {"range": [70, 100], "color": "#f4a6a0"}]}))
    fig.update_layout(grid={"rows": rows, "columns": cols, "pattern": "independent"},
                      height=230 * rows + 40, margin={"l": 30, "r": 30, "t": 40, "b": 10},
                      template="plotly_white")
    return fig


def bands_figure(bands: pd.DataFrame, scenario: str) -> go.Figure | None:
    """Simulated thermometer bands (a ``thermometer_bands`` table: ``gauge`` or
    ``indicator``, ``quarter`` and quantile columns) for one scenario."""
    if bands is None or bands.empty:
        return None
    key = next((c for c in ("gauge", "indicator") if c in bands.columns), None)
    rename = {"q05": "p5", "q25": "p25", "q50": "p50", "q75": "p75", "q95": "p95"}
    b = bands.rename(columns=rename)
    if key is None or not {"quarter", "p5", "p25", "p50", "p75", "p95"} <= set(b.columns):
        return None
    fig = go.Figure()
    for i, g in enumerate(dict.fromkeys(b[key])):
        part = b[(b[key] == g) & b["p50"].notna()]
        if len(part):
            for tr in band_traces(part, str(g), PALETTE[i % len(PALETTE)]):
                fig.add_trace(tr)
    for y, c in ((40, "#e0a800"), (70, "#d62728")):
        fig.add_hline(y=y, line={"color": c, "dash": "dot"})
    fig.update_xaxes(nticks=12, tickangle=0)
    fig.update_layout(**LAYOUT, height=360, yaxis={"title": "score", "range": [0, 100]},
                      title=f"{scenario}: simulated gauges")
    return fig
