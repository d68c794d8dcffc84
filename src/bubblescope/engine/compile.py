"""Compile a validated network into the arrays the engine steps through.

Quarter ``0`` is the network's as-of quarter (2025Q4 for as-of 2025-12-31); quarter ``t``
is ``t`` quarters later; the horizon quarter is the last one simulated. Entities keep their
network order; index ``N`` (one past the last entity) stands for parties outside the
network ("external"): outside lenders and bondholders, suppliers of opex, customers behind
market revenue, buyers of a defaulter's assets.

:func:`compile_network` goes: entities and their outside debt → each contract through the
registry of its kind (:data:`~bubblescope.engine.compile_kinds.COMPILERS`) → guarantees
and securitisations, which link to what is compiled → stake ownership → arrays, with the
operating model and the covenants of each instrument (docs/engine.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ..model._fields import parse_date, quarter_label
from ..model.contracts import SENIORITY_RANK, Guarantee, Loan, Seniority
from ..model.entity import FINAL_HOLDER_KINDS, INTERMEDIARY_KINDS, EntityKind
from ..model.network import Network
from .calendar import quarter_number
from .codes import (
    CHIP,
    COMPUTE,
    CUSTOM,
    MARKET_CONST,
    MARKET_DEMAND,
    MARKET_RENTAL,
    PERPETUAL,
    POWER,
    RENT,
)
from .compile_kinds import COMPILERS, HOURS_PER_QUARTER
from .compile_rows import (
    NEVER,
    Builder,
    DebtRow,
    ExitTerms,
    StakeRow,
    TradeRow,
    creditor_arrays,
)
from .compiled import Compiled, TrancheInfo
from .params import EngineParams
from .securitisation import DealPlan, plan_securitisations

Array = np.ndarray

__all__ = ["Compiled", "EngineParams", "compile_network", "contract_end_quarter",
           "horizon_quarters", "remaining_contracted"]

_DEMAND_KINDS = {EntityKind.ai_lab, EntityKind.hyperscaler, EntityKind.other,
                 EntityKind.chip_vendor}
_RENTAL_KINDS = {EntityKind.neocloud, EntityKind.cloud_provider}
_POWERED_KINDS = _DEMAND_KINDS | _RENTAL_KINDS
#: Kinds whose income comes from a balance sheet the network does not list.
FINANCIAL_KINDS = FINAL_HOLDER_KINDS | INTERMEDIARY_KINDS | {EntityKind.government}
_IG = {"AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-"}


def horizon_quarters(as_of: dt.date, horizon: str | dt.date) -> int:
    """Number of quarters from the as-of quarter to the horizon quarter, inclusive."""
    try:
        end = parse_date(horizon)
    except ValueError as exc:
        raise ValueError(f"horizon: {exc}") from None
    n = quarter_number(end) - quarter_number(as_of) + 1
    if n < 1:
        raise ValueError(f"horizon: {quarter_label(end)} comes before the network's as-of "
                         f"quarter {quarter_label(as_of)}")
    return n


def _bucket(rating: str | None) -> int:
    return 0 if rating is not None and rating.strip().upper() in _IG else 1


def contract_end_quarter(network: Network) -> int:
    """Last quarter index (from the as-of quarter) any lease or compute contract pays in."""
    q0 = quarter_number(network.as_of)
    last = 0
    for k in network.contracts:
        start = getattr(k, "start", None)
        end = getattr(k, "end", None)
        rent = float(getattr(k, "annual_rent", 0.0))
        if end is not None:
            last = max(last, quarter_number(end) - q0)
        elif start is not None and rent:
            last = max(last, quarter_number(start) - q0 + int(round(4 * k.amount / rent)))
        for pay in getattr(k, "rent_schedule", None) or ():
            last = max(last, quarter_number(pay.date) - q0)
        if start is not None:
            last = max(last, quarter_number(start) - q0 + 4)
    return last + 1


def remaining_after(fixed: Array, trade_kind: Array) -> Array:
    """Rent and fixed compute of ``fixed`` (S, K) still scheduled after each quarter."""
    flows = fixed * np.isin(trade_kind, (RENT, COMPUTE))[None, :]
    after = np.cumsum(flows[::-1], axis=0)[::-1]
    return np.concatenate([after[1:], np.zeros((1, fixed.shape[1]))], axis=0)


def remaining_contracted(c: Compiled) -> Array:
    """Rent and fixed compute still scheduled after each quarter, (T, K), USD bn — over
    each contract's whole term (``Compiled.contracted_after``), not cut at the horizon.

    SPV marks and contract-adjusted leverage count these; counting only up to the horizon
    would make them depend on how far the run goes."""
    if c.contracted_after is not None:
        return c.contracted_after
    return remaining_after(c.fixed, c.trade_kind)


def _contracted_after(network: Network, c: Compiled) -> Array | None:
    """``remaining_after`` over the contracts' whole terms, cut to ``c``'s quarters (None
    when every contract ends inside the horizon). The network is compiled once more, up to
    the last contract quarter, and its columns matched to ``c``'s by trade id."""
    S = contract_end_quarter(network)
    if c.n_quarters >= S:
        return None
    y, q = divmod(quarter_number(network.as_of) + S - 1, 4)
    far = compile_network(network, dt.date(y, 3 * q + 1, 1), c.params, _full_term=False)
    col = {tid: k for k, tid in enumerate(far.trade_ids)}
    rest = remaining_after(far.fixed, far.trade_kind)
    out = np.zeros((c.n_quarters, c.n_trade))
    for k, tid in enumerate(c.trade_ids):
        if c.trade_kind[k] in (RENT, COMPUTE) and tid in col:
            out[:, k] = rest[:c.n_quarters, col[tid]]
    return out


