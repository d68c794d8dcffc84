"""What the kernels read: the compiled network, the engine's settings and the factor paths,
as structs of plain arrays and numbers (see :mod:`bubblescope.engine.jit`).

``Compiled`` (what :func:`~bubblescope.engine.compile.compile_network` returns) is made for
people and for the results; :func:`net_arrays` turns it into the fixed-type arrays the
compiled stages index: routing of debt service to creditors in CSR form (a debt's
creditors, their shares), optional schedules filled with their neutral value, and a few
lookups computed once (each debt's lender, the kind groups, the GPU pools).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba.experimental import structref

from .codes import CALL, CHIP, CLEARING_MODES, COMPUTE, HY, IG, POWER, RENT, TRANCHE
from .compile import Compiled, EngineParams, remaining_contracted
from .factors import FactorPaths
from .jit import StructType, declare_struct, kernel, pack, rows_of

Array = np.ndarray

#: entity kinds wound up when their book equity turns negative (``fund_wind_down``)
FUND_KINDS = frozenset({"private_credit_fund", "hedge_fund", "venture_fund", "etf"})


@dataclass
class NetArrays:
    """The compiled network as kernels see it. Entities ``(N,)``, debt instruments
    ``(D,)``, trade obligations ``(K,)``, stakes ``(E,)``, guarantees ``(U,)``, milestone
    tranches ``(M,)``; schedules ``(T, ·)``. Index ``N`` is the outside world."""

    # entities
    cash0: Array
    other_assets0: Array
    other_liabilities0: Array
    gpu_book0: Array
    gpu_cost0: Array            # (N, G) original cost of the delivered fleet
    min_cash: Array
    market_access: Array
    rating_bucket: Array
    equity_multiple: Array
    market_revenue_q: Array
    market_driver: Array
    asset_yield: Array
    powered: Array
    ai_share: Array
    opex_q: Array
    capex: Array                # (T, N)
    capacity_ratio: Array       # (T, N), inf: no cap
    revenue_scale: Array        # (T, N), 1: no shock
    forced_default: Array       # (N,) quarter of a forced default, −1: none
    is_fund: Array
    kind_group: Array           # (N,) index of the entity's kind
    group_size: Array           # (n kinds,) entities of each kind
    listed_own: Array           # (N,) ownership listed in the network, per issuer
    # debt instruments
    debtor: Array
    lender: Array               # the creditor with the largest share (draws come from it)
    cr_ptr: Array               # (D + 1,) creditors of debt d: cr_idx[cr_ptr[d]:cr_ptr[d+1]]
    cr_idx: Array
    cr_w: Array
    principal0: Array
    undrawn0: Array
    drawable: Array
    draw_last: Array
    floating: Array
    rate: Array
    amort: Array
    custom: Array               # (T, D)
    maturity: Array
    rank: Array
    amort_start: Array          # (D,) first quarter principal is repaid, −1: from the start
    ltv_max: Array              # (T, D), NaN: no LTV covenant
    ltv_any: Array              # (T,) bool: some LTV covenant is tested in quarter t
    coll_gen: Array             # (D,) pledged GPU generation, −1: none
    coll_value0: Array
    cure_quarters: Array
    coll_receivables: Array
    min_dscr: Array             # (D,), NaN: no DSCR covenant
    has_dscr: bool
    sweep: Array
    has_sweep: bool
    loan_pair: Array            # (D,) the (borrower, generation) pair of a pledged pool
    pair_owner: Array
    pair_gen: Array
    spv_debt: Array             # (D,) bool: issued by an SPV (marks capped at its coverage)
    # trade obligations
    trade_kind: Array
    payer: Array
    payee: Array
    fixed: Array                # (T, K)
    variable: Array             # (T, K)
    var_factor: Array
    lease_claim: Array          # (T, K)
    exit_allowed: Array
    exit_threshold: Array
    exit_run: Array
    exit_first: Array
    exit_last: Array
    exit_payment: Array
    chip_gen: Array
    chip_col: Array             # (K,) column in a path's delayed chip schedule, −1: none
    disburses: Array
    stake: Array
    discretionary: Array
    has_options: bool
    has_contrib: bool
    claimable: Array            # (K,) rent, compute, chips and power: a claim at default,
    #                             and revenue to the payee
    expense: Array              # (K,) rent, compute and power: a cost to the payer
    contribution: Array         # (K,) equity tranches and capital calls
    remaining: Array            # (T, K) take-or-pay rent and compute still due after t
    # equity stakes and fund interests
    stake_holder: Array
    stake_issuer: Array
    stake_held0: Array
    stake_ownership: Array
    # guarantees
    guar_debt: Array
    guar_by: Array
    guar_coverage: Array
    guar_cap: Array
    # milestone tranches
    ms_trade: Array
    ms_first: Array
    ms_level: Array
    ms_amount: Array
    ms_window: Array


@dataclass
class Settings:
    """The behavioural constants of :class:`~bubblescope.engine.compile.EngineParams` as
    plain numbers, with the derived ones (clearing code, default costs, fire-sale β,
    depreciation rate) computed once."""

    recovery_other_assets: float
    recovery_claims: float
    refinance_spread_max: float
    equity_raise_cap: float
    tolerance: float
    max_iterations: int
    clearing: int
    alpha: float
    beta: float
    strategic_default: bool
    fund_wind_down: bool
    fire_sale_feedback: bool
    ltv_covenants: bool
    equity_marks: bool
    guarantees: bool
    dscr_covenants: bool
    refinancing_conditions: bool
    refinance_leverage_spread: float
    refinance_contagion_spread: float
    gpu_market_depth: float
    gpu_price_persistence: float
    fire_sale_beta: float
    refinance_term_quarters: int
    ltv_cure_sales: bool
    dscr_window_quarters: int
    depreciation: float


@dataclass
class Factors:
    """Factor paths of a chunk, ``(P, T)`` each (``resale`` (P, T, G) in the compiled
    network's generation order, ``spread`` (P, T, 2) IG then HY, ``chip_delay`` in whole
    quarters)."""

    ai_demand: Array
    rental: Array
    resale: Array
    base_rate: Array
    spread: Array
    window: Array
    power: Array
    chip_delay: Array


@dataclass
class PathFactors:
    """One path's rows of :class:`Factors` (``(T,)`` each; ``resale`` (T, G), ``spread``
    (T, 2))."""

    ai_demand: Array
    rental: Array
    resale: Array
    base_rate: Array
    spread: Array
    window: Array
    power: Array
    chip_delay: Array


@structref.register
class _NetType(StructType):
    pass


class _NetProxy(structref.StructRefProxy):
    pass


@structref.register
class _SettingsType(StructType):
    pass


class _SettingsProxy(structref.StructRefProxy):
    pass


@structref.register
class _FactorsType(StructType):
    pass


class _FactorsProxy(structref.StructRefProxy):
    pass


@structref.register
class _PathFactorsType(StructType):
    pass


class _PathFactorsProxy(structref.StructRefProxy):
    pass


NetStruct = declare_struct(NetArrays, _NetType, _NetProxy)
SettingsStruct = declare_struct(Settings, _SettingsType, _SettingsProxy)
FactorsStruct = declare_struct(Factors, _FactorsType, _FactorsProxy)
PathFactorsStruct = declare_struct(PathFactors, _PathFactorsType, _PathFactorsProxy)


@kernel
def _pack_net(fields: Any) -> Any:
    return NetStruct(*fields)


@kernel
def _pack_settings(fields: Any) -> Any:
    return SettingsStruct(*fields)


@kernel
def _pack_factors(fields: Any) -> Any:
    return FactorsStruct(*fields)


_factor_rows = rows_of(PathFactors, _PathFactorsType)


@kernel
def path_factors(fac: Factors, p: int) -> PathFactors:
    """Path ``p``'s rows of the factor paths (views)."""
    return _factor_rows(fac, p)


