"""A tiny in-memory target that speaks the v1 contract, for the load driver's tests.

It runs the simulator's own ``BookingService`` on an in-memory ledger in one asyncio loop
(so it cannot overbook), and can stall deliberately: ``--stall-s S --stall-nth N`` makes the
N-th operation (1-based) answer S seconds late without blocking the others.

It can also misbehave on purpose: ``--lose-acks N`` leaves the first N confirmed holds out of
its export (their confirmations were acknowledged: a target that loses acknowledged holds), and
``--die-after-s S`` exits abruptly S seconds after a scenario is loaded (a target that dies
mid-run).

Run: ``python tests/sim/drivers/stub_target.py --port P [--stall-s 1 --stall-nth 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sim.agents.actions import STATUS_OF
from sim.domain.ledger import Ledger
from sim.policies.base import PolicyContext
from sim.policies.base import Request as PolicyRequest
from sim.policies.stack import PolicyStack
from sim.policies.store import MemoryStore
from sim.records import EventLog
from sim.rng import Streams
from sim.scenario.model import Scenario
from sim.service.booking import BookingService


class _State:
    def __init__(self) -> None:
        self.service: BookingService | None = None
        self.events = EventLog()
        self.t0 = 0.0
        self.ops = 0


def _lost(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """``rows`` without every event of the first ``n`` confirmed holds."""
    confirmed = [r["hold_id"] for r in rows if r["event"] == "confirm"][:n]
    return [r for r in rows if r["hold_id"] not in set(confirmed)]


def _die_in(seconds: float) -> None:
    """Exit the whole process abruptly (no shutdown, connections reset) after ``seconds``."""
    threading.Timer(seconds, lambda: os._exit(3)).start()


def create_app(stall_s: float = 0.0, stall_nth: int = 0, lose_acks: int = 0,
               die_after_s: float = 0.0) -> FastAPI:
    """The stub app."""
    app = FastAPI()
    st = _State()

    @app.get("/v1/health")
    async def health() -> dict[str, Any]:
        return {"code": "ok", "loaded": st.service is not None, "t0": st.t0}

    @app.post("/v1/admin/load")
    async def load(body: dict[str, Any]) -> dict[str, Any]:
        sc = Scenario.model_validate(body["scenario"])
        st.t0 = float(body["t0"])
        st.ops = 0  # the stall counts operations of this load
        st.events = EventLog()
        ledger = Ledger(st.events)
        store = MemoryStore()
        streams = Streams(sc.seed, int(body.get("replication", 0)))
        depts = {s.id: d.id for d in sc.supply.departments for s in d.sessions}
        dates = {s.id: s.date for d in sc.supply.departments for s in d.sessions}

        def ctx(index: int, name: str) -> PolicyContext:
            return PolicyContext(
                store,
                streams.generator(f"policy:{name}", index),
                ledger,
                sc.release.hold_ttl_s,
                depts,
                dates,
            )

        st.service = BookingService(sc, ledger, PolicyStack.build(sc.policies, ctx), store)
        if die_after_s:
            _die_in(die_after_s)
        return {"code": "ok", "t0": st.t0}

    @app.post("/v1/admin/accounts")
    async def accounts(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": "ok",
            "tokens": {str(a["account"]): f"tok-{a['account']}" for a in body["accounts"]},
        }

    @app.get("/v1/admin/bookings")
    async def bookings() -> dict[str, Any]:
        assert st.service is not None
        st.service.ledger.advance(time.time() - st.t0)
        cols = {n: list(st.events.column(n)) for n, _ in EventLog.SCHEMA}
        rows = [dict(zip(cols, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
        return {"code": "ok", "events": _lost(rows, lose_acks)}

    @app.post("/v1/ops/{op}")
    async def ops(op: str, request: Request) -> JSONResponse:
        st.ops += 1
        nth = st.ops
        args = await request.json()
        account = int(request.headers.get("authorization", "Bearer tok-0").rsplit("-", 1)[1])
        ip = int(request.headers.get("x-client-ip", "0") or 0)
        assert st.service is not None
        req = PolicyRequest(op, account, int(args.get("person", 0)), ip, args)
        reply = st.service.handle(req, time.time() - st.t0)
        if stall_nth and nth == stall_nth:
            await asyncio.sleep(stall_s)
        return JSONResponse(
            {"code": reply.code, **reply.body}, status_code=STATUS_OF.get(reply.code, 500)
        )

    return app


def main() -> None:
    """Serve the stub on 127.0.0.1."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--stall-s", type=float, default=0.0)
    ap.add_argument("--stall-nth", type=int, default=0)
    ap.add_argument("--lose-acks", type=int, default=0)
    ap.add_argument("--die-after-s", type=float, default=0.0)
    a = ap.parse_args()
    uvicorn.run(
        create_app(a.stall_s, a.stall_nth, a.lose_acks, a.die_after_s),
        host="127.0.0.1",
        port=a.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
