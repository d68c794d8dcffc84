"""The command line end to end: bundled data, exports, schema, facts and `python -m`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bubblescope import load_network
from bubblescope.io.facts import load_facts


def test_data_list_shows_the_bundled_network(cli):
    result = cli("data", "list")
    assert result.code == 0, result.err
    assert "ai-2025" in result.out and "2025-12-31" in result.out


def test_data_show_network_and_entity(cli):
    result = cli("data", "show", "ai-2025")
    assert result.code == 0, result.err
    assert "Largest deals" in result.out and "Entities by kind" in result.out
    result = cli("data", "show", "ai-2025", "--entity", "coreweave")
    assert result.code == 0, result.err
    assert "CoreWeave" in result.out and "Contracts of coreweave" in result.out
    result = cli("data", "show", "ai-2025", "--entity", "nobody")
    assert result.code == 2 and "no entity 'nobody'" in result.err


def test_json_export_has_the_documented_shape(cli, tmp_path: Path):
    out = tmp_path / "net.json"
    result = cli("data", "export", "ai-2025", "--format", "json", "--out", out)
    assert result.code == 0, result.err
    doc = json.loads(out.read_text())
    assert doc["as_of"] == "2025-12-31"
    net = load_network("ai-2025")
    assert len(doc["entities"]) == len(net.entities)
    assert len(doc["contracts"]) == len(net.contracts)
    ids = {e["id"] for e in doc["entities"]}
    assert all({"id", "name", "kind"} <= set(e) for e in doc["entities"])
    for c in doc["contracts"]:
        assert {"id", "kind", "status", "amount", "source"} <= set(c)
        obj = net.contract(c["id"])
        for field in obj.PARTY_FIELDS:
            if c.get(field) is not None:
                assert c[field] in ids
    hyperion = next(c for c in doc["contracts"] if c["kind"] == "bond"
                    and c["issuer"] == "hyperion_spv")
    assert hyperion["rate"] == 0.06581 and hyperion["end"].startswith("2049")


def test_csv_and_yaml_exports_round_trip(cli, tmp_path: Path):
    net = load_network("ai-2025")
    for fmt, name in (("csv", "tables"), ("yaml", "net.yaml")):
        out = tmp_path / name
        assert cli("data", "export", "ai-2025", "--format", fmt, "--out", out).code == 0
        again = load_network(out)
        assert {c.id: c for c in again.contracts} == {c.id: c for c in net.contracts}
        assert again.entities == net.entities
    assert (tmp_path / "tables" / "entities.csv").is_file()
    assert (tmp_path / "tables" / "bond.csv").is_file()


def test_schema_prints_json_schema_and_field_tables(cli):
    result = cli("schema", "network")
    assert result.code == 0
    schema = json.loads(result.out)
    assert schema["title"] == "Network" and "contracts" in schema["properties"]
    result = cli("schema", "fields", "lease")
    assert result.code == 0 and "residual_value_guarantee" in result.out and "USD bn" in result.out
    assert cli("schema", "widgets").code == 2


def test_facts_lists_every_fact_and_unused_only_context(cli):
    result = cli("facts", "--json")
    assert result.code == 0, result.err
    facts = json.loads(result.out)
    assert len(facts) == len(load_facts()) == 61  # every id in DIGEST.md
    unused = json.loads(cli("facts", "--unused", "--json").out)
    assert unused, "some facts are context-only"
    assert all(f["context_only"] for f in unused), [f["id"] for f in unused
                                                    if not f["context_only"]]


def test_validate_bundled_strict(cli):
    result = cli("validate", "ai-2025", "--strict")
    assert result.code == 0, result.err
    assert "valid" in result.out


def test_run_summarises(cli, tmp_path):
    result = cli("run", "--scenarios", "slow", "--paths", "10", "--horizon", "2026Q4",
                 "--runner", "serial", "--no-report", "--out", tmp_path)
    assert result.code == 0, result.err
    assert "ai-2025" in result.out


def test_python_dash_m_end_to_end(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nas_of: 2025-12-31\nentities:\n  - id: a\n    name: A\n"
                   "    kind: bank\n    cash: -1\n")
    proc = subprocess.run([sys.executable, "-m", "bubblescope", "validate", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{bad}:7: entities[0].cash" in proc.stderr
    ok = subprocess.run([sys.executable, "-m", "bubblescope", "validate", "ai-2025"],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr


def test_docs_field_tables_are_in_sync():
    from bubblescope.model.fields_table import fields_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "model.md"
    assert doc.read_text(encoding="utf-8") == fields_markdown(), \
        "docs/model.md is stale: run `bubblescope schema fields --markdown > docs/model.md`"
