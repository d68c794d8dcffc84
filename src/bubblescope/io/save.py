"""Save a network as YAML, JSON or a folder of CSV tables, atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from ..model.network import Network
from .atomic import staged_folder, write_text_atomic
from .csv_tables import csv_tables
from .yaml_source import dump_yaml

Format = Literal["yaml", "json", "csv"]


def _record(rec: Any, complete: bool) -> dict[str, Any]:
    d = rec.model_dump(mode="json", exclude_unset=not complete)
    head = {"id": rec.id}
    if hasattr(rec, "kind"):
        head["kind"] = getattr(rec.kind, "value", rec.kind)
    return {**head, **{k: v for k, v in d.items() if k not in head}}


def network_to_data(net: Network, *, complete: bool = False) -> dict[str, Any]:
    """Plain data for a network: ``{"name", "as_of", ..., "entities", "contracts"}``.

    With ``complete`` every field is written (the JSON export); otherwise only what the
    author set (the readable YAML form).
    """
    out: dict[str, Any] = {"name": net.name, "as_of": net.as_of.isoformat()}
    if net.description:
        out["description"] = net.description
    if net.metadata:
        out["metadata"] = json.loads(json.dumps(net.metadata, default=str))
    out["entities"] = [_record(e, complete) for e in net.entities]
    out["contracts"] = [_record(c, complete) for c in net.contracts]
    return out


def network_text(net: Network, fmt: Literal["yaml", "json"]) -> str:
    if fmt == "json":
        return json.dumps(network_to_data(net, complete=True), indent=2, ensure_ascii=False)
    return dump_yaml(network_to_data(net))


def save_network(net: Network, path: str | Path, fmt: Format = "yaml", *,
                 replace: bool = False) -> Path:
    """Write ``net`` to ``path`` (a file for yaml/json, a folder for csv), atomically.

    Raises :class:`~bubblescope.io.errors.InputError` if ``path`` exists and ``replace``
    is false, or if it cannot be written.
    """
    path = Path(path)
    if fmt == "csv":
        with staged_folder(path, replace=replace) as tmp:
            for name, text in csv_tables(net).items():
                (tmp / name).write_text(text, encoding="utf-8")
    else:
        write_text_atomic(path, network_text(net, fmt), replace=replace)
    return path
