"""Helpers for testing code that uses bubblescope: assertions here, Hypothesis strategies in
:mod:`bubblescope.testing.strategies` (needs the ``hypothesis`` package)."""

from __future__ import annotations

from ..model.network import Network


def assert_networks_equal(a: Network, b: Network) -> None:
    """Assert two networks hold the same entities, contracts and header, naming the first
    difference. Contracts are matched by id: their order carries no meaning (the CSV form
    groups them by kind)."""
    assert a.name == b.name, f"name: {a.name!r} != {b.name!r}"
    assert a.as_of == b.as_of, f"as_of: {a.as_of} != {b.as_of}"
    assert a.metadata == b.metadata, "metadata differs"
    assert len(a.entities) == len(b.entities), "entity count differs"
    for x, y in zip(a.entities, b.entities, strict=True):
        assert x == y, f"entity {x.id!r} differs:\n{x!r}\n{y!r}"
    assert sorted(c.id for c in a.contracts) == sorted(c.id for c in b.contracts), \
        "contract ids differ"
    others = {c.id: c for c in b.contracts}
    for x in a.contracts:
        y = others[x.id]
        assert x == y, f"contract {x.id!r} differs:\n{x!r}\n{y!r}"


__all__ = ["assert_networks_equal"]
