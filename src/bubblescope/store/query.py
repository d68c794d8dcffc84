"""SQL over a kept run: DuckDB with each Parquet table registered as a view of its name.

>>> quote_ident('network_entities')
'"network_entities"'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .load import KeptRun, RunError

if TYPE_CHECKING:
    import pandas as pd


class QueryError(RunError):
    """A query DuckDB rejected; the message is one line."""


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def query(run: KeptRun, sql: str) -> pd.DataFrame:
    """Run ``sql`` on ``run``'s tables (each a view named like the table) and return the
    result as a DataFrame.

    Raises
    ------
    QueryError
        with the first line of DuckDB's message when the SQL is not valid or fails.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        for name, info in run.manifest.get("tables", {}).items():
            path = (run.path / info["file"]).resolve()
            con.execute(f"CREATE VIEW {quote_ident(name)} AS SELECT * FROM "
                        f"read_parquet({_literal(str(path))})")
        try:
            return con.execute(sql).df()
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise QueryError(f"query: {first}") from None
    finally:
        con.close()


__all__ = ["QueryError", "query", "quote_ident"]
