"""Hypothesis strategies for the simulation engine: factor paths with shocks, and networks
sized for engine tests (requires ``hypothesis``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ..engine.factors import FactorPaths
from ..model.network import Network


@st.composite
def factor_paths(draw: st.DrawFn, paths: int = 3, quarters: int = 24) -> FactorPaths:
    """Baseline factors with random shocks on each path: an AI-demand drop from a random
    quarter, a spread jump, equity windows shut for a while, partial power, chip delays."""
    f = FactorPaths.baseline(paths, quarters)
    demand = f.ai_demand.copy()
    spread_hy = f.credit_spread["HY"].copy()
    window = f.equity_window.copy()
    power = f.power_availability.copy()
    delay = f.chip_delay.copy()
    rental = f.gpu_rental_price.copy()
    for p in range(paths):
        start = draw(st.integers(0, quarters - 1))
        level = draw(st.sampled_from([1.0, 0.6, 0.3, 0.05]))
        demand[p, start:] *= level
        rental[p, start:] *= level
        spread_hy[p, start:] += draw(st.sampled_from([0.0, 0.03, 0.08]))
        shut = draw(st.integers(0, quarters))
        window[p, start:start + shut] = draw(st.sampled_from([1.0, 0.5, 0.0]))
        power[p, :] = draw(st.sampled_from([1.0, 0.8]))
        delay[p, :] = draw(st.integers(0, 3))
    return FactorPaths(ai_demand=demand, gpu_rental_price=rental, gpu_resale=f.gpu_resale,
                       base_rate=f.base_rate,
                       credit_spread={"IG": f.credit_spread["IG"], "HY": spread_hy},
                       equity_window=window, power_availability=power, chip_delay=delay,
                       start=f.start)


@st.composite
def _engine_network(draw: st.DrawFn, max_entities: int, max_contracts: int) -> Network:
    from .strategies import network_dicts

    d = draw(network_dicts(max_entities, max_contracts))
    for e in d["entities"]:
        # burn rates, buffers and outside debt so that defaults happen
        e["operating_costs"] = draw(st.sampled_from([0.0, 5.0, 40.0]))
        e["min_cash_buffer"] = draw(st.sampled_from([0.0, 1.0]))
        if draw(st.booleans()):
            e["rating"] = draw(st.sampled_from(["A+", "BB-"]))
        if draw(st.booleans()):  # used only with EngineParams(strategic_default=True)
            e["strategic_exit"] = {"allowed": True,
                                   "demand_threshold": draw(st.sampled_from([0.9, 5.0])),
                                   "quarters_below": draw(st.integers(1, 3))}
            e["cash"] = 500.0  # a rich lessee that leaves by choice, not by default
    for c in d["contracts"]:
        kind = c["kind"]
        if kind in ("loan", "bond", "credit_facility"):
            c["seniority"] = draw(st.sampled_from(
                ["senior_secured", "senior_unsecured", "subordinated", "equity"]))
            if draw(st.booleans()):
                c.pop("rate", None)
                c["rate_type"] = "floating"
                c["spread"] = draw(st.sampled_from([0.01, 0.05]))
        if kind == "loan" and draw(st.booleans()):  # used with ltv_covenants=True
            c["covenants"] = {"max_ltv": draw(st.sampled_from([0.5, 0.9])),
                              "cure_quarters": draw(st.integers(1, 2)),
                              "min_dscr": draw(st.sampled_from([1.2, None])),
                              "cash_sweep": draw(st.sampled_from([0.5, None]))}
            c["collateral"] = {"kind": "gpu_pool", "generation": "H100",
                               "value": c["amount"] * draw(st.sampled_from([1.0, 2.0]))}
        if kind == "loan" and draw(st.booleans()):
            c["amortisation"] = "custom"
            c["schedule"] = [{"date": c["start"], "amount": c["amount"] / 4},
                             {"date": c["end"], "amount": c["amount"] / 4}]
        if kind == "equity_stake" and draw(st.booleans()):
            c["ownership"] = draw(st.sampled_from([0.2, 0.8]))
        if kind == "lease" and draw(st.booleans()):
            c["escalation"] = 0.03
        if kind == "lease":
            c["termination_payment"] = draw(st.sampled_from([0.0, 1.0, 10.0]))
            if draw(st.booleans()):  # a long lease running through the test horizon
                c["start"], c["end"] = dt.date(2025, 10, 1), dt.date(2032, 1, 1)
                c["earliest_exit"] = draw(st.sampled_from(
                    [dt.date(2025, 10, 1), dt.date(2027, 1, 1)]))
            if draw(st.booleans()):
                c.pop("earliest_exit", None)
    debts = [c for c in d["contracts"] if c["kind"] in ("loan", "bond")]
    if debts and draw(st.booleans()):  # used with EngineParams(guarantees=True)
        target = draw(st.sampled_from(debts))
        d["contracts"].append({
            "id": "engine_guarantee", "kind": "guarantee",
            "guarantor": draw(st.sampled_from([e["id"] for e in d["entities"]])),
            "obligation": target["id"], "amount": draw(st.sampled_from([0.0, 5.0])),
            "coverage": draw(st.sampled_from([0.5, 1.0])), "start": target["start"],
            "source": ["S1-08"]})
    return Network.model_validate(d)


def engine_networks(max_entities: int = 6, max_contracts: int = 10) -> st.SearchStrategy[Network]:
    """Small valid networks for engine property tests: the generic random networks with
    burn rates, buffers, ratings, every seniority, floating rates, custom amortisation,
    ownership shares and escalating leases mixed in."""
    return _engine_network(max_entities, max_contracts)


__all__ = ["engine_networks", "factor_paths"]


def ample_cash_networks(max_entities: int = 6,
                        max_contracts: int = 10) -> st.SearchStrategy[Network]:
    """Random networks in which every entity holds far more cash than it could owe."""
    from .strategies import network_dicts

    def rich(d: dict) -> Network:
        for e in d["entities"]:
            e["cash"] = 1e6
        return Network.model_validate(d)

    return network_dicts(max_entities, max_contracts).map(rich)


__all__ += ["ample_cash_networks"]


def mechanism_params() -> st.SearchStrategy:
    """EngineParams with the part-2 mechanisms switched on in random combinations: the
    clearing (part 1's loop, exact Eisenberg–Noe, Rogers–Veraart with default costs),
    strategic lease exits, the winding-up of insolvent funds, GPU fire sales, LTV covenants,
    equity marks, guarantees, DSCR covenants and cash sweeps, refinancing conditions, LTV
    cures by GPU sales, new maturities for rolled debt and trailing DSCR windows."""
    from ..engine.compile import EngineParams

    def build(clearing: str, a: float, b: float, strategic: bool, funds: bool,
              fire: bool, impact: float, ltv: bool, marks: bool,
              guarantees: bool, dscr: bool, refi: bool, sales: bool, term: int,
              window: int) -> EngineParams:
        return EngineParams(clearing=clearing, default_cost_alpha=a, default_cost_beta=b,
                            strategic_default=strategic, fund_wind_down=funds,
                            fire_sale_feedback=fire, gpu_price_impact=impact,
                            ltv_covenants=ltv, equity_marks=marks, guarantees=guarantees,
                            dscr_covenants=dscr, refinancing_conditions=refi,
                            ltv_cure_sales=sales, refinance_term_quarters=term,
                            dscr_window_quarters=window)

    return st.builds(build, st.sampled_from(["loop", "eisenberg_noe", "rogers_veraart"]),
                     st.sampled_from([0.5, 0.9, 1.0]), st.sampled_from([0.6, 0.95, 1.0]),
                     st.booleans(), st.booleans(), st.booleans(),
                     st.sampled_from([0.05, 0.3]), st.booleans(), st.booleans(),
                     st.booleans(), st.booleans(), st.booleans(), st.booleans(),
                     st.sampled_from([0, 1, 8]), st.sampled_from([1, 4]))


def all_mechanisms_on(**overrides: object) -> object:
    """EngineParams with every implemented part-2 mechanism on."""
    from ..engine.compile import EngineParams

    kw: dict = dict(clearing="rogers_veraart", default_cost_alpha=0.9, default_cost_beta=0.95,
                    strategic_default=True, fund_wind_down=True, fire_sale_feedback=True,
                    ltv_covenants=True, equity_marks=True, guarantees=True,
                    dscr_covenants=True, refinancing_conditions=True, ltv_cure_sales=True,
                    refinance_term_quarters=12, dscr_window_quarters=4)
    kw.update(overrides)
    return EngineParams(**kw)


__all__ += ["all_mechanisms_on", "mechanism_params"]
