"""Where money goes: sums of per-instrument amounts into per-party totals.

Every total has ``N + 1`` slots, the last one being the outside world. Sources are added
in increasing index order, as the vectorised engine's sums did.
"""

from __future__ import annotations

import numpy as np

from ..arrays import NetArrays
from ..jit import kernel

Array = np.ndarray


@kernel
def ratio(a: float, b: float) -> float:
    """``min(a / b, 1)`` for ``b > 0``, else 1: the share of a claim ``b`` that ``a``
    pays."""
    if b > 0.0:
        x = a / b
        return x if x < 1.0 else 1.0
    return 1.0


@kernel
def to_creditors(net: NetArrays, x: Array, out: Array) -> None:
    """``out[j]`` = what creditor ``j`` receives of the per-debt amounts ``x`` (by share)."""
    out[:] = 0.0
    ptr, idx, w = net.cr_ptr, net.cr_idx, net.cr_w
    for d in range(x.shape[0]):
        xd = x[d]
        if xd == 0.0:           # adds nothing (and most instruments pay nothing most quarters)
            continue
        for n in range(ptr[d], ptr[d + 1]):
            out[idx[n]] += xd * w[n]


@kernel
def to_debtor(net: NetArrays, x: Array, out: Array) -> None:
    """``out[i]`` = the per-debt amounts ``x`` summed by debtor."""
    out[:] = 0.0
    dst = net.debtor
    for d in range(x.shape[0]):
        out[dst[d]] += x[d]


@kernel
def to_lender(net: NetArrays, x: Array, out: Array) -> None:
    """``out[j]`` = the per-debt amounts ``x`` summed by lender (the largest creditor)."""
    out[:] = 0.0
    dst = net.lender
    for d in range(x.shape[0]):
        out[dst[d]] += x[d]


@kernel
def to_payee(net: NetArrays, x: Array, out: Array) -> None:
    """``out[j]`` = the per-obligation amounts ``x`` summed by payee."""
    out[:] = 0.0
    dst = net.payee
    for k in range(x.shape[0]):
        out[dst[k]] += x[k]


@kernel
def to_payer(net: NetArrays, x: Array, out: Array) -> None:
    """``out[i]`` = the per-obligation amounts ``x`` summed by payer."""
    out[:] = 0.0
    dst = net.payer
    for k in range(x.shape[0]):
        out[dst[k]] += x[k]


@kernel
def held_by(net: NetArrays, x: Array, out: Array) -> None:
    """``out[h]`` = the per-stake amounts ``x`` summed by holder (``N`` slots)."""
    out[:] = 0.0
    dst = net.stake_holder
    for e in range(x.shape[0]):
        out[dst[e]] += x[e]


@kernel
def up(alive: Array, j: int) -> bool:
    """Whether party ``j`` is alive (the outside world, ``j = N``, always is)."""
    return j >= alive.shape[0] or alive[j]


@kernel
def failed(nd: Array, j: int) -> bool:
    """Whether party ``j`` is in the default set ``nd`` (never the outside world)."""
    return j < nd.shape[0] and nd[j]
