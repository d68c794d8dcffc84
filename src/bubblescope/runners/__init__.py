"""Deprecated: the Monte Carlo runners are :mod:`bubblescope.montecarlo`."""

from .._renamed import alias

_new = alias("bubblescope.runners", "bubblescope.montecarlo",
             {"montecarlo": "run", "chunk": "chunk", "executors": "executors", "sweep": "sweep"})
globals().update({k: getattr(_new, k) for k in _new.__all__})
__all__ = list(_new.__all__)
