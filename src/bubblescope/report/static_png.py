"""Static PNG versions of the report's key charts (matplotlib, Agg; no kaleido)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..analytics.plots import network_figure
from ..model.network import Network
from ._format import plural
from .summary_text import Tables, key_entities, labels, table

DPI = 110


def _figure(w: float = 8.0, h: float = 4.5) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h))


def _save(fig: Any, path: Path) -> Path:
    """Write to a temporary name beside ``path``, then rename into place."""
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.tight_layout()
    fig.savefig(tmp, dpi=DPI)
    tmp.replace(path)
    return path


def _qsort(qs: Sequence[str]) -> list[str]:
    return sorted(set(qs), key=lambda q: (int(q[:4]), int(q[5])) if len(q) == 6 else (0, 0))


def _bands(ax: Any, df: pd.DataFrame, label: str, colour: str, ls: str = "-") -> None:
    df = df.set_index("quarter").reindex(_qsort(df["quarter"]))
    x = range(len(df))
    ax.fill_between(x, df["p5"], df["p95"], color=colour, alpha=0.12, lw=0)
    ax.fill_between(x, df["p25"], df["p75"], color=colour, alpha=0.25, lw=0)
    ax.plot(x, df["p50"], color=colour, ls=ls, lw=1.8, label=label)
    step = max(1, len(df) // 6)
    ax.set_xticks(list(x)[::step])
    ax.set_xticklabels(list(df.index)[::step], fontsize=8)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def write_pngs(tables: Tables, net: Network, scenarios: Sequence[str], folder: Path
               ) -> list[Path]:
    """Write ``network.png``, ``holder_kind_losses.png`` and per scenario
    ``pd_curves_<s>.png``, ``gpu_prices_<s>.png`` and ``bond_prices_<s>.png`` into
    ``folder``; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    fig = network_figure(net, "committed", include_isolated=True)
    out.append(_save(fig, folder / "network.png"))
    names = labels(tables)
    key = key_entities(tables, 8)
    hk = table(tables, "holder_kinds")
    if hk is not None and len(hk) and hk["loss_mean"].sum() > 0:
        kinds = hk.groupby("kind")["loss_mean"].max().sort_values(ascending=False)
        kinds = [k for k in kinds.index if kinds[k] > 0][:8]
        fig = _figure(9, 4.8)
        ax = fig.add_subplot()
        width = 0.8 / max(len(scenarios), 1)
        for i, s in enumerate(scenarios):
            h = hk[hk["scenario"] == s].set_index("kind")["loss_mean"].reindex(kinds)
            ax.bar([j + i * width for j in range(len(kinds))], h.fillna(0.0), width,
                   label=s)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(kinds))])
        ax.set_xticklabels([plural(k) for k in kinds], rotation=25, ha="right", fontsize=8)
        ax.set_ylabel("mean loss, USD bn")
        ax.set_title("Mean loss by holder kind, by scenario")
        ax.legend(fontsize=7, ncol=2)
        out.append(_save(fig, folder / "holder_kind_losses.png"))
    for s in scenarios:
        out += _scenario_pngs(tables, s, key, names, folder)
    return out


def _scenario_pngs(tables: Tables, s: str, key: Sequence[str], names: Mapping[str, str],
                   folder: Path) -> list[Path]:
    out = []
    curve = table(tables, "pd_curve", s)
    if curve is not None and len(curve) and key:
        fig = _figure()
        ax = fig.add_subplot()
        for e in key:
            c = curve[curve["entity"] == e].sort_values("year")
            if len(c):
                ax.plot(c["year"], c["default_probability"], marker="o", ms=3,
                        label=names.get(e, e))
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("cumulative probability of default")
        ax.set_title(f"{s}: probability of default by year")
        ax.legend(fontsize=7)
        out.append(_save(fig, folder / f"pd_curves_{_slug(s)}.png"))
    gp = table(tables, "gpu_prices", s)
    if gp is not None and len(gp):
        gens = list(dict.fromkeys(gp["generation"]))
        gen = "H100" if "H100" in gens else gens[0]
        sub = gp[gp["generation"] == gen]
        fig = _figure()
        ax = fig.add_subplot()
        fb = sub["feedback"].astype(bool)
        _bands(ax, sub[fb], "with fire-sale feedback" if (~fb).any() else "engine price",
               "#d62728")
        if (~fb).any():
            _bands(ax, sub[~fb], "without feedback", "#1f77b4", "--")
        ax.set_ylabel("share of original cost")
        ax.set_title(f"{s}: {gen} GPU price (median, 25–75%, 5–95%)")
        ax.legend(fontsize=8)
        out.append(_save(fig, folder / f"gpu_prices_{_slug(s)}.png"))
    bp = table(tables, "bond_prices", s)
    if bp is not None and len(bp) and bp["p50"].notna().any():
        fig = _figure()
        ax = fig.add_subplot()
        colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
        for i, b in enumerate(dict.fromkeys(bp["bond"])):
            part = bp[(bp["bond"] == b) & bp["p50"].notna()]
            if len(part):
                _bands(ax, part, str(b), colours[i % len(colours)])
        ax.axhline(1.0, color="#888", ls=":", lw=1)
        ax.set_ylabel("price per unit of principal")
        ax.set_title(f"{s}: SPV bond prices")
        ax.legend(fontsize=8)
        out.append(_save(fig, folder / f"bond_prices_{_slug(s)}.png"))
    return out
