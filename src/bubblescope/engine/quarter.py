"""One quarter of one path: the stages in order (docs/engine.md, *One quarter*).

Every stage reads the compiled network (``net``), the engine's settings (``rules``) and
the path's factors (``fp``), and updates the path's balances (``st``) and the quarter's
flows (``q``) in place.
"""

from __future__ import annotations

import numpy as np

from .arrays import NetArrays, PathFactors, Settings
from .jit import kernel, orchestrator
from .stages.balance_sheet import balance_sheet, close_books, contract_leverage
from .stages.contributions import affordable_contributions, scheduled_positions
from .stages.dscr import dscr_test
from .stages.fire_sales import settle_defaults
from .stages.ladder import borrower_spreads, liquidity_ladder, roll_over
from .stages.lease_exits import apply_exits, exit_quarters
from .stages.operating import operating_flows
from .stages.schedules import (
    debt_service,
    delayed_chips,
    milestone_quarters,
    trade_obligations,
)
from .stages.settlement import (
    book_losses,
    external_flows,
    income_lines,
    new_balances,
    survivors_cash,
)
from .state import OK, Flows, PathState


@orchestrator
def quarter(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
            t: int) -> int:
    """Advance path ``st`` through quarter ``t``; returns ``OK`` or a failure code."""
    fund_quarter(net, rules, fp, st, q, t)                # what is due and how it is funded
    code = settle_defaults(net, rules, fp, st, q, t)      # clearing, cures, fire sales
    if code != OK:
        return code
    close_quarter(net, rules, st, q, t)                   # cash, losses, new balances
    return OK


@orchestrator
def fund_quarter(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows,
                 t: int) -> None:
    """The stages before the settlement: what falls due in quarter ``t``, what comes in,
    the covenant tests and how shortfalls are funded (draws, roll-overs, equity)."""
    remark_fleets(fp, st, t)                              # GPUs at this quarter's price
    debt_service(net, fp, st, q, t)                       # interest, principal due
    trade_obligations(net, fp, st, q, t)                  # rent, compute, chips, tranches
    if rules.strategic_default:
        apply_exits(net, st, q, t)                        # lessees walking away
    operating_flows(net, fp, st, q, t)                    # market revenue, opex, capex
    scheduled_positions(net, st, q)
    affordable_contributions(net, q)                      # tranches, calls, options
    q.accel[:] = 0.0
    q.dscr_flag[:] = False
    if rules.dscr_covenants and net.has_dscr:
        dscr_test(net, rules.dscr_window_quarters, st, q)  # DSCR acceleration
    borrower_spreads(net, rules, fp, st, q, t)
    liquidity_ladder(net, rules, fp, st, q, t)            # draws, roll-overs, equity
    roll_over(net, rules, fp, st, q, t)


@orchestrator
def close_quarter(net: NetArrays, rules: Settings, st: PathState, q: Flows, t: int) -> None:
    """The stages after the settlement: survivors' cash (guarantees, sweeps, capex),
    flows with the outside world, losses, next quarter's balances and the books."""
    survivors_cash(net, rules, st, q)                     # guarantees, sweeps, capex
    external_flows(net, rules, st, q)
    book_losses(net, st, q)
    new_balances(net, rules, st, q, t)
    income_lines(net, q)
    close_books(net, rules, st, q, t)                     # balance sheet, leverage


@kernel
def remark_fleets(fp: PathFactors, st: PathState, t: int) -> None:
    """Fleets are worth the quarter's resale price all through it (sales, seizures)."""
    if t == 0:
        return
    gpu, resale = st.gpu_value, fp.resale
    N, G = gpu.shape
    for g in range(G):
        growth = resale[t, g] / resale[t - 1, g]
        for i in range(N):
            gpu[i, g] *= growth


@kernel
def open_books(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState, q: Flows
               ) -> None:
    """Balances at the as-of date, and what the path's factors fix for the whole run
    (lease exits, milestone quarters, delayed chip payments)."""
    st.cash[:] = net.cash0
    st.alive[:] = True
    st.default_quarter[:] = -1
    st.balance[:] = net.principal0
    st.undrawn[:] = net.undrawn0
    gpu, cost, resale = st.gpu_value, net.gpu_cost0, fp.resale
    for i in range(gpu.shape[0]):
        for g in range(gpu.shape[1]):
            gpu[i, g] = cost[i, g] * resale[0, g]
    st.gpu_book[:] = net.gpu_book0
    st.fixed_book[:] = 0.0
    st.other_assets[:] = net.other_assets0
    st.other_liabilities[:] = net.other_liabilities0
    st.stakes[:] = net.stake_held0
    st.exit_quarter[:] = -1
    st.coll_scale[:] = 1.0
    st.maturity[:] = net.maturity
    st.rate_coef[:] = net.rate
    st.last_price[:] = np.nan
    T = fp.ai_demand.shape[0]
    if rules.strategic_default:
        exit_quarters(net, fp.ai_demand, st.exit_at)
    else:
        st.exit_at[:] = T
    milestone_quarters(net, fp.ai_demand, st.milestone_at)
    delayed_chips(net, fp.chip_delay, st.chip_schedule)
    balance_sheet(net, st, q, False)
    for i in range(net.cash0.size):
        st.market_equity[i] = max(q.equity[i], 0.0) * net.equity_multiple[i]
    st.book_equity[:] = q.equity
    st.equity0[:] = q.equity
    contract_leverage(net, st, q, 0)
