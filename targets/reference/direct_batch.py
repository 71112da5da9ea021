"""PostgreSQL group commit for the direct ops: the calls of one event-loop turn share one commit.

Each direct op (:mod:`targets.reference.direct`) is one function call and so one transaction
with one durable commit — and at release-time load the commits' WAL flushes and psycopg's
per-call cost are most of the database's and the worker's time. :class:`DirectBatches` queues
the calls made on the loop; a *drainer* task takes a connection from the pool, then every call
queued by then (at most :data:`MAX_BATCH`), and sends them as ONE ``sg_batch`` call
(:mod:`targets.reference.pg_functions`): one transaction that first takes all their advisory
locks in sorted order (so two workers' batches never deadlock on them), then runs each op in
arrival order, each seeing the ones before it, and returns one row per op. Each caller's future
resolves only after that call — and so its commit — returned: an acknowledged booking is as
durable as before, and the answers and booking history are those of the ops run one by one in
that order. Drainers run on up to ``pool.size`` connections at once, so a batch forms from the
calls that arrive while the others are in flight: under load batches grow, idle they are 1.

A batch of one is today's single call (same statement). If a batch fails — an op raised, or a
deadlock on row locks between two workers' batches — its transaction is rolled back whole and
its calls run again singly on the same connection, so each gets its own answer or error
(``Service`` retries the transient ones), as if they had never been batched.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

from targets.reference.loop_pool import LoopPool

__all__ = ["BATCH_SQL", "MAX_BATCH", "Call", "DirectBatches"]

MAX_BATCH = 32  # ops per batch: enough to amortise a commit; keeps a failed batch's redo small

BATCH_SQL = ("SELECT * FROM sg_batch(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], "
             "%s::text[], %s::float8[], %s::text[], %s::float8[], %s::bigint[], %s::jsonb)")

Call = tuple[str, str, list[Any]]  # (op, its single statement, that statement's parameters)


def batch_params(calls: list[Call]) -> list[Any]:
    """``sg_batch``'s parameters: one array per parameter, one element per call (the singles'
    parameters are generation, account, person, check, ip, now, then the op's own)."""
    cols: list[list[Any]] = [[] for _ in range(10)]
    lists: list[Any] = []
    for op, _, params in calls:
        for col, value in zip(cols[:7], (op, *params[:6]), strict=True):
            col.append(value)
        session = ttl = hold = listing = None
        if op == "hold":
            session, ttl = params[6], params[7]
        elif op == "list_sessions":
            listing = params[6]
        else:
            hold = params[6]
        cols[7].append(session)
        cols[8].append(ttl)
        cols[9].append(hold)
        lists.append(listing)
    has_lists = any(x is not None for x in lists)
    return [*cols, json.dumps(lists) if has_lists else None]


def _as_single(op: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """An ``sg_batch`` row as its op's own function returns it: a listing's is
    (code, person, remaining), the others' drop the trailing ``o_remaining``."""
    return (row[0], row[4], row[7]) if op == "list_sessions" else row[:7]


class DirectBatches:
    """Sends the direct calls of one event loop in batches (see the module docstring)."""

    def __init__(self, pool: LoopPool, max_batch: int = MAX_BATCH) -> None:
        self.pool = pool
        self.max_batch = max_batch
        self._queue: deque[tuple[Call, asyncio.Future[Any]]] = deque()
        self._drainers: set[asyncio.Task[None]] = set()
        self._running = 0  # drainers not yet finished (the set drops one only a turn later)
        self._kick_due = False

    async def call(self, call: Call) -> Any:
        """The row of ``call``'s function, once the transaction that ran it committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._queue.append((call, fut))
        if not self._kick_due and self._running < self.pool.size:
            self._kick_due = True
            loop.call_soon(self._kick)  # after the rest of this turn's requests queued theirs
        return await fut

    def _kick(self) -> None:
        self._kick_due = False
        if self._queue and self._running < self.pool.size:
            self._running += 1
            task = asyncio.ensure_future(self._drain())
            self._drainers.add(task)  # a reference until done (the loop keeps only weak ones)
            task.add_done_callback(self._drainers.discard)

    def _take(self) -> list[tuple[Call, asyncio.Future[Any]]]:
        """Up to ``max_batch`` queued calls whose callers still wait (a cancelled one never ran)."""
        batch: list[tuple[Call, asyncio.Future[Any]]] = []
        while self._queue and len(batch) < self.max_batch:
            item = self._queue.popleft()
            if not item[1].done():
                batch.append(item)
        return batch

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._drain_one()
        finally:
            self._running -= 1

    async def _drain_one(self) -> None:
        try:
            conn = await self.pool.acquire()
        except Exception as exc:  # cannot connect: the callers waiting now get the error
            for _, fut in self._take():
                fut.set_exception(exc)
            return
        batch: list[tuple[Call, asyncio.Future[Any]]] = []
        try:
            batch = self._take()
            if batch:
                await self._run(conn, batch)
        except BaseException as exc:  # the connection broke (or the loop is closing)
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc if isinstance(exc, Exception) else RuntimeError("service closing"))
            if not isinstance(exc, Exception):
                raise
        finally:
            self.pool.release(conn)

    async def _run(self, conn: Any, batch: list[tuple[Call, asyncio.Future[Any]]]) -> None:
        if len(batch) > 1:
            try:
                cur = await conn.execute(BATCH_SQL, batch_params([c for c, _ in batch]), prepare=True)
                rows = await cur.fetchall()
            except Exception:
                if conn.broken or conn.closed:
                    raise
                # rolled back whole: run them singly below, each with its own answer or error
            else:
                for ((op, _, _), fut), row in zip(batch, rows, strict=True):
                    if not fut.done():
                        fut.set_result(_as_single(op, row))
                return
        for (_, sql, params), fut in batch:
            try:
                cur = await conn.execute(sql, params, prepare=True)
                row = await cur.fetchone()
            except Exception as exc:
                if not fut.done():
                    fut.set_exception(exc)
                if conn.broken or conn.closed:
                    raise
            else:
                if not fut.done():
                    fut.set_result(row)
