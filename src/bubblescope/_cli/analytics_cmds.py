"""analyze and hurdle: thin wiring of :mod:`bubblescope.analytics` into the CLI."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer

from ..analytics.circularity import cycle_significance, find_cycles, vendor_financed_share
from ..analytics.concentration import funding_by_lender, hubs, revenue_concentration
from ..analytics.flows import BASES, money_flows
from ..analytics.hurdle import (
    depreciation_hurdle,
    equity_return,
    required_return_on_capex,
    revenue_chain,
)
from ..analytics.lookthrough import look_through, off_balance_sheet, risk_chain
from ..io.errors import InputError
from ..io.load import load_network
from .render import console, table


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf → None, numpy scalars → Python, tuples → lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _pct(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}%}"


def analyze(
    network: Annotated[str, typer.Argument(help="Bundled network name or path.")] = "ai-2025",
    basis: Annotated[str, typer.Option(
        help="Dollars to use: ceiling | committed | funded.")] = "committed",
    length_bound: Annotated[int, typer.Option(help="Longest cycle, in entities.")] = 5,
    top: Annotated[int, typer.Option(help="Rows per table.")] = 15,
    samples: Annotated[int, typer.Option(
        help="Randomised networks for the cycle significance test (0 to skip).")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the significance test.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Circular money, vendor financing, concentration, hubs, look-through and the
    off-balance-sheet ledger of a network."""
    if basis not in BASES:
        raise InputError.single("--basis", f"unknown basis {basis!r}; expected one of "
                                + ", ".join(BASES))
    if length_bound < 2:
        raise InputError.single("--length-bound", f"expected at least 2, got {length_bound}")
    if samples < 0:
        raise InputError.single("--samples", f"expected 0 or more, got {samples}")
    net = load_network(network)
    flows = money_flows(net)
    cycles = find_cycles(flows, length_bound=length_bound)
    sig = (cycle_significance(flows, basis, n_samples=samples, seed=seed,
                              length_bound=length_bound) if samples else None)
    vfs = vendor_financed_share(flows, basis)
    conc = revenue_concentration(net, basis)
    funding = funding_by_lender(flows, basis)
    hub = hubs(net, basis)
    lt = look_through(net, basis)
    chain = risk_chain(lt, net)
    obs = off_balance_sheet(net, basis)
    if as_json:
        out = {
            "network": net.name, "as_of": net.as_of.isoformat(), "basis": basis,
            "cycles": cycles.to_records(), "cycles_truncated": cycles.truncated,
            "cycle_significance": sig.as_dict() if sig is not None else None,
            "vendor_financed_share": {
                r.vendor: {"sales": r.sales, "financed_sales": r.financed_sales,
                           "share": r.share, "direct_share": r.direct_share,
                           "customers": list(r.customers)}
                for r in vfs.itertuples(index=False)},
            "concentration": {
                r.entity: {"top_counterparty": r.top_counterparty, "top_share": r.top_share,
                           "hhi": r.hhi, "revenue": r.total,
                           "n_counterparties": r.n_counterparties}
                for r in conc.itertuples(index=False)},
            "funding": {
                r.entity: {"top_counterparty": r.top_counterparty, "top_share": r.top_share,
                           "hhi": r.hhi, "total": r.total}
                for r in funding.itertuples(index=False)},
            "hubs": {str(k): v for k, v in hub.to_dict(orient="index").items()},
            "lookthrough": {
                "matrix": {h: {o: v for o, v in row.items() if v > 0}
                           for h, row in lt.matrix.to_dict(orient="index").items()},
                "direct": lt.direct.to_dict(),
                "reconstructed": lt.any_reconstructed,
                "reconstructed_links": lt.reconstructed_links.to_dict(orient="records"),
                "risk_chain": chain.to_dict(orient="records"),
            },
            "off_balance_sheet": {str(k): v for k, v in obs.to_dict(orient="index").items()},
        }
        typer.echo(json.dumps(_clean(out), indent=2))
        return
    _print_analysis(net.name, basis, cycles, sig, vfs, conc, funding, hub, lt, chain, obs, top)


