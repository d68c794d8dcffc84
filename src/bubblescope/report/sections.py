"""The report's sections, one function each. Every function returns a :class:`Section`:
an id, a heading and a list of blocks (paragraphs, tables, Plotly figures) that the
template renders in order.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..analytics import (
    commitments_vs_revenue,
    find_cycles,
    look_through,
    off_balance_sheet,
    revenue_chain,
    revenue_concentration,
    risk_chain,
    sequoia_gap,
    structure_hurdle,
    vendor_financed_share,
)
from ..analytics.plots import hurdle_waterfall, network_plotly, risk_chain_sankey
from ..model.network import Network
from . import figures as F
from ._format import bn, html_table, is_num, pct, plural, prob, usd
from .summary_text import (
    AGREES,
    DISAGREES,
    Tables,
    evaluate_findings,
    executive_summary,
    findings_sentence,
    key_entities,
    labels,
    scenario_names,
    table,
)

#: Basis for the static sections (the model's default view: signed or funded money).
BASIS = "committed"


@dataclass
class Section:
    """A part of the report: ``blocks`` are ``(kind, payload)`` with kind ``p`` (text,
    escaped), ``html`` (markup built here), ``h3`` (a sub-heading), ``list`` (items,
    escaped) or ``figure`` (a Plotly figure)."""

    id: str
    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def p(self, text: str) -> Section:
        self.blocks.append(("p", text))
        return self

    def html(self, markup: str) -> Section:
        self.blocks.append(("html", markup))
        return self

    def h3(self, text: str) -> Section:
        self.blocks.append(("h3", text))
        return self

    def items(self, items: list[str]) -> Section:
        if items:
            self.blocks.append(("list", items))
        return self

    def figure(self, fig: Any, name: str, note: str | None = None) -> Section:
        if fig is not None:
            self.blocks.append(("figure", (name, fig)))
        elif note:
            self.blocks.append(("p", note))
        return self


@dataclass
class Context:
    """What the sections read: the run's tables, its network, scenarios and manifest."""

    tables: dict[str, pd.DataFrame]
    network: Network
    scenarios: list[str]
    scenario_objs: dict[str, Any]
    manifest: dict[str, Any]
    names: dict[str, str] = field(default_factory=dict)


def _safe(fn: Callable[[], Any]) -> Any:
    """Run an analytics call; None (and no report failure) when it does not apply."""
    try:
        return fn()
    except (KeyError, ValueError, IndexError, ZeroDivisionError):
        return None


def _ai_revenue(net: Network) -> float:
    return float(sum(e.revenue or 0.0 for e in net.entities if e.kind.value == "ai_lab"))


# --------------------------------------------------------------------------- 1 summary


def run_hurdle(tables: Tables) -> dict[str, float]:
    """The revenue chain as the run recorded it (its ``hurdle`` table), else the seeds'
    defaults (:func:`~bubblescope.analytics.hurdle.revenue_chain`)."""
    h = table(tables, "hurdle")
    need = {"capex", "required_return", "margin", "revenue_required", "share_of_gdp"}
    if h is not None and {"calculation", "name", "value"} <= set(h.columns):
        rc = h[h["calculation"] == "revenue_chain"]
        vals = {str(n): float(v) for n, v in zip(rc["name"], rc["value"], strict=True)
                if is_num(v)}
        if need <= set(vals):
            return vals
    return dict(revenue_chain())