def compile_network(network: Network, horizon: str | dt.date = "2049Q4",
                    params: EngineParams | None = None, *, _full_term: bool = True
                    ) -> Compiled:
    """Turn a validated network into engine arrays from the as-of quarter to ``horizon``.

    Cancelled contracts generate nothing. A live securitisation is carried as the sale of
    its pool to the issuer, notes and an equity stake (see
    :mod:`bubblescope.engine.securitisation`).

    Examples
    --------
    >>> from bubblescope.io import load_network
    >>> c = compile_network(load_network("ai-2025"), "2026Q4")
    >>> c.n_quarters, c.quarters[0]
    (5, '2025Q4')
    """
    p = params or EngineParams()
    b = Builder(network=network, params=p, T=horizon_quarters(network.as_of, horizon),
                q0=quarter_number(network.as_of),
                index={e.id: i for i, e in enumerate(network.entities)},
                generations=_generations(network))
    entities = _entity_balances(b)
    _outside_debt(b)
    live = [c for c in network.contracts if c.status.value != "cancelled"]
    for phase in (0, 1):
        for c in live:
            rule = COMPILERS.get(c.kind)
            if rule is not None and rule[0] == phase:
                rule[1](b, c)
    revenue_cut = np.zeros(b.N)
    tranches = _securitisations(b, plan_securitisations(network, p.outside_debt_rate),
                                entities["cash0"], revenue_cut)
    out = _assemble(b, entities, revenue_cut, tranches)
    if _full_term:
        out.contracted_after = _contracted_after(network, out)
    return out


def _generations(network: Network) -> list[str]:
    """GPU generations: ``default`` first, then those of fleets and chip deliveries."""
    gens = ["default"]
    for e in network.entities:
        for batch in e.gpu_fleet:
            if batch.generation not in gens:
                gens.append(batch.generation)
    for c in network.contracts:
        for d in getattr(c, "deliveries", None) or ():
            if d.generation and d.generation not in gens:
                gens.append(d.generation)
    return gens


def _entity_balances(b: Builder) -> dict[str, Array]:
    """As-of balances: cash, other liabilities, the delivered fleet's cost by generation
    and book value (taken out of ``other_assets``, which contain it), and the multiple of
    declared equity value over book equity."""
    ents, N, G = b.network.entities, b.N, len(b.generations)
    gidx = {g: i for i, g in enumerate(b.generations)}
    decay = 1.0 / (4.0 * b.params.accounting_life_years)
    gpu_cost, gpu_book = np.zeros((N, G)), np.zeros(N)
    for i, e in enumerate(ents):
        for batch in e.gpu_fleet:
            age = -b.quarter(batch.delivery, 0)
            if age >= 0:
                gpu_cost[i, gidx[batch.generation]] += batch.cost
                gpu_book[i] += batch.cost * (1.0 - decay) ** age
    gpu_book = np.minimum(gpu_book, [e.other_assets for e in ents])
    mult = np.ones(N)
    for i, e in enumerate(ents):
        book = e.cash + e.other_assets - e.debt - e.other_liabilities
        if e.equity_value is not None and book > 0:
            mult[i] = e.equity_value / book
    return {"cash0": np.array([e.cash for e in ents], dtype=float),
            "other_liabilities": np.array([e.other_liabilities for e in ents], dtype=float),
            "gpu_cost": gpu_cost, "gpu_book": gpu_book,
            "other0": np.array([e.other_assets for e in ents]) - gpu_book, "mult": mult}


