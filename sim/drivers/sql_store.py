"""The target's own database, for a mapping's SQL hooks and SQL truth export.

``sqlite:///relative/or/absolute/path.db`` (the standard library's ``sqlite3``) or
``postgresql://user@host:port/db`` (``psycopg``). Statements run in one transaction per hook;
queries return rows as dicts keyed by column name.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

__all__ = ["SqlError", "execute", "query"]


class SqlError(RuntimeError):
    """A statement or query the target's database refused."""


@contextlib.contextmanager
def _connect(url: str) -> Iterator[Any]:
    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30.0)
        con.row_factory = sqlite3.Row
        try:
            with con:
                yield con
        finally:
            con.close()
    elif url.startswith(("postgresql://", "postgres://")):
        import psycopg  # psycopg (the postgres extra): only for a postgresql:// database
        from psycopg.rows import dict_row  # psycopg, as above

        try:
            with psycopg.connect(url, row_factory=dict_row) as pg:  # commits on success
                yield pg
        except psycopg.Error as exc:
            raise SqlError(f"{url}: {exc}".replace("\n", " ")) from None
    else:
        raise SqlError(f"database {url!r}: expected sqlite:///FILE or postgresql://…")


def execute(url: str, statements: list[str]) -> None:
    """Run ``statements`` in one transaction."""
    try:
        with _connect(url) as con:
            for sql in statements:
                con.execute(sql)
    except sqlite3.Error as exc:
        raise SqlError(f"{url}: {exc}".replace("\n", " ")) from None


def query(url: str, sql: str) -> list[dict[str, Any]]:
    """The rows of ``sql`` as dicts."""
    try:
        with _connect(url) as con:
            return [dict(row) for row in con.execute(sql).fetchall()]
    except sqlite3.Error as exc:
        raise SqlError(f"{url}: {exc}".replace("\n", " ")) from None
