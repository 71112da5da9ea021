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
from sim.domain.port import hold_body
from sim.policies.base import Request
from targets.reference.bodies import (
    ID_MAX,
    AddPersonBody,
    HoldArgs,
    LoginBody,
    OpArgs,
    args_model,
    body_doc,
    parse_body,
    parse_object,
    register_body,
    validate,
)
from targets.reference.direct import UNRESOLVED
from targets.reference.errors import ApiError, answer
from targets.reference.openapi_doc import ACCOUNT, ANY_OP, responses
from targets.reference.service import Service
from targets.reference.wire import OP_NAME, bearer, client_ip

__all__ = ["build_router", "perform", "perform_core"]

_HOLD_ID = Path(ge=1, le=ID_MAX)


def _raw_args(headers: Mapping[str, str], data: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """The body's args with those of the path/query and headers (Idempotency-Key, X-Person)."""
    args = {**data, **extra} if extra else dict(data)
    key = headers.get("idempotency-key")
    if key is not None:
        args["key"] = key
    if "person" not in args and "x-person" in headers:
        args["person"] = headers["x-person"]
    return args


def perform_core(svc: Service, headers: Mapping[str, str], data: dict[str, Any], peer: str | None,
                 op: str, extra: dict[str, Any] | None = None, resolve_person: bool = True) -> tuple[str, Request]:
    """Authenticate and validate one call; the simulator's Request for it (``headers`` with
    lower-case names, ``data`` the JSON body). The args are validated here, once, against the
    op's declared model (:mod:`targets.reference.bodies`): the booking core gets only ints
    for ids and short ids for sessions. ``resolve_person=False`` leaves the person check to
    the database (``person == UNRESOLVED``, the requested one in ``args``): no read here, so
    it may run on the event loop (:mod:`targets.reference.direct`)."""
    if not OP_NAME.match(op):
        raise ApiError("bad_request", f"operation name must match {OP_NAME.pattern}")
    account = svc.account_of(bearer(headers))
    if op not in OPS and not svc.offers(op):
        raise ApiError("not_found", f"operation {op!r} is not offered: core {list(OPS)} and those "
                                    "of the loaded policies (GET /v1/ops)")
    claimed = headers.get("x-account")
    if claimed is not None and claimed != str(account):
        raise ApiError("forbidden", "X-Account does not match the token's account")
    args = validate(args_model(op), _raw_args(headers, data, extra)).model_dump(exclude_none=True)
    ip = client_ip(headers, peer, svc.settings.trusted_ip_header)
    args.update(account=account, ip=ip)
    if not resolve_person:
        return op, Request(op, account, UNRESOLVED, ip, args)
    person = svc.accounts.person_for(account, args.get("person"))
    args["person"] = person
    return op, Request(op, account, person, ip, args)


async def perform(svc: Service, request: HttpRequest, op: str, extra: dict[str, Any] | None = None,
                  body: bool = True) -> Response:
    """Authenticate, validate, build the simulator's Request and answer it."""
    data = parse_object(await request.body()) if body else {}
    peer = request.client.host if request.client else None
    if svc.inline:
        _, req = perform_core(svc, request.headers, data, peer, op, extra)
    elif svc.direct_ready(op):  # PostgreSQL checks the person in the op's one round trip
        _, req = perform_core(svc, request.headers, data, peer, op, extra, resolve_person=False)
    else:  # the person check reads the database: off the loop
        _, req = await svc.call(perform_core, svc, request.headers, data, peer, op, extra)
    reply = await svc.handle(req)
    return answer(reply.code, reply.body, reply.retry_after)


def build_router(svc: Service) -> APIRouter:
    """The ``/v1`` user routes. The booking routes are answered by :mod:`fastpath
    <targets.reference.fastpath>` in front of FastAPI with the same :func:`perform_core`; their
    declarations here document them."""
    r = APIRouter(prefix="/v1")
    op_doc = responses(ANY_OP)
    register_model = register_body(svc.settings.max_persons_per_account)

    @r.post("/ops/{op}", openapi_extra=body_doc(OpArgs, required=False), responses=op_doc,
            summary="Perform any operation (core or policy)")
    async def op_route(request: HttpRequest, op: str = Path(max_length=32, pattern=OP_NAME.pattern)) -> Response:
        return await perform(svc, request, op)

    @r.get("/ops", summary="Operations the loaded service answers", responses=responses((200,)))
    async def ops_list() -> dict[str, Any]:
        loaded = svc.runtime.loaded
        policy_ops = list(loaded.service.stack.ops) if loaded else []
        return {"code": "ok", "core": list(OPS), "policies": svc.runtime.policy_labels(), "policy_ops": policy_ops}

    @r.get("/sessions", summary="Released sessions with remaining counts (op list_sessions)", responses=op_doc)
    async def sessions(request: HttpRequest,
                       department: str | None = Query(None, min_length=1, max_length=64,
                                                      pattern=r"^[A-Za-z0-9_.:-]+$"),
                       ) -> Response:
        return await perform(svc, request, "list_sessions", {"department": department} if department else {},
                             body=False)

    @r.post("/holds", openapi_extra=body_doc(HoldArgs), responses=op_doc,
            summary="Hold a slot (op hold; Idempotency-Key header)")
    async def hold(request: HttpRequest) -> Response:
        return await perform(svc, request, "hold")

    more_args = body_doc(OpArgs, required=False)  # e.g. a CAPTCHA answer, when a policy guards the op

    @r.post("/holds/{hold_id}/confirm", summary="Pay for a hold (op confirm)", responses=op_doc,
            openapi_extra=more_args)
    async def confirm(request: HttpRequest, hold_id: int = _HOLD_ID) -> Response:
        return await perform(svc, request, "confirm", {"hold": hold_id})

    @r.post("/holds/{hold_id}/cancel", summary="Cancel a hold or booking (op cancel)", responses=op_doc,
            openapi_extra=more_args)
    async def cancel(request: HttpRequest, hold_id: int = _HOLD_ID) -> Response:
        return await perform(svc, request, "cancel", {"hold": hold_id})

    @r.get("/holds/{hold_id}", summary="One of your own holds (404 for anyone else's)",
           responses=responses((200, 401, 404, 422)))
    async def get_hold(request: HttpRequest, hold_id: int = _HOLD_ID) -> Response:
        account = svc.account_of(bearer(request.headers))
        loaded = svc.runtime.loaded
        h = await svc.call(loaded.ledger.holds.get, hold_id) if loaded else None
        if h is None or h.account != account:
            raise ApiError("not_found", f"no hold {hold_id} of yours")
        return answer("ok", hold_body(h))

    @r.get("/bookings", summary="All your own holds and bookings", responses=responses((200, 401)))
    async def bookings(request: HttpRequest) -> Response:
        account = svc.account_of(bearer(request.headers))
        loaded = svc.runtime.loaded
        holds = await svc.call(loaded.ledger.holds_of_account, account) if loaded else []
        return answer("ok", {"holds": [hold_body(h) for h in holds]})

    @r.post("/accounts", summary="Register an account with its persons", openapi_extra=body_doc(register_model),
            responses=responses(ACCOUNT))
    async def register(request: HttpRequest) -> Response:
        b = parse_body(register_model, await request.body())
        return answer("ok", await svc.call(svc.accounts.register, b.account, b.password, b.persons))  # type: ignore[attr-defined]

    @r.post("/login", summary="Exchange account and password for a token", openapi_extra=body_doc(LoginBody),
            responses=responses(ACCOUNT))
    async def login(request: HttpRequest) -> Response:
        b = parse_body(LoginBody, await request.body())
        return answer("ok", await svc.call(svc.accounts.login, b.account, b.password))

    @r.post("/accounts/me/persons", summary="Register one more person on your account",
            openapi_extra=body_doc(AddPersonBody), responses=responses(ACCOUNT))
    async def add_person(request: HttpRequest) -> Response:
        account = svc.account_of(bearer(request.headers))
        b = parse_body(AddPersonBody, await request.body())
        return answer("ok", {"persons": await svc.call(svc.accounts.add_person, account, b.person)})

    return r
