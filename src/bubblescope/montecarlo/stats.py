"""Loss statistics over Monte Carlo paths: quantiles, expected shortfall, standard errors.

All functions take losses as positive numbers (USD bn) and work along axis 0 (paths).

>>> import numpy as np
>>> losses = np.arange(1.0, 101.0)          # 1, 2, ..., 100
>>> float(value_at_risk(losses, 0.95))
95.0
>>> float(expected_shortfall(losses, 0.975))
99.2
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def value_at_risk(losses: Array, level: float) -> Array:
    """Empirical value at risk: the smallest loss ``x`` with ``F(x) >= level``.

    Parameters
    ----------
    losses : (paths, ...) losses, USD bn.
    level : confidence level in (0, 1), e.g. 0.99.

    Returns
    -------
    The level-quantile of the losses along axis 0 (``numpy.quantile`` with
    ``method="inverted_cdf"``): sorted ascending, the ``ceil(n * level)``-th value.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must be in (0, 1), got {level}")
    x = np.asarray(losses, dtype=float)
    if x.shape[0] == 0:
        return np.full(x.shape[1:], np.nan)
    return np.quantile(x, level, axis=0, method="inverted_cdf")


def expected_shortfall(losses: Array, level: float) -> Array:
    """Expected shortfall (CVaR) at ``level``: the mean of the worst ``1 - level`` of losses.

    ``ES = (1 / (1 - level)) ∫_level^1 VaR_u du`` for the empirical distribution: with
    ``n`` losses sorted in descending order and ``m = n (1 - level)`` the tail mass in
    paths, the ``floor(m)`` largest count fully and the next one with weight
    ``m - floor(m)``; the sum is divided by ``m``.

    >>> float(expected_shortfall(np.array([0.0, 0.0, 0.0, 10.0]), 0.5))
    5.0
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level: must be in (0, 1), got {level}")
    x = np.asarray(losses, dtype=float)
    n = x.shape[0]
    if n == 0:
        return np.full(x.shape[1:], np.nan)
    desc = -np.sort(-x, axis=0)
    m = n * (1.0 - level)
    if abs(m - round(m)) < 1e-9:          # a whole number of paths (up to rounding)
        m = float(round(m))
    k = int(np.floor(m))
    frac = m - k
    total = desc[:k].sum(axis=0)
    if frac > 0.0 and k < n:
        total = total + frac * desc[k]
    return total / m


def binomial_se(p: Array | float, n: int) -> Array:
    """Monte Carlo standard error of a probability estimated from ``n`` paths:
    ``sqrt(p (1 - p) / n)``.

    >>> float(binomial_se(0.5, 100))
    0.05
    """
    if n < 1:
        raise ValueError(f"n: must be >= 1, got {n}")
    p = np.asarray(p, dtype=float)
    return np.sqrt(p * (1.0 - p) / n)


def loss_stats(losses: Array) -> dict[str, Array]:
    """Mean, median, VaR 95/99 and ES 97.5 of ``losses`` along axis 0 (USD bn).

    Keys: ``loss_mean``, ``loss_median``, ``loss_p95``, ``loss_p99``, ``es_975``.
    """
    x = np.asarray(losses, dtype=float)
    return {"loss_mean": x.mean(axis=0),
            "loss_median": value_at_risk(x, 0.5),
            "loss_p95": value_at_risk(x, 0.95),
            "loss_p99": value_at_risk(x, 0.99),
            "es_975": expected_shortfall(x, 0.975)}


__all__ = ["binomial_se", "expected_shortfall", "loss_stats", "value_at_risk"]
