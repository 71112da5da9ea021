"""PostgreSQL: a plain policy stack's hold, confirm and cancel in one round trip each.

``BookingService.handle`` on a stack whose policies neither look at requests (``before``),
observe replies (``after``) nor decide when a freed slot returns (``return_at``) — FCFS,
randomized release — is just the ledger operation, and the ledger's return rule is "at once".
Then nothing of the request needs Python between the statements, so :class:`DirectOps` sends
one prepared ``SELECT * FROM sg_<op>(…)`` (:mod:`targets.reference.pg_functions`) on an
autocommit connection: the person check, the advisory locks, the generation check, lazy expiry,
the operation, its booking events and the audit row run on the server as one transaction with
one durable commit. Everything else — a keyed hold (the idempotency key lives in the policy
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
from sim.service.booking import Reply
from targets.reference.db import Database
from targets.reference.errors import ApiError
from targets.reference.loop_pool import LoopPool

__all__ = ["DIRECT_OPS", "UNRESOLVED", "AsyncDirectOps", "DirectOps", "is_plain", "person_refusal", "takes"]

DIRECT_OPS = frozenset({"hold", "confirm", "cancel"})
UNRESOLVED = -1  # Request.person when the database is to check it (ids are ≥ 1)

_ENTER = "?::bigint, ?::bigint, ?::bigint, ?::boolean, ?::text, ?::float8"
_SQL = {
    "hold": f"SELECT * FROM sg_hold({_ENTER}, ?::text, ?::float8)",
    "confirm": f"SELECT * FROM sg_confirm({_ENTER}, ?::bigint)",
    "cancel": f"SELECT * FROM sg_cancel({_ENTER}, ?::bigint)",
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


def _call(req: Request, generation: int, hold_ttl: float, now: float) -> tuple[str, list[Any], Any]:
    """The statement, its parameters and the person asked for."""
    check = req.person == UNRESOLVED
    person = req.args.get("person") if check else req.person
    params: list[Any] = [generation, req.account, person, check, str(req.ip), now]  # IPv6: text
    if req.op == "hold":
        params += [str(req.args.get("session")), hold_ttl]
    else:
        params.append(int(req.args.get("hold", -1)))
    return _SQL[req.op], params, person


def _reply(row: tuple[Any, ...] | None, person: Any) -> Reply | None:
    """The function's row as ``BookingService``'s reply (None: ``stale``)."""
    assert row is not None
    code = row[0]
    if code == "stale":
        return None
    if code in ("unauthorized", "forbidden"):
        raise person_refusal(code, person)
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

    def answer(self, req: Request, generation: int, hold_ttl: float, now: float) -> Reply | None:
        """The reply, or None if another worker loaded another scenario meanwhile (``stale``)."""
        sql, params, person = _call(req, generation, hold_ttl, now)
        return _reply(self.db.one(sql, params), person)


class AsyncDirectOps:
    """The same calls from the event loop on psycopg's async connections: no hand-off to a
    thread and back per request (``Service`` uses this one in a uvicorn worker)."""

    def __init__(self, url: str, size: int) -> None:
        self.pool = LoopPool(url, size)

    async def answer(self, req: Request, generation: int, hold_ttl: float, now: float) -> Reply | None:
        """As :meth:`DirectOps.answer`."""
        sql, params, person = _call(req, generation, hold_ttl, now)
        conn = await self.pool.acquire()
        try:
            cur = await conn.execute(_PSYCOPG_SQL[sql], params, prepare=True)
            row = await cur.fetchone()
        finally:
            self.pool.release(conn)
        return _reply(row, person)

    async def close(self) -> None:
        """Close the connections."""
        await self.pool.close()
