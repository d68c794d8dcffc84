"""How each contract kind becomes engine rows: one small function per kind, found through
:data:`COMPILERS` by the contract's ``kind``.

Debt instruments (loans, bonds, credit facilities) are compiled first, in network order,
then the trade obligations (leases, compute contracts, chip purchases, equity stakes, fund
commitments, power supplies): a debt disbursed in the future adds its disbursements as the
first trade obligations. Guarantees and securitisations link to the instruments compiled
here (:mod:`bubblescope.engine.compile`). The schedules are documented in docs/engine.md
(*Debt instruments*, *Trade obligations*).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..model.contracts import (
    SENIORITY_RANK,
    Bond,
    ChipPurchase,
    ComputeContract,
    CreditFacility,
    EquityStake,
    FundCommitment,
    Lease,
    Loan,
    PowerSupply,
)
from .calendar import lease_rents, lease_term
from .codes import (
    ANNUITY,
    BULLET,
    CALL,
    CHIP,
    COMPUTE,
    CUSTOM,
    DISBURSE,
    LINEAR,
    PERPETUAL,
    POWER,
    RENT,
    TRANCHE,
    VAR_DEMAND,
    VAR_WINDOW,
)
from .compile_rows import NEVER, Builder, DebtRow, ExitTerms, Milestone, StakeRow, TradeRow

#: Hours in a quarter (8760 / 4), for power contracts.
HOURS_PER_QUARTER = 2190.0
AMORTISATION = {"bullet": BULLET, "linear": LINEAR, "annuity": ANNUITY, "custom": CUSTOM}


def is_option(c: Any) -> bool:
    """An announced deal or a ceiling is an option for the buyer, not a firm obligation."""
    return bool(c.status.value == "announced" or c.amount_type.value == "ceiling")


def _creditors(b: Builder, c: Loan | Bond | CreditFacility) -> tuple[int, dict[int, float]]:
    """The debtor and the creditors' shares of a loan, bond or facility (a bond's listed
    holders plus its remainder holder, else outside)."""
    if not isinstance(c, Bond):
        return b.index[c.borrower], {b.index[c.lender]: 1.0}
    share: dict[int, float] = {}
    for h in c.holders:
        share[b.index[h.holder]] = share.get(b.index[h.holder], 0.0) + h.amount
    rest = b.index[c.remainder_holder] if c.remainder_holder else b.N
    share[rest] = share.get(rest, 0.0) + c.unlisted_amount()
    dense = np.zeros(b.N + 1)
    for j, v in share.items():
        dense[j] = v
    total = float(dense.sum())
    if total > 0:
        return b.index[c.issuer], {j: v / total for j, v in share.items()}
    return b.index[c.issuer], {b.N: 1.0}


def compile_credit(b: Builder, c: Loan | Bond | CreditFacility) -> None:
    """A loan, bond or credit facility: a debt instrument drawn at the as-of date (a bond's
    face value; otherwise ``drawn``, else the whole amount unless announced or a ceiling),
    the rest of a committed facility or loan undrawn until ``draw_until``; one starting
    after quarter 0 is disbursed then by its creditors (trade obligations)."""
    who, share = _creditors(b, c)
    if isinstance(c, Bond):
        drawn, undrawn = c.amount, 0.0
    else:
        option = c.amount_type.value == "ceiling" or c.status.value == "announced"
        drawn = (c.drawn or 0.0) if option else (c.amount if c.drawn is None else c.drawn)
        undrawn = c.amount - drawn
    start = b.quarter(c.start, 0)
    maturity = b.quarter(c.end, NEVER)
    amort = PERPETUAL if c.end is None else AMORTISATION[
        c.amortisation.value if hasattr(c, "amortisation") else "bullet"]
    custom = np.zeros(b.T)
    if isinstance(c, Loan) and amort == CUSTOM:
        for pay in c.schedule:
            t = b.quarter(pay.date, 0)
            if 0 <= t < b.T:
                custom[t] += pay.amount
    floating = c.rate_type == "floating"
    committed = c.amount_type.value != "ceiling" and c.status.value != "announced"
    drawable = (isinstance(c, CreditFacility | Loan) and undrawn > 0 and committed
                and not (isinstance(c, Loan) and start > 0))
    row = DebtRow(id=c.id, debtor=who, creditors=share, principal=drawn,
                  undrawn=undrawn if drawable else 0.0, drawable=drawable, floating=floating,
                  rate=(c.spread or 0.0) if floating else (c.rate or 0.0), amort=amort,
                  custom=custom, maturity=max(maturity, 0), rank=SENIORITY_RANK[c.seniority],
                  draw_last=b.quarter(getattr(c, "draw_until", None) or c.end, NEVER),
                  amort_start=b.quarter(getattr(c, "amortisation_start", None), -1))
    if 0 < start < b.T and not drawable:
        # disbursed in the future: each creditor pays its share at the start
        row.principal, row.undrawn, row.draw_last = 0.0, 0.0, -1
        row.maturity = max(maturity, start + 1)
        d = b.add_debt(row)
        for j in sorted(share):
            if share[j] != 0.0:
                sched = np.zeros(b.T)
                sched[start] = drawn * share[j]
                b.add_trade(TradeRow(id=f"{c.id}.disbursement.{j}", kind=DISBURSE, payer=j,
                                     payee=who, fixed=sched, disburses=d))
    elif start < b.T:
        b.add_debt(row)


def compile_lease(b: Builder, c: Lease) -> None:
    """A lease: rent from lessee to lessor (``rent_schedule``, else ``annual_rent / 4``
    escalating yearly), with the lessee's exit terms."""
    a, last = lease_term(c, b.q0)
    sched = np.zeros(b.T)
    for t, rent in lease_rents(c, b.q0).items():
        if t < b.T:
            sched[t] = rent
    rule = b.network.entities[b.index[c.lessee]].strategic_exit
    agreed = c.earliest_exit is not None
    exit_terms = ExitTerms(
        allowed=rule.allowed, threshold=float(rule.demand_threshold),
        run=int(rule.quarters_below), first=b.quarter(c.earliest_exit, a) if agreed else a,
        last=last,
        payment=(c.termination_payment + c.residual_value_guarantee) if agreed else -1.0)
    b.add_trade(TradeRow(id=c.id, kind=RENT, payer=b.index[c.lessee],
                         payee=b.index[c.lessor], fixed=sched,
                         rvg=c.residual_value_guarantee, exit=exit_terms))


