"""Guarantees of loans and bonds: in the quarter the debtor defaults, the guarantor pays
``coverage ×`` the creditors' loss on the instrument, at most what is left of its cap,
from its cash after its own flows (never below zero; calls on one guarantor are scaled pro
rata). Creditors receive by their shares; the shares of outside or defaulted creditors
leave the network."""

from __future__ import annotations

import math

from ..arrays import NetArrays
from ..jit import kernel
from ..state import Flows, PathState
from .routing import ratio


@kernel
def guarantee_calls(net: NetArrays, st: PathState, q: Flows) -> None:
    """Pay this quarter's guarantee calls out of ``q.cash_new``; record them in
    ``st.guarantee_paid`` and what left the network in ``q.guar_ext``."""
    N = net.cash0.size
    U = net.guar_debt.size
    total = q.work1
    total[:] = 0.0
    for u in range(U):
        d, g = net.guar_debt[u], net.guar_by[u]
        i = net.debtor[d]
        loss = q.claim_debt[d] - q.p_service[d] if q.nd[i] else 0.0
        cap = net.guar_cap[u]
        left = cap - st.guarantee_paid[u] if cap > 0.0 else math.inf
        live = st.alive[g] and not q.nd[g]
        q.g_want[u] = (min(net.guar_coverage[u] * max(loss, 0.0), max(left, 0.0))
                       if live else 0.0)
        total[g] += q.g_want[u]
    delta = q.work2
    delta[:] = 0.0
    ptr, idx, w, alive, nd = net.cr_ptr, net.cr_idx, net.cr_w, st.alive, q.nd
    for u in range(U):
        d, g = net.guar_debt[u], net.guar_by[u]
        pay = q.g_want[u] * ratio(max(q.cash_new[g], 0.0), total[g])
        delta[g] -= pay
        out = 0.0
        for n in range(ptr[d], ptr[d + 1]):
            j = idx[n]
            to = pay * w[n]
            if j < N and alive[j] and not nd[j]:
                delta[j] += to
            else:
                out += to
        q.guar_ext += out
        st.guarantee_paid[u] += pay
    for i in range(N):
        q.cash_new[i] = q.cash_new[i] + delta[i]
