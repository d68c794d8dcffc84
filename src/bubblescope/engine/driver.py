"""Run the quarters of a chunk of paths, in parallel over paths, and record what is kept.

Paths are split into contiguous blocks, one per task on a pool of threads (the kernels
release the GIL). Each block works in its own :class:`~bubblescope.engine.state.Workspace`
— a copy of the network's arrays and settings, its flows and recording buffers — and
uses every struct through a borrowed view (:func:`~bubblescope.engine.jit.borrow`), so
the hot loop touches no reference count, shared or not. Each path reads and writes only
its own rows, so its numbers do not depend on its block, its chunk or the number of
threads; sums over paths are kept per block and added in block order afterwards.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .arrays import Factors, NetArrays, PathFactors, Settings, path_factors
from .jit import borrow, hold, kernel, threads
from .quarter import open_books, quarter
from .stages.marks import asset_coverage, debt_mark
from .stages.routing import to_debtor
from .state import (
    OK,
    ChunkState,
    Flows,
    PathState,
    Records,
    Tape,
    Workspace,
    flush_tape,
    path_state,
)

Array = np.ndarray


@kernel
def record_quarter(net: NetArrays, rules: Settings, fp: PathFactors, st: PathState,
                   q: Flows, tape: Tape, t: int) -> None:
    """Add the path's quarter ``t`` to the block's sums and, if kept, to its series and
    prices."""
    N = net.cash0.size
    G = st.gpu_value.shape[1]
    debt = q.owners
    to_debtor(net, st.balance, debt)
    sums, entity, keep = tape.sums, tape.entity, tape.keep
    gpu, cash, alive, equity, book = st.gpu_value, st.cash, st.alive, st.market_equity, st.gpu_book
    revenue, costs, capex, chips, contributions = (q.revenue, q.costs, q.capex_paid, q.chips_by,
                                                   q.contributions)
    assets, liabilities, net_worth = q.assets, q.liabilities, q.equity
    # one row per variable, in the order of ENTITY_VARS
    for i in range(N):
        fleet = 0.0
        for g in range(G):
            fleet += gpu[i, g]
        sums[0, t, i] += cash[i]
        sums[1, t, i] += revenue[i]
        sums[2, t, i] += costs[i]
        sums[3, t, i] += capex[i] + chips[i]
        sums[4, t, i] += contributions[i]
        sums[5, t, i] += debt[i]
        sums[6, t, i] += assets[i]
        sums[7, t, i] += liabilities[i]
        sums[8, t, i] += net_worth[i]
        sums[9, t, i] += equity[i]
        sums[10, t, i] += book[i]
        sums[11, t, i] += fleet
        sums[12, t, i] += 1.0 if alive[i] else 0.0
        if keep:
            entity[0, t, i] = cash[i]
            entity[1, t, i] = revenue[i]
            entity[2, t, i] = costs[i]
            entity[3, t, i] = capex[i] + chips[i]
            entity[4, t, i] = contributions[i]
            entity[5, t, i] = debt[i]
            entity[6, t, i] = assets[i]
            entity[7, t, i] = liabilities[i]
            entity[8, t, i] = net_worth[i]
            entity[9, t, i] = equity[i]
            entity[10, t, i] = book[i]
            entity[11, t, i] = fleet
            entity[12, t, i] = 1.0 if alive[i] else 0.0
    if keep:
        dt, tt = tape.debt, tape.trade
        interest, principal, refi, swept = q.interest, q.principal, q.refi, q.swept
        paid, loss, balance = q.p_service, q.loss_d, st.balance
        for d in range(interest.size):
            dt[0, t, d] = interest[d] + principal[d] + refi[d] + swept[d]
            dt[1, t, d] = paid[d] + swept[d]
            dt[2, t, d] = refi[d]
            dt[3, t, d] = loss[d]
            dt[4, t, d] = balance[d]
        tdue, p_trade, loss_k = q.tdue, q.p_trade, q.loss_k
        for k in range(tdue.size):
            tt[0, t, k] = tdue[k]
            tt[1, t, k] = p_trade[k]
            tt[2, t, k] = loss_k[k]
        tape.external[0, t] = q.external_in
        tape.external[1, t] = q.external_out
    if tape.prices:
        price_of, spv, price = tape.price_of, net.spv_debt, tape.price
        covered = False
        for s in range(price_of.size):
            if spv[price_of[s]]:
                covered = True
        if covered:
            asset_coverage(net, rules, st, q, t)
        for s in range(price_of.size):
            price[t, s] = debt_mark(net, fp, st, q, price_of[s], t, covered)
        resale, impact, gpu_price = fp.resale, q.impact, tape.gpu_price
        for g in range(G):
            gpu_price[t, g] = resale[t, g] * impact[g]


@kernel
def run_block(ws: Workspace, fac: Factors, chunk: ChunkState, rec: Records, b: int,
              first: int, last: int) -> None:
    """Run quarters ``first .. last − 1`` of block ``b``'s paths in the workspace ``ws``
    (opening the books when ``first`` is 0). A path that fails stops with its code in
    ``chunk.status``."""
    net, rules, q, tape = borrow(ws.net), ws.rules, borrow(ws.flows), borrow(ws.tape)
    tape.sums[:] = 0.0
    P = chunk.cash.shape[0]
    B = rec.sums.shape[0]
    for p in range(b * P // B, (b + 1) * P // B):
        if chunk.status[p, 0] != OK:
            continue
        own_st, own_fp = path_state(chunk, p), path_factors(fac, p)
        st, fp = borrow(own_st), borrow(own_fp)
        if first == 0:
            open_books(net, rules, fp, st, q)
        for t in range(first, last):
            code = quarter(net, rules, fp, st, q, t)
            if code != OK:
                st.status[0] = code
                st.status[1] = t
                break
            record_quarter(net, rules, fp, st, q, tape, t)
        flush_tape(tape, rec, p, first, last)
        hold(own_st)
        hold(own_fp)
    rec.sums[b] += tape.sums


def run_paths(workspaces: list[Any], fac: Factors, chunk: ChunkState, rec: Records,
              first: int, last: int) -> None:
    """Run quarters ``first .. last − 1`` of every path of the chunk: block ``b`` (of
    ``len(workspaces)``, the first axis of ``rec.sums``) in ``workspaces[b]``, one block
    per thread."""
    if len(workspaces) == 1 or threads() == 1:
        for b, ws in enumerate(workspaces):
            run_block(ws, fac, chunk, rec, b, first, last)
        return
    with ThreadPoolExecutor(max_workers=threads()) as pool:
        for done in [pool.submit(run_block, ws, fac, chunk, rec, b, first, last)
                     for b, ws in enumerate(workspaces)]:
            done.result()
