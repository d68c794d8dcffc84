"""A plain reference implementation of the engine's rules: one path at a time, one entity,
instrument and obligation at a time, in scalar Python.

It is deliberately slow and simple, and kept as it was when the engine was vectorised
(frozen): the tests check that the compiled engine gives the same numbers on random
networks. It reads the compiled arrays (so it checks the quarter
step, not compilation) and restates every rule of a quarter: schedules, the operating
model, the liquidity ladder, the fictitious-default loop, the waterfall and settlement.
"""

# The per-quarter helpers (receipts, claims, waterfall) are closures over that quarter's
# lists and are only called within the quarter that defines them.
# ruff: noqa: B023

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from ..engine.arrays import FUND_KINDS
from ..engine.codes import (
    ANNUITY,
    BULLET,
    CALL,
    CHIP,
    COMPUTE,
    CUSTOM,
    DISBURSE,
    LINEAR,
    MARKET_DEMAND,
    MARKET_RENTAL,
    POWER,
    RENT,
    TRANCHE,
    VAR_DEMAND,
    VAR_WINDOW,
)
from ..engine.compile import Compiled, EngineParams, remaining_contracted
from ..engine.factors import FactorPaths
from ..engine.stages.clearing import CLEARING_COND_MAX, EXACT_SWEEPS, NEWTON_ROUNDS
from ..model.network import Network

Array = np.ndarray


def _principal(c: Compiled, d: int, bal: float, rate: float, t: int,
               maturity: int | None = None) -> float:
    am = int(c.amort[d])
    if am > CUSTOM:
        return 0.0
    left = (int(c.maturity[d]) if maturity is None else maturity) - t + 1
    if left <= 1:
        x = bal
    elif am == BULLET or (c.amort_start is not None and t < c.amort_start[d]):
        x = 0.0   # bullet, or interest only before amortisation starts
    elif am == LINEAR:
        x = bal / left
    elif am == ANNUITY:
        r = rate / 4.0
        pay = bal / left if r == 0.0 or r <= -1.0 else bal * r / -math.expm1(-left * math.log1p(r))
        x = pay - bal * r
    else:
        x = min(float(c.custom[t, d]), bal)
    return min(max(x, 0.0), bal)


def _ratio(a: float, b: float) -> float:
    return min(a / b, 1.0) if b > 0 else 1.0


def _newton_ref(c: Compiled, nd: list[bool], est: list[float], implied: list[float],
                beta: float, cl: tuple, dist: dict, oliab: list[float], opex: list[float],
                lender: list[int]) -> list[float]:
    """One exact solve of the defaulters' estates with their marginal tiers held fixed:
    ``E_j − beta·Σ_i W[i, j]·E_i = implied_j − beta·Σ_i W[i, j]·est_i``."""
    N, D, K = c.n_entities, c.n_debt, c.n_trade
    _, cd, ck, _, _, r2, r3 = cl
    fr, c0s, rr1s = dist["fr"], dist["c0"], dist["rr1"]
    W = np.zeros((N, N + 1))
    rest = [0.0] * N
    u = [[0.0] * 4 for _ in range(N)]
    for i in range(N):
        if not nd[i]:
            continue
        f1, f2, f3 = fr[i][1], fr[i][2], fr[i][3]
        if f1 < 1.0:
            u1 = 1.0 / rr1s[i] if rr1s[i] > 0 else 0.0
            u[i] = [(1.0 - c0s[i]) * u1, u1, 0.0, 0.0]
            W[i, N] += (opex[i] + oliab[i]) * u1
        elif f2 < 1.0:
            u[i][2] = 1.0 / r2[i] if r2[i] > 0 else 0.0
        elif f3 < 1.0:
            u[i][3] = 1.0 / r3[i] if r3[i] > 0 else 0.0
        else:
            rest[i] = 1.0
    for d in range(D):
        i = c.debtor[d]
        for j in range(N + 1):
            W[i, j] += cd[d] * u[i][c.rank[d]] * c.creditor_share[d, j]
    for k in range(K):
        i = c.payer[k]
        if i < N and c.trade_kind[k] in (RENT, COMPUTE, CHIP, POWER):
            W[i, c.payee[k]] += ck[k] * u[i][1]
    listed = [0.0] * N
    for e in range(len(c.stake_issuer)):
        i, h, own = c.stake_issuer[e], c.stake_holder[e], c.stake_ownership[e]
        listed[i] += own
        W[i, N if nd[h] else h] += rest[i] * own
    A = np.eye(N)
    rhs = list(est)
    for j in range(N):
        W[j, N] += rest[j] * max(1.0 - listed[j], 0.0)
    for j in range(N):
        if not nd[j]:
            continue
        rhs[j] = implied[j]
        for i in range(N):
            if nd[i]:
                A[j, i] -= beta * W[i, j]
                rhs[j] -= beta * W[i, j] * est[i]
    if np.linalg.cond(A) >= CLEARING_COND_MAX:
        return [implied[i] if nd[i] else est[i] for i in range(N)]
    sol = np.linalg.solve(A, np.array(rhs))
    return [float(sol[i]) if nd[i] else est[i] for i in range(N)]


