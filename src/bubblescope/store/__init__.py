"""The run store: a folder per ``bubblescope run`` (manifest, inputs, Parquet tables,
report), read back as a :class:`KeptRun`, and the tools to list, compare and query them.

>>> from bubblescope.store import TABLES
>>> "entities" in TABLES
True
"""

from .load import KeptRun, RunError, load_results
from .schema import NETWORK_TABLES, TABLES, columns

__all__ = ["NETWORK_TABLES", "TABLES", "KeptRun", "RunError", "columns", "load_results"]
