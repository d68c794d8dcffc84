"""validate, schema and facts."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..io.errors import InputError, InputIssue
from ..io.facts import load_facts
from ..io.load import load_network, read_network
from ..model.contracts import CONTRACT_CLASSES
from ..model.entity import Entity
from ..model.fields_table import field_rows, fields_markdown
from ..model.network import Network
from ..model.provenance import fact_usage
from .render import console, err_console, table


def validate(
    paths: Annotated[list[str], typer.Argument(help="Network files, folders or bundled names.")],
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = False,
) -> None:
    """Check networks and report every problem at once (exit status 2 if any)."""
    errors: list[InputIssue] = []
    for path in paths:
        try:
            loaded = read_network(path, strict=strict)
        except InputError as exc:
            errors += exc.issues
            continue
        for w in loaded.warnings:
            err_console.print(f"warning: {w}", markup=False)
        net = loaded.network
        console.print(f"{path}: valid — {len(net.entities)} entities, "
                      f"{len(net.contracts)} contracts, as of {net.as_of}"
                      + (f", {len(loaded.warnings)} warnings" if loaded.warnings else ""))
    if errors:
        raise InputError(errors)


def schema(
    what: Annotated[str, typer.Argument(
        help="'network', 'entity', a contract kind, or 'fields' for field tables.")] = "network",
    kind: Annotated[str | None, typer.Argument(help="With 'fields': entity or a kind.")] = None,
    markdown: Annotated[bool, typer.Option(help="With 'fields': print Markdown.")] = False,
) -> None:
    """Print the JSON Schema of a network (or a part), or the field tables."""
    classes = {"network": Network, "entity": Entity, **CONTRACT_CLASSES}
    if what == "fields" and markdown:
        typer.echo(fields_markdown(), nl=False)
        return
    if what == "fields":
        names = [kind] if kind else ["entity", *CONTRACT_CLASSES]
        for name in names:
            if name not in classes:
                raise InputError.single("schema", f"unknown kind {name!r}; expected one of "
                                        + ", ".join(classes))
            rows = field_rows(classes[name])
            console.print(table(name, ["field", "type", "unit", "default", "description"],
                                [list(r.values()) for r in rows]))
        return
    if what not in classes:
        raise InputError.single("schema", f"unknown schema {what!r}; expected fields or one of "
                                + ", ".join(classes))
    typer.echo(json.dumps(classes[what].model_json_schema(), indent=2))


def facts(
    unused: Annotated[bool, typer.Option(help="Only facts no bundled record cites.")] = False,
    network: Annotated[str, typer.Option(help="Network whose usage to show.")] = "ai-2025",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the seed facts (DIGEST ids) and where the network uses each."""
    usage = fact_usage(load_network(network))
    rows = [(f.id, f.section, f.text, "context" if f.context_only else "",
             ", ".join(usage.get(f.id, [])))
            for f in load_facts() if not unused or f.id not in usage]
    if as_json:
        typer.echo(json.dumps([dict(zip(["id", "section", "text", "context_only", "used_by"],
                                        [r[0], r[1], r[2], bool(r[3]),
                                         r[4].split(", ") if r[4] else []], strict=True))
                               for r in rows], indent=2))
        return
    console.print(table(f"{'Unused facts' if unused else 'Facts'} ({len(rows)})",
                        ["id", "section", "fact", "", "used by"], rows))

