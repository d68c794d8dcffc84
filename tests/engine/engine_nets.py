"""Helpers for the engine tests."""

from __future__ import annotations

import datetime as dt

from bubblescope.model.network import Network


def make_network(entities: list[dict], contracts: list[dict]) -> Network:
    """A network as of 2025-12-31 from plain dicts (ids, names and sources filled in)."""
    ents = [{"name": e["id"], "kind": "other", "source": ["S1-13"], **e} for e in entities]
    cons = [{"source": ["S1-13"], **c} for c in contracts]
    return Network.model_validate({"name": "hand", "as_of": dt.date(2025, 12, 31),
                                   "entities": ents, "contracts": cons})
