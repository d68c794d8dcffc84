"""The command line: a Typer app whose commands only wire library calls."""
