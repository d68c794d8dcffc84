"""A network as a folder of CSV tables: ``network.csv``, ``entities.csv`` and one
``<contract kind>.csv`` per kind present (``loan.csv``, ``bond.csv``, ...).

Each row is one record; a column per field; lists and nested objects are JSON text in
their cell; an empty cell means "left at its default".
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..model.contracts import CONTRACT_CLASSES
from ..model.entity import Entity
from ..model.network import Network
from ..model.tables import column_names, is_nested, record_row
from .errors import InputError, InputIssue
from .reading import read_text
from .sources import ItemOrigin, SourceMap

NETWORK_TABLE = "network.csv"
ENTITY_TABLE = "entities.csv"
_NETWORK_COLUMNS = ["name", "as_of", "description", "metadata"]


def is_csv_folder(path: Path) -> bool:
    return path.is_dir() and (path / ENTITY_TABLE).is_file()


def read_csv_folder(folder: Path) -> tuple[dict[str, Any], SourceMap]:
    """Read every table into network data plus a source map (rows → lines)."""
    issues: list[InputIssue] = []
    data: dict[str, Any] = {"entities": [], "contracts": []}
    smap = SourceMap(default_file=str(folder / NETWORK_TABLE))
    known = {NETWORK_TABLE, ENTITY_TABLE} | {f"{k}.csv" for k in CONTRACT_CLASSES}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() != ".csv":
            continue
        if path.name not in known:
            issues.append(InputIssue(str(path), None, None,
                                     f"unknown table {path.name!r}; expected "
                                     f"{NETWORK_TABLE}, {ENTITY_TABLE} or one of "
                                     + ", ".join(f"{k}.csv" for k in CONTRACT_CLASSES)))
            continue
        try:
            rows = _read_rows(path)
        except InputError as exc:
            issues += exc.issues
            continue
        if path.name == NETWORK_TABLE:
            issues += _network_row(path, rows, data, smap)
            continue
        cls = Entity if path.name == ENTITY_TABLE else CONTRACT_CLASSES[path.stem]
        group = "entities" if cls is Entity else "contracts"
        for line, header_line, row in rows:
            record, row_issues = _record_from_row(path, line, header_line, row, cls)
            issues += row_issues
            if record is not None:
                lines = {(): line, **{(col,): line for col in record}}
                smap.items[group].append(ItemOrigin(str(path), (), lines, table=True))
                data[group].append(record)
    if not (folder / NETWORK_TABLE).is_file():
        issues.append(InputIssue(str(folder / NETWORK_TABLE), None, None,
                                 "missing: a CSV network needs network.csv with the columns "
                                 + ", ".join(_NETWORK_COLUMNS)))
    if issues:
        raise InputError(issues)
    return data, smap


def _read_rows(path: Path) -> list[tuple[int, int, dict[str, str]]]:
    text = read_text(path, what="CSV table")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        rows = []
        start = 2
        for row in reader:
            if None in row:
                raise InputError.single(path, "row has more cells than the header",
                                        line=start)
            rows.append((start, 1, {k.strip(): v for k, v in row.items() if k}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError.single(path, f"invalid CSV: {exc}", line=reader.line_num) from None
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError.single(path, f"duplicate column {dup!r}", line=1)
    return rows


def _record_from_row(path: Path, line: int, header_line: int, row: dict[str, str],
                     cls: type) -> tuple[dict[str, Any] | None, list[InputIssue]]:
    issues: list[InputIssue] = []
    fields = cls.model_fields
    record: dict[str, Any] = {}
    for col, cell in row.items():
        if col not in fields:
            issues.append(InputIssue(str(path), header_line, col,
                                     f"unknown column {col!r} for {path.name}"))
            continue
        if cell is None or cell.strip() == "":
            continue
        if is_nested(cls, col):
            try:
                record[col] = json.loads(cell)
            except json.JSONDecodeError as exc:
                issues.append(InputIssue(str(path), line, col,
                                         f"expected JSON text in this cell ({exc.msg})"))
            continue
        record[col] = cell.strip()
    if cls is not Entity:
        kind = cls.model_fields["kind"].default
        if record.get("kind", kind) != kind:
            issues.append(InputIssue(str(path), line, "kind",
                                     f"kind {record['kind']!r} in {path.name}; expected {kind!r}"))
        record["kind"] = kind
    return (record if not issues else None), issues


def _network_row(path: Path, rows: list[tuple[int, int, dict[str, str]]],
                 data: dict[str, Any], smap: SourceMap) -> list[InputIssue]:
    if len(rows) != 1:
        return [InputIssue(str(path), None, None,
                           f"expected exactly one row, found {len(rows)}")]
    line, header_line, row = rows[0]
    issues = []
    for col, cell in row.items():
        if col not in _NETWORK_COLUMNS:
            issues.append(InputIssue(str(path), header_line, col,
                                     f"unknown column {col!r}; expected "
                                     + ", ".join(_NETWORK_COLUMNS)))
        elif cell and cell.strip():
            if col == "metadata":
                try:
                    data[col] = json.loads(cell)
                except json.JSONDecodeError as exc:
                    issues.append(InputIssue(str(path), line, col,
                                             f"expected JSON text ({exc.msg})"))
            else:
                data[col] = cell.strip()
            smap.top[col] = ItemOrigin(str(path), (), {(): line}, table=True)
    return issues


def csv_tables(net: Network) -> dict[str, str]:
    """File name → CSV text for every table of the network."""
    out: dict[str, str] = {}
    meta = {"name": net.name, "as_of": net.as_of.isoformat(),
            "description": net.description or "",
            "metadata": json.dumps(net.metadata, ensure_ascii=False, default=str)
            if net.metadata else ""}
    out[NETWORK_TABLE] = _to_csv(_NETWORK_COLUMNS, [meta])
    out[ENTITY_TABLE] = _to_csv(column_names(Entity),
                                [record_row(e, as_text=True, only_set=True)
                                 for e in net.entities])
    for kind, cls in CONTRACT_CLASSES.items():
        rows = [record_row(c, as_text=True, only_set=True)
                for c in net.contracts if c.kind == kind]
        if rows:
            out[f"{kind}.csv"] = _to_csv(column_names(cls), rows)
    return out


def _to_csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else _cell(v)) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)
