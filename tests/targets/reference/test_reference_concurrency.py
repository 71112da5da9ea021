"""64 clients race for 5 slots: exactly 5 confirmed holds, on SQLite (1 worker) and PostgreSQL
(2 workers); the exported history passes the simulator's invariant checker."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from sim.domain.invariants import find_violations

CLIENTS = 64
CAPACITY = 5


def _check_exact(kit: Any, server: Any) -> None:
    kit.load(server)
    results = kit.race(server, kit.provision(server, CLIENTS))
    assert len(results) == CLIENTS
    holds = [r for r in results if r[1] == 200]
    confirmed = [r for r in results if r[2] == 200]
    assert len(holds) == CAPACITY and len(confirmed) == CAPACITY
    assert all(r[1] == 409 for r in results if r[1] != 200)  # sold_out, not errors
    events = kit.export(server)
    assert sum(e["event"] == "confirm" for e in events) == CAPACITY
    assert len({e["slot"] for e in events if e["event"] == "hold"}) == CAPACITY
    assert find_violations(pa.Table.from_pylist(events), {"s1": CAPACITY}) == []


@pytest.mark.slow
def test_sqlite_one_worker_sells_exactly_capacity(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path)
    try:
        _check_exact(kit, server)
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_sell_exactly_capacity(tmp_path: Any, pg_url: str, kit: Any) -> None:
    server = kit.serve(tmp_path, db=pg_url, workers=2)
    try:
        _check_exact(kit, server)
    finally:
        server.stop()