def summary_section(ctx: Context) -> Section:
    """Executive summary in sentences generated from the results."""
    s = Section("summary", "Executive summary")
    m = ctx.manifest
    s.p(f"This report reads run {m.get('id', '?')} of the network {ctx.network.name} "
        f"({len(ctx.network.entities)} entities, {len(ctx.network.contracts)} contracts, "
        f"as of {ctx.network.as_of}): {len(ctx.scenarios)} scenario(s), "
        f"{m.get('paths', '?')} paths each, seed {m.get('seed', '?')}, quarterly to "
        f"{m.get('horizon', '?')}. Amounts are USD billions; probabilities are shares of "
        "paths, shown with their Monte Carlo standard error (±).")
    es = executive_summary(ctx.tables, hurdle=run_hurdle(ctx.tables),
                           ai_revenue=_ai_revenue(ctx.network))
    s.items(es["overview"])
    for name, sentences in es["scenarios"].items():
        s.h3(name)
        s.p(" ".join(sentences))
    if es["hurdle"]:
        s.h3("The revenue hurdle")
        s.p(es["hurdle"])
    found = evaluate_findings(ctx.tables, guaranteed=guaranteed_debtors(ctx))
    s.h3("Against the seeds")
    s.p(findings_sentence(found) + " (details in section 10)")
    s.items([f"{'Agrees' if f.status == AGREES else 'Disagrees'} — {f.scenario}: "
             f"{_lower_first(f.claim)} ({f.evidence})."
             for f in found if f.status in (AGREES, DISAGREES)])
    return s


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts an acronym (``SPVs``, ``GPU``)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# --------------------------------------------------------------------------- 2 network


def network_section(ctx: Context) -> Section:
    """The web as an interactive network (one node per entity)."""
    net = ctx.network
    s = Section("network", "The web")
    s.p(f"Every entity of {net.name} is a node, coloured by kind; every link is money "
        f"that moves between two of them on the {BASIS} basis (signed or funded deals; "
        "announcements count nothing), its width growing with the dollars. Guarantees are "
        "not drawn; entities with no committed money in or out sit in a row underneath. "
        "Hover over a node or a link for names and amounts; drag to zoom, double-click "
        "to reset.")
    fig = network_plotly(net, BASIS, include_isolated=True)
    fig.update_layout(height=720, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"font": {"size": 11}})
    s.figure(fig, "network")
    counts = pd.Series([e.kind.value for e in net.entities]).value_counts()
    s.p("Entities by kind: " + ", ".join(f"{plural(k)} {n}" for k, n in counts.items())
        + ".")
    return s


# --------------------------------------------------------------------------- 3 circular


def circularity_section(ctx: Context) -> Section:
    """Circular money (cycles, vendor financing) and concentration."""
    net = ctx.network
    s = Section("circularity", "Circular money and concentration")
    cyc = _safe(lambda: find_cycles(net))
    if cyc is not None and len(cyc.table):
        t = cyc.table.copy()
        t["cycle"] = [" → ".join([*c, c[0]]) for c in t["entities"]]
        t["flow types"] = [" | ".join(f) for f in t["flow_types"]]
        t = t.sort_values(["committed", "ceiling"], ascending=False)
        tot = {b: float(t[b].sum()) for b in ("ceiling", "committed", "funded")}
        s.p(f"{len(t)} cycles of up to {cyc.length_bound} entities carry money that comes "
            f"back to where it started. Counting each cycle's smallest leg, "
            f"{usd(tot['ceiling'])} goes round on the ceiling basis (every announced "
            f"amount), {usd(tot['committed'])} on money committed and {usd(tot['funded'])} "
            "on money already paid. The largest:")
        s.html(html_table(t[["cycle", "flow types", "ceiling", "committed", "funded"]],
                          max_rows=12))
    vf = _safe(lambda: vendor_financed_share(net, BASIS))
    if vf is not None and len(vf):
        top = vf.sort_values("financed_sales", ascending=False).iloc[0]
        s.p(f"Vendor financing: {top['vendor']} sells {usd(top['sales'])} to customers, "
            f"{pct(top['share'])} of it to customers it finances itself.")
        v = vf[["vendor", "sales", "financed_sales", "share"]].copy()
        v["customers financed"] = [", ".join(c) for c in vf["customers"]]
        s.html(html_table(v, {"share": pct}, max_rows=10))
    rc = _safe(lambda: revenue_concentration(net, BASIS))
    if rc is not None and len(rc):
        r = rc[(rc["total"] >= 0.5)].sort_values("top_share", ascending=False)
        r = r[r["n_counterparties"] > 0]
        if len(r):
            s.p("Concentration: the share of each seller's revenue that comes from its "
                "largest customer, and the HHI of its customers (1 = a single customer), "
                "in the as-of year.")
            s.html(html_table(r[["entity", "total", "top_counterparty", "top_share", "hhi"]]
                              .rename(columns={"total": "revenue"}),
                              {"top_share": pct, "hhi": lambda x: f"{x:.2f}"}, max_rows=12))
    return s


