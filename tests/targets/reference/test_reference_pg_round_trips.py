"""PostgreSQL, plain stack: a listing, a hold, a confirm and a cancel are one round trip each.

Round trips are counted on the wire: libpq traces every protocol message of the service's
connections (one in the thread pool, one in the event loop's pool), and each
``ReadyForQuery`` the server sends ends one round trip (a simple query, or a prepared
statement's Bind/Execute/Sync). The requests go the way the ASGI fast
path sends them — ``perform_core`` without the person read, then ``Service.handle`` — so the
count covers the token, the person check, the locks, expiry, the operation, its events and the
audit row. A keyed hold (its idempotency key lives in the policy store) and a policy stack
with hooks take the Python path; their counts are asserted as upper bounds so a regression in
them shows too.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sim.scenario.model import Scenario
from sim.service.booking import Reply
from targets.reference.api import perform_core
from targets.reference.db import PostgresDatabase
from targets.reference.direct import UNRESOLVED
from targets.reference.errors import ApiError
from targets.reference.runtime import with_policies
from targets.reference.server import make_settings
from targets.reference.service import Service

pytestmark = pytest.mark.postgres
SCENARIO: dict[str, Any] = {
    "name": "round-trips",
    "supply": {"departments": [{"id": "d1", "sessions": [{"id": "s1", "capacity": 50}]}]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


LOOP = asyncio.new_event_loop()  # one loop for the module: the service's async pool lives in it


@pytest.fixture(scope="module", autouse=True)
def _close_loop() -> Iterator[None]:
    yield
    LOOP.close()


def _pgconns(svc: Service) -> list[Any]:
    """The libpq connections of both pools (each holds exactly one)."""
    assert isinstance(svc.db, PostgresDatabase) and svc.direct is not None
    with svc.db.pool.connection() as conn:  # the pool's only one: the service gets it back
        out = [conn.pgconn]

    async def loop_conn() -> Any:
        conn = await svc.direct.pool.acquire()
        svc.direct.pool.release(conn)
        return conn.pgconn

    return [*out, LOOP.run_until_complete(loop_conn())]


@contextmanager
def _counting(svc: Service) -> Iterator[list[int]]:
    """Count the round trips of the service's connections while the block runs."""
    out: list[int] = []
    with tempfile.TemporaryFile("w+") as f:
        conns = _pgconns(svc)
        for c in conns:
            c.trace(f.fileno())
        try:
            yield out
        finally:
            for c in conns:
                c.untrace()
            f.seek(0)
            out.append(sum("\tReadyForQuery\t" in line for line in f))


def _service(pg_url: str, policies: tuple[str, ...] = ()) -> Service:
    settings = make_settings(db=pg_url, workers=2, password_iterations=1000, pg_pool=1,
                             pg_direct_connections=2)  # one per worker: the one traced
    svc = Service(settings, db=PostgresDatabase(pg_url, pool_size=1))
    svc.runtime.reset(accounts=True)
    sc = with_policies(Scenario.model_validate(SCENARIO), policies)
    svc.runtime.load(sc, svc.runtime.clock() - 1.0)
    return svc


