"""Idempotency keys are bounded: forgotten ``idempotency_ttl_s`` after their hold was made
(they were kept forever, ≈ 300 B per hold)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from targets.reference.app import create_app
from targets.reference.settings import Settings

ADMIN = {"Authorization": "Bearer " + "a" * 32}
SCENARIO: dict[str, Any] = {
    "name": "ttl",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 500}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
    "release": {"hold_ttl_s": 30},
}


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def _service(tmp_path: Any, clock: Clock) -> tuple[TestClient, dict[str, str], Any]:
    settings = Settings(db=f"sqlite:///{tmp_path}/t.db", token_secret="s" * 32, admin_token="a" * 32,
                        idempotency_ttl_s=600)
    app = create_app(settings, clock=clock)
    c = TestClient(app)
    c.post("/v1/admin/load", json={"scenario": SCENARIO, "t0": clock.t}, headers=ADMIN)
    token = c.post("/v1/admin/accounts", json={"accounts": [{"account": 1, "persons": [11]}]},
                   headers=ADMIN).json()["tokens"]["1"]
    return c, {"Authorization": f"Bearer {token}"}, app.state.service


def _keys(svc: Any) -> int:
    row = svc.db.one("SELECT count(*) FROM kv WHERE key LIKE 'idem:%'")
    return int(row[0])


def _hold(c: TestClient, auth: dict[str, str], key: str) -> int:
    r = c.post("/v1/holds", json={"session": "s1"}, headers={**auth, "Idempotency-Key": key})
    assert r.status_code == 200, r.text
    return int(r.json()["hold_id"])


def test_a_key_answers_the_same_hold_within_the_ttl_and_is_forgotten_after(tmp_path: Any) -> None:
    clock = Clock()
    c, auth, svc = _service(tmp_path, clock)
    first = _hold(c, auth, "k-1")
    clock.t += 599
    assert _hold(c, auth, "k-1") == first
    clock.t += 700  # past the TTL: the next request purges it
    c.get("/v1/sessions", headers=auth)
    assert _keys(svc) == 0 and "idem:1:k-1" not in svc.runtime.loaded.store._data
    assert _hold(c, auth, "k-1") != first  # a new attempt now


def test_keys_held_at_any_time_are_bounded_by_the_ttl(tmp_path: Any) -> None:
    clock = Clock()
    c, auth, svc = _service(tmp_path, clock)
    most = 0
    for i in range(120):  # one keyed hold every 30 s for an hour: 12 per 600 s TTL window (+ purge slack)
        _hold(c, auth, f"k-{i}")
        c.post(f"/v1/holds/{i + 1}/cancel", headers=auth)
        clock.t += 30
        most = max(most, _keys(svc))
    assert most <= 600 / 30 * 1.1 + 1, most
    assert _keys(svc) <= 23
