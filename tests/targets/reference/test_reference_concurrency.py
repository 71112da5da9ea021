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


CHURN_SCENARIO: dict[str, Any] = {
    "name": "churn",
    "release": {"hold_ttl_s": 0.5},  # some holds expire mid-run: lazy expiry races too
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 8}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


def _churn(server: Any, token: str, rounds: int) -> list[int]:
    """hold → cancel → hold → (sometimes wait out the TTL) → confirm, ``rounds`` times."""
    import time

    import httpx

    codes = []
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for i in range(rounds):
            h = c.post("/v1/holds", json={"session": "s1"})
            codes.append(h.status_code)
            if h.status_code != 200:
                continue
            codes.append(c.post(f"/v1/holds/{h.json()['hold_id']}/cancel").status_code)
            h = c.post("/v1/holds", json={"session": "s1"})
            codes.append(h.status_code)
            if h.status_code == 200:
                if i % 3 == 0:
                    time.sleep(0.6)
                codes.append(c.post(f"/v1/holds/{h.json()['hold_id']}/confirm").status_code)
    return codes


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_two_workers_churn_never_overbooks(tmp_path: Any, pg_url: str, kit: Any) -> None:
    """Holds, cancels, expiries and confirms from 32 clients across two workers (the one-call
    PostgreSQL functions): no 5xx, never more confirmed + held than capacity, and the history
    passes the simulator's invariant checker."""
    from concurrent.futures import ThreadPoolExecutor

    server = kit.serve(tmp_path, db=pg_url, workers=2)
    try:
        kit.load(server, CHURN_SCENARIO)
        tokens = kit.provision(server, 32)
        with ThreadPoolExecutor(32) as pool:
            codes = [c for cs in pool.map(lambda t: _churn(server, t, 6), tokens.values()) for c in cs]
        assert codes and all(c in (200, 409, 410) for c in codes), sorted(set(codes))
        events = kit.export(server)
        assert sum(e["event"] == "cancel" for e in events) > 0
        assert sum(e["event"] == "expire" for e in events) > 0
        assert 0 < sum(e["event"] == "confirm" for e in events) <= 8
        assert find_violations(pa.Table.from_pylist(events), {"s1": 8}) == []
    finally:
        server.stop()
