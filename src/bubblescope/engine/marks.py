"""Market marks recorded each quarter: bond and loan prices (issue 6, mechanism 2).

A debt instrument is priced per unit of principal outstanding:

* **performing**: the present value of its promised flows at the market yield of its
  issuer, ``y = base rate + credit spread of the issuer's rating bucket``. The flows are
  taken as a bullet: coupon ``r/4`` a quarter (the fixed rate, or base + spread for a
  floating one) for ``n = min(maturity − t, 40)`` quarters and the principal at the end —
  ``price = (r/4)·(1 − v^n)/(y/4) + v^n`` with ``v = 1/(1 + y/4)`` (``n·r/4 + 1`` when
  ``y = 0``);
* **asset-backed issuers** (SPVs) are worth no more than what stands behind them: the
  price is capped at the issuer's asset coverage — cash + non-cash assets at their
  default value + contracted rent and compute still due from live, non-exited customers
  within the horizon (undiscounted) — over its debt and other liabilities. So when the
  lessee of an A+ SPV walks away, its bonds fall to the coverage of the reserve and the
  building. Counting the rent only up to the horizon makes a mark depend on how far the
  run goes (Hyperion's bonds: ~0.35 by 2030Q4 in a run to 2030Q4, ~1.107 in one to
  2049Q4); ``contract_flows`` + ``contracted_value`` give the horizon-independent amount —
  each contract's flows over its own remaining term, discounted at the issuer's yield —
  passed to ``asset_coverage(value=...)``. The engine uses it once the compiled network
  carries those flows (``simulate`` only sees the compiled arrays, cut at the horizon);
* **defaulted**: the recovery realised at the default, paid ÷ claim, kept afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from .compile import (
    COMPUTE,
    RENT,
    Compiled,
    compile_network,
    contract_end_quarter,
    quarter_number,
    remaining_after,
)
from .factors import SPREAD_BUCKETS, FactorPaths

if TYPE_CHECKING:
    from ..model.network import Network

Array = np.ndarray

#: cap on the quarters discounted for a performing instrument (perpetual debt included)
PRICE_QUARTERS_MAX = 40


def remaining_contracted(c: Compiled) -> Array:
    """Rent and fixed compute still scheduled after each quarter, (T, K), USD bn — over
    each contract's whole term (``Compiled.contracted_after``), not cut at the horizon."""
    if c.contracted_after is not None:
        return c.contracted_after
    return remaining_after(c.fixed, c.trade_kind)


def contract_flows(network: Network, c: Compiled) -> Array:
    """Rent and fixed compute each quarter over the contracts' whole terms, (S, K), S ≥ T.

    The same schedules as ``c.fixed`` (rows 0..T−1 agree), but not cut at ``c``'s horizon:
    the network is compiled again up to the last quarter any lease or compute contract
    pays in, and the rows are matched to ``c``'s trade obligations by id (zero for the
    other kinds)."""
    S = max(contract_end_quarter(network), c.n_quarters)
    y, q = divmod(quarter_number(network.as_of) + S - 1, 4)
    far = compile_network(network, dt.date(y, 3 * q + 1, 1), c.params)
    col = {tid: k for k, tid in enumerate(far.trade_ids)}
    out = np.zeros((far.n_quarters, c.n_trade))
    for k, tid in enumerate(c.trade_ids):
        if c.trade_kind[k] in (RENT, COMPUTE) and tid in col:
            out[:, k] = far.fixed[:, col[tid]]
    return out


def contracted_value(c: Compiled, f: FactorPaths, flows: Array, t: int) -> Array:
    """Present value at quarter ``t`` of each contract's flows after ``t``, (P, K), USD bn.

    Discounted like a performing mark: at the market yield of the payee's rating bucket,
    ``y = base rate + spread``, ``v = 1/(1 + y/4)`` a quarter — ``Σ_{s>t} flow_s·v^(s−t)``
    over the contract's own remaining term, whatever the simulation horizon."""
    rest = flows[t + 1:]                                                  # (S−t−1, K)
    P = f.base_rate.shape[0]
    if rest.shape[0] == 0:
        return np.zeros((P, c.n_trade))
    spread = np.stack([f.credit_spread[b][:, t] for b in SPREAD_BUCKETS], axis=1)
    payee = np.minimum(c.payee, c.n_entities - 1)
    q = (f.base_rate[:, t:t + 1] + spread[:, c.rating_bucket[payee]]) / 4.0   # (P, K)
    out = np.zeros((P, c.n_trade))
    live = np.nonzero(rest.any(axis=0))[0]
    if live.size:
        j = np.arange(1, rest.shape[0] + 1, dtype=float)[None, :, None]
        disc = (1.0 + q[:, None, live]) ** -j                               # (P, S', K')
        out[:, live] = np.einsum("sk,psk->pk", rest[:, live], disc)
    return out


def performing_price(c: Compiled, f: FactorPaths, t: int) -> Array:
    """Price per unit of principal of every instrument if it performs, (P, D)."""
    base = f.base_rate[:, t:t + 1]
    spread = np.stack([f.credit_spread[b][:, t] for b in SPREAD_BUCKETS], axis=1)
    y = base + spread[:, c.rating_bucket[c.debtor]]                       # (P, D)
    coupon = np.where(c.floating[None, :], base + c.rate[None, :], c.rate[None, :]) / 4.0
    n = np.clip(c.maturity - t, 1, PRICE_QUARTERS_MAX)[None, :].astype(float)
    q = y / 4.0
    v_n = (1.0 + q) ** -n
    safe = np.where(np.abs(q) > 1e-12, q, 1.0)
    annuity = np.where(np.abs(q) > 1e-12, (1.0 - v_n) / safe, n)
    return coupon * annuity + v_n


def asset_coverage(c: Compiled, st, rem: Array, t: int, recovery_other: float,  # type: ignore[no-untyped-def]
                   recovery_claims: float, to_payee, to_creditors, to_debtor,
                   value: Array | None = None) -> Array:
    """Asset coverage of each entity's liabilities, (P, N); inf without liabilities.

    ``value`` (P, K): the contracted flows still due, as from ``contracted_value``
    (horizon-independent); without it ``rem[t]``, the undiscounted flows up to the
    horizon."""
    N = c.n_entities
    P = st.cash.shape[0]
    alive_ext = np.concatenate([st.alive, np.ones((P, 1), bool)], axis=1)
    live = alive_ext[:, c.payer] & alive_ext[:, c.payee]
    if st.exit_quarter is not None:
        live = live & ~((st.exit_quarter >= 0) & (st.exit_quarter <= t))
    due = rem[t][None, :] if value is None else value
    contracted = to_payee(due * live)[:, :N]
    noncash = ((st.other_assets + st.fixed_book) * recovery_other + st.gpu_value.sum(axis=2)
               + to_creditors(st.balance)[:, :N] * recovery_claims)
    liabilities = to_debtor(st.balance)[:, :N] + st.other_liabilities
    assets = st.cash + noncash + contracted
    return np.where(liabilities > 0, assets / np.where(liabilities > 0, liabilities, 1.0),
                    np.inf)
