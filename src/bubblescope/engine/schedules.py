"""Scheduled amounts due in one quarter, vectorised over paths.

Debt service is a rule on the balance outstanding at the start of the quarter, so draws,
refinancing and disbursements flow through it consistently: interest is ``B · r / 4``;
principal follows the amortisation code (bullet, linear, annuity, custom, perpetual).
Trade obligations are a fixed schedule plus a variable part scaled by a factor.
"""

from __future__ import annotations

import numpy as np

from .compile import ANNUITY, CHIP, CUSTOM, LINEAR, VAR_DEMAND, VAR_WINDOW, Compiled
from .factors import FactorPaths

Array = np.ndarray


def debt_rates(c: Compiled, f: FactorPaths, t: int, coef: Array | None = None) -> Array:
    """Interest rate of each instrument in quarter ``t``, decimal/yr, shape (paths, D).

    ``coef`` (paths, D) replaces ``c.rate`` (the fixed coupon, or the spread of a floating
    instrument) where refinancing has repriced it."""
    base = f.base_rate[:, t:t + 1]
    r = c.rate[None, :] if coef is None else coef
    return np.where(c.floating[None, :], base + r, r)


def interest_due(balance: Array, rates: Array) -> Array:
    """Interest for one quarter on the opening balance, USD bn, shape (paths, D)."""
    return balance * rates / 4.0


def annuity_payment(balance: Array | float, quarterly_rate: Array | float,
                    periods: Array | int) -> Array:
    """Level payment that repays ``balance`` over ``periods`` quarters at ``quarterly_rate``.

    Textbook annuity ``B·r / (1 − (1 + r)^−n)``, and ``B / n`` when ``r = 0``.
    """
    r = np.asarray(quarterly_rate, dtype=float)
    n = np.maximum(np.asarray(periods, dtype=float), 1.0)
    b = np.asarray(balance, dtype=float)
    safe = np.where(np.abs(r) > 1e-15, r, 1.0)
    level = b * safe / (1.0 - (1.0 + safe) ** (-n))
    return np.where(np.abs(r) > 1e-15, level, b / n)


def principal_due(c: Compiled, balance: Array, rates: Array, t: int,
                  maturity: Array | None = None) -> Array:
    """Scheduled principal in quarter ``t`` on the opening balance, shape (paths, D).

    bullet: everything at maturity (and, past maturity, whatever
    was rolled over is due again each quarter); linear: ``B / n`` with ``n`` quarters left including
    this one; annuity: level payment less interest; custom: the listed repayment (at most
    the balance); perpetual: nothing. Before ``amortisation_start`` nothing but what
    falls due at maturity. Whatever is left at maturity is due then. ``maturity``
    (paths, D) replaces ``c.maturity`` where debt rolled over at maturity got a new term.
    """
    mat = c.maturity[None, :] if maturity is None else maturity
    left = mat - t + 1                             # quarters left, this one included
    at_mat = left <= 1
    out = np.zeros_like(balance)
    am = c.amort[None, :]
    lin = balance / np.maximum(left, 1)
    ann = annuity_payment(balance, rates / 4.0, left) - balance * rates / 4.0
    cus = np.minimum(c.custom[t][None, :], balance)
    out = np.where(am == LINEAR, lin, out)
    out = np.where(am == ANNUITY, ann, out)
    out = np.where(am == CUSTOM, cus, out)
    if c.amort_start is not None:
        out = np.where((t < c.amort_start)[None, :], 0.0, out)   # interest only
    out = np.where(at_mat, balance, out)
    out = np.where(am <= CUSTOM, np.minimum(np.maximum(out, 0.0), balance), 0.0)
    return out


def delayed_chip_schedule(c: Compiled, f: FactorPaths) -> Array:
    """Chip payments shifted by each path's delivery delay, shape (paths, T, K).

    An amount scheduled in quarter ``s`` is paid in ``s + round(chip_delay[p, s])``;
    amounts pushed past the horizon fall away. Non-chip columns are zero.
    """
    P, T, K = f.paths, c.n_quarters, c.n_trade
    out = np.zeros((P, T, K))
    chips = np.nonzero(c.trade_kind == CHIP)[0]
    if chips.size == 0:
        return out
    delay = np.rint(f.chip_delay).astype(int)
    rows = np.arange(P)
    for s in range(T):
        amount = c.fixed[s, chips]
        if not np.any(amount):
            continue
        target = s + delay[:, s]
        ok = target < T
        for j, k in enumerate(chips):
            np.add.at(out[:, :, k], (rows[ok], target[ok]), amount[j])
    return out


def trade_due(c: Compiled, f: FactorPaths, t: int, chips: Array) -> Array:
    """Amounts due on trade obligations in quarter ``t`` (before any party's default),
    shape (paths, K): fixed part plus the variable part × its factor; chips from the
    delayed schedule; equity tranches with a milestone in the first quarter at or after
    their date in which AI demand reaches their level (× equity window if ceiling or
    announced)."""
    fixed = np.where(c.trade_kind[None, :] == CHIP, chips[:, t, :], c.fixed[t][None, :])
    factor = np.where(c.var_factor[None, :] == VAR_DEMAND, f.ai_demand[:, t:t + 1],
                      np.where(c.var_factor[None, :] == VAR_WINDOW,
                               f.equity_window[:, t:t + 1], 0.0))
    due = fixed + c.variable[t][None, :] * factor
    for m in range(len(c.ms_trade)):
        a = int(c.ms_first[m])
        if t < a:
            continue
        hit = f.ai_demand[:, t] >= c.ms_level[m]
        if t > a:
            hit &= f.ai_demand[:, a:t].max(axis=1) < c.ms_level[m]
        amount = c.ms_amount[m] * (f.equity_window[:, t] if c.ms_window[m] else 1.0)
        due[:, c.ms_trade[m]] += np.where(hit, amount, 0.0)
    return due


def lease_exits(c: Compiled, f: FactorPaths) -> Array:
    """Quarter in which each lessee walks away from each lease, (paths, K) int.

    With ``params.strategic_default`` on, a lessee allowed to exit leaves a lease in the
    first quarter ``t`` within ``exit_first..exit_last`` in which AI demand has been below
    its threshold for ``exit_run`` consecutive quarters up to and including ``t``.
    ``n_quarters`` means never (also for every obligation when the switch is off).
    """
    P, T, K = f.paths, c.n_quarters, c.n_trade
    out = np.full((P, K), T, dtype=int)
    if not c.params.strategic_default:
        return out
    demand = f.ai_demand[:, :T]
    for k in np.nonzero(c.exit_allowed)[0]:
        run = np.zeros(P, dtype=int)
        need = max(int(c.exit_run[k]), 1)
        for t in range(T):
            run = np.where(demand[:, t] < c.exit_threshold[k], run + 1, 0)
            hit = ((run >= need) & (out[:, k] == T) & (t >= c.exit_first[k])
                   & (t <= c.exit_last[k]))
            out[hit, k] = t
    return out
