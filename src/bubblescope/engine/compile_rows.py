"""The rows compiling a network builds, one per instrument, before they become arrays.

:class:`Builder` holds the time grid, the entity index and the growing lists of
:class:`DebtRow`, :class:`TradeRow`, :class:`StakeRow` and :class:`Milestone`; each
contract kind adds its rows (:mod:`bubblescope.engine.compile_kinds`), and
:mod:`bubblescope.engine.compile` turns them into :class:`~bubblescope.engine.compiled.
Compiled` arrays. Creditor shares are kept sparse (party index → share), so a network of
thousands of entities compiles in memory linear in its size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..model.network import Network
from .calendar import quarter_number
from .codes import VAR_NONE
from .params import EngineParams

Array = np.ndarray

#: maturity of debt without an end date (never reached)
NEVER = 10**6


@dataclass
class DebtRow:
    """A debt instrument: its debtor, creditors (party → share of the instrument, N for
    outside), opening principal and undrawn commitment (USD bn), whether and until when
    it may be drawn, its rate (fixed, or spread when floating, decimal/yr), amortisation
    code, listed repayments (T,), maturity quarter, seniority rank and first amortising
    quarter (−1: from the start)."""

    id: str
    debtor: int
    creditors: dict[int, float]
    principal: float
    undrawn: float
    drawable: bool
    floating: bool
    rate: float
    amort: int
    custom: Array
    maturity: int
    rank: int
    draw_last: int = -1
    amort_start: int = -1


@dataclass(frozen=True)
class ExitTerms:
    """How a lessee may leave a lease: allowed or not, the AI-demand threshold and the run
    of quarters below it, the first and last quarter an exit can happen, and what it costs
    (termination payment + residual value guarantee, USD bn; −1: no exit date agreed, the
    lessee owes the lessor's damages)."""

    allowed: bool = False
    threshold: float = 0.0
    run: int = 0
    first: int = 0
    last: int = -1
    payment: float = 0.0


@dataclass
class TradeRow:
    """A trade obligation: its kind (``codes.RENT`` …), payer and payee, fixed and variable
    schedules (T,), USD bn, the factor scaling the variable part, the residual value
    guarantee (leases), exit terms, chip generation, the debt a disbursement funds, the
    stake a tranche or call pays into, and whether it is an option for the payer."""

    id: str
    kind: int
    payer: int
    payee: int
    fixed: Array
    variable: Array | None = None
    var_factor: int = VAR_NONE
    rvg: float = 0.0
    exit: ExitTerms | None = None
    gen: int = -1
    disburses: int = -1
    stake: int = -1
    optional: bool = False


@dataclass
class StakeRow:
    """An equity stake or fund interest: holder, issuer, cost already held (USD bn) and
    the share of the issuer's residual it owns; a fund commitment's share is resolved
    from ``commitment`` (USD bn) once every commitment to the fund is known."""

    id: str
    holder: int
    issuer: int
    held: float
    ownership: float
    commitment: float | None = None


@dataclass(frozen=True)
class Milestone:
    """An equity tranche waiting for an AI-demand level: its trade obligation, the first
    quarter it may be paid, the level, the amount (USD bn) and whether the equity window
    scales it."""

    trade: int
    first: int
    level: float
    amount: float
    window: bool


@dataclass
class Builder:
    """The rows of one network over ``T`` quarters from its as-of quarter ``q0``."""

    network: Network
    params: EngineParams
    T: int
    q0: int
    index: dict[str, int]
    generations: list[str]
    debts: list[DebtRow] = field(default_factory=list)
    trades: list[TradeRow] = field(default_factory=list)
    stakes: list[StakeRow] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    #: chip purchases by (buyer, calendar year), USD bn: capex plans already count them
    chips_by_year: dict[tuple[int, int], float] = field(default_factory=dict)

    @property
    def N(self) -> int:
        """Entities; index ``N`` is the outside world."""
        return len(self.index)

    def quarter(self, day: dt.date | None, default: int) -> int:
        """Quarter index of ``day`` from the as-of quarter (``default`` if None)."""
        return default if day is None else quarter_number(day) - self.q0

    def evenly(self, total: float, a: int, b: int) -> Array:
        """``total`` split evenly over quarters a..b (inclusive), kept within the horizon."""
        out = np.zeros(self.T)
        b = max(b, a)
        n = b - a + 1
        lo, hi = max(a, 0), min(b, self.T - 1)
        if hi >= lo:
            out[lo:hi + 1] = total / n
        return out

    def add_debt(self, row: DebtRow) -> int:
        self.debts.append(row)
        return len(self.debts) - 1

    def add_trade(self, row: TradeRow) -> int:
        self.trades.append(row)
        return len(self.trades) - 1

    def add_stake(self, row: StakeRow) -> int:
        self.stakes.append(row)
        return len(self.stakes) - 1


def creditor_arrays(debts: list[DebtRow]) -> tuple[Array, Array, Array]:
    """CSR of the debts' creditor shares: row pointers (D+1,), party indices (increasing
    within a debt) and shares; zero shares are left out."""
    ptr, idx, w = [0], [], []
    for row in debts:
        for j in sorted(row.creditors):
            if row.creditors[j] != 0.0:
                idx.append(j)
                w.append(row.creditors[j])
        ptr.append(len(idx))
    return (np.array(ptr, dtype=np.int64), np.array(idx, dtype=np.int64),
            np.array(w, dtype=float))