def _print_analysis(name: str, basis: str, cycles: Any, sig: Any, vfs: Any, conc: Any,
                    funding: Any, hub: Any, lt: Any, chain: Any, obs: Any, top: int) -> None:
    console.print(f"[bold]{name}[/]: static analysis on the [bold]{basis}[/] basis "
                  "(USD bn)")
    rows = [(" → ".join((*r.entities, r.entities[0])), " | ".join(r.flow_types),
             r.ceiling, r.committed, r.funded)
            for r in cycles.table.head(max(top, 50)).itertuples(index=False)]
    note = " (search truncated)" if cycles.truncated else ""
    if len(cycles) > len(rows):
        note += f", largest {len(rows)} shown"
    console.print(table(
        f"Circular money: {len(cycles)} cycles up to {cycles.length_bound} entities{note}; "
        f"round trip = smallest leg, totals", ["cycle", "flow types", "ceiling", "committed",
                                               "funded"], rows,
        numeric=["ceiling", "committed", "funded"]))
    if sig is not None:
        d = sig.as_dict()
        console.print(
            f"Against {d['n_samples']} degree-preserving random networks ({basis}): "
            f"{d['observed_count']} cycles vs {d['null_mean_count']:.1f} expected "
            f"(z {d['z_count']:.2f}, p {d['p_count']:.3f}); circular dollars "
            f"{d['observed_dollars']:,.1f} vs {d['null_mean_dollars']:,.1f} "
            f"(z {d['z_dollars']:.2f}, p {d['p_dollars']:.3f})", markup=False)
    console.print(table(
        "Vendor-financed sales (customers the vendor finances, directly or via one step)",
        ["vendor", "sales", "financed", "share", "direct share", "financed customers"],
        [(r.vendor, r.sales, r.financed_sales, _pct(r.share), _pct(r.direct_share),
          ", ".join(r.customers)) for r in vfs.head(top).itertuples(index=False)],
        numeric=["sales", "financed", "share", "direct share"]))
    console.print(table(
        "Revenue concentration (as-of year, USD bn / year)",
        ["entity", "revenue", "top customer", "share", "HHI", "customers"],
        [(r.entity, r.total, r.top_counterparty, _pct(r.top_share), f"{r.hhi:.3f}",
          r.n_counterparties)
         for r in conc.sort_values("top_share", ascending=False).head(top).itertuples(
             index=False)],
        numeric=["revenue", "share", "HHI", "customers"]))
    console.print(table(
        "Debt funding by lender", ["borrower", "debt", "top lender", "share", "HHI"],
        [(r.entity, r.total, r.top_counterparty, _pct(r.top_share), f"{r.hhi:.3f}")
         for r in funding.sort_values("total", ascending=False).head(top).itertuples(
             index=False)], numeric=["debt", "share", "HHI"]))
    console.print(table(
        "Hubs of money", ["entity", "in", "out", "PageRank", "betweenness"],
        [(e, r.in_strength, r.out_strength, f"{r.pagerank:.3f}", f"{r.betweenness:.3f}")
         for e, r in hub.head(top).iterrows()],
        numeric=["in", "out", "PageRank", "betweenness"]))
    by_holder = lt.table.groupby("holder").agg(direct=("amount", "sum"),
                                               reconstructed=("reconstructed_amount", "sum"))
    top_ob = lt.table.sort_values("amount", ascending=False).groupby("holder").head(3)
    ob_txt = top_ob.groupby("holder").apply(
        lambda g: ", ".join(f"{o} {a:,.1f}" for o, a in zip(g["obligor"], g["amount"],
                                                            strict=True)),
        include_groups=False)
    console.print(table(
        "Look-through: final holders → ultimate obligors",
        ["holder", "exposure", "reconstructed", "largest obligors"],
        [(h, r.direct, r.reconstructed, ob_txt.get(h, ""))
         for h, r in by_holder.sort_values("direct", ascending=False).iterrows()],
        numeric=["exposure", "reconstructed"]))
    console.print(table(
        "Risk chain: final bearer → intermediary → financing entity → end user",
        ["final holder", "intermediary", "financing entity", "obligor", "end user", "asset",
         "amount", "rec."],
        [(r.final_holder, r.intermediary, r.financing_entity, r.ultimate_obligor,
          r.end_user + (f" ({r.end_user_share:.0%})" if r.end_user_share == r.end_user_share
                        else ""), r.asset, r.amount, "yes" if r.reconstructed else "")
         for r in chain.head(top).itertuples(index=False)], numeric=["amount"]))
    if lt.any_reconstructed:
        recon = lt.reconstructed_links
        console.print(
            f"[yellow]note:[/] {len(recon)} links ({recon['amount'].sum():,.1f} bn) are "
            "reconstructed by maximum entropy where funds' holdings or LPs are unknown; "
            "rows marked 'rec.' include them.")
    console.print(table(
        "Off-balance-sheet ledger (still owed after the as-of date)",
        ["entity", "SPV rent", "other rent", "guarantees", "RVG", "compute", "chips",
         "off B/S", "on B/S debt", "off/on"],
        [(e, r.spv_lease_rent, r.other_lease_rent, r.guarantees, r.residual_value_guarantees,
          r.compute_commitments, r.chip_commitments, r.off_balance_sheet,
          r.on_balance_sheet_debt, _num(r.off_to_on)) for e, r in obs.head(top).iterrows()],
        numeric=["SPV rent", "other rent", "guarantees", "RVG", "compute", "chips",
                 "off B/S", "on B/S debt", "off/on"]))


