"""Bond and loan marks at quarter end, per unit of principal.

Performing: the present value of a bullet with coupon ``r`` (fixed, or base + spread)
over ``n = min(maturity − t, 40)`` quarters at the issuer's market yield ``y = base +
spread of its rating bucket``: ``(r/4)·(1 − v^n)/(y/4) + v^n``, ``v = 1/(1 + y/4)``. An
SPV's debt is worth no more than its asset coverage: (cash + non-cash assets at their
default value + take-or-pay rent and compute still due from live, non-exited customers)
÷ (debt + other liabilities). At a default: the recovery paid ÷ claim, kept afterwards.
"""

from __future__ import annotations

import math

from ..arrays import NetArrays, PathFactors, Settings
from ..jit import kernel
from ..state import Flows, PathState
from .routing import to_creditors, to_debtor, up

#: cap on the quarters discounted for a performing instrument (perpetual debt included)
PRICE_QUARTERS_MAX = 40


@kernel
def bullet_price(coupon: float, market_yield: float, quarters: int) -> float:
    """Price of a bullet paying ``coupon`` (decimal/yr) quarterly for ``quarters`` quarters
    at ``market_yield`` (decimal/yr), per unit of principal.

    Example: a 6% coupon at a 6% yield is worth 1.0 whatever the term.
    """
    n = float(quarters)
    qr = market_yield / 4.0
    if qr == 0.0 or qr <= -1.0:
        return coupon / 4.0 * n + 1.0
    # 1 − v^n through expm1/log1p: exact to rounding even for tiny yields
    one_minus_v_n = -math.expm1(-n * math.log1p(qr))
    v_n = 1.0 - one_minus_v_n
    annuity = one_minus_v_n / qr
    return coupon / 4.0 * annuity + v_n


@kernel
def performing_price(net: NetArrays, fp: PathFactors, d: int, t: int) -> float:
    """Price of instrument ``d`` at the end of quarter ``t`` if it performs."""
    base = fp.base_rate[t]
    y = base + fp.spread[t, net.rating_bucket[net.debtor[d]]]
    coupon = base + net.rate[d] if net.floating[d] else net.rate[d]
    n = min(max(net.maturity[d] - t, 1), PRICE_QUARTERS_MAX)
    return bullet_price(coupon, y, n)


@kernel
def asset_coverage(net: NetArrays, rules: Settings, st: PathState, q: Flows, t: int) -> None:
    """``q.work3``: each entity's assets at default value plus take-or-pay rent and compute
    still due from live, non-exited customers, over its debt and other liabilities (inf
    without liabilities)."""
    N = net.cash0.size
    contracted = q.work1
    contracted[:] = 0.0
    payer, payee, exits, alive, remaining = (net.payer, net.payee, st.exit_quarter, st.alive,
                                             net.remaining)
    for k in range(payer.size):
        j = payee[k]
        exited = 0 <= exits[k] <= t
        if j < N and up(alive, payer[k]) and up(alive, j) and not exited:
            contracted[j] += remaining[t, k]
    loans, debt = q.party, q.owners
    to_creditors(net, st.balance, loans)
    to_debtor(net, st.balance, debt)
    gpu, other, fixed, other_liab, cash, out = (st.gpu_value, st.other_assets, st.fixed_book,
                                                st.other_liabilities, st.cash, q.work3)
    G = gpu.shape[1]
    rec_other, rec_claims = rules.recovery_other_assets, rules.recovery_claims
    for i in range(N):
        fleet = 0.0
        for g in range(G):
            fleet += gpu[i, g]
        noncash = (other[i] + fixed[i]) * rec_other + fleet + loans[i] * rec_claims
        liabilities = debt[i] + other_liab[i]
        assets = cash[i] + noncash + contracted[i]
        out[i] = assets / liabilities if liabilities > 0.0 else math.inf


@kernel
def debt_mark(net: NetArrays, fp: PathFactors, st: PathState, q: Flows, d: int, t: int,
              coverage_done: bool) -> float:
    """Price of instrument ``d`` at the end of quarter ``t`` (``q.work3`` must hold the
    asset coverage if ``d`` is an SPV's and ``coverage_done``)."""
    i = net.debtor[d]
    perf = performing_price(net, fp, d, t)
    if coverage_done and net.spv_debt[d]:
        perf = min(perf, q.work3[i])
    paid = q.p_service[d] + q.swept[d]
    claim = paid + q.loss_d[d]
    if q.nd[i] and claim > 0.0:
        st.last_price[d] = paid / claim
    return perf if st.balance[d] > 0.0 else st.last_price[d]
