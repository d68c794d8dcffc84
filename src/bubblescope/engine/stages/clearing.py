"""Clearing a quarter with defaults, and the waterfall of each defaulter's estate.

Everyone pays in full; an entity whose cash would go below −``tolerance`` defaults. Its
estate — cash, what it receives, equity raised, revenue, and its non-cash assets sold
(other and fixed assets at ``recovery_other_assets``, the GPU fleet at the quarter's
price, loans held at ``recovery_claims`` × what is left of them) — pays its secured
claims from their collateral, then ranks 1, 2, 3 pro rata, and the rest goes to its
owners. Receipts are recomputed and the loop repeats until the default set and the
payments settle (``clearing = "loop"``).

With exact clearing (``"eisenberg_noe"``, or ``"rogers_veraart"`` with default costs: the
estate is ``alpha × own + beta × received``) the loop's answer is refined to the exact
fixed point: with the default set and every defaulter's marginal tier fixed, the estates
solve a linear system (a Greatest-Clearing-Vector algorithm with seniority tiers);
entities that cannot pay from the cleared receipts join the set and the solve repeats.
"""

from __future__ import annotations

import numpy as np

from ..arrays import NetArrays, Settings
from ..codes import CLEAR_LOOP, DISBURSE
from ..jit import kernel
from ..state import NO_CLEARING, NO_CONVERGENCE, OK, Flows, PathState
from .routing import failed, ratio, to_creditors

Array = np.ndarray

#: condition number above which a clearing system is treated as singular (a closed cycle
#: of defaulters whose marginal payments all go to each other); those paths take a
#: fixed-point step instead of the exact solve
CLEARING_COND_MAX = 1e10
#: Newton rounds on the waterfall's pieces before falling back to fixed-point steps
NEWTON_ROUNDS = 30
#: fixed-point sweeps of the default loop before exact clearing takes over
EXACT_SWEEPS = 8


@kernel
def receipts(net: NetArrays, q: Flows, nd: Array, out: Array) -> None:
    """What each party receives (``out``, N+1) from the payments ``q.p_*`` and the
    defaulters' residuals, which go to their listed owners (the unlisted rest, and the
    share of an owner in ``nd``, to the outside world)."""
    N = net.cash0.size
    to_creditors(net, q.p_service, out)
    debtor, draw = net.debtor, q.p_draw
    for d in range(debtor.size):
        out[debtor[d]] += draw[d]
    payee, trade = net.payee, q.p_trade
    for k in range(payee.size):
        out[payee[k]] += trade[k]
    owners, residual = q.owners, q.residual
    owners[:] = 0.0
    holder, issuer, own = net.stake_holder, net.stake_issuer, net.stake_ownership
    for e in range(holder.size):
        owners[holder[e]] += residual[issuer[e]] * own[e]
    listed = net.listed_own
    for i in range(N):
        owners[N] += residual[i] * max(1.0 - listed[i], 0.0)
    moved = 0.0
    for j in range(N):
        if nd[j]:
            moved += owners[j]
            owners[j] = 0.0
    owners[N] += moved
    for j in range(N + 1):
        out[j] += owners[j]


@kernel
def claims(net: NetArrays, st: PathState, q: Flows, nd: Array) -> None:
    """Claims on the defaulters ``nd``: draws still made (a defaulting lender makes none,
    ``q.draw_now``), each debt's claim (principal, interest, draws and disbursements
    received), each trade claim (amount due and a lessor's damages), and per debtor the
    secured claims and the unsecured ranks 1–3 (rank 1 also holds trade claims, opex and
    other liabilities)."""
    N, D, K = net.cash0.size, net.debtor.size, net.payer.size
    disb = q.work_d
    disb[:] = 0.0
    kind, disburses, payer, tdue = net.trade_kind, net.disburses, net.payer, q.tdue
    for k in range(K):
        if kind[k] == DISBURSE and disburses[k] >= 0 and not failed(nd, payer[k]):
            disb[disburses[k]] += tdue[k]
    secured, rank1, rank2, rank3 = q.secured, q.rank1, q.rank2, q.rank3
    secured[:] = 0.0
    rank1[:] = 0.0
    rank2[:] = 0.0
    rank3[:] = 0.0
    lender, draws, draw_now, claim = net.lender, q.draws, q.draw_now, q.claim_debt
    balance, interest, rank, debtor = st.balance, q.interest, net.rank, net.debtor
    for d in range(D):
        draw_now[d] = 0.0 if failed(nd, lender[d]) else draws[d]
        claim[d] = balance[d] + interest[d] + draw_now[d] + disb[d]
        rk = rank[d]
        i = debtor[d]
        if rk == 0:
            secured[i] += claim[d]
        elif rk == 1:
            rank1[i] += claim[d]
        elif rk == 2:
            rank2[i] += claim[d]
        else:
            rank3[i] += claim[d]
    trade = q.work1
    trade[:] = 0.0
    claim_trade, lease, claimable = q.claim_trade, q.lease_claim, net.claimable
    for k in range(K):
        claim_trade[k] = (tdue[k] + lease[k]) if claimable[k] else 0.0
        if payer[k] < N:
            trade[payer[k]] += claim_trade[k]
    opex, other = q.opex, st.other_liabilities
    for i in range(N):
        rank1[i] = rank1[i] + trade[i] + opex[i] + other[i]


