"""The liquidity ladder: an entity whose projected cash falls below its buffer covers the
gap in order by drawing committed facilities (lender alive, before ``draw_last``), rolling
over principal due while the debt market is open to it, and raising equity up to
``equity_raise_cap × equity window × market access × market equity``.

The market is open to a borrower while its spread is below ``refinance_spread_max`` and
the equity window is open; with refinancing conditions the spread carries a premium for
contract-adjusted leverage and for recent defaults among its peers, a guaranteed
instrument also rolls over on its guarantor's credit, rolled principal is repriced at the
market, and debt rolled at maturity gets a new term.
"""

from __future__ import annotations

from ..arrays import NetArrays, PathFactors, Settings
from ..jit import kernel
from ..state import Flows, PathState
from .routing import to_creditors, to_debtor, to_lender, up


@kernel
def borrower_spreads(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState,
                     q: Flows, t: int) -> None:
    """Each entity's market spread, ``q.borrower`` (decimal/yr): its rating bucket's, plus
    with refinancing conditions ``refinance_leverage_spread × max(L − 0.5, 0)`` and
    ``refinance_contagion_spread ×`` the share of the other entities of its kind that
    defaulted in the last four quarters."""
    N = net.cash0.size
    spread_ig, spread_hy = fp.spread[t, 0], fp.spread[t, 1]
    recent, group, size, bucket = q.work3, net.kind_group, net.group_size, net.rating_bucket
    borrower, leverage, dq = q.borrower, st.leverage, st.default_quarter
    conditions = rules.refinancing_conditions
    lev_spread, contagion = rules.refinance_leverage_spread, rules.refinance_contagion_spread
    recent[:] = 0.0
    if conditions:
        for i in range(N):
            if dq[i] >= 0 and dq[i] >= t - 4:
                recent[group[i]] += 1.0
    for i in range(N):
        s = spread_ig if bucket[i] == 0 else spread_hy
        if conditions:
            prem = lev_spread * max(leverage[i] - 0.5, 0.0)
            others = size[group[i]] - 1
            if others > 0:
                prem += contagion * (recent[group[i]] / others)
            s = s + prem
        borrower[i] = s


@kernel
def liquidity_ladder(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState,
                     q: Flows, t: int) -> None:
    """Cover each entity's gap below its buffer: ``q.draws``, ``q.refi`` (principal rolled
    over) and ``q.raised`` (equity from outside)."""
    N, D = net.cash0.size, net.debtor.size
    window, spread_ig, spread_hy = fp.window[t], fp.spread[t, 0], fp.spread[t, 1]
    need, cash, alive, min_cash = q.need, st.cash, st.alive, net.min_cash
    s_in, s_out, t_in, t_out = q.s_in, q.s_out, q.t_in, q.t_out
    mrev, opex, capex = q.mrev, q.opex, q.capex
    for i in range(N):
        projected = (cash[i] + (s_in[i] - s_out[i] + t_in[i] - t_out[i]) + mrev[i] - opex[i]
                     - capex[i])
        need[i] = max(min_cash[i] - projected, 0.0) if alive[i] else 0.0
    debtor, draws, drawable, draw_last = net.debtor, q.draws, net.drawable, net.draw_last
    undrawn, lender = st.undrawn, net.lender
    for d in range(D):
        draws[d] = 0.0
        if drawable[d] and draw_last[d] >= t:
            i = debtor[d]
            x = min(undrawn[d], need[i]) if up(alive, lender[d]) else 0.0
            draws[d] = x
            need[i] -= x
    open_debt, borrower, spread_max = q.open_debt, q.borrower, rules.refinance_spread_max
    for d in range(D):
        open_debt[d] = borrower[debtor[d]] < spread_max and window > 0.0
    if rules.refinancing_conditions:
        for u in range(net.guar_debt.size):
            g = net.guar_by[u]
            s = spread_ig if net.rating_bucket[g] == 0 else spread_hy
            if alive[g] and s < spread_max:
                open_debt[net.guar_debt[u]] = True
    principal, refi = q.principal, q.refi
    for d in range(D):
        i = debtor[d]
        x = min(principal[d], need[i]) if open_debt[d] else 0.0
        refi[d] = x
        need[i] -= x
    raised, access, equity = q.raised, net.market_access, st.market_equity
    cap_share = rules.equity_raise_cap
    for i in range(N):
        cap = cap_share * window * access[i] * max(equity[i], 0.0)
        raised[i] = min(max(need[i], 0.0), cap) if alive[i] else 0.0


@kernel
def roll_over(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
              t: int) -> None:
    """Book the roll-overs: reprice rolled principal at the market (refinancing
    conditions), give debt rolled at maturity its new term, take the rolled principal out
    of what is due; then the draws' flows and every entity's scheduled outflow."""
    N, D = net.cash0.size, net.debtor.size
    base_rate, spread_ig, spread_hy = fp.base_rate[t], fp.spread[t, 0], fp.spread[t, 1]
    refi, principal = q.refi, q.principal
    rolled = False
    for d in range(D):
        if refi[d] != 0.0:
            rolled = True
    if rolled and rules.refinancing_conditions:
        for d in range(D):
            if refi[d] <= 0.0:
                continue
            s = q.borrower[net.debtor[d]]
            for u in range(net.guar_debt.size):
                g = net.guar_by[u]
                if net.guar_debt[u] == d and st.alive[g]:
                    s = min(s, spread_ig if net.rating_bucket[g] == 0 else spread_hy)
            market = s if net.floating[d] else base_rate + s
            keep = max(st.balance[d] - principal[d], 0.0)
            total = keep + refi[d]
            st.rate_coef[d] = (keep * st.rate_coef[d] + refi[d] * market) / total
    if rolled and rules.refinance_term_quarters > 0:
        maturity = st.maturity
        for d in range(D):
            if refi[d] > 0.0 and t >= maturity[d]:
                maturity[d] = t + rules.refinance_term_quarters
    s_in, s_out, party = q.s_in, q.s_out, q.party
    if rolled:
        interest, service = q.interest, q.service
        for d in range(D):
            principal[d] = principal[d] - refi[d]
            service[d] = interest[d] + principal[d]
        to_creditors(net, refi, party)
        for j in range(N + 1):
            s_in[j] = s_in[j] - party[j]
        to_debtor(net, refi, party)
        for j in range(N + 1):
            s_out[j] = s_out[j] - party[j]
    to_debtor(net, q.draws, q.drawn_in)
    lent_out, t_out, opex, full_out = q.lent_out, q.t_out, q.opex, q.full_out
    to_lender(net, q.draws, lent_out)
    for i in range(N):
        full_out[i] = s_out[i] + lent_out[i] + t_out[i] + opex[i]
