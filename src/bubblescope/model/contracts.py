"""Contracts: one class per kind, discriminated by ``kind``.

Every contract has a headline ``amount`` (USD bn) whose meaning the class documents, a
``status`` (announced → signed → funded, or cancelled) and an ``amount_type`` saying whether
that amount is a ceiling ("up to"), a commitment, or money actually drawn.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import Field, model_validator

from ._fields import Date, EntityId, Record, Strict, count, share, text, usd, when
from ._fields import rate as rate_field


class Status(StrEnum):
    announced = "announced"
    signed = "signed"
    funded = "funded"
    cancelled = "cancelled"


class AmountType(StrEnum):
    ceiling = "ceiling"
    committed = "committed"
    drawn = "drawn"


class Seniority(StrEnum):
    senior_secured = "senior_secured"
    senior_unsecured = "senior_unsecured"
    subordinated = "subordinated"
    equity = "equity"


#: Rank for the waterfall: lower is paid first.
SENIORITY_RANK = {Seniority.senior_secured: 0, Seniority.senior_unsecured: 1,
                  Seniority.subordinated: 2, Seniority.equity: 3}


class Amortisation(StrEnum):
    bullet = "bullet"
    linear = "linear"
    annuity = "annuity"
    custom = "custom"


class Payment(Strict):
    """One scheduled payment."""

    date: Date = when("Payment date.")
    amount: float = usd("Amount paid on that date.")


class Holding(Strict):
    """A holder's slice of a bond, in dollars of face value."""

    holder: EntityId = Field(description="Holding entity id.", json_schema_extra={"unit": "id"})
    amount: float = usd("Face value held.")


class ShareHolding(Strict):
    """A holder's slice of a tranche, as a share of the tranche."""

    holder: EntityId = Field(description="Holding entity id.", json_schema_extra={"unit": "id"})
    share: float = share("Share of the tranche held.", 0.0)


class Tranche(Strict):
    """One tranche of a staged equity investment (e.g. '$10B per gigawatt deployed')."""

    amount: float = usd("Amount of this tranche.")
    date: Date | None = when("Expected date of the tranche.")
    condition: str | None = text("What must hold before it is paid (e.g. '1 GW deployed').")
    min_ai_demand: float | None = Field(
        None, ge=0, allow_inf_nan=False,
        description="Structured milestone: the tranche is paid in the first quarter at or "
                    "after its date in which the AI demand index (1 = plan) is at least this "
                    "level, a proxy for capacity deployed; never paid if it never gets there. "
                    "Empty: paid on its date.",
        json_schema_extra={"unit": "index"})
    status: Status = Field(Status.announced, description="Status of this tranche.",
                           json_schema_extra={"unit": "status"})


class Collateral(Strict):
    """What secures a loan."""

    kind: Literal["none", "gpu_pool", "lease_receivables", "data_centre", "shares", "other"] = (
        Field("none", description="Type of collateral.", json_schema_extra={"unit": "text"}))
    generation: str | None = text("For a GPU pool: the GPU generation pledged.")
    value: float | None = usd("Value of the collateral at the data date.", None)
    description: str | None = text("What exactly is pledged.")


class LtvStep(Strict):
    date: Date = when("From this date on ...")
    max_ltv: float = share("... this maximum loan-to-value applies.", 1.0)


class Covenants(Strict):
    """Maintenance covenants and cash-management terms."""

    max_ltv: float | None = share("Maximum loan-to-collateral-value.")
    ltv_step_downs: list[LtvStep] = Field(default_factory=list,
                                          description="Later, tighter LTV limits.",
                                          json_schema_extra={"unit": "list"})
    min_dscr: float | None = Field(None, ge=0, le=10, allow_inf_nan=False,
                                   description="Minimum debt-service coverage ratio.",
                                   json_schema_extra={"unit": "ratio"})
    cash_sweep: float | None = share("Share of excess cash swept to prepay the loan.")
    cure_quarters: int = count("Quarters allowed to cure a breach before acceleration.", 1,
                               unit="quarters")


def exceeds(value: float | None, cap: float) -> bool:
    """True when ``value`` is above ``cap`` beyond round-off (USD bn)."""
    return value is not None and value > cap * (1 + 1e-9) + 1e-9


