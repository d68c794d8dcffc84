"""Reading the thermometer's observations CSV: located errors, the bundled example, and the
`bubblescope thermometer` command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bubblescope._cli.thermometer_cmds import EXAMPLE_OBSERVATIONS
from bubblescope.analytics.thermometer import INDICATORS, observed_thermometer
from bubblescope.io.errors import InputError
from bubblescope.io.observations import INDICATOR_KEYS, read_observations

HEADER = "date,indicator,series,value\n"


def write(tmp_path: Path, body: str, name: str = "obs.csv") -> Path:
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def issues_of(path: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        read_observations(path)
    return [str(i) for i in exc.value.issues]


def test_indicator_keys_match_the_thermometer() -> None:
    assert tuple(INDICATORS) == INDICATOR_KEYS


def test_bundled_example_loads_and_is_marked() -> None:
    text = EXAMPLE_OBSERVATIONS.read_text(encoding="utf-8")
    assert text.startswith("#") and "EXAMPLE" in text.splitlines()[0]
    obs = read_observations(EXAMPLE_OBSERVATIONS)
    assert obs.columns[:4].tolist() == ["date", "indicator", "series", "value"]
    assert set(obs["indicator"]) <= set(INDICATOR_KEYS)
    assert all(isinstance(d, dt.date) for d in obs["date"])
    assert obs["source"].str.contains(r"S\d-\d\d|assumption").all()
    r = observed_thermometer(obs)
    assert 0 <= r.composite <= 100


def test_good_file_with_comments_quarters_and_extra_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "# a comment\n\ndate,indicator,series,value,note\n"
                        "2025Q4,neocloud,bond_yield,0.09,\"a, b\"\n"
                        "2025-12-31,spv_bond,bond_price,0.97,\n")
    obs = read_observations(p)
    assert obs["date"].tolist() == [dt.date(2025, 10, 1), dt.date(2025, 12, 31)]
    assert obs["line"].tolist() == [4, 5]
    assert obs["note"].tolist() == ["a, b", ""]


@pytest.mark.parametrize(("body", "expected"), [
    (HEADER + "2025-12-31,vibes,x,1\n", ":2: indicator: unknown indicator 'vibes'"),
    (HEADER + "31/12/2025,power,onsite_share,0.3\n", ":2: date: expected a date"),
    (HEADER + "2025-12-31,power,onsite_share,lots\n",
     ":2: value: expected a finite number, got 'lots'"),
    (HEADER + "2025-12-31,power,onsite_share,nan\n", ":2: value: expected a finite number"),
    (HEADER + "2025-12-31,power,on site,0.3\n", ":2: series: expected a name"),
    (HEADER + "2025-12-31,power,onsite_share\n", ":2: row has 3 cells"),
    (HEADER + "2025-12-31,power,onsite_share,0.3\n2025-12-31,power,onsite_share,0.4\n",
     ":3: duplicate observation: power.onsite_share on 2025-12-31 already given on line 2"),
    ("date,indicator,value\n2025-12-31,power,1\n", ":1: missing column(s) series"),
    (HEADER, ":1: no observations"),
    ("# only a comment\n", "no header row"),
])
def test_bad_files_name_file_line_and_field(tmp_path: Path, body: str, expected: str
                                            ) -> None:
    p = write(tmp_path, body)
    found = issues_of(p)
    assert any(expected in f for f in found), found
    assert all(f.startswith(str(p)) for f in found)


def test_every_problem_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path, HEADER + "2025-12-31,vibes,x,1\n2025-13-01,power,y,z\n")
    found = issues_of(p)
    assert len(found) == 3
    assert [f.split(":")[1] for f in found] == ["2", "3", "3"]


# ----------------------------------------------------------------- CLI


def test_cli_static_panel(cli) -> None:
    res = cli("thermometer")
    assert res.code == 0, res.err
    for word in ("risk thermometer", "AI productivity speed", "Neocloud stress",
                 "SPV bond health", "Contract quality", "Power", "static composite",
                 "neoclouds one by one"):
        assert word in res.out


def test_cli_observed_beside_static(cli) -> None:
    res = cli("thermometer", "ai-2025", "--observed", "example")
    assert res.code == 0, res.err
    assert "observed score" in res.out and "observed composite" in res.out


def test_cli_json_stable_keys(cli) -> None:
    res = cli("thermometer", "--json", "--observed", str(EXAMPLE_OBSERVATIONS))
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert set(data) == {"network", "static", "observed", "neoclouds"}
    assert {n["entity"] for n in data["neoclouds"]} >= {"coreweave"}
    for part in ("static", "observed"):
        assert list(data[part]["indicators"]) == list(INDICATORS)
        assert set(data[part]["composite"]) == {"score", "colour"}
    assert cli_json_no_observed(cli)["observed"] is None


def cli_json_no_observed(cli) -> dict:
    res = cli("thermometer", "--json")
    assert res.code == 0
    return json.loads(res.out)


@pytest.mark.parametrize(("body", "needle"), [
    (HEADER + "2025-12-31,vibes,x,1\n", ":2: indicator: unknown indicator"),
    (HEADER + "yesterday,power,onsite_share,0.3\n", ":2: date:"),
    (HEADER + "2025-12-31,power,onsite_share,high\n", ":2: value:"),
    (HEADER + "2025-12-31,power,onsite_share,0.3\n2025-12-31,power,onsite_share,0.3\n",
     ":3: duplicate observation"),
])
def test_cli_bad_observed_file_exits_2(cli, tmp_path: Path, body: str, needle: str) -> None:
    p = write(tmp_path, body)
    res = cli("thermometer", "--observed", str(p))
    assert res.code == 2
    assert needle in res.err and str(p) in res.err
    assert "Traceback" not in res.err + res.out
    assert res.out == ""


def test_cli_missing_observed_file_exits_2(cli, tmp_path: Path) -> None:
    res = cli("thermometer", "--observed", str(tmp_path / "nope.csv"))
    assert res.code == 2 and "no such file" in res.err


def test_entity_column_separates_issuers(tmp_path: Path) -> None:
    p = write(tmp_path, "date,indicator,series,value,entity\n"
                        "2025-12-31,neocloud,bond_yield,0.09,coreweave\n"
                        "2025-12-31,neocloud,bond_yield,0.07,nebius\n"
                        "2025-12-31,neocloud,base_rate,0.04,\n")
    obs = read_observations(p)
    assert obs["entity"].tolist() == ["coreweave", "nebius", ""]
    p = write(tmp_path, "date,indicator,series,value,entity\n"
                        "2025-12-31,neocloud,bond_yield,0.09,coreweave\n"
                        "2025-12-31,neocloud,bond_yield,0.08,coreweave\n", "dup.csv")
    assert any(":3: duplicate observation: neocloud.bond_yield for coreweave" in f
               for f in issues_of(p))
