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
from .marks import remaining_contracted
from .operating import (
    asset_income,
    depreciation_rate,
    initial_fleet_value,
    market_revenue,
    operating_costs,
    resale_growth,
)
from .schedules import debt_rates, interest_due, lease_exits, principal_due, trade_due

Array = np.ndarray
CLAIM_KINDS = (RENT, COMPUTE, CHIP, POWER)
#: kinds wound up when their book equity turns negative (``EngineParams.fund_wind_down``)
FUND_KINDS = frozenset({"private_credit_fund", "hedge_fund", "venture_fund", "etf"})
REVENUE_KINDS = (RENT, COMPUTE, CHIP, POWER)
EXPENSE_KINDS = (RENT, COMPUTE, POWER)


class Scatter:
    """Sum columns of ``x`` (paths, S) into ``n`` destination columns, with weights.

    Equivalent to ``x @ M`` for a sparse (S, n) matrix ``M`` given as entries
    (source, destination, weight), at the cost of the entries rather than of S × n.
    """

    def __init__(self, src: Array, dst: Array, weight: Array, n: int) -> None:
        order = np.argsort(dst, kind="stable")
        self.src = np.asarray(src, int)[order]
        self.weight = np.asarray(weight, float)[order]
        dst = np.asarray(dst, int)[order]
        self.unit = bool(np.all(self.weight == 1.0))
        self.n = n
        self.cols, self.starts = np.unique(dst, return_index=True)

    @classmethod
    def index(cls, dst: Array, n: int, mask: Array | None = None) -> Scatter:
        """Source column ``k`` goes to ``dst[k]`` (where ``mask`` holds)."""
        src = np.arange(len(dst))
        if mask is not None:
            src = src[np.asarray(mask, bool)]
        return cls(src, np.asarray(dst, int)[src], np.ones(len(src)), n)

    @classmethod
    def matrix(cls, m: Array) -> Scatter:
        src, dst = np.nonzero(m)
        return cls(src, dst, m[src, dst], m.shape[1])

    def __call__(self, x: Array) -> Array:
        out = np.zeros((x.shape[0], self.n))
        if self.src.size == 0:
            return out
        y = x[:, self.src] if self.unit else x[:, self.src] * self.weight[None, :]
        out[:, self.cols] = np.add.reduceat(y, self.starts, axis=1)
        return out


class Layout:
    """Routing of flows built once per compiled network.

    Destinations run over the ``N`` entities plus the external party (index ``N``).
    """

    def __init__(self, c: Compiled) -> None:
        N = c.n_entities
        G = len(c.generations)
        self.share = c.creditor_share
        self.lender_idx = (np.argmax(c.creditor_share, axis=1) if c.n_debt
                           else np.zeros(0, int))
        self.to_creditors = Scatter.matrix(c.creditor_share.reshape(c.n_debt, N + 1))
        self.to_debtor = Scatter.index(c.debtor, N + 1)
        self.to_lender = Scatter.index(self.lender_idx, N + 1)
        self.by_rank = [Scatter.index(c.debtor, N + 1, c.rank == r) for r in range(4)]
        self.to_payer = Scatter.index(c.payer, N + 1)
        self.to_payee = Scatter.index(c.payee, N + 1)
        self.claimable = np.isin(c.trade_kind, CLAIM_KINDS)
        self.is_kind = {kind: c.trade_kind == kind for kind in range(7)}
        self.to_debt = Scatter.index(np.maximum(c.disburses, 0), c.n_debt, c.disburses >= 0)
        self.to_stake = Scatter.index(np.maximum(c.stake, 0), len(c.stake_ids), c.stake >= 0)
        self.to_holder = Scatter.index(c.stake_holder, N)
        # a defaulter's residual: to the owners listed in the network, the rest external
        listed = np.zeros(N)
        np.add.at(listed, c.stake_issuer, c.stake_ownership)
        self.to_owners = Scatter(
            np.concatenate([c.stake_issuer, np.arange(N)]),
            np.concatenate([c.stake_holder, np.full(N, N)]),
            np.concatenate([c.stake_ownership, np.maximum(1.0 - listed, 0.0)]), N + 1)
        chip = (c.trade_kind == CHIP) & (c.payer < N)
        self.chips_to_fleet = Scatter.index(np.minimum(c.payer, N - 1) * G
                                            + np.maximum(c.chip_generation, 0), N * G, chip)
        self.n_gen = G
        if c.coll_gen is not None and c.n_debt:
            pledged = c.coll_gen >= 0
            gen = np.maximum(c.coll_gen, 0)
            self.loan_to_fleet = Scatter.index(c.debtor * G + gen, N * G, pledged)
            # the (borrower, generation) pairs that back GPU loans, and each loan's pair
            pairs, self.loan_pair = np.unique(c.debtor * G + gen, return_inverse=True)
            self.pair_owner, self.pair_gen = pairs // G, pairs % G
            self.loan_to_pair = Scatter.index(self.loan_pair, len(pairs), pledged)
            self.loan_to_gen = Scatter.index(gen, G, pledged)
        self.is_fund = np.array([k in FUND_KINDS for k in c.kinds], dtype=bool)
        # take-or-pay rent and compute still scheduled after each quarter (T, K)
        self.remaining = remaining_contracted(c)


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
    loss_stakes: Array      # (P, E) stakes written off, net of the residual received
    shortfall: Array        # (P, N) claims less distributions, booked at default
    exit_quarter: Array | None = None   # (P, K) strategic lease exits, −1 if none
    book_equity: Array | None = None    # (P, N) book equity at the end of the last quarter
    breach: Array | None = None         # (P, D) quarters an LTV covenant has been in breach
    equity0: Array | None = None        # (P, N) book equity at the as-of date, stakes at cost
    guarantee_paid: Array | None = None  # (P, U) cumulative guarantee payments, USD bn
    dscr_breach: Array | None = None    # (P, D) quarters a DSCR covenant has been in breach
    leverage: Array | None = None       # (P, N) liabilities ÷ assets at the last quarter end
    gpu_level: Array | None = None      # (P, G) GPU price multiplier left by fire sales
    rate_coef: Array | None = None      # (P, D) coupon or spread after repricing
    coll_scale: Array | None = None     # (P, D) share of each pledged GPU pool not yet sold
    maturity: Array | None = None       # (P, D) maturity quarter, moved by roll-overs
    dscr_history: Array | None = None   # (2, W−1, P, N) DSCR numerators and denominators


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
               shortfall=np.zeros((P, N)), exit_quarter=np.full((P, K), -1),
               breach=np.zeros((P, D), dtype=int),
               guarantee_paid=np.zeros((P, len(c.guar_debt))),
               dscr_breach=np.zeros((P, D), dtype=int), coll_scale=np.ones((P, D)),
               maturity=np.tile(c.maturity, (P, 1)).reshape(P, D))
    assets, liabilities, eq = balance_sheet(c, lay, st)
    st.market_equity = np.maximum(eq, 0.0) * c.equity_multiple[None, :]
    st.book_equity = eq
    st.equity0 = eq.copy()
    st.leverage = contract_leverage(c, lay, st.alive, assets, liabilities, 0)
    return st


def contracted_positions(c: Compiled, lay: Layout, alive: Array, t: int
                         ) -> tuple[Array, Array]:
    """Take-or-pay rent and compute still scheduled after quarter ``t`` between parties
    that are both alive: what each entity is owed and what it owes, each (P, N), USD bn."""
    alive_ext = np.concatenate([alive, np.ones((alive.shape[0], 1), bool)], axis=1)
    live = lay.remaining[t][None, :] * (alive_ext[:, c.payer] & alive_ext[:, c.payee])
    N = c.n_entities
    return lay.to_payee(live)[:, :N], lay.to_payer(live)[:, :N]


def contract_leverage(c: Compiled, lay: Layout, alive: Array, assets: Array,
                      liabilities: Array, t: int) -> Array:
    """Leverage as lenders see it at the end of quarter ``t``, (P, N): liabilities plus the
    take-or-pay rent and compute an entity still owes, over assets plus what it is still
    owed (:func:`contracted_positions`). An SPV whose only asset is a long lease is then
    not mistaken for an insolvent one, and a lessee's leases count as the debt they are."""
    owed_to, owes = contracted_positions(c, lay, alive, t)
    return _leverage(assets + owed_to, liabilities + owes)


