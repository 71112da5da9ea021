"""Retrying a hold with the same idempotency key never creates a second hold — sequentially,
through the header or the arg, and when the retries race each other."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from targets.reference.app import create_app
from targets.reference.settings import Settings

SCENARIO: dict[str, Any] = {
    "name": "idem",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 50}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}
ADMIN = {"Authorization": "Bearer " + "a" * 32}


def _holds(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "hold"]


def test_same_key_same_hold_different_key_new_hold(tmp_path: Any) -> None:
    c = TestClient(create_app(Settings(db=f"sqlite:///{tmp_path}/i.db", token_secret="s" * 32,
                                       admin_token="a" * 32)))
    c.post("/v1/admin/load", json={"scenario": SCENARIO, "t0_in_s": -1}, headers=ADMIN)
    token = c.post("/v1/admin/accounts", json={"accounts": [{"account": 1, "persons": [11]}]},
                   headers=ADMIN).json()["tokens"]["1"]
    auth = {"Authorization": f"Bearer {token}"}
    first = c.post("/v1/holds", json={"session": "s1"}, headers={**auth, "Idempotency-Key": "k-1"}).json()
    again = [c.post("/v1/holds", json={"session": "s1"}, headers={**auth, "Idempotency-Key": "k-1"}).json()
             for _ in range(3)]
    via_arg = c.post("/v1/ops/hold", json={"session": "s1", "key": "k-1"}, headers=auth).json()
    assert {r["hold_id"] for r in [*again, via_arg]} == {first["hold_id"]}
    other = c.post("/v1/holds", json={"session": "s1"}, headers={**auth, "Idempotency-Key": "k-2"}).json()
    assert other["hold_id"] != first["hold_id"]
    events = c.get("/v1/admin/bookings", headers=ADMIN).json()["events"]
    assert len(_holds(events)) == 2


def _check_one_hold(kit: Any, server: Any, retries: int) -> None:
    """``retries`` clients released together retry one hold with one key: all get one hold."""
    kit.load(server, SCENARIO)
    token = kit.provision(server, 1)[1]
    barrier = threading.Barrier(retries)
    ids: list[int] = []

    def retry() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as cl:
            barrier.wait()
            r = cl.post("/v1/holds", json={"session": "s1"},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"})
            ids.append(r.json().get("hold_id", -1))

    threads = [threading.Thread(target=retry) for _ in range(retries)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ids) == retries and len(set(ids)) == 1 and ids[0] > 0
    assert len(_holds(kit.export(server))) == 1


@pytest.mark.slow
def test_racing_retries_with_one_key_make_one_hold(tmp_path: Any, kit: Any) -> None:
    server = kit.serve(tmp_path)
    try:
        _check_one_hold(kit, server, 16)
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.postgres
def test_racing_retries_across_two_postgres_workers_make_one_hold(tmp_path: Any, kit: Any, pg_url: str) -> None:
    server = kit.serve(tmp_path, db=pg_url, workers=2)
    try:
        _check_one_hold(kit, server, 32)
    finally:
        server.stop()
