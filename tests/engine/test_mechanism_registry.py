"""The registry of mechanisms (engine/mechanisms.py) is the one list: every engine
parameter has exactly one owner, the Monte Carlo defaults and "everything on" are read
from it, and the docs table is generated from it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bubblescope.engine.mechanisms import (
    CORE_PARAMETERS,
    MECHANISMS,
    everything_on,
    markdown_table,
    montecarlo_overrides,
)
from bubblescope.engine.params import EngineParams
from bubblescope.io.scenario_load import load_scenario
from bubblescope.montecarlo.run import engine_params

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "src" / "bubblescope" / "engine"
START, END = "<!-- mechanisms: start -->", "<!-- mechanisms: end -->"


def owners() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {f.name: [] for f in dataclasses.fields(EngineParams)}
    for name in CORE_PARAMETERS:
        out[name].append("core")
    for m in MECHANISMS:
        for name in ((m.switch,) if m.switch else ()) + m.parameters:
            out[name].append(m.name)
    return out


def test_every_engine_parameter_has_exactly_one_owner() -> None:
    unowned = {k: v for k, v in owners().items() if len(v) != 1}
    assert unowned == {}


def test_what_a_mechanism_sets_are_its_own_fields() -> None:
    fields = owners()
    for m in MECHANISMS:
        for table in (m.montecarlo, m.on, m.draws):
            for name in table:
                assert fields[name] == [m.name], (m.name, name)


def test_everything_on_switches_every_switch_away_from_its_default() -> None:
    on, off = everything_on(), EngineParams()
    for m in MECHANISMS:
        if m.switch is not None:
            assert getattr(on, m.switch) != getattr(off, m.switch), m.name
    assert on.clearing == "rogers_veraart" and on.default_cost_alpha == 0.9


def test_a_monte_carlo_run_uses_the_registry_defaults() -> None:
    params, _ = engine_params(load_scenario("baseline"))   # sets no policy
    expected = dataclasses.replace(EngineParams(), **montecarlo_overrides())
    assert params == expected
    assert params.ltv_covenants and params.dscr_window_quarters == 4
    assert not params.fire_sale_feedback        # a scenario policy, not a default


def test_every_stage_named_exists() -> None:
    for m in MECHANISMS:
        path = m.stage.split(" ")[0]
        assert (ENGINE / path).is_file(), (m.name, m.stage)


def test_the_docs_table_is_the_registry() -> None:
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    assert START in text and END in text
    table = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == markdown_table().strip(), (
        "docs/engine.md is out of date: paste the output of "
        "`python -c 'from bubblescope.engine.mechanisms import markdown_table as m; "
        "print(m())'` between the markers")
