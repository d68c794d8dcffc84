"""The engine's state: what a path carries from one quarter to the next, and the flows of
the quarter being settled.

* :class:`ChunkState` — balances at quarter end for every path of a chunk, each array with
  the path axis first. This is what an ``on_quarter`` hook sees.
* :class:`PathState` — the same fields for one path (views of the chunk's rows): what the
  stages read and update.
* :class:`Flows` — the quarter's amounts due, paid, drawn, refinanced and lost, and the
  working arrays of the clearing (one per thread, reused every quarter).
* :class:`Records` — what a simulation keeps: sums over paths, and with ``keep_paths`` the
  per-path time series; :class:`Tape` — one thread's buffers for them.
* :class:`Workspace` — what one thread works on: its copy of the network and settings, its
  flows and tape.

Every array field declares its dimensions (:func:`dims`): ``N`` entities, ``N1`` parties
(entities and the outside world), ``D`` debt instruments, ``K`` trade obligations, ``E``
stakes, ``U`` guarantees, ``M`` milestone tranches, ``G`` GPU generations, ``T`` quarters,
``C`` chip obligations, ``W`` earlier quarters of the DSCR window, or a number; so one
function allocates any of them (:func:`allocate`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from numba.experimental import structref

from .arrays import NetArrays
from .jit import StructType, declare_struct, kernel, pack, rows_of

Array = np.ndarray
S = TypeVar("S")

#: Per-entity variables recorded each quarter (USD bn; ``alive`` is 0/1).
ENTITY_VARS = ("cash", "revenue", "costs", "capex", "contributions", "debt", "assets",
               "liabilities", "book_equity", "market_equity", "fleet_book", "fleet_market",
               "alive")
#: Per-instrument variables recorded each quarter.
DEBT_VARS = ("due", "paid", "refinanced", "loss", "outstanding")
TRADE_VARS = ("due", "paid", "loss")

#: failure codes a path can stop with (``ChunkState.status``)
OK, NO_CONVERGENCE, NO_CLEARING, NO_FIRE_SALE_FIXED_POINT = range(4)
FAILURES = {NO_CONVERGENCE: "default resolution did not converge",
            NO_CLEARING: "exact clearing did not converge",
            NO_FIRE_SALE_FIXED_POINT: "fire-sale feedback did not settle"}


def dims(*names: str, dtype: Any = np.float64) -> Any:
    """A dataclass field holding an array of the named dimensions (see the module
    docstring) and ``dtype``."""
    return field(metadata={"dims": names, "dtype": dtype})


def sizes(net: NetArrays, window: int = 1) -> dict[str, int]:
    """The size of every named dimension for the network ``net``."""
    N = net.cash0.size
    return {"N": N, "N1": N + 1, "D": net.debtor.size, "K": net.payer.size,
            "E": net.stake_holder.size, "U": net.guar_debt.size, "M": net.ms_trade.size,
            "G": net.gpu_cost0.shape[1], "T": net.capex.shape[0],
            "C": int((net.chip_col >= 0).sum()), "W": max(window - 1, 0)}


def nbytes(cls: type, size: dict[str, int]) -> int:
    """Bytes the array fields of the dataclass ``cls`` take at ``size``."""
    total = 0
    for f in dataclasses.fields(cls):
        if "dims" in f.metadata:
            n = int(np.prod([size[d] if d in size else int(d) for d in f.metadata["dims"]]))
            total += n * np.dtype(f.metadata["dtype"]).itemsize
    return total


def allocate(cls: type[S], size: dict[str, int], lead: tuple[int, ...] = ()) -> S:
    """An instance of the dataclass ``cls`` with every array field zeroed to its
    dimensions (each prefixed by ``lead``), every other field at its default."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if "dims" in f.metadata:
            shape = lead + tuple(size[d] if d in size else int(d) for d in f.metadata["dims"])
            values[f.name] = np.zeros(shape, dtype=f.metadata["dtype"])
    return cls(**values)