def _leverage(assets: Array, liabilities: Array) -> Array:
    """Liabilities ÷ assets (0 without liabilities, 10 without assets)."""
    return np.where(liabilities > 0,
                    np.where(assets > 0, liabilities / np.where(assets > 0, assets, 1.0),
                             10.0), 0.0)


def balance_sheet(c: Compiled, lay: Layout, st: State) -> tuple[Array, Array, Array]:
    """Assets, liabilities and book equity, (P, N) each.

    assets = cash + other assets + fixed assets (book) + GPU fleet (book) + loans held
    (principal outstanding × share) + stakes at cost; liabilities = own debt outstanding
    + other liabilities; book equity = assets − liabilities. Zero for defaulted entities.
    """
    N = c.n_entities
    loans_held = lay.to_creditors(st.balance)[:, :N]
    stakes = lay.to_holder(st.stakes)
    assets = (st.cash + st.other_assets + st.fixed_book + st.gpu_book + loans_held + stakes)
    liabilities = lay.to_debtor(st.balance)[:, :N] + st.other_liabilities
    if c.params.equity_marks and st.equity0 is not None and st.stakes.size:
        # stakes and fund interests marked to the issuer's book equity (its own holdings
        # at cost) relative to that equity at the as-of date
        ratio = stake_mark_ratio(assets - liabilities, st.equity0)
        assets = assets + lay.to_holder(st.stakes * (ratio[:, c.stake_issuer] - 1.0))
    assets = np.where(st.alive, assets, 0.0)
    liabilities = np.where(st.alive, liabilities, 0.0)
    return assets, liabilities, assets - liabilities


def stake_mark_ratio(equity: Array, equity0: Array) -> Array:
    """Mark of a stake per unit of cost, (P, N) by issuer: the issuer's book equity over
    its book equity at the as-of date, floored at 0 (1 or 0 if that was not positive)."""
    pos = np.maximum(equity, 0.0)
    return np.where(equity0 > 0, pos / np.where(equity0 > 0, equity0, 1.0),
                    (equity > 0).astype(float))


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
    debt_loss: Array
    trade_loss: Array
    assets: Array
    liabilities: Array
    book_equity: Array
    iterations: int
    gpu_impact: Array | None = None   # (P, G) fire-sale price multiplier of the quarter


def _ratio(a: Array, b: Array) -> Array:
    return np.where(b > 0, np.minimum(a / np.where(b > 0, b, 1.0), 1.0), 1.0)


def affordable_contributions(c: Compiled, lay: Layout, st: State, tdue: Array,
                             net_before: Array, t_in: Array, t_out: Array
                             ) -> tuple[Array, Array, Array]:
    """Scale equity tranches and capital calls down to what each investor can pay from
    cash after its other scheduled flows (never below zero); the rest lapses. Then scale
    options (``Compiled.discretionary``: announced or ceiling purchases) to the cash left
    above the buyer's buffer; what is not taken up lapses too.

    ``net_before`` (P, N) is cash + every scheduled inflow − every scheduled outflow except
    contributions paid; ``t_in``/``t_out`` (P, N+1) are trade amounts received / paid.
    Returns the trade amounts due with contributions scaled, and ``t_in``, ``t_out``
    updated to match.
    """
    N = c.n_entities
    contrib = lay.is_kind[TRANCHE] | lay.is_kind[CALL]
    new = tdue
    if contrib.any():
        owed = lay.to_payer(np.where(contrib[None, :], tdue, 0.0))[:, :N]
        ratio = _ratio(np.maximum(net_before + owed, 0.0), owed)
        scale = np.concatenate([ratio, np.ones((ratio.shape[0], 1))], axis=1)
        new = np.where(contrib[None, :], tdue * scale[:, c.payer], tdue)
    opt = c.discretionary
    if opt.size and opt.any():
        # options (announced or ceiling purchases) only from cash above the buffer, after
        # the contributions actually paid
        lapsed = lay.to_payer(np.where(contrib[None, :], tdue - new, 0.0))[:, :N]
        owed = lay.to_payer(np.where(opt[None, :], new, 0.0))[:, :N]
        spare = np.maximum(net_before + lapsed + owed - c.min_cash[None, :], 0.0)
        scale = np.concatenate([_ratio(spare, owed), np.ones((spare.shape[0], 1))], axis=1)
        new = np.where(opt[None, :], new * scale[:, c.payer], new)
    if new is tdue:
        return tdue, t_in, t_out
    cut = tdue - new
    return new, t_in - lay.to_payee(cut), t_out - lay.to_payer(cut)


def market_spreads(c: Compiled, f: FactorPaths, st: State, t: int) -> tuple[Array, Array]:
    """Credit spreads of quarter ``t``: per rating bucket (P, B), and per borrower (P, N) —
    its bucket's spread plus, with ``refinancing_conditions``, its refinancing premium."""
    spread = np.stack([f.credit_spread[b][:, t] for b in SPREAD_BUCKETS], axis=1)
    borrower = spread[:, c.rating_bucket]
    if c.params.refinancing_conditions:
        borrower = borrower + refinancing_premium(c, st, t)
    return spread, borrower


def repriced_coefficients(c: Compiled, f: FactorPaths, st: State, t: int, refi: Array,
                          principal: Array, spreads: tuple[Array, Array]) -> Array:
    """Coupons (fixed) or spreads (floating) after this quarter's roll-overs, (P, D).

    Principal rolled over in quarter ``t`` is lent again at the market: the borrower's
    bucket spread plus its refinancing premium (:func:`refinancing_premium`) — on a
    guaranteed instrument with a live guarantor, the guarantor's bucket spread if lower —
    over the base rate for a fixed coupon. The instrument's coefficient becomes the
    balance-weighted mean of the old one on what was not due and the new one on what was
    rolled over (``principal`` is the scheduled principal before the roll-over;
    ``spreads`` is :func:`market_spreads` of the quarter)."""
    coef = (np.broadcast_to(c.rate, refi.shape).copy() if st.rate_coef is None
            else st.rate_coef)
    spread, borrower = spreads
    s_debt = borrower[:, c.debtor]
    for d, g in zip(c.guar_debt, c.guar_by, strict=True):
        s_debt[:, d] = np.where(st.alive[:, g],
                                np.minimum(s_debt[:, d], spread[:, c.rating_bucket[g]]),
                                s_debt[:, d])
    market = np.where(c.floating[None, :], s_debt, f.base_rate[:, t:t + 1] + s_debt)
    keep = np.maximum(st.balance - principal, 0.0)
    total = keep + refi
    return np.where(refi > 0, (keep * coef + refi * market) / np.where(total > 0, total, 1.0),
                    coef)


def refinancing_premium(c: Compiled, st: State, t: int) -> Array:
    """Extra spread the debt market asks of each borrower, (P, N), decimal/yr.

    ``refinance_leverage_spread × max(L − 0.5, 0)`` with ``L`` the contract-adjusted
    leverage at the end of the last quarter (:func:`contract_leverage`), plus
    ``refinance_contagion_spread ×`` the share of the other entities of the same kind
    that defaulted in the last four quarters.
    """
    p = c.params
    P, N = st.cash.shape
    lev = np.zeros((P, N)) if st.leverage is None else st.leverage
    prem = p.refinance_leverage_spread * np.maximum(lev - 0.5, 0.0)
    recent = (st.default_quarter >= 0) & (st.default_quarter >= t - 4)
    kinds = np.array(c.kinds)
    for k in np.unique(kinds):
        members = kinds == k
        n_other = members.sum() - 1
        if n_other <= 0:
            continue
        count = recent[:, members].sum(axis=1)
        prem[:, members] += p.refinance_contagion_spread * (count / n_other)[:, None]
    return prem