class ContractBase(Record):
    """Fields every contract shares."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ()
    AMOUNT_MEANING: ClassVar[str] = "headline amount"

    status: Status = Field(Status.signed, description="announced | signed | funded | cancelled.",
                           json_schema_extra={"unit": "status"})
    amount_type: AmountType = Field(
        AmountType.committed, description="Whether `amount` is a ceiling, committed or drawn.",
        json_schema_extra={"unit": "amount type"})
    amount: float = usd("Headline amount; its meaning depends on the kind (see the class).")
    announced: Date | None = when("Date the deal was announced or signed.")
    start: Date | None = when("Start: first drawing, first delivery or first service.")
    end: Date | None = when("End: maturity, expiry or last delivery.")

    def parties(self) -> list[tuple[str, str]]:
        """(field path, entity id) for every entity this contract names."""
        out: list[tuple[str, str]] = []
        for name in self.PARTY_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out.append((name, value))
        return out

    def dates(self) -> list[tuple[str, dt.date]]:
        """(field, date) pairs for the ordering checks."""
        return [(n, getattr(self, n)) for n in ("announced", "start", "end")
                if getattr(self, n) is not None]

    @model_validator(mode="after")
    def _dates_in_order(self) -> ContractBase:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end: {self.end} must come after start ({self.start})")
        if self.announced is not None and self.end is not None and self.end < self.announced:
            raise ValueError(f"end: {self.end} must not precede announced ({self.announced})")
        return self


class _RatedContract(ContractBase):
    """Fields shared by interest-bearing contracts."""

    rate_type: Literal["fixed", "floating"] = Field(
        "fixed", description="Fixed coupon, or floating: base rate plus spread.",
        json_schema_extra={"unit": "text"})
    rate: float | None = rate_field("Fixed interest rate (for rate_type fixed).")
    spread: float | None = rate_field("Spread over the base rate (for rate_type floating).", lo=0)

    def _check_rate(self) -> None:
        if self.rate_type == "fixed" and self.rate is None:
            raise ValueError("rate: a fixed-rate contract needs `rate`")
        if self.rate_type == "floating" and self.spread is None:
            raise ValueError("spread: a floating-rate contract needs `spread`")
        begin = getattr(self, "amortisation_start", None)
        if begin is not None and self.end is not None and begin > self.end:
            raise ValueError(f"amortisation_start: {begin} is after the end {self.end}")


class EquityStake(ContractBase):
    """An equity investment of `investor` in `issuer`; `amount` is the money invested
    (for a tranched 'up to' deal, the ceiling, with `amount_type: ceiling`)."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("investor", "issuer")
    kind: Literal["equity_stake"] = "equity_stake"
    investor: EntityId = Field(description="Investing entity.", json_schema_extra={"unit": "id"})
    issuer: EntityId = Field(description="Entity invested in.", json_schema_extra={"unit": "id"})
    ownership: float | None = share("Share of the issuer's equity owned.")
    tranches: list[Tranche] = Field(default_factory=list,
                                    description="Staged payments, if the stake is tranched.",
                                    json_schema_extra={"unit": "list"})

    @model_validator(mode="after")
    def _tranches_within_amount(self) -> EquityStake:
        total = sum(t.amount for t in self.tranches)
        if self.tranches and exceeds(total, self.amount):
            raise ValueError(f"tranches: they sum to {total:g}, above amount {self.amount:g}")
        return self


