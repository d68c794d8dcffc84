"""Render a NetworkSummary and an entity's view."""

from __future__ import annotations

from ..analytics.summary import NetworkSummary
from ..model.contracts import ContractBase
from ..model.network import Network
from .render import console, table


def _parties(c: ContractBase) -> str:
    names = [v for f, v in c.parties() if f in c.PARTY_FIELDS]
    return " → ".join(names)


def print_summary(s: NetworkSummary) -> None:
    console.print(f"{s.n_entities} entities, {s.n_contracts} contracts "
                  f"({s.cancelled} cancelled)")
    console.print(table("Entities by kind", ["kind", "count"],
                        s.entities_by_kind.items(), numeric=["count"]))
    console.print(table("Contracts by kind (USD bn; cancelled excluded)",
                        ["kind", "count", "ceiling", "committed", "drawn"],
                        [(k, n, *s.amount_by_kind.get(k, {}).values())
                         for k, n in s.contracts_by_kind.items()],
                        numeric=["count", "ceiling", "committed", "drawn"]))
    console.print(table("Largest deals (USD bn)",
                        ["id", "kind", "parties", "amount", "type", "status"],
                        [(c.id, c.kind, _parties(c), c.amount, c.amount_type, c.status)
                         for c in s.largest], numeric=["amount"]))


def print_entity(net: Network, entity_id: str) -> None:
    e = net.entity(entity_id)
    fields = [(k, v) for k, v in e.model_dump().items()
              if k not in ("gpu_fleet", "power", "capex_plan", "assumptions", "alternatives")
              and v not in (None, [], {})]
    console.print(table(f"{e.name} ({e.kind.value})", ["field", "value"], fields))
    for name in ("gpu_fleet", "power", "capex_plan"):
        items = getattr(e, name)
        if items:
            cols = list(type(items[0]).model_fields)
            console.print(table(name, cols, [[getattr(i, c) for c in cols] for i in items]))
    contracts = net.contracts_of(entity_id)
    console.print(table(f"Contracts of {entity_id} ({len(contracts)})",
                        ["id", "kind", "parties", "amount", "type", "status"],
                        [(c.id, c.kind, _parties(c), c.amount, c.amount_type, c.status)
                         for c in contracts], numeric=["amount"]))