# --------------------------------------------------------------------------- 4 downside


def downside_section(ctx: Context) -> Section:
    """Who holds the downside: the look-through Sankey and holder table."""
    net = ctx.network
    s = Section("downside", "Who holds the downside")
    lt = _safe(lambda: look_through(net, BASIS))
    if lt is None:
        return s.p("The look-through does not apply to this network.")
    chain = _safe(lambda: risk_chain(lt, net))
    s.p("Follow each final holder's dollars — pension funds, insurers, savers, banks — "
        "through the funds and vehicles they pass through to the company whose revenue "
        "has to pay them back (the ultimate obligor). Read left to right: final holder → "
        "intermediary → financing entity → obligor.")
    if chain is not None and len(chain):
        total = float(chain["amount"].sum())
        fig = risk_chain_sankey(chain, min_amount=total * 0.002)
        fig.update_layout(height=720, font={"size": 11})
        s.figure(fig, "sankey")
    direct = lt.direct.sort_values(ascending=False)
    rows = []
    for h, v in direct.items():
        if v <= 0:
            continue
        row = lt.matrix.loc[h].sort_values(ascending=False)
        rows.append({"final holder": h, "exposure": float(v),
                     "largest obligor": str(row.index[0]),
                     "its share": float(row.iloc[0] / v) if v else math.nan})
    if rows:
        s.html(html_table(pd.DataFrame(rows), {"its share": pct}, max_rows=15))
    if "reconstructed" in lt.table.columns and lt.table["reconstructed"].any():
        s.p(f"{usd(lt.table['reconstructed_amount'].sum())} of these dollars pass through "
            "links reconstructed by maximum entropy (the seeds do not say who lends to "
            "whom there).")
    return s


# --------------------------------------------------------------------------- 5 ledger


def ledger_section(ctx: Context) -> Section:
    """The off-balance-sheet ledger."""
    s = Section("ledger", "The off-balance-sheet ledger")
    ob = _safe(lambda: off_balance_sheet(ctx.network, BASIS))
    if ob is None or ob.empty:
        return s.p("No hyperscaler, AI lab or cloud provider owes anything off its "
                   "balance sheet in this network.")
    ob = ob.sort_values("off_balance_sheet", ascending=False)
    top = ob.iloc[0]
    s.p(f"What the giants owe without it showing as debt: rent still to pay on leases "
        f"(from SPVs and others), guarantees, and compute and chip commitments still to run "
        f"after the as-of date. {ob.index[0]} leads with {usd(top['off_balance_sheet'])} "
        f"off its balance sheet against {usd(top['on_balance_sheet_debt'])} of debt on it. "
        f"In all, {usd(ob['off_balance_sheet'].sum())} off against "
        f"{usd(ob['on_balance_sheet_debt'].sum())} on.")
    t = ob.reset_index().rename(columns={
        "spv_lease_rent": "SPV rent", "other_lease_rent": "other rent",
        "residual_value_guarantees": "RVG", "compute_commitments": "compute",
        "chip_commitments": "chips", "off_balance_sheet": "off B/S",
        "on_balance_sheet_debt": "on B/S debt", "off_to_on": "off/on"})
    t = t[t["off B/S"] > 0]
    s.html(html_table(t, {"off/on": lambda x: f"{x:.2f}" if is_num(x) else "—"}))
    return s


