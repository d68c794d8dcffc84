"""One path of a network laid out for calling a single stage kernel in a test.

>>> from bubblescope.testing.stages import StageBench
>>> # bench = StageBench.of(network, factors); bench.open()
>>> # contract_leverage(bench.net_s, bench.st_s, bench.q_s, 0); bench.st.leverage
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..engine import arrays, state
from ..engine.compile import Compiled, EngineParams, horizon_quarters
from ..engine.factors import FactorPaths
from ..engine.paths import prepare
from ..engine.quarter import open_books
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


__all__ = ["StageBench"]
