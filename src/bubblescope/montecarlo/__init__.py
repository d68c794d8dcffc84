"""The Monte Carlo layer: a scenario's factor paths run through the engine in chunks, on
one process, local processes or Dask — the same numbers for the same seed whichever runner
and chunk size — and what comes back: per-path results merged in path order
(:class:`MonteCarloResults`) and the statistics on them.

========================  ====================================================
``run``                   :func:`simulate` (``bubblescope.simulate``), engine defaults
``chunk``                 one chunk: generate its paths, run the engine, keep per-path scalars
``executors``             where chunks run: serial, processes, Dask
``sweep``                 a parameter sweep over one pool of workers
``results``               :class:`MonteCarloResults`, :class:`PathSummary`
``stats``                 standard errors, value at risk, expected shortfall
``second_round``          investors' second-round sales
========================  ====================================================

>>> from bubblescope.montecarlo import simulate
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
from .results import EXTERNAL, PRICE_LEVELS, MonteCarloResults, PathSummary
from .run import DEFAULT_CHUNK, run_montecarlo, simulate
from .stats import binomial_se, expected_shortfall, loss_stats, value_at_risk

__all__ = ["DEFAULT_CHUNK", "EXTERNAL", "PRICE_LEVELS", "RUNNERS", "ChunkTask", "DaskRunner",
           "MonteCarloResults", "PathSummary", "ProcessRunner", "Runner", "RunnerError",
           "SerialRunner", "binomial_se", "expected_shortfall", "loss_stats", "make_runner",
           "run_chunk", "run_montecarlo", "simulate", "structures_of", "value_at_risk"]
