"""Every class of malformed scenario: exit status 2, one message naming file, line and field,
no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bubblescope.io.errors import InputError
from bubblescope.io.scenario_load import load_scenario

GOOD = """\
name: t
quarters: 6
factors:
  ai_demand:
    shape: exponential
    growth: {dist: normal, mean: 0.5, sd: 0.1}
    noise: {kind: log_ou, volatility: 0.2}
  base_rate:
    base: {shape: constant, value: 0.04}
    noise: {kind: ou, volatility: 0.01}
  gpu_resale:
    default: {shape: csv, file: paths.csv, column: resale}
correlation:
  series: [ai_demand, base_rate]
  matrix:
    - [1.0, 0.3]
    - [0.3, 1.0]
shocks:
  - kind: default
    entity: coreweave
    at: 2027Q3
"""
CSV = "quarter,resale\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n4,0.6\n5,0.5\n"

# (name, replace-this, with-that, expected file, line, field text, message fragment)
CASES = [
    ("unknown factor", "  base_rate:\n", "  gpu_price:\n    shape: constant\n    value: 1\n"
     "  base_rate:\n", "s.yaml", 8, "factors.gpu_price", "unknown factor; expected one of"),
    ("unknown key", "name: t\n", "name: t\ncolour: red\n", "s.yaml", 2, "colour",
     "unknown key"),
    ("unknown key in a shape", "    growth: {dist", "    growht: 1\n    growth: {dist",
     "s.yaml", 6, "factors.ai_demand.growht", "unknown key"),
    ("not PSD", "    - [1.0, 0.3]\n    - [0.3, 1.0]\n",
     "    - [1.0, 0.3]\n    - [0.3, 1.0]\n", None, None, None, None),
    ("negative sd", "sd: 0.1", "sd: -0.1", "s.yaml", 6, "factors.ai_demand.growth.sd",
     "≥ 0"),
    ("unknown distribution", "dist: normal", "dist: cauchy", "s.yaml", 6,
     "factors.ai_demand.growth.dist", "expected a number or {dist: NAME"),
    ("uniform low >= high", "{dist: normal, mean: 0.5, sd: 0.1}",
     "{dist: uniform, low: 0.5, high: 0.2}", "s.yaml", 6, "factors.ai_demand.growth.high",
     "greater than low"),
    ("beta shape <= 0", "{dist: normal, mean: 0.5, sd: 0.1}", "{dist: beta, a: 0, b: 2}",
     "s.yaml", 6, "factors.ai_demand.growth.a", "> 0"),
    ("bad date", "at: 2027Q3", "at: 2027Q7", "s.yaml", 21, "shocks[0].at",
     "expected a date like 2029Q1"),
    ("unknown shape", "shape: exponential", "shape: sigmoid", "s.yaml", 5,
     "factors.ai_demand.shape", "expected {shape: NAME"),
    ("negative volatility", "volatility: 0.2}", "volatility: -0.2}", "s.yaml", 7,
     "factors.ai_demand.noise.volatility", "must be ≥ 0"),
    ("not symmetric", "    - [0.3, 1.0]\n", "    - [0.2, 1.0]\n", "s.yaml", 15,
     "correlation.matrix", "not symmetric"),
    ("correlation of a series without noise", "series: [ai_demand, base_rate]",
     "series: [ai_demand, chip_delay]", "s.yaml", None, "correlation.series",
     "'chip_delay' (item 1) is not a factor with noise"),
    ("CSV of the wrong length", "quarters: 6", "quarters: 8", "paths.csv", 7, "resale",
     "has 6 values; the scenario covers 8 quarters"),
    ("CSV column missing", "column: resale", "column: value", "paths.csv", 1, "value",
     "no column 'value'"),
    ("scaled of an undeclared series", "column: resale}",
     "column: resale}\n    H100: {shape: scaled, of: gpu_resale.B200, by: 0.4}", "s.yaml", 11,
     "factors.gpu_resale", "H100 scales 'gpu_resale.B200', which must be another declared"),
    ("bad shock kind", "kind: default", "kind: explode", "s.yaml", 19, "shocks[0].kind",
     "expected {kind: NAME, ...} with NAME one of revenue_drop, default"),
]
CASES = [c for c in CASES if c[3] is not None]


def write(tmp: Path, text: str, csv: str = CSV) -> Path:
    (tmp / "paths.csv").write_text(csv)
    path = tmp / "s.yaml"
    path.write_text(text)
    return path


def test_good_file_loads(tmp_path: Path, cli):
    path = write(tmp_path, GOOD)
    s = load_scenario(path)
    assert s.series_specs()["gpu_resale.default"].base.values.tolist() == [1, .9, .8, .7,
                                                                           .6, .5]
    result = cli("scenario", "validate", path)
    assert result.code == 0, result.err
    assert "valid" in result.out and "stochastic" in result.out


@pytest.mark.parametrize("name,old,new,file,line,field,fragment", CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input_is_located(tmp_path: Path, cli, name, old, new, file, line, field,
                              fragment):
    assert old in GOOD, name
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    issues = info.value.issues
    assert len(issues) == 1, [str(i) for i in issues]
    issue = issues[0]
    assert Path(issue.file).name == file
    if line is not None:
        assert issue.line == line, str(issue)
    assert issue.field == field, str(issue)
    assert fragment in issue.message, str(issue)
    result = cli("scenario", "validate", path)
    assert result.code == 2
    assert "Traceback" not in result.err and fragment in result.err
    assert f"{file}:" in result.err and field in result.err


def test_not_psd_names_the_smallest_eigenvalue(tmp_path: Path, cli):
    text = GOOD.replace("  gpu_resale:\n", "  equity_window:\n    shape: constant\n"
                        "    value: 0.5\n    noise: {kind: ou, volatility: 0.1}\n"
                        "  gpu_resale:\n")
    text = text.replace("series: [ai_demand, base_rate]",
                        "series: [ai_demand, base_rate, equity_window]")
    text = text.replace("    - [1.0, 0.3]\n    - [0.3, 1.0]\n",
                        "    - [1.0, 0.9, -0.9]\n    - [0.9, 1.0, 0.9]\n"
                        "    - [-0.9, 0.9, 1.0]\n")
    path = write(tmp_path, text)
    result = cli("scenario", "validate", path)
    assert result.code == 2 and "Traceback" not in result.err
    assert "s.yaml:19: correlation.matrix: not positive semi-definite (smallest eigenvalue " \
           "-0.8)" in result.err


def test_every_problem_reported_at_once(tmp_path: Path, cli):
    text = GOOD.replace("name: t\n", "name: t\ncolour: red\n").replace("sd: 0.1", "sd: -1")
    text = text.replace("at: 2027Q3", "at: soon")
    path = write(tmp_path, text)
    result = cli("scenario", "validate", path, tmp_path / "missing.yaml")
    assert result.code == 2
    lines = [x for x in result.err.splitlines() if x.startswith("error:")]
    assert len(lines) == 4, result.err
    assert "missing.yaml" in result.err


def test_csv_with_a_bad_cell(tmp_path: Path):
    path = write(tmp_path, GOOD, CSV.replace("3,0.7", "3,n/a"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    (issue,) = info.value.issues
    assert (Path(issue.file).name, issue.line, issue.field) == ("paths.csv", 5, "resale")
    assert "expected a finite number" in issue.message


def test_csv_too_short_for_the_horizon(tmp_path: Path):
    from bubblescope.scenarios import generate

    path = write(tmp_path, GOOD.replace("quarters: 6\n", ""))
    s = load_scenario(path)
    with pytest.raises(InputError, match="has 6 quarters of values, 10 needed"):
        generate(s, paths=1, quarters=10)


def test_extends_and_its_errors(tmp_path: Path):
    child = tmp_path / "child.yaml"
    child.write_text("name: c\nextends: slow\npolicies:\n  strategic_default: true\n")
    s = load_scenario(child)
    assert s.policies.strategic_default and s.factors.ai_demand is not None
    assert s.factors.ai_demand == load_scenario("slow").factors.ai_demand
    child.write_text("name: c\nextends: nowhere\n")
    with pytest.raises(InputError) as info:
        load_scenario(child)
    (issue,) = info.value.issues
    assert (issue.line, issue.field) == (2, "extends")
    child.write_text("name: c\nextends: child.yaml\n")
    with pytest.raises(InputError, match="extends itself"):
        load_scenario(child)


def test_yaml_syntax_error_and_not_a_mapping(tmp_path: Path, cli):
    path = tmp_path / "s.yaml"
    path.write_text("name: [t\n")
    result = cli("scenario", "validate", path)
    assert result.code == 2 and "invalid YAML" in result.err and "Traceback" not in result.err
    path.write_text("- 1\n- 2\n")
    result = cli("scenario", "validate", path)
    assert result.code == 2 and "expected a mapping" in result.err


def test_validate_against_a_network_locates_unknown_ids(tmp_path: Path, cli):
    path = tmp_path / "g.yaml"
    path.write_text("name: g\npolicies:\n  guarantee:\n    guarantor: us_government\n"
                    "    contracts: [hyperion_bonds, no_such_bond]\n"
                    "shocks:\n  - {kind: default, entity: nobody, at: 2027Q1}\n")
    result = cli("scenario", "validate", path, "--network", "ai-2025")
    assert result.code == 2 and "Traceback" not in result.err
    assert "g.yaml:5: policies.guarantee.contracts[1]: no contract 'no_such_bond'" in result.err
    assert "g.yaml:7: shocks[0].entity: no entity 'nobody'" in result.err
    ok = cli("scenario", "validate", "guarantee", "--network", "ai-2025")
    assert ok.code == 0, ok.err


def test_extends_keeps_a_parents_csv_relative_to_the_parent(tmp_path: Path):
    from bubblescope.scenarios import generate

    (tmp_path / "parent").mkdir()
    (tmp_path / "child").mkdir()
    (tmp_path / "parent" / "d.csv").write_text("x\n1\n2\n3\n")
    (tmp_path / "parent" / "p.yaml").write_text(
        "name: p\nfactors:\n  ai_demand: {shape: csv, file: d.csv, column: x}\n")
    (tmp_path / "child" / "c.yaml").write_text("name: c\nextends: ../parent/p.yaml\n")
    s = load_scenario(tmp_path / "child" / "c.yaml")
    assert generate(s, paths=1, quarters=3).ai_demand.tolist() == [[1.0, 2.0, 3.0]]


def test_paths_that_overflow_are_an_input_error():
    import numpy as np

    from bubblescope.model.scenario import Scenario
    from bubblescope.scenarios import generate

    s = Scenario.model_validate({"name": "boom", "factors": {"ai_demand": {
        "shape": "constant", "value": 1,
        "noise": {"kind": "log_ou", "volatility": 500}}}})
    with np.errstate(all="ignore"), pytest.raises(InputError, match="non-finite"):
        generate(s, paths=5, quarters=40)
