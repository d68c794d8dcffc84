"""Random valid networks survive YAML → model → CSV → model (and JSON) unchanged."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings

from bubblescope.io import load_network, save_network
from bubblescope.io.save import network_text
from bubblescope.io.yaml_source import dump_yaml
from bubblescope.model import Network
from bubblescope.testing import assert_networks_equal
from bubblescope.testing.strategies import network_dicts


@settings(max_examples=60)
@given(network_dicts())
def test_yaml_model_csv_model_roundtrip(data: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "net.yaml"
        src.write_text(dump_yaml(data), encoding="utf-8")
        from_yaml = load_network(src)
        assert_networks_equal(from_yaml, Network.model_validate(data))
        save_network(from_yaml, Path(tmp) / "tables", "csv")
        from_csv = load_network(Path(tmp) / "tables")
        assert_networks_equal(from_yaml, from_csv)
        # what the author set survives too (so provenance checks see the same fields)
        by_id = {c.id: c for c in from_csv.contracts}
        for a in from_yaml.contracts:
            assert a.model_fields_set == by_id[a.id].model_fields_set


@settings(max_examples=30)
@given(network_dicts())
def test_json_and_yaml_exports_reload_unchanged(data: dict) -> None:
    net = Network.model_validate(data)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("json", "yaml"):
            path = Path(tmp) / f"net.{fmt}"
            path.write_text(network_text(net, fmt), encoding="utf-8")
            assert_networks_equal(net, load_network(path))


def test_folder_of_yaml_files_is_one_network(tmp_path: Path) -> None:
    (tmp_path / "a-network.yaml").write_text("name: split\nas_of: 2025Q4\n")
    (tmp_path / "b-entities.yaml").write_text(
        "entities:\n  - {id: x, name: X, kind: bank}\n  - {id: y, name: Y, kind: spv}\n")
    (tmp_path / "c-contracts.yaml").write_text(
        "contracts:\n  - {id: l, kind: loan, lender: x, borrower: y, amount: 1, rate: 0.05,"
        " source: [S2-04]}\n")
    net = load_network(tmp_path)
    assert net.name == "split" and str(net.as_of) == "2025-10-01"
    assert [e.id for e in net.entities] == ["x", "y"]
    assert net.contract("l").lender == "x"


def test_folder_errors_name_the_right_file(tmp_path: Path, cli) -> None:
    (tmp_path / "a.yaml").write_text("name: split\nas_of: 2025Q4\n")
    bad = tmp_path / "b.yaml"
    bad.write_text("entities:\n  - id: x\n    name: X\n    kind: bank\n    cash: -3\n")
    result = cli("validate", tmp_path)
    assert result.code == 2
    assert f"{bad}:5: entities[0].cash" in result.err


def test_csv_errors_name_file_row_and_column(tmp_path: Path, cli) -> None:
    net = Network.model_validate({
        "as_of": "2025-12-31",
        "entities": [{"id": "a", "name": "A", "kind": "bank"},
                     {"id": "b", "name": "B", "kind": "neocloud"}],
        "contracts": [{"id": "l", "kind": "loan", "lender": "a", "borrower": "b",
                       "amount": 2, "rate": 0.05}]})
    folder = tmp_path / "tables"
    save_network(net, folder, "csv")
    ents = folder / "entities.csv"
    rows = ents.read_text().splitlines()
    header = rows[0].split(",")
    cells = rows[2].split(",")
    cells[header.index("cash")] = "-4"
    rows[2] = ",".join(cells)
    ents.write_text("\n".join(rows) + "\n")
    result = cli("validate", folder)
    assert result.code == 2
    assert f"{ents}:3: cash (entity 'b'): expected a number ≥ 0" in result.err
    (folder / "loans.csv").write_text("id\nx\n")
    result = cli("validate", folder)
    assert "unknown table 'loans.csv'" in result.err
