"""Benches for the stage tests: one path of the bundled network (or a hand-made one) laid
out so that a single stage kernel can be called on random inputs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bubblescope.engine import EngineParams
from bubblescope.testing.stages import StageBench

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # engine_nets

#: quarters the bundled network is compiled to for the stage tests (2025Q4..2030Q4)
HORIZON = "2030Q4"


@pytest.fixture(scope="module")
def bundled_bench(ai2025) -> Callable[..., StageBench]:  # type: ignore[no-untyped-def]
    """``make(seed, t, params=None)``: the bundled network on a bench, books open, then
    scrambled at quarter ``t`` with ``seed`` (benches are cached per ``params``)."""
    benches: dict[str, StageBench] = {}

    def make(seed: int, t: int = 1, params: EngineParams | None = None) -> StageBench:
        key = repr(params)
        if key not in benches:
            benches[key] = StageBench.of(ai2025, horizon=HORIZON, params=params)
        bench = benches[key].open()
        return bench.scramble(np.random.default_rng(seed), t)

    return make
