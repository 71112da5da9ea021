"""PostgreSQL: a plain policy stack's list_sessions, hold, confirm and cancel in one round trip each.

``BookingService.handle`` on a stack whose policies neither look at requests (``before``),
observe replies (``after``) nor decide when a freed slot returns (``return_at``) — FCFS,
randomized release — is just the ledger operation, and the ledger's return rule is "at once".
Then nothing of the request needs Python between the statements, so :class:`DirectOps` sends
one prepared ``SELECT * FROM sg_<op>(…)`` (``sg_list`` for a listing) (:mod:`targets.reference.pg_functions`) on an
autocommit connection: the person check, the advisory locks, the generation check, lazy expiry,
the operation, its booking events and the audit row run on the server as one transaction with
one durable commit — or, when several requests are in flight on the worker's loop, as one
batch sharing one transaction and one commit (:mod:`targets.reference.direct_batch`; a batch
of one is the single call). Everything else — a keyed hold (the idempotency key lives in the policy
store), any other op, any other stack, SQLite — takes the Python path of ``Runtime.handle``.

A request reaches this module either with its person already checked (``Accounts.person_for``,
as the parity tests and the FastAPI routes do) or with ``person == UNRESOLVED`` and the
requested person, if any, in ``args["person"]`` (the ASGI fast path, which so saves the round
trip of the person check): the function then checks it and answers ``unauthorized`` or
``forbidden`` exactly as ``person_for`` does.
"""

from __future__ import annotations

from typing import Any

from sim.policies.base import Policy, Request
from sim.policies.stack import PolicyStack
from sim.service.booking import BookingService, Reply
from targets.reference.db import Database
from targets.reference.direct_batch import DirectBatches
from targets.reference.errors import ApiError
from targets.reference.loop_pool import LoopPool

__all__ = ["DIRECT_OPS", "UNRESOLVED", "AsyncDirectOps", "DirectOps", "is_plain", "person_refusal", "takes"]

DIRECT_OPS = frozenset({"list_sessions", "hold", "confirm", "cancel"})
UNRESOLVED = -1  # Request.person when the database is to check it (ids are ≥ 1)

_ENTER = "?::bigint, ?::bigint, ?::bigint, ?::boolean, ?::text, ?::float8"
_SQL = {
    "hold": f"SELECT * FROM sg_hold({_ENTER}, ?::text, ?::float8)",
    "confirm": f"SELECT * FROM sg_confirm({_ENTER}, ?::bigint)",
    "cancel": f"SELECT * FROM sg_cancel({_ENTER}, ?::bigint)",
    "list_sessions": f"SELECT * FROM sg_list({_ENTER}, ?::text[])",
}

_PSYCOPG_SQL = {sql: sql.replace("?", "%s") for sql in _SQL.values()}  # a raw connection's placeholders


def is_plain(stack: PolicyStack) -> bool:
    """Whether ``BookingService.handle`` on ``stack`` is the bare ledger operation."""
    return all(type(p).before is Policy.before and type(p).after is Policy.after
               and type(p).return_at is Policy.return_at for p in stack.policies)


def person_refusal(code: str, person: object) -> ApiError:
    """The error of a request whose person is not the account's (``Accounts.person_for``)."""
    if code == "unauthorized":
        return ApiError("unauthorized", "account has no persons or does not exist; register first")
    return ApiError("forbidden", f"person {str(person)[:24]} is not registered on this account")


def takes(req: Request) -> bool:
    """Whether ``req`` (on a plain stack) is answered here: a keyed hold is not."""
    return req.op in DIRECT_OPS and not (req.op == "hold" and req.args.get("key") is not None)


def _listing(service: BookingService, req: Request) -> list[tuple[str, float]] | None:
    """``BookingService._list``'s rows (session id, opens at), None for an unknown department."""
    dept = req.args.get("department")
    if not dept:
        return list(service.opens_at.items())
    ids = service.by_department.get(dept)
    return None if ids is None else [(sid, service.opens_at[sid]) for sid in ids]


def _call(req: Request, service: BookingService, generation: int,
          now: float) -> tuple[str, list[Any], Any, list[tuple[str, float]]] | None:
    """The statement, its parameters, the person asked for and a listing's rows (None: not here)."""
    check = req.person == UNRESOLVED
    person = req.args.get("person") if check else req.person
    params: list[Any] = [generation, req.account, person, check, str(req.ip), now]  # IPv6: text
    rows: list[tuple[str, float]] = []
    if req.op == "hold":
        params += [str(req.args.get("session")), service.hold_ttl]
    elif req.op == "list_sessions":
        listing = _listing(service, req)
        if listing is None:  # not_found, answered by the Python path (rare)
            return None
        rows = listing
        params.append([sid for sid, _ in rows])
    else:
        params.append(int(req.args.get("hold", -1)))
    return _SQL[req.op], params, person, rows


def _reply(row: tuple[Any, ...] | None, op: str, person: Any, listing: list[tuple[str, float]]) -> Reply | None:
    """The function's row as ``BookingService``'s reply (None: ``stale``)."""
    assert row is not None
    code = row[0]
    if code == "stale":
        return None
    if code in ("unauthorized", "forbidden"):
        raise person_refusal(code, person)
    if op == "list_sessions":  # sg_list: (code, person, remaining[])
        remaining = row[2] or []
        return Reply("ok", {"sessions": [{"id": sid, "remaining": int(n), "opens_at": opens_at}
                                         for (sid, opens_at), n in zip(listing, remaining, strict=True)]})
    if code != "ok":
        return Reply(code)
    # the keys and types of sim.domain.port.hold_body (the parity tests compare them)
    return Reply("ok", {"hold_id": int(row[1]), "session": row[2], "slot": int(row[3]), "state": row[6],
                        "expires_at": float(row[5]), "person": int(row[4])})


class DirectOps:
    """Answers the ops of :data:`DIRECT_OPS` with one function call on the calling thread
    (``Runtime.handle``; see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def answer(self, req: Request, service: BookingService, generation: int, now: float) -> Reply | None:
        """The reply, or None if the Python path must answer: another worker loaded another
        scenario meanwhile (``stale``), or a listing of an unknown department."""
        call = _call(req, service, generation, now)
        if call is None:
            return None
        sql, params, person, listing = call
        return _reply(self.db.one(sql, params), req.op, person, listing)


class AsyncDirectOps:
    """The same calls from the event loop on psycopg's async connections: no hand-off to a
    thread and back per request (``Service`` uses this one in a uvicorn worker). Calls made
    while others are in flight share one transaction and one commit
    (:mod:`targets.reference.direct_batch`)."""

    def __init__(self, url: str, size: int) -> None:
        self.pool = LoopPool(url, size)
        self.batches = DirectBatches(self.pool)

    async def answer(self, req: Request, service: BookingService, generation: int, now: float) -> Reply | None:
        """As :meth:`DirectOps.answer`."""
        call = _call(req, service, generation, now)
        if call is None:
            return None
        sql, params, person, listing = call
        row = await self.batches.call((req.op, _PSYCOPG_SQL[sql], params))
        return _reply(row, req.op, person, listing)

    async def close(self) -> None:
        """Close the connections."""
        await self.pool.close()
