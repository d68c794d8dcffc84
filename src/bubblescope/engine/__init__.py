"""The simulation engine: contracts become cash flows, balance sheets and defaults,
quarter by quarter, on given factor paths (the Monte Carlo layer, :mod:`bubblescope.
montecarlo`, draws them from a scenario).

>>> from bubblescope.engine import FactorPaths, simulate_paths
>>> # res = simulate_paths(network, FactorPaths.baseline(100, 97))   # -> EngineResults
"""

from __future__ import annotations

import warnings
from typing import Any

from .compile import Compiled, EngineParams, compile_network, horizon_quarters
from .factors import FactorPaths
from .paths import simulate_paths
from .results import EngineResults

__all__ = ["Compiled", "EngineParams", "EngineResults", "FactorPaths", "compile_network",
           "horizon_quarters", "simulate_paths"]

#: names kept for a while: old name → (new name, object)
_RENAMED = {"simulate": ("simulate_paths", simulate_paths),
            "Results": ("EngineResults", EngineResults)}


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        new, obj = _RENAMED[name]
        warnings.warn(f"bubblescope.engine.{name} is now bubblescope.engine.{new}",
                      DeprecationWarning, stacklevel=2)
        return obj
    raise AttributeError(f"module 'bubblescope.engine' has no attribute {name!r}")
