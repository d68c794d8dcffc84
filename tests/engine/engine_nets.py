"""Helpers for the engine tests."""

from __future__ import annotations

import datetime as dt

import numpy as np

from bubblescope.model.network import Network


def make_network(entities: list[dict], contracts: list[dict]) -> Network:
    """A network as of 2025-12-31 from plain dicts (ids, names and sources filled in)."""
    ents = [{"name": e["id"], "kind": "other", "source": ["S1-13"], **e} for e in entities]
    cons = [{"source": ["S1-13"], **c} for c in contracts]
    return Network.model_validate({"name": "hand", "as_of": dt.date(2025, 12, 31),
                                   "entities": ents, "contracts": cons})


def assert_matches_reference(res, ref: dict) -> None:  # type: ignore[no-untyped-def]
    """The vectorised engine's results equal ``simulate_reference``'s to 1e-9."""
    assert res.entity is not None and res.debt is not None and res.trade is not None
    for var in ("cash", "revenue", "costs", "capex", "debt", "book_equity", "alive"):
        np.testing.assert_allclose(res.entity[var], ref[var], atol=1e-9, rtol=0, err_msg=var)
    np.testing.assert_allclose(res.debt["paid"], ref["debt_paid"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(res.trade["paid"], ref["trade_paid"], atol=1e-9, rtol=0)
    np.testing.assert_array_equal(res.default_quarter, ref["default_quarter"])
    for var in ("loss_debt", "loss_trade", "loss_external", "shortfall"):
        np.testing.assert_allclose(getattr(res, var), ref[var], atol=1e-9, rtol=0,
                                   err_msg=var)
