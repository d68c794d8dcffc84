"""The simulation engine: contracts become cash flows, balance sheets and defaults,
quarter by quarter, over many paths at once.

>>> from bubblescope.engine import FactorPaths, simulate
>>> # res = simulate(network, FactorPaths.baseline(100, 97))
"""

from .compile import Compiled, EngineParams, compile_network, horizon_quarters
from .factors import FactorPaths
from .results import Results
from .simulate import simulate

__all__ = ["Compiled", "EngineParams", "FactorPaths", "Results", "compile_network",
           "horizon_quarters", "simulate"]
