"""A pay-on-reserve show service that is not slotgrab's: the second foreign shape of issue 13.

Its own release time (a show's sale opens at ``sale_opens``, epoch milliseconds), a login that
hands out a bearer token, orders that are paid when made (no hold, no confirm), refunds by
``DELETE``, and its own list of orders as the export. State is in memory.

``--oversell N`` lets every show sell N seats more than it has, on purpose (the seat counter
is checked against ``-N``), so the tests can see the verdict catch overbooking.

Run: ``python show_service.py --port P [--oversell N]``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

PASSWORD = "s3cret-loadtest"


class Login(BaseModel):
    user: str
    password: str


class Show(BaseModel):
    code: str
    seats: int
    sale_opens_ms: int


class Order(BaseModel):
    show: str
    customer: int


def create_app(oversell: int = 0) -> FastAPI:
    app = FastAPI(title="shows")
    shows: dict[str, dict[str, Any]] = {}
    orders: dict[int, dict[str, Any]] = {}
    numbers = itertools.count(1001)
    token = "tok-" + str(int(time.time()))

    def denied(auth: str | None) -> JSONResponse | None:
        if auth != f"Bearer {token}":
            return JSONResponse({"error": "UNAUTHENTICATED"}, status_code=401)
        return None

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    @app.post("/login")
    async def login(body: Login) -> Any:
        if body.password != PASSWORD:
            return JSONResponse({"error": "BAD_PASSWORD"}, status_code=401)
        return {"access_token": token}

    @app.put("/admin/shows")
    async def put_show(body: Show, authorization: str | None = Header(None)) -> Any:
        if (d := denied(authorization)) is not None:
            return d
        shows[body.code] = {"code": body.code, "seats_left": body.seats,
                            "sale_opens": body.sale_opens_ms, "next_seat": 1}
        for n in [n for n, o in orders.items() if o["show"] == body.code]:
            del orders[n]
        return shows[body.code]

    @app.get("/shows")
    async def list_shows(authorization: str | None = Header(None)) -> Any:
        if (d := denied(authorization)) is not None:
            return d
        return {"shows": [{k: s[k] for k in ("code", "seats_left", "sale_opens")} for s in shows.values()]}

    @app.post("/orders", status_code=201)
    async def order(body: Order, authorization: str | None = Header(None)) -> Any:
        if (d := denied(authorization)) is not None:
            return d
        show = shows.get(body.show)
        if show is None:
            return JSONResponse({"error": "NO_SUCH_SHOW"}, status_code=404)
        if time.time() * 1000 < show["sale_opens"]:
            return JSONResponse({"error": "SALE_NOT_OPEN"}, status_code=403)
        if show["seats_left"] <= -oversell:
            return JSONResponse({"error": "SOLD_OUT"}, status_code=410)
        show["seats_left"] -= 1
        number = next(numbers)
        orders[number] = {"number": number, "show": body.show, "seat": show["next_seat"],
                          "customer": body.customer, "paid_at": time.time()}
        show["next_seat"] += 1
        return {"order": orders[number]}

    @app.delete("/orders/{number}")
    async def refund(number: int, authorization: str | None = Header(None)) -> Any:
        if (d := denied(authorization)) is not None:
            return d
        o = orders.pop(number, None)
        if o is None:
            return JSONResponse({"error": "NO_SUCH_ORDER"}, status_code=404)
        shows[o["show"]]["seats_left"] += 1
        return Response(status_code=204)

    @app.get("/orders")
    async def all_orders(authorization: str | None = Header(None)) -> Any:
        if (d := denied(authorization)) is not None:
            return d
        return {"orders": list(orders.values())}

    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--oversell", type=int, default=0)
    a = ap.parse_args()
    uvicorn.run(create_app(a.oversell), host="127.0.0.1", port=a.port, log_level="warning")


if __name__ == "__main__":
    main()
