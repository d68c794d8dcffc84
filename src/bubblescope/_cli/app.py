"""`bubblescope` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..io.errors import InputError
from . import (
    analytics_cmds,
    data_cmds,
    network_cmds,
    run_cmds,
    scenario_cmds,
    simulate_cmds,
    thermometer_cmds,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Map the financial web behind the AI build-out and stress-test it.")
app.add_typer(data_cmds.data_app, name="data")
app.add_typer(scenario_cmds.scenario_app, name="scenario")
app.command("validate")(network_cmds.validate)
app.command("schema")(network_cmds.schema)
app.command("facts")(network_cmds.facts)
app.command("run")(run_cmds.run)
app.command("report")(run_cmds.report)
app.add_typer(run_cmds.runs_app, name="runs")
app.command("query")(run_cmds.query)
app.command("analyze")(analytics_cmds.analyze)
app.command("hurdle")(analytics_cmds.hurdle)
app.command("simulate")(simulate_cmds.simulate)
app.command("sweep")(simulate_cmds.sweep)
app.command("thermometer")(thermometer_cmds.thermometer)


def main() -> None:
    """Console entry point: bad input → one line per problem on stderr, exit status 2."""
    from .render import err_console

    try:
        app()
    except InputError as exc:
        for issue in exc.issues:
            err_console.print(f"error: {issue}" if issue.severity == "error"
                              else f"{issue.severity}: {issue}", markup=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        sys.exit(130)


__all__ = ["app", "main", "Annotated", "Path", "json"]
