"""Settlement of the quarter: survivors' cash, guarantee calls, cash sweeps, capex from what
is left, the flows in and out of the network, the defaulters' losses and shortfalls, and
the new balances (principal, draws, disbursements, fleets, fixed assets, stakes).
Defaulters leave the network: their debts are extinguished, their contracts stop."""

from __future__ import annotations

from ..arrays import NetArrays, Settings
from ..codes import CHIP
from ..jit import kernel
from ..state import Flows, PathState
from .clearing import estates
from .dscr import cash_sweeps, disbursed
from .guarantees import guarantee_calls
from .routing import failed


@kernel
def survivors_cash(net: NetArrays, rules: Settings, st: PathState, q: Flows) -> None:
    """Cash after the cleared payments, guarantee calls, sweeps and capex
    (``q.cash_new``, ``q.capex_paid``, ``q.swept``)."""
    N = net.cash0.size
    any_default = False
    cash_new, cash, received, raised = q.cash_new, st.cash, q.received, q.raised
    mrev, sale_in, full_out, nd = q.mrev, q.sale_in, q.full_out, q.nd
    for i in range(N):
        cash_new[i] = cash[i] + received[i] + raised[i] + mrev[i] + sale_in[i] - full_out[i]
        if nd[i]:
            any_default = True
    q.guar_ext = 0.0
    if rules.guarantees and net.guar_debt.size and any_default:
        guarantee_calls(net, st, q)
    disbursed(net, q)
    q.swept[:] = 0.0
    if rules.dscr_covenants and net.has_sweep:
        cash_sweeps(net, st, q)
    capex_paid, capex, alive = q.capex_paid, q.capex, st.alive
    for i in range(N):
        if alive[i] and not nd[i]:
            capex_paid[i] = min(capex[i], max(cash_new[i], 0.0))
            cash_new[i] = cash_new[i] - capex_paid[i]
        else:
            capex_paid[i] = 0.0
            cash_new[i] = 0.0


@kernel
def external_flows(net: NetArrays, rules: Settings, st: PathState, q: Flows) -> None:
    """What entered the network this quarter (market revenue, equity raised, GPUs sold,
    payments from outside, defaulters' assets sold) and what left it (payments to outside
    or dead creditors, opex, residuals, capex, guarantee and sweep payments out, and with
    default costs what a defaulter's creditors never see): ``q.external_in/out``."""
    N = net.cash0.size
    estates(rules, st, q, q.mrev, q.received, q.estate)
    mrev = raised = sales = ext_trade = assets_sold = 0.0
    dead_in = opex = other = capex = lost = 0.0
    costly = not (rules.alpha == 1.0 and rules.beta == 1.0)
    q_mrev, q_raised, q_sale_in, q_opex, q_other = q.mrev, q.raised, q.sale_in, q.p_opex, q.p_other
    q_capex, alive, received, nd, noncash = q.capex_paid, st.alive, q.received, q.nd, q.noncash
    cash, estate = st.cash, q.estate
    for i in range(N):
        mrev += q_mrev[i]
        raised += q_raised[i]
        sales += q_sale_in[i]
        opex += q_opex[i]
        other += q_other[i]
        capex += q_capex[i]
        if not alive[i]:
            dead_in += received[i]
        if nd[i]:
            assets_sold += noncash[i]
            if costly:
                own = cash[i] + received[i] + q_raised[i] + q_mrev[i] + noncash[i]
                lost += own - estate[i]
    payer, p_trade = net.payer, q.p_trade
    for k in range(payer.size):
        if payer[k] == N:
            ext_trade += p_trade[k]
    q.external_in = mrev + raised + sales + ext_trade + assets_sold
    q.external_out = q.received[N] + dead_in + opex + other + capex + q.guar_ext + lost


@kernel
def book_losses(net: NetArrays, st: PathState, q: Flows) -> None:
    """Losses of this quarter's defaulters: per instrument (``q.loss_d``), per trade claim
    (``q.loss_k``), of outside suppliers, and each defaulter's shortfall (claims less what
    its estate paid out)."""
    N = net.cash0.size
    claims, nd = q.work1, q.nd
    claims[:] = 0.0
    debtor, loss_d, claim_debt, p_service = net.debtor, q.loss_d, q.claim_debt, q.p_service
    for d in range(debtor.size):
        i = debtor[d]
        loss_d[d] = 0.0
        if nd[i]:
            loss_d[d] = claim_debt[d] - p_service[d]
            st.loss_debt[d] += loss_d[d]
            claims[i] += claim_debt[d]
    payer, loss_k, claim_trade, p_trade = net.payer, q.loss_k, q.claim_trade, q.p_trade
    for k in range(payer.size):
        i = payer[k]
        loss_k[k] = 0.0
        if failed(nd, i):
            loss_k[k] = claim_trade[k] - p_trade[k]
            st.loss_trade[k] += loss_k[k]
            claims[i] += claim_trade[k]
    opex, other, p_opex, p_other = q.opex, st.other_liabilities, q.p_opex, q.p_other
    loss_external, shortfall, estate, residual = (st.loss_external, st.shortfall, q.estate,
                                                  q.residual)
    for i in range(N):
        if nd[i]:
            owed = opex[i] + other[i]
            loss_external[i] += owed - p_opex[i] - p_other[i]
            shortfall[i] += claims[i] + owed - (estate[i] - residual[i])