def _outside_debt(b: Builder) -> None:
    """Each entity's ``debt``: a perpetual, interest-only, senior unsecured loan from
    outside at ``cost_of_debt`` (default ``outside_debt_rate``)."""
    for i, e in enumerate(b.network.entities):
        if e.debt > 0:
            rate = e.cost_of_debt if e.cost_of_debt is not None else b.params.outside_debt_rate
            b.add_debt(DebtRow(id=f"{e.id}.outside_debt", debtor=i, creditors={b.N: 1.0},
                               principal=e.debt, undrawn=0.0, drawable=False, floating=False,
                               rate=rate, amort=PERPETUAL, custom=np.zeros(b.T),
                               maturity=NEVER, rank=SENIORITY_RANK[Seniority.senior_unsecured]))


def _securitisations(b: Builder, plans: list[DealPlan], cash0: Array, revenue_cut: Array
                     ) -> list[TrancheInfo]:
    """Carry each deal of ``plans`` in the rows (changed in place) and return the tranches,
    bottom up. A pooled lease keeps ``1 − s`` of its rent, claim and exit payment for the
    lessor, and a new obligation ``<deal>/<lease>`` pays ``s`` of them to the issuer (the
    lessor's declared revenue drops by the sold rent of the as-of quarter: its market
    revenue is what its revenue exceeds its contracts by); pooled debt moves ``s`` of
    every creditor's share to the issuer; the sponsor funds the reserve; rated tranches
    become the issuer's notes, the bottom one its equity stakes."""
    tranches: list[TrancheInfo] = []
    ids = list(b.index)
    for plan in plans:
        s, iss = plan.sold_share, plan.issuer
        for lid in plan.leases:
            for kept in [tr for tr in b.trades if tr.id == lid and tr.kind == RENT]:
                sold = TradeRow(id=f"{plan.deal}/{lid}", kind=RENT, payer=kept.payer,
                                payee=iss, fixed=kept.fixed * s, rvg=kept.rvg * s,
                                exit=_split_exit(kept.exit, s))
                kept.fixed, kept.rvg = kept.fixed * (1.0 - s), kept.rvg * (1 - s)
                kept.exit = _split_exit(kept.exit, 1.0 - s)
                if b.T and kept.payee < b.N:
                    revenue_cut[kept.payee] += 4.0 * float(sold.fixed[0])
                b.add_trade(sold)
        debt_ids = [row.id for row in b.debts]
        for did in plan.debts:
            if did in debt_ids:
                row = b.debts[debt_ids.index(did)]
                moved = {j: w * (1.0 - s) for j, w in row.creditors.items()}
                moved[iss] = moved.get(iss, 0.0) + s
                row.creditors = moved
        reserve = (min(plan.reserve, max(float(cash0[plan.sponsor]), 0.0))
                   if plan.sponsor >= 0 and plan.sponsor != iss else 0.0)
        if reserve > 0:
            cash0[plan.sponsor] -= reserve
            cash0[iss] += reserve
        for tp in plan.tranches:
            debt, stakes = -1, []
            if tp.equity:
                for j in np.nonzero(tp.holders[:b.N])[0]:
                    stakes.append(b.add_stake(StakeRow(
                        id=f"{plan.deal}/{tp.name}/{ids[j]}", holder=int(j), issuer=iss,
                        held=tp.notional * float(tp.holders[j]),
                        ownership=float(tp.holders[j]))))
            elif tp.principal > 0:
                custom = np.zeros(b.T)
                n = min(b.T, len(tp.schedule))
                custom[:n] = tp.schedule[:n]
                debt = b.add_debt(DebtRow(
                    id=f"{plan.deal}/{tp.name}", debtor=iss,
                    creditors={int(j): float(tp.holders[j]) for j in np.nonzero(tp.holders)[0]},
                    principal=tp.principal, undrawn=0.0, drawable=False, floating=False,
                    rate=tp.coupon, amort=CUSTOM, custom=custom, maturity=tp.maturity,
                    rank=tp.rank))
            tranches.append(TrancheInfo(
                deal=plan.deal, name=tp.name, attachment=tp.attachment,
                detachment=tp.detachment, pool_amount=plan.amount, notional=tp.notional,
                sold_share=s, holders=tp.holders, debt=debt, stakes=tuple(stakes)))
    return tranches


