"""LTV covenants on GPU-pool loans, and their cures by selling pledged GPUs.

Collateral = value at the data date × the generation's resale level now ÷ at quarter 0 ×
the quarter's fire-sale multiplier × the share of the pool not sold in earlier cures (for
a borrowing vehicle, plus its take-or-pay receivables from live payers). A loan whose
balance exceeds ``ltv_max ×`` collateral is in breach; once the breach has lasted
``cure_quarters`` the excess is due now. With cure sales the borrower pays from its cash
above its buffer first and sells pledged GPUs for the rest: selling ``v`` cuts balance and
collateral by ``v``, so an excess ``e`` needs ``v = e / (1 − ltv_max)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import NetArrays, PathFactors, Settings
from ..jit import kernel
from ..state import Flows, PathState
from .routing import ratio, up

Array = np.ndarray


@kernel
def ltv_tests(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
              t: int) -> None:
    """The quarter's LTV tests at the multiplier ``q.impact`` (if ``q.has_impact``): the
    pay-down due ``q.cure`` (at most ``q.room``, what the scheduled principal and a DSCR
    acceleration leave of the balance), the breach flags ``q.ltv_flag`` and the pledged
    pools' values ``q.pledged``."""
    cure, flag, pledged = q.cure, q.ltv_flag, q.pledged
    ltv_max, coll_gen = net.ltv_max, net.coll_gen
    resale, impact, priced = fp.resale, q.impact, q.has_impact
    value0, scale, debtor, with_receivables = (net.coll_value0, st.coll_scale, net.debtor,
                                               net.coll_receivables)
    receivable, balance, alive, breach_q = q.receivable, st.balance, st.alive, st.breach
    cure_q, room, tol = net.cure_quarters, q.room, rules.tolerance
    for d in range(cure.size):
        cure[d] = 0.0
        flag[d] = False
        pledged[d] = 0.0
        lim = ltv_max[t, d]
        g = coll_gen[d]
        if not math.isfinite(lim) or g < 0:
            continue
        level = resale[t, g] / resale[0, g]
        m = impact[g] if priced else 1.0
        pledged[d] = value0[d] * level * m * scale[d]
        value = pledged[d]
        i = debtor[d]
        if with_receivables[d]:
            value = value + receivable[i]
        excess = balance[d] - lim * value
        breach = alive[i] and balance[d] > 0.0 and excess > tol
        flag[d] = breach
        if breach and breach_q[d] + 1 >= cure_q[d]:
            cure[d] = min(excess, room[d])


@kernel
def cure_sales(net: NetArrays, st: PathState, q: Flows, t: int, price: Array) -> None:
    """Split each pay-down ``q.cure`` into cash (from ``q.spare``, pro rata over the
    borrower's loans) and sales of pledged GPUs at ``price`` (G,) (``q.sales``, at most
    the pool, what the borrower holds of the generation and ``q.room``). What the sales do
    not cure stays owed in cash. This quarter's earlier defaulters (``q.sold_by``) sell
    nothing: their fleets go in the default.

    Example: balance 90, ``ltv_max`` 0.8, pledged GPUs worth 100, no spare cash: the
    excess is 10, the sale 10 / 0.2 = 50, after which 40 ≤ 0.8 × 50.
    """
    D = net.debtor.size
    sales, cure = q.sales, q.cure
    sales[:] = 0.0
    any_cure = False
    for d in range(D):
        if cure[d] != 0.0:
            any_cure = True
    if not any_cure:
        return
    owed, debtor = q.work1, net.debtor
    owed[:] = 0.0
    for d in range(D):
        owed[debtor[d]] += cure[d]
    cash_part, want = q.work_d, q.want_d
    total = q.pair_total
    total[:] = 0.0
    spare, ltv_max, coll_gen, sold_by = q.spare, net.ltv_max, net.coll_gen, q.sold_by
    pledged, room, loan_pair = q.pledged, q.room, net.loan_pair
    for d in range(D):
        i = debtor[d]
        cash_part[d] = cure[d] * ratio(spare[i], owed[i])
        lim = ltv_max[t, d]
        gap = 1.0 - (lim if math.isfinite(lim) else 1.0)
        want[d] = 0.0
        if gap > 0.0 and coll_gen[d] >= 0 and not sold_by[i]:
            want[d] = min((cure[d] - cash_part[d]) / gap, pledged[d])
        want[d] = min(want[d], max(room[d] - cash_part[d], 0.0))
        if coll_gen[d] >= 0:
            total[loan_pair[d]] += want[d]
    pair_gen, pair_owner, gpu = net.pair_gen, net.pair_owner, st.gpu_value
    for d in range(D):
        pair = loan_pair[d]
        g = pair_gen[pair]
        held = gpu[pair_owner[pair], g] * price[g]
        sales[d] = want[d] * ratio(held, total[pair])
        lim = ltv_max[t, d]
        gap = 1.0 - (lim if math.isfinite(lim) else 1.0)
        can = gap > 0.0 and coll_gen[d] >= 0
        rest = cure[d] - cash_part[d]
        uncured = max(rest - sales[d] * (gap if can else 0.0), 0.0)
        cure[d] = min(cash_part[d] + sales[d] + uncured, room[d])