@dataclass
class ChunkState:
    """Balances of every path of a chunk at the end of the last quarter run (path axis
    first; USD bn unless said otherwise)."""

    cash: Array = dims("N")
    alive: Array = dims("N", dtype=np.bool_)
    default_quarter: Array = dims("N", dtype=np.int64)   # −1 if none
    balance: Array = dims("D")                            # principal outstanding
    undrawn: Array = dims("D")
    gpu_value: Array = dims("N", "G")                     # market value of the fleets
    gpu_book: Array = dims("N")
    fixed_book: Array = dims("N")                         # capex-built fixed assets, book
    other_assets: Array = dims("N")
    other_liabilities: Array = dims("N")
    stakes: Array = dims("E")                             # stakes and fund interests, cost
    market_equity: Array = dims("N")
    loss_debt: Array = dims("D")                          # cumulative losses
    loss_trade: Array = dims("K")
    loss_external: Array = dims("N")                      # of outside suppliers
    loss_stakes: Array = dims("E")                        # net of residuals received
    shortfall: Array = dims("N")                          # claims less distributions
    exit_quarter: Array = dims("K", dtype=np.int64)       # strategic lease exits, −1: none
    book_equity: Array = dims("N")
    breach: Array = dims("D", dtype=np.int64)             # quarters an LTV covenant failed
    equity0: Array = dims("N")                            # book equity at the as-of date
    guarantee_paid: Array = dims("U")                     # cumulative guarantee payments
    dscr_breach: Array = dims("D", dtype=np.int64)        # quarters a DSCR covenant failed
    leverage: Array = dims("N")                           # contract-adjusted, last quarter
    gpu_level: Array = dims("G")                          # price dent left by fire sales
    rate_coef: Array = dims("D")                          # coupon or spread after repricing
    coll_scale: Array = dims("D")                         # share of a pledged pool unsold
    maturity: Array = dims("D", dtype=np.int64)           # moved by roll-overs
    dscr_history: Array = dims("2", "W", "N")             # earlier DSCR terms (a ring)
    counters: Array = dims("3", dtype=np.int64)           # DSCR quarters held, fire-sale
    #                                                      level set, oldest DSCR slot
    status: Array = dims("2", dtype=np.int64)             # failure code and its quarter
    exit_at: Array = dims("K", dtype=np.int64)            # quarter a lessee leaves (T: never)
    milestone_at: Array = dims("M", dtype=np.int64)       # quarter a milestone pays (−1)
    chip_schedule: Array = dims("T", "C")                 # chip payments after delays
    last_price: Array = dims("D")                         # a defaulted debt's recovery


@dataclass
class PathState:
    """One path's rows of a :class:`ChunkState` (same fields, path axis dropped)."""

    cash: Array
    alive: Array
    default_quarter: Array
    balance: Array
    undrawn: Array
    gpu_value: Array
    gpu_book: Array
    fixed_book: Array
    other_assets: Array
    other_liabilities: Array
    stakes: Array
    market_equity: Array
    loss_debt: Array
    loss_trade: Array
    loss_external: Array
    loss_stakes: Array
    shortfall: Array
    exit_quarter: Array
    book_equity: Array
    breach: Array
    equity0: Array
    guarantee_paid: Array
    dscr_breach: Array
    leverage: Array
    gpu_level: Array
    rate_coef: Array
    coll_scale: Array
    maturity: Array
    dscr_history: Array
    counters: Array
    status: Array
    exit_at: Array
    milestone_at: Array
    chip_schedule: Array
    last_price: Array


