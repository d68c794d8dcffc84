"""One chunk of a Monte Carlo run: generate its paths, run the engine, keep per-path scalars.

A chunk is a block of consecutive global paths ``[offset, offset + paths)``. Path ``i``
draws its randomness from ``SeedSequence(seed, spawn_key=(i,))`` (the scenario layer's
``path_offset``), and the engine treats every path on its own, so a chunk's rows are the
same numbers whichever chunk or process computes them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine.codes import COMPUTE, RENT, TRADE_KIND_NAMES
from ..engine.compile import Compiled, EngineParams
from ..engine.paths import simulate_paths
from ..model.scenario import Scenario
from ..scenarios import generate_run
from .results import ENTITY_SUM_VARS, PathSummary

Array = np.ndarray

#: Per-quarter factor series kept per path (small: one float per path and quarter).
PRICE_SERIES = {"gpu_resale_default": ("gpu_resale", "default"),
                "gpu_rental_price": ("gpu_rental_price", None)}


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to compute one chunk (picklable)."""

    compiled: Compiled
    scenario: Scenario
    seed: int
    offset: int
    paths: int
    params: EngineParams | None
    structures: tuple[tuple[int, ...], ...]
    keep_paths: bool = False
    #: debt indices whose per-quarter price (``EngineResults.debt_price``) is kept per path
    spv_bonds: tuple[int, ...] = ()
    #: also run the chunk with ``fire_sale_feedback`` off on the same factor paths
    compare_feedback: bool = False
    #: trade indices of the leases a lessee may leave (their exit quarter is kept)
    leases: tuple[int, ...] = ()


def run_chunk(task: ChunkTask) -> PathSummary:
    """Simulate one chunk and reduce it to per-path scalars (see :class:`PathSummary`)."""
    c = task.compiled
    run = generate_run(task.scenario, paths=task.paths, quarters=c.n_quarters,
                       start=c.quarters[0], seed=task.seed, path_offset=task.offset)
    res, bond_price, gpu_price = _engine(c, run.factors, task)
    N = c.n_entities
    credit = net_of_guarantees(c, res.losses_by_creditor(), res.guarantee_paid)
    caused = res.losses_by_debtor()
    equity = np.zeros((task.paths, N + 1))
    holders = np.asarray(c.stake_holder, dtype=int)
    for e in range(len(c.stake_ids)):
        equity[:, holders[e]] += res.loss_stakes[:, e]
    dq = np.asarray(res.default_quarter, dtype=np.int16)
    fail = np.full((task.paths, len(task.structures)), -1, dtype=np.int16)
    for j, members in enumerate(task.structures):
        sub = dq[:, list(members)]
        hit = sub >= 0
        if hit.any():
            first = np.where(hit, sub, np.iinfo(np.int16).max).min(axis=1)
            fail[:, j] = np.where(hit.any(axis=1), first, -1)
    prices = {}
    for name, (attr, key) in PRICE_SERIES.items():
        arr: Any = getattr(run.factors, attr)
        prices[name] = np.array(arr[key] if key is not None else arr, dtype=float)
    extra: dict[str, Any] = {}
    if task.compare_feedback:
        off = dataclasses.replace(c, params=dataclasses.replace(c.params,
                                                                fire_sale_feedback=False))
        res_off, _, gpu_off = _engine(off, run.factors, task, keep_all=False)
        amp = res.amplification(res_off)       # per path: creditor losses, defaults
        extra = dict(gpu_price_without=gpu_off,
                     loss_total=amp["loss"].to_numpy(dtype=float),
                     loss_total_without=amp["loss_without"].to_numpy(dtype=float),
                     defaults=amp["defaults"].to_numpy(dtype=np.int32),
                     defaults_without=amp["defaults_without"].to_numpy(dtype=np.int32))
    contract_loss = np.concatenate(
        [np.asarray(res.loss_debt, dtype=float).reshape(task.paths, -1),
         np.asarray(res.loss_trade, dtype=float).reshape(task.paths, -1)], axis=1)
    sums = {v: np.asarray(res.entity_mean[v], dtype=float) * res.paths
            for v in ENTITY_SUM_VARS if v in res.entity_mean}
    exits = None
    if task.leases:
        eq = res.exit_quarter
        exits = (np.asarray(eq[:, list(task.leases)], dtype=np.int16) if eq is not None
                 else np.full((task.paths, len(task.leases)), -1, dtype=np.int16))
    return PathSummary(default_quarter=dq, credit_loss=credit, equity_loss=equity,
                       loss_caused=caused, structure_failure=fail, prices=prices,
                       kept=[res] if task.keep_paths else [], bond_price=bond_price,
                       gpu_price=gpu_price, contract_loss=contract_loss, entity_sum=sums,
                       lease_exit=exits, **extra)


def net_of_guarantees(c: Compiled, credit: Array, paid: Array | None) -> Array:
    """Creditors' losses (P, N+1) after what guarantors paid them; the payments become
    the guarantors' losses. ``paid`` (P, U) is each guarantee's cumulative payment, which
    creditors received by their shares of the instrument (outsiders' share included)."""
    if paid is None or not len(c.guar_debt):
        return credit
    out = credit.copy()
    for u, (d, g) in enumerate(zip(c.guar_debt, c.guar_by, strict=True)):
        who, share = c.creditors(int(d))
        out[:, who] -= paid[:, u:u + 1] * share[None, :]
        out[:, int(g)] += paid[:, u]
    return out


