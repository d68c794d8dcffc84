"""Balance sheets at quarter end, equity marks and leverage as lenders see it.

assets = cash + other assets + fixed assets + GPU fleet (book) + loans held (principal ×
share) + stakes at cost (with ``equity_marks``: × the issuer's book equity now ÷ at the
as-of date, floored at 0); liabilities = own debt + other liabilities; book equity =
assets − liabilities; market equity = max(book equity, 0) × ``equity_multiple``.
Contract-adjusted leverage adds take-or-pay rent and compute still owed to liabilities
and still receivable to assets (both parties alive), so an SPV whose only asset is a long
lease is not mistaken for an insolvent one.
"""

from __future__ import annotations

from ..arrays import NetArrays, Settings
from ..jit import kernel
from ..state import Flows, PathState
from .routing import held_by, to_creditors, to_debtor, up


@kernel
def stake_mark(equity: float, equity0: float) -> float:
    """Mark of a stake per unit of cost: the issuer's book equity over its book equity at
    the as-of date, floored at 0 (1 or 0 if that was not positive)."""
    if equity0 > 0.0:
        return max(equity, 0.0) / equity0
    return 1.0 if equity > 0.0 else 0.0


@kernel
def balance_sheet(net: NetArrays, st: PathState, q: Flows, marks: bool) -> None:
    """``q.assets``, ``q.liabilities`` and ``q.equity`` (zero for defaulted entities)."""
    N = net.cash0.size
    loans, stakes, debt = q.party, q.work1, q.owners
    to_creditors(net, st.balance, loans)
    held_by(net, st.stakes, stakes)
    to_debtor(net, st.balance, debt)
    assets, liabilities, equity = q.assets, q.liabilities, q.equity
    cash, other, fixed, gpu_book, other_liab = (st.cash, st.other_assets, st.fixed_book,
                                                st.gpu_book, st.other_liabilities)
    for i in range(N):
        assets[i] = cash[i] + other[i] + fixed[i] + gpu_book[i] + loans[i] + stakes[i]
        liabilities[i] = debt[i] + other_liab[i]
    if marks and net.stake_holder.size:
        adj = q.work2
        adj[:] = 0.0
        issuer, holder, equity0, held = (net.stake_issuer, net.stake_holder, st.equity0,
                                         st.stakes)
        for e in range(holder.size):
            i = issuer[e]
            ratio = stake_mark(assets[i] - liabilities[i], equity0[i])
            adj[holder[e]] += held[e] * (ratio - 1.0)
        for i in range(N):
            assets[i] = assets[i] + adj[i]
    alive = st.alive
    for i in range(N):
        if not alive[i]:
            assets[i] = 0.0
            liabilities[i] = 0.0
        equity[i] = assets[i] - liabilities[i]


@kernel
def contract_leverage(net: NetArrays, st: PathState, q: Flows, t: int) -> None:
    """``st.leverage``: (liabilities + take-or-pay rent and compute still owed) ÷ (assets +
    such rent and compute still receivable), between live parties after quarter ``t``
    (0 without liabilities, 10 without assets)."""
    N = net.cash0.size
    owed_to, owes = q.work1, q.work2
    owed_to[:] = 0.0
    owes[:] = 0.0
    payer, payee, alive, remaining = net.payer, net.payee, st.alive, net.remaining
    for k in range(payer.size):
        i, j = payer[k], payee[k]
        if up(alive, i) and up(alive, j):
            if j < N:
                owed_to[j] += remaining[t, k]
            if i < N:
                owes[i] += remaining[t, k]
    leverage, q_assets, q_liab = st.leverage, q.assets, q.liabilities
    for i in range(N):
        assets = q_assets[i] + owed_to[i]
        liabilities = q_liab[i] + owes[i]
        if liabilities > 0.0:
            leverage[i] = liabilities / assets if assets > 0.0 else 10.0
        else:
            leverage[i] = 0.0


@kernel
def close_books(net: NetArrays, rules: Settings, st: PathState, q: Flows, t: int) -> None:
    """Balance sheets, market equity and leverage at the end of quarter ``t``."""
    balance_sheet(net, st, q, rules.equity_marks)
    equity, market, multiple = q.equity, st.market_equity, net.equity_multiple
    for i in range(equity.size):
        market[i] = max(equity[i], 0.0) * multiple[i]
    st.book_equity[:] = equity
    contract_leverage(net, st, q, t)
