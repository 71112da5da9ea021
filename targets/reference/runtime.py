"""The loaded scenario inside the reference service: the simulator's BookingService on SQL.

:class:`Runtime` owns the database, the scenario that is loaded (its supply, policy stack and
T0) and answers one request at a time with ``BookingService.handle(request, now)`` — the very
code the simulator runs — where ``now`` is the wall clock in seconds relative to T0. Policies
are built by the SimPy driver's own assembly (:mod:`sim.service.assembly`), get the SQL
ledger as ``ctx.ledger`` and a :mod:`store <targets.reference.store>` as ``ctx.store``.

Each request is one database transaction: the policies' checks, the ledger change, the state
store writes and the audit row commit together. With PostgreSQL (several workers) the
transaction also takes advisory locks on the account and the person, so an idempotency key or
a per-person rule is checked and recorded atomically across workers; the loaded scenario lives
in the ``meta`` table and every worker rebuilds its objects when its generation changes.

PostgreSQL with a *plain* stack (no policy hooks on requests, replies or returns: FCFS,
randomized release): a listing, hold, confirm or cancel is instead one server-side function call in
autocommit (:mod:`targets.reference.direct`) — same answers, same events, same audit row.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.policies.base import Request
from sim.rng import Streams
from sim.scenario.loader import load_scenario
from sim.scenario.model import PolicySpec, Scenario
from sim.service.assembly import build_service
from sim.service.booking import BookingService, Reply
from targets.reference.db import Database
from targets.reference.direct import DIRECT_OPS, UNRESOLVED, DirectOps, is_plain, takes
from targets.reference.ledger import SqlLedger
from targets.reference.schema import create_schema, wipe
from targets.reference.store import PostgresStore, SqliteStore, open_store

__all__ = ["Loaded", "NotLoaded", "Runtime"]


class NotLoaded(Exception):
    """No scenario is loaded yet (``POST /v1/admin/load`` or ``slotgrab serve FILE``)."""


@dataclass(slots=True)
class Loaded:
    """One loaded scenario: its objects and its T0 on the wall clock (epoch seconds)."""

    scenario: Scenario
    replication: int
    t0: float
    generation: int
    service: BookingService
    ledger: SqlLedger
    store: SqliteStore | PostgresStore
    plain: bool  # BookingService.handle is the bare ledger operation (targets.reference.direct)


class Runtime:
    """Database + loaded scenario + wall clock → answers."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self.loaded: Loaded | None = None
        self.direct = DirectOps(db) if db.dialect == "postgresql" else None
        self._lock = threading.Lock()
        with db.transaction():
            create_schema(db)
        self._refresh()

    # ---- the loaded scenario ---------------------------------------------------------------
    def _config(self) -> dict[str, Any] | None:
        row = self.db.one("SELECT value FROM meta WHERE key = 'config'")
        return None if row is None else dict(json.loads(row[0]))

    def _generation(self) -> int:
        row = self.db.one("SELECT value FROM meta WHERE key = 'generation'")
        return 0 if row is None else int(row[0])

    def _refresh(self, gen: int | None = None) -> Loaded | None:
        """Rebuild the objects if another process loaded another scenario (or at start)."""
        gen = self._generation() if gen is None else gen
        if self.loaded is not None and self.loaded.generation == gen:
            return self.loaded
        with self._lock:
            cfg = self._config()
            if cfg is None or gen == 0:
                self.loaded = None
                return None
            with self.db.transaction():
                self.loaded = self._build(cfg, gen)
            return self.loaded

    def _build(self, cfg: dict[str, Any], gen: int) -> Loaded:
        """The objects of a stored configuration (inside the caller's transaction)."""
        sc = Scenario.model_validate(cfg["scenario"])
        ledger = SqlLedger(self.db)
        store = open_store(self.db)
        service = build_service(sc, Streams(sc.seed, int(cfg["replication"])), ledger, store)
        return Loaded(sc, int(cfg["replication"]), float(cfg["t0"]), gen, service, ledger, store,
                      is_plain(service.stack))

    def current(self, generation: int | None = None) -> Loaded:
        """The loaded scenario (rebuilt if it changed; ``generation`` if already read);
        :class:`NotLoaded` if none."""
        loaded = self.loaded if self.db.single_process else self._refresh(generation)
        if loaded is None:
            raise NotLoaded("no scenario is loaded: POST /v1/admin/load or `slotgrab serve FILE`")
        return loaded

    def _put_meta(self, key: str, value: str) -> None:
        self.db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                    "SET value = excluded.value", (key, value))

    def load(self, sc: Scenario, t0: float, replication: int = 0) -> Loaded:
        """Wipe bookings, policy state and audit; install ``sc`` with T0 at epoch ``t0``. One
        transaction: the new supply is built before it commits, so a scenario that fails to
        build (ValueError) leaves the previous configuration and its bookings intact."""
        with self._lock, self.db.transaction():
            gen = self._generation() + 1
            wipe(self.db)
            cfg = {"scenario": sc.model_dump(mode="json", by_alias=True), "t0": t0, "replication": replication}
            self._put_meta("config", json.dumps(cfg, allow_nan=False))
            self._put_meta("generation", str(gen))
            loaded = self._build(cfg, gen)
        self.loaded = loaded
        return loaded

    def reset(self, accounts: bool = False) -> None:
        """Unload; wipe bookings, policy state, audit (and identities)."""
        with self.db.transaction():
            gen = self._generation() + 1
            wipe(self.db, accounts=accounts)
            self.db.run("DELETE FROM meta WHERE key = 'config'")
            self._put_meta("generation", str(gen))
        self.loaded = None

    def now(self, loaded: Loaded | None = None) -> float:
        """The wall clock in seconds relative to T0."""
        return self.clock() - (loaded or self.current()).t0

    # ---- answering -------------------------------------------------------------------------
    def direct_ready(self, op: str) -> bool:
        """Whether ``op`` is likely answered by :mod:`targets.reference.direct` (PostgreSQL, a
        plain stack), so its person may be left for the database to check (``UNRESOLVED``)."""
        loaded = self.loaded
        return self.direct is not None and loaded is not None and loaded.plain and op in DIRECT_OPS

    def handle(self, req: Request,
               resolve_person: Callable[[Request], Request] | None = None) -> tuple[Reply, float]:
        """Answer one request in one transaction; the reply and the clock it was answered at.
        PostgreSQL with a plain stack: list_sessions/hold/confirm/cancel in one function call
        (:mod:`targets.reference.direct`). A request whose person is ``UNRESOLVED`` and that
        cannot go that way has it resolved by ``resolve_person`` first."""
        loaded = self.loaded
        if self.direct is not None and loaded is not None and loaded.plain and takes(req):
            now = self.clock() - loaded.t0
            reply = self.direct.answer(req, loaded.service, loaded.generation, now)
            if reply is not None:
                return reply, now
        if req.person == UNRESOLVED:
            if resolve_person is None:
                raise ValueError("a request with an unresolved person needs resolve_person")
            req = resolve_person(req)
        with self.db.transaction():
            if self.db.dialect == "postgresql":  # locks and the generation in one round trip
                row = self.db.one(
                    "SELECT pg_advisory_xact_lock(1, ?::int), pg_advisory_xact_lock(2, ?::int), "
                    "(SELECT value FROM meta WHERE key = 'generation')",
                    (req.account % 2_147_483_647, req.person % 2_147_483_647))
                loaded = self.current(int(row[2]) if row is not None and row[2] is not None else 0)
            else:
                loaded = self.current()
            now = self.clock() - loaded.t0
            reply = loaded.service.handle(req, now)
            if reply.code != "deferred":
                self.db.run("INSERT INTO audit (t, op, code, account, person, ip) VALUES (?, ?, ?, ?, ?, ?)",
                            (now, req.op, reply.code, req.account, req.person, str(req.ip)))  # IPv6: text
        return reply, now

    def policy_labels(self) -> list[str]:
        """Labels of the loaded policy stack."""
        return [p.label for p in self.loaded.scenario.policies] if self.loaded else []


def load_at_start(runtime: Runtime, scenario: str | None, policies: tuple[str, ...], t0_in_s: float) -> None:
    """``serve --scenario``: load it unless the database already holds the same scenario (a
    restart keeps T0 and every booking)."""
    if scenario is None:
        return
    sc = with_policies(load_scenario(scenario), policies)
    loaded = runtime.current() if runtime.loaded else None
    if loaded is not None and loaded.scenario == sc:
        return
    runtime.load(sc, runtime.clock() + t0_in_s)


def with_policies(sc: Scenario, names: list[str] | tuple[str, ...]) -> Scenario:
    """``sc`` under a stack of named policies with default parameters."""
    return sc.with_policies(tuple(PolicySpec(name=n) for n in names)) if names else sc
