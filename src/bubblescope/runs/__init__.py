"""Kept runs: a run folder per ``bubblescope run`` (manifest, inputs, Parquet tables, report),
and the tools to list, compare and query them.

>>> from bubblescope.runs import TABLES
>>> "entities" in TABLES
True
"""

from .load import RunError, RunResults, load_results
from .schema import NETWORK_TABLES, TABLES, columns

__all__ = ["NETWORK_TABLES", "TABLES", "RunError", "RunResults", "columns", "load_results"]
