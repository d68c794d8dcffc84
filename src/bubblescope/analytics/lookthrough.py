"""Look-through: who holds the downside, and whose revenue it ultimately rests on.

Exposures are claims: equity stakes (investor on issuer), loans and credit facilities
(lender on borrower), bonds and securitisation tranches (holder on issuer) and fund
commitments (LP on fund), in dollars on one basis.

The look-through rule
---------------------
Money is followed from every final holder (pension funds, insurers, sovereign funds,
endowments, ETFs, retail and 401(k) savers, banks, hedge funds) through *pass-through*
entities until it reaches an *ultimate obligor*, the entity whose own revenue services it.

* Funds (private credit funds, asset managers, venture funds) and ETFs pass every dollar
  they receive on to their own claims in proportion to their size (LP money and bank
  leverage alike; seniority is ignored in this static view).
* An SPV passes through to whoever pays it: the obligors of its securitised pool, else the
  lessees of its leases (Hyperion → Meta), else the buyers of its compute, else its parent.
* Everyone else is an ultimate obligor. A neocloud is its own obligor even though its
  customers' payments service its debt: it bears the credit risk, and its customers can walk
  away at the end of their contracts (see :func:`risk_chain` for its customers).
* A pass-through with nothing to pass to (or only to other pass-throughs that never reach
  an obligor) keeps the dollars itself.

Every holder's dollar therefore lands on exactly one obligor, and the rows of the
holder × obligor matrix sum to the holders' direct exposure.

Reconstruction. Private credit is opaque. When a fund's LP money (its financing inflows)
exceeds the claims listed for it, the gap is spread over the operating entities (not
holders, funds or governments) whose debt has no listed lender (``entity.debt``) by the
maximum-entropy (RAS) reconstruction of
:func:`bubblescope.contagion.reconstruct_max_entropy`; those dollars are flagged
``reconstructed``. When no such entity exists the gap stays with the fund. When a fund's
listed claims exceed its known funding and final holders (other than ETFs) declare their
``assets_under_management``, the unknown LP money is likewise reconstructed from the
holders' unused capacity (``reconstruct_lps``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.contracts import (
    Bond,
    ChipPurchase,
    ComputeContract,
    ContractBase,
    CreditFacility,
    Guarantee,
    Lease,
    Loan,
    PowerSupply,
    Securitisation,
    Status,
)
from ..model.entity import FINAL_HOLDER_KINDS, INTERMEDIARY_KINDS, EntityKind
from ..model.network import Network
from .flows import FINANCING_FLOW_TYPES, basis_amounts, check_basis, money_flows

#: Kinds that pass exposure on to their own claims.
FUND_KINDS = frozenset(INTERMEDIARY_KINDS | {EntityKind.etf})
#: Kinds whose ledger :func:`off_balance_sheet` reports.
GIANT_KINDS = frozenset({EntityKind.hyperscaler, EntityKind.ai_lab, EntityKind.cloud_provider})
#: Kinds never assigned reconstructed private-credit holdings (their debt is not AI debt).
_NOT_BORROWERS = frozenset(FINAL_HOLDER_KINDS | FUND_KINDS | {EntityKind.government})


@dataclass(frozen=True)
class LookThrough:
    """Result of :func:`look_through` (USD bn).

    Attributes
    ----------
    matrix : DataFrame
        Holder × ultimate obligor dollars.
    table : DataFrame
        Long form: ``holder``, ``obligor``, ``amount``, ``reconstructed_amount`` (dollars
        that passed through a reconstructed link) and ``reconstructed`` (bool).
    direct : Series
        Each holder's direct exposure (the matrix's row sums).
    reconstructed_links : DataFrame
        The reconstructed claims: ``source``, ``target``, ``amount``, ``side``
        ('holdings' or 'lps').
    basis : str
    """

    matrix: pd.DataFrame
    table: pd.DataFrame
    direct: pd.Series
    reconstructed_links: pd.DataFrame
    basis: str
    transitions: dict[str, list[tuple[str, float, bool, str | None]]] = field(repr=False)
    exposures: dict[str, list[tuple[str, float, bool, str | None]]] = field(repr=False)
    kinds: dict[str, str] = field(repr=False)

    @property
    def any_reconstructed(self) -> bool:
        return bool(len(self.reconstructed_links))

    def by_obligor(self) -> pd.Series:
        """Dollars landing on each ultimate obligor, largest first."""
        return self.matrix.sum(axis=0).sort_values(ascending=False)


def exposure_edges(net: Network, basis: str = "committed") -> pd.DataFrame:
    """Direct claims ``source`` (holder) → ``target`` (obligor) in dollars, with the asset.

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "p", "name": "P", "kind": "pension_fund"},
    ...   {"id": "m", "name": "M", "kind": "hyperscaler"}], "contracts": [
    ...   {"id": "b", "kind": "bond", "issuer": "m", "rate": 0.05, "amount": 3,
    ...    "remainder_holder": "p"}]})
    >>> exposure_edges(net)[["source", "target", "amount"]].values.tolist()
    [['p', 'm', 3.0]]
    """
    flows = money_flows(net, flow_types=FINANCING_FLOW_TYPES)
    col = check_basis(basis)
    df = flows[flows[col] > 0]
    out = pd.DataFrame({"source": df["source"], "target": df["target"],
                        "amount": df[col].astype(float), "contract_id": df["contract_id"],
                        "flow_type": df["flow_type"], "asset": df["asset"]})
    return out.reset_index(drop=True)


def _spv_index(net: Network) -> dict[tuple[str, str], list[ContractBase]]:
    """Live contracts by (role, entity): securitisations by issuer, leases by lessor,
    compute contracts by seller."""
    out: dict[tuple[str, str], list[ContractBase]] = defaultdict(list)
    for c in net.contracts:
        if c.status == Status.cancelled:
            continue
        if isinstance(c, Securitisation):
            out[("issuer", c.issuer)].append(c)
        elif isinstance(c, Lease):
            out[("lessor", c.lessor)].append(c)
        elif isinstance(c, ComputeContract):
            out[("seller", c.seller)].append(c)
    return out


def _spv_targets(net: Network, spv: str, basis: str, index: dict[str, ContractBase],
                 roles: dict[tuple[str, str], list[ContractBase]],
                 ) -> list[tuple[str, float, str | None]]:
    """(obligor, weight, asset) for an SPV, following the rule in the module docs."""

    def amount(c: ContractBase) -> float:
        b = basis_amounts(c)
        return b[basis] if b[basis] > 0 else b["ceiling"]

    pool: list[tuple[str, float, str | None]] = []
    for c in roles.get(("issuer", spv), []):
        for ref in c.pool:  # type: ignore[attr-defined]
            p = index.get(ref)
            if p is None:
                continue
            obligor = _obligor_of(p)
            if obligor and obligor != spv:
                pool.append((obligor, amount(p), getattr(p, "asset", None)))
    if pool:
        return pool
    leases = [(c.lessee, amount(c), c.asset) for c in roles.get(("lessor", spv), [])]
    if leases:
        return leases
    buyers = [(c.buyer, amount(c), None) for c in roles.get(("seller", spv), [])]
    if buyers:
        return buyers
    parent = net.entity(spv).parent
    if parent and parent != spv:
        return [(parent, 1.0, None)]
    return []


def _obligor_of(c: ContractBase) -> str | None:
    if isinstance(c, Loan | CreditFacility):
        return c.borrower
    if isinstance(c, Lease):
        return c.lessee
    if isinstance(c, Bond):
        return c.issuer
    if isinstance(c, ComputeContract):
        return c.buyer
    if isinstance(c, ChipPurchase | PowerSupply):
        return c.buyer
    return None


def _ras(rows: dict[str, float], cols: dict[str, float], *,
         exact: str = "rows") -> list[tuple[str, str, float]]:
    """Max-entropy links (zero diagonal) meeting the ``exact`` side's totals; the other
    side's totals are only relative weights, rescaled to match."""
    from ..contagion import reconstruct_max_entropy

    rows = {k: v for k, v in rows.items() if v > 0}
    cols = {k: v for k, v in cols.items() if v > 0}
    if not rows or not cols:
        return []
    names = sorted(set(rows) | set(cols))
    pos = {n: i for i, n in enumerate(names)}
    r = np.zeros(len(names))
    c = np.zeros(len(names))
    total_r, total_c = sum(rows.values()), sum(cols.values())
    for k, v in rows.items():
        r[pos[k]] = v if exact == "rows" else v * total_c / total_r
    for k, v in cols.items():
        c[pos[k]] = v if exact == "cols" else v * total_r / total_c
    if np.any(r + c > r.sum() * (1 + 1e-12)):
        # infeasible with a zero diagonal (one node dominates both sides): spread
        # proportionally without the zero-diagonal constraint on that node
        x = np.outer(r, c) / r.sum()
    else:
        x = np.asarray(reconstruct_max_entropy(r, c).matrix, dtype=float)
    out = []
    for i, j in zip(*np.nonzero(x > 1e-15), strict=True):
        out.append((names[i], names[j], float(x[i, j])))
    return out


