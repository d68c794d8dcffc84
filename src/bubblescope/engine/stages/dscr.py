"""DSCR covenants and cash sweeps.

Coverage of a borrower = (market revenue and asset income + rent, compute, chip and power
revenue − opex − rent, compute and power paid) ÷ its scheduled debt service, all as
scheduled, summed over the last ``dscr_window_quarters`` quarters. Debt whose ``min_dscr``
is not met is in breach; once the breach has lasted ``cure_quarters`` the rest of its
balance falls due now and cannot be refinanced. A cash sweep takes its share of the
borrower's cash above its buffer, after the quarter's flows and before capex.
"""

from __future__ import annotations

import math

from ..arrays import NetArrays
from ..codes import DISBURSE
from ..jit import kernel
from ..state import Flows, PathState
from .routing import ratio, to_creditors, to_debtor


@kernel
def dscr_test(net: NetArrays, window: int, st: PathState, q: Flows) -> None:
    """The quarter's DSCR test: ``accel`` (the balance accelerated) and ``dscr_flag``
    (breach) per instrument; the quarter's numerator and denominator join the trailing
    window kept in ``st.dscr_history``."""
    N, D = net.cash0.size, net.debtor.size
    noi, ds = q.noi, q.ds
    rev, exp = q.work1, q.work2
    rev[:] = 0.0
    exp[:] = 0.0
    revenue, expense, payer, payee, tdue = (net.claimable, net.expense, net.payer, net.payee,
                                            q.tdue)
    for k in range(payer.size):
        if revenue[k] and payee[k] < N:
            rev[payee[k]] += tdue[k]
        if expense[k] and payer[k] < N:
            exp[payer[k]] += tdue[k]
    mrev, opex = q.mrev, q.opex
    for i in range(N):
        noi[i] = mrev[i] + rev[i] - opex[i] - exp[i]
    ds[:] = 0.0
    debtor, service = net.debtor, q.service
    for d in range(D):
        ds[debtor[d]] += service[d]
    # trailing sums, oldest quarter first
    tot_noi, tot_ds = q.work1, q.work2
    tot_noi[:] = noi
    tot_ds[:] = ds
    held, head = st.counters[0], st.counters[2]   # quarters stored, slot of the oldest
    history = st.dscr_history
    slots = history.shape[1]
    for h in range(held):
        s = (head + h) % slots
        for i in range(N):
            tot_noi[i] += history[0, s, i]
            tot_ds[i] += history[1, s, i]
    accel, flag, min_dscr, alive, balance = q.accel, q.dscr_flag, net.min_dscr, st.alive, st.balance
    breach, cure_q, principal = st.dscr_breach, net.cure_quarters, q.principal
    for d in range(D):
        accel[d] = 0.0
        flag[d] = False
        i = debtor[d]
        if not math.isfinite(min_dscr[d]) or not alive[i] or balance[d] <= 0.0:
            continue
        cover = tot_noi[i] / tot_ds[i] if tot_ds[i] > 0.0 else math.inf
        if cover < min_dscr[d]:
            flag[d] = True
            if breach[d] + 1 >= cure_q[d]:
                accel[d] = max(balance[d] - principal[d], 0.0)
    if window > 1:
        # the newest quarter takes the slot after the last one, or the oldest's when full
        s = (head + held) % slots
        for i in range(N):
            history[0, s, i] = noi[i]
            history[1, s, i] = ds[i]
        if held == slots:
            st.counters[2] = (head + 1) % slots
        else:
            st.counters[0] = held + 1


@kernel
def cash_sweeps(net: NetArrays, st: PathState, q: Flows) -> None:
    """Prepay swept debt from the survivors' cash above their buffers (``q.swept``); the
    part paid to outside or defaulted creditors adds to ``q.guar_ext``."""
    N, D = net.cash0.size, net.debtor.size
    excess, alive, nd, cash_new, min_cash = q.work1, st.alive, q.nd, q.cash_new, net.min_cash
    for i in range(N):
        live = alive[i] and not nd[i]
        excess[i] = max(cash_new[i] - min_cash[i], 0.0) if live else 0.0
    total = q.work2
    total[:] = 0.0
    debtor, balance, principal, p_draw, disbursed = (net.debtor, st.balance, q.principal,
                                                     q.p_draw, q.disbursed)
    want, sweep, swept = q.want_d, net.sweep, q.swept
    for d in range(D):
        i = debtor[d]
        live = alive[i] and not nd[i]
        owed = (balance[d] - principal[d] + p_draw[d] + disbursed[d]) if live else 0.0
        want[d] = min(sweep[d] * excess[i], max(owed, 0.0))
        total[i] += want[d]
    for d in range(D):
        i = debtor[d]
        swept[d] = want[d] * ratio(excess[i], total[i])
    to_them, from_them = q.party, q.owners
    to_creditors(net, swept, to_them)
    ext = to_them[N]
    for i in range(N):
        if not (alive[i] and not nd[i]):
            ext += to_them[i]
    to_debtor(net, swept, from_them)
    for i in range(N):
        live = alive[i] and not nd[i]
        cash_new[i] = cash_new[i] - from_them[i] + (to_them[i] if live else 0.0)
    q.guar_ext += ext


@kernel
def disbursed(net: NetArrays, q: Flows) -> None:
    """``q.disbursed`` (D,): what creditors paid out this quarter on each loan or bond
    that starts now."""
    out, kind, disburses, paid = q.disbursed, net.trade_kind, net.disburses, q.p_trade
    out[:] = 0.0
    for k in range(kind.size):
        if kind[k] == DISBURSE and disburses[k] >= 0:
            out[disburses[k]] += paid[k]