def _engine(c: Compiled, factors: Any, task: ChunkTask, keep_all: bool | None = None
            ) -> tuple[Any, Array, Array]:
    """Run the engine on a chunk's factor paths; also return, per path, the prices of the
    SPV bonds ``(P, T, B)`` and of the GPUs per generation ``(P, T, G)`` (float32).

    Unless the caller wants every series kept, the engine keeps only the per-path prices
    (``keep_prices``), so a whole chunk runs in one call with bounded memory.
    """
    keep = task.keep_paths if keep_all is None else keep_all
    bonds = list(task.spv_bonds)
    res = simulate_paths(c, factors, horizon=c.quarters[-1], params=task.params,
                          keep_paths=keep, price_of=None if keep else bonds,
                          chunk_size=max(task.paths, 1))
    prices: Any = res.debt_price
    bond = _f32(prices[:, :, bonds] if keep else prices)
    gpu = _f32(res.gpu_price)
    if not keep:
        res.debt_price = res.gpu_price = None
    return res, bond, gpu


def _f32(a: Any) -> Array:
    return np.asarray(a, dtype=np.float32)


def leases_of(c: Compiled) -> tuple[tuple[int, ...], pd.DataFrame]:
    """Trade indices of the leases whose lessee may walk away, and their lease, lessee
    and lessor ids."""
    idx = tuple(int(k) for k in range(c.n_trade)
                if int(c.trade_kind[k]) == RENT and bool(c.exit_allowed[k]))
    ids = list(c.entity_ids) + ["external"]
    info = pd.DataFrame({"lease": [c.trade_ids[k] for k in idx],
                         "lessee": [ids[int(c.payer[k])] for k in idx],
                         "lessor": [ids[int(c.payee[k])] for k in idx]})
    return idx, info


def structures_of(c: Compiled) -> dict[str, tuple[int, ...]]:
    """Each SPV with the entities that carry it: its lessees and compute buyers, and the
    owners of its equity. The structure fails when any member defaults.

    Returns structure name (the SPV's id) → member entity indices, SPV first.
    """
    N = c.n_entities
    out: dict[str, tuple[int, ...]] = {}
    spvs = [i for i, k in enumerate(c.kinds) if str(k) == "spv"]
    for s in spvs:
        members = {s}
        for k in range(c.n_trade):
            if (int(c.payee[k]) == s and int(c.payer[k]) < N
                    and int(c.trade_kind[k]) in (RENT, COMPUTE)):
                members.add(int(c.payer[k]))
        for e in range(len(c.stake_ids)):
            if int(c.stake_issuer[e]) == s and int(c.stake_holder[e]) < N:
                members.add(int(c.stake_holder[e]))
        out[c.entity_ids[s]] = (s, *sorted(members - {s}))
    return out


def spv_bonds_of(network: Any, c: Compiled) -> dict[str, int]:
    """Bond id → debt index, for every bond issued by an entity of kind ``spv``."""
    bonds = {k.id for k in network.contracts if getattr(k, "kind", None) == "bond"}
    return {d: i for i, d in enumerate(c.debt_ids)
            if d in bonds and str(c.kinds[int(c.debtor[i])]) == "spv"}


def contracts_of(network: Any, c: Compiled) -> Any:
    """One row per column of ``PathSummary.contract_loss`` (debt instruments, then trade
    obligations, in engine order): ``contract``, ``kind`` (the network's contract kind, or
    the engine's trade kind for obligations the engine derives, e.g. ``disbursement``),
    ``debtor``, ``creditor`` (a debt's holders by share, ``', '``-joined; ``external`` for
    outsiders) and ``amount`` (the network contract's headline amount, USD bn; for a
    derived obligation, the debt's principal and undrawn amount or the obligation's
    scheduled payments).

    Returns
    -------
    pandas.DataFrame
    """

    by_id = {k.id: k for k in network.contracts}
    names = [*c.entity_ids, "external"]
    rows = []
    for i, cid in enumerate(c.debt_ids):
        who, share = c.creditors(i)
        order = [int(who[j]) for j in np.argsort(-share, kind="stable") if share[j] > 0]
        k = by_id.get(cid)
        rows.append({"contract": cid, "kind": k.kind if k is not None else "debt",
                     "debtor": names[int(c.debtor[i])],
                     "creditor": ", ".join(names[j] for j in order),
                     "amount": (float(k.amount) if k is not None
                                else float(c.principal0[i] + c.undrawn0[i]))})
    for i, cid in enumerate(c.trade_ids):
        tk = TRADE_KIND_NAMES[int(c.trade_kind[i])]
        k = by_id.get(cid)
        derived = k is None or tk == "disbursement"
        rows.append({"contract": cid, "kind": tk if derived else k.kind,
                     "debtor": names[min(int(c.payer[i]), len(names) - 1)],
                     "creditor": names[min(int(c.payee[i]), len(names) - 1)],
                     "amount": (float(np.sum(c.fixed[:, i]) + np.sum(c.variable[:, i]))
                                if derived else float(k.amount))})
    return pd.DataFrame(rows, columns=["contract", "kind", "debtor", "creditor", "amount"])


__all__ = ["PRICE_SERIES", "ChunkTask", "contracts_of", "leases_of", "net_of_guarantees",
           "run_chunk", "spv_bonds_of", "structures_of"]