@kernel
def with_noncash(net: NetArrays, rules: Settings, st: PathState, q: Flows, nd: Array) -> None:
    """``q.noncash``: the non-cash assets other than loans (``q.noncash_other``) plus
    ``recovery_claims ×`` what is left of the loans each entity holds after this
    quarter's repayments (``q.loans``); a loan to a borrower in ``nd`` counts for nothing,
    its claim being paid through that borrower's waterfall."""
    kept, debtor, loans = q.work_d, net.debtor, q.loans
    for d in range(debtor.size):
        kept[d] = 0.0 if nd[debtor[d]] else loans[d]
    held = q.party
    to_creditors(net, kept, held)
    noncash, other, alive = q.noncash, q.noncash_other, st.alive
    recovery = rules.recovery_claims
    for i in range(net.cash0.size):
        noncash[i] = other[i] + held[i] * recovery if alive[i] else 0.0


@kernel
def estates(rules: Settings, st: PathState, q: Flows, revenue: Array, received: Array,
            out: Array) -> None:
    """Each entity's estate if it defaults, ``out`` (N,): ``alpha × (cash + revenue +
    equity raised + non-cash assets) + beta × receipts``, floored at 0."""
    alpha, beta = rules.alpha, rules.beta
    unit = alpha == 1.0 and beta == 1.0
    cash, raised, noncash = st.cash, q.raised, q.noncash
    for i in range(out.shape[0]):
        if unit:
            x = cash[i] + received[i] + raised[i] + revenue[i] + noncash[i]
        else:
            own = cash[i] + raised[i] + revenue[i] + noncash[i]
            x = alpha * own + beta * received[i]
        out[i] = max(x, 0.0)


@kernel
def waterfall(net: NetArrays, rules: Settings, st: PathState, q: Flows, nd: Array,
              estate: Array) -> None:
    """Distribute each defaulter's ``estate`` into the candidate payments ``q.n_*``:
    secured claims from their collateral (the non-cash assets, × alpha), then ranks 1, 2,
    3 pro rata, the rest as a residual; non-defaulters pay what is scheduled. The tier
    fractions (``q.c0``, ``q.r1``, ``q.f1``..``q.f3``) are kept for the marginal weights."""
    N = net.cash0.size
    alpha = rules.alpha
    noncash, secured, rank1, rank2, rank3 = q.noncash, q.secured, q.rank1, q.rank2, q.rank3
    c0s, r1s, f1s, f2s, f3s = q.c0, q.r1, q.f1, q.f2, q.f3
    opex, other = q.opex, st.other_liabilities
    n_opex, n_other, n_residual = q.n_opex, q.n_other, q.n_residual
    for i in range(N):
        coll = noncash[i] if alpha == 1.0 else alpha * noncash[i]
        sec = secured[i]
        c0 = ratio(min(coll, estate[i]), sec)
        pool = estate[i] - c0 * sec
        r1 = rank1[i] + (1.0 - c0) * sec
        f1 = ratio(pool, r1)
        pool = pool - f1 * r1
        f2 = ratio(pool, rank2[i])
        pool = pool - f2 * rank2[i]
        f3 = ratio(pool, rank3[i])
        c0s[i] = c0
        r1s[i] = r1
        f1s[i] = f1
        f2s[i] = f2
        f3s[i] = f3
        n_opex[i] = opex[i] * f1 if nd[i] else opex[i]
        n_other[i] = other[i] * f1 if nd[i] else 0.0
        n_residual[i] = pool - f3 * rank3[i] if nd[i] else 0.0
    debtor, rank, claim, service = net.debtor, net.rank, q.claim_debt, q.service
    n_service, n_draw, draw_now = q.n_service, q.n_draw, q.draw_now
    for d in range(debtor.size):
        i = debtor[d]
        if nd[i]:
            rk = rank[d]
            if rk == 0:
                frac = c0s[i] + (1.0 - c0s[i]) * f1s[i]
            elif rk == 1:
                frac = f1s[i]
            elif rk == 2:
                frac = f2s[i]
            else:
                frac = f3s[i]
            n_service[d] = claim[d] * frac
        else:
            n_service[d] = service[d]
        n_draw[d] = draw_now[d]
    payer, n_trade, claim_trade, tdue = net.payer, q.n_trade, q.claim_trade, q.tdue
    for k in range(payer.size):
        j = payer[k]
        n_trade[k] = claim_trade[k] * f1s[j] if failed(nd, j) else tdue[k]