def look_through(net: Network, basis: str = "committed", *,
                 holders: Iterable[str] | None = None, reconstruct: bool = True,
                 reconstruct_lps: bool = True, tol: float = 1e-9) -> LookThrough:
    """Follow every final holder's dollars to the ultimate obligors.

    Parameters
    ----------
    net : Network
    basis : {'ceiling', 'committed', 'funded'}
        Which dollars count as exposure.
    holders : iterable of str, optional
        Rows of the matrix (default: every final-holder entity with exposure).
    reconstruct : bool
        Fill funds' unlisted holdings by maximum entropy (see module docs).
    reconstruct_lps : bool
        Fill funds' unknown LPs from holders' declared ``assets_under_management``.

    Returns
    -------
    LookThrough

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "pen", "name": "P", "kind": "pension_fund"},
    ...   {"id": "pc", "name": "F", "kind": "private_credit_fund"},
    ...   {"id": "spv", "name": "S", "kind": "spv"},
    ...   {"id": "meta", "name": "M", "kind": "hyperscaler"}], "contracts": [
    ...   {"id": "c", "kind": "fund_commitment", "investor": "pen", "fund": "pc", "amount": 4},
    ...   {"id": "l", "kind": "loan", "lender": "pc", "borrower": "spv", "amount": 4,
    ...    "rate": 0.06},
    ...   {"id": "r", "kind": "lease", "lessor": "spv", "lessee": "meta", "amount": 9}]})
    >>> float(look_through(net).matrix.loc["pen", "meta"])
    4.0
    """
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    check_basis(basis)
    kinds = {e.id: e.kind for e in net.entities}
    index = {c.id: c for c in net.contracts}
    edges = exposure_edges(net, basis)

    # direct claims: source -> [(target, amount, reconstructed, asset)]
    claims: dict[str, list[tuple[str, float, bool, str | None]]] = defaultdict(list)
    grouped = edges.groupby(["source", "target"], sort=False).agg(
        amount=("amount", "sum"), asset=("asset", "first")).reset_index()
    for s, t, amount, asset in grouped.itertuples(index=False):
        claims[s].append((t, float(amount), False, asset if isinstance(asset, str) else None))
    inflow = edges.groupby("target")["amount"].sum().to_dict()

    funds = [e for e, k in kinds.items() if k in FUND_KINDS]
    rec_rows: list[dict[str, Any]] = []
    if reconstruct:
        gaps = {}
        for f in funds:
            listed = sum(a for _, a, _, _ in claims.get(f, []))
            gap = inflow.get(f, 0.0) - listed
            if gap > tol * max(1.0, inflow.get(f, 0.0)):
                gaps[f] = gap
        unexplained = {e.id: e.debt for e in net.entities
                       if e.debt > 0 and e.kind not in _NOT_BORROWERS}
        for s, t, a in _ras(gaps, unexplained):
            claims[s].append((t, a, True, None))
            rec_rows.append({"source": s, "target": t, "amount": a, "side": "holdings"})
    if reconstruct_lps:
        excess = {}
        for f in funds:
            listed = sum(a for _, a, rec, _ in claims.get(f, []) if not rec)
            gap = listed - inflow.get(f, 0.0)
            if gap > tol * max(1.0, listed):
                excess[f] = gap
        capacity = {}
        for e in net.entities:
            if e.kind in FINAL_HOLDER_KINDS and e.kind != EntityKind.etf and \
                    e.assets_under_management:
                used = sum(a for _, a, _, _ in claims.get(e.id, []))
                capacity[e.id] = max(e.assets_under_management - used, 0.0)
        if excess and capacity:
            for s, t, a in _ras(capacity, excess, exact="cols"):
                claims[s].append((t, a, True, None))
                rec_rows.append({"source": s, "target": t, "amount": a, "side": "lps"})

    # transitions out of pass-through entities
    transitions: dict[str, list[tuple[str, float, bool, str | None]]] = {}
    for f in funds:
        out = [(t, a, r, asset) for t, a, r, asset in claims.get(f, []) if a > 0]
        kept = inflow.get(f, 0.0) - sum(a for _, a, _, _ in out)
        if out and kept > tol * max(1.0, inflow.get(f, 0.0)):
            out.append((f, kept, False, None))  # unallocated money stays with the fund
        if out:
            transitions[f] = out
    roles = _spv_index(net)
    for e, k in kinds.items():
        if k == EntityKind.spv:
            out = [(t, w, False, asset)
                   for t, w, asset in _spv_targets(net, e, basis, index, roles)
                   if w > 0 and t != e]
            if out:
                transitions[e] = out
    # pass-throughs that can never reach an obligor keep the dollars (closed loops)
    reach: set[str] = set()
    changed = True
    while changed:
        changed = False
        for p, outs in transitions.items():
            if p not in reach and any(t not in transitions or t in reach or t == p
                                      for t, *_ in outs):
                reach.add(p)
                changed = True
    transitions = {p: v for p, v in transitions.items() if p in reach}

    holder_ids = (list(holders) if holders is not None else
                  sorted(e for e, k in kinds.items() if k in FINAL_HOLDER_KINDS
                         and claims.get(e)))
    # Markov absorption on states (entity, flag) where flag marks a reconstructed path
    nodes = sorted(set(kinds) | {t for v in claims.values() for t, *_ in v})
    pos = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    pt = [p for p in nodes if p in transitions]
    ppos = {p: i for i, p in enumerate(pt)}
    m = len(pt)
    # one entry per pass-through link, then doubled for the two flags with numpy
    src_l, tgt_l, w_l, rec_l, to_q = [], [], [], [], []
    for p in pt:
        outs = transitions[p]
        total = sum(a for _, a, _, _ in outs)
        for t, a, rec, _ in outs:
            src_l.append(ppos[p])
            internal = t in ppos and t != p
            tgt_l.append(ppos[t] if internal else pos[t])
            to_q.append(internal)
            w_l.append(a / total)
            rec_l.append(rec)
    src_a = np.asarray(src_l, dtype=np.int64)
    tgt_a = np.asarray(tgt_l, dtype=np.int64)
    w_a = np.asarray(w_l, dtype=float)
    rec_a = np.asarray(rec_l, dtype=bool)
    q_mask = np.asarray(to_q, dtype=bool)
    q_rows, q_cols, q_vals, r_rows, r_cols, r_vals = [], [], [], [], [], []
    for flag in (0, 1):
        f2 = (rec_a | bool(flag)).astype(np.int64)
        rows_f = src_a + flag * m
        q_rows.append(rows_f[q_mask])
        q_cols.append((tgt_a + f2 * m)[q_mask])
        q_vals.append(w_a[q_mask])
        r_rows.append(rows_f[~q_mask])
        r_cols.append((tgt_a + f2 * n)[~q_mask])
        r_vals.append(w_a[~q_mask])
    h = len(holder_ids)
    x_p = np.zeros((h, 2 * m))
    x_a = np.zeros((h, 2 * n))
    direct = np.zeros(h)
    for i, hid in enumerate(holder_ids):
        for t, a, rec, _ in claims.get(hid, []):
            direct[i] += a
            f2 = 1 if rec else 0
            if t in ppos:
                x_p[i, ppos[t] + f2 * m] += a
            else:
                x_a[i, pos[t] + f2 * n] += a
    ultimate = x_a
    if m and h:
        q = sp.csc_array((np.concatenate(q_vals), (np.concatenate(q_rows),
                                                   np.concatenate(q_cols))),
                         shape=(2 * m, 2 * m))
        r = sp.csr_array((np.concatenate(r_vals), (np.concatenate(r_rows),
                                                   np.concatenate(r_cols))),
                         shape=(2 * m, 2 * n))
        lhs = (sp.identity(2 * m, format="csc") - q).T.tocsc()
        y = spla.spsolve(lhs, x_p.T)
        y = np.asarray(y).reshape(2 * m, h).T
        ultimate = x_a + np.asarray(r.T @ y.T).T
    total = ultimate[:, :n] + ultimate[:, n:]
    rec_part = ultimate[:, n:]
    keep = np.flatnonzero(np.abs(total).sum(axis=0) > 0)
    matrix = pd.DataFrame(total[:, keep], index=pd.Index(holder_ids, name="holder"),
                          columns=pd.Index([nodes[j] for j in keep], name="obligor"))
    ii, jj = np.nonzero(total > 1e-12)
    table = pd.DataFrame({"holder": np.asarray(holder_ids, dtype=object)[ii],
                          "obligor": np.asarray(nodes, dtype=object)[jj],
                          "amount": total[ii, jj], "reconstructed_amount": rec_part[ii, jj]})
    table["reconstructed"] = table["reconstructed_amount"] > 1e-9
    table = table.sort_values(["holder", "amount"], ascending=[True, False],
                              kind="stable").reset_index(drop=True)
    return LookThrough(
        matrix=matrix, table=table, direct=pd.Series(direct, index=holder_ids, name="direct"),
        reconstructed_links=pd.DataFrame(rec_rows, columns=["source", "target", "amount",
                                                            "side"]),
        basis=basis, transitions=transitions, exposures=dict(claims),
        kinds={k: v.value for k, v in kinds.items()})


