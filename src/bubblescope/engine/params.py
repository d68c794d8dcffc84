"""The engine's behavioural constants (:class:`EngineParams`): what a user may change about
how the engine settles a quarter, with each mechanism's switch. The list of mechanisms,
their switches and their Monte Carlo defaults is :mod:`bubblescope.engine.mechanisms`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codes import CLEARING_MODES

__all__ = ["EngineParams"]


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
