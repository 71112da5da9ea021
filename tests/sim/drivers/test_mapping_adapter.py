"""The declarative adapter without a network: requests from templates, answers through JMESPath
and the status table, slot picks over the listed free slots, local answers, times converted,
and the truth export from a SQLite state table."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from sim_kit import race

from sim.drivers.adapter import HttpRequest, answer_with_context
from sim.drivers.adapter_loader import load_adapter
from sim.drivers.mapping_adapter import MappingAdapter
from sim.drivers.mapping_model import Mapping
from sim.scenario.model import Scenario

FOREIGN = Path(__file__).parent / "foreign"

TICKETS = [{"id": f"t{i}", "event": "d1-am", "status": "free"} for i in range(4)] + [
    {"id": "t9", "event": "d1-am", "status": "reserved"}
]


def _tickets(**opts: str) -> MappingAdapter:
    adapter = load_adapter(str(FOREIGN / "tickets.yaml"), {"db": "sqlite:///x.db", **opts})
    assert isinstance(adapter, MappingAdapter)
    return adapter


def _mapping(text: str) -> MappingAdapter:
    return MappingAdapter(Mapping.model_validate(yaml.safe_load(text)))


def _round(a: MappingAdapter, op: str, args: dict[str, Any], status: int, body: Any) -> Any:
    req = a.request(op, args)
    return answer_with_context(a, op, req, status, body, {})


def test_listing_per_slot_counts_free_slots_and_remembers_them() -> None:
    a = _tickets()
    r = _round(a, "list_sessions", {"department": "derm"}, 200, {"data": TICKETS})
    assert r.code == "ok" and r.body == {"sessions": [{"id": "d1-am", "remaining": 4, "opens_at": None}]}
    assert a.view.free["d1-am"] == ["t0", "t1", "t2", "t3"]


def test_hold_picks_a_slot_fills_templates_with_types_and_reads_a_composite_id() -> None:
    a = _tickets()
    a.view.strategy = "first_free"
    _round(a, "list_sessions", {}, 200, {"data": TICKETS})
    req = a.request("hold", {"person": 42, "account": 7, "session": "d1-am", "ip": 1})
    assert (req.method, req.path, req.json) == ("PATCH", "/tickets/reserve", {"ticket_id": "t0", "holder": 42})
    ok = answer_with_context(a, "hold", req, 200, {"id": "t0", "event": "d1-am", "holder": 42}, {})
    assert ok.code == "ok" and ok.body["hold_id"] == "t0:42" and ok.body["session"] == "d1-am"
    # the next hold aims elsewhere; a refusal while others are free is a conflict, not sold out
    req = a.request("hold", {"person": 43, "session": "d1-am"})
    assert req.json["ticket_id"] == "t1"
    assert answer_with_context(a, "hold", req, 409, {}, {}).code == "conflict"


def test_no_free_slot_answers_locally_not_released_before_t0_and_sold_out_after() -> None:
    a = _tickets()
    _round(a, "list_sessions", {}, 200, {"data": TICKETS[4:]})
    a.t0_wall = time.time() + 60
    assert a.request("hold", {"person": 1, "session": "d1-am"}).local.code == "not_released"  # type: ignore[union-attr]
    a.t0_wall = time.time() - 60
    assert a.request("hold", {"person": 1, "session": "d1-am"}).local.code == "sold_out"  # type: ignore[union-attr]


def test_local_confirm_echoes_the_hold_and_unmapped_ops_are_bad_requests() -> None:
    a = _tickets()
    req = a.request("confirm", {"hold": "t0:42", "person": 42})
    assert req.local is not None and req.local.code == "ok" and req.local.body["hold_id"] == "t0:42"
    assert a.request("cancel", {"hold": "t0:42"}).local.code == "bad_request"  # type: ignore[union-attr]


def test_random_pick_is_seeded_per_person_and_per_lane_spreads_identities() -> None:
    sc: Scenario = race()
    picks = []
    for _ in range(2):
        a = _tickets()
        a.begin(sc, time.time() - 1, 0)
        _round(a, "list_sessions", {}, 200, {"data": TICKETS})
        picks.append([a.view.pick("d1-am", p) for p in range(20)])
    assert picks[0] == picks[1] and len(set(picks[0])) > 1
    a = _tickets()
    a.view.strategy = "per_lane"
    _round(a, "list_sessions", {}, 200, {"data": TICKETS})
    assert [a.view.pick("d1-am", p) for p in range(4)] == ["t0", "t1", "t2", "t3"]


MAPPED = """
status: {410: sold_out, 403: not_released}
operations:
  list_sessions:
    method: GET
    path: /shows
    query: {venue: "{opt.venue}", who: "{person}"}
    time_format: epoch_ms
    sessions: {items: shows, id: code, remaining: left, opens_at: opens}
  hold:
    path: /orders
    body: {show: "{session}", who: "c-{person}"}
    answer: {hold_id: order.number, expires_at: order.until, code: error}
    time_format: epoch
  cancel: {method: DELETE, path: "/orders/{hold}"}
