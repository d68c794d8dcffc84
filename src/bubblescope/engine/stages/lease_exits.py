"""Strategic lease exits: a lessee allowed to walk away leaves a lease in the first quarter
``t`` in which AI demand has been below its threshold for ``quarters_below`` consecutive
quarters up to ``t``, within the lease's exit window. In that quarter it owes the exit
payment (termination payment + residual value guarantee, or the lessor's damages) instead
of rent; afterwards the lease pays nothing and leaves no claim."""

from __future__ import annotations

import numpy as np

from ..arrays import NetArrays
from ..jit import kernel
from ..state import Flows, PathState
from .routing import up

Array = np.ndarray


@kernel
def exit_quarters(net: NetArrays, demand: Array, out: Array) -> None:
    """Quarter each lessee walks away from each lease on one path, ``out`` (K,); the
    number of quarters (``T``) means never."""
    T = demand.shape[0]
    out[:] = T
    allowed, runs, threshold, first, last = (net.exit_allowed, net.exit_run,
                                             net.exit_threshold, net.exit_first, net.exit_last)
    for k in range(out.size):
        if not allowed[k]:
            continue
        run = 0
        need = max(runs[k], 1)
        for t in range(T):
            run = run + 1 if demand[t] < threshold[k] else 0
            if run >= need and first[k] <= t <= last[k]:
                out[k] = t
                break


@kernel
def apply_exits(net: NetArrays, st: PathState, q: Flows, t: int) -> None:
    """Replace this quarter's rent by the exit payment where a lessee leaves now, stop the
    rent of leases left earlier, and drop their claims."""
    exit_at, tdue, lease, alive = st.exit_at, q.tdue, q.lease_claim, st.alive
    for k in range(exit_at.size):
        e = exit_at[k]
        if e < t:
            tdue[k] = 0.0
        elif e == t:
            live = up(alive, net.payer[k]) and up(alive, net.payee[k])
            pay = (net.exit_payment[k] if net.exit_payment[k] >= 0 else net.lease_claim[t, k])
            tdue[k] = pay if live else 0.0
            if live:
                st.exit_quarter[k] = t
        if e <= t:
            lease[k] = 0.0
