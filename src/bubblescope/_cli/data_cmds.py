"""`bubblescope data list | show | export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..analytics.summary import summarise
from ..data import bundled_networks, bundled_scenarios
from ..io.errors import InputError
from ..io.load import load_network
from ..io.save import save_network
from ..io.scenario_load import load_scenario
from .render import console, table
from .summary_view import print_entity, print_summary

data_app = typer.Typer(no_args_is_help=True, help="Bundled networks and scenarios.")


@data_app.command("list")
def list_() -> None:
    """List bundled networks and scenario presets."""
    rows = []
    for name, path in bundled_networks().items():
        net = load_network(path)
        rows.append(("network", name, str(net.as_of), len(net.entities), len(net.contracts),
                     net.description or ""))
    for name, path in bundled_scenarios().items():
        scenario = load_scenario(path)
        rows.append(("scenario", name, "", "", "", _first_sentence(scenario.description)))
    console.print(table("Bundled data", ["type", "name", "as of", "entities", "contracts",
                                         "description"], rows,
                        numeric=["entities", "contracts"]))


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    head, dot, _ = text.partition(". ")
    return head + (dot.strip() if dot else "")


@data_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Bundled name or path.")],
    entity: Annotated[str | None, typer.Option(help="Show one entity and its contracts.")]
    = None,
) -> None:
    """Show a network (or one entity) as tables."""
    net = load_network(name)
    if entity is None:
        print_summary(summarise(net))
        return
    if entity not in {e.id for e in net.entities}:
        raise InputError.single(name, f"no entity {entity!r} in this network", field="--entity")
    print_entity(net, entity)


@data_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="Bundled name or path.")],
    out: Annotated[Path, typer.Option(help="Output file (yaml/json) or folder (csv).")],
    format: Annotated[str, typer.Option(help="yaml | json | csv")] = "yaml",
    force: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
) -> None:
    """Export a network as YAML, JSON or a folder of CSV tables (atomically)."""
    if format not in ("yaml", "json", "csv"):
        raise InputError.single("--format", f"unknown format {format!r}; expected yaml, json "
                                            "or csv")
    net = load_network(name)
    path = save_network(net, out, format, replace=force)  # type: ignore[arg-type]
    console.print(f"wrote {path}")