@kernel
def adopt_candidate(q: Flows) -> float:
    """Make the candidate payments ``q.n_*`` the current ones ``q.p_*``; return the
    largest change of a debt, draw, trade payment or residual."""
    change = 0.0
    ps, ns, pd, nd_ = q.p_service, q.n_service, q.p_draw, q.n_draw
    for d in range(ps.size):
        change = max(change, abs(ns[d] - ps[d]), abs(nd_[d] - pd[d]))
        ps[d] = ns[d]
        pd[d] = nd_[d]
    pt, nt = q.p_trade, q.n_trade
    for k in range(pt.size):
        change = max(change, abs(nt[k] - pt[k]))
        pt[k] = nt[k]
    res, nres = q.residual, q.n_residual
    for i in range(res.size):
        change = max(change, abs(nres[i] - res[i]))
        res[i] = nres[i]
    q.p_opex[:] = q.n_opex
    q.p_other[:] = q.n_other
    return change


@kernel
def short_of_cash(rules: Settings, st: PathState, q: Flows, received: Array, nd: Array,
                  out: Array) -> bool:
    """``out``: ``nd`` plus the forced defaulters plus every live entity whose cash after
    the quarter's flows would fall below −``tolerance``. Returns whether it equals ``nd``."""
    same = True
    alive, cash, raised, inflow, full_out, forced = (st.alive, st.cash, q.raised, q.inflow,
                                                     q.full_out, q.forced)
    tol = rules.tolerance
    for i in range(out.shape[0]):
        short = alive[i] and (cash[i] + received[i] + raised[i] + inflow[i] - full_out[i]
                              < -tol)
        out[i] = nd[i] or forced[i] or short
        if out[i] != nd[i]:
            same = False
    return same


@kernel
def resolve_defaults(net: NetArrays, rules: Settings, st: PathState, q: Flows) -> int:
    """The fictitious-default loop from full payment (``q.p_*``, ``q.nd``); with exact
    clearing, refined by :func:`exact_clearing`. Returns ``OK`` or a failure code."""
    q.nd[:] = False
    q.p_service[:] = q.service
    q.p_draw[:] = q.draws
    q.p_trade[:] = q.tdue
    q.p_opex[:] = q.opex
    q.p_other[:] = 0.0
    q.residual[:] = 0.0
    exact = rules.clearing != CLEAR_LOOP
    for it in range(1, rules.max_iterations + 1):
        receipts(net, q, q.nd, q.received)
        same = short_of_cash(rules, st, q, q.received, q.nd, q.new_nd)
        claims(net, st, q, q.new_nd)
        with_noncash(net, rules, st, q, q.new_nd)
        estates(rules, st, q, q.inflow, q.received, q.estate)
        waterfall(net, rules, st, q, q.new_nd, q.estate)
        change = adopt_candidate(q)
        q.nd[:] = q.new_nd
        if (same and change < rules.tolerance * 1e-3) or (exact and it >= EXACT_SWEEPS):
            if exact and not exact_clearing(net, rules, st, q):
                return NO_CLEARING
            return OK
    return NO_CONVERGENCE


@kernel
def marginal_weight(q: Flows, i: int, rank: int) -> float:
    """Share of one more unit of defaulter ``i``'s estate going to each unit of a rank
    ``rank`` claim (0 for the secured rank's deficiency): the partly paid tier takes it
    pro rata, the others nothing."""
    piece1 = q.f1[i] < 1.0
    piece2 = not piece1 and q.f2[i] < 1.0
    piece3 = not piece1 and not piece2 and q.f3[i] < 1.0
    u1 = 1.0 / q.r1[i] if piece1 and q.r1[i] > 0.0 else 0.0
    if rank == 0:
        return (1.0 - q.c0[i]) * u1
    if rank == 1:
        return u1
    if rank == 2:
        return 1.0 / q.rank2[i] if piece2 and q.rank2[i] > 0.0 else 0.0
    return 1.0 / q.rank3[i] if piece3 and q.rank3[i] > 0.0 else 0.0


