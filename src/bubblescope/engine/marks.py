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
  building;
* **defaulted**: the recovery realised at the default, paid ÷ claim, kept afterwards.
"""

from __future__ import annotations

import numpy as np

from .compile import COMPUTE, RENT, Compiled
from .factors import SPREAD_BUCKETS, FactorPaths

Array = np.ndarray

#: cap on the quarters discounted for a performing instrument (perpetual debt included)
PRICE_QUARTERS_MAX = 40


def remaining_contracted(c: Compiled) -> Array:
    """Rent and fixed compute still scheduled after each quarter, (T, K), USD bn."""
    fixed = c.fixed * np.isin(c.trade_kind, (RENT, COMPUTE))[None, :]
    after = np.cumsum(fixed[::-1], axis=0)[::-1]
    return np.concatenate([after[1:], np.zeros((1, c.n_trade))], axis=0)


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
                   recovery_claims: float, to_payee, to_creditors, to_debtor) -> Array:
    """Asset coverage of each entity's liabilities, (P, N); inf without liabilities."""
    N = c.n_entities
    P = st.cash.shape[0]
    alive_ext = np.concatenate([st.alive, np.ones((P, 1), bool)], axis=1)
    live = alive_ext[:, c.payer] & alive_ext[:, c.payee]
    if st.exit_quarter is not None:
        live = live & ~((st.exit_quarter >= 0) & (st.exit_quarter <= t))
    contracted = to_payee(rem[t][None, :] * live)[:, :N]
    noncash = ((st.other_assets + st.fixed_book) * recovery_other + st.gpu_value.sum(axis=2)
               + to_creditors(st.balance)[:, :N] * recovery_claims)
    liabilities = to_debtor(st.balance)[:, :N] + st.other_liabilities
    assets = st.cash + noncash + contracted
    return np.where(liabilities > 0, assets / np.where(liabilities > 0, liabilities, 1.0),
                    np.inf)
