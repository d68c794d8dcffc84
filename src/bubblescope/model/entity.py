"""Entities: who is in the web, what they hold at the data date, and how they behave."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from ._fields import (
    Date,
    Record,
    Strict,
    count,
    rate,
    share,
    text,
    usd,
    usd_per_year,
    when,
)


class EntityKind(StrEnum):
    """What kind of actor an entity is; the engine's operating model depends on it."""

    hyperscaler = "hyperscaler"
    ai_lab = "ai_lab"
    chip_vendor = "chip_vendor"
    neocloud = "neocloud"
    cloud_provider = "cloud_provider"
    spv = "spv"
    private_credit_fund = "private_credit_fund"
    asset_manager = "asset_manager"
    etf = "etf"
    bank = "bank"
    insurer = "insurer"
    pension_fund = "pension_fund"
    sovereign_fund = "sovereign_fund"
    endowment = "endowment"
    hedge_fund = "hedge_fund"
    venture_fund = "venture_fund"
    retail_savers = "retail_savers"
    government = "government"
    power_supplier = "power_supplier"
    equipment_maker = "equipment_maker"
    other = "other"


#: Kinds at the end of the chain: they hold risk and owe nothing to the AI web.
FINAL_HOLDER_KINDS = frozenset({
    EntityKind.pension_fund, EntityKind.insurer, EntityKind.sovereign_fund,
    EntityKind.endowment, EntityKind.etf, EntityKind.retail_savers, EntityKind.bank,
    EntityKind.hedge_fund,
})
#: Kinds that pass money through on behalf of others.
INTERMEDIARY_KINDS = frozenset({
    EntityKind.private_credit_fund, EntityKind.asset_manager, EntityKind.venture_fund,
})


#: Default share of non-contracted revenue driven by the AI factors, by kind.
DEFAULT_AI_REVENUE_SHARE = {
    EntityKind.ai_lab: 1.0, EntityKind.neocloud: 1.0, EntityKind.spv: 1.0,
    EntityKind.chip_vendor: 0.8, EntityKind.cloud_provider: 0.5, EntityKind.hyperscaler: 0.2,
}


class GpuBatch(Strict):
    """GPUs of one generation delivered (or due) in one quarter."""

    generation: str = Field(description="GPU generation, e.g. H100, GB200, GB300, MI450.",
                            json_schema_extra={"unit": "text"})
    quantity: int = count("Number of GPUs.", unit="GPUs")
    delivery: Date = when("Quarter of delivery (2025Q1 or an ISO date).")
    cost: float = usd("Purchase cost of the batch, all in.")


class PowerCapacity(Strict):
    """Power available to (or planned for) an entity's data centres."""

    source: Literal["grid", "onsite"] = Field(
        description="'grid' (utility connection) or 'onsite' (bring-your-own generation).",
        json_schema_extra={"unit": "text"})
    mw: float = Field(ge=0, allow_inf_nan=False, description="Capacity.",
                      json_schema_extra={"unit": "MW"})
    available_from: Date | None = when(
        "Grid: interconnection date; on-site: commissioning date.")
    cost_premium: float = share(
        "On-site power's cost above the grid price, as a decimal (0.4 = 40% dearer).", 0.0)
    outage_rate: float = share("Share of time the capacity is unavailable.", 0.0)


class CapexItem(Strict):
    """Planned capital spending in one calendar year."""

    year: int = Field(ge=2000, le=2100, description="Calendar year.",
                      json_schema_extra={"unit": "year"})
    amount: float = usd("Planned capital expenditure in that year.")


class StrategicExitRule(Strict):
    """When a lessee walks away from a lease (S2, 'refuted' scenario)."""

    allowed: bool = Field(False, description="Whether the entity will ever exit strategically.",
                          json_schema_extra={"unit": "flag"})
    demand_threshold: float = Field(
        0.5, ge=0, allow_inf_nan=False,
        description="Exit when the AI demand index (1 = plan) stays below this level.",
        json_schema_extra={"unit": "index"})
    quarters_below: int = count("Consecutive quarters below the threshold before exit.", 4,
                                unit="quarters")