def liquidity_ladder(c: Compiled, f: FactorPaths, lay: Layout, st: State, t: int,
                     need: Array, principal: Array, spreads: tuple[Array, Array]
                     ) -> tuple[Array, Array, Array]:
    """Cover ``need`` (P, N) in order: facility draws, refinancing of principal due,
    equity (``spreads``: :func:`market_spreads` of the quarter). Returns draws (P, D),
    refinanced principal (P, D) and equity raised (P, N)."""
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
    spread, borrower_spread = spreads
    open_ = ((borrower_spread < c.params.refinance_spread_max) & (window[:, None] > 0))
    open_debt = open_[:, c.debtor] if c.n_debt else np.zeros((P, 0), bool)
    if c.params.refinancing_conditions and len(c.guar_debt):
        # a guaranteed instrument also rolls over on its guarantor's credit (a guarantee
        # can only open the market to it, never close it)
        for d, g in zip(c.guar_debt, c.guar_by, strict=True):
            open_debt[:, d] |= st.alive[:, g] & (spread[:, c.rating_bucket[g]]
                                                 < c.params.refinance_spread_max)
    for d in np.nonzero(principal.any(axis=0))[0]:
        i = c.debtor[d]
        x = np.minimum(principal[:, d], need[:, i]) * open_debt[:, d]
        refi[:, d] = x
        need[:, i] -= x
    cap = (c.params.equity_raise_cap * window[:, None] * c.market_access[None, :]
           * np.maximum(st.market_equity, 0.0))
    raised = np.minimum(np.maximum(need, 0.0), cap) * st.alive
    return draws, refi, raised


def owners_share(lay: Layout, residual: Array, nd: Array) -> Array:
    """Route defaulters' residuals to their listed owners, (P, N+1). An owner that defaults
    in the same quarter does not take part: its share goes to external (no circular
    residuals between defaulters)."""
    out = lay.to_owners(residual)
    moved = np.where(nd, out[:, :-1], 0.0)
    out[:, :-1] -= moved
    out[:, -1] += moved.sum(axis=1)
    return out


def _claims(c: Compiled, lay: Layout, t: int, a: dict[str, Array], nd: Array
            ) -> tuple[Array, Array, Array, Array, list[Array]]:
    """Claims on this quarter's defaulters ``nd``: draws still made (a defaulting lender
    makes none), debt claims (P, D), trade claims (P, K), secured claims and the unsecured
    ranks 1–3 per debtor (P, N) — rank 1 holds trade claims, opex and other liabilities."""
    P, N = nd.shape
    tdue = a["tdue"]
    nd_ext = np.concatenate([nd, np.zeros((P, 1), bool)], axis=1)
    draw_now = np.where(nd_ext[:, lay.lender_idx], 0.0, a["draws"])
    pay_nd = nd_ext[:, c.payer]
    disb_now = np.where(pay_nd, 0.0, tdue) * lay.is_kind[DISBURSE][None, :]
    claim_debt = a["balance"] + a["interest"] + draw_now + lay.to_debt(disb_now)
    claim_trade = (tdue + a["lease"]) * lay.claimable[None, :]
    secured = lay.by_rank[0](claim_debt)[:, :N]
    ranks = [lay.by_rank[r](claim_debt)[:, :N] for r in range(1, 4)]
    ranks[0] = ranks[0] + lay.to_payer(claim_trade)[:, :N] + a["opex"] + a["other"]
    return draw_now, claim_debt, claim_trade, secured, ranks


def _estate(a: dict[str, Array], received: Array, alpha: float, beta: float) -> Array:
    """A defaulter's estate (P, N), USD bn: ``alpha`` × (cash + market revenue + equity
    raised + non-cash assets sold) + ``beta`` × receipts; part 1 has alpha = beta = 1."""
    if alpha == 1.0 and beta == 1.0:
        return np.maximum(a["cash"] + received + a["raised"] + a["mrev"] + a["noncash"], 0.0)
    own = a["cash"] + a["raised"] + a["mrev"] + a["noncash"]
    return np.maximum(alpha * own + beta * received, 0.0)


def with_noncash(c: Compiled, lay: Layout, a: dict[str, Array], nd: Array
                 ) -> dict[str, Array]:
    """``a`` with ``noncash`` (P, N) for the default set ``nd``: the other non-cash assets
    ``a["noncash_other"]`` plus ``recovery_claims ×`` the loans each entity holds, at
    what is left of them after this quarter's scheduled repayments (``a["loans"]`` (P, D)).
    A loan to a borrower in ``nd`` counts for nothing: its claim is paid through that
    borrower's waterfall, in the receipts."""
    if "loans" not in a:
        return a
    N = nd.shape[1]
    kept = np.where(nd[:, c.debtor], 0.0, a["loans"]) if c.n_debt else a["loans"]
    held = lay.to_creditors(kept)[:, :N] * c.params.recovery_claims
    return {**a, "noncash": np.where(a["alive"], a["noncash_other"] + held, 0.0)}


def _waterfall(c: Compiled, lay: Layout, a: dict[str, Array], nd: Array, estate: Array,
               claims: tuple, alpha: float) -> dict[str, Array]:
    """Distribute each defaulter's ``estate``: secured claims from their collateral (the
    non-cash assets, × alpha), then ranks 1, 2, 3 pro rata, the rest to the owners.
    Non-defaulters pay what is scheduled."""
    P, N = nd.shape
    draw_now, claim_debt, claim_trade, secured, ranks = claims
    collateral = a["noncash"] if alpha == 1.0 else alpha * a["noncash"]
    c0 = _ratio(np.minimum(collateral, estate), secured)
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
    deb_nd = nd[:, c.debtor] if c.n_debt else np.zeros((P, 0), bool)
    nd_ext = np.concatenate([nd, np.zeros((P, 1), bool)], axis=1)
    f1_ext = np.concatenate([f1, np.ones((P, 1))], axis=1)
    return dict(pay_service=np.where(deb_nd, claim_debt * debt_frac, a["service"]),
                pay_trade=np.where(nd_ext[:, c.payer], claim_trade * f1_ext[:, c.payer],
                                   a["tdue"]),
                pay_draw=draw_now, pay_opex=np.where(nd, a["opex"] * f1, a["opex"]),
                pay_other=np.where(nd, a["other"] * f1, 0.0),
                residual=np.where(nd, res, 0.0), c0=c0, r1=r1, f1=f1, f2=f2, f3=f3)


def _received(lay: Layout, w: dict[str, Array], nd: Array) -> Array:
    """What each party receives (P, N+1) from the payments in ``w``."""
    return (lay.to_creditors(w["pay_service"]) + lay.to_debtor(w["pay_draw"])
            + lay.to_payee(w["pay_trade"]) + owners_share(lay, w["residual"], nd))


def resolve_defaults(c: Compiled, lay: Layout, t: int, a: dict[str, Array]) -> dict:
    """Fictitious-default loop on a batch of paths (arrays in ``a``, rows = paths).

    Starting from full payment, entities whose cash would go negative default; each
    defaulter's payments are replaced by its waterfall distribution on its current
    receipts; receipts are recomputed and the loop repeats until the default set and the
    payments no longer change. The default set only grows. With exact clearing
    (``params.clearing != "loop"``) the loop's answer is then refined to the exact fixed
    point by :func:`exact_clearing`.
    """
    p = c.params
    alpha, beta = p.default_costs
    P, N = a["cash"].shape
    nd = np.zeros((P, N), bool)
    w = dict(pay_service=a["service"], pay_draw=a["draws"], pay_trade=a["tdue"],
             pay_opex=a["opex"], pay_other=np.zeros((P, N)), residual=np.zeros((P, N)))
    claims: tuple = ()
    # a path that has settled keeps its answer while others iterate, so each path's
    # numbers do not depend on the batch it runs in
    done = np.zeros(P, bool)
    for iterations in range(1, p.max_iterations + 1):
        received = _received(lay, w, nd)[:, :N]
        new_nd = nd | a["forced"] | ((a["cash"] + received + a["raised"] + a["mrev"]
                                      - a["full_out"] < -p.tolerance) & a["alive"])
        new_nd = np.where(done[:, None], nd, new_nd)
        # waterfall of every defaulter on its current receipts
        claims = _claims(c, lay, t, a, new_nd)
        a_nd = with_noncash(c, lay, a, new_nd)
        new = _waterfall(c, lay, a_nd, new_nd, _estate(a_nd, received, alpha, beta), claims,
                         alpha)
        new = {k: np.where(done.reshape((P,) + (1,) * (v.ndim - 1)), w[k], v)
               if k in w else v for k, v in new.items()}
        change = np.zeros(P)
        for k in ("pay_service", "pay_trade", "pay_draw", "residual"):
            if new[k].size:
                change = np.maximum(change, np.abs(new[k] - w[k]).reshape(P, -1).max(axis=1))
        done = done | (((new_nd == nd).all(axis=1)) & (change < p.tolerance * 1e-3))
        stable = bool(done.all())
        w, nd = new, new_nd
        if stable or (p.clearing != "loop" and iterations >= EXACT_SWEEPS):
            if p.clearing != "loop":
                w, nd, claims, extra = exact_clearing(c, lay, t, a, nd, w, claims)
                iterations += extra
            return dict(nd=nd, pay_service=w["pay_service"], pay_draw=w["pay_draw"],
                        pay_trade=w["pay_trade"], pay_opex=w["pay_opex"],
                        pay_other=w["pay_other"], residual=w["residual"],
                        claim_debt=claims[1], claim_trade=claims[2], iterations=iterations)
    raise RuntimeError(f"default resolution did not converge in quarter {t}")


