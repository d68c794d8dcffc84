"""Quarters and lease rents: the date arithmetic that compiling a network and planning a
securitisation share."""

from __future__ import annotations

import datetime as dt

from ..model.contracts import Lease


def quarter_number(day: dt.date) -> int:
    """Absolute quarter count (year·4 + quarter − 1)."""
    return day.year * 4 + (day.month - 1) // 3


def lease_term(lease: Lease, q0: int) -> tuple[int, int]:
    """First and last quarter of ``lease``'s rent, counted from the as-of quarter ``q0``:
    from ``start`` (else the as-of quarter) to the quarter before ``end``, or for
    ``amount / annual_rent`` years without an end (an empty term, last < first, without
    either)."""
    a = 0 if lease.start is None else quarter_number(lease.start) - q0
    if lease.end is not None:
        b = quarter_number(lease.end) - q0 - 1
    elif lease.annual_rent > 0:
        b = a + int(round(4 * lease.amount / lease.annual_rent)) - 1
    else:
        b = a - 1
    return a, b


def lease_rents(lease: Lease, q0: int) -> dict[int, float]:
    """Rent of ``lease`` by quarter from the as-of quarter ``q0`` (quarters ≥ 0, over the
    whole term), USD bn: the explicit ``rent_schedule`` if there is one, else
    ``annual_rent / 4`` escalating by ``escalation`` each year of the term.

    Example: a lease from the as-of quarter, ``annual_rent`` 4 for two years gives
    ``{0: 1.0, …, 7: 1.0}``.
    """
    out: dict[int, float] = {}
    if lease.rent_schedule:
        for pay in lease.rent_schedule:
            t = quarter_number(pay.date) - q0
            if t >= 0:
                out[t] = out.get(t, 0.0) + pay.amount
        return out
    a, b = lease_term(lease, q0)
    for t in range(max(a, 0), b + 1):
        out[t] = lease.annual_rent / 4.0 * (1.0 + lease.escalation) ** ((t - a) // 4)
    return out
