"""Where each part of an assembled network came from, to turn a data path into file:line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .yaml_source import Path_, line_of


def dotted(path: Path_) -> str:
    """``('holders', 0, 'holder')`` → ``'holders[0].holder'``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class ItemOrigin:
    file: str
    local: Path_
    lines: dict[Path_, int]
    table: bool = False  # a CSV row: fields are columns


@dataclass
class SourceMap:
    """Maps paths in the assembled network data back to files and lines."""

    default_file: str
    items: dict[str, list[ItemOrigin]] = field(
        default_factory=lambda: {"entities": [], "contracts": []})
    top: dict[str, ItemOrigin] = field(default_factory=dict)

    def locate(self, path: Path_, data: dict[str, Any] | None = None
               ) -> tuple[str, int | None, str]:
        """(file, line, field description) for a path into the network data."""
        if len(path) >= 2 and path[0] in self.items and isinstance(path[1], int) \
                and path[1] < len(self.items[str(path[0])]):
            origin = self.items[str(path[0])][path[1]]
            rest = path[2:]
            line = line_of(origin.lines, origin.local + rest)
            label = dotted(rest) if origin.table else dotted(origin.local + rest)
            record_id = _record_id(data, path)
            if record_id:
                noun = "entity" if path[0] == "entities" else "contract"
                label = f"{label} ({noun} {record_id!r})" if label else f"{noun} {record_id!r}"
            return origin.file, line, label
        if path and path[0] in self.top:
            origin = self.top[str(path[0])]
            return origin.file, line_of(origin.lines, origin.local + path[1:]), dotted(path)
        return self.default_file, None, dotted(path)


def _record_id(data: dict[str, Any] | None, path: Path_) -> str | None:
    try:
        item = data[path[0]][path[1]]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None
