"""Bundled presets: they load, cite real facts, generate the right shapes with no NaN, and
show up in the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bubblescope import load_network
from bubblescope.io.facts import fact_ids
from bubblescope.io.scenario_load import load_scenario
from bubblescope.scenarios import (
    factor_series,
    generate,
    generate_run,
    preset_names,
    reference_problems,
)

PRESETS = ["baseline", "slow", "refuted", "gpu-doom-loop", "power-crunch", "rate-shock",
           "guarantee", "supply-bottleneck"]


def test_every_named_preset_is_bundled():
    assert set(PRESETS) <= set(preset_names())


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_and_generates(name):
    s = load_scenario(name)
    assert s.name == name and s.description and s.assumptions
    assert s.source and set(s.source) <= fact_ids()
    assert s.is_stochastic
    f = generate(s, paths=64, quarters=97, seed=3)
    assert f.paths == 64 and f.quarters == 97 and f.start == "2025Q4"
    for key, arr in factor_series(f).items():
        assert arr.shape == (64, 97), key
        assert np.all(np.isfinite(arr)), key
    assert np.std(f.ai_demand[:, -1]) > 0


def test_presets_say_what_they_claim():
    q = 97
    base = generate(load_scenario("baseline"), paths=400, quarters=q, seed=1)
    med = np.median(base.ai_demand, axis=0)
    assert 2.5 < med[8] < 9  # fast growth at first (S1-03: ~9× in two years at the top)
    growth = med[4::4] / med[:-4:4]
    assert growth[0] > growth[5] > growth[15]  # slowing over time
    slow = np.median(generate(load_scenario("slow"), paths=400, quarters=q, seed=1).ai_demand,
                     axis=0)
    assert slow[:40].max() <= 1.01 and slow[-1] > 1.5  # weak for a decade, then rising
    ref = generate_run(load_scenario("refuted"), paths=200, quarters=q, seed=1)
    assert np.median(ref.factors.ai_demand[:, 16]) < 0.5
    assert ref.policies.strategic_default
    doom = generate_run(load_scenario("gpu-doom-loop"), paths=50, quarters=q, seed=1)
    assert doom.policies.fire_sale_feedback and len(doom.releases) >= 20
    power = generate(load_scenario("power-crunch"), paths=200, quarters=q, seed=1)
    assert np.median(power.power_availability[:, :20]) < 0.8
    rates = generate(load_scenario("rate-shock"), paths=200, quarters=q, seed=1)
    assert np.median(rates.base_rate[:, 2]) > 0.055
    assert np.median(rates.credit_spread["HY"][:, 2]) > 0.07
    chips = generate(load_scenario("supply-bottleneck"), paths=200, quarters=q, seed=1)
    assert np.median(chips.chip_delay[:, 4]) >= 3


def test_guarantee_extends_slow_and_names_real_contracts():
    g, slow = load_scenario("guarantee"), load_scenario("slow")
    assert g.extends == "slow" and g.factors == slow.factors
    guarantee = g.policies.guarantee
    net = load_network("ai-2025")
    assert guarantee.guarantor in {e.id for e in net.entities}
    assert set(guarantee.contracts) <= {c.id for c in net.contracts}
    assert "hyperion_bonds" in guarantee.contracts
    for name in PRESETS:
        assert reference_problems(load_scenario(name), net) == [], name
    bad = load_scenario("guarantee").model_copy(deep=True)
    bad.policies.guarantee.contracts = ["hyperion_bonds", "nope"]
    assert reference_problems(bad, net) == [
        "policies.guarantee.contracts[1]: no contract 'nope' in network 'ai-2025'"]


def test_data_list_shows_scenarios(cli):
    result = cli("data", "list")
    assert result.code == 0, result.err
    assert "ai-2025" in result.out
    for name in PRESETS:
        assert name in result.out


def test_scenario_show_and_plot(cli, tmp_path: Path):
    out = tmp_path / "slow.png"
    result = cli("scenario", "show", "slow", "--paths", "50", "--out", out)
    assert result.code == 0, result.err
    assert "S2-04" in result.out and "ai_demand" in result.out and "piecewise" in result.out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = cli("scenario", "show", "slow", "--paths", "50", "--out", out)
    assert again.code == 2 and "already exists" in again.err
    result = cli("scenario", "show", "guarantee", "--paths", "20", "--quarters", "12")
    assert result.code == 0, result.err
    assert "hyperion_bonds" in result.out and "extends slow" in result.out
    missing = cli("scenario", "show", "no-such-preset")
    assert missing.code == 2 and "bundled:" in missing.err


def test_scenario_validate_presets(cli):
    result = cli("scenario", "validate", *PRESETS)
    assert result.code == 0, result.err
    assert result.out.count("valid") == len(PRESETS)


def test_scenario_show_rejects_bad_options(cli, tmp_path: Path):
    result = cli("scenario", "show", "baseline", "--start", "2025Q9", "--quarters", "4")
    assert result.code == 2 and "--start" in result.err and "Traceback" not in result.err
    result = cli("scenario", "show", "baseline", "--out", tmp_path / "no" / "x.png")
    assert result.code == 2 and "folder does not exist" in result.err


def test_scenario_show_uses_the_files_horizon(cli, tmp_path: Path):
    (tmp_path / "d.csv").write_text("ai_demand\n1\n1.1\n1.2\n1.3\n")
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nquarters: 4\nfactors:\n  ai_demand: {shape: csv, file: d.csv}\n")
    result = cli("scenario", "show", path, "--paths", "3")
    assert result.code == 0, result.err
    assert "q3" in result.out and "1.3" in result.out