options: {venue: main}
"""


def test_query_status_table_body_codes_and_times_relative_to_t0() -> None:
    a = _mapping(MAPPED)
    a.t0_wall = 1_000.0
    req = a.request("list_sessions", {"person": 5})
    assert req.path == "/shows?venue=main&who=5"
    r = answer_with_context(a, "list_sessions", req, 200, {"shows": [{"code": "s", "left": 3, "opens": 1_002_500}]}, {})
    assert r.body["sessions"] == [{"id": "s", "remaining": 3, "opens_at": pytest.approx(2.5)}]
    req = a.request("hold", {"person": 5, "session": "s"})
    assert req.json == {"show": "s", "who": "c-5"}
    r = answer_with_context(a, "hold", req, 201, {"order": {"number": 7, "until": 1_030.0}}, {})
    assert r.body["hold_id"] == 7 and r.body["expires_at"] == pytest.approx(30.0)
    assert answer_with_context(a, "hold", req, 410, {}, {}).code == "sold_out"
    assert answer_with_context(a, "hold", req, 400, {"error": "rate_limited"}, {}).code == "rate_limited"
    assert a.request("cancel", {"hold": 7}).path == "/orders/7"


def test_a_missing_option_is_one_clear_error() -> None:
    with pytest.raises(ValueError, match=r"--adapter-opt db=VALUE"):
        load_adapter(str(FOREIGN / "tickets.yaml"))


def test_state_table_export_gives_a_hold_and_a_confirm_per_row_in_time_order(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE tickets (id TEXT, event TEXT, status TEXT, holder INTEGER, reserved_at REAL)")
    con.executemany("INSERT INTO tickets VALUES (?, 'd1-am', 'reserved', ?, ?)",
                    [("u-2", 8, 1_002.0), ("u-1", 9, 1_001.0)])
    con.execute("INSERT INTO tickets VALUES ('u-3', 'd1-am', 'free', NULL, NULL)")
    con.commit()
    a = _tickets(db=f"sqlite:///{db}")
    a.t0_wall = 1_000.0
    events = a.export_events(None, None)  # type: ignore[arg-type]  # an SQL truth needs no client
    assert [(e["event"], e["hold_id"], e["t"]) for e in events] == [
        ("hold", "u-1:9", 1.0), ("confirm", "u-1:9", 1.0), ("hold", "u-2:8", 2.0), ("confirm", "u-2:8", 2.0)]
    assert events[0]["person"] == 9 and events[0]["slot"] == "u-1"


class _OldStyle:
    """An adapter written before answer() had a request argument."""

    def answer(self, op: str, status: int, body: dict[str, Any], headers: dict[str, str]) -> Any:
        return (op, status)


def test_adapters_with_the_old_answer_signature_still_work() -> None:
    assert answer_with_context(_OldStyle(), "hold", HttpRequest("POST", "/h"), 200, {}, {}) == ("hold", 200)  # type: ignore[arg-type]


def test_a_static_header_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_KEY", "k-123")
    a = _mapping(MAPPED + 'auth: {kind: header, header: X-Api-Key, value: "{env.SHOP_KEY}"}\n')
    assert a.request("list_sessions", {"person": 1}).headers == {"X-Api-Key": "k-123"}
    monkeypatch.delenv("SHOP_KEY")
    with pytest.raises(ValueError, match="environment variable SHOP_KEY is not set"):
        a.request("list_sessions", {"person": 1})