def _path(c: Compiled, f: FactorPaths, p: int) -> dict[str, Array]:
    prm = c.params
    N, D, K, T, E = c.n_entities, c.n_debt, c.n_trade, c.n_quarters, len(c.stake_ids)
    G = len(c.generations)
    EXT = N
    delta = 1.0 / (4.0 * prm.accounting_life_years)
    lender = [int(np.argmax(c.creditor_share[d])) for d in range(D)]

    def receipts(ps: list[float], pd_: list[float], pt: list[float],
                 rs: list[float], flags: list[bool]) -> list[float]:
        """What each party receives (N+1) from debt service ``ps``, draws ``pd_``, trade
        payments ``pt`` and defaulters' residuals ``rs`` (``flags``: this quarter's
        defaulters, whose shares of a residual go outside)."""
        r = [0.0] * (N + 1)
        for i in range(N):
            left = rs[i]
            for e in range(E):
                h = c.stake_holder[e]
                if c.stake_issuer[e] == i and not flags[h]:
                    r[h] += rs[i] * c.stake_ownership[e]
                    left -= rs[i] * c.stake_ownership[e]
            r[EXT] += left
        for d in range(D):
            for j in range(N + 1):
                r[j] += ps[d] * c.creditor_share[d, j]
            r[c.debtor[d]] += pd_[d]
        for k in range(K):
            r[c.payee[k]] += pt[k]
        return r

    # chip schedule with this path's delays
    chip_sched = np.zeros((T, K))
    for k in range(K):
        if c.trade_kind[k] == CHIP:
            for s in range(T):
                tgt = s + int(np.rint(f.chip_delay[p, s]))
                if tgt < T:
                    chip_sched[tgt, k] += c.fixed[s, k]

    # strategic lease exits on this path
    exit_q = [T] * K
    if prm.strategic_default:
        for k in range(K):
            if not c.exit_allowed[k]:
                continue
            run = 0
            for s in range(T):
                run = run + 1 if f.ai_demand[p, s] < c.exit_threshold[k] else 0
                if (run >= max(int(c.exit_run[k]), 1) and c.exit_first[k] <= s
                        <= c.exit_last[k]):
                    exit_q[k] = s
                    break

    cash = [float(x) for x in c.cash0]
    alive = [True] * N
    dq = [-1] * N
    bal = [float(x) for x in c.principal0]
    und = [float(x) for x in c.undrawn0]
    gv = [[float(c.gpu_mv_cost0[i, g]) * float(f.resale(c.generations[g])[p, 0])
           for g in range(G)] for i in range(N)]
    gbook = [float(x) for x in c.gpu_book0]
    fbook = [0.0] * N
    other = [float(x) for x in c.other_assets0]
    oliab = [float(x) for x in c.other_liabilities]
    stakes = [float(x) for x in c.stake_held0]
    breach = [0] * D
    dscr_breach = [0] * D
    cscale = [1.0] * D          # share of each pledged GPU pool not yet sold in cures
    mat = [int(x) for x in c.maturity]  # maturities, moved when debt rolls over at maturity
    dscr_hist: list[tuple[list[float], list[float]]] = []   # earlier quarters' DSCR parts
    gpaid = [0.0] * len(c.guar_debt)
    loss_d, loss_k, loss_x, short = [0.0] * D, [0.0] * K, [0.0] * N, [0.0] * N

    def sheet() -> tuple[list[float], list[float]]:
        a = [0.0] * N
        li = [0.0] * N
        for i in range(N):
            if not alive[i]:
                continue
            a[i] = cash[i] + other[i] + fbook[i] + gbook[i]
            li[i] = oliab[i]
        for d in range(D):
            for j in range(N):
                if alive[j]:
                    a[j] += bal[d] * c.creditor_share[d, j]
            if alive[c.debtor[d]]:
                li[c.debtor[d]] += bal[d]
        for e in range(E):
            if alive[c.stake_holder[e]]:
                a[c.stake_holder[e]] += stakes[e]
        if prm.equity_marks and eq0 is not None:
            eq_cost = [a[i] - li[i] for i in range(N)]
            for e in range(E):
                h, i = c.stake_holder[e], c.stake_issuer[e]
                if not alive[h]:
                    continue
                if eq0[i] > 0:
                    ratio = max(eq_cost[i], 0.0) / eq0[i]
                else:
                    ratio = 1.0 if eq_cost[i] > 0 else 0.0
                a[h] += stakes[e] * (ratio - 1.0)
        return a, li

    eq0: list[float] | None = None
    a0, l0 = sheet()
    eq0 = [a0[i] - l0[i] for i in range(N)]
    mkt = [max(a0[i] - l0[i], 0.0) * c.equity_multiple[i] for i in range(N)]
    eq_prev = [a0[i] - l0[i] for i in range(N)]
    rem = remaining_contracted(c)

    def leverage(a: list[float], li: list[float], alive: list[bool], t: int) -> list[float]:
        a, li = list(a), list(li)
        for k in range(K):
            pa, pe = c.payer[k], c.payee[k]
            if (pa >= N or alive[pa]) and (pe >= N or alive[pe]):
                if pe < N:
                    a[pe] += rem[t, k]
                if pa < N:
                    li[pa] += rem[t, k]
        return [(li[i] / a[i] if a[i] > 0 else 10.0) if li[i] > 0 else 0.0 for i in range(N)]

    lev = leverage(a0, l0, [True] * N, 0)
    out = {v: np.zeros((T, N)) for v in ("cash", "revenue", "costs", "capex", "debt",
                                         "book_equity", "alive")}
    out["debt_paid"] = np.zeros((T, D))
    out["gpu_impact"] = np.ones((T, G))
    out["trade_paid"] = np.zeros((T, K))

    def up(j: int) -> bool:
        return j == EXT or alive[j]

    # milestone tranches: paid in the first quarter from their date with demand at level
    ms_due: dict[tuple[int, int], float] = {}
    for m in range(len(c.ms_trade)):
        for tm in range(int(c.ms_first[m]), T):
            if f.ai_demand[p, tm] >= c.ms_level[m]:
                amt = float(c.ms_amount[m])
                if c.ms_window[m]:
                    amt *= float(f.equity_window[p, tm])
                key = (tm, int(c.ms_trade[m]))
                ms_due[key] = ms_due.get(key, 0.0) + amt
                break

    level: list[float] | None = None      # GPU price multiplier left by fire sales
    coef = [float(c.rate[d]) for d in range(D)]   # coupon or spread, repriced at roll-over
    for t in range(T):
        # fleets are worth the quarter's resale price all through it
        for i in range(N):
            g_ = (float(f.resale(c.generations[g])[p, t] / f.resale(c.generations[g])[p, t - 1])
                  if t > 0 else 1.0 for g in range(G))
            gv[i] = [v * x for v, x in zip(gv[i], g_, strict=True)]
        # schedules
        rate = [float(f.base_rate[p, t]) + coef[d] if c.floating[d] else coef[d]
                for d in range(D)]
        intr = [bal[d] * rate[d] / 4.0 for d in range(D)]
        prin = [_principal(c, d, bal[d], rate[d], t, mat[d]) for d in range(D)]
        due = [0.0] * K
        for k in range(K):
            if not (up(c.payer[k]) and up(c.payee[k])):
                continue
            fx = chip_sched[t, k] if c.trade_kind[k] == CHIP else c.fixed[t, k]
            v = c.variable[t, k]
            if c.var_factor[k] == VAR_DEMAND:
                v *= f.ai_demand[p, t]
            elif c.var_factor[k] == VAR_WINDOW:
                v *= f.equity_window[p, t]
            else:
                v = 0.0
            due[k] = fx + v + ms_due.get((t, k), 0.0)
            if exit_q[k] < t:
                due[k] = 0.0
            elif exit_q[k] == t:
                due[k] = (c.exit_payment[k] if c.exit_payment[k] >= 0
                          else c.lease_claim[t, k])
        mrev = [0.0] * N
        opex = [0.0] * N
        capex = [0.0] * N
        for i in range(N):
            if not alive[i]:
                continue
            dem = f.ai_demand[p, t]
            fac = 1.0
            if c.market_driver[i] == MARKET_DEMAND:
                fac = dem
            elif c.market_driver[i] == MARKET_RENTAL:
                fac = f.gpu_rental_price[p, t] * min(dem, 1.0)
            if c.capacity_ratio is not None:
                fac = min(fac, float(c.capacity_ratio[t, i]))
            if c.powered[i]:
                fac *= f.power_availability[p, t]
            share = c.ai_share[i]
            scale = 1.0 if c.revenue_scale is None else float(c.revenue_scale[t, i])
            mrev[i] = c.market_revenue_q[i] * ((1.0 - share) + share * fac) * scale + (
                cash[i] * max(float(f.base_rate[p, t]), 0.0) + other[i] * c.asset_yield[i]) / 4.0
            opex[i] = c.opex_q[i]
            capex[i] = c.capex[t, i]

        # contributions only as far as the investor can pay
        aff = [cash[i] + mrev[i] - opex[i] for i in range(N)]
        owed = [0.0] * N
        for d in range(D):
            aff[c.debtor[d]] -= intr[d] + prin[d]
            for j in range(N):
                aff[j] += (intr[d] + prin[d]) * c.creditor_share[d, j]
        for k in range(K):
            if c.payee[k] < N:
                aff[c.payee[k]] += due[k]
            if c.payer[k] < N:
                if c.trade_kind[k] in (TRANCHE, CALL):
                    owed[c.payer[k]] += due[k]
                else:
                    aff[c.payer[k]] -= due[k]
        ratio = [_ratio(max(aff[i], 0.0), owed[i]) for i in range(N)]
        for k in range(K):
            if c.trade_kind[k] in (TRANCHE, CALL) and c.payer[k] < N:
                full = due[k]
                due[k] *= ratio[c.payer[k]]
                aff[c.payer[k]] -= due[k]
                if c.payee[k] < N:      # what lapses never reaches the payee
                    aff[c.payee[k]] -= full - due[k]
        # options: only from cash above the buffer, after the contributions paid
        opt = [0.0] * N
        for k in range(K):
            if c.discretionary.size and c.discretionary[k] and c.payer[k] < N:
                opt[c.payer[k]] += due[k]
                aff[c.payer[k]] += due[k]
        for k in range(K):
            if c.discretionary.size and c.discretionary[k] and c.payer[k] < N:
                i = c.payer[k]
                due[k] *= _ratio(max(aff[i] - c.min_cash[i], 0.0), opt[i])

        # DSCR covenants on the scheduled flows
        accel = [0.0] * D
        dbrk = [False] * D
        if prm.dscr_covenants and c.min_dscr is not None and any(
                math.isfinite(float(x)) for x in c.min_dscr):
            noi = [mrev[i] - opex[i] for i in range(N)]
            ds = [0.0] * N
            for k in range(K):
                if c.trade_kind[k] in (RENT, COMPUTE, CHIP, POWER) and c.payee[k] < N:
                    noi[c.payee[k]] += due[k]
                if c.trade_kind[k] in (RENT, COMPUTE, POWER) and c.payer[k] < N:
                    noi[c.payer[k]] -= due[k]
            for d in range(D):
                ds[c.debtor[d]] += intr[d] + prin[d]
            noi_w, ds_w = list(noi), list(ds)
            for h_noi, h_ds in dscr_hist:
                noi_w = [a + b for a, b in zip(noi_w, h_noi, strict=True)]
                ds_w = [a + b for a, b in zip(ds_w, h_ds, strict=True)]
            if prm.dscr_window_quarters > 1:
                dscr_hist = (dscr_hist + [(noi, ds)])[-(prm.dscr_window_quarters - 1):]
            for d in range(D):
                i = c.debtor[d]
                if not math.isfinite(float(c.min_dscr[d])) or not alive[i] or bal[d] <= 0:
                    continue
                cover = noi_w[i] / ds_w[i] if ds_w[i] > 0 else math.inf
                dbrk[d] = cover < c.min_dscr[d]
                if dbrk[d] and dscr_breach[d] + 1 >= c.cure_quarters[d]:
                    accel[d] = max(bal[d] - prin[d], 0.0)

        # liquidity ladder
        proj = [cash[i] + mrev[i] - opex[i] - capex[i] for i in range(N)]
        for d in range(D):
            svc = intr[d] + prin[d]
            proj[c.debtor[d]] -= svc
            for j in range(N):
                proj[j] += svc * c.creditor_share[d, j]
        for k in range(K):
            if c.payer[k] < N:
                proj[c.payer[k]] -= due[k]
            if c.payee[k] < N:
                proj[c.payee[k]] += due[k]
        need = [max(c.min_cash[i] - proj[i], 0.0) if alive[i] else 0.0 for i in range(N)]
        draw = [0.0] * D
        for d in range(D):
            if c.drawable[d] and c.draw_last[d] >= t:
                i = c.debtor[d]
                draw[d] = min(und[d], need[i]) if up(lender[d]) else 0.0
                need[i] -= draw[d]
        refi = [0.0] * D
        window = f.equity_window[p, t]
        prem = [0.0] * N
        if prm.refinancing_conditions:
            for i in range(N):
                prem[i] = prm.refinance_leverage_spread * max(lev[i] - 0.5, 0.0)
                same = [j for j in range(N) if c.kinds[j] == c.kinds[i]]
                if len(same) > 1:
                    hit = sum(1 for j in same if dq[j] >= 0 and dq[j] >= t - 4)
                    prem[i] += prm.refinance_contagion_spread * hit / (len(same) - 1)
        guarantor = {int(d): int(g) for d, g in zip(c.guar_debt, c.guar_by, strict=True)}
        for d in range(D):
            i = c.debtor[d]
            bucket = "IG" if c.rating_bucket[i] == 0 else "HY"
            is_open = (f.credit_spread[bucket][p, t] + prem[i] < prm.refinance_spread_max
                       and window > 0)
            if prm.refinancing_conditions and d in guarantor:
                g = guarantor[d]
                gb = "IG" if c.rating_bucket[g] == 0 else "HY"
                is_open = is_open or (alive[g] and f.credit_spread[gb][p, t]
                                      < prm.refinance_spread_max)
            if is_open:
                refi[d] = min(prin[d], need[i])
                need[i] -= refi[d]
            if prm.refinancing_conditions and refi[d] > 0:
                s_now = f.credit_spread[bucket][p, t] + prem[i]
                if d in guarantor and alive[guarantor[d]]:
                    gb = "IG" if c.rating_bucket[guarantor[d]] == 0 else "HY"
                    s_now = min(s_now, float(f.credit_spread[gb][p, t]))
                market = s_now if c.floating[d] else float(f.base_rate[p, t]) + s_now
                keep = max(bal[d] - prin[d], 0.0)
                coef[d] = (keep * coef[d] + refi[d] * market) / (keep + refi[d])
        raised = [min(max(need[i], 0.0), prm.equity_raise_cap * window * c.market_access[i]
                      * max(mkt[i], 0.0)) if alive[i] else 0.0 for i in range(N)]
        if prm.refinance_term_quarters > 0:
            for d in range(D):
                if refi[d] > 0 and t >= mat[d]:
                    mat[d] = t + prm.refinance_term_quarters
        prin = [prin[d] - refi[d] for d in range(D)]
        serv = [intr[d] + prin[d] for d in range(D)]
        full_out = list(opex)
        for d in range(D):
            full_out[c.debtor[d]] += serv[d]
            if lender[d] < N:
                full_out[lender[d]] += draw[d]
        for k in range(K):
            if c.payer[k] < N:
                full_out[c.payer[k]] += due[k]

        # fire sales: rerun the default resolution with the GPU price multiplier of the
        # current default set until the set reproduces itself
        carry = ([x ** prm.gpu_price_persistence for x in level]
                 if prm.fire_sale_feedback and level is not None else None)
        impact: list[float] | None = carry
        sold_by = [False] * N
        serv0, full_out0 = list(serv), list(full_out)
        covenanted = prm.ltv_covenants and c.ltv_max is not None and any(
            math.isfinite(float(c.ltv_max[t, d])) for d in range(D))
        cure = [0.0] * D
        brk = [False] * D
        has_extra = covenanted or any(x > 0 for x in accel)
        selling = covenanted and prm.ltv_cure_sales
        # an accelerated balance is already due in full: no room is left for a cure
        room = [max(bal[d] - prin[d] - accel[d], 0.0) for d in range(D)]
        sales, pledged, sale_in = [0.0] * D, [0.0] * D, [0.0] * N
        spare = [0.0] * N
        if selling:
            r_s = receipts(serv0, draw, due, [0.0] * N, [False] * N)
            spare = [max(cash[i] + r_s[i] + raised[i] + mrev[i] - full_out0[i]
                         - c.min_cash[i], 0.0) if alive[i] else 0.0 for i in range(N)]
        beta_fs = -math.log(1.0 - prm.gpu_price_impact) / 0.05
        dump = carry
        if prm.fire_sale_feedback and dump is None and selling:
            dump = [1.0] * G
        impact = dump
        for _fs in range(2 * N + 4):
            if has_extra and covenanted:
                # cures and the price they settle at, for this default set
                used = [0.0] * D
                impact = dump
                for _cm in range(prm.max_iterations):
                    for d in range(D):
                        cure[d], brk[d], pledged[d] = 0.0, False, 0.0
                        lim = float(c.ltv_max[t, d])
                        g = int(c.coll_gen[d])
                        if not math.isfinite(lim) or g < 0:
                            continue
                        rs = f.resale(c.generations[g])
                        pledged[d] = (c.coll_value0[d] * float(rs[p, t] / rs[p, 0])
                                      * (1.0 if impact is None else impact[g]) * cscale[d])
                        value = pledged[d]
                        if c.coll_receivables is not None and c.coll_receivables[d]:
                            value += sum(rem[t, k] for k in range(K)
                                         if c.payee[k] == c.debtor[d]
                                         and (c.payer[k] >= N or alive[c.payer[k]]))
                        excess = bal[d] - lim * value
                        brk[d] = (alive[c.debtor[d]] and bal[d] > 0
                                  and excess > prm.tolerance)
                        if brk[d] and breach[d] + 1 >= c.cure_quarters[d]:
                            cure[d] = min(excess, room[d])
                    if not selling:
                        break
                    price = [1.0] * G if impact is None else impact
                    owed_c = [0.0] * N
                    for d in range(D):
                        owed_c[c.debtor[d]] += cure[d]
                    cash_part = [cure[d] * _ratio(spare[c.debtor[d]], owed_c[c.debtor[d]])
                                 for d in range(D)]
                    want = [0.0] * D
                    total: dict[tuple[int, int], float] = {}
                    for d in range(D):
                        lim = float(c.ltv_max[t, d])
                        gap = 1.0 - lim if math.isfinite(lim) else 0.0
                        if gap > 0 and c.coll_gen[d] >= 0 and not sold_by[c.debtor[d]]:
                            want[d] = min((cure[d] - cash_part[d]) / gap, pledged[d],
                                          max(room[d] - cash_part[d], 0.0))
                        key = (int(c.debtor[d]), int(c.coll_gen[d]))
                        total[key] = total.get(key, 0.0) + want[d]
                    sale_in = [0.0] * N
                    for d in range(D):
                        i, g = int(c.debtor[d]), int(c.coll_gen[d])
                        lim = float(c.ltv_max[t, d])
                        gap = 1.0 - lim if math.isfinite(lim) else 0.0
                        can = gap > 0 and g >= 0
                        held = gv[i][g] * price[g] if g >= 0 else 0.0
                        sales[d] = want[d] * _ratio(held, total[(i, g)])
                        uncured = max(cure[d] - cash_part[d] - (sales[d] * gap if can else 0.0),
                                      0.0)
                        cure[d] = min(cash_part[d] + sales[d] + uncured, room[d])
                        sale_in[i] += sales[d]

                    if not prm.fire_sale_feedback:
                        break
                    if max((abs(a - b) for a, b in zip(sales, used, strict=True)),
                           default=0.0) <= prm.tolerance:
                        break
                    assert dump is not None
                    price = [1.0] * G if impact is None else impact
                    qs = [0.0] * G
                    for d in range(D):
                        if c.coll_gen[d] >= 0:
                            qs[c.coll_gen[d]] += sales[d] / price[c.coll_gen[d]]
                    impact = []
                    for g in range(G):
                        depth = prm.gpu_market_depth * sum(gv[i][g] for i in range(N)
                                                           if alive[i])
                        sold_share = qs[g] / depth if depth > 0 else 0.0
                        impact.append(dump[g] * math.exp(-beta_fs * sold_share))
                    used = list(sales)
            inflow = [mrev[i] + sale_in[i] for i in range(N)]
            if has_extra:
                serv = [serv0[d] + cure[d] + accel[d] for d in range(D)]
                full_out = list(full_out0)
                for d in range(D):
                    full_out[c.debtor[d]] += cure[d] + accel[d]
            # fictitious-default loop
            noncash = [0.0] * N
            for i in range(N):
                if alive[i]:
                    gpu = (sum(gv[i]) if impact is None
                           else sum(v * x for v, x in zip(gv[i], impact, strict=True)))
                    noncash[i] = (other[i] * prm.recovery_other_assets
                                  + fbook[i] * prm.recovery_other_assets + gpu)
            # loans held: what is left after this quarter's repayments, nothing for a loan
            # to a borrower defaulting now (its claim is paid through its waterfall)
            nc_base = list(noncash)
            left = [max(bal[d] - prin[d] - cure[d] - accel[d], 0.0) for d in range(D)]

            def nc_given(flags: list[bool]) -> list[float]:
                held = [0.0] * N
                for d in range(D):
                    if flags[c.debtor[d]]:
                        continue
                    for j in range(N):
                        held[j] += left[d] * c.creditor_share[d, j]
                return [nc_base[j] + held[j] * prm.recovery_claims if alive[j] else 0.0
                        for j in range(N)]

            noncash = nc_given([False] * N)
            forced = [bool(prm.fund_wind_down and c.kinds[i] in FUND_KINDS and alive[i]
                           and eq_prev[i] < -prm.tolerance)
                      or bool(c.forced_default is not None and alive[i]
                              and c.forced_default[i] == t) for i in range(N)]
            nd = [False] * N
            p_serv, p_draw, p_trade = list(serv), list(draw), list(due)
            p_opex, p_other, resid = list(opex), [0.0] * N, [0.0] * N
            cl_d, cl_k = [0.0] * D, [0.0] * K
            alpha, beta = prm.default_costs
            exact = prm.clearing != "loop"

            def isnd(j: int, flags: list[bool]) -> bool:
                return j < N and flags[j]

            def estate_of(i: int, received: float) -> float:
                if alpha == 1.0 and beta == 1.0:
                    return max(cash[i] + received + raised[i] + inflow[i] + noncash[i], 0.0)
                own = cash[i] + raised[i] + inflow[i] + noncash[i]
                return max(alpha * own + beta * received, 0.0)

            def claims_of(new: list[bool]) -> tuple:
                drw = [0.0 if isnd(lender[d], new) else draw[d] for d in range(D)]
                cd = [bal[d] + intr[d] + drw[d] for d in range(D)]
                for k in range(K):
                    if c.trade_kind[k] == DISBURSE and not isnd(c.payer[k], new):
                        cd[c.disburses[k]] += due[k]
                ck = [(due[k] + (c.lease_claim[t, k] if c.trade_kind[k] == RENT
                                 and exit_q[k] > t else 0.0))
                      if c.trade_kind[k] in (RENT, COMPUTE, CHIP, POWER) else 0.0
                      for k in range(K)]
                sec = [0.0] * N
                r1 = [opex[i] + oliab[i] for i in range(N)]
                r2 = [0.0] * N
                r3 = [0.0] * N
                for d in range(D):
                    tgt = (sec, r1, r2, r3)[c.rank[d]]
                    tgt[c.debtor[d]] += cd[d]
                for k in range(K):
                    if c.payer[k] < N:
                        r1[c.payer[k]] += ck[k]
                return drw, cd, ck, sec, r1, r2, r3

            def distribute(new: list[bool], est: list[float], cl: tuple) -> dict:
                drw, cd, ck, sec, r1, r2, r3 = cl
                fr = [[1.0] * 4 for _ in range(N)]
                res = [0.0] * N
                c0s = [1.0] * N
                rr1s = [0.0] * N
                for i in range(N):
                    estate = est[i]
                    coll = noncash[i] if alpha == 1.0 else alpha * noncash[i]
                    c0 = _ratio(min(coll, estate), sec[i])
                    pool = estate - c0 * sec[i]
                    rr1 = r1[i] + (1.0 - c0) * sec[i]
                    f1 = _ratio(pool, rr1)
                    pool -= f1 * rr1
                    f2 = _ratio(pool, r2[i])
                    pool -= f2 * r2[i]
                    f3 = _ratio(pool, r3[i])
                    res[i] = pool - f3 * r3[i]
                    fr[i] = [c0 + (1.0 - c0) * f1, f1, f2, f3]
                    c0s[i], rr1s[i] = c0, rr1
                return dict(
                    serv=[cd[d] * fr[c.debtor[d]][c.rank[d]] if new[c.debtor[d]] else serv[d]
                          for d in range(D)],
                    trade=[ck[k] * fr[c.payer[k]][1] if isnd(c.payer[k], new) else due[k]
                           for k in range(K)],
                    draw=drw,
                    opex=[opex[i] * fr[i][1] if new[i] else opex[i] for i in range(N)],
                    other=[oliab[i] * fr[i][1] if new[i] else 0.0 for i in range(N)],
                    resid=[res[i] if new[i] else 0.0 for i in range(N)],
                    fr=fr, c0=c0s, rr1=rr1s)

            for it in range(prm.max_iterations):
                rec = receipts(p_serv, p_draw, p_trade, resid, nd)
                new = [nd[i] or forced[i] or (alive[i] and cash[i] + rec[i] + raised[i]
                                              + inflow[i] - full_out[i] < -prm.tolerance)
                       for i in range(N)]
                if not any(new):
                    nd = new
                    break
                cl = claims_of(new)
                noncash = nc_given(new)
                _, cl_d, cl_k = cl[0], cl[1], cl[2]
                dist = distribute(new, [estate_of(i, rec[i]) for i in range(N)], cl)
                change = max([abs(a - b) for a, b in zip(dist["serv"], p_serv, strict=True)]
                             + [abs(a - b) for a, b in zip(dist["trade"], p_trade, strict=True)]
                             + [abs(a - b) for a, b in zip(dist["draw"], p_draw, strict=True)]
                             + [abs(dist["resid"][i] - resid[i]) for i in range(N)])
                stable = new == nd and change < prm.tolerance * 1e-3
                p_serv, p_trade, p_draw = dist["serv"], dist["trade"], dist["draw"]
                p_opex, p_other, resid = dist["opex"], dist["other"], dist["resid"]
                nd = new
                if stable or (exact and it + 1 >= EXACT_SWEEPS):
                    break
            else:
                raise RuntimeError("reference: default loop did not converge")

            if exact and any(nd):
                rec = receipts(p_serv, p_draw, p_trade, resid, nd)
                noncash = nc_given(nd)
                est = [estate_of(i, rec[i]) for i in range(N)]
                for _ in range(N + 1):
                    cl = claims_of(nd)
                    noncash = nc_given(nd)
                    for r in range(prm.max_iterations):
                        dist = distribute(nd, est, cl)
                        rec = receipts(dist["serv"], dist["draw"], dist["trade"], dist["resid"],
                                       nd)
                        implied = [estate_of(i, rec[i]) for i in range(N)]
                        if all(abs(implied[i] - est[i]) <= prm.tolerance * 1e-3
                               * max(1.0, abs(est[i])) for i in range(N) if nd[i]):
                            break
                        if r < NEWTON_ROUNDS:
                            est = _newton_ref(c, nd, est, implied, beta, cl, dist, oliab, opex,
                                              lender)
                        else:
                            est = [implied[i] if nd[i] else est[i] for i in range(N)]
                    else:
                        raise RuntimeError("reference: exact clearing did not converge")
                    more = [nd[i] or forced[i] or (alive[i] and cash[i] + rec[i] + raised[i]
                                                   + inflow[i] - full_out[i] < -prm.tolerance)
                            for i in range(N)]
                    if more == nd:
                        break
                    nd = more
                    est = [implied[i] if nd[i] else est[i] for i in range(N)]
                else:
                    raise RuntimeError("reference: exact clearing did not converge")
                cl_d, cl_k = cl[1], cl[2]
                p_serv, p_trade, p_draw = dist["serv"], dist["trade"], dist["draw"]
                p_opex, p_other, resid = dist["opex"], dist["other"], dist["resid"]
            noncash = nc_given(nd)
            if not prm.fire_sale_feedback and not selling:
                break
            if nd == sold_by:
                break
            sold_by = list(nd)
            if prm.fire_sale_feedback:
                dump = []
                for g in range(G):
                    depth = prm.gpu_market_depth * sum(gv[i][g] for i in range(N) if alive[i])
                    q = sum(gv[i][g] for i in range(N) if nd[i])
                    dump.append((math.exp(-beta_fs * q / depth) if depth > 0 else 1.0)
                                * (1.0 if carry is None else carry[g]))
                impact = dump
        else:
            raise RuntimeError("reference: fire-sale feedback did not settle")
        gpu_impact = [1.0] * G if impact is None else impact
        if prm.fire_sale_feedback:
            level = list(gpu_impact)
        sale_loss = [0.0] * N
        if selling and any(x > 0 for x in sales):
            qty = [[0.0] * G for _ in range(N)]
            for d in range(D):
                if c.coll_gen[d] >= 0:
                    qty[c.debtor[d]][c.coll_gen[d]] += sales[d] / gpu_impact[c.coll_gen[d]]
            for i in range(N):
                fleet = sum(gv[i])
                q_i = [min(qty[i][g], gv[i][g]) for g in range(G)]
                share = min(sum(q_i) / fleet, 1.0) if fleet > 0 else 0.0
                gv[i] = [gv[i][g] - q_i[g] for g in range(G)]
                sold_book = gbook[i] * share
                gbook[i] -= sold_book
                sale_loss[i] = sold_book - sale_in[i]
            for d in range(D):
                if pledged[d] > 0:
                    cscale[d] *= 1.0 - min(sales[d] / pledged[d], 1.0)
        if has_extra:
            prin = [prin[d] + cure[d] + accel[d] for d in range(D)]
        if prm.dscr_covenants:
            dscr_breach = [dscr_breach[d] + 1 if dbrk[d] and accel[d] == 0
                           and alive[c.debtor[d]] and not nd[c.debtor[d]] else 0
                           for d in range(D)]
        if covenanted:
            breach = [breach[d] + 1 if brk[d] and cure[d] == 0 and alive[c.debtor[d]]
                      and not nd[c.debtor[d]] else 0 for d in range(D)]

        # settlement
        rec = receipts(p_serv, p_draw, p_trade, resid, nd)
        surv = [alive[i] and not nd[i] for i in range(N)]
        new_cash = [0.0] * N
        cap_paid = [0.0] * N
        gdelta = [0.0] * N
        if prm.guarantees and len(c.guar_debt) and any(nd):
            U = len(c.guar_debt)
            g_want = [0.0] * U
            g_total = [0.0] * N
            for u in range(U):
                d, g = int(c.guar_debt[u]), int(c.guar_by[u])
                loss = cl_d[d] - p_serv[d] if nd[c.debtor[d]] else 0.0
                cap_left = c.guar_cap[u] - gpaid[u] if c.guar_cap[u] > 0 else math.inf
                if surv[g]:
                    g_want[u] = min(c.guar_coverage[u] * max(loss, 0.0), max(cap_left, 0.0))
                g_total[g] += g_want[u]
            for u in range(U):
                d, g = int(c.guar_debt[u]), int(c.guar_by[u])
                pre = cash[g] + rec[g] + raised[g] + inflow[g] - full_out[g]
                pay = g_want[u] * _ratio(max(pre, 0.0), g_total[g])
                gpaid[u] += pay
                gdelta[g] -= pay
                for j in range(N):
                    if surv[j]:
                        gdelta[j] += pay * c.creditor_share[d, j]
        xs = [cash[i] + rec[i] + raised[i] + inflow[i] - full_out[i] + gdelta[i]
              if surv[i] else 0.0 for i in range(N)]
        swept = [0.0] * D
        if prm.dscr_covenants and c.sweep is not None and any(c.sweep > 0):
            disb = [0.0] * D
            for k in range(K):
                if c.trade_kind[k] == DISBURSE:
                    disb[c.disburses[k]] += p_trade[k]
            spare_cash = [max(xs[i] - c.min_cash[i], 0.0) if surv[i] else 0.0
                          for i in range(N)]
            s_want = [0.0] * D
            s_total = [0.0] * N
            for d in range(D):
                i = c.debtor[d]
                owing = bal[d] - prin[d] + p_draw[d] + disb[d] if surv[i] else 0.0
                s_want[d] = min(c.sweep[d] * spare_cash[i], max(owing, 0.0))
                s_total[i] += s_want[d]
            for d in range(D):
                i = c.debtor[d]
                swept[d] = s_want[d] * _ratio(spare_cash[i], s_total[i])
                xs[i] -= swept[d]
                for j in range(N):
                    if surv[j]:
                        xs[j] += swept[d] * c.creditor_share[d, j]
        for i in range(N):
            if surv[i]:
                x = xs[i]
                cap_paid[i] = min(capex[i], max(x, 0.0))
                new_cash[i] = x - cap_paid[i]
        for i in range(N):
            if nd[i]:
                claims = r1_total = opex[i] + oliab[i]
                for d in range(D):
                    if c.debtor[d] == i:
                        claims += cl_d[d]
                        loss_d[d] += cl_d[d] - p_serv[d]
                for k in range(K):
                    if c.payer[k] == i:
                        claims += cl_k[k]
                        loss_k[k] += cl_k[k] - p_trade[k]
                loss_x[i] += r1_total - p_opex[i] - p_other[i]
                short[i] += claims - (estate_of(i, rec[i]) - resid[i])
        # balances
        for d in range(D):
            if nd[c.debtor[d]]:
                bal[d] = 0.0
                und[d] = 0.0
            else:
                bal[d] = bal[d] - prin[d] + p_draw[d] - swept[d]
                und[d] -= p_draw[d]
        for k in range(K):
            if c.trade_kind[k] == DISBURSE and not nd[c.debtor[c.disburses[k]]]:
                bal[c.disburses[k]] += p_trade[k]
        chips_by = [0.0] * N
        for k in range(K):
            if c.trade_kind[k] == CHIP and c.payer[k] < N and surv[c.payer[k]]:
                chips_by[c.payer[k]] += p_trade[k]
                gv[c.payer[k]][c.chip_generation[k]] += p_trade[k]
        deprec = [delta * (gbook[i] + fbook[i]) for i in range(N)]
        for i in range(N):
            gbook[i] = gbook[i] * (1.0 - delta) + chips_by[i]
            fbook[i] = fbook[i] * (1.0 - delta) + cap_paid[i]
        for k in range(K):
            if c.trade_kind[k] in (TRANCHE, CALL):
                stakes[c.stake[k]] += p_trade[k]
        for e in range(E):
            if nd[c.stake_issuer[e]] or nd[c.stake_holder[e]]:
                stakes[e] = 0.0
        for i in range(N):
            if nd[i]:
                gbook[i] = fbook[i] = other[i] = oliab[i] = 0.0
                gv[i] = [0.0] * G
                dq[i] = t
        cash = new_cash
        alive = surv
        a, li = sheet()
        mkt = [max(a[i] - li[i], 0.0) * c.equity_multiple[i] for i in range(N)]
        eq_prev = [a[i] - li[i] for i in range(N)]
        lev = leverage(a, li, alive, t)

        # records
        for i in range(N):
            out["cash"][t, i] = cash[i]
            out["alive"][t, i] = float(alive[i])
            out["book_equity"][t, i] = a[i] - li[i]
            out["capex"][t, i] = cap_paid[i] + chips_by[i]
            rev = mrev[i]
            cst = p_opex[i] + deprec[i] + sale_loss[i]
            for k in range(K):
                if c.trade_kind[k] in (RENT, COMPUTE, CHIP, POWER) and c.payee[k] == i:
                    rev += p_trade[k]
                if c.trade_kind[k] in (RENT, COMPUTE, POWER) and c.payer[k] == i:
                    cst += p_trade[k]
            for d in range(D):
                ip = 0.0 if nd[c.debtor[d]] else intr[d]
                rev += ip * c.creditor_share[d, i]
                if c.debtor[d] == i:
                    cst += ip
                    out["debt"][t, i] += bal[d]
            out["revenue"][t, i] = rev
            out["costs"][t, i] = cst
        out["debt_paid"][t] = [p_serv[d] + swept[d] for d in range(D)]
        out["gpu_impact"][t] = gpu_impact
        out["trade_paid"][t] = p_trade
    out["default_quarter"] = np.array(dq)
    out["loss_debt"] = np.array(loss_d)
    out["loss_trade"] = np.array(loss_k)
    out["loss_external"] = np.array(loss_x)
    out["shortfall"] = np.array(short)
    out["guarantee_paid"] = np.array(gpaid)
    return out


def simulate_reference(network: Network | Compiled, factors: FactorPaths, *,
                       horizon: str | dt.date = "2049Q4",
                       params: EngineParams | None = None) -> dict[str, Array]:
    """Run the reference loop. Returns a dict of arrays with a leading paths axis:
    ``cash``, ``revenue``, ``costs``, ``capex``, ``debt``, ``book_equity``, ``alive``
    (paths, quarters, entities); ``debt_paid`` (paths, quarters, D); ``trade_paid``
    (paths, quarters, K); ``default_quarter`` (paths, entities); ``loss_debt``,
    ``loss_trade``, ``loss_external``, ``shortfall`` (paths, ·)."""
    from ..engine.paths import prepare

    c, f = prepare(network, factors, horizon, params)
    runs = [_path(c, f, p) for p in range(f.paths)]
    out = {k: np.stack([r[k] for r in runs]) for k in runs[0]}
    assert all(math.isfinite(float(v.sum())) for v in out.values())
    return out
