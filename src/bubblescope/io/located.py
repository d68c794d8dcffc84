"""Turn pydantic validation errors into located issues (file, line, field, message).

Shared by the network and scenario loaders: each passes its own way of dropping union tags
from error locations and of wording an unknown or missing union tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .errors import InputIssue
from .sources import SourceMap

Loc = tuple[Any, ...]

_FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?): ")


def validation_issues(exc: ValidationError, data: dict[str, Any], smap: SourceMap, *,
                      strip: Callable[[Loc, dict[str, Any]], Loc] | None = None,
                      tag_message: str = "`kind` missing or unknown") -> list[InputIssue]:
    """One :class:`InputIssue` per pydantic error, located through ``smap``.

    ``strip`` removes discriminator tags from an error's location; a ``ValueError`` whose
    message starts with ``field: `` is located at that field.
    """
    issues = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        if strip is not None:
            loc = strip(loc, data)
        msg = message(err, tag_message=tag_message)
        named = _FIELD_PREFIX.match(msg)
        if err["type"] in ("union_tag_not_found", "union_tag_invalid"):
            loc = loc + ("kind",)
        if named and err["type"] == "value_error":
            loc = loc + split_field(named[1])
            msg = msg[named.end():]
        file, line, label = smap.locate(loc, data)
        issues.append(InputIssue(file, line, label or None, msg))
    return issues


def split_field(text: str) -> Loc:
    """``'holders[0].amount'`` → ``('holders', 0, 'amount')``."""
    out: list[Any] = []
    for part in text.split("."):
        name, _, idx = part.partition("[")
        out.append(name)
        if idx:
            out.append(int(idx.rstrip("]")))
    return tuple(out)


def message(err: dict[str, Any], *, tag_message: str = "`kind` missing or unknown") -> str:
    """A short message for one pydantic error, with the offending value if it is a scalar."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return tag_message
    msg = err["msg"].removeprefix("Value error, ")
    ctx = err.get("ctx") or {}
    if kind == "finite_number":
        msg = "expected a finite number"
    elif kind == "greater_than_equal":
        msg = f"expected a number ≥ {ctx.get('ge')}"
    elif kind == "less_than_equal":
        msg = f"expected a number ≤ {ctx.get('le')}"
    elif kind == "greater_than":
        msg = f"expected a number > {ctx.get('gt')}"
    elif kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        msg = "expected a number"
    else:
        msg = msg.replace("Input should be", "expected")
    value = err.get("input")
    if not isinstance(value, dict | list) and kind not in ("model_type",):
        msg += f" (got {value!r})"
    return msg