def _split_exit(terms: ExitTerms | None, share: float) -> ExitTerms | None:
    """``terms`` for ``share`` of a lease: an agreed exit payment scales, damages (−1)
    stay damages."""
    if terms is None:
        return None
    pay = terms.payment * share if terms.payment >= 0 else terms.payment
    return ExitTerms(terms.allowed, terms.threshold, terms.run, terms.first, terms.last, pay)


def _ownership(b: Builder) -> Array:
    """Each stake's share of its issuer's residual: declared for equity stakes; for a fund
    commitment its commitment over the larger of the fund's AUM and all commitments
    listed; scaled down where an issuer's listed owners would exceed 100%."""
    own = np.array([-s.commitment if s.commitment is not None else s.ownership
                    for s in b.stakes], dtype=float)
    iss = np.array([s.issuer for s in b.stakes], dtype=int)
    for i in set(iss[own < 0].tolist()):
        m = (iss == i) & (own < 0)
        aum = b.network.entities[i].assets_under_management or 0.0
        own[m] = -own[m] / max(aum, -own[m].sum())
    for i in set(iss.tolist()):
        m = iss == i
        if own[m].sum() > 1.0:
            own[m] /= own[m].sum()
    return own


def _lease_claims(fixed: Array, kinds: Array, trades: list[TradeRow]) -> Array:
    """(T, K) what a lessor claims if its lessee defaults in quarter t: as US §502(b)(6),
    the greater of one year's rent and 15% of the rent left, at most three years', plus
    the residual value guarantee while the lease runs."""
    T, K = fixed.shape
    claim = np.zeros((T, K))
    idx = np.arange(T)
    for k in np.nonzero(kinds == RENT)[0]:
        rent = fixed[:, k]
        after = np.concatenate([np.cumsum(rent[::-1])[::-1][1:], [0.0]])
        csum = np.concatenate([[0.0], np.cumsum(rent)])
        one = csum[np.minimum(idx + 5, T)] - csum[idx + 1]
        three = csum[np.minimum(idx + 13, T)] - csum[idx + 1]
        running = (after + rent) > 0
        claim[:, k] = (np.minimum(np.maximum(one, 0.15 * after), three)
                       + trades[k].rvg * running)
    return claim


def _operating(b: Builder, fixed: Array, variable: Array, revenue_cut: Array
               ) -> dict[str, Array]:
    """The operating model's arrays: market revenue per quarter at factor 1 (declared
    revenue less the contracts' as-of revenue), its driver, AI share and powered capacity
    ratio; asset yields of financial kinds; opex with the on-site power premium; capex
    plans less the chip purchases dated in the same year."""
    ents, N, T, p = b.network.entities, b.N, b.T, b.params
    contracted = np.zeros(N)
    for k, tr in enumerate(b.trades):
        if tr.kind in (RENT, COMPUTE, CHIP, POWER) and tr.payee < N:
            contracted[tr.payee] += 4.0 * (fixed[0, k] + variable[0, k])
    revenue = np.maximum(np.array([e.revenue for e in ents], dtype=float) - revenue_cut, 0.0)
    capacity = np.full((T, N), np.inf)
    for i, e in enumerate(ents):
        avail = np.zeros(T)
        for pw in e.power:
            a = max(b.quarter(pw.available_from, 0), 0) if pw.available_from is not None else 0
            avail[min(a, T):] += pw.mw
        if T and avail[0] > 0:
            capacity[:, i] = avail / avail[0]
    premium = np.array([sum(pw.mw * pw.cost_premium for pw in e.power if pw.source == "onsite")
                        for e in ents], dtype=float)
    capex = np.zeros((T, N))
    for i, e in enumerate(ents):
        for item in e.capex_plan:
            net = max(item.amount - b.chips_by_year.get((i, item.year), 0.0), 0.0)
            for q in range(4):
                t = item.year * 4 + q - b.q0
                if 0 <= t < T:
                    capex[t, i] = net / 4.0
    return {
        "market_revenue_q": np.maximum(revenue - contracted, 0.0) / 4.0,
        "ai_share": np.array([e.ai_share for e in ents], dtype=float),
        "market_driver": np.array([MARKET_RENTAL if e.kind in _RENTAL_KINDS else
                                   MARKET_DEMAND if e.kind in _DEMAND_KINDS or e.ai_share > 0
                                   else MARKET_CONST for e in ents], dtype=int),
        "powered": np.array([e.kind in _POWERED_KINDS for e in ents], dtype=bool),
        "asset_yield": np.array([
            ((e.cost_of_debt if e.cost_of_debt is not None else p.outside_debt_rate)
             + p.financial_margin) if e.kind in FINANCIAL_KINDS else 0.0 for e in ents],
            dtype=float),
        "capacity_ratio": capacity,
        "opex_q": (np.array([e.operating_costs for e in ents], dtype=float) / 4.0
                   + premium * p.grid_price * HOURS_PER_QUARTER / 1e9),
        "capex": capex}


