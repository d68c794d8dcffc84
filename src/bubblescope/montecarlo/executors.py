"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Each runner maps a picklable function over tasks and returns the results **in task
order**, whatever order they finish in; ``on_done(i)`` is called as task ``i`` finishes
(for progress bars). Runners are context managers so one pool or cluster can serve many
runs (a parameter sweep).

>>> with make_runner("serial") as r:
...     r.map(abs, [-1, 2, -3])
[1, 2, 3]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

RUNNERS = ("serial", "processes", "dask")

#: Seconds to wait when connecting to an existing Dask scheduler.
CONNECT_TIMEOUT = 5


class RunnerError(ValueError):
    """A runner could not be started (bad name, unreachable scheduler, ...)."""


class Runner:
    """Base class: a context manager with an ordered ``map``."""

    name = "base"

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release workers (nothing to do for the serial runner)."""

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            on_done: Callable[[int], None] | None = None) -> list[Any]:
        raise NotImplementedError


class SerialRunner(Runner):
    """Run the tasks one after the other in this process."""

    name = "serial"

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            on_done: Callable[[int], None] | None = None) -> list[Any]:
        out = []
        for i, t in enumerate(tasks):
            out.append(fn(t))
            if on_done is not None:
                on_done(i)
        return out


class ProcessRunner(Runner):
    """Run the tasks on a ``ProcessPoolExecutor`` (``workers`` processes, default: the
    number of cores). Workers are started with ``spawn`` so no thread state is forked."""

    name = "processes"

    def __init__(self, workers: int | None = None):
        import multiprocessing as mp

        self.workers = workers or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=mp.get_context("spawn"))
        self._aborted = False

    def close(self) -> None:
        if self._aborted:
            # interrupted or failed: stop the chunks still running instead of waiting for
            # them (the executor has no public way to do this before Python 3.14)
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.terminate()
            self._pool.shutdown(wait=False, cancel_futures=True)
            return
        self._pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            on_done: Callable[[int], None] | None = None) -> list[Any]:
        futures = {self._pool.submit(fn, t): i for i, t in enumerate(tasks)}
        out: list[Any] = [None] * len(tasks)
        try:
            for fut in as_completed(futures):
                i = futures[fut]
                out[i] = fut.result()
                if on_done is not None:
                    on_done(i)
        except BaseException:
            self._aborted = True
            for fut in futures:
                fut.cancel()
            raise
        return out


class DaskRunner(Runner):
    """Run the tasks on Dask: a new ``distributed.LocalCluster`` (``workers`` processes with
    one thread each), an existing ``distributed.Client``, or a scheduler given by address
    (``tcp://host:8786``) or scheduler file (a path to an existing JSON file)."""

    name = "dask"

    def __init__(self, scheduler: Any = None, workers: int | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise RunnerError("runner dask: the 'distributed' package is not installed"
                              ) from exc
        self._own_client = True
        self._cluster = None
        if isinstance(scheduler, Client):
            self.client = scheduler
            self._own_client = False
        elif scheduler is None:
            self._cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                         threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self.client = Client(self._cluster)
        else:
            where = str(scheduler)
            try:
                if Path(where).is_file():
                    self.client = Client(scheduler_file=where, timeout=CONNECT_TIMEOUT)
                else:
                    self.client = Client(where, timeout=CONNECT_TIMEOUT)
            except (OSError, ValueError, TypeError) as exc:
                raise RunnerError(f"could not reach the Dask scheduler {where!r} within "
                                  f"{CONNECT_TIMEOUT} s ({type(exc).__name__}: {exc})"
                                  ) from None

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map(self, fn: Callable[[Any], Any], tasks: Sequence[Any],
            on_done: Callable[[int], None] | None = None) -> list[Any]:
        from distributed import as_completed as dask_completed

        futures = self.client.map(fn, list(tasks), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        out: list[Any] = [None] * len(tasks)
        try:
            for fut in dask_completed(futures):
                i = index[fut.key]
                out[i] = fut.result()
                if on_done is not None:
                    on_done(i)
        except BaseException:
            self.client.cancel(futures)
            raise
        return out


def make_runner(runner: str | Runner = "serial", *, scheduler: Any = None,
                workers: int | None = None) -> Runner:
    """A runner by name (``serial``, ``processes``, ``dask``), or ``runner`` itself if it is
    already one.

    Raises
    ------
    RunnerError
        unknown name, a scheduler given for a runner other than dask, or an unreachable
        Dask scheduler.
    """
    if isinstance(runner, Runner):
        return runner
    if runner not in RUNNERS:
        raise RunnerError(f"runner: unknown runner {runner!r}; expected one of "
                          + ", ".join(RUNNERS))
    if scheduler is not None and runner != "dask":
        raise RunnerError("scheduler: only used with runner 'dask'")
    if workers is not None and workers < 1:
        raise RunnerError(f"workers: must be >= 1, got {workers}")
    if runner == "serial":
        return SerialRunner()
    if runner == "processes":
        return ProcessRunner(workers)
    return DaskRunner(scheduler, workers)


__all__ = ["CONNECT_TIMEOUT", "RUNNERS", "DaskRunner", "ProcessRunner", "Runner",
           "RunnerError", "SerialRunner", "make_runner"]
