"""The API's shape: OpenAPI lists the routes, an unloaded service answers 503, the booking
export has exactly the ``bookings`` records schema, policy ops go through the generic route."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sim.records import EventLog
from targets.reference.app import create_app
from targets.reference.settings import Settings

ADMIN = {"Authorization": "Bearer " + "a" * 32}
SCENARIO: dict[str, Any] = {
    "name": "api",
    "supply": {"departments": [{"id": "derm", "sessions": [{"id": "s1", "capacity": 2}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


def _client(tmp_path: Any) -> TestClient:
    return TestClient(create_app(Settings(db=f"sqlite:///{tmp_path}/a.db", token_secret="s" * 32,
                                          admin_token="a" * 32)))


def test_openapi_lists_booking_and_admin_routes(tmp_path: Any) -> None:
    paths = _client(tmp_path).get("/openapi.json").json()["paths"]
    for p in ("/v1/ops/{op}", "/v1/holds", "/v1/holds/{hold_id}/confirm", "/v1/sessions",
              "/v1/accounts", "/v1/admin/load", "/v1/admin/bookings", "/v1/admin/audit", "/v1/health"):
        assert p in paths


def test_unloaded_service_answers_503_and_export_has_the_bookings_schema(tmp_path: Any) -> None:
    c = _client(tmp_path)
    token = c.post("/v1/admin/accounts", json={"accounts": [{"account": 1, "persons": [11]}]},
                   headers=ADMIN).json()["tokens"]["1"]
    auth = {"Authorization": f"Bearer {token}"}
    r = c.post("/v1/holds", json={"session": "s1"}, headers=auth)
    assert (r.status_code, r.json()["code"]) == (503, "overloaded")
    c.post("/v1/admin/load", json={"scenario": SCENARIO, "policies": ["lottery"], "t0_in_s": 30},
           headers=ADMIN)
    ops = c.get("/v1/ops").json()
    assert "lottery_enter" in ops["policy_ops"]
    entry = c.post("/v1/ops/lottery_enter", json={"session": "s1", "department": "derm"}, headers=auth)
    assert entry.json()["code"] != "bad_request"  # answered by the policy, no route of its own
    audit = c.get("/v1/admin/audit", headers=ADMIN).json()["events"]
    assert audit[-1]["op"] == "lottery_enter" and audit[-1]["account"] == 1
    c.post("/v1/admin/load", json={"scenario": SCENARIO, "t0_in_s": -1}, headers=ADMIN)
    c.post("/v1/holds", json={"session": "s1"}, headers=auth)
    events = c.get("/v1/admin/bookings", headers=ADMIN).json()["events"]
    assert [e["event"] for e in events] == ["release", "hold"]
    assert list(events[0]) == [name for name, _ in EventLog.SCHEMA]
