"""Scenario paths: turn a declared scenario into factor paths for the engine.

Examples
--------
>>> from bubblescope.io.scenario_load import load_scenario
>>> run = generate_run(load_scenario("baseline"), paths=4, quarters=8, seed=1)
>>> run.factors.ai_demand.shape
(4, 8)
"""

from ..data import bundled_scenarios
from .describe import band_rows, event_rows, factor_rows, factor_series, plot_bands
from .generate import (
    ResolvedRelease,
    ResolvedShock,
    ScenarioRun,
    generate,
    generate_run,
    path_rng,
    quarter_index,
    reference_problems,
)


def preset_names() -> list[str]:
    """Names of the bundled scenario presets."""
    return sorted(bundled_scenarios())


__all__ = ["ResolvedRelease", "ResolvedShock", "ScenarioRun", "band_rows", "event_rows",
           "factor_rows", "factor_series", "generate", "generate_run", "path_rng",
           "plot_bands", "preset_names", "quarter_index", "reference_problems"]