def risk_chain(lt: LookThrough, net: Network | None = None, *, max_depth: int = 8,
               min_amount: float = 1e-6) -> pd.DataFrame:
    """The risk chain path by path: final bearer → intermediary → financing entity → end user.

    ``intermediary`` lists the funds/ETFs passed through; ``financing_entity`` is the last
    SPV on the path, or the obligor itself when it is a neocloud or an SPV; ``end_user`` is
    the ultimate obligor (for a neocloud, its largest customer in the as-of year on the
    look-through basis, when ``net`` is given, with ``end_user_share`` of its revenue).
    ``asset`` comes from the collateral, ``secured_by`` or lease ``asset`` fields along the
    path.
    Paths deeper than ``max_depth`` stop where they are (dollars are kept).

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "pen", "name": "P", "kind": "pension_fund"},
    ...   {"id": "spv", "name": "S", "kind": "spv"},
    ...   {"id": "meta", "name": "M", "kind": "hyperscaler"}], "contracts": [
    ...   {"id": "b", "kind": "bond", "issuer": "spv", "amount": 5, "rate": 0.065,
    ...    "remainder_holder": "pen"},
    ...   {"id": "r", "kind": "lease", "lessor": "spv", "lessee": "meta", "amount": 9}]})
    >>> risk_chain(look_through(net), net)[["final_holder", "financing_entity", "end_user",
    ...                                     "amount"]].values.tolist()
    [['pen', 'spv', 'meta', 5.0]]
    """
    top_customer: dict[str, tuple[str, float]] = {}
    if net is not None:
        from .concentration import revenue_concentration

        rc = revenue_concentration(net, lt.basis)
        top_customer = {r.entity: (r.top_counterparty, r.top_share)
                        for r in rc.itertuples(index=False)}
    rows: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])

    def walk(holder: str, path: list[str], node: str, amount: float, rec: bool,
             asset: str | None, stop: bool = False) -> None:
        outs = lt.transitions.get(node)
        if outs and not stop and len(path) < max_depth and amount > min_amount:
            total = sum(a for _, a, _, _ in outs)
            for t, a, r2, a2 in outs:
                walk(holder, [*path, node], t, amount * a / total, rec or r2, a2 or asset,
                     stop=t == node)
            return
        kinds = lt.kinds
        inter = [p for p in path if kinds.get(p) in {k.value for k in FUND_KINDS}
                 and p != node]
        spvs = [p for p in path if kinds.get(p) == EntityKind.spv.value]
        if kinds.get(node) in (EntityKind.neocloud.value, EntityKind.spv.value):
            financing = node
        else:
            financing = spvs[-1] if spvs else "—"
        end_user, share = node, np.nan
        if kinds.get(node) == EntityKind.neocloud.value and node in top_customer:
            end_user, share = top_customer[node]
        key = (holder, " → ".join(inter) or "—", financing, node, end_user, share,
               asset or "—")
        rows[key][0] += amount
        rows[key][1] += amount if rec else 0.0

    for holder in lt.direct.index:
        for t, a, rec, asset in lt.exposures.get(holder, []):
            walk(holder, [], t, a, rec, asset)
    out = pd.DataFrame(
        [(*k, v[0], v[1]) for k, v in rows.items()],
        columns=["final_holder", "intermediary", "financing_entity", "ultimate_obligor",
                 "end_user", "end_user_share", "asset", "amount", "reconstructed_amount"])
    out["reconstructed"] = out["reconstructed_amount"] > 1e-9
    return out.sort_values("amount", ascending=False, kind="stable").reset_index(drop=True)