def compile_compute(b: Builder, c: ComputeContract) -> None:
    """A compute contract: the amount spread evenly over start..end, the take-or-pay share
    fixed and the rest × AI demand; a prepayment at a future start."""
    a = b.quarter(c.start, 0)
    last = b.quarter(c.end, a + 3 + 1) - 1
    pre = c.prepayment if c.prepayment > 0 and a > 0 else 0.0
    value = b.evenly(c.amount - min(pre, c.amount), a, last)
    fixed = value * c.take_or_pay_share
    if 0 < a < b.T:
        fixed[a] += min(pre, c.amount)
    b.add_trade(TradeRow(id=c.id, kind=COMPUTE, payer=b.index[c.buyer],
                         payee=b.index[c.seller], fixed=fixed,
                         variable=value * (1.0 - c.take_or_pay_share), var_factor=VAR_DEMAND,
                         optional=is_option(c)))


def compile_chips(b: Builder, c: ChipPurchase) -> None:
    """A chip purchase: paid on each delivery by generation (one obligation per
    generation), else evenly over start..end; capex plans already count it."""
    by_gen: dict[int, np.ndarray] = {}
    buyer = b.index[c.buyer]
    gidx = {g: i for i, g in enumerate(b.generations)}
    if c.deliveries:
        for d in c.deliveries:
            key = (buyer, d.date.year)
            b.chips_by_year[key] = b.chips_by_year.get(key, 0.0) + d.amount
            t = b.quarter(d.date, 0)
            g = gidx[d.generation] if d.generation else 0
            if 0 <= t < b.T:
                by_gen.setdefault(g, np.zeros(b.T))[t] += d.amount
    else:
        a = b.quarter(c.start, 0)
        last = b.quarter(c.end, a + 1) - 1 if c.end is not None else a
        by_gen[0] = b.evenly(c.amount, a, last)
        for t in range(a, max(a, last) + 1):
            key = (buyer, (b.q0 + t) // 4)
            b.chips_by_year[key] = (b.chips_by_year.get(key, 0.0)
                                    + c.amount / (max(a, last) - a + 1))
    for g, sched in by_gen.items():
        b.add_trade(TradeRow(id=c.id if len(by_gen) == 1 else f"{c.id}.{b.generations[g]}",
                             kind=CHIP, payer=buyer, payee=b.index[c.vendor], fixed=sched,
                             gen=g, optional=is_option(c)))


def compile_stake(b: Builder, c: EquityStake) -> None:
    """An equity stake: tranches at their dates (funded ones already held; ceiling or
    announced × the equity window; ones with a milestone wait for AI demand), or the
    whole amount at ``start`` unless already funded."""
    fixed, var = np.zeros(b.T), np.zeros(b.T)
    held = 0.0
    trade = len(b.trades)
    if c.tranches:
        for tr in c.tranches:
            if tr.status.value == "cancelled":
                continue
            if tr.status.value == "funded":
                held += tr.amount
                continue
            t = max(b.quarter(tr.date or c.start, 0), 0)
            scaled = c.amount_type.value == "ceiling" or tr.status.value == "announced"
            if tr.min_ai_demand is not None:
                if t < b.T:
                    b.milestones.append(Milestone(trade, t, tr.min_ai_demand, tr.amount,
                                                  scaled))
                continue
            if t < b.T:
                (var if scaled else fixed)[t] += tr.amount
    elif c.status.value == "funded" or c.amount_type.value == "drawn":
        held = c.amount
    else:
        t = max(b.quarter(c.start, 0), 0)
        if t < b.T:
            if c.amount_type.value == "ceiling" or c.status.value == "announced":
                var[t] = c.amount
            else:
                fixed[t] = c.amount
    s = b.add_stake(StakeRow(id=c.id, holder=b.index[c.investor], issuer=b.index[c.issuer],
                             held=held, ownership=c.ownership or 0.0))
    b.add_trade(TradeRow(id=c.id, kind=TRANCHE, payer=b.index[c.investor],
                         payee=b.index[c.issuer], fixed=fixed, variable=var,
                         var_factor=VAR_WINDOW, stake=s))


def compile_fund_commitment(b: Builder, c: FundCommitment) -> None:
    """A fund commitment: ``called`` (default: all) already held, the rest called evenly
    over the term (12 quarters from quarter 1 without an end)."""
    called = c.amount if c.called is None else c.called
    s = b.add_stake(StakeRow(id=c.id, holder=b.index[c.investor], issuer=b.index[c.fund],
                             held=called, ownership=0.0, commitment=c.amount))
    a = max(b.quarter(c.start, 0), 1)
    last = b.quarter(c.end, a + 12) - 1 if c.end is not None else a + 11
    b.add_trade(TradeRow(id=c.id, kind=CALL, payer=b.index[c.investor],
                         payee=b.index[c.fund], fixed=b.evenly(c.amount - called, a, last),
                         stake=s))


def compile_power(b: Builder, c: PowerSupply) -> None:
    """A power supply: ``mw × price × 2190 h`` a quarter over the term (else ``amount``
    spread evenly)."""
    a = b.quarter(c.start, 0)
    last = b.quarter(c.end, b.T) - 1 if c.end is not None else b.T - 1
    if c.price is not None:
        sched = np.zeros(b.T)
        lo, hi = max(a, 0), min(last, b.T - 1)
        if hi >= lo:
            sched[lo:hi + 1] = c.mw * c.price * HOURS_PER_QUARTER / 1e9
    else:
        sched = b.evenly(c.amount, a, last)
    b.add_trade(TradeRow(id=c.id, kind=POWER, payer=b.index[c.buyer],
                         payee=b.index[c.supplier], fixed=sched))


#: contract kind → (phase, compiler); phase 0 (debt instruments) runs before phase 1
#: (trade obligations) over the whole network
COMPILERS: dict[str, tuple[int, Callable[[Builder, Any], None]]] = {
    "loan": (0, compile_credit),
    "bond": (0, compile_credit),
    "credit_facility": (0, compile_credit),
    "lease": (1, compile_lease),
    "compute_contract": (1, compile_compute),
    "chip_purchase": (1, compile_chips),
    "equity_stake": (1, compile_stake),
    "fund_commitment": (1, compile_fund_commitment),
    "power_supply": (1, compile_power),
}

__all__ = ["COMPILERS", "HOURS_PER_QUARTER", "is_option"]
