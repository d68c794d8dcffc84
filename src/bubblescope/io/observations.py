"""Read a CSV of dated observations for the risk thermometer, with located errors.

The file has one observation per row and the columns ``date``, ``indicator``, ``series``
and ``value``; any further columns (``source``, ``note``, ...) are kept as text. Lines
starting with ``#`` and blank lines are skipped (line numbers still count them).

* ``date`` — an ISO date (``2025-12-31``) or a quarter (``2025Q4``, its first day);
* ``indicator`` — one of ``productivity``, ``neocloud``, ``spv_bond``, ``contracts``,
  ``power``;
* ``series`` — a name made of letters, digits and ``_`` (e.g. ``bond_yield``);
* ``value`` — a finite number (rates and shares as decimals, amounts in USD bn).

An optional ``entity`` column names the issuer or company a row is about (e.g.
``coreweave``), so that one series can be observed for several of them. A (date,
indicator, series, entity) combination may appear once. Every problem is reported, one per
line, naming the file, the line and the column; :class:`InputError` carries them all.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from ..model._fields import parse_date
from .errors import InputError, InputIssue
from .reading import read_text

#: Indicator keys accepted in the ``indicator`` column (the thermometer's five gauges).
INDICATOR_KEYS: tuple[str, ...] = ("productivity", "neocloud", "spv_bond", "contracts",
                                   "power")
REQUIRED_COLUMNS: tuple[str, ...] = ("date", "indicator", "series", "value")
_SERIES = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def read_observations(path: str | Path,
                      indicators: Collection[str] = INDICATOR_KEYS) -> pd.DataFrame:
    """Read and validate an observations CSV.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    indicators : collection of str
        Accepted indicator keys.

    Returns
    -------
    DataFrame with ``date`` (datetime.date), ``indicator``, ``series``, ``value`` (float),
    ``line`` (line number in the file) and any extra columns, in file order.

    Raises
    ------
    InputError
        With one issue per problem (file, line, column, message).

    Examples
    --------
    >>> from bubblescope.data import DATA_DIR
    >>> obs = read_observations(DATA_DIR / "observations" / "example.csv")
    >>> obs.columns[:4].tolist()
    ['date', 'indicator', 'series', 'value']
    """
    path = Path(path)
    text = read_text(path, what="observations CSV")
    file = str(path)
    lines = text.splitlines()
    body = [(i + 1, ln) for i, ln in enumerate(lines)
            if ln.strip() and not ln.lstrip().startswith("#")]
    if not body:
        raise InputError.single(path, "no header row: expected the columns "
                                + ", ".join(REQUIRED_COLUMNS))
    header_line = body[0][0]
    try:
        rows = list(csv.reader(io.StringIO("\n".join(ln for _, ln in body), newline="")))
    except csv.Error as exc:
        raise InputError.single(path, f"invalid CSV: {exc}") from None
    if len(rows) != len(body):  # a quoted cell spans lines: fall back to coarse numbering
        raise InputError.single(path, "cells spanning several lines are not supported",
                                line=header_line)
    header = [h.strip() for h in rows[0]]
    issues: list[InputIssue] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError.single(path, "missing column(s) " + ", ".join(missing)
                                + "; expected " + ", ".join(REQUIRED_COLUMNS),
                                line=header_line)
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise InputError.single(path, f"duplicate column {dup[0]!r}", line=header_line)
    if any(not h for h in header):
        raise InputError.single(path, "empty column name", line=header_line)
    known = set(indicators)
    seen: dict[tuple[object, str, str, str], int] = {}
    records = []
    for (line, _), cells in zip(body[1:], rows[1:], strict=True):
        if len(cells) != len(header):
            issues.append(InputIssue(file, line, None,
                                     f"row has {len(cells)} cells, the header has "
                                     f"{len(header)}"))
            continue
        row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        bad = False
        try:
            day = parse_date(row["date"]) if row["date"] else None
            if day is None:
                raise ValueError("expected a date like 2025Q4 or 2025-12-31, got ''")
        except ValueError as exc:
            issues.append(InputIssue(file, line, "date", str(exc)))
            bad, day = True, None
        ind = row["indicator"]
        if ind not in known:
            issues.append(InputIssue(file, line, "indicator",
                                     f"unknown indicator {ind!r}; expected one of "
                                     + ", ".join(indicators)))
            bad = True
        ser = row["series"]
        if not _SERIES.match(ser):
            issues.append(InputIssue(file, line, "series",
                                     f"expected a name of letters, digits and _, got {ser!r}"))
            bad = True
        try:
            value = float(row["value"])
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            issues.append(InputIssue(file, line, "value",
                                     f"expected a finite number, got {row['value']!r}"))
            bad = True
            value = math.nan
        if bad:
            continue
        ent = row.get("entity", "")
        key = (day, ind, ser, ent)
        if key in seen:
            who = f" for {ent}" if ent else ""
            issues.append(InputIssue(file, line, None,
                                     f"duplicate observation: {ind}.{ser}{who} on {day} "
                                     f"already given on line {seen[key]}"))
            continue
        seen[key] = line
        extra = {h: row[h] for h in header if h not in REQUIRED_COLUMNS}
        records.append({"date": day, "indicator": ind, "series": ser, "value": value,
                        "line": line, **extra})
    if issues:
        raise InputError(issues)
    if not records:
        raise InputError.single(path, "no observations: the file has a header but no rows",
                                line=header_line)
    return pd.DataFrame(records)
