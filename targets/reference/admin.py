"""Admin routes (``Authorization: Bearer <admin token>``): load, reset, exports, provisioning.

``GET /v1/admin/bookings`` exports the ledger's events in the ``bookings`` records schema
(``sim.records.EventLog``), so the simulator's invariant checker and metrics run on a load
run's real outcome unchanged.
"""

from __future__ import annotations

import math
import time
from typing import Any

from fastapi import APIRouter
from fastapi import Request as HttpRequest
from starlette.responses import Response

from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.model import PolicySpec, Scenario
from targets.reference.auth import AuthError, check_admin
from targets.reference.bodies import LoadBody, ProvisionBody, ResetBody, body_doc, parse_body
from targets.reference.errors import ApiError, answer
from targets.reference.openapi_doc import ADMIN, responses
from targets.reference.service import Service

__all__ = ["build_admin_router", "scenario_from"]


def _nonfinite(node: Any, path: str = "scenario") -> str | None:
    """The path of the first NaN or infinite number in a scenario's dump, or None."""
    if isinstance(node, float) and not math.isfinite(node):
        return path
    if isinstance(node, dict):
        return next((p for k, v in node.items() if (p := _nonfinite(v, f"{path}.{k}"))), None)
    if isinstance(node, list | tuple):
        return next((p for i, v in enumerate(node) if (p := _nonfinite(v, f"{path}[{i}]"))), None)
    return None


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
    where = _nonfinite(sc.model_dump(mode="python"))
    if where is not None:  # a NaN offset or T0 poisons every later answer
        raise ApiError("invalid", f"{where}: numbers must be finite")
    return sc


def build_admin_router(svc: Service) -> APIRouter:
    """The ``/v1/admin`` routes and ``/v1/health``."""
    r = APIRouter(prefix="/v1")

    def admin(request: HttpRequest) -> None:
        try:
            check_admin(request.headers.get("authorization"), svc.settings.admin_token)
        except AuthError as exc:
            raise ApiError("unauthorized", str(exc)) from None

    @r.get("/health", summary="Liveness and what is loaded", responses=responses((200,)))
    async def health() -> Response:
        loaded = svc.runtime.loaded
        return answer("ok", {
            "loaded": loaded is not None, "scenario": loaded.scenario.name if loaded else None,
            "policies": svc.runtime.policy_labels(), "t0": loaded.t0 if loaded else None,
            "now": time.time() - loaded.t0 if loaded else None,
            "generation": loaded.generation if loaded else 0, "db": svc.db.dialect,
            "workers": svc.settings.workers})

    @r.post("/admin/load", summary="Load a scenario's supply and policy stack (wipes bookings)",
            openapi_extra=body_doc(LoadBody), responses=responses(ADMIN))
    async def load(request: HttpRequest) -> Response:
        admin(request)
        body = parse_body(LoadBody, await request.body())
        sc = scenario_from(body.scenario, body.policies)
        t0 = body.t0 if body.t0 is not None else time.time() + body.t0_in_s
        try:
            loaded = await svc.call(svc.runtime.load, sc, t0, body.replication)
        except ValueError as exc:  # the supply does not build: nothing was changed
            raise ApiError("invalid", f"scenario does not load: {str(exc)[:200]}") from None
        return answer("ok", {"generation": loaded.generation, "t0": loaded.t0, "scenario": sc.name,
                             "sessions": sum(len(d.sessions) for d in sc.supply.departments),
                             "capacity": sc.capacity, "policies": svc.runtime.policy_labels()})

    @r.post("/admin/reset", summary="Unload; wipe bookings, policy state, audit (and accounts)",
            openapi_extra=body_doc(ResetBody, required=False), responses=responses(ADMIN))
    async def reset(request: HttpRequest) -> Response:
        admin(request)
        body = parse_body(ResetBody, await request.body())
        await svc.call(svc.runtime.reset, body.accounts)
        svc.accounts.forget()
        return answer("ok")

    @r.post("/admin/accounts", summary="Provision accounts and persons in bulk; tokens for each",
            openapi_extra=body_doc(ProvisionBody), responses=responses(ADMIN))
    async def provision(request: HttpRequest) -> Response:
        admin(request)
        body = parse_body(ProvisionBody, await request.body())
        batch = [(item.account, list(item.persons)) for item in body.accounts]
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
        events = [dict(zip(cols, row, strict=True)) for row in rows]
        for e in events:
            e["ip"] = int(e["ip"])  # stored as text: IPv6 does not fit a BIGINT
        return {"now": now, "events": events}

    @r.get("/admin/bookings", summary="Booking events (sim.records bookings schema), due by now",
           responses=responses((200, 401)))
    async def bookings(request: HttpRequest) -> Response:
        admin(request)
        return answer("ok", await svc.call(_export, "bookings"))

    @r.get("/admin/audit", summary="Every answered operation: t, op, code, account, person, ip",
           responses=responses((200, 401)))
    async def audit(request: HttpRequest) -> Response:
        admin(request)
        return answer("ok", await svc.call(_export, "audit"))

    return r
