"""The revenue hurdle: how much AI revenue the build-out needs to pay for itself.

Every function is pure and returns a frozen :class:`Hurdle` holding each intermediate
value under a stable name, with the formula that produced it. Amounts are USD billions,
rates and shares decimals.

>>> h = revenue_chain()
>>> round(h["ebitda_required"], 6), round(h["revenue_required"], 1)
(360.0, 553.8)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.contracts import Bond, ChipPurchase, ComputeContract, EquityStake, Lease, Loan
from ..model.network import Network
from .flows import basis_amounts, check_basis, term_years

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Hurdle(Mapping[str, Any]):
    """Named values of a hurdle calculation and the formula behind each.

    Behaves as a read-only mapping of ``name → value``; ``formulas[name]`` says how the
    value was obtained (inputs have the formula ``"input"``).
    """

    name: str
    values: dict[str, float] = field(default_factory=dict)
    formulas: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def as_dict(self) -> dict[str, float]:
        return dict(self.values)

    def table(self) -> pd.DataFrame:
        """One row per value: ``name``, ``value``, ``formula``."""
        return pd.DataFrame({"name": list(self.values), "value": list(self.values.values()),
                             "formula": [self.formulas.get(k, "") for k in self.values]})


class _Builder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, float] = {}
        self.formulas: dict[str, str] = {}

    def add(self, key: str, value: float, formula: str = "input") -> float:
        self.values[key] = float(value)
        self.formulas[key] = formula
        return float(value)

    def build(self) -> Hurdle:
        return Hurdle(self.name, dict(self.values), dict(self.formulas))


def _nonneg(name: str, value: float) -> float:
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a non-negative number, got {value!r}")
    return float(value)


def _positive(name: str, value: float) -> float:
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return float(value)


def _fraction(name: str, value: float, *, open_low: bool = True) -> float:
    ok = np.isfinite(value) and (0 < value <= 1 if open_low else 0 <= value <= 1)
    if not ok:
        rng = "(0, 1]" if open_low else "[0, 1]"
        raise ValueError(f"{name}: expected a decimal in {rng}, got {value!r}")
    return float(value)


def _rate(name: str, value: float) -> float:
    if not np.isfinite(value) or value < 0 or value > 1:
        raise ValueError(f"{name}: expected a rate in [0, 1], got {value!r}")
    return float(value)


def revenue_chain(capex: float = 3000.0, required_return: float = 0.12,
                  margin: float = 0.65, gdp: float = 29000.0,
                  cloud_revenue: float = 400.0) -> Hurdle:
    """DIGEST §4: capex × required return → EBITDA → revenue at a margin → share of GDP.

    Parameters
    ----------
    capex : float
        Investment, USD bn (S2-01: $3T by 2028).
    required_return : float
        EBITDA / capex a year (12%).
    margin : float
        EBITDA margin in (0, 1] (65%).
    gdp : float
        US GDP, USD bn a year (S2-03: $29T).
    cloud_revenue : float
        Global cloud revenue for comparison, USD bn a year (S2-02: $400B).

    Examples
    --------
    >>> h = revenue_chain()
    >>> round(h["share_of_gdp"] * 100, 2), round(h["cloud_industries"], 2)
    (1.91, 1.38)
    """
    b = _Builder("revenue_chain")
    b.add("capex", _nonneg("capex", capex))
    b.add("required_return", _rate("required_return", required_return))
    b.add("margin", _fraction("margin", margin))
    b.add("gdp", _positive("gdp", gdp))
    b.add("cloud_revenue", _positive("cloud_revenue", cloud_revenue))
    ebitda = b.add("ebitda_required", capex * required_return, "capex × required_return")
    revenue = b.add("revenue_required", ebitda / margin, "ebitda_required / margin")
    b.add("share_of_gdp", revenue / gdp, "revenue_required / gdp")
    b.add("cloud_industries", revenue / cloud_revenue, "revenue_required / cloud_revenue")
    return b.build()


def equity_return(required_return: float = 0.12, debt_share: float = 0.7,
                  cost_of_debt: float = 0.075) -> Hurdle:
    """Equity return implied by a return on capex: ``r_e = (ROI − d·k) / (1 − d)``.

    From ``ROI = d·k + (1 − d)·r_e`` (the return on capex splits into interest on the debt
    share ``d`` at cost ``k`` and the equity's return). S2 writes the capital structure as
    a debt-to-capital ratio of "3:7" but its conclusion needs about 70% debt: with
    ``d = 0.7``, ``k = 7.5%`` and ROI 12% the equity earns 22.5%; with ``d = 0.3`` only
    about 13.9%.

    >>> round(equity_return()["equity_return"], 6)
    0.225
    >>> round(equity_return(debt_share=0.3)["equity_return"], 4)
    0.1393
    """
    b = _Builder("equity_return")
    roi = b.add("required_return", _rate("required_return", required_return))
    if not np.isfinite(debt_share) or not 0 <= debt_share < 1:
        raise ValueError(f"debt_share: expected a decimal in [0, 1), got {debt_share!r}")
    d = b.add("debt_share", debt_share)
    k = b.add("cost_of_debt", _rate("cost_of_debt", cost_of_debt))
    b.add("equity_share", 1 - d, "1 − debt_share")
    b.add("debt_cost_contribution", d * k, "debt_share × cost_of_debt")
    b.add("equity_return", (roi - d * k) / (1 - d),
          "(required_return − debt_share × cost_of_debt) / (1 − debt_share)")
    return b.build()


def required_return_on_capex(equity_return: float, debt_share: float = 0.7,
                             cost_of_debt: float = 0.075) -> Hurdle:
    """The return on capex needed for a target equity return: ``ROI = d·k + (1 − d)·r_e``.

    >>> round(required_return_on_capex(0.225)["required_return"], 6)
    0.12
    """
    b = _Builder("required_return_on_capex")
    re_ = b.add("equity_return", _rate("equity_return", equity_return))
    if not np.isfinite(debt_share) or not 0 <= debt_share <= 1:
        raise ValueError(f"debt_share: expected a decimal in [0, 1], got {debt_share!r}")
    d = b.add("debt_share", debt_share)
    k = b.add("cost_of_debt", _rate("cost_of_debt", cost_of_debt))
    b.add("required_return", d * k + (1 - d) * re_,
          "debt_share × cost_of_debt + (1 − debt_share) × equity_return")
    return b.build()


def depreciation_hurdle(capex: float = 3000.0, cost_of_capital: float = 0.12,
                        life: float = 6.0, margin: float = 0.65) -> Hurdle:
    """EBITDA needed when the asset wears out: ``capex × (cost_of_capital + 1 / life)``.

    Straight-line recovery of the capex over its useful life on top of the return on it.
    GPUs written off over 3 years instead of 6 raise the bar sharply.

    >>> round(depreciation_hurdle(life=6)["ebitda_required"], 6)
    860.0
    >>> round(depreciation_hurdle(life=3)["ebitda_required"], 6)
    1360.0
    """
    b = _Builder("depreciation_hurdle")
    b.add("capex", _nonneg("capex", capex))
    b.add("cost_of_capital", _rate("cost_of_capital", cost_of_capital))
    b.add("life", _positive("life", life))
    b.add("margin", _fraction("margin", margin))
    dep = b.add("depreciation", capex / life, "capex / life")
    ret = b.add("return_on_capital", capex * cost_of_capital, "capex × cost_of_capital")
    e = b.add("ebitda_required", dep + ret, "capex × (cost_of_capital + 1 / life)")
    b.add("revenue_required", e / margin, "ebitda_required / margin")
    return b.build()


def sequoia_gap(nvidia_dc_run_rate: float = 150.0, ai_revenue: float = 0.0,
                gpu_share_of_cost: float = 0.5, end_user_margin: float = 0.5) -> Hurdle:
    """Sequoia's "$600B question": revenue AI must earn for the GPUs being bought.

    ``revenue_needed = run_rate / gpu_share_of_cost / (1 − end_user_margin)`` (with the
    defaults: run-rate × 2 for the rest of the data centre × 2 for the end user's 50% gross
    margin); ``gap = revenue_needed − ai_revenue``. Sequoia's published figures: 2023, run-rate
    $50B → $200B; 2024, run-rate $150B → $600B. Its 2024 essay also set ~$100B of assumed AI
    revenue against that, leaving about $500B.

    >>> sequoia_gap(50)["revenue_needed"], sequoia_gap(150)["revenue_needed"]
    (200.0, 600.0)
    """
    b = _Builder("sequoia_gap")
    rr = b.add("nvidia_dc_run_rate", _nonneg("nvidia_dc_run_rate", nvidia_dc_run_rate))
    b.add("ai_revenue", _nonneg("ai_revenue", ai_revenue))
    g = b.add("gpu_share_of_cost", _fraction("gpu_share_of_cost", gpu_share_of_cost))
    if not np.isfinite(end_user_margin) or not 0 <= end_user_margin < 1:
        raise ValueError(f"end_user_margin: expected a decimal in [0, 1), got "
                         f"{end_user_margin!r}")
    m = b.add("end_user_margin", end_user_margin)
    dc = b.add("datacentre_cost", rr / g, "nvidia_dc_run_rate / gpu_share_of_cost")
    need = b.add("revenue_needed", dc / (1 - m), "datacentre_cost / (1 − end_user_margin)")
    b.add("gap", need - ai_revenue, "revenue_needed − ai_revenue")
    return b.build()


def capital_recovery_factor(rate: float, life: float) -> float:
    """``r (1 + r)^n / ((1 + r)^n − 1)``, or ``1 / n`` when ``r = 0``.

    >>> round(capital_recovery_factor(0.10, 5), 6)
    0.263797
    """
    _rate("rate", rate)
    _positive("life", life)
    if rate == 0:
        return 1.0 / life
    g = (1 + rate) ** life
    return rate * g / (g - 1)


def gpu_hour_breakeven(capex_per_gpu: float = 40_000.0, rate: float = 0.10,
                       life: float = 5.0, opex_per_year: float = 8_000.0,
                       utilisation: float = 0.7) -> Hurdle:
    """Break-even price of one GPU-hour (USD per GPU-hour; inputs in USD, not bn).

    ``(capex_per_gpu × CRF(rate, life) + opex_per_year) / (8,760 × utilisation)``.

    >>> round(gpu_hour_breakeven(40_000, 0.10, 5, 8_000, 0.7)["price_per_gpu_hour"], 4)
    3.0254
    """
    b = _Builder("gpu_hour_breakeven")
    cap = b.add("capex_per_gpu", _nonneg("capex_per_gpu", capex_per_gpu))
    b.add("rate", _rate("rate", rate))
    b.add("life", _positive("life", life))
    op = b.add("opex_per_year", _nonneg("opex_per_year", opex_per_year))
    u = b.add("utilisation", _fraction("utilisation", utilisation))
    crf = b.add("capital_recovery_factor", capital_recovery_factor(rate, life),
                "rate (1 + rate)^life / ((1 + rate)^life − 1)")
    annual = b.add("annual_capital_charge", cap * crf, "capex_per_gpu × capital_recovery_factor")
    cost = b.add("annual_cost", annual + op, "annual_capital_charge + opex_per_year")
    hours = b.add("billable_hours", HOURS_PER_YEAR * u, "8760 × utilisation")
    b.add("price_per_gpu_hour", cost / hours, "annual_cost / billable_hours")
    return b.build()


def required_asset_yield(asset_cost: float, debt: float, coupon: float,
                         equity: float = 0.0, equity_return: float = 0.0,
                         opex: float = 0.0) -> Hurdle:
    """Return an asset must earn to pay its coupon, its running costs and its equity.

    ``(coupon × debt + opex + equity_return × equity) / asset_cost`` — EBITDA-based yield
    on the asset, before principal repayment.

    >>> round(required_asset_yield(24.0, 27.3, 0.06581, 2.5, 0.12, 0.4)["asset_yield"], 4)
    0.104
    """
    b = _Builder("required_asset_yield")
    ac = b.add("asset_cost", _positive("asset_cost", asset_cost))
    dbt = b.add("debt", _nonneg("debt", debt))
    c = b.add("coupon", _rate("coupon", coupon))
    eq = b.add("equity", _nonneg("equity", equity))
    er = b.add("equity_return", _rate("equity_return", equity_return))
    ox = b.add("opex", _nonneg("opex", opex))
    interest = b.add("interest", c * dbt, "coupon × debt")
    eqr = b.add("equity_income", er * eq, "equity_return × equity")
    need = b.add("income_required", interest + ox + eqr, "interest + opex + equity_income")
    b.add("asset_yield", need / ac,
          "(coupon × debt + opex + equity_return × equity) / asset_cost")
    return b.build()


def structure_hurdle(net: Network, spv: str = "hyperion_spv", *,
                     equity_return: float = 0.12, opex: float | None = None,
                     asset_cost: float | None = None) -> Hurdle:
    """:func:`required_asset_yield` for an SPV of the network.

    Debt and its weighted coupon come from the bonds it issued and loans it borrowed
    (ceiling basis, cancelled excluded); equity from the equity stakes in it; opex from the
    entity's ``operating_costs`` unless given; asset cost, unless given, is what is built
    (``other_assets``) plus what its capex plan still has to build, else debt + equity.

    S2 puts Hyperion's hurdle at 9–10% or more once operating costs are added to the 6.58%
    coupon; with the bundled figures and no opex the SPV alone needs about 8.7%.
    """
    e = net.entity(spv)
    debt = interest = equity = 0.0
    for c in net.contracts:
        amount = basis_amounts(c)["ceiling"]
        if isinstance(c, Bond) and c.issuer == spv or isinstance(c, Loan) and c.borrower == spv:
            debt += amount
            interest += amount * (c.rate or c.spread or 0.0)
        elif isinstance(c, EquityStake) and c.issuer == spv:
            equity += amount
    if debt <= 0:
        raise ValueError(f"spv: {spv!r} has no debt in the network")
    cost = asset_cost if asset_cost is not None else (
        (e.other_assets + sum(x.amount for x in e.capex_plan)) if e.capex_plan
        else debt + equity)
    h = required_asset_yield(cost, debt, interest / debt, equity, equity_return,
                             e.operating_costs if opex is None else opex)
    return Hurdle(f"structure_hurdle:{spv}", h.values, h.formulas)


def commitments_vs_revenue(net: Network, entity: str = "openai", *,
                           basis: str = "ceiling") -> Hurdle:
    """An entity's annualised purchase commitments against its revenue.

    Annualised commitments = Σ (compute, chip purchases and leases it pays) total / term in
    years (one year if undated), on ``basis``; ``ratio = annual_commitments / revenue``.

    >>> from bubblescope.model import Network
    >>> net = Network.model_validate({"as_of": "2025-12-31", "entities": [
    ...   {"id": "lab", "name": "L", "kind": "ai_lab", "revenue": 10},
    ...   {"id": "cloud", "name": "C", "kind": "cloud_provider"}], "contracts": [
    ...   {"id": "c", "kind": "compute_contract", "buyer": "lab", "seller": "cloud",
    ...    "amount": 300, "start": "2027-01-01", "end": "2032-01-01"}]})
    >>> commitments_vs_revenue(net, "lab")["ratio"]
    6.0
    """
    check_basis(basis)
    e = net.entity(entity)
    total = annual = 0.0
    for c in net.contracts:
        payer = (c.buyer if isinstance(c, ComputeContract | ChipPurchase) else
                 c.lessee if isinstance(c, Lease) else None)
        if payer != entity:
            continue
        a = basis_amounts(c)[basis]
        years = term_years(c)
        total += a
        annual += a / max(years, 1.0) if years else a
    b = _Builder(f"commitments_vs_revenue:{entity}")
    b.add("commitments_total", total, f"Σ purchase commitments ({basis})")
    b.add("annual_commitments", annual, "Σ commitment / term years")
    rev = b.add("revenue", e.revenue)
    b.add("ratio", annual / rev if rev > 0 else float("inf"), "annual_commitments / revenue")
    return b.build()


def return_margin_grid(capex: float = 3000.0,
                       returns: Sequence[float] = (0.08, 0.10, 0.12, 0.14, 0.16),
                       margins: Sequence[float] = (0.45, 0.55, 0.65, 0.75)) -> pd.DataFrame:
    """Revenue required (USD bn a year) for each required return (rows) × margin (columns).

    >>> round(float(return_margin_grid().loc[0.12, 0.65]), 1)
    553.8
    """
    _nonneg("capex", capex)
    data = [[revenue_chain(capex, r, m)["revenue_required"] for m in margins] for r in returns]
    return pd.DataFrame(data, index=pd.Index(list(returns), name="required_return"),
                        columns=pd.Index(list(margins), name="margin"))


def life_cost_grid(capex: float = 3000.0, lives: Sequence[float] = (3, 4, 5, 6),
                   costs: Sequence[float] = (0.06, 0.08, 0.10, 0.12)) -> pd.DataFrame:
    """EBITDA required (USD bn a year) for each useful life (rows) × cost of capital (columns).

    >>> round(float(life_cost_grid().loc[3, 0.12]), 1)
    1360.0
    """
    _nonneg("capex", capex)
    data = [[depreciation_hurdle(capex, k, n)["ebitda_required"] for k in costs] for n in lives]
    return pd.DataFrame(data, index=pd.Index(list(lives), name="life"),
                        columns=pd.Index(list(costs), name="cost_of_capital"))


def hurdle_summary(capex: float = 3000.0, required_return: float = 0.12, margin: float = 0.65,
                   gdp: float = 29000.0, debt_share: float = 0.7, cost_of_debt: float = 0.075,
                   life: float = 6.0) -> dict[str, float]:
    """Every value of the chain, the equity link and the depreciation-aware hurdle in one
    flat mapping with stable names (the CLI's ``hurdle --json``)."""
    chain = revenue_chain(capex, required_return, margin, gdp)
    eq = equity_return(required_return, debt_share, cost_of_debt)
    dep = depreciation_hurdle(capex, required_return, life, margin)
    out = dict(chain.values)
    out.update({k: v for k, v in eq.values.items() if k not in out})
    out.update({"life": dep["life"], "depreciation": dep["depreciation"],
                "ebitda_required_with_depreciation": dep["ebitda_required"],
                "revenue_required_with_depreciation": dep["revenue_required"]})
    return out
