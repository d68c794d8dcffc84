"""Figures of the static analytics: matplotlib (Agg, PNG) and Plotly (HTML).

Every function returns a figure; :func:`save` writes either kind to a file.

>>> from bubblescope.analytics.hurdle import revenue_chain
>>> fig = hurdle_waterfall(revenue_chain())
>>> len(fig.data)
1
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model.network import Network
from .flows import amount_column, flow_graph, money_flows
from .hurdle import Hurdle
from .lookthrough import LookThrough

if TYPE_CHECKING:
    import matplotlib.figure
    import plotly.graph_objects as go

#: Colour per entity kind (shared by both back-ends).
KIND_COLOURS: dict[str, str] = {
    "hyperscaler": "#1f77b4", "ai_lab": "#9467bd", "chip_vendor": "#2ca02c",
    "neocloud": "#d62728", "cloud_provider": "#ff7f0e", "spv": "#8c564b",
    "private_credit_fund": "#e377c2", "asset_manager": "#f7b6d2", "etf": "#bcbd22",
    "bank": "#17becf", "insurer": "#7f7f7f", "pension_fund": "#aec7e8",
    "sovereign_fund": "#98df8a", "endowment": "#c5b0d5", "hedge_fund": "#c49c94",
    "venture_fund": "#dbdb8d", "retail_savers": "#9edae5", "government": "#393b79",
    "power_supplier": "#637939", "equipment_maker": "#8c6d31", "other": "#cccccc",
}


def _layout(net: Network, basis: str, measure: str, seed: int,
            include_isolated: bool = False) -> tuple[Any, dict[str, Any]]:
    import networkx as nx

    flows = money_flows(net)
    g = flow_graph(flows, basis, measure=measure,
                   flow_types=[t for t in flows["flow_type"].unique() if t != "guarantee"])
    isolated = ([e.id for e in net.entities if e.id not in g] if include_isolated else [])
    pos: dict[str, Any] = {}
    if len(g) > 0:
        if len(g) <= 300:
            pos = nx.kamada_kawai_layout(g.to_undirected(), weight=None)
        else:
            pos = nx.spring_layout(g, seed=seed, weight=None, k=1.5 / len(g) ** 0.5)
    if isolated:
        # entities without flows on this basis: a row under the drawing
        xs = [p[0] for p in pos.values()] or [0.0]
        y0 = min((p[1] for p in pos.values()), default=0.0) - 0.25
        lo, hi = min(xs), max(xs)
        step = (hi - lo) / max(len(isolated) - 1, 1) if hi > lo else 0.2
        for i, n in enumerate(isolated):
            g.add_node(n)
            pos[n] = (lo + i * step, y0)
    return g, pos


def _width(w: float, wmax: float) -> float:
    return 0.3 + 6.0 * (w / wmax) ** 0.5 if wmax > 0 else 1.0


def network_figure(net: Network, basis: str = "committed", *, measure: str = "total",
                   seed: int = 0, include_isolated: bool = False) -> matplotlib.figure.Figure:
    """The web as a network (matplotlib): nodes coloured by kind, edges sized by dollars.

    Entities without flows on the basis are left out unless ``include_isolated`` (then they
    sit in a row under the web); guarantees (contingent) are not drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    amount_column(basis, measure)
    g, pos = _layout(net, basis, measure, seed, include_isolated)
    kinds = {e.id: e.kind.value for e in net.entities}
    fig = Figure(figsize=(12, 9))
    ax = fig.add_subplot()
    wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=0.0)
    for u, v, d in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "lw": _width(d["weight"], wmax),
                                "color": "#888888", "alpha": 0.5})
    xs = [pos[n][0] for n in g.nodes]
    ys = [pos[n][1] for n in g.nodes]
    colours = [KIND_COLOURS.get(kinds.get(n, "other"), "#cccccc") for n in g.nodes]
    ax.scatter(xs, ys, c=colours, s=80, zorder=3, edgecolors="black", linewidths=0.4)
    for n in g.nodes:
        ax.text(pos[n][0], pos[n][1], f" {n}", fontsize=6, zorder=4)
    present = sorted({kinds.get(n, "other") for n in g.nodes})
    ax.legend(handles=[Line2D([], [], marker="o", ls="", color=KIND_COLOURS.get(k, "#ccc"),
                              label=k) for k in present], fontsize=6, loc="best")
    ax.set_title(f"{net.name}: money flows ({basis}, {measure}, USD bn)")
    ax.set_axis_off()
    return fig


