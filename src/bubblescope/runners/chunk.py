"""One chunk of a Monte Carlo run: generate its paths, run the engine, keep per-path scalars.

A chunk is a block of consecutive global paths ``[offset, offset + paths)``. Path ``i``
draws its randomness from ``SeedSequence(seed, spawn_key=(i,))`` (the scenario layer's
``path_offset``), and the engine treats every path on its own, so a chunk's rows are the
same numbers whichever chunk or process computes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.compile import COMPUTE, RENT, Compiled, EngineParams
from ..engine.simulate import simulate as engine_simulate
from ..model.scenario import Scenario
from ..results.montecarlo import PathSummary
from ..scenarios import generate_run

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


def run_chunk(task: ChunkTask) -> PathSummary:
    """Simulate one chunk and reduce it to per-path scalars (see :class:`PathSummary`)."""
    c = task.compiled
    run = generate_run(task.scenario, paths=task.paths, quarters=c.n_quarters,
                       start=c.quarters[0], seed=task.seed, path_offset=task.offset)
    res = engine_simulate(c, run.factors, horizon=c.quarters[-1], params=task.params,
                          keep_paths=task.keep_paths, chunk_size=max(task.paths, 1))
    N = c.n_entities
    by_pair = res.creditor_losses()                    # (P, N+1, N)
    credit = by_pair.sum(axis=2)                       # (P, N+1) borne by each creditor
    caused = by_pair.sum(axis=1)                       # (P, N) lost on each debtor
    del by_pair
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
    # TODO(part 2): SPV bond prices, engine-side GPU prices after fire-sale feedback and
    # fire-sale amplification, once the engine's Results expose them.
    return PathSummary(default_quarter=dq, credit_loss=credit, equity_loss=equity,
                       loss_caused=caused, structure_failure=fail, prices=prices,
                       kept=[res] if task.keep_paths else [])


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


__all__ = ["PRICE_SERIES", "ChunkTask", "run_chunk", "structures_of"]
