"""``simulate_paths``: run a network through given factor paths, in chunks of paths, on the
compiled stages (:mod:`bubblescope.engine.driver`). The Monte Carlo layer
(``bubblescope.simulate``) draws the paths from a scenario and calls this."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model.network import Network
from . import arrays
from .compile import Compiled, EngineParams, compile_network
from .driver import run_paths
from .factors import FactorPaths
from .jit import threads
from .results import EngineResults
from .state import (
    DEBT_VARS,
    ENTITY_VARS,
    FAILURES,
    OK,
    TRADE_VARS,
    ChunkState,
    Records,
    Workspace,
    as_struct,
    chunk_state,
    flows,
    nbytes,
    sizes,
    tape,
)

Array = np.ndarray

#: Largest per-path result set ``simulate`` will build with ``keep_paths=True``, bytes.
KEEP_PATHS_LIMIT = 4e9
#: Most memory the per-block sums of a chunk may take, bytes (fewer blocks beyond it).
BLOCK_SUMS_LIMIT = 2e8


@dataclass
class QuarterFlows:
    """One quarter of a chunk as an ``on_quarter`` hook sees it: the recorded per-path
    variables at that quarter (``entity[var]`` (P, N), ``debt[var]`` (P, D),
    ``trade[var]`` (P, K), ``external_in`` / ``external_out`` (P,))."""

    entity: dict[str, Array]
    debt: dict[str, Array]
    trade: dict[str, Array]
    external_in: Array
    external_out: Array


def prepare(network: Network | Compiled, factors: FactorPaths,
            horizon: str | dt.date = "2049Q4",
            params: EngineParams | None = None) -> tuple[Compiled, FactorPaths]:
    """Compile (if needed) and check the factors cover the horizon."""
    if not isinstance(factors, FactorPaths):
        raise ValueError(f"factors: expected FactorPaths, got {type(factors).__name__}")
    if isinstance(network, Compiled):
        compiled = network
    elif isinstance(network, Network):
        compiled = compile_network(network, horizon, params)
    else:
        raise ValueError(f"network: expected a Network, got {type(network).__name__}")
    T = compiled.n_quarters
    if factors.start is not None:
        from ..model._fields import parse_date, quarter_label

        first = quarter_label(parse_date(factors.start))
        if first != compiled.quarters[0]:
            raise ValueError(f"factors: paths start in {first} but the network's as-of "
                             f"quarter is {compiled.quarters[0]}")
    if factors.quarters < T:
        raise ValueError(f"factors: {factors.quarters} quarters given but the horizon needs "
                         f"{T} ({compiled.quarters[0]}..{compiled.quarters[-1]})")
    return compiled, factors.truncate(T)


def state_bytes(c: Compiled, paths: int) -> int:
    """Memory of a chunk's state for ``paths`` paths (what a chunk holds whatever is
    kept), bytes: linear in paths × (entities + contracts)."""
    return paths * nbytes(ChunkState, sizes(arrays.net_arrays(c), c.params.dscr_window_quarters))


def kept_bytes(c: Compiled, paths: int) -> int:
    """Approximate memory of the per-path results kept with ``keep_paths=True``."""
    per_quarter = len(ENTITY_VARS) * c.n_entities + 6 * c.n_debt + 3 * c.n_trade + 2
    return 8 * paths * c.n_quarters * per_quarter


def _blocks(c: Compiled, paths: int) -> int:
    """Blocks of paths a chunk of ``paths`` is split into: a few per thread (so that the
    threads stay busy when paths differ in cost), fewer if their sums would take more
    than ``BLOCK_SUMS_LIMIT``."""
    per_block = 8 * len(ENTITY_VARS) * c.n_quarters * c.n_entities
    n = max(1, min(paths, threads() * 4, int(BLOCK_SUMS_LIMIT // max(per_block, 1))))
    # a whole number of blocks per thread, so that none waits for the last one alone
    return n - n % threads() if n > threads() else n


def _records(c: Compiled, paths: int, keep: bool, price_of: Array | None) -> Records:
    P, T, N, D, K = paths, c.n_quarters, c.n_entities, c.n_debt, c.n_trade
    G = len(c.generations)
    V = len(ENTITY_VARS)
    blocks = _blocks(c, P)
    kp, kt = (P, T) if keep else (0, 0)
    prices = keep or price_of is not None
    sel = np.arange(D) if price_of is None else np.asarray(price_of, dtype=np.int64)
    pp = P if prices else 0
    return Records(
        sums=np.zeros((blocks, V, T, N)), keep=keep,
        entity=np.zeros((V, kp, kt, N if keep else 0)),
        debt=np.zeros((len(DEBT_VARS), kp, kt, D if keep else 0)),
        trade=np.zeros((len(TRADE_VARS), kp, kt, K if keep else 0)),
        external=np.zeros((2, kp, kt)), prices=prices, price_of=sel.astype(np.int64),
        price=np.full((pp, T if prices else 0, sel.size if prices else 0), np.nan),
        gpu_price=np.zeros((pp, T if prices else 0, G if prices else 0)))


def _quarter_view(rec: Records, t: int) -> QuarterFlows:
    return QuarterFlows(entity={v: rec.entity[n, :, t] for n, v in enumerate(ENTITY_VARS)},
                        debt={v: rec.debt[n, :, t] for n, v in enumerate(DEBT_VARS)},
                        trade={v: rec.trade[n, :, t] for n, v in enumerate(TRADE_VARS)},
                        external_in=rec.external[0, :, t], external_out=rec.external[1, :, t])


def _workspaces(net: arrays.NetArrays, rules: arrays.Settings, rec: Records, n: int
                ) -> list[Any]:
    """``n`` workspaces (one per block of paths), as structs."""
    settings_s = [arrays.as_struct(rules) for _ in range(n)]
    return [as_struct(Workspace(net=arrays.as_struct(arrays.thread_copy(net)),
                                rules=settings_s[b], flows=as_struct(flows(net)),
                                tape=as_struct(tape(rec))))
            for b in range(n)]


def _run_chunk(c: Compiled, net: arrays.NetArrays, rules: arrays.Settings, f: FactorPaths,
               keep: bool, price_of: Array | None, first: int,
               hook: Callable[[int, QuarterFlows, ChunkState, slice], None] | None
               ) -> tuple[ChunkState, Records]:
    P, T = f.paths, c.n_quarters
    chunk = chunk_state(net, P, c.params.dscr_window_quarters)
    rec = _records(c, P, keep or hook is not None, price_of)
    spaces = _workspaces(net, rules, rec, rec.sums.shape[0])
    fac_s, chunk_s, rec_s = (arrays.as_struct(arrays.factors(c, f)), as_struct(chunk),
                             as_struct(rec))
    if hook is None:
        run_paths(spaces, fac_s, chunk_s, rec_s, 0, T)
    for t in range(T if hook is not None else 0):
        run_paths(spaces, fac_s, chunk_s, rec_s, t, t + 1)
        _check(chunk, c)
        hook(t, _quarter_view(rec, t), chunk, slice(first, first + P))  # type: ignore[misc]
    _check(chunk, c)
    return chunk, rec


def _check(chunk: ChunkState, c: Compiled) -> None:
    bad = np.nonzero(chunk.status[:, 0] != OK)[0]
    if bad.size:
        code, t = chunk.status[bad[0]]
        raise RuntimeError(f"{FAILURES[int(code)]} in quarter {int(t)} "
                           f"({c.quarters[int(t)]}) on path {int(bad[0])} of the chunk")


def simulate_paths(network: Network | Compiled, factors: FactorPaths, *,
             horizon: str | dt.date = "2049Q4", params: EngineParams | None = None,
             keep_paths: bool = True, chunk_size: int = 2000,
             on_quarter: Callable[[int, QuarterFlows, ChunkState, slice], None] | None = None,
             keep_prices: bool = False, price_of: Sequence[int] | None = None) -> EngineResults:
    """Simulate ``network`` quarter by quarter on every path of ``factors``.

    Parameters
    ----------
    network : a validated Network (or an already compiled one).
    factors : FactorPaths with at least as many quarters as the horizon needs.
    horizon : last quarter simulated (``"2049Q4"`` or a date).
    params : behavioural constants (EngineParams).
    keep_paths : keep per-path, per-quarter arrays (about 8 bytes × paths × quarters ×
        (13 entities + 6 debt instruments + 3 trade obligations); refused above 4 GB);
        without them only means, default quarters and losses per path are kept.
    chunk_size : paths run together; bounds peak memory.
    on_quarter : optional hook called after every quarter of every chunk with
        ``(quarter, QuarterFlows, ChunkState, paths)`` (``paths`` is the chunk's slice of
        the path axis) — for streaming aggregates or inspecting state; it must not modify
        the state. The chunk then runs one quarter per call, a little slower.
    keep_prices : with ``keep_paths=False``, still keep the per-path debt and GPU prices
        (``EngineResults.debt_price``, ``EngineResults.gpu_price``).
    price_of : debt indices whose prices are kept (default: every instrument);
        ``EngineResults.debt_price``'s last axis follows this order.

    Returns
    -------
    EngineResults

    Examples
    --------
    >>> from bubblescope.io import load_network
    >>> res = simulate_paths(load_network("ai-2025"), FactorPaths.baseline(4, 9),
    ...                      horizon="2027Q4")
    >>> res.default_quarter.shape
    (4, 57)
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size: must be >= 1, got {chunk_size}")
    c, f = prepare(network, factors, horizon, params)
    if keep_paths:
        need = kept_bytes(c, f.paths)
        if need > KEEP_PATHS_LIMIT:
            raise ValueError(
                f"keep_paths: per-path results for {f.paths} paths would take about "
                f"{need / 1e9:.1f} GB; pass keep_paths=False (means, defaults and losses "
                f"per path are still kept) or simulate fewer paths at a time")
    net = arrays.net_arrays(c)
    rules = arrays.settings(c.params)
    sel = (None if price_of is None and not (keep_paths or keep_prices)
           else np.arange(c.n_debt) if price_of is None else np.asarray(price_of, int))
    chunks = [_run_chunk(c, net, rules, f.slice(slice(a, a + chunk_size)), keep_paths, sel,
                         a, on_quarter)
              for a in range(0, f.paths, chunk_size)]
    return _results(c, f.paths, chunks, keep_paths, sel is not None)