# --------------------------------------------------------------------------- 6 hurdle


def hurdle_section(ctx: Context) -> Section:
    """The revenue hurdle with the seed figures."""
    s = Section("hurdle", "The revenue hurdle")
    h = revenue_chain()
    ai = _ai_revenue(ctx.network)
    s.p(f"The seeds' chain (DIGEST §4): {usd(h['capex'])} of capex × "
        f"{pct(h['required_return'])} required return = {usd(h['ebitda_required'])} of "
        f"EBITDA a year; at a {pct(h['margin'])} margin that is "
        f"{usd(h['revenue_required'])} of revenue, {pct(h['share_of_gdp'], 2)} of a "
        f"{usd(h['gdp'])} GDP. The AI labs of {ctx.network.name} earn {usd(ai)} a year, "
        f"{pct(ai / h['revenue_required'], 1)} of the hurdle.")
    fig = hurdle_waterfall(h)
    fig.update_layout(height=380)
    s.figure(fig, "hurdle")
    rows = [{"measure": k, "value": float(h[k]), "formula": h.formulas.get(k, "")}
            for k in h]
    sq = _safe(lambda: sequoia_gap())
    if sq is not None:
        rows += [{"measure": f"sequoia: {k}", "value": float(sq[k]),
                  "formula": sq.formulas.get(k, "")} for k in sq
                 if k in ("revenue_needed", "gap")]
    cv = _safe(lambda: commitments_vs_revenue(ctx.network, "openai"))
    if cv is not None:
        rows += [{"measure": f"openai: {k}", "value": float(cv[k]),
                  "formula": cv.formulas.get(k, "")} for k in cv
                 if isinstance(cv[k], int | float)]
    sh = _safe(lambda: structure_hurdle(ctx.network, "hyperion_spv"))
    if sh is not None:
        rows += [{"measure": f"hyperion: {k}", "value": float(sh[k]),
                  "formula": sh.formulas.get(k, "")} for k in sh
                 if isinstance(sh[k], int | float)]

    def fmt(row_value: Any) -> str:
        v = float(row_value)
        return f"{v:.4g}" if abs(v) < 1 else bn(v)

    s.html(html_table(pd.DataFrame(rows), {"value": fmt}))
    return s


# --------------------------------------------------------------------------- 7 scenarios


