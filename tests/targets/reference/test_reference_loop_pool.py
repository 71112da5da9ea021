"""The direct ops' connection pool: at most ``size`` connections, waiters served in order, a
broken connection's place reopened, nothing lost when a waiter is cancelled."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from targets.reference.loop_pool import LoopPool


class FakeConn:
    """What the pool looks at: ``broken``, ``closed`` and ``close()``."""

    def __init__(self, n: int) -> None:
        self.n, self.broken, self.closed = n, False, False
        self.info = SimpleNamespace(transaction_status=0)  # idle

    async def close(self) -> None:
        self.closed = True


class FakePool(LoopPool):
    def __init__(self, size: int) -> None:
        super().__init__("postgresql://unused", size)
        self.opened = 0

    async def _connect(self) -> Any:
        self.opened += 1
        return FakeConn(self.opened)


def test_at_most_size_connections_and_waiters_in_order() -> None:
    async def main() -> None:
        pool = FakePool(2)
        a, b = await pool.acquire(), await pool.acquire()
        order: list[tuple[str, int]] = []

        async def user(name: str) -> None:
            conn = await pool.acquire()
            order.append((name, conn.n))
            await asyncio.sleep(0)
            pool.release(conn)

        tasks = [asyncio.ensure_future(user(n)) for n in ("x", "y", "z")]
        await asyncio.sleep(0)
        assert pool.opened == 2 and order == []
        pool.release(a)
        pool.release(b)
        await asyncio.gather(*tasks)
        assert [n for n, _ in order] == ["x", "y", "z"] and pool.opened == 2

    asyncio.run(main())


def test_a_broken_connection_is_dropped_and_its_place_reopened() -> None:
    async def main() -> None:
        pool = FakePool(1)
        conn = await pool.acquire()
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        conn.broken = True
        pool.release(conn)
        fresh = await waiter
        await asyncio.sleep(0)
        assert fresh is not conn and conn.closed and pool.opened == 2
        pool.release(fresh)
        assert await pool.acquire() is fresh

    asyncio.run(main())


def test_a_connection_left_busy_is_dropped() -> None:
    async def main() -> None:
        pool = FakePool(1)
        conn = await pool.acquire()
        conn.info.transaction_status = 1  # ACTIVE: a query was cancelled mid-way
        pool.release(conn)
        await asyncio.sleep(0)
        fresh = await pool.acquire()
        assert fresh is not conn and conn.closed

    asyncio.run(main())


def test_a_cancelled_waiter_loses_no_connection() -> None:
    async def main() -> None:
        pool = FakePool(1)
        conn = await pool.acquire()
        waiter = asyncio.ensure_future(pool.acquire())
        await asyncio.sleep(0)
        pool.release(conn)  # handed to the waiter …
        waiter.cancel()  # … which is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert await asyncio.wait_for(pool.acquire(), 1) is conn

    asyncio.run(main())


def test_closed_pool_refuses_and_closes_what_comes_back() -> None:
    async def main() -> None:
        pool = FakePool(2)
        idle, used = await pool.acquire(), await pool.acquire()
        pool.release(idle)
        await pool.close()
        assert idle.closed
        pool.release(used)
        await asyncio.sleep(0)
        assert used.closed
        with pytest.raises(RuntimeError):
            await pool.acquire()

    asyncio.run(main())
