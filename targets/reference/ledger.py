"""The simulator's ledger, kept in SQL: same interface, same answers, same booking events.

:class:`SqlLedger` implements :class:`sim.domain.port.LedgerPort`, as
:class:`sim.domain.ledger.Ledger` does, behind
:class:`~sim.service.booking.BookingService` and the policies (``ctx.ledger``): ``add_session``,
``advance``, ``session_view``, ``hold``, ``confirm``, ``cancel``, ``holds_of_person``, ``finish``,
the ``sessions``/``holds`` mappings and ``events.append``. Time stays lazy, as in memory: an
operation at ``now`` first expires every hold due by ``now`` (stamped at its due time), and a
slot is bookable when ``available_at <= now`` — releases and returns need no timer.

Taking a slot is one statement, ``UPDATE slots … WHERE slot = (lowest free and available)
AND state = 'free'`` (PostgreSQL adds ``FOR UPDATE SKIP LOCKED``), so two concurrent holds can
never take the same slot or more slots than released: the database decides, not a prior read.
Callers run each request inside :meth:`Database.transaction`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim.domain.port import Hold, ReturnRule
from targets.reference.db import Database

__all__ = ["SqlEventLog", "SqlLedger"]

HELD, CONFIRMED, EXPIRED, CANCELLED = "held", "confirmed", "expired", "cancelled"
_HOLD_COLS = "hold_id, session, slot, person, account, t_held, expires_at, state, t_confirmed"

_TAKE_SLOT = {
    "sqlite": "UPDATE slots SET state = 'taken' WHERE session = ? AND state = 'free' AND slot = "
              "(SELECT slot FROM slots WHERE session = ? AND state = 'free' AND available_at <= ? "
              "ORDER BY slot LIMIT 1) RETURNING slot",
    "postgresql": "UPDATE slots SET state = 'taken' WHERE session = ? AND state = 'free' AND slot = "
                  "(SELECT slot FROM slots WHERE session = ? AND state = 'free' AND available_at <= ? "
                  "ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING slot",
}


def _immediately(session: str, slot: int, now: float) -> float | None:
    return now


def _hold_of(row: tuple[Any, ...]) -> Hold:
    return Hold(int(row[0]), row[1], int(row[2]), int(row[3]), int(row[4]), float(row[5]),
                float(row[6]), row[7], None if row[8] is None else float(row[8]))


class SqlEventLog:
    """``append`` has :class:`sim.records.EventLog`'s signature; rows go to the ``events`` table."""

    COLUMNS = ("t", "event", "session", "slot", "hold_id", "person", "account", "count")

    def __init__(self, db: Database) -> None:
        self.db = db

    def append(self, t: float, event: str, session: str, slot: int, hold_id: int, person: int,
               account: int, count: int) -> None:
        """Record one booking event."""
        self.db.run("INSERT INTO events (t, event, session, slot, hold_id, person, account, count) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (t, event, session, slot, hold_id, person, account, count))

    def rows(self, until: float) -> list[dict[str, Any]]:
        """Every event due by ``until``, in time order (ties in the order they were written)."""
        out = self.db.all(f"SELECT {', '.join(self.COLUMNS)} FROM events WHERE t <= ? ORDER BY t, id", (until,))
        return [dict(zip(self.COLUMNS, r, strict=True)) for r in out]

    def __len__(self) -> int:
        row = self.db.one("SELECT count(*) FROM events")
        return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session's state at the ledger's last ``advance``: a :class:`~sim.domain.port.SessionInfo`."""

    session: str
    department: str
    date: str
    capacity: int
    release_at: float
    remaining: int
    released: int
    held: int
    confirmed: int


class _Sessions(Mapping[str, SessionView]):
    def __init__(self, ledger: SqlLedger) -> None:
        self.ledger = ledger

    def __getitem__(self, session: str) -> SessionView:
        view = self.ledger.view(session)
        if view is None:
            raise KeyError(session)
        return view

    def __iter__(self) -> Iterator[str]:
        return iter([r[0] for r in self.ledger.db.all("SELECT session FROM sessions ORDER BY session")])

    def __len__(self) -> int:
        row = self.ledger.db.one("SELECT count(*) FROM sessions")
        return int(row[0]) if row else 0


class _Holds(Mapping[int, Hold]):
    def __init__(self, db: Database) -> None:
        self.db = db

    def __getitem__(self, hold_id: int) -> Hold:
        row = self.db.one(f"SELECT {_HOLD_COLS} FROM holds WHERE hold_id = ?", (int(hold_id),))
        if row is None:
            raise KeyError(hold_id)
        return _hold_of(row)

    def __iter__(self) -> Iterator[int]:
        return iter([int(r[0]) for r in self.db.all("SELECT hold_id FROM holds ORDER BY hold_id")])

    def __len__(self) -> int:
        row = self.db.one("SELECT count(*) FROM holds")
        return int(row[0]) if row else 0


class SqlLedger:
    """The ledger in SQL tables (see the module docstring)."""

    def __init__(self, db: Database, return_rule: ReturnRule = _immediately) -> None:
        self.db = db
        self.events = SqlEventLog(db)
        self.return_rule = return_rule
        self.sessions = _Sessions(self)
        self.holds = _Holds(db)
        self._now = float("-inf")
        self._meta: dict[str, tuple[float, int]] = {}  # session → (release_at, capacity); immutable
        # Earliest expiry of a live hold; only trusted when this process is the only writer.
        self._next_expiry: float | None = None

    # ---- set-up -------------------------------------------------------------------------
    def add_session(self, session: str, department: str, date: str, capacity: int,
                    batches: Iterable[tuple[float, int]]) -> None:
        """Register a session and its release batches (a no-op if it is already stored)."""
        plan = sorted((float(t), int(n)) for t, n in batches if n > 0)
        if sum(n for _, n in plan) > capacity:
            raise ValueError(f"session {session}: release batches exceed capacity {capacity}")
        release_at = plan[0][0] if plan else float("inf")
        added = self.db.run("INSERT INTO sessions (session, department, date, capacity, release_at) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session) DO NOTHING",
                            (session, department, date, capacity, min(release_at, 1e300)))
        if not added:
            return
        rows: list[tuple[str, int, str, float, float]] = []
        slot = 0
        for t, n in plan:
            rows.extend((session, s, "free", t, t) for s in range(slot, slot + n))
            slot += n
            self.events.append(t, "release", session, -1, 0, -1, -1, n)
        if rows:
            self.db.many("INSERT INTO slots (session, slot, state, released_at, available_at) "
                         "VALUES (?, ?, ?, ?, ?)", rows)

    def _session_meta(self, session: str) -> tuple[float, int] | None:
        meta = self._meta.get(session)
        if meta is None:
            row = self.db.one("SELECT release_at, capacity FROM sessions WHERE session = ?", (session,))
            if row is None:
                return None
            meta = self._meta[session] = (float(row[0]), int(row[1]))
        return meta

    # ---- lazy time ----------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Expire every hold due by ``now`` (stamped at its due time); releases need no work."""
        self._now = max(self._now, now)
        if self.db.single_process and self._next_expiry is not None and now < self._next_expiry:
            return
        due = self.db.all(f"SELECT {_HOLD_COLS} FROM holds WHERE state = 'held' AND expires_at <= ? "
                          "ORDER BY expires_at, hold_id", (now,))
        for row in due:
            h = _hold_of(row)
            if self.db.run("UPDATE holds SET state = 'expired' WHERE hold_id = ? AND state = 'held'",
                           (h.hold_id,)):
                self._free(h, EXPIRED, h.expires_at)
        if self.db.single_process:
            nxt = self.db.one("SELECT min(expires_at) FROM holds WHERE state = 'held'")
            self._next_expiry = float("inf") if nxt is None or nxt[0] is None else float(nxt[0])

    def _free(self, h: Hold, new_state: str, t: float) -> None:
        self.events.append(t, "expire" if new_state == EXPIRED else "cancel", h.session, h.slot,
                           h.hold_id, h.person, h.account, 1)
        due = self.return_rule(h.session, h.slot, t)
        if due is None:
            self.db.run("UPDATE slots SET state = 'withdrawn' WHERE session = ? AND slot = ?", (h.session, h.slot))
            self.events.append(t, "withdraw", h.session, h.slot, 0, -1, -1, 1)
            return
        back = max(due, t)
        self.db.run("UPDATE slots SET state = 'free', available_at = ? WHERE session = ? AND slot = ?",
                    (back, h.session, h.slot))
        self.events.append(back, "return", h.session, h.slot, 0, -1, -1, 1)

    # ---- views --------------------------------------------------------------------------
    def view(self, session: str) -> SessionView | None:
        """The session's counts at the last advance (``remaining``: free and available now)."""
        row = self.db.one("SELECT department, date, capacity, release_at FROM sessions WHERE session = ?",
                          (session,))
        if row is None:
            return None
        now = self._now
        counts = self.db.one(
            "SELECT coalesce(sum(CASE WHEN state = 'free' AND available_at <= ? THEN 1 ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN released_at <= ? THEN 1 ELSE 0 END), 0) FROM slots WHERE session = ?",
            (now, now, session))
        held = self.db.one("SELECT coalesce(sum(CASE WHEN state = 'held' THEN 1 ELSE 0 END), 0), "
                           "coalesce(sum(CASE WHEN state = 'confirmed' THEN 1 ELSE 0 END), 0) "
                           "FROM holds WHERE session = ?", (session,))
        assert counts is not None and held is not None
        return SessionView(session, row[0], row[1], int(row[2]), float(row[3]), int(counts[0]),
                           int(counts[1]), int(held[0]), int(held[1]))

    def remaining(self, session: str, now: float) -> int:
        """Free slots bookable at ``now``."""
        row = self.db.one("SELECT count(*) FROM slots WHERE session = ? AND state = 'free' AND available_at <= ?",
                          (session, now))
        return int(row[0]) if row else 0

    def session_view(self, session: str, now: float) -> SessionView | None:
        """The session's state at ``now`` (None if unknown)."""
        self.advance(now)
        return self.view(session)

    # ---- operations ---------------------------------------------------------------------
    def hold(self, session: str, person: int, account: int, now: float, ttl: float) -> Hold | str:
        """Take the lowest free slot for ``person``: a :class:`Hold`, or why not."""
        self.advance(now)
        meta = self._session_meta(session)
        if meta is None:
            return "not_found"
        taken = self.db.one(_TAKE_SLOT[self.db.dialect], (session, session, now))
        if taken is None:
            return "not_released" if now < meta[0] else "sold_out"
        slot = int(taken[0])
        row = self.db.one("INSERT INTO holds (session, slot, person, account, t_held, expires_at, state) "
                          "VALUES (?, ?, ?, ?, ?, ?, 'held') RETURNING hold_id",
                          (session, slot, person, account, now, now + ttl))
        assert row is not None
        h = Hold(int(row[0]), session, slot, person, account, now, now + ttl)
        if self._next_expiry is not None:
            self._next_expiry = min(self._next_expiry, h.expires_at)
        self.events.append(now, "hold", session, slot, h.hold_id, person, account, 1)
        return h

    def _owned(self, hold_id: int, account: int) -> Hold | None:
        row = self.db.one(f"SELECT {_HOLD_COLS} FROM holds WHERE hold_id = ?", (hold_id,))
        if row is None or int(row[4]) != account:
            return None  # another account's hold is indistinguishable from none
        return _hold_of(row)

    def confirm(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Pay for a hold: it becomes a confirmed booking (idempotent for the owner)."""
        self.advance(now)
        changed = self.db.one(
            f"UPDATE holds SET state = 'confirmed', t_confirmed = ? WHERE hold_id = ? AND account = ? "
            f"AND state = 'held' AND expires_at > ? RETURNING {_HOLD_COLS}", (now, hold_id, account, now))
        if changed is not None:
            h = _hold_of(changed)
            self.events.append(now, "confirm", h.session, h.slot, h.hold_id, h.person, h.account, 1)
            return h
        mine = self._owned(hold_id, account)
        if mine is None:
            return "not_found"
        return mine if mine.state == CONFIRMED else "expired"

    def cancel(self, hold_id: int, account: int, now: float) -> Hold | str:
        """Cancel a held or confirmed slot of one's own; the slot returns per the return rule."""
        self.advance(now)
        changed = self.db.one(
            f"UPDATE holds SET state = 'cancelled' WHERE hold_id = ? AND account = ? "
            f"AND state IN ('held', 'confirmed') RETURNING {_HOLD_COLS}", (hold_id, account))
        if changed is None:
            return "not_found" if self._owned(hold_id, account) is None else "expired"
        h = _hold_of(changed)
        self._free(h, CANCELLED, now)
        return h

    def holds_of_person(self, person: int) -> list[Hold]:
        """All holds ever made for ``person`` (any state)."""
        return [_hold_of(r) for r in self.db.all(
            f"SELECT {_HOLD_COLS} FROM holds WHERE person = ? ORDER BY hold_id", (person,))]

    def holds_of_account(self, account: int) -> list[Hold]:
        """All holds an account made (its own bookings; what ``GET /v1/bookings`` shows)."""
        return [_hold_of(r) for r in self.db.all(
            f"SELECT {_HOLD_COLS} FROM holds WHERE account = ? ORDER BY hold_id", (account,))]

    def finish(self, now: float) -> None:
        """Apply everything due by ``now``."""
        self.advance(now)
