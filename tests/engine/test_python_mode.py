"""With Numba's JIT disabled (``NUMBA_DISABLE_JIT=1``) the engine's kernels run as plain
Python, for debugging; the numbers are those of the compiled engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

RUN = """
import sys
import numpy as np
from bubblescope.engine import jit, simulate_paths
from bubblescope.engine.mechanisms import everything_on
from bubblescope.io import load_network
from bubblescope.io.scenario_load import load_scenario
from bubblescope.scenarios import generate_run

run = generate_run(load_scenario("refuted"), paths=3, quarters=8, seed=11)
res = simulate_paths(load_network("ai-2025"), run.factors, horizon="2027Q3",
                     params=everything_on(fire_sale_feedback=True))
np.savez(sys.argv[1], jit=jit.JIT, default_quarter=res.default_quarter,
         cash=res.entity["cash"], paid=res.debt["paid"], trade=res.trade["paid"],
         loss=res.loss_debt, shortfall=res.shortfall)
"""


def run(out: Path, disable_jit: bool) -> dict[str, np.ndarray]:
    env = dict(os.environ, NUMBA_DISABLE_JIT="1" if disable_jit else "0")
    subprocess.run([sys.executable, "-c", RUN, str(out)], env=env, check=True, timeout=600)
    with np.load(out) as data:
        return dict(data)


def test_plain_python_gives_the_compiled_numbers(tmp_path: Path) -> None:
    python = run(tmp_path / "python.npz", disable_jit=True)
    compiled = run(tmp_path / "compiled.npz", disable_jit=False)
    assert not python.pop("jit") and compiled.pop("jit")
    assert (compiled["default_quarter"] >= 0).any()      # the case has defaults
    np.testing.assert_array_equal(python.pop("default_quarter"),
                                  compiled.pop("default_quarter"))
    for name, value in python.items():
        np.testing.assert_allclose(value, compiled[name], rtol=0, atol=1e-9, err_msg=name)
