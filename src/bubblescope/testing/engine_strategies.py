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
    """EngineParams with the mechanisms switched on in random combinations, each field
    drawn from the values the registry lists for it
    (:data:`bubblescope.engine.mechanisms.MECHANISMS`): the clearing (part 1's loop,
    exact Eisenberg–Noe, Rogers–Veraart with default costs), strategic lease exits, fund
    wind-down, GPU fire sales, LTV covenants and cure sales, equity marks, guarantees, DSCR
    covenants and sweeps with their window, refinancing conditions and new maturities."""
    from ..engine.mechanisms import MECHANISMS
    from ..engine.params import EngineParams

    draws = {name: st.sampled_from(values) for m in MECHANISMS
             for name, values in m.draws.items()}
    return st.fixed_dictionaries(draws).map(lambda kw: EngineParams(**kw))


def all_mechanisms_on(**overrides: object) -> object:
    """EngineParams with every mechanism on (``overrides`` on top)."""
    from ..engine.mechanisms import everything_on

    return everything_on(**overrides)


__all__ += ["all_mechanisms_on", "mechanism_params"]
