"""The declarative adapter: a :class:`~sim.drivers.mapping_model.Mapping` file driving a target.

It implements :class:`~sim.drivers.adapter.TargetAdapter` from the file alone — requests from
templates, answers read with JMESPath, codes from the status table, slot picks from the listed
free slots, hooks (setup at prepare, load when T0 is chosen, release *at* T0) and the truth
export from an HTTP route or the service's own database. The protocol: ``docs/adapters.md``.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
import jmespath

from sim.agents.actions import STATUS_OF
from sim.drivers.adapter import Answer, HttpRequest, TargetError, code_of_status
from sim.drivers.mapping_model import Hook, Mapping, Operation, Truth
from sim.drivers.mapping_template import TemplateError, fill, names_in
from sim.drivers.slot_pick import SlotView
from sim.drivers.sql_store import SqlError, execute, query
from sim.rng import Streams
from sim.scenario.model import Scenario

__all__ = ["MappingAdapter", "option_names"]

_TIME_FIELDS = ("expires_at", "opens_at", "draw_at")


def option_names(mapping: Mapping) -> set[str]:
    """Every ``{opt.NAME}`` the file uses."""
    used = names_in(mapping.model_dump(mode="json", exclude={"options"}))
    return {n[4:] for n in used if n.startswith("opt.")}


def _search(expr: str | None, body: Any) -> Any:
    return None if expr is None else jmespath.search(expr, body)


class MappingAdapter:
    """A target adapter built from a mapping file (see the module docstring)."""

    def __init__(self, mapping: Mapping, options: dict[str, str] | None = None) -> None:
        self.mapping = mapping
        self.options = {**mapping.options, **(options or {})}
        missing = sorted(option_names(mapping) - set(self.options))
        if missing:
            raise ValueError(
                f"adapter {mapping.name!r} needs option(s) {missing}: "
                + " ".join(f"--adapter-opt {m}=VALUE" for m in missing)
            )
        self.base = {f"opt.{k}": v for k, v in self.options.items()}
        self.tokens: dict[str, str] = {}
        self.token: str | None = None
        self.base_url = ""
        self.t0_wall: float | None = None
        self.scenario: Scenario | None = None
        self.view = SlotView(next((o.pick for o in mapping.operations.values() if o.pick), "first_free"))
        self.lookups = 0  # listing requests the slot pick made itself
        self.hook_errors: list[str] = []
        self._timer: threading.Timer | None = None
        self._client: httpx.Client | None = None

    # ---- once per run, in the controlling process ----------------------------------------
    def load(
        self, client: httpx.Client, admin_token: str | None, scenario: Scenario,
        t0_wall: float, replication: int,
    ) -> None:
        """Run the ``load`` hooks with ``{t0}``; schedule the ``release`` hooks at T0."""
        self.begin(scenario, t0_wall, replication)
        self.base_url = str(client.base_url)
        for hook in self.mapping.load:
            self._run_hook(client, hook)
        if self._timer is not None:  # T0 chosen again: the earlier schedule is void
            self._timer.cancel()
        if self.mapping.release:
            self._timer = threading.Timer(max(t0_wall - time.time(), 0.0), self._release, (client,))
            self._timer.daemon = True
            self._timer.start()

    def _release(self, client: httpx.Client) -> None:
        for hook in self.mapping.release:
            try:
                self._run_hook(client, hook)
            except (TargetError, SqlError, TemplateError, httpx.HTTPError) as exc:
                self.hook_errors.append(f"release hook: {exc}")

    def prepare(
        self, client: httpx.Client, admin_token: str | None, accounts: dict[int, list[int]],
        scenario: Scenario | None = None,
    ) -> dict[str, Any]:
        """Run the ``setup`` hooks; log in (once, or per account); the state holds the tokens."""
        self.scenario = scenario or self.scenario
        self.base_url = str(client.base_url)
        for hook in self.mapping.setup:
            self._run_hook(client, hook)
        auth = self.mapping.auth
        if auth.kind == "login" and auth.login is not None:
            if auth.login.per == "run":
                self.token = self._login(client, {})
            else:
                self.tokens = {
                    str(a): self._login(client, {"account": a, "person": (p or [a])[0]})
                    for a, p in sorted(accounts.items())
                }
        return {"tokens": self.tokens, "token": self.token, "base_url": self.base_url}

    def _login(self, client: httpx.Client, ctx: dict[str, Any]) -> str:
        login = self.mapping.auth.login
        assert login is not None
        r = client.request(login.method, fill(login.path, {**self.base, **ctx}),
                           json=fill(login.body, {**self.base, **ctx}))
        token = _search(login.token, _json(r)) if r.is_success else None
        if not token:
            raise TargetError(f"{login.method} {login.path}: login failed: HTTP {r.status_code} "
                              f"(or no token at {login.token!r}) {r.text[:200]}")
        return str(token)

    def _run_hook(self, client: httpx.Client, hook: Hook) -> None:
        ctx = {**self.base, **self._time_ctx()}
        sessions = self._sessions() if hook.per_session else [{}]
        for extra in sessions:
            c = {**ctx, **extra}
            if hook.sql:
                execute(str(fill(hook.database, c)), [str(fill(s, c)) for s in hook.sql])
                continue
            headers = {**self._auth_headers({}), **{k: str(fill(v, c)) for k, v in hook.headers.items()}}
            r = client.request(hook.method, str(fill(hook.path, c)), json=fill(hook.body, c),
                               headers=headers)
            if not r.is_success:
                raise TargetError(f"{hook.method} {hook.path}: hook failed: HTTP {r.status_code} "
                                  f"{r.text[:200]}")

    def _sessions(self) -> list[dict[str, Any]]:
        if self.scenario is None:
            raise TargetError("a per_session hook needs the scenario (it runs at load or prepare)")
        return [{"session": s.id, "capacity": s.capacity, "department": d.id}
                for d in self.scenario.supply.departments for s in d.sessions]

    def _time_ctx(self) -> dict[str, Any]:
        if self.t0_wall is None:
            return {}
        return {"t0": self.t0_wall, "t0_ms": int(self.t0_wall * 1000),
                "t0_iso": dt.datetime.fromtimestamp(self.t0_wall, dt.UTC).isoformat()}

    # ---- in every worker -----------------------------------------------------------------
    def bind(self, state: dict[str, Any]) -> None:
        """Keep the tokens and the base URL (for the slot pick's own listings)."""
        self.tokens = {str(k): str(v) for k, v in (state.get("tokens") or {}).items()}
        self.token = state.get("token")
        self.base_url = str(state.get("base_url") or self.base_url)

    def begin(self, scenario: Scenario, t0_wall: float, replication: int) -> None:
        """Learn T0 (for times in answers) and the seed (for the ``random`` slot pick)."""
        self.scenario, self.t0_wall = scenario, t0_wall
        self.view.streams = Streams(scenario.seed, replication)

    def warmup_request(self) -> HttpRequest | None:
        """``GET health`` if the file names one."""
        h = self.mapping.health
        return HttpRequest("GET", h, self._auth_headers({}), None, "warmup") if h else None

    def request(self, op: str, args: dict[str, Any]) -> HttpRequest:
        """The HTTP request for ``op`` (or a local answer, for ops the API does not have)."""
        spec = self.mapping.operations.get(op)
        if spec is None or spec.local is not None:
            code = spec.local if spec is not None else "bad_request"
            body = {"hold_id": args["hold"], "session": args.get("session")} if "hold" in args else {}
            return HttpRequest("LOCAL", "", {}, None, op, local=Answer(code, body))
        ctx: dict[str, Any] = {**self.base, **self._time_ctx(), **args}
        if spec.pick is not None:
            ctx["slot"] = self._pick(spec, args)
            if ctx["slot"] is None:  # nothing free as far as a fresh listing shows
                return HttpRequest("LOCAL", "", {}, None, op, local=Answer(self._none_free(), {}))
        path = str(fill(spec.path, ctx))
        if spec.query:
            path += ("&" if "?" in path else "?") + urlencode(fill(spec.query, ctx), doseq=True)
        headers = {**self._auth_headers(args), **{k: str(fill(v, ctx)) for k, v in spec.headers.items()}}
        return HttpRequest(spec.method, path, headers, fill(spec.body, ctx), op,
                           context={"args": args, "slot": ctx.get("slot")})

    def _auth_headers(self, args: dict[str, Any]) -> dict[str, str]:
        auth = self.mapping.auth
        if auth.kind == "none":
            return {}
        token = self.tokens.get(str(args.get("account")), self.token)
        if auth.kind == "login" and token is None:
            return {}  # not logged in yet (a setup hook before the login)
        ctx = {**self.base, "token": token}
        value = auth.value or ("Bearer {token}" if auth.kind == "login" else "")
        return {auth.header: str(fill(value, ctx))}

    def _pick(self, spec: Operation, args: dict[str, Any]) -> Any:
        session = str(args.get("session"))
        if self.view.stale(session, spec.view_ttl_s):
            self._look(args)
        return self.view.pick(session, int(args.get("person") or 0))

    def _before_t0(self) -> bool:
        return self.t0_wall is not None and time.time() < self.t0_wall

    def _none_free(self) -> str:
        """The code of a hold with no free slot listed: before T0 the slots are not out yet."""
        return "not_released" if self._before_t0() else "sold_out"

    def _look(self, args: dict[str, Any]) -> None:
        """List the sessions ourselves (a hold came before any listing in this worker)."""
        req = self.request("list_sessions", {k: v for k, v in args.items() if k != "session"})
        if self._client is None:
            self._client = httpx.Client(base_url=self.base_url, timeout=30.0)
        self.lookups += 1
        try:
            r = self._client.request(req.method, req.path, headers=req.headers, json=req.json)
        except httpx.HTTPError:
            return
        if r.is_success:
            self._sessions_of(self.mapping.operations["list_sessions"], _json(r))

    def answer(
        self, op: str, status: int, body: dict[str, Any], headers: dict[str, str],
        request: HttpRequest | None = None,
    ) -> Answer:
        """The agent's code and body from the HTTP answer."""
        spec = self.mapping.operations[op]
        code = self._code(spec, status, body)
        ctx = request.context if request is not None else {}
        args = ctx.get("args", {})
        if spec.pick is not None:
            code = self._picked(str(args.get("session")), ctx.get("slot"), code)
        retry = headers.get("retry-after")
        retry_after = float(retry) if retry and retry.replace(".", "", 1).isdigit() else None
        if code != "ok":  # refusals keep the service's body (a challenge, a draw time …)
            return Answer(code, body, retry_after)
        return Answer(code, self._body(op, spec, body, args), retry_after)

    def _code(self, spec: Operation, status: int, body: dict[str, Any]) -> str:
        named = _search(spec.answer.code, body)
        if isinstance(named, str) and named in STATUS_OF:
            return named
        table = {**self.mapping.status, **spec.status}
        return table.get(status) or code_of_status(status)

    def _picked(self, session: str, slot: Any, code: str) -> str:
        self.view.taken(session, slot)
        if code == "sold_out" and self.view.free.get(session):
            return "conflict"  # that slot was taken, others are free: not sold out
        return code

    def _body(self, op: str, spec: Operation, body: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        if op == "list_sessions":
            return {"sessions": self._announced(self._sessions_of(spec, body))}
        a = spec.answer
        out: dict[str, Any] = {k: _search(e, body) for k, e in a.extra.items()}
        hold = _search(a.hold_id, body) if a.hold_id else args.get("hold")
        if hold is not None:
            out["hold_id"] = hold
        out["session"] = _search(a.session, body) if a.session else args.get("session")
        for name in ("slot", "token", "expires_at"):
            value = _search(getattr(a, name), body)
            if value is not None:
                out[name] = value
        for name in _TIME_FIELDS:
            if out.get(name) is not None:
                out[name] = self.relative(out[name], spec.time_format)
        return out

    def _sessions_of(self, spec: Operation, body: dict[str, Any]) -> list[dict[str, Any]]:
        s = spec.sessions
        if s is None:
            return list(body.get("sessions") or [])
        items = _search(s.items, body) or []
        if not s.per_slot:
            return [{"id": str(_search(s.id, i)), "remaining": _search(s.remaining, i) or 0,
                     "opens_at": self._opens(s.opens_at, i, spec)} for i in items]
        free: dict[str, list[Any]] = {}
        for i in items:
            sess = str(_search(s.session, i))
            free.setdefault(sess, [])
            if _search(s.free, i):
                free[sess].append(_search(s.slot, i))
        for sess, slots in free.items():
            self.view.update(sess, slots)
        return [{"id": sess, "remaining": len(slots), "opens_at": None} for sess, slots in free.items()]

    def _announced(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Before T0, with release hooks (the service has no release time of its own), every
        session of the scenario is listed as opening at T0 — as a release page announces it."""
        if not (self.mapping.release and self._before_t0() and self.scenario is not None):
            return sessions
        listed = {s["id"]: s for s in sessions}
        return [{**listed.get(sid, {"id": sid, "remaining": 0}), "opens_at": 0.0}
                for sid in (s["session"] for s in self._sessions())]

    def _opens(self, expr: str | None, item: Any, spec: Operation) -> float | None:
        value = _search(expr, item)
        return None if value is None else self.relative(value, spec.time_format)

    def relative(self, value: Any, fmt: str) -> float:
        """A time from the target as seconds relative to T0."""
        if fmt == "relative":
            return float(value)
        if fmt == "iso8601":
            epoch = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
        else:
            epoch = float(value) / (1000.0 if fmt == "epoch_ms" else 1.0)
        return epoch - (self.t0_wall if self.t0_wall is not None else 0.0)

    # ---- after the run -------------------------------------------------------------------
    def export_events(self, client: httpx.Client, admin_token: str | None) -> list[dict[str, Any]]:
        """The target's bookings (its ``truth``) as ``bookings`` events, ordered by ``t``."""
        if self._timer is not None:
            self._timer.cancel()
        if self.hook_errors:
            raise TargetError("; ".join(self.hook_errors[:3]))
        truth = self.mapping.truth
        if truth is None:
            raise TargetError(f"adapter {self.mapping.name!r} has no truth: export (the verdict "
                              "needs the target's own record of bookings)")
        rows = self._truth_rows(client, truth)
        events = [e for row in rows for e in self._events_of(truth, row)]
        return sorted(events, key=lambda e: e["t"])  # stable: a state row's hold stays first

    def _truth_rows(self, client: httpx.Client, truth: Truth) -> list[Any]:
        ctx = {**self.base, **self._time_ctx()}
        if truth.sql is not None:
            return query(str(fill(truth.database, ctx)), str(fill(truth.sql, ctx)))
        r = client.request(truth.method, str(fill(truth.path, ctx)), headers=self._auth_headers({}))
        if not r.is_success:
            raise TargetError(f"{truth.method} {truth.path}: could not export the bookings: "
                              f"HTTP {r.status_code} {r.text[:200]}")
        return list(_search(truth.items, _json(r)) or [])

    def _events_of(self, truth: Truth, row: Any) -> list[dict[str, Any]]:
        e = {name: row.get(name) if isinstance(row, dict) else None
             for name in ("t", "event", "session", "slot", "hold_id", "person", "account", "count")}
        e.update({name: _search(expr, row) for name, expr in truth.fields.items()})
        t = self.relative(e["t"], truth.time_format) if e["t"] is not None else 0.0
        e["t"] = t if math.isfinite(t) else 0.0
        e["count"] = 1 if e["count"] is None else e["count"]
        if truth.shape == "state":
            return [{**e, "event": "hold"}, {**e, "event": "confirm"}]
        return [e]


def _json(r: httpx.Response) -> Any:
    try:
        body = r.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}
