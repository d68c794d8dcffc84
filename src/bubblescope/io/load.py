"""Load a network from a bundled name, a YAML file, a folder of YAML files or CSV tables,
collecting every problem with its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..data import bundled_networks
from ..model.checks import Problem
from ..model.contracts import CONTRACT_CLASSES
from ..model.network import Network
from .csv_tables import is_csv_folder, read_csv_folder
from .errors import InputError, InputIssue
from .facts import fact_ids
from .located import validation_issues
from .reading import read_text
from .sources import ItemOrigin, SourceMap
from .yaml_source import parse_yaml

_TOP_KEYS = ("name", "as_of", "description", "metadata", "entities", "contracts")
_YAML_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class LoadedNetwork:
    """A network with the warnings found while loading it, each located in its file."""

    network: Network
    warnings: list[InputIssue] = field(default_factory=list)
    source: SourceMap | None = None


def resolve_network_path(source: str | Path) -> Path:
    """A bundled network's name, or a path, as a path (InputError if neither)."""
    bundled = bundled_networks()
    if isinstance(source, str) and source in bundled:
        return bundled[source]
    path = Path(source)
    if path.exists():
        return path
    names = ", ".join(sorted(bundled)) or "none"
    raise InputError.single(str(source),
                            f"no such file, folder or bundled network (bundled: {names})")


def read_network(source: str | Path, *, strict: bool = False) -> LoadedNetwork:
    """Load and check a network; raise :class:`InputError` listing every error.

    Parameters
    ----------
    source : str or Path
        A bundled network name (``"ai-2025"``), a YAML/JSON file, a folder of YAML files or
        a folder of CSV tables (with ``entities.csv``).
    strict : bool
        Treat warnings (missing provenance, incomplete holder lists) as errors.
    """
    path = resolve_network_path(source)
    if is_csv_folder(path):
        data, smap = read_csv_folder(path)
    else:
        data, smap = _read_yaml_sources(path)
    try:
        net = Network.model_validate(data)
    except ValidationError as exc:
        raise InputError(_validation_issues(exc, data, smap)) from None
    problems = net.consistency_check(strict=strict, facts=fact_ids())
    issues = [_problem_issue(p, data, smap) for p in problems]
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise InputError(errors)
    return LoadedNetwork(net, issues, smap)


def load_network(source: str | Path, *, strict: bool = False) -> Network:
    """Load a network by bundled name or path.

    Examples
    --------
    >>> net = load_network("ai-2025")
    >>> len(net.entities) >= 45
    True
    """
    return read_network(source, strict=strict).network


def _yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _YAML_SUFFIXES)
        if not files:
            raise InputError.single(path, "folder holds no .yaml, .yml or .json files "
                                          "and no entities.csv")
        return files
    return [path]


def _read_yaml_sources(path: Path) -> tuple[dict[str, Any], SourceMap]:
    data: dict[str, Any] = {"entities": [], "contracts": []}
    files = _yaml_files(path)
    smap = SourceMap(default_file=str(files[0]))
    issues: list[InputIssue] = []
    for file in files:
        try:
            doc, lines = parse_yaml(read_text(file, what="network"), str(file))
        except InputError as exc:
            issues += exc.issues
            continue
        if not isinstance(doc, dict):
            issues.append(InputIssue(str(file), 1, None,
                                     "expected a mapping with keys " + ", ".join(_TOP_KEYS)
                                     + f", got {type(doc).__name__}"))
            continue
        for key, value in doc.items():
            if key not in _TOP_KEYS:
                issues.append(InputIssue(str(file), lines.get((key,)), str(key),
                                         "unknown key; expected one of " + ", ".join(_TOP_KEYS)))
            elif key in ("entities", "contracts"):
                if not isinstance(value, list):
                    issues.append(InputIssue(str(file), lines.get((key,)), key,
                                             f"expected a list, got {type(value).__name__}"))
                    continue
                for i, item in enumerate(value):
                    smap.items[key].append(ItemOrigin(str(file), (key, i), lines))
                    data[key].append(item)
            elif key in smap.top:
                issues.append(InputIssue(str(file), lines.get((key,)), key,
                                         f"also set in {smap.top[key].file}"))
            else:
                data[key] = value
                smap.top[key] = ItemOrigin(str(file), (), lines)
    if issues:
        raise InputError(issues)
    return data, smap


def _validation_issues(exc: ValidationError, data: dict[str, Any],
                       smap: SourceMap) -> list[InputIssue]:
    return validation_issues(
        exc, data, smap, strip=_strip_tag,
        tag_message="contract `kind` missing or unknown; expected one of "
                    + ", ".join(CONTRACT_CLASSES))


def _strip_tag(loc: tuple[Any, ...], data: dict[str, Any]) -> tuple[Any, ...]:
    """Drop the discriminator tag pydantic puts after a contract's index."""
    if len(loc) >= 3 and loc[0] == "contracts" and loc[2] in CONTRACT_CLASSES:
        return loc[:2] + loc[3:]
    return loc


def _problem_issue(p: Problem, data: dict[str, Any], smap: SourceMap) -> InputIssue:
    file, line, label = smap.locate(p.location, data)
    return InputIssue(file, line, label or None, p.message, p.severity)