class Loan(_RatedContract):
    """A loan from `lender` to `borrower`; `amount` is the principal (or the commitment,
    for a delayed-draw loan)."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("lender", "borrower")
    kind: Literal["loan"] = "loan"
    lender: EntityId = Field(description="Lending entity.", json_schema_extra={"unit": "id"})
    borrower: EntityId = Field(description="Borrowing entity.", json_schema_extra={"unit": "id"})
    drawn: float | None = usd("Amount drawn at the data date (default: all of it).", None)
    amortisation: Amortisation = Field(Amortisation.bullet,
                                       description="bullet | linear | annuity | custom.",
                                       json_schema_extra={"unit": "text"})
    schedule: list[Payment] = Field(default_factory=list,
                                    description="Principal repayments, for custom amortisation.",
                                    json_schema_extra={"unit": "list"})
    amortisation_start: Date | None = when(
        "Principal repayments begin on this date (interest only before; e.g. while a "
        "campus is built).")
    payments_per_year: int = Field(4, ge=1, le=12, description="Interest payments a year.",
                                   json_schema_extra={"unit": "per year"})
    seniority: Seniority = Field(Seniority.senior_secured, description="Rank in a default.",
                                 json_schema_extra={"unit": "text"})
    collateral: Collateral = Field(default_factory=Collateral, description="Security.",
                                   json_schema_extra={"unit": "object"})
    covenants: Covenants = Field(default_factory=Covenants, description="Covenants.",
                                 json_schema_extra={"unit": "object"})
    draw_until: Date | None = when("For a delayed-draw loan: last date to draw.")

    @model_validator(mode="after")
    def _loan_terms(self) -> Loan:
        self._check_rate()
        if exceeds(self.drawn, self.amount):
            raise ValueError(f"drawn: {self.drawn:g} is above the amount {self.amount:g}")
        if self.amortisation == Amortisation.custom and not self.schedule:
            raise ValueError("schedule: custom amortisation needs a repayment schedule")
        total = sum(p.amount for p in self.schedule)
        if exceeds(total, self.amount):
            raise ValueError(f"schedule: repayments sum to {total:g}, above amount")
        return self


class Bond(_RatedContract):
    """A bond issued by `issuer`; `amount` is the face value outstanding. `holders` say who
    holds how much; any part not listed belongs to `remainder_holder`."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("issuer", "remainder_holder")
    kind: Literal["bond"] = "bond"
    issuer: EntityId = Field(description="Issuing entity.", json_schema_extra={"unit": "id"})
    holders: list[Holding] = Field(default_factory=list, description="Known holders.",
                                   json_schema_extra={"unit": "list"})
    remainder_holder: EntityId | None = text("Who holds the part not listed in `holders`.")
    rating: str | None = text("Issue rating (S&P scale).")
    rule_144a: bool = Field(False, description="A 144A private placement.",
                            json_schema_extra={"unit": "flag"})
    amortisation: Amortisation = Field(Amortisation.bullet,
                                       description="bullet | linear | annuity | custom.",
                                       json_schema_extra={"unit": "text"})
    amortisation_start: Date | None = when(
        "Principal repayments begin on this date (interest only before; e.g. while a "
        "campus is built).")
    payments_per_year: int = Field(2, ge=1, le=12, description="Coupons a year.",
                                   json_schema_extra={"unit": "per year"})
    seniority: Seniority = Field(Seniority.senior_secured, description="Rank in a default.",
                                 json_schema_extra={"unit": "text"})
    secured_by: str | None = text("What secures the bond (e.g. the lease and the building).")
    price: float | None = Field(None, ge=0, le=2, allow_inf_nan=False,
                                description="Market price at the data date, share of par.",
                                json_schema_extra={"unit": "decimal of par"})

    def parties(self) -> list[tuple[str, str]]:
        out = super().parties()
        out += [(f"holders[{i}].holder", h.holder) for i, h in enumerate(self.holders)]
        return out

    @model_validator(mode="after")
    def _bond_terms(self) -> Bond:
        self._check_rate()
        held = sum(h.amount for h in self.holders)
        if exceeds(held, self.amount):
            raise ValueError(
                f"holders: they hold {held:g}, more than the face value {self.amount:g} "
                f"({held / self.amount:.0%} of it)" if self.amount else
                "holders: the bond has no face value")
        return self

    def unlisted_amount(self) -> float:
        """Face value not covered by `holders`."""
        return max(self.amount - sum(h.amount for h in self.holders), 0.0)