def _covenants(b: Builder, gpu_cost: Array) -> dict[str, Array]:
    """Per debt instrument: the LTV limit by quarter on GPU-pool loans (NaN: none) with the
    pledged generation, the collateral's value at the data date, whether a borrowing
    vehicle's receivables count too; the DSCR minimum (NaN: none) and cash sweep; the
    quarters a breach may last."""
    T, D = b.T, len(b.debts)
    debt_ids = [row.id for row in b.debts]
    out = {"ltv_max": np.full((T, D), np.nan), "coll_gen": np.full(D, -1, dtype=int),
           "coll_value0": np.zeros(D), "coll_receivables": np.zeros(D, dtype=bool),
           "cure_quarters": np.ones(D, dtype=int), "min_dscr": np.full(D, np.nan),
           "sweep": np.zeros(D)}
    live = [c for c in b.network.contracts if c.status.value != "cancelled"
            and c.id in debt_ids]
    for ln in live:
        if (not isinstance(ln, Loan) or ln.covenants is None or ln.covenants.max_ltv is None
                or ln.collateral is None or ln.collateral.kind != "gpu_pool"):
            continue
        d = debt_ids.index(ln.id)
        debtor = b.debts[d].debtor
        gens = b.generations
        g = gens.index(ln.collateral.generation) if ln.collateral.generation in gens else 0
        out["coll_gen"][d] = g
        out["coll_value0"][d] = (ln.collateral.value if ln.collateral.value is not None
                                 else float(gpu_cost[debtor, g]))
        out["coll_receivables"][d] = b.network.entities[debtor].kind.value == "spv"
        out["ltv_max"][:, d] = ln.covenants.max_ltv
        for stp in sorted(ln.covenants.ltv_step_downs, key=lambda x: x.date):
            out["ltv_max"][max(b.quarter(stp.date, 0), 0):, d] = stp.max_ltv
        out["cure_quarters"][d] = max(int(ln.covenants.cure_quarters), 1)
    for ln in live:
        cov = getattr(ln, "covenants", None)
        if cov is None or ln.kind not in ("loan", "bond", "credit_facility"):
            continue
        d = debt_ids.index(ln.id)
        if cov.min_dscr is not None:
            out["min_dscr"][d] = cov.min_dscr
            out["cure_quarters"][d] = max(int(cov.cure_quarters), 1)
        out["sweep"][d] = cov.cash_sweep or 0.0
    return out


def _guarantees(b: Builder) -> dict[str, Array]:
    """Guarantees of debt instruments in the network: instrument, guarantor, share of each
    loss it pays, cap (USD bn; 0: none)."""
    debt_ids = [row.id for row in b.debts]
    rows = [(debt_ids.index(g.obligation), b.index[g.guarantor], g.coverage, g.amount)
            for g in b.network.contracts
            if isinstance(g, Guarantee) and g.status.value != "cancelled"
            and g.obligation in debt_ids]
    return {"guar_debt": np.array([r[0] for r in rows], dtype=int),
            "guar_by": np.array([r[1] for r in rows], dtype=int),
            "guar_coverage": np.array([r[2] for r in rows], dtype=float),
            "guar_cap": np.array([r[3] for r in rows], dtype=float)}