def scenario_section(ctx: Context, scenario: str, key: list[str]) -> Section:
    """One scenario: factor paths, PD curves, holder-kind losses, loss waterfall,
    first-to-fail timeline, GPU prices with and without feedback, SPV bond prices."""
    t, names = ctx.tables, ctx.names
    sid = "scenario-" + "".join(c if c.isalnum() else "-" for c in scenario)
    s = Section(sid, scenario)
    obj = ctx.scenario_objs.get(scenario)
    desc = getattr(obj, "description", None)
    if desc:
        s.p(" ".join(str(desc).split()))
    sc = table(t, "scenarios", scenario)
    if sc is not None and len(sc):
        r = sc.iloc[0]
        s.p(f"{int(r['paths']):,} paths, seed {r['seed']}, to {r['horizon']}"
            + (f", {float(r['seconds']):.1f} s" if is_num(r.get("seconds")) else "") + ".")
    ent = table(t, "entities", scenario)
    s.figure(F.factor_figure(table(t, "factor_quantiles", scenario), scenario),
             f"{sid}-factors", "The run did not record this scenario's factor paths.")
    curve = table(t, "pd_curve", scenario)
    ents = key
    if ent is not None and curve is not None:
        local = ent[ent["default_probability"] > 0].sort_values("default_probability",
                                                                 ascending=False)
        ents = list(dict.fromkeys([*key, *local["entity"].head(10 - min(len(key), 10))]))[:10]
    s.figure(F.pd_curve_figure(curve, ents, scenario, names), f"{sid}-pd",
             "No entity defaults in this scenario.")
    if ent is not None and len(ent):
        d = ent[ent["default_probability"] > 0].sort_values("default_probability",
                                                             ascending=False)
        if len(d):
            cols = ["entity", "kind", "default_probability", "median_default_quarter",
                    "expected_loss_to_creditors"]
            tt = d.copy()
            tt["default_probability"] = [prob(p, se) for p, se in zip(
                d["default_probability"], d.get("default_probability_se",
                                                pd.Series(index=d.index)), strict=True)]
            s.html("<details><summary>Every defaulting entity "
                   f"({len(d)})</summary>"
                   + html_table(tt[cols].rename(columns={
                       "default_probability": "PD ± s.e.",
                       "median_default_quarter": "median quarter",
                       "expected_loss_to_creditors": "expected loss"}))
                   + "</details>")
    s.figure(F.first_to_fail_figure(ent, table(t, "first_to_fail", scenario), scenario,
                                    names), f"{sid}-ftf")
    tb = table(t, "time_bought", scenario)
    if tb is not None and len(tb):
        tb = tb.sort_values("p_fail", ascending=False)
        tt = pd.DataFrame({
            "structure": tb["structure"],
            "fails on (± s.e.)": [prob(p, se) for p, se in zip(tb["p_fail"], tb["se"],
                                                               strict=True)],
            "median quarters to first default": [f"{q:.0f}" if is_num(q) else "—"
                                                 for q in tb["median_quarters"]],
            "mean quarters": [f"{q:.1f}" if is_num(q) else "—" for q in tb["mean_quarters"]]})
        s.html("<details><summary>Time bought: quarters until each structure's first "
               "default</summary>" + html_table(tt) + "</details>")
    s.figure(F.holder_loss_figure(table(t, "holder_kind_paths", scenario),
                                  table(t, "holder_kinds", scenario), scenario),
             f"{sid}-losses", "No holder loses anything in this scenario.")
    hk = table(t, "holder_kinds", scenario)
    if hk is not None and not {"credit_loss_mean", "equity_loss_mean"} <= set(hk.columns):
        hk = _with_split(t, scenario, hk)
    s.figure(F.loss_waterfall_figure(hk, scenario), f"{sid}-waterfall")
    ct = table(t, "contracts", scenario)
    if ct is not None and len(ct) and "expected_loss" in ct.columns:
        top = ct[ct["expected_loss"] > 0].sort_values("expected_loss", ascending=False)
        if len(top):
            cols = [c for c in ("contract", "kind", "debtor", "creditor", "amount",
                                "loss_probability", "expected_loss", "loss_p95")
                    if c in top.columns]
            s.html(f"<details><summary>Contracts with the largest expected loss "
                   f"({min(len(top), 12)} of {len(top)} that lose on some path)</summary>"
                   + html_table(top[cols].head(12).rename(columns={
                       "loss_probability": "loses on", "expected_loss": "expected loss",
                       "loss_p95": "95% quantile"}), {"loses on": lambda v: pct(v, 1)})
                   + "</details>")
    s.figure(F.gpu_price_figure(table(t, "gpu_prices", scenario), scenario),
             f"{sid}-gpu", "The run did not record GPU prices.")
    s.figure(F.bond_price_figure(table(t, "bond_prices", scenario), scenario),
             f"{sid}-bonds", "No SPV bond is outstanding in this run.")
    notes = ctx.manifest.get("notes", {}).get(scenario) if isinstance(
        ctx.manifest.get("notes"), dict) else None
    if notes:
        s.p("Notes: " + " ".join(str(n) for n in notes))
    return s