#: condition number above which a clearing system is treated as singular (a closed cycle
#: of defaulters whose marginal payments all go to each other); those paths take a
#: fixed-point step instead of the exact solve
CLEARING_COND_MAX = 1e10


def marginal_weights(c: Compiled, lay: Layout, a: dict[str, Array], nd: Array,
                     w: dict[str, Array], claims: tuple) -> Array:
    """Where one more unit of each defaulter's estate would go, (P, N, N+1).

    Within the waterfall's current piece the distribution is linear in the estate: the
    marginal unit goes pro rata to the tier that is partly paid (rank 1 with the secured
    deficiency, rank 2 or rank 3), or to the owners when every claim is paid.
    """
    P, N = nd.shape
    _, claim_debt, claim_trade, _, ranks = claims
    c0, r1, f1, f2, f3 = w["c0"], w["r1"], w["f1"], w["f2"], w["f3"]
    piece1 = f1 < 1.0
    piece2 = ~piece1 & (f2 < 1.0)
    piece3 = ~piece1 & ~piece2 & (f3 < 1.0)
    rest = (~(piece1 | piece2 | piece3) & nd).astype(float)

    def inv(x: Array, on: Array) -> Array:
        return np.where(on & nd & (x > 0), 1.0 / np.where(x > 0, x, 1.0), 0.0)

    u1 = inv(r1, piece1)
    per_rank = np.stack([(1.0 - c0) * u1, u1, inv(ranks[1], piece2), inv(ranks[2], piece3)],
                        axis=2)
    W = np.zeros((P, N, N + 1))
    if c.n_debt:
        m = claim_debt * per_rank[:, c.debtor, c.rank]              # (P, D)
        share = c.creditor_share.reshape(c.n_debt, N + 1)
        for d in range(c.n_debt):
            W[:, c.debtor[d], :] += m[:, d, None] * share[None, d, :]
    for k in np.nonzero((c.payer < N) & lay.claimable)[0]:
        W[:, c.payer[k], c.payee[k]] += claim_trade[:, k] * u1[:, c.payer[k]]
    W[:, :, N] += (a["opex"] + a["other"]) * u1
    # every claim paid: the residual goes to the owners (a defaulting owner's share and
    # the unlisted rest to external, as in ``owners_share``)
    listed = np.zeros(N)
    for e in range(len(c.stake_issuer)):
        i, h, own = c.stake_issuer[e], c.stake_holder[e], c.stake_ownership[e]
        listed[i] += own
        W[:, i, h] += rest[:, i] * own * ~nd[:, h]
        W[:, i, N] += rest[:, i] * own * nd[:, h]
    W[:, :, N] += rest * np.maximum(1.0 - listed, 0.0)[None, :]
    return W


#: Newton rounds on the waterfall's pieces before falling back to fixed-point steps
NEWTON_ROUNDS = 30
#: fixed-point sweeps of the default loop before exact clearing takes over
EXACT_SWEEPS = 8


def _newton(c: Compiled, lay: Layout, a: dict[str, Array], nd: Array, w: dict[str, Array],
            claims: tuple, E: Array, implied: Array, beta: float) -> Array:
    """One exact solve of the estates with the default set and the marginal tiers fixed
    (paths whose system is singular take the fixed-point step ``implied`` instead)."""
    N = nd.shape[1]
    W = marginal_weights(c, lay, a, nd, w, claims)[:, :, :N]
    both = nd[:, :, None] & nd[:, None, :]
    Wt = np.swapaxes(np.where(both, W, 0.0), 1, 2)         # Wt[j, i] = W[i, j]
    A = np.eye(N)[None] - beta * Wt
    rhs = implied - beta * np.einsum("pji,pi->pj", Wt, np.where(nd, E, 0.0))
    rhs = np.where(nd, rhs, E)
    ok = np.linalg.cond(A) < CLEARING_COND_MAX
    sol = implied.copy()
    if ok.any():
        sol[ok] = np.linalg.solve(A[ok], rhs[ok][:, :, None])[:, :, 0]
    return np.where(nd, sol, E)


def exact_clearing(c: Compiled, lay: Layout, t: int, a: dict[str, Array], nd: Array,
                   w: dict[str, Array], claims: tuple
                   ) -> tuple[dict[str, Array], Array, tuple, int]:
    """Refine the default loop's answer to the exact clearing payments.

    Each defaulter's payments are a piecewise-linear, non-decreasing function of its
    estate ``E = alpha·own + beta·received``. With the default set ``D`` fixed, the
    estates solve ``E = alpha·own + beta·R(E)``; holding every defaulter's marginal tier
    fixed this is the linear system
    ``E_j − beta·Σ_i W[i, j]·E_i = alpha·own_j + beta·(R0_j − Σ_i W[i, j]·E0_i)`` over
    the defaulters (``W``: :func:`marginal_weights`; ``R0``: receipts at the estates
    ``E0``), solved again until the tiers stop moving (after ``NEWTON_ROUNDS`` rounds,
    plain fixed-point steps). Then entities that cannot pay from the cleared receipts join
    ``D`` and the solve repeats — the Greatest Clearing Vector algorithm of Eisenberg and
    Noe, with seniority tiers and Rogers–Veraart default costs. Returns the payments, the
    default set, the claims and the number of rounds.
    """
    p = c.params
    alpha, beta = p.default_costs
    N = nd.shape[1]
    R0 = _received(lay, w, nd)[:, :N]
    E = _estate(with_noncash(c, lay, a, nd), R0, alpha, beta)
    rounds = 0
    for _ in range(N + 1):
        claims = _claims(c, lay, t, a, nd)
        a_nd = with_noncash(c, lay, a, nd)
        for r in range(p.max_iterations):
            rounds += 1
            w = _waterfall(c, lay, a_nd, nd, E, claims, alpha)
            R0 = _received(lay, w, nd)[:, :N]
            implied = _estate(a_nd, R0, alpha, beta)
            gap = np.where(nd, np.abs(implied - E), 0.0)
            if bool((gap <= p.tolerance * 1e-3 * np.maximum(1.0, np.abs(E))).all()):
                break
            E = (_newton(c, lay, a_nd, nd, w, claims, E, implied, beta) if r < NEWTON_ROUNDS
                 else implied)
        else:
            raise RuntimeError(f"exact clearing did not converge in quarter {t}")
        new_nd = nd | a["forced"] | ((a["cash"] + R0 + a["raised"] + a["mrev"]
                                      - a["full_out"] < -p.tolerance) & a["alive"])
        if bool((new_nd == nd).all()):
            return w, nd, claims, rounds
        nd, E = new_nd, implied
    raise RuntimeError(f"exact clearing did not converge in quarter {t}")