def _assemble(b: Builder, ent: dict[str, Array], revenue_cut: Array,
              tranches: list[TrancheInfo]) -> Compiled:
    """The rows as :class:`Compiled` arrays."""
    T, K = b.T, len(b.trades)
    labels = [f"{(b.q0 + t) // 4}Q{(b.q0 + t) % 4 + 1}" for t in range(T)]
    fixed = np.zeros((T, K))
    variable = np.zeros((T, K))
    for k, tr in enumerate(b.trades):
        fixed[:, k] = tr.fixed
        if tr.variable is not None:
            variable[:, k] = tr.variable
    kinds = np.array([tr.kind for tr in b.trades], dtype=int)
    exits = [tr.exit or ExitTerms() for tr in b.trades]
    ptr, idx, w = creditor_arrays(b.debts)
    ms = b.milestones
    starts = np.array([row.amort_start for row in b.debts], dtype=int)

    def arr(values: list[Any], dtype: Any = float) -> Array:
        return np.array(values, dtype=dtype)

    return Compiled(
        entity_ids=list(b.index), kinds=[e.kind.value for e in b.network.entities],
        quarters=labels, generations=b.generations, cash0=ent["cash0"],
        other_assets0=np.maximum(ent["other0"], 0.0),
        other_liabilities=ent["other_liabilities"], gpu_book0=ent["gpu_book"],
        gpu_mv_cost0=ent["gpu_cost"],
        min_cash=arr([e.min_cash_buffer for e in b.network.entities]),
        market_access=arr([e.equity_market_access for e in b.network.entities]),
        rating_bucket=arr([_bucket(e.rating) for e in b.network.entities], int),
        equity_multiple=ent["mult"], **_operating(b, fixed, variable, revenue_cut),
        debt_ids=[row.id for row in b.debts], debtor=arr([r.debtor for r in b.debts], int),
        creditor_ptr=ptr, creditor_idx=idx, creditor_w=w,
        principal0=arr([r.principal for r in b.debts]),
        undrawn0=arr([r.undrawn for r in b.debts]),
        drawable=arr([r.drawable for r in b.debts], bool),
        draw_last=arr([r.draw_last for r in b.debts], int),
        floating=arr([r.floating for r in b.debts], bool), rate=arr([r.rate for r in b.debts]),
        amort=arr([r.amort for r in b.debts], int),
        custom=np.array([r.custom for r in b.debts]).T.reshape(T, len(b.debts)),
        maturity=arr([r.maturity for r in b.debts], int),
        rank=arr([r.rank for r in b.debts], int),
        trade_ids=[tr.id for tr in b.trades], trade_kind=kinds,
        payer=arr([tr.payer for tr in b.trades], int),
        payee=arr([tr.payee for tr in b.trades], int), fixed=fixed, variable=variable,
        var_factor=arr([tr.var_factor for tr in b.trades], int),
        discretionary=arr([tr.optional for tr in b.trades], bool),
        lease_claim=_lease_claims(fixed, kinds, b.trades),
        exit_allowed=arr([x.allowed for x in exits], bool),
        exit_threshold=arr([x.threshold for x in exits]),
        exit_run=arr([x.run for x in exits], int), exit_first=arr([x.first for x in exits], int),
        exit_last=arr([x.last for x in exits], int),
        exit_payment=arr([x.payment for x in exits]),
        chip_generation=arr([tr.gen for tr in b.trades], int),
        disburses=arr([tr.disburses for tr in b.trades], int),
        stake=arr([tr.stake for tr in b.trades], int),
        stake_ids=[s.id for s in b.stakes], stake_holder=arr([s.holder for s in b.stakes], int),
        stake_issuer=arr([s.issuer for s in b.stakes], int),
        stake_held0=arr([s.held for s in b.stakes]), stake_ownership=_ownership(b),
        params=b.params, tranches=tranches, **_covenants(b, ent["gpu_cost"]),
        **_guarantees(b),
        ms_trade=arr([m.trade for m in ms], int), ms_first=arr([m.first for m in ms], int),
        ms_level=arr([m.level for m in ms]), ms_amount=arr([m.amount for m in ms]),
        ms_window=arr([m.window for m in ms], bool),
        amort_start=starts if (starts > 0).any() else None)
