"""Flat rows for records: shared by ``Network.to_frames`` and the CSV files.

A record becomes one row with a column per field in declaration order. Scalars stay
scalars; lists and nested objects are kept whole (as Python objects in frames, as JSON
text in CSV cells). Fields left at their default are written as empty cells, so a row read
back sets exactly the fields the author set.
"""

from __future__ import annotations

import json
import types
import typing
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .contracts import CONTRACT_CLASSES
from .entity import Entity

if TYPE_CHECKING:
    import pandas as pd

    from .network import Network


def column_names(cls: type[BaseModel]) -> list[str]:
    """Columns of a record class, in declaration order (``id`` and ``kind`` first)."""
    names = list(cls.model_fields)
    head = [n for n in ("id", "kind") if n in names]
    return head + [n for n in names if n not in head]


def is_nested(cls: type[BaseModel], name: str) -> bool:
    """True when a field holds a list, a mapping or a sub-object (JSON in a CSV cell)."""
    annotation = cls.model_fields[name].annotation
    for arg in _flatten(annotation):
        origin = typing.get_origin(arg) or arg
        if origin in (list, dict, tuple) or (
                isinstance(origin, type) and issubclass(origin, BaseModel)):
            return True
    return False


def _flatten(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _flatten(arg)]
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    return [annotation]


def record_row(record: BaseModel, *, as_text: bool, only_set: bool) -> dict[str, Any]:
    """One flat row.

    With ``only_set`` fields the author left at their default become ``None`` (an empty
    cell); with ``as_text`` nested values become JSON text.
    """
    cls = type(record)
    dumped = record.model_dump(mode="json" if as_text else "python")
    row: dict[str, Any] = {}
    for name in column_names(cls):
        keep = not only_set or name in ("id", "kind") or name in record.model_fields_set
        value = dumped[name] if keep else None
        if value is not None and as_text and is_nested(cls, name):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        row[name] = value
    return row


def network_frames(net: Network) -> dict[str, pd.DataFrame]:
    """``{"entities": ..., "<contract kind>": ...}`` as pandas DataFrames."""
    import pandas as pd

    def row(rec: BaseModel) -> dict[str, Any]:
        return record_row(rec, as_text=False, only_set=False)

    frames = {"entities": pd.DataFrame([row(e) for e in net.entities],
                                       columns=column_names(Entity))}
    for kind, cls in CONTRACT_CLASSES.items():
        rows = [row(c) for c in net.contracts if c.kind == kind]
        if rows:
            frames[kind] = pd.DataFrame(rows, columns=column_names(cls))
    return frames
