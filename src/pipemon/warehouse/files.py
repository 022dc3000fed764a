"""A DuckDB file opened outside a monitor run: the demo's summary of what it loaded, the
Grafana dashboards checked against a built warehouse. Connections to a warehouse are opened in
this package only (a structure test holds the rest of pipemon to it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def connected(path: str | Path, *, read_only: bool = False) -> Iterator[Any]:
    """A connection to the DuckDB file, its session in UTC, closed afterwards."""
    import duckdb

    con = duckdb.connect(str(path), read_only=read_only)
    try:
        con.execute("set TimeZone = 'UTC'")
        yield con
    finally:
        con.close()


def fetch(path: str | Path, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of one query on the file."""
    with connected(path) as con:
        return list(con.execute(sql, list(params)).fetchall())
