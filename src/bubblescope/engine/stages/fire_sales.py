"""Settling a quarter: the clearing, LTV cures and GPU fire sales, to one fixed point.

The defaulters' GPUs are sold to outside buyers at the scenario's resale price × the
quarter's multiplier ``m_g = exp(−β·Q_g/depth_g)``, where ``Q_g`` is the market value sold
(defaulters' fleets and, with cure sales, pledged GPUs sold to cure LTV breaches),
``depth_g = gpu_market_depth ×`` the value of every live fleet of the generation and
``β = −ln(1 − gpu_price_impact)/0.05``. Lower prices cut recoveries and collateral, which
can topple others in the same quarter; the clearing is rerun until the default set
reproduces itself. A dent is carried into the next quarter as ``m^ρ``
(``gpu_price_persistence``).
"""

from __future__ import annotations

import numpy as np

from ..arrays import NetArrays, PathFactors, Settings
from ..jit import kernel, orchestrator
from ..state import NO_FIRE_SALE_FIXED_POINT, OK, Flows, PathState
from .clearing import receipts, resolve_defaults, with_noncash
from .ltv import cure_market, depth_ratio, receivables, sell_pledged
from .routing import to_creditors, to_debtor


@kernel
def fleet_impact(rules: Settings, st: PathState, sold_by: np.ndarray, out: np.ndarray
                 ) -> None:
    """Fire-sale multiplier per generation (``out``, G) when the fleets of ``sold_by`` are
    sold."""
    gpu = st.gpu_value
    for g in range(out.shape[0]):
        sold = 0.0
        for i in range(sold_by.shape[0]):
            if sold_by[i]:
                sold += gpu[i, g]
        out[g] = np.exp(-rules.fire_sale_beta * depth_ratio(rules, st, g, sold))


@kernel
def noncash_at_price(rules: Settings, st: PathState, q: Flows) -> None:
    """``q.noncash_other``: non-cash assets other than loans at their default value, the
    GPUs at the multiplier ``q.impact``."""
    G = st.gpu_value.shape[1]
    alive, gpu_value, impact, out = st.alive, st.gpu_value, q.impact, q.noncash_other
    other, fixed, recovery = st.other_assets, st.fixed_book, rules.recovery_other_assets
    priced = q.has_impact
    for i in range(alive.shape[0]):
        if not alive[i]:
            out[i] = 0.0
            continue
        gpu = 0.0
        for g in range(G):
            gpu += gpu_value[i, g] * impact[g] if priced else gpu_value[i, g]
        out[i] = other[i] * recovery + fixed[i] * recovery + gpu


@kernel
def prepare_settlement(net: NetArrays, rules: Settings, st: PathState, q: Flows, t: int
                       ) -> None:
    """What the fixed point starts from: forced defaults (funds wound up, scenario
    shocks), scheduled receipts and outflows, the room for LTV pay-downs, cash spare for
    cures, the fire-sale dent carried from last quarter."""
    N, D = net.cash0.size, net.debtor.size
    tol = rules.tolerance
    forced, alive, is_fund, equity, forced_at = (q.forced, st.alive, net.is_fund,
                                                 st.book_equity, net.forced_default)
    wind_down = rules.fund_wind_down
    for i in range(N):
        fund = wind_down and is_fund[i] and alive[i] and equity[i] < -tol
        forced[i] = fund or (forced_at[i] == t and alive[i])
    received_sched, s_in, drawn_in, t_in = q.received_sched, q.s_in, q.drawn_in, q.t_in
    for j in range(N + 1):
        received_sched[j] = s_in[j] + drawn_in[j] + t_in[j]
    q.full_sched[:] = q.full_out
    q.service_sched[:] = q.service
    q.covenanted = rules.ltv_covenants and net.ltv_any[t]
    if q.covenanted:
        receivables(net, st, q, t)
    q.selling = q.covenanted and rules.ltv_cure_sales
    selling = q.selling
    has_extra = q.covenanted
    accel, room, balance, principal = q.accel, q.room, st.balance, q.principal
    q.cure[:] = 0.0
    q.ltv_flag[:] = False
    q.sales[:] = 0.0
    q.pledged[:] = 0.0
    q.extra[:] = accel
    for d in range(D):
        # an accelerated balance is already due in full: no room is left for a cure
        room[d] = max(balance[d] - principal[d] - accel[d], 0.0)
        if accel[d] != 0.0:
            has_extra = True
    q.has_extra = has_extra
    q.sale_in[:] = 0.0
    q.sold_by[:] = False
    spare, cash, raised, mrev, full_sched, min_cash = (q.spare, st.cash, q.raised, q.mrev,
                                                       q.full_sched, net.min_cash)
    for i in range(N):
        spare[i] = 0.0
        if selling and alive[i]:
            spare[i] = max(cash[i] + received_sched[i] + raised[i] + mrev[i] - full_sched[i]
                           - min_cash[i], 0.0)
    q.has_carry = rules.fire_sale_feedback and st.counters[1] == 1
    has_carry, carry, dump, level = q.has_carry, q.carry, q.dump, st.gpu_level
    for g in range(carry.shape[0]):
        carry[g] = level[g] ** rules.gpu_price_persistence if has_carry else 1.0
        dump[g] = carry[g]
    q.has_dump = q.has_carry or (rules.fire_sale_feedback and q.selling)
    q.has_impact = q.has_dump
    q.impact[:] = q.dump


