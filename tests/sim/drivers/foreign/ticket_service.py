"""A reserve-only ticket service that is not slotgrab's: the first foreign shape of issue 13.

FastAPI on one SQLite file it shares with nobody but its own operator (here: the test, and the
adapter's SQL hooks). Tickets have UUID ids; there is no login, no release time, no confirm, no
cancel and no export: ``GET /tickets`` lists them, ``PATCH /tickets/reserve`` takes one.

``--lose-every N`` makes it lose every N-th reservation it acknowledges, on purpose: it answers
200 but rolls the write back (the ticket stays free), and writes the acknowledgement to its
``acks`` table — the service's own record of what it told clients, which the tests compare
with slotgrab's verdict.

Run: ``python ticket_service.py --port P --db FILE [--lose-every N]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
        || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-'
        || hex(randomblob(6)))),
    event TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'free', holder INTEGER, reserved_at REAL);
CREATE TABLE IF NOT EXISTS acks (ticket TEXT, holder INTEGER, at REAL, kept INTEGER);
"""


class Reserve(BaseModel):
    ticket_id: str
    holder: int  # the customer number


def create_app(db: str, lose_every: int = 0) -> FastAPI:
    con = sqlite3.connect(db, check_same_thread=False, isolation_level=None, timeout=30.0)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript(SCHEMA)
    con.row_factory = sqlite3.Row
    app = FastAPI(title="tickets")
    acked = [0]

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/tickets")
    async def tickets(event: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT id, event, status, holder FROM tickets WHERE 1=1", []
        if event:
            sql, args = sql + " AND event = ?", [*args, event]
        if status:
            sql, args = sql + " AND status = ?", [*args, status]
        return [dict(r) for r in con.execute(sql + " ORDER BY rowid", args)]

    @app.patch("/tickets/reserve")
    async def reserve(req: Reserve) -> Any:
        row = con.execute("SELECT event, status FROM tickets WHERE id = ?", (req.ticket_id,)).fetchone()
        if row is None:
            return JSONResponse({"detail": "no such ticket"}, status_code=404)
        if row["status"] != "free":
            return JSONResponse({"detail": "ticket already reserved"}, status_code=409)
        acked[0] += 1
        kept = not (lose_every and acked[0] % lose_every == 0)
        now = time.time()
        if kept:
            con.execute("UPDATE tickets SET status='reserved', holder=?, reserved_at=? WHERE id=?",
                        (req.holder, now, req.ticket_id))
        con.execute("INSERT INTO acks VALUES (?, ?, ?, ?)", (req.ticket_id, req.holder, now, kept))
        return {"id": req.ticket_id, "event": row["event"], "status": "reserved", "holder": req.holder}

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--lose-every", type=int, default=0)
    a = ap.parse_args()
    uvicorn.run(create_app(a.db, a.lose_every), host="127.0.0.1", port=a.port, log_level="warning")


if __name__ == "__main__":
    main()
