"""A small kept run shared by the tests of this folder (2 scenarios, 30 paths, to 2027Q4)."""

from __future__ import annotations

import pytest
from runs_helpers import make_run

from bubblescope.store.job import JobResult


@pytest.fixture(scope="package")
def kept(tmp_path_factory: pytest.TempPathFactory) -> JobResult:
    return make_run(tmp_path_factory.mktemp("runs"))