@kernel
def newton_step(net: NetArrays, rules: Settings, q: Flows) -> None:
    """One exact solve of the defaulters' estates ``q.estate_guess`` with their marginal
    tiers fixed: ``E_j − beta·Σ_i W[i, j]·E_i = implied_j − beta·Σ_i W[i, j]·E0_i`` over
    the defaulters ``q.nd``; a near-singular system takes the fixed-point step."""
    N = net.cash0.size
    pos, nd = q.position, q.nd
    m = 0
    for i in range(N):
        if nd[i]:
            pos[i] = m
            m += 1
        else:
            pos[i] = -1
    W = np.zeros((m, m))
    debtor, rank, claim_debt = net.debtor, net.rank, q.claim_debt
    ptr, idx, w = net.cr_ptr, net.cr_idx, net.cr_w
    for d in range(debtor.size):
        a = pos[debtor[d]]
        if a < 0:
            continue
        mw = claim_debt[d] * marginal_weight(q, debtor[d], rank[d])
        for n in range(ptr[d], ptr[d + 1]):
            j = idx[n]
            if j < N and pos[j] >= 0:
                W[a, pos[j]] += mw * w[n]
    payer, payee, claimable, claim_trade = net.payer, net.payee, net.claimable, q.claim_trade
    for k in range(payer.size):
        i, j = payer[k], payee[k]
        if i < N and j < N and claimable[k] and pos[i] >= 0 and pos[j] >= 0:
            W[pos[i], pos[j]] += claim_trade[k] * marginal_weight(q, i, 1)
    A = np.eye(m)
    rhs = np.zeros(m)
    who = np.zeros(m, dtype=np.int64)
    for i in range(N):
        if pos[i] >= 0:
            who[pos[i]] = i
    beta, implied, guess = rules.beta, q.implied, q.estate_guess
    for a in range(m):
        rhs[a] = implied[who[a]]
        for b in range(m):
            A[a, b] -= beta * W[b, a]
            rhs[a] -= beta * W[b, a] * guess[who[b]]
    sv = np.linalg.svd(A)[1]
    top, low = sv[0], sv[m - 1]
    if m < N:                       # the full system has identity rows for the others
        top, low = max(top, 1.0), min(low, 1.0)
    if low > 0.0 and top / low < CLEARING_COND_MAX:
        sol = np.linalg.solve(A, rhs)
        for a in range(m):
            guess[who[a]] = sol[a]
    else:
        for a in range(m):
            guess[who[a]] = implied[who[a]]


@kernel
def exact_clearing(net: NetArrays, rules: Settings, st: PathState, q: Flows) -> bool:
    """Refine the loop's payments ``q.p_*`` and default set ``q.nd`` to the exact clearing
    payments (see the module docstring). Returns False if it did not converge."""
    N = net.cash0.size
    receipts(net, q, q.nd, q.received)
    with_noncash(net, rules, st, q, q.nd)
    estates(rules, st, q, q.inflow, q.received, q.estate_guess)
    for _ in range(N + 1):
        claims(net, st, q, q.nd)
        with_noncash(net, rules, st, q, q.nd)
        converged = False
        for r in range(rules.max_iterations):
            waterfall(net, rules, st, q, q.nd, q.estate_guess)
            adopt_candidate(q)
            receipts(net, q, q.nd, q.received)
            estates(rules, st, q, q.inflow, q.received, q.implied)
            converged = True
            nd, implied, guess = q.nd, q.implied, q.estate_guess
            for i in range(N):
                if nd[i] and abs(implied[i] - guess[i]) > (
                        rules.tolerance * 1e-3 * max(1.0, abs(guess[i]))):
                    converged = False
                    break
            if converged:
                break
            if r < NEWTON_ROUNDS:
                newton_step(net, rules, q)
            else:
                q.estate_guess[:] = q.implied
        if not converged:
            return False
        if short_of_cash(rules, st, q, q.received, q.nd, q.new_nd):
            return True
        q.nd[:] = q.new_nd
        q.estate_guess[:] = q.implied
    return False
