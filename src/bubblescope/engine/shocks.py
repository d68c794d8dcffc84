"""A scenario's one-off shocks and government guarantee, applied to a compiled network.

The engine itself reads factor paths; what a scenario says about named entities and
contracts is folded into the compiled arrays here, once per run:

* ``revenue_drop``: the entity's market revenue is multiplied by ``1 − fraction`` from the
  shock's quarter on (contracted receipts are not touched: they fall only if the payer
  cannot pay);
* ``default``: the entity is put into default in that quarter whatever its cash, and its
  creditors are paid from what it has, as in any other default;
* ``policies.guarantee``: each named debt instrument gains a full, uncapped guarantee by
  the guarantor; floating-rate instruments pay the guarantee's spread over the base rate
  instead of their own; the engine's ``guarantees`` switch is turned on.

>>> from bubblescope.scenarios.generate import ResolvedShock
>>> import numpy as np
>>> scale, forced = shock_arrays(["a", "b"], 4, [ResolvedShock("revenue_drop", "b", 2, 0.5)])
>>> scale[:, 1].tolist(), forced.tolist()
([1.0, 1.0, 0.5, 0.5], [-1, -1])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .compile import Compiled

Array = np.ndarray


def shock_arrays(entity_ids: Sequence[str], quarters: int, shocks: Sequence[Any]
                 ) -> tuple[Array, Array]:
    """Revenue multipliers (T, N) and forced default quarters (N,) from resolved shocks.

    Parameters
    ----------
    entity_ids : the compiled network's entity ids.
    quarters : number of quarters simulated.
    shocks : resolved shocks (``kind``, ``entity``, ``quarter``, ``fraction``); a quarter
        before the run applies from quarter 0, one after the horizon never applies.

    Returns
    -------
    (scale, forced) : ``scale[t, i]`` multiplies entity i's market revenue; ``forced[i]`` is
        the quarter entity i is made to default, −1 if never. Two revenue drops on one
        entity compound; of two defaults the earlier counts.
    """
    index = {e: i for i, e in enumerate(entity_ids)}
    scale = np.ones((quarters, len(entity_ids)))
    forced = np.full(len(entity_ids), -1, dtype=int)
    for s in shocks:
        if s.entity not in index:
            raise ValueError(f"shocks: entity {s.entity!r} is not in the network")
        i = index[s.entity]
        if s.quarter >= quarters:
            continue
        q = max(s.quarter, 0)
        if s.kind == "revenue_drop":
            scale[q:, i] *= 1.0 - float(s.fraction or 0.0)
        elif s.kind == "default":
            forced[i] = q if forced[i] < 0 else min(forced[i], q)
        else:
            raise ValueError(f"shocks: unknown kind {s.kind!r}")
    return scale, forced


def apply_guarantee(c: Compiled, guarantee: Any) -> Compiled:
    """``c`` with a full guarantee by ``guarantee.guarantor`` on each named debt instrument.

    Contracts that are not debt instruments of the compiled network (e.g. a lease) raise
    ``ValueError``; an instrument already guaranteed by the same guarantor is not added
    twice. Floating-rate instruments pay ``guarantee.spread`` over the base rate.
    """
    index = {e: i for i, e in enumerate(c.entity_ids)}
    if guarantee.guarantor not in index:
        raise ValueError(f"policies.guarantee.guarantor: {guarantee.guarantor!r} is not in "
                         "the network")
    g = index[guarantee.guarantor]
    debt = {d: k for k, d in enumerate(c.debt_ids)}
    missing = [x for x in guarantee.contracts if x not in debt]
    if missing:
        raise ValueError("policies.guarantee.contracts: not debt instruments of the network: "
                         + ", ".join(missing))
    have = set(zip(c.guar_debt.tolist(), c.guar_by.tolist(), strict=True))
    add = [debt[x] for x in guarantee.contracts if (debt[x], g) not in have]
    rate = c.rate.copy()
    for d in (debt[x] for x in guarantee.contracts):
        if c.floating[d]:
            rate[d] = float(guarantee.spread)
    return dataclasses.replace(
        c, rate=rate,
        guar_debt=np.concatenate([c.guar_debt, np.array(add, dtype=int)]),
        guar_by=np.concatenate([c.guar_by, np.full(len(add), g, dtype=int)]),
        guar_coverage=np.concatenate([c.guar_coverage, np.ones(len(add))]),
        guar_cap=np.concatenate([c.guar_cap, np.zeros(len(add))]),
        params=dataclasses.replace(c.params, guarantees=True))


def apply_scenario(c: Compiled, shocks: Sequence[Any] = (), guarantee: Any = None
                   ) -> Compiled:
    """``c`` with a scenario's shocks and guarantee applied (see the module docstring)."""
    out = c
    if shocks:
        scale, forced = shock_arrays(c.entity_ids, c.n_quarters, shocks)
        out = dataclasses.replace(out, revenue_scale=scale,
                                  forced_default=forced if (forced >= 0).any() else None)
    if guarantee is not None:
        out = apply_guarantee(out, guarantee)
    return out


__all__ = ["apply_guarantee", "apply_scenario", "shock_arrays"]
