"""Admin routes (``Authorization: Bearer <admin token>``): load, reset, exports, provisioning.

``GET /v1/admin/bookings`` exports the ledger's events in the ``bookings`` records schema
(``sim.records.EventLog``), so the simulator's invariant checker and metrics run on a load
run's real outcome unchanged.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi import Request as HttpRequest
from starlette.responses import Response

from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.model import PolicySpec, Scenario
from targets.reference.auth import AuthError, check_admin
from targets.reference.errors import ApiError, answer
from targets.reference.service import Service
from targets.reference.wire import read_json, require_int

__all__ = ["build_admin_router", "scenario_from"]

_MAX_PROVISION = 20_000
_ADMIN_BODY = 4 * 1024 * 1024  # a scenario or a provisioning batch


def scenario_from(value: Any, policies: Any = None) -> Scenario:
    """A scenario from a JSON object, a bundled name or a path; optionally another policy stack."""
    try:
        if isinstance(value, dict):
            sc = Scenario.model_validate(value)
        elif isinstance(value, str) and value:
            sc = load_scenario(value)
        else:
            raise ApiError("invalid", "scenario must be a scenario object, a bundled name or a path")
        if policies:
            if not isinstance(policies, list):
                raise ApiError("invalid", "policies must be a list of names or {name, params}")
            specs = tuple(PolicySpec(name=p) if isinstance(p, str) else PolicySpec.model_validate(p)
                          for p in policies)
            sc = Scenario.model_validate({**sc.model_dump(mode="python", by_alias=True), "policies": specs})
    except ScenarioError as exc:
        raise ApiError("invalid", str(exc)) from None
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        raise ApiError("invalid", str(exc).splitlines()[0] + ": " + " ".join(str(exc).splitlines()[1:3])) from None
    return sc


def build_admin_router(svc: Service) -> APIRouter:
    """The ``/v1/admin`` routes and ``/v1/health``."""
    r = APIRouter(prefix="/v1")

    def admin(request: HttpRequest) -> None:
        try:
            check_admin(request.headers.get("authorization"), svc.settings.admin_token)
        except AuthError as exc:
            raise ApiError("unauthorized", str(exc)) from None

    @r.get("/health", summary="Liveness and what is loaded")
    async def health() -> Response:
        loaded = svc.runtime.loaded
        return answer("ok", {
            "loaded": loaded is not None, "scenario": loaded.scenario.name if loaded else None,
            "policies": svc.runtime.policy_labels(), "t0": loaded.t0 if loaded else None,
            "now": time.time() - loaded.t0 if loaded else None,
            "generation": loaded.generation if loaded else 0, "db": svc.db.dialect,
            "workers": svc.settings.workers})

    @r.post("/admin/load", summary="Load a scenario's supply and policy stack (wipes bookings)")
    async def load(request: HttpRequest) -> Response:
        admin(request)
        data = await read_json(request, _ADMIN_BODY)
        sc = scenario_from(data.get("scenario"), data.get("policies"))
        replication = require_int(data.get("replication", 0), "replication", 0, 10_000)
        t0 = data.get("t0")
        if t0 is None:
            delay = data.get("t0_in_s", 10.0)
            if isinstance(delay, bool) or not isinstance(delay, int | float) or not -1e6 < delay < 1e6:
                raise ApiError("invalid", "t0_in_s must be a number of seconds")
            t0 = time.time() + float(delay)
        elif isinstance(t0, bool) or not isinstance(t0, int | float):
            raise ApiError("invalid", "t0 must be epoch seconds")
        loaded = await svc.call(svc.runtime.load, sc, float(t0), replication)
        return answer("ok", {"generation": loaded.generation, "t0": loaded.t0, "scenario": sc.name,
                             "sessions": sum(len(d.sessions) for d in sc.supply.departments),
                             "capacity": sc.capacity, "policies": svc.runtime.policy_labels()})

    @r.post("/admin/reset", summary="Unload; wipe bookings, policy state, audit (and accounts)")
    async def reset(request: HttpRequest) -> Response:
        admin(request)
        data = await read_json(request, svc.settings.max_body_bytes)
        accounts = data.get("accounts", False)
        if not isinstance(accounts, bool):
            raise ApiError("invalid", "accounts must be true or false")
        await svc.call(svc.runtime.reset, accounts)
        svc.accounts.forget()
        return answer("ok")

    @r.post("/admin/accounts", summary="Provision accounts and persons in bulk; tokens for each")
    async def provision(request: HttpRequest) -> Response:
        admin(request)
        data = await read_json(request, _ADMIN_BODY)
        items = data.get("accounts")
        if not isinstance(items, list) or not 1 <= len(items) <= _MAX_PROVISION:
            raise ApiError("invalid", f"accounts must be a list of 1 to {_MAX_PROVISION} objects")
        batch: list[tuple[int, list[int]]] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("persons"), list):
                raise ApiError("invalid", "each account is {account: int, persons: [int, …]}")
            persons = [require_int(p, "persons[]", 1) for p in item["persons"][:1000]]
            batch.append((require_int(item.get("account"), "account", 1), persons))
        return answer("ok", await svc.call(svc.accounts.provision, batch))

    def _export(kind: str) -> dict[str, Any]:
        loaded = svc.runtime.loaded
        now = time.time() - loaded.t0 if loaded else 0.0
        if kind == "bookings":
            if loaded is None:
                return {"now": now, "events": []}
            with svc.db.transaction():
                loaded.ledger.advance(now)
            return {"now": now, "events": loaded.ledger.events.rows(now)}
        cols = ("t", "op", "code", "account", "person", "ip")
        rows = svc.db.all(f"SELECT {', '.join(cols)} FROM audit ORDER BY id")
        return {"now": now, "events": [dict(zip(cols, row, strict=True)) for row in rows]}

    @r.get("/admin/bookings", summary="Booking events (sim.records bookings schema), due by now")
    async def bookings(request: HttpRequest) -> Response:
        admin(request)
        return answer("ok", await svc.call(_export, "bookings"))

    @r.get("/admin/audit", summary="Every answered operation: t, op, code, account, person, ip")
    async def audit(request: HttpRequest) -> Response:
        admin(request)
        return answer("ok", await svc.call(_export, "audit"))

    return r
