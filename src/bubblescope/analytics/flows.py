"""Money flows: one row per flow of money a contract implies, on three bases.

Each contract becomes one or more directed, typed flows (source pays target). Every flow
carries its total over the contract term and an annual amount, on three bases kept apart:

``ceiling``
    Everything not cancelled, "up to" amounts included.
``committed``
    Status ``signed`` or ``funded`` with ``amount_type`` ``committed`` or ``drawn``. Announced
    deals and ceiling-only money are excluded; for a signed or funded ceiling deal only the
    part actually drawn, called or paid (``drawn``, ``called``, tranches marked signed or
    funded) counts. Never below the funded amount.
``funded``
    Money that has moved: status ``funded`` (the ``drawn``/``called`` amount if given, or the
    funded tranches of a tranched stake), or an explicit ``drawn``/``called`` amount on a
    signed contract, or ``amount_type: drawn``.

Annual amounts: ``annual = total / years`` where ``years`` is the contract term
(``end − start``, with ``announced`` standing in for a missing ``start``) in years of
365.25 days, floored at one year; a contract without both dates is taken to pay within one
year (``annual = total``). Interest flows are ``rate × principal`` a year (floating rates:
``base_rate + spread``) and total ``annual × years``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model.contracts import (
    AmountType,
    Bond,
    ChipPurchase,
    ComputeContract,
    ContractBase,
    CreditFacility,
    EquityStake,
    FundCommitment,
    Guarantee,
    Lease,
    Loan,
    PowerSupply,
    Securitisation,
    Status,
)
from ..model.network import Network

if TYPE_CHECKING:
    import networkx as nx

BASES: tuple[str, ...] = ("ceiling", "committed", "funded")
FLOW_TYPES: tuple[str, ...] = (
    "equity_investment", "compute_purchase", "chip_purchase", "lending", "debt_service",
    "rent", "bond_purchase", "fund_commitment", "guarantee", "power_purchase",
    "tranche_purchase",
)
#: Flow types that pay for goods and services: the seller's revenue.
REVENUE_FLOW_TYPES: tuple[str, ...] = ("compute_purchase", "chip_purchase", "rent",
                                       "power_purchase")
#: Flow types that finance the target (capital going in).
FINANCING_FLOW_TYPES: tuple[str, ...] = ("equity_investment", "lending", "bond_purchase",
                                         "fund_commitment", "tranche_purchase")
#: Flow types used for circularity by default: every actual transfer of principal or payment
#: for goods, but not interest (the price of a loan already counted) or guarantees
#: (contingent, no money moves unless called).
CYCLE_FLOW_TYPES: tuple[str, ...] = tuple(
    t for t in FLOW_TYPES if t not in ("debt_service", "guarantee"))

COLUMNS: list[str] = [
    "contract_id", "kind", "flow_type", "source", "target", "status", "amount_type",
    "start", "end", "years", "contingent", "total", "annual", "ceiling", "committed",
    "funded", "annual_ceiling", "annual_committed", "annual_funded", "asset",
]
#: ``total`` is the headline amount whatever the status; the bases filter it.
_KEYS: tuple[str, ...] = ("total", *BASES)

DEFAULT_BASE_RATE = 0.04


def check_basis(basis: str) -> str:
    """Return ``basis`` if it is one of :data:`BASES`, else raise ``ValueError``."""
    if basis not in BASES:
        raise ValueError(f"basis: expected one of {', '.join(BASES)}, got {basis!r}")
    return basis


def term_years(c: ContractBase) -> float | None:
    """Contract term in years (``end − start``; ``announced`` if no start), or None.

    Counted in calendar months (see :func:`calendar_years`).

    >>> from bubblescope.model import Loan
    >>> term_years(Loan(id="l", lender="a", borrower="b", rate=0.05, amount=1,
    ...                 start="2025Q1", end="2030Q1"))
    5.0
    """
    start = c.start or c.announced
    if start is None or c.end is None or c.end <= start:
        return None
    return calendar_years(start, c.end)


def calendar_years(start: dt.date, end: dt.date) -> float:
    """Years between two dates counted in calendar months (days as 1/365.25 of a year), so
    that 2024-01-01 → 2029-01-01 is exactly 5.

    >>> calendar_years(dt.date(2025, 11, 1), dt.date(2030, 11, 1))
    5.0
    """
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months / 12 + (end.day - start.day) / 365.25


def basis_amounts(c: ContractBase, amount: float | None = None) -> dict[str, float]:
    """Ceiling, committed and funded dollars of a contract (USD bn).

    ``amount`` overrides the headline amount (used for a holder's slice of a bond); the
    drawn/called share then scales with it.

    >>> from bubblescope.model import Loan
    >>> basis_amounts(Loan(id="l", lender="a", borrower="b", rate=0.05, amount=10,
    ...                    drawn=4, status="signed"))
    {'ceiling': 10.0, 'committed': 10.0, 'funded': 4.0}
    """
    a = float(c.amount if amount is None else amount)
    scale = a / c.amount if c.amount else 0.0
    if c.status == Status.cancelled:
        return {"ceiling": 0.0, "committed": 0.0, "funded": 0.0}
    explicit: float | None = None
    if isinstance(c, Loan | CreditFacility):
        explicit = c.drawn
    elif isinstance(c, FundCommitment):
        explicit = c.called
    tranche_signed = tranche_funded = None
    if isinstance(c, EquityStake) and c.tranches:
        tranche_signed = sum(t.amount for t in c.tranches
                             if t.status in (Status.signed, Status.funded))
        tranche_funded = sum(t.amount for t in c.tranches if t.status == Status.funded)
    live = c.status in (Status.signed, Status.funded)
    # funded
    funded = 0.0
    if live:
        if explicit is not None:
            funded = explicit * scale
        elif tranche_funded:
            funded = tranche_funded * scale
        elif c.status == Status.funded or c.amount_type == AmountType.drawn:
            funded = a
    # committed
    committed = 0.0
    if live:
        if c.amount_type in (AmountType.committed, AmountType.drawn):
            committed = a
        elif explicit is not None:
            committed = explicit * scale
        elif tranche_signed:
            committed = tranche_signed * scale
    committed = max(committed, funded)
    return {"ceiling": a, "committed": min(committed, a), "funded": min(funded, a)}


def _amounts(c: ContractBase, amount: float | None = None) -> dict[str, float]:
    out = basis_amounts(c, amount)
    out["total"] = float(c.amount if amount is None else amount)
    return out


def _rate(c: Loan | CreditFacility | Bond, base_rate: float) -> float:
    if c.rate_type == "floating":
        return base_rate + (c.spread or 0.0)
    return c.rate or 0.0


def _asset(c: ContractBase) -> str | None:
    if isinstance(c, Loan) and c.collateral.kind != "none":
        bits = [c.collateral.kind, c.collateral.generation, c.collateral.description]
        return ": ".join(b for b in bits[:2] if b) + (f" ({bits[2]})" if bits[2] else "")
    if isinstance(c, Bond):
        return c.secured_by
    if isinstance(c, Lease):
        return c.asset
    return None


class _Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, c: ContractBase, flow_type: str, source: str, target: str,
            amounts: dict[str, float], *, years: float | None, annual: dict[str, float]
            | None = None, contingent: bool = False) -> None:
        if source == target:
            return
        per_year = max(years, 1.0) if years else 1.0
        if annual is None:
            annual = {b: amounts[b] / per_year for b in _KEYS}
        row = {"contract_id": c.id, "kind": c.kind, "flow_type": flow_type,
               "source": source, "target": target, "status": c.status.value,
               "amount_type": c.amount_type.value, "start": c.start or c.announced,
               "end": c.end, "years": years, "contingent": contingent,
               "asset": _asset(c)}
        row["total"] = amounts["total"]
        row["annual"] = annual["total"]
        for b in BASES:
            row[b] = amounts[b]
            row[f"annual_{b}"] = annual[b]
        self.rows.append(row)


def _interest(rows: _Rows, c: ContractBase, payer: str, payee: str,
              principal: dict[str, float], rate: float, years: float | None) -> None:
    if rate <= 0:
        return
    annual = {b: principal[b] * rate for b in _KEYS}
    total = {b: annual[b] * (max(years, 1.0) if years else 1.0) for b in _KEYS}
    rows.add(c, "debt_service", payer, payee, total, years=years, annual=annual)


def _guarantee_targets(net_contracts: dict[str, ContractBase],
                       g: Guarantee) -> list[tuple[str, float]]:
    """(beneficiary, weight) pairs for a guarantee."""
    if g.beneficiary:
        return [(g.beneficiary, 1.0)]
    ob = net_contracts.get(g.obligation)
    if ob is None:
        return []
    if isinstance(ob, Loan | CreditFacility):
        return [(ob.lender, 1.0)]
    if isinstance(ob, Lease):
        return [(ob.lessor, 1.0)]
    if isinstance(ob, Bond):
        slices = _bond_slices(ob)
        total = sum(a for _, a in slices)
        return [(h, a / total) for h, a in slices] if total else []
    if isinstance(ob, ComputeContract):
        return [(ob.seller, 1.0)]
    if isinstance(ob, ChipPurchase):
        return [(ob.vendor, 1.0)]
    if isinstance(ob, PowerSupply):
        return [(ob.supplier, 1.0)]
    if isinstance(ob, EquityStake | FundCommitment):
        return [(ob.investor, 1.0)]
    if isinstance(ob, Securitisation):
        out: list[tuple[str, float]] = []
        for t in ob.tranches:
            for h, s in _tranche_slices(t):
                out.append((h, s * (t.detachment - t.attachment)))
        total = sum(w for _, w in out)
        return [(h, w / total) for h, w in out] if total else []
    return []


def _bond_slices(b: Bond) -> list[tuple[str, float]]:
    out = [(h.holder, h.amount) for h in b.holders]
    if b.remainder_holder and b.unlisted_amount() > 0:
        out.append((b.remainder_holder, b.unlisted_amount()))
    return out


def _tranche_slices(t: Any) -> list[tuple[str, float]]:
    """(holder, share of the tranche)."""
    out = [(h.holder, h.share) for h in t.holders]
    rest = 1.0 - sum(h.share for h in t.holders)
    if t.remainder_holder and rest > 1e-12:
        out.append((t.remainder_holder, rest))
    return out


def contract_flows(c: ContractBase, *, contracts: dict[str, ContractBase] | None = None,
                   base_rate: float = DEFAULT_BASE_RATE) -> list[dict[str, Any]]:
    """Flows of one contract as rows (see :data:`COLUMNS`)."""
    rows = _Rows()
    years = term_years(c)
    amounts = _amounts(c)
    if isinstance(c, EquityStake):
        rows.add(c, "equity_investment", c.investor, c.issuer, amounts, years=years)
    elif isinstance(c, ComputeContract):
        rows.add(c, "compute_purchase", c.buyer, c.seller, amounts, years=years)
    elif isinstance(c, ChipPurchase):
        rows.add(c, "chip_purchase", c.buyer, c.vendor, amounts, years=years)
    elif isinstance(c, PowerSupply):
        rows.add(c, "power_purchase", c.buyer, c.supplier, amounts, years=years)
    elif isinstance(c, Lease):
        rows.add(c, "rent", c.lessee, c.lessor, amounts, years=years)
    elif isinstance(c, FundCommitment):
        rows.add(c, "fund_commitment", c.investor, c.fund, amounts, years=years)
    elif isinstance(c, Loan | CreditFacility):
        rows.add(c, "lending", c.lender, c.borrower, amounts, years=years)
        _interest(rows, c, c.borrower, c.lender, amounts, _rate(c, base_rate), years)
    elif isinstance(c, Bond):
        for holder, held in _bond_slices(c):
            part = _amounts(c, held)
            rows.add(c, "bond_purchase", holder, c.issuer, part, years=years)
            _interest(rows, c, c.issuer, holder, part, _rate(c, base_rate), years)
    elif isinstance(c, Securitisation):
        for t in c.tranches:
            size = c.amount * (t.detachment - t.attachment)
            for holder, s in _tranche_slices(t):
                part = _amounts(c, size * s)
                rows.add(c, "tranche_purchase", holder, c.issuer, part, years=years)
                if t.coupon:
                    _interest(rows, c, c.issuer, holder, part, t.coupon, years)
    elif isinstance(c, Guarantee):
        for target, w in _guarantee_targets(contracts or {}, c):
            part = {b: amounts[b] * w for b in _KEYS}
            rows.add(c, "guarantee", c.guarantor, target, part, years=years, contingent=True)
    return rows.rows


def _active(c: ContractBase, day: dt.date) -> bool:
    start = c.start or c.announced
    if start is not None and start > day:
        return False
    return not (c.end is not None and c.end <= day)


def money_flows(net: Network, *, statuses: Iterable[str] | None = None,
                as_of: dt.date | str | None = None, flow_types: Iterable[str] | None = None,
                base_rate: float = DEFAULT_BASE_RATE) -> pd.DataFrame:
    """The tidy flow table of a network: one row per flow (amounts in USD bn).

    Parameters
    ----------
    net : Network
    statuses : iterable of str, optional
        Keep only contracts with these statuses (default: all).
    as_of : date or str, optional
        Keep only contracts active on that day (started, not yet ended; undated ends stay).
    flow_types : iterable of str, optional
        Keep only these flow types (see :data:`FLOW_TYPES`).
    base_rate : float
        Base rate for floating-rate interest (decimal a year).

    Returns
    -------
    DataFrame with :data:`COLUMNS`: ``total``/``annual`` are the headline dollars whatever
    the status (a cancelled deal keeps its total but has 0 on every basis);
    ``ceiling``/``committed``/``funded`` are the basis dollars over the term and
    ``annual_*`` the same a year.

    Examples
    --------
    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...     "entities": [{"id": "a", "name": "A", "kind": "chip_vendor"},
    ...                  {"id": "b", "name": "B", "kind": "neocloud"}],
    ...     "contracts": [{"id": "x", "kind": "chip_purchase", "buyer": "b", "vendor": "a",
    ...                    "amount": 10, "start": "2025Q1", "end": "2030Q1"}]})
    >>> money_flows(net)[["source", "target", "committed", "annual_committed"]].values.tolist()
    [['b', 'a', 10.0, 2.0]]
    """
    from ..model._fields import parse_date

    keep_status = None if statuses is None else {str(s) for s in statuses}
    if keep_status is not None:
        bad = keep_status - {s.value for s in Status}
        if bad:
            raise ValueError(f"statuses: unknown status {sorted(bad)[0]!r}")
    day = None if as_of is None else parse_date(as_of)
    if flow_types is not None:
        flow_types = set(flow_types)
        bad = flow_types - set(FLOW_TYPES)
        if bad:
            raise ValueError(f"flow_types: unknown flow type {sorted(bad)[0]!r}")
    index = {c.id: c for c in net.contracts}
    rows: list[dict[str, Any]] = []
    for c in net.contracts:
        if keep_status is not None and c.status.value not in keep_status:
            continue
        if day is not None and not _active(c, day):
            continue
        rows.extend(contract_flows(c, contracts=index, base_rate=base_rate))
    df = pd.DataFrame(rows, columns=COLUMNS)
    if flow_types is not None:
        df = df[df["flow_type"].isin(flow_types)].reset_index(drop=True)
    for col in ("total", "annual", *BASES, *(f"annual_{b}" for b in BASES)):
        df[col] = df[col].astype(float)
    df["contingent"] = df["contingent"].astype(bool)
    return df


def amount_column(basis: str, measure: str = "total") -> str:
    """Column of the flow table holding ``basis`` dollars as a total or a year."""
    check_basis(basis)
    if measure not in ("total", "annual"):
        raise ValueError(f"measure: expected 'total' or 'annual', got {measure!r}")
    return basis if measure == "total" else f"annual_{basis}"


def flow_graph(flows: pd.DataFrame | Network, basis: str = "committed", *,
               measure: str = "total", flow_types: Sequence[str] | None = None,
               multigraph: bool = False, drop_zero: bool = True) -> nx.DiGraph:
    """A directed graph of money for one basis (edge attribute ``weight`` in USD bn).

    The simple graph sums parallel flows per (source, target) and keeps the dollars per flow
    type in the edge attribute ``by_type``; the multigraph keeps one edge per flow (keyed
    ``contract_id:flow_type``).

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31",
    ...     "entities": [{"id": "a", "name": "A", "kind": "chip_vendor"},
    ...                  {"id": "b", "name": "B", "kind": "neocloud"}],
    ...     "contracts": [{"id": "x", "kind": "chip_purchase", "buyer": "b", "vendor": "a",
    ...                    "amount": 10, "status": "funded"}]})
    >>> flow_graph(net, "funded").edges["b", "a"]["weight"]
    10.0
    """
    import networkx as nx

    df = money_flows(flows) if isinstance(flows, Network) else flows
    col = amount_column(basis, measure)
    if flow_types is not None:
        df = df[df["flow_type"].isin(list(flow_types))]
    if drop_zero:
        df = df[df[col] > 0]
    if multigraph:
        mg = nx.MultiDiGraph()
        for r in df.itertuples(index=False):
            mg.add_edge(r.source, r.target, key=f"{r.contract_id}:{r.flow_type}",
                        weight=float(getattr(r, col)), flow_type=r.flow_type,
                        contract_id=r.contract_id)
        return mg
    g = nx.DiGraph()
    grouped = df.groupby(["source", "target", "flow_type"], sort=False)[col].sum()
    for (s, t, ft), w in grouped.items():
        if g.has_edge(s, t):
            data = g.edges[s, t]
            data["weight"] += float(w)
            data["by_type"][ft] = data["by_type"].get(ft, 0.0) + float(w)
        else:
            g.add_edge(s, t, weight=float(w), by_type={ft: float(w)})
    return g