def ltv_cure(c: Compiled, f: FactorPaths, st: State, t: int, impact: Array | None,
             alive: Array, receivable: Array | None = None) -> tuple[Array, Array, Array]:
    """LTV covenant test of quarter ``t``: the pay-down due (P, D), USD bn, the breach
    flags (P, D), and the pledged GPUs' value at the quarter's price (P, D), USD bn.

    Collateral value = value at the data date × the generation's resale level now ÷ at
    quarter 0 × the fire-sale multiplier ``impact`` × the share of the pool not sold in
    earlier cures (``State.coll_scale``); for a borrowing vehicle
    (``Compiled.coll_receivables``) plus its take-or-pay receivables ``receivable`` (P, N)
    still due from live payers after this quarter. A loan is in breach when its balance
    exceeds ``ltv_max × collateral``; once the breach has lasted ``cure_quarters``
    (this quarter included) the excess is due now.
    """
    assert c.ltv_max is not None and c.coll_gen is not None and c.coll_value0 is not None
    assert c.cure_quarters is not None
    P, D = st.balance.shape
    lim = c.ltv_max[t]
    on = np.isfinite(lim) & (c.coll_gen >= 0)
    cure = np.zeros((P, D))
    breach = np.zeros((P, D), bool)
    pledged = np.zeros((P, D))
    for d in np.nonzero(on)[0]:
        g = int(c.coll_gen[d])
        name = c.generations[g]
        level = f.resale(name)[:, t] / f.resale(name)[:, 0]
        m = 1.0 if impact is None else impact[:, g]
        kept = 1.0 if st.coll_scale is None else st.coll_scale[:, d]
        pledged[:, d] = c.coll_value0[d] * level * m * kept
        value = pledged[:, d]
        if receivable is not None and c.coll_receivables is not None and c.coll_receivables[d]:
            value = value + receivable[:, c.debtor[d]]
        excess = st.balance[:, d] - lim[d] * value
        live = alive[:, c.debtor[d]] & (st.balance[:, d] > 0)
        breach[:, d] = live & (excess > c.params.tolerance)
        count = (0 if st.breach is None else st.breach[:, d]) + 1
        cure[:, d] = np.where(breach[:, d] & (count >= c.cure_quarters[d]), excess, 0.0)
    return cure, breach, pledged


def cure_sales(c: Compiled, lay: Layout, st: State, t: int, cure: Array, pledged: Array,
               spare: Array, price: Array, excluded: Array, room: Array
               ) -> tuple[Array, Array]:
    """Split each LTV pay-down ``cure`` (P, D) into cash and sales of pledged GPUs.

    A borrower pays from its cash above the buffer ``spare`` (P, N) first, pro rata over
    its loans; for the rest it sells pledged GPUs at the quarter's marked price. Selling
    ``v`` of a pool cuts the balance by ``v`` and the collateral by ``v``, so the excess
    ``e`` needs ``v = e / (1 − ltv_max)``, at most the pledged value ``pledged``, what the
    borrower still holds of that generation (at ``price`` (P, G), the fire-sale
    multiplier) and the balance left after scheduled principal ``room``. What the sales do
    not cure stays owed in cash. Borrowers in ``excluded`` (P, N) — this quarter's
    defaulters — sell nothing (their fleets are sold in the default).

    Returns the total prepayment (P, D) and the sale proceeds within it (P, D), USD bn.

    Example: balance 90, ``ltv_max`` 0.8, pledged GPUs worth 100, no spare cash: the
    excess is 10, the sale 10 / 0.2 = 50, after which 40 ≤ 0.8 × 50.
    """
    assert c.ltv_max is not None and c.coll_gen is not None
    P, N = spare.shape
    if not cure.any():
        return cure, np.zeros_like(cure)
    owed = lay.to_debtor(cure)[:, :N]
    cash_part = cure * _ratio(spare, owed)[:, c.debtor]
    rest = cure - cash_part
    gap = 1.0 - np.where(np.isfinite(c.ltv_max[t]), c.ltv_max[t], 1.0)
    can = (gap > 0) & (c.coll_gen >= 0)
    want = np.where(can[None, :] & ~excluded[:, c.debtor],
                    np.minimum(rest / np.where(can, gap, 1.0)[None, :], pledged), 0.0)
    want = np.minimum(want, np.maximum(room - cash_part, 0.0))
    # no more than the borrower holds of the generation (pro rata over its loans)
    held = st.gpu_value[:, lay.pair_owner, lay.pair_gen] * price[:, lay.pair_gen]
    sales = want * _ratio(held, lay.loan_to_pair(want))[:, lay.loan_pair]
    uncured = np.maximum(rest - sales * np.where(can, gap, 0.0)[None, :], 0.0)
    return np.minimum(cash_part + sales + uncured, room), sales


def sell_pledged(c: Compiled, lay: Layout, st: State, sales: Array, pledged: Array,
                 price: Array) -> Array:
    """Take the GPUs sold in LTV cures out of the sellers' fleets, in place.

    ``sales`` (P, D): proceeds, USD bn, at ``price`` (P, G); ``pledged`` (P, D): each
    pool's value before the sale. Market value leaves the fleet at the pre-sale price
    (``sales / price``), book value in the same proportion of the fleet's market value,
    and each pool keeps ``1 − sales / pledged`` of itself. Returns the book value sold
    (P, N), USD bn.
    """
    assert c.coll_gen is not None and st.coll_scale is not None
    P, N, G = st.gpu_value.shape
    gen = np.maximum(c.coll_gen, 0)
    quantity = lay.loan_to_fleet(sales / price[:, gen]).reshape(P, N, G)
    fleet = st.gpu_value.sum(axis=2)
    quantity = np.minimum(quantity, st.gpu_value)
    share = _ratio(quantity.sum(axis=2), fleet)
    share = np.where(fleet > 0, share, 0.0)
    book_sold = st.gpu_book * share
    st.gpu_value = st.gpu_value - quantity
    st.gpu_book = st.gpu_book - book_sold
    st.coll_scale = st.coll_scale * np.where(
        pledged > 0, 1.0 - np.minimum(sales / np.where(pledged > 0, pledged, 1.0), 1.0), 1.0)
    return book_sold


def guarantee_calls(c: Compiled, paid_before: Array, nd: Array, survivors: Array,
                    claim_debt: Array, pay_service: Array, cash: Array
                    ) -> tuple[Array, Array, Array]:
    """Guarantors pay this quarter's losses on the instruments they guarantee.

    Each call is ``coverage ×`` the instrument's loss this quarter, at most what is left
    of the cap; a guarantor pays from its cash after its own flows (never below zero),
    scaling all its calls of the quarter pro rata. Creditors receive by their shares; the
    shares of outside or defaulted creditors leave the network. Returns the change of cash
    (P, N), the payments to outside (P,) and the payments per guarantee (P, U), USD bn.
    """
    P, N = nd.shape
    loss = np.where(nd[:, c.debtor], claim_debt - pay_service, 0.0)
    want = c.guar_coverage[None, :] * np.maximum(loss[:, c.guar_debt], 0.0)
    left = np.where(c.guar_cap > 0, c.guar_cap[None, :] - paid_before, np.inf)
    want = np.minimum(want, np.maximum(left, 0.0)) * survivors[:, c.guar_by]
    total = np.zeros((P, N))
    for u, g in enumerate(c.guar_by):
        total[:, g] += want[:, u]
    scale = _ratio(np.maximum(cash, 0.0), total)
    pay = want * scale[:, c.guar_by]
    delta = np.zeros((P, N))
    ext = np.zeros(P)
    share = c.creditor_share.reshape(c.n_debt, N + 1)
    for u, (d, g) in enumerate(zip(c.guar_debt, c.guar_by, strict=True)):
        delta[:, g] -= pay[:, u]
        to = pay[:, u, None] * share[None, d, :N]
        delta += np.where(survivors, to, 0.0)
        ext += np.where(survivors, 0.0, to).sum(axis=1) + pay[:, u] * share[d, N]
    return delta, ext, pay


def dscr_acceleration(c: Compiled, lay: Layout, st: State, mrev: Array, opex: Array,
                      tdue: Array, service: Array, principal: Array
                      ) -> tuple[Array, Array, Array]:
    """DSCR test of the quarter: the balance accelerated (P, D), the breach flags, and
    this quarter's numerator and denominator (2, P, N) for the trailing window.

    A borrower's coverage = (market revenue and asset income + contracted revenue
    received − opex − rent, compute and power paid) ÷ its scheduled debt service (interest
    + principal), all as scheduled, summed over the last ``dscr_window_quarters``
    quarters (this one included; ``State.dscr_history`` holds the earlier ones). Debt
    whose covenant ``min_dscr`` is not met is in breach; once the breach has lasted
    ``cure_quarters`` (this quarter included) the rest of its balance falls due now.
    """
    assert c.min_dscr is not None and c.cure_quarters is not None
    N = c.n_entities
    rev = lay.to_payee(tdue * np.isin(c.trade_kind, REVENUE_KINDS)[None, :])[:, :N]
    exp = lay.to_payer(tdue * np.isin(c.trade_kind, EXPENSE_KINDS)[None, :])[:, :N]
    noi = mrev + rev - opex - exp
    ds = lay.to_debtor(service)[:, :N]
    now = np.stack([noi, ds])
    if st.dscr_history is not None and st.dscr_history.shape[1]:
        for k in range(st.dscr_history.shape[1]):      # oldest first, as the reference
            noi = noi + st.dscr_history[0, k]
            ds = ds + st.dscr_history[1, k]
    cover = np.where(ds > 0, noi / np.where(ds > 0, ds, 1.0), np.inf)
    on = np.isfinite(c.min_dscr)
    live = st.alive[:, c.debtor] & (st.balance > 0)
    breach = on[None, :] & live & (cover[:, c.debtor] < np.where(on, c.min_dscr, 0.0)[None, :])
    prev = 0 if st.dscr_breach is None else st.dscr_breach
    due = breach & (prev + 1 >= c.cure_quarters[None, :])
    return np.where(due, np.maximum(st.balance - principal, 0.0), 0.0), breach, now


