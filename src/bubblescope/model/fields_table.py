"""The field table of a record class (name, type, unit, default, description), PyPSA-style.

It feeds ``bubblescope schema fields`` and the generated ``docs/model.md``.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(_type_name, args))}]"
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation))


def field_rows(cls: type[BaseModel]) -> list[dict[str, str]]:
    """One row per field: ``field``, ``type``, ``unit``, ``default``, ``description``."""
    rows = []
    for name, info in cls.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if info.default is PydanticUndefined and info.default_factory is None:
            default = "required"
        elif info.default_factory is not None:
            default = repr(info.default_factory())
        else:
            default = repr(getattr(info.default, "value", info.default))
        rows.append({"field": name, "type": _type_name(info.annotation),
                     "unit": str(extra.get("unit", "")), "default": default,
                     "description": info.description or ""})
    return rows
