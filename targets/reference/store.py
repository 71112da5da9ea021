"""Policy state stores for the reference service (the :class:`sim.policies.store.StateStore` protocol).

- :class:`SqliteStore` — one process: reads come from memory (a :class:`MemoryStore`, so the
  values are the very objects the simulator would hold), writes also go to the ``kv`` table in
  the request's transaction, so policy state (idempotency keys, counters, bans) survives a
  restart and commits or rolls back together with the booking it belongs to.
- :class:`PostgresStore` — several worker processes: every read and write goes to the ``kv``
  table of the request's transaction; :meth:`PostgresStore.update` holds a transaction-scoped
  advisory lock on the key, so a read-modify-write is atomic across workers.

Values are JSON (tuples come back as lists after a restart or from another worker).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from sim.policies.store import MemoryStore
from targets.reference.db import Database

__all__ = ["PostgresStore", "SqliteStore", "open_store"]

T = TypeVar("T")
_UPSERT = "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class SqliteStore(MemoryStore):
    """Memory for reads, write-through to ``kv`` (this process must be the only writer)."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        for key, value in db.all("SELECT key, value FROM kv"):
            self._data[key] = json.loads(value)

    def put(self, key: str, value: Any) -> None:
        self.db.run(_UPSERT, (key, _dump(value)))
        super().put(key, value)

    def update(self, key: str, fn: Callable[[Any], T]) -> T:
        value = fn(self._data.get(key))
        self.put(key, value)
        return value

    def delete(self, key: str) -> None:
        self.db.run("DELETE FROM kv WHERE key = ?", (key,))
        super().delete(key)


class PostgresStore:
    """The ``kv`` table, shared by every worker."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.one("SELECT value FROM kv WHERE key = ?", (key,))
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.db.run(_UPSERT, (key, _dump(value)))

    def update(self, key: str, fn: Callable[[Any], T]) -> T:
        with self.db.transaction():
            self.db.one("SELECT pg_advisory_xact_lock(3, hashtext(?))", (key,))
            value = fn(self.get(key))
            self.put(key, value)
            return value

    def delete(self, key: str) -> None:
        self.db.run("DELETE FROM kv WHERE key = ?", (key,))

    def keys(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix``."""
        return [r[0] for r in self.db.all("SELECT key FROM kv WHERE key LIKE ?", (prefix + "%",))]


def open_store(db: Database) -> SqliteStore | PostgresStore:
    """The store that fits the database."""
    return PostgresStore(db) if db.dialect == "postgresql" else SqliteStore(db)