class Lease(ContractBase):
    """`lessee` rents an asset from `lessor`; `amount` is the total rent over the term."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("lessor", "lessee")
    kind: Literal["lease"] = "lease"
    lessor: EntityId = Field(description="Owner of the asset.", json_schema_extra={"unit": "id"})
    lessee: EntityId = Field(description="Tenant paying rent.", json_schema_extra={"unit": "id"})
    annual_rent: float = usd("Rent in the first year of the lease.")
    escalation: float = rate_field("Yearly rent escalation.", 0.0, lo=0, hi=0.2)
    rent_schedule: list[Payment] = Field(default_factory=list,
                                         description="Explicit rent payments, if irregular.",
                                         json_schema_extra={"unit": "list"})
    earliest_exit: Date | None = when("First date the lessee may leave.")
    termination_payment: float = usd("Paid by the lessee if it leaves early.")
    residual_value_guarantee: float = usd("Lessee's guarantee of the asset's value at exit.")
    asset: str | None = text("What is leased (a data centre, a GPU pool, ...).")

    @model_validator(mode="after")
    def _exit_within_term(self) -> Lease:
        if self.earliest_exit is not None:
            if self.start is not None and self.earliest_exit < self.start:
                raise ValueError("earliest_exit: must not precede start")
            if self.end is not None and self.earliest_exit > self.end:
                raise ValueError("earliest_exit: must not come after end")
        return self

    def dates(self) -> list[tuple[str, dt.date]]:
        out = super().dates()
        return out + ([("earliest_exit", self.earliest_exit)] if self.earliest_exit else [])


class ComputeContract(ContractBase):
    """`buyer` buys compute capacity from `seller`; `amount` is the total contract value."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("buyer", "seller")
    kind: Literal["compute_contract"] = "compute_contract"
    buyer: EntityId = Field(description="Buyer of compute.", json_schema_extra={"unit": "id"})
    seller: EntityId = Field(description="Provider of compute.", json_schema_extra={"unit": "id"})
    take_or_pay_share: float = share("Share of the value owed whatever the usage.", 1.0)
    prepayment: float = usd("Paid up front by the buyer.")


class Delivery(Strict):
    date: Date = when("Delivery (and payment) date.")
    amount: float = usd("Value delivered.")
    quantity: int | None = count("GPUs delivered.", None, unit="GPUs")
    generation: str | None = text("GPU generation.")


class ChipPurchase(ContractBase):
    """`buyer` buys chips from `vendor`; `amount` is the purchase value."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("buyer", "vendor")
    kind: Literal["chip_purchase"] = "chip_purchase"
    buyer: EntityId = Field(description="Buyer of chips.", json_schema_extra={"unit": "id"})
    vendor: EntityId = Field(description="Chip vendor.", json_schema_extra={"unit": "id"})
    deliveries: list[Delivery] = Field(default_factory=list, description="Delivery schedule.",
                                       json_schema_extra={"unit": "list"})

    @model_validator(mode="after")
    def _deliveries_within_amount(self) -> ChipPurchase:
        total = sum(d.amount for d in self.deliveries)
        if exceeds(total, self.amount):
            raise ValueError(f"deliveries: they sum to {total:g}, above amount {self.amount:g}")
        return self


class FundCommitment(ContractBase):
    """An LP (`investor`) commits capital to a `fund`; `amount` is the commitment."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("investor", "fund")
    kind: Literal["fund_commitment"] = "fund_commitment"
    investor: EntityId = Field(description="Limited partner.", json_schema_extra={"unit": "id"})
    fund: EntityId = Field(description="Fund.", json_schema_extra={"unit": "id"})
    called: float | None = usd("Capital called so far (default: all of it).", None)

    @model_validator(mode="after")
    def _called_within_amount(self) -> FundCommitment:
        if exceeds(self.called, self.amount):
            raise ValueError(f"called: {self.called:g} is above the commitment {self.amount:g}")
        return self


class CreditFacility(_RatedContract):
    """A bank line (`lender`) to a fund or company; `amount` is the limit."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("lender", "borrower")
    kind: Literal["credit_facility"] = "credit_facility"
    lender: EntityId = Field(description="Lending bank.", json_schema_extra={"unit": "id"})
    borrower: EntityId = Field(description="Borrower.", json_schema_extra={"unit": "id"})
    drawn: float | None = usd("Drawn at the data date (default: all of it).", None)
    seniority: Seniority = Field(Seniority.senior_secured, description="Rank in a default.",
                                 json_schema_extra={"unit": "text"})

    @model_validator(mode="after")
    def _facility_terms(self) -> CreditFacility:
        self._check_rate()
        if exceeds(self.drawn, self.amount):
            raise ValueError(f"drawn: {self.drawn:g} is above the limit {self.amount:g}")
        return self


class Guarantee(ContractBase):
    """`guarantor` stands behind `obligation` (a contract id) up to `amount` (the cap)."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("guarantor", "beneficiary")
    kind: Literal["guarantee"] = "guarantee"
    guarantor: EntityId = Field(description="Guarantor.", json_schema_extra={"unit": "id"})
    obligation: str = Field(description="Id of the guaranteed contract.",
                            json_schema_extra={"unit": "contract id"})
    beneficiary: EntityId | None = text("Who is protected, if one entity.")
    coverage: float = share("Share of each loss the guarantor pays.", 1.0)