@dataclass
class Flows:
    """The quarter being settled for one path: amounts by debt instrument, trade
    obligation, entity or party, GPU generation and guarantee (USD bn); ``p_*`` are the
    payments the clearing settles on, ``n_*`` its next candidate; ``work*`` scratch."""

    # debt service (D)
    rate: Array = dims("D")
    interest: Array = dims("D")
    principal: Array = dims("D")
    service: Array = dims("D")
    service_sched: Array = dims("D")
    refi: Array = dims("D")
    draws: Array = dims("D")
    accel: Array = dims("D")
    cure: Array = dims("D")
    extra: Array = dims("D")
    room: Array = dims("D")
    sales: Array = dims("D")
    pledged: Array = dims("D")
    used: Array = dims("D")
    loans: Array = dims("D")
    p_service: Array = dims("D")
    n_service: Array = dims("D")
    p_draw: Array = dims("D")
    n_draw: Array = dims("D")
    draw_now: Array = dims("D")
    claim_debt: Array = dims("D")
    disbursed: Array = dims("D")
    swept: Array = dims("D")
    loss_d: Array = dims("D")
    want_d: Array = dims("D")
    work_d: Array = dims("D")
    pair_total: Array = dims("D")
    ltv_flag: Array = dims("D", dtype=np.bool_)
    dscr_flag: Array = dims("D", dtype=np.bool_)
    open_debt: Array = dims("D", dtype=np.bool_)
    # trade obligations (K)
    tdue: Array = dims("K")
    lease_claim: Array = dims("K")
    p_trade: Array = dims("K")
    n_trade: Array = dims("K")
    claim_trade: Array = dims("K")
    loss_k: Array = dims("K")
    scheduled: Array = dims("K")
    # entities (N)
    mrev: Array = dims("N")
    opex: Array = dims("N")
    capex: Array = dims("N")
    before: Array = dims("N")
    need: Array = dims("N")
    borrower: Array = dims("N")
    raised: Array = dims("N")
    full_out: Array = dims("N")
    full_sched: Array = dims("N")
    forced: Array = dims("N", dtype=np.bool_)
    spare: Array = dims("N")
    sale_in: Array = dims("N")
    inflow: Array = dims("N")
    noncash_other: Array = dims("N")
    noncash: Array = dims("N")
    nd: Array = dims("N", dtype=np.bool_)
    new_nd: Array = dims("N", dtype=np.bool_)
    sold_by: Array = dims("N", dtype=np.bool_)
    p_opex: Array = dims("N")
    n_opex: Array = dims("N")
    p_other: Array = dims("N")
    n_other: Array = dims("N")
    residual: Array = dims("N")
    n_residual: Array = dims("N")
    estate: Array = dims("N")
    implied: Array = dims("N")
    estate_guess: Array = dims("N")
    secured: Array = dims("N")
    rank1: Array = dims("N")
    rank2: Array = dims("N")
    rank3: Array = dims("N")
    c0: Array = dims("N")
    r1: Array = dims("N")
    f1: Array = dims("N")
    f2: Array = dims("N")
    f3: Array = dims("N")
    cash_new: Array = dims("N")
    capex_paid: Array = dims("N")
    sale_loss: Array = dims("N")
    chips_by: Array = dims("N")
    depreciation: Array = dims("N")
    revenue: Array = dims("N")
    costs: Array = dims("N")
    contributions: Array = dims("N")
    assets: Array = dims("N")
    liabilities: Array = dims("N")
    equity: Array = dims("N")
    receivable: Array = dims("N")
    noi: Array = dims("N")
    ds: Array = dims("N")
    work1: Array = dims("N")
    work2: Array = dims("N")
    work3: Array = dims("N")
    position: Array = dims("N", dtype=np.int64)  # index among the round's defaulters
    # parties (N + 1)
    s_in: Array = dims("N1")
    s_out: Array = dims("N1")
    t_in: Array = dims("N1")
    t_out: Array = dims("N1")
    drawn_in: Array = dims("N1")
    lent_out: Array = dims("N1")
    received_sched: Array = dims("N1")
    received0: Array = dims("N1")
    received: Array = dims("N1")
    owners: Array = dims("N1")
    party: Array = dims("N1")
    # GPU generations (G) and pools (N, G)
    impact: Array = dims("G")
    dump: Array = dims("G")
    carry: Array = dims("G")
    sold_gpus: Array = dims("G")
    price: Array = dims("G")
    quantity: Array = dims("N", "G")
    # guarantees (U)
    g_want: Array = dims("U")
    # flags and totals of the quarter
    has_impact: bool = False
    has_dump: bool = False
    has_carry: bool = False
    has_extra: bool = False
    covenanted: bool = False
    selling: bool = False
    external_in: float = 0.0
    external_out: float = 0.0
    guar_ext: float = 0.0


@dataclass
class Records:
    """What a simulation keeps. ``sums`` (B, V, T, N): per block of paths, the sum of each
    of :data:`ENTITY_VARS` by quarter and entity. With ``keep`` also per path: ``entity``
    (V, P, T, N), ``debt`` (5, P, T, D), ``trade`` (3, P, T, K), ``external`` (2, P, T);
    with ``prices``, ``price`` (P, T, S) of the debts ``price_of`` (S,) and ``gpu_price``
    (P, T, G). Arrays not kept are empty."""

    sums: Array
    keep: bool
    entity: Array
    debt: Array
    trade: Array
    external: Array
    prices: bool
    price_of: Array
    price: Array
    gpu_price: Array


@dataclass
class Tape:
    """One thread's recording buffers: its block's ``sums`` (V, T, N), and the path being
    run's series (``entity`` (V, T, N), ``debt`` (5, T, D), ``trade`` (3, T, K),
    ``external`` (2, T)) and prices (``price`` (T, S), ``gpu_price`` (T, G)), shaped like
    one path of :class:`Records`, whose settings it copies."""

    sums: Array
    entity: Array
    debt: Array
    trade: Array
    external: Array
    price: Array
    gpu_price: Array
    keep: bool
    prices: bool
    price_of: Array