@kernel
def add_pay_downs(net: NetArrays, q: Flows) -> None:
    """LTV pay-downs and accelerated balances (``q.extra``) join the quarter's debt
    service, receipts and outflows."""
    N = net.cash0.size
    extra, cure, accel, service, sched = q.extra, q.cure, q.accel, q.service, q.service_sched
    for d in range(extra.size):
        extra[d] = cure[d] + accel[d]
        service[d] = sched[d] + extra[d]
    party, received0, received_sched = q.party, q.received0, q.received_sched
    to_creditors(net, extra, party)
    for j in range(N + 1):
        received0[j] = received_sched[j] + party[j]
    to_debtor(net, extra, party)
    full_out, full_sched = q.full_out, q.full_sched
    for i in range(N):
        full_out[i] = full_sched[i] + party[i]


@kernel
def pay_as_scheduled(q: Flows) -> None:
    """Nobody is short: every payment is as scheduled."""
    q.nd[:] = False
    q.p_service[:] = q.service
    q.p_draw[:] = q.draws
    q.p_trade[:] = q.tdue
    q.p_opex[:] = q.opex
    q.p_other[:] = 0.0
    q.residual[:] = 0.0
    q.claim_debt[:] = 0.0
    q.claim_trade[:] = 0.0
    q.received[:] = q.received0


@orchestrator
def clear_once(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
               t: int) -> int:
    """One clearing of the quarter for the default set ``q.sold_by`` whose fleets set the
    price: cures at that price, then the default loop (``q.nd``, ``q.p_*``)."""
    N = net.cash0.size
    if q.has_extra:
        if q.covenanted:
            cure_market(net, rules, fp, st, q, t)
            if q.selling:
                to_debtor(net, q.sales, q.party)
                q.sale_in[:] = q.party[:N]
        add_pay_downs(net, q)
    else:
        q.received0[:] = q.received_sched
    noncash_at_price(rules, st, q)
    loans, balance, principal, extra = q.loans, st.balance, q.principal, q.extra
    for d in range(loans.size):
        loans[d] = max(balance[d] - principal[d] - extra[d], 0.0)
    short = False
    inflow, mrev, sale_in, selling = q.inflow, q.mrev, q.sale_in, q.selling
    forced, alive, cash, received0 = q.forced, st.alive, st.cash, q.received0
    raised, full_out, tol = q.raised, q.full_out, rules.tolerance
    for i in range(N):
        inflow[i] = mrev[i] + sale_in[i] if selling else mrev[i]
        if forced[i] or (alive[i] and cash[i] + received0[i] + raised[i] + inflow[i]
                         - full_out[i] < -tol):
            short = True
    if not short:
        pay_as_scheduled(q)
        return OK
    code = resolve_defaults(net, rules, st, q)
    receipts(net, q, q.nd, q.received)
    return code


@orchestrator
def settle_defaults(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState,
                    q: Flows, t: int) -> int:
    """Clear the quarter to the fixed point of defaults, cures and GPU prices; sell the
    GPUs sold in cures; update the covenant breach counters. Returns ``OK`` or a failure
    code."""
    N, D = net.cash0.size, net.debtor.size
    prepare_settlement(net, rules, st, q, t)
    settled = False
    for _ in range(2 * N + 4):
        code = clear_once(net, rules, fp, st, q, t)
        if code != OK:
            return code
        if not rules.fire_sale_feedback and not q.selling:
            settled = True
            break
        same = True
        nd, sold_by = q.nd, q.sold_by
        for i in range(N):
            if nd[i] != sold_by[i]:
                same = False
        if same:
            settled = True
            break
        q.sold_by[:] = q.nd
        if rules.fire_sale_feedback:
            dump, carry, has_carry = q.dump, q.carry, q.has_carry
            fleet_impact(rules, st, q.sold_by, dump)
            for g in range(dump.shape[0]):
                dump[g] = dump[g] * carry[g] if has_carry else dump[g]
            q.has_dump = True
            q.impact[:] = q.dump
            q.has_impact = True
    if not settled:
        return NO_FIRE_SALE_FIXED_POINT
    with_noncash(net, rules, st, q, q.nd)
    if not q.has_impact:
        q.impact[:] = 1.0
    if rules.fire_sale_feedback:
        st.gpu_level[:] = q.impact
        st.counters[1] = 1
    q.sale_loss[:] = 0.0
    sales = q.sales
    sold = False
    for d in range(D):
        if sales[d] != 0.0:
            sold = True
    if q.selling and sold:
        sell_pledged(net, st, q, q.impact)
    principal, extra, debtor, alive, nd = q.principal, q.extra, net.debtor, st.alive, q.nd
    dscr_breach, dscr_flag, accel = st.dscr_breach, q.dscr_flag, q.accel
    breach, ltv_flag, cure = st.breach, q.ltv_flag, q.cure
    has_extra, dscr_on, covenanted = q.has_extra, rules.dscr_covenants, q.covenanted
    for d in range(D):
        if has_extra:
            principal[d] = principal[d] + extra[d]
        i = debtor[d]
        ok = alive[i] and not nd[i]
        if dscr_on:
            dscr_breach[d] = dscr_breach[d] + 1 if dscr_flag[d] and accel[d] == 0.0 and ok else 0
        if covenanted:
            breach[d] = breach[d] + 1 if ltv_flag[d] and cure[d] == 0.0 and ok else 0
    return OK
