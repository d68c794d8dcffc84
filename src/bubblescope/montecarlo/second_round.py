"""Channel 2: investors whose losses breach their limit sell other assets.

S2 describes two ways losses leave private credit: through the funds' own borrowing
(channel 1, in the engine) and through investors who, having lost more than they can
stand, sell other holdings into the market and so mark down everyone else who holds them
(channel 2). This module runs channel 2 on a Monte Carlo run's per-path losses.

Every investor (pension funds, insurers, sovereign funds, endowments, savers, ETFs, asset
managers, hedge funds, private credit and venture funds, banks) with a portfolio ``A``
(``assets_under_management``, or other assets for banks; USD bn) holds the same generic
market portfolio. On each
path, a holder whose loss exceeds ``limit × A`` sells ``sale_share × A``; the sales move
the portfolio's price by ``m = exp(−β · S / D)`` with ``S`` the amount sold, ``D =
depth × Σ A`` and ``β = −ln(1 − impact) / 0.05`` (selling 5% of the depth moves the price
by ``impact``, as in :func:`bubblescope.contagion.leverage_fire_sale`). Every holder then
loses ``A × (1 − m)`` on what it still holds at the mark, which may push more holders
over their limit; rounds repeat until no new holder sells (at most one round per holder).

A holder with 1,000 loses 30, above its 2% limit, and sells 100 (a fifteenth of the 1,500
market): the price falls to 0.95^(4/3); the other holder's 500 loses 33, above its own
limit of 10, so it sells 50 too, and 150 sold (10% of the depth) leave the price at 0.95²:

>>> import numpy as np
>>> r = second_round(np.array([[30.0, 0.0]]), np.array([1000.0, 500.0]), limit=0.02,
...                  sale_share=0.1, impact=0.05, depth=1.0)
>>> r.sellers.tolist(), round(float(r.price[0]), 6), int(r.rounds[0])
([[True, True]], 0.9025, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

Array = np.ndarray


@dataclass
class SecondRound:
    """Channel-2 outcome per path.

    Attributes
    ----------
    loss : (P, H) USD bn lost on the generic portfolio (mark-to-market, incl. sales).
    sellers : (P, H) bool, holders that sold.
    price : (P,) the portfolio's price at the end (1 = unchanged).
    rounds : (P,) rounds in which someone sold.
    """

    loss: Array
    sellers: Array
    price: Array
    rounds: Array


def second_round(first_loss: Array, portfolio: Array, *, limit: float = 0.01,
                 sale_share: float = 0.10, impact: float = 0.05,
                 depth: float = 1.0) -> SecondRound:
    """Run channel 2 on per-path first-round losses.

    Parameters
    ----------
    first_loss : (P, H) USD bn each holder lost in the run (credit and equity).
    portfolio : (H,) USD bn of generic assets each holder holds (0: takes no part).
    limit : loss, as a share of the portfolio, above which a holder sells.
    sale_share : share of its portfolio a holder sells when over its limit.
    impact : price fall when 5% of the market depth is sold, in [0, 1).
    depth : market depth as a multiple of all portfolios.

    Returns
    -------
    SecondRound
    """
    first = np.asarray(first_loss, dtype=float)
    a = np.asarray(portfolio, dtype=float)
    if first.ndim != 2 or a.shape != (first.shape[1],):
        raise ValueError("first_loss must be (paths, holders) and portfolio (holders,)")
    if not 0.0 <= impact < 1.0 or limit < 0 or not 0.0 <= sale_share <= 1.0 or depth <= 0:
        raise ValueError("impact in [0, 1), limit >= 0, sale_share in [0, 1], depth > 0")
    P, H = first.shape
    beta = -np.log(1.0 - impact) / 0.05
    market = depth * a.sum()
    part = a > 0
    sellers = np.zeros((P, H), bool)
    price = np.ones(P)
    rounds = np.zeros(P, int)
    for _ in range(H + 1):
        marked = a[None, :] * (1.0 - price[:, None])
        over = part[None, :] & (first + marked > limit * a[None, :]) & ~sellers
        if not over.any():
            break
        rounds += over.any(axis=1)
        sellers |= over
        sold = (sellers * (sale_share * a)[None, :]).sum(axis=1)
        price = np.exp(-beta * sold / market) if market > 0 else np.ones(P)
    return SecondRound(loss=a[None, :] * (1.0 - price[:, None]), sellers=sellers,
                       price=price, rounds=rounds)


#: Kinds that hold a tradable portfolio and may sell it (the end of S2's chain).
INVESTOR_KINDS = frozenset({"pension_fund", "insurer", "sovereign_fund", "endowment",
                            "retail_savers", "etf", "asset_manager", "hedge_fund",
                            "private_credit_fund", "venture_fund", "bank"})


def portfolios(network, holder_ids: list[str]) -> Array:  # type: ignore[no-untyped-def]
    """Generic portfolio per holder id, USD bn: for the investor kinds
    (:data:`INVESTOR_KINDS`) ``assets_under_management`` if given, else other assets;
    0 for every other entity (an operating company's assets are not a portfolio it
    trades), for ``external`` and for unknown ids."""
    out = np.zeros(len(holder_ids))
    ids = {e.id: e for e in network.entities}
    for j, h in enumerate(holder_ids):
        e = ids.get(h)
        if e is not None and e.kind.value in INVESTOR_KINDS:
            aum = getattr(e, "assets_under_management", None)
            out[j] = float(aum) if aum else float(e.other_assets or 0.0)
    return out


def second_round_table(mc, network, **kw: float) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Channel 2 on a :class:`~bubblescope.montecarlo.results.MonteCarloResults`, by holder
    kind: the share of paths on which any holder of the kind sells, and the mean and 95th
    percentile of the kind's second-round loss (USD bn). Keywords go to
    :func:`second_round`."""
    ids, kinds = mc.holder_ids, mc.holder_kinds
    r = second_round(mc.holder_loss, portfolios(network, ids), **kw)
    rows = []
    for kind in sorted(set(kinds)):
        cols = [j for j, k in enumerate(kinds) if k == kind]
        loss = r.loss[:, cols].sum(axis=1)
        rows.append({"kind": kind, "sell_share": float(r.sellers[:, cols].any(axis=1).mean()),
                     "loss_mean": float(loss.mean()),
                     "loss_p95": float(np.quantile(loss, 0.95, method="inverted_cdf"))})
    return pd.DataFrame(rows).set_index("kind")


__all__ = ["INVESTOR_KINDS", "SecondRound", "portfolios", "second_round", "second_round_table"]