@dataclass
class Workspace:
    """What one thread works on (structs): its copy of the network's arrays and of the
    settings, its :class:`Flows` and its :class:`Tape`. Nothing in it is shared with
    another thread, so no reference count is either."""

    net: Any
    rules: Any
    flows: Any
    tape: Any


@structref.register
class _ChunkType(StructType):
    pass


class _ChunkProxy(structref.StructRefProxy):
    pass


@structref.register
class _PathType(StructType):
    pass


class _PathProxy(structref.StructRefProxy):
    pass


@structref.register
class _FlowsType(StructType):
    pass


class _FlowsProxy(structref.StructRefProxy):
    pass


@structref.register
class _RecordsType(StructType):
    pass


class _RecordsProxy(structref.StructRefProxy):
    pass


@structref.register
class _TapeType(StructType):
    pass


class _TapeProxy(structref.StructRefProxy):
    pass


@structref.register
class _WorkspaceType(StructType):
    pass


class _WorkspaceProxy(structref.StructRefProxy):
    pass


ChunkStruct = declare_struct(ChunkState, _ChunkType, _ChunkProxy)
PathStruct = declare_struct(PathState, _PathType, _PathProxy)
FlowsStruct = declare_struct(Flows, _FlowsType, _FlowsProxy)
RecordsStruct = declare_struct(Records, _RecordsType, _RecordsProxy)
TapeStruct = declare_struct(Tape, _TapeType, _TapeProxy)
WorkspaceStruct = declare_struct(Workspace, _WorkspaceType, _WorkspaceProxy)

_path_rows = rows_of(PathState, _PathType)


@kernel
def path_state(chunk: ChunkState, p: int) -> PathState:
    """Path ``p``'s rows of a chunk state (views: the stages update the chunk in place)."""
    return _path_rows(chunk, p)


@kernel
def _pack_chunk(fields: Any) -> Any:
    return ChunkStruct(*fields)


@kernel
def _pack_flows(fields: Any) -> Any:
    return FlowsStruct(*fields)


@kernel
def _pack_records(fields: Any) -> Any:
    return RecordsStruct(*fields)


@kernel
def _pack_tape(fields: Any) -> Any:
    return TapeStruct(*fields)


@kernel
def _pack_workspace(fields: Any) -> Any:
    return WorkspaceStruct(*fields)


_PACKERS = {ChunkState: _pack_chunk, Flows: _pack_flows, Records: _pack_records,
            Tape: _pack_tape, Workspace: _pack_workspace}


def as_struct(obj: Any) -> Any:
    """A chunk state, flows, records, tape or workspace as the struct kernels take (its
    arrays are shared, not copied)."""
    return pack(obj, _PACKERS[type(obj)])


def chunk_state(net: NetArrays, paths: int, window: int) -> ChunkState:
    """Zeroed state for ``paths`` paths (``open_books`` fills in the as-of balances);
    ``window`` is the DSCR test's number of quarters."""
    return allocate(ChunkState, sizes(net, window), (paths,))


def flows(net: NetArrays) -> Flows:
    """Working arrays for one thread's quarters."""
    return allocate(Flows, sizes(net))


def tape(rec: Records) -> Tape:
    """Recording buffers shaped like one path's rows of ``rec``."""
    def row(a: Array) -> Array:
        return np.zeros((a.shape[0],) + a.shape[2:])

    return Tape(sums=np.zeros(rec.sums.shape[1:]), entity=row(rec.entity), debt=row(rec.debt),
                trade=row(rec.trade), external=row(rec.external),
                price=np.full(rec.price.shape[1:], np.nan),
                gpu_price=np.zeros(rec.gpu_price.shape[1:]), keep=rec.keep,
                prices=rec.prices, price_of=rec.price_of.copy())


@kernel
def flush_tape(tape: Tape, rec: Records, p: int, first: int, last: int) -> None:
    """Copy path ``p``'s series and prices of quarters ``first .. last − 1`` from ``tape``
    into ``rec``."""
    if rec.keep:
        rec.entity[:, p, first:last] = tape.entity[:, first:last]
        rec.debt[:, p, first:last] = tape.debt[:, first:last]
        rec.trade[:, p, first:last] = tape.trade[:, first:last]
        rec.external[:, p, first:last] = tape.external[:, first:last]
    if rec.prices:
        rec.price[p, first:last] = tape.price[first:last]
        rec.gpu_price[p, first:last] = tape.gpu_price[first:last]