class SecuritisationTranche(Strict):
    name: str = Field(description="Tranche name (e.g. 'A', 'mezz', 'equity').",
                      json_schema_extra={"unit": "text"})
    attachment: float = share("Pool loss (share) at which the tranche starts to lose.", 0.0)
    detachment: float = share("Pool loss (share) at which the tranche is wiped out.", 1.0)
    coupon: float | None = rate_field("Coupon of the tranche.")
    rating: str | None = text("Rating of the tranche.")
    holders: list[ShareHolding] = Field(default_factory=list, description="Who holds it.",
                                        json_schema_extra={"unit": "list"})
    remainder_holder: EntityId | None = text("Who holds the part not listed in `holders`.")

    @model_validator(mode="after")
    def _tranche_terms(self) -> SecuritisationTranche:
        if self.detachment <= self.attachment:
            raise ValueError("detachment: must be above attachment")
        held = sum(h.share for h in self.holders)
        if held > 1 + 1e-9:
            raise ValueError(f"holders: shares sum to {held:.4g}, above 100%")
        return self


class Securitisation(ContractBase):
    """A pool of loans or leases cut into tranches; `amount` is the pool balance."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("issuer", "sponsor")
    kind: Literal["securitisation"] = "securitisation"
    issuer: EntityId = Field(description="Issuing vehicle.", json_schema_extra={"unit": "id"})
    sponsor: EntityId | None = text("Originator of the pool.")
    pool: list[str] = Field(default_factory=list, description="Ids of pooled contracts.",
                            json_schema_extra={"unit": "contract ids"})
    tranches: list[SecuritisationTranche] = Field(
        min_length=1, description="Tranches, bottom up.", json_schema_extra={"unit": "list"})

    def parties(self) -> list[tuple[str, str]]:
        out = super().parties()
        for i, t in enumerate(self.tranches):
            out += [(f"tranches[{i}].holders[{j}].holder", h.holder)
                    for j, h in enumerate(t.holders)]
            if t.remainder_holder:
                out.append((f"tranches[{i}].remainder_holder", t.remainder_holder))
        return out

    @model_validator(mode="after")
    def _tranches_tile_the_pool(self) -> Securitisation:
        bands = sorted((t.attachment, t.detachment) for t in self.tranches)
        for (_, d0), (a1, _) in zip(bands, bands[1:], strict=False):
            if a1 < d0 - 1e-12:
                raise ValueError("tranches: attachment/detachment bands overlap")
        return self


class PowerSupply(ContractBase):
    """`supplier` delivers power to `buyer`; `amount` is the total contract value."""

    PARTY_FIELDS: ClassVar[tuple[str, ...]] = ("supplier", "buyer")
    kind: Literal["power_supply"] = "power_supply"
    supplier: EntityId = Field(description="Power supplier.", json_schema_extra={"unit": "id"})
    buyer: EntityId = Field(description="Power buyer.", json_schema_extra={"unit": "id"})
    mw: float = Field(0.0, ge=0, allow_inf_nan=False, description="Contracted capacity.",
                      json_schema_extra={"unit": "MW"})
    price: float | None = Field(None, ge=0, allow_inf_nan=False, description="Energy price.",
                                json_schema_extra={"unit": "USD / MWh"})
    power_source: Literal["grid", "onsite"] = Field("grid", description="grid or onsite.",
                                              json_schema_extra={"unit": "text"})


CONTRACT_CLASSES: dict[str, type[ContractBase]] = {
    cls.model_fields["kind"].default: cls
    for cls in (EquityStake, Loan, Bond, Lease, ComputeContract, ChipPurchase,
                FundCommitment, CreditFacility, Guarantee, Securitisation, PowerSupply)
}

Contract = Annotated[
    EquityStake | Loan | Bond | Lease | ComputeContract | ChipPurchase | FundCommitment
    | CreditFacility | Guarantee | Securitisation | PowerSupply,
    Field(discriminator="kind"),
]
