"""Operating model: market revenue, operating costs, capex and the GPU fleet's values.

Double counting rule: an entity's declared revenue run-rate already includes what its
contracts in the network pay it. Market revenue is therefore only the rest,
``max(revenue − contracted revenue inflows in the first quarter × 4, 0) / 4`` per quarter
(compiled as ``market_revenue_q``). Only the entity's AI-exposed share ``s`` of it
(``Entity.ai_revenue_share``, defaults by kind) moves: ``market × ((1 − s) + s × factor ×
power)``, where the factor is GPU rental price × utilisation (AI demand capped at 1) for
neoclouds and cloud providers and AI demand for everyone else, and capacity without power
earns nothing: the factor is capped at the entity's powered capacity relative to the as-of
quarter (``capacity_ratio``: grid and on-site entries count from their ``available_from``
quarter, or from the start without one; no cap for an entity with no capacity powered at
the as-of date), so demand above plan turns into revenue only as new capacity gets power;
then × power availability (scenario factor, for the kinds that run data centres).
"""

from __future__ import annotations

import numpy as np

from .compile import MARKET_DEMAND, MARKET_RENTAL, Compiled
from .factors import FactorPaths

Array = np.ndarray


def market_revenue(c: Compiled, f: FactorPaths, t: int) -> Array:
    """Market (non-contracted) revenue in quarter ``t``, USD bn, shape (paths, N)."""
    demand = f.ai_demand[:, t:t + 1]
    rental = f.gpu_rental_price[:, t:t + 1] * np.minimum(demand, 1.0)
    drv = c.market_driver[None, :]
    factor = np.where(drv == MARKET_DEMAND, demand,
                      np.where(drv == MARKET_RENTAL, rental, 1.0))
    if c.capacity_ratio is not None:
        factor = np.minimum(factor, c.capacity_ratio[t][None, :])
    power = np.where(c.powered[None, :], f.power_availability[:, t:t + 1], 1.0)
    share = c.ai_share[None, :]
    out = c.market_revenue_q[None, :] * ((1.0 - share) + share * factor * power)
    return out if c.revenue_scale is None else out * c.revenue_scale[t][None, :]


def operating_costs(c: Compiled, paths: int) -> Array:
    """Fixed operating costs per quarter incl. the on-site power premium, (paths, N)."""
    return np.broadcast_to(c.opex_q[None, :], (paths, c.n_entities))


def depreciation_rate(c: Compiled) -> float:
    """Share of book value written off per quarter (geometric, 1 / (4 · life))."""
    return 1.0 / (4.0 * c.params.accounting_life_years)


def resale_growth(c: Compiled, f: FactorPaths, t: int) -> Array:
    """Change of each generation's resale value from quarter t−1 to t, shape (paths, G)."""
    if t == 0:
        return np.ones((f.paths, len(c.generations)))
    return np.stack([f.resale(g)[:, t] / f.resale(g)[:, t - 1] for g in c.generations],
                    axis=1)


def initial_fleet_value(c: Compiled, f: FactorPaths) -> Array:
    """Market value of the delivered fleet at quarter 0 by generation, (paths, N, G):
    original cost × the generation's resale level."""
    level = np.stack([f.resale(g)[:, 0] for g in c.generations], axis=1)
    return c.gpu_mv_cost0[None, :, :] * level[:, None, :]


def asset_income(c: Compiled, f: FactorPaths, t: int, cash: Array, other: Array) -> Array:
    """Income on the balance sheet, USD bn per quarter, (paths, N): opening cash earns the
    base rate (floored at 0); financial kinds' other assets earn ``asset_yield``."""
    base = np.maximum(f.base_rate[:, t:t + 1], 0.0)
    return (cash * base + other * c.asset_yield[None, :]) / 4.0
