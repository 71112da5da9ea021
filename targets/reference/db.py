"""The reference service's database: SQLite (WAL, embedded default) or PostgreSQL (psycopg 3).

One small interface for both, so the ledger and the store are written once:
``one``/``all``/``run``/``many`` take SQL with ``?`` placeholders (rewritten to ``%s`` for
PostgreSQL), and :meth:`Database.transaction` makes a block atomic.

SQLite durability (why ``synchronous=NORMAL``): in WAL mode a commit appends the transaction's
frames to the ``-wal`` file with ``write()`` before ``COMMIT`` returns. A killed process (even
SIGKILL) cannot lose them: they are in the operating system's page cache and the next open
replays the WAL. Only an OS crash or power cut before the kernel writes the page out can lose
the last commits; ``synchronous=FULL`` (an fsync per commit) closes that gap too, at ~25 % of the
throughput and ~10× the p99 latency on this machine (notes/measured-limits.md §2). The issue
asks that an acknowledged confirmation survive the *process* being killed, so the default is
NORMAL; ``Settings.sqlite_synchronous = "FULL"`` (``slotgrab serve --sqlite-sync full``) is there
for a deployment that must survive power loss. ``tests/targets/reference/test_durability.py``
kills the server with SIGKILL after acknowledged confirmations and finds them after restart.

Concurrency: SQLite has one writer; a transaction starts with ``BEGIN IMMEDIATE`` (takes the
write lock up front, so a read-then-write inside it can never interleave with another writer).
PostgreSQL runs each transaction on a pooled connection bound to the calling thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Database", "open_database"]

Row = tuple[Any, ...]


class Database:
    """Common interface; see :class:`SqliteDatabase` and :class:`PostgresDatabase`."""

    dialect: str = ""
    single_process: bool = False  # True: this process is the only writer (caches are safe)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """First row of a query, or None."""
        raise NotImplementedError

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Every row of a query."""
        raise NotImplementedError

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; the number of rows it changed."""
        raise NotImplementedError

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute a statement once per row."""
        raise NotImplementedError

    def script(self, sql: str) -> None:
        """Execute several ``;``-separated statements (schema)."""
        raise NotImplementedError

    def statement(self, sql: str) -> None:
        """Execute one statement as written: no placeholders, not prepared (DDL such as a
        function body, which may contain ``;``)."""
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all (re-entrant)."""
        raise NotImplementedError
        yield

    def close(self) -> None:
        """Release connections."""


class SqliteDatabase(Database):
    """One connection in autocommit mode; explicit ``BEGIN IMMEDIATE`` transactions."""

    dialect = "sqlite"

    def __init__(self, path: str, synchronous: str = "NORMAL", single_process: bool = True) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute("PRAGMA busy_timeout=10000")
        # Checkpoint (copy the WAL back, with fsyncs) every ~40 MB instead of every 4 MB: the
        # writer pays for it on the request path, so fewer, larger checkpoints stall it less.
        self.conn.execute("PRAGMA wal_autocheckpoint=10000")
        self.conn.execute("PRAGMA journal_size_limit=67108864")
        self.single_process = single_process
        self._depth = 0
        self._lock = threading.RLock()  # the event loop and admin threads share the connection

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def script(self, sql: str) -> None:
        for stmt in sql.split(";"):
            if stmt.strip():
                self.conn.execute(stmt)

    def statement(self, sql: str) -> None:
        self.conn.execute(sql)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._depth:  # nested: a savepoint, so a failing request undoes only itself
                self._depth += 1
                name = f"sp{self._depth}"
                self.conn.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                    raise
                else:
                    self.conn.execute(f"RELEASE {name}")
                finally:
                    self._depth -= 1
                return
            self.begin()
            try:
                yield
            except BaseException:
                self.rollback()
                raise
            self.commit()

    def begin(self) -> None:
        """Open the outer transaction (takes the write lock)."""
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1

    def commit(self) -> None:
        """Commit the outer transaction."""
        self._depth = 0
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        """Roll the outer transaction back."""
        self._depth = 0
        self.conn.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        """Whether an outer transaction is open."""
        return self._depth > 0

    def close(self) -> None:
        self.conn.close()


class PostgresDatabase(Database):
    """A psycopg 3 connection pool; the transaction's connection is bound to the thread."""

    dialect = "postgresql"

    def __init__(self, url: str, pool_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool  # psycopg: only a PostgreSQL database needs it

        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                   kwargs={"autocommit": True})
        self._local = threading.local()
        self._sql: dict[str, str] = {}

    def _q(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = sql.replace("?", "%s")
        return out

    @contextlib.contextmanager
    def _conn(self) -> Iterator[Any]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self.pool.connection() as conn:
            yield conn

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        with self._conn() as c:
            row: Row | None = c.execute(self._q(sql), params, prepare=True).fetchone()
            return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._conn() as c:
            rows: list[Row] = c.execute(self._q(sql), params, prepare=True).fetchall()
            return rows

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._conn() as c:
            return int(c.execute(self._q(sql), params, prepare=True).rowcount)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._conn() as c, c.cursor() as cur:
            cur.executemany(self._q(sql), rows)

    def script(self, sql: str) -> None:
        with self._conn() as c:
            for stmt in sql.split(";"):
                if stmt.strip():
                    c.execute(stmt)

    def statement(self, sql: str) -> None:
        with self._conn() as c:
            c.execute(sql)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        if getattr(self._local, "conn", None) is not None:
            yield
            return
        with self.pool.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield
            finally:
                self._local.conn = None

    def close(self) -> None:
        self.pool.close()


def open_database(url: str, *, synchronous: str = "NORMAL", pool_size: int = 8,
                  single_process: bool = True) -> Database:
    """``sqlite:///path`` (or a bare path) → SQLite; ``postgresql://…`` → PostgreSQL."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url, pool_size)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url.removeprefix("sqlite://")
    return SqliteDatabase(path or ":memory:", synchronous, single_process)
