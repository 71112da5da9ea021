"""One reference-service process: settings, database, runtime, accounts, and how calls run.

With SQLite (one worker) a request's transaction runs right on the event loop: it takes
~0.1 ms and never waits (this process is the only writer), which measured ~1.5× faster than
handing it to a thread (notes/measured-limits.md §2). With PostgreSQL it runs in a worker
thread with its own pooled connection, so a worker keeps serving while one request waits on
a lock; deadlocks and serialization failures are retried, then answered 503 — except a plain
stack's listing/hold/confirm/cancel, which is one server-side function call awaited on the event loop
itself (:mod:`targets.reference.direct`): the thread hand-off and back cost more CPU than the
call (measured: see ``targets/reference/README.md``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from sim.policies.base import Request
from sim.service.booking import Reply
from targets.reference.accounts import Accounts
from targets.reference.auth import AuthError, TokenSigner
from targets.reference.challenge_ids import ChallengeIds
from targets.reference.db import Database, SqliteDatabase, open_database
from targets.reference.direct import AsyncDirectOps, takes
from targets.reference.errors import ApiError
from targets.reference.group_commit import GroupCommit
from targets.reference.idempotency import KeyExpiry
from targets.reference.pow import ProofOfWork, pow_params
from targets.reference.runtime import NotLoaded, Runtime
from targets.reference.settings import Settings

__all__ = ["Service"]

T = TypeVar("T")
_RETRIES = 5
_log = logging.getLogger("slotgrab.reference")
_MAX_DEFERRALS = 8


def _transient(exc: Exception) -> bool:
    """Lock contention worth a retry (PostgreSQL deadlock/serialization, SQLite busy)."""
    name = type(exc).__name__
    return name in ("DeadlockDetected", "SerializationFailure", "LockNotAvailable") or \
        "database is locked" in str(exc)


def _raise_unless_retried(exc: Exception, attempt: int) -> None:
    """Re-raise ``exc`` unless it is transient and retries are left (then 503 after the last)."""
    if not _transient(exc) or attempt == _RETRIES - 1:
        if _transient(exc):
            raise ApiError("overloaded", "database busy; retry") from None
        raise exc


def _backoff(attempt: int) -> float:
    return 0.002 * (attempt + 1)


class Service:
    """What the routes share."""

    def __init__(self, settings: Settings, db: Database | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if settings.workers > 1 and not settings.db.startswith(("postgresql://", "postgres://")):
            raise ValueError("several workers need PostgreSQL (--db postgresql://…): SQLite caches "
                             "policy state in one process")
        self.settings = settings
        self.db = db or open_database(settings.db, synchronous=settings.sqlite_synchronous,
                                      pool_size=settings.pg_pool, single_process=settings.workers == 1)
        self.runtime = Runtime(self.db, clock)
        self.signer = TokenSigner(settings.token_secret, settings.token_ttl_s)
        self.accounts = Accounts(self.db, self.signer, settings.password_iterations,
                                 settings.max_persons_per_account)
        self.inline = self.db.dialect == "sqlite"
        self._group = GroupCommit(self.db) if isinstance(self.db, SqliteDatabase) else None
        self._limiter = CapacityLimiter(settings.pg_pool)
        self.pow = ProofOfWork(settings.pow_mode, settings.pow_secret or settings.token_secret,
                               settings.pow_hashes_per_s)
        self.challenges = ChallengeIds(settings.token_secret)
        self.keys = KeyExpiry(settings.idempotency_ttl_s)
        # PostgreSQL, plain stack: the direct ops from the event loop in one round trip each,
        # those in flight together batched into one transaction (direct_batch.py). A commit
        # waits for its WAL flush, so more connections than cores keep the server busy; the
        # total is the database's (48 measured best here: README), split over the workers.
        per_worker = max(1, settings.pg_direct_connections // settings.workers)
        self.direct = AsyncDirectOps(settings.db, per_worker) if not self.inline else None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work: inline for SQLite, in a thread for PostgreSQL."""
        if self.inline:
            result = fn(*args)
            batch = self._group.pending() if self._group is not None else None
            if batch is not None:  # fn's writes joined an open batch: answer after its commit
                await batch
            return result
        return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)

    def account_of(self, token: str) -> int:
        """The account a token belongs to; 401 if it is not valid now."""
        try:
            return self.signer.verify(token, time.time())
        except AuthError as exc:
            raise ApiError("unauthorized", str(exc)) from None

    def offers(self, op: str) -> bool:
        """Whether a policy of the loaded stack answers ``op`` (True when nothing is loaded:
        that answer is 503). With several workers the stack is re-read if another loaded one."""
        try:
            loaded = self.runtime.current()
        except NotLoaded:
            return True
        return op in loaded.service.stack.ops

    def direct_ready(self, op: str) -> bool:
        """Whether ``op`` goes to PostgreSQL as one function call that also checks the person
        (:mod:`targets.reference.direct`), so the request is built without a database read."""
        return not self.inline and self.runtime.direct_ready(op)

    def _resolve_person(self, req: Request) -> Request:
        """``req`` with the person it acts for checked (``Accounts.person_for``)."""
        person = self.accounts.person_for(req.account, req.args.get("person"))
        return Request(req.op, req.account, person, req.ip, {**req.args, "person": person})

    def _handle(self, req: Request) -> tuple[Reply, float]:
        for attempt in range(_RETRIES):
            try:
                answered = self.runtime.handle(req, self._resolve_person)
            except NotLoaded as exc:
                raise ApiError("overloaded", str(exc)) from None
            except Exception as exc:
                _raise_unless_retried(exc, attempt)
                time.sleep(_backoff(attempt))
                continue
            self._sweep_keys(answered[1])
            return answered
        raise AssertionError("unreachable")

    async def _direct(self, req: Request) -> Reply | None:
        """The reply by one function call from the loop (:mod:`targets.reference.direct`), or
        None if the request must take the Python path (not plain, or another worker loaded
        another scenario: the thread path reloads)."""
        loaded, direct = self.runtime.loaded, self.direct
        if direct is None or loaded is None or not loaded.plain or not takes(req):
            return None
        for attempt in range(_RETRIES):
            now = self.runtime.clock() - loaded.t0
            try:
                reply = await direct.answer(req, loaded.service, loaded.generation, now)
            except ApiError:
                raise
            except Exception as exc:
                _raise_unless_retried(exc, attempt)
                await asyncio.sleep(_backoff(attempt))
                continue
            if reply is not None and self.keys.due(self.runtime, now):  # rare: off the loop
                await self.call(self._sweep_keys, now)
            return reply
        raise AssertionError("unreachable")

    def _sweep_keys(self, now: float) -> None:
        """Forget expired idempotency keys; never fails (nor repeats) the answered request."""
        try:
            self.keys.sweep_due(self.runtime, now)
        except Exception:
            _log.warning("idempotency-key sweep failed; retried at the next sweep", exc_info=True)

    async def _answer(self, req: Request) -> Reply:
        if self._group is None:
            direct = await self._direct(req)
            if direct is not None:
                return direct
            reply, _ = await self.call(self._handle, req)
            return reply
        (reply, _), committed = self._group.run(self._handle, req)
        await committed  # answer only once the batch holding this request is committed
        return reply

    async def handle(self, req: Request) -> Reply:
        """Answer a request; a slow-lane ``deferred`` reply is served again after its delay.
        A proof-of-work CAPTCHA's answer is verified first and its challenges get a real
        ALTCHA challenge (:mod:`targets.reference.pow`, setting ``pow_mode``). CAPTCHA
        challenge ids are sealed for the account (:mod:`targets.reference.challenge_ids`)."""
        loaded = self.runtime.loaded
        pow_policy = pow_params(loaded.service.stack) if loaded is not None else None
        if pow_policy is not None:
            req = self.pow.check(req, pow_policy)
        # CAPTCHA ids on the wire are sealed for the account; the policy sees its own numbers
        reply = self.challenges.outbound(req, await self._serve(self.challenges.inbound(req)))
        return reply if pow_policy is None else self.pow.decorate(req, reply, pow_policy)

    async def _serve(self, req: Request) -> Reply:
        reply = await self._answer(req)
        for _ in range(_MAX_DEFERRALS):
            if reply.code != "deferred":
                return reply
            await asyncio.sleep(reply.delay_s)
            req = Request(req.op, req.account, req.person, req.ip, {**req.args, "deferred": True})
            reply = await self._answer(req)
        return reply if reply.code != "deferred" else Reply("overloaded", {"error": "deferred too often"})

    async def aclose(self) -> None:
        """Release the database (and the event loop's connections)."""
        if self.direct is not None:
            await self.direct.close()
        self.close()

    def close(self) -> None:
        """Release the database."""
        self.db.close()
