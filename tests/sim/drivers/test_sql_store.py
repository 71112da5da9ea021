"""A mapping's SQL runs on the service's own database, SQLite or PostgreSQL alike: statements in
one transaction, rows back as dicts, and a state-table truth export read from either."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sim.drivers.load.target import free_port
from sim.drivers.mapping_adapter import MappingAdapter
from sim.drivers.mapping_model import Mapping
from sim.drivers.sql_store import SqlError, execute, query
from targets.reference.pg_cluster import find_pg_bin, temporary_cluster

TRUTH = """
operations: {list_sessions: {path: /s}, hold: {path: /h}}
truth:
  database: "{opt.db}"
  shape: state
  sql: SELECT code AS hold_id, show AS session, who AS person, at AS t FROM orders ORDER BY at
"""
SETUP = [
    "CREATE TABLE orders (code TEXT, show TEXT, who INTEGER, at REAL)",
    "INSERT INTO orders VALUES ('b', 's1', 7, 2.5), ('a', 's1', 8, 1.5)",
]


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    """A private PostgreSQL for this module; skipped where it is not installed."""
    if find_pg_bin() is None:
        pytest.skip("PostgreSQL is not installed")
    with temporary_cluster(free_port()) as url:
        yield url


def _roundtrip(url: str) -> None:
    execute(url, SETUP)
    assert query(url, "SELECT code, who FROM orders ORDER BY code") == [
        {"code": "a", "who": 8}, {"code": "b", "who": 7}]
    a = MappingAdapter(Mapping.model_validate(yaml.safe_load(TRUTH)), {"db": url})
    events = a.export_events(None, None)  # type: ignore[arg-type]  # an SQL truth needs no client
    assert [(e["event"], e["hold_id"], e["t"], e["person"]) for e in events] == [
        ("hold", "a", 1.5, 8), ("confirm", "a", 1.5, 8), ("hold", "b", 2.5, 7), ("confirm", "b", 2.5, 7)]


def test_sqlite(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'shop.db'}")


@pytest.mark.postgres
def test_postgresql(pg: str) -> None:
    _roundtrip(pg)
    with pytest.raises(SqlError, match="no_such_table"):  # one transaction: the bad second statement
        execute(pg, ["DELETE FROM orders", "SELECT * FROM no_such_table"])  # … rolls back the first
    assert len(query(pg, "SELECT * FROM orders")) == 2


def test_an_unknown_database_kind_is_one_clear_error() -> None:
    with pytest.raises(SqlError, match="expected sqlite:///FILE or postgresql://"):
        query("mysql://x", "SELECT 1")
