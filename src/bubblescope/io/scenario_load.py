"""Load a scenario from a bundled preset name or a YAML file, collecting every problem with
its file, line and field; read the CSV paths it names.

Examples
--------
>>> s = load_scenario("baseline")
>>> s.name
'baseline'
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..data import bundled_scenarios
from ..model.network import Network
from ..model.scenario import (
    DIST_CLASSES,
    FACTOR_NAMES,
    SHAPE_CLASSES,
    SHOCK_CLASSES,
    CsvColumn,
    Scenario,
)
from .errors import InputError, InputIssue
from .located import split_field, validation_issues
from .reading import read_text
from .sources import ItemOrigin, SourceMap
from .yaml_source import parse_yaml

#: Top-level keys whose entries an ``extends`` child overrides one by one.
_MERGED_KEYS = ("factors", "policies", "power", "assumptions")
_TAGS = frozenset(DIST_CLASSES) | frozenset(SHAPE_CLASSES) | frozenset(SHOCK_CLASSES) \
    | {"number"}


def resolve_scenario_path(source: str | Path, *, relative_to: Path | None = None) -> Path:
    """A bundled preset's name, or a path, as a path (InputError if neither)."""
    bundled = bundled_scenarios()
    if isinstance(source, str) and source in bundled:
        return bundled[source]
    path = Path(source)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.is_file():
        return path
    names = ", ".join(sorted(bundled)) or "none"
    raise InputError.single(str(source),
                            f"no such scenario file or bundled preset (bundled: {names})")


@dataclass
class LoadedScenario:
    """A scenario with the data and source map it was read from (to locate later checks)."""

    scenario: Scenario
    data: dict[str, Any]
    source: SourceMap

    def reference_issues(self, network: Network) -> list[InputIssue]:
        """Located issues for ids the scenario names that ``network`` lacks."""
        issues = []
        for problem in self.scenario.reference_problems(
                {e.id for e in network.entities}, {c.id for c in network.contracts},
                f"network {network.name!r}"):
            where, _, message = problem.partition(": ")
            file, line, label = self.source.locate(split_field(where), self.data)
            issues.append(InputIssue(file, line, label or where, message))
        return issues


