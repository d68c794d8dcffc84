"""The stages of a quarter, one module each, written as scalar kernels over one path's
arrays (see :mod:`bubblescope.engine.quarter` for their order)."""
