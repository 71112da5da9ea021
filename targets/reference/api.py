"""The booking API under ``/v1`` (contract: ``targets/README.md``).

Every booking operation — core or added by a policy — goes through :func:`perform`, which turns
an authenticated HTTP request into the simulator's ``Request(op, account, person, ip, args)``
and answers with ``BookingService.handle``'s code and body. ``POST /v1/ops/{op}`` serves any
op name, so a new policy op needs no route code; the named routes are conveniences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi import Request as HttpRequest
from starlette.responses import Response

from sim.domain.contract import OPS
from sim.policies.base import Request
from targets.reference.errors import ApiError, answer
from targets.reference.ledger import Hold
from targets.reference.service import Service
from targets.reference.wire import OP_NAME, bearer, client_ip, op_args, read_json, require_int

__all__ = ["build_router", "perform", "perform_core"]

_ARGS_DOC = {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "maxProperties": 16, "example": {"person": 110101, "session": "d1-am"},
    "description": "operation args (flat); identity comes from the token and client IP"}}}}}


def _hold_json(h: Hold) -> dict[str, Any]:
    return {"hold_id": h.hold_id, "session": h.session, "slot": h.slot, "state": h.state,
            "expires_at": h.expires_at, "person": h.person}


def perform_core(svc: Service, headers: Mapping[str, str], data: dict[str, Any], peer: str | None,
                 op: str, extra: dict[str, Any] | None = None) -> tuple[str, Request]:
    """Authenticate and validate one call; the simulator's Request for it (``headers`` with
    lower-case names, ``data`` the JSON body)."""
    if not OP_NAME.match(op):
        raise ApiError("bad_request", f"operation name must match {OP_NAME.pattern}")
    account = svc.account_of(bearer(headers))
    args = op_args({**data, **extra} if extra else data)
    claimed = headers.get("x-account")
    if claimed is not None and claimed != str(account):
        raise ApiError("forbidden", "X-Account does not match the token's account")
    key = headers.get("idempotency-key")
    if key is not None:
        args = op_args({**args, "key": key})
    person_arg = args.get("person", headers.get("x-person"))
    if isinstance(person_arg, str) and person_arg.isdigit():
        person_arg = int(person_arg)
    person = svc.accounts.person_for(account, person_arg)
    ip = client_ip(headers, peer, svc.settings.trusted_ip_header)
    args.update(account=account, person=person, ip=ip)
    return op, Request(op, account, person, ip, args)


async def perform(svc: Service, request: HttpRequest, op: str, extra: dict[str, Any] | None = None,
                  body: bool = True) -> Response:
    """Authenticate, validate, build the simulator's Request and answer it."""
    data = await read_json(request, svc.settings.max_body_bytes) if body else {}
    peer = request.client.host if request.client else None
    if svc.inline:
        _, req = perform_core(svc, request.headers, data, peer, op, extra)
    else:  # the person check reads the database: off the loop
        _, req = await svc.call(perform_core, svc, request.headers, data, peer, op, extra)
    reply = await svc.handle(req)
    return answer(reply.code, reply.body, reply.retry_after)


def build_router(svc: Service) -> APIRouter:
    """The ``/v1`` user routes."""
    r = APIRouter(prefix="/v1")

    @r.post("/ops/{op}", openapi_extra=_ARGS_DOC, summary="Perform any operation (core or policy)")
    async def op_route(request: HttpRequest, op: str = Path(max_length=32)) -> Response:
        return await perform(svc, request, op)

    @r.get("/ops", summary="Operations the loaded service answers")
    async def ops_list() -> dict[str, Any]:
        loaded = svc.runtime.loaded
        policy_ops = list(loaded.service.stack.ops) if loaded else []
        return {"code": "ok", "core": list(OPS), "policies": svc.runtime.policy_labels(), "policy_ops": policy_ops}

    @r.get("/sessions", summary="Released sessions with remaining counts (op list_sessions)")
    async def sessions(request: HttpRequest,
                       department: str | None = Query(None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"),
                       ) -> Response:
        return await perform(svc, request, "list_sessions", {"department": department} if department else {},
                             body=False)

    @r.post("/holds", openapi_extra=_ARGS_DOC, summary="Hold a slot (op hold; Idempotency-Key header)")
    async def hold(request: HttpRequest) -> Response:
        return await perform(svc, request, "hold")

    @r.post("/holds/{hold_id}/confirm", summary="Pay for a hold (op confirm)")
    async def confirm(request: HttpRequest, hold_id: int = Path(ge=1, le=2**62)) -> Response:
        return await perform(svc, request, "confirm", {"hold": hold_id})

    @r.post("/holds/{hold_id}/cancel", summary="Cancel a hold or booking (op cancel)")
    async def cancel(request: HttpRequest, hold_id: int = Path(ge=1, le=2**62)) -> Response:
        return await perform(svc, request, "cancel", {"hold": hold_id})

    @r.get("/holds/{hold_id}", summary="One of your own holds (404 for anyone else's)")
    async def get_hold(request: HttpRequest, hold_id: int = Path(ge=1, le=2**62)) -> Response:
        account = svc.account_of(bearer(request.headers))
        loaded = svc.runtime.loaded
        h = await svc.call(loaded.ledger.holds.get, hold_id) if loaded else None
        if h is None or h.account != account:
            raise ApiError("not_found", f"no hold {hold_id} of yours")
        return answer("ok", _hold_json(h))

    @r.get("/bookings", summary="All your own holds and bookings")
    async def bookings(request: HttpRequest) -> Response:
        account = svc.account_of(bearer(request.headers))
        loaded = svc.runtime.loaded
        holds = await svc.call(loaded.ledger.holds_of_account, account) if loaded else []
        return answer("ok", {"holds": [_hold_json(h) for h in holds]})

    @r.post("/accounts", summary="Register an account with its persons")
    async def register(request: HttpRequest) -> Response:
        data = await read_json(request, svc.settings.max_body_bytes)
        account = require_int(data.get("account"), "account", 1)
        password = data.get("password")
        if not isinstance(password, str) or not 8 <= len(password) <= 128:
            raise ApiError("invalid", "password must be a string of 8 to 128 characters")
        persons = data.get("persons")
        if not isinstance(persons, list) or not 1 <= len(persons) <= svc.settings.max_persons_per_account:
            raise ApiError("invalid", f"persons must be a list of 1 to {svc.settings.max_persons_per_account} ids")
        ids = [require_int(p, "persons[]", 1) for p in persons]
        return answer("ok", await svc.call(svc.accounts.register, account, password, ids))

    @r.post("/login", summary="Exchange account and password for a token")
    async def login(request: HttpRequest) -> Response:
        data = await read_json(request, svc.settings.max_body_bytes)
        account = require_int(data.get("account"), "account", 1)
        password = data.get("password")
        if not isinstance(password, str) or len(password) > 128:
            raise ApiError("invalid", "password must be a string of at most 128 characters")
        return answer("ok", await svc.call(svc.accounts.login, account, password))

    @r.post("/accounts/me/persons", summary="Register one more person on your account")
    async def add_person(request: HttpRequest) -> Response:
        account = svc.account_of(bearer(request.headers))
        data = await read_json(request, svc.settings.max_body_bytes)
        person = require_int(data.get("person"), "person", 1)
        return answer("ok", {"persons": await svc.call(svc.accounts.add_person, account, person)})

    return r
