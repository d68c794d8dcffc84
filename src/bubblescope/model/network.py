"""The network: entities, contracts, the as-of date and metadata."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ._fields import Date, Strict, text
from .contracts import Contract, ContractBase
from .entity import Entity

if TYPE_CHECKING:
    import pandas as pd

    from .checks import Problem


class Network(Strict):
    """A validated model of the AI financing web.

    Examples
    --------
    >>> import bubblescope
    >>> net = bubblescope.load_network("ai-2025")
    >>> net.entity("coreweave").kind
    <EntityKind.neocloud: 'neocloud'>
    """

    name: str = Field("network", description="Short name of the network.",
                      json_schema_extra={"unit": "text"})
    as_of: Date = Field(description="Date the figures refer to.",
                        json_schema_extra={"unit": "date"})
    description: str | None = text("What the network covers.")
    metadata: dict[str, Any] = Field(default_factory=dict,
                                     description="Free-form metadata (authors, version, ...).",
                                     json_schema_extra={"unit": "mapping"})
    entities: list[Entity] = Field(default_factory=list, description="Entities.",
                                   json_schema_extra={"unit": "list"})
    contracts: list[Contract] = Field(default_factory=list, description="Contracts.",
                                      json_schema_extra={"unit": "list"})

    @cached_property
    def _entity_index(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    @cached_property
    def _contract_index(self) -> dict[str, ContractBase]:
        return {c.id: c for c in self.contracts}

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id (KeyError naming the id if absent)."""
        try:
            return self._entity_index[entity_id]
        except KeyError:
            raise KeyError(f"no entity with id {entity_id!r}") from None

    def contract(self, contract_id: str) -> ContractBase:
        """The contract with this id (KeyError naming the id if absent)."""
        try:
            return self._contract_index[contract_id]
        except KeyError:
            raise KeyError(f"no contract with id {contract_id!r}") from None

    def contracts_of(self, entity_id: str) -> list[ContractBase]:
        """Every contract that names the entity as a party."""
        return [c for c in self.contracts if any(v == entity_id for _, v in c.parties())]

    def consistency_check(self, strict: bool = False,
                          facts: set[str] | None = None) -> list[Problem]:
        """Run every ``check_*`` function; see :func:`.checks.consistency_check`."""
        from .checks import consistency_check

        return consistency_check(self, strict=strict, facts=facts)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Tidy tables: ``entities`` and one frame per contract kind present.

        Nested fields (lists, objects) are kept as Python objects in their cells.
        """
        from .tables import network_frames

        return network_frames(self)
