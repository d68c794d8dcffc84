"""Compile a validated network into the arrays the engine steps through.

Quarter ``0`` is the network's as-of quarter (2025Q4 for as-of 2025-12-31); quarter ``t``
is ``t`` quarters later; the horizon quarter is the last one simulated. Entities keep their
network order; index ``N`` (one past the last entity) stands for parties outside the
network ("external"): outside lenders and bondholders, suppliers of opex, customers behind
market revenue, buyers of a defaulter's assets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model._fields import parse_date, quarter_label
from ..model.contracts import (
    SENIORITY_RANK,
    Bond,
    ChipPurchase,
    ComputeContract,
    CreditFacility,
    EquityStake,
    FundCommitment,
    Guarantee,
    Lease,
    Loan,
    PowerSupply,
    Seniority,
)
from ..model.entity import FINAL_HOLDER_KINDS, INTERMEDIARY_KINDS, EntityKind
from ..model.network import Network
from .calendar import lease_rents, lease_term, quarter_number
from .codes import (
    ANNUITY,
    BULLET,
    CALL,
    CHIP,
    CLEARING_MODES,
    COMPUTE,
    CUSTOM,
    DISBURSE,
    LINEAR,
    MARKET_CONST,
    MARKET_DEMAND,
    MARKET_RENTAL,
    PERPETUAL,
    POWER,
    RENT,
    TRANCHE,
    VAR_DEMAND,
    VAR_NONE,
    VAR_WINDOW,
)
from .securitisation import DealPlan, plan_securitisations

Array = np.ndarray

_DEMAND_KINDS = {EntityKind.ai_lab, EntityKind.hyperscaler, EntityKind.other,
                 EntityKind.chip_vendor}
_RENTAL_KINDS = {EntityKind.neocloud, EntityKind.cloud_provider}
_POWERED_KINDS = _DEMAND_KINDS | _RENTAL_KINDS
#: Kinds whose income comes from a balance sheet the network does not list.
FINANCIAL_KINDS = FINAL_HOLDER_KINDS | INTERMEDIARY_KINDS | {EntityKind.government}
_IG = {"AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-"}
#: Hours in a quarter (8760 / 4), for power contracts.
HOURS_PER_QUARTER = 2190.0


@dataclass(frozen=True)
class EngineParams:
    """Behavioural constants of the engine (documented in docs/engine.md).

    Attributes
    ----------
    outside_debt_rate : rate on ``entity.debt`` when ``cost_of_debt`` is not given, decimal/yr.
    accounting_life_years : GPU and capex depreciation life, years (geometric, 1/(4·life)
        of the book value per quarter).
    recovery_other_assets : share of other assets and of capex-built fixed assets realised
        in a default.
    recovery_claims : share of the outstanding principal a defaulter's loans to others
        fetch when sold.
    refinance_spread_max : the debt market is open to a borrower while the spread of its
        rating bucket is below this, decimal/yr (and the equity window is above zero).
    equity_raise_cap : most equity raised in a quarter, as a share of market equity
        (scaled by the equity window and the entity's market access).
    grid_price : grid power price used to price the on-site premium, USD/MWh.
    financial_margin : what financial kinds earn on other assets above their cost of
        outside debt, decimal/yr (their income lies outside the network).
    tolerance : cash below −tolerance is a default; also the fixed-point tolerance, USD bn.
    max_iterations : cap on the default loop's iterations per quarter.
    clearing : how the payments of a quarter with defaults are settled (part 2, issue 6).
        ``"loop"`` (default, part 1): the fictitious-default loop, stopped once payments
        move by less than ``tolerance × 1e-3``. ``"eisenberg_noe"``: the same loop, then
        exact clearing — the piecewise-linear fixed point of the tiered waterfall solved
        with linear systems on the default set (a Greatest-Clearing-Vector algorithm with
        seniority tiers). ``"rogers_veraart"``: exact clearing with default costs: a
        defaulter's estate is ``default_cost_alpha × (cash, revenue, equity raised and
        assets sold) + default_cost_beta × payments received``.
    strategic_default : lessees whose ``strategic_exit.allowed`` is set leave their leases
        once AI demand has stayed below their ``demand_threshold`` for ``quarters_below``
        quarters (at the lease's ``earliest_exit`` or later; with no exit date agreed, at
        any time, owing the lessor's damages).
    fund_wind_down : a fund (private credit, hedge, venture fund or ETF) whose book equity
        was negative at the end of the last quarter defaults this quarter: its lenders
        (fund leverage) are repaid first from its estate and its investors lose their
        interests.
    fire_sale_feedback : GPUs of this quarter's defaulters are sold at the scenario's
        resale value × ``exp(−β·Q/depth)`` per generation; lower recoveries can cause more
        defaults in the same quarter, whose GPUs are sold too — iterated to a fixed point.
    ltv_covenants : loans secured by a GPU pool with a ``max_ltv`` covenant (and step-downs)
        are re-tested every quarter against the collateral marked at the GPU price of the
        quarter (with fire sales, after their impact); once a breach has lasted
        ``cure_quarters`` the borrower owes the pay-down back to the limit in cash that
        quarter, and defaults if it cannot pay.
    equity_marks : equity stakes and fund interests are carried at cost × the issuer's
        book equity now ÷ at the as-of date (floored at 0) instead of at cost.
    guarantees : when a guaranteed loan or bond defaults, its guarantor pays its creditors
        ``coverage ×`` their loss that quarter, up to what is left of the cap and from the
        cash it has after its own flows (calls on one guarantor are scaled pro rata).
    dscr_covenants : debt with a ``min_dscr`` covenant is accelerated (its whole balance
        due, not refinanceable) once the borrower's debt-service coverage — operating
        cash flow of the quarter ÷ its scheduled debt service — has been below the minimum
        for ``cure_quarters``; debt with a ``cash_sweep`` is prepaid each quarter by that
        share of the borrower's cash above its buffer (before capex).
    refinancing_conditions : the debt market is open to a borrower while its spread — its
        rating bucket's spread + ``refinance_leverage_spread × max(L − 0.5, 0)``
        (``L`` = liabilities ÷ assets at the last quarter end) +
        ``refinance_contagion_spread ×`` the share of the other entities of its kind that
        defaulted in the last four quarters — is below ``refinance_spread_max`` (and the
        equity window is open); a guaranteed instrument rolls over while its guarantor is
        alive and its bucket's spread is below the maximum.
    refinance_leverage_spread, refinance_contagion_spread : decimal/yr, see above.
    refinance_term_quarters : term of debt rolled over at or after its maturity, quarters:
        the rolled balance gets a new maturity that many quarters on (and amortises to it
        by its own schedule); 0 (part 1) leaves it due again the next quarter.
    ltv_cure_sales : with ``ltv_covenants``, a borrower owing an LTV pay-down pays what its
        cash above the buffer allows and sells pledged GPUs for the rest, at the quarter's
        marked price: selling ``v`` of collateral cuts the excess by ``v·(1 − ltv_max)``.
        With ``fire_sale_feedback`` these sales move the GPU price like seized fleets do.
        What the pledged GPUs cannot cure is owed in cash, as without the switch.
    dscr_window_quarters : the DSCR test reads operating cash flow and debt service summed
        over this many quarters up to the current one (4: trailing twelve months); 1 (part
        1) tests each quarter alone.
    gpu_price_impact : fall of the GPU price when 5% of the market depth is sold, in [0, 1).
    gpu_market_depth : depth of the secondary GPU market per generation, as a multiple of
        the market value of all live fleets of that generation.
    gpu_price_persistence : share (in logs) of a fire-sale dent in GPU prices still there
        the next quarter, in [0, 1): 0.7 leaves half after about two quarters; 0 makes the
        dent last only the quarter of the sales.
    default_cost_alpha : share of a defaulter's own assets realised, used only with
        ``clearing="rogers_veraart"``, in [0, 1].
    default_cost_beta : share of the payments a defaulter receives that reach its
        creditors, used only with ``clearing="rogers_veraart"``, in [0, 1].
    """

    outside_debt_rate: float = 0.06
    accounting_life_years: float = 6.0
    recovery_other_assets: float = 0.5
    recovery_claims: float = 1.0
    refinance_spread_max: float = 0.08
    equity_raise_cap: float = 0.10
    grid_price: float = 60.0
    financial_margin: float = 0.01
    tolerance: float = 1e-9
    max_iterations: int = 500
    clearing: str = "loop"
    strategic_default: bool = False
    fund_wind_down: bool = False
    fire_sale_feedback: bool = False
    ltv_covenants: bool = False
    equity_marks: bool = False
    guarantees: bool = False
    dscr_covenants: bool = False
    refinancing_conditions: bool = False
    refinance_leverage_spread: float = 0.05
    refinance_contagion_spread: float = 0.10
    gpu_price_impact: float = 0.05
    gpu_market_depth: float = 1.0
    gpu_price_persistence: float = 0.7
    refinance_term_quarters: int = 0
    ltv_cure_sales: bool = False
    dscr_window_quarters: int = 1
    default_cost_alpha: float = 1.0
    default_cost_beta: float = 1.0

    def __post_init__(self) -> None:
        if self.clearing not in CLEARING_MODES:
            raise ValueError(f"clearing: expected one of {CLEARING_MODES}, got "
                             f"{self.clearing!r}")
        for name in ("recovery_other_assets", "recovery_claims", "equity_raise_cap",
                     "default_cost_alpha", "default_cost_beta"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name}: must lie in [0, 1], got {v!r}")
        for name in ("accounting_life_years", "tolerance"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: must be positive, got {getattr(self, name)!r}")
        for name in ("outside_debt_rate", "refinance_spread_max", "grid_price",
                     "financial_margin"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= -0.05):
                raise ValueError(f"{name}: expected a finite rate or price, got {v!r}")
        if not 0.0 <= self.gpu_price_impact < 1.0:
            raise ValueError(f"gpu_price_impact: must lie in [0, 1), got "
                             f"{self.gpu_price_impact!r}")
        if not 0.0 <= self.gpu_price_persistence < 1.0:
            raise ValueError(f"gpu_price_persistence: must lie in [0, 1), got "
                             f"{self.gpu_price_persistence!r}")
        if not self.gpu_market_depth > 0:
            raise ValueError(f"gpu_market_depth: must be positive, got "
                             f"{self.gpu_market_depth!r}")
        if self.refinance_term_quarters < 0:
            raise ValueError(f"refinance_term_quarters: must be >= 0, got "
                             f"{self.refinance_term_quarters!r}")
        if self.dscr_window_quarters < 1:
            raise ValueError(f"dscr_window_quarters: must be >= 1, got "
                             f"{self.dscr_window_quarters!r}")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations: must be >= 1, got {self.max_iterations!r}")

    @property
    def default_costs(self) -> tuple[float, float]:
        """``(alpha, beta)`` of the clearing: ``(1, 1)`` unless Rogers–Veraart."""
        if self.clearing == "rogers_veraart":
            return float(self.default_cost_alpha), float(self.default_cost_beta)
        return 1.0, 1.0


@dataclass
class Compiled:
    """Arrays for one network over one horizon (see docs/engine.md for each field)."""

    entity_ids: list[str]
    kinds: list[str]
    quarters: list[str]
    generations: list[str]
    # entity state at the as-of date, (N,)
    cash0: Array
    other_assets0: Array
    other_liabilities: Array
    gpu_book0: Array
    gpu_mv_cost0: Array          # (N, G) original cost of the delivered fleet by generation
    min_cash: Array
    market_access: Array
    rating_bucket: Array         # 0 IG, 1 HY
    equity_multiple: Array
    # operating model
    market_revenue_q: Array      # (N,) USD bn / quarter at factor 1
    market_driver: Array         # (N,) MARKET_* code
    asset_yield: Array           # (N,) yield of other assets (financial kinds), decimal/yr
    powered: Array               # (N,) bool: revenue scaled by power availability
    ai_share: Array              # (N,) share of market revenue driven by the AI factors
    opex_q: Array                # (N,) USD bn / quarter, incl. the on-site power premium
    capex: Array                 # (T, N) USD bn / quarter not covered by chip contracts
    # debt instruments (D)
    debt_ids: list[str]
    debtor: Array
    creditor_share: Array        # (D, N+1)
    principal0: Array
    undrawn0: Array
    drawable: Array              # bool: a committed facility or delayed-draw loan
    draw_last: Array             # last quarter it may be drawn
    floating: Array
    rate: Array                  # fixed rate, or spread for floating, decimal/yr
    amort: Array
    custom: Array                # (T, D) custom principal schedule
    maturity: Array              # quarter index (may exceed the horizon)
    rank: Array
    # trade obligations (K)
    trade_ids: list[str]
    trade_kind: Array
    payer: Array
    payee: Array
    fixed: Array                 # (T, K)
    variable: Array              # (T, K)
    var_factor: Array            # (K,)
    lease_claim: Array           # (T, K) claim of a lessor if the lessee defaults in t
    # strategic lease exits (K,): whether the lessee may walk away, the AI-demand
    # threshold and the run of quarters below it, the first and last quarter an exit can
    # happen, and what an exit costs (termination payment + residual value guarantee;
    # −1: no exit date agreed, the lessee owes the lessor's damages ``lease_claim``)
    exit_allowed: Array
    exit_threshold: Array
    exit_run: Array
    exit_first: Array
    exit_last: Array
    exit_payment: Array
    chip_generation: Array       # (K,) generation index (chips), else -1
    disburses: Array             # (K,) debt index funded by a disbursement, else -1
    stake: Array                 # (K,) stake index for tranches/calls, else -1
    # equity stakes and fund commitments (E)
    stake_ids: list[str]
    stake_holder: Array
    stake_issuer: Array
    stake_held0: Array
    stake_ownership: Array       # share of the issuer's residual equity
    params: EngineParams = field(default_factory=EngineParams)
    #: securitisation tranches, bottom up per deal: dicts with ``deal``, ``name``,
    #: ``attachment``, ``detachment``, ``pool_amount`` and ``notional`` (USD bn),
    #: ``sold_share``, ``holders`` (N+1,) shares, ``debt`` (the notes' instrument index,
    #: −1 for the equity) and ``stakes`` (the equity pieces' stake indices)
    tranches: list[dict] = field(default_factory=list)
    #: LTV covenants of GPU-pool loans: the limit by quarter (T, D), NaN without one; the
    #: pledged generation (D,) (−1: none); the collateral's value at the data date, USD bn;
    #: quarters a breach may last before the pay-down is due
    ltv_max: Array | None = None
    coll_gen: Array | None = None
    coll_value0: Array | None = None
    cure_quarters: Array | None = None
    #: (D,) bool: the collateral also counts the borrower's take-or-pay receivables (a
    #: borrowing vehicle, kind ``spv``, pledges its contracts along with its GPUs)
    coll_receivables: Array | None = None
    #: guarantees of debt instruments (U,): the instrument, the guarantor, the share of
    #: each loss it pays and its cap (USD bn; 0: no cap)
    guar_debt: Array = field(default_factory=lambda: np.zeros(0, int))
    guar_by: Array = field(default_factory=lambda: np.zeros(0, int))
    guar_coverage: Array = field(default_factory=lambda: np.zeros(0))
    guar_cap: Array = field(default_factory=lambda: np.zeros(0))
    #: DSCR covenant (D,), NaN without one; share of excess cash swept to prepay (D,)
    min_dscr: Array | None = None
    sweep: Array | None = None
    #: equity tranches with an AI-demand milestone (M,): the trade obligation (stake) they
    #: belong to, the first quarter they may be paid, the AI demand index they wait for,
    #: the amount (USD bn) and whether it is scaled by the equity window (ceiling/announced)
    ms_trade: Array = field(default_factory=lambda: np.zeros(0, int))
    ms_first: Array = field(default_factory=lambda: np.zeros(0, int))
    ms_level: Array = field(default_factory=lambda: np.zeros(0))
    ms_amount: Array = field(default_factory=lambda: np.zeros(0))
    ms_window: Array = field(default_factory=lambda: np.zeros(0, bool))
    #: (T, N) each entity's powered capacity relative to the as-of quarter; caps the AI
    #: factor of its market revenue (inf: no capacity powered at the as-of date, no cap)
    capacity_ratio: Array | None = None
    #: (K,) bool: an announced or ceiling chip purchase or compute contract — an option the
    #: buyer takes up only from cash above its buffer, never a claim it can default on
    discretionary: Array = field(default_factory=lambda: np.zeros(0, bool))
    #: scenario shocks (see :mod:`bubblescope.engine.shocks`): (T, N) multiplier of each
    #: entity's market revenue, and (N,) the quarter each entity is made to default (−1)
    revenue_scale: Array | None = None
    forced_default: Array | None = None
    #: (T, K) take-or-pay rent and compute still due after each quarter over each
    #: contract's whole term (None: all terms end inside the horizon; use ``fixed``)
    contracted_after: Array | None = None
    #: (D,) first quarter principal is repaid (interest only before), None: from the start
    amort_start: Array | None = None

    @property
    def n_entities(self) -> int:
        return len(self.entity_ids)

    @property
    def n_quarters(self) -> int:
        return len(self.quarters)

    @property
    def n_debt(self) -> int:
        return len(self.debt_ids)

    @property
    def n_trade(self) -> int:
        return len(self.trade_ids)


def horizon_quarters(as_of: dt.date, horizon: str | dt.date) -> int:
    """Number of quarters from the as-of quarter to the horizon quarter, inclusive."""
    try:
        end = parse_date(horizon)
    except ValueError as exc:
        raise ValueError(f"horizon: {exc}") from None
    n = quarter_number(end) - quarter_number(as_of) + 1
    if n < 1:
        raise ValueError(f"horizon: {quarter_label(end)} comes before the network's as-of "
                         f"quarter {quarter_label(as_of)}")
    return n


def _is_option(c: Any) -> bool:
    """An announced deal or a ceiling is an option for the buyer, not a firm obligation."""
    return c.status.value == "announced" or c.amount_type.value == "ceiling"


def _bucket(rating: str | None) -> int:
    return 0 if rating is not None and rating.strip().upper() in _IG else 1


def contract_end_quarter(network: Network) -> int:
    """Last quarter index (from the as-of quarter) any lease or compute contract pays in."""
    q0 = quarter_number(network.as_of)
    last = 0
    for k in network.contracts:
        start = getattr(k, "start", None)
        end = getattr(k, "end", None)
        if end is not None:
            last = max(last, quarter_number(end) - q0)
        elif start is not None and getattr(k, "annual_rent", 0.0):
            last = max(last, quarter_number(start) - q0
                       + int(round(4 * k.amount / k.annual_rent)))
        for pay in getattr(k, "rent_schedule", None) or ():
            last = max(last, quarter_number(pay.date) - q0)
        if start is not None:
            last = max(last, quarter_number(start) - q0 + 4)
    return last + 1


def remaining_after(fixed: Array, trade_kind: Array) -> Array:
    """Rent and fixed compute of ``fixed`` (S, K) still scheduled after each quarter."""
    flows = fixed * np.isin(trade_kind, (RENT, COMPUTE))[None, :]
    after = np.cumsum(flows[::-1], axis=0)[::-1]
    return np.concatenate([after[1:], np.zeros((1, fixed.shape[1]))], axis=0)


def remaining_contracted(c: Compiled) -> Array:
    """Rent and fixed compute still scheduled after each quarter, (T, K), USD bn — over
    each contract's whole term (``Compiled.contracted_after``), not cut at the horizon.

    SPV marks and contract-adjusted leverage count these; counting only up to the horizon
    would make them depend on how far the run goes."""
    if c.contracted_after is not None:
        return c.contracted_after
    return remaining_after(c.fixed, c.trade_kind)


def _contracted_after(network: Network, c: Compiled) -> Array | None:
    """``remaining_after`` over the contracts' whole terms, cut to ``c``'s quarters (None
    when every contract ends inside the horizon). The network is compiled once more, up to
    the last contract quarter, and its columns matched to ``c``'s by trade id."""
    S = contract_end_quarter(network)
    if c.n_quarters >= S:
        return None
    y, q = divmod(quarter_number(network.as_of) + S - 1, 4)
    far = compile_network(network, dt.date(y, 3 * q + 1, 1), c.params, _full_term=False)
    col = {tid: k for k, tid in enumerate(far.trade_ids)}
    rest = remaining_after(far.fixed, far.trade_kind)
    out = np.zeros((c.n_quarters, c.n_trade))
    for k, tid in enumerate(c.trade_ids):
        if c.trade_kind[k] in (RENT, COMPUTE) and tid in col:
            out[:, k] = rest[:c.n_quarters, col[tid]]
    return out


def compile_network(network: Network, horizon: str | dt.date = "2049Q4",
                    params: EngineParams | None = None, *, _full_term: bool = True
                    ) -> Compiled:
    """Turn a validated network into engine arrays from the as-of quarter to ``horizon``.

    Cancelled contracts generate nothing. Guarantees are left to part 2 (they move no cash
    here). A live securitisation is carried as the sale of its pool to the issuer, notes
    and an equity stake (see :mod:`bubblescope.engine.securitisation`).
    """
    p = params or EngineParams()
    T = horizon_quarters(network.as_of, horizon)
    q0 = quarter_number(network.as_of)
    ids = [e.id for e in network.entities]
    index = {e: i for i, e in enumerate(ids)}
    N = len(ids)
    EXT = N

    def qi(day: dt.date | None, default: int) -> int:
        return default if day is None else quarter_number(day) - q0

    labels = []
    for t in range(T):
        y, q = divmod(q0 + t, 4)
        labels.append(f"{y}Q{q + 1}")

    gens = ["default"]
    for e in network.entities:
        for b in e.gpu_fleet:
            if b.generation not in gens:
                gens.append(b.generation)
    for c in network.contracts:
        if isinstance(c, ChipPurchase):
            for d in c.deliveries:
                if d.generation and d.generation not in gens:
                    gens.append(d.generation)
    gidx = {g: i for i, g in enumerate(gens)}
    G = len(gens)
    decay = 1.0 / (4.0 * p.accounting_life_years)

    # ---- entities
    cash0 = np.array([e.cash for e in network.entities], dtype=float)
    other_liab = np.array([e.other_liabilities for e in network.entities], dtype=float)
    gpu_cost = np.zeros((N, G))
    gpu_book = np.zeros(N)
    for i, e in enumerate(network.entities):
        for b in e.gpu_fleet:
            age = -qi(b.delivery, 0)
            if age >= 0:
                gpu_cost[i, gidx[b.generation]] += b.cost
                gpu_book[i] += b.cost * (1.0 - decay) ** age
    # the delivered fleet is part of other_assets: take its book value out of them
    gpu_book = np.minimum(gpu_book, [e.other_assets for e in network.entities])
    other0 = np.array([e.other_assets for e in network.entities]) - gpu_book
    mult = np.ones(N)
    for i, e in enumerate(network.entities):
        book = e.cash + e.other_assets - e.debt - e.other_liabilities
        if e.equity_value is not None and book > 0:
            mult[i] = e.equity_value / book

    # ---- debt instruments: outside debt first, then loans, bonds, facilities
    debt_ids: list[str] = []
    debtor: list[int] = []
    shares: list[Array] = []
    principal0: list[float] = []
    undrawn0: list[float] = []
    drawable: list[bool] = []
    floating: list[bool] = []
    rate: list[float] = []
    amort: list[int] = []
    custom: list[Array] = []
    maturity: list[int] = []
    rank: list[int] = []
    draw_last: list[int] = []
    trade: list[dict] = []

    def add_debt(cid: str, who: int, share: Array, principal: float, undrawn: float,
                 can_draw: bool, is_float: bool, r: float, am: int, cust: Array, mat: int,
                 rk: int, last: int = -1) -> int:
        debt_ids.append(cid)
        draw_last.append(last)
        debtor.append(who)
        shares.append(share)
        principal0.append(principal)
        undrawn0.append(undrawn)
        drawable.append(can_draw)
        floating.append(is_float)
        rate.append(r)
        amort.append(am)
        custom.append(cust)
        maturity.append(mat)
        rank.append(rk)
        return len(debt_ids) - 1

    for i, e in enumerate(network.entities):
        if e.debt > 0:
            share = np.zeros(N + 1)
            share[EXT] = 1.0
            r = e.cost_of_debt if e.cost_of_debt is not None else p.outside_debt_rate
            add_debt(f"{e.id}.outside_debt", i, share, e.debt, 0.0, False, False, r,
                     PERPETUAL, np.zeros(T), 10**6, SENIORITY_RANK[Seniority.senior_unsecured])

    am_code = {"bullet": BULLET, "linear": LINEAR, "annuity": ANNUITY, "custom": CUSTOM}
    am_from: dict[str, int] = {}
    for c in network.contracts:
        if c.status.value == "cancelled":
            continue
        if isinstance(c, Loan | Bond | CreditFacility):
            share = np.zeros(N + 1)
            if isinstance(c, Bond):
                who = index[c.issuer]
                for h in c.holders:
                    share[index[h.holder]] += h.amount
                rest = c.unlisted_amount()
                share[index[c.remainder_holder] if c.remainder_holder else EXT] += rest
                tot = share.sum()
                share = share / tot if tot > 0 else np.eye(N + 1)[EXT]
                drawn_now = c.amount
                undrawn = 0.0
            else:
                who = index[c.borrower]
                share[index[c.lender]] = 1.0
                if c.amount_type.value == "ceiling" or c.status.value == "announced":
                    drawn_now = c.drawn or 0.0
                else:
                    drawn_now = c.amount if c.drawn is None else c.drawn
                undrawn = c.amount - drawn_now
            start = qi(c.start, 0)
            mat = qi(c.end, 10**6)
            if c.end is None:
                am = PERPETUAL
            else:
                am = am_code[getattr(c, "amortisation", "bullet").value
                             if hasattr(c, "amortisation") else "bullet"]
            cust = np.zeros(T)
            if isinstance(c, Loan) and am == CUSTOM:
                for pay in c.schedule:
                    t = qi(pay.date, 0)
                    if 0 <= t < T:
                        cust[t] += pay.amount
            rk = SENIORITY_RANK[c.seniority]
            am_from[c.id] = qi(getattr(c, "amortisation_start", None), -1)
            is_float = c.rate_type == "floating"
            r = (c.spread or 0.0) if is_float else (c.rate or 0.0)
            committed = c.amount_type.value != "ceiling" and c.status.value != "announced"
            can_draw = (isinstance(c, CreditFacility | Loan) and undrawn > 0 and committed
                        and not (isinstance(c, Loan) and start > 0))
            last = qi(getattr(c, "draw_until", None) or c.end, 10**6)
            if start > 0 and start < T and not can_draw:
                # disbursed in the future: each creditor pays its share at the start
                d = add_debt(c.id, who, share, 0.0, 0.0, False, is_float, r, am, cust,
                             max(mat, start + 1), rk, -1)
                for j in np.nonzero(share)[0]:
                    sched = np.zeros(T)
                    sched[start] = drawn_now * share[j]
                    trade.append(dict(id=f"{c.id}.disbursement.{j}", kind=DISBURSE,
                                      payer=int(j), payee=who, fixed=sched, disburses=d))
            elif start < T:
                add_debt(c.id, who, share, drawn_now, undrawn if can_draw else 0.0, can_draw,
                         is_float, r, am, cust, max(mat, 0), rk, last)

    # ---- trade obligations
    stake_ids: list[str] = []
    stake_holder: list[int] = []
    stake_issuer: list[int] = []
    stake_held0: list[float] = []
    stake_own: list[float] = []
    chip_by_year: dict[tuple[int, int], float] = {}
    milestones: list[tuple[int, int, float, float, bool]] = []

    def spread_evenly(total: float, a: int, b: int) -> Array:
        """``total`` split evenly over quarters a..b (inclusive), kept within the horizon."""
        out = np.zeros(T)
        b = max(b, a)
        n = b - a + 1
        lo, hi = max(a, 0), min(b, T - 1)
        if hi >= lo:
            out[lo:hi + 1] = total / n
        return out

    for c in network.contracts:
        if c.status.value == "cancelled":
            continue
        if isinstance(c, Lease):
            a, b = lease_term(c, q0)
            sched = np.zeros(T)
            for t, rent in lease_rents(c, q0).items():
                if t < T:
                    sched[t] = rent
            rule = network.entities[index[c.lessee]].strategic_exit
            trade.append(dict(id=c.id, kind=RENT, payer=index[c.lessee],
                              payee=index[c.lessor], fixed=sched,
                              rvg=c.residual_value_guarantee,
                              exit=(rule.allowed, float(rule.demand_threshold),
                                    int(rule.quarters_below),
                                    qi(c.earliest_exit, a) if c.earliest_exit else a, b,
                                    (c.termination_payment + c.residual_value_guarantee)
                                    if c.earliest_exit else -1.0)))
        elif isinstance(c, ComputeContract):
            a = qi(c.start, 0)
            b = qi(c.end, a + 3 + 1) - 1
            pre = 0.0
            if c.prepayment > 0 and a > 0:
                pre = c.prepayment
            value = spread_evenly(c.amount - min(pre, c.amount), a, b)
            fixed = value * c.take_or_pay_share
            if 0 < a < T:
                fixed[a] += min(pre, c.amount)
            trade.append(dict(id=c.id, kind=COMPUTE, payer=index[c.buyer],
                              payee=index[c.seller], fixed=fixed,
                              variable=value * (1.0 - c.take_or_pay_share), var=VAR_DEMAND,
                              optional=_is_option(c)))
        elif isinstance(c, ChipPurchase):
            by_gen: dict[int, Array] = {}
            buyer = index[c.buyer]
            if c.deliveries:
                for d in c.deliveries:
                    key = (buyer, d.date.year)
                    chip_by_year[key] = chip_by_year.get(key, 0.0) + d.amount
                    t = qi(d.date, 0)
                    g = gidx[d.generation] if d.generation else 0
                    if 0 <= t < T:
                        by_gen.setdefault(g, np.zeros(T))[t] += d.amount
            else:
                a = qi(c.start, 0)
                b = qi(c.end, a + 1) - 1 if c.end is not None else a
                by_gen[0] = spread_evenly(c.amount, a, b)
                for t in range(a, max(a, b) + 1):
                    key = (buyer, (q0 + t) // 4)
                    chip_by_year[key] = chip_by_year.get(key, 0.0) + c.amount / (max(a, b) - a + 1)
            for g, sched in by_gen.items():
                trade.append(dict(id=c.id if len(by_gen) == 1 else f"{c.id}.{gens[g]}",
                                  kind=CHIP, payer=index[c.buyer], payee=index[c.vendor],
                                  fixed=sched, gen=g, optional=_is_option(c)))
        elif isinstance(c, EquityStake):
            s = len(stake_ids)
            stake_ids.append(c.id)
            stake_holder.append(index[c.investor])
            stake_issuer.append(index[c.issuer])
            stake_own.append(c.ownership or 0.0)
            paid_already = c.status.value == "funded" or c.amount_type.value == "drawn"
            if c.tranches:
                fixed = np.zeros(T)
                var = np.zeros(T)
                held = 0.0
                for tr in c.tranches:
                    if tr.status.value == "cancelled":
                        continue
                    if tr.status.value == "funded":
                        held += tr.amount
                        continue
                    t = max(qi(tr.date or c.start, 0), 0)
                    scaled = c.amount_type.value == "ceiling" or tr.status.value == "announced"
                    if tr.min_ai_demand is not None:
                        if t < T:
                            milestones.append((len(trade), t, tr.min_ai_demand, tr.amount,
                                               scaled))
                        continue
                    if t < T:
                        if scaled:
                            var[t] += tr.amount
                        else:
                            fixed[t] += tr.amount
                stake_held0.append(held)
            elif paid_already:
                fixed = np.zeros(T)
                var = np.zeros(T)
                stake_held0.append(c.amount)
            else:
                t = max(qi(c.start, 0), 0)
                fixed = np.zeros(T)
                var = np.zeros(T)
                if t < T:
                    if c.amount_type.value == "ceiling" or c.status.value == "announced":
                        var[t] = c.amount
                    else:
                        fixed[t] = c.amount
                stake_held0.append(0.0)
            trade.append(dict(id=c.id, kind=TRANCHE, payer=index[c.investor],
                              payee=index[c.issuer], fixed=fixed, variable=var,
                              var=VAR_WINDOW, stake=s))
        elif isinstance(c, FundCommitment):
            s = len(stake_ids)
            stake_ids.append(c.id)
            stake_holder.append(index[c.investor])
            stake_issuer.append(index[c.fund])
            stake_own.append(-c.amount)  # resolved below: share of the fund's commitments
            called = c.amount if c.called is None else c.called
            stake_held0.append(called)
            a = max(qi(c.start, 0), 1)
            b = qi(c.end, a + 12) - 1 if c.end is not None else a + 11
            trade.append(dict(id=c.id, kind=CALL, payer=index[c.investor],
                              payee=index[c.fund], fixed=spread_evenly(c.amount - called, a, b),
                              stake=s))
        elif isinstance(c, PowerSupply):
            a = qi(c.start, 0)
            b = qi(c.end, T) - 1 if c.end is not None else T - 1
            if c.price is not None:
                sched = np.zeros(T)
                lo, hi = max(a, 0), min(b, T - 1)
                if hi >= lo:
                    sched[lo:hi + 1] = c.mw * c.price * HOURS_PER_QUARTER / 1e9
            else:
                sched = spread_evenly(c.amount, a, b)
            trade.append(dict(id=c.id, kind=POWER, payer=index[c.buyer],
                              payee=index[c.supplier], fixed=sched))

    # securitisations: the pool sold to the issuer, the rated tranches as its notes, the
    # bottom tranche as its equity
    plans = plan_securitisations(network, p.outside_debt_rate)
    revenue_cut = np.zeros(N)
    tranches = _apply_securitisations(plans, ids, T, trade, shares, debt_ids, add_debt, cash0,
                                      revenue_cut, stake_ids, stake_holder, stake_issuer,
                                      stake_held0, stake_own)

    # ownership of each stake: declared for equity stakes; for fund commitments the
    # commitment over the larger of the fund's AUM and all commitments listed; scaled down
    # where an issuer's listed owners would exceed 100%
    own = np.array(stake_own, dtype=float)
    iss = np.array(stake_issuer, dtype=int)
    for i in set(iss[own < 0].tolist()):
        m = (iss == i) & (own < 0)
        aum = network.entities[i].assets_under_management or 0.0
        own[m] = -own[m] / max(aum, -own[m].sum())
    for i in set(iss.tolist()):
        m = iss == i
        if own[m].sum() > 1.0:
            own[m] /= own[m].sum()

    K = len(trade)
    fixed = np.zeros((T, K))
    variable = np.zeros((T, K))
    for k, tr in enumerate(trade):
        fixed[:, k] = tr["fixed"]
        if "variable" in tr:
            variable[:, k] = tr["variable"]
    kinds_k = np.array([tr["kind"] for tr in trade], dtype=int)
    lease_claim = np.zeros((T, K))
    for k in np.nonzero(kinds_k == RENT)[0]:
        rent = fixed[:, k]
        after = np.concatenate([np.cumsum(rent[::-1])[::-1][1:], [0.0]])
        csum = np.concatenate([[0.0], np.cumsum(rent)])
        idx = np.arange(T)
        one = csum[np.minimum(idx + 5, T)] - csum[idx + 1]
        three = csum[np.minimum(idx + 13, T)] - csum[idx + 1]
        # US §502(b)(6): the greater of one year's rent and 15% of the rest, at most three
        # years' rent; plus the residual value guarantee while the lease runs
        running = (after + rent) > 0
        lease_claim[:, k] = (np.minimum(np.maximum(one, 0.15 * after), three)
                             + trade[k].get("rvg", 0.0) * running)

    # ---- operating model
    contracted = np.zeros(N)
    for k, tr in enumerate(trade):
        if tr["kind"] in (RENT, COMPUTE, CHIP, POWER) and tr["payee"] < N:
            contracted[tr["payee"]] += 4.0 * (fixed[0, k] + variable[0, k])
    revenue = np.maximum(np.array([e.revenue for e in network.entities], dtype=float)
                         - revenue_cut, 0.0)
    market_q = np.maximum(revenue - contracted, 0.0) / 4.0
    ai_share = np.array([e.ai_share for e in network.entities], dtype=float)
    driver = np.array([MARKET_RENTAL if e.kind in _RENTAL_KINDS else
                       MARKET_DEMAND if e.kind in _DEMAND_KINDS or e.ai_share > 0 else
                       MARKET_CONST for e in network.entities], dtype=int)
    powered = np.array([e.kind in _POWERED_KINDS for e in network.entities], dtype=bool)
    asset_yield = np.array([
        ((e.cost_of_debt if e.cost_of_debt is not None else p.outside_debt_rate)
         + p.financial_margin) if e.kind in FINANCIAL_KINDS else 0.0
        for e in network.entities], dtype=float)
    # powered capacity relative to the as-of quarter: each entry counts from the quarter of
    # its `available_from` (from the start if absent). The as-of revenue is earned on the
    # capacity powered then, so AI-driven growth can only go as far as capacity grows;
    # an entity with no capacity declared as powered at the as-of date is not capped.
    capacity_ratio = np.full((T, N), np.inf)
    for i, e in enumerate(network.entities):
        avail = np.zeros(T)
        for pw in e.power:
            a = max(qi(pw.available_from, 0), 0) if pw.available_from is not None else 0
            avail[min(a, T):] += pw.mw
        if T and avail[0] > 0:
            capacity_ratio[:, i] = avail / avail[0]
    premium = np.array([sum(pw.mw * pw.cost_premium for pw in e.power if pw.source == "onsite")
                        for e in network.entities], dtype=float)
    opex_q = (np.array([e.operating_costs for e in network.entities], dtype=float) / 4.0
              + premium * p.grid_price * HOURS_PER_QUARTER / 1e9)
    capex = np.zeros((T, N))
    for i, e in enumerate(network.entities):
        for item in e.capex_plan:
            net = max(item.amount - chip_by_year.get((i, item.year), 0.0), 0.0)
            for q in range(4):
                t = item.year * 4 + q - q0
                if 0 <= t < T:
                    capex[t, i] = net / 4.0

    def arr(x: list, dtype: type = float) -> Array:
        return np.array(x, dtype=dtype)

    D = len(debt_ids)
    # LTV covenants on loans secured by a GPU pool
    ltv_max = np.full((T, D), np.nan)
    coll_gen = np.full(D, -1, dtype=int)
    coll_value0 = np.zeros(D)
    coll_recv = np.zeros(D, dtype=bool)
    cure_q = np.ones(D, dtype=int)
    for ln in network.contracts:
        if (not isinstance(ln, Loan) or ln.status.value == "cancelled"
                or ln.id not in debt_ids or ln.covenants is None
                or ln.covenants.max_ltv is None or ln.collateral is None
                or ln.collateral.kind != "gpu_pool"):
            continue
        d = debt_ids.index(ln.id)
        g = gens.index(ln.collateral.generation) if ln.collateral.generation in gens else 0
        coll_gen[d] = g
        coll_value0[d] = (ln.collateral.value if ln.collateral.value is not None
                          else float(gpu_cost[debtor[d], g]))
        coll_recv[d] = network.entities[debtor[d]].kind.value == "spv"
        ltv_max[:, d] = ln.covenants.max_ltv
        for stp in sorted(ln.covenants.ltv_step_downs, key=lambda x: x.date):
            ltv_max[max(qi(stp.date, 0), 0):, d] = stp.max_ltv
        cure_q[d] = max(int(ln.covenants.cure_quarters), 1)
    # DSCR covenants and cash sweeps
    min_dscr = np.full(D, np.nan)
    sweep = np.zeros(D)
    for ln in network.contracts:
        if (not isinstance(ln, Loan | Bond | CreditFacility) or ln.status.value == "cancelled"
                or ln.id not in debt_ids):
            continue
        d = debt_ids.index(ln.id)
        cov = getattr(ln, "covenants", None)
        if cov is None:
            continue
        if cov.min_dscr is not None:
            min_dscr[d] = cov.min_dscr
            cure_q[d] = max(int(cov.cure_quarters), 1)
        sweep[d] = cov.cash_sweep or 0.0
    # guarantees of debt instruments: instrument, guarantor, share of each loss, cap
    g_rows = [(debt_ids.index(g.obligation), index[g.guarantor], g.coverage, g.amount)
              for g in network.contracts
              if isinstance(g, Guarantee) and g.status.value != "cancelled"
              and g.obligation in debt_ids]
    out = Compiled(
        entity_ids=ids, kinds=[e.kind.value for e in network.entities], quarters=labels,
        generations=gens, cash0=cash0, other_assets0=np.maximum(other0, 0.0),
        other_liabilities=other_liab, gpu_book0=gpu_book, gpu_mv_cost0=gpu_cost,
        min_cash=arr([e.min_cash_buffer for e in network.entities]),
        market_access=arr([e.equity_market_access for e in network.entities]),
        rating_bucket=arr([_bucket(e.rating) for e in network.entities], int),
        equity_multiple=mult, market_revenue_q=market_q, market_driver=driver,
        asset_yield=asset_yield,
        powered=powered, ai_share=ai_share, opex_q=opex_q, capex=capex,
        debt_ids=debt_ids, debtor=arr(debtor, int),
        creditor_share=np.array(shares).reshape(D, N + 1),
        principal0=arr(principal0), undrawn0=arr(undrawn0), drawable=arr(drawable, bool),
        draw_last=arr(draw_last, int),
        floating=arr(floating, bool), rate=arr(rate), amort=arr(amort, int),
        custom=np.array(custom).T.reshape(T, D), maturity=arr(maturity, int),
        rank=arr(rank, int),
        trade_ids=[tr["id"] for tr in trade], trade_kind=kinds_k,
        payer=arr([tr["payer"] for tr in trade], int),
        payee=arr([tr["payee"] for tr in trade], int), fixed=fixed, variable=variable,
        var_factor=arr([tr.get("var", VAR_NONE) for tr in trade], int),
        discretionary=arr([tr.get("optional", False) for tr in trade], bool),
        lease_claim=lease_claim,
        exit_allowed=arr([tr.get("exit", (False,))[0] for tr in trade], bool),
        exit_threshold=arr([tr["exit"][1] if "exit" in tr else 0.0 for tr in trade]),
        exit_run=arr([tr["exit"][2] if "exit" in tr else 0 for tr in trade], int),
        exit_first=arr([tr["exit"][3] if "exit" in tr else 0 for tr in trade], int),
        exit_last=arr([tr["exit"][4] if "exit" in tr else -1 for tr in trade], int),
        exit_payment=arr([tr["exit"][5] if "exit" in tr else 0.0 for tr in trade]),
        chip_generation=arr([tr.get("gen", -1) for tr in trade], int),
        disburses=arr([tr.get("disburses", -1) for tr in trade], int),
        stake=arr([tr.get("stake", -1) for tr in trade], int),
        stake_ids=stake_ids, stake_holder=arr(stake_holder, int),
        stake_issuer=arr(stake_issuer, int), stake_held0=arr(stake_held0),
        stake_ownership=own.reshape(len(stake_ids)), params=p, tranches=tranches,
        ltv_max=ltv_max, coll_gen=coll_gen, coll_value0=coll_value0, cure_quarters=cure_q,
        coll_receivables=coll_recv,
        guar_debt=arr([r[0] for r in g_rows], int), guar_by=arr([r[1] for r in g_rows], int),
        guar_coverage=arr([r[2] for r in g_rows]), guar_cap=arr([r[3] for r in g_rows]),
        min_dscr=min_dscr, sweep=sweep,
        ms_trade=arr([m[0] for m in milestones], int),
        ms_first=arr([m[1] for m in milestones], int),
        ms_level=arr([m[2] for m in milestones]), ms_amount=arr([m[3] for m in milestones]),
        ms_window=arr([m[4] for m in milestones], bool), capacity_ratio=capacity_ratio)
    starts = np.array([am_from.get(d, -1) for d in debt_ids], dtype=int)
    if (starts > 0).any():
        out.amort_start = starts
    if _full_term:
        out.contracted_after = _contracted_after(network, out)
    return out


def _apply_securitisations(plans: list[DealPlan], ids: list[str], T: int, trade: list[dict],
                           shares: list[Array], debt_ids: list[str], add_debt: Any,
                           cash0: Array, revenue_cut: Array, stake_ids: list[str],
                           stake_holder: list[int], stake_issuer: list[int],
                           stake_held0: list[float], stake_own: list[float]) -> list[dict]:
    """Carry each deal of ``plans`` in the lists ``compile_network`` is building (changed in
    place) and return ``Compiled.tranches``: per tranche, bottom up, ``deal``, ``name``,
    ``attachment``, ``detachment``, ``pool_amount`` (USD bn), ``notional`` (USD bn),
    ``sold_share``, ``holders`` (N+1,) shares of the tranche, ``debt`` (the notes'
    instrument index, −1 for the equity or notes all held by the issuer) and ``stakes``
    (the equity pieces' stake indices).

    A pooled lease's column keeps ``1 − s`` of its rent, claim and exit payment for the
    lessor and a new column ``<deal>/<lease>`` pays ``s`` of them to the issuer; its lessor's
    declared revenue drops by what it sold of the as-of quarter's rent (its market revenue
    is what its revenue exceeds its contracts by, and the sold rent left with the sale).
    """
    tranches: list[dict] = []
    N = len(ids)
    for plan in plans:
        s, iss = plan.sold_share, plan.issuer
        for lid in plan.leases:
            for k in [k for k, tr in enumerate(trade) if tr["id"] == lid and tr["kind"] == RENT]:
                kept = trade[k]
                sold = dict(kept)
                sold.update(id=f"{plan.deal}/{lid}", payee=iss, fixed=kept["fixed"] * s,
                            rvg=kept.get("rvg", 0.0) * s)
                kept.update(fixed=kept["fixed"] * (1.0 - s), rvg=kept.get("rvg", 0.0) * (1 - s))
                if "exit" in kept:
                    ex = kept["exit"]
                    pay = ex[5]
                    kept["exit"] = (*ex[:5], pay * (1.0 - s) if pay >= 0 else pay)
                    sold["exit"] = (*ex[:5], pay * s if pay >= 0 else pay)
                if T and kept["payee"] < N:
                    revenue_cut[kept["payee"]] += 4.0 * float(sold["fixed"][0])
                trade.append(sold)
        for did in plan.debts:
            if did in debt_ids:
                d = debt_ids.index(did)
                moved = shares[d] * (1.0 - s)
                moved[iss] += s
                shares[d] = moved
        moved_cash = min(plan.reserve, max(float(cash0[plan.sponsor]), 0.0)) \
            if plan.sponsor >= 0 and plan.sponsor != iss else 0.0
        if moved_cash > 0:
            cash0[plan.sponsor] -= moved_cash
            cash0[iss] += moved_cash
        for tp in plan.tranches:
            row = dict(deal=plan.deal, name=tp.name, attachment=tp.attachment,
                       detachment=tp.detachment, pool_amount=plan.amount,
                       notional=tp.notional, sold_share=s, holders=tp.holders, debt=-1,
                       stakes=[])
            if tp.equity:
                for j in np.nonzero(tp.holders[:N])[0]:
                    row["stakes"].append(len(stake_ids))
                    stake_ids.append(f"{plan.deal}/{tp.name}/{ids[j]}")
                    stake_holder.append(int(j))
                    stake_issuer.append(iss)
                    stake_held0.append(tp.notional * float(tp.holders[j]))
                    stake_own.append(float(tp.holders[j]))
            elif tp.principal > 0:
                cust = np.zeros(T)
                n = min(T, len(tp.schedule))
                cust[:n] = tp.schedule[:n]
                row["debt"] = add_debt(f"{plan.deal}/{tp.name}", iss, tp.holders.copy(),
                                       tp.principal, 0.0, False, False, tp.coupon, CUSTOM,
                                       cust, tp.maturity, tp.rank)
            tranches.append(row)
    return tranches
