"""A small kept run and its report, built once for the report's tests.

A real run (``bubblescope.store.job.run_job``: slow and refuted, 30 paths to 2027Q4, serial)
so the tests read the run folder's true contract.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIOS = ["slow", "refuted"]


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory):
    from bubblescope.store import load_results
    from bubblescope.store.job import RunSpec, run_job

    out = tmp_path_factory.mktemp("runs")
    job = run_job(RunSpec(scenarios=SCENARIOS, paths=30, seed=1, horizon="2027Q4",
                          runner="serial", out=out, report=False, progress=False,
                          command=["bubblescope", "run", "(report tests)"]))
    return load_results(job.path)


@pytest.fixture(scope="session")
def built_report(small_run, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    from bubblescope.report import build_report

    folder = tmp_path_factory.mktemp("report")
    paths = build_report(small_run, folder)
    return folder, paths
