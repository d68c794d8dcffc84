"""Deprecated: the Monte Carlo results are :mod:`bubblescope.montecarlo`."""

from .._renamed import alias

_new = alias("bubblescope.results", "bubblescope.montecarlo",
             {"montecarlo": "results", "stats": "stats", "second_round": "second_round"})
globals().update({k: getattr(_new, k) for k in _new.__all__})
__all__ = list(_new.__all__)