def _with_split(t: Tables, scenario: str, hk: pd.DataFrame) -> pd.DataFrame:
    h = table(t, "holders", scenario)
    if h is None or not {"credit_loss_mean", "equity_loss_mean"} <= set(h.columns):
        return hk
    g = h.groupby("kind")[["credit_loss_mean", "equity_loss_mean"]].sum()
    return hk.join(g, on="kind")


def scenarios_section(ctx: Context) -> Section:
    """Per scenario, one sub-section."""
    s = Section("scenarios", "Scenario by scenario")
    key = key_entities(ctx.tables, 6)
    s.p("For each scenario: its factor paths, the default probability of the key entities "
        "year by year, who fails first and when, the distribution of losses across paths "
        "by kind of holder, who takes the loss, GPU prices with and without fire-sale "
        "feedback, and SPV bond prices.")
    links = " · ".join(f'<a href="#scenario-{"".join(c if c.isalnum() else "-" for c in n)}">'
                       f"{html.escape(n)}</a>" for n in ctx.scenarios)
    s.html(f"<p class='jump'>{links}</p>")
    s.children = [scenario_section(ctx, n, key) for n in ctx.scenarios]
    return s


# --------------------------------------------------------------------------- 8 compare


def comparison_section(ctx: Context) -> Section:
    """Side-by-side comparison of scenarios."""
    t = ctx.tables
    s = Section("comparison", "Scenarios side by side")
    ent = table(t, "entities")
    hk = table(t, "holder_kinds")
    key = key_entities(t, 8)
    if ent is None:
        return s.p("The run has no entity results.")
    rows = []
    for name in ctx.scenarios:
        e = ent[ent["scenario"] == name].set_index("entity")
        sc = table(t, "scenarios", name)
        row: dict[str, Any] = {"scenario": name}
        if sc is not None and len(sc):
            row["first to fail"] = (f"{plural(str(sc['first_to_fail_kind'].iloc[0]))} "
                                    f"{pct(sc['first_to_fail_share'].iloc[0])}")
        for k in key[:6]:
            if k in e.index:
                row[ctx.names.get(k, k)] = prob(e.at[k, "default_probability"],
                                                e.at[k, "default_probability_se"]
                                                if "default_probability_se" in e.columns
                                                else None)
        if hk is not None:
            h = hk[hk["scenario"] == name]
            row["mean loss"] = bn(h["loss_mean"].sum())
        if sc is not None and "amplification_loss" in sc.columns:
            a = sc["amplification_loss"].iloc[0]
            row["amplification"] = f"×{float(a):.2f}" if is_num(a) else "—"
        rows.append(row)
    s.p("Default probabilities by the horizon (± standard error) of the key entities, the "
        "total mean loss of all holders (USD bn) and the fire-sale amplification, where "
        "the scenario turns the feedback on.")
    s.html(html_table(pd.DataFrame(rows), css="data nowrap"))
    pdt = ent[ent["entity"].isin(key)].copy()
    pdt["_o"] = pdt["entity"].map({k: i for i, k in enumerate(key)})
    pdt = pdt.sort_values(["scenario", "_o"])
    pdt["scenario"] = pd.Categorical(pdt["scenario"], ctx.scenarios, ordered=True)
    pdt = pdt.sort_values(["scenario", "_o"])
    s.figure(F.grouped_bars(pdt, x="entity", y="default_probability", group="scenario",
                            error="default_probability_se", yaxis="default probability",
                            title="Default probability of the key entities, by scenario",
                            labels=ctx.names), "compare-pd")
    if hk is not None and len(hk):
        kinds = (hk.groupby("kind")["loss_mean"].max().sort_values(ascending=False))
        kinds = [k for k in kinds.index if kinds[k] > 0][:8]
        ht = hk[hk["kind"].isin(kinds)].copy()
        ht["_o"] = ht["kind"].map({k: i for i, k in enumerate(kinds)})
        ht["scenario"] = pd.Categorical(ht["scenario"], ctx.scenarios, ordered=True)
        ht = ht.sort_values(["scenario", "_o"])
        ht["kind"] = [plural(k) for k in ht["kind"]]
        s.figure(F.grouped_bars(ht, x="kind", y="loss_mean", group="scenario",
                                yaxis="mean loss, USD bn",
                                title="Mean loss by holder kind, by scenario"),
                 "compare-losses")
    return s


