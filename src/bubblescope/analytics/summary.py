"""A first look at a network: counts, totals by kind, the largest deals."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ..model.contracts import AmountType, ContractBase, Status
from ..model.network import Network


@dataclass(frozen=True)
class NetworkSummary:
    """Headline figures of a network (amounts in USD bn)."""

    name: str
    as_of: str
    entities_by_kind: dict[str, int]
    contracts_by_kind: dict[str, int]
    amount_by_kind: dict[str, dict[str, float]]
    largest: list[ContractBase]
    cancelled: int = 0

    @property
    def n_entities(self) -> int:
        return sum(self.entities_by_kind.values())

    @property
    def n_contracts(self) -> int:
        """Live contracts plus cancelled ones."""
        return sum(self.contracts_by_kind.values()) + self.cancelled


def summarise(net: Network, top: int = 10) -> NetworkSummary:
    """Counts of entities and contracts by kind, amounts by contract kind and amount type
    (cancelled deals excluded), and the ``top`` largest live contracts.

    Examples
    --------
    >>> from bubblescope import load_network
    >>> s = summarise(load_network("ai-2025"))
    >>> s.n_contracts >= 90
    True
    """
    live = [c for c in net.contracts if c.status != Status.cancelled]
    amounts: dict[str, dict[str, float]] = defaultdict(
        lambda: {t.value: 0.0 for t in AmountType})
    for c in live:
        amounts[c.kind][c.amount_type.value] += c.amount
    return NetworkSummary(
        name=net.name, as_of=net.as_of.isoformat(),
        entities_by_kind=dict(Counter(e.kind.value for e in net.entities).most_common()),
        contracts_by_kind=dict(Counter(c.kind for c in live).most_common()),
        cancelled=len(net.contracts) - len(live),
        amount_by_kind=dict(amounts),
        largest=sorted(live, key=lambda c: c.amount, reverse=True)[:top],
    )
