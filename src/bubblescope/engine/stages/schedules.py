"""What falls due in the quarter: interest and scheduled principal on the opening balance,
and the trade obligations (rent, compute, chips with the path's delivery delays, equity
tranches and their AI-demand milestones, capital calls, power, disbursements).

Debt service is a rule on the balance ``B`` at the start of the quarter, with ``r`` the
quarter's rate (fixed, or base + spread) and ``n`` the quarters left including this one:
interest ``B·r/4``; bullet: ``B`` at maturity; linear ``B/n``; annuity: the level payment
less interest; custom: the listed repayment (at most ``B``); perpetual: nothing. Whatever
is outstanding at or after maturity is due.
"""

from __future__ import annotations

import math

import numpy as np

from ..arrays import NetArrays, PathFactors
from ..codes import ANNUITY, CHIP, CUSTOM, LINEAR, VAR_DEMAND, VAR_WINDOW
from ..jit import kernel
from ..state import Flows, PathState
from .routing import up

Array = np.ndarray


@kernel
def annuity_level(balance: float, quarterly_rate: float, periods: int) -> float:
    """Level payment repaying ``balance`` over ``periods`` quarters at ``quarterly_rate``:
    ``B·r / (1 − (1 + r)^−n)``, and ``B / n`` when ``r = 0``.

    Example: 100 at 2% a quarter over 8 quarters pays 13.6510 a quarter.
    """
    n = max(float(periods), 1.0)
    if quarterly_rate != 0.0 and quarterly_rate > -1.0:
        # 1 − (1 + r)^−n through expm1/log1p: exact to rounding even for tiny r
        return balance * quarterly_rate / -math.expm1(-n * math.log1p(quarterly_rate))
    return balance / n


@kernel
def scheduled_principal(amort: int, custom: float, amort_start: int, balance: float,
                        rate: float, t: int, maturity: int) -> float:
    """Principal due in quarter ``t`` on the opening ``balance`` at ``rate`` (decimal/yr)
    of an instrument with amortisation code ``amort``, listed repayment ``custom`` (USD bn)
    this quarter, first amortising quarter ``amort_start`` and (possibly rolled)
    ``maturity`` quarter."""
    if amort > CUSTOM:
        return 0.0
    left = maturity - t + 1
    if left <= 1:
        x = balance
    else:
        if amort == LINEAR:
            x = balance / left
        elif amort == ANNUITY:
            x = annuity_level(balance, rate / 4.0, left) - balance * rate / 4.0
        elif amort == CUSTOM:
            x = min(custom, balance)
        else:
            x = 0.0
        if t < amort_start:
            x = 0.0              # interest only before amortisation starts
    return min(max(x, 0.0), balance)


@kernel
def debt_service(net: NetArrays, fp: PathFactors, st: PathState, q: Flows, t: int) -> None:
    """Rate, interest and scheduled principal of every instrument in quarter ``t``."""
    base_rate = fp.base_rate[t]
    coefs, floating, balance, maturity = st.rate_coef, net.floating, st.balance, st.maturity
    rate, interest, principal, service = q.rate, q.interest, q.principal, q.service
    amort, custom, amort_start = net.amort, net.custom, net.amort_start
    for d in range(coefs.size):
        coef = coefs[d]
        r = base_rate + coef if floating[d] else coef
        rate[d] = r
        interest[d] = balance[d] * r / 4.0
        principal[d] = scheduled_principal(amort[d], custom[t, d], amort_start[d], balance[d],
                                           r, t, maturity[d])
        service[d] = interest[d] + principal[d]


@kernel
def trade_obligations(net: NetArrays, fp: PathFactors, st: PathState, q: Flows,
                      t: int) -> None:
    """Amounts due on trade obligations in quarter ``t`` between live parties: the fixed
    part (chips from the path's delayed schedule) plus the variable part × its factor (AI
    demand or the equity window), milestone tranches in their quarter; and each lease's
    claim if its lessee defaults now."""
    demand, window = fp.ai_demand[t], fp.window[t]
    tdue, lease, kind, chips, chip_col = (q.tdue, q.lease_claim, net.trade_kind,
                                          st.chip_schedule, net.chip_col)
    fixed, variable, var_factor, claims = net.fixed, net.variable, net.var_factor, net.lease_claim
    for k in range(tdue.size):
        base = chips[t, chip_col[k]] if kind[k] == CHIP else fixed[t, k]
        vf = var_factor[k]
        factor = demand if vf == VAR_DEMAND else (window if vf == VAR_WINDOW else 0.0)
        tdue[k] = base + variable[t, k] * factor
        lease[k] = claims[t, k]
    at, ms_trade, ms_amount, ms_window = (st.milestone_at, net.ms_trade, net.ms_amount,
                                          net.ms_window)
    for m in range(at.size):
        if at[m] == t:
            tdue[ms_trade[m]] += ms_amount[m] * (window if ms_window[m] else 1.0)
    payer, payee, alive = net.payer, net.payee, st.alive
    for k in range(tdue.size):
        if not (up(alive, payer[k]) and up(alive, payee[k])):
            tdue[k] = 0.0


@kernel
def delayed_chips(net: NetArrays, delay: Array, out: Array) -> None:
    """Chip payments of one path shifted by its delivery delays, ``out`` (T, C): an amount
    scheduled in quarter ``s`` is paid in ``s + delay[s]``; past the horizon it falls
    away."""
    T = out.shape[0]
    out[:, :] = 0.0
    chip_col, fixed = net.chip_col, net.fixed
    for s in range(T):
        tgt = s + delay[s]
        if tgt >= T:
            continue
        for k in range(chip_col.size):
            if chip_col[k] >= 0:
                out[tgt, chip_col[k]] += fixed[s, k]


@kernel
def milestone_quarters(net: NetArrays, demand: Array, out: Array) -> None:
    """Quarter each milestone tranche is paid on one path, ``out`` (M,): the first quarter
    from its date in which AI demand reaches its level (−1: never)."""
    T = demand.shape[0]
    first, level = net.ms_first, net.ms_level
    for m in range(out.size):
        out[m] = -1
        for t in range(first[m], T):
            if demand[t] >= level[m]:
                out[m] = t
                break