def hurdle(
    capex: Annotated[float, typer.Option(help="Investment, USD bn.")] = 3000.0,
    required_return: Annotated[float, typer.Option(
        "--return", help="Required EBITDA / capex a year (decimal).")] = 0.12,
    margin: Annotated[float, typer.Option(help="EBITDA margin (decimal in (0, 1]).")] = 0.65,
    gdp: Annotated[float, typer.Option(help="GDP, USD bn a year.")] = 29000.0,
    debt_share: Annotated[float, typer.Option(help="Debt share of capital (decimal).")] = 0.7,
    cost_of_debt: Annotated[float, typer.Option(help="Cost of debt (decimal).")] = 0.075,
    target_equity_return: Annotated[float | None, typer.Option(
        "--equity-return", help="Target equity return: also show the ROI it needs.")] = None,
    life: Annotated[float, typer.Option(help="Useful life of the assets, years.")] = 6.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The required-productivity arithmetic: capex → EBITDA → revenue → share of GDP."""
    try:
        chain = revenue_chain(capex, required_return, margin, gdp)
        eq = equity_return(required_return, debt_share, cost_of_debt)
        dep = depreciation_hurdle(capex, required_return, life, margin)
        inv = (required_return_on_capex(target_equity_return, debt_share, cost_of_debt)
               if target_equity_return is not None else None)
    except ValueError as exc:
        arg = str(exc).split(":", 1)[0]
        option = {"required_return": "--return", "cost_of_capital": "--return"}.get(
            arg, "--" + arg.replace("_", "-"))
        raise InputError.single(option, str(exc).split(": ", 1)[-1]) from None
    values: dict[str, float] = dict(chain.values)
    values.update({k: v for k, v in eq.values.items() if k not in values})
    values.update({"life": dep["life"], "depreciation": dep["depreciation"],
                   "ebitda_required_with_depreciation": dep["ebitda_required"],
                   "revenue_required_with_depreciation": dep["revenue_required"]})
    formulas = {**chain.formulas, **eq.formulas,
                "depreciation": dep.formulas["depreciation"],
                "ebitda_required_with_depreciation": dep.formulas["ebitda_required"],
                "revenue_required_with_depreciation": dep.formulas["revenue_required"]}
    if inv is not None:
        values["target_equity_return"] = inv["equity_return"]
        values["required_return_for_target"] = inv["required_return"]
        formulas["required_return_for_target"] = inv.formulas["required_return"]
    if as_json:
        typer.echo(json.dumps(_clean(values), indent=2))
        return
    pct = {"required_return", "margin", "share_of_gdp", "debt_share", "cost_of_debt",
           "equity_share", "debt_cost_contribution", "equity_return", "target_equity_return",
           "required_return_for_target"}
    rows = [(k, _pct(v, 2) if k in pct else f"{v:,.2f}", formulas.get(k, "input"))
            for k, v in values.items()]
    console.print(table("Revenue hurdle (USD bn; rates as %)", ["name", "value", "formula"],
                        rows, numeric=["value"]))