# --------------------------------------------------------------------------- 9 thermometer


def thermometer_section(ctx: Context) -> Section:
    """Today's static thermometer reading; simulated bands and lead times when the run has
    them."""
    from ..analytics.thermometer import thermometer

    s = Section("thermometer", "The risk thermometer")
    r = _safe(lambda: thermometer(ctx.network))
    if r is None:
        s.p("The thermometer could not be read on this network.")
    else:
        ranked = sorted(((k, i) for k, i in r.indicators.items() if is_num(i.score)),
                        key=lambda x: -x[1].score)
        top = ranked[0][1] if ranked else None
        s.p(f"Today's reading from the network alone (as of {r.as_of}): composite "
            f"{r.composite:.1f} ({r.composite_colour})"
            + (f"; the highest gauge is {top.title.lower()} at {top.score:.1f} "
               f"({top.colour})" if top else "")
            + ". Scores run 0–100: green below 40, amber below 70, red from 70. The five "
              "gauges are S2's watch-list (DIGEST §6).")
        s.figure(F.gauges_figure(r), "gauges")
        tab = r.table()
        tab = tab[tab["value"].notna() | (tab["note"] != "")]
        s.html("<details><summary>Every metric behind the gauges</summary>"
               + html_table(tab, {"value": lambda v: f"{v:.4g}" if is_num(v) else "—",
                                  "score": lambda v: f"{v:.1f}" if is_num(v) else "—"})
               + "</details>")
    bands = table(ctx.tables, "thermometer_bands")
    lead = table(ctx.tables, "lead_times")
    if bands is None and lead is None:
        s.p("Simulated gauge bands and the lead-time table were not computed for this "
            "run.")
    if bands is not None:
        for name in ctx.scenarios:
            b = bands[bands["scenario"] == name] if "scenario" in bands.columns else bands
            s.figure(F.bands_figure(b, name), f"bands-{name}")
    if lead is not None:
        s.h3("Lead time before the first default")
        fmt = {c: (lambda v: f"{v:.2f}" if is_num(v) else "n/a")
               for c in ("hit_rate", "false_alarm_rate", "youden_j", "median_lead",
                         "mean_lead") if c in lead.columns}
        s.html(html_table(lead, fmt))
    return s


# --------------------------------------------------------------------------- 10 findings


def guaranteed_debtors(ctx: Context) -> list[str] | None:
    """Debtors of the obligations the ``guarantee`` scenario guarantees."""
    scen = ctx.scenario_objs.get("guarantee")
    g = getattr(getattr(scen, "policies", None), "guarantee", None)
    if g is None:
        return None
    out = []
    by_id = {c.id: c for c in ctx.network.contracts}
    for cid in g.contracts:
        c = by_id.get(cid)
        if c is None:
            continue
        debtor = getattr(c, "issuer", None) or getattr(c, "borrower", None)
        if debtor:
            out.append(str(debtor))
    return sorted(set(out)) or None


def findings_section(ctx: Context) -> Section:
    """The seeds' stress-test claims against the run's numbers."""
    s = Section("findings", "The model against the seeds")
    found = evaluate_findings(ctx.tables, guaranteed=guaranteed_debtors(ctx))
    s.p(findings_sentence(found) + " Each claim is tested on this run's tables, as an "
        "ordering, never by tuning the model; a disagreement is a result.")
    badge = {AGREES: "agree", DISAGREES: "disagree"}
    df = pd.DataFrame([{"scenario": f.scenario, "claim": f.claim, "source": f.source,
                        "verdict": f'<span class="badge {badge.get(f.status, "na")}">'
                                   f"{html.escape(f.status)}</span>",
                        "the numbers": f.evidence} for f in found])
    s.html(html_table(df, raw=["verdict"]))
    return s