def cash_sweep(c: Compiled, lay: Layout, survivors: Array, cash: Array, owed: Array
               ) -> tuple[Array, Array]:
    """Prepayments from cash sweeps, (P, D), and the part paid to outside or defaulted
    creditors (P,). Each swept instrument takes its ``sweep`` share of the borrower's
    cash above its buffer, at most its balance; if the shares add up to more than the
    excess they are scaled down pro rata."""
    assert c.sweep is not None
    N = c.n_entities
    excess = np.maximum(cash - c.min_cash[None, :], 0.0) * survivors
    want = np.minimum(c.sweep[None, :] * excess[:, c.debtor], np.maximum(owed, 0.0))
    total = lay.to_debtor(want)[:, :N]
    scale = _ratio(excess, total)
    pay = want * scale[:, c.debtor]
    out = lay.to_creditors(pay)
    ext = out[:, N] + np.where(survivors, 0.0, out[:, :N]).sum(axis=1)
    return pay, ext


def fire_sale_impact(p, gpu_value: Array, alive: Array, sold: Array,  # type: ignore[no-untyped-def]
                     extra: Array | None = None) -> Array:
    """Fire-sale price multiplier per GPU generation, (P, G).

    ``exp(−β·Q/depth)`` with ``Q`` the market value of the fleets sold by the defaulters
    ``sold`` plus ``extra`` (P, G), the market value (before impact) sold to cure LTV
    breaches, ``depth = gpu_market_depth ×`` the market value of every live fleet of that
    generation, and ``β = −ln(1 − gpu_price_impact) / 0.05`` (selling 5% of the depth
    moves the price by ``gpu_price_impact``, as in ``contagion.leverage_fire_sale``).
    """
    q = np.where(sold[:, :, None], gpu_value, 0.0).sum(axis=1)
    if extra is not None:
        q = q + extra
    return np.exp(-fire_sale_beta(p) * _ratio_depth(p, gpu_value, alive, q))


def fire_sale_beta(p) -> float:  # type: ignore[no-untyped-def]
    """``β = −ln(1 − gpu_price_impact) / 0.05`` of :func:`fire_sale_impact`."""
    return float(-np.log(1.0 - p.gpu_price_impact) / 0.05)


def _ratio_depth(p, gpu_value: Array, alive: Array, q: Array) -> Array:  # type: ignore[no-untyped-def]
    """Quantity sold ``q`` (P, G) over the market depth of each generation."""
    depth = p.gpu_market_depth * np.where(alive[:, :, None], gpu_value, 0.0).sum(axis=1)
    return np.where(depth > 0, q / np.where(depth > 0, depth, 1.0), 0.0)


def cure_market(c: Compiled, f: FactorPaths, lay: Layout, st: State, t: int, alive: Array,
                receivable: Array | None, room: Array, spare: Array, sold_by: Array,
                dump: Array | None) -> tuple[Array | None, Array, Array, Array, Array]:
    """LTV tests of quarter ``t`` and the cures they call for, with the GPU price they
    settle at, for a given default set ``sold_by`` (P, N) whose fleets are dumped.

    ``dump`` (P, G) is the fire-sale multiplier of those fleets alone (``None`` without
    feedback). With ``ltv_cure_sales`` the borrowers' GPU sales (:func:`cure_sales`) add
    to the quantity sold; with feedback the price and the sales are iterated to a fixed
    point (the sales only grow, and are bounded by the pools; a path stops once its sales
    move by less than ``tolerance``, or after ``max_iterations`` rounds). Returns the
    multiplier (P, G), the pay-downs (P, D), the breach flags (P, D), the pledged values
    (P, D) and the sale proceeds (P, D), USD bn.
    """
    p = c.params
    P, D = st.balance.shape
    impact = dump
    sales = np.zeros((P, D))
    used = np.zeros((P, D))
    done = np.zeros(P, bool)
    gen = np.maximum(c.coll_gen, 0) if c.coll_gen is not None else np.zeros(0, int)
    for _ in range(p.max_iterations):
        cure, breach, pledged = ltv_cure(c, f, st, t, impact, alive, receivable)
        # the pay-down is owed on what the scheduled principal leaves
        cure = np.minimum(cure, room)
        if not p.ltv_cure_sales:
            break
        price = np.ones((P, lay.n_gen)) if impact is None else impact
        cure, sales = cure_sales(c, lay, st, t, cure, pledged, spare, price, sold_by, room)
        if not p.fire_sale_feedback:
            break
        done |= np.abs(sales - used).max(axis=1, initial=0.0) <= p.tolerance
        if done.all():
            break
        assert dump is not None
        new = dump * np.exp(-fire_sale_beta(p) * _ratio_depth(
            p, st.gpu_value, alive, lay.loan_to_gen(sales / price[:, gen])))
        impact = np.where(done[:, None], impact, new)
        used = np.where(done[:, None], used, sales)
    return impact, cure, breach, pledged, sales


