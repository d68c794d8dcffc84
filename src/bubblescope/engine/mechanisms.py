"""The engine's mechanisms, in one table: each one's switch and parameters in
:class:`~bubblescope.engine.params.EngineParams`, what a Monte Carlo run uses, the stage
that implements it, what the property tests draw and a one-line description.

The Monte Carlo defaults (:func:`montecarlo_overrides`), the policy switches a scenario
can set, the property tests' random combinations and "everything on"
(:mod:`bubblescope.testing.engine_strategies`) and the table in docs/engine.md
(:func:`markdown_table`) are all read from :data:`MECHANISMS`.

>>> [m.name for m in MECHANISMS][:3]
['exact clearing', 'strategic lease exits', 'fund wind-down']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .params import EngineParams

__all__ = ["CORE_PARAMETERS", "MECHANISMS", "Mechanism", "everything_on", "markdown_table",
           "montecarlo_overrides"]

#: EngineParams fields that belong to no mechanism: the core model's constants
CORE_PARAMETERS = ("outside_debt_rate", "accounting_life_years", "recovery_other_assets",
                   "recovery_claims", "refinance_spread_max", "equity_raise_cap", "grid_price",
                   "financial_margin", "tolerance", "max_iterations")


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of the engine.

    Attributes
    ----------
    name : what the docs call it.
    switch : the :class:`EngineParams` field that turns it on (``None``: always on).
    parameters : the other fields it reads.
    montecarlo : fields a Monte Carlo run sets unless ``params`` are given (empty: left at
        the default, off).
    policy : the scenario policy (``policies.<name>``) that turns it on, if any.
    on : fields that switch it on for "everything on".
    draws : values the property tests draw, per field.
    stage : the module(s) implementing it.
    doc : one line on what it does.
    """

    name: str
    switch: str | None
    parameters: tuple[str, ...] = ()
    montecarlo: Mapping[str, Any] = field(default_factory=dict)
    policy: str | None = None
    on: Mapping[str, Any] = field(default_factory=dict)
    draws: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    stage: str = ""
    doc: str = ""


_BOOL = (False, True)

MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("exact clearing", "clearing", ("default_cost_alpha", "default_cost_beta"),
              on={"clearing": "rogers_veraart", "default_cost_alpha": 0.9,
                  "default_cost_beta": 0.95},
              draws={"clearing": ("loop", "eisenberg_noe", "rogers_veraart"),
                     "default_cost_alpha": (0.5, 0.9, 1.0),
                     "default_cost_beta": (0.6, 0.95, 1.0)},
              stage="stages/clearing.py",
              doc="a quarter with defaults settles at the exact clearing vector of its "
                  "tiered waterfall (Eisenberg–Noe; Rogers–Veraart with default costs) "
                  "instead of part 1's fictitious-default loop"),
    Mechanism("strategic lease exits", "strategic_default", policy="strategic_default",
              on={"strategic_default": True}, draws={"strategic_default": _BOOL},
              stage="stages/lease_exits.py",
              doc="a lessee allowed to walk away leaves a lease once AI demand has stayed "
                  "below its threshold, paying the exit terms instead of rent"),
    Mechanism("fund wind-down", "fund_wind_down", montecarlo={"fund_wind_down": True},
              on={"fund_wind_down": True}, draws={"fund_wind_down": _BOOL},
              stage="stages/fire_sales.py (prepare_settlement)",
              doc="a fund with negative book equity is wound up: its lenders are repaid "
                  "before its investors"),
    Mechanism("GPU fire sales", "fire_sale_feedback",
              ("gpu_price_impact", "gpu_market_depth", "gpu_price_persistence"),
              policy="fire_sale_feedback", on={"fire_sale_feedback": True},
              draws={"fire_sale_feedback": _BOOL, "gpu_price_impact": (0.05, 0.3)},
              stage="stages/fire_sales.py",
              doc="defaulters' GPUs sold in the quarter move the price, which cuts "
                  "recoveries and collateral, iterated to a fixed point; the dent fades"),
    Mechanism("LTV covenants", "ltv_covenants", montecarlo={"ltv_covenants": True},
              on={"ltv_covenants": True}, draws={"ltv_covenants": _BOOL},
              stage="stages/ltv.py",
              doc="GPU-pool loans are tested against their marked collateral; a breach "
                  "that outlasts its cure period owes the pay-down back to the limit"),
    Mechanism("LTV cure sales", "ltv_cure_sales", montecarlo={"ltv_cure_sales": True},
              on={"ltv_cure_sales": True}, draws={"ltv_cure_sales": _BOOL},
              stage="stages/ltv.py",
              doc="with LTV covenants, a pay-down is cured from spare cash and by selling "
                  "pledged GPUs, whose sales move the price"),
    Mechanism("equity marks", "equity_marks", montecarlo={"equity_marks": True},
              on={"equity_marks": True}, draws={"equity_marks": _BOOL},
              stage="stages/balance_sheet.py",
              doc="stakes and fund interests are carried at cost × the issuer's book "
                  "equity now over at the as-of date"),
    Mechanism("guarantees", "guarantees", montecarlo={"guarantees": True},
              on={"guarantees": True}, draws={"guarantees": _BOOL},
              stage="stages/guarantees.py",
              doc="a guarantor pays coverage × the creditors' loss on a guaranteed "
                  "instrument, up to its cap, from its spare cash"),
    Mechanism("DSCR covenants and cash sweeps", "dscr_covenants",
              montecarlo={"dscr_covenants": True}, on={"dscr_covenants": True},
              draws={"dscr_covenants": _BOOL}, stage="stages/dscr.py",
              doc="debt whose coverage stays below its minimum is accelerated; swept "
                  "debt is prepaid from cash above the buffer"),
    Mechanism("refinancing conditions", "refinancing_conditions",
              ("refinance_leverage_spread", "refinance_contagion_spread"),
              montecarlo={"refinancing_conditions": True}, on={"refinancing_conditions": True},
              draws={"refinancing_conditions": _BOOL}, stage="stages/ladder.py",
              doc="the debt market opens to a borrower by its own spread (rating, "
                  "contract-adjusted leverage, peers' defaults); rolled debt is repriced"),
    Mechanism("new maturities for rolled debt", "refinance_term_quarters",
              montecarlo={"refinance_term_quarters": 12}, on={"refinance_term_quarters": 12},
              draws={"refinance_term_quarters": (0, 1, 8)}, stage="stages/ladder.py",
              doc="debt rolled over at maturity gets a new term of n quarters (0: due "
                  "again the next quarter)"),
    Mechanism("trailing DSCR", "dscr_window_quarters",
              montecarlo={"dscr_window_quarters": 4}, on={"dscr_window_quarters": 4},
              draws={"dscr_window_quarters": (1, 4)}, stage="stages/dscr.py",
              doc="the DSCR test sums the last W quarters (1: each quarter alone; 4: "
                  "the trailing twelve months)"),
    Mechanism("bond and loan marks", None, stage="stages/marks.py",
              doc="each instrument's price: performing value at the issuer's yield, "
                  "capped at an SPV's asset coverage; the recovery at a default"),
    Mechanism("securitisations", None, stage="securitisation.py (compiled)",
              doc="the pool sold to the issuer, rated tranches as its notes, the bottom "
                  "tranche as its equity; pool losses reach the tranches bottom up"),
)


def montecarlo_overrides() -> dict[str, Any]:
    """The :class:`EngineParams` fields a Monte Carlo run sets unless ``params`` are
    given (the scenario's policies come on top)."""
    out: dict[str, Any] = {}
    for m in MECHANISMS:
        out.update(m.montecarlo)
    return out


def everything_on(**overrides: Any) -> EngineParams:
    """:class:`EngineParams` with every mechanism on (``overrides`` on top)."""
    values: dict[str, Any] = {}
    for m in MECHANISMS:
        values.update(m.on)
    values.update(overrides)
    return dataclasses.replace(EngineParams(), **values)


def markdown_table() -> str:
    """The table of mechanisms for docs/engine.md."""
    rows = ["| mechanism | switch | parameters | Monte Carlo | stage | what it does |",
            "|---|---|---|---|---|---|"]
    for m in MECHANISMS:
        switch = f"`{m.switch}`" if m.switch else "always"
        params = ", ".join(f"`{p}`" for p in m.parameters) or "—"
        if m.policy:
            mc = f"scenario policy `{m.policy}`"
        elif m.montecarlo:
            mc = ", ".join(f"{k} = {v}" for k, v in m.montecarlo.items())
        else:
            mc = "on" if m.switch is None else "off"
        rows.append(f"| {m.name} | {switch} | {params} | {mc} | `{m.stage}` | {m.doc} |")
    return "\n".join(rows) + "\n"
