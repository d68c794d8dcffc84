"""Hypothesis strategies that build valid networks (requires ``hypothesis``).

>>> from hypothesis import given
>>> from bubblescope.testing.strategies import networks
>>> @given(networks())
... def test_something(net): ...
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from ..model.entity import EntityKind
from ..model.network import Network

AS_OF = dt.date(2025, 12, 31)
_KINDS = [k.value for k in EntityKind]
_STATUSES = ["announced", "signed", "funded", "cancelled"]
_AMOUNT_TYPES = ["ceiling", "committed", "drawn"]


def amounts(max_value: float = 500.0) -> st.SearchStrategy[float]:
    """Non-negative USD bn amounts with at most three decimals (exact in CSV and YAML)."""
    return st.integers(0, int(max_value * 1000)).map(lambda x: x / 1000)


def rates() -> st.SearchStrategy[float]:
    return st.integers(0, 2000).map(lambda x: x / 10000)


def quarters(lo: int = 2020, hi: int = 2050) -> st.SearchStrategy[dt.date]:
    return st.builds(lambda y, q: dt.date(y, 3 * q - 2, 1), st.integers(lo, hi),
                     st.integers(1, 4))


@st.composite
def entity_dicts(draw: st.DrawFn, entity_id: str) -> dict[str, Any]:
    d: dict[str, Any] = {"id": entity_id, "name": f"Entity {entity_id}",
                         "kind": draw(st.sampled_from(_KINDS)),
                         "source": ["S1-13"]}
    for name in ("cash", "other_assets", "debt", "revenue", "operating_costs"):
        if draw(st.booleans()):
            d[name] = draw(amounts())
    if draw(st.booleans()):
        d["country"] = draw(st.sampled_from(["US", "NO", "DE", "FR", "EU"]))
    if draw(st.booleans()):
        d["rating"] = draw(st.sampled_from(["AAA", "A+", "BB-"]))
    if draw(st.booleans()):
        d["gpu_fleet"] = [{"generation": draw(st.sampled_from(["H100", "GB200"])),
                           "quantity": draw(st.integers(0, 10**6)),
                           "delivery": draw(quarters(2023, 2028)),
                           "cost": draw(amounts(50))}]
    if draw(st.booleans()):
        d["power"] = [{"source": "onsite", "mw": float(draw(st.integers(0, 5000))),
                       "cost_premium": draw(rates())}]
    if draw(st.booleans()):
        d["equity_market_access"] = draw(rates())
    if draw(st.booleans()):
        d["assumptions"] = {"cash": "a test assumption"}
    return d


@st.composite
def contract_dicts(draw: st.DrawFn, contract_id: str, ids: list[str],
                   earlier: list[str]) -> dict[str, Any]:
    a, b = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
    start = draw(quarters(2020, 2035))
    end = start + dt.timedelta(days=draw(st.integers(95, 9000)))
    end = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    amount = draw(amounts())
    base: dict[str, Any] = {"id": contract_id, "status": draw(st.sampled_from(_STATUSES)),
                            "amount_type": draw(st.sampled_from(_AMOUNT_TYPES)),
                            "amount": amount, "start": start, "end": end,
                            "source": ["S1-08"]}
    kinds = ["equity_stake", "loan", "bond", "lease", "compute_contract", "chip_purchase",
             "fund_commitment", "credit_facility", "power_supply", "securitisation"]
    if earlier:
        kinds.append("guarantee")
    kind = draw(st.sampled_from(kinds))
    base["kind"] = kind
    if kind == "equity_stake":
        base |= {"investor": a, "issuer": b}
        if draw(st.booleans()):
            base["tranches"] = [{"amount": amount / 2, "condition": "1 GW deployed"}]
    elif kind in ("loan", "credit_facility"):
        base |= {"lender": a, "borrower": b, "rate": draw(rates())}
        if draw(st.booleans()):
            base["drawn"] = amount / 4
        if kind == "loan" and draw(st.booleans()):
            base["amortisation"] = draw(st.sampled_from(["linear", "annuity"]))
            base["covenants"] = {"max_ltv": 0.8, "min_dscr": 1.2}
            base["collateral"] = {"kind": "gpu_pool", "generation": "H100"}
    elif kind == "bond":
        held = amount / 2
        base |= {"issuer": a, "rate": draw(rates()), "rule_144a": draw(st.booleans()),
                 "holders": [{"holder": b, "amount": held}], "remainder_holder": b}
    elif kind == "lease":
        base |= {"lessor": a, "lessee": b, "annual_rent": draw(amounts(20)),
                 "earliest_exit": start, "residual_value_guarantee": draw(amounts(5))}
    elif kind == "compute_contract":
        base |= {"buyer": a, "seller": b, "take_or_pay_share": draw(rates())}
    elif kind == "chip_purchase":
        base |= {"buyer": a, "vendor": b,
                 "deliveries": [{"date": start, "amount": amount / 3, "quantity": 1000,
                                 "generation": "GB200"}]}
        base.pop("announced", None)
    elif kind == "fund_commitment":
        base |= {"investor": a, "fund": b, "called": amount / 2}
    elif kind == "power_supply":
        base |= {"supplier": a, "buyer": b, "mw": float(draw(st.integers(0, 3000))),
                 "price": float(draw(st.integers(20, 200)))}
    elif kind == "securitisation":
        base |= {"issuer": a, "sponsor": b, "pool": earlier[:2],
                 "tranches": [{"name": "equity", "attachment": 0.0, "detachment": 0.1,
                               "holders": [{"holder": b, "share": 1.0}]},
                              {"name": "senior", "attachment": 0.1, "detachment": 1.0,
                               "remainder_holder": a, "coupon": 0.06}]}
    else:  # guarantee
        base |= {"guarantor": a, "obligation": draw(st.sampled_from(earlier)),
                 "coverage": 1.0}
    return base


@st.composite
def network_dicts(draw: st.DrawFn, max_entities: int = 8,
                  max_contracts: int = 12) -> dict[str, Any]:
    """Plain data of a valid network (what a YAML file would hold)."""
    n = draw(st.integers(2, max_entities))
    ids = [f"e{i}" for i in range(n)]
    entities = [draw(entity_dicts(i)) for i in ids]
    contracts: list[dict[str, Any]] = []
    for k in range(draw(st.integers(0, max_contracts))):
        contracts.append(draw(contract_dicts(f"c{k}", ids, [c["id"] for c in contracts])))
    return {"name": "random", "as_of": AS_OF, "entities": entities, "contracts": contracts,
            "metadata": {"generator": "hypothesis"}}


def networks(max_entities: int = 8, max_contracts: int = 12) -> st.SearchStrategy[Network]:
    """Valid :class:`~bubblescope.model.Network` objects (pass every consistency check)."""
    return network_dicts(max_entities, max_contracts).map(Network.model_validate)
