"""Target adapters: how an agent's ``Call(op, args)`` becomes an HTTP request, and back.

The load driver and ``slotgrab calibrate`` never build URLs themselves: they ask a
:class:`TargetAdapter` for the :class:`HttpRequest` of a call and hand the HTTP answer back to
it to get the agent's :class:`~sim.agents.actions.Response` fields (a stable code, a body,
``Retry-After``). To point slotgrab at your own booking service, write one small class with
these methods and pass it by import path (``--adapter mypkg.mymod:MyAdapter``; built by
:func:`sim.drivers.adapter_loader.load_adapter`, which also reads mapping files)::

    from sim.drivers.adapter import Answer, HttpRequest, ReferenceAdapter

    class ShopAdapter(ReferenceAdapter):
        '''Our service names holds "reservations" and says sold out with 410.'''

        def request(self, op, args):
            if op == "hold":
                headers = {"Authorization": f"Bearer {self.tokens[str(args['account'])]}"}
                return HttpRequest("POST", "/api/reservations", headers,
                                   {"slot_group": args["session"], "patient": args["person"]}, op)
            return super().request(op, args)

        def answer(self, op, status, body, headers):
            if op == "hold" and status == 410:
                return Answer("sold_out", body)
            return super().answer(op, status, body, headers)

The reference adapter speaks the HTTP contract of ``targets/reference`` (see
``targets/README.md``); every target that implements that contract needs no adapter at all.
Besides the per-call mapping, an adapter installs the scenario on the target (``load``),
provisions the plan's accounts (``prepare``/``bind``) and exports the target's booking events
after the run (``export_events``); override what your service does differently.
An adapter must be importable in a Locust worker process and cheap: it runs per request.

Proof-of-work is the exception to "cheap": when the reference service (``pow_mode: altcha``)
attaches a real ALTCHA challenge to a ``kind: pow`` CAPTCHA, :class:`ReferenceAdapter` solves it
with the ``altcha`` library's own solver as the agent answers (the agent still waits its
modelled ``cost_s`` too), so the load generator pays the real CPU a bot farm would pay —
``pow_cost_s`` of CPU per solve at the service's ``pow_hashes_per_s``, blocking that Locust
worker meanwhile. Budget generator cores for it, or serve with ``pow_mode: claimed``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import altcha
import httpx

from sim.domain.contract import STATUS_OF
from sim.scenario.model import Scenario

__all__ = [
    "Answer",
    "HttpRequest",
    "ReferenceAdapter",
    "TargetAdapter",
    "TargetError",
    "answer_with_context",
    "begin_run",
    "code_of_status",
    "prepare_with_scenario",
    "solve_pow",
]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the agent gets from an HTTP answer: a stable code, a body, ``Retry-After`` seconds."""

    code: str
    body: dict[str, Any]
    retry_after: float | None = None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request: method, path (with query), headers, JSON body, and the stats ``name``.

    ``local``: an answer given without any HTTP call (an op the target does not have, e.g.
    ``confirm`` on a reserve-only API); drivers return it as is. ``context``: whatever the
    adapter wants back in :meth:`TargetAdapter.answer` (its ``request`` argument) — the call's
    args, the slot it picked — so answers need no side table keyed by greenlet."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    name: str = ""
    local: Answer | None = None
    context: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class TargetAdapter(Protocol):
    """Maps agent calls onto a target's HTTP API and its answers back onto response codes.

    ``load``, ``prepare`` and ``export_events`` run once per load run in the controlling process
    (with an ``httpx.Client`` on the target's base URL); ``bind``, ``request`` and ``answer`` run
    in every Locust worker, ``request``/``answer`` once per call. Optional, called when present:
    ``begin(scenario, t0_wall, replication)`` in every worker when T0 is known, ``prepare(...,
    scenario=)`` and ``answer(..., request=)`` (the :class:`HttpRequest` it answers). The call
    order, process by process: ``docs/adapters.md``.
    """

    def load(
        self,
        client: httpx.Client,
        admin_token: str | None,
        scenario: Scenario,
        t0_wall: float,
        replication: int,
    ) -> None:
        """Install the scenario's supply and policies on the target, with T0 at ``t0_wall``
        (Unix seconds). A target that cannot be configured does nothing."""
        ...

    def prepare(
        self, client: httpx.Client, admin_token: str | None, accounts: dict[int, list[int]]
    ) -> dict[str, Any]:
        """Provision the plan's accounts (account → its persons); return what workers need to
        act as them (e.g. tokens), as a msgpack/JSON-safe dict handed to :meth:`bind`."""
        ...

    def bind(self, state: dict[str, Any]) -> None:
        """Take the state :meth:`prepare` returned (in each worker, before any request)."""
        ...

    def warmup_request(self) -> HttpRequest | None:
        """A cheap request each Locust user sends once before T0 to open its connection (so no
        connection set-up competes with the release second); None: no warm-up."""
        ...

    def request(self, op: str, args: dict[str, Any]) -> HttpRequest:
        """The HTTP request that performs ``op`` with ``args`` (args carry account/person/ip)."""
        ...

    def answer(self, op: str, status: int, body: dict[str, Any], headers: dict[str, str]) -> Answer:
        """The agent-visible answer to an HTTP response (``status`` 0 = no response at all;
        header names are lower case)."""
        ...

    def export_events(self, client: httpx.Client, admin_token: str | None) -> list[dict[str, Any]]:
        """The target's booking events (``EventLog`` rows as dicts), its truth after the run."""
        ...


