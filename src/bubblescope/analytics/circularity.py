"""Circular money: loops where dollars leave an entity and come back, in dollars.

A cycle is a simple directed cycle of the flow graph (principal and purchase flows by
default, see :data:`~.flows.CYCLE_FLOW_TYPES`) of at most ``length_bound`` entities. Its
round-trip dollars on a basis are the smallest leg on that basis: no more than that amount
can have gone all the way round. Cycles are found once, on the ceiling graph (the widest),
and measured on every basis (a leg absent on a basis makes the round trip 0 there).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.network import Network
from .flows import (
    BASES,
    CYCLE_FLOW_TYPES,
    FINANCING_FLOW_TYPES,
    amount_column,
    check_basis,
    flow_graph,
    money_flows,
)

#: Entities a cycle is rotated to start at, in order of preference.
DEFAULT_ANCHORS: tuple[str, ...] = ("nvidia",)


@dataclass(frozen=True)
class Cycles:
    """Cycles found in a flow graph.

    ``table`` has one row per cycle: ``entities`` (tuple, in the order money moves, first
    entity not repeated), ``length``, ``flow_types`` (per leg, flow types joined by ``+``,
    largest first), ``legs`` (ceiling dollars per leg) and ``ceiling``/``committed``/``funded``
    round-trip dollars (USD bn). ``truncated`` is True when ``max_cycles`` stopped the search.
    """

    table: pd.DataFrame
    truncated: bool
    length_bound: int
    measure: str
    max_cycles: int

    def __len__(self) -> int:
        return len(self.table)

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready records: entities, flow_types and ``amount`` per basis."""
        return [{"entities": list(r.entities), "flow_types": list(r.flow_types),
                 "amount": {b: float(getattr(r, b)) for b in BASES}}
                for r in self.table.itertuples(index=False)]


def rotate_cycle(cycle: Sequence[str], anchors: Sequence[str] = DEFAULT_ANCHORS) -> tuple[str, ...]:
    """Rotate a cycle to start at the first anchor present, else at its smallest id.

    >>> rotate_cycle(["coreweave", "nvidia"])
    ('nvidia', 'coreweave')
    >>> rotate_cycle(["b", "c", "a"], anchors=())
    ('a', 'b', 'c')
    """
    nodes = list(cycle)
    start = next((a for a in anchors if a in nodes), min(nodes))
    i = nodes.index(start)
    return tuple(nodes[i:] + nodes[:i])


def simple_cycles(g: Any, length_bound: int) -> Iterator[list[Any]]:
    """Every simple directed cycle of ``g`` with at most ``length_bound`` nodes, once each.

    A bounded Johnson-style search: nodes are ordered by total degree (hubs first) and each
    cycle is found from its earliest node ``s`` only, by a depth-first search restricted to
    later nodes and pruned with a reverse breadth-first search from ``s`` (a node is entered
    only if it can still get back to ``s`` within the bound). Hubs first keeps the later
    searches small. Gives the same cycles as ``networkx.simple_cycles(g, length_bound)``,
    many times faster on large graphs. Self-loops are ignored.

    >>> import networkx as nx
    >>> sorted(sorted(c) for c in simple_cycles(nx.DiGraph([(1, 2), (2, 1), (2, 3), (3, 1)]), 3))
    [[1, 2], [1, 2, 3]]
    """
    nodes = sorted(g.nodes, key=lambda n: (-(g.in_degree(n) + g.out_degree(n)), str(n)))
    idx = {n: i for i, n in enumerate(nodes)}
    succ = [[idx[v] for v in g.successors(n) if v != n] for n in nodes]
    pred = [[idx[u] for u in g.predecessors(n) if u != n] for n in nodes]
    for s in range(len(nodes)):
        back = {s: 0}  # hops from a node back to s, through nodes after s
        frontier = [s]
        for d in range(1, length_bound):
            nxt = []
            for v in frontier:
                for u in pred[v]:
                    if u > s and u not in back:
                        back[u] = d
                        nxt.append(u)
            frontier = nxt
            if not frontier:
                break
        if len(back) == 1:
            continue
        path = [s]
        on_path = {s}
        stack = [iter(succ[s])]
        while stack:
            for v in stack[-1]:
                if v == s:
                    yield [nodes[i] for i in path]
                    continue
                if v in on_path:
                    continue
                b = back.get(v)
                if b is None or len(path) + b > length_bound:
                    continue
                path.append(v)
                on_path.add(v)
                stack.append(iter(succ[v]))
                break
            else:
                stack.pop()
                on_path.discard(path.pop())


