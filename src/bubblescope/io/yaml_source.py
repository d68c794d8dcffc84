"""YAML parsing that remembers the line of every key and item.

Uses YAML 1.2 booleans (only ``true``/``false``), so a country code ``NO`` stays a string,
and rejects duplicate keys, which PyYAML would otherwise silently overwrite.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import InputError, InputIssue

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def parse_yaml(text: str, file: str) -> tuple[Any, dict[Path_, int]]:
    """Parse one YAML document; return the data and a map from data path to 1-based line.

    Raises
    ------
    InputError
        On a syntax error, several documents, or a duplicate key — naming file and line.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError.single(file, "is empty (no YAML document in it)")
        issues: list[InputIssue] = []
        lines: dict[Path_, int] = {}
        _index(node, (), lines, issues, file)
        if issues:
            raise InputError(issues)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise InputError.single(file, f"invalid YAML: {what}", line=line) from None
    except yaml.YAMLError as exc:
        raise InputError.single(file, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, lines


def _index(node: yaml.Node, path: Path_, lines: dict[Path_, int],
           issues: list[InputIssue], file: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(InputIssue(file, line, _dotted(path + (key,)),
                                         f"duplicate key {key!r} (first on line {seen[key]})"))
                continue
            seen[key] = line
            _index(value_node, path + (key,), lines, issues, file)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), lines, issues, file)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    """Line of the longest prefix of ``path`` that the file mentions."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return None


def dump_yaml(data: Any) -> str:
    """YAML text for plain data (keys in insertion order, unicode kept)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=100)


class _Dumper(yaml.SafeDumper):
    """Quotes strings that a YAML 1.1 reader would take for booleans (``NO``, ``on``)."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "'" if value.lower() in {"yes", "no", "on", "off", "y", "n"} else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)
