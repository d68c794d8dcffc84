"""Every class of malformed input: exit status 2, one message naming file, line and field,
no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

GOOD = """\
name: t
as_of: 2025-12-31
entities:
  - id: lender
    name: Lender
    kind: bank
    country: NO
    source: [S1-20]
  - id: borrower
    name: Borrower
    kind: neocloud
    source: [S1-13]
contracts:
  - id: loan1
    kind: loan
    lender: lender
    borrower: borrower
    amount: 5
    rate: 0.09
    start: 2025Q1
    end: 2030Q1
    source: [S2-04]
  - id: bond1
    kind: bond
    issuer: borrower
    amount: 10
    rate: 0.065
    holders:
      - holder: lender
        amount: 4
    remainder_holder: lender
    source: [S2-09]
"""

# (name, replace-this, with-that, expected line, expected field text, message fragment)
CASES = [
    ("unknown key", "    kind: neocloud\n", "    kind: neocloud\n    colour: red\n",
     12, "entities[1].colour", "unknown key"),
    ("wrong type", "    amount: 5\n", "    amount: lots\n", 18, "contracts[0].amount",
     "expected a number"),
    ("negative amount", "    amount: 5\n", "    amount: -5\n", 18, "contracts[0].amount", "≥ 0"),
    ("non-finite amount", "    amount: 5\n", "    amount: .inf\n", 18, "contracts[0].amount",
     "finite"),
    ("unknown entity", "    borrower: borrower\n", "    borrower: nobody\n", 17,
     "contracts[0].borrower", "unknown entity 'nobody'"),
    ("duplicate id", "contracts:\n",
     "  - id: lender\n    name: Again\n    kind: bank\n    source: [S1-20]\ncontracts:\n",
     13, "entities[2].id", "duplicate id 'lender'"),
    ("shares above 100%", "        amount: 4\n", "        amount: 14\n", 28,
     "contracts[1].holders", "more than the face value"),
    ("impossible dates", "    end: 2030Q1\n", "    end: 2024Q1\n", 21, "contracts[0].end",
     "must come after start"),
    ("bad date", "    end: 2030Q1\n", "    end: 2030Q7\n", 21, "contracts[0].end",
     "expected a date"),
    ("unknown contract kind", "    kind: loan\n", "    kind: mortgage\n", 15, "contracts[0]",
     "kind"),
    ("duplicate key", "    rate: 0.09\n", "    rate: 0.09\n    rate: 0.08\n", 20,
     "contracts[0].rate", "duplicate key"),
    ("missing field", "    lender: lender\n", "", 14, "contracts[0].lender", "missing"),
    ("self contract", "    borrower: borrower\n", "    borrower: lender\n", 17,
     "contracts[0].borrower", "same entity"),
    ("true/false for a number", "    amount: 5\n", "    amount: true\n", 18,
     "contracts[0].amount", "true/false"),
    ("rate out of range", "    rate: 0.09\n", "    rate: 9\n", 19, "contracts[0].rate",
     "≤ 1"),
]


@pytest.mark.parametrize(("name", "old", "new", "line", "field", "fragment"), CASES,
                         ids=[c[0] for c in CASES])
def test_broken_network_file(cli, tmp_path: Path, name, old, new, line, field, fragment):
    assert old in GOOD
    src = tmp_path / "net.yaml"
    src.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "export.json"
    result = cli("data", "export", src, "--format", "json", "--out", out)
    assert result.code == 2, result
    assert "Traceback" not in result.err + result.out
    lines = [ln for ln in result.err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.err
    assert f"{src}:{line}:" in lines[0], lines[0]
    assert field in lines[0], lines[0]
    assert fragment in lines[0], lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_good_file_passes(cli, tmp_path: Path):
    src = tmp_path / "net.yaml"
    src.write_text(GOOD, encoding="utf-8")
    result = cli("validate", src)
    assert result.code == 0, result.err
    assert "2 entities, 2 contracts" in result.out


def test_validate_reports_all_problems_across_files(cli, tmp_path: Path):
    a = tmp_path / "a.yaml"
    a.write_text(GOOD.replace("    amount: 5\n", "    amount: -5\n")
                 .replace("    kind: neocloud\n", "    kind: neocloud\n    colour: red\n"))
    b = tmp_path / "b.yaml"
    b.write_text("name: [unclosed\n")
    result = cli("validate", a, b)
    assert result.code == 2
    errors = [ln for ln in result.err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 3, result.err
    assert sum(str(a) in e for e in errors) == 2 and sum(str(b) in e for e in errors) == 1


@pytest.mark.parametrize(("content", "fragment", "line"), [
    (b"name: t\nas_of: [2025\nentities: []\n", "invalid YAML", 3),
    (b"", "is empty", None),
    (b"   \n# only a comment\n", "is empty", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary", None),
    ("name: caf\u00e9\n".encode("latin-1"), "not valid UTF-8", 1),
    (b"- just\n- a list\n", "expected a mapping", 1),
    (b"name: t\nas_of: 2025-12-31\nentity: []\n", "unknown key", 3),
], ids=["syntax", "empty", "blank", "binary", "latin-1", "not a mapping", "top-level key"])
def test_unreadable_files(cli, tmp_path: Path, content: bytes, fragment: str, line):
    src = tmp_path / "net.yaml"
    src.write_bytes(content)
    out = tmp_path / "out.yaml"
    result = cli("data", "export", src, "--out", out)
    assert result.code == 2
    assert "Traceback" not in result.err
    errors = [ln for ln in result.err.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and fragment in errors[0], result.err
    assert str(src) in errors[0]
    if line is not None:
        assert f"{src}:{line}:" in errors[0]
    assert not out.exists()


def test_file_too_large(cli, tmp_path: Path):
    src = tmp_path / "huge.yaml"
    with src.open("wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    result = cli("validate", src)
    assert result.code == 2
    assert "too large" in result.err and str(src) in result.err


def test_missing_path_and_unknown_bundled_name(cli):
    result = cli("validate", "no-such-network")
    assert result.code == 2
    assert "no such file, folder or bundled network" in result.err
    assert "ai-2025" in result.err


def test_export_refuses_to_overwrite(cli, tmp_path: Path):
    out = tmp_path / "keep.yaml"
    out.write_text("precious")
    result = cli("data", "export", "ai-2025", "--out", out)
    assert result.code == 2 and "already exists" in result.err
    assert out.read_text() == "precious"
    assert cli("data", "export", "ai-2025", "--out", out, "--force").code == 0
    assert out.read_text() != "precious"


def test_unknown_format(cli, tmp_path: Path):
    result = cli("data", "export", "ai-2025", "--format", "xml", "--out", tmp_path / "x")
    assert result.code == 2 and "unknown format 'xml'" in result.err
