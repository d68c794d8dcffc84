"""What the quarter's scheduled flows leave each party, and the payments that depend on it.

Equity tranches and capital calls are paid only as far as the investor's cash after its
other scheduled flows allows (never below zero); the rest lapses. Options — announced or
ceiling chip purchases and compute contracts — are taken up only from cash above the
buyer's buffer after the contributions it pays and receives; what is not taken up lapses
too.
"""

from __future__ import annotations

import numpy as np

from ..arrays import NetArrays
from ..jit import kernel
from ..state import Flows, PathState
from .routing import ratio, to_creditors, to_debtor, to_payee, to_payer

Array = np.ndarray


@kernel
def scheduled_positions(net: NetArrays, st: PathState, q: Flows) -> None:
    """Debt service and trade amounts received and paid by each party (``s_in``,
    ``s_out``, ``t_in``, ``t_out``) and each entity's cash after them, before
    contributions (``before``)."""
    to_creditors(net, q.service, q.s_in)
    to_debtor(net, q.service, q.s_out)
    to_payee(net, q.tdue, q.t_in)
    to_payer(net, q.tdue, q.t_out)
    before, cash, s_in, s_out, t_in, t_out = q.before, st.cash, q.s_in, q.s_out, q.t_in, q.t_out
    mrev, opex = q.mrev, q.opex
    for i in range(before.size):
        before[i] = cash[i] + (s_in[i] - s_out[i] + t_in[i] - t_out[i]) + mrev[i] - opex[i]


@kernel
def affordable_contributions(net: NetArrays, q: Flows) -> None:
    """Scale contributions to what investors can pay and options to the spare cash above
    the buyer's buffer; ``t_in`` and ``t_out`` follow."""
    if not (net.has_contrib or net.has_options):
        return
    tdue, contrib, option = q.tdue, net.contribution, net.discretionary
    due = False                 # anything to scale this quarter?
    for k in range(tdue.size):
        if tdue[k] != 0.0 and (contrib[k] or option[k]):
            due = True
            break
    if not due:
        return
    new = q.scheduled
    new[:] = tdue
    if net.has_contrib:
        paid_contributions(net, q, new)
    if net.has_options:
        taken_options(net, q, new)
    cut = q.n_trade
    for k in range(tdue.size):
        cut[k] = tdue[k] - new[k]
        tdue[k] = new[k]
    N = net.cash0.size
    party, t_in, t_out = q.party, q.t_in, q.t_out
    to_payee(net, cut, party)
    for j in range(N + 1):
        t_in[j] = t_in[j] - party[j]
    to_payer(net, cut, party)
    for j in range(N + 1):
        t_out[j] = t_out[j] - party[j]


@kernel
def paid_contributions(net: NetArrays, q: Flows, new: Array) -> None:
    """``new``: each contribution × min(max(before + owed, 0) / owed, 1) of its investor,
    ``owed`` being all the contributions the investor owes this quarter."""
    N, K = net.cash0.size, net.payer.size
    tdue, contrib, payer, before = q.tdue, net.contribution, net.payer, q.before
    owed = q.work1
    owed[:] = 0.0
    for k in range(K):
        if contrib[k] and payer[k] < N:
            owed[payer[k]] += tdue[k]
    for k in range(K):
        i = payer[k]
        if contrib[k] and i < N:
            new[k] = tdue[k] * ratio(max(before[i] + owed[i], 0.0), owed[i])


@kernel
def taken_options(net: NetArrays, q: Flows, new: Array) -> None:
    """``new``: each option × min(spare / owed, 1) of its buyer, ``spare`` being the cash
    above the buffer after the contributions it pays and receives (what lapsed stays with
    the payer and never reaches the payee)."""
    N, K = net.cash0.size, net.payer.size
    tdue, contrib, payer, payee, before = q.tdue, net.contribution, net.payer, net.payee, q.before
    lapsed, owed = q.work1, q.work2
    lapsed[:] = 0.0
    owed[:] = 0.0
    option, min_cash = net.discretionary, net.min_cash
    for k in range(K):
        if contrib[k] and payee[k] < N:
            lapsed[payee[k]] -= tdue[k] - new[k]
        i = payer[k]
        if i >= N:
            continue
        if contrib[k]:
            lapsed[i] += tdue[k] - new[k]
        if option[k]:
            owed[i] += new[k]
    for k in range(K):
        i = payer[k]
        if option[k] and i < N:
            spare = max(before[i] + lapsed[i] + owed[i] - min_cash[i], 0.0)
            new[k] = new[k] * ratio(spare, owed[i])