def thread_copy(net: NetArrays) -> NetArrays:
    """``net`` with every array copied, for one thread: the threads then share no
    array (and no reference count)."""
    return dataclasses.replace(net, **{f.name: getattr(net, f.name).copy()
                                       for f in dataclasses.fields(net)
                                       if isinstance(getattr(net, f.name), np.ndarray)})


def _f(x: Any) -> Array:
    return np.ascontiguousarray(x, dtype=np.float64)


def _i(x: Any) -> Array:
    return np.ascontiguousarray(x, dtype=np.int64)


def _b(x: Any) -> Array:
    return np.ascontiguousarray(x, dtype=np.bool_)


def net_arrays(c: Compiled) -> NetArrays:
    """The arrays of ``c`` the kernels read (fixed dtypes, C order, no ``None``)."""
    N, D, T, K = c.n_entities, c.n_debt, c.n_quarters, c.n_trade
    G = len(c.generations)
    ptr, idx, w = c.creditor_ptr, c.creditor_idx, c.creditor_w
    kinds = sorted(set(c.kinds))
    group = np.array([kinds.index(k) for k in c.kinds], dtype=np.int64)
    listed = np.zeros(N)
    np.add.at(listed, np.asarray(c.stake_issuer, int), np.asarray(c.stake_ownership, float))
    coll_gen = (np.full(D, -1) if c.coll_gen is None else np.asarray(c.coll_gen))
    pairs, loan_pair = np.unique(np.asarray(c.debtor, int) * G + np.maximum(coll_gen, 0),
                                 return_inverse=True)
    ltv = np.full((T, D), np.nan) if c.ltv_max is None else np.asarray(c.ltv_max, float)
    min_dscr = np.full(D, np.nan) if c.min_dscr is None else np.asarray(c.min_dscr, float)
    sweep = np.zeros(D) if c.sweep is None else np.asarray(c.sweep, float)
    kind = np.asarray(c.trade_kind, int)
    chip_cols = np.nonzero(kind == CHIP)[0]
    chip_col = np.full(K, -1, dtype=np.int64)
    chip_col[chip_cols] = np.arange(chip_cols.size)
    contrib = np.isin(kind, (TRANCHE, CALL))
    return NetArrays(
        cash0=_f(c.cash0), other_assets0=_f(c.other_assets0),
        other_liabilities0=_f(c.other_liabilities), gpu_book0=_f(c.gpu_book0),
        gpu_cost0=_f(np.asarray(c.gpu_mv_cost0).reshape(N, G)), min_cash=_f(c.min_cash),
        market_access=_f(c.market_access), rating_bucket=_i(c.rating_bucket),
        equity_multiple=_f(c.equity_multiple), market_revenue_q=_f(c.market_revenue_q),
        market_driver=_i(c.market_driver), asset_yield=_f(c.asset_yield),
        powered=_b(c.powered), ai_share=_f(c.ai_share), opex_q=_f(c.opex_q),
        capex=_f(np.asarray(c.capex).reshape(T, N)),
        capacity_ratio=_f(np.full((T, N), np.inf) if c.capacity_ratio is None
                          else c.capacity_ratio),
        revenue_scale=_f(np.ones((T, N)) if c.revenue_scale is None else c.revenue_scale),
        forced_default=_i(np.full(N, -1) if c.forced_default is None else c.forced_default),
        is_fund=_b([k in FUND_KINDS for k in c.kinds]), kind_group=group,
        group_size=_i(np.bincount(group, minlength=len(kinds))), listed_own=_f(listed),
        debtor=_i(c.debtor),
        lender=_i([idx[ptr[d] + np.argmax(w[ptr[d]:ptr[d + 1]])] for d in range(D)]),
        cr_ptr=_i(ptr), cr_idx=idx, cr_w=w, principal0=_f(c.principal0),
        undrawn0=_f(c.undrawn0), drawable=_b(c.drawable), draw_last=_i(c.draw_last),
        floating=_b(c.floating), rate=_f(c.rate), amort=_i(c.amort),
        custom=_f(np.asarray(c.custom).reshape(T, D)), maturity=_i(c.maturity),
        rank=_i(c.rank),
        amort_start=_i(np.full(D, -1) if c.amort_start is None else c.amort_start),
        ltv_max=_f(ltv), ltv_any=_b(np.isfinite(ltv).any(axis=1) if D else np.zeros(T)),
        coll_gen=_i(coll_gen),
        coll_value0=_f(np.zeros(D) if c.coll_value0 is None else c.coll_value0),
        cure_quarters=_i(np.ones(D) if c.cure_quarters is None else c.cure_quarters),
        coll_receivables=_b(np.zeros(D) if c.coll_receivables is None
                            else c.coll_receivables),
        min_dscr=_f(min_dscr), has_dscr=bool(np.isfinite(min_dscr).any()),
        sweep=_f(sweep), has_sweep=bool((sweep > 0).any()),
        loan_pair=_i(loan_pair.reshape(D)), pair_owner=_i(pairs // max(G, 1)),
        pair_gen=_i(pairs % max(G, 1)),
        spv_debt=_b([c.kinds[int(i)] == "spv" for i in c.debtor]),
        trade_kind=_i(kind), payer=_i(c.payer), payee=_i(c.payee),
        fixed=_f(np.asarray(c.fixed).reshape(T, K)),
        variable=_f(np.asarray(c.variable).reshape(T, K)), var_factor=_i(c.var_factor),
        lease_claim=_f(np.asarray(c.lease_claim).reshape(T, K)),
        exit_allowed=_b(c.exit_allowed), exit_threshold=_f(c.exit_threshold),
        exit_run=_i(c.exit_run), exit_first=_i(c.exit_first), exit_last=_i(c.exit_last),
        exit_payment=_f(c.exit_payment), chip_gen=_i(c.chip_generation), chip_col=chip_col,
        disburses=_i(c.disburses), stake=_i(c.stake),
        discretionary=_b(c.discretionary if np.size(c.discretionary) else np.zeros(K)),
        has_options=bool(np.size(c.discretionary) and np.any(c.discretionary)),
        has_contrib=bool(np.any(contrib)),
        claimable=_b(np.isin(kind, (RENT, COMPUTE, CHIP, POWER))),
        expense=_b(np.isin(kind, (RENT, COMPUTE, POWER))), contribution=_b(contrib),
        remaining=_f(np.asarray(remaining_contracted(c)).reshape(T, K)),
        stake_holder=_i(c.stake_holder), stake_issuer=_i(c.stake_issuer),
        stake_held0=_f(c.stake_held0), stake_ownership=_f(c.stake_ownership),
        guar_debt=_i(c.guar_debt), guar_by=_i(c.guar_by), guar_coverage=_f(c.guar_coverage),
        guar_cap=_f(c.guar_cap),
        ms_trade=_i(c.ms_trade), ms_first=_i(c.ms_first), ms_level=_f(c.ms_level),
        ms_amount=_f(c.ms_amount), ms_window=_b(c.ms_window))


def settings(p: EngineParams) -> Settings:
    """The kernels' view of ``p``."""
    alpha, beta = p.default_costs
    return Settings(
        recovery_other_assets=float(p.recovery_other_assets),
        recovery_claims=float(p.recovery_claims),
        refinance_spread_max=float(p.refinance_spread_max),
        equity_raise_cap=float(p.equity_raise_cap), tolerance=float(p.tolerance),
        max_iterations=int(p.max_iterations), clearing=CLEARING_MODES.index(p.clearing),
        alpha=alpha, beta=beta, strategic_default=bool(p.strategic_default),
        fund_wind_down=bool(p.fund_wind_down), fire_sale_feedback=bool(p.fire_sale_feedback),
        ltv_covenants=bool(p.ltv_covenants), equity_marks=bool(p.equity_marks),
        guarantees=bool(p.guarantees), dscr_covenants=bool(p.dscr_covenants),
        refinancing_conditions=bool(p.refinancing_conditions),
        refinance_leverage_spread=float(p.refinance_leverage_spread),
        refinance_contagion_spread=float(p.refinance_contagion_spread),
        gpu_market_depth=float(p.gpu_market_depth),
        gpu_price_persistence=float(p.gpu_price_persistence),
        fire_sale_beta=float(-np.log(1.0 - p.gpu_price_impact) / 0.05),
        refinance_term_quarters=int(p.refinance_term_quarters),
        ltv_cure_sales=bool(p.ltv_cure_sales),
        dscr_window_quarters=int(p.dscr_window_quarters),
        depreciation=1.0 / (4.0 * p.accounting_life_years))


def factors(c: Compiled, f: FactorPaths) -> Factors:
    """The factor paths of ``f`` for the quarters of ``c``, as kernels read them."""
    T = c.n_quarters
    return Factors(
        ai_demand=_f(f.ai_demand[:, :T]), rental=_f(f.gpu_rental_price[:, :T]),
        resale=_f(np.stack([f.resale(g)[:, :T] for g in c.generations], axis=2)),
        base_rate=_f(f.base_rate[:, :T]),
        spread=_f(np.stack([f.credit_spread["IG"][:, :T], f.credit_spread["HY"][:, :T]],
                           axis=2)[:, :, [IG, HY]]),
        window=_f(f.equity_window[:, :T]), power=_f(f.power_availability[:, :T]),
        chip_delay=_i(np.rint(f.chip_delay[:, :T])))


def as_struct(obj: NetArrays | Settings | Factors) -> Any:
    """A network's arrays, settings or factor paths as the struct kernels take (arrays are
    shared, not copied)."""
    packer = {NetArrays: _pack_net, Settings: _pack_settings, Factors: _pack_factors}
    return pack(obj, packer[type(obj)])
