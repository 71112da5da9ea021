"""A deliberately racy booking service with the reference contract (see README.md).

Check-then-act on purpose: ``hold`` reads the free count, yields, then takes a slot. Shares the
reference service's wire helpers (tokens, validation, error format) so only booking differs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi import Request as HttpRequest
from starlette.responses import Response

from sim.scenario.model import Scenario
from targets.reference.admin import scenario_from
from targets.reference.auth import AuthError, TokenSigner, check_admin
from targets.reference.bodylimit import BodyLimit
from targets.reference.errors import ApiError, answer, install_error_handlers
from targets.reference.settings import Settings
from targets.reference.wire import bearer, client_ip, op_args, read_json, require_int

__all__ = ["app_from_env", "create_app"]

RACE_WINDOW_S = 0.002  # the "slow read" between check and act


@dataclass
class _State:
    t0: float = 0.0
    scenario: Scenario | None = None
    ttl: float = 900.0
    remaining: dict[str, int] = field(default_factory=dict)
    next_slot: dict[str, int] = field(default_factory=dict)
    opens_at: dict[str, float] = field(default_factory=dict)
    department: dict[str, str] = field(default_factory=dict)
    holds: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    persons: dict[int, list[int]] = field(default_factory=dict)

    def log(self, t: float, event: str, session: str, slot: int, hid: int, person: int, account: int) -> None:
        self.events.append({"t": t, "event": event, "session": session, "slot": slot, "hold_id": hid,
                            "person": person, "account": account, "count": 1})

    def load(self, sc: Scenario, t0: float) -> None:
        self.__init__(persons=self.persons)  # type: ignore[misc]
        self.scenario, self.t0, self.ttl = sc, t0, sc.release.hold_ttl_s
        for d in sc.supply.departments:
            for s in d.sessions:
                self.remaining[s.id], self.next_slot[s.id] = s.capacity, 0
                self.opens_at[s.id] = sc.release.at_s + d.release_offset_s + s.release_offset_s
                self.department[s.id] = d.id
                self.events.append({"t": self.opens_at[s.id], "event": "release", "session": s.id, "slot": -1,
                                    "hold_id": 0, "person": -1, "account": -1, "count": s.capacity})


class _Naive:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = TokenSigner(settings.token_secret, settings.token_ttl_s)
        self.st = _State()

    def now(self) -> float:
        return time.time() - self.st.t0

    async def op(self, op: str, account: int, person: int, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        st, now = self.st, self.now()
        if op == "list_sessions":
            dept = args.get("department")
            ids = [s for s in st.remaining if dept is None or st.department[s] == dept]
            return "ok", {"sessions": [{"id": s, "remaining": st.remaining[s] if now >= st.opens_at[s] else 0,
                                        "opens_at": st.opens_at[s]} for s in ids]}
        if op == "hold":
            sid = str(args.get("session"))
            if sid not in st.remaining:
                return "not_found", {}
            if now < st.opens_at[sid]:
                return "not_released", {}
            left = st.remaining[sid]  # check …
            if left <= 0:
                return "sold_out", {}
            await asyncio.sleep(RACE_WINDOW_S)  # … (something slow) …
            st.remaining[sid] = left - 1  # … then act on the stale read
            slot = st.next_slot[sid]
            st.next_slot[sid] += 1
            hid = len(st.holds) + 1
            st.holds[hid] = {"hold_id": hid, "session": sid, "slot": slot, "state": "held",
                             "expires_at": now + st.ttl, "person": person, "account": account}
            st.log(now, "hold", sid, slot, hid, person, account)
            return "ok", _public(st.holds[hid])
        if op in ("confirm", "cancel"):
            wanted = args.get("hold")
            h = st.holds.get(wanted) if isinstance(wanted, int) else None
            if h is None or h["account"] != account:
                return "not_found", {}
            if op == "confirm" and h["state"] == "held":
                h["state"] = "confirmed"
                st.log(now, "confirm", h["session"], h["slot"], h["hold_id"], h["person"], account)
            elif op == "cancel" and h["state"] in ("held", "confirmed"):
                h["state"] = "cancelled"
                st.remaining[h["session"]] += 1
                st.log(now, "cancel", h["session"], h["slot"], h["hold_id"], h["person"], account)
            return "ok", _public(h)
        return "bad_request", {"error": f"unknown operation {op!r}"}


def _public(h: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in h.items() if k != "account"}


def create_app(settings: Settings) -> FastAPI:
    """The naive service's app."""
    svc = _Naive(settings)
    if settings.scenario:
        svc.st.load(scenario_from(settings.scenario), time.time() + settings.t0_in_s)
    app = FastAPI(title="slotgrab naive booking service (racy on purpose)", version="1")
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, admin_token=settings.admin_token)  # racy, not fragile

    def admin(request: HttpRequest) -> None:
        try:
            check_admin(request.headers.get("authorization"), settings.admin_token)
        except AuthError as exc:
            raise ApiError("unauthorized", str(exc)) from None

    async def perform(request: HttpRequest, op: str, extra: dict[str, Any]) -> Response:
        try:
            account = svc.signer.verify(bearer(request.headers), time.time())
        except AuthError as exc:
            raise ApiError("unauthorized", str(exc)) from None
        args = op_args({**(await read_json(request, settings.max_body_bytes)), **extra})
        persons = svc.st.persons.get(account, [])
        person = args.get("person", persons[0] if persons else None)
        if person not in persons:
            raise ApiError("forbidden", "person is not registered on this account")
        if svc.st.scenario is None:
            raise ApiError("overloaded", "no scenario is loaded")
        code, body = await svc.op(op, account, int(person), args)
        svc.st.audit.append({"t": svc.now(), "op": op, "code": code, "account": account, "person": person,
                             "ip": client_ip(request.headers, request.client.host if request.client else None,
                                              settings.trusted_ip_header)})
        return answer(code, body)

    @app.post("/v1/ops/{op}")
    async def any_op(request: HttpRequest, op: str) -> Response:
        return await perform(request, op, {})

    @app.get("/v1/sessions")
    async def sessions(request: HttpRequest, department: str | None = None) -> Response:
        return await perform(request, "list_sessions", {"department": department} if department else {})

    @app.post("/v1/holds")
    async def hold(request: HttpRequest) -> Response:
        return await perform(request, "hold", {})

    @app.post("/v1/holds/{hold_id}/{action}")
    async def act(request: HttpRequest, hold_id: int, action: str) -> Response:
        if action not in ("confirm", "cancel"):
            raise ApiError("not_found", f"no action {action!r}")
        return await perform(request, action, {"hold": hold_id})

    @app.get("/v1/health")
    async def health() -> Response:
        sc = svc.st.scenario
        return answer("ok", {"loaded": sc is not None, "scenario": sc.name if sc else None, "policies": [],
                             "t0": svc.st.t0 if sc else None, "db": "memory", "workers": 1})

    @app.post("/v1/admin/load")
    async def load(request: HttpRequest) -> Response:
        admin(request)
        data = await read_json(request, 4 * 1024 * 1024)
        sc = scenario_from(data.get("scenario"))
        t0 = data.get("t0") or time.time() + float(data.get("t0_in_s", 10.0))
        svc.st.load(sc, float(t0))
        return answer("ok", {"t0": svc.st.t0, "scenario": sc.name, "capacity": sc.capacity, "policies": []})

    @app.post("/v1/admin/reset")
    async def reset(request: HttpRequest) -> Response:
        admin(request)
        svc.st = _State(persons=svc.st.persons)
        return answer("ok")

    @app.post("/v1/admin/accounts")
    async def provision(request: HttpRequest) -> Response:
        admin(request)
        data = await read_json(request, 4 * 1024 * 1024)
        tokens, exp = {}, 0
        for item in data.get("accounts") or []:
            a = require_int(item.get("account"), "account", 1)
            svc.st.persons[a] = [require_int(p, "persons[]", 1) for p in item.get("persons", [])]
            tokens[str(a)], exp = svc.signer.issue(a, time.time())
        return answer("ok", {"tokens": tokens, "expires_at_epoch": exp})

    @app.get("/v1/admin/bookings")
    async def bookings(request: HttpRequest) -> Response:
        admin(request)
        now = svc.now()
        return answer("ok", {"now": now, "events": sorted((e for e in svc.st.events if e["t"] <= now),
                                                           key=lambda e: e["t"])})

    @app.get("/v1/admin/audit")
    async def audit(request: HttpRequest) -> Response:
        admin(request)
        return answer("ok", {"events": svc.st.audit})

    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: settings from ``SLOTGRAB_SETTINGS``."""
    return create_app(Settings.from_env())
