"""Deprecated: the run store is :mod:`bubblescope.store` (``RunResults`` is ``KeptRun``)."""

from .._renamed import alias

_new = alias("bubblescope.runs", "bubblescope.store",
             {m: m for m in ("compare", "folder", "job", "load", "manifest", "query",
                             "rebuild", "schema", "summary", "tables")})
globals().update({k: getattr(_new, k) for k in _new.__all__})
RunResults = _new.KeptRun
__all__ = [*_new.__all__, "RunResults"]
