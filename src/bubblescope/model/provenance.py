"""Which seed facts a network uses, and where."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .network import Network


def fact_usage(net: Network) -> dict[str, list[str]]:
    """Fact id → ids of the records citing it (``entity:meta``, ``contract:hyperion_bonds``).

    Examples
    --------
    >>> import bubblescope
    >>> "contract:hyperion_bonds" in fact_usage(bubblescope.load_network("ai-2025"))["S2-09"]
    True
    """
    usage: dict[str, list[str]] = defaultdict(list)
    for prefix, items in (("entity", net.entities), ("contract", net.contracts)):
        for rec in items:
            for fid in rec.source:
                usage[fid].append(f"{prefix}:{rec.id}")
    return dict(usage)


def assumption_list(net: Network) -> list[tuple[str, str, str]]:
    """(record, field, reason) for every assumption in the network."""
    out = []
    for prefix, items in (("entity", net.entities), ("contract", net.contracts)):
        for rec in items:
            out += [(f"{prefix}:{rec.id}", k, v) for k, v in rec.assumptions.items()]
    return out