def _rotate_min(cycle: list[Any]) -> tuple[Any, ...]:
    i = cycle.index(min(cycle))
    return tuple(cycle[i:] + cycle[:i])


def _graphs(flows: pd.DataFrame, measure: str, flow_types: Sequence[str]) -> dict[str, Any]:
    return {b: flow_graph(flows, b, measure=measure, flow_types=flow_types) for b in BASES}


def find_cycles(net: Network | pd.DataFrame, *, length_bound: int = 5,
                measure: str = "total", flow_types: Sequence[str] = CYCLE_FLOW_TYPES,
                anchors: Sequence[str] = DEFAULT_ANCHORS, max_cycles: int = 100_000,
                min_amount: float = 0.0) -> Cycles:
    """All simple cycles of up to ``length_bound`` entities, with round-trip dollars.

    Parameters
    ----------
    net : Network or flow table from :func:`~.flows.money_flows`
    length_bound : int
        Longest cycle (number of entities, ≥ 2).
    measure : {'total', 'annual'}
        Dollars over the contract term or a year.
    flow_types : sequence of str
        Flow types that count as money leaving an entity.
    anchors : sequence of str
        Entities a cycle starts at when present (default: Nvidia).
    max_cycles : int
        Stop after this many cycles (``truncated`` is then True).
    min_amount : float
        Drop cycles whose ceiling round trip is below this (USD bn).

    Returns
    -------
    Cycles, sorted by ceiling round-trip dollars (largest first).

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": "nvidia", "name": "N", "kind": "chip_vendor"},
    ...                {"id": "cw", "name": "C", "kind": "neocloud"}],
    ...   "contracts": [
    ...     {"id": "e", "kind": "equity_stake", "investor": "nvidia", "issuer": "cw", "amount": 2},
    ...     {"id": "p", "kind": "chip_purchase", "buyer": "cw", "vendor": "nvidia", "amount": 5}]})
    >>> find_cycles(net).to_records()[0]["amount"]["ceiling"]
    2.0
    """
    if length_bound < 2:
        raise ValueError(f"length_bound: expected at least 2, got {length_bound}")
    if max_cycles < 1:
        raise ValueError(f"max_cycles: expected at least 1, got {max_cycles}")
    amount_column("ceiling", measure)
    flows = money_flows(net) if isinstance(net, Network) else net
    graphs = _graphs(flows, measure, flow_types)
    g = graphs["ceiling"]
    # one lookup per leg: (ceiling, committed, funded, flow-type label)
    info: dict[tuple[Any, Any], tuple[float, float, float, str]] = {}
    for u, v, d in g.edges(data=True):
        by_type = d["by_type"]
        info[(u, v)] = (
            d["weight"],
            graphs["committed"].edges[u, v]["weight"] if graphs["committed"].has_edge(u, v)
            else 0.0,
            graphs["funded"].edges[u, v]["weight"] if graphs["funded"].has_edge(u, v)
            else 0.0,
            "+".join(sorted(by_type, key=lambda t: (-by_type[t], t))))
    anchor_set = set(anchors)
    cols: dict[str, list[Any]] = {k: [] for k in ("entities", "length", "flow_types", "legs",
                                                  *BASES)}
    truncated = False
    n_found = 0
    for cyc in simple_cycles(g, length_bound):
        if n_found >= max_cycles:
            truncated = True
            break
        n_found += 1
        nodes = rotate_cycle(cyc, anchors) if anchor_set & set(cyc) else _rotate_min(cyc)
        wc, wm, wf, labels = zip(*(info[e] for e in zip(nodes, nodes[1:] + nodes[:1],
                                                        strict=True)), strict=True)
        ceiling = min(wc)
        if ceiling < min_amount:
            continue
        cols["entities"].append(nodes)
        cols["length"].append(len(nodes))
        cols["flow_types"].append(labels)
        cols["legs"].append(wc)
        cols["ceiling"].append(ceiling)
        cols["committed"].append(min(wm))
        cols["funded"].append(min(wf))
    table = pd.DataFrame(cols)
    if len(table):
        table = table.sort_values(["ceiling", "length"], ascending=[False, True],
                                  kind="stable").reset_index(drop=True)
    return Cycles(table, truncated, length_bound, measure, max_cycles)


def cycle_table(cycles: Cycles) -> pd.DataFrame:
    """A display version of a cycle table: ``path`` reads ``a → b → a``."""
    df = cycles.table.copy()
    df.insert(0, "path", [" → ".join((*e, e[0])) for e in df["entities"]])
    df["flow_types"] = [" | ".join(t) for t in df["flow_types"]]
    return df.drop(columns=["entities", "legs"])