def network_plotly(net: Network, basis: str = "committed", *, measure: str = "total",
                   seed: int = 0, include_isolated: bool = False) -> go.Figure:
    """The web as an interactive network: hover shows entities and dollars per link.

    One trace per entity kind (nodes) and one per link (width by dollars).
    ``include_isolated=True`` also draws entities without flows on the basis (in a row
    under the web), so the figure has one node per entity.
    """
    import plotly.graph_objects as go

    amount_column(basis, measure)
    g, pos = _layout(net, basis, measure, seed, include_isolated)
    ents = {e.id: e for e in net.entities}
    wmax = max((d["weight"] for *_, d in g.edges(data=True)), default=0.0)
    fig = go.Figure()
    for u, v, d in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        types = ", ".join(f"{t} {a:,.1f}" for t, a in d["by_type"].items())
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False,
                                 line={"width": _width(d["weight"], wmax), "color": "#999"},
                                 hoverinfo="text", opacity=0.6,
                                 text=f"{u} → {v}: {d['weight']:,.2f} ({types})"))
    by_kind: dict[str, list[str]] = {}
    for n in g.nodes:
        by_kind.setdefault(ents[n].kind.value if n in ents else "other", []).append(n)
    for kind, nodes in sorted(by_kind.items()):
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
            name=kind, text=nodes, textposition="top center", textfont={"size": 8},
            marker={"size": 10, "color": KIND_COLOURS.get(kind, "#ccc"),
                    "line": {"width": 0.5, "color": "black"}},
            hovertext=[f"{ents[n].name if n in ents else n} ({kind})<br>"
                       f"in {g.in_degree(n, weight='weight'):,.1f} · "
                       f"out {g.out_degree(n, weight='weight'):,.1f}" for n in nodes],
            hoverinfo="text"))
    fig.update_layout(title=f"{net.name}: money flows ({basis}, {measure}, USD bn)",
                      xaxis={"visible": False}, yaxis={"visible": False},
                      template="plotly_white")
    return fig


def risk_chain_sankey(chain: pd.DataFrame, *, min_amount: float = 0.0) -> go.Figure:
    """Sankey of a :func:`~.lookthrough.risk_chain` table: final holders → intermediaries →
    financing entities → end users (USD bn)."""
    import plotly.graph_objects as go

    df = chain[chain["amount"] > min_amount]
    labels: list[str] = []
    index: dict[tuple[int, str], int] = {}

    def node(stage: int, name: str) -> int:
        key = (stage, name)
        if key not in index:
            index[key] = len(labels)
            labels.append(name)
        return index[key]

    links: dict[tuple[int, int], float] = {}
    for r in df.itertuples(index=False):
        stages = [r.final_holder]
        if r.intermediary != "—":
            stages.append(r.intermediary)
        if r.financing_entity != "—":
            stages.append(r.financing_entity)
        stages.append(r.ultimate_obligor)
        ids = []
        for k, name in enumerate(stages):
            stage = 0 if k == 0 else (3 if k == len(stages) - 1 else k)
            ids.append(node(stage, name))
        for a, b in zip(ids, ids[1:], strict=False):
            if a != b:
                links[(a, b)] = links.get((a, b), 0.0) + float(r.amount)
    fig = go.Figure(go.Sankey(
        node={"label": labels, "pad": 12, "thickness": 14},
        link={"source": [a for a, _ in links], "target": [b for _, b in links],
              "value": list(links.values())}))
    fig.update_layout(title="Who holds the downside (USD bn)")
    return fig


def lookthrough_sankey(lt: LookThrough) -> go.Figure:
    """Sankey from the holder × obligor matrix (two stages)."""
    import plotly.graph_objects as go

    holders = list(lt.matrix.index)
    obligors = list(lt.matrix.columns)
    src, tgt, val = [], [], []
    for i in range(len(holders)):
        for j in range(len(obligors)):
            v = float(lt.matrix.iat[i, j])
            if v > 0:
                src.append(i)
                tgt.append(len(holders) + j)
                val.append(v)
    return go.Figure(go.Sankey(node={"label": holders + obligors},
                               link={"source": src, "target": tgt, "value": val}))


def concentration_bars(table: pd.DataFrame, *, top: int = 15,
                       title: str = "Top counterparty share") -> matplotlib.figure.Figure:
    """Horizontal bars of ``top_share`` per entity from a concentration table."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    df = table.sort_values("top_share", ascending=True).tail(top)
    fig = Figure(figsize=(8, 0.35 * len(df) + 1.5))
    ax = fig.add_subplot()
    ax.barh([f"{e} ← {c}" for e, c in zip(df["entity"], df["top_counterparty"], strict=True)],
            df["top_share"], color="#d62728")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of total")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def hurdle_waterfall(h: Hurdle, steps: Sequence[str] | None = None) -> go.Figure:
    """A waterfall of a hurdle chain (default: capex → EBITDA → revenue)."""
    import plotly.graph_objects as go

    steps = list(steps) if steps is not None else [
        k for k in ("capex", "ebitda_required", "revenue_required") if k in h]
    values = [h[k] for k in steps]
    measures = ["absolute"] * len(values)
    fig = go.Figure(go.Waterfall(x=steps, y=values, measure=measures,
                                 text=[f"{v:,.1f}" for v in values],
                                 hovertext=[h.formulas.get(k, "") for k in steps]))
    fig.update_layout(title=f"{h.name} (USD bn)", template="plotly_white")
    return fig


def save(fig: Any, path: str | Path) -> Path:
    """Write a matplotlib figure (.png/.svg/.pdf) or a Plotly figure (.html, or an image
    through kaleido if installed) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(fig, "savefig"):
        fig.savefig(path, dpi=150)
    elif path.suffix.lower() in (".html", ".htm"):
        fig.write_html(str(path), include_plotlyjs="cdn")
    else:
        fig.write_image(str(path))
    return path