def _results(c: Compiled, paths: int, chunks: list[tuple[ChunkState, Records]], keep: bool,
             prices: bool) -> EngineResults:
    def cat(name: str) -> Array:
        return np.concatenate([getattr(ch, name) for ch, _ in chunks])

    total = sum(rec.sums.sum(axis=0) for _, rec in chunks)
    mean = {v: total[n] / paths for n, v in enumerate(ENTITY_VARS)}
    res = EngineResults(compiled=c, paths=paths, default_quarter=cat("default_quarter"),
                  loss_debt=cat("loss_debt"), loss_trade=cat("loss_trade"),
                  loss_external=cat("loss_external"), loss_stakes=cat("loss_stakes"),
                  shortfall=cat("shortfall"), entity_mean=mean,
                  initial_cash=np.tile(np.asarray(c.cash0, float), (paths, 1)),
                  initial_equity=cat("equity0"), exit_quarter=cat("exit_quarter"),
                  guarantee_paid=cat("guarantee_paid"))
    if keep:
        res.entity = {v: np.concatenate([rec.entity[n] for _, rec in chunks])
                      for n, v in enumerate(ENTITY_VARS)}
        res.debt = {v: np.concatenate([rec.debt[n] for _, rec in chunks])
                    for n, v in enumerate(DEBT_VARS)}
        res.trade = {v: np.concatenate([rec.trade[n] for _, rec in chunks])
                     for n, v in enumerate(TRADE_VARS)}
        ext = np.concatenate([rec.external for _, rec in chunks], axis=1)
        res.external_in, res.external_out = ext[0], ext[1]
    if prices:
        res.debt_price = np.concatenate([rec.price for _, rec in chunks])
        res.gpu_price = np.concatenate([rec.gpu_price for _, rec in chunks])
    return res
