"""Leverage-constrained fire sales (Cont & Schaanning 2017; Farmer et al. 2020 reference model).

Balance sheet of each institution: cash, quantities of ``K`` tradable assets (price 1 before
the shock), other non-tradable assets, a repayable loan and other non-repayable
liabilities. Total assets ``A`` include cash; equity ``E = A - loan - other liabilities``;
leverage is ``E / A``.

The initial shock re-marks holdings at ``1 - shock`` before round 1. Each round:

a. institutions that defaulted in the previous round offer all their remaining holdings;
b. all pending orders clear together: per asset, with ``Q`` the total quantity,
   ``p_new = p * exp(-beta * Q / depth)``, ``beta = -ln(1 - price_impact) / 0.05``; a seller
   receives ``quantity * (p_old + p_new) / 2`` in cash; every holding is re-marked;
c. each surviving institution computes its leverage. Below ``min_leverage`` it defaults
   (counted in this round). Otherwise, below ``buffer_leverage``, it needs to shed
   ``A - E / target_leverage`` of assets: it repays loan with cash (at most the need, the
   cash and the loan), then orders sales worth ``max(0, need - repaid - remaining cash)``
   spread over its holdings in proportion to their value (at most all it holds). These
   orders clear in the next round's step b; orders placed in the last round never clear,
   and sale proceeds are used for repayment at the next step c.

An institution with no assets left has leverage ``-inf`` and defaults. All scenarios (rows
of the shock and impact arrays) run together on ``(s, n, K)`` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import _validation as v

__all__ = ["BalanceSheets", "FireSaleResult", "eba_balance_sheets", "leverage_fire_sale"]

#: fraction of the market whose sale moves the price by ``price_impact``
_IMPACT_REFERENCE_FRACTION = 0.05
#: systemic extent below this share of defaulted institutions is reported as 0
_SYSTEMIC_THRESHOLD = 0.05


@dataclass(frozen=True)
class BalanceSheets:
    """Balance sheets of ``n`` institutions holding ``K`` tradable assets.

    Attributes
    ----------
    cash : ndarray, shape (n,)
        Cash (currency units).
    holdings : ndarray, shape (n, K)
        Quantities of the tradable assets (price 1 before the shock).
    other_assets : ndarray, shape (n,)
        Non-tradable assets (currency units).
    loan : ndarray, shape (n,)
        Repayable loan (currency units).
    other_liabilities : ndarray, shape (n,)
        Non-repayable liabilities (currency units).
    """

    cash: np.ndarray
    holdings: np.ndarray
    other_assets: np.ndarray
    loan: np.ndarray
    other_liabilities: np.ndarray

    def __post_init__(self) -> None:
        h = v.nonnegative(v.finite_array(self.holdings, "holdings"), "holdings")
        if h.ndim != 2:
            raise ValueError(f"holdings must have shape (n, K), got {h.shape}")
        object.__setattr__(self, "holdings", h)
        for name in ("cash", "other_assets", "loan", "other_liabilities"):
            arr = v.nonnegative(v.finite_array(getattr(self, name), name), name)
            if arr.shape != (h.shape[0],):
                raise ValueError(f"{name} must have shape ({h.shape[0]},), got {arr.shape}")
            object.__setattr__(self, name, arr)

    @property
    def total_assets(self) -> np.ndarray:
        """Cash + holdings at price 1 + other assets (currency units)."""
        return self.cash + self.holdings.sum(axis=1) + self.other_assets

    @property
    def equity(self) -> np.ndarray:
        """Total assets minus loan and other liabilities (currency units)."""
        return self.total_assets - self.loan - self.other_liabilities


@dataclass(frozen=True)
class FireSaleResult:
    """Outcome of :func:`leverage_fire_sale`, one row per scenario.

    Attributes
    ----------
    defaults_per_round : ndarray of int, shape (s, rounds)
    total_defaults : ndarray of int, shape (s,)
    systemic_extent : ndarray, shape (s,)
        ``total_defaults / n``, set to 0 when below 5 %.
    fraction_sold : ndarray, shape (s,)
        Quantity cleared over all rounds and assets / total initial quantity.
    price_paths : ndarray, shape (s, rounds + 1, K)
        ``[:, 0]`` is the shocked price at the start of round 1, ``[:, r]`` the price after
        the clearing of round ``r``.
    default_round : ndarray of int, shape (s, n)
        Round (1-based) in which each institution defaulted, 0 if it survived.
    """

    defaults_per_round: np.ndarray
    total_defaults: np.ndarray
    systemic_extent: np.ndarray
    fraction_sold: np.ndarray
    price_paths: np.ndarray
    default_round: np.ndarray


def eba_balance_sheets(
    cet1: Any, leverage_percent: Any, debt_securities: Any, government_bonds: Any
) -> BalanceSheets:
    """Balance sheets as built by the Farmer et al. (2020) reference model from EBA data.

    ``A = CET1 / (leverage / 100)``; cash = 5 % of ``A``; tradable assets are government
    bonds and corporate bonds (= debt securities - government bonds); other assets
    ``A - debt securities - cash``; liabilities ``A - CET1``, half loan, half other.

    Parameters
    ----------
    cet1 : array_like, shape (n,)
        CET1 capital (currency units, > 0).
    leverage_percent : array_like, shape (n,)
        Leverage ratio in percent (> 0).
    debt_securities, government_bonds : array_like, shape (n,)
        Holdings (currency units); government bonds must not exceed debt securities.

    Returns
    -------
    BalanceSheets
        With ``K = 2`` assets: ``holdings[:, 0]`` government, ``holdings[:, 1]`` corporate.

    Examples
    --------
    >>> b = eba_balance_sheets([5], [5], [30], [20])
    >>> b.total_assets.tolist(), b.holdings.tolist(), float(b.equity[0])
    ([100.0], [[20.0, 10.0]], 5.0)
    """
    cet1 = v.finite_array(cet1, "cet1")
    lev = v.finite_array(leverage_percent, "leverage_percent")
    debt = v.nonnegative(v.finite_array(debt_securities, "debt_securities"), "debt_securities")
    gov = v.nonnegative(v.finite_array(government_bonds, "government_bonds"), "government_bonds")
    n = cet1.shape
    for name, arr in (
        ("leverage_percent", lev),
        ("debt_securities", debt),
        ("government_bonds", gov),
    ):
        if arr.shape != n or arr.ndim != 1:
            raise ValueError(f"{name} must have the shape of cet1 {n}, got {arr.shape}")
    if cet1.size and cet1.min() <= 0:
        raise ValueError("cet1 must be positive")
    if lev.size and lev.min() <= 0:
        raise ValueError("leverage_percent must be positive")
    if np.any(gov > debt):
        raise ValueError("government_bonds must not exceed debt_securities")
    A = cet1 / (lev / 100.0)
    cash = 0.05 * A
    other = A - debt - cash
    if np.any(other < 0):
        raise ValueError("debt_securities exceed 95 % of total assets for some institution")
    liab = A - cet1
    return BalanceSheets(
        cash=cash,
        holdings=np.column_stack([gov, debt - gov]),
        other_assets=other,
        loan=liab / 2,
        other_liabilities=liab / 2,
    )


def leverage_fire_sale(
    sheets: BalanceSheets,
    shock: Any,
    *,
    price_impact: Any,
    market_depth: Any = None,
    min_leverage: float = 0.03,
    buffer_leverage: float = 0.04,
    target_leverage: float = 0.05,
    rounds: int = 6,
    variant: Literal["threshold", "leverage_targeting"] = "threshold",
) -> FireSaleResult:
    """Run the leverage-constrained fire-sale model for a batch of scenarios.

    Parameters
    ----------
    sheets : BalanceSheets
        ``n`` institutions, ``K`` tradable assets.
    shock : array_like, shape (K,) or (s, K) (or (s, 1))
        Initial fractional price fall per asset, in [0, 1).
    price_impact : float or array_like, shape (K,) or (s, K) (or (s, 1))
        Fractional price fall when 5 % of the market depth is sold, in [0, 1).
    market_depth : array_like, shape (K,), optional
        Market size per asset (quantity); default: the sum of initial holdings.
    min_leverage, buffer_leverage, target_leverage : float
        Default threshold, action threshold and target of the leverage ratio.
    rounds : int
        Number of rounds.
    variant : {"threshold", "leverage_targeting"}
        ``"leverage_targeting"`` sets ``buffer_leverage = 1``: institutions always sell
        back to the target.

    Returns
    -------
    FireSaleResult

    Examples
    --------
    >>> b = eba_balance_sheets([5, 5], [5, 5], [30, 60], [20, 50])
    >>> r = leverage_fire_sale(b, [[0.05, 0.0]], price_impact=0.05)
    >>> r.defaults_per_round.tolist()
    [[1, 1, 0, 0, 0, 0]]
    """
    if not isinstance(sheets, BalanceSheets):
        raise ValueError("sheets must be a BalanceSheets instance")
    if variant not in ("threshold", "leverage_targeting"):
        raise ValueError(f"variant must be 'threshold' or 'leverage_targeting', got {variant!r}")
    if variant == "leverage_targeting":
        buffer_leverage = 1.0
    if int(rounds) != rounds or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds}")
    rounds = int(rounds)
    for name, val in (
        ("min_leverage", min_leverage),
        ("buffer_leverage", buffer_leverage),
        ("target_leverage", target_leverage),
    ):
        if not (np.isfinite(val) and 0 < val <= 1):
            raise ValueError(f"{name} must be in (0, 1], got {val}")
    if not min_leverage <= buffer_leverage:
        raise ValueError("buffer_leverage must not be below min_leverage")
    if not min_leverage <= target_leverage:
        raise ValueError("target_leverage must not be below min_leverage")

    q0 = sheets.holdings
    n, K = q0.shape
    price0 = 1.0 - _per_asset(shock, "shock", K)
    impact = _per_asset(price_impact, "price_impact", K)
    s = v.common_scenarios(shock=price0.shape[0], price_impact=impact.shape[0])
    price = np.broadcast_to(price0, (s, K)).copy()
    beta = np.broadcast_to(-np.log1p(-impact) / _IMPACT_REFERENCE_FRACTION, (s, K))
    if market_depth is None:
        depth = q0.sum(axis=0)
    else:
        depth = v.finite_array(market_depth, "market_depth")
        if depth.shape != (K,):
            raise ValueError(f"market_depth must have shape ({K},), got {depth.shape}")
        if depth.size and depth.min() <= 0:
            raise ValueError("market_depth must be positive")
    inv_depth = np.divide(1.0, depth, out=np.zeros(K), where=depth > 0)

    cash = np.repeat(sheets.cash[None, :], s, axis=0)
    loan = np.repeat(sheets.loan[None, :], s, axis=0)
    q = np.repeat(q0[None, :, :], s, axis=0)
    other_a, other_l = sheets.other_assets, sheets.other_liabilities
    alive = np.ones((s, n), dtype=bool)
    just_failed = np.zeros((s, n), dtype=bool)
    orders = np.zeros((s, n, K))
    sold = np.zeros(s)
    paths = np.empty((s, rounds + 1, K))
    paths[:, 0] = price
    defaults = np.zeros((s, rounds), dtype=np.int64)
    default_round = np.zeros((s, n), dtype=np.int64)

    for r in range(rounds):
        # a. last round's defaulters offer everything they still hold
        orders = np.where(just_failed[:, :, None], q, orders)
        # b. clear all orders at once
        Q = orders.sum(axis=1)
        new_price = price * np.exp(-beta * Q * inv_depth)
        cash += np.einsum("snk,sk->sn", orders, (price + new_price) / 2)
        q -= orders
        sold += Q.sum(axis=1)
        price = new_price
        paths[:, r + 1] = price
        # c. leverage check, defaults, repayment and new orders
        value = np.einsum("snk,sk->sn", q, price)
        A = cash + value + other_a
        E = A - loan - other_l
        lev = np.divide(E, A, out=np.full_like(A, -np.inf), where=A > 0)
        failed = alive & (lev < min_leverage)
        act = alive & ~failed & (lev < buffer_leverage)
        need = np.where(act, np.maximum(0.0, A - E / target_leverage), 0.0)
        repay = np.minimum(np.minimum(need, cash), loan)
        cash -= repay
        loan -= repay
        sell = np.maximum(0.0, need - repay - cash)
        frac = np.divide(sell, value, out=np.zeros_like(sell), where=value > 0)
        orders = q * np.minimum(1.0, frac)[:, :, None]
        alive &= ~failed
        just_failed = failed
        defaults[:, r] = failed.sum(axis=1)
        default_round[failed] = r + 1

    total = defaults.sum(axis=1)
    share = total / n if n else np.zeros(s)
    total_q = q0.sum()
    return FireSaleResult(
        defaults_per_round=defaults,
        total_defaults=total,
        systemic_extent=np.where(share >= _SYSTEMIC_THRESHOLD, share, 0.0),
        fraction_sold=sold / total_q if total_q > 0 else np.zeros(s),
        price_paths=paths,
        default_round=default_round,
    )


def _per_asset(x: Any, name: str, K: int) -> np.ndarray:
    """Scalar, (K,) or (s, K)/(s, 1) -> (s', K) with values in [0, 1)."""
    arr = v.finite_array(x, name)
    if arr.ndim == 0:
        arr = np.full((1, K), float(arr))
    elif arr.ndim == 1:
        if arr.shape != (K,):
            raise ValueError(f"{name} must have shape ({K},) or (s, {K}), got {arr.shape}")
        arr = arr[None, :]
    elif arr.ndim == 2 and arr.shape[1] in (1, K):
        arr = np.broadcast_to(arr, (arr.shape[0], K))
    else:
        raise ValueError(f"{name} must have shape ({K},) or (s, {K}), got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= 1):
        raise ValueError(f"{name} must be in [0, 1)")
    return arr