@kernel
def depth_ratio(rules: Settings, st: PathState, g: int, quantity: float) -> float:
    """``quantity`` of generation ``g`` sold over its market depth (``gpu_market_depth ×``
    the market value of every live fleet of that generation)."""
    depth = 0.0
    alive, gpu = st.alive, st.gpu_value
    for i in range(alive.shape[0]):
        if alive[i]:
            depth += gpu[i, g]
    depth *= rules.gpu_market_depth
    return quantity / depth if depth > 0.0 else 0.0


@kernel
def cure_market(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
                t: int) -> None:
    """LTV tests and the cures they call for, for the default set ``q.sold_by`` whose
    fleets make the multiplier ``q.dump``; with cure sales and fire-sale feedback the
    sales move the price (``q.impact``) and the two are iterated to a fixed point."""
    impact, dump, sales, price = q.impact, q.dump, q.sales, q.price
    G, D = impact.shape[0], sales.shape[0]
    q.has_impact = q.has_dump
    impact[:] = dump
    used = q.used
    used[:] = 0.0
    coll_gen, sold, beta = net.coll_gen, q.sold_gpus, rules.fire_sale_beta
    for _ in range(rules.max_iterations):
        ltv_tests(net, rules, fp, st, q, t)
        if not rules.ltv_cure_sales:
            return
        priced = q.has_impact
        for g in range(G):
            price[g] = impact[g] if priced else 1.0
        cure_sales(net, st, q, t, price)
        if not rules.fire_sale_feedback:
            return
        moved = 0.0
        for d in range(D):
            moved = max(moved, abs(sales[d] - used[d]))
        if moved <= rules.tolerance:
            return
        sold[:] = 0.0                   # market value sold per generation, before impact
        for d in range(D):
            if coll_gen[d] >= 0:
                sold[coll_gen[d]] += sales[d] / price[coll_gen[d]]
        for g in range(G):
            impact[g] = dump[g] * np.exp(-beta * depth_ratio(rules, st, g, sold[g]))
        q.has_impact = True
        used[:] = sales


@kernel
def sell_pledged(net: NetArrays, st: PathState, q: Flows, price: Array) -> None:
    """Take the GPUs sold in cures out of the fleets: market value at the pre-sale price
    (``sales / price``), book value in the same proportion of the fleet's market value
    (``q.sale_loss`` = book value sold less proceeds, a cost); each pool keeps
    ``1 − sales / pledged`` of itself."""
    gpu, book, qty = st.gpu_value, st.gpu_book, q.quantity
    N, G = gpu.shape
    qty[:, :] = 0.0
    coll_gen, debtor, sales, pledged = net.coll_gen, net.debtor, q.sales, q.pledged
    for d in range(sales.size):
        g = coll_gen[d]
        if g >= 0:
            qty[debtor[d], g] += sales[d] / price[g]
    sale_loss, sale_in = q.sale_loss, q.sale_in
    for i in range(N):
        fleet = 0.0
        for g in range(G):
            fleet += gpu[i, g]
        sold = 0.0
        for g in range(G):
            qty[i, g] = min(qty[i, g], gpu[i, g])
            sold += qty[i, g]
        share = ratio(sold, fleet) if fleet > 0.0 else 0.0
        book_sold = book[i] * share
        for g in range(G):
            gpu[i, g] = gpu[i, g] - qty[i, g]
        book[i] = book[i] - book_sold
        sale_loss[i] = book_sold - sale_in[i]
    scale = st.coll_scale
    for d in range(sales.size):
        if pledged[d] > 0.0:
            scale[d] *= 1.0 - min(sales[d] / pledged[d], 1.0)


@kernel
def receivables(net: NetArrays, st: PathState, q: Flows, t: int) -> None:
    """``q.receivable`` (N,): take-or-pay rent and compute each entity is still owed after
    quarter ``t`` by live payers (a borrowing vehicle pledges them with its GPUs)."""
    receivable, payer, payee, alive, remaining = (q.receivable, net.payer, net.payee,
                                                  st.alive, net.remaining)
    receivable[:] = 0.0
    N = net.cash0.size
    for k in range(payer.size):
        j = payee[k]
        if j < N and up(alive, payer[k]) and up(alive, j):
            receivable[j] += remaining[t, k]
