"""A small pool of psycopg async connections for one event loop (the direct ops' connections).

Why not ``psycopg_pool.AsyncConnectionPool``: at release-time load every request waits for a
connection, and that pool's waiting (a client object, a condition and a timeout per waiter)
and its return path cost ~30 µs of CPU per call on this machine — as much as the query itself
(measured: 62 → 34 µs per call, 32 tasks on 8 connections). Here a waiter is one future,
connections are handed over first come first served, opened lazily up to ``size``, and one
that broke is dropped and its place reopened by the next caller. The connections are in
autocommit: each statement is its own transaction.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

__all__ = ["LoopPool"]

_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE (PQTRANS_IDLE), without importing psycopg here


class LoopPool:
    """Up to ``size`` autocommit connections to ``url``, used by one event loop."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.size = size
        self._idle: list[Any] = []
        self._waiters: deque[asyncio.Future[Any]] = deque()
        self._count = 0  # connections open, opening or in use
        self._closed = False
        self._closing: set[asyncio.Future[None]] = set()

    async def acquire(self) -> Any:
        """A connection (wait for one when ``size`` are in use); give it back with :meth:`release`."""
        if self._closed:
            raise RuntimeError("the pool is closed")
        if self._idle:
            return self._idle.pop()
        if self._count >= self.size:
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                conn = await fut
            except asyncio.CancelledError:
                if fut.done() and not fut.cancelled():  # handed over just as we were cancelled
                    self.release(fut.result())
                raise
            if conn is not None:
                return conn
            if self._closed:
                self._hand_over(None)
                raise RuntimeError("the pool is closed")
            # None: a broken connection's place was handed over; open it (it is already counted)
        else:
            self._count += 1
        return await self._connect()

    async def _connect(self) -> Any:
        import psycopg  # psycopg: only a PostgreSQL database needs it

        try:
            return await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        except BaseException:
            self._hand_over(None)
            raise

    def release(self, conn: Any) -> None:
        """Give a connection back. A broken or closed one is dropped, and so is one that is not
        idle (a caller cancelled mid-query leaves it busy: reusing it would read that answer)."""
        if conn.broken or conn.closed or self._closed or conn.info.transaction_status != _IDLE:
            if not conn.closed:
                task = asyncio.ensure_future(conn.close())
                self._closing.add(task)  # a reference until done (the loop keeps only weak ones)
                task.add_done_callback(self._closing.discard)
            self._hand_over(None)
            return
        self._hand_over(conn)

    def _hand_over(self, conn: Any) -> None:
        """To the first waiter (None: a place to open a connection in), else back to idle."""
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(conn)
                return
        if conn is None:
            self._count -= 1
        else:
            self._idle.append(conn)

    async def close(self) -> None:
        """Close the idle connections; those in use are closed when they come back."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()