def read_scenario(source: str | Path) -> LoadedScenario:
    """Like :func:`load_scenario`, keeping where each part came from."""
    path = resolve_scenario_path(source)
    data, smap = _read(path, ())
    return LoadedScenario(_validate(data, smap, path), data, smap)


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario; raise :class:`InputError` listing every problem.

    Parameters
    ----------
    source : str or Path
        A bundled preset name (``"slow"``) or a YAML file. ``extends: NAME`` in the file
        starts from another preset or file (relative to this one).
    """
    return _load(resolve_scenario_path(source), ())


def _load(path: Path, chain: tuple[Path, ...]) -> Scenario:
    data, smap = _read(path, chain)
    return _validate(data, smap, path)


def _validate(data: dict[str, Any], smap: SourceMap, path: Path) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues = validation_issues(exc, data, smap, strip=_strip_tags,
                                   tag_message="missing or unknown tag")
        raise InputError([_explain_unknown(i) for i in issues]) from None
    _attach_csv(scenario, data, smap, path)
    return scenario


def _read(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], SourceMap]:
    file = str(path)
    doc, lines = parse_yaml(read_text(path, what="scenario"), file)
    if not isinstance(doc, dict):
        raise InputError.single(file, f"expected a mapping with a scenario's keys (name, "
                                      f"factors, ...), got {type(doc).__name__}", line=1)
    smap = SourceMap(default_file=file, items={})
    for key in doc:
        smap.top[str(key)] = ItemOrigin(file, (key,), lines)
    parent_name = doc.get("extends")
    if parent_name is None:
        return doc, smap
    if not isinstance(parent_name, str):
        raise InputError.single(file, "expected a preset name or a file path",
                                line=lines.get(("extends",)), field="extends")
    try:
        parent_path = resolve_scenario_path(parent_name, relative_to=path.parent)
    except InputError as exc:
        raise InputError.single(file, exc.issues[0].message, line=lines.get(("extends",)),
                                field="extends") from None
    resolved = parent_path.resolve()
    if resolved in chain or resolved == path.resolve():
        raise InputError.single(file, f"extends itself through {parent_name!r}",
                                line=lines.get(("extends",)), field="extends")
    # Validate the parent on its own first, so its errors point into its own file.
    parent = _load(parent_path, (*chain, path.resolve()))
    del parent
    parent_doc, parent_map = _read(parent_path, (*chain, path.resolve()))
    _anchor_csv(parent_doc, parent_path.parent)
    merged = dict(parent_doc)
    for key, value in doc.items():
        if key in _MERGED_KEYS and isinstance(value, dict) \
                and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    for key, origin in parent_map.top.items():
        if key not in doc:
            smap.top[key] = origin
    return merged, smap


def _anchor_csv(node: Any, folder: Path) -> None:
    """Make a parent's CSV file names absolute, so they resolve from the parent's folder."""
    if isinstance(node, dict):
        if node.get("shape") == "csv" and isinstance(node.get("file"), str) \
                and not Path(node["file"]).is_absolute():
            node["file"] = str((folder / node["file"]).resolve())
        for value in node.values():
            _anchor_csv(value, folder)
    elif isinstance(node, list):
        for value in node:
            _anchor_csv(value, folder)


def _explain_unknown(issue: InputIssue) -> InputIssue:
    """Name the known factors when an unknown one is used."""
    field = issue.field or ""
    if issue.message == "unknown key" and field.startswith("factors.") \
            and field.count(".") == 1:
        hint = " (set it under power: gap)" if field == "factors.power_gap" else ""
        return InputIssue(issue.file, issue.line, issue.field,
                          f"unknown factor{hint}; expected one of " + ", ".join(FACTOR_NAMES))
    return issue


def _strip_tags(loc: tuple[Any, ...], data: dict[str, Any]) -> tuple[Any, ...]:
    """Drop union tags and shorthand levels that pydantic adds but the file does not have."""
    out: list[Any] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                out.append(part)
                node = node[part]
            elif part in _TAGS or part == "[key]" or part == "base":
                continue
            else:
                out.append(part)
                node = None
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
        elif part in _TAGS or part == "[key]" or part == "base":
            continue
        elif node is None:
            out.append(part)
        # a scalar shorthand (``ai_demand: 1.0``): the rest of the location is implied
    if isinstance(node, dict):  # an unknown union tag: point at the tag's own line
        for tag, known in (("shape", SHAPE_CLASSES), ("dist", DIST_CLASSES),
                           ("kind", SHOCK_CLASSES)):
            if tag == "kind" and out[:1] != ["shocks"]:
                continue
            if tag in node and node[tag] not in known:
                out.append(tag)
                break
    return tuple(out)


def _attach_csv(scenario: Scenario, data: dict[str, Any], smap: SourceMap,
                path: Path) -> None:
    issues: list[InputIssue] = []
    tables: dict[Path, tuple[list[str], list[tuple[int, dict[str, str]]]] | None] = {}
    for name, spec in scenario.series_specs().items():
        base = spec.base
        if not isinstance(base, CsvColumn):
            continue
        loc = _series_loc(name)
        file, line, label = smap.locate(loc, data)
        csv_path = (path.parent / base.file) if not Path(base.file).is_absolute() \
            else Path(base.file)
        if csv_path not in tables:
            try:
                tables[csv_path] = _read_csv(csv_path)
            except InputError as exc:
                issues += [InputIssue(i.file, i.line, i.field,
                                      i.message + f" (named by {file}:{line} {label})")
                           for i in exc.issues]
                tables[csv_path] = None
                continue
        table = tables[csv_path]
        if table is None:
            continue
        header, rows = table
        column = base.column or name
        if column not in header:
            issues.append(InputIssue(str(csv_path), 1, column,
                                     f"no column {column!r} (needed by {label} in {file}); "
                                     "columns: " + ", ".join(header)))
            continue
        values, bad = [], False
        for row_line, row in rows:
            cell = (row.get(column) or "").strip()
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                issues.append(InputIssue(str(csv_path), row_line, column,
                                         f"expected a finite number (got {cell!r})"))
                bad = True
                continue
            values.append(value)
        if bad:
            continue
        if scenario.quarters is not None and len(values) != scenario.quarters:
            last = rows[-1][0] if rows else 1
            issues.append(InputIssue(
                str(csv_path), last, column,
                f"has {len(values)} values; the scenario covers {scenario.quarters} quarters "
                f"(quarters: in {file}), one row per quarter expected"))
            continue
        if not values:
            issues.append(InputIssue(str(csv_path), 1, column, "has no values"))
            continue
        base.attach(values, f"{csv_path}:{rows[-1][0]}")
    if issues:
        raise InputError(issues)


def _series_loc(name: str) -> tuple[str, ...]:
    if name == "power.gap":
        return ("power", "gap", "base")
    head, _, key = name.partition(".")
    return ("factors", head, key, "base") if key else ("factors", head, "base")


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = read_text(path, what="CSV path")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        line = 2
        for row in reader:
            if None in row:
                raise InputError.single(path, "row has more cells than the header", line=line)
            rows.append((line, {k.strip(): v for k, v in row.items() if k}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError.single(path, f"invalid CSV: {exc}", line=reader.line_num) from None
    return header, rows


__all__ = ["LoadedScenario", "load_scenario", "read_scenario", "resolve_scenario_path"]
