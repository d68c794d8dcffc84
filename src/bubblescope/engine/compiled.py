"""What compiling a network produces: :class:`Compiled`, the network as arrays over a horizon
(docs/engine.md, *What compile_network produces*), and :class:`TrancheInfo`, each
securitisation tranche as the engine carries it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from .params import EngineParams

Array = np.ndarray

__all__ = ["Compiled", "TrancheInfo"]


@dataclass(frozen=True)
class TrancheInfo:
    """One securitisation tranche as compiled (bottom up per deal): its deal and name,
    attachment and detachment points, the pool's amount and the tranche's notional
    (USD bn), the share of the pool sold to the issuer, the holders' shares ``holders``
    (N+1,), the notes' debt index ``debt`` (−1 for the equity, or notes the issuer holds
    itself) and the equity pieces' stake indices ``stakes``."""

    deal: str
    name: str
    attachment: float
    detachment: float
    pool_amount: float
    notional: float
    sold_share: float
    holders: Array
    debt: int = -1
    stakes: tuple[int, ...] = ()


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
    creditor_ptr: Array          # (D+1,) creditors of debt d: creditor_idx[ptr[d]:ptr[d+1]]
    creditor_idx: Array          # party index (N: outside), increasing within a debt
    creditor_w: Array            # the creditor's share of the instrument
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
    #: LTV covenants of GPU-pool loans: the limit by quarter (T, D), NaN without one; the
    #: pledged generation (D,) (−1: none); the collateral's value at the data date, USD bn;
    #: quarters a breach may last before the pay-down is due
    ltv_max: Array
    coll_gen: Array
    coll_value0: Array
    cure_quarters: Array
    #: (D,) bool: the collateral also counts the borrower's take-or-pay receivables (a
    #: borrowing vehicle, kind ``spv``, pledges its contracts along with its GPUs)
    coll_receivables: Array
    #: DSCR covenant (D,), NaN without one; share of excess cash swept to prepay (D,)
    min_dscr: Array
    sweep: Array
    #: (T, N) each entity's powered capacity relative to the as-of quarter; caps the AI
    #: factor of its market revenue (inf: no capacity powered at the as-of date, no cap)
    capacity_ratio: Array
    params: EngineParams = field(default_factory=EngineParams)
    #: securitisation tranches, bottom up per deal (:class:`TrancheInfo`)
    tranches: list[TrancheInfo] = field(default_factory=list)
    #: guarantees of debt instruments (U,): the instrument, the guarantor, the share of
    #: each loss it pays and its cap (USD bn; 0: no cap)
    guar_debt: Array = field(default_factory=lambda: np.zeros(0, int))
    guar_by: Array = field(default_factory=lambda: np.zeros(0, int))
    guar_coverage: Array = field(default_factory=lambda: np.zeros(0))
    guar_cap: Array = field(default_factory=lambda: np.zeros(0))
    #: equity tranches with an AI-demand milestone (M,): the trade obligation (stake) they
    #: belong to, the first quarter they may be paid, the AI demand index they wait for,
    #: the amount (USD bn) and whether it is scaled by the equity window (ceiling/announced)
    ms_trade: Array = field(default_factory=lambda: np.zeros(0, int))
    ms_first: Array = field(default_factory=lambda: np.zeros(0, int))
    ms_level: Array = field(default_factory=lambda: np.zeros(0))
    ms_amount: Array = field(default_factory=lambda: np.zeros(0))
    ms_window: Array = field(default_factory=lambda: np.zeros(0, bool))
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

    def creditors(self, d: int) -> tuple[Array, Array]:
        """Creditors of debt instrument ``d`` (party indices, N for outside) and their
        shares."""
        lo, hi = int(self.creditor_ptr[d]), int(self.creditor_ptr[d + 1])
        return self.creditor_idx[lo:hi], self.creditor_w[lo:hi]

    @functools.cached_property
    def creditor_share(self) -> Array:
        """(D, N+1) dense creditor shares (row ``d``: debt ``d``'s creditors, column N:
        outside). ``D × N`` in memory: for large networks use :meth:`creditors` or the
        CSR arrays."""
        out = np.zeros((self.n_debt, self.n_entities + 1))
        rows = np.repeat(np.arange(self.n_debt), np.diff(self.creditor_ptr))
        out[rows, self.creditor_idx] = self.creditor_w
        return out