# The most specific code for each HTTP status, for targets that send no ``code`` field.
_CODE_OF_STATUS: dict[int, str] = {}
for _code, _status in STATUS_OF.items():
    _CODE_OF_STATUS.setdefault(_status, _code)


def code_of_status(status: int) -> str:
    """A stable code for a bare HTTP status (2xx → ok, unknown 5xx → overloaded)."""
    if 200 <= status < 300 and status != 202:
        return "ok"
    if status in _CODE_OF_STATUS:
        return _CODE_OF_STATUS[status]
    if status == 0:
        return "network_error"
    return "overloaded" if status >= 500 else "bad_request"


class ReferenceAdapter:
    """The HTTP contract v1 of the reference service (``targets/README.md``).

    Every call goes to the canonical route ``POST /v1/ops/{op}`` with the account's bearer token,
    the agent's IP in ``X-Client-IP`` (the server must trust that header) and the other args as
    the JSON body; answers carry their stable ``code`` in the body. Accounts are provisioned in
    bulk by the admin (``POST /v1/admin/accounts``), the truth is ``GET /v1/admin/bookings``.
    """

    ip_header = "X-Client-IP"
    _BULK = 20_000  # accounts per provisioning call (the contract's limit)

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.pow_challenges: dict[Any, dict[str, Any]] = {}  # challenge_id → ALTCHA challenge

    @staticmethod
    def _admin(admin_token: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {admin_token}"} if admin_token else {}

    def load(
        self,
        client: httpx.Client,
        admin_token: str | None,
        scenario: Scenario,
        t0_wall: float,
        replication: int,
    ) -> None:
        """``POST /v1/admin/load`` with the resolved scenario and T0."""
        body = {
            "scenario": scenario.model_dump(mode="json", by_alias=True),
            "t0": t0_wall,
            "replication": replication,
        }
        _expect_ok(
            client.post("/v1/admin/load", json=body, headers=self._admin(admin_token)),
            "load the scenario",
        )

    def prepare(
        self, client: httpx.Client, admin_token: str | None, accounts: dict[int, list[int]]
    ) -> dict[str, Any]:
        """Bulk-provision the accounts; the state is ``{"tokens": {account: token}}``."""
        items = [{"account": a, "persons": sorted(set(p))} for a, p in sorted(accounts.items())]
        tokens: dict[str, str] = {}
        for i in range(0, len(items), self._BULK):
            r = client.post(
                "/v1/admin/accounts",
                json={"accounts": items[i : i + self._BULK]},
                headers=self._admin(admin_token),
            )
            tokens.update(_expect_ok(r, "provision accounts").get("tokens", {}))
        return {"tokens": tokens}

    def bind(self, state: dict[str, Any]) -> None:
        """Keep the tokens."""
        self.tokens = {str(k): str(v) for k, v in state.get("tokens", {}).items()}

    def warmup_request(self) -> HttpRequest | None:
        """``GET /v1/health``."""
        return HttpRequest("GET", "/v1/health", {}, None, "warmup")

    def request(self, op: str, args: dict[str, Any]) -> HttpRequest:
        """``POST /v1/ops/{op}`` as the call's account, from the call's IP."""
        headers = {"X-Client-IP": str(args.get("ip", ""))}
        token = self.tokens.get(str(args.get("account")))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if args.get("key") is not None:
            headers["Idempotency-Key"] = str(args["key"])
        payload = {k: v for k, v in args.items() if k not in ("account", "ip")}
        answer = args.get("captcha")
        if isinstance(answer, dict) and answer.get("id") in self.pow_challenges:
            challenge = self.pow_challenges.pop(answer["id"])
            payload["altcha"] = solve_pow(challenge, answer.get("correct") is True)
        return HttpRequest("POST", f"/v1/ops/{op}", headers, payload, op)

    def answer(
        self, op: str, status: int, body: dict[str, Any], headers: dict[str, str],
        request: HttpRequest | None = None,
    ) -> Answer:
        """The body's ``code`` if it is a known one, else the code of the HTTP status."""
        code = body.get("code")
        if not isinstance(code, str) or code not in STATUS_OF:
            code = code_of_status(status)
        challenge = body.get("altcha")
        if isinstance(challenge, dict) and body.get("challenge_id") is not None:
            self.pow_challenges[body["challenge_id"]] = challenge
        retry = body.get("retry_after", headers.get("retry-after"))
        try:
            retry_after = float(retry) if retry is not None else None
        except (TypeError, ValueError):
            retry_after = None
        return Answer(code, body, retry_after)

    def export_events(self, client: httpx.Client, admin_token: str | None) -> list[dict[str, Any]]:
        """``GET /v1/admin/bookings`` → its ``events``."""
        r = client.get("/v1/admin/bookings", headers=self._admin(admin_token))
        events = _expect_ok(r, "export the bookings").get("events", [])
        return list(events)


def solve_pow(challenge: dict[str, Any], correct: bool = True) -> str:
    """The base64 ALTCHA payload answering ``challenge`` (its JSON form): solved for real with
    the ``altcha`` solver (CPU bound), or — ``correct=False``, an agent that got it wrong — a
    wrong solution at no cost."""
    ch = altcha.Challenge.from_dict(challenge)
    solution = altcha.solve_challenge(ch) if correct else None
    if solution is None:  # a wrong answer (or the solver's 90 s timeout)
        solution = altcha.Solution(counter=0, derived_key="00" * ch.parameters.key_length)
    return altcha.Payload(ch, solution).to_base64()


def _expect_ok(r: httpx.Response, what: str) -> dict[str, Any]:
    """The JSON body of a 2xx answer; :class:`TargetError` naming the step otherwise."""
    try:
        body = r.json()
    except ValueError:
        body = {}
    if not 200 <= r.status_code < 300:
        detail = body.get("message") or body.get("code") or r.text[:200]
        raise TargetError(
            f"{r.request.method} {r.request.url.path}: could not {what}: "
            f"HTTP {r.status_code} {detail}"
        )
    return body if isinstance(body, dict) else {}


class TargetError(RuntimeError):
    """The target refused a setup or export step (wrong admin token, no such route, …)."""


def _takes(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def answer_with_context(
    adapter: TargetAdapter, op: str, req: HttpRequest, status: int, body: dict[str, Any],
    headers: dict[str, str],
) -> Answer:
    """``adapter.answer`` for ``req`` — with ``request=req`` if the adapter takes it (adapters
    written before the hook existed take four arguments)."""
    if req.local is not None:
        return req.local
    if _takes(adapter.answer, "request"):
        return adapter.answer(op, status, body, headers, request=req)  # type: ignore[call-arg]
    return adapter.answer(op, status, body, headers)


def prepare_with_scenario(
    adapter: TargetAdapter, client: httpx.Client, admin_token: str | None,
    accounts: dict[int, list[int]], scenario: Scenario | None,
) -> dict[str, Any]:
    """``adapter.prepare``, with ``scenario=`` if the adapter takes it."""
    if scenario is not None and _takes(adapter.prepare, "scenario"):
        return adapter.prepare(client, admin_token, accounts, scenario=scenario)  # type: ignore[call-arg]
    return adapter.prepare(client, admin_token, accounts)


def begin_run(adapter: TargetAdapter, scenario: Scenario, t0_wall: float, replication: int) -> None:
    """Tell a worker's adapter T0 and the scenario (its optional ``begin`` hook)."""
    begin = getattr(adapter, "begin", None)
    if callable(begin):
        begin(scenario, t0_wall, replication)