def step(c: Compiled, f: FactorPaths, lay: Layout, st: State, t: int, chips: Array,
         growth: Array, exits: Array | None = None) -> QuarterOut:
    """Advance ``st`` through quarter ``t`` in place; return the quarter's flows.

    ``exits`` (P, K): the quarter each lessee walks away from each lease
    (:func:`~bubblescope.engine.schedules.lease_exits`), if strategic default is on.
    """
    P, N = f.paths, c.n_entities
    p = c.params
    alive = st.alive
    alive_ext = np.concatenate([alive, np.ones((P, 1), bool)], axis=1)
    # fleets are worth the quarter's resale price all through it (sales, seizures)
    st.gpu_value = st.gpu_value * growth[:, None, :]

    # 1. schedules
    rates = debt_rates(c, f, t, st.rate_coef)
    interest = interest_due(st.balance, rates)
    principal = principal_due(c, st.balance, rates, t, st.maturity)
    tdue = trade_due(c, f, t, chips) * alive_ext[:, c.payer] * alive_ext[:, c.payee]
    lease_claim = np.broadcast_to(c.lease_claim[t] * lay.is_kind[RENT], tdue.shape)
    if exits is not None and p.strategic_default:
        # a lease the lessee left: no rent after the exit; in the exit quarter the exit
        # payment (termination payment + residual value guarantee, or damages) replaces rent
        pay = np.where(c.exit_payment >= 0, c.exit_payment, c.lease_claim[t])
        pay = pay[None, :] * alive_ext[:, c.payer] * alive_ext[:, c.payee]
        tdue = np.where(exits < t, 0.0, np.where(exits == t, pay, tdue))
        if st.exit_quarter is not None:
            left = (exits == t) & alive_ext[:, c.payer] & alive_ext[:, c.payee]
            st.exit_quarter[left] = t
        lease_claim = np.where(exits <= t, 0.0, lease_claim)
    mrev = (market_revenue(c, f, t) + asset_income(c, f, t, st.cash, st.other_assets)) * alive
    opex = operating_costs(c, P) * alive
    capex = c.capex[t][None, :] * alive
    service = interest + principal
    s_in, s_out = lay.to_creditors(service), lay.to_debtor(service)
    t_in, t_out = lay.to_payee(tdue), lay.to_payer(tdue)
    net = st.cash + (s_in - s_out + t_in - t_out)[:, :N] + mrev - opex
    tdue, t_in, t_out = affordable_contributions(c, lay, st, tdue, net, t_in, t_out)

    # DSCR covenants on the scheduled flows: a breach lasting ``cure_quarters`` accelerates
    accel = np.zeros_like(service)
    dscr_breach = np.zeros(service.shape, bool)
    if p.dscr_covenants and c.min_dscr is not None and bool(np.isfinite(c.min_dscr).any()):
        accel, dscr_breach, dscr_now = dscr_acceleration(c, lay, st, mrev, opex, tdue,
                                                         service, principal)
        if p.dscr_window_quarters > 1:
            # keep the last W − 1 quarters for the trailing test
            hist = (np.zeros((2, 0, P, N)) if st.dscr_history is None
                    else st.dscr_history)
            st.dscr_history = np.concatenate([hist, dscr_now[:, None]], axis=1)[
                :, -(p.dscr_window_quarters - 1):]

    # 2. liquidity ladder on the scheduled amounts
    projected = st.cash + (s_in - s_out + t_in - t_out)[:, :N] + mrev - opex - capex
    need = np.maximum(c.min_cash[None, :] - projected, 0.0) * alive
    spreads = market_spreads(c, f, st, t)
    draws, refi, raised = liquidity_ladder(c, f, lay, st, t, need, principal, spreads)
    if p.refinancing_conditions and refi.any():
        st.rate_coef = repriced_coefficients(c, f, st, t, refi, principal, spreads)
    if refi.any() and p.refinance_term_quarters > 0 and st.maturity is not None:
        # debt rolled over at (or past) maturity is lent again for a new term
        st.maturity = np.where((refi > 0) & (t >= st.maturity),
                               t + p.refinance_term_quarters, st.maturity)
    if refi.any():
        principal = principal - refi
        service = interest + principal
        s_in, s_out = s_in - lay.to_creditors(refi), s_out - lay.to_debtor(refi)
    drawn_in = lay.to_debtor(draws) if draws.any() else np.zeros_like(s_in)
    lent_out = lay.to_lender(draws) if draws.any() else np.zeros_like(s_in)
    full_out = s_out[:, :N] + lent_out[:, :N] + t_out[:, :N] + opex

    # 3. defaults: fictitious-default loop, on the paths where someone falls short

    def noncash_at(m: Array | None) -> Array:
        """Non-cash assets other than loans at their default value, GPUs at the fire-sale
        price ``m`` (loans held: :func:`with_noncash`)."""
        gpu = (st.gpu_value.sum(axis=2) if m is None
               else (st.gpu_value * m[:, None, :]).sum(axis=2))
        x = (st.other_assets * p.recovery_other_assets
             + st.fixed_book * p.recovery_other_assets + gpu)
        return np.where(alive, x, 0.0)

    forced = np.zeros((P, N), bool)
    if p.fund_wind_down and st.book_equity is not None:
        # a fund whose liabilities exceed its assets is wound up: its lenders are repaid
        # first from what it has, its investors take the rest (or lose their stakes)
        forced = lay.is_fund[None, :] & alive & (st.book_equity < -p.tolerance)
    if c.forced_default is not None:
        # a scenario shock: the entity defaults this quarter whatever its cash
        forced = forced | ((c.forced_default == t)[None, :] & alive)
    received_sched = s_in + drawn_in + t_in
    full_sched, service_sched = full_out, service
    covenanted = (p.ltv_covenants and c.ltv_max is not None
                  and bool(np.isfinite(c.ltv_max[t]).any()))
    # a vehicle's receivables back its GPU loans (only a live borrower's matter)
    receivable = contracted_positions(c, lay, alive, t)[0] if covenanted else None
    cure = np.zeros_like(service)
    breach = np.zeros(service.shape, bool)
    room = np.maximum(st.balance - principal, 0.0)
    selling = covenanted and p.ltv_cure_sales
    sales = np.zeros_like(service)
    pledged = np.zeros_like(service)
    sale_in = np.zeros((P, N))
    spare = (np.maximum(st.cash + received_sched[:, :N] + raised + mrev - full_sched
                        - c.min_cash[None, :], 0.0) * alive if selling else np.zeros((P, N)))
    # fire sales: the multiplier ``impact`` (P, G) comes from the GPUs that the default set
    # ``sold_by`` dumps (``dump``) and, with cure sales, from the GPUs sold to cure LTV
    # breaches at that price (:func:`cure_market`); the clearing is rerun until the
    # default set reproduces itself. A dent left by earlier fire sales fades
    # geometrically (in logs).
    carry = (st.gpu_level ** p.gpu_price_persistence
             if p.fire_sale_feedback and st.gpu_level is not None else None)
    dump: Array | None = carry
    if p.fire_sale_feedback and dump is None and selling:
        dump = np.ones((P, lay.n_gen))
    impact: Array | None = dump
    sold_by = np.zeros((P, N), bool)
    # a path that has settled keeps its inputs, so its numbers do not depend on its batch
    settled = np.zeros(P, bool)
    has_extra = covenanted or bool(accel.any())
    extra = accel
    for _ in range(2 * N + 4):
        if has_extra:
            if covenanted:
                impact, cure, breach, pledged, sales = cure_market(
                    c, f, lay, st, t, alive, receivable, room, spare, sold_by, dump)
                sale_in = lay.to_debtor(sales)[:, :N] if selling else sale_in
            extra = cure + accel
            service = service_sched + extra
            received0 = received_sched + lay.to_creditors(extra)
            full_out = full_sched + lay.to_debtor(extra)[:, :N]
        else:
            received0 = received_sched
        noncash = noncash_at(impact)
        # what is left of each loan after this quarter's repayments (a defaulter's loans
        # are sold at that, times ``recovery_claims``)
        loans = np.maximum(st.balance - principal - extra, 0.0)
        # sale proceeds come from buyers outside the network, like market revenue
        inflow = mrev + sale_in if selling else mrev
        short = (st.cash + received0[:, :N] + raised + inflow - full_out
                 < -p.tolerance) & alive
        short = short | forced
        rows = np.nonzero(short.any(axis=1))[0]
        base = dict(cash=st.cash, alive=alive, raised=raised, mrev=inflow, full_out=full_out,
                    noncash_other=noncash, loans=loans, balance=st.balance,
                    interest=interest, service=service,
                    draws=draws, tdue=tdue, opex=opex, other=st.other_liabilities,
                    lease=lease_claim, forced=forced)
        nd = np.zeros((P, N), bool)
        pay_service, pay_draw, pay_trade = service, draws, tdue
        pay_opex, pay_other, residual = opex, np.zeros((P, N)), np.zeros((P, N))
        claim_debt, claim_trade = np.zeros_like(service), np.zeros_like(tdue)
        received = received0
        iterations = 1
        if rows.size:
            sub = {k: v[rows] for k, v in base.items()}
            out = resolve_defaults(c, lay, t, sub)
            iterations = out.pop("iterations")
            nd[rows] = out["nd"]
            pay_service, pay_draw, pay_trade = service.copy(), draws.copy(), tdue.copy()
            pay_opex = opex.copy()
            for name, arr in (("pay_service", pay_service), ("pay_draw", pay_draw),
                              ("pay_trade", pay_trade), ("pay_opex", pay_opex),
                              ("pay_other", pay_other), ("residual", residual),
                              ("claim_debt", claim_debt), ("claim_trade", claim_trade)):
                arr[rows] = out[name]
            # recomputed only on the rows resolved, so a path's numbers do not depend on
            # the other paths of its batch
            received = received0.copy()
            received[rows] = (lay.to_creditors(pay_service) + lay.to_debtor(pay_draw)
                              + lay.to_payee(pay_trade)
                              + owners_share(lay, residual, nd))[rows]
        if not p.fire_sale_feedback and not selling:
            break
        settled |= (nd == sold_by).all(axis=1)
        if settled.all():
            break
        sold_by = np.where(settled[:, None], sold_by, nd)
        if p.fire_sale_feedback:
            new = fire_sale_impact(p, st.gpu_value, alive, sold_by)
            if carry is not None:
                new = new * carry
            dump = new if dump is None else np.where(settled[:, None], dump, new)
            impact = dump if impact is None else np.where(settled[:, None], impact, dump)
    else:
        raise RuntimeError(f"fire-sale feedback did not settle in quarter {t}")
    noncash = with_noncash(c, lay, dict(noncash_other=noncash, loans=loans, alive=alive),
                           nd)["noncash"]
    gpu_impact = (np.ones((P, lay.n_gen)) if impact is None else impact)
    if p.fire_sale_feedback:
        st.gpu_level = gpu_impact
    sale_loss = np.zeros((P, N))
    if selling and sales.any():
        # the pledged GPUs sold leave the fleets; the loss on sale is a cost
        book_sold = sell_pledged(c, lay, st, sales, pledged, gpu_impact)
        sale_loss = book_sold - sale_in
    if has_extra:
        principal = principal + extra
    if p.dscr_covenants and st.dscr_breach is not None:
        debtor_ok = (alive & ~nd)[:, c.debtor]
        st.dscr_breach = np.where(dscr_breach & (accel == 0) & debtor_ok,
                                  st.dscr_breach + 1, 0)
    if covenanted and st.breach is not None:
        debtor_ok = (alive & ~nd)[:, c.debtor]
        st.breach = np.where(breach & (cure == 0) & debtor_ok, st.breach + 1, 0)

    # 4. settlement
    survivors = alive & ~nd
    cash = st.cash + received[:, :N] + raised + mrev + sale_in - full_out
    guar_ext = np.zeros(P)
    if p.guarantees and len(c.guar_debt) and nd.any() and st.guarantee_paid is not None:
        delta, guar_ext, paid = guarantee_calls(c, st.guarantee_paid, nd, survivors,
                                                claim_debt, pay_service, cash)
        cash = cash + delta
        st.guarantee_paid = st.guarantee_paid + paid
    swept = np.zeros_like(service)
    if p.dscr_covenants and c.sweep is not None and bool((c.sweep > 0).any()):
        # cash sweeps: a share of the cash above the buffer prepays the debt (before capex)
        disb = lay.to_debt(pay_trade * lay.is_kind[DISBURSE][None, :])
        owed = np.where(survivors[:, c.debtor],
                        st.balance - principal + pay_draw + disb, 0.0)
        swept, sweep_ext = cash_sweep(c, lay, survivors, cash, owed)
        cash = cash - lay.to_debtor(swept)[:, :N] + np.where(
            survivors, lay.to_creditors(swept)[:, :N], 0.0)
        guar_ext = guar_ext + sweep_ext
    capex_paid = np.where(survivors, np.minimum(capex, np.maximum(cash, 0.0)), 0.0)
    cash = np.where(survivors, cash - capex_paid, 0.0)

    dead_in = np.where(alive, 0.0, received[:, :N]).sum(axis=1)
    ext_payer = (c.payer == N)[None, :]
    external_in = (mrev.sum(axis=1) + raised.sum(axis=1) + sale_in.sum(axis=1)
                   + (pay_trade * ext_payer).sum(axis=1)
                   + np.where(nd, noncash, 0.0).sum(axis=1))
    external_out = (received[:, N] + dead_in + pay_opex.sum(axis=1) + pay_other.sum(axis=1)
                    + capex_paid.sum(axis=1) + guar_ext)
    alpha, beta = p.default_costs
    estate = _estate(dict(cash=st.cash, raised=raised, mrev=mrev, noncash=noncash),
                     received[:, :N], alpha, beta)
    if (alpha, beta) != (1.0, 1.0) and nd.any():
        # default costs (Rogers–Veraart): what a defaulter had but its creditors never see
        own = st.cash + received[:, :N] + raised + mrev + noncash
        external_out = external_out + np.where(nd, own - estate, 0.0).sum(axis=1)

    # losses of this quarter's defaulters
    loss_d = np.zeros_like(service)
    loss_k = np.zeros_like(tdue)
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
        claims_total = (lay.to_debtor(claim_debt * deb_nd)[:, :N]
                        + lay.to_payer(claim_trade * pay_nd)[:, :N]
                        + np.where(nd, opex + st.other_liabilities, 0.0))
        st.shortfall += np.where(nd, claims_total - (estate - residual), 0.0)

    # balances
    deb_nd = nd[:, c.debtor] if c.n_debt else np.zeros((P, 0), bool)
    disb_paid = lay.to_debt(pay_trade * lay.is_kind[DISBURSE][None, :])
    balance = st.balance - principal + pay_draw + disb_paid - swept
    st.balance = np.where(deb_nd, 0.0, balance)
    st.undrawn = np.where(deb_nd, 0.0, st.undrawn - pay_draw)
    delta = depreciation_rate(c)
    chips_paid = np.where(surv_ext[:, c.payer],
                          pay_trade * lay.is_kind[CHIP][None, :], 0.0)
    chips_by = lay.to_payer(chips_paid)[:, :N]
    depreciation = delta * (st.gpu_book + st.fixed_book)
    st.gpu_value = (st.gpu_value
                    + lay.chips_to_fleet(chips_paid).reshape(P, N, lay.n_gen))
    st.gpu_book = st.gpu_book * (1.0 - delta) + chips_by
    st.fixed_book = st.fixed_book * (1.0 - delta) + capex_paid
    contrib_k = pay_trade * (lay.is_kind[TRANCHE] | lay.is_kind[CALL])[None, :]
    st.stakes = st.stakes + lay.to_stake(contrib_k)
    issuer_dead = nd[:, c.stake_issuer]
    # only an owner still standing receives its part of a residual (one that failed
    # earlier has written its stake off already)
    recovered = (residual[:, c.stake_issuer] * c.stake_ownership[None, :]
                 * survivors[:, c.stake_holder])
    st.loss_stakes += np.where(issuer_dead, st.stakes - recovered, 0.0)
    st.stakes = np.where(issuer_dead, 0.0, st.stakes)
    for arr in ("gpu_book", "fixed_book", "other_assets", "other_liabilities"):
        setattr(st, arr, np.where(nd, 0.0, getattr(st, arr)))
    st.gpu_value = np.where(nd[:, :, None], 0.0, st.gpu_value)
    holder_dead = nd[:, c.stake_holder]
    st.stakes = np.where(holder_dead, 0.0, st.stakes)
    st.cash = cash
    st.default_quarter = np.where(nd, t, st.default_quarter)
    st.alive = survivors
    assets, liabilities, eq = balance_sheet(c, lay, st)
    st.market_equity = np.maximum(eq, 0.0) * c.equity_multiple[None, :]
    st.book_equity = eq
    st.leverage = contract_leverage(c, lay, survivors, assets, liabilities, t)

    # income-statement lines (survivors' view; recoveries are not revenue)
    svc_ok = ~deb_nd
    interest_paid = np.where(svc_ok, interest, 0.0)
    rev_k = pay_trade * np.isin(c.trade_kind, REVENUE_KINDS)[None, :]
    exp_k = pay_trade * np.isin(c.trade_kind, EXPENSE_KINDS)[None, :]
    revenue = mrev + lay.to_payee(rev_k)[:, :N] + lay.to_creditors(interest_paid)[:, :N]
    costs = (pay_opex + lay.to_payer(exp_k)[:, :N] + lay.to_debtor(interest_paid)[:, :N]
             + depreciation + sale_loss)
    contributions = raised + lay.to_payee(contrib_k)[:, :N]
    return QuarterOut(revenue=revenue, costs=costs, capex=capex_paid + chips_by,
                      contributions=contributions, defaulted=nd,
                      external_in=external_in, external_out=external_out,
                      debt_due=interest + principal + refi + swept,
                      debt_paid=pay_service + swept,
                      refinanced=refi, drawn=pay_draw, trade_due=tdue, trade_paid=pay_trade,
                      debt_loss=loss_d, trade_loss=loss_k,
                      assets=assets, liabilities=liabilities, book_equity=eq,
                      iterations=iterations, gpu_impact=gpu_impact)


def run_quarters(c: Compiled, f: FactorPaths, lay: Layout, st: State, chips: Array,
                 on_quarter) -> None:  # type: ignore[no-untyped-def]
    """Step through every quarter, handing each QuarterOut to ``on_quarter(t, out, st)``."""
    exits = lease_exits(c, f) if c.params.strategic_default else None
    for t in range(c.n_quarters):
        growth = resale_growth(c, f, t)
        out = step(c, f, lay, st, t, chips, growth, exits)
        on_quarter(t, out, st)