class Entity(Record):
    """A company, fund, vehicle, holder group or government in the AI financing web.

    Balance-sheet figures are at the network's as-of date and cover only what the listed
    contracts do not: ``debt`` is borrowing *outside* the contracts in the network, and
    ``other_assets`` everything but cash and contract claims.
    """

    name: str = Field(description="Display name.", json_schema_extra={"unit": "text"})
    kind: EntityKind = Field(description="Kind of actor.", json_schema_extra={"unit": "kind"})
    country: str | None = text("ISO 3166 alpha-2 country code, or a region such as 'EU'.")
    rating: str | None = text("Credit rating (S&P scale), if any.")
    parent: str | None = text("Id of the controlling entity, if any (e.g. an SPV's sponsor).")

    # Financial position at the data date
    cash: float = usd("Cash and liquid securities.")
    other_assets: float = usd("Other assets not represented by contracts in the network.")
    debt: float = usd("Debt outside the contracts listed in the network.")
    other_liabilities: float = usd("Non-debt liabilities (payables, deferred revenue, ...).")
    book_equity: float | None = Field(
        None, allow_inf_nan=False,
        description="Declared book equity; if given, it must equal assets − liabilities.",
        json_schema_extra={"unit": "USD bn"})
    equity_value: float | None = usd("Market value of equity (market capitalisation).", None)
    assets_under_management: float | None = usd(
        "For funds, managers and holder groups: assets managed or held.", None)
    revenue: float = usd_per_year("Revenue run-rate.")
    ai_revenue_share: float | None = share(
        "Share of the revenue not covered by contracts in the network that moves with AI "
        "demand (or GPU rental prices, for clouds); the rest is steady core business. "
        "Default by kind: 1 for AI labs, neoclouds and SPVs, 0.8 for chip vendors, 0.5 for "
        "cloud providers, 0.2 for hyperscalers, 0 otherwise.")
    operating_costs: float = usd_per_year("Operating-cost run-rate (excluding capex).")
    capex_plan: list[CapexItem] = Field(default_factory=list, description="Capex by year.",
                                        json_schema_extra={"unit": "list"})
    gpu_fleet: list[GpuBatch] = Field(default_factory=list,
                                      description="GPU fleet by generation and delivery.",
                                      json_schema_extra={"unit": "list"})
    power: list[PowerCapacity] = Field(default_factory=list,
                                       description="Power capacity by source.",
                                       json_schema_extra={"unit": "list"})

    # Behaviour the engine needs
    min_cash_buffer: float = usd("Cash kept back before paying anything discretionary.")
    equity_market_access: float = share(
        "How open equity markets are to it in normal times (0 closed, 1 fully open).", 0.5)
    strategic_exit: StrategicExitRule = Field(
        default_factory=StrategicExitRule,
        description="A lessee's rule for walking away from leases.",
        json_schema_extra={"unit": "rule"})
    fund_leverage: float = Field(
        0.0, ge=0, le=20, allow_inf_nan=False,
        description="For funds: borrowing as a multiple of the fund's equity.",
        json_schema_extra={"unit": "ratio"})
    cost_of_debt: float | None = rate("Average interest rate on its debt outside the network.")
    as_of: Date | None = when("Date the figures refer to, if not the network's as-of date.")

    @model_validator(mode="after")
    def _fleet_and_power_are_consistent(self) -> Entity:
        for i, item in enumerate(self.power):
            if item.source == "grid" and item.cost_premium > 0:
                raise ValueError(
                    f"power[{i}].cost_premium: grid power carries no on-site cost premium")
        years = [c.year for c in self.capex_plan]
        if len(years) != len(set(years)):
            raise ValueError("capex_plan: each year may appear once")
        return self

    @property
    def ai_share(self) -> float:
        """``ai_revenue_share`` or the default for the entity's kind."""
        if self.ai_revenue_share is not None:
            return self.ai_revenue_share
        return DEFAULT_AI_REVENUE_SHARE.get(self.kind, 0.0)

    @property
    def gpu_count(self) -> int:
        """Total GPUs in the fleet (delivered or due)."""
        return sum(b.quantity for b in self.gpu_fleet)

    @property
    def power_mw(self) -> float:
        """Total power capacity, MW."""
        return sum(p.mw for p in self.power)