def _call(svc: Service, token: str, op: str, data: dict[str, Any] | None = None,
          extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Reply:
    hdrs = {"authorization": f"Bearer {token}", **(headers or {})}
    _, req = perform_core(svc, hdrs, data or {}, "127.0.0.1", op, extra,
                          resolve_person=not svc.direct_ready(op))
    return LOOP.run_until_complete(svc.handle(req))


def _trips(svc: Service, *call: Any, **kw: Any) -> tuple[Reply, int]:
    with _counting(svc) as n:
        reply = _call(svc, *call, **kw)
    return reply, n[0]


@pytest.fixture
def plain(pg_url: str) -> Iterator[tuple[Service, str]]:
    svc = _service(pg_url)
    token = str(svc.accounts.provision([(1, [11, 12])])["tokens"]["1"])  # type: ignore[index]
    # prepare every statement (psycopg prepares one per parameter types: a named person or
    # none), and run the first idempotency-key sweep, before anything is counted
    for data in ({"session": "s1"}, {"session": "s1", "person": 12}):
        _call(svc, token, "hold", data)
    for op in ("confirm", "cancel"):
        _call(svc, token, op, extra={"hold": 1})
    _call(svc, token, "list_sessions")
    try:
        yield svc, token
    finally:
        LOOP.run_until_complete(svc.aclose())


def test_hold_confirm_cancel_are_one_round_trip_each(plain: tuple[Service, str]) -> None:
    svc, token = plain
    assert svc.direct_ready("hold")
    held, trips = _trips(svc, token, "hold", {"session": "s1"})
    assert held.code == "ok" and held.body["person"] == 11 and trips == 1
    hold = held.body["hold_id"]
    confirmed, trips = _trips(svc, token, "confirm", extra={"hold": hold})
    assert confirmed.code == "ok" and confirmed.body["state"] == "confirmed" and trips == 1
    again, trips = _trips(svc, token, "confirm", extra={"hold": hold})  # idempotent
    assert again.code == "ok" and trips == 1
    cancelled, trips = _trips(svc, token, "cancel", extra={"hold": hold})
    assert cancelled.code == "ok" and cancelled.body["state"] == "cancelled" and trips == 1
    refused, trips = _trips(svc, token, "cancel", extra={"hold": hold})
    assert refused.code == "expired" and trips == 1
    other, trips = _trips(svc, token, "hold", {"session": "s1", "person": 12})
    assert other.code == "ok" and other.body["person"] == 12 and trips == 1
    missing, trips = _trips(svc, token, "hold", {"session": "nope"})
    assert missing.code == "not_found" and trips == 1
    listed, trips = _trips(svc, token, "list_sessions")
    assert listed.code == "ok" and trips == 1
    assert listed.body["sessions"] == [{"id": "s1", "remaining": 48, "opens_at": 0.0}]  # two still held


def test_the_database_checks_the_person(plain: tuple[Service, str]) -> None:
    svc, token = plain
    with pytest.raises(ApiError) as exc:
        _call(svc, token, "hold", {"session": "s1", "person": 99})
    assert exc.value.code == "forbidden"
    lone = str(svc.accounts.provision([(2, [])])["tokens"]["2"])  # type: ignore[index]
    with pytest.raises(ApiError) as exc:
        _call(svc, lone, "hold", {"session": "s1"})
    assert exc.value.code == "unauthorized"
    audit = svc.db.all("SELECT op, code, account, person FROM audit WHERE code <> 'ok' ORDER BY id")
    assert audit == []  # a refused person is an HTTP error, not an answered operation


def test_every_direct_answer_is_audited_and_recorded(plain: tuple[Service, str]) -> None:
    svc, token = plain
    held = _call(svc, token, "hold", {"session": "s1"})
    rows = svc.db.all("SELECT op, code, account, person FROM audit ORDER BY id")
    assert rows[-1] == ("hold", "ok", 1, 11)
    events = svc.db.all("SELECT event, hold_id, person FROM events WHERE event = 'hold' ORDER BY id")
    assert events[-1] == ("hold", held.body["hold_id"], 11)


def test_keyed_holds_and_policy_stacks_take_the_python_path(plain: tuple[Service, str], pg_url: str) -> None:
    svc, token = plain
    _call(svc, token, "hold", {"session": "s1"}, headers={"idempotency-key": "k0"})  # prepares
    keyed, trips = _trips(svc, token, "hold", {"session": "s1"}, headers={"idempotency-key": "k1"})
    print("keyed hold round trips:", trips)
    assert keyed.code == "ok" and 1 < trips <= 12
    retried, _ = _trips(svc, token, "hold", {"session": "s1"}, headers={"idempotency-key": "k1"})
    assert retried.body == keyed.body
    guarded = _service(pg_url, ("rate_limit",))
    try:
        assert not guarded.direct_ready("hold")
        token = str(guarded.accounts.provision([(1, [11])])["tokens"]["1"])  # type: ignore[index]
        _call(guarded, token, "hold", {"session": "s1"})
        reply, trips = _trips(guarded, token, "hold", {"session": "s1"})
        print("rate-limited stack, hold round trips:", trips)
        assert reply.code == "ok" and trips <= 16
    finally:
        LOOP.run_until_complete(guarded.aclose())


def test_unresolved_person_never_reaches_a_policy(pg_url: str) -> None:
    svc = _service(pg_url, ("real_name",))
    try:
        token = str(svc.accounts.provision([(1, [11])])["tokens"]["1"])  # type: ignore[index]
        _, req = perform_core(svc, {"authorization": f"Bearer {token}"}, {"session": "s1"}, "127.0.0.1",
                              "hold", resolve_person=False)
        assert req.person == UNRESOLVED
        reply = LOOP.run_until_complete(svc.handle(req))  # not plain: resolved before the stack
        assert reply.code == "ok" and reply.body["person"] == 11
    finally:
        LOOP.run_until_complete(svc.aclose())



Sent = tuple[str, dict[str, Any], dict[str, Any] | None]  # op, data, extra


def _concurrent(svc: Service, token: str, calls: list[Sent]) -> list[Reply]:
    """Send ``calls`` (op, data, extra) in one event-loop turn, as concurrent requests arrive."""
    reqs = [perform_core(svc, {"authorization": f"Bearer {token}"}, data, "127.0.0.1", op, extra,
                         resolve_person=False)[1] for op, data, extra in calls]

    async def all_of() -> list[Reply]:
        return list(await asyncio.gather(*(svc.handle(r) for r in reqs)))

    return LOOP.run_until_complete(all_of())


def test_concurrent_direct_ops_share_one_round_trip(plain: tuple[Service, str]) -> None:
    """Group commit: the ops of one loop turn are one sg_batch call, one transaction."""
    svc, token = plain
    _concurrent(svc, token, [("hold", {"session": "s1"}, None)] * 2)  # prepares sg_batch
    with _counting(svc) as n:
        replies = _concurrent(svc, token, [("hold", {"session": "s1"}, None)] * 8)
    assert [r.code for r in replies] == ["ok"] * 8 and n[0] == 1
    slots = [r.body["slot"] for r in replies]
    assert slots == sorted(slots) and len(set(slots)) == 8  # in arrival order, lowest free slot first
    assert [r.body["hold_id"] for r in replies] == sorted(r.body["hold_id"] for r in replies)


def test_a_batch_answers_as_its_ops_one_by_one(plain: tuple[Service, str]) -> None:
    """Each op of a batch sees the ones before it: hold, confirm and cancel of that hold, a
    foreign person, a listing — the replies of running them singly in that order."""
    svc, token = plain
    held = _call(svc, token, "hold", {"session": "s1"})
    hold = held.body["hold_id"]
    reqs: list[Sent] = [("confirm", {}, {"hold": hold}), ("hold", {"session": "s1", "person": 12}, None),
            ("cancel", {}, {"hold": hold}), ("cancel", {}, {"hold": hold}), ("list_sessions", {}, None),
            ("hold", {"session": "nope"}, None)]
    replies_or_errors = _concurrent(svc, token, reqs)
    codes = [r.code for r in replies_or_errors]
    assert codes == ["ok", "ok", "ok", "expired", "ok", "not_found"]
    assert replies_or_errors[0].body["state"] == "confirmed"
    assert replies_or_errors[2].body["state"] == "cancelled"
    listed = replies_or_errors[4].body["sessions"]
    free = 50 - len(svc.db.all("SELECT 1 FROM holds WHERE state = 'held'"))
    assert listed == [{"id": "s1", "remaining": free, "opens_at": 0.0}]
    events = svc.db.all("SELECT event, hold_id FROM events WHERE hold_id = ? ORDER BY id", [hold])
    assert events == [("hold", hold), ("confirm", hold), ("cancel", hold)]


def test_a_failing_op_does_not_undo_its_batch(plain: tuple[Service, str]) -> None:
    """The batch is rolled back and its ops run singly: the failing one gets its error, the
    others their answers (and their bookings are committed once each)."""
    svc, token = plain
    assert svc.direct is not None and svc.runtime.loaded is not None
    reqs = [perform_core(svc, {"authorization": f"Bearer {token}"}, {"session": "s1"}, "127.0.0.1", "hold",
                         resolve_person=False)[1] for _ in range(3)]
    gen = svc.runtime.loaded.generation
    overflow = ("hold", "SELECT * FROM sg_hold(%s::bigint, %s::bigint, %s::bigint, %s::boolean, %s::text, "
                "%s::float8, %s::text, %s::float8)", [gen, 1, None, True, "127.0.0.1", 1e308, "s1", 1e308])
    before = svc.db.all("SELECT count(*) FROM holds")[0][0]

    async def all_of() -> list[Any]:
        return list(await asyncio.gather(svc.handle(reqs[0]), svc.direct.batches.call(overflow),  # type: ignore[union-attr]
                                         svc.handle(reqs[1]), svc.handle(reqs[2]), return_exceptions=True))

    out = LOOP.run_until_complete(all_of())
    assert [r.code for r in (out[0], out[2], out[3])] == ["ok", "ok", "ok"]
    assert "out of range" in str(out[1])
    assert svc.db.all("SELECT count(*) FROM holds")[0][0] == before + 3
