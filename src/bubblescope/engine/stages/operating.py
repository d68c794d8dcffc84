"""The operating model of a quarter: market revenue, asset income, opex and capex.

Market revenue is the part of an entity's revenue its network contracts do not pay
(compiled as ``market_revenue_q``); only its AI-exposed share ``s`` moves:
``market × ((1 − s) + s × factor × power) × shock``, with factor = AI demand (labs,
hyperscalers, chip vendors, other) or GPU rental price × min(AI demand, 1) (neoclouds,
clouds), capped at the entity's powered capacity relative to the as-of quarter. Opening
cash earns the base rate (floored at 0); financial kinds' other assets earn their yield.
"""

from __future__ import annotations

from ..arrays import NetArrays, PathFactors
from ..codes import MARKET_DEMAND, MARKET_RENTAL
from ..jit import kernel
from ..state import Flows, PathState


@kernel
def operating_flows(net: NetArrays, fp: PathFactors, st: PathState, q: Flows, t: int) -> None:
    """Market revenue plus asset income, opex and planned capex of every live entity."""
    demand, power = fp.ai_demand[t], fp.power[t]
    rental = fp.rental[t] * min(demand, 1.0)
    base = max(fp.base_rate[t], 0.0)
    alive, cash, other = st.alive, st.cash, st.other_assets
    mrev, opex, capex = q.mrev, q.opex, q.capex
    driver, capacity, powered, ai_share = (net.market_driver, net.capacity_ratio, net.powered,
                                           net.ai_share)
    revenue_q, scale, asset_yield = net.market_revenue_q, net.revenue_scale, net.asset_yield
    opex_q, plan = net.opex_q, net.capex
    for i in range(alive.size):
        if not alive[i]:
            mrev[i] = 0.0
            opex[i] = 0.0
            capex[i] = 0.0
            continue
        drv = driver[i]
        factor = demand if drv == MARKET_DEMAND else (rental if drv == MARKET_RENTAL else 1.0)
        factor = min(factor, capacity[t, i])
        pw = power if powered[i] else 1.0
        share = ai_share[i]
        market = revenue_q[i] * ((1.0 - share) + share * factor * pw) * scale[t, i]
        income = (cash[i] * base + other[i] * asset_yield[i]) / 4.0
        mrev[i] = market + income
        opex[i] = opex_q[i]
        capex[i] = plan[t, i]
