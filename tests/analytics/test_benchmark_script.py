"""The benchmark script runs end to end on a small synthetic network."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_analytics.py"


def test_benchmark_script_small(capsys):
    spec = importlib.util.spec_from_file_location("bench_analytics", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.synthetic_network(300, 2000, seed=1)
    assert len(net.entities) == 300 and len(net.contracts) == 2000
    assert module.main(["--entities", "300", "--contracts", "2000", "--budget", "120"]) == 0
    out = capsys.readouterr().out
    for stage in ("flows", "cycles (≤ 5)", "look-through", "total"):
        assert stage in out