def remaining_fraction(c: ContractBase, as_of: dt.date) -> float:
    """Share of a contract's term still to run after ``as_of`` (1 if not started or undated).

    >>> from bubblescope.model import Lease
    >>> remaining_fraction(Lease(id="l", lessor="a", lessee="b", amount=10,
    ...     start="2020-01-01", end="2030-01-01"), dt.date(2025, 1, 1))  # doctest: +ELLIPSIS
    0.499...
    """
    start = c.start or c.announced
    if c.end is None:
        return 1.0
    if c.end <= as_of:
        return 0.0
    if start is None or start >= as_of:
        return 1.0
    return (c.end - as_of).days / (c.end - start).days


def _remaining(c: ContractBase, basis: str, as_of: dt.date) -> float:
    amount = basis_amounts(c)[basis]
    if isinstance(c, Lease) and c.rent_schedule:
        left = sum(p.amount for p in c.rent_schedule if p.date > as_of)
        return min(left, amount) if amount else 0.0
    if isinstance(c, ChipPurchase) and c.deliveries:
        delivered = sum(d.amount for d in c.deliveries if d.date <= as_of)
        return max(amount - delivered, 0.0)
    return amount * remaining_fraction(c, as_of)


def off_balance_sheet(net: Network, basis: str = "committed", *,
                      entities: Sequence[str] | None = None) -> pd.DataFrame:
    """What each giant owes off its balance sheet, beside its on-balance-sheet debt (USD bn).

    Columns: ``spv_lease_rent`` (rent still to pay on leases from SPVs), ``other_lease_rent``,
    ``guarantees`` (caps of guarantees given), ``residual_value_guarantees`` (on its leases),
    ``compute_commitments`` and ``chip_commitments`` (purchase obligations still to run),
    ``off_balance_sheet`` (their sum), ``on_balance_sheet_debt`` (``entity.debt`` plus loans
    and facilities it borrowed and bonds it issued, on the basis) and ``off_to_on`` (ratio).
    Remaining amounts pro-rate the basis dollars by the share of the term after the as-of
    date (or use the rent/delivery schedule when given).

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "spv", "name": "S", "kind": "spv"},
    ...   {"id": "meta", "name": "M", "kind": "hyperscaler", "debt": 30}], "contracts": [
    ...   {"id": "r", "kind": "lease", "lessor": "spv", "lessee": "meta", "amount": 40,
    ...    "start": "2029-01-01", "end": "2049-01-01"}]})
    >>> off_balance_sheet(net).loc["meta", ["spv_lease_rent", "on_balance_sheet_debt"]].tolist()
    [40.0, 30.0]
    """
    check_basis(basis)
    kinds = {e.id: e.kind for e in net.entities}
    ids = list(entities) if entities is not None else [
        e.id for e in net.entities if e.kind in GIANT_KINDS]
    keys = ("spv_lease_rent", "other_lease_rent", "guarantees", "residual_value_guarantees",
            "compute_commitments", "chip_commitments")
    ledger = {eid: dict.fromkeys(keys, 0.0) for eid in ids}
    debt = {eid: net.entity(eid).debt for eid in ids}
    for c in net.contracts:
        if c.status == Status.cancelled:
            continue
        if isinstance(c, Lease) and c.lessee in ledger:
            if basis_amounts(c)[basis] > 0:
                key = "spv_lease_rent" if kinds.get(c.lessor) == EntityKind.spv else \
                    "other_lease_rent"
                ledger[c.lessee][key] += _remaining(c, basis, net.as_of)
                ledger[c.lessee]["residual_value_guarantees"] += c.residual_value_guarantee
        elif isinstance(c, Guarantee) and c.guarantor in ledger:
            ledger[c.guarantor]["guarantees"] += basis_amounts(c)[basis]
        elif isinstance(c, ComputeContract) and c.buyer in ledger:
            ledger[c.buyer]["compute_commitments"] += _remaining(c, basis, net.as_of)
        elif isinstance(c, ChipPurchase) and c.buyer in ledger:
            ledger[c.buyer]["chip_commitments"] += _remaining(c, basis, net.as_of)
        elif isinstance(c, Loan | CreditFacility) and c.borrower in debt:
            debt[c.borrower] += basis_amounts(c)[basis]
        elif isinstance(c, Bond) and c.issuer in debt:
            debt[c.issuer] += basis_amounts(c)[basis]
    rows = []
    for eid in ids:
        r = {"entity": eid, **ledger[eid]}
        r["off_balance_sheet"] = sum(ledger[eid].values())
        r["on_balance_sheet_debt"] = debt[eid]
        r["off_to_on"] = r["off_balance_sheet"] / debt[eid] if debt[eid] > 0 else np.nan
        rows.append(r)
    out = pd.DataFrame(rows)
    if len(out):
        out = out.set_index("entity").sort_values("off_balance_sheet", ascending=False,
                                                  kind="stable")
    return out
