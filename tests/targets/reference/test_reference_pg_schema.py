"""Several PostgreSQL workers starting at once on a fresh database create the schema once:
concurrent ``CREATE TABLE IF NOT EXISTS`` raced on the catalog (UniqueViolation in 2 of 4 starts)."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from targets.reference.db import PostgresDatabase
from targets.reference.runtime import Runtime

pytestmark = pytest.mark.postgres


def _fresh_database(pg_url: str, name: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


def _start_together(url: str, workers: int) -> list[BaseException]:
    """``workers`` threads each open a pool and build a Runtime (creates the schema) at once."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    dbs: list[PostgresDatabase] = []
    lock = threading.Lock()

    def start() -> None:
        db = PostgresDatabase(url, pool_size=1)
        with lock:
            dbs.append(db)
        barrier.wait()
        try:
            Runtime(db)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for db in dbs:
        db.close()
    return errors


@pytest.mark.parametrize("round_", range(4))
def test_concurrent_starts_on_a_fresh_database_all_succeed(pg_url: Any, round_: int) -> None:
    url = _fresh_database(pg_url, f"fresh_schema_{round_}")
    errors = _start_together(url, 4)
    assert errors == [], [f"{type(e).__name__}: {e}" for e in errors]
    with psycopg.connect(url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"meta", "slots", "holds", "events", "kv", "audit", "accounts", "persons"} <= tables