# --------------------------------------------------------------------------- 11 provenance


def provenance_section(ctx: Context) -> Section:
    """Every DIGEST fact the network uses, and every assumption with its reason."""
    from ..io.facts import load_facts
    from ..model.provenance import assumption_list, fact_usage

    net = ctx.network
    s = Section("provenance", "Appendix: where every number comes from")
    usage = fact_usage(net)
    facts = {f.id: f for f in load_facts()}
    rows = [{"fact": fid, "text": facts[fid].text if fid in facts else "(not in the "
             "register)", "used by": ", ".join(sorted(usage[fid]))}
            for fid in sorted(usage, key=_fact_key)]
    s.p(f"{len(rows)} facts from the seed documents (DIGEST ids) back the network's "
        f"figures; {len(assumption_list(net))} figures rest on stated assumptions instead.")
    s.html(f"<details><summary>Facts used ({len(rows)})</summary>"
           + html_table(pd.DataFrame(rows, columns=["fact", "text", "used by"]),
                        css="data small") + "</details>")
    assumptions = assumption_list(net)
    s.html(f"<details><summary>Assumptions ({len(assumptions)})</summary>"
           + html_table(pd.DataFrame(assumptions, columns=["record", "field", "reason"]),
                        css="data small") + "</details>")
    srows = []
    for name in ctx.scenarios:
        obj = ctx.scenario_objs.get(name)
        if obj is None:
            continue
        srows.append({"scenario": name, "field": "(sources)",
                      "reason": ", ".join(getattr(obj, "source", []) or []) or "—"})
        for k, v in (getattr(obj, "assumptions", {}) or {}).items():
            srows.append({"scenario": name, "field": k, "reason": " ".join(str(v).split())})
    if srows:
        s.h3("Scenario sources and assumptions")
        s.html(html_table(pd.DataFrame(srows), css="data small"))
    return s


def _fact_key(fid: str) -> tuple[str, int, str]:
    head, _, num = fid.partition("-")
    return (head, int(num) if num.isdigit() else 0, fid)


def all_sections(ctx: Context) -> list[Section]:
    """Every section, in reading order."""
    ctx.names = labels(ctx.tables)
    if not ctx.scenarios:
        ctx.scenarios = scenario_names(ctx.tables)
    return [summary_section(ctx), network_section(ctx), circularity_section(ctx),
            downside_section(ctx), ledger_section(ctx), hurdle_section(ctx),
            scenarios_section(ctx), comparison_section(ctx), thermometer_section(ctx),
            findings_section(ctx), provenance_section(ctx)]


def manifest_rows(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for the footer."""
    out = []
    for k in ("id", "created", "command", "runner", "paths", "seed", "horizon"):
        if k in manifest:
            v = manifest[k]
            out.append((k, " ".join(map(str, v)) if isinstance(v, list | tuple) else str(v)))
    net = manifest.get("network")
    if isinstance(net, dict):
        out.append(("network", f"{net.get('name', '')} ({net.get('source', '')})"))
    if manifest.get("scenarios"):
        out.append(("scenarios", ", ".join(map(str, manifest["scenarios"]))))
    v = manifest.get("versions") or {}
    if v:
        out.append(("versions", ", ".join(f"{k} {x}" for k, x in v.items())))
    inputs = manifest.get("inputs") or {}
    for path, digest in inputs.items():
        out.append((f"input {path}", f"sha256 {str(digest)[:16]}…"))
    tim = manifest.get("timings") or {}
    if tim:
        out.append(("timings", ", ".join(f"{k} {float(x):.1f} s" if is_num(x) else f"{k} {x}"
                                          for k, x in tim.items())))
    return out