@kernel
def new_balances(net: NetArrays, rules: Settings, st: PathState, q: Flows, t: int) -> None:
    """Balances at quarter end: principal (repaid, drawn, disbursed, swept; a defaulter's
    debt extinguished), fleets (chips paid delivered, depreciation), fixed assets (capex),
    stakes (contributions paid; written off when the issuer defaults, net of the residual
    a surviving owner receives); defaulters' assets leave with them."""
    N, D = net.cash0.size, net.debtor.size
    delta = rules.depreciation
    nd, debtor, balance, undrawn = q.nd, net.debtor, st.balance, st.undrawn
    principal, p_draw, disbursed, swept = q.principal, q.p_draw, q.disbursed, q.swept
    for d in range(D):
        if nd[debtor[d]]:
            balance[d] = 0.0
            undrawn[d] = 0.0
        else:
            balance[d] = balance[d] - principal[d] + p_draw[d] + disbursed[d] - swept[d]
            undrawn[d] = undrawn[d] - p_draw[d]
    chips_by, depreciation, gpu_book, fixed_book = (q.chips_by, q.depreciation, st.gpu_book,
                                                    st.fixed_book)
    chips_by[:] = 0.0
    for i in range(N):
        depreciation[i] = delta * (gpu_book[i] + fixed_book[i])
    payer, kind, p_trade, alive = net.payer, net.trade_kind, q.p_trade, st.alive
    gpu, chip_gen, stake, held, contrib = (st.gpu_value, net.chip_gen, net.stake, st.stakes,
                                           net.contribution)
    for k in range(payer.size):
        i = payer[k]
        if kind[k] == CHIP and i < N and alive[i] and not nd[i]:
            chips_by[i] += p_trade[k]
            gpu[i, chip_gen[k]] += p_trade[k]
        if contrib[k] and stake[k] >= 0:
            held[stake[k]] += p_trade[k]
    capex_paid = q.capex_paid
    for i in range(N):
        gpu_book[i] = gpu_book[i] * (1.0 - delta) + chips_by[i]
        fixed_book[i] = fixed_book[i] * (1.0 - delta) + capex_paid[i]
    issuer, holder, own, residual = (net.stake_issuer, net.stake_holder, net.stake_ownership,
                                     q.residual)
    stakes, loss_stakes = st.stakes, st.loss_stakes
    for e in range(holder.size):
        i, h = issuer[e], holder[e]
        if nd[i]:
            live_owner = alive[h] and not nd[h]
            recovered = residual[i] * own[e] if live_owner else 0.0
            loss_stakes[e] += stakes[e] - recovered
            stakes[e] = 0.0
        if nd[h]:
            stakes[e] = 0.0
    cash, cash_new = st.cash, q.cash_new
    for i in range(N):
        if nd[i]:
            gpu_book[i] = 0.0
            fixed_book[i] = 0.0
            st.other_assets[i] = 0.0
            st.other_liabilities[i] = 0.0
            st.gpu_value[i, :] = 0.0
            st.default_quarter[i] = t
        cash[i] = cash_new[i]
        alive[i] = alive[i] and not nd[i]


@kernel
def income_lines(net: NetArrays, q: Flows) -> None:
    """Revenue, costs and contributions of the quarter (``q.revenue``, ``q.costs``,
    ``q.contributions``; survivors' view: recoveries are not revenue)."""
    N = net.cash0.size
    rev, exp, contrib = q.work1, q.work2, q.work3
    rev[:] = 0.0
    exp[:] = 0.0
    contrib[:] = 0.0
    payer, payee, revenue, expense, contribution, p_trade = (
        net.payer, net.payee, net.claimable, net.expense, net.contribution, q.p_trade)
    for k in range(payer.size):
        if revenue[k] and payee[k] < N:
            rev[payee[k]] += p_trade[k]
        if expense[k] and payer[k] < N:
            exp[payer[k]] += p_trade[k]
        if contribution[k] and payee[k] < N:
            contrib[payee[k]] += p_trade[k]
    int_in, int_out = q.noi, q.ds
    int_in[:] = 0.0
    int_out[:] = 0.0
    debtor, nd, interest = net.debtor, q.nd, q.interest
    ptr, idx, w = net.cr_ptr, net.cr_idx, net.cr_w
    for d in range(debtor.size):
        paid = 0.0 if nd[debtor[d]] else interest[d]
        for n in range(ptr[d], ptr[d + 1]):
            if idx[n] < N:
                int_in[idx[n]] += paid * w[n]
        int_out[debtor[d]] += paid
    revenue, costs, contributions = q.revenue, q.costs, q.contributions
    mrev, p_opex, raised, depreciation, sale_loss = (q.mrev, q.p_opex, q.raised,
                                                     q.depreciation, q.sale_loss)
    for i in range(N):
        revenue[i] = mrev[i] + rev[i] + int_in[i]
        costs[i] = p_opex[i] + exp[i] + int_out[i] + depreciation[i] + sale_loss[i]
        contributions[i] = raised[i] + contrib[i]
