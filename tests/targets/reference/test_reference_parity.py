"""Every registered policy decides the same in the reference service as in the simulator.

The same deterministic request sequence, with the same injected clock, goes to the simulator's
``BookingService`` on the in-memory ``Ledger`` + ``MemoryStore`` (built as the SimPy driver
builds it) and to the reference service's ``Runtime`` on SQLite (SQL ledger + SQL-backed store).
Every reply (code, body, retry_after) and the final booking history must be identical.
"""

from __future__ import annotations

from typing import Any

import pytest

from sim.domain.ledger import Ledger
from sim.policies.base import PolicyContext, Request
from sim.policies.registry import all_policies
from sim.policies.stack import PolicyStack
from sim.policies.store import MemoryStore
from sim.records import EventLog
from sim.rng import Streams
from sim.scenario.model import PolicySpec, Scenario
from sim.service.booking import BookingService, Reply
from targets.reference.db import Database, PostgresDatabase, SqliteDatabase
from targets.reference.runtime import Runtime

T0_EPOCH = 0.0  # exact: now = clock - T0 without rounding
BASE: dict[str, Any] = {
    "name": "parity",
    "seed": 7,
    "release": {"hold_ttl_s": 30.0},
    "supply": {"departments": [
        {"id": "derm", "sessions": [{"id": "s1", "capacity": 3, "date": "2026-12-01"},
                                    {"id": "s2", "capacity": 2, "date": "2026-12-01"}]},
        {"id": "eye", "sessions": [{"id": "e1", "capacity": 2, "date": "2026-12-02"}]},
    ]},
    "patients": [{"segment": "p", "count": 1, "arrival_s": 0}],
}


def _sequence(policy_ops: tuple[str, ...]) -> list[tuple[float, str, int, int, int, dict[str, Any]]]:
    """(t, op, account, person, ip, args): before release, a burst at T0 from few IPs, retries
    with an idempotency key, confirms, someone else's hold, cancels, expiry, returns, policy ops."""
    seq: list[tuple[float, str, int, int, int, dict[str, Any]]] = [
        (-5.0, "list_sessions", 1, 11, 1, {"department": "derm"}),
        (-1.0, "hold", 1, 11, 1, {"session": "s1"}),
    ]
    for op in policy_ops:
        seq.append((-0.5, op, 1, 11, 1, {"session": "s1", "department": "derm"}))
    for i in range(12):
        a = 1 + i % 6
        seq.append((0.01 * i, "hold", a, 10 * a + 1 + i % 2, 1 + i % 3,
                    {"session": ("s1", "s2", "e1")[i % 3], "key": f"k{i // 2}"}))
    seq += [
        (0.2, "hold", 2, 21, 2, {"session": "s1", "key": "k0"}),  # retry with the same key
        (0.3, "list_sessions", 3, 31, 3, {}),
        (1.0, "confirm", 1, 11, 1, {"hold": 1}),
        (1.1, "confirm", 2, 21, 2, {"hold": 1}),  # someone else's hold
        (1.2, "confirm", 2, 21, 2, {"hold": 2}),
        (1.3, "confirm", 2, 21, 2, {"hold": 2}),  # idempotent confirm
        (2.0, "cancel", 2, 21, 2, {"hold": 2}),
        (2.1, "cancel", 2, 21, 2, {"hold": 2}),
        (2.5, "hold", 7, 71, 7, {"session": "s1"}),
        (3.0, "hold", 8, 81, 8, {"session": "s2"}),
        (40.0, "list_sessions", 9, 91, 9, {"department": "derm"}),  # holds expired by now
        (40.1, "confirm", 3, 31, 3, {"hold": 3}),
        (41.0, "hold", 9, 91, 9, {"session": "s1"}),
        (41.0, "hold", 9, 92, 9, {"session": "s2"}),
    ]
    for op in policy_ops:
        seq.append((42.0, op, 9, 91, 9, {"session": "s1", "department": "derm"}))
    for i in range(6):
        seq.append((50.0 + 0.001 * i, "hold", 10 + i, 100 + i, 4, {"session": "e1"}))
    seq.append((3600.0, "list_sessions", 1, 11, 1, {}))
    return seq


def _simulator(sc: Scenario) -> tuple[BookingService, EventLog]:
    events = EventLog()
    store, ledger = MemoryStore(), Ledger(events)
    streams = Streams(sc.seed, 0)
    depts = {s.id: d.id for d in sc.supply.departments for s in d.sessions}
    dates = {s.id: s.date for d in sc.supply.departments for s in d.sessions}

    def ctx(index: int, name: str) -> PolicyContext:
        return PolicyContext(store, streams.generator(f"policy:{name}", index), ledger,
                             sc.release.hold_ttl_s, depts, dates)

    return BookingService(sc, ledger, PolicyStack.build(sc.policies, ctx), store), events


def _norm(reply: Reply) -> tuple[Any, ...]:
    return reply.code, reply.body, reply.retry_after, reply.delay_s


@pytest.mark.parametrize("name", sorted(all_policies()))
def test_policy_decides_the_same_in_the_service(name: str) -> None:
    _compare(name, SqliteDatabase(":memory:"))


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(all_policies()))
def test_policy_decides_the_same_on_postgres(name: str, pg_url: str) -> None:
    """The multi-worker configuration: SQL ledger and shared store in PostgreSQL."""
    db = PostgresDatabase(pg_url, pool_size=2)
    try:
        _compare(name, db)
    finally:
        db.close()


def _compare(name: str, db: Database) -> None:
    sc = Scenario.model_validate({**BASE, "policies": [{"name": name}]})
    assert sc.policies == (PolicySpec(name=name),)
    sim, sim_events = _simulator(sc)
    clock = {"t": -10.0}
    runtime = Runtime(db, clock=lambda: T0_EPOCH + clock["t"])
    runtime.load(sc, T0_EPOCH)
    decisions = 0
    for t, op, account, person, ip, args in _sequence(sim.stack.ops):
        clock["t"] = t
        req = Request(op, account, person, ip, {**args, "account": account, "person": person, "ip": ip})
        want = sim.handle(req, t)
        got, now = runtime.handle(req)
        assert now == t
        assert _norm(got) == _norm(want), f"{name}: {op} at t={t} by account {account}"
        decisions += 1
    sim.ledger.finish(3600.0)
    loaded = runtime.current()
    loaded.ledger.finish(3600.0)
    want_rows = sorted(tuple(r.values()) for r in sim_events.to_arrow().to_pylist())
    got_rows = sorted(tuple(r.values()) for r in loaded.ledger.events.rows(3600.0))
    assert got_rows == want_rows
    assert decisions >= 35


def test_the_sequence_exercises_refusals_and_successes() -> None:
    """Guard against a vacuous comparison: under FCFS the sequence sees ok, sold_out,
    not_released, not_found and expired answers."""
    sc = Scenario.model_validate(BASE)
    sim, _ = _simulator(sc)
    codes = {sim.handle(Request(op, a, p, ip, args), t).code for t, op, a, p, ip, args in _sequence(())}
    assert {"ok", "sold_out", "not_released", "not_found", "expired"} <= codes
