"""Monte Carlo runners: chunks of paths on one process, local processes or Dask — the same
numbers for the same seed whichever runner and chunk size.

>>> from bubblescope.runners import simulate
>>> mc = simulate("ai-2025", "baseline", paths=4, seed=0, horizon="2026Q2", progress=False)
>>> mc.paths
4
"""

from .chunk import ChunkTask, run_chunk, structures_of
from .executors import (
    RUNNERS,
    DaskRunner,
    ProcessRunner,
    Runner,
    RunnerError,
    SerialRunner,
    make_runner,
)
from .montecarlo import DEFAULT_CHUNK, run_montecarlo, simulate

__all__ = ["DEFAULT_CHUNK", "RUNNERS", "ChunkTask", "DaskRunner", "ProcessRunner", "Runner",
           "RunnerError", "SerialRunner", "make_runner", "run_chunk", "run_montecarlo",
           "simulate", "structures_of"]
