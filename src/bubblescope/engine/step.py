"""One quarter of the simulation, vectorised over paths.

Order within quarter ``t`` (see docs/engine.md):

1. schedules: interest, principal, trade obligations, market revenue, opex, capex due;
2. liquidity ladder for entities whose projected cash falls below their buffer: draw
   committed facilities, refinance principal due (if the debt market is open), raise equity;
3. defaults: a fictitious-default loop to a fixed point — an entity whose cash would go
   negative defaults, its payments are replaced by its waterfall distribution, and the
   others' receipts are recomputed until the default set and the payments settle;
4. settlement: cash, balances, assets, losses; defaulters leave the network.

Part 2 replaces step 3 with a clearing kernel and adds covenants, fire sales and marks;
each stage is its own function so it can be swapped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .compile import CALL, CHIP, COMPUTE, DISBURSE, POWER, RENT, TRANCHE, Compiled
from .factors import SPREAD_BUCKETS, FactorPaths
from .operating import (
    asset_income,
    depreciation_rate,
    initial_fleet_value,
    market_revenue,
    operating_costs,
    resale_growth,
)
from .schedules import debt_rates, interest_due, principal_due, trade_due

Array = np.ndarray
CLAIM_KINDS = (RENT, COMPUTE, CHIP, POWER)
REVENUE_KINDS = (RENT, COMPUTE, CHIP, POWER)
EXPENSE_KINDS = (RENT, COMPUTE, POWER)


class Layout:
    """One-hot routing matrices built once per compiled network.

    Columns run over the ``N`` entities plus the external party (index ``N``).
    """

    def __init__(self, c: Compiled) -> None:
        N, D, K = c.n_entities, c.n_debt, c.n_trade
        eye = np.eye(N + 1)
        self.debtor = eye[c.debtor] if D else np.zeros((0, N + 1))
        self.share = c.creditor_share
        self.payer = eye[c.payer] if K else np.zeros((0, N + 1))
        self.payee = eye[c.payee] if K else np.zeros((0, N + 1))
        self.lender = (np.eye(N + 1)[np.argmax(c.creditor_share, axis=1)] if D
                       else np.zeros((0, N + 1)))
        self.lender_idx = np.argmax(c.creditor_share, axis=1) if D else np.zeros(0, int)
        self.rank = [self.debtor[:, :N] * (c.rank == r)[:, None] for r in range(4)]
        self.claimable = np.isin(c.trade_kind, CLAIM_KINDS)
        self.disburse = np.zeros((K, D))
        for k, d in enumerate(c.disburses):
            if d >= 0:
                self.disburse[k, d] = 1.0
        E = len(c.stake_ids)
        self.stake_of = np.zeros((K, E))
        for k, s in enumerate(c.stake):
            if s >= 0:
                self.stake_of[k, s] = 1.0
        self.holder = np.eye(N)[c.stake_holder] if E else np.zeros((0, N))
        self.issuer = np.eye(N)[c.stake_issuer] if E else np.zeros((0, N))
        self.chip_gen = np.zeros((K, len(c.generations)))
        for k, g in enumerate(c.chip_generation):
            if g >= 0:
                self.chip_gen[k, g] = 1.0
        self.is_kind = {kind: c.trade_kind == kind for kind in range(7)}


@dataclass
class State:
    """Balances at the start of a quarter, each (paths, ·)."""

    cash: Array
    alive: Array
    default_quarter: Array
    balance: Array          # (P, D) principal outstanding
    undrawn: Array          # (P, D)
    gpu_value: Array        # (P, N, G) market value by generation
    gpu_book: Array
    fixed_book: Array       # capex-built fixed assets, book value
    other_assets: Array
    other_liabilities: Array
    stakes: Array           # (P, E) equity stakes and fund interests at cost
    market_equity: Array
    loss_debt: Array        # (P, D) cumulative losses on each instrument
    loss_trade: Array       # (P, K) cumulative losses on trade claims
    loss_external: Array    # (P, N) losses of outside suppliers (opex, other liabilities)
    loss_stakes: Array      # (P, E) equity written off
    shortfall: Array        # (P, N) claims less distributions, booked at default


def initial_state(c: Compiled, f: FactorPaths, lay: Layout) -> State:
    """Balances at the as-of date on every path."""
    P, N, D, K = f.paths, c.n_entities, c.n_debt, c.n_trade
    E = len(c.stake_ids)

    def rows(x: Array) -> Array:
        return np.tile(np.asarray(x, dtype=float), (P, 1))

    st = State(cash=rows(c.cash0), alive=np.ones((P, N), bool),
               default_quarter=np.full((P, N), -1), balance=rows(c.principal0).reshape(P, D),
               undrawn=rows(c.undrawn0).reshape(P, D), gpu_value=initial_fleet_value(c, f),
               gpu_book=rows(c.gpu_book0), fixed_book=np.zeros((P, N)),
               other_assets=rows(c.other_assets0), other_liabilities=rows(c.other_liabilities),
               stakes=rows(c.stake_held0).reshape(P, E), market_equity=np.zeros((P, N)),
               loss_debt=np.zeros((P, D)), loss_trade=np.zeros((P, K)),
               loss_external=np.zeros((P, N)), loss_stakes=np.zeros((P, E)),
               shortfall=np.zeros((P, N)))
    _, _, eq = balance_sheet(c, lay, st)
    st.market_equity = np.maximum(eq, 0.0) * c.equity_multiple[None, :]
    return st


def balance_sheet(c: Compiled, lay: Layout, st: State) -> tuple[Array, Array, Array]:
    """Assets, liabilities and book equity, (P, N) each.

    assets = cash + other assets + fixed assets (book) + GPU fleet (book) + loans held
    (principal outstanding × share) + stakes at cost; liabilities = own debt outstanding
    + other liabilities; book equity = assets − liabilities. Zero for defaulted entities.
    """
    N = c.n_entities
    loans_held = (st.balance @ lay.share)[:, :N]
    stakes = st.stakes @ lay.holder
    assets = (st.cash + st.other_assets + st.fixed_book + st.gpu_book + loans_held + stakes)
    liabilities = (st.balance @ lay.debtor)[:, :N] + st.other_liabilities
    assets = np.where(st.alive, assets, 0.0)
    liabilities = np.where(st.alive, liabilities, 0.0)
    return assets, liabilities, assets - liabilities


@dataclass
class QuarterOut:
    """What happened in one quarter, for the results."""

    revenue: Array
    costs: Array
    capex: Array
    contributions: Array
    defaulted: Array
    external_in: Array
    external_out: Array
    debt_due: Array
    debt_paid: Array
    refinanced: Array
    drawn: Array
    trade_due: Array
    trade_paid: Array
    iterations: int


def _ratio(a: Array, b: Array) -> Array:
    return np.where(b > 0, np.minimum(a / np.where(b > 0, b, 1.0), 1.0), 1.0)


def affordable_contributions(c: Compiled, lay: Layout, st: State, tdue: Array,
                             service: Array, mrev: Array, opex: Array) -> Array:
    """Scale equity tranches and capital calls down to what each investor can pay from
    cash after its other scheduled flows (never below zero); the rest lapses. Returns the
    trade amounts due with contributions scaled."""
    N = c.n_entities
    contrib = lay.is_kind[TRANCHE] | lay.is_kind[CALL]
    if not contrib.any():
        return tdue
    other = np.where(contrib[None, :], 0.0, tdue)
    afford = np.maximum(st.cash + (service @ lay.share + tdue @ lay.payee)[:, :N] + mrev
                        - opex - (service @ lay.debtor + other @ lay.payer)[:, :N], 0.0)
    owed = (np.where(contrib[None, :], tdue, 0.0) @ lay.payer)[:, :N]
    scale = np.concatenate([_ratio(afford, owed), np.ones((afford.shape[0], 1))], axis=1)
    return np.where(contrib[None, :], tdue * scale[:, c.payer], tdue)


def liquidity_ladder(c: Compiled, f: FactorPaths, lay: Layout, st: State, t: int,
                     need: Array, principal: Array) -> tuple[Array, Array, Array]:
    """Cover ``need`` (P, N) in order: facility draws, refinancing of principal due,
    equity. Returns draws (P, D), refinanced principal (P, D) and equity raised (P, N)."""
    P, D = f.paths, c.n_debt
    need = need.copy()
    alive_ext = np.concatenate([st.alive, np.ones((P, 1), bool)], axis=1)
    draws = np.zeros((P, D))
    for d in np.nonzero(c.drawable & (c.draw_last >= t))[0]:
        i = c.debtor[d]
        x = np.minimum(st.undrawn[:, d], need[:, i]) * alive_ext[:, lay.lender_idx[d]]
        draws[:, d] = x
        need[:, i] -= x
    refi = np.zeros((P, D))
    window = f.equity_window[:, t]
    spread = np.stack([f.credit_spread[b][:, t] for b in SPREAD_BUCKETS], axis=1)
    open_ = ((spread[:, c.rating_bucket] < c.params.refinance_spread_max)
             & (window[:, None] > 0))
    for d in np.nonzero(principal.any(axis=0))[0]:
        i = c.debtor[d]
        x = np.minimum(principal[:, d], need[:, i]) * open_[:, i]
        refi[:, d] = x
        need[:, i] -= x
    cap = (c.params.equity_raise_cap * window[:, None] * c.market_access[None, :]
           * np.maximum(st.market_equity, 0.0))
    raised = np.minimum(np.maximum(need, 0.0), cap) * st.alive
    return draws, refi, raised


def step(c: Compiled, f: FactorPaths, lay: Layout, st: State, t: int, chips: Array,
         growth: Array) -> QuarterOut:
    """Advance ``st`` through quarter ``t`` in place; return the quarter's flows."""
    P, N = f.paths, c.n_entities
    p = c.params
    alive = st.alive
    alive_ext = np.concatenate([alive, np.ones((P, 1), bool)], axis=1)

    # 1. schedules
    rates = debt_rates(c, f, t)
    interest = interest_due(st.balance, rates)
    principal = principal_due(c, st.balance, rates, t)
    tdue = trade_due(c, f, t, chips) * alive_ext[:, c.payer] * alive_ext[:, c.payee]
    mrev = (market_revenue(c, f, t) + asset_income(c, f, t, st.cash, st.other_assets)) * alive
    opex = operating_costs(c, P) * alive
    capex = c.capex[t][None, :] * alive
    service = interest + principal
    tdue = affordable_contributions(c, lay, st, tdue, service, mrev, opex)

    # 2. liquidity ladder on the scheduled amounts
    in_due = service @ lay.share + tdue @ lay.payee
    out_due = service @ lay.debtor + tdue @ lay.payer
    projected = st.cash + in_due[:, :N] + mrev - out_due[:, :N] - opex - capex
    need = np.maximum(c.min_cash[None, :] - projected, 0.0) * alive
    draws, refi, raised = liquidity_ladder(c, f, lay, st, t, need, principal)
    principal = principal - refi
    service = interest + principal
    full_out = ((service @ lay.debtor)[:, :N] + (draws @ lay.lender)[:, :N]
                + (tdue @ lay.payer)[:, :N] + opex)

    # 3. defaults: fictitious-default loop
    noncash = (st.other_assets * p.recovery_other_assets
               + st.fixed_book * p.recovery_other_assets + st.gpu_value.sum(axis=2)
               + (st.balance @ lay.share)[:, :N] * p.recovery_claims)
    noncash = np.where(alive, noncash, 0.0)
    lease = c.lease_claim[t][None, :] * (lay.is_kind[RENT][None, :])
    claimable = lay.claimable[None, :]
    nd = np.zeros((P, N), bool)
    pay_service, pay_draw, pay_trade = service.copy(), draws.copy(), tdue.copy()
    pay_opex = opex.copy()
    pay_other = np.zeros((P, N))
    residual = np.zeros((P, N))
    claim_debt = claim_trade = None
    iterations = 0
    for iterations in range(1, p.max_iterations + 1):  # noqa: B007
        received = (pay_service @ lay.share + pay_draw @ lay.debtor + pay_trade @ lay.payee)
        net = st.cash + received[:, :N] + raised + mrev - full_out
        new_nd = nd | ((net < -p.tolerance) & alive)
        if not new_nd.any():
            nd = new_nd
            break
        # waterfall of every defaulter on its current receipts
        nd_ext = np.concatenate([new_nd, np.zeros((P, 1), bool)], axis=1)
        draw_now = np.where(nd_ext[:, lay.lender_idx], 0.0, draws)
        pay_nd = nd_ext[:, c.payer]
        disb_now = np.where(pay_nd, 0.0, tdue) * lay.is_kind[DISBURSE][None, :]
        claim_debt = st.balance + interest + draw_now + disb_now @ lay.disburse
        claim_trade = (tdue + lease) * claimable
        estate = np.maximum(st.cash + received[:, :N] + raised + mrev + noncash, 0.0)
        secured = claim_debt @ lay.rank[0]
        ranks = [claim_debt @ lay.rank[r] for r in range(1, 4)]
        ranks[0] = ranks[0] + claim_trade @ lay.payer[:, :N] + opex + st.other_liabilities
        c0 = _ratio(np.minimum(noncash, estate), secured)
        pool = estate - c0 * secured
        r1 = ranks[0] + (1.0 - c0) * secured
        f1 = _ratio(pool, r1)
        pool = pool - f1 * r1
        f2 = _ratio(pool, ranks[1])
        pool = pool - f2 * ranks[1]
        f3 = _ratio(pool, ranks[2])
        res = pool - f3 * ranks[2]
        frac = np.stack([c0 + (1.0 - c0) * f1, f1, f2, f3], axis=2)  # (P, N, 4)
        debt_frac = frac[:, c.debtor, c.rank] if c.n_debt else np.zeros((P, 0))
        deb_nd = new_nd[:, c.debtor] if c.n_debt else np.zeros((P, 0), bool)
        new_service = np.where(deb_nd, claim_debt * debt_frac, service)
        f1_ext = np.concatenate([f1, np.ones((P, 1))], axis=1)
        new_trade = np.where(pay_nd, claim_trade * f1_ext[:, c.payer], tdue)
        new_draw = draw_now
        change = max(
            float(np.max(np.abs(new_service - pay_service), initial=0.0)),
            float(np.max(np.abs(new_trade - pay_trade), initial=0.0)),
            float(np.max(np.abs(new_draw - pay_draw), initial=0.0)))
        stable = bool((new_nd == nd).all()) and change < p.tolerance * 1e-3
        pay_service, pay_trade, pay_draw = new_service, new_trade, new_draw
        pay_opex = np.where(new_nd, opex * f1, opex)
        pay_other = np.where(new_nd, st.other_liabilities * f1, 0.0)
        residual = np.where(new_nd, res, 0.0)
        nd = new_nd
        if stable:
            break
    else:  # pragma: no cover - guarded by the tolerance
        raise RuntimeError(f"default resolution did not converge in quarter {t}")

    # 4. settlement
    received = pay_service @ lay.share + pay_draw @ lay.debtor + pay_trade @ lay.payee
    survivors = alive & ~nd
    cash = st.cash + received[:, :N] + raised + mrev - full_out
    capex_paid = np.where(survivors, np.minimum(capex, np.maximum(cash, 0.0)), 0.0)
    cash = np.where(survivors, cash - capex_paid, 0.0)

    dead_in = np.where(alive, 0.0, received[:, :N]).sum(axis=1)
    ext_payer = (c.payer == N)[None, :]
    external_in = (mrev.sum(axis=1) + raised.sum(axis=1)
                   + (pay_trade * ext_payer).sum(axis=1)
                   + np.where(nd, noncash, 0.0).sum(axis=1))
    external_out = (received[:, N] + dead_in + pay_opex.sum(axis=1) + pay_other.sum(axis=1)
                    + capex_paid.sum(axis=1) + residual.sum(axis=1))

    # losses of this quarter's defaulters
    nd_ext = np.concatenate([nd, np.zeros((P, 1), bool)], axis=1)
    surv_ext = np.concatenate([survivors, np.zeros((P, 1), bool)], axis=1)
    if nd.any():
        deb_nd = nd[:, c.debtor]
        pay_nd = nd_ext[:, c.payer]
        loss_d = np.where(deb_nd, claim_debt - pay_service, 0.0)
        loss_k = np.where(pay_nd, claim_trade - pay_trade, 0.0)
        loss_x = np.where(nd, opex + st.other_liabilities - pay_opex - pay_other, 0.0)
        st.loss_debt += loss_d
        st.loss_trade += loss_k
        st.loss_external += loss_x
        claims_total = ((claim_debt * deb_nd) @ lay.debtor[:, :N]
                        + (claim_trade * pay_nd) @ lay.payer[:, :N]
                        + np.where(nd, opex + st.other_liabilities, 0.0))
        estate = np.maximum(st.cash + received[:, :N] + raised + mrev + noncash, 0.0)
        st.shortfall += np.where(nd, claims_total - (estate - residual), 0.0)

    # balances
    deb_nd = nd[:, c.debtor] if c.n_debt else np.zeros((P, 0), bool)
    disb_paid = (pay_trade * lay.is_kind[DISBURSE][None, :]) @ lay.disburse
    balance = st.balance - principal + pay_draw + disb_paid
    st.balance = np.where(deb_nd, 0.0, balance)
    st.undrawn = np.where(deb_nd, 0.0, st.undrawn - pay_draw)
    delta = depreciation_rate(c)
    chips_paid = np.where(surv_ext[:, c.payer],
                          pay_trade * lay.is_kind[CHIP][None, :], 0.0)
    chips_by = chips_paid @ lay.payer[:, :N]
    depreciation = delta * (st.gpu_book + st.fixed_book)
    st.gpu_value = st.gpu_value * growth[:, None, :] + np.einsum(
        "pk,kn,kg->png", chips_paid, lay.payer[:, :N], lay.chip_gen, optimize=True)
    st.gpu_book = st.gpu_book * (1.0 - delta) + chips_by
    st.fixed_book = st.fixed_book * (1.0 - delta) + capex_paid
    contrib_k = pay_trade * (lay.is_kind[TRANCHE] | lay.is_kind[CALL])[None, :]
    st.stakes = st.stakes + contrib_k @ lay.stake_of
    issuer_dead = (nd @ lay.issuer.T) > 0 if len(c.stake_ids) else np.zeros((P, 0), bool)
    st.loss_stakes += np.where(issuer_dead, st.stakes, 0.0)
    st.stakes = np.where(issuer_dead, 0.0, st.stakes)
    for arr in ("gpu_book", "fixed_book", "other_assets", "other_liabilities"):
        setattr(st, arr, np.where(nd, 0.0, getattr(st, arr)))
    st.gpu_value = np.where(nd[:, :, None], 0.0, st.gpu_value)
    holder_dead = (nd @ lay.holder.T) > 0 if len(c.stake_ids) else np.zeros((P, 0), bool)
    st.stakes = np.where(holder_dead, 0.0, st.stakes)
    st.cash = cash
    st.default_quarter = np.where(nd, t, st.default_quarter)
    st.alive = survivors
    _, _, eq = balance_sheet(c, lay, st)
    st.market_equity = np.maximum(eq, 0.0) * c.equity_multiple[None, :]

    # income-statement lines (survivors' view; recoveries are not revenue)
    svc_ok = ~deb_nd
    interest_paid = np.where(svc_ok, interest, 0.0)
    rev_k = pay_trade * np.isin(c.trade_kind, REVENUE_KINDS)[None, :]
    exp_k = pay_trade * np.isin(c.trade_kind, EXPENSE_KINDS)[None, :]
    revenue = mrev + (rev_k @ lay.payee)[:, :N] + (interest_paid @ lay.share)[:, :N]
    costs = (pay_opex + (exp_k @ lay.payer)[:, :N] + (interest_paid @ lay.debtor)[:, :N]
             + depreciation)
    contributions = raised + (contrib_k @ lay.payee)[:, :N]
    return QuarterOut(revenue=revenue, costs=costs, capex=capex_paid + chips_by,
                      contributions=contributions, defaulted=nd,
                      external_in=external_in, external_out=external_out,
                      debt_due=interest + principal + refi, debt_paid=pay_service,
                      refinanced=refi, drawn=pay_draw, trade_due=tdue, trade_paid=pay_trade,
                      iterations=iterations)


def run_quarters(c: Compiled, f: FactorPaths, lay: Layout, st: State, chips: Array,
                 on_quarter) -> None:  # type: ignore[no-untyped-def]
    """Step through every quarter, handing each QuarterOut to ``on_quarter(t, out, st)``."""
    for t in range(c.n_quarters):
        growth = resale_growth(c, f, t)
        out = step(c, f, lay, st, t, chips, growth)
        on_quarter(t, out, st)