def vendor_financed_share(net: Network | pd.DataFrame, basis: str = "committed", *,
                          measure: str = "total",
                          vendors: Iterable[str] | None = None) -> pd.DataFrame:
    """Share of each vendor's sales paid by customers it finances.

    Sales are chip and compute purchases flowing to the vendor. A customer is *financed
    directly* when the vendor has an equity or lending (any financing) flow to it, and
    *through one intermediary* when the vendor finances X and X finances the customer.

    Vendors (default): every entity with sales that finances someone.

    Returns
    -------
    DataFrame, one row per vendor: ``sales``, ``from_direct``, ``from_indirect``,
    ``financed_sales``, ``share`` (financed / sales), ``direct_share`` and ``customers``
    (the financed customers, largest first).

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...   "entities": [{"id": "v", "name": "V", "kind": "chip_vendor"},
    ...                {"id": "a", "name": "A", "kind": "neocloud"},
    ...                {"id": "b", "name": "B", "kind": "neocloud"}],
    ...   "contracts": [
    ...     {"id": "e", "kind": "equity_stake", "investor": "v", "issuer": "a", "amount": 1},
    ...     {"id": "p", "kind": "chip_purchase", "buyer": "a", "vendor": "v", "amount": 3},
    ...     {"id": "q", "kind": "chip_purchase", "buyer": "b", "vendor": "v", "amount": 1}]})
    >>> float(vendor_financed_share(net)["share"].iloc[0])
    0.75
    """
    flows = money_flows(net) if isinstance(net, Network) else net
    col = amount_column(check_basis(basis), measure)
    live = flows[flows[col] > 0]
    sales = live[live["flow_type"].isin(["chip_purchase", "compute_purchase"])]
    sales = sales.groupby(["target", "source"], as_index=False)[col].sum().rename(
        columns={"target": "vendor", "source": "customer", col: "amount"})
    fin = live[live["flow_type"].isin(FINANCING_FLOW_TYPES)][["source", "target"]]
    fin = fin.drop_duplicates()
    direct = fin.rename(columns={"source": "vendor", "target": "customer"})
    two = fin.merge(fin, left_on="target", right_on="source", suffixes=("", "_2"))
    indirect = two[["source", "target_2"]].rename(
        columns={"source": "vendor", "target_2": "customer"}).drop_duplicates()
    indirect = indirect[indirect["vendor"] != indirect["customer"]]
    direct["direct"] = True
    indirect["indirect"] = True
    s = sales.merge(direct, on=["vendor", "customer"], how="left").merge(
        indirect, on=["vendor", "customer"], how="left")
    s["direct"] = s["direct"].astype("boolean").fillna(False).astype(bool)
    s["indirect"] = s["indirect"].astype("boolean").fillna(False).astype(bool) & ~s["direct"]
    if vendors is not None:
        keep = list(vendors)
    else:
        keep = sorted(set(sales["vendor"]) & set(fin["source"]))
    s = s[s["vendor"].isin(keep)]
    s["from_direct"] = s["amount"].where(s["direct"], 0.0)
    s["from_indirect"] = s["amount"].where(s["indirect"], 0.0)
    grouped = s.groupby("vendor").agg(sales=("amount", "sum"),
                                      from_direct=("from_direct", "sum"),
                                      from_indirect=("from_indirect", "sum"))
    grouped = grouped.reindex(keep, fill_value=0.0)
    financed = s[s["direct"] | s["indirect"]].sort_values(
        ["vendor", "amount"], ascending=[True, False], kind="stable")
    customers = financed.groupby("vendor")["customer"].agg(tuple)
    out = grouped.reset_index().rename(columns={"index": "vendor"})
    out["financed_sales"] = out["from_direct"] + out["from_indirect"]
    total = out["sales"].where(out["sales"] > 0)
    out["share"] = out["financed_sales"] / total
    out["direct_share"] = out["from_direct"] / total
    out["customers"] = [customers.get(v, ()) for v in out["vendor"]]
    out = out[["vendor", "sales", "from_direct", "from_indirect", "financed_sales", "share",
               "direct_share", "customers"]]
    return out.sort_values(["financed_sales", "vendor"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class CycleSignificance:
    """Observed circularity against a degree-preserving null model.

    ``null_counts``/``null_dollars`` hold one value per randomised network.
    ``z_*`` are (observed − null mean) / null std (NaN when the null has no spread);
    ``p_*`` are empirical one-sided p-values ``(1 + #{null ≥ observed}) / (1 + n)``.
    """

    observed_count: int
    observed_dollars: float
    null_counts: np.ndarray = field(repr=False)
    null_dollars: np.ndarray = field(repr=False)
    z_count: float
    z_dollars: float
    p_count: float
    p_dollars: float
    n_samples: int
    basis: str
    seed: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"observed_count": self.observed_count,
                "observed_dollars": self.observed_dollars,
                "null_mean_count": float(np.mean(self.null_counts)),
                "null_mean_dollars": float(np.mean(self.null_dollars)),
                "z_count": self.z_count, "z_dollars": self.z_dollars,
                "p_count": self.p_count, "p_dollars": self.p_dollars,
                "n_samples": self.n_samples, "basis": self.basis}


def _count_and_dollars(g: Any, length_bound: int, cap: int) -> tuple[int, float]:
    n, dollars = 0, 0.0
    for cyc in simple_cycles(g, length_bound):
        legs = zip(cyc, cyc[1:] + cyc[:1], strict=True)
        dollars += min(g.edges[u, v]["weight"] for u, v in legs)
        n += 1
        if n >= cap:
            break
    return n, dollars


def _z(obs: float, null: np.ndarray) -> float:
    sd = float(np.std(null, ddof=1)) if len(null) > 1 else 0.0
    return (obs - float(np.mean(null))) / sd if sd > 0 else float("nan")


def cycle_significance(net: Network | pd.DataFrame, basis: str = "committed", *,
                       n_samples: int = 200, seed: int | None = 0, length_bound: int = 5,
                       measure: str = "total", flow_types: Sequence[str] = CYCLE_FLOW_TYPES,
                       swaps_per_edge: float = 2.0, max_cycles: int = 100_000,
                       ) -> CycleSignificance:
    """Is there more circularity than the degree sequence alone would produce?

    The null model keeps every entity's in- and out-degree (``networkx.directed_edge_swap``,
    ``swaps_per_edge × edges`` swaps per sample) and shuffles the dollar weights across the
    edges. Each sample's cycle count and circular dollars (sum over cycles of the smallest
    leg) are compared with the observed ones.

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": f"e{i}", "name": "x", "kind": "other"} for i in range(4)], "contracts": [
    ...   {"id": f"c{i}", "kind": "loan", "lender": f"e{i}", "borrower": f"e{(i + 1) % 4}",
    ...    "amount": 1, "rate": 0.05} for i in range(4)]})
    >>> cycle_significance(net, n_samples=20).observed_count
    1
    """
    import networkx as nx

    check_basis(basis)
    if n_samples < 1:
        raise ValueError(f"n_samples: expected at least 1, got {n_samples}")
    flows = money_flows(net) if isinstance(net, Network) else net
    g = flow_graph(flows, basis, measure=measure, flow_types=flow_types)
    obs_n, obs_d = _count_and_dollars(g, length_bound, max_cycles)
    rng = np.random.default_rng(seed)
    edges = list(g.edges())
    weights = np.array([g.edges[e]["weight"] for e in edges], dtype=float)
    null_n = np.zeros(n_samples)
    null_d = np.zeros(n_samples)
    nswap = max(1, int(swaps_per_edge * len(edges)))
    for k in range(n_samples):
        h = nx.DiGraph()
        h.add_nodes_from(g.nodes)
        h.add_edges_from(edges)
        if len(edges) >= 3 and h.number_of_nodes() >= 4:
            # a failed swap run keeps the swaps made so far: the degrees still hold
            with contextlib.suppress(nx.NetworkXAlgorithmError, nx.NetworkXError):
                nx.directed_edge_swap(h, nswap=nswap, max_tries=100 * nswap,
                                      seed=int(rng.integers(2**31)))
        shuffled = rng.permutation(weights)
        for (u, v), w in zip(h.edges(), shuffled, strict=True):
            h.edges[u, v]["weight"] = float(w)
        null_n[k], null_d[k] = _count_and_dollars(h, length_bound, max_cycles)
    return CycleSignificance(
        observed_count=obs_n, observed_dollars=obs_d, null_counts=null_n, null_dollars=null_d,
        z_count=_z(obs_n, null_n), z_dollars=_z(obs_d, null_d),
        p_count=float((1 + np.sum(null_n >= obs_n)) / (1 + n_samples)),
        p_dollars=float((1 + np.sum(null_d >= obs_d - 1e-12)) / (1 + n_samples)),
        n_samples=n_samples, basis=basis, seed=seed)
