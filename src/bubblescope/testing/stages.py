"""One path of a network laid out for calling a single stage kernel in a test.

>>> from bubblescope.testing.stages import StageBench
>>> # bench = StageBench.of(network, factors); bench.open()
>>> # contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0); bench.st.leverage
>>> # bench.scramble(np.random.default_rng(0), t=3)   # random balances and factors
>>> # bench.fund(3)              # quarter 3's stages before the settlement

Stages read and write plain arrays, so a test can set any input through the NumPy views,
call one kernel and check its outputs against a formula worked out by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import arrays, state
from ..engine.compile import Compiled, EngineParams, horizon_quarters
from ..engine.factors import FactorPaths
from ..engine.paths import prepare
from ..engine.quarter import fund_quarter, open_books
from ..model.network import Network


@dataclass
class StageBench:
    """Path 0 of ``factors`` on a compiled network, with the structs a stage takes
    (``net_s``, ``rules_s``, ``fp_s``, ``st_s``, ``q_s``) and NumPy views of the same
    memory to set inputs and read results: ``net``, ``rules``, ``chunk`` (the path is row
    0), ``flows``, and :attr:`st` (the path's rows)."""

    compiled: Compiled
    net: arrays.NetArrays
    rules: arrays.Settings
    factors: arrays.Factors
    chunk: state.ChunkState
    flows: state.Flows
    net_s: Any
    rules_s: Any
    fp_s: Any
    st_s: Any
    q_s: Any

    @classmethod
    def of(cls, network: Network | Compiled, factors: FactorPaths | None = None, *,
           horizon: str | dt.date = "2049Q4", params: EngineParams | None = None
           ) -> StageBench:
        """The bench for ``network`` (compiled to ``horizon`` with ``params``) on the first
        path of ``factors`` (default: flat factors)."""
        if factors is None:
            quarters = (network.n_quarters if isinstance(network, Compiled)
                        else horizon_quarters(network.as_of, horizon))
            factors = FactorPaths.flat(1, quarters)
        c, f = prepare(network, factors.slice(slice(0, 1)), horizon, params)
        net = arrays.net_arrays(c)
        rules = arrays.settings(c.params)
        fac = arrays.factors(c, f)
        chunk = state.chunk_state(net, 1, c.params.dscr_window_quarters)
        flows = state.flows(net)
        fac_s, chunk_s = arrays.as_struct(fac), state.as_struct(chunk)
        return cls(compiled=c, net=net, rules=rules, factors=fac, chunk=chunk, flows=flows,
                   net_s=arrays.as_struct(net), rules_s=arrays.as_struct(rules),
                   fp_s=arrays.path_factors(fac_s, 0), st_s=state.path_state(chunk_s, 0),
                   q_s=state.as_struct(flows))

    @property
    def st(self) -> state.PathState:
        """The path's state (views of row 0 of :attr:`chunk`)."""
        return state.PathState(**{f.name: getattr(self.chunk, f.name)[0]
                                  for f in dataclasses.fields(state.PathState)})

    def open(self) -> StageBench:
        """Open the books: the as-of balances (``open_books``)."""
        open_books(self.net_s, self.rules_s, self.fp_s, self.st_s, self.q_s)
        return self

    def fund(self, t: int) -> StageBench:
        """Run quarter ``t``'s stages before the settlement (``fund_quarter``): what
        falls due, what comes in and how shortfalls are funded, ready for
        ``settle_defaults`` or the clearing kernels."""
        fund_quarter(self.net_s, self.rules_s, self.fp_s, self.st_s, self.q_s, t)
        return self

    def scramble(self, rng: np.random.Generator, t: int = 1, dead: float = 0.15
                 ) -> StageBench:
        """Random balances at the start of quarter ``t`` and random factors in it, drawn
        around the as-of values: cash, balances, undrawn amounts, fleets, other assets and
        liabilities, stakes and market equity each × U(0, 2); leverage U(0, 1.5); about
        ``dead`` of the entities defaulted in an earlier quarter (their balances zero, as
        the engine leaves them). Books must be open (:meth:`open`)."""
        st, net, f = self.st, self.net, self.factors
        N, D = st.cash.size, st.balance.size

        def around(x: np.ndarray) -> np.ndarray:
            return x * rng.uniform(0.0, 2.0, x.shape)

        st.cash[:] = around(net.cash0 + 1.0)
        st.balance[:] = around(net.principal0)
        st.undrawn[:] = around(net.undrawn0)
        st.gpu_value[:] = around(st.gpu_value)
        st.gpu_book[:] = around(st.gpu_book)
        st.fixed_book[:] = rng.uniform(0.0, 5.0, N)
        st.other_assets[:] = around(st.other_assets)
        st.other_liabilities[:] = around(st.other_liabilities)
        st.stakes[:] = around(st.stakes)
        st.market_equity[:] = around(st.market_equity + 1.0)
        st.leverage[:] = rng.uniform(0.0, 1.5, N)
        st.dscr_breach[:] = rng.integers(0, 3, D)
        st.breach[:] = rng.integers(0, 3, D)
        gone = rng.random(N) < dead if t > 0 else np.zeros(N, dtype=bool)
        st.alive[:] = ~gone
        st.default_quarter[:] = np.where(gone, rng.integers(0, max(t, 1), N), -1)
        for name in ("cash", "gpu_book", "fixed_book", "other_assets", "other_liabilities"):
            getattr(st, name)[gone] = 0.0
        st.gpu_value[gone] = 0.0
        owed_by_dead = gone[net.debtor]
        st.balance[owed_by_dead] = 0.0
        st.undrawn[owed_by_dead] = 0.0
        f.ai_demand[0, t] = rng.uniform(0.3, 3.0)
        f.rental[0, t] = rng.uniform(0.3, 1.5)
        f.resale[0, t] = f.resale[0, max(t - 1, 0)] * rng.uniform(0.5, 1.0, f.resale.shape[2])
        f.base_rate[0, t] = rng.uniform(0.0, 0.08)
        f.spread[0, t] = np.sort(rng.uniform(0.0, 0.15, 2))
        f.window[0, t] = rng.uniform(0.0, 1.0)
        f.power[0, t] = rng.uniform(0.5, 1.0)
        return self


@contextmanager
def patched(arr: np.ndarray, values: np.ndarray | float) -> Iterator[None]:
    """``arr`` (say a network array a bench shares with its structs) holds ``values``
    inside the ``with`` block and its own values again after it.

    >>> a = np.zeros(2)
    >>> with patched(a, 1.0):
    ...     float(a.sum())
    2.0
    >>> float(a.sum())
    0.0
    """
    saved = arr.copy()
    arr[...] = values
    try:
        yield
    finally:
        arr[...] = saved


__all__ = ["StageBench", "patched"]
