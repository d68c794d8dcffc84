"""Concentration: who depends on whom for revenue, funding and supplies; the hubs of money.

Shares are of dollars on one basis. The Herfindahl–Hirschman index is the sum of squared
shares, in [0, 1] (1 = a single counterparty).

Revenue is measured for one calendar year (default: the year of the network's as-of date):
each revenue flow (compute, chips, rent, power) contributes ``annual × (share of that year
inside the contract term)``; undated flows count their whole annual amount. The share of a
customer is taken of the entity's revenue, which is the larger of the contract revenue and
the entity's declared ``revenue``: the difference is revenue from customers outside the
network, treated as unattributed and spread thinly (it adds nothing to the HHI).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model.network import Network
from .flows import (
    FINANCING_FLOW_TYPES,
    REVENUE_FLOW_TYPES,
    amount_column,
    check_basis,
    flow_graph,
    money_flows,
)

SHARE_COLUMNS = ["entity", "total", "top_counterparty", "top_amount", "top_share", "hhi",
                 "n_counterparties"]


def year_fraction(start: dt.date | None, end: dt.date | None, year: int) -> float:
    """Share of calendar ``year`` inside [start, end) (missing ends are open).

    >>> year_fraction(dt.date(2025, 11, 1), dt.date(2030, 11, 1), 2025)  # doctest: +ELLIPSIS
    0.167...
    """
    y0, y1 = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    lo = max(start, y0) if start is not None else y0
    hi = min(end, y1) if end is not None else y1
    return max((hi - lo).days, 0) / (y1 - y0).days


def hhi(shares: Sequence[float] | np.ndarray) -> float:
    """Herfindahl–Hirschman index: the sum of squared shares.

    >>> hhi([0.5, 0.3, 0.2])
    0.38
    """
    arr = np.asarray(shares, dtype=float)
    return round(float(np.sum(arr**2)), 12)


def _frame(net: Network | pd.DataFrame) -> pd.DataFrame:
    return money_flows(net) if isinstance(net, Network) else net


def revenue_by_counterparty(net: Network | pd.DataFrame, basis: str = "committed", *,
                            year: int | None = None, as_of: dt.date | None = None,
                            flow_types: Sequence[str] = REVENUE_FLOW_TYPES) -> pd.DataFrame:
    """Revenue of each entity by paying counterparty, for one calendar year (USD bn / year).

    ``year`` defaults to the as-of year of the network (or of ``as_of`` for a flow table;
    with neither, the full annual amounts are used).

    Returns
    -------
    DataFrame with ``entity``, ``counterparty``, ``amount``, sorted by entity then amount.
    """
    col = amount_column(check_basis(basis), "annual")
    if year is None:
        day = net.as_of if isinstance(net, Network) else as_of
        year = day.year if day is not None else None
    df = _frame(net)
    df = df[df["flow_type"].isin(list(flow_types)) & (df[col] > 0)]
    if year is None:
        amount = df[col].to_numpy(dtype=float)
    else:
        frac = [year_fraction(s if pd.notna(s) else None, e if pd.notna(e) else None, year)
                for s, e in zip(df["start"], df["end"], strict=True)]
        amount = df[col].to_numpy(dtype=float) * np.asarray(frac, dtype=float)
    out = pd.DataFrame({"entity": df["target"].to_numpy(),
                        "counterparty": df["source"].to_numpy(), "amount": amount})
    out = out[out["amount"] > 0].groupby(["entity", "counterparty"], as_index=False)[
        "amount"].sum()
    return out.sort_values(["entity", "amount"], ascending=[True, False],
                           kind="stable").reset_index(drop=True)


def share_table(pairs: pd.DataFrame, *, entity: str = "entity",
                counterparty: str = "counterparty", amount: str = "amount",
                denominators: dict[str, float] | None = None) -> pd.DataFrame:
    """Top counterparty, its share and the HHI per entity from (entity, counterparty, amount).

    ``denominators`` (entity → total) replaces the sum of listed amounts where it is larger;
    the difference counts as unattributed and contributes nothing to the HHI.

    >>> pairs = pd.DataFrame({"entity": ["x", "x"], "counterparty": ["a", "b"],
    ...                       "amount": [3.0, 1.0]})
    >>> share_table(pairs)[["top_counterparty", "top_share", "hhi"]].values.tolist()
    [['a', 0.75, 0.625]]
    """
    rows = []
    for ent, grp in pairs.groupby(entity, sort=True):
        grp = grp[grp[amount] > 0]
        listed = float(grp[amount].sum())
        total = max(listed, (denominators or {}).get(str(ent), 0.0))
        if total <= 0:
            continue
        top = grp.sort_values(amount, ascending=False, kind="stable").iloc[0]
        shares = grp[amount].to_numpy(dtype=float) / total
        rows.append({"entity": ent, "total": total, "top_counterparty": top[counterparty],
                     "top_amount": float(top[amount]), "top_share": float(top[amount]) / total,
                     "hhi": hhi(shares), "n_counterparties": int(len(grp)),
                     "unattributed": total - listed})
    return pd.DataFrame(rows, columns=[*SHARE_COLUMNS, "unattributed"])


def revenue_concentration(net: Network | pd.DataFrame, basis: str = "committed", *,
                          year: int | None = None, use_declared_revenue: bool = True,
                          as_of: dt.date | None = None) -> pd.DataFrame:
    """Per entity: revenue in the year, top customer, its share and the HHI.

    Parameters
    ----------
    net : Network or flow table
    basis : {'ceiling', 'committed', 'funded'}
    year : int, optional
        Calendar year (default: the as-of year).
    use_declared_revenue : bool
        Take shares of ``max(contract revenue, entity.revenue)`` (needs a Network).

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": i, "name": i, "kind": "other"} for i in "sab"],
    ...   "contracts": [
    ...     {"id": "x", "kind": "compute_contract", "buyer": "a", "seller": "s", "amount": 3},
    ...     {"id": "y", "kind": "compute_contract", "buyer": "b", "seller": "s", "amount": 1}]})
    >>> revenue_concentration(net)[["top_counterparty", "top_share"]].values.tolist()
    [['a', 0.75]]
    """
    pairs = revenue_by_counterparty(net, basis, year=year, as_of=as_of)
    denominators = None
    if use_declared_revenue and isinstance(net, Network):
        denominators = {e.id: e.revenue for e in net.entities if e.revenue > 0}
    return share_table(pairs, denominators=denominators)


def funding_by_lender(net: Network | pd.DataFrame, basis: str = "committed", *,
                      flow_types: Sequence[str] = ("lending", "bond_purchase",
                                                   "tranche_purchase")) -> pd.DataFrame:
    """Per borrower: debt funding by lender (loans, facilities, bonds, tranches; totals).

    Returns the :func:`share_table` of (borrower, lender, dollars).

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": i, "name": i, "kind": "other"} for i in "bxy"],
    ...   "contracts": [{"id": f"l{k}", "kind": "loan", "lender": k, "borrower": "b",
    ...                  "amount": a, "rate": 0.05} for k, a in (("x", 3), ("y", 1))]})
    >>> funding_by_lender(net)[["top_counterparty", "top_share", "hhi"]].values.tolist()
    [['x', 0.75, 0.625]]
    """
    return _inflow_shares(net, basis, flow_types)


def purchases_by_supplier(net: Network | pd.DataFrame, basis: str = "committed", *,
                          flow_types: Sequence[str] = ("chip_purchase",),
                          supplier: str | None = None) -> pd.DataFrame:
    """Per buyer: purchases by supplier (default chip purchases; totals, USD bn).

    With ``supplier`` given, adds ``supplier_share``: that supplier's share of each buyer's
    purchases (e.g. Nvidia's share of each buyer's chips).

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": i, "name": i, "kind": "other"} for i in ("b", "nv", "amd")],
    ...   "contracts": [{"id": v, "kind": "chip_purchase", "buyer": "b", "vendor": v,
    ...                  "amount": a} for v, a in (("nv", 9), ("amd", 1))]})
    >>> float(purchases_by_supplier(net, supplier="nv")["supplier_share"].iloc[0])
    0.9
    """
    col = amount_column(check_basis(basis))
    df = _frame(net)
    df = df[df["flow_type"].isin(list(flow_types)) & (df[col] > 0)]
    pairs = df.groupby(["source", "target"], as_index=False)[col].sum().rename(
        columns={"source": "entity", "target": "counterparty", col: "amount"})
    out = share_table(pairs)
    if supplier is not None:
        sup = pairs[pairs["counterparty"] == supplier].set_index("entity")["amount"]
        out["supplier_share"] = [float(sup.get(e, 0.0)) / t if t else np.nan
                                 for e, t in zip(out["entity"], out["total"], strict=True)]
    return out


def hubs(net: Network | pd.DataFrame, basis: str = "committed", *, measure: str = "total",
         flow_types: Sequence[str] | None = None, betweenness_k: int | None = None,
         seed: int = 0, exact_limit: int = 1000) -> pd.DataFrame:
    """Network-wide hub table: strength, PageRank on money and betweenness.

    ``in_strength``/``out_strength`` are dollars received/paid (USD bn). PageRank uses
    dollars as edge weights. Betweenness treats a link of ``w`` dollars as a path of length
    ``1 / w`` (strong links are short); it is exact up to ``exact_limit`` entities and sampled
    from ``betweenness_k`` sources (default 32) above that. Contingent flows (guarantees) are
    left out unless ``flow_types`` names them.

    Returns
    -------
    DataFrame indexed by entity, sorted by PageRank.

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": i, "name": i, "kind": "other"} for i in "abc"],
    ...   "contracts": [{"id": "x", "kind": "compute_contract", "buyer": "a", "seller": "b",
    ...                  "amount": 2}, {"id": "y", "kind": "chip_purchase", "buyer": "b",
    ...                  "vendor": "c", "amount": 1}]})
    >>> hubs(net).loc["b", ["in_strength", "out_strength", "betweenness"]].tolist()
    [2.0, 1.0, 0.5]
    """
    import networkx as nx

    df = _frame(net)
    if flow_types is None:
        flow_types = [t for t in df["flow_type"].unique() if t != "guarantee"]
    g = flow_graph(df, basis, measure=measure, flow_types=flow_types)
    if isinstance(net, Network):
        g.add_nodes_from(e.id for e in net.entities)
    if g.number_of_nodes() == 0:
        return pd.DataFrame(columns=["in_strength", "out_strength", "pagerank", "betweenness"])
    for _, _, d in g.edges(data=True):
        d["distance"] = 1.0 / d["weight"] if d["weight"] > 0 else float("inf")
    pr = nx.pagerank(g, weight="weight")
    n = g.number_of_nodes()
    k = betweenness_k if betweenness_k is not None else (None if n <= exact_limit else 32)
    if k is not None:
        k = min(k, n)
    bc = nx.betweenness_centrality(g, k=k, weight="distance", seed=seed, normalized=True)
    out = pd.DataFrame({
        "in_strength": pd.Series(dict(g.in_degree(weight="weight"))),
        "out_strength": pd.Series(dict(g.out_degree(weight="weight"))),
        "pagerank": pd.Series(pr), "betweenness": pd.Series(bc)})
    out.index.name = "entity"
    return out.astype(float).sort_values("pagerank", ascending=False, kind="stable")


def financing_sources(net: Network | pd.DataFrame, basis: str = "committed") -> pd.DataFrame:
    """Per entity: all capital coming in (equity, loans, bonds, commitments) by provider
    (the :func:`share_table` of recipient, provider, dollars)."""
    return _inflow_shares(net, basis, FINANCING_FLOW_TYPES)


def _inflow_shares(net: Network | pd.DataFrame, basis: str,
                   flow_types: Sequence[str]) -> pd.DataFrame:
    """Share table of money flowing *into* each entity, by the counterparty sending it."""
    col = amount_column(check_basis(basis))
    df = _frame(net)
    df = df[df["flow_type"].isin(list(flow_types)) & (df[col] > 0)]
    pairs = df.groupby(["target", "source"], as_index=False)[col].sum().rename(
        columns={"target": "entity", "source": "counterparty", col: "amount"})
    return share_table(pairs)
